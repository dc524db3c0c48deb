"""One pair of tests per constraint: a case where it binds and one where it does not."""

from __future__ import annotations

import pytest

from routing import (
    DropReason,
    MaxIterations,
    MaxRuntime,
    Problem,
    Solution,
    SolveParams,
    Stop,
    StoppingCriterion,
    TimeWindow,
    VisitKind,
    check_solution,
    solve,
)
from tests.routing.factories import SHIFT, line_problem, runner


def fast() -> StoppingCriterion:
    """A clock-free budget: small problems solve in milliseconds, the same way every time."""
    return MaxIterations(300)


def solved(
    problem: Problem, stop: StoppingCriterion | None = None, params: SolveParams | None = None
) -> Solution:
    """Solve and insist the independent checker accepts the answer."""
    solution = solve(problem, stop or fast(), params)
    assert check_solution(problem, solution) == []
    return solution


def reasons(solution: Solution) -> dict[int, DropReason]:
    return {d.stop: d.reason for d in solution.dropped}


# -- load per trip -----------------------------------------------------------------------------


def test_trips_appear_when_the_load_needs_them() -> None:
    """Two 30 kg orders on a 40 kg motorbike take two trips."""
    stops = [Stop(location=1, weight_g=30_000), Stop(location=2, weight_g=30_000)]
    solution = solved(line_problem([1000, 1200], stops))
    assert solution.routes[0].trips == 2
    assert not solution.dropped


def test_one_trip_when_everything_fits() -> None:
    """Two 15 kg orders on a 40 kg motorbike go out together."""
    stops = [Stop(location=1, weight_g=15_000), Stop(location=2, weight_g=15_000)]
    solution = solved(line_problem([1000, 1200], stops))
    assert solution.routes[0].trips == 1


def test_heavy_order_is_dropped_with_reason() -> None:
    """A 300 kg order no runner can carry is dropped as exceeds_capacity, not split."""
    stops = [Stop(location=1, weight_g=300_000), Stop(location=2, weight_g=5_000)]
    solution = solved(line_problem([1000, 1200], stops))
    assert reasons(solution) == {0: DropReason.EXCEEDS_CAPACITY}
    assert solution.served() == {1}
    assert "300 kg" in solution.dropped[0].detail


def test_heavy_order_goes_to_the_runner_that_can_carry_it() -> None:
    """A 60 kg order rides with the runner whose load allows it."""
    stops = [Stop(location=1, weight_g=60_000)]
    vehicles = [runner(), runner(capacity_g=80_000)]
    solution = solved(line_problem([1000], stops, vehicles))
    assert solution.routes[1].deliveries == (0,)


def test_orders_per_trip_limit_splits_trips() -> None:
    """A limit of two orders per trip sends three light orders out in two trips."""
    stops = [Stop(location=k, weight_g=1_000) for k in (1, 2, 3)]
    solution = solved(line_problem([1000, 1100, 1200], stops, [runner(max_orders_per_trip=2)]))
    assert solution.routes[0].trips == 2


def test_no_orders_per_trip_limit_keeps_one_trip() -> None:
    """Without an order limit, three light orders go out together."""
    stops = [Stop(location=k, weight_g=1_000) for k in (1, 2, 3)]
    solution = solved(line_problem([1000, 1100, 1200], stops))
    assert solution.routes[0].trips == 1


def test_max_trips_binds() -> None:
    """A runner allowed one trip cannot take two full loads; one order is left out."""
    stops = [Stop(location=1, weight_g=30_000), Stop(location=2, weight_g=30_000)]
    solution = solved(line_problem([1000, 1200], stops, [runner(max_trips=1)]))
    assert len(solution.dropped) == 1
    assert solution.dropped[0].reason is DropReason.NO_CAPACITY_LEFT


# -- cash ----------------------------------------------------------------------------------------


def test_cash_cap_sends_the_runner_back_to_hand_in_cash() -> None:
    """With a Rp 150.000 cap, two Rp 100.000 orders go out on two trips (cash handed in)."""
    stops = [Stop(location=k, weight_g=1_000, cash_rp=100_000) for k in (1, 2)]
    solution = solved(line_problem([1000, 1200], stops, [runner(cash_cap_rp=150_000)]))
    assert solution.served() == {0, 1}
    assert solution.routes[0].trips == 2
    assert max(v.cash_rp for v in solution.routes[0].visits) == 100_000


def test_cash_cap_with_room_keeps_one_trip() -> None:
    """With a Rp 300.000 cap both Rp 100.000 orders go out together."""
    stops = [Stop(location=k, weight_g=1_000, cash_rp=100_000) for k in (1, 2)]
    solution = solved(line_problem([1000, 1200], stops, [runner(cash_cap_rp=300_000)]))
    assert solution.routes[0].trips == 1
    assert solution.routes[0].visits[-1].cash_rp == 200_000


def test_cash_over_the_cap_is_dropped() -> None:
    """An order collecting more cash than a runner may hold is dropped as exceeds_capacity."""
    stops = [Stop(location=1, weight_g=1_000, cash_rp=2_000_000)]
    solution = solved(line_problem([1000], stops, [runner(cash_cap_rp=1_500_000)]))
    assert reasons(solution) == {0: DropReason.EXCEEDS_CAPACITY}


# -- windows -------------------------------------------------------------------------------------


def test_hard_window_is_respected() -> None:
    """An order wanted from 08:00 is served at 08:00 or later, not at the shift start."""
    window = TimeWindow(8 * 3600, 9 * 3600)
    stops = [Stop(location=1, weight_g=1_000, window=window)]
    solution = solved(line_problem([1000], stops))
    visit = next(v for v in solution.routes[0].visits if v.kind is VisitKind.DELIVERY)
    assert window.start <= visit.start <= window.end


def test_unreachable_window_is_dropped_with_reason() -> None:
    """An order due at 06:01 cannot be reached from the market in time: window_unreachable."""
    stops = [Stop(location=1, weight_g=1_000, window=TimeWindow(6 * 3600, 6 * 3600 + 60))]
    solution = solved(line_problem([5000], stops))
    assert reasons(solution) == {0: DropReason.WINDOW_UNREACHABLE}


def test_window_outside_the_shift_is_dropped_as_outside_shift() -> None:
    """An order wanted in the afternoon lies outside a morning shift."""
    stops = [Stop(location=1, weight_g=1_000, window=TimeWindow(14 * 3600, 15 * 3600))]
    solution = solved(line_problem([1000], stops))
    assert reasons(solution) == {0: DropReason.OUTSIDE_SHIFT}


def test_soft_window_allows_lateness_at_a_cost() -> None:
    """A soft 06:01 deadline is served late, and the lateness is reported, not dropped."""
    window = TimeWindow(6 * 3600, 6 * 3600 + 60, soft=True, lateness_cost=1)
    stops = [Stop(location=1, weight_g=1_000, window=window)]
    solution = solved(line_problem([5000], stops))
    assert solution.served() == {0}
    assert solution.lateness_s == solution.routes[0].lateness_s > 0


def test_soft_window_that_can_be_met_has_no_lateness() -> None:
    """A soft window that the runner can meet costs nothing."""
    window = TimeWindow(6 * 3600, 8 * 3600, soft=True, lateness_cost=1)
    stops = [Stop(location=1, weight_g=1_000, window=window)]
    assert solved(line_problem([5000], stops)).lateness_s == 0


def test_tight_windows_order_the_deliveries() -> None:
    """The far door wanted first is visited first, although the near one is on the way."""
    stops = [
        Stop(location=1, weight_g=1_000, window=TimeWindow(7 * 3600, 8 * 3600)),
        Stop(location=2, weight_g=1_000, window=TimeWindow(6 * 3600, 6 * 3600 + 900)),
    ]
    solution = solved(line_problem([1000, 2000], stops))
    assert solution.routes[0].deliveries == (1, 0)


# -- ride time, picking and reload ---------------------------------------------------------------


def test_max_ride_time_forces_a_direct_ride() -> None:
    """Fish that may ride 250 s goes straight to its door rather than after the near stop."""
    stops = [
        Stop(location=1, weight_g=1_000, service_s=120),
        Stop(location=2, weight_g=1_000, max_ride_s=250),
    ]
    solution = solved(line_problem([1000, 2000], stops))
    route = solution.routes[0]
    delivery = next(v for v in route.visits if v.stops == (1,))
    market = next(v for v in route.visits if v.kind is VisitKind.MARKET and v.trip == delivery.trip)
    assert delivery.arrival - market.departure <= 250


def test_without_ride_limit_the_near_stop_comes_first() -> None:
    """Without a ride limit both orders share one trip, near door first."""
    stops = [Stop(location=1, weight_g=1_000, service_s=120), Stop(location=2, weight_g=1_000)]
    solution = solved(line_problem([1000, 2000], stops))
    assert solution.routes[0].deliveries == (0, 1)
    assert solution.routes[0].trips == 1


def test_ride_time_shorter_than_the_direct_ride_is_dropped() -> None:
    """A 60 s ride limit to a door 200 s away cannot be met: ride_time_unreachable."""
    stops = [Stop(location=1, weight_g=1_000, max_ride_s=60)]
    solution = solved(line_problem([2000], stops))
    assert reasons(solution) == {0: DropReason.RIDE_TIME_UNREACHABLE}


def test_picking_time_is_spent_at_the_market() -> None:
    """Buying the goods (picking) keeps the runner at the market before it leaves."""
    stops = [Stop(location=k, weight_g=1_000, picking_s=600) for k in (1, 2)]
    solution = solved(line_problem([1000, 1200], stops))
    market = next(v for v in solution.routes[0].visits if v.kind is VisitKind.MARKET)
    assert market.departure - market.arrival >= 1200


def test_reload_time_counts_on_returns_only() -> None:
    """Parking and loading (reload) is spent on the return to the market, not at the start."""
    stops = [Stop(location=1, weight_g=30_000), Stop(location=2, weight_g=30_000)]
    solution = solved(line_problem([1000, 1200], stops, reload_s=300))
    markets = [v for v in solution.routes[0].visits if v.kind is VisitKind.MARKET]
    assert markets[0].departure - markets[0].arrival < 300
    assert markets[1].departure - markets[1].arrival >= 300


# -- shift and duration --------------------------------------------------------------------------


def test_order_too_far_for_the_shift_is_dropped() -> None:
    """A door more than half a shift away cannot be served and returned from."""
    short = TimeWindow(6 * 3600, 6 * 3600 + 1000)
    stops = [Stop(location=1, weight_g=1_000)]
    solution = solved(line_problem([6000], stops, [runner(shift=short)]))
    assert reasons(solution) == {0: DropReason.OUTSIDE_SHIFT}


def test_max_duration_sends_work_to_a_second_runner() -> None:
    """A runner limited to 500 s cannot do both far orders, so another runner takes one."""
    stops = [Stop(location=1, weight_g=1_000), Stop(location=2, weight_g=1_000)]
    vehicles = [runner(max_duration_s=500), runner(max_duration_s=500)]
    solution = solved(line_problem([2000, -2000], stops, vehicles))
    assert all(r.duration_s <= 500 for r in solution.routes)
    assert solution.served() == {0, 1}


def test_runner_may_end_anywhere() -> None:
    """A runner that may end anywhere finishes at its last door without riding back."""
    stops = [Stop(location=1, weight_g=1_000)]
    solution = solved(line_problem([3000], stops, [runner(end=None)]))
    route = solution.routes[0]
    assert route.visits[-1].location == 1
    assert route.distance_m == 3000


# -- runners out on the road ---------------------------------------------------------------------


def test_carried_stops_are_delivered_in_the_locked_order() -> None:
    """Goods on board with a locked order are delivered first, in that order."""
    stops = [Stop(location=k, weight_g=1_000) for k in (1, 2, 3)]
    vehicles = [runner(carried=(1, 0), carried_in_order=True)]
    solution = solved(line_problem([1000, 2000, 500], stops, vehicles))
    assert solution.routes[0].deliveries[:2] == (1, 0)


def test_carried_stops_without_order_are_delivered_before_reloading() -> None:
    """Goods on board go out first in the shortest order, whatever order they were listed in."""
    stops = [Stop(location=k, weight_g=1_000) for k in (1, 2, 3)]
    vehicles = [runner(start=4, carried=(0, 1))]
    solution = solved(line_problem([1000, 2000, 500], stops, vehicles, extra_points=[2500]))
    route = solution.routes[0]
    assert route.deliveries[:2] == (1, 0)  # from 2.5 km out: 2 km door, then 1 km door
    assert route.visits[3].kind is VisitKind.MARKET


def test_runner_mid_shift_starts_where_it_is() -> None:
    """A runner reported 3 km out starts its route there, not at the market."""
    stops = [Stop(location=1, weight_g=1_000)]
    vehicles = [runner(start=2, shift=TimeWindow(8 * 3600, 12 * 3600))]
    solution = solved(line_problem([1000], stops, vehicles, extra_points=[3000]))
    first = solution.routes[0].visits[0]
    assert first.kind is VisitKind.START
    assert first.location == 2
    assert first.departure >= 8 * 3600


# -- balance -------------------------------------------------------------------------------------


def test_balance_cost_spreads_work_over_runners() -> None:
    """With a balance cost, four orders are shared by two runners."""
    stops = [Stop(location=k, weight_g=1_000, service_s=600) for k in (1, 2, 3, 4)]
    doors = [2000, 2100, 2200, 2300]
    solution = solved(line_problem(doors, stops, [runner(), runner()], balance_cost=100))
    assert all(r.deliveries for r in solution.routes)


def test_without_balance_one_runner_takes_the_cluster() -> None:
    """Without a balance cost, one runner serves a tight cluster in one trip."""
    stops = [Stop(location=k, weight_g=1_000, service_s=600) for k in (1, 2, 3, 4)]
    doors = [2000, 2100, 2200, 2300]
    solution = solved(line_problem(doors, stops, [runner(), runner()]))
    assert sorted(len(r.deliveries) for r in solution.routes) == [0, 4]


@pytest.mark.parametrize("engine", ["hybrid", "ortools"])
def test_both_engines_serve_a_small_morning(engine: str) -> None:
    """The OR-Tools-only path and the hybrid path both serve every order of a small day."""
    stops = [Stop(location=k, weight_g=8_000, service_s=120) for k in range(1, 9)]
    doors = [300 * k * (-1) ** k for k in range(1, 9)]
    params = SolveParams(engine=engine)  # type: ignore[arg-type]
    solution = solved(line_problem(doors, stops, [runner(), runner()]), MaxRuntime(1.0), params)
    assert solution.served() == set(range(8))
    assert SHIFT.start <= solution.routes[0].visits[0].departure


def test_orders_left_over_after_a_timed_search_are_explained_as_no_capacity_left() -> None:
    """When the runners' morning is full, leftovers are no_capacity_left, not unreachable."""
    stops = [Stop(location=k + 1, weight_g=30_000, service_s=600) for k in range(6)]
    short = TimeWindow(6 * 3600, 7 * 3600)
    problem = line_problem([1000 * (k + 1) for k in range(6)], stops, [runner(shift=short)])
    solution = solved(problem, MaxRuntime(0.5))
    assert solution.dropped
    assert {d.reason for d in solution.dropped} == {DropReason.NO_CAPACITY_LEFT}
