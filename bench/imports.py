"""The CSV imports of markets, runners and sellers: this tree against a base commit.

Usage::

    python -m bench.imports [--rows 200] [--repeats 5] [--base REV]

Each round runs `bench.imports_timer` once in this tree and once in a temporary git worktree
of ``--base`` (default ``main``), in turn (A B, then B A, ...), each in a fresh process on a fresh
SQLite database with the six markets seeded: it imports ``--rows`` markets, runners and
sellers, each file twice (the second import changes nothing). Prints per import the median
wall time of each tree, the median of the per-round ratios (this tree / base), and the SQL
statements and Python function calls each tree made (figures a loaded machine does not
blur), checks that both
trees added, changed and kept the same rows, and writes the runs to
``bench/results/imports-<UTC time>.json`` and the table beside it (``.txt``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.trees import base_tree

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
TIMER = ROOT / "bench" / "imports_timer.py"
STEPS = tuple(
    f"{kind} {attempt}"
    for kind in ("markets", "runners", "sellers")
    for attempt in ("first", "again")
)


def timed(tree: Path, rows: int) -> dict[str, Any]:
    """One run of the timer with ``tree``'s ``dispatch``."""
    with tempfile.TemporaryDirectory(prefix="imports-run-") as tmp:
        out = Path(tmp) / "out.json"
        run = (
            f"import runpy, sys; sys.argv = ['timer', '{rows}', '{out}']; "
            f"runpy.run_path('{TIMER}', run_name='__main__')"
        )
        env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}
        done = subprocess.run(
            [sys.executable, "-c", run], cwd=tree, env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            msg = f"timer failed in {tree}: {done.stderr.strip()[-400:]}"
            raise RuntimeError(msg)
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    if Path(str(result["dispatch"])) != tree / "dispatch":
        msg = f"the timer read {result['dispatch']}, not {tree / 'dispatch'}"
        raise RuntimeError(msg)
    return result


def _figure(run: dict[str, Any], tree: str, step: str, name: str) -> Any:
    return run[tree][step][name]


def table(runs: list[dict[str, Any]], rows: int, base: str) -> str:
    """Medians per import: this tree, the base, the per-round ratio, the SQL statements."""
    lines = [
        f"CSV imports of {rows} rows each, {len(runs)} rounds, this tree against {base}",
        "",
        f"{'import':<16} {'this (ms)':>10} {'base (ms)':>10} {'ratio':>7} "
        f"{'SQL this':>9} {'SQL base':>9} {'calls this':>11} {'calls base':>11}  "
        "rows added/changed/kept/refused",
    ]
    for step in STEPS:
        ours = [float(_figure(r, "this", step, "wall_s")) for r in runs]
        theirs = [float(_figure(r, "base", step, "wall_s")) for r in runs]
        ratio = statistics.median(a / b for a, b in zip(ours, theirs, strict=True))
        sql, calls = (
            [
                statistics.median(int(_figure(r, tree, step, figure)) for r in runs)
                for tree in ("this", "base")
            ]
            for figure in ("statements", "calls")
        )
        counts = "/".join(map(str, _figure(runs[0], "this", step, "counts")))
        lines.append(
            f"{step:<16} {statistics.median(ours) * 1000:>10.1f} "
            f"{statistics.median(theirs) * 1000:>10.1f} {ratio:>7.2f} "
            f"{sql[0]:>9.0f} {sql[1]:>9.0f} {calls[0]:>11.0f} {calls[1]:>11.0f}  {counts}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__)
    parser.add_argument("--rows", type=int, default=200, help="rows of each file")
    parser.add_argument("--repeats", type=int, default=5, help="rounds (each runs both trees)")
    parser.add_argument("--base", default="main", help="commit to compare with")
    args = parser.parse_args(argv)
    runs: list[dict[str, Any]] = []
    commits = {
        name: subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", rev],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        for name, rev in (("this", "HEAD"), ("base", args.base))
    }
    with base_tree(args.base, prefix="imports-base-") as tree:
        for round_ in range(args.repeats):
            if round_ % 2:  # every other round the base goes first
                theirs, ours = timed(tree, args.rows), timed(ROOT, args.rows)
            else:
                ours, theirs = timed(ROOT, args.rows), timed(tree, args.rows)
            for step in STEPS:
                if ours[step]["counts"] != theirs[step]["counts"]:
                    msg = f"{step}: this tree {ours[step]} but base {theirs[step]}"
                    raise SystemExit(msg)
            runs.append({"this": ours, "base": theirs})
    text = table(
        runs, args.rows, f"{args.base} ({commits['base']}); this tree at {commits['this']}"
    )
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"imports-{stamp}.json"
    record = {"rows": args.rows, "base": args.base, "commits": commits, "runs": runs}
    path.write_text(json.dumps(record, indent=1), encoding="utf-8")
    path.with_suffix(".txt").write_text(text + "\n", encoding="utf-8")
    print(f"\nwritten: {path.relative_to(ROOT)} and .txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
