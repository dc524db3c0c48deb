"""Fair days for the runners: what balancing the working time does to a fresh plan.

    python -m bench.balance [--markets sawojajar gadang] [--per-market 40]
                            [--time-limit 1] [--seeds 1 2] [--weights 0 1 5]

For each market and seed a morning of generated orders is dispatched from copies of the same
database, once per weight of the market's balance setting (``0``: balancing off, i.e.
``markets.balance_work`` false; otherwise on with ``markets.balance_cost`` = the weight,
objective metres per second of the longest working day). Columns: the longest and the
shortest working day of the market's runners on shift (a runner without a route works 0
min), the most and fewest orders per runner, the plan's distance and what it costs against
balancing off, and orders dropped. Prints a table and writes
``bench/results/balance-<UTC time>.json``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from dispatch.db import make_engine, session_scope, upgrade
from dispatch.generate import MarketSpot, generate_orders
from dispatch.intake import import_orders
from dispatch.models import DispatchRun, Market, Route, RouteStop, Runner, RunnerStatus
from dispatch.planning import dispatch
from dispatch.seed import seed
from dispatch.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
DAY = date(2026, 12, 3)
WIB = ZoneInfo("Asia/Jakarta")


def morning(folder: Path, code: str, per_market: int, seed_: int) -> Path:
    """A database with ``code``'s generated morning, not yet dispatched."""
    path = folder / f"{code}-{seed_}.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with Session(engine) as session:
        seed(session, settings=Settings())
    with session_scope(engine) as session:
        market = session.exec(select(Market).where(Market.code == code)).one()
        rows = generate_orders(
            [MarketSpot(market.code, market.lat, market.lon)], per_market, seed=seed_, day=DAY
        )
        report = import_orders(
            session, ((k + 2, r) for k, r in enumerate(rows)), service_date=DAY, tz=WIB
        )
        assert report.ok, report.refused[:3]
    engine.dispose()
    return path


def plan_with(source: Path, folder: Path, code: str, weight: int, limit: float) -> dict[str, Any]:
    """Dispatch a copy of ``source`` with the balance weight ``weight`` (0: off)."""
    path = folder / f"{source.stem}-w{weight}.db"
    shutil.copy(source, path)
    engine = make_engine(f"sqlite:///{path}")
    with session_scope(engine) as session:
        market = session.exec(select(Market).where(Market.code == code)).one()
        market.balance_work = weight > 0
        market.balance_cost = max(weight, 0)
        session.add(market)
    outcome = dispatch(engine, [code], DAY, Settings(), time_limit_s=limit, workers=1)
    with Session(engine) as session:
        market = session.exec(select(Market).where(Market.code == code)).one()
        runners = session.exec(
            select(Runner.id)
            .where(Runner.market_id == market.id)
            .where(Runner.status == RunnerStatus.AVAILABLE)
        ).all()
        routes = {
            r.runner_id: r
            for r in session.exec(select(Route).where(Route.run_id == outcome.run_id)).all()
        }
        stops = dict(
            session.exec(
                select(Route.runner_id, func.count(col(RouteStop.id)))
                .join(RouteStop, col(RouteStop.route_id) == col(Route.id))
                .where(Route.run_id == outcome.run_id)
                .group_by(col(Route.runner_id))
            ).all()
        )
        run = session.get(DispatchRun, outcome.run_id)
        assert run is not None
    engine.dispose()
    days = [routes[r].duration_s if r in routes else 0 for r in runners]
    counts = [int(stops.get(r, 0)) for r in runners]
    figures = outcome.markets[0]
    return {
        "market": code,
        "weight": weight,
        "longest_min": round(max(days) / 60, 1),
        "shortest_min": round(min(days) / 60, 1),
        "most_orders": max(counts),
        "fewest_orders": min(counts),
        "distance_km": round(sum(r.distance_m for r in routes.values()) / 1000, 2),
        "dropped": int(figures.get("dropped", 0)),
        "status": run.status.value,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markets", nargs="+", default=["sawojajar", "gadang"])
    parser.add_argument("--per-market", type=int, default=40)
    parser.add_argument("--time-limit", type=float, default=1.0)
    parser.add_argument("--seeds", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--weights", nargs="+", type=int, default=[0, 1, 5])
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for code in args.markets:
            for seed_ in args.seeds:
                source = morning(folder, code, args.per_market, seed_)
                base: float | None = None
                for weight in args.weights:
                    row = plan_with(source, folder, code, weight, args.time_limit) | {"seed": seed_}
                    if base is None:
                        base = row["distance_km"]
                    row["extra_km"] = round(row["distance_km"] - base, 2)
                    rows.append(row)
    header = (
        f"{'market':<11}{'seed':>5}{'weight':>7}{'longest':>9}{'shortest':>9}"
        f"{'orders':>9}{'km':>8}{'+km':>7}{'dropped':>8}"
    )
    print(header)
    for r in rows:
        print(
            f"{r['market']:<11}{r['seed']:>5}{r['weight']:>7}{r['longest_min']:>9}"
            f"{r['shortest_min']:>9}{r['most_orders']:>5}/{r['fewest_orders']:<3}"
            f"{r['distance_km']:>8}{r['extra_km']:>7}{r['dropped']:>8}"
        )
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"balance-{stamp}.json"
    meta = dict(vars(args))
    out.write_text(json.dumps({"args": meta, "rows": rows}, indent=2) + "\n")
    print(f"saved {out.relative_to(RESULTS.parent.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
