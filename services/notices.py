"""Notices the workflow's clocks write (activities.notices): each unit and supervision queue reads its own.

Nobody reads or marks another unit's notice; a notice not addressed to the account is a logged 403.
"""

from __future__ import annotations

from sqlalchemy import false
from sqlmodel import Session, col, select

from core.messages import Role
from core.models.tickets import Notice
from services.accounts import CurrentUser, denied

NOTICE_LIMIT = 20


def notice_scope(user: CurrentUser):
    """The notices addressed to the user's unit, or to their supervision queue."""
    if user.role in (Role.HANDLER, Role.STREET):
        return (Notice.audience == "unit") & (Notice.unit_id == (user.unit_id or ""))
    if user.role in (Role.SUPERVISOR, Role.ADMIN):
        if user.is_city_level:
            return Notice.audience == "supervisor"
        return (Notice.audience == "supervisor") & (Notice.unit_id == user.district_id)
    return false()


def notices_for(session: Session, user: CurrentUser) -> list[Notice]:
    stmt = (select(Notice).where(notice_scope(user), Notice.read == False)  # noqa: E712
            .order_by(col(Notice.created_at).desc()).limit(NOTICE_LIMIT))
    return list(session.exec(stmt).all())


def mark_read(session: Session, user: CurrentUser, notice_id: int, where: str = "") -> None:
    notice = session.exec(select(Notice).where(Notice.id == notice_id, notice_scope(user))).first()
    if notice is None:
        raise denied(user, where or f"notice {notice_id}", f"notice {notice_id} is not addressed to the account")
    notice.read = True
    session.add(notice)
    session.commit()
