"""The open-cases bench's arithmetic and its reading of checkpoint rows (no timing: the bench measures it)."""

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, SQLModel, create_engine

from bench.open_cases import CheckpointWatch, growth_per_1000, lateness, parse_utc, probe_tiers
from core.clock_plans import load_tiers, resolve
from core.models import TicketEvent
from core.vocabulary import AuditAction, Detail

DUE = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_lateness_is_fired_and_seen_minus_due():
    rows = [(DUE, DUE + timedelta(seconds=0.5), DUE + timedelta(seconds=1)),
            (DUE, None, DUE + timedelta(seconds=3)),  # a row without fired_at still counts as seen
            (DUE, DUE + timedelta(seconds=0.5), DUE + timedelta(seconds=2))]
    found = lateness(rows)
    assert found["fired"] == {"count": 2, "p50_s": 0.5, "p99_s": 0.5, "max_s": 0.5}
    assert found["seen"]["count"] == 3
    assert found["seen"]["p50_s"] == 2.0
    assert found["seen"]["max_s"] == 3.0


def test_memory_growth_is_the_slope_per_thousand_cases():
    assert growth_per_1000([(1000, 300.0), (2000, 340.0), (3000, 380.0)]) == 40.0
    assert growth_per_1000([(1000, 300.0)]) is None
    assert growth_per_1000([(1000, 300.0), (2000, None)]) is None  # a process that was gone gives no point


def test_probe_tiers_are_a_valid_clock_plans_setting_in_minutes():
    tiers = load_tiers(probe_tiers("1m,2m,3m,4m"))
    plan = resolve("complex", tiers=tiers)
    assert plan.checkpoints == ["1m", "2m", "3m", "4m"]
    assert plan.closure == "4m"
    assert tiers["standard"]["closure"] == "7d"  # the bulk cases keep their days-long clocks


def test_watch_reads_due_fired_and_index_of_checkpoint_rows(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'grievances.db'}")
    SQLModel.metadata.create_all(engine, tables=[TicketEvent.__table__])
    fired = DUE + timedelta(seconds=0.25)
    with Session(engine) as session:
        session.add(TicketEvent(ticket_id="T1", seq=1, at=DUE, action=AuditAction.DISPATCHED.value))
        session.add(TicketEvent(ticket_id="T1", seq=2, at=DUE, action=AuditAction.CHECKPOINT.value,
                                details={Detail.INDEX.value: 2, Detail.FIRED_AT.value: fired.isoformat()}))
        session.commit()
    engine.dispose()
    watch = CheckpointWatch(tmp_path / "grievances.db")
    watch.poll()
    assert list(watch.rows) == [("T1", 2)]
    due, fired_at, seen = watch.rows[("T1", 2)]
    assert (due, fired_at) == (DUE, fired)
    assert seen > DUE
    assert watch.count({"T1"}) == 1 and watch.count({"T2"}) == 0


def test_read_model_times_are_utc():
    assert parse_utc("2026-11-30 08:00:00.000000") == DUE
    assert parse_utc("2026-11-30T16:00:00+08:00") == DUE
