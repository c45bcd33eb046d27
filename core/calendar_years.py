"""Which years the working-day calendar knows: a year counts only once it is published, and every change to
one of its days revises it (activities.deadlines reloads the calendar when the newest revision changes)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from core.models.calendar import CalendarYear


def published_years(session: Session) -> set[int]:
    return set(session.exec(select(CalendarYear.year).where(CalendarYear.published_at.is_not(None))).all())


def revision(session: Session) -> tuple:
    """Changes whenever a year is published or one of its days is edited."""
    return tuple(session.exec(select(func.count(), func.max(CalendarYear.revised_at))).one())


def revise(session: Session, year: int, now: datetime | None = None) -> CalendarYear:
    """One of the year's days changed (the caller commits)."""
    now = now or datetime.now(UTC)
    row = session.get(CalendarYear, year) or CalendarYear(year=year, revised_at=now)
    row.revised_at = now
    session.add(row)
    return row


def publish(session: Session, year: int, by: str, now: datetime | None = None) -> CalendarYear:
    """The year's holidays and make-up workdays are complete: deadlines in it count them (the caller commits)."""
    now = now or datetime.now(UTC)
    row = revise(session, year, now)
    row.published_at, row.published_by = now, by
    return row
