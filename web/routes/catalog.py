"""The responsibility catalog pages (职责清单); `router` also carries the working-day calendar admin.

Public: browse and search, an item's page with its QR code, a unit's own list, the version history.
Admin: edit, add and remove items (each change a new version with author, reason and effective date),
import and export, the dynamic-adjustment list and change proposals. Core rules stay in core.catalog.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session, col, select
from starlette.datastructures import UploadFile

from core import catalog, routing
from core.catalog import CATEGORY_LABELS, LEVELS, CatalogError
from core.catalog_io import CatalogImportError, Problem, export_items, import_items
from core.clock_plans import load_tiers
from core.i18n import N_, _
from core.messages import Role
from core.models.catalog import CatalogChangeProposal, CatalogItem, CatalogVersion, Unit
from core.vocabulary import ErrorKind
from http_common.deps import SessionDep, SettingsDep
from services.errors import ServiceError
from services.tickets import paginate, streets, unit_names
from web import catalog_view as view
from web.auth import CurrentUser, OptionalUser, require_roles
from web.catalog_forms import Change, check_change, check_item, differs, item_values, out_of_order
from web.qr import qr_svg
from web.routes import calendar
from web.routes.common import FormDep, see_other
from web.spans import TZ
from web.templating import flash, render

log = logging.getLogger("web.catalog")
router = APIRouter(include_in_schema=False)
router.include_router(calendar.router)
Admin = Annotated[CurrentUser, Depends(require_roles(Role.ADMIN))]

ADJUSTMENT_DAYS = 90
MAX_IMPORT_BYTES = 5 * 1024 * 1024
FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "csv": "text/csv; charset=utf-8"}
# The import's fixed messages (core.catalog_io), translated when shown; the others name a value and stay as is.
IMPORT_MESSAGES = frozenset((
    N_("required, but empty"), N_("required column is missing"), N_("the file has no items"),
    N_("the file is empty"), N_("not a readable .xlsx workbook"), N_("the CSV file is neither UTF-8 nor GBK text"),
    N_("a catalog change needs a reason")))


def _page(request: Request, session: Session, name: str, context: dict, status_code: int = 200):
    helpers = {"names": unit_names(session), "level_label": view.level_label, "tier_label": view.tier_label,
               "reason_label": view.reason_label, "kind_label": view.kind_label,
               "duration_words": view.duration_words, "categories": CATEGORY_LABELS}
    return render(request, name, {**helpers, **context}, status_code=status_code)


def _tiers(settings) -> dict[str, dict[str, str]]:
    return load_tiers(settings.clock_plans)


def _version_or_404(session: Session, version_id: int) -> CatalogVersion:
    version = session.get(CatalogVersion, version_id)
    if version is None:
        raise ServiceError(ErrorKind.NOT_FOUND, _("No such catalog version."))
    return version


def _unit_or_404(session: Session, unit_id: str) -> Unit:
    unit = catalog.get_unit(session, unit_id[:64])
    if unit is None:
        raise ServiceError(ErrorKind.NOT_FOUND, _("No such unit."))
    return unit


# ---- public pages ----


@router.get("/catalog")
def browse(request: Request, session: SessionDep, user: OptionalUser, q: str = "", ask: str = "",
           category: str = "", unit: str = "", street: str = "", page: int = 1):
    q, ask, category, unit, street = q.strip()[:100], ask.strip()[:500], category[:32], unit[:64], street[:64]
    version = catalog.current_version(session)
    items = list(catalog.items_at(session, version)) if version else []
    candidates = []
    if ask:
        street_id = street if street and any(s.id == street for s in streets(session)) else None
        _version, candidates = routing.propose(session, ask, street_id=street_id, category_hint=category, limit=5)
    found = view.filter_items(items, q=q, category=category, unit=unit)
    params = {"q": q, "ask": ask, "category": category, "unit": unit, "street": street}
    return _page(request, session, "catalog/index.html", {
        "slice": view.page_of(found, page, "/catalog", params), "params": params, "version": version,
        "candidates": candidates, "units": view.primary_units(session, items), "streets": streets(session),
        "total": len(items),
    })


@router.get("/catalog/items/{code}")
def item_page(request: Request, session: SessionDep, settings: SettingsDep, user: OptionalUser, code: str,
              version: int | None = None):
    current = catalog.current_version(session)
    shown = _version_or_404(session, version).id if version is not None else current
    item = catalog.get_item(session, code[:32], shown) if shown else None
    if item is None:
        raise ServiceError(ErrorKind.NOT_FOUND, _("No such item in this version of the catalog."))
    units = view.units_by_id(session)
    cooperating = [units.get(u) or Unit(id=u, name_zh=u, kind="") for u in item.cooperating_unit_ids or []]
    url = str(request.base_url) + "catalog/items/" + quote(item.code)  # absolute: a QR code leaves the site
    return _page(request, session, "catalog/item.html", {
        "item": item, "version": session.get(CatalogVersion, shown), "is_current": shown == current,
        "primary": units.get(item.primary_unit_id), "cooperating": cooperating,
        "clock": view.clock_words(item, _tiers(settings)),
        "overrides": view.overrides_for_item(session, item.code, shown),
        "taken_back": catalog.taken_back(session, item.code, shown),
        "community_allowed": catalog.community_allowed(session, item.code, shown),
        "item_url": url, "qr": qr_svg(url, title=item.name_zh),
    })


@router.get("/catalog/units/{unit_id}")
def unit_page(request: Request, session: SessionDep, user: OptionalUser, unit_id: str):
    unit = _unit_or_404(session, unit_id)
    version = catalog.current_version(session)
    territorial = unit.kind in catalog.TERRITORIAL_KINDS
    return _page(request, session, "catalog/unit.html", {
        "unit": unit, "parent": catalog.get_unit(session, unit.parent_id) if unit.parent_id else None,
        "listed": view.unit_list(session, unit, version), "territorial": territorial,
        "own_overrides": view.street_overrides_of(session, unit.id, version) if territorial else [],
        "named_by_streets": [] if territorial else view.overrides_naming(session, unit.id, version),
        "version": version,
    })


@router.get("/catalog/versions")
def versions(request: Request, session: SessionDep, user: OptionalUser, page: int = 1):
    stmt = select(CatalogVersion).order_by(col(CatalogVersion.id).desc())
    return _page(request, session, "catalog/versions.html", {
        "versions": paginate(session, stmt, page), "current": catalog.current_version(session),
        "now": datetime.now(UTC),
    })


@router.get("/catalog/versions/{version_id}")
def version_page(request: Request, session: SessionDep, user: OptionalUser, version_id: int, q: str = "",
                 page: int = 1):
    version = _version_or_404(session, version_id)
    added, closed = view.changes_in(session, version.id)
    before = {row.code: row for row in closed}
    changes = [("changed" if row.code in before else "added", before.get(row.code), row) for row in added]
    changes += [("removed", row, None) for row in closed if row.code not in {r.code for r in added}]
    changes.sort(key=lambda change: (change[2] or change[1]).code)
    q = q.strip()[:100]
    found = view.filter_items(catalog.items_at(session, version.id), q=q)
    return _page(request, session, "catalog/version.html", {
        "version": version, "current": catalog.current_version(session), "now": datetime.now(UTC),
        "changes": changes, "slice": view.page_of(found, page, f"/catalog/versions/{version.id}", {"q": q}), "q": q,
    })


# ---- admin: items ----


@router.get("/admin/catalog")
def admin_home(request: Request, session: SessionDep, user: Admin, q: str = "", page: int = 1):
    version = catalog.current_version(session)
    q = q.strip()[:100]
    found = view.filter_items(catalog.items_at(session, version) if version else [], q=q)
    open_proposals = session.exec(select(CatalogChangeProposal.id).where(CatalogChangeProposal.status == "open"))
    return _page(request, session, "catalog/admin.html", {
        "slice": view.page_of(found, page, "/admin/catalog", {"q": q}), "q": q, "version": version,
        "latest": session.exec(select(CatalogVersion).order_by(col(CatalogVersion.id).desc())).first(),
        "open_proposals": len(open_proposals.all()), "tab": "items",
    })


def _edit_page(request: Request, session: Session, settings, *, item: CatalogItem | None, values: dict,
               errors: dict | None = None, change: dict | None = None, remove_errors: dict | None = None,
               remove_values: dict | None = None, status_code: int = 200):
    return _page(request, session, "catalog/edit.html", {
        "item": item, "values": values, "errors": errors or {}, "change": change or {},
        "remove_errors": remove_errors or {}, "remove_values": remove_values or {},
        "units": list(session.exec(select(Unit).order_by(Unit.kind, Unit.id))), "levels": LEVELS,
        "tiers": _tiers(settings), "tab": "items",
    }, status_code=status_code)


def _current_item(session: Session, code: str) -> CatalogItem:
    item = catalog.get_item(session, code[:32])
    if item is None:
        raise ServiceError(ErrorKind.NOT_FOUND, _("No such item in the current catalog."))
    return item


def _change_values(change: Change) -> dict[str, str]:
    return {"reason": change.reason, "effective_at": change.effective_text}


def _publish(session: Session, user: CurrentUser, change: Change) -> CatalogVersion:
    return catalog.new_version(session, author=user.username, reason=change.reason,
                               effective_at=change.effective_at)


def _published(request: Request, version: CatalogVersion, what: str) -> Response:
    log.info("catalog version %s by %s: %s (%s)", version.id, version.author, what, version.reason)
    when = version.effective_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
    flash(request, _("Version %(id)s published, in effect from %(when)s.", id=version.id, when=when))
    return see_other(f"/catalog/versions/{version.id}")


@router.get("/admin/catalog/items/new")
def new_item_form(request: Request, session: SessionDep, settings: SettingsDep, user: Admin):
    return _edit_page(request, session, settings, item=None, values={"level": "district", "tier": "standard"})


@router.post("/admin/catalog/items/new")
def add_item(request: Request, form: FormDep, session: SessionDep, settings: SettingsDep, user: Admin):
    checked = check_item(form, session, _tiers(settings), existing=None)
    change = check_change(form, session, checked.errors)
    if checked.errors:
        return _edit_page(request, session, settings, item=None, values=checked.values, errors=checked.errors,
                          change=_change_values(change), status_code=400)
    version = _publish(session, user, change)
    catalog.replace_item(session, version, checked.fields)
    session.commit()
    return _published(request, version, f"added {checked.fields['code']}")


@router.get("/admin/catalog/items/{code}/edit")
def edit_item_form(request: Request, session: SessionDep, settings: SettingsDep, user: Admin, code: str):
    item = _current_item(session, code)
    return _edit_page(request, session, settings, item=item, values=item_values(item))


@router.post("/admin/catalog/items/{code}/edit")
def edit_item(request: Request, form: FormDep, session: SessionDep, settings: SettingsDep, user: Admin, code: str):
    item = _current_item(session, code)
    checked = check_item(form, session, _tiers(settings), existing=item)
    change = check_change(form, session, checked.errors)
    if not checked.errors and not differs(item, checked.fields):
        checked.errors["form"] = _("This changes nothing, so no version was published.")
    if checked.errors:
        return _edit_page(request, session, settings, item=item, values=checked.values, errors=checked.errors,
                          change=_change_values(change), status_code=400)
    version = _publish(session, user, change)
    catalog.replace_item(session, version, checked.fields)
    session.commit()
    return _published(request, version, f"changed {item.code}")


@router.post("/admin/catalog/items/{code}/remove")
def remove_item(request: Request, form: FormDep, session: SessionDep, settings: SettingsDep, user: Admin, code: str):
    item = _current_item(session, code)
    errors: dict[str, str] = {}
    change = check_change(form, session, errors)
    if errors:
        return _edit_page(request, session, settings, item=item, values=item_values(item), remove_errors=errors,
                          remove_values=_change_values(change), status_code=400)
    version = _publish(session, user, change)
    catalog.remove_item(session, version, item.code)
    session.commit()
    return _published(request, version, f"removed {item.code}")


# ---- admin: import and export ----


def _import_page(request: Request, session: Session, *, problems: list[Problem] | None = None,
                 values: dict | None = None, errors: dict | None = None, status_code: int = 200):
    shown = [(p.row, p.column, _(p.message) if p.message in IMPORT_MESSAGES else p.message)
             for p in problems or []]
    return _page(request, session, "catalog/import.html", {
        "problems": shown, "values": values or {"replace_all": True}, "errors": errors or {},
        "versions": session.exec(select(CatalogVersion).order_by(col(CatalogVersion.id).desc()).limit(50)).all(),
        "current": catalog.current_version(session), "tab": "import",
    }, status_code=status_code)


@router.get("/admin/catalog/import")
def import_form(request: Request, session: SessionDep, user: Admin):
    return _import_page(request, session)


def _file_format(upload: UploadFile) -> str | None:
    name = (upload.filename or "").lower()
    return next((fmt for fmt in FORMATS if name.endswith("." + fmt)), None)


@router.post("/admin/catalog/import")
def import_file(request: Request, form: FormDep, session: SessionDep, settings: SettingsDep, user: Admin):
    errors: dict[str, str] = {}
    change = check_change(form, session, errors)
    values = {**_change_values(change), "replace_all": form.get("replace_all") == "on"}
    upload = form.get("file")
    fmt = _file_format(upload) if isinstance(upload, UploadFile) and upload.filename else None
    if fmt is None:
        errors["file"] = _("Choose an Excel (.xlsx) or CSV (.csv) file.")
    if errors:
        return _import_page(request, session, values=values, errors=errors, status_code=400)
    data = upload.file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        errors["file"] = _("The file is larger than 5 MB.")
        return _import_page(request, session, values=values, errors=errors, status_code=400)
    latest = session.exec(select(CatalogVersion.id).order_by(col(CatalogVersion.id).desc())).first()
    try:
        version = import_items(session, data, fmt, author=user.username, reason=change.reason,
                               effective_at=change.effective_at, replace_all=values["replace_all"],
                               tiers=_tiers(settings))
    except CatalogImportError as exc:
        session.rollback()
        log.info("catalog import by %s rejected: %s problem(s)", user.username, len(exc.problems))
        return _import_page(request, session, problems=exc.problems, values=values, status_code=400)
    if version.id == latest:
        session.rollback()
        flash(request, _("The file changes nothing, so no version was published."))
        return see_other("/admin/catalog/import")
    session.commit()
    return _published(request, version, f"imported {upload.filename}")


@router.get("/admin/catalog/export")
def export_file(request: Request, session: SessionDep, user: Admin, format: str = "xlsx",
                version: int | None = None):
    if format not in FORMATS:
        raise ServiceError(ErrorKind.BAD_INPUT, _("Choose an Excel (.xlsx) or CSV (.csv) file."))
    shown = _version_or_404(session, version).id if version is not None else catalog.current_version(session)
    if shown is None:
        raise ServiceError(ErrorKind.NOT_FOUND, _("No such catalog version."))
    data = export_items(session, format, shown)
    filename = f"catalog-v{shown}.{format}"
    return Response(data, media_type=FORMATS[format],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# ---- admin: dynamic adjustment and change proposals ----


@router.get("/admin/catalog/adjustments")
def adjustments(request: Request, session: SessionDep, user: Admin):
    since = datetime.now(UTC) - timedelta(days=ADJUSTMENT_DAYS)
    rows = catalog.adjustment_candidates(session, since=since)
    items = {item.code: item for item in catalog.items_at(session)}
    return _page(request, session, "catalog/adjustments.html", {
        "rows": rows, "items": items, "days": ADJUSTMENT_DAYS, "since": since, "tab": "adjustments",
    })


@router.get("/admin/catalog/proposals")
def proposals(request: Request, session: SessionDep, user: Admin):
    open_rows = session.exec(select(CatalogChangeProposal).where(CatalogChangeProposal.status == "open")
                             .order_by(CatalogChangeProposal.created_at)).all()
    decided = session.exec(select(CatalogChangeProposal).where(CatalogChangeProposal.status != "open")
                           .order_by(col(CatalogChangeProposal.decided_at).desc()).limit(30)).all()
    items = {item.code: item for item in catalog.items_at(session)}
    return _page(request, session, "catalog/proposals.html", {
        "open_rows": open_rows, "decided": decided, "items": items, "tab": "proposals",
    })


def _proposal_refused(exc: CatalogError) -> ServiceError:
    return ServiceError(ErrorKind.WRONG_STATE, _("This proposal cannot be applied as it stands."), str(exc))


@router.post("/admin/catalog/proposals/{proposal_id}/accept")
def accept(request: Request, session: SessionDep, user: Admin, proposal_id: int):
    pending = out_of_order(session, datetime.now(UTC))  # accepting publishes now: not before a scheduled version
    if pending:
        raise ServiceError(ErrorKind.WRONG_STATE, pending)
    try:
        version = catalog.accept_proposal(session, proposal_id, admin=user.username)
    except CatalogError as exc:
        session.rollback()
        raise _proposal_refused(exc) from None
    session.commit()
    return _published(request, version, f"accepted proposal {proposal_id}")


@router.post("/admin/catalog/proposals/{proposal_id}/reject")
def reject(request: Request, session: SessionDep, user: Admin, proposal_id: int):
    try:
        catalog.reject_proposal(session, proposal_id, admin=user.username)
    except CatalogError as exc:
        session.rollback()
        raise _proposal_refused(exc) from None
    session.commit()
    log.info("catalog proposal %s rejected by %s", proposal_id, user.username)
    flash(request, _("Proposal %(id)s rejected; the catalog is unchanged.", id=proposal_id))
    return see_other("/admin/catalog/proposals")
