"""A second dispatch before anyone starts: how many orders it gives to another runner.

    python -m bench.redispatch [--markets sawojajar gadang] [--per-market 40]
                               [--time-limit 1] [--seeds 1 2]

For each market and seed a morning of generated orders is dispatched twice in a row, with
nothing happening in between (links sent, nobody out yet). Columns: orders planned, orders
the second dispatch gave to another runner (with the change cost that keeps a plan stable),
and dropped. Prints a table and writes ``bench/results/redispatch-<UTC time>.json``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.balance import DAY, RESULTS, morning
from dispatch.db import make_engine
from dispatch.planning import dispatch
from dispatch.settings import Settings


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", nargs="+", default=["sawojajar", "gadang"])
    parser.add_argument("--per-market", type=int, default=40)
    parser.add_argument("--time-limit", type=float, default=1.0)
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2])
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for code in args.markets:
            for seed_ in args.seeds:
                path = morning(Path(tmp), code, args.per_market, seed_)
                engine = make_engine(f"sqlite:///{path}")
                first = dispatch(engine, [code], DAY, Settings(), time_limit_s=args.time_limit)
                second = dispatch(engine, [code], DAY, Settings(), time_limit_s=args.time_limit)
                engine.dispose()
                rows.append(
                    {
                        "market": code,
                        "seed": seed_,
                        "planned": int(first.markets[0]["routed"]),
                        "moved": sum(1 for _, was, _ in second.moved if was is not None),
                        "dropped": int(second.markets[0]["dropped"]),
                    }
                )
    print(f"{'market':<11}{'seed':>5}{'planned':>9}{'moved':>7}{'dropped':>9}")
    for r in rows:
        print(f"{r['market']:<11}{r['seed']:>5}{r['planned']:>9}{r['moved']:>7}{r['dropped']:>9}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"redispatch-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps({"args": dict(vars(args)), "rows": rows}, indent=2) + "\n")
    print(f"saved {out.relative_to(RESULTS.parent.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
