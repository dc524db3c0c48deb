"""Properties of the engine on random small problems (hypothesis)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import (
    MaxIterations,
    MaxRuntime,
    MultipleCriteria,
    NoImprovement,
    Pickup,
    Problem,
    Stop,
    StoppingCriterion,
    TimeWindow,
    Vehicle,
    VisitKind,
    check_solution,
)
from routing import solve as solve_problem
from tests.routing.factories import SHIFT


def deterministic() -> StoppingCriterion:
    """A clock-free budget: the same seed gives the same plan."""
    return MaxIterations(200)


#: Sellers in the problems ``with_sellers``: their places follow the runners' spots.
SELLERS = 2


@st.composite
def problems(draw: st.DrawFn, with_sellers: bool = False) -> Problem:
    """Up to 8 orders and 3 runners in a 6 km square; some heavy, some windowed, some carried;
    ``with_sellers``: some collected at one of two sellers (some with opening hours)."""
    n_stops = draw(st.integers(1, 8))
    n_veh = draw(st.integers(1, 3))
    n_points = n_stops + 1 + n_veh  # market, doors, a spot per runner mid-shift
    n_points += SELLERS if with_sellers else 0
    coords = np.array(
        draw(
            st.lists(
                st.tuples(st.integers(-3000, 3000), st.integers(-3000, 3000)),
                min_size=n_points,
                max_size=n_points,
            )
        )
    )
    distance = np.rint(np.hypot(*(coords[:, None, :] - coords[None, :, :]).T)).astype(int)
    duration = distance // 6 + 60 * (distance > 0)
    stops = []
    for k in range(n_stops):
        window = None
        if draw(st.booleans()):
            start = draw(st.integers(6 * 3600, 11 * 3600))
            length = draw(st.integers(300, 4 * 3600))
            soft = draw(st.booleans())
            window = TimeWindow(start, start + length, soft=soft, lateness_cost=int(soft))
        stops.append(
            Stop(
                location=k + 1,
                weight_g=draw(st.sampled_from([500, 3_000, 12_000, 25_000, 60_000])),
                cash_rp=draw(st.sampled_from([0, 50_000, 150_000])),
                window=window,
                service_s=draw(st.sampled_from([0, 60, 120])),
                picking_s=draw(st.sampled_from([0, 120])),
                max_ride_s=draw(st.sampled_from([None, None, 900])),
            )
        )
    free = list(range(n_stops))
    vehicles = []
    for v in range(n_veh):
        carried: tuple[int, ...] = ()
        start = 0
        if free and draw(st.booleans()):
            # Out on the road with one or two light orders on board.
            take = draw(st.integers(1, min(2, len(free))))
            carried = tuple(free[:take])
            free = free[take:]
            start = n_stops + 1 + v
            stops = [
                Stop(location=s.location, weight_g=1_000, window=None) if i in carried else s
                for i, s in enumerate(stops)
            ]
        vehicles.append(
            Vehicle(
                start=start,
                end=draw(st.sampled_from([0, None])),
                shift=SHIFT,
                capacity_g=draw(st.sampled_from([20_000, 40_000])),
                cash_cap_rp=draw(st.sampled_from([None, 300_000])),
                max_orders_per_trip=draw(st.sampled_from([None, 3])),
                carried=carried,
                carried_in_order=draw(st.booleans()),
            )
        )
    if with_sellers:
        first_seller = n_stops + 1 + n_veh
        hours = [None, TimeWindow(7 * 3600, 11 * 3600)]
        for s in range(n_stops):
            if draw(st.booleans()):
                pickup = Pickup(
                    location=first_seller + draw(st.integers(0, SELLERS - 1)),
                    service_s=draw(st.sampled_from([0, 180])),
                    window=draw(st.sampled_from(hours)),
                )
                stops[s] = replace(stops[s], pickup=pickup, picking_s=0)
    return Problem(0, stops, vehicles, distance, duration, reload_s=draw(st.sampled_from([0, 300])))


PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(problems())
def test_every_stop_is_routed_once_or_dropped_with_a_reason(problem: Problem) -> None:
    """Each stop is on exactly one route or dropped with a reason, never both, never lost."""
    solution = solve_problem(problem, deterministic())
    served = [s for r in solution.routes for s in r.deliveries]
    dropped = [d.stop for d in solution.dropped]
    assert sorted(served + dropped) == list(range(len(problem.stops)))
    assert all(d.reason and d.detail for d in solution.dropped)


@PROPERTY
@given(problems())
def test_the_checker_accepts_what_the_solver_returns(problem: Problem) -> None:
    """The independent checker finds nothing wrong: loads, cash, windows, shifts, ride times."""
    solution = solve_problem(problem, deterministic())
    assert check_solution(problem, solution) == []


@PROPERTY
@given(problems())
def test_runners_start_where_they_are_and_keep_their_load(problem: Problem) -> None:
    """A runner mid-shift starts at its position and delivers what it carries before reloading."""
    solution = solve_problem(problem, deterministic())
    for vehicle, route in zip(problem.vehicles, solution.routes, strict=True):
        assert route.visits[0].location == vehicle.start
        first_market = next(
            (i for i, v in enumerate(route.visits) if v.kind is VisitKind.MARKET), None
        )
        before = {s for v in route.visits[:first_market] for s in v.stops}
        assert set(vehicle.carried) <= before
        if vehicle.carried_in_order:
            assert route.deliveries[: len(vehicle.carried)] == vehicle.carried


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_same_seed_same_answer(problem: Problem) -> None:
    """With a clock-free budget, the same seed gives the same plan."""
    first = solve_problem(problem, deterministic())
    second = solve_problem(problem, deterministic())
    assert [r.deliveries for r in first.routes] == [r.deliveries for r in second.routes]
    assert first.objective == second.objective


def test_trips_appear_exactly_when_the_load_needs_them() -> None:
    """Orders adding up to k full loads need k trips, and never fewer."""
    for loads in (1, 2, 3):
        n = 2 * loads
        coords = [0] + [1000 + 10 * k for k in range(n)]
        x = np.array(coords)
        distance = np.abs(x[:, None] - x[None, :])
        stops = [Stop(location=k + 1, weight_g=20_000) for k in range(n)]
        vehicle = Vehicle(start=0, end=0, shift=SHIFT, capacity_g=40_000)
        problem = Problem(0, stops, [vehicle], distance, distance // 10)
        solution = solve_problem(problem, deterministic())
        assert solution.routes[0].trips == loads


def test_a_stalled_search_stops_before_its_time_limit() -> None:
    """With a stall limit, a solve of a trivial day returns long before its 60 s budget."""
    x = np.array([0, 1000, 2000])
    distance = np.abs(x[:, None] - x[None, :])
    stops = [Stop(location=1, weight_g=1_000), Stop(location=2, weight_g=1_000)]
    vehicle = Vehicle(start=0, end=0, shift=SHIFT, capacity_g=40_000)
    problem = Problem(0, stops, [vehicle], distance, distance // 10)
    solution = solve_problem(problem, MultipleCriteria([MaxRuntime(60), NoImprovement(0.2)]))
    assert solution.served() == {0, 1}
    assert solution.stats.wall_s < 30
