"""Re-planning mid-shift: how much a re-plan changes, what that costs, and how long it takes.

    python -m bench.replan [--markets sawojajar gadang mergan] [--per-market 40]
                           [--time-limit 1] [--seeds 1 2 3]

For each market and seed: a morning of generated orders is dispatched; at 08:00 WIB every
runner has delivered its first stop and carries its second, and an urgent order arrives.
The market is then re-planned twice from copies of the same database: with the default
costs for changing the plan (``replan_move_cost_m``, ``replan_reorder_cost_m``) and with
both at 0 (distance alone). Columns: orders given to another runner, orders dropped, the
plan's distance, and the re-plan's wall time. Prints a table and writes
``bench/results/replan-<UTC time>.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from dispatch.actions import mark_delivered, mark_picked_up
from dispatch.db import make_engine, session_scope, upgrade
from dispatch.generate import MarketSpot, generate_orders
from dispatch.intake import import_orders
from dispatch.models import DispatchRun, Market, Route, RouteStop
from dispatch.planning import dispatch, replan_market
from dispatch.seed import seed
from dispatch.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
DAY = date(2026, 12, 3)
WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime.combine(DAY, clock(8, 0), tzinfo=WIB).astimezone(UTC)


def morning(folder: Path, code: str, per_market: int, seed_: int, limit: float) -> Path:
    """A database where ``code``'s morning is dispatched and under way at 08:00."""
    path = folder / f"{code}-{seed_}.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    settings = Settings()
    with Session(engine) as session:
        seed(session, settings=settings)
    with session_scope(engine) as session:
        market = session.exec(select(Market).where(Market.code == code)).one()
        spot = MarketSpot(market.code, market.lat, market.lon)
        rows = list(generate_orders([spot], per_market + 1, seed=seed_, day=DAY))
        report = import_orders(
            session, ((k + 2, r) for k, r in enumerate(rows[:-1])), service_date=DAY, tz=WIB
        )
        assert report.ok, report.refused[:3]
    run = dispatch(engine, [code], DAY, settings, time_limit_s=limit, workers=1)
    with session_scope(engine) as session:
        for orders in plan(session, run.run_id).values():
            for k, order_id in enumerate(orders[:2]):
                mark_picked_up(session, order_id, by="bench")
                if k == 0:
                    mark_delivered(session, order_id, collected_rp=0, by="bench")
        urgent = {**rows[-1], "window_start": "", "window_end": ""}
        import_orders(session, [(2, urgent)], service_date=DAY, tz=WIB)
    engine.dispose()
    return path


def plan(session: Session, run_id: Any) -> dict[Any, list[Any]]:
    """Runner -> its orders in order, in run ``run_id``."""
    rows = session.exec(
        select(Route.runner_id, RouteStop.order_id)
        .join(RouteStop, col(RouteStop.route_id) == col(Route.id))
        .where(Route.run_id == run_id)
        .order_by(col(RouteStop.sequence))
    ).all()
    out: dict[Any, list[Any]] = {}
    for runner_id, order_id in rows:
        out.setdefault(runner_id, []).append(order_id)
    return out


def replan(source: Path, folder: Path, name: str, settings: Settings, limit: float) -> dict:
    path = folder / f"{source.stem}-{name}.db"
    shutil.copy(source, path)
    engine = make_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        market = session.exec(select(Market)).all()
        code = next(m for m in market if m.code in source.stem)
    started = time.perf_counter()
    outcome = replan_market(
        engine,
        code.id,
        DAY,
        by="bench",
        settings=settings,
        reason="bench",
        now=NOW,
        time_limit_s=limit,
    )
    wall = time.perf_counter() - started
    with Session(engine) as session:
        run = session.get(DispatchRun, outcome.run_id)
        assert run is not None
        distance = int(run.figures["totals"]["distance_m"])
    engine.dispose()
    # The urgent order is new: it has no runner to move from, so it is not counted as moved.
    moved = sum(1 for _, before, _after in outcome.moved if before is not None)
    return {
        "moved": moved,
        "dropped": len(outcome.dropped),
        "distance_m": distance,
        "wall_s": round(wall, 3),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.replan", description=__doc__)
    parser.add_argument("--markets", nargs="+", default=["sawojajar", "gadang", "mergan"])
    parser.add_argument("--per-market", type=int, default=40)
    parser.add_argument("--time-limit", type=float, default=1.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args(argv)
    defaults = Settings()
    distance_only = Settings(replan_move_cost_m=0, replan_reorder_cost_m=0)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for code in args.markets:
            for seed_ in args.seeds:
                source = morning(folder, code, args.per_market, seed_, args.time_limit)
                kept = replan(source, folder, "kept", defaults, args.time_limit)
                free = replan(source, folder, "free", distance_only, args.time_limit)
                rows.append({"market": code, "seed": seed_, "costs": kept, "distance_only": free})
    head = (
        f"{'market':<12}{'seed':>5}   {'moved':>6}{'dropped':>8}{'km':>7}{'wall s':>7}"
        f"   {'moved':>6}{'dropped':>8}{'km':>7}{'wall s':>7}"
    )
    lines = [f"{'':<17}   {'with change costs':<28}   distance only", head, "-" * len(head)]
    for r in rows:
        k, f = r["costs"], r["distance_only"]
        lines.append(
            f"{r['market']:<12}{r['seed']:>5}   {k['moved']:>6}{k['dropped']:>8}"
            f"{k['distance_m'] / 1000:>7.1f}{k['wall_s']:>7.2f}   {f['moved']:>6}"
            f"{f['dropped']:>8}{f['distance_m'] / 1000:>7.1f}{f['wall_s']:>7.2f}"
        )

    def median(side: str, key: str) -> float:
        return statistics.median(r[side][key] for r in rows)

    ratio = statistics.median(
        r["costs"]["distance_m"] / max(1, r["distance_only"]["distance_m"]) for r in rows
    )
    lines.append("-" * len(head))
    lines.append(
        f"median: moved {median('costs', 'moved'):g} vs {median('distance_only', 'moved'):g}, "
        f"distance ratio (costs / distance only) {ratio:.3f}, "
        f"wall {median('costs', 'wall_s'):.2f} s"
    )
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"replan-{stamp}.json"
    out.write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2) + "\n")
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
