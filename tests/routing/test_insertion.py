"""Inserting a new stop into a plan: which places are read, and that the check before a read
never turns away a place the model would accept."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing import (
    DropReason,
    MaxIterations,
    Problem,
    Stop,
    TimeWindow,
    check_solution,
    solve,
)
from routing.model import RoutingModel
from routing.solve import _read_parameters, may_hold
from tests.examples import scaled
from tests.routing.factories import line_problem
from tests.routing.test_properties import problems


def test_a_place_past_a_hard_window_is_refused_before_any_read() -> None:
    """Door 2 (2 km the other way, 200 s) is served by 06:05: first, yes; after door 1 (3 km
    out and back, 600 s), no."""
    stops = [
        Stop(location=1, weight_g=1_000),
        Stop(location=2, weight_g=1_000, window=TimeWindow(6 * 3600, 6 * 3600 + 300)),
    ]
    problem = line_problem([3000, -2000], stops)
    assert not may_hold(problem, 0, [[0, 1]])
    assert may_hold(problem, 0, [[1, 0]])


def test_a_trip_heavier_than_the_runner_is_refused_and_two_trips_are_not() -> None:
    """Two 25 kg orders on a 40 kg motorbike: not in one trip, yes in two."""
    stops = [Stop(location=k + 1, weight_g=25_000) for k in range(2)]
    problem = line_problem([1000, 2000], stops)
    assert not may_hold(problem, 0, [[0, 1]])
    assert may_hold(problem, 0, [[0], [1]])


def test_a_pinned_stop_on_another_runner_is_refused() -> None:
    """Stop 0 is pinned to runner 1: runner 0's trips with it cannot hold."""
    base = line_problem([1000])
    problem = replace(
        base,
        stops=[replace(base.stops[0], vehicles=(1,))],
        vehicles=[base.vehicles[0], base.vehicles[0]],
    )
    assert not may_hold(problem, 0, [[0]])
    assert may_hold(problem, 1, [[0]])


@st.composite
def vehicle_trips(draw: st.DrawFn) -> tuple[Problem, int, list[list[int]]]:
    """A random problem, one of its runners and trips of its stops for it (what a runner
    carries first, as the model wants it)."""
    problem = draw(problems(with_sellers=draw(st.booleans())))
    v = draw(st.integers(0, len(problem.vehicles) - 1))
    carrier = problem.carrier_of()
    carried = list(problem.vehicles[v].carried)
    free = [s for s in range(len(problem.stops)) if s not in carrier]
    chosen = draw(st.permutations(free))[: draw(st.integers(0, len(free)))]
    trips: list[list[int]] = [carried] if carried else []
    for s in chosen:
        if not trips or (trips[-1] and draw(st.booleans())) or trips[-1] is carried:
            trips.append([])
        trips[-1].append(s)
    return problem, v, [t for t in trips if t]


@pytest.mark.explore
@settings(max_examples=scaled(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(vehicle_trips())
def test_the_check_before_a_read_never_refuses_what_the_model_reads(
    case: tuple[Problem, int, list[list[int]]],
) -> None:
    """Whenever the OR-Tools model reads a runner's trips, `may_hold` let them through."""
    problem, v, trips = case
    model = RoutingModel(problem, range(len(problem.stops)))
    model.routing.CloseModelWithParameters(_read_parameters(2.0))
    plan = [[] for _ in problem.vehicles]
    plan[v] = trips
    if model.read_plan(plan) is not None:
        assert may_hold(problem, v, trips)


def test_a_new_stop_that_fits_nowhere_is_dropped_with_the_reason_and_the_rest_kept() -> None:
    """Re-planning with a previous plan of two 30 kg trips 3 km out on a 25-minute shift: a new
    15 kg order 2 km out fits in neither trip (45 kg) nor in a trip of its own (the shift
    ends), though alone it would: dropped as "no capacity left", the two kept on their trips."""
    stops = [Stop(location=k + 1, weight_g=30_000, priority=1) for k in range(2)]
    stops.append(Stop(location=3, weight_g=15_000))
    runner = replace(line_problem([]).vehicles[0], shift=TimeWindow(6 * 3600, 6 * 3600 + 1500))
    base = line_problem([3000, 3000, 2000], stops, [runner])
    problem = replace(base, previous=[[[0], [1]]], move_cost=5_000, reorder_cost=200)
    solution = solve(problem, MaxIterations(50))
    assert check_solution(problem, solution) == []
    assert [(d.stop, d.reason) for d in solution.dropped] == [(2, DropReason.NO_CAPACITY_LEFT)]
    assert solution.routes[0].deliveries == (0, 1)
