"""Routing accuracy: top-1 / top-3 accuracy and latency of core.routing.propose on two labelled grievance sets.

The labelled set is what routing and the catalog's keywords are tuned on; the held-out set was written apart,
before anyone read the router's vocabulary, and is only ever checked (its misses are not listed, so nobody
tunes the catalog to it). Loads the demo catalog into a throwaway SQLite database; writes
bench/results/routing_accuracy.json.
Run from the repository root: .venv/bin/python -m bench.routing_accuracy
"""

from __future__ import annotations

import csv
import json
import re
import statistics
import tempfile
import time
from pathlib import Path

from sqlmodel import Session

from core.db import create_schema, make_engine
from core.demo_catalog import load_demo_catalog
from core.routing import learn, propose

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "routing_labelled.csv"
HELD_OUT = ROOT / "tests" / "data" / "routing_heldout.csv"
RESULTS = ROOT / "bench" / "results" / "routing_accuracy.json"
_HAN = re.compile(r"[\u4e00-\u9fff]")
FOLDS = 5


def load_labelled(path: Path = LABELLED) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [(row["text"], row["item_code"]) for row in csv.DictReader(f)]


def evaluate(session: Session, rows: list[tuple[str, str]]) -> dict:
    """Top-1 / top-3 hits, latency and confidence calibration of propose() over labelled rows."""
    started = time.perf_counter()
    propose(session, "warm up the index")  # the first call builds the index: timed apart
    build_ms = (time.perf_counter() - started) * 1000
    latencies, misses = [], []
    top1 = top3 = 0
    by_lang: dict[str, list[int]] = {"zh": [0, 0, 0], "en": [0, 0, 0]}
    confident = [0, 0]  # proposals whose top-1 confidence is >= 0.5: count, of which correct
    for text, expected in rows:
        t0 = time.perf_counter()
        _, candidates = propose(session, text)
        latencies.append((time.perf_counter() - t0) * 1000)
        codes = [c.item_code for c in candidates]
        hit1, hit3 = codes[:1] == [expected], expected in codes[:3]
        top1 += hit1
        top3 += hit3
        lang = by_lang["zh" if _HAN.search(text) else "en"]
        lang[0] += 1
        lang[1] += hit1
        lang[2] += hit3
        if candidates and candidates[0].confidence >= 0.5:
            confident[0] += 1
            confident[1] += hit1
        if not hit1:
            misses.append({"text": text, "expected": expected, "got": codes})
    n = len(rows)
    return {
        "count": n,
        "distinct_items": len({code for _, code in rows}),
        "top1": round(top1 / n, 4),
        "top3": round(top3 / n, 4),
        "by_language": {
            k: {"count": v[0], "top1": round(v[1] / v[0], 4), "top3": round(v[2] / v[0], 4)}
            for k, v in by_lang.items()
            if v[0]
        },
        "confident_share": round(confident[0] / n, 4),
        "confident_top1": round(confident[1] / confident[0], 4) if confident[0] else None,
        "mean_latency_ms": round(statistics.fmean(latencies), 3),
        "p95_latency_ms": round(sorted(latencies)[int(0.95 * (n - 1))], 3),
        "index_build_ms": round(build_ms, 1),
        "misses": misses,
    }


def _with_demo_catalog(run, learned: list[tuple[str, str]] = ()):
    """run(session) on a throwaway database holding the demo catalog and these confirmed (text, item) choices."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        create_schema(engine)
        try:
            with Session(engine) as session:
                load_demo_catalog(session)
                for text, code in learned:
                    learn(session, code, text)
                session.commit()
                return run(session)
        finally:
            engine.dispose()


def cross_validated_learning(rows: list[tuple[str, str]], folds: int = FOLDS) -> dict:
    """What learning from confirmed choices is worth on texts it has not seen.

    Each fold is routed twice: by the shipped catalog alone, and after the dispatchers confirmed the
    other folds' texts (routing.learn). The texts of a fold are never among its learned examples.
    """
    before = after = 0
    before3 = after3 = 0
    for k in range(folds):
        held_out = [r for i, r in enumerate(rows) if i % folds == k]
        confirmed = [r for i, r in enumerate(rows) if i % folds != k]
        cold = _with_demo_catalog(lambda s, rows=held_out: evaluate(s, rows))
        warm = _with_demo_catalog(lambda s, rows=held_out: evaluate(s, rows), confirmed)
        before += round(cold["top1"] * cold["count"])
        before3 += round(cold["top3"] * cold["count"])
        after += round(warm["top1"] * warm["count"])
        after3 += round(warm["top3"] * warm["count"])
    n = len(rows)
    return {
        "folds": folds,
        "top1_before_learning": round(before / n, 4),
        "top3_before_learning": round(before3 / n, 4),
        "top1_after_learning": round(after / n, 4),
        "top3_after_learning": round(after3 / n, 4),
    }


def main() -> dict:
    rows = load_labelled()
    result = _with_demo_catalog(lambda session: evaluate(session, rows))
    held_out = _with_demo_catalog(lambda session: evaluate(session, load_labelled(HELD_OUT)))
    result["held_out"] = {k: held_out[k] for k in ("count", "distinct_items", "top1", "top3", "mean_latency_ms")}
    result["learning"] = cross_validated_learning(rows)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    summary = {k: v for k, v in result.items() if k != "misses"}
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    print(f"{len(result['misses'])} top-1 misses listed in {RESULTS.relative_to(ROOT)}")
    return result


if __name__ == "__main__":
    main()
