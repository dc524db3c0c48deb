"""Re-planning while runners are out: moves, pins, locked sequences, runners going off shift.

`replan_market` revises a market's latest plan for a day from where every runner is now:

- A runner starts at its last reported position when that is fresh (``position_stale_s``),
  otherwise where its plan says it is (its last stop due by now, or the market); its working
  time starts now (or at its shift start, before the shift).
- What a runner carries (picked up, not yet delivered) stays on it, delivered before it
  reloads; stops already done (delivered, failed) stay at the head of its route as they were.
- Pending and assigned delivery orders are planned again. A pinned order stays with its
  runner; a runner whose sequence is locked keeps the order of its stops. The previous plan
  is the search's start, and the objective charges moving an order to another runner and
  reaching a stop from another place than before (``replan_*_cost_m``), so the plan changes
  where it must, not everywhere.
- The result is a new dispatch run (``params.kind = "replan"``); every order the re-plan moved
  or dropped gets an `OrderEvent` saying so.

The state is read, the solve runs outside any transaction, and the result is written in one
short transaction (`dispatch.db.write_session`); orders that changed meanwhile (picked up,
cancelled) are left as they are, as for a dispatch run.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dispatch.db import read_only, write_session
from dispatch.errors import DomainError
from dispatch.models import (
    DispatchRun,
    DispatchRunMarket,
    Fulfilment,
    Market,
    Order,
    OrderEvent,
    OrderStatus,
    OrderStatusChange,
    Route,
    RouteStop,
    Runner,
    RunnerStatus,
    RunStatus,
)
from dispatch.planning import (
    PLANNABLE,
    DroppedPlan,
    MarketPlanResult,
    OrderInput,
    PlannedRoute,
    PlannedStop,
    _window,
    store_market_result,
)
from dispatch.plans import current_run_id
from dispatch.settings import Settings
from routing import MaxRuntime, Problem, Stop, TimeWindow, Vehicle, VisitKind, check_solution
from routing import solve as solve_problem
from routing.matrix import GreatCircleModel

DONE = (OrderStatus.DELIVERED, OrderStatus.FAILED)


@dataclass(frozen=True)
class ReplanOutcome:
    """What a re-plan did: its run, the orders it moved (order, from, to runner; ``None`` is
    no runner) and those it could not place (order, reason code, reason)."""

    run_id: uuid.UUID | None
    moved: tuple[tuple[uuid.UUID, uuid.UUID | None, uuid.UUID | None], ...]
    dropped: tuple[tuple[uuid.UUID, str, str], ...]


@dataclass(frozen=True)
class RunnerStart:
    """Where and when a runner's revised route starts, and whether that is a fresh report."""

    lat: float
    lon: float
    at_s: int
    reported: bool


# -- coordinator's actions ---------------------------------------------------------------------


def pin_order(engine: Engine, order_id: uuid.UUID, runner_id: uuid.UUID | None, *, by: str) -> None:
    """Pin ``order_id`` to ``runner_id`` (``None`` unpins); re-planning keeps it there."""
    with write_session(engine) as session:
        order = _order(session, order_id)
        runner = None if runner_id is None else _runner(session, runner_id, order.market_id)
        order.pinned_runner_id = None if runner is None else runner.id
        session.add(order)
        if runner is None:
            _log(session, order.id, by, "unpinned", "")
        else:
            _log(session, order.id, by, "pinned", runner.name)


def lock_sequence(engine: Engine, runner_id: uuid.UUID, locked: bool, *, by: str) -> None:
    """Lock (or unlock) the order of ``runner_id``'s stops for re-planning."""
    with write_session(engine) as session:
        runner = session.get(Runner, runner_id)
        if runner is None:
            raise DomainError("runner.not_found", params={"id": str(runner_id)})
        runner.sequence_locked = locked
        session.add(runner)


def move_order(
    engine: Engine,
    order_id: uuid.UUID,
    runner_id: uuid.UUID,
    *,
    by: str,
    settings: Settings,
    now: datetime | None = None,
    time_limit_s: float = 1.0,
) -> ReplanOutcome:
    """Give ``order_id`` to ``runner_id`` (pinned there), then re-plan its market."""
    with write_session(engine) as session:
        order = _order(session, order_id)
        if order.fulfilment != Fulfilment.DELIVERY or order.status not in PLANNABLE:
            raise DomainError(
                "order.invalid_transition",
                params={"from": order.status.value, "to": "moved"},
            )
        runner = _runner(session, runner_id, order.market_id)
        if runner.status != RunnerStatus.AVAILABLE:
            raise DomainError("replan.runner_unavailable", field="runner_id")
        order.pinned_runner_id = runner.id
        session.add(order)
        _log(session, order.id, by, "moved", runner.name)
        market_id, day = order.market_id, order.service_date
    return replan_market(
        engine,
        market_id,
        day,
        by=by,
        settings=settings,
        reason="order moved",
        now=now,
        time_limit_s=time_limit_s,
    )


def runner_off_shift(
    engine: Engine,
    runner_id: uuid.UUID,
    *,
    by: str,
    settings: Settings,
    now: datetime | None = None,
    time_limit_s: float = 1.0,
) -> ReplanOutcome:
    """Take ``runner_id`` off shift; its stops not yet picked up go to the others."""
    return _change_shift(engine, runner_id, RunnerStatus.OFF_DUTY, by, settings, now, time_limit_s)


def runner_on_shift(
    engine: Engine,
    runner_id: uuid.UUID,
    *,
    by: str,
    settings: Settings,
    now: datetime | None = None,
    time_limit_s: float = 1.0,
) -> ReplanOutcome:
    """Put ``runner_id`` back on shift (after a break, or taken off by mistake) and re-plan
    its market, so it takes a share of the orders again."""
    return _change_shift(engine, runner_id, RunnerStatus.AVAILABLE, by, settings, now, time_limit_s)


def _change_shift(
    engine: Engine,
    runner_id: uuid.UUID,
    status: RunnerStatus,
    by: str,
    settings: Settings,
    now: datetime | None,
    time_limit_s: float,
) -> ReplanOutcome:
    """Set the runner's ``status`` and re-plan today's plan (WIB) of its market."""
    now = now or datetime.now(UTC)
    with write_session(engine) as session:
        runner = session.get(Runner, runner_id)
        if runner is None:
            raise DomainError("runner.not_found", params={"id": str(runner_id)})
        runner.status = status
        session.add(runner)
        if status is not RunnerStatus.AVAILABLE:
            pinned = session.exec(select(Order).where(Order.pinned_runner_id == runner.id)).all()
            for order in pinned:  # a pin to a runner who has gone cannot be kept
                order.pinned_runner_id = None
                session.add(order)
                _log(session, order.id, by, "unpinned", f"{runner.name} off shift")
        market_id = runner.market_id
    day = now.astimezone(ZoneInfo(settings.timezone)).date()
    reason = "runner back on shift" if status is RunnerStatus.AVAILABLE else "runner off shift"
    return replan_market(
        engine,
        market_id,
        day,
        by=by,
        settings=settings,
        reason=reason,
        now=now,
        time_limit_s=time_limit_s,
    )


def order_events(session: Session, order_id: uuid.UUID) -> list[OrderEvent]:
    """Everything recorded about ``order_id``: its status changes and its other changes,
    oldest first, as events (status changes have ``kind`` ``status``)."""
    events = list(session.exec(select(OrderEvent).where(OrderEvent.order_id == order_id)).all())
    for change in session.exec(
        select(OrderStatusChange).where(OrderStatusChange.order_id == order_id)
    ).all():
        before = change.from_status.value if change.from_status is not None else "-"
        detail = f"{before} -> {change.to_status.value}"
        if change.reason:
            detail += f" ({change.reason})"
        events.append(
            OrderEvent(
                id=change.id,
                order_id=order_id,
                at=change.at,
                by=change.by,
                kind="status",
                detail=detail[:500],
            )
        )
    return sorted(events, key=lambda e: e.at)


# -- re-planning -------------------------------------------------------------------------------


def replan_market(
    engine: Engine,
    market_id: uuid.UUID,
    day: date,
    *,
    by: str,
    settings: Settings,
    reason: str,
    now: datetime | None = None,
    time_limit_s: float = 1.0,
) -> ReplanOutcome:
    """Revise the market's plan for ``day`` from where every runner is ``now`` (see above)."""
    now = now or datetime.now(UTC)
    started = time.perf_counter()
    with Session(read_only(engine)) as session:
        market = session.get(Market, market_id)
        if market is None:
            raise DomainError("market.not_found", params={"code": str(market_id)})
        state = _load(session, market, day, settings, now)
    result = _solve(state, settings, time_limit_s)
    wall = time.perf_counter() - started
    with write_session(engine) as session:
        busy = session.exec(
            select(DispatchRun.id)
            .join(DispatchRunMarket, col(DispatchRunMarket.run_id) == col(DispatchRun.id))
            .where(DispatchRunMarket.market_id == market_id)
            .where(col(DispatchRun.status).in_([RunStatus.QUEUED, RunStatus.RUNNING]))
        ).first()
        if busy is not None:
            raise DomainError("dispatch.market_busy", field="market", params={"code": state.code})
        run = DispatchRun(
            service_date=day,
            status=RunStatus.RUNNING,
            started_at=now,
            params={"kind": "replan", "reason": reason, "by": by, "time_limit_s": time_limit_s},
        )
        session.add(run)
        session.flush()
        session.add(DispatchRunMarket(run_id=run.id, market_id=market_id))
        store_market_result(session, run, result, by=by)
        run.status = RunStatus.DONE
        run.finished_at = datetime.now(UTC)
        figures = result.figures
        totals = {
            key: int(figures.get(key, 0))
            for key in ("orders", "routed", "dropped", "runners_used", "trips", "distance_m")
        }
        run.figures = {"markets": [figures], "totals": totals, "wall_s": round(wall, 3)}
        session.add(run)
        moved = _record_changes(session, state, result, by)
        return ReplanOutcome(
            run.id,
            moved,
            tuple((d.order_id, d.reason_code, d.reason) for d in result.dropped),
        )


@dataclass
class _State:
    """A market's day as re-planning sees it."""

    market_id: uuid.UUID
    code: str
    lat: float
    lon: float
    midnight: datetime
    now_s: int
    runners: list[Runner]
    starts: list[RunnerStart]
    available: list[bool]
    carried: list[list[Order]]
    done: list[list[RouteStop]]
    plannable: list[Order]
    previous_runner: dict[uuid.UUID, uuid.UUID]
    previous_trips: dict[uuid.UUID, list[list[uuid.UUID]]]


def _load(session: Session, market: Market, day: date, settings: Settings, now: datetime) -> _State:
    tz = ZoneInfo(settings.timezone)
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    now_s = int((now - midnight).total_seconds())
    orders = session.exec(
        select(Order)
        .where(Order.market_id == market.id)
        .where(Order.service_date == day)
        .where(Order.fulfilment == Fulfilment.DELIVERY)
        .order_by(col(Order.created_at), col(Order.idempotency_key))
    ).all()
    by_id = {o.id: o for o in orders}
    run_id = current_run_id(session, market, day)
    stops_of: dict[uuid.UUID, list[RouteStop]] = defaultdict(list)
    if run_id is not None:
        rows = session.exec(
            select(Route.runner_id, RouteStop)
            .join(RouteStop, col(RouteStop.route_id) == col(Route.id))
            .where(Route.run_id == run_id)
            .where(Route.market_id == market.id)
            .order_by(col(RouteStop.sequence))
        ).all()
        for runner_id, stop in rows:
            stops_of[runner_id].append(stop)
    runners = list(
        session.exec(
            select(Runner).where(Runner.market_id == market.id).order_by(col(Runner.name))
        ).all()
    )
    previous_runner: dict[uuid.UUID, uuid.UUID] = {}
    previous_trips: dict[uuid.UUID, list[list[uuid.UUID]]] = {}
    kept: list[Runner] = []
    starts: list[RunnerStart] = []
    available: list[bool] = []
    carried: list[list[Order]] = []
    done: list[list[RouteStop]] = []
    for runner in runners:
        mine = stops_of.get(runner.id, [])
        on_board = [
            by_id[s.order_id]
            for s in mine
            if s.order_id in by_id and by_id[s.order_id].status == OrderStatus.PICKED_UP
        ]
        trips: dict[int, list[uuid.UUID]] = defaultdict(list)
        for s in mine:
            order = by_id.get(s.order_id)
            if order is not None and order.status in PLANNABLE:
                trips[s.trip].append(order.id)
                previous_runner[order.id] = runner.id
        for order in on_board:
            previous_runner[order.id] = runner.id
        shift_end = runner.shift_end.hour * 3600 + runner.shift_end.minute * 60
        on_shift = runner.status == RunnerStatus.AVAILABLE and now_s < shift_end
        if not on_shift and not on_board:
            continue  # off duty, or its shift is over: nothing left for it to do
        kept.append(runner)
        available.append(on_shift)
        carried.append(on_board)
        done.append([s for s in mine if s.order_id in by_id and by_id[s.order_id].status in DONE])
        starts.append(_start(runner, mine, by_id, market, midnight, now, now_s, settings))
        previous_trips[runner.id] = [trips[t] for t in sorted(trips)]
    plannable = [
        o for o in orders if o.status in PLANNABLE and o.lat is not None and o.lon is not None
    ]
    return _State(
        market_id=market.id,
        code=market.code,
        lat=market.lat,
        lon=market.lon,
        midnight=midnight,
        now_s=now_s,
        runners=kept,
        starts=starts,
        available=available,
        carried=carried,
        done=done,
        plannable=plannable,
        previous_runner=previous_runner,
        previous_trips=previous_trips,
    )


def _start(
    runner: Runner,
    stops: list[RouteStop],
    orders: dict[uuid.UUID, Order],
    market: Market,
    midnight: datetime,
    now: datetime,
    now_s: int,
    settings: Settings,
) -> RunnerStart:
    """Where ``runner`` starts: at the market at its shift start before the shift; later at
    its fresh reported position, else where its plan puts it now."""
    shift_start = runner.shift_start.hour * 3600 + runner.shift_start.minute * 60
    if now_s <= shift_start:
        return RunnerStart(market.lat, market.lon, shift_start, reported=False)
    fresh = runner.last_seen_at is not None and (now - runner.last_seen_at) <= timedelta(
        seconds=settings.position_stale_s
    )
    if fresh and runner.last_lat is not None and runner.last_lon is not None:
        return RunnerStart(runner.last_lat, runner.last_lon, now_s, reported=True)
    lat, lon = market.lat, market.lon
    for stop in stops:
        order = orders.get(stop.order_id)
        due = int((stop.planned_arrival - midnight).total_seconds())
        known = order is not None and order.lat is not None and order.lon is not None
        if known and (order.status in DONE or due <= now_s):  # type: ignore[union-attr]
            lat, lon = order.lat, order.lon  # type: ignore[union-attr,assignment]
    return RunnerStart(lat, lon, now_s, reported=False)


def _solve(state: _State, settings: Settings, time_limit_s: float) -> MarketPlanResult:
    """The revised plan of ``state`` (pure: no database)."""
    started = time.perf_counter()
    carried_orders = [o for load in state.carried for o in load]
    orders = carried_orders + state.plannable
    index = {o.id: k for k, o in enumerate(orders)}
    figures: dict[str, Any] = {
        "market": state.code,
        "orders": len(orders),
        "runners": sum(state.available),
        "routed": 0,
        "dropped": 0,
        "runners_used": 0,
        "trips": 0,
        "distance_m": 0,
        "kind": "replan",
        "stale_positions": sum(
            1 for s, r in zip(state.starts, state.runners, strict=True) if not s.reported
        ),
    }
    if not state.runners:
        dropped = tuple(
            DroppedPlan(o.id, "no_runner", "no runner is available at this market")
            for o in state.plannable
        )
        figures["dropped"] = len(dropped)
        return MarketPlanResult(state.market_id, state.code, (), dropped, figures)
    travel = GreatCircleModel(settings.circuity, settings.speed_kmh, settings.parking_s)
    lat = np.array([state.lat, *(o.lat for o in orders), *(s.lat for s in state.starts)])
    lon = np.array([state.lon, *(o.lon for o in orders), *(s.lon for s in state.starts)])
    distance, duration = travel.matrices(lat, lon)
    first_shift = min(s.at_s for s in state.starts)
    vehicle_of = {r.id: v for v, r in enumerate(state.runners)}
    on_duty = tuple(v for v, ok in enumerate(state.available) if ok)
    carried_ids = {o.id for o in carried_orders}
    asap_s = settings.asap_minutes * 60
    stops = []
    for k, order in enumerate(orders):
        allowed: tuple[int, ...] | None = None
        if order.id not in carried_ids:
            pinned = vehicle_of.get(order.pinned_runner_id) if order.pinned_runner_id else None
            if pinned is not None and state.available[pinned]:
                allowed = (pinned,)
            elif len(on_duty) < len(state.runners):
                allowed = on_duty
        stops.append(
            Stop(
                location=k + 1,
                weight_g=order.weight_g,
                cash_rp=order.cod_rp,
                window=_window(_input(order), state.midnight, first_shift, asap_s),
                service_s=settings.door_service_s,
                picking_s=settings.picking_s,
                priority=max(0, order.priority),
                vehicles=allowed,
                name=order.idempotency_key,
            )
        )
    vehicles = []
    previous: list[list[list[int]]] = []
    for v, runner in enumerate(state.runners):
        start = state.starts[v]
        begin = start.at_s
        # Out on the road near (or past) the end of its shift, a runner still has to get back:
        # its day ends no earlier than that, or no plan at all would exist.
        home = begin + int(duration[len(orders) + 1 + v, 0])
        shift_end = max(runner.shift_end.hour * 3600 + runner.shift_end.minute * 60, home)
        carried = tuple(index[o.id] for o in state.carried[v])
        trips = [
            [index[o] for o in trip if o in index and o not in carried_ids]
            for trip in state.previous_trips.get(runner.id, [])
        ]
        locked: tuple[int, ...] = ()
        if runner.sequence_locked and state.available[v]:
            locked = tuple(s for trip in trips for s in trip)
        vehicles.append(
            Vehicle(
                start=len(orders) + 1 + v,
                end=0,
                shift=TimeWindow(begin, shift_end),
                capacity_g=runner.capacity_g,
                cash_cap_rp=runner.cash_cap_rp,
                max_orders_per_trip=runner.max_orders_per_trip,
                carried=carried,
                carried_in_order=runner.sequence_locked,
                locked=locked,
                name=runner.name,
            )
        )
        plan = [list(carried)] if carried else []
        previous.append(plan + [t for t in trips if t])
    problem = Problem(
        0,
        stops,
        vehicles,
        distance,
        duration,
        reload_s=settings.reload_s,
        previous=previous,
        move_cost=settings.replan_move_cost_m,
        reorder_cost=settings.replan_reorder_cost_m,
    )
    solution = solve_problem(problem, MaxRuntime(time_limit_s))
    problems = check_solution(problem, solution) if solution.routes else []
    if problems:
        msg = f"{state.code}: the revised plan failed its check: {problems[:3]}"
        raise RuntimeError(msg)
    routes = []
    for v, (runner, done) in enumerate(zip(state.runners, state.done, strict=True)):
        # No routes at all when the solver found no plan: everything is dropped, with reasons.
        route = solution.routes[v] if solution.routes else None
        if (route is None or route.is_empty) and not done:
            continue
        planned = [
            PlannedStop(
                order_id=s.order_id,
                sequence=k + 1,
                trip=s.trip,
                arrival=s.planned_arrival,
                distance_m=s.distance_m,
                duration_s=s.duration_s,
            )
            for k, s in enumerate(done)
        ]
        last_trip = max((s.trip for s in done), default=0)
        offset = last_trip - 1 if state.carried[v] else last_trip
        visits = route.visits if route is not None else ()
        for visit, prev in zip(visits[1:], visits, strict=False):
            if visit.kind is not VisitKind.DELIVERY:
                continue
            planned.append(
                PlannedStop(
                    order_id=orders[visit.stops[0]].id,
                    sequence=len(planned) + 1,
                    trip=max(1, offset + visit.trip),
                    arrival=(state.midnight + timedelta(seconds=visit.arrival)).astimezone(UTC),
                    distance_m=visit.distance_m,
                    duration_s=visit.arrival - prev.departure,
                )
            )
        routes.append(
            PlannedRoute(
                runner_id=runner.id,
                distance_m=sum(s.distance_m for s in planned),
                duration_s=sum(s.duration_s for s in planned),
                trips=max((s.trip for s in planned), default=0),
                stops=tuple(planned),
            )
        )
    dropped = tuple(
        DroppedPlan(orders[d.stop].id, d.reason.value, d.detail) for d in solution.dropped
    )
    figures |= {
        "routed": len(solution.served()),
        "dropped": len(dropped),
        "runners_used": sum(1 for r in solution.routes if not r.is_empty),
        "trips": solution.num_trips,
        "distance_m": solution.distance_m,
        "lateness_s": solution.lateness_s,
        "objective": solution.objective,
        "solver_wall_s": round(solution.stats.wall_s, 3),
        "wall_s": round(time.perf_counter() - started, 3),
        "engine": solution.stats.engine,
    }
    return MarketPlanResult(state.market_id, state.code, tuple(routes), dropped, figures)


def _input(order: Order) -> OrderInput:
    assert order.lat is not None
    assert order.lon is not None
    return OrderInput(
        id=order.id,
        external_id=order.idempotency_key,
        lat=order.lat,
        lon=order.lon,
        weight_g=order.weight_g,
        cod_rp=order.cod_rp,
        window_start=order.window_start,
        window_end=order.window_end,
        priority=order.priority,
        created_at=order.created_at,
    )


def _record_changes(
    session: Session, state: _State, result: MarketPlanResult, by: str
) -> tuple[tuple[uuid.UUID, uuid.UUID | None, uuid.UUID | None], ...]:
    """Log an event on every order the re-plan gave to another runner or left out."""
    names = {r.id: r.name for r in state.runners}
    after = {s.order_id: r.runner_id for r in result.routes for s in r.stops}
    moved = []
    for order in state.plannable:
        before, now = state.previous_runner.get(order.id), after.get(order.id)
        if before == now:
            continue
        moved.append((order.id, before, now))
        detail = (
            f"{names.get(before, '-') if before else '-'} -> {names.get(now, '-') if now else '-'}"
        )
        _log(session, order.id, by, "replanned", detail)
    return tuple(moved)


def _order(session: Session, order_id: uuid.UUID) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise DomainError("order.not_found", params={"id": str(order_id)})
    return order


def _runner(session: Session, runner_id: uuid.UUID, market_id: uuid.UUID) -> Runner:
    runner = session.get(Runner, runner_id)
    if runner is None:
        raise DomainError("runner.not_found", field="runner_id", params={"id": str(runner_id)})
    if runner.market_id != market_id:
        raise DomainError("replan.other_market", field="runner_id")
    return runner


def _log(session: Session, order_id: uuid.UUID, by: str, kind: str, detail: str) -> None:
    session.add(OrderEvent(order_id=order_id, by=by, kind=kind, detail=detail[:500]))
