"""The web process's Temporal client: connected on first use and again after a failure.

So the web app starts while Temporal is down, and an action then gets a clear 503 instead of a crash.
"""

from __future__ import annotations

import asyncio

from temporalio.client import Client

from core.config import Settings
from core.i18n import _
from core.temporal import TemporalUnreachable, connect
from core.vocabulary import ErrorKind
from services.errors import ServiceError


class TemporalConnection:
    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self.settings = settings
        self._client = client
        self._lock = asyncio.Lock()

    async def get(self, attempts: int = 3) -> Client:
        """The client; ServiceError(UNAVAILABLE) when Temporal cannot be reached."""
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    try:
                        self._client = await connect(self.settings, attempts=attempts, delay=0.2)
                    except TemporalUnreachable as exc:
                        raise unreachable(str(exc)) from None
        return self._client


def unreachable(detail: str) -> ServiceError:
    return ServiceError(ErrorKind.UNAVAILABLE, _("The workflow service is not reachable. Try again in a minute."),
                        detail)
