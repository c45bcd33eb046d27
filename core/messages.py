"""The grievance workflow's words, its input, the activities' answers and its state, as small dataclasses
(the human actions' update payloads are in core.payloads).

Shared by workflows, activities and the API. Pure data: safe to import inside the workflow sandbox.
Fields are only ever added with defaults, so running workflows and stored histories keep decoding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Stage(StrEnum):
    RECEIVED = "received"  # 接: waiting for a dispatcher (city centre or district)
    DISPATCHED = "dispatched"  # 派: waiting for the unit to accept
    IN_PROGRESS = "in_progress"  # 办 / 督: accepted, handled under the checkpoints
    REVIEW = "review"  # result submitted, waiting for the dispatcher or whistling street
    RATING = "rating"  # 评: waiting for the citizen's or street's rating
    RETURN_VISIT = "return_visit"  # 回访: a 12345 operator calls the complainant back before the case closes
    CLOSED = "closed"  # 报 / 宣: counted and published
    REJECTED = "rejected"  # invalid, rejected by a dispatcher with a reason
    MERGED = "merged"  # duplicate of another ticket


class Role(StrEnum):
    CITIZEN = "citizen"
    GRID = "grid"  # grid worker (网格员)
    STREET = "street"  # street / township office
    OPERATOR = "operator"  # hotline operator (12345 seat)
    DISPATCHER = "dispatcher"
    HANDLER = "handler"  # department or street handler
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    SYSTEM = "system"  # the workflow's own clocks


class Channel(StrEnum):
    HOTLINE = "hotline"
    WEB = "web"
    WHISTLE = "whistle"  # grid worker / street blows the whistle (吹哨)
    API = "api"  # Open311 and machine clients
    MEDIA = "media"


class Colour(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class Rating(StrEnum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"


class Outcome(StrEnum):
    RESOLVED = "resolved"  # the problem is solved
    EXPLAINED = "explained"  # cannot be solved now; explained to the complainant


@dataclass
class Actor:
    """Who acts. Filled in by the API from the signed-in account, never from the form."""

    id: str
    role: Role
    name: str = ""
    unit_id: str | None = None
    district_id: str | None = None  # the district the actor's unit lies in; None = city level


SYSTEM_ACTOR = Actor(id="system", role=Role.SYSTEM, name="system")


@dataclass
class Attachment:
    name: str
    content_type: str
    size: int
    sha256: str
    storage_key: str


@dataclass
class Complainant:
    name: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class GrievanceInput:
    ticket_id: str
    channel: Channel
    description: str
    received_at: datetime
    reporter: Actor
    dispatch_owner_id: str  # the city dispatch centre's unit id
    address: str = ""
    lat: float | None = None
    lng: float | None = None
    category_hint: str = ""
    requested_item_code: str = ""  # the catalog item an Open311 client asked for: a hint, the dispatcher decides
    complainant: Complainant = field(default_factory=Complainant)
    attachments: list[Attachment] = field(default_factory=list)
    whistle_unit_id: str | None = None  # the street that whistled, for whistle cases
    street_id: str | None = None  # the street the problem lies in, when known
    confidential: bool = False


# ---- routing and planning (answers of activities) ----


@dataclass
class RoutingCandidate:
    item_code: str
    item_name: str
    unit_id: str
    unit_name: str
    confidence: float


@dataclass
class RoutingProposal:
    catalog_version: int
    candidates: list[RoutingCandidate] = field(default_factory=list)


@dataclass
class UnitRef:
    id: str
    name: str
    kind: str
    district_id: str | None = None


@dataclass
class ClockPlan:
    """Durations as text ("2wh", "1wd", "7d"), resolved to times by the compute_deadlines activity."""

    tier: str
    acceptance: str
    closure: str
    checkpoints: list[str]  # four offsets from dispatch; the last is the closure deadline
    rating_window: str
    rating_default: str  # a Rating value, or "" to leave a silent case unrated
    # Extension rules, resolved from settings at dispatch (empty on plans made before they existed):
    # the lengths a unit may ask for, how many it may be granted, and the local time of day after which
    # a request waits for the next day (Xining's 17:00), with the city's offset from UTC in minutes.
    extension_choices: list[str] = field(default_factory=list)
    extension_max_count: int = 0
    extension_cutoff: str = ""
    utc_offset_minutes: int = 0
    bounce_window: str = ""  # how long after its dispatch a unit may bounce the case back (empty: no limit)
    waits: dict[str, str] = field(default_factory=dict)  # limit of each waiting (review, bounce, ...; rework)
    reminder_share: float = 0.75  # a reminder when this share of a waiting's limit has passed
    # Return visits (回访): how long the 12345 centre has to call the complainant back, and the share of
    # satisfied, confirmed cases it calls at random (empty window: no return visits, as before they existed).
    return_visit_window: str = ""
    return_visit_share: float = 0.0


@dataclass
class DispatchPlan:
    item_code: str
    item_name: str
    category: str
    catalog_version: int
    primary: UnitRef
    cooperating: list[UnitRef]
    clock: ClockPlan
    to_district: bool = False  # the city centre handed the case down to a district to dispatch


@dataclass
class Answer:
    """One complainant's rating of the result and their answer to "was it solved?"."""

    actor_id: str
    rating: Rating
    resolved: bool | None = None


# ---- state (query answer and read-model snapshot) ----


@dataclass
class Checkpoint:
    index: int  # 1..4 (5: an extension granted after the closure deadline)
    due: datetime
    colour: Colour | None = None  # None until it has fired
    lagging: bool = False
    note: str = ""
    # How `due` was counted, so a revised calendar can count it again: `offset` from `start`, then each
    # granted extension in turn (empty on checkpoints planned before this was kept).
    start: datetime | None = None
    offset: str = ""
    extras: list[str] = field(default_factory=list)
    held_seconds: float = 0.0  # added after the extensions: pauses approved while the citizen was awaited


@dataclass
class Wait:
    """The case waits for a party (a review, a ruling, a rework) until `due`; reminded once before it."""

    kind: str  # review | bounce | extension | consultation | rework
    party: str  # who is waited for: dispatcher | supervisor | unit
    since: datetime
    due: datetime
    remind_at: datetime
    reminded: bool = False
    overdue: bool = False


@dataclass
class PendingRequest:
    kind: str  # bounce | extension | consultation
    by: Actor
    reason: str
    at: datetime
    claimed_item_code: str = ""
    extra: str = ""
    unit_ids: list[str] = field(default_factory=list)
    positions: dict[str, str] = field(default_factory=dict)  # a consultation's named unit id -> its stated view


@dataclass
class GrievanceState:
    ticket_id: str
    stage: Stage
    intake: GrievanceInput
    proposal: RoutingProposal | None = None
    item_code: str | None = None
    item_name: str = ""
    category: str = ""
    catalog_version: int | None = None
    clock: ClockPlan | None = None
    dispatch_owner_id: str = ""
    primary: UnitRef | None = None
    cooperating: list[UnitRef] = field(default_factory=list)
    district_id: str | None = None
    dispatched_at: datetime | None = None
    clock_origin: datetime | None = None  # where the checkpoints count from (core.clock_plans.handling_origin)
    accept_deadline: datetime | None = None
    assigned_at: datetime | None = None  # when the current unit was given the case: its acceptance counts from it
    bounce_deadline: datetime | None = None  # the unit dispatched to may bounce the case until then
    accepted_at: datetime | None = None
    response_failed: bool = False
    closure_deadline: datetime | None = None
    checkpoints: list[Checkpoint] = field(default_factory=list)
    colour: Colour = Colour.GREEN
    overdue: bool = False
    escalated: bool = False
    pending: PendingRequest | None = None
    progress_count: int = 0
    last_progress_at: datetime | None = None
    submitted_at: datetime | None = None
    result_summary: str = ""
    outcome: Outcome | None = None
    rework_count: int = 0
    rating_deadline: datetime | None = None
    rating: Rating | None = None
    rating_source: str = ""
    resolved: bool | None = None  # confirmed by the complainant (rating or return visit); None: not confirmed
    return_visit_deadline: datetime | None = None  # the operator's call is due by then
    return_visit_reason: str = ""  # why the case is called back: dissatisfied, unrated, unconfirmed, sampled
    street_score: int | None = None
    reopen_count: int = 0
    extension_count: int = 0  # extensions granted
    paused_at: datetime | None = None  # the unit's clocks hold while it waits on the citizen (approved pause)
    paused_seconds: float = 0.0  # time the unit's clocks held in all, not the unit's
    closed_at: datetime | None = None
    waits: list[Wait] = field(default_factory=list)  # who the case waits for now, each on its own clock
    duplicate_of: str | None = None
    joined: list[str] = field(default_factory=list)  # tickets merged into this one: their complainants follow it
    answers: list[Answer] = field(default_factory=list)  # the complainants' ratings of this result so far
    calendar_fallback: bool = False
    published: bool = False
