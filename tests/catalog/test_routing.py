import threading
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from bench.routing_accuracy import HELD_OUT, evaluate, load_labelled
from core.catalog import CatalogError, get_item, new_version, replace_item
from core.demo_catalog import load_demo_catalog
from core.models.routing import RoutingExample, text_digest
from core.routing import learn, propose
from tests.utils.statements import statements_run


@pytest.fixture
def demo(session: Session) -> Session:
    load_demo_catalog(session)
    return session


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("小区楼下饭馆油烟太大，熏得窗户都不敢开", "EC-001"),
        ("单元楼道里一股很重的煤气味", "UT-012"),
        ("家里暖气一点都不热，屋里才十五度", "UT-009"),
        ("路口的红绿灯坏了没人管", "TR-003"),
        ("老板拖欠我两个月的工资不给", "WF-006"),
        ("restaurant oil smoke smell at night", "EC-001"),
        ("burst water pipe flooding the street", "UT-002"),
        ("stray dogs in the residential compound", "SG-005"),
    ],
)
def test_propose_ranks_the_right_item_in_the_top_three(demo: Session, text: str, expected: str):
    version, candidates = propose(demo, text)

    assert version == 1
    assert expected in [c.item_code for c in candidates[:3]]
    assert 1 <= len(candidates) <= 3
    assert all(0 <= c.confidence <= 1 for c in candidates)
    assert [c.confidence for c in candidates] == sorted((c.confidence for c in candidates), reverse=True)


def test_a_broken_street_lamp_is_not_taken_for_traffic_lights(demo: Session):
    # The demo's most common grievance: 灯 and 坏了 alone also fit 红绿灯坏了 (TR-003).
    _, candidates = propose(demo, "路灯坏了一个星期")

    assert candidates[0].item_code == "UM-012"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("小区后门那条臭水沟又黑又臭，蚊子一堆", "EC-005"),
        ("晚上路过东关大街，路边那排灯全黑着，啥也看不见", "UM-012"),
    ],
)
def test_colloquial_texts_reach_the_top_three_by_shared_characters(demo: Session, text: str, expected: str):
    # Neither names the catalog's words (河道 / 路灯); word segmentation missed both, single characters meet.
    _, candidates = propose(demo, text)

    assert expected in [c.item_code for c in candidates[:3]]


def test_candidate_names_item_and_unit(demo: Session):
    _, candidates = propose(demo, "楼下饭店的油烟直排进我家")
    top = candidates[0]
    assert (top.item_code, top.item_name, top.unit_id, top.unit_name) == (
        "EC-001",
        "餐饮油烟污染",
        "ecology",
        "青川市生态环境局",
    )
    assert top.confidence > 0.5


def test_proposals_take_their_items_from_the_index_not_a_query_each(demo: Session):
    propose(demo, "楼下饭店的油烟直排进我家")  # builds the index
    with statements_run(demo.get_bind()) as statements:
        _, candidates = propose(demo, "楼下饭店的油烟直排进我家")
    assert [c.item_name for c in candidates][:1] == ["餐饮油烟污染"] and len(candidates) == 3
    assert not [sql for sql in statements if "FROM catalog_items" in sql]


def test_propose_without_any_known_word_returns_nothing(demo: Session):
    assert propose(demo, "") == (1, [])
    assert propose(demo, "qwzx blorp") == (1, [])


def test_propose_without_a_catalog(session: Session):
    assert propose(session, "油烟") == (None, [])


def test_street_override_changes_the_unit(demo: Session):
    text = "小区周边停车位太少，希望划一些停车位"
    _, plain = propose(demo, text)
    _, in_street = propose(demo, text, street_id="s-east-1")

    assert plain[0].item_code == in_street[0].item_code == "TR-005"
    assert plain[0].unit_id == "traffic-police"
    assert (in_street[0].unit_id, in_street[0].unit_name) == ("s-east-1", "东关街道")


def test_category_hint_boosts_its_category(demo: Session):
    # Dust: construction sites (housing) and bare soil or roads (ecology) share the words.
    _, plain = propose(demo, "扬尘")
    _, ecology = propose(demo, "扬尘", category_hint="ecology")
    _, unknown = propose(demo, "扬尘", category_hint="no-such-category")

    assert [c.item_code for c in plain[:2]] == ["HS-012", "EC-008"]
    assert ecology[0].item_code == "EC-008"
    assert unknown == plain


def test_learn_changes_a_later_proposal(demo: Session):
    text = "东门口那个铁皮棚子里天天有人敲敲打打"
    _, before = propose(demo, text)
    assert not before or before[0].item_code != "EC-003"

    learn(demo, "EC-003", text)
    learn(demo, "EC-003", text)  # the same confirmation twice is stored once

    _, after = propose(demo, "东门口铁皮棚子敲敲打打")
    assert after[0].item_code == "EC-003"
    assert len(demo.exec(select(RoutingExample)).all()) == 1


def test_confirmed_choices_do_not_pull_unseen_grievances_away(demo: Session):
    # Learning from one fold of the labelled set must not cost accuracy on the texts it has not seen:
    # an item with many confirmations may not outweigh the catalog by sheer volume.
    rows = load_labelled()
    held_out, confirmed = rows[::5], [r for i, r in enumerate(rows) if i % 5]
    cold = evaluate(demo, held_out)

    for text, code in confirmed:
        learn(demo, code, text)
    warm = evaluate(demo, held_out)

    assert warm["top1"] >= cold["top1"] and warm["top3"] >= cold["top3"]


def test_the_item_a_client_asked_for_weighs_in_but_the_text_decides(demo: Session):
    text = "路口的灯坏了，晚上很黑"  # a street lamp or the traffic lights: both fit
    _, plain = propose(demo, text)
    runner_up = plain[1].item_code

    _, asked = propose(demo, text, requested_item_code=runner_up)
    _, unrelated = propose(demo, text, requested_item_code="MK-001")  # food safety: nothing to do with lamps

    assert asked[0].item_code == runner_up
    assert unrelated[0].item_code == plain[0].item_code


def test_learn_rejects_an_unknown_item(demo: Session):
    with pytest.raises(CatalogError):
        learn(demo, "XX-999", "whatever")


def test_a_new_catalog_version_rebuilds_the_index(demo: Session):
    _, before = propose(demo, "楼下饭店的油烟直排进我家")
    version = new_version(demo, author="admin", reason="fumes move to urban management")
    fields = get_item(demo, "EC-001").model_dump(exclude={"id", "version_from", "version_to"})
    replace_item(demo, version, {**fields, "primary_unit_id": "urban"})

    got_version, after = propose(demo, "楼下饭店的油烟直排进我家")

    assert before[0].unit_id == "ecology"
    assert got_version == version.id and after[0].unit_id == "urban"


def test_routing_accuracy_floor_on_the_labelled_set(demo: Session):
    rows = load_labelled()
    assert len(rows) >= 300 and len({code for _, code in rows}) >= 100

    result = evaluate(demo, rows)

    assert result["top3"] >= 0.95
    assert result["top1"] >= 0.85


def test_routing_accuracy_on_texts_written_apart_from_the_tuning(demo: Session):
    """The issue's bar: the right item in the top three for 95 % of grievances, on texts nobody tuned for."""
    rows = load_labelled(HELD_OUT)
    assert len(rows) >= 200 and not {text for text, _ in rows} & {text for text, _ in load_labelled()}

    result = evaluate(demo, rows)

    assert result["top3"] >= 0.95


def test_many_confirmations_are_tokenized_once_and_relearned_at_most_every_refresh(demo: Session, monkeypatch):
    """Issue 19: a city's confirmations grow by thousands a day; rebuilding the whole index (and tokenizing every
    confirmed text again) after each dispatch cost a fifth of the worker. Past LEARNED_REBUILD_FREE confirmations
    a new one is learned at the next refresh; each text is tokenized once."""
    from core import routing

    monkeypatch.setattr(routing, "LEARNED_REBUILD_FREE", 2)
    monkeypatch.setattr(routing, "LEARNED_REFRESH", 3600.0)
    for n in range(3):
        learn(demo, "MK-001", f"超市过期面包第{n}次")
    propose(demo, "超市面包")  # builds the learned index from the three
    tokenized: list[str] = []
    real = routing.tokenize
    monkeypatch.setattr(routing, "tokenize", lambda text: tokenized.append(text) or real(text))

    text = "东门口那个铁皮棚子里天天有人敲敲打打"
    learn(demo, "EC-003", text)
    _, soon = propose(demo, "东门口铁皮棚子敲敲打打")
    assert soon[0].item_code != "EC-003"  # not relearned yet: the refresh has not come
    assert tokenized.count(text) == 1  # read once, when it came in

    monkeypatch.setattr(routing, "LEARNED_REFRESH", 0.0)
    propose(demo, "东门口铁皮棚子敲敲打打")  # starts the rebuild, in the background
    _relearned()
    _, later = propose(demo, "东门口铁皮棚子敲敲打打")
    assert later[0].item_code == "EC-003"
    assert tokenized.count(text) == 1


def _relearned() -> None:
    from core import routing

    for index in list(routing._cache.values()):
        if (rebuild := index.relearning) is not None:
            rebuild.join(timeout=30)


def test_proposals_do_not_wait_for_a_rebuild_of_the_learned_index(demo: Session, monkeypatch):
    """At 20,000 confirmations a rebuild takes about half a second; proposals meanwhile use the last index."""
    from core import routing

    monkeypatch.setattr(routing, "LEARNED_REBUILD_FREE", 2)
    for n in range(3):
        learn(demo, "MK-001", f"超市过期面包第{n}次")
    propose(demo, "超市面包")
    learn(demo, "EC-003", "东门口那个铁皮棚子里天天有人敲敲打打")
    monkeypatch.setattr(routing, "LEARNED_REFRESH", 0.0)
    release, real = threading.Event(), routing._learned_index
    monkeypatch.setattr(routing, "_learned_index", lambda *args: release.wait(30) and real(*args))
    try:
        _, meanwhile = propose(demo, "东门口铁皮棚子敲敲打打")  # starts the rebuild, which waits for `release`
        _, still = propose(demo, "东门口铁皮棚子敲敲打打")  # neither waits for it
        assert meanwhile[0].item_code != "EC-003" and still == meanwhile
    finally:
        release.set()
    _relearned()
    assert propose(demo, "东门口铁皮棚子敲敲打打")[1][0].item_code == "EC-003"


def test_a_fresh_worker_builds_the_index_before_its_first_case(demo: Session):
    from core import routing

    routing._cache.clear()
    routing.warm_up(demo.get_bind())
    assert any(key[0] == str(demo.get_bind().url) for key in routing._cache)


def test_confirmations_are_checked_without_counting_the_whole_table(demo: Session):
    """Counting every confirmation on each proposal grew with the city's dispatches (8 ms at 100,000)."""
    from core import routing

    for n in range(3):
        learn(demo, "MK-001", f"超市过期面包第{n}次")
    with statements_run(demo.get_bind()) as statements:
        known = routing._confirmed(demo, "counting-test")
    assert len(known.rows) == 3
    counts = [sql for sql in statements if "count(" in sql.lower()]
    assert counts and all("WHERE routing_examples.id >" in sql for sql in counts)


def test_a_confirmation_committed_after_a_newer_one_is_still_learned(demo: Session):
    """PostgreSQL hands out ids before commit: id 2 may become visible after id 3 was read."""
    from core import routing

    now = datetime.now(UTC)
    for row_id in (1, 3):
        demo.add(RoutingExample(id=row_id, item_code="MK-001", text=f"超市过期面包{row_id}", created_at=now))
    demo.commit()
    assert list(routing._confirmed(demo, "late-test").rows) == [1, 3]
    demo.add(RoutingExample(id=2, item_code="EC-003", text="铁皮棚子敲敲打打", created_at=now))
    demo.commit()
    assert sorted(routing._confirmed(demo, "late-test").rows) == [1, 2, 3]


def test_a_text_confirmed_again_is_found_by_its_digest_not_by_reading_the_items_texts(demo: Session):
    learn(demo, "MK-001", "超市卖过期面包")
    with statements_run(demo.get_bind()) as statements:
        learn(demo, "MK-001", "超市卖过期面包")
    assert demo.exec(select(RoutingExample.text_digest)).all() == [text_digest("超市卖过期面包")]
    looked_up = [sql for sql in statements if "FROM routing_examples" in sql]
    assert looked_up and all("text_digest =" in sql and "routing_examples.text =" not in sql for sql in looked_up)


def test_confirmed_texts_share_their_tokens_in_memory(demo: Session):
    """The newest 20,000 confirmations are held tokenized: a million tokens, but few distinct ones."""
    from core import routing

    learn(demo, "MK-001", "超市卖过期面包")
    learn(demo, "MK-001", "超市卖过期牛奶")
    first, second = (tokens for _code, tokens in routing._confirmed(demo, "sharing-test").rows.values())
    assert next(t for t in first if t == "#超市") is next(t for t in second if t == "#超市")
