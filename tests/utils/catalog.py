"""A small, hand-made catalog for workflow and API tests (the demo catalog is tested on its own)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from core import calendar_years
from core.models.calendar import CalendarDay
from core.models.catalog import CatalogItem, CatalogVersion, CommunityAccessItem, TakenBackItem, Unit
from core.workcalendar import seed_rows_from_chinesecalendar

UNITS = [
    ("city", "青川市", "Qingchuan City", "city", None),
    ("centre", "市12345指挥中心", "City 12345 Centre", "centre", "city"),
    ("supervision", "市督查室", "City Supervision Office", "centre", "city"),
    ("d-east", "东城区", "Dongcheng District", "district", "city"),
    ("d-west", "西城区", "Xicheng District", "district", "city"),
    ("s-east-1", "东关街道", "Dongguan Subdistrict", "street", "d-east"),
    ("s-west-1", "西门街道", "Ximen Subdistrict", "street", "d-west"),
    ("c-east-1", "东关社区", "Dongguan Community", "community", "s-east-1"),
    ("dept-market", "市市场监管局", "City Market Regulation Bureau", "department", "city"),
    ("dept-ecology", "市生态环境局", "City Ecology and Environment Bureau", "department", "city"),
    ("dept-housing", "市住建局", "City Housing and Construction Bureau", "department", "city"),
    ("d-east-urban", "东城区城管执法局", "Dongcheng Urban Management", "department", "d-east"),
    ("d-west-urban", "西城区城管执法局", "Xicheng Urban Management", "department", "d-west"),
]

ITEMS = [
    # code, name, category, primary, cooperating, level, tier, keywords
    ("MK-001", "餐饮油烟扰民", "ecology", "dept-ecology", ["dept-market"], "city", "standard", ["油烟", "饭店"]),
    ("MK-002", "食品安全", "market", "dept-market", [], "city", "standard", ["食品", "过期"]),
    ("UR-001", "占道经营", "urban", "d-east-urban", [], "district", "standard", ["摊贩", "占道"]),
    ("ST-001", "邻里纠纷调解", "social", "s-east-1", [], "street", "standard", ["邻里", "纠纷"]),
    ("GS-001", "燃气泄漏", "public", "dept-housing", [], "city", "urgent", ["燃气", "泄漏"]),
    ("HS-001", "违法建设", "urban", "dept-housing", ["d-east-urban"], "district", "complex", ["违建"]),
    ("CM-001", "社区环境卫生", "social", "s-east-1", ["c-east-1"], "street", "standard", ["卫生", "垃圾"]),
]


def seed_small_catalog(session: Session) -> int:
    for unit_id, name, name_en, kind, parent in UNITS:
        session.add(Unit(id=unit_id, name_zh=name, name_en=name_en, kind=kind, parent_id=parent))
    session.flush()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    version = CatalogVersion(effective_at=now, author="test", reason="test catalog", created_at=now)
    session.add(version)
    session.flush()
    for code, name, category, primary, coop, level, tier, keywords in ITEMS:
        session.add(CatalogItem(code=code, version_from=version.id, name_zh=name, name_en=code, category=category,
                                keywords=keywords, examples=[], primary_unit_id=primary, cooperating_unit_ids=coop,
                                level=level, tier=tier))
    session.add(CommunityAccessItem(code="CA-01", version_from=version.id, name_zh="社区环境", item_code="CM-001"))
    session.add(TakenBackItem(item_code="HS-001", version_from=version.id, taken_by_unit_id="dept-housing"))
    rows = seed_rows_from_chinesecalendar()
    for day, is_workday, name in rows:
        session.add(CalendarDay(day=day, is_workday=is_workday, name=name))
    for year in sorted({day.year for day, _w, _n in rows}):
        calendar_years.publish(session, year, "chinesecalendar")
    session.commit()
    return version.id
