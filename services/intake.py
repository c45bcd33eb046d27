"""Intake (接) for every channel: one GrievanceInput builder, the street and channel checks, readable ticket
numbers, idempotency keys and the intake outbox.

A submission is stored first (outbox row: key -> ticket number + payload), then its workflow is started
with the ticket number as workflow id. The same key always yields the same ticket; a row whose start did
not happen (crash, Temporal down) is started later by the worker's sweep. Database work runs in worker
threads, one short transaction at a time, never across an await.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import Client
from temporalio.service import RPCError

from core import catalog
from core.catalog import CATEGORY_LABELS
from core.config import Settings
from core.i18n import _
from core.intake_outbox import start_intake, store_intake
from core.messages import Actor, Attachment, Channel, Complainant, GrievanceInput, Role
from core.models.tickets import Intake
from core.vocabulary import TERRITORIAL_KINDS, ErrorKind
from services.errors import ServiceError
from services.platform import Platform
from services.temporal import unreachable

log = logging.getLogger(__name__)
OUTBOX_GRACE = timedelta(seconds=10)  # a fresh row is still being started by its own request


FORM_MIN_DESCRIPTION = 5  # a console form typed by hand: a few characters are a stray submit, not a grievance
PHONE = re.compile(r"^[0-9+\-() ]{5,30}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Which channels each role may file on (the public form and Open311 are the citizens').
CHANNELS_BY_ROLE: dict[Role, tuple[Channel, ...]] = {
    Role.CITIZEN: (Channel.WEB, Channel.API),
    Role.OPERATOR: (Channel.HOTLINE, Channel.MEDIA),
    Role.GRID: (Channel.WHISTLE,),
    Role.STREET: (Channel.WHISTLE,),
    Role.DISPATCHER: (Channel.HOTLINE, Channel.MEDIA, Channel.API),
    Role.ADMIN: tuple(Channel),
}


@dataclass
class IntakeRequest:
    """A grievance as any channel hands it in, before it has a number."""

    channel: Channel
    reporter: Actor
    description: str
    address: str = ""
    lat: float | None = None
    lng: float | None = None
    category_hint: str = ""
    requested_item_code: str = ""
    street_id: str | None = None
    complainant: Complainant = field(default_factory=Complainant)
    attachments: list[Attachment] = field(default_factory=list)
    whistle_unit_id: str | None = None
    confidential: bool = False
    received_at: datetime | None = None  # None: now

    def grievance(self, ticket_id: str, settings: Settings) -> GrievanceInput:
        """The workflow's input: the one place a GrievanceInput is built."""
        return GrievanceInput(
            ticket_id=ticket_id, channel=self.channel, description=self.description,
            received_at=self.received_at or datetime.now(UTC), reporter=self.reporter,
            dispatch_owner_id=settings.centre_unit_id, address=self.address, lat=self.lat, lng=self.lng,
            category_hint=self.category_hint, requested_item_code=self.requested_item_code,
            complainant=self.complainant,
            attachments=list(self.attachments), whistle_unit_id=self.whistle_unit_id, street_id=self.street_id,
            confidential=self.confidential,
        )


def check_channel(role: Role, channel: Channel) -> None:
    if channel not in CHANNELS_BY_ROLE.get(role, ()):
        raise ServiceError(ErrorKind.FORBIDDEN, _("Your account may not file grievances on this channel."),
                           f"role {role.value} may not file on {channel.value}")


def street_problem(session: Session, street_id: str | None) -> str | None:
    """Why `street_id` is not a street or township of this city (translated), or None when it is."""
    if not street_id:
        return None
    unit = catalog.get_unit(session, street_id)
    if unit is None or unit.kind not in TERRITORIAL_KINDS:
        return _("Choose a street from the list.")
    return None


@dataclass(frozen=True)
class Problem:
    message: str  # in the user's language
    detail: str  # in English, for logs and machine clients
    field: str = ""  # the form field it is about, so a form can show it beside that field


def problems(session: Session, request: IntakeRequest, *, min_description: int = 1) -> list[Problem]:
    """What keeps a grievance from being filed; empty when it may be filed."""
    found = []
    if len(request.description.strip()) < min_description:
        found.append(Problem(_("Describe the problem in at least %(count)s characters.", count=min_description),
                             "description is too short", "description"))
    if request.category_hint and request.category_hint not in CATEGORY_LABELS:
        found.append(Problem(_("Choose a category from the list."), f"unknown category {request.category_hint}",
                             "category"))
    if not _valid_point(request.lat, request.lng):
        found.append(Problem(_("The map point is not a valid coordinate."), "lat and lng are not a point", "lat"))
    if request.complainant.phone and not PHONE.match(request.complainant.phone):
        found.append(Problem(_("The phone number is not valid."), "phone is not valid", "phone"))
    if request.complainant.email and not EMAIL.match(request.complainant.email):
        found.append(Problem(_("The e-mail address is not valid."), "email is not valid", "email"))
    street = street_problem(session, request.street_id)
    if street:
        found.append(Problem(street, f"{request.street_id} is not a street of this city", "street_id"))
    return found


def _valid_point(lat: float | None, lng: float | None) -> bool:
    if lat is None and lng is None:
        return True
    return lat is not None and lng is not None and -90 <= lat <= 90 and -180 <= lng <= 180


def whistle_street(street_id: str | None) -> str:
    """A whistle (吹哨) comes from, and lies in, the whistling account's street; an account in none cannot."""
    if not street_id:
        raise ServiceError(ErrorKind.BAD_INPUT, _("Your account's unit lies in no street, so it cannot whistle."))
    return street_id


def whistled_from(request: IntakeRequest, account_street: str | None) -> IntakeRequest:
    """The whistle's street and place: the whistling account's street (refused for an account in none)."""
    request.whistle_unit_id = request.street_id = whistle_street(account_street)
    return request


async def file(platform: Platform, request: IntakeRequest, key: str) -> Receipt:
    """Checks the channel and the grievance once, then stores and starts it."""
    check_channel(request.reporter.role, request.channel)

    def check() -> None:
        with Session(platform.engine) as session:
            found = problems(session, request)
        if found:
            raise ServiceError(ErrorKind.BAD_INPUT, " ".join(p.message for p in found),
                               "; ".join(p.detail for p in found))

    await asyncio.to_thread(check)
    return await submit(platform, lambda ticket_id: request.grievance(ticket_id, platform.settings), key)


@dataclass
class Receipt:
    ticket_id: str
    secret: str  # lets the complainant follow and rate the case without an account
    created: bool  # False: the idempotency key was seen before; this is the earlier ticket


def tracking_secret(settings: Settings, ticket_id: str) -> str:
    """Derived, not stored: a re-submission with the same key gets the same secret back."""
    digest = hmac.new(settings.secret_key.encode(), f"track:{ticket_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:10]


def check_secret(settings: Settings, ticket_id: str, secret: str) -> bool:
    # As bytes: compare_digest refuses non-ASCII text, and a secret is anything a visitor types.
    given = (secret or "").strip().lower().encode("utf-8", "surrogatepass")
    return hmac.compare_digest(tracking_secret(settings, ticket_id).encode(), given)


async def submit(platform: Platform, make_input, idempotency_key: str) -> Receipt:
    """Store, then start. `make_input(ticket_id) -> GrievanceInput`. Temporal is asked only when a start is
    needed, so a repeated key answers even while it is down; a start that fails stays in the outbox."""
    engine, settings = platform.engine, platform.settings
    key = idempotency_key.strip()[:200]
    row, created = await asyncio.to_thread(store_intake, engine, settings.timezone, make_input, key)
    ticket_id = row.ticket_id
    if not row.started:
        client = await platform.temporal.get()
        try:
            ticket_id = await start_intake(client, engine, settings.temporal_task_queue, row, settings.timezone)
        except RPCError as exc:  # stored: the worker's sweep starts it, and a resubmit returns the same ticket
            raise unreachable(str(exc)) from None
    return Receipt(ticket_id, tracking_secret(settings, ticket_id), created)


async def start_pending(client: Client, engine: Engine, settings: Settings, task_queue: str | None = None) -> int:
    """The outbox sweep (run by the worker): start every stored intake whose workflow was never started."""
    task_queue = task_queue or settings.temporal_task_queue
    rows = await asyncio.to_thread(_unstarted, engine)
    for row in rows:
        await start_intake(client, engine, task_queue, row, settings.timezone)
        log.info("started intake %s from the outbox", row.ticket_id)
    return len(rows)


def _unstarted(engine: Engine) -> list[Intake]:
    cutoff = datetime.now(UTC) - OUTBOX_GRACE
    with Session(engine) as session:
        return list(session.exec(
            select(Intake).where(Intake.started == False, Intake.created_at < cutoff).limit(500)  # noqa: E712
        ).all())




# ---- hotline call logs in bulk (12345 exports): filed by the worker, see services.import_jobs ----

BULK_MAX_BYTES = 5 * 1024 * 1024
