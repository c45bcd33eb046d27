"""Open311 GeoReport v2 under /open311/v2/: services from the catalog, requests as grievance workflows.

formats.py writes JSON and XML, form.py reads a request; this module holds the endpoints.

Field names, statuses and the error format follow the GeoReport v2 specification; every endpoint
answers in .json and .xml. POST needs an Open311 client's api_key (an ApiToken of scope open311, never an
account's API token); reads are public and masked.
Bad input is a 400 `[{code, description}]` and starts nothing.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlmodel import Session, col, or_, select

from api.open311.form import EMAIL, MAX_DESCRIPTION, MEDIA_URL, date_param, number_field, read_form, text_field
from api.open311.formats import Open311Error, fmt_of, render, split_format
from core import catalog
from core.i18n import _
from core.masking import mask_text, round_coordinate
from core.messages import Actor, Channel, Complainant, Role, Stage
from core.models.catalog import CatalogItem, Unit
from core.models.tickets import Intake, Ticket
from core.vocabulary import FINAL_STAGES, values
from http_common.deps import PlatformDep, SessionDep, SettingsDep, client_address
from services import intake, tickets
from services.accounts import ApiClient, client_for_key
from services.rate_limits import check_open311_post
from services.uploads import store

router = APIRouter(prefix="/open311/v2", tags=["open311"])

MAX_WINDOW = timedelta(days=90)
# GeoReport v2's paging extension: a list comes in pages, never as the whole 90-day window at once.
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 100_000
CLOSED_STAGES = values(FINAL_STAGES)
STREET_ATTRIBUTE = "street"

# ---- services ----


def _service(item: CatalogItem, labels: dict) -> dict:
    zh, _en = labels.get(item.category, (item.category, item.category))
    return {
        "service_code": item.code,
        "service_name": item.name_zh,
        "description": f"{item.name_en}. {item.process}".strip(". ") if item.name_en else item.process,
        "metadata": True,  # every service takes the optional `street` attribute
        "type": "realtime",
        "keywords": ",".join(item.keywords or []),
        "group": zh,
    }


@router.get("/services.{fmt}", summary="List services (catalog items)")
def list_services(fmt: str, session: SessionDep) -> Response:
    fmt = fmt_of(fmt)
    labels = getattr(catalog, "CATEGORY_LABELS", {})
    return render(fmt, "services", [_service(item, labels) for item in catalog.items_at(session)])


@router.get("/services/{name}", summary="Service definition (attributes)")
def service_definition(name: str, session: SessionDep) -> Response:
    code, fmt = split_format(name)
    item = catalog.get_item(session, code)
    if item is None:
        raise Open311Error(404, f"service_code {code} not found")
    streets = tickets.streets(session)
    definition = {
        "service_code": item.code,
        "attributes": [{
            "variable": True,
            "code": STREET_ATTRIBUTE,
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "街道/乡镇 (street or township where the problem is)",
            "order": 1,
            "description": "所属街道 Street",
            "values": [{"key": unit.id, "name": unit.name_zh} for unit in streets],
        }],
    }
    return render(fmt, "service_definition", definition)


# ---- requests ----


def authenticate(session: Session, api_key: str | None) -> ApiClient:
    if not api_key:
        raise Open311Error(400, "api_key is required")
    client = client_for_key(session, api_key)
    if client is None:
        raise Open311Error(403, "api_key is not valid")
    return client

@router.post("/requests.{fmt}", summary="Create a service request (a grievance)")
async def create_request(fmt: str, request: Request, platform: PlatformDep) -> Response:
    fmt = fmt_of(fmt)
    form, media = await read_form(request)
    client, item, grievance = await run_in_threadpool(_read_request, platform, form, client_address(request))
    grievance.attachments = store(platform.settings.data_dir, media)  # validated in read_form; stored once by hash
    key = request.headers.get("idempotency-key") or _derived_key(client, form)
    receipt = await intake.file(platform, grievance, f"open311:{client.token_id}:{key}")
    token = await run_in_threadpool(_token_for, platform, receipt.ticket_id)
    body = [{
        "service_request_id": receipt.ticket_id,
        "token": token,
        "service_notice": _notice(item),
        "account_id": text_field(form, "account_id") or None,
    }]
    return render(fmt, "requests", body, 201 if receipt.created else 200)


def _read_request(platform, form: dict, address: str) -> tuple[ApiClient, CatalogItem, intake.IntakeRequest]:
    """The client, the service asked for and the grievance, checked field by field (400 on the first fault)."""
    with Session(platform.engine) as session:
        client = authenticate(session, text_field(form, "api_key"))
        check_open311_post(platform.rate_limits, client.token_id, address)
        jurisdiction = text_field(form, "jurisdiction_id")
        if jurisdiction and jurisdiction != platform.settings.open311_jurisdiction:
            raise Open311Error(400, f"jurisdiction_id {jurisdiction} is not served here")
        code = text_field(form, "service_code")
        item = catalog.get_item(session, code) if code else None
        if item is None:
            raise Open311Error(400, f"service_code {code} not found" if code else "service_code is required")
    description = text_field(form, "description", MAX_DESCRIPTION)
    if not description:
        raise Open311Error(400, "description is required")
    lat, lng = number_field(form, "lat", -90, 90), number_field(form, "long", -180, 180)
    if (lat is None) != (lng is None):
        raise Open311Error(400, "lat and long go together")
    address, address_id = text_field(form, "address_string", 500), text_field(form, "address_id")
    if lat is None and not address and not address_id:
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    email, media_url = text_field(form, "email"), text_field(form, "media_url", 1000)
    if email and not EMAIL.match(email):
        raise Open311Error(400, "email is not a valid address")
    if media_url and not MEDIA_URL.match(media_url):
        raise Open311Error(400, "media_url must be an http(s) URL")
    extra = [f"media_url: {media_url}"] if media_url else []
    extra += [f"address_id: {address_id}"] if address_id else []
    name = " ".join(p for p in (text_field(form, "last_name"), text_field(form, "first_name")) if p)
    reporter = Actor(id=f"token:{client.token_id}", role=Role.CITIZEN, name=client.name)
    grievance = intake.IntakeRequest(
        Channel.API, reporter, "\n".join([description, *extra]), address=address, lat=lat, lng=lng,
        category_hint=item.category, requested_item_code=item.code,
        street_id=text_field(form, f"attribute[{STREET_ATTRIBUTE}]") or None,
        complainant=Complainant(name=name, phone=text_field(form, "phone"), email=email))
    return client, item, grievance


def _token_for(platform, ticket_id: str) -> str:
    with Session(platform.engine) as session:
        return _token_of(session.exec(select(Intake).where(Intake.ticket_id == ticket_id)).one())


def _derived_key(client: ApiClient, form: dict) -> str:
    """No Idempotency-Key header: the same body from the same client is the same request (a retry)."""
    canonical = "&".join(f"{k}={form[k]}" for k in sorted(form) if k != "api_key")
    return hashlib.sha256(f"{client.token_id}|{device_or_none(form)}|{canonical}".encode()).hexdigest()


def device_or_none(form: dict) -> str:
    return str(form.get("device_id") or "")


def _token_of(intake: Intake) -> str:
    return f"tk{intake.id:08d}"


def _notice(item: CatalogItem) -> str:
    return "已受理，派单后1个工作日内签收，一般7日内办结 / Received: accepted within 1 working day of dispatch, " \
           "usually closed within 7 days"


@router.get("/tokens/{name}", summary="Service request id for a token")
def token_lookup(name: str, session: SessionDep) -> Response:
    token, fmt = split_format(name)
    match = re.fullmatch(r"tk(\d{1,12})", token)
    intake = session.get(Intake, int(match.group(1))) if match else None
    if intake is None:
        raise Open311Error(404, f"token {token} not found")
    return render(fmt, "requests", [{"service_request_id": intake.ticket_id, "token": token}])


@router.get("/requests.{fmt}", summary="Query service requests",
            description="GeoReport v2 filters plus the paging extension: `page` (from 1) and `page_size` "
                        f"(default {PAGE_SIZE}, at most {MAX_PAGE_SIZE}); newest first. A `Link: <...>; "
                        'rel="next"` header points to the next page while there is one.')
def list_requests(fmt: str, request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    fmt = fmt_of(fmt)
    page, size = _paging(request.query_params)
    # Newest first, then id: pages never overlap; served by ix_tickets_received_id.
    stmt = _filtered(request.query_params).order_by(col(Ticket.received_at).desc(), col(Ticket.id).desc())
    rows = list(session.exec(stmt.offset((page - 1) * size).limit(size + 1)).all())
    more, rows = len(rows) > size, rows[:size]
    units, items = _unit_names(session, rows), _requested_names(session, rows)
    response = render(fmt, "requests", [_request_view(t, units, items, settings.timezone) for t in rows])
    if more:
        following = request.url.include_query_params(page=page + 1, page_size=size)
        response.headers["Link"] = f'<{following}>; rel="next"'
    return response


def _paging(params) -> tuple[int, int]:
    """`page` (1-based) and `page_size`, the GeoReport v2 paging extension; a bad value is a 400."""
    page = _whole_number(params.get("page"), "page", 1, MAX_PAGE)
    size = _whole_number(params.get("page_size"), "page_size", PAGE_SIZE, MAX_PAGE_SIZE)
    return page, size


def _whole_number(raw: str | None, name: str, default: int, highest: int) -> int:
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= highest:
        raise Open311Error(400, f"{name} must be a whole number from 1 to {highest}")
    return int(raw)


def _filtered(params):
    """The GeoReport v2 filters: ids, or a window of at most 90 days (the last 90 by default) with service
    codes and status."""
    stmt = select(Ticket).where(Ticket.confidential == False)  # noqa: E712
    ids = [i.strip() for i in (params.get("service_request_id") or "").split(",") if i.strip()]
    if ids:
        if len(ids) > 100:
            raise Open311Error(400, "at most 100 service_request_id values")
        return stmt.where(col(Ticket.id).in_(ids))
    end = date_param(params.get("end_date"), "end_date") or datetime.now(UTC)
    start = date_param(params.get("start_date"), "start_date") or end - MAX_WINDOW
    if start > end:
        raise Open311Error(400, "start_date is after end_date")
    if end - start > MAX_WINDOW:
        raise Open311Error(400, "the window between start_date and end_date is at most 90 days")
    stmt = stmt.where(Ticket.received_at >= start, Ticket.received_at <= end)
    if params.get("service_code"):
        # The dispatcher's item once dispatched; until then the one the client asked for.
        codes = params["service_code"].split(",")
        stmt = stmt.where(or_(col(Ticket.item_code).in_(codes),
                              col(Ticket.item_code).is_(None) & col(Ticket.requested_item_code).in_(codes)))
    status = params.get("status")
    if status:
        if status not in ("open", "closed"):
            raise Open311Error(400, "status must be open or closed")
        closed = col(Ticket.stage).in_(CLOSED_STAGES)
        stmt = stmt.where(closed if status == "closed" else ~closed)
    return stmt


@router.get("/requests/{name}", summary="One service request")
def get_request(name: str, session: SessionDep, settings: SettingsDep) -> Response:
    ticket_id, fmt = split_format(name)
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.confidential:
        intake = session.exec(select(Intake).where(Intake.ticket_id == ticket_id)).first()
        if intake is None or intake.payload.get("confidential"):
            raise Open311Error(404, f"service_request_id {ticket_id} not found")
        return render(fmt, "requests", [_intake_view(intake, settings.timezone)])
    units, items = _unit_names(session, [ticket]), _requested_names(session, [ticket])
    return render(fmt, "requests", [_request_view(ticket, units, items, settings.timezone)])


def _unit_names(session: Session, rows: list[Ticket]) -> dict[str, str]:
    ids = {t.primary_unit_id for t in rows if t.primary_unit_id}
    if not ids:
        return {}
    return {u.id: u.name_zh for u in session.exec(select(Unit).where(col(Unit.id).in_(ids)))}


def _requested_names(session: Session, rows: list[Ticket]) -> dict[str, str]:
    """Names of the items clients asked for, for cases not dispatched yet."""
    codes = {t.requested_item_code for t in rows if t.requested_item_code and not t.item_code}
    return {code: item.name_zh for code in codes if (item := catalog.get_item(session, code)) is not None}


def _request_view(t: Ticket, units: dict[str, str], items: dict[str, str], tz: str) -> dict:
    known = [t.complainant_name, t.complainant_phone]
    closed = t.stage in CLOSED_STAGES
    notes = {"closed": "已办结 closed", "rejected": "无效诉求 rejected", "merged": "重复诉求，已合并 merged"}
    return {
        "service_request_id": t.id,
        "status": "closed" if closed else "open",
        "status_notes": notes.get(t.stage, _stage_note(t.stage)),
        "service_name": t.item_name or items.get(t.requested_item_code) or None,
        "service_code": t.item_code or t.requested_item_code or None,
        "description": _public_description(t, known),
        "agency_responsible": units.get(t.primary_unit_id or ""),
        "service_notice": None,
        "requested_datetime": _iso(t.received_at, tz),
        "updated_datetime": _iso(t.updated_at, tz),
        "expected_datetime": _iso(t.closure_deadline, tz),
        "address": mask_text(t.address, known) or None,
        "address_id": None,
        "zipcode": None,
        "lat": round_coordinate(t.lat),
        "long": round_coordinate(t.lng),
        "media_url": None,
    }


def _intake_view(intake: Intake, tz: str) -> dict:
    payload = intake.payload
    complainant = payload.get("complainant") or {}
    known = [complainant.get("name", ""), complainant.get("phone", "")]
    return {
        "service_request_id": intake.ticket_id, "status": "open", "status_notes": _stage_note("received"),
        "service_name": None, "service_code": payload.get("requested_item_code") or None,
        "description": _unreviewed(),
        "agency_responsible": None, "service_notice": None, "requested_datetime": _iso(intake.created_at, tz),
        "updated_datetime": _iso(intake.created_at, tz), "expected_datetime": None,
        "address": mask_text(payload.get("address", ""), known) or None, "address_id": None, "zipcode": None,
        "lat": round_coordinate(payload.get("lat")), "long": round_coordinate(payload.get("lng")), "media_url": None,
    }


def _public_description(t: Ticket, known: list[str]) -> str:
    """Filed text is public, masked, only once a dispatcher has reviewed and dispatched the case."""
    if t.dispatched_at is None or t.stage == Stage.REJECTED:
        return _unreviewed()
    return mask_text(t.description, known)


def _unreviewed() -> str:
    return _("Awaiting review: the description is published once the case has been dispatched.")


def _stage_note(stage: str) -> str:
    return {"received": "已受理，待派单 received", "dispatched": "已派单，待签收 dispatched",
            "in_progress": "办理中 in progress", "review": "办理结果审核中 under review",
            "rating": "待评价 awaiting rating"}.get(stage, stage)


def _iso(value: datetime | None, tz: str) -> str | None:
    return value.astimezone(ZoneInfo(tz)).isoformat(timespec="seconds") if value else None
