"""The Temporal UI's remote codec endpoint: staff who are signed in read a case's payloads in plain text.

Temporal's protocol: POST /codec/decode {"payloads": [...]} (base64 metadata and data), X-Namespace header,
called from the UI's origin with the console's session cookie. Supervisors and admins only. There is no
/codec/encode on purpose: the UI must not become a way to send actions that skip the console's checks.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from google.protobuf import json_format
from temporalio.api.common.v1 import Payloads

from core.i18n import _
from core.messages import Role
from core.payload_codec import EncryptionCodec, PayloadKeyError, PayloadRefused, keyring
from services.accounts import denied
from web.auth import OptionalUser

router = APIRouter(prefix="/codec", include_in_schema=False)
CODEC_ROLES = (Role.SUPERVISOR, Role.ADMIN)
MAX_PAYLOADS = 1000


@router.options("/decode")
def preflight(request: Request) -> Response:
    return Response(status_code=204, headers=_cors(request))


@router.post("/decode")
async def decode(request: Request, user: OptionalUser) -> Response:
    settings = request.app.state.platform.settings
    if user is None:
        denied(None, request.url.path, "codec decode without a session")
        return _error(request, 401, _("Sign in to the console as a supervisor or administrator first."))
    if user.role not in CODEC_ROLES:
        refusal = denied(user, request.url.path, f"role {user.role.value} may not decode workflow payloads")
        return _error(request, 403, refusal.message)
    namespace = request.headers.get("x-namespace")
    if namespace and namespace != settings.temporal_namespace:
        return _error(request, 400, _("This codec serves the namespace %(namespace)s only.",
                                      namespace=settings.temporal_namespace))
    if not request.headers.get("content-type", "").startswith("application/json"):
        return _error(request, 415, _("Send the payloads as application/json."))
    try:
        payloads = json_format.Parse(await request.body(), Payloads())
    except (json_format.ParseError, UnicodeDecodeError):
        return _error(request, 400, _("The request is not a list of Temporal payloads in JSON."))
    if len(payloads.payloads) > MAX_PAYLOADS:
        return _error(request, 413, _("Too many payloads in one request."))
    try:
        decoded = _codec(request).decode_strict(payloads.payloads)
    except PayloadRefused as exc:
        return _error(request, 400, _("A payload could not be decrypted with this platform's keys: %(reason)s",
                                      reason=str(exc)))
    body = json_format.MessageToJson(Payloads(payloads=decoded))
    return Response(body, media_type="application/json", headers=_cors(request))


def _codec(request: Request) -> EncryptionCodec:
    """One codec per app, built from the same settings as its Temporal client."""
    state = request.app.state
    if getattr(state, "payload_codec", None) is None:
        try:
            state.payload_codec = EncryptionCodec(keyring(state.platform.settings))
        except PayloadKeyError as exc:
            raise PayloadRefused(str(exc)) from None
    return state.payload_codec


def _cors(request: Request) -> dict[str, str]:
    """CORS for the configured Temporal UI origin only, with credentials so the session cookie is sent."""
    origin = request.headers.get("origin")
    if not origin or origin != request.app.state.platform.settings.effective_temporal_ui_origin:
        return {"Vary": "Origin"}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "content-type, x-namespace",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    }


def _error(request: Request, status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status, headers=_cors(request))
