"""Batch dispatch overhead: wall time of a whole dispatch against its solver budget.

    python -m bench.dispatch [--markets 6] [--per-market 60] [--time-limit 1] [--workers 2]
                             [--repeat 3] [--postgres URL] [--no-dask]

Six markets of 60 generated orders each, a solver limit of 1 s per market and 2 workers give
a budget of 6 x 1 s / 2 = 3 s of solving; everything else (snapshots, process start,
building the problems, storing routes, status changes) is overhead. Target: overhead <= 20 %.
Rows: SQLite with the process pool, PostgreSQL with the process pool (``--postgres`` or
``ANTAR_TEST_DATABASE_URL``), and SQLite with a local Dask cluster of 2 worker processes.
Prints a table and writes ``bench/results/dispatch-<UTC time>.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlmodel import Session, col, select

from dispatch.db import make_engine, normalise_url, session_scope, upgrade
from dispatch.generate import MarketSpot, generate_orders
from dispatch.intake import import_orders
from dispatch.models import Market
from dispatch.planning import Executor, dispatch
from dispatch.seed import seed
from dispatch.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
DAY = date(2026, 12, 1)


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{Path(folder) / 'antar.db'}"


@contextmanager
def postgres_url(base: str) -> Iterator[str]:
    """A fresh schema on the server at ``base``, dropped afterwards."""
    admin = make_engine(base)
    schema = f"antar_bench_{uuid.uuid4().hex[:8]}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = normalise_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def prepare(url: str, markets: int, per_market: int, settings: Settings) -> list[str]:
    """Seed and fill the database; the codes of the markets to dispatch."""
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        seed(session, settings=settings)
    with session_scope(engine) as session:
        chosen = session.exec(select(Market).order_by(col(Market.code)).limit(markets)).all()
        spots = [MarketSpot(m.code, m.lat, m.lon) for m in chosen]
        rows = generate_orders(spots, per_market, seed=7, day=DAY)
        import_orders(
            session,
            ((k + 2, r) for k, r in enumerate(rows)),
            service_date=DAY,
            tz=ZoneInfo(settings.timezone),
        )
    engine.dispose()
    return [s.code for s in spots]


def measure(
    url: str,
    codes: list[str],
    settings: Settings,
    *,
    time_limit: float,
    workers: int,
    executor: Executor,
    scheduler: str | None,
    repeat: int,
) -> list[float]:
    """Wall seconds of ``repeat`` whole dispatches (each re-plans the same day)."""
    engine = make_engine(url)
    walls = []
    for _ in range(repeat):
        outcome = dispatch(
            engine,
            codes,
            DAY,
            settings,
            time_limit_s=time_limit,
            workers=workers,
            executor=executor,
            scheduler=scheduler,
        )
        if outcome.error:
            raise RuntimeError(outcome.error)
        walls.append(outcome.wall_s)
    engine.dispose()
    return walls


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dispatch", description=__doc__)
    parser.add_argument("--markets", type=int, default=6)
    parser.add_argument("--per-market", type=int, default=60)
    parser.add_argument("--time-limit", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=os.environ.get("ANTAR_TEST_DATABASE_URL"))
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args(argv)
    settings = Settings()
    budget = math.ceil(args.markets / args.workers) * args.time_limit
    rows: list[dict[str, object]] = []

    def row(name: str, url_cm: object, executor: Executor, scheduler: str | None) -> None:
        with url_cm as url:  # type: ignore[attr-defined]
            codes = prepare(url, args.markets, args.per_market, settings)
            walls = measure(
                url,
                codes,
                settings,
                time_limit=args.time_limit,
                workers=args.workers,
                executor=executor,
                scheduler=scheduler,
                repeat=args.repeat,
            )
        median = statistics.median(walls)
        rows.append(
            {
                "setup": name,
                "walls_s": [round(w, 3) for w in walls],
                "median_s": round(median, 3),
                "budget_s": budget,
                "overhead_pct": round(100 * (median / budget - 1), 1),
            }
        )

    row("sqlite, process pool", sqlite_url(), "local", None)
    if args.postgres:
        row("postgresql, process pool", postgres_url(args.postgres), "local", None)
    if not args.no_dask:
        from dask.distributed import LocalCluster

        with LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster:
            row("sqlite, dask (local cluster)", sqlite_url(), "dask", cluster.scheduler_address)

    head = f"{'setup':<30}{'median s':>10}{'budget s':>10}{'overhead':>10}  runs"
    lines = [
        f"{args.markets} markets x {args.per_market} orders, {args.time_limit:g} s per market, "
        f"{args.workers} workers",
        head,
        "-" * len(head),
    ]
    for r in rows:
        lines.append(
            f"{r['setup']:<30}{r['median_s']:>10.2f}{r['budget_s']:>10.2f}"
            f"{r['overhead_pct']:>9.1f}%  {r['walls_s']}"
        )
    text_table = "\n".join(lines)
    print(text_table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"dispatch-{stamp}.json"
    out.write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2) + "\n")
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
