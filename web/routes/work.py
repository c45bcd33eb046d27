"""Work lists per role: dispatcher console, handler inbox, street whistles, supervisor board."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from core import catalog
from core.messages import Role
from http_common.deps import SessionDep, SettingsDep
from services import follow_up, notices, tickets, work_filters, work_lists
from services.tickets import handling_units, unit_names
from web.auth import CurrentUser, CurrentUserDep, require_roles
from web.routes.common import safe_next, see_other
from web.templating import render

router = APIRouter()

Dispatcher = Annotated[CurrentUser, Depends(require_roles(Role.DISPATCHER))]
Handler = Annotated[CurrentUser, Depends(require_roles(Role.HANDLER, Role.STREET))]
Whistler = Annotated[CurrentUser, Depends(require_roles(Role.GRID, Role.STREET))]
Supervisor = Annotated[CurrentUser, Depends(require_roles(Role.SUPERVISOR, Role.ADMIN))]
Operator = Annotated[CurrentUser, Depends(require_roles(Role.OPERATOR))]


@router.get("/dispatch")
def dispatch_console(request: Request, session: SessionDep, settings: SettingsDep, user: Dispatcher):
    """One tab of the dispatch work table (?tab=new|bounces|reviews), sorted, filtered and paged by GET."""
    table = work_lists.dispatch_table(session, user, settings, work_lists.DispatchView.from_query(request.query_params))
    new_tab = table.view.tab == "new"
    return render(request, "dispatch.html", {
        "table": table,
        "choices": work_lists.filter_choices(session),
        "check_below": settings.routing_check_below,
        "sure_from": settings.routing_sure_from,
        "items": catalog.items_at(session) if new_tab else [],
        "units": handling_units(session) if new_tab else [],
        "names": unit_names(session),
    })


@router.get("/inbox")
def handler_inbox(request: Request, session: SessionDep, user: Handler, page: int = 1, tab: str = "",
                  unit: str = "", colour: str = ""):
    filters = work_filters.WorkFilter.parse(work_filters.INBOX_TABS, tab, unit, colour, page)
    return render(request, "inbox.html", {
        "work": work_filters.handler_inbox(session, user, filters),
        "notices": notices.notices_for(session, user),
        "names": unit_names(session),
    })


@router.get("/whistles")
def street_whistles(request: Request, session: SessionDep, user: Whistler, page: int = 1):
    street = user.unit_id if user.role == Role.STREET else user.street_id
    judge = street if user.role == Role.STREET else ""  # only the street itself reviews and rates its whistles
    return render(request, "whistles.html", {"whistles": tickets.whistles(session, street, page),
                                             "why": lambda t: work_filters.whistle_reasons(t, judge or ""),
                                             "names": unit_names(session)})


@router.get("/supervise")
def supervisor_board(request: Request, session: SessionDep, user: Supervisor, page: int = 1, tab: str = "",
                     unit: str = "", colour: str = ""):
    filters = work_filters.WorkFilter.parse(work_filters.BOARD_TABS, tab, unit, colour, page)
    return render(request, "supervise.html", {
        "work": work_filters.supervisor_board(session, user, filters),
        "notices": notices.notices_for(session, user),
        "names": unit_names(session),
        "can_act": user.role == Role.SUPERVISOR,
    })


@router.get("/return-visits")
def return_visits(request: Request, session: SessionDep, user: Operator, page: int = 1):
    """The hotline's call-back list (回访): every case waiting for the complainant's answer."""
    return render(request, "return_visits.html", {"visits": tickets.return_visit_queue(session, page),
                                                  "names": unit_names(session)})


@router.get("/supervise/suspect")
def suspect_closures(request: Request, session: SessionDep, settings: SettingsDep, user: Supervisor):
    return render(request, "suspect.html", {"suspects": follow_up.suspect_closures(session, user, settings),
                                            "names": unit_names(session), "window": follow_up.SUSPECT_WINDOW.days,
                                            "fast_hours": settings.suspect_fast_hours})


@router.post("/notices/{notice_id}/read")
def mark_notice_read(request: Request, notice_id: int, session: SessionDep, user: CurrentUserDep):
    notices.mark_read(session, user, notice_id, request.url.path)
    return see_other(safe_next(request.query_params.get("next"), "/"))
