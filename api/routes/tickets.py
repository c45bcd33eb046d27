"""JSON API for tickets: intake (bulk: api.routes.imports), lists, one ticket, its timeline and near-duplicates, every
human action of services.actions.ACTIONS (one endpoint each, generated), citizens' tracking and notices.

A thin adapter: the services decide; refusals come back as JSON with the statuses of core.vocabulary.
"""


from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from api.auth import ApiUser, api_user
from core.duplicates import find_duplicates
from core.i18n import _
from core.messages import Channel, Complainant
from core.models.tickets import Ticket
from core.vocabulary import ErrorKind
from http_common.deps import PlatformDep, SessionDep, SettingsDep, client_address
from services import actions, cases, intake, notices, tickets, tracking
from services.accounts import CurrentUser, actor_for
from services.actions import ACTIONS, HumanAction
from services.errors import ServiceError
from services.rate_limits import check_api_intake

router = APIRouter(prefix="/api/v1", tags=["tickets"])
Text = Annotated[str, Field(min_length=1, max_length=4000)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
IdempotencyKey = Annotated[str, Header(min_length=1, max_length=200, alias="Idempotency-Key",
                                       description="the same key always returns the same ticket")]
Page = Annotated[int, Query(ge=1, le=10_000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- shapes ----


class ComplainantIn(Strict):
    name: Annotated[str, Field(max_length=100)] = ""
    phone: Annotated[str, Field(max_length=32, pattern=r"^[0-9+\- ]*$")] = ""
    email: Annotated[str, Field(max_length=200)] = ""


class IntakeIn(Strict):
    description: Text
    channel: Channel = Channel.HOTLINE
    address: Annotated[str, Field(max_length=500)] = ""
    lat: Annotated[float | None, Field(ge=-90, le=90)] = None
    lng: Annotated[float | None, Field(ge=-180, le=180)] = None
    category_hint: Annotated[str, Field(max_length=32)] = ""
    street_id: Code | None = None
    complainant: ComplainantIn = ComplainantIn()
    confidential: bool = False


class IntakeOut(BaseModel):
    ticket_id: str
    secret: str = Field(description="lets the complainant follow and rate the case")
    created: bool = Field(description="false: this idempotency key was used before; the earlier ticket")


class CandidateOut(BaseModel):
    item_code: str
    item_name: str
    unit_id: str
    unit_name: str
    confidence: float


class CheckpointOut(BaseModel):
    index: int
    due: datetime
    colour: str | None


class TicketOut(BaseModel):
    id: str
    stage: str
    channel: str
    description: str
    address: str
    lat: float | None
    lng: float | None
    complainant_name: str
    complainant_phone: str
    item_code: str | None
    item_name: str
    category: str
    primary_unit_id: str | None
    cooperating_unit_ids: list[str]
    dispatch_owner_id: str | None
    district_id: str | None
    street_id: str | None
    whistle_unit_id: str | None
    received_at: datetime
    dispatched_at: datetime | None
    accept_deadline: datetime | None
    accepted_at: datetime | None
    closure_deadline: datetime | None
    colour: str
    overdue: bool
    escalated: bool
    pending_request: str
    closed_at: datetime | None
    outcome: str
    rating: str
    reopen_count: int
    calendar_fallback: bool
    proposal: list[CandidateOut]
    checkpoints: list[CheckpointOut]


class TicketPage(BaseModel):
    tickets: list[TicketOut]
    page: int
    has_next: bool


class EventOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    role: str
    unit_id: str | None
    action: str
    reason: str
    stage_before: str
    stage_after: str


class DuplicateOut(BaseModel):
    ticket_id: str
    similarity: float
    distance_m: float | None
    stage: str


class ActionOut(BaseModel):
    ticket_id: str
    stage: str
    seq: int


def ticket_out(ticket: Ticket, user: CurrentUser | None) -> TicketOut:
    view = cases.case_view(user, ticket)
    masked = {"description": view.description, "address": view.address,
              "complainant_name": view.complainant_name, "complainant_phone": view.complainant_phone}
    return TicketOut(
        **{name: getattr(ticket, name) for name in TicketOut.model_fields
           if name not in (*masked, "proposal", "checkpoints")},
        **masked,
        proposal=[CandidateOut(**c) for c in (view.state.get("proposal") or {}).get("candidates") or []],
        checkpoints=[CheckpointOut(index=c["index"], due=c["due"], colour=c.get("colour")) for c in view.checkpoints],
    )


def _page(result: tickets.Page, user: CurrentUser) -> TicketPage:
    return TicketPage(tickets=[ticket_out(t, user) for t in result.rows], page=result.number,
                      has_next=result.has_next)


# ---- intake ----


@router.post("/tickets", status_code=201, response_model=IntakeOut, summary="File a grievance (idempotent)")
async def file_ticket(body: IntakeIn, key: IdempotencyKey, platform: PlatformDep, user: ApiUser) -> IntakeOut:
    await run_in_threadpool(check_api_intake, platform.rate_limits, user.id)
    request = intake.IntakeRequest(
        body.channel, actor_for(user), body.description, address=body.address, lat=body.lat, lng=body.lng,
        category_hint=body.category_hint, street_id=body.street_id,
        complainant=Complainant(**body.complainant.model_dump()), confidential=body.confidential)
    if body.channel == Channel.WHISTLE:
        intake.whistled_from(request, user.street_id)
    receipt = await intake.file(platform, request, f"api:{user.id}:{key}")
    return IntakeOut(ticket_id=receipt.ticket_id, secret=receipt.secret, created=receipt.created)


# ---- reading ----


@router.get("/tickets", response_model=TicketPage, summary="Tickets visible to the caller")
def list_tickets(session: SessionDep, settings: SettingsDep, user: ApiUser,
                 stage: Annotated[list[str] | None, Query(max_length=8)] = None,
                 unit_id: Annotated[str | None, Query(max_length=64)] = None,
                 overdue: bool | None = None, page: Page = 1) -> TicketPage:
    found = tickets.visible_tickets(session, settings, user, stages=stage, unit_id=unit_id, overdue=overdue,
                                    page=page)
    return _page(found, user)


@router.get("/queues/{name}", response_model=TicketPage, summary="A console's work list")
def work_queue(name: Literal["dispatch", "bounces", "review", "inbox", "supervision", "return_visits"],
               session: SessionDep,
               settings: SettingsDep, user: ApiUser, page: Page = 1) -> TicketPage:
    return _page(tickets.work_queue(session, settings, user, name, page), user)


@router.get("/tickets/{ticket_id}", response_model=TicketOut, summary="One ticket")
def get_ticket(ticket_id: str, request: Request, session: SessionDep, settings: SettingsDep,
               user: ApiUser) -> TicketOut:
    return ticket_out(cases.visible_ticket(session, settings, user, ticket_id, request.url.path), user)


@router.get("/tickets/{ticket_id}/events", response_model=list[EventOut], summary="The ticket's audit timeline")
def ticket_events(ticket_id: str, request: Request, session: SessionDep, settings: SettingsDep,
                  user: ApiUser) -> list[EventOut]:
    ticket = cases.visible_ticket(session, settings, user, ticket_id, request.url.path)
    return [EventOut(seq=e.seq, at=e.at, actor=e.actor_name or e.actor_id, role=e.role, unit_id=e.unit_id,
                     action=e.action, reason=e.reason, stage_before=e.stage_before, stage_after=e.stage_after)
            for e in cases.timeline(session, ticket.id)]


@router.get("/tickets/{ticket_id}/duplicates", response_model=list[DuplicateOut],
            summary="Open tickets close in place and text, proposed for merging")
def ticket_duplicates(ticket_id: str, request: Request, session: SessionDep, settings: SettingsDep,
                      user: ApiUser) -> list[DuplicateOut]:
    ticket = cases.visible_ticket(session, settings, user, ticket_id, request.url.path)
    return [DuplicateOut(ticket_id=c.ticket_id, similarity=c.similarity, distance_m=c.distance_m, stage=c.stage)
            for c in find_duplicates(session, ticket)]


# ---- actions: one endpoint per entry of services.actions.ACTIONS ----


def _register(action: HumanAction) -> None:
    async def run(ticket_id: str, body, request: Request, platform, user: CurrentUser) -> ActionOut:
        # A client that retries after a 503 or a lost answer sends the same key: the same update, done once.
        key = request.headers.get("idempotency-key")
        if key is not None and not 1 <= len(key) <= 200:
            raise ServiceError(ErrorKind.BAD_INPUT, _("The Idempotency-Key header must be 1 to 200 characters."))
        result = await actions.perform(platform, user, ticket_id, action.name, body, request.url.path, key)
        return ActionOut(ticket_id=result.ticket_id, stage=result.stage.value, seq=result.seq)

    if action.shape is None:
        async def endpoint(ticket_id: str, request: Request, platform: PlatformDep,
                           user: CurrentUser = Depends(api_user)) -> ActionOut:
            return await run(ticket_id, None, request, platform, user)
    else:
        async def endpoint(ticket_id: str, body: action.shape, request: Request,  # type: ignore[name-defined]
                           platform: PlatformDep, user: CurrentUser = Depends(api_user)) -> ActionOut:
            return await run(ticket_id, body, request, platform, user)

    endpoint.__name__ = f"ticket_{action.name.value}"
    roles = ", ".join(r.value for r in action.roles)
    router.add_api_route(f"/tickets/{{ticket_id}}/{action.name.value}", endpoint, methods=["POST"],
                         response_model=ActionOut,
                         summary=f"{action.name.value.replace('_', ' ').capitalize()} ({roles})")


for _action in ACTIONS.values():
    _register(_action)


# ---- citizens: ticket number + secret, no account ----


class CaseTrackOut(BaseModel):
    ticket_id: str
    stage: str
    received_at: datetime
    closure_deadline: datetime | None
    closed_at: datetime | None
    rating: str
    events: list[EventOut]


class TrackOut(CaseTrackOut):
    can_rate: bool = Field(description="the case waits for this complainant's rating")
    followed: CaseTrackOut | None = Field(None, description="a merged duplicate: the case it joined, which its "
                                                            "complainant follows and rates")


class CitizenRateIn(Strict):
    secret: Annotated[str, Field(min_length=1, max_length=64)]
    rating: str
    resolved: bool | None = Field(None, description="was the problem solved? (left out: a return visit asks)")
    comment: Annotated[str, Field(max_length=4000)] = ""


@router.get("/track/{ticket_id}", response_model=TrackOut, tags=["citizens"], summary="Follow a ticket")
def track(ticket_id: str, request: Request, session: SessionDep, platform: PlatformDep,
          secret: Annotated[str, Query(min_length=1, max_length=64)]) -> TrackOut:
    found = tracking.track(session, platform, ticket_id, secret, client_address(request))
    if found.ticket is None:
        raise ServiceError(ErrorKind.NOT_FOUND, _("Your case is being registered. Reload this page in a few seconds."))
    followed = _tracked_case(found.followed, found.followed_steps) if found.followed else None
    return TrackOut(**_tracked_case(found.ticket, found.steps).model_dump(), can_rate=found.can_rate,
                    followed=followed)


def _tracked_case(ticket, steps) -> CaseTrackOut:
    return CaseTrackOut(ticket_id=ticket.id, stage=ticket.stage, received_at=ticket.received_at,
                        closure_deadline=ticket.closure_deadline, closed_at=ticket.closed_at, rating=ticket.rating,
                        events=[EventOut(seq=e.seq, at=e.at, actor=e.role, role=e.role, unit_id=e.unit_id,
                                         action=e.action, reason=e.reason, stage_before=e.stage_before,
                                         stage_after=e.stage_after) for e in steps])


@router.post("/track/{ticket_id}/rating", response_model=ActionOut, tags=["citizens"], summary="Rate the result")
async def citizen_rating(ticket_id: str, body: CitizenRateIn, request: Request, platform: PlatformDep) -> ActionOut:
    result = await tracking.rate(platform, ticket_id, body.secret, body.rating, body.comment, client_address(request),
                                 resolved=body.resolved)
    return ActionOut(ticket_id=result.ticket_id, stage=result.stage.value, seq=result.seq)


# ---- notices to the caller's unit or supervision queue ----


class NoticeOut(BaseModel):
    id: int
    ticket_id: str
    kind: str
    message: str
    created_at: datetime


@router.get("/notices", response_model=list[NoticeOut], tags=["notices"], summary="Unread notices for the caller")
def list_notices(session: SessionDep, user: ApiUser) -> list[NoticeOut]:
    return [NoticeOut(id=n.id, ticket_id=n.ticket_id, kind=n.kind, message=n.message, created_at=n.created_at)
            for n in notices.notices_for(session, user)]


@router.post("/notices/{notice_id}/read", status_code=204, tags=["notices"], summary="Mark a notice read")
def read_notice(notice_id: int, request: Request, session: SessionDep, user: ApiUser) -> None:
    notices.mark_read(session, user, notice_id, request.url.path)
