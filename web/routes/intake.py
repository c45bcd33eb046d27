"""Intake (接) pages: the public form, the hotline operator's form and the grid worker's whistle form.

All three build a GrievanceInput and call api.intake.submit; a hidden uuid made when the form is
shown is the idempotency key, so a double submit returns the same ticket.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from sqlmodel import Session
from temporalio.service import RPCError

from api.actions import actor_for
from api.auth import CurrentUser, require_roles
from api.deps import SessionDep, SettingsDep
from api.errors import PageError
from api.intake import submit
from core import catalog
from core.catalog import CATEGORY_LABELS
from core.config import Settings
from core.i18n import _
from core.messages import Actor, Channel, Complainant, GrievanceInput, Role
from web import uploads
from web.queries import streets
from web.routes.common import temporal_client, text
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
    if values["street_id"]:
        unit = catalog.get_unit(session, values["street_id"])
        if unit is None or unit.kind not in catalog.TERRITORIAL_KINDS:
            errors.append(_("Choose a street from the list."))
    return values, errors


async def _file(request: Request, session: Session, settings: Settings, channel: Channel, reporter: Actor,
                whistle_unit_id: str | None = None):
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > uploads.MAX_REQUEST_BYTES:
        raise PageError(413, _("The photos are too large: at most 3 photos of 5 MB each."))
    form = await request.form(max_files=uploads.MAX_FILES + 2)
    contact = channel != Channel.WHISTLE
    values, errors = _read_fields(form, session, contact=contact)
    if channel == Channel.WHISTLE:
        values["street_id"] = whistle_unit_id or ""
    if errors:
        return _show(request, session, channel.value, values, errors, status=400)
    photos = await uploads.read_photos(form.getlist("photos"))
    client = await temporal_client(request)
    attachments = uploads.store(settings.data_dir, photos)

    def make_input(ticket_id: str) -> GrievanceInput:
        return GrievanceInput(
            ticket_id=ticket_id,
            channel=channel,
            description=values["description"],
            received_at=datetime.now(UTC),
            reporter=reporter,
            dispatch_owner_id=settings.centre_unit_id,
            address=values["address"],
            lat=values["lat_value"],
            lng=values["lng_value"],
            category_hint=values["category"],
            complainant=Complainant(values["name"], values["phone"], values["email"]) if contact else Complainant(),
            attachments=attachments,
            whistle_unit_id=whistle_unit_id,
            street_id=values["street_id"] or None,
            confidential=values["confidential"],
        )

    key = values["idempotency_key"] or str(uuid.uuid4())
    try:
        receipt = await submit(client, request.app.state.engine, settings, make_input, f"{channel.value}:{key}")
    except RPCError as exc:  # stored in the outbox: the worker starts it, and a resubmit returns the same ticket
        raise PageError(503, _("The workflow service is not reachable. Try again in a minute."), str(exc)) from None
    return render(request, "intake_done.html", {"receipt": receipt, "channel": channel.value,
                                                "show_secret": channel != Channel.WHISTLE})


@router.get("/report")
def public_form(request: Request, session: SessionDep):
    return _show(request, session, "web")


@router.post("/report")
async def public_submit(request: Request, session: SessionDep, settings: SettingsDep):
    reporter = Actor(id="citizen", role=Role.CITIZEN, name="citizen")
    return await _file(request, session, settings, Channel.WEB, reporter)


@router.get("/intake/hotline")
def hotline_form(request: Request, session: SessionDep, user: Operator):
    return _show(request, session, "hotline")


@router.post("/intake/hotline")
async def hotline_submit(request: Request, session: SessionDep, settings: SettingsDep, user: Operator):
    return await _file(request, session, settings, Channel.HOTLINE, actor_for(user))


@router.get("/whistle")
def whistle_form(request: Request, session: SessionDep, user: Whistler):
    return _show(request, session, "whistle", {"street_id": user.street_id or ""})


@router.post("/whistle")
async def whistle_submit(request: Request, session: SessionDep, settings: SettingsDep, user: Whistler):
    if not user.street_id:
        raise PageError(400, _("Your account's unit lies in no street, so it cannot whistle."))
    return await _file(request, session, settings, Channel.WHISTLE, actor_for(user), whistle_unit_id=user.street_id)
