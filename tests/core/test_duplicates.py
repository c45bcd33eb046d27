"""Near-duplicates: close in place and text, recent and open; never itself, never closed ones."""

from datetime import UTC, datetime, timedelta

from core.duplicates import count_duplicates, distance_m, find_duplicates, similarity
from core.models.tickets import Ticket
from tests.utils.statements import statements_run

NOW = datetime(2026, 11, 20, 10, tzinfo=UTC)


def ticket(ticket_id: str, text: str, *, lat=None, lng=None, street="s-east-1", stage="received",
           address="", days_ago=0) -> Ticket:
    at = NOW - timedelta(days=days_ago)
    return Ticket(id=ticket_id, stage=stage, channel="hotline", description=text, received_at=at, updated_at=at,
                  lat=lat, lng=lng, street_id=street, address=address)


def test_similarity_and_distance():
    assert similarity("建设路12号饭店油烟扰民", "建设路饭店油烟很大扰民") >= 0.4
    assert similarity("路灯不亮", "饭店油烟") == 0.0
    assert 1100 < distance_m(36.62, 101.78, 36.63, 101.78) < 1120


def test_finds_recent_open_neighbours_with_similar_text(session):
    new = ticket("N", "建设路12号饭店油烟太大，晚上排油烟扰民", lat=36.6200, lng=101.7800)
    session.add_all([
        new,
        ticket("A", "建设路饭店油烟扰民，晚上排放油烟", lat=36.6201, lng=101.7801, days_ago=2),
        ticket("B", "小区门口路灯不亮", lat=36.6200, lng=101.7800, days_ago=1),  # near but unrelated
        ticket("C", "建设路12号饭店油烟扰民", lat=36.6200, lng=101.7800, stage="closed", days_ago=1),
        ticket("D", "建设路12号饭店油烟太大扰民", street="s-west-1", lat=36.70, lng=101.90, days_ago=1),  # far away
        ticket("E", "建设路12号饭店油烟太大，晚上排油烟扰民", lat=36.6200, lng=101.7800, days_ago=30),  # too old
    ])
    session.commit()
    found = find_duplicates(session, session.get(Ticket, "N"))
    assert [c.ticket_id for c in found] == ["A"]
    assert found[0].distance_m < 20 and found[0].similarity >= 0.25


def test_no_location_means_no_proposal(session):
    lonely = ticket("L", "饭店油烟", street=None)
    session.add(lonely)
    session.commit()
    assert find_duplicates(session, lonely) == []


def test_a_page_is_counted_in_one_query_by_the_same_rule(session, engine):
    """The dispatch console's badge: per ticket of a page, as many as find_duplicates lists, one statement."""
    session.add_all([
        ticket("N", "建设路12号饭店油烟太大，晚上排油烟扰民", address="建设路12号"),
        ticket("A", "建设路饭店油烟扰民，晚上排放油烟", address="建设路12号", days_ago=2),
        ticket("B", "小区门口路灯不亮", address="幸福路3号", days_ago=1),
        ticket("C", "建设路12号饭店油烟扰民", stage="closed", days_ago=1),
        ticket("E", "建设路12号饭店油烟太大，晚上排油烟扰民", days_ago=30),
        ticket("W", "西门街道菜市场卖过期食品", street="s-west-1"),
    ])
    session.commit()
    page = [session.get(Ticket, i) for i in ("N", "A", "B", "W")]
    with statements_run(engine) as statements:
        counts = count_duplicates(session, page)
    assert len(statements) == 1
    expected = {t.id: len(find_duplicates(session, t, limit=99)) for t in page}
    assert counts == expected == {"N": 1, "A": 1, "B": 0, "W": 0}


def test_a_page_counts_duplicates_up_to_the_badge_s_cap(session):
    """A busy street with many reports of one problem: each case's badge says "9+" instead of comparing on."""
    from core.duplicates import COUNT_CAP

    same = [ticket(f"S{i:02d}", "建设路12号饭店油烟太大，晚上排油烟扰民", address="建设路12号", days_ago=i % 5)
            for i in range(COUNT_CAP + 6)]
    session.add_all(same)
    session.commit()
    assert set(count_duplicates(session, same[:3]).values()) == {COUNT_CAP}
