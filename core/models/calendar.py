"""The working-day calendar: public holidays and make-up workdays (调休), editable by an admin."""

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from core.models.types import UTCDateTime


# One row per day that differs from the plain Monday-Friday week.
class CalendarDay(SQLModel, table=True):
    __tablename__ = "calendar_days"

    day: date = Field(primary_key=True)
    is_workday: bool  # True: a make-up workday on a weekend; False: a holiday on a weekday or weekend
    name: str = ""
    source: str = "chinesecalendar"  # or "admin"


# A year's calendar as a whole: known only once published (a single holiday entered does not make the rest
# of the year known), and revised whenever one of its days changes, so the deadline activity reloads it.
class CalendarYear(SQLModel, table=True):
    __tablename__ = "calendar_years"

    year: int = Field(primary_key=True)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_by: str = ""  # an admin's user name, or "chinesecalendar" for the seeded years
    revised_at: datetime = Field(sa_type=UTCDateTime)
