from sqlmodel import Session, func, select

from core.catalog import CATEGORY_LABELS, LEVELS, TIERS, current_version, items_at
from core.clock_plans import resolve
from core.demo_catalog import load_demo_catalog
from core.models.catalog import CatalogVersion, CommunityAccessItem, StreetOverride, TakenBackItem, Unit


def test_demo_catalog_loads_a_whole_city(session: Session):
    assert load_demo_catalog(session) is True

    for unit_id in ("city", "centre", "supervision", "d-east", "d-west"):
        assert session.get(Unit, unit_id) is not None
    units = session.exec(select(Unit)).all()
    streets = [u for u in units if u.kind in ("street", "township")]
    assert len(streets) == 6
    assert all(u.name_zh and u.name_en and u.contact and u.phone for u in units)

    items = items_at(session)
    assert len(items) >= 150
    kinds = {u.id: u.kind for u in units}
    departments = {i.primary_unit_id for i in items if kinds[i.primary_unit_id] == "department"}
    assert len(departments) >= 15
    assert {i.primary_unit_id for i in items} >= {u.id for u in streets}
    assert {i.category for i in items} <= set(CATEGORY_LABELS)
    assert {i.level for i in items} <= set(LEVELS) and {i.tier for i in items} <= set(TIERS)
    for item in items:
        assert item.name_en and item.keywords and 2 <= len(item.examples) <= 4 and item.process and item.contact
        resolve(
            item.tier, acceptance=item.acceptance_limit, closure=item.closure_limit, checkpoints=item.checkpoint_plan
        )


def test_demo_catalog_has_its_side_lists(session: Session):
    load_demo_catalog(session)
    codes = {i.code for i in items_at(session)}
    access = session.exec(select(CommunityAccessItem)).all()
    overrides = session.exec(select(StreetOverride)).all()
    taken = session.exec(select(TakenBackItem)).all()
    assert len(access) >= 10 and len(overrides) >= 6 and len(taken) >= 3
    assert {a.item_code for a in access if a.item_code} <= codes
    assert {o.item_code for o in overrides} <= codes and {t.item_code for t in taken} <= codes


def test_demo_catalog_is_version_one_and_loads_once(session: Session):
    load_demo_catalog(session)
    count = len(items_at(session))

    assert load_demo_catalog(session) is False

    version = session.get(CatalogVersion, current_version(session))
    assert version.id == 1 and version.reason == "demo catalog"
    assert version.effective_at.year == 2026 and version.effective_at.month == 1
    assert session.exec(select(func.count()).select_from(CatalogVersion)).one() == 1
    assert len(items_at(session)) == count
