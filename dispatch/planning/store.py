"""Storing plans, and the one run lifecycle every plan change goes through.

A dispatch run is a row (``queued -> running -> done | failed``) that holds its markets
through a lease: ``lease_until``, renewed by the process executing it (`Lease`, every third
of ``ANTAR_RUN_LEASE_S``) while it works. `create_run` refuses a market held by a run with a
live lease, and marks a run whose lease has lapsed failed (its process is gone) and proceeds.

Per market the run reads the day (`snapshot.load_day`), solves it outside any transaction
(`solve.solve_day`) and stores it in ONE transaction (`store_result`): the routes, the
dropped orders, the orders' statuses (``assigned`` only here, with their route), the events
of what moved, and the market's ``stored_at`` that makes the plan current. A run killed at
any moment therefore leaves each market as it was or as the run stored it.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dispatch.actions import move_status
from dispatch.db import read_only, write_session
from dispatch.errors import DomainError
from dispatch.models import (
    DispatchRun,
    DispatchRunMarket,
    DroppedOrder,
    Market,
    Order,
    OrderEvent,
    OrderStatus,
    Route,
    RouteStop,
    Runner,
    RunStatus,
)
from dispatch.planning.snapshot import PLANNABLE, MarketDay, load_day, remember_plan
from dispatch.planning.solve import TOTALS, MarketPlanResult, solve_day
from dispatch.reasons import INTERRUPTED
from dispatch.settings import Settings

Executor = Literal["local", "dask"]
#: Called with each market's figures as its plan is stored.
Progress = Callable[[dict[str, Any]], None]
#: An order that changed runner: (order, runner before, runner now); ``None``: no runner.
Moved = tuple[uuid.UUID, uuid.UUID | None, uuid.UUID | None]
ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)


@dataclass(frozen=True)
class DispatchOutcome:
    """What a run did: its id and status, per market its figures, the orders it gave to
    another runner (``moved``) and those it could not place (order, reason code, reason)."""

    run_id: uuid.UUID
    status: RunStatus
    markets: list[dict[str, Any]]
    wall_s: float
    error: str | None = None
    moved: tuple[Moved, ...] = ()
    dropped: tuple[tuple[uuid.UUID, str, str], ...] = ()


def process_owner() -> str:
    """Who holds a lease: host, process and thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


# -- markets and runs --------------------------------------------------------------------------


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
    engine: Engine,
    codes: Sequence[str] | None,
    service_date: date,
    params: dict[str, Any],
    *,
    lease_s: float = 30.0,
    owner: str | None = None,
    now: datetime | None = None,
) -> uuid.UUID:
    """A queued run holding the markets for ``lease_s`` seconds; refused while a run with a
    live lease holds one of them (a run whose lease lapsed is marked failed first)."""
    now = now or datetime.now(UTC)
    with write_session(engine) as session:
        markets = select_markets(session, codes)
        if not markets:
            raise DomainError("dispatch.no_markets", field="market")
        ids = [m.id for m in markets]
        # Lock the markets' rows (PostgreSQL) so two dispatches cannot both pass the check.
        session.exec(select(Market).where(col(Market.id).in_(ids)).with_for_update()).all()
        holders = session.exec(
            select(DispatchRun, Market.code)
            .join(DispatchRunMarket, col(DispatchRunMarket.run_id) == col(DispatchRun.id))
            .join(Market, col(Market.id) == col(DispatchRunMarket.market_id))
            .where(col(DispatchRunMarket.market_id).in_(ids))
            .where(col(DispatchRun.status).in_(ACTIVE))
        ).all()
        for holder, code in holders:
            if holder.lease_until is not None and holder.lease_until >= now:
                raise DomainError("dispatch.market_busy", field="market", params={"code": code})
            _fail(session, holder, f"{INTERRUPTED} its lease lapsed (the process stopped)", now)
        run = DispatchRun(
            service_date=service_date,
            params=params,
            lease_owner=owner or process_owner(),
            lease_until=now + timedelta(seconds=lease_s),
        )
        session.add(run)
        session.flush()
        for market in markets:
            session.add(DispatchRunMarket(run_id=run.id, market_id=market.id))
        return run.id


def _fail(session: Session, run: DispatchRun, error: str, now: datetime) -> None:
    run.status = RunStatus.FAILED
    run.finished_at = now
    run.error = error
    run.lease_until = None
    session.add(run)


def fail_lapsed_runs(engine: Engine, now: datetime | None = None) -> int:
    """Mark the runs whose lease has lapsed (their process stopped) failed; a run whose lease
    is alive is left to its process. Returns how many were marked."""
    now = now or datetime.now(UTC)
    with write_session(engine) as session:
        stale = [
            run
            for run in session.exec(
                select(DispatchRun).where(col(DispatchRun.status).in_(ACTIVE))
            ).all()
            if run.lease_until is None or run.lease_until < now
        ]
        for run in stale:
            _fail(session, run, f"{INTERRUPTED} its lease lapsed (the process stopped)", now)
        return len(stale)


class Lease:
    """Renews run ``run_id``'s lease every third of ``lease_s`` from a thread while the
    ``with`` block runs; ``lost`` once a renewal found the run no longer ours."""

    def __init__(self, engine: Engine, run_id: uuid.UUID, owner: str, lease_s: float) -> None:
        self._engine, self._run_id, self._owner, self._lease_s = engine, run_id, owner, lease_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"lease-{run_id}", daemon=True)
        self.lost = False

    def renew(self) -> bool:
        """Push the lease ``lease_s`` ahead; ``False`` when the run is no longer ours."""
        until = datetime.now(UTC) + timedelta(seconds=self._lease_s)
        with write_session(self._engine) as session:
            result = session.exec(  # type: ignore[call-overload]
                update(DispatchRun)
                .where(col(DispatchRun.id) == self._run_id)
                .where(col(DispatchRun.lease_owner) == self._owner)
                .where(col(DispatchRun.status).in_(ACTIVE))
                .values(lease_until=until)
            )
            ok = bool(result.rowcount)
        self.lost = self.lost or not ok
        return ok

    def _loop(self) -> None:
        while not self._stop.wait(self._lease_s / 3):
            try:
                self.renew()
            except Exception:
                continue

    def __enter__(self) -> Lease:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


# -- storing one market's plan -----------------------------------------------------------------


def store_result(
    session: Session,
    run: DispatchRun,
    day: MarketDay,
    result: MarketPlanResult,
    *,
    by: str,
    now: datetime | None = None,
) -> tuple[Moved, ...]:
    """Write ``result`` as ``run``'s plan of the market (no commit) and make it current.

    Orders on a route become ``assigned`` (here only, with their route); dropped ones go
    back to (or stay) ``pending`` with the reason on the run; an order the current plan held
    that the new one neither routes nor drops goes back to ``pending``. Orders picked up or
    cancelled while the solve ran are left as they are. Every order given to another runner
    gets an event. Returns the moves. A result stored already (a retried task) is not
    stored again.
    """
    link = session.exec(
        select(DispatchRunMarket)
        .where(DispatchRunMarket.run_id == run.id)
        .where(DispatchRunMarket.market_id == result.market_id)
    ).one()
    if link.stored_at is not None:
        return ()
    wanted: dict[uuid.UUID, OrderStatus] = {}
    # Rows as plain values, inserted in bulk: a plan is a few hundred rows, and building ORM
    # objects for them (and copying dataclasses deeply into them) was most of an insertion's
    # time. The routes' ids are made here, so one flush stores them before their stops.
    stop_rows: list[dict[str, Any]] = []
    for planned in result.routes:
        figures = _fields(planned)
        del figures["stops"]
        route = Route(
            run_id=run.id, market_id=result.market_id, service_date=run.service_date, **figures
        )
        session.add(route)
        for stop in planned.stops:
            fields = _fields(stop)
            fields["planned_arrival"] = fields.pop("arrival")
            stop_rows.append({"id": uuid.uuid4(), "route_id": route.id, **fields})
            wanted[stop.order_id] = OrderStatus.ASSIGNED
    dropped_rows = []
    for dropped in result.dropped:
        dropped_rows.append({"id": uuid.uuid4(), "run_id": run.id, **_fields(dropped)})
        wanted[dropped.order_id] = OrderStatus.PENDING
    session.flush()
    if stop_rows:
        session.execute(insert(RouteStop), stop_rows)
    if dropped_rows:
        session.execute(insert(DroppedOrder), dropped_rows)
    remember_plan(run.id, result.market_id, {r.runner_id: r.stops for r in result.routes})
    before = day.previous_runner()
    for order_id in before:
        wanted.setdefault(order_id, OrderStatus.PENDING)
    # Statuses read as values; only the orders whose status changes are loaded (on a plan
    # that changes little, a handful of a day's hundred).
    changing = [
        order_id
        for order_id, status in _statuses(session, list(wanted))
        # Picked up or cancelled while the solve ran: left alone.
        if status in PLANNABLE and status != wanted[order_id]
    ]
    if changing:
        for order in session.exec(select(Order).where(col(Order.id).in_(changing))).all():
            if order.status in PLANNABLE:
                move_status(
                    session, order, wanted[order.id], by=by, reason=f"dispatch run {run.id}"
                )
    moved = moves(day, result)
    names = _runner_names(session, day.market_id) if moved else {}
    for order_id, was, now_on in moved:
        detail = (
            f"{names.get(was, '-') if was else '-'} -> {names.get(now_on, '-') if now_on else '-'}"
        )
        session.add(OrderEvent(order_id=order_id, by=by, kind="replanned", detail=detail[:500]))
    link.stored_at = now or datetime.now(UTC)
    session.add(link)
    session.flush()
    return moved


def _fields(plan: object) -> dict[str, Any]:
    """A plan dataclass's fields as a dict (shallow: its values are immutable)."""
    return {f.name: getattr(plan, f.name) for f in dataclass_fields(plan)}  # type: ignore[arg-type]


def _statuses(session: Session, order_ids: list[uuid.UUID]) -> list[tuple[uuid.UUID, OrderStatus]]:
    """(order, status) of ``order_ids``, as values."""
    if not order_ids:
        return []
    rows = session.exec(select(Order.id, Order.status).where(col(Order.id).in_(order_ids)))
    return list(rows.all())


def _runner_names(session: Session, market_id: uuid.UUID) -> dict[uuid.UUID, str]:
    rows = session.exec(select(Runner.id, Runner.name).where(Runner.market_id == market_id))
    return dict(rows.all())


def moves(day: MarketDay, result: MarketPlanResult) -> tuple[Moved, ...]:
    """The orders ``result`` gives to another runner than ``day``'s current plan (a first
    placement included: from ``None``); what a runner carries never moves."""
    before = day.previous_runner()
    after = {s.order_id: r.runner_id for r in result.routes for s in r.stops}
    carried = day.carried_ids
    return tuple(
        (o.id, before.get(o.id), after.get(o.id))
        for o in day.orders
        if o.id not in carried and before.get(o.id) != after.get(o.id)
    )


def preview_moves(
    engine: Engine,
    market_id: uuid.UUID,
    service_date: date,
    settings: Settings,
    *,
    time_limit_s: float = 1.0,
    seed: int = 1,
    now: datetime | None = None,
) -> tuple[Moved, ...]:
    """What a dispatch of the market's day would take from runners who have it in their plan
    now (and so their link), without storing anything: solved on the day as it is."""
    with Session(read_only(engine)) as session:
        market = session.get(Market, market_id)
        if market is None:
            raise DomainError("market.not_found", params={"code": str(market_id)})
        day = load_day(session, market, service_date, settings, now or datetime.now(UTC))
    if not day.has_plan:
        return ()
    result = solve_day(day, time_limit_s, seed)
    return tuple(m for m in moves(day, result) if m[1] is not None)


@dataclass(frozen=True)
class MovedOrder:
    """An order a plan takes off the runner who had it, as a coordinator reads it."""

    external_id: str
    customer: str
    from_runner: str
    to_runner: str | None
    """``None``: no runner takes it (it would be unplanned)."""


def moved_orders(session: Session, moved: Sequence[Moved]) -> list[MovedOrder]:
    """The moves off a runner who had the order (see `relinked`), with the order's external
    id and customer and the runners' names, in ``moved``'s order."""
    taken = [m for m in moved if m[1] is not None]
    if not taken:
        return []
    ids = [o for o, _, _ in taken]
    orders = {o.id: o for o in session.exec(select(Order).where(col(Order.id).in_(ids))).all()}
    runners = {r for _, a, b in taken for r in (a, b) if r is not None}
    names = dict(
        session.exec(select(Runner.id, Runner.name).where(col(Runner.id).in_(runners))).all()
    )
    return [
        MovedOrder(
            external_id=orders[o].idempotency_key,
            customer=orders[o].customer_name,
            from_runner=names.get(a, "-") if a else "-",
            to_runner=names.get(b, "-") if b else None,
        )
        for o, a, b in taken
        if o in orders
    ]


def relinked(moved: Sequence[Moved]) -> list[dict[str, str | None]]:
    """The moves that take an order from a runner who had it in the plan before: that runner
    has its link (links are sent once a plan is made; nothing records a link being sent or
    opened), so these are the changes a coordinator must tell runners about. As JSON."""
    return [
        {"order_id": str(o), "from_runner_id": str(a), "to_runner_id": str(b) if b else None}
        for o, a, b in moved
        if a is not None
    ]


# -- executing a run ---------------------------------------------------------------------------


def execute_run(
    engine: Engine,
    run_id: uuid.UUID,
    settings: Settings,
    *,
    workers: int = 2,
    executor: Executor = "local",
    scheduler: str | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> DispatchOutcome:
    """Snapshot, solve and store every market of run ``run_id`` under its lease; the run
    ends ``done``, or ``failed`` with the error (markets stored before stay stored)."""
    started = time.perf_counter()
    with write_session(engine) as session:
        run = session.get(DispatchRun, run_id)
        if run is None:
            raise DomainError("dispatch.unknown_run", field="run", params={"id": str(run_id)})
        if run.status is not RunStatus.QUEUED:
            raise DomainError("dispatch.market_busy", field="market", params={"code": "-"})
        owner = run.lease_owner or process_owner()
        run.status = RunStatus.RUNNING
        run.started_at = datetime.now(UTC)
        # The lease runs from here (a queued run may have waited); `Lease` renews it.
        run.lease_until = run.started_at + timedelta(seconds=settings.run_lease_s)
        session.add(run)
        time_limit = float(run.params.get("time_limit_s", 1.0))
        seed = int(run.params.get("seed", 1))
        by = str(run.params.get("by") or run.params.get("requested_by") or "dispatch")
        service_date = run.service_date
        kind = str(run.params.get("kind", "dispatch"))
        market_ids = [m.id for m in sorted(run.markets, key=lambda m: m.code)]
    figures: list[dict[str, Any]] = []
    moved: list[Moved] = []
    dropped: list[tuple[uuid.UUID, str, str]] = []
    lease = Lease(engine, run_id, owner, settings.run_lease_s)
    try:
        with lease:
            at = now or datetime.now(UTC)
            with Session(read_only(engine)) as session:
                days = {}
                for market_id in market_ids:
                    market = session.get(Market, market_id)
                    assert market is not None
                    days[market_id] = load_day(
                        session, market, service_date, settings, at, insertion=kind == "insert"
                    )
            for result in _solve_all(
                list(days.values()), time_limit, seed, workers, executor, scheduler
            ):
                with write_session(engine) as session:
                    run = session.get(DispatchRun, run_id)
                    assert run is not None
                    if run.status is not RunStatus.RUNNING or run.lease_owner != owner:
                        msg = "the run lost its lease to another process"
                        raise RuntimeError(msg)
                    here = store_result(session, run, days[result.market_id], result, by=by)
                moved += here
                dropped += [(d.order_id, d.reason_code, d.reason) for d in result.dropped]
                figures.append(result.figures | {"moved": relinked(here)})
                if progress is not None:
                    progress(result.figures)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        _finish(engine, run_id, owner, RunStatus.FAILED, figures, error)
        return DispatchOutcome(
            run_id, RunStatus.FAILED, figures, time.perf_counter() - started, error
        )
    wall = time.perf_counter() - started
    _finish(engine, run_id, owner, RunStatus.DONE, figures, None, wall)
    if kind != "insert":
        # Orders that arrived while this run held its markets were refused an insertion run
        # of their own (the market was busy): they go in now.
        from dispatch.planning.insert import insert_waiting

        insert_waiting(engine, [str(f["market"]) for f in figures], service_date, settings)
    return DispatchOutcome(
        run_id, RunStatus.DONE, figures, wall, None, tuple(moved), tuple(dropped)
    )


def _finish(
    engine: Engine,
    run_id: uuid.UUID,
    owner: str,
    status: RunStatus,
    markets: list[dict[str, Any]],
    error: str | None,
    wall_s: float | None = None,
) -> None:
    with write_session(engine) as session:
        run = session.get(DispatchRun, run_id)
        assert run is not None
        if run.lease_owner != owner or run.status not in ACTIVE:
            return  # failed by another process after its lease lapsed: that stands
        run.status = status
        run.finished_at = datetime.now(UTC)
        run.error = error
        run.lease_until = None
        totals = {key: sum(int(m.get(key, 0)) for m in markets) for key in TOTALS}
        run.figures = {"markets": markets, "totals": totals, "wall_s": wall_s}
        session.add(run)


def _solve_all(
    days: list[MarketDay],
    time_limit_s: float,
    seed: int,
    workers: int,
    executor: Executor,
    scheduler: str | None,
) -> Iterator[MarketPlanResult]:
    """Each market's result, as soon as it is ready."""
    if not days:
        return
    if executor == "dask":
        yield from _solve_dask(days, time_limit_s, seed, scheduler)
        return
    if workers <= 1 or len(days) == 1:
        for day in days:
            yield solve_day(day, time_limit_s, seed)
        return
    with ProcessPoolExecutor(max_workers=min(workers, len(days))) as pool:
        futures: list[Future[MarketPlanResult]] = [
            pool.submit(solve_day, day, time_limit_s, seed) for day in days
        ]
        for future in as_completed(futures):
            yield future.result()


def _solve_dask(
    days: list[MarketDay], time_limit_s: float, seed: int, scheduler: str | None
) -> Iterator[MarketPlanResult]:
    """Solves on a Dask cluster (``scheduler`` address, or a local one); workers only solve."""
    from dask.distributed import Client
    from dask.distributed import as_completed as dask_completed

    client = Client(scheduler) if scheduler else Client(processes=False, n_workers=1)
    try:
        futures = [
            client.submit(solve_day, day, time_limit_s, seed, pure=False, retries=1) for day in days
        ]
        for future in dask_completed(futures):
            yield future.result()
    finally:
        client.close()


# -- the entry points --------------------------------------------------------------------------


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
    by: str = "dispatch",
    reason: str = "dispatch",
    kind: str = "dispatch",
    now: datetime | None = None,
) -> DispatchOutcome:
    """Plan the markets' day: create a run holding them, and execute it (``kind``:
    ``dispatch``, or ``replan`` for a coordinator's change)."""
    params = {
        "kind": kind,
        "time_limit_s": time_limit_s,
        "seed": seed,
        "workers": workers,
        "executor": executor,
        "by": by,
        "reason": reason,
    }
    run_id = create_run(engine, codes, service_date, params, lease_s=settings.run_lease_s)
    return execute_run(
        engine,
        run_id,
        settings,
        workers=workers,
        executor=executor,
        scheduler=scheduler,
        progress=progress,
        now=now,
    )
