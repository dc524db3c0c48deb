"""New orders mid-shift: how long each takes to reach the plan, and how many get in.

    python -m bench.insertion [--market sawojajar] [--orders 120] [--runners 8] [--new 30]
                              [--at 09:00] [--dispatch-limit 3] [--replan-limit 0.5]
                              [--base REV]

A market with ``--runners`` runners gets ``--orders`` generated orders for one day, dispatched;
at ``--at`` (09:00 WIB) every runner has delivered its first stop and carries its second (goods on
board). Then ``--new`` more orders arrive one at a time, each through the intake (a CSV row,
real SQLite file) followed by the tree's domain call for a new order on a planned day:

- this tree: ``dispatch.planning.orders_arrived`` (an insertion run: snapshot, translate,
  solve from the current plan with the new order at its cheapest place and a short
  improvement, store);
- a tree without it (``--base REV``, e.g. the commit before insertion): the comparable path
  there, a full re-plan of the market (``replan_market``, ``--replan-limit`` seconds), which
  is what a coordinator had to press to get a new order planned.

The morning is built once, by this tree, and each tree inserts into a copy of it in a
subprocess of its own (its solves run on a clock: a morning built twice is two mornings, and
how many new orders fit would differ by more than the trees do). The trees take turns, one
insertion each (who goes first alternates), so that a burst of other work on the machine
falls on both rather than on whichever ran then. The base tree must read this tree's
database (same migrations).

Per tree: p50/p95/max latency of that call (ms), the CPU time it took (p50/p95, ms, the
process's threads: what the call costs, less sensitive to what else the machine runs; the
solve's improvement runs on a clock and takes what it leaves), the time spent outside the
solve (``out``: the latency less the run's own solve time, its figures' ``wall_s``: snapshot,
store, the run's lifecycle) and how many new orders ended on a route vs unplanned. The base
tree runs in a subprocess with its own code first on ``PYTHONPATH`` (a temporary ``git
worktree``). The load average is printed (other work on the machine slows both sides).
Prints a table and writes ``bench/results/insertion-<UTC>.{json,txt}``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from bench.trees import base_tree as worktree

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 12, 3)
WIB = ZoneInfo("Asia/Jakarta")


def _now(args: argparse.Namespace) -> datetime:
    hour, minute = (int(x) for x in args.at.split(":"))
    return datetime.combine(DAY, clock(hour, minute), tzinfo=WIB).astimezone(UTC)


def _rows(args: argparse.Namespace, market: Any) -> list[dict[str, Any]]:
    """The generated rows: the morning's ``--orders``, then those that arrive (some are
    collected at the market, pickup: extra rows leave ``--new`` deliveries)."""
    from dispatch.generate import MarketSpot, generate_orders

    spot = MarketSpot(market.code, market.lat, market.lon)
    return list(generate_orders([spot], args.orders + 2 * args.new, seed=args.seed, day=DAY))


def measure(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Build the morning and insert the new orders one at a time with this process's code."""
    path = folder / "insertion.db"
    morning = build_morning(args, path)
    if "error" in morning:
        return morning
    return insert_arrivals(args, path, morning["planned_before"])


def build_morning(args: argparse.Namespace, path: Path) -> dict[str, Any]:
    """The morning in the SQLite file ``path``: dispatched, every runner with a stop done and
    one on board, re-planned at ``--at``; ``planned_before``: the stops of the dispatch."""
    from sqlmodel import Session, col, select

    from dispatch.actions import mark_delivered, mark_picked_up
    from dispatch.db import make_engine, session_scope, upgrade
    from dispatch.intake import import_orders
    from dispatch.models import Market, Route, RouteStop, Runner
    from dispatch.planning import dispatch, replan_market
    from dispatch.seed import seed
    from dispatch.settings import Settings

    now = _now(args)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    settings = Settings()
    with Session(engine) as session:
        seed(session, settings=settings)
    with session_scope(engine) as session:
        market = session.exec(select(Market).where(Market.code == args.market)).one()
        market_id = market.id
        have = len(session.exec(select(Runner).where(Runner.market_id == market.id)).all())
        for k in range(have, args.runners):
            session.add(
                Runner(
                    market_id=market.id,
                    name=f"Kurir Bench {k + 1}",
                    phone=f"+6281299{k:06d}",
                    capacity_g=settings.runner_capacity_g,
                    cash_cap_rp=settings.runner_cash_cap_rp,
                    max_orders_per_trip=settings.runner_max_orders_per_trip,
                    shift_start=settings.runner_shift_start,
                    shift_end=settings.runner_shift_end,
                )
            )
        rows = _rows(args, market)
        report = import_orders(
            session,
            ((k + 2, r) for k, r in enumerate(rows[: args.orders])),
            service_date=DAY,
            tz=WIB,
        )
        assert report.ok, report.refused[:3]
    run = dispatch(
        engine, [args.market], DAY, settings, time_limit_s=args.dispatch_limit, workers=1
    )
    assert run.error is None, run.error
    with session_scope(engine) as session:
        stops = session.exec(
            select(Route.runner_id, RouteStop.order_id)
            .join(RouteStop, col(RouteStop.route_id) == col(Route.id))
            .where(Route.run_id == run.run_id)
            .order_by(col(RouteStop.sequence))
        ).all()
        of: dict[Any, list[Any]] = {}
        for runner_id, order_id in stops:
            of.setdefault(runner_id, []).append(order_id)
        for orders in of.values():
            for k, order_id in enumerate(orders[:2]):
                mark_picked_up(session, order_id, by="bench")
                if k == 0:
                    mark_delivered(session, order_id, collected_rp=0, by="bench")
    # The coordinator's re-plan at --at, from where everyone is: the plan holds then (the
    # morning's plan does not any more), and new orders go into it.
    try:
        replan_market(
            engine,
            market_id,
            DAY,
            by="bench",
            settings=settings,
            reason="mid-shift",
            now=now,
            time_limit_s=args.dispatch_limit,
        )
    except RuntimeError as error:  # a tree that cannot re-plan this morning at all
        return {"path": "replan_market", "error": str(error)[:300]}
    engine.dispose()
    return {"planned_before": len(stops)}


def insert_arrivals(args: argparse.Namespace, path: Path, planned_before: int) -> dict[str, Any]:
    """Insert the ``--new`` orders into the morning in ``path`` one at a time, each through the
    intake then this process's code for a new order on a planned day, timed. With
    ``--lockstep`` each waits for a line on standard input and answers one when done, so
    that the parent can take turns between trees."""
    from sqlmodel import Session, select

    from dispatch.db import make_engine, session_scope
    from dispatch.intake import import_orders
    from dispatch.models import Market, Order, OrderStatus
    from dispatch.settings import Settings

    try:
        from dispatch.planning import orders_arrived
    except ImportError:  # a tree before insertion: a full re-plan is its path
        orders_arrived = None
    from dispatch.planning import replan_market

    now = _now(args)
    engine = make_engine(f"sqlite:///{path}")
    settings = Settings()
    with Session(engine) as session:
        market = session.exec(select(Market).where(Market.code == args.market)).one()
        market_id = market.id
        rows = _rows(args, market)
    latencies: list[float] = []
    cpu: list[float] = []
    solves: list[float] = []
    placed = unplanned = 0
    reasons: list[str] = []
    arriving = [r for r in rows[args.orders :] if r.get("fulfilment") != "pickup"][: args.new]
    for k, row in enumerate(arriving):
        # A customer who wants it this morning: a window from a quarter of an hour on.
        start = now.astimezone(WIB) + timedelta(minutes=15)
        end = start + timedelta(hours=2)
        fresh = {**row, "window_start": f"{start:%H:%M}", "window_end": f"{end:%H:%M}"}
        with session_scope(engine) as session:
            made = import_orders(session, [(k + 2, fresh)], service_date=DAY, tz=WIB)
        ids = [o for _, o in made.created]
        if args.lockstep:
            sys.stdin.readline()  # this tree's turn
        started, cpu_started = time.perf_counter(), time.process_time()
        if orders_arrived is not None:
            result = orders_arrived(engine, ids, settings, by="bench", now=now)
            reasons.append(str(result[0].reason_code or result[0].result))
        else:
            try:
                replan_market(
                    engine,
                    market_id,
                    DAY,
                    by="bench",
                    settings=settings,
                    reason="new order",
                    now=now,
                    time_limit_s=args.replan_limit,
                )
                reasons.append("replanned")
            except RuntimeError as error:
                reasons.append(f"failed: {str(error)[:120]}")
        latencies.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        solves.append(_solve_ms(engine, market_id))
        if args.lockstep:
            print(json.dumps({"done": k}), flush=True)
        with Session(engine) as session:
            order = session.get(Order, ids[0])
            assert order is not None
            if order.status is OrderStatus.ASSIGNED:
                placed += 1
            else:
                unplanned += 1
    with Session(engine) as session:  # never an order lost or doubled
        day_orders = session.exec(
            select(Order).where(Order.market_id == market_id).where(Order.service_date == DAY)
        ).all()
        assert len(day_orders) == args.orders + len(arriving)
    engine.dispose()
    ordered, cpu_ordered = sorted(latencies), sorted(cpu)
    outside = sorted(t - s for t, s in zip(latencies, solves, strict=True))
    return {
        "path": "orders_arrived (insertion run)" if orders_arrived else "replan_market",
        "planned_before": planned_before,
        "new": len(latencies),
        "inserted": placed,
        "unplanned": unplanned,
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(_p95(ordered), 1),
        "max_ms": round(ordered[-1], 1),
        "cpu_p50_ms": round(statistics.median(cpu_ordered), 1),
        "cpu_p95_ms": round(_p95(cpu_ordered), 1),
        "outside_solve_p50_ms": round(statistics.median(outside), 1),
        "outside_solve_p95_ms": round(_p95(outside), 1),
        "solve_ms": [round(x, 1) for x in solves],
        "latencies_ms": [round(x, 1) for x in latencies],
        "cpu_ms": [round(x, 1) for x in cpu],
        "results": reasons,
    }


def _solve_ms(engine: Any, market_id: Any) -> float:
    """How long the market's last finished run took to solve (its figures' ``wall_s``:
    translate, solve, check), ms; 0 when it does not say."""
    from sqlmodel import Session, col, select

    from dispatch.models import DispatchRun, DispatchRunMarket

    with Session(engine) as session:
        run = session.exec(
            select(DispatchRun)
            .join(DispatchRunMarket, col(DispatchRunMarket.run_id) == col(DispatchRun.id))
            .where(DispatchRunMarket.market_id == market_id)
            .where(col(DispatchRun.finished_at).is_not(None))
            .order_by(col(DispatchRun.finished_at).desc())
        ).first()
    figures = (run.figures or {}) if run is not None else {}
    markets = figures.get("markets") or [{}]
    return float(markets[0].get("wall_s") or 0) * 1000


def _p95(ordered: list[float]) -> float:
    """The 95th percentile of the sorted ``ordered`` (nearest rank)."""
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def start_child(tree: Path, argv: list[str], errors: IO[str]) -> subprocess.Popen[str]:
    """This benchmark, inserting in lockstep, run by tree ``tree``'s code (first on the path)
    in a subprocess; what it says on standard error goes to ``errors``."""
    return subprocess.Popen(
        [sys.executable, "-m", "bench.insertion", "--child", "--lockstep", *argv],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tree)},
        cwd=str(tree),
    )


def take_turns(
    children: dict[str, tuple[subprocess.Popen[str], IO[str]]], turns: int
) -> dict[str, Any]:
    """Let ``children`` insert one order each in turn (who goes first alternates), so that
    whatever else loads the machine meanwhile falls on both; their results by name."""
    names = list(children)
    stopped: set[str] = set()
    for k in range(turns):
        for name in names if k % 2 == 0 else names[::-1]:
            child = children[name][0]
            if name in stopped or child.stdin is None or child.stdout is None:
                continue
            try:
                child.stdin.write("go\n")
                child.stdin.flush()
            except BrokenPipeError:
                stopped.add(name)
                continue
            if not child.stdout.readline():
                stopped.add(name)  # it failed: its error is read below
    out: dict[str, Any] = {}
    for name, (child, errors) in children.items():
        stdout, _ = child.communicate()
        lines = stdout.strip().splitlines()
        if child.returncode != 0 or not lines:
            errors.seek(0)
            said = errors.read()[-3000:] or stdout[-300:] or "nothing"
            out[name] = {"path": "-", "error": f"exit {child.returncode}: {said}"}
        else:
            out[name] = json.loads(lines[-1])
    return out


@contextlib.contextmanager
def base_tree(rev: str) -> Iterator[Path]:
    """Tree ``rev`` in a temporary worktree, with this very benchmark in it (run as a module
    of that tree, its code on the path)."""
    with worktree(rev) as tree:
        shutil.copy(Path(__file__), tree / "bench" / "insertion.py")
        yield tree


def _copy_database(source: Path, target: Path) -> Path:
    """A copy of the SQLite file ``source`` (and its write-ahead log, if any) at ``target``."""
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copy(f"{source}{suffix}", f"{target}{suffix}")
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.insertion", description=__doc__)
    parser.add_argument("--market", default="sawojajar")
    parser.add_argument("--orders", type=int, default=120)
    parser.add_argument("--runners", type=int, default=8)
    parser.add_argument("--new", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--at", default="09:00", help="the moment mid-shift (WIB, HH:MM)")
    parser.add_argument("--dispatch-limit", type=float, default=3.0)
    parser.add_argument("--replan-limit", type=float, default=0.5)
    parser.add_argument("--base", default=None, help="also run the tree at this commit")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--morning", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--planned-before", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--lockstep", action="store_true", help=argparse.SUPPRESS)
    raw = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(raw)
    if args.child:
        if args.morning:
            print(json.dumps(insert_arrivals(args, Path(args.morning), args.planned_before)))
            return 0
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(measure(args, Path(tmp))))
        return 0
    load_before = os.getloadavg()
    sides: dict[str, dict[str, Any]] = {}
    child = list(raw)
    if "--base" in child:
        i = child.index("--base")
        child = child[:i] + child[i + 2 :]
    child = [a for a in child if not a.startswith("--base")]
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        # One morning for both trees (its solves run on a clock: built twice, they differ).
        built = build_morning(args, Path(tmp) / "morning.db")
        if "error" in built:
            sides["this tree"] = built
        else:
            before = ["--planned-before", str(built["planned_before"])]
            trees = {"this tree": ROOT}
            if args.base:
                trees[f"base {args.base}"] = stack.enter_context(base_tree(args.base))
            children = {}
            for k, (name, tree) in enumerate(trees.items()):
                copy = _copy_database(Path(tmp) / "morning.db", Path(tmp) / f"tree{k}.db")
                errors = stack.enter_context(tempfile.TemporaryFile("w+"))
                argv = [*child, "--morning", str(copy), *before]
                children[name] = (start_child(tree, argv, errors), errors)
            sides = take_turns(children, args.new)
    load_after = os.getloadavg()
    head = (
        f"{'tree':<22}{'path':<32}{'new':>5}{'in':>5}{'out':>5}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'cpu p50':>9}{'cpu p95':>9}"
        f"{'out p50':>9}{'out p95':>9}"
    )
    lines = [
        f"{args.orders} orders, {args.runners} runners at {args.market}, dispatched; at {args.at} "
        f"every runner carries goods; {args.new} new orders one at a time",
        head,
        "-" * len(head),
    ]
    for name, r in sides.items():
        if "error" in r:
            lines.append(f"{name:<22}{r['path']:<32}failed: {r['error'][:120]}")
            continue
        lines.append(
            f"{name:<22}{r['path']:<32}{r['new']:>5}{r['inserted']:>5}{r['unplanned']:>5}"
            f"{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['max_ms']:>9.1f}"
            f"{r['cpu_p50_ms']:>9.1f}{r['cpu_p95_ms']:>9.1f}"
            f"{r['outside_solve_p50_ms']:>9.1f}{r['outside_solve_p95_ms']:>9.1f}"
        )
    lines.append("-" * len(head))
    lines.append("one morning (built by this tree) for both trees; they insert in turns")
    lines.append(
        "load average (1, 5, 15 min) before "
        + ", ".join(f"{x:.2f}" for x in load_before)
        + "; after "
        + ", ".join(f"{x:.2f}" for x in load_after)
        + f"; {os.cpu_count()} cores"
    )
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"insertion-{stamp}"
    payload = {"args": vars(args), "load": [load_before, load_after], "sides": sides}
    out.with_suffix(".json").write_text(json.dumps(payload, indent=2) + "\n")
    out.with_suffix(".txt").write_text(text + "\n")
    print(f"\nresults: {out}.json, {out}.txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
