"""Batch dispatch: plan several markets at once, solves in parallel, results stored once.

The calling process owns the database: it snapshots each market's inputs, hands the pure
solves (``planning.solve_market``) to a process pool or a Dask cluster, and stores each
market's plan in its own transaction as it comes back. A run is a row in the database
(``queued -> running -> done | failed``), never state in memory.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dispatch.db import session_scope
from dispatch.errors import DomainError
from dispatch.models import DispatchRun, DispatchRunMarket, Market, RunStatus
from dispatch.planning import (
    MarketPlanInput,
    MarketPlanResult,
    load_market_plan_input,
    solve_market,
    store_market_result,
)
from dispatch.settings import Settings

Executor = Literal["local", "dask"]
#: Called with each market's figures as its plan is stored.
Progress = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class DispatchOutcome:
    """What a dispatch did: the run's id and status, and per market its figures."""

    run_id: uuid.UUID
    status: RunStatus
    markets: list[dict[str, Any]]
    wall_s: float
    error: str | None = None


def select_markets(session: Session, codes: Sequence[str] | None) -> list[Market]:
    """The markets named by ``codes`` (case-insensitive), or all of them for ``None``."""
    markets = list(session.exec(select(Market).order_by(col(Market.code))).all())
    if codes is None:
        return markets
    by_code = {m.code: m for m in markets}
    wanted = [c.strip().lower() for c in codes]
    unknown = [c for c in wanted if c not in by_code]
    if unknown:
        raise DomainError("dispatch.unknown_market", field="market", params={"code": unknown[0]})
    return [by_code[c] for c in dict.fromkeys(wanted)]


def create_run(
    engine: Engine, codes: Sequence[str] | None, service_date: date, params: dict[str, Any]
) -> uuid.UUID:
    """A queued run for the markets; refused while another run holds one of them."""
    with session_scope(engine) as session:
        markets = select_markets(session, codes)
        if not markets:
            raise DomainError("dispatch.no_markets", field="market")
        ids = [m.id for m in markets]
        # Lock the markets' rows (PostgreSQL) so two dispatches cannot both pass the check.
        session.exec(select(Market).where(col(Market.id).in_(ids)).with_for_update()).all()
        busy = session.exec(
            select(Market.code)
            .join(DispatchRunMarket, col(DispatchRunMarket.market_id) == col(Market.id))
            .join(DispatchRun, col(DispatchRun.id) == col(DispatchRunMarket.run_id))
            .where(col(Market.id).in_(ids))
            .where(col(DispatchRun.status).in_([RunStatus.QUEUED, RunStatus.RUNNING]))
        ).first()
        if busy is not None:
            raise DomainError("dispatch.market_busy", field="market", params={"code": busy})
        run = DispatchRun(service_date=service_date, params=params)
        session.add(run)
        session.flush()
        for market in markets:
            session.add(DispatchRunMarket(run_id=run.id, market_id=market.id))
        return run.id


def execute_run(
    engine: Engine,
    run_id: uuid.UUID,
    settings: Settings,
    *,
    workers: int = 2,
    executor: Executor = "local",
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> DispatchOutcome:
    """Solve and store every market of run ``run_id``; the run ends ``done`` or ``failed``."""
    started = time.perf_counter()
    with session_scope(engine) as session:
        run = session.get(DispatchRun, run_id)
        if run is None:
            raise DomainError("dispatch.unknown_run", field="run", params={"id": str(run_id)})
        run.status = RunStatus.RUNNING
        run.started_at = datetime.now(UTC)
        session.add(run)
        markets = sorted(run.markets, key=lambda m: m.code)
        inputs = [load_market_plan_input(session, m, run.service_date, settings) for m in markets]
        time_limit = float(run.params.get("time_limit_s", 1.0))
        seed = int(run.params.get("seed", 1))
    figures: list[dict[str, Any]] = []
    try:
        for result in _solve_all(inputs, time_limit, seed, workers, executor, scheduler):
            with session_scope(engine) as session:
                run = session.get(DispatchRun, run_id)
                assert run is not None
                if store_market_result(session, run, result):
                    figures.append(result.figures)
                    if progress is not None:
                        progress(result.figures)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        _finish(engine, run_id, RunStatus.FAILED, figures, error)
        return DispatchOutcome(
            run_id, RunStatus.FAILED, figures, time.perf_counter() - started, error
        )
    wall = time.perf_counter() - started
    _finish(engine, run_id, RunStatus.DONE, figures, None, wall)
    return DispatchOutcome(run_id, RunStatus.DONE, figures, wall)


def dispatch(
    engine: Engine,
    codes: Sequence[str] | None,
    service_date: date,
    settings: Settings,
    *,
    time_limit_s: float = 1.0,
    seed: int = 1,
    workers: int = 2,
    executor: Executor = "local",
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> DispatchOutcome:
    """Create a run for the markets and execute it."""
    params = {"time_limit_s": time_limit_s, "seed": seed, "workers": workers, "executor": executor}
    run_id = create_run(engine, codes, service_date, params)
    return execute_run(
        engine,
        run_id,
        settings,
        workers=workers,
        executor=executor,
        scheduler=scheduler,
        progress=progress,
    )


def fail_interrupted_runs(engine: Engine) -> int:
    """Mark runs left queued or running by a stopped process as failed; returns how many."""
    with session_scope(engine) as session:
        stale = session.exec(
            select(DispatchRun).where(
                col(DispatchRun.status).in_([RunStatus.QUEUED, RunStatus.RUNNING])
            )
        ).all()
        for run in stale:
            run.status = RunStatus.FAILED
            run.finished_at = datetime.now(UTC)
            run.error = "interrupted: the process running it stopped"
            session.add(run)
        return len(stale)


def _finish(
    engine: Engine,
    run_id: uuid.UUID,
    status: RunStatus,
    markets: list[dict[str, Any]],
    error: str | None,
    wall_s: float | None = None,
) -> None:
    with session_scope(engine) as session:
        run = session.get(DispatchRun, run_id)
        assert run is not None
        run.status = status
        run.finished_at = datetime.now(UTC)
        run.error = error
        totals = {
            key: sum(int(m.get(key, 0)) for m in markets)
            for key in ("orders", "routed", "dropped", "runners_used", "trips", "distance_m")
        }
        run.figures = {"markets": markets, "totals": totals, "wall_s": wall_s}
        session.add(run)


def _solve_all(
    inputs: list[MarketPlanInput],
    time_limit_s: float,
    seed: int,
    workers: int,
    executor: Executor,
    scheduler: str | None,
) -> Iterator[MarketPlanResult]:
    """Each market's result, as soon as it is ready."""
    if not inputs:
        return
    if executor == "dask":
        yield from _solve_dask(inputs, time_limit_s, seed, scheduler)
        return
    if workers <= 1 or len(inputs) == 1:
        for plan in inputs:
            yield solve_market(plan, time_limit_s, seed)
        return
    with ProcessPoolExecutor(max_workers=min(workers, len(inputs))) as pool:
        futures: list[Future[MarketPlanResult]] = [
            pool.submit(solve_market, plan, time_limit_s, seed) for plan in inputs
        ]
        for future in as_completed(futures):
            yield future.result()


def _solve_dask(
    inputs: list[MarketPlanInput], time_limit_s: float, seed: int, scheduler: str | None
) -> Iterator[MarketPlanResult]:
    """Solves on a Dask cluster (``scheduler`` address, or a local one); workers only solve."""
    from dask.distributed import Client
    from dask.distributed import as_completed as dask_completed

    client = Client(scheduler) if scheduler else Client(processes=False, n_workers=1)
    try:
        futures = [
            client.submit(solve_market, plan, time_limit_s, seed, pure=False, retries=1)
            for plan in inputs
        ]
        for future in dask_completed(futures):
            yield future.result()
    finally:
        client.close()
