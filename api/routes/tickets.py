"""JSON API for tickets: intake (single and bulk), lists, one ticket, its timeline and near-duplicates,
and every human action the web console offers, with the same roles and visibility.

Actions are Temporal Updates sent through api.actions; refusals come back as JSON errors with the
same statuses as the pages (400 / 403 / 404 / 409 / 503).
"""

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Header, Query, Request, UploadFile
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select

from api.actions import actor_for, citizen_actor, send
from api.auth import CurrentUser, deny, may_see_personal_data
from api.deps import EngineDep, SessionDep, SettingsDep
from api.errors import PageError
from api.hotline_import import parse as parse_hotline_csv
from api.intake import check_secret, submit
from api.token_auth import ApiUser, require_api_roles
from core import catalog
from core.duplicates import find_duplicates
from core.masking import mask_name, mask_phone, mask_text
from core.messages import (
    AcceptInput,
    Actor,
    BounceRequestInput,
    BounceRulingInput,
    Channel,
    Complainant,
    ConsultationInput,
    ConsultationRulingInput,
    DispatchInput,
    EscalateInput,
    ExtensionRequestInput,
    ExtensionRulingInput,
    GrievanceInput,
    Outcome,
    ProgressInput,
    RateInput,
    Rating,
    ReassignInput,
    RejectInput,
    ReviewInput,
    Role,
    SubmitResultInput,
)
from core.models.tickets import Notice, Ticket, TicketEvent
from web import queries
from web.routes.common import temporal_client
from workflows.grievance import GrievanceWorkflow

router = APIRouter(prefix="/api/v1", tags=["tickets"])
Text = Annotated[str, Field(min_length=1, max_length=4000)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
Units = Annotated[list[Code], Field(max_length=20)]
IdempotencyKey = Annotated[str, Header(min_length=1, max_length=200, alias="Idempotency-Key",
                                       description="the same key always returns the same ticket")]
TicketId = Annotated[str, Field(max_length=32)]
INTAKE_CHANNELS = {
    Role.OPERATOR: (Channel.HOTLINE, Channel.MEDIA),
    Role.GRID: (Channel.WHISTLE,),
    Role.STREET: (Channel.WHISTLE,),
    Role.DISPATCHER: (Channel.HOTLINE, Channel.MEDIA, Channel.API),
    Role.ADMIN: tuple(Channel),
}


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


class BulkOut(BaseModel):
    filed: int
    already_filed: int
    tickets: dict[str, str] = Field(description="call_id -> ticket number")


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
    unmasked = may_see_personal_data(user, ticket.primary_unit_id)
    known = [ticket.complainant_name, ticket.complainant_phone]
    state = ticket.state or {}
    proposal = (state.get("proposal") or {}).get("candidates") or []
    return TicketOut(
        **{name: getattr(ticket, name) for name in TicketOut.model_fields
           if name not in ("description", "address", "complainant_name", "complainant_phone", "proposal",
                           "checkpoints")},
        description=ticket.description if unmasked else mask_text(ticket.description, known),
        address=ticket.address if unmasked else mask_text(ticket.address, known),
        complainant_name=ticket.complainant_name if unmasked else mask_name(ticket.complainant_name),
        complainant_phone=ticket.complainant_phone if unmasked else mask_phone(ticket.complainant_phone),
        proposal=[CandidateOut(**c) for c in proposal],
        checkpoints=[CheckpointOut(index=c["index"], due=c["due"], colour=c.get("colour"))
                     for c in state.get("checkpoints") or []],
    )


def _visible(request: Request, session, settings, user: CurrentUser, ticket_id: str) -> Ticket:
    ticket = session.get(Ticket, ticket_id[:32])
    if ticket is None:
        raise PageError(404, "no such ticket (a ticket filed a moment ago appears within a few seconds)")
    if not queries.can_view(user, ticket, settings):
        raise deny(request, user, f"ticket {ticket.id} outside the account's cases", "not your ticket")
    return ticket


# ---- intake ----


@router.post("/tickets", status_code=201, response_model=IntakeOut, summary="File a grievance (idempotent)")
async def file_ticket(body: IntakeIn, key: IdempotencyKey, request: Request, session: SessionDep,
                      engine: EngineDep, settings: SettingsDep, user: ApiUser) -> IntakeOut:
    allowed = INTAKE_CHANNELS.get(user.role, ())
    if body.channel not in allowed:
        raise deny(request, user, f"role {user.role.value} may not file channel {body.channel.value}")
    if (body.lat is None) != (body.lng is None):
        raise PageError(400, "lat and lng go together")
    street_id = user.street_id if body.channel == Channel.WHISTLE else body.street_id
    if street_id and street_id not in {u.id for u in queries.streets(session)}:
        raise PageError(400, f"unknown street {street_id}")
    reporter = actor_for(user)

    def make_input(ticket_id: str) -> GrievanceInput:
        return GrievanceInput(
            ticket_id=ticket_id, channel=body.channel, description=body.description, received_at=datetime.now(UTC),
            reporter=reporter, dispatch_owner_id=settings.centre_unit_id, address=body.address, lat=body.lat,
            lng=body.lng, category_hint=body.category_hint,
            complainant=Complainant(**body.complainant.model_dump()),
            whistle_unit_id=street_id if body.channel == Channel.WHISTLE else None, street_id=street_id,
            confidential=body.confidential)

    receipt = await submit(await temporal_client(request), engine, settings, make_input, f"api:{user.id}:{key}")
    return IntakeOut(ticket_id=receipt.ticket_id, secret=receipt.secret, created=receipt.created)


@router.post("/tickets/bulk", response_model=BulkOut, summary="Import a CSV of hotline records")
async def import_hotline_records(
    request: Request, session: SessionDep, engine: EngineDep, settings: SettingsDep,
    user: Annotated[CurrentUser, Depends(require_api_roles(Role.OPERATOR, Role.ADMIN))],
    file: Annotated[UploadFile, File(description="UTF-8 or GBK CSV, one row per call (see README)")],
) -> BulkOut:
    data = await file.read(5 * 1024 * 1024 + 1)
    if len(data) > 5 * 1024 * 1024:
        raise PageError(400, "the file is larger than 5 MB")
    report = parse_hotline_csv(session, data, settings.timezone)
    if report.problems:
        lines = "; ".join(f"row {p.row} {p.column}: {p.message}".replace("row 0 : ", "") for p in report.problems[:50])
        raise PageError(400, f"the file was not imported: {lines}")
    client = await temporal_client(request)
    reporter = actor_for(user)
    tickets, filed = {}, 0
    for record in report.records:

        def make_input(ticket_id: str, record=record) -> GrievanceInput:
            return GrievanceInput(
                ticket_id=ticket_id, channel=Channel.HOTLINE, description=record.description,
                received_at=record.received_at, reporter=reporter, dispatch_owner_id=settings.centre_unit_id,
                address=record.address, category_hint=record.category, street_id=record.street_id,
                complainant=Complainant(name=record.name, phone=record.phone), confidential=record.confidential)

        receipt = await submit(client, engine, settings, make_input, f"hotline:{record.call_id}")
        tickets[record.call_id] = receipt.ticket_id
        filed += receipt.created
    return BulkOut(filed=filed, already_filed=len(tickets) - filed, tickets=tickets)


# ---- reading ----


@router.get("/tickets", response_model=TicketPage, summary="Tickets visible to the caller")
def list_tickets(session: SessionDep, settings: SettingsDep, user: ApiUser,
                 stage: Annotated[list[str] | None, Query(max_length=8)] = None,
                 unit_id: Annotated[str | None, Query(max_length=64)] = None,
                 overdue: bool | None = None, page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> TicketPage:
    stmt = select(Ticket).where(queries.visible(user, settings))
    if stage:
        stmt = stmt.where(col(Ticket.stage).in_(stage))
    if unit_id:
        stmt = stmt.where(Ticket.primary_unit_id == unit_id)
    if overdue is not None:
        stmt = stmt.where(Ticket.overdue == overdue)
    result = queries.paginate(session, stmt.order_by(col(Ticket.received_at).desc()), page)
    return TicketPage(tickets=[ticket_out(t, user) for t in result.rows], page=result.number,
                      has_next=result.has_next)


QUEUES = {
    "dispatch": (Role.DISPATCHER,), "bounces": (Role.DISPATCHER,), "review": (Role.DISPATCHER,),
    "inbox": (Role.HANDLER, Role.STREET), "supervision": (Role.SUPERVISOR, Role.ADMIN),
}


@router.get("/queues/{name}", response_model=TicketPage, summary="A console's work list")
def work_queue(name: Literal["dispatch", "bounces", "review", "inbox", "supervision"], request: Request,
               session: SessionDep, settings: SettingsDep, user: ApiUser,
               page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> TicketPage:
    if user.role not in QUEUES[name]:
        raise deny(request, user, f"role {user.role.value} has no {name} queue")
    if name == "dispatch":
        result = queries.dispatch_queue(session, user, page)
    elif name == "inbox":
        rows = queries.inbox_new(session, user) if page == 1 else []
        working = queries.inbox_working(session, user, page)
        result = queries.Page(rows + working.rows, working.number, working.has_next)
    elif name == "supervision":
        result = queries.supervision_board(session, user, page)
    else:
        rows = (queries.bounce_requests(session, user) if name == "bounces"
                else queries.review_queue(session, user, settings))
        result = queries.Page(rows, 1, False)
    return TicketPage(tickets=[ticket_out(t, user) for t in result.rows], page=result.number,
                      has_next=result.has_next)


@router.get("/tickets/{ticket_id}", response_model=TicketOut, summary="One ticket")
def get_ticket(ticket_id: str, request: Request, session: SessionDep, settings: SettingsDep,
               user: ApiUser) -> TicketOut:
    return ticket_out(_visible(request, session, settings, user, ticket_id), user)


@router.get("/tickets/{ticket_id}/events", response_model=list[EventOut], summary="The ticket's audit timeline")
def ticket_events(ticket_id: str, request: Request, session: SessionDep, settings: SettingsDep,
                  user: ApiUser) -> list[EventOut]:
    ticket = _visible(request, session, settings, user, ticket_id)
    rows = session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.seq))
    return [EventOut(seq=e.seq, at=e.at, actor=e.actor_name or e.actor_id, role=e.role, unit_id=e.unit_id,
                     action=e.action, reason=e.reason, stage_before=e.stage_before, stage_after=e.stage_after)
            for e in rows]


@router.get("/tickets/{ticket_id}/duplicates", response_model=list[DuplicateOut],
            summary="Open tickets close in place and text, proposed for merging")
def ticket_duplicates(ticket_id: str, request: Request, session: SessionDep, settings: SettingsDep,
                      user: ApiUser) -> list[DuplicateOut]:
    ticket = _visible(request, session, settings, user, ticket_id)
    return [DuplicateOut(ticket_id=c.ticket_id, similarity=c.similarity, distance_m=c.distance_m, stage=c.stage)
            for c in find_duplicates(session, ticket)]


# ---- actions: one endpoint each, the same update the console sends ----


class DispatchIn(Strict):
    item_code: Code
    primary_unit_id: Code | None = Field(None, description="default: the unit the catalog names for the item")
    cooperating_unit_ids: Units = []
    note: Annotated[str, Field(max_length=500)] = ""


class ReasonIn(Strict):
    reason: Text


class MergeIn(Strict):
    reason: Text
    duplicate_of: TicketId


class NoteIn(Strict):
    note: Text


class BounceRequestIn(Strict):
    reason: Text
    claimed_item_code: Code


class RulingIn(Strict):
    approve: bool
    reason: Text


class BounceRulingIn(RulingIn):
    item_code: Code | None = None
    primary_unit_id: Code | None = None
    cooperating_unit_ids: Units = []


class ExtensionRequestIn(Strict):
    reason: Text
    extra: Annotated[str, Field(pattern=r"^\d{1,3}(wh|wd|h|d)$", description="e.g. 3wd or 7d")]


class ReassignIn(Strict):
    reason: Text
    primary_unit_id: Code
    item_code: Code | None = None
    cooperating_unit_ids: Units = []


class ConsultationIn(Strict):
    reason: Text
    unit_ids: Annotated[list[Code], Field(min_length=2, max_length=10)]


class ConsultationRulingIn(ReassignIn):
    propose_catalog_change: bool = False


class ResultIn(Strict):
    summary: Text
    outcome: Outcome = Outcome.RESOLVED


class ReviewIn(Strict):
    approve: bool
    reason: Annotated[str, Field(max_length=4000)] = ""


class RateIn(Strict):
    rating: Rating
    comment: Annotated[str, Field(max_length=4000)] = ""
    score: Annotated[int | None, Field(ge=0, le=100)] = None


class CitizenRateIn(Strict):
    secret: Annotated[str, Field(min_length=1, max_length=64)]
    rating: Rating
    comment: Annotated[str, Field(max_length=4000)] = ""


def _dispatch(body: DispatchIn, actor: Actor, ticket: Ticket, session) -> DispatchInput:
    primary, cooperating = body.primary_unit_id, list(body.cooperating_unit_ids)
    if primary is None:
        item = catalog.get_item(session, body.item_code)
        if item is None:
            raise PageError(400, f"catalog item {body.item_code} does not exist")
        primary, listed = catalog.responsible_unit(session, item, ticket.street_id, catalog.current_version(session))
        cooperating = cooperating or listed
    return DispatchInput(actor, body.item_code, primary, cooperating, body.note)


def _merge(body: MergeIn, actor: Actor, ticket: Ticket, session) -> RejectInput:
    if session.get(Ticket, body.duplicate_of) is None:
        raise PageError(400, f"ticket {body.duplicate_of} does not exist")
    return RejectInput(actor, body.reason, body.duplicate_of)


HANDLERS = (Role.HANDLER, Role.STREET)
ACTIONS = [
    # path, roles, update, body model, builder
    ("dispatch", (Role.DISPATCHER,), GrievanceWorkflow.dispatch, DispatchIn, _dispatch),
    ("reject", (Role.DISPATCHER,), GrievanceWorkflow.reject, ReasonIn, lambda b, a, t, s: RejectInput(a, b.reason)),
    ("merge", (Role.DISPATCHER,), GrievanceWorkflow.reject, MergeIn, _merge),
    ("accept", HANDLERS, GrievanceWorkflow.accept, None, lambda b, a, t, s: AcceptInput(a)),
    ("progress", HANDLERS, GrievanceWorkflow.add_progress, NoteIn, lambda b, a, t, s: ProgressInput(a, b.note)),
    ("bounce-request", HANDLERS, GrievanceWorkflow.request_bounce, BounceRequestIn,
     lambda b, a, t, s: BounceRequestInput(a, b.reason, b.claimed_item_code)),
    ("bounce-ruling", (Role.DISPATCHER, Role.SUPERVISOR), GrievanceWorkflow.rule_bounce, BounceRulingIn,
     lambda b, a, t, s: BounceRulingInput(a, b.approve, b.reason, b.item_code, b.primary_unit_id,
                                          list(b.cooperating_unit_ids))),
    ("extension-request", HANDLERS, GrievanceWorkflow.request_extension, ExtensionRequestIn,
     lambda b, a, t, s: ExtensionRequestInput(a, b.reason, b.extra)),
    ("extension-ruling", (Role.SUPERVISOR,), GrievanceWorkflow.rule_extension, RulingIn,
     lambda b, a, t, s: ExtensionRulingInput(a, b.approve, b.reason)),
    ("escalate", (Role.SUPERVISOR,), GrievanceWorkflow.escalate, ReasonIn,
     lambda b, a, t, s: EscalateInput(a, b.reason)),
    ("reassign", (Role.SUPERVISOR,), GrievanceWorkflow.reassign, ReassignIn,
     lambda b, a, t, s: ReassignInput(a, b.reason, b.primary_unit_id, b.item_code, list(b.cooperating_unit_ids))),
    ("consultation", (Role.SUPERVISOR,), GrievanceWorkflow.open_consultation, ConsultationIn,
     lambda b, a, t, s: ConsultationInput(a, b.reason, list(b.unit_ids))),
    ("consultation-ruling", (Role.SUPERVISOR,), GrievanceWorkflow.rule_consultation, ConsultationRulingIn,
     lambda b, a, t, s: ConsultationRulingInput(a, b.reason, b.primary_unit_id, b.item_code,
                                                list(b.cooperating_unit_ids), b.propose_catalog_change)),
    ("result", HANDLERS, GrievanceWorkflow.submit_result, ResultIn,
     lambda b, a, t, s: SubmitResultInput(a, b.summary, b.outcome)),
    ("review", (Role.DISPATCHER, Role.STREET), GrievanceWorkflow.review, ReviewIn,
     lambda b, a, t, s: ReviewInput(a, b.approve, b.reason)),
    ("rating", (Role.STREET,), GrievanceWorkflow.rate, RateIn,
     lambda b, a, t, s: RateInput(a, b.rating, b.comment, b.score)),
]


def _register(path: str, roles: tuple[Role, ...], update, model, build) -> None:
    async def run(ticket_id: str, body, request: Request, session, settings, user: CurrentUser) -> ActionOut:
        if user.role not in roles:
            raise deny(request, user, f"role {user.role.value} may not {path}")
        ticket = _visible(request, session, settings, user, ticket_id)
        payload = build(body, actor_for(user), ticket, session)
        result = await send(await temporal_client(request), ticket.id, update, payload, path=request.url.path)
        return ActionOut(ticket_id=result.ticket_id, stage=result.stage.value, seq=result.seq)

    if model is None:
        async def endpoint(ticket_id: str, request: Request, session: SessionDep, settings: SettingsDep,
                           user: ApiUser) -> ActionOut:
            return await run(ticket_id, None, request, session, settings, user)
    else:
        async def endpoint(ticket_id: str, body: model, request: Request, session: SessionDep,  # type: ignore
                           settings: SettingsDep, user: ApiUser) -> ActionOut:
            return await run(ticket_id, body, request, session, settings, user)

    endpoint.__name__ = f"ticket_{path.replace('-', '_')}"
    router.add_api_route(f"/tickets/{{ticket_id}}/{path}", endpoint, methods=["POST"], response_model=ActionOut,
                         summary=f"{path.replace('-', ' ').capitalize()} ({', '.join(r.value for r in roles)})")


for _action in ACTIONS:
    _register(*_action)


# ---- citizens: ticket number + secret, no account ----


class TrackOut(BaseModel):
    ticket_id: str
    stage: str
    received_at: datetime
    closure_deadline: datetime | None
    closed_at: datetime | None
    rating: str
    events: list[EventOut]


@router.get("/track/{ticket_id}", response_model=TrackOut, tags=["citizens"], summary="Follow a ticket")
def track(ticket_id: str, session: SessionDep, settings: SettingsDep,
          secret: Annotated[str, Query(min_length=1, max_length=64)]) -> TrackOut:
    ticket = session.get(Ticket, ticket_id[:32])
    if ticket is None or not check_secret(settings, ticket.id, secret):
        raise PageError(404, "no ticket with this number and secret")
    events = session.exec(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                    col(TicketEvent.role) != "system").order_by(TicketEvent.seq))
    return TrackOut(ticket_id=ticket.id, stage=ticket.stage, received_at=ticket.received_at,
                    closure_deadline=ticket.closure_deadline, closed_at=ticket.closed_at, rating=ticket.rating,
                    events=[EventOut(seq=e.seq, at=e.at, actor=e.role, role=e.role, unit_id=e.unit_id,
                                     action=e.action, reason="", stage_before=e.stage_before,
                                     stage_after=e.stage_after) for e in events])


@router.post("/track/{ticket_id}/rating", response_model=ActionOut, tags=["citizens"], summary="Rate the result")
async def citizen_rating(ticket_id: str, body: CitizenRateIn, request: Request, session: SessionDep,
                         settings: SettingsDep) -> ActionOut:
    ticket = session.get(Ticket, ticket_id[:32])
    if ticket is None or not check_secret(settings, ticket.id, body.secret):
        raise PageError(404, "no ticket with this number and secret")
    payload = RateInput(citizen_actor(ticket.id), body.rating, body.comment)
    result = await send(await temporal_client(request), ticket.id, GrievanceWorkflow.rate, payload,
                        path=request.url.path)
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
            for n in queries.notices_for(session, user)]


@router.post("/notices/{notice_id}/read", status_code=204, tags=["notices"], summary="Mark a notice read")
def read_notice(notice_id: int, request: Request, session: SessionDep, user: ApiUser) -> None:
    notice = session.exec(select(Notice).where(Notice.id == notice_id, queries.notice_scope(user))).first()
    if notice is None:
        raise deny(request, user, f"notice {notice_id} is not addressed to the account", "not your notice")
    notice.read = True
    session.add(notice)
    session.commit()
