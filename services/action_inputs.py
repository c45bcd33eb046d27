"""The input shapes of the human actions: one pydantic model per action, for the JSON API's bodies and
the console's form fields alike, and the console's translated messages for a field that does not fit.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from core.i18n import N_, _
from core.messages import Outcome, Rating
from core.vocabulary import ErrorKind
from services.errors import ServiceError


def _unit_list(value: Any) -> Any:
    """Units from a multi-select or from one text field separated by commas or spaces."""
    raw = [value] if isinstance(value, str) else value
    if not isinstance(raw, list) or not all(isinstance(part, str) for part in raw):
        return value  # not text: the shape's own validation refuses it
    found = [p for part in raw for p in part.replace("，", ",").replace(",", " ").split() if p]
    return list(dict.fromkeys(found))


def _decision(value: Any) -> Any:
    return {"approve": True, "deny": False}.get(value, value) if isinstance(value, str) else value


Text = Annotated[str, Field(min_length=1, max_length=4000)]
Optional = Annotated[str, Field(max_length=4000)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
Units = Annotated[list[Code], BeforeValidator(_unit_list), Field(max_length=20)]
Decision = Annotated[bool, BeforeValidator(_decision)]


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DispatchIn(Shape):
    item_code: Code
    primary_unit_id: Code | None = Field(None, description="default: the unit the catalog names for the item")
    cooperating_unit_ids: Units = []
    note: Annotated[str, Field(max_length=500)] = ""


class ReasonIn(Shape):
    reason: Text


class MergeIn(Shape):
    reason: Text
    duplicate_of: Annotated[str, Field(min_length=1, max_length=32)]


class NoteIn(Shape):
    note: Text


class BounceRequestIn(Shape):
    reason: Text
    claimed_item_code: Code


class RulingIn(Shape):
    approve: Decision
    reason: Text


class BounceRulingIn(RulingIn):
    item_code: Code | None = None
    primary_unit_id: Code | None = None
    cooperating_unit_ids: Units = []


class ExtensionRequestIn(Shape):
    reason: Text
    extra: Annotated[str, Field(pattern=r"^\d{1,3}(wh|wd|h|d)$", description="e.g. 3wd or 7d")]


class ReassignIn(Shape):
    reason: Text
    primary_unit_id: Code
    item_code: Code | None = None
    cooperating_unit_ids: Units = []


class ConsultationIn(Shape):
    reason: Text
    unit_ids: Annotated[list[Code], BeforeValidator(_unit_list), Field(min_length=2, max_length=10)]


class ConsultationRulingIn(ReassignIn):
    propose_catalog_change: bool = False


class PositionIn(Shape):
    position: Text


class ResultIn(Shape):
    summary: Text
    outcome: Outcome = Field(description="resolved or explained: the unit says which; the complainant confirms")


class ReviewIn(Shape):
    approve: Decision
    reason: Optional = ""


def yes_no(value: Any) -> Any:
    """The "yes"/"no" a form sends, as booleans; anything else as it came (the shape refuses it)."""
    return {"yes": True, "no": False}.get(value, value) if isinstance(value, str) else value


YesNo = Annotated[bool, BeforeValidator(yes_no)]


class RateIn(Shape):
    rating: Rating
    resolved: YesNo | None = Field(None, description="was the problem solved? (not answered: a return visit asks)")
    comment: Optional = ""
    score: Annotated[int | None, Field(ge=0, le=100)] = None


class ReturnVisitIn(Shape):
    reached: YesNo
    resolved: YesNo | None = None
    rating: Rating | None = None
    note: Optional = ""


# ---- the console's forms: the same shapes, with messages in the user's language ----

FIELD_LABELS = {
    "reason": N_("a reason"),
    "note": N_("a progress note"),
    "summary": N_("a result summary"),
    "comment": N_("what is still wrong"),
    "position": N_("your unit's position"),
}


def parse_form(shape: type[Shape] | None, fields: dict[str, Any]) -> Shape | None:
    """The action's input from a form (empty fields left out, so defaults apply); a translated 400 otherwise."""
    if shape is None:
        return None
    stripped = {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}
    given = {k: v for k, v in stripped.items() if k in shape.model_fields and v not in ("", None, [])}
    if "decision" in fields and "approve" in shape.model_fields:
        given["approve"] = stripped["decision"]
    try:
        return shape.model_validate(given)
    except ValidationError as exc:
        raise _form_error(exc.errors()[0]) from None


def _form_error(error: dict) -> ServiceError:
    field, kind = str(error["loc"][0]) if error["loc"] else "", error["type"]
    if kind == "string_too_long":
        limit = (error.get("ctx") or {}).get("max_length", 4000)
        return ServiceError(ErrorKind.BAD_INPUT, _("A field is too long (at most %(max)s characters).", max=limit))
    if field in FIELD_LABELS and kind in ("missing", "string_too_short"):
        return ServiceError(ErrorKind.MISSING_REASON, _("Please give %(what)s.", what=_(FIELD_LABELS[field])))
    messages = {
        "item_code": _("Choose a catalog item."),
        "claimed_item_code": _("Choose a catalog item."),
        "duplicate_of": _("Give the number of an existing ticket to merge into."),
        "approve": _("Choose approve or deny."),
        "rating": _("Choose a rating."),
        "resolved": _("Say whether the problem was solved."),
        "reached": _("Say whether the complainant was reached."),
        "outcome": _("Choose an outcome from the list."),
        "score": _("A score is a whole number from 0 to 100."),
        "primary_unit_id": _("Choose the responsible unit."),
        "unit_ids": _("Name at least two units in dispute."),
        "cooperating_unit_ids": _("Choose the cooperating units from the list."),
        "extra": _("Choose the extra time from the list."),
    }
    return ServiceError(ErrorKind.BAD_INPUT, messages.get(field, _("The input was not accepted.")), error["msg"])


