"""The one translator between the domain and the routing engine.

``load_market_plan_input`` reads a market's plannable orders and available runners into a
plain, picklable snapshot (so the solve can run in another process or on a Dask worker);
``solve_market`` turns it into a ``routing.Problem``, solves it and returns a plain result;
``store_market_result`` writes that result as Routes and RouteStops of a DispatchRun, moves
orders to ``assigned`` and keeps dropped ones ``pending`` with the run's reason, all in the
caller's transaction.

Times inside the problem are seconds after local midnight (WIB) of the service date.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlmodel import Session, col, select

from dispatch.actions import move_status
from dispatch.models import (
    DispatchRun,
    DroppedOrder,
    Fulfilment,
    Market,
    Order,
    OrderStatus,
    Route,
    RouteStop,
    Runner,
    RunnerStatus,
)
from dispatch.settings import Settings
from routing import (
    MaxRuntime,
    Problem,
    SolveParams,
    Stop,
    TimeWindow,
    Vehicle,
    VisitKind,
    check_solution,
)
from routing import solve as solve_problem
from routing.matrix import GreatCircleModel

#: Orders a new dispatch may (re)plan: not yet picked up.
PLANNABLE = (OrderStatus.PENDING, OrderStatus.ASSIGNED)


@dataclass(frozen=True)
class OrderInput:
    id: uuid.UUID
    external_id: str
    lat: float
    lon: float
    weight_g: int
    cod_rp: int
    window_start: datetime | None
    window_end: datetime | None
    priority: int
    created_at: datetime


@dataclass(frozen=True)
class RunnerInput:
    id: uuid.UUID
    name: str
    capacity_g: int
    cash_cap_rp: int
    max_orders_per_trip: int | None
    shift_start_s: int
    shift_end_s: int


@dataclass(frozen=True)
class MarketPlanInput:
    """Everything one market's solve needs, detached from the database."""

    market_id: uuid.UUID
    market_code: str
    lat: float
    lon: float
    service_date: date
    timezone: str
    orders: tuple[OrderInput, ...]
    runners: tuple[RunnerInput, ...]
    door_service_s: int
    picking_s: int
    reload_s: int
    asap_s: int
    circuity: float
    speed_kmh: float
    parking_s: int


@dataclass(frozen=True)
class PlannedStop:
    order_id: uuid.UUID
    sequence: int
    trip: int
    arrival: datetime
    distance_m: int
    duration_s: int


@dataclass(frozen=True)
class PlannedRoute:
    runner_id: uuid.UUID
    distance_m: int
    duration_s: int
    trips: int
    stops: tuple[PlannedStop, ...]


@dataclass(frozen=True)
class DroppedPlan:
    order_id: uuid.UUID
    reason_code: str
    reason: str


@dataclass(frozen=True)
class MarketPlanResult:
    """A market's plan, ready to store; ``figures`` summarise it for people and benchmarks."""

    market_id: uuid.UUID
    market_code: str
    routes: tuple[PlannedRoute, ...]
    dropped: tuple[DroppedPlan, ...]
    figures: dict[str, Any] = field(default_factory=dict)


def load_market_plan_input(
    session: Session, market: Market, service_date: date, settings: Settings
) -> MarketPlanInput:
    """The market's plannable delivery orders for ``service_date`` and its available runners."""
    orders = session.exec(
        select(Order)
        .where(Order.market_id == market.id)
        .where(Order.service_date == service_date)
        .where(Order.fulfilment == Fulfilment.DELIVERY)
        .where(col(Order.status).in_(PLANNABLE))
        .order_by(col(Order.created_at), col(Order.idempotency_key))
    ).all()
    runners = session.exec(
        select(Runner)
        .where(Runner.market_id == market.id)
        .where(Runner.status == RunnerStatus.AVAILABLE)
        .order_by(col(Runner.name))
    ).all()
    return MarketPlanInput(
        market_id=market.id,
        market_code=market.code,
        lat=market.lat,
        lon=market.lon,
        service_date=service_date,
        timezone=settings.timezone,
        orders=tuple(
            OrderInput(
                id=o.id,
                external_id=o.idempotency_key,
                lat=o.lat,
                lon=o.lon,
                weight_g=o.weight_g,
                cod_rp=o.cod_rp,
                window_start=o.window_start,
                window_end=o.window_end,
                priority=o.priority,
                created_at=o.created_at,
            )
            for o in orders
            if o.lat is not None and o.lon is not None
        ),
        runners=tuple(
            RunnerInput(
                id=r.id,
                name=r.name,
                capacity_g=r.capacity_g,
                cash_cap_rp=r.cash_cap_rp,
                max_orders_per_trip=r.max_orders_per_trip,
                shift_start_s=r.shift_start.hour * 3600 + r.shift_start.minute * 60,
                shift_end_s=r.shift_end.hour * 3600 + r.shift_end.minute * 60,
            )
            for r in runners
        ),
        door_service_s=settings.door_service_s,
        picking_s=settings.picking_s,
        reload_s=settings.reload_s,
        asap_s=settings.asap_minutes * 60,
        circuity=settings.circuity,
        speed_kmh=settings.speed_kmh,
        parking_s=settings.parking_s,
    )


def build_problem(plan: MarketPlanInput) -> Problem:
    """The routing problem of ``plan``: location 0 is the market, order k is location k + 1."""
    travel = GreatCircleModel(plan.circuity, plan.speed_kmh, plan.parking_s)
    lat = np.array([plan.lat, *(o.lat for o in plan.orders)])
    lon = np.array([plan.lon, *(o.lon for o in plan.orders)])
    distance, duration = travel.matrices(lat, lon)
    midnight = _midnight(plan)
    first_shift = min((r.shift_start_s for r in plan.runners), default=0)
    stops = [
        Stop(
            location=k + 1,
            weight_g=o.weight_g,
            cash_rp=o.cod_rp,
            window=_window(o, midnight, first_shift, plan.asap_s),
            service_s=plan.door_service_s,
            picking_s=plan.picking_s,
            priority=max(0, o.priority),
            name=o.external_id,
        )
        for k, o in enumerate(plan.orders)
    ]
    vehicles = [
        Vehicle(
            start=0,
            end=0,
            shift=TimeWindow(r.shift_start_s, max(r.shift_start_s, r.shift_end_s)),
            capacity_g=r.capacity_g,
            cash_cap_rp=r.cash_cap_rp,
            max_orders_per_trip=r.max_orders_per_trip,
            name=r.name,
        )
        for r in plan.runners
    ]
    return Problem(0, stops, vehicles, distance, duration, reload_s=plan.reload_s)


def _midnight(plan: MarketPlanInput) -> datetime:
    tz = ZoneInfo(plan.timezone)
    return datetime.combine(plan.service_date, datetime.min.time(), tzinfo=tz)


def _seconds(moment: datetime, midnight: datetime) -> int:
    return max(0, int((moment - midnight).total_seconds()))


def _window(order: OrderInput, midnight: datetime, first_shift: int, asap_s: int) -> TimeWindow:
    """Hard when the customer gave one (one side open if only one is given); else soft."""
    day_end = 24 * 3600 - 1
    if order.window_start is None and order.window_end is None:
        ready = max(first_shift, _seconds(order.created_at, midnight))
        ready = min(ready, day_end)
        return TimeWindow(ready, min(ready + asap_s, day_end), soft=True, lateness_cost=1)
    start = 0 if order.window_start is None else _seconds(order.window_start, midnight)
    end = day_end if order.window_end is None else _seconds(order.window_end, midnight)
    return TimeWindow(min(start, day_end), max(min(end, day_end), min(start, day_end)))


def solve_market(plan: MarketPlanInput, time_limit_s: float, seed: int = 1) -> MarketPlanResult:
    """Solve one market (pure: no database); safe to run in a worker process."""
    started = time.perf_counter()
    if not plan.runners:
        dropped = tuple(
            DroppedPlan(o.id, "no_runner", "no runner is available at this market")
            for o in plan.orders
        )
        return MarketPlanResult(plan.market_id, plan.market_code, (), dropped, _figures(plan))
    problem = build_problem(plan)
    solution = solve_problem(problem, MaxRuntime(time_limit_s), SolveParams(seed=seed))
    problems = check_solution(problem, solution)
    if problems:
        msg = f"{plan.market_code}: the plan failed its check: {problems[:3]}"
        raise RuntimeError(msg)
    midnight = _midnight(plan)
    routes = []
    for route in solution.routes:
        if route.is_empty:
            continue
        stops = []
        for visit, prev in zip(route.visits[1:], route.visits, strict=False):
            if visit.kind is not VisitKind.DELIVERY:
                continue
            order = plan.orders[visit.stops[0]]
            leg_s = visit.arrival - prev.departure
            stops.append(
                PlannedStop(
                    order_id=order.id,
                    sequence=len(stops) + 1,
                    trip=visit.trip,
                    arrival=(midnight + timedelta(seconds=visit.arrival)).astimezone(UTC),
                    distance_m=visit.distance_m,
                    duration_s=leg_s,
                )
            )
        routes.append(
            PlannedRoute(
                runner_id=plan.runners[route.vehicle].id,
                distance_m=route.distance_m,
                duration_s=route.duration_s,
                trips=route.trips,
                stops=tuple(stops),
            )
        )
    dropped = tuple(
        DroppedPlan(plan.orders[d.stop].id, d.reason.value, d.detail) for d in solution.dropped
    )
    figures = _figures(plan) | {
        "routed": len(solution.served()),
        "dropped": len(dropped),
        "runners_used": len(routes),
        "trips": solution.num_trips,
        "distance_m": solution.distance_m,
        "lateness_s": solution.lateness_s,
        "objective": solution.objective,
        "solver_wall_s": round(solution.stats.wall_s, 3),
        "wall_s": round(time.perf_counter() - started, 3),
        "engine": solution.stats.engine,
    }
    return MarketPlanResult(plan.market_id, plan.market_code, tuple(routes), dropped, figures)


def _figures(plan: MarketPlanInput) -> dict[str, Any]:
    return {
        "market": plan.market_code,
        "orders": len(plan.orders),
        "runners": len(plan.runners),
        "routed": 0,
        "dropped": len(plan.orders) if not plan.runners else 0,
        "runners_used": 0,
        "trips": 0,
        "distance_m": 0,
    }


def store_market_result(
    session: Session, run: DispatchRun, result: MarketPlanResult, *, by: str = "dispatch"
) -> bool:
    """Write ``result`` into ``run`` (no commit); ``False`` when it was stored already.

    Orders on a route become ``assigned``; dropped ones go back to (or stay) ``pending``
    with the reason on the run. A result arriving twice (a retried task) is stored once.
    """
    already = session.exec(
        select(Route.id).where(Route.run_id == run.id).where(Route.market_id == result.market_id)
    ).first()
    stored_drop = session.exec(
        select(DroppedOrder.id)
        .join(Order, col(Order.id) == col(DroppedOrder.order_id))
        .where(DroppedOrder.run_id == run.id)
        .where(Order.market_id == result.market_id)
    ).first()
    if already is not None or stored_drop is not None:
        return False
    wanted: dict[uuid.UUID, OrderStatus] = {}
    for planned in result.routes:
        route = Route(
            run_id=run.id,
            runner_id=planned.runner_id,
            market_id=result.market_id,
            service_date=run.service_date,
            distance_m=planned.distance_m,
            duration_s=planned.duration_s,
            trips=planned.trips,
        )
        session.add(route)
        session.flush()
        for stop in planned.stops:
            session.add(
                RouteStop(
                    route_id=route.id,
                    order_id=stop.order_id,
                    sequence=stop.sequence,
                    trip=stop.trip,
                    planned_arrival=stop.arrival,
                    distance_m=stop.distance_m,
                    duration_s=stop.duration_s,
                )
            )
            wanted[stop.order_id] = OrderStatus.ASSIGNED
    for dropped in result.dropped:
        session.add(
            DroppedOrder(
                run_id=run.id,
                order_id=dropped.order_id,
                reason_code=dropped.reason_code,
                reason=dropped.reason,
            )
        )
        wanted[dropped.order_id] = OrderStatus.PENDING
    if wanted:
        orders = session.exec(select(Order).where(col(Order.id).in_(list(wanted)))).all()
        for order in orders:
            target = wanted[order.id]
            if order.status not in PLANNABLE:
                continue  # picked up or cancelled while the solve ran: leave it alone
            if order.status != target:
                move_status(session, order, target, by=by, reason=f"dispatch run {run.id}")
    session.flush()
    return True
