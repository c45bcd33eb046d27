"""The working-day calendar: public holidays and make-up workdays (调休), editable by an admin."""

from datetime import date

from sqlmodel import Field, SQLModel


# One row per day that differs from the plain Monday-Friday week.
class CalendarDay(SQLModel, table=True):
    __tablename__ = "calendar_days"

    day: date = Field(primary_key=True)
    is_workday: bool  # True: a make-up workday on a weekend; False: a holiday on a weekday or weekend
    name: str = ""
    source: str = "chinesecalendar"  # or "admin"
