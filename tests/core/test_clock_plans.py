"""Tiers and their clocks are data: defaults, item overrides, city overrides, and validation."""

import pytest

from core.clock_plans import ClockPlanError, load_tiers, resolve
from core.config import Settings


def test_standard_tier_is_the_seven_day_closure_with_four_checkpoints():
    plan = resolve("standard")
    assert (plan.acceptance, plan.closure, plan.checkpoints) == ("1wd", "7d", ["1d", "3d", "5d", "7d"])


def test_item_override_of_closure_scales_the_checkpoints():
    plan = resolve("standard", closure="14d")
    assert plan.checkpoints == ["2d", "6d", "10d", "14d"]
    assert resolve("standard", closure="10wd").checkpoints[-1] == "10wd"


def test_short_closure_is_quartered_in_hours():
    assert resolve("urgent", closure="2d").checkpoints == ["12h", "24h", "36h", "2d"]


def test_city_override_from_json_and_unknown_tier_falls_back_to_standard():
    tiers = load_tiers('{"standard": {"closure": "7wd", "checkpoints": "1wd,3wd,5wd,7wd"}}')
    assert resolve("standard", tiers=tiers).closure == "7wd"
    assert resolve("no-such-tier", tiers=tiers).tier == "standard"


@pytest.mark.parametrize("bad", ['{"standard": {"closure": "7d", "checkpoints": "1d,3d,5d,6d"}}', "not json",
                                 '{"standard": {"acceptance": "soon"}}'])
def test_bad_city_override_is_refused(bad):
    with pytest.raises(ClockPlanError):
        load_tiers(bad)


def test_the_rating_window_and_default_come_from_the_caller_or_the_settings_defaults():
    passed = resolve("standard", rating_window="5d", rating_default="")
    assert (passed.rating_window, passed.rating_default) == ("5d", "")
    declared = Settings.model_construct()
    plan = resolve("standard")
    assert (plan.rating_window, plan.rating_default) == (declared.rating_window, declared.rating_default)


def test_a_dispatch_writes_the_citys_extension_bounce_and_waiting_rules_into_the_plan():
    from core.clock_plans import plan_rules
    from core.config import Settings

    rules = plan_rules(Settings(extension_cutoff="9:30", wait_limits="review=2wd, rework=3wd"))
    assert rules["extension_cutoff"] == "09:30"  # compared as text with the local "HH:MM"
    assert rules["extension_choices"] == ["1wd", "2wd", "3wd", "5wd", "10wd"] and rules["extension_max_count"] == 2
    assert rules["waits"] == {"review": "2wd", "rework": "3wd"} and rules["utc_offset_minutes"] == 480
    assert rules["bounce_window"] == "1wd"
