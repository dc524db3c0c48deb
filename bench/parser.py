"""The WhatsApp order-text parser against a corpus of messages with their expected readings.

    python -m bench.parser [--corpus PATH] [--threshold T] [--seconds S] [--show-wrong]

For every message of the corpus (JSON lines ``{"id", "text", "expected"}``, by default
``tests/data/whatsapp/corpus.jsonl``) compares :func:`dispatch.whatsapp.parser.parse_order_text`
with the expected reading, field by field (exact match): all items right (names, quantities,
units, in order), fulfilment, payment, market, window (start and end), asap, is_order, and
every field at once. Target: every item right in >= 90 % of the messages.

Then how the review threshold (``REVIEW_THRESHOLD`` unless ``--threshold``) splits the
readings: how many fully right and wrong readings go straight through (confidence at or
above it) or to the coordinator's review queue, and the same for a sweep of thresholds.
Last, the parse speed in messages per second (the corpus parsed over and over for about
``--seconds``, one thread). Prints the tables and writes ``bench/results/parser-<UTC
time>.json`` and a ``.txt`` with the same tables beside it.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dispatch.whatsapp.parser import REVIEW_THRESHOLD, parse_order_text

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_CORPUS = ROOT / "tests" / "data" / "whatsapp" / "corpus.jsonl"
FIELDS = ("items", "fulfilment", "payment", "market", "window", "asap", "is_order")
SWEEP = (0.3, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9)


@dataclass(frozen=True)
class Case:
    """One message of the corpus and the reading a coordinator would make of it."""

    id: str
    text: str
    expected: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """The parser's reading of one case, field by field."""

    case: Case
    got: dict[str, Any]
    right: dict[str, bool]

    @property
    def all_right(self) -> bool:
        return all(self.right.values())


def read_corpus(path: Path) -> list[Case]:
    """The cases of a JSON-lines corpus file (blank lines skipped)."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not {"id", "text", "expected"} <= row.keys():
            msg = f"{path}:{number}: a case needs id, text and expected"
            raise ValueError(msg)
        cases.append(Case(row["id"], row["text"], row["expected"]))
    return cases


def _same_items(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> bool:
    if len(got) != len(expected):
        return False
    for a, b in zip(got, expected, strict=True):
        if a["name"] != b["name"] or a["unit"] != b["unit"]:
            return False
        qa, qb = a["quantity"], b["quantity"]
        if (qa is None) != (qb is None) or (qa is not None and abs(qa - qb) > 1e-6):
            return False
    return True


def judge(case: Case) -> Outcome:
    """Parse ``case`` and compare each field with the expected reading."""
    got = parse_order_text(case.text).as_json()
    exp = case.expected
    right = {
        "items": _same_items(got["items"], exp["items"]),
        "fulfilment": got["fulfilment"] == exp["fulfilment"],
        "payment": got["payment"] == exp["payment"],
        "market": got["market"] == exp["market"],
        "window": (got["window_start"], got["window_end"])
        == (exp["window_start"], exp["window_end"]),
        "asap": got["asap"] == exp["asap"],
        "is_order": got["is_order"] == exp["is_order"],
    }
    return Outcome(case, got, right)


def item_counts(outcomes: Sequence[Outcome]) -> dict[str, int]:
    """Items expected, items read, and items read exactly right (name, quantity, unit)."""
    expected = read = exact = 0
    for outcome in outcomes:
        want = [json.dumps(i, sort_keys=True) for i in _rounded(outcome.case.expected["items"])]
        have = [json.dumps(i, sort_keys=True) for i in _rounded(outcome.got["items"])]
        expected += len(want)
        read += len(have)
        for item in have:
            if item in want:
                want.remove(item)
                exact += 1
    return {"expected": expected, "read": read, "exact": exact}


def _rounded(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {**i, "quantity": None if i["quantity"] is None else round(float(i["quantity"]), 6)}
        for i in items
    ]


def threshold_split(outcomes: Sequence[Outcome], threshold: float) -> dict[str, float]:
    """How ``threshold`` splits right and wrong readings between straight-through and review."""
    through = [o for o in outcomes if o.got["confidence"] >= threshold]
    review = [o for o in outcomes if o.got["confidence"] < threshold]
    right_through = sum(o.all_right for o in through)
    return {
        "threshold": threshold,
        "through_right": right_through,
        "through_wrong": len(through) - right_through,
        "review_right": sum(o.all_right for o in review),
        "review_wrong": sum(not o.all_right for o in review),
        "through_precision": right_through / len(through) if through else 1.0,
        "review_share": len(review) / len(outcomes) if outcomes else 0.0,
    }


def speed(cases: Sequence[Case], seconds: float) -> float:
    """Messages parsed per second, the corpus over and over for about ``seconds``."""
    parsed = 0
    began = time.perf_counter()
    while True:
        for case in cases:
            parse_order_text(case.text)
        parsed += len(cases)
        elapsed = time.perf_counter() - began
        if elapsed >= seconds:
            return parsed / elapsed


def report(
    corpus: Path, outcomes: Sequence[Outcome], threshold: float, rate: float, show_wrong: bool
) -> tuple[str, dict[str, Any]]:
    """The printed tables and the JSON result."""
    total = len(outcomes)
    accuracy = {f: sum(o.right[f] for o in outcomes) / total for f in FIELDS}
    accuracy["all_fields"] = sum(o.all_right for o in outcomes) / total
    orders = [o for o in outcomes if o.case.expected["is_order"]]
    counts = item_counts(outcomes)
    lines = [
        f"corpus: {corpus.name}, {total} messages ({len(orders)} orders, "
        f"{total - len(orders)} not orders)",
        "",
        f"{'field':<14}{'right':>7}{'share':>9}",
        "-" * 30,
    ]
    for name in (*FIELDS, "all_fields"):
        right = round(accuracy[name] * total)
        lines.append(f"{name:<14}{right:>7}{accuracy[name]:>9.1%}")
    lines.append("")
    every_item = accuracy["items"]
    verdict = "meets" if every_item >= 0.9 else "BELOW"
    lines.append(f"every item right: {every_item:.1%} of messages ({verdict} the 90 % target)")
    lines.append(
        f"items: {counts['exact']} of {counts['expected']} expected read exactly, "
        f"{counts['read'] - counts['exact']} read wrong or extra"
    )
    lines.append("")
    head = f"{'threshold':>9}{'through ok':>12}{'through bad':>13}{'review ok':>11}"
    head += f"{'review bad':>12}{'precision':>11}{'to review':>11}"
    lines += ["review threshold (right = every field right):", head, "-" * len(head)]
    sweep = sorted({*SWEEP, threshold})
    splits = [threshold_split(outcomes, t) for t in sweep]
    for split in splits:
        mark = "  <- REVIEW_THRESHOLD" if split["threshold"] == threshold else ""
        lines.append(
            f"{split['threshold']:>9.2f}{split['through_right']:>12}{split['through_wrong']:>13}"
            f"{split['review_right']:>11}{split['review_wrong']:>12}"
            f"{split['through_precision']:>11.1%}{split['review_share']:>11.1%}{mark}"
        )
    lines += ["", f"speed: {rate:,.0f} messages per second (one thread)"]
    wrong = [o for o in outcomes if not o.all_right]
    if show_wrong and wrong:
        lines += ["", "wrong readings:"]
        for o in wrong:
            fields = ", ".join(f for f in FIELDS if not o.right[f])
            lines.append(f"  {o.case.id} ({fields}; confidence {o.got['confidence']})")
            lines.append(f"    text: {o.case.text!r}")
            lines.append(f"    got:  {json.dumps(o.got, ensure_ascii=False)}")
    result = {
        "corpus": str(corpus.relative_to(ROOT)) if corpus.is_relative_to(ROOT) else corpus.name,
        "messages": total,
        "orders": len(orders),
        "accuracy": accuracy,
        "items": counts,
        "review_threshold": threshold,
        "threshold_split": splits,
        "messages_per_second": round(rate),
        "wrong": [
            {"id": o.case.id, "fields": [f for f in FIELDS if not o.right[f]], "got": o.got}
            for o in wrong
        ],
    }
    return "\n".join(lines), result


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; exit status 1 when fewer than 90 % have every item right."""
    parser = argparse.ArgumentParser(prog="python -m bench.parser", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--threshold", type=float, default=REVIEW_THRESHOLD)
    parser.add_argument("--seconds", type=float, default=2.0, help="time spent on speed")
    parser.add_argument("--show-wrong", action="store_true", help="list the wrong readings")
    args = parser.parse_args(argv)
    cases = read_corpus(args.corpus)
    if not cases:
        parser.error(f"{args.corpus} holds no cases")
    outcomes = [judge(case) for case in cases]
    rate = speed(cases, args.seconds)
    text, result = report(args.corpus, outcomes, args.threshold, rate, args.show_wrong)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"parser-{stamp}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    out.with_suffix(".txt").write_text(text + "\n", encoding="utf-8")
    print(f"\nresults: {out}")
    return 0 if result["accuracy"]["items"] >= 0.9 else 1


if __name__ == "__main__":
    raise SystemExit(main())
