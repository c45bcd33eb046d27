"""Routing a grievance text to catalog items: Chinese characters and character pairs ranked by BM25 over the catalog.

Owns the per-process index cache and the learned examples. It only proposes: a dispatcher decides,
and learn() feeds the decision back into later proposals.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import time
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice

import bm25s
import numpy as np
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.catalog import CATEGORY_LABELS, CatalogError, current_version, get_item, items_at, responsible_unit
from core.models.catalog import CatalogItem, CatalogVersion, Unit
from core.models.routing import RoutingExample, text_digest

# Field weights: a field is repeated this many times in the item's document.
NAME_WEIGHT = 3
KEYWORD_WEIGHT = 3
EXAMPLE_WEIGHT = 1
BM25_K1 = 1.2
BM25_B = 0.5
CATEGORY_BOOST = 1.25
REQUESTED_ITEM_BOOST = 1.5
# A grievance whose tokens overlap a confirmed text (routing.learn) by this much (Jaccard) leans to its item.
LEARNED_MIN_OVERLAP = 0.3
LEARNED_NEIGHBOURS = 10
# Softmax temperature as a share of the top score: how sharply the top candidate takes the confidence.
TEMPERATURE = 0.12
_CACHE_SIZE = 4
# Confirmations grow by a city's dispatches (12,000 a day in Beijing): the newest this many are learned from,
# and past LEARNED_REBUILD_FREE of them the learned index is rebuilt at most every LEARNED_REFRESH seconds
# (one more among thousands barely moves a proposal; rebuilding on each dispatch cost a fifth of the worker).
LEARNED_MAX = 20_000
LEARNED_REBUILD_FREE = 1_000
LEARNED_REFRESH = 10.0
# PostgreSQL hands out ids before commit, so a confirmation may become visible after a newer one: within this many
# ids of the newest, which are counted again each time (counting the whole table grew with it: 12.6 ms per proposal
# at 100,000 confirmations).
LATE_WINDOW = 256

_ZH_STOP_WORDS = (
    "的 了 是 在 我 我们 我家 你 你们 他 她 它 他们 有 和 与 及 就 都 也 还 又 很 太 非常 特别 这 那 这个 那个 "
    "一个 一些 一下 什么 怎么 怎么办 为什么 能 能否 可以 请 希望 要求 反映 问题 情况 市民 来电 诉求 相关 部门 "
    "处理 解决 一直 已经 现在 每天 经常 没人 管 给 把 被 让 对 说 去 来 上 下 里 中 后 前 啊 吧 呢 吗 呀 "
    "着 过 到 从 向 跟 又 再 才 但 但是 而且 因为 所以 如果 谁 哪 哪里 及时 尽快 帮忙 帮 看看 一 个"
)
_EN_STOP_WORDS = (
    "a an the of to in on at for is are was were be been my our we i you it its this that there their "
    "they he she and or with from by as has have had do does did not please can could would should "
    "will just very so too all any some about into out up down over near next every since"
)
_ZH_STOP = frozenset(_ZH_STOP_WORDS.split())
_EN_STOP = frozenset(_EN_STOP_WORDS.split())
_TOKEN = re.compile(r"[\u4e00-\u9fff]+|[a-z0-9]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Candidate:
    item_code: str
    item_name: str
    unit_id: str
    unit_name: str
    confidence: float  # 0..1; the candidates of one proposal sum to at most 1


@dataclass
class _Index:
    model: bm25s.BM25
    codes: list[str]
    categories: np.ndarray
    items: dict[str, CatalogItem]  # detached copies: a version's items never change once it exists
    learned: _LearnedIndex | None = None  # replaced whole, so a reader never sees half of a rebuild
    relearning: threading.Thread | None = None  # a rebuild of `learned` under way


@dataclass(frozen=True)
class _LearnedIndex:
    """Confirmed texts, each its own document, and the position in `codes` of the item it was confirmed for."""

    model: bm25s.BM25 | None
    items: np.ndarray
    tokens: list[frozenset[str]]
    signature: tuple[int, int]  # (count, newest id) of the confirmations it was built from
    built_at: float  # time.monotonic()


@dataclass
class _Confirmations:
    """One database's confirmed texts, tokenized once each: the newest LEARNED_MAX, by id."""

    rows: OrderedDict[int, tuple[str, list[str]]]
    signature: tuple[int, int] = (0, 0)  # (newest id, rows within LATE_WINDOW of it)
    top: int = 0  # the newest id read

    def add(self, found: list[tuple[int, str, str]]) -> None:
        for row_id, code, text in found:
            if row_id not in self.rows:
                # Interned: 20,000 texts hold about a million tokens but a few thousand distinct ones (107 -> 15 MB)
                self.rows[row_id] = (code, [sys.intern(token) for token in tokenize(text)])
                self.top = max(self.top, row_id)

    def clear(self) -> None:
        self.rows.clear()
        self.top = 0


_cache: OrderedDict[tuple, _Index] = OrderedDict()
_confirmations: dict[str, _Confirmations] = {}
_lock = threading.Lock()


def propose(
    session: Session, text: str, *, street_id: str | None = None, category_hint: str = "",
    requested_item_code: str = "", limit: int = 3,
) -> tuple[int | None, list[Candidate]]:
    """(catalog_version, top candidates). Applies the street override's primary unit when street_id has one.

    category_hint and requested_item_code (the service an Open311 client chose) weigh in; the text decides.
    """
    version = current_version(session)
    if version is None:
        return None, []
    index = _index(session, version)
    scores = _scores(index, tokenize(text))
    if scores is None:
        return version, []
    if category_hint in CATEGORY_LABELS:
        scores = np.where(index.categories == category_hint, scores * CATEGORY_BOOST, scores)
    if requested_item_code in index.codes:
        scores[index.codes.index(requested_item_code)] *= REQUESTED_ITEM_BOOST
    top = float(scores.max())
    if top <= 0:
        return version, []
    weights = np.exp((scores - top) / (TEMPERATURE * top))
    confidence = weights / weights.sum()
    order = [i for i in np.argsort(-scores, kind="stable")[:limit] if scores[i] > 0]

    candidates = []
    for i in order:
        item = index.items[index.codes[i]]
        unit_id, _ = responsible_unit(session, item, street_id, version)
        unit = session.get(Unit, unit_id)
        candidates.append(
            Candidate(
                item_code=item.code,
                item_name=item.name_zh,
                unit_id=unit_id,
                unit_name=unit.name_zh if unit else unit_id,
                confidence=round(float(confidence[i]), 4),
            )
        )
    return version, candidates


def warm_up(engine: Engine) -> None:
    """Builds the current catalog's index now, so that a fresh worker's first case is routed as fast as the rest."""
    try:
        with Session(engine) as session:
            version = current_version(session)
            if version is not None:
                _index(session, version)
        tokenize("预热")
    except Exception:  # only a head start: the first case builds the index if this could not
        logging.getLogger(__name__).exception("routing warm-up failed")


def learn(session: Session, item_code: str, text: str) -> None:
    """A dispatcher confirmed item_code for this text: later proposals learn from it."""
    text = (text or "").strip()
    if not text:
        return
    if get_item(session, item_code) is None:
        raise CatalogError(f"no current catalog item {item_code!r}")
    digest = text_digest(text)
    seen = session.exec(
        select(RoutingExample.id).where(RoutingExample.item_code == item_code, RoutingExample.text_digest == digest)
    ).first()
    if seen is None:
        session.add(RoutingExample(item_code=item_code, text=text, text_digest=digest, created_at=datetime.now(UTC)))
        session.flush()


def tokenize(text: str) -> list[str]:
    """Chinese as single characters and character pairs; English as lower-case stems.

    No word segmentation: citizens write words the catalog never lists (水管破了 / 爆管, 电梯关人 / 困在电梯),
    and the characters they share still meet, where a segmenter cuts both into unrelated words. On the labelled
    sets this ranks better than jieba's words plus pairs (bench/routing_accuracy.py).
    """
    tokens: list[str] = []
    for run in _TOKEN.findall(unicodedata.normalize("NFKC", text or "").lower()):
        if _HAN.match(run):
            tokens.extend("%" + char for char in run if char not in _ZH_STOP)
            tokens.extend("#" + run[i : i + 2] for i in range(len(run) - 1) if run[i : i + 2] not in _ZH_STOP)
        elif run not in _EN_STOP:
            tokens.append(_stem(run))
    return tokens


def _stem(word: str) -> str:
    # Enough stemming for grievance English: plural and -ing/-ed forms meet their base word.
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _scores(index: _Index, tokens: list[str]) -> np.ndarray | None:
    catalog = _bm25(index.model, tokens)
    confirmed = index.learned
    learned = _bm25(confirmed.model, tokens) if confirmed is not None and confirmed.model is not None else None
    if catalog is None and learned is None:
        return None
    scores = np.zeros(len(index.codes)) if catalog is None else catalog
    if learned is not None:
        # A grievance much like one a dispatcher already confirmed leans towards that item, by how alike
        # the two are (token overlap, 0..1), never by how many confirmations an item has piled up.
        query = set(tokens)
        nearest = np.zeros(len(index.codes))
        k = min(LEARNED_NEIGHBOURS, len(learned))
        for doc in np.argpartition(-learned, k - 1)[:k]:
            if learned[doc] <= 0:
                continue
            words = confirmed.tokens[doc]
            alike = len(query & words) / len(query | words)
            item = confirmed.items[doc]
            nearest[item] = max(nearest[item], alike)
        # At the threshold the bonus equals the best catalog score, so a near-repeat goes first.
        nearest = np.where(nearest >= LEARNED_MIN_OVERLAP, nearest / LEARNED_MIN_OVERLAP, 0.0)
        scores = scores + max(float(scores.max()), 1.0) * nearest
    return scores


def _bm25(model: bm25s.BM25, tokens: list[str]) -> np.ndarray | None:
    known = [t for t in tokens if t in model.vocab_dict]
    return np.asarray(model.get_scores(known), dtype=float) if known else None


def _index(session: Session, version: int) -> _Index:
    # Keyed by database too: tests and tools may hold several catalogs with the same version numbers.
    created = session.get(CatalogVersion, version).created_at
    database = str(session.get_bind().url)
    key = (database, version, str(created))
    with _lock:
        index = _cache.get(key)
        if index is None:
            index = _cache[key] = _build(session, version)
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
        _cache.move_to_end(key)
        confirmed = _confirmed(session, database)
        known = index.learned
        if known is not None and known.signature == confirmed.signature:
            return index
        if known is None or len(confirmed.rows) < LEARNED_REBUILD_FREE:
            index.learned = _learned_index(index.codes, confirmed.signature, list(confirmed.rows.values()))
        elif time.monotonic() - known.built_at >= LEARNED_REFRESH and index.relearning is None:
            # Thousands of texts take a good part of a second to index: proposals meanwhile use the last index
            # (a copy of the rows is taken here, under the lock) instead of waiting on the lock behind the rebuild.
            index.relearning = threading.Thread(target=_relearn, name="routing-relearn", daemon=True, args=(
                index, confirmed.signature, list(confirmed.rows.values())))
            index.relearning.start()
        return index


def _relearn(index: _Index, signature: tuple[int, int], rows: list[tuple[str, list[str]]]) -> None:
    try:
        index.learned = _learned_index(index.codes, signature, rows)
    except Exception:  # the last index stays in use; the next proposal past the refresh tries again
        logging.getLogger(__name__).exception("rebuilding the learned routing index failed")
    finally:
        index.relearning = None


def _build(session: Session, version: int) -> _Index:
    """The catalog's own index; the confirmed texts are indexed apart (_learned_index)."""
    items: list[CatalogItem] = list(items_at(session, version))

    corpus = []
    for item in items:
        doc = tokenize(item.name_zh) * NAME_WEIGHT + tokenize(item.name_en) * NAME_WEIGHT
        doc += tokenize(" ".join(item.keywords or [])) * KEYWORD_WEIGHT
        doc += tokenize(" ".join(item.examples or [])) * EXAMPLE_WEIGHT
        corpus.append(doc or [""])
    model = bm25s.BM25(k1=BM25_K1, b=BM25_B)
    model.index(corpus, show_progress=False)
    return _Index(model=model, codes=[i.code for i in items], categories=np.array([i.category for i in items]),
                  items={i.code: CatalogItem(**i.model_dump()) for i in items})


def _confirmed(session: Session, database: str) -> _Confirmations:
    """The database's confirmations, reading and tokenizing only those added since the last call.

    Its signature is the newest id and how many rows lie within LATE_WINDOW of it: both come from the primary key's
    index, whatever the table's size."""
    newest = session.exec(select(func.max(RoutingExample.id))).one() or 0
    recent = session.exec(select(func.count(col(RoutingExample.id))).where(RoutingExample.id > newest - LATE_WINDOW)
                          ).one()
    signature = (newest, recent)
    known = _confirmations.setdefault(database, _Confirmations(OrderedDict()))
    if signature == known.signature:
        return known
    if newest < known.signature[0]:  # the table was emptied (a database restored from before): read it again
        known.clear()
    known.add(_confirmations_after(session, known.top))
    floor = newest - LATE_WINDOW
    if sum(1 for row_id in islice(reversed(known.rows), 2 * LATE_WINDOW) if row_id > floor) < recent:
        known.add(_confirmations_after(session, max(floor, 0)))  # one committed late, below the newest we had
    while len(known.rows) > LEARNED_MAX:
        known.rows.popitem(last=False)
    known.signature = signature
    return known


def _confirmations_after(session: Session, after: int) -> list[tuple[int, str, str]]:
    """(id, item code, text) of the newest LEARNED_MAX confirmations with an id above `after`, oldest first."""
    query = select(RoutingExample.id, RoutingExample.item_code, RoutingExample.text).where(RoutingExample.id > after)
    return list(session.exec(query.order_by(col(RoutingExample.id).desc()).limit(LEARNED_MAX)).all())[::-1]


def _learned_index(codes: list[str], signature: tuple[int, int], rows: list[tuple[str, list[str]]]
                   ) -> _LearnedIndex:
    position = {code: i for i, code in enumerate(codes)}
    usable = [(position[code], tokens) for code, tokens in rows if code in position and tokens]
    model = None
    if usable:
        model = bm25s.BM25(k1=BM25_K1, b=BM25_B)
        model.index([tokens for _, tokens in usable], show_progress=False)
    return _LearnedIndex(model=model, items=np.array([i for i, _ in usable], dtype=int),
                         tokens=[frozenset(tokens) for _, tokens in usable], signature=signature,
                         built_at=time.monotonic())

