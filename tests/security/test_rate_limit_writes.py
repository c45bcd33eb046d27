"""A request's rate limits are counted in one write transaction, not one each: on SQLite every transaction
takes the database's one write lock, and three per Open311 post queued the intake behind each other."""

from __future__ import annotations

from sqlalchemy import event

from core.config import Settings
from services.rate_limits import RateLimits, check_open311_post


def test_an_open311_post_counts_its_three_limits_in_one_commit(engine):
    limits = RateLimits(engine, Settings(environment="test"))
    commits = []
    event.listen(limits.storage.engine, "commit", lambda conn: commits.append(1))
    check_open311_post(limits, 7, "203.0.113.9")  # the first also sweeps expired counters
    commits.clear()
    check_open311_post(limits, 7, "203.0.113.9")
    assert len(commits) == 1
    assert limits.storage.get(limits.items["open311_key"][0].key_for("open311_key", "7")) == 2
    assert limits.storage.get(limits.items["anonymous_intake"][0].key_for("anonymous_intake", "all")) == 2
    limits.close()
