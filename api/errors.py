"""Errors the web console shows as pages: an HTTP status plus a message already translated.

Raised by api.auth (403, 429), api.actions (workflow refusals) and the page routes (400, 404);
rendered by web.pages' exception handler. Every 403 is logged where it is raised.
"""

from __future__ import annotations


class PageError(Exception):
    def __init__(self, status: int, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = detail  # the workflow's own (English) words, shown small under the message


class LoginRequired(Exception):
    """Not signed in: pages redirect to the log-in form and come back afterwards."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url
