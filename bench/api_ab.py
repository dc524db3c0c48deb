"""Order intake side by side: this tree against another commit, alternated, as ratios.

    python -m bench.api_ab --base REV [--postgres URL] [--rounds 3] [--workers 2]
                           [--seconds 8] [--connections 32] [--load intake|reads|positions]

Checks ``REV`` out in a temporary git worktree and, round by round (A B A B ...), serves
each tree's API under uvicorn on a fresh database (SQLite, or a fresh PostgreSQL schema with
``--postgres``), loads it with ``wrk`` as ``bench.api`` does (``--load intake``: new orders,
every fifth a repeat; ``reads`` or ``positions``: a market's order list read, or runners'
positions posted, while orders are posted, their figures) and reads requests per second and
p50/p99. The machine's speed drifts between runs, so the figure to quote is the median of
the ratios pair by pair. Prints a table and writes ``bench/results/api-ab-<UTC time>.json``.
Needs ``wrk`` (Debian's package) and git.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.api import (
    BESIDE,
    RESULTS,
    api_server,
    bodies,
    prepare,
    runner_link,
    wrk_beside_intake,
    wrk_throughput,
)
from bench.dispatch import postgres_url, sqlite_url
from bench.trees import base_tree

ROOT = Path(__file__).resolve().parent.parent


def database(postgres: str | None) -> AbstractContextManager[str]:
    return postgres_url(postgres) if postgres else sqlite_url()


def one_run(tree: Path | None, args: argparse.Namespace) -> dict[str, Any]:
    """wrk against ``tree``'s server (this tree when ``None``) on a fresh database."""
    with database(args.postgres) as url:
        token, spots = prepare(url)
        body = bodies(spots, 1, "ab")[0]
        with api_server(url, args.workers, tree) as base:
            wrk_throughput(base, token, body, 2, args.connections)  # warm up
            if args.load in BESIDE:
                beside = wrk_beside_intake(
                    base,
                    token,
                    body,
                    args.load,
                    market=spots[0].code,
                    runner_link=runner_link(url),
                    seconds=args.seconds,
                )
                assert beside is not None
                orders = beside["intake"]
                return {**beside[args.load], "orders_rps": orders.get("rps", 0.0)}
            result = wrk_throughput(base, token, body, args.seconds, args.connections)
    assert result is not None
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.api_ab", description=__doc__)
    parser.add_argument("--base", required=True, help="the commit to compare against")
    parser.add_argument("--postgres", default=None, help="PostgreSQL URL; SQLite without")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--load",
        choices=["intake", *BESIDE],
        default="intake",
        help="intake: orders posted; reads: a market's order list read (24 connections), "
        "positions: runners' positions posted (8), the figures shown, beside orders posted (8)",
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("bench.api_ab needs wrk (apt-get install wrk)", file=sys.stderr)
        return 2
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    rows: list[dict[str, Any]] = []
    with base_tree(args.base) as base:
        for k in range(1, args.rounds + 1):
            for name, tree in ((args.base, base), (head, None)):
                result = one_run(tree, args)
                rows.append({"round": k, "tree": name, **result})
                print(f"round {k} {name}: {result}", file=sys.stderr)
    ratios = [b["rps"] / a["rps"] for a, b in zip(rows[::2], rows[1::2], strict=True)]
    lines = [f"{'round':<7}{'tree':<12}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'timeouts':>10}"]
    lines += [
        f"{r['round']:<7}{r['tree']:<12}{r['rps']:>8.1f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}"
        f"{r['timeouts']:>10}" + (f"   orders/s {r['orders_rps']:.1f}" if "orders_rps" in r else "")
        for r in rows
    ]
    base_median = statistics.median(r["rps"] for r in rows[::2])
    head_median = statistics.median(r["rps"] for r in rows[1::2])
    lines.append(
        f"\n{'PostgreSQL' if args.postgres else 'SQLite'}, {args.workers} workers, {args.load}, "
        f"wrk {args.seconds:g} s: median req/s "
        f"{base_median:.0f} ({args.base}) -> {head_median:.0f} ({head}); ratio pair by pair "
        + ", ".join(f"{r:.2f}" for r in ratios)
        + f"; median {statistics.median(ratios):.2f}x"
    )
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"api-ab-{stamp}.json"
    summary = {"base_median_rps": base_median, "head_median_rps": head_median, "ratios": ratios}
    out.write_text(
        json.dumps({"args": vars(args), "head": head, "rows": rows, **summary}, indent=2) + "\n"
    )
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
