"""Intake (接) pages: the public form, the hotline operator's form and the grid worker's whistle form.

All three read their fields into a services.intake.IntakeRequest and call services.intake.file; a hidden
uuid made when the form is shown is the idempotency key, so a double submit returns the same ticket.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session
from starlette.datastructures import UploadFile

from core.catalog import CATEGORY_LABELS
from core.i18n import _
from core.messages import Actor, Channel, Complainant, Role
from core.vocabulary import ErrorKind
from http_common.deps import PlatformDep, SessionDep
from services import intake, uploads
from services.accounts import actor_for
from services.errors import ServiceError
from services.platform import Platform
from services.tickets import streets
from web.auth import CurrentUser, require_roles
from web.routes.common import text
from web.templating import render

router = APIRouter()
PHONE = re.compile(r"^[0-9+\-() ]{5,30}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

Operator = Annotated[CurrentUser, Depends(require_roles(Role.OPERATOR))]
Whistler = Annotated[CurrentUser, Depends(require_roles(Role.GRID, Role.STREET))]

FORMS = {
    "web": ("intake_public.html", "/report"),
    "hotline": ("intake_hotline.html", "/intake/hotline"),
    "whistle": ("intake_whistle.html", "/whistle"),
}


def _form_context(session: Session, values: dict | None = None, errors: list[str] | None = None) -> dict:
    values = dict(values or {})
    values.setdefault("idempotency_key", str(uuid.uuid4()))
    return {"values": values, "errors": errors or [], "streets": streets(session), "categories": CATEGORY_LABELS}


def _show(request: Request, session: Session, channel: str, values=None, errors=None, status: int = 200):
    return render(request, FORMS[channel][0], {**_form_context(session, values, errors), "action": FORMS[channel][1]},
                  status_code=status)


def _coordinate(raw: str, low: float, high: float, errors: list[str]) -> float | None:
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        errors.append(_("The map point is not a valid coordinate."))
        return None
    return value


def _read_fields(form, session: Session, *, contact: bool) -> tuple[dict, list[str]]:
    values = {name: text(form, name, limit) for name, limit in (
        ("description", 4000), ("category", 32), ("address", 300), ("lat", 32), ("lng", 32), ("name", 50),
        ("phone", 30), ("email", 120), ("street_id", 64), ("idempotency_key", 200))}
    values["confidential"] = form.get("confidential") == "on"
    errors: list[str] = []
    if len(values["description"]) < 5:
        errors.append(_("Describe the problem in at least 5 characters."))
    if values["category"] and values["category"] not in CATEGORY_LABELS:
        errors.append(_("Choose a category from the list."))
    values["lat_value"] = _coordinate(values["lat"], -90, 90, errors)
    values["lng_value"] = _coordinate(values["lng"], -180, 180, errors)
    if (values["lat_value"] is None) != (values["lng_value"] is None) and not errors:
        errors.append(_("The map point is not a valid coordinate."))
    if contact and values["phone"] and not PHONE.match(values["phone"]):
        errors.append(_("The phone number is not valid."))
    if contact and values["email"] and not EMAIL.match(values["email"]):
        errors.append(_("The e-mail address is not valid."))
    problem = intake.street_problem(session, values["street_id"])
    if problem:
        errors.append(problem)
    return values, errors


async def _file(request: Request, platform: Platform, channel: Channel, reporter: Actor,
                whistle_unit_id: str | None = None):
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > uploads.MAX_REQUEST_BYTES:
        raise ServiceError(ErrorKind.TOO_LARGE, _("The photos are too large: at most 3 photos of 5 MB each."))
    form = await request.form(max_files=uploads.MAX_FILES + 2)
    contact = channel != Channel.WHISTLE

    def check() -> tuple[dict, list[str], dict | None]:
        with Session(platform.engine) as session:
            values, errors = _read_fields(form, session, contact=contact)
            if channel == Channel.WHISTLE:
                values["street_id"] = whistle_unit_id or ""
            return values, errors, (_form_context(session, values, errors) if errors else None)

    values, errors, context = await run_in_threadpool(check)
    if errors:
        return render(request, FORMS[channel.value][0], {**context, "action": FORMS[channel.value][1]},
                      status_code=400)
    files = [(f.filename, await f.read(uploads.MAX_BYTES + 1)) for f in form.getlist("photos")
             if isinstance(f, UploadFile) and f.filename]
    attachments = uploads.store(platform.settings.data_dir, uploads.check_photos(files))
    grievance = intake.IntakeRequest(
        channel, reporter, values["description"], address=values["address"], lat=values["lat_value"],
        lng=values["lng_value"], category_hint=values["category"],
        complainant=Complainant(values["name"], values["phone"], values["email"]) if contact else Complainant(),
        attachments=attachments, whistle_unit_id=whistle_unit_id, street_id=values["street_id"] or None,
        confidential=values["confidential"])
    key = values["idempotency_key"] or str(uuid.uuid4())
    receipt = await intake.file(platform, grievance, f"{channel.value}:{key}")
    return render(request, "intake_done.html", {"receipt": receipt, "channel": channel.value,
                                                "show_secret": channel != Channel.WHISTLE})


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
    return await _file(request, platform, Channel.WHISTLE, actor_for(user), whistle_unit_id=street)
