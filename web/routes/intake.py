"""Intake (接) pages: the public form, the hotline operator's form and the grid worker's whistle form.

All three read their fields into a services.intake.IntakeRequest and call services.intake.file; a hidden
uuid made when the form is shown is the idempotency key, so a double submit returns the same ticket.
"""

from __future__ import annotations

import math
import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session
from starlette.datastructures import UploadFile

from core.catalog import CATEGORY_LABELS
from core.i18n import _
from core.messages import Actor, Channel, Complainant, Role
from core.vocabulary import ErrorKind
from http_common.deps import PlatformDep, SessionDep, client_address
from services import intake, uploads
from services.accounts import actor_for
from services.errors import ServiceError
from services.platform import Platform
from services.rate_limits import check_form_intake
from services.tickets import streets
from web.auth import CurrentUser, require_roles
from web.qr import qr_svg
from web.routes.common import text
from web.templating import render

router = APIRouter()

Operator = Annotated[CurrentUser, Depends(require_roles(Role.OPERATOR))]
Whistler = Annotated[CurrentUser, Depends(require_roles(Role.GRID, Role.STREET))]

FORMS = {
    "web": ("intake_public.html", "/report"),
    "hotline": ("intake_hotline.html", "/intake/hotline"),
    "whistle": ("intake_whistle.html", "/whistle"),
}


# The public form keeps what was typed when its token has expired (the anonymous session ended while the citizen
# typed); staff forms need a new log-in first, which the form cannot survive anyway.
EXPIRY_KEEPS = {"/report": "web"}


async def show_expired(request: Request, platform: Platform, refused: ServiceError):
    """The form whose token had expired, filled as sent, with a fresh token."""
    channel = EXPIRY_KEEPS[request.url.path]
    form = await request.form()  # already read by the CSRF check
    values, _problems_of_fields = _read_fields(form, None)
    photos = any(isinstance(f, UploadFile) and f.filename for f in form.getlist("photos"))
    message = _("The form had expired, so nothing was sent. Everything you typed is below: check it and send it "
                "again.")
    return await _show_again(request, platform, channel, values, {"": message}, photos, refused.status, None)


def _form_context(session: Session, values: dict | None = None, field_errors: dict[str, str] | None = None,
                  photos_dropped: bool = False) -> dict:
    """The form's variables; `field_errors` maps a field's name ("" for the whole form) to its message."""
    values = dict(values or {})
    values.setdefault("idempotency_key", str(uuid.uuid4()))
    field_errors = field_errors or {}
    return {"values": values, "errors": list(field_errors.values()), "field_errors": field_errors,
            "photos_dropped": photos_dropped, "streets": streets(session), "categories": CATEGORY_LABELS,
            "max_photos": uploads.MAX_FILES, "max_photo_bytes": uploads.MAX_BYTES}  # checked in the browser too


def _show(request: Request, session: Session, channel: str, values=None):
    return render(request, FORMS[channel][0], {**_form_context(session, values), "action": FORMS[channel][1]})


def _coordinate(raw: str) -> tuple[float | None, bool]:
    """The number typed into a map-point field, and whether the text was one."""
    if not raw:
        return None, True
    try:
        value = float(raw)
    except ValueError:
        return None, False
    return (value, True) if math.isfinite(value) else (None, False)


def _read_fields(form, whistle_street: str | None) -> tuple[dict, dict[str, str]]:
    """The typed values (a too-long one cut to its limit) and a message beside each field that was too long."""
    values, too_long = {}, {}
    for name, limit in (("description", 4000), ("category", 32), ("address", 300), ("lat", 32), ("lng", 32),
                        ("name", 50), ("phone", 30), ("email", 120), ("street_id", 64), ("idempotency_key", 200)):
        try:
            values[name] = text(form, name, limit)
        except ServiceError as refused:
            raw = form.get(name)
            values[name], too_long[name] = (raw.strip()[:limit] if isinstance(raw, str) else ""), refused.message
    values["confidential"] = form.get("confidential") == "on"
    if whistle_street is not None:  # a whistle lies in the whistling account's street
        values["street_id"] = whistle_street
    return values, too_long


def _grievance(values: dict, channel: Channel, reporter: Actor, whistle_street: str | None
               ) -> tuple[intake.IntakeRequest, bool]:
    """The form as a grievance, and whether its map point was typed as numbers."""
    (lat, lat_ok), (lng, lng_ok) = _coordinate(values["lat"]), _coordinate(values["lng"])
    contact = Complainant(values["name"], values["phone"], values["email"]) if channel != Channel.WHISTLE \
        else Complainant()
    request = intake.IntakeRequest(
        channel, reporter, values["description"], address=values["address"], lat=lat, lng=lng,
        category_hint=values["category"], complainant=contact, street_id=values["street_id"] or None,
        whistle_unit_id=whistle_street, confidential=values["confidential"])
    return request, lat_ok and lng_ok


async def _file(request: Request, platform: Platform, channel: Channel, reporter: Actor,
                whistle_street: str | None = None):
    """Files the grievance, or shows the form again with every value typed and a message beside each
    problem: a refused photo, a throttle or a busy platform never lose the citizen's text."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > uploads.MAX_REQUEST_BYTES:
        raise ServiceError(ErrorKind.TOO_LARGE, _("The photos are too large: at most 3 photos of 5 MB each."))
    form = await request.form(max_files=uploads.MAX_FILES + 2)
    values, field_errors = _read_fields(form, whistle_street)
    files = [(f.filename, await f.read(uploads.MAX_BYTES + 1)) for f in form.getlist("photos")
             if isinstance(f, UploadFile) and f.filename]

    async def again(errors: dict[str, str], status: int = 400, retry_after: int | None = None):
        return await _show_again(request, platform, channel.value, values, errors, bool(files), status,
                                 retry_after)

    try:
        await run_in_threadpool(check_form_intake, platform.rate_limits, channel, reporter.id,
                                client_address(request))
    except ServiceError as refused:
        return await again({"": refused.message}, refused.status, refused.retry_after)
    grievance, typed = _grievance(values, channel, reporter, whistle_street)
    field_errors.update(await run_in_threadpool(_problems, platform, grievance, typed))
    try:
        photos = await run_in_threadpool(uploads.check_photos, files, max_pixels=platform.settings.upload_max_pixels)
    except ServiceError as refused:
        field_errors["photos"] = refused.message
    if field_errors:
        return await again(field_errors)
    grievance.attachments = uploads.store(platform.settings.data_dir, photos)
    key = values["idempotency_key"] or str(uuid.uuid4())
    try:
        receipt = await intake.file(platform, grievance, f"{channel.value}:{key}")
    except ServiceError as refused:  # e.g. the platform is busy: the same key files it once when sent again
        values["idempotency_key"] = key
        return await again({"": refused.message}, refused.status, refused.retry_after)
    show_secret = channel != Channel.WHISTLE
    # The QR carries the ticket number only: a photo of the screen or the paper must not open the case.
    track_url = f"{request.base_url}track?ticket={quote(receipt.ticket_id)}"
    return render(request, "intake_done.html", {"receipt": receipt, "channel": channel.value,
                                                "show_secret": show_secret,
                                                "track_qr": qr_svg(track_url) if show_secret else ""})


def _problems(platform: Platform, grievance: intake.IntakeRequest, typed: bool) -> dict[str, str]:
    """What keeps the grievance from being filed, by form field (a map point's problem sits by the latitude)."""
    with Session(platform.engine) as session:
        found = {}
        for problem in intake.problems(session, grievance, min_description=intake.FORM_MIN_DESCRIPTION):
            found.setdefault(problem.field, problem.message)
    if not typed:
        found.setdefault("lat", _("The map point is not a valid coordinate."))
    return found


async def _show_again(request: Request, platform: Platform, channel: str, values: dict, errors: dict[str, str],
                      photos_dropped: bool, status: int, retry_after: int | None):
    def context() -> dict:
        with Session(platform.engine) as session:
            return _form_context(session, values, errors, photos_dropped)

    page = {**await run_in_threadpool(context), "action": FORMS[channel][1]}
    response = render(request, FORMS[channel][0], page, status_code=status)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


@router.get("/report")
def public_form(request: Request, session: SessionDep):
    return _show(request, session, "web")


@router.post("/report")
async def public_submit(request: Request, platform: PlatformDep):
    reporter = Actor(id="citizen", role=Role.CITIZEN, name="citizen")
    return await _file(request, platform, Channel.WEB, reporter)


@router.get("/intake/hotline")
def hotline_form(request: Request, session: SessionDep, user: Operator):
    return _show(request, session, "hotline")


@router.post("/intake/hotline")
async def hotline_submit(request: Request, platform: PlatformDep, user: Operator):
    return await _file(request, platform, Channel.HOTLINE, actor_for(user))


@router.get("/whistle")
def whistle_form(request: Request, session: SessionDep, user: Whistler):
    return _show(request, session, "whistle", {"street_id": user.street_id or ""})


@router.post("/whistle")
async def whistle_submit(request: Request, platform: PlatformDep, user: Whistler):
    street = intake.whistle_street(user.street_id)
    return await _file(request, platform, Channel.WHISTLE, actor_for(user), whistle_street=street)
