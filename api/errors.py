"""The JSON API's answer to a ServiceError: its HTTP status and `{"detail": message, "reason": detail}`."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from services.errors import ServiceError


def json_error(exc: ServiceError) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse({"detail": exc.message, "reason": exc.detail}, status_code=exc.status, headers=headers)
