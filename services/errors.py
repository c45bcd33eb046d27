"""ServiceError: an ErrorKind (core.vocabulary, which also maps it to an HTTP status) and a translated message.

Raised by every service and shown by the adapters: a page in web/, JSON or Open311 XML in api/.
"""

from __future__ import annotations

from core.vocabulary import HTTP_STATUS, ErrorKind


class ServiceError(Exception):
    def __init__(self, kind: ErrorKind, message: str, detail: str = "", *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message  # already translated into the request's language
        self.detail = detail  # the workflow's or the rule's own (English) words, for logs and the small print
        self.retry_after = retry_after  # seconds, for a refusal that ends by itself (Retry-After)

    @property
    def status(self) -> int:
        return HTTP_STATUS[self.kind]
