"""The only translation between a market's day and the routing engine.

`to_problem` turns a `MarketDay` into a `routing.Problem`: location 0 is the market, order k
is location k + 1, runner v starts at location len(orders) + 1 + v (the market, its reported
position or its planned place). Carried orders stay on their runner; a pin to a runner on
shift keeps the order there; a locked runner keeps the order of its stops; the current plan
is the search's start and leaving it is charged (move and reorder costs), so a plan changes
where it must. `from_solution` turns the solution back into routes: the stops already done
first, as they were, then the new visits, with the route's distance and duration counted
from its first departure to its last return, so they agree with the arrivals.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from dispatch.models import StopKind
from dispatch.planning.snapshot import (
    MarketDay,
    OrderInput,
    PlannedStop,
    RunnerState,
    SellerPickup,
)
from routing import Pickup, Problem, Solution, Stop, TimeWindow, Vehicle, VisitKind
from routing.matrix import GreatCircleModel

#: What a vehicle takes from its runner as it is (same names).
FROM_RUNNER = ("capacity_g", "cash_cap_rp", "max_orders_per_trip", "name")


def limits(runner: RunnerState, carried: Sequence[OrderInput]) -> dict[str, Any]:
    """The runner's load, cash cap and order slots for the plan. A runner who bought ahead
    (picked up a later trip's orders too) may carry more than its load: it still has to
    deliver all of it, so the plan takes what it carries as the limit (or no plan would
    exist); its later trips may then be filled up to that as well."""
    found = {name: getattr(runner, name) for name in FROM_RUNNER}
    found["capacity_g"] = max(found["capacity_g"], sum(o.weight_g for o in carried))
    if found["cash_cap_rp"] is not None:
        found["cash_cap_rp"] = max(found["cash_cap_rp"], sum(o.cod_rp for o in carried))
    if found["max_orders_per_trip"] is not None:
        found["max_orders_per_trip"] = max(found["max_orders_per_trip"], len(carried))
    return found


#: The visits of a solution that are stops of a stored route: deliveries, and pickups at
#: sellers (market visits, starts and ends are not stored).
STOP_KINDS: dict[VisitKind, StopKind] = {
    VisitKind.DELIVERY: StopKind.DELIVERY,
    VisitKind.PICKUP: StopKind.PICKUP,
}


@dataclass(frozen=True)
class PlannedRoute:
    """One runner's route: its stops in order, distance (metres), duration from its first
    departure to its last return (seconds) and trips."""

    runner_id: uuid.UUID
    distance_m: int
    duration_s: int
    trips: int
    stops: tuple[PlannedStop, ...]


@dataclass(frozen=True)
class DroppedPlan:
    """An order no route holds, and why."""

    order_id: uuid.UUID
    reason_code: str
    reason: str


def _seconds(moment: datetime, midnight: datetime) -> int:
    return max(0, int((moment - midnight).total_seconds()))


def window(order: OrderInput, midnight: datetime, first_shift: int, asap_s: int) -> TimeWindow:
    """Hard when the customer gave one (one side open if only one is given); else soft:
    within ``asap_s`` of the first shift start or of the order's arrival, if later."""
    day_end = 24 * 3600 - 1
    if order.window_start is None and order.window_end is None:
        ready = min(max(first_shift, _seconds(order.created_at, midnight)), day_end)
        return TimeWindow(ready, min(ready + asap_s, day_end), soft=True, lateness_cost=1)
    start = 0 if order.window_start is None else _seconds(order.window_start, midnight)
    end = day_end if order.window_end is None else _seconds(order.window_end, midnight)
    return TimeWindow(min(start, day_end), max(min(end, day_end), min(start, day_end)))


#: Lateness cost (per second) of an order on board whose window can no longer be kept.
CARRIED_LATENESS_COST = 10


def carried_window(hours: TimeWindow) -> TimeWindow:
    """An order on board is delivered, late if its window has passed meanwhile: its window
    becomes soft (lateness charged). Kept hard, a late runner makes the whole plan
    infeasible: the order could only be dropped, which no plan may do with goods on board,
    and the run failed its check."""
    if hours.soft:
        return hours
    return TimeWindow(hours.start, hours.end, soft=True, lateness_cost=CARRIED_LATENESS_COST)


def pickup(seller: SellerPickup, places: dict[str, int], day: MarketDay) -> Pickup:
    """Collecting an order's goods at ``seller``: at its place, while it is open (hard),
    taking ``seller_service_s``."""
    return Pickup(
        location=places[seller.code],
        service_s=day.seller_service_s,
        window=TimeWindow(seller.opens_s, max(seller.closes_s, seller.opens_s)),
        name=seller.code,
    )


def to_problem(day: MarketDay) -> Problem:
    """The routing problem of ``day`` (it needs at least one runner)."""
    orders = day.orders
    index = {o.id: k for k, o in enumerate(orders)}
    travel = GreatCircleModel(day.circuity, day.speed_kmh, day.parking_s)
    # Sellers whose goods are still to collect come after the runners' starts, one place
    # each however many of its orders the day has.
    sellers = list(dict.fromkeys(o.pickup for o in orders if o.pickup is not None))
    seller_at = {p.code: len(orders) + 1 + len(day.runners) + k for k, p in enumerate(sellers)}
    lat = np.array(
        [
            day.lat,
            *(o.lat for o in orders),
            *(r.start_lat for r in day.runners),
            *(p.lat for p in sellers),
        ]
    )
    lon = np.array(
        [
            day.lon,
            *(o.lon for o in orders),
            *(r.start_lon for r in day.runners),
            *(p.lon for p in sellers),
        ]
    )
    distance, duration = travel.matrices(lat, lon)
    midnight = day.midnight
    first_shift = min(r.start_s for r in day.runners)
    vehicle_of = {r.id: v for v, r in enumerate(day.runners)}
    on_duty = tuple(v for v, r in enumerate(day.runners) if r.on_shift)
    carried = day.carried_ids
    allowed: list[tuple[int, ...] | None] = []
    for order in orders:
        only: tuple[int, ...] | None = None
        if order.id not in carried:
            pinned = vehicle_of.get(order.pinned_runner_id) if order.pinned_runner_id else None
            if pinned is not None and day.runners[pinned].on_shift:
                only = (pinned,)
            elif len(on_duty) < len(day.runners):
                only = on_duty
        allowed.append(only)
    stops = [
        Stop(
            location=k + 1,
            weight_g=o.weight_g,
            cash_rp=o.cod_rp,
            window=carried_window(window(o, midnight, first_shift, day.asap_s))
            if o.id in carried
            else window(o, midnight, first_shift, day.asap_s),
            service_s=day.door_service_s,
            picking_s=0 if o.pickup is not None else day.picking_s,
            priority=max(0, o.priority),
            vehicles=allowed[k],
            name=o.external_id,
            pickup=None if o.pickup is None else pickup(o.pickup, seller_at, day),
        )
        for k, o in enumerate(orders)
    ]
    vehicles = []
    previous: list[list[list[int]]] = []
    for v, runner in enumerate(day.runners):
        begin = runner.start_s
        # Out on the road near (or past) the end of its shift, a runner still has to get back:
        # its day ends no earlier than that, or no plan at all would exist.
        home = begin + int(duration[len(orders) + 1 + v, 0])
        on_board = tuple(index[o] for o in runner.carried if o in index)
        trips = [
            [index[o] for o in trip if o in index and o not in carried] for trip in runner.trips
        ]
        locked: tuple[int, ...] = ()
        if runner.locked and runner.on_shift:
            # A stop pinned (moved) to another runner leaves the locked sequence: the lock
            # keeps the order of the stops the runner still has, it does not hold one back.
            locked = tuple(
                s for trip in trips for s in trip if allowed[s] is None or v in allowed[s]
            )
        vehicles.append(
            Vehicle(
                start=len(orders) + 1 + v,
                end=0,
                shift=TimeWindow(begin, max(runner.shift_end_s, home, begin)),
                carried=on_board,
                carried_in_order=runner.locked,
                locked=locked,
                **limits(runner, [orders[s] for s in on_board]),
            )
        )
        plan = [list(on_board)] if on_board else []
        previous.append(plan + [t for t in trips if t])
    has_previous = any(previous)
    return Problem(
        0,
        stops,
        vehicles,
        distance,
        duration,
        reload_s=day.reload_s,
        balance_cost=day.balance_cost,
        previous=previous if has_previous else None,
        move_cost=day.move_cost_m if has_previous else 0,
        reorder_cost=day.reorder_cost_m if has_previous else 0,
    )


def from_solution(
    day: MarketDay, solution: Solution
) -> tuple[tuple[PlannedRoute, ...], tuple[DroppedPlan, ...]]:
    """The routes of ``solution`` (done stops first, as they were) and the dropped orders."""
    midnight = day.midnight
    routes = []
    for v, runner in enumerate(day.runners):
        # No routes at all when the solver found no plan: everything is dropped, with reasons.
        route = solution.routes[v] if solution.routes else None
        if (route is None or route.is_empty) and not runner.done:
            continue
        # A done stop keeps its number as well as its arrival and trip: the runner's page
        # and the report show it as it was done (a stop done out of turn is not renumbered
        # to the head); the stops still to do follow it.
        planned = list(runner.done)
        done_upto = max((s.sequence for s in runner.done), default=0)
        last_trip = max((s.trip for s in runner.done), default=0)
        offset = last_trip - 1 if runner.carried else last_trip
        visits = route.visits if route is not None and not route.is_empty else ()
        for visit, prev in zip(visits[1:], visits, strict=False):
            if visit.kind not in STOP_KINDS:
                continue
            planned.append(
                PlannedStop(
                    order_id=day.orders[visit.stops[0]].id,
                    sequence=done_upto + len(planned) - len(runner.done) + 1,
                    trip=max(1, offset + visit.trip),
                    arrival=(midnight + timedelta(seconds=visit.arrival)).astimezone(UTC),
                    distance_m=visit.distance_m,
                    duration_s=visit.arrival - prev.departure,
                    kind=STOP_KINDS[visit.kind],
                )
            )
        if runner.done:
            first = runner.done[0]
            began = first.arrival - timedelta(seconds=first.duration_s)
        else:
            began = midnight + timedelta(seconds=visits[0].departure)
        if visits:
            ended = midnight + timedelta(seconds=visits[-1].arrival)
            distance = sum(s.distance_m for s in runner.done) + sum(v.distance_m for v in visits)
        else:
            ended = runner.done[-1].arrival
            distance = sum(s.distance_m for s in runner.done)
        routes.append(
            PlannedRoute(
                runner_id=runner.id,
                distance_m=distance,
                duration_s=max(0, int((ended - began).total_seconds())),
                trips=max((s.trip for s in planned), default=0),
                stops=tuple(planned),
            )
        )
    dropped = tuple(
        DroppedPlan(day.orders[d.stop].id, d.reason.value, d.detail) for d in solution.dropped
    )
    return tuple(routes), dropped
