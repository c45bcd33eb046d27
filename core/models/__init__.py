"""Read-model tables, one module per concept. Importing this package registers every table."""

from core.models.calendar import CalendarDay, CalendarYear
from core.models.catalog import (
    CatalogChangeProposal,
    CatalogItem,
    CatalogVersion,
    CommunityAccessItem,
    StreetOverride,
    TakenBackItem,
    Unit,
)
from core.models.corrections import FigureCorrection  # noqa: F401  (registers the corrections log)
from core.models.evaluation import (  # noqa: F401  (registers the evaluation tables)
    EvaluationRun,
    StoredFigures,
    UnitResult,
)
from core.models.imports import ImportJob, ImportRow  # noqa: F401  (registers the bulk import tables)
from core.models.routing import RoutingExample
from core.models.tickets import Intake, Notice, Ticket, TicketCounter, TicketEvent
from core.models.users import ApiToken, RateCounter, User, WebSession

__all__ = [
    "ApiToken",
    "CalendarDay",
    "CalendarYear",
    "CatalogChangeProposal",
    "CatalogItem",
    "CatalogVersion",
    "CommunityAccessItem",
    "Intake",
    "Notice",
    "RateCounter",
    "RoutingExample",
    "StreetOverride",
    "TakenBackItem",
    "Ticket",
    "TicketCounter",
    "TicketEvent",
    "Unit",
    "User",
    "WebSession",
]
