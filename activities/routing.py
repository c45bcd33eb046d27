"""Routing against the responsibility catalog: propose units for a text, check and plan a dispatch.

plan_dispatch enforces the catalog's rules (first-receiver, street and community lists, district
areas) and resolves the clock plan; a refusal is a non-retryable ApplicationError the update returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from core import catalog
from core.clock_plans import load_tiers, resolve
from core.config import Settings
from core.messages import Actor, DispatchPlan, Role, RoutingCandidate, RoutingProposal, UnitRef
from core.models.catalog import Unit

NOT_ON_CATALOG = "NotOnCatalog"
UNKNOWN = "BadInput"
OUTSIDE_AREA = "Forbidden"


@dataclass
class ProposeRoutingInput:
    text: str
    street_id: str | None = None
    category_hint: str = ""
    requested_item_code: str = ""


@dataclass
class PlanDispatchInput:
    ticket_id: str
    actor: Actor
    item_code: str | None
    primary_unit_id: str | None  # None: the item's primary unit (after the street's override)
    cooperating_unit_ids: list[str] = field(default_factory=list)
    street_id: str | None = None


@dataclass
class LearnRoutingInput:
    item_code: str
    text: str


def _refuse(message: str, kind: str = NOT_ON_CATALOG) -> ApplicationError:
    return ApplicationError(message, type=kind, non_retryable=True)


class RoutingActivities:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self.engine = engine
        self.settings = settings
        self.tiers = load_tiers(settings.clock_plans)

    @activity.defn
    def propose_routing(self, input: ProposeRoutingInput) -> RoutingProposal:
        from core import routing

        with Session(self.engine) as session:
            version, candidates = routing.propose(
                session, input.text, street_id=input.street_id, category_hint=input.category_hint,
                requested_item_code=input.requested_item_code,
            )
        return RoutingProposal(
            catalog_version=version or 0,
            candidates=[
                RoutingCandidate(c.item_code, c.item_name, c.unit_id, c.unit_name, round(c.confidence, 4))
                for c in candidates
            ],
        )

    @activity.defn
    def learn_routing(self, input: LearnRoutingInput) -> None:
        from core import routing

        with Session(self.engine) as session:
            routing.learn(session, input.item_code, input.text)
            session.commit()

    @activity.defn
    def plan_dispatch(self, input: PlanDispatchInput) -> DispatchPlan:
        with Session(self.engine) as session:
            return self._plan(session, input)

    def _plan(self, session: Session, input: PlanDispatchInput) -> DispatchPlan:
        version = catalog.current_version(session)
        if version is None:
            raise _refuse("the responsibility catalog is empty")
        item = catalog.get_item(session, input.item_code, version) if input.item_code else None
        if item is None:
            raise _refuse(f"catalog item {input.item_code!r} does not exist in catalog version {version}")

        primary_id, cooperating_ids = input.primary_unit_id, list(input.cooperating_unit_ids)
        if primary_id is None:  # the same answer routing proposes: street list, territorial rule, item
            primary_id, listed = catalog.responsible_unit(session, item, input.street_id, version)
            cooperating_ids = cooperating_ids or listed
        primary = self._unit(session, primary_id)
        cooperating = [self._unit(session, u) for u in dict.fromkeys(cooperating_ids) if u != primary_id]

        to_district = primary.kind == "district"
        if to_district and input.actor.district_id:
            raise _refuse("a district dispatches to units within its area, not to a district", OUTSIDE_AREA)
        if input.actor.district_id and input.actor.role == Role.DISPATCHER:
            for unit in [primary, *cooperating]:
                if catalog.district_of(session, unit.id) != input.actor.district_id:
                    raise _refuse(f"{unit.name_zh} is outside your district", OUTSIDE_AREA)
        for unit in [primary, *cooperating]:
            self._check_territorial(session, unit, item, version, input.street_id)

        plan = resolve(
            item.tier,
            acceptance=item.acceptance_limit,
            closure=item.closure_limit,
            checkpoints=item.checkpoint_plan,
            tiers=self.tiers,
            rating_window=self.settings.rating_window,
            rating_default=self.settings.rating_default,
            settings=self.settings,
        )
        return DispatchPlan(
            item_code=item.code,
            item_name=item.name_zh,
            category=item.category,
            catalog_version=version,
            primary=self._ref(session, primary),
            cooperating=[self._ref(session, u) for u in cooperating],
            clock=plan,
            to_district=to_district,
        )

    def _check_territorial(self, session: Session, unit: Unit, item, version: int, case_street: str | None) -> None:
        """Nothing outside the list is a territorial item: streets and communities get only listed work."""
        if unit.kind == "community":
            if not catalog.community_allowed(session, item.code, version):
                raise _refuse(f"{item.name_zh} is not on the community access list; it may not go to {unit.name_zh}")
            return
        if unit.kind not in ("street", "township"):
            return
        taken = catalog.taken_back(session, item.code, version)
        if taken is not None:
            raise _refuse(f"{item.name_zh} has been taken back by {taken.taken_by_unit_id}; it may not go to a street")
        listed = {item.primary_unit_id, *item.cooperating_unit_ids}
        own = catalog.street_override(session, unit.id, item.code, version)
        if own is not None:
            listed |= {own.primary_unit_id, *own.cooperating_unit_ids}
        # A street-level item goes to the street where the problem lies (一街一单).
        if unit.id in listed or (item.level == "street" and unit.id == case_street):
            return
        raise _refuse(f"{item.name_zh} is not on {unit.name_zh}'s list of territorial items")

    def _unit(self, session: Session, unit_id: str) -> Unit:
        unit = catalog.get_unit(session, unit_id)
        if unit is None or not unit.active:
            raise _refuse(f"unknown unit {unit_id!r}", UNKNOWN)
        return unit

    @staticmethod
    def _ref(session: Session, unit: Unit) -> UnitRef:
        return UnitRef(id=unit.id, name=unit.name_zh, kind=unit.kind, district_id=catalog.district_of(session, unit.id))
