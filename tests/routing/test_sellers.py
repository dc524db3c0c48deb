"""Orders collected at a seller (``Stop.pickup``) instead of bought at the market.

On the straight road of :mod:`tests.routing.factories` (10 m/s): the market at 0 m, doors
and sellers at positions along it.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings

from routing import (
    DropReason,
    MaxIterations,
    Pickup,
    Problem,
    Solution,
    SolveParams,
    Stop,
    TimeWindow,
    VisitKind,
    check_solution,
    evaluate_plan,
    solve,
)
from tests.routing.factories import line_problem, runner
from tests.routing.test_properties import problems


def solved(problem: Problem, params: SolveParams | None = None) -> Solution:
    """Solve on a clock-free budget and insist the checker accepts the answer."""
    solution = solve(problem, MaxIterations(300), params)
    assert check_solution(problem, solution) == []
    return solution


def kinds(solution: Solution, vehicle: int = 0) -> list[tuple[str, tuple[int, ...]]]:
    """The route of ``vehicle`` as (kind, stops) pairs, start and end left out."""
    return [(v.kind.value, v.stops) for v in solution.routes[vehicle].visits[1:-1]]


def test_a_seller_order_is_collected_at_the_seller_before_its_door() -> None:
    """The runner rides to the seller, collects, then delivers; no market visit at all."""
    seller = Pickup(location=2, service_s=180)
    stops = [Stop(location=1, weight_g=5_000, pickup=seller)]
    solution = solved(line_problem([2000], stops, extra_points=[1000]))
    assert kinds(solution) == [("pickup", (0,)), ("delivery", (0,))]
    collect = solution.routes[0].visits[1]
    assert collect.location == 2
    assert collect.departure - collect.start >= 180
    assert collect.trip == 1
    assert solution.routes[0].trips == 1


def test_a_market_order_is_still_bought_at_the_market() -> None:
    """Without a pickup the goods come from the market, as before."""
    solution = solved(line_problem([2000], [Stop(location=1, weight_g=5_000)]))
    assert kinds(solution) == [("market", (0,)), ("delivery", (0,))]


def test_the_seller_is_visited_while_it_is_open() -> None:
    """A seller opening at 08:00 is visited at 08:00 or later, the delivery after it."""
    hours = TimeWindow(8 * 3600, 11 * 3600)
    stops = [Stop(location=1, weight_g=1_000, pickup=Pickup(location=2, window=hours))]
    solution = solved(line_problem([2000], stops, extra_points=[1000]))
    collect, deliver = solution.routes[0].visits[1:3]
    assert collect.kind is VisitKind.PICKUP
    assert collect.start >= 8 * 3600
    assert deliver.start >= collect.departure


def test_a_seller_closed_before_any_runner_arrives_is_dropped_with_its_reason() -> None:
    """A seller 3 km away that closes at 06:01 cannot be reached: pickup_unreachable."""
    hours = TimeWindow(5 * 3600, 6 * 3600 + 60)
    stops = [Stop(location=1, weight_g=1_000, pickup=Pickup(location=2, window=hours))]
    solution = solved(line_problem([1000], stops, extra_points=[3000]))
    assert [(d.stop, d.reason) for d in solution.dropped] == [(0, DropReason.PICKUP_UNREACHABLE)]


def test_a_seller_open_only_outside_the_shift_is_dropped_as_outside_shift() -> None:
    """Opening hours in the afternoon lie outside a morning shift."""
    hours = TimeWindow(14 * 3600, 16 * 3600)
    stops = [Stop(location=1, weight_g=1_000, pickup=Pickup(location=2, window=hours))]
    solution = solved(line_problem([1000], stops, extra_points=[3000]))
    assert [d.reason for d in solution.dropped] == [DropReason.OUTSIDE_SHIFT]


def test_the_ride_is_timed_from_the_seller() -> None:
    """Fish that may ride 250 s is fine 200 s from its seller, though 5 km from the market;
    with 150 s it cannot make the direct 200 s ride and is dropped."""
    fish = Stop(location=1, weight_g=1_000, max_ride_s=250, pickup=Pickup(location=2))
    solution = solved(line_problem([5000], [fish], extra_points=[3000]))
    assert solution.served() == {0}
    quick = replace(fish, max_ride_s=150)
    solution = solved(line_problem([5000], [quick], extra_points=[3000]))
    assert [d.reason for d in solution.dropped] == [DropReason.RIDE_TIME_UNREACHABLE]


def test_a_market_trip_and_seller_pickups_combine_in_one_trip() -> None:
    """A market order and a seller order on the same side go out together: market, seller,
    doors; the load counts both once the second is collected."""
    stops = [
        Stop(location=1, weight_g=10_000),
        Stop(location=2, weight_g=10_000, pickup=Pickup(location=3)),
    ]
    solution = solved(line_problem([2000, 2100], stops, extra_points=[1000]))
    assert solution.routes[0].trips == 1
    assert [k for k, _ in kinds(solution)] == ["market", "pickup", "delivery", "delivery"]
    assert max(v.load_g for v in solution.routes[0].visits) == 20_000


def test_the_load_on_board_counts_seller_goods_against_the_capacity() -> None:
    """A 30 kg market order and a 30 kg seller order never ride together on a 40 kg bike."""
    stops = [
        Stop(location=1, weight_g=30_000),
        Stop(location=2, weight_g=30_000, pickup=Pickup(location=3)),
    ]
    solution = solved(line_problem([2000, 2100], stops, extra_points=[1000]))
    assert solution.served() == {0, 1}
    assert max(v.load_g for v in solution.routes[0].visits) == 30_000


def test_goods_from_a_seller_ride_across_a_market_visit() -> None:
    """A runner out west beside a seller collects there, loads at the market and delivers
    both east: the seller's goods stay on board through the market visit (trip 1 to 2)."""
    stops = [
        Stop(location=1, weight_g=5_000),
        Stop(location=2, weight_g=5_000, pickup=Pickup(location=3)),
    ]
    vehicles = [runner(start=4)]
    problem = line_problem([1000, 1100], stops, vehicles, extra_points=[-1000, -1200])
    solution = solved(problem)
    assert [k for k, _ in kinds(solution)] == ["pickup", "market", "delivery", "delivery"]
    visits = solution.routes[0].visits
    assert [v.trip for v in visits[1:-1]] == [1, 2, 2, 2]
    assert visits[2].load_g == 10_000  # the seller's goods and the market's


def test_cash_from_seller_orders_is_handed_in_at_the_market() -> None:
    """Two Rp 100.000 seller orders on a Rp 150.000 cap: the runner hands in cash at the
    market between them; with a Rp 300.000 cap it needs no market at all."""
    stops = [
        Stop(location=k, weight_g=1_000, cash_rp=100_000, pickup=Pickup(location=3)) for k in (1, 2)
    ]
    capped = solved(
        line_problem([2000, 2200], stops, [runner(cash_cap_rp=150_000)], extra_points=[1000])
    )
    assert capped.served() == {0, 1}
    assert VisitKind.MARKET in {v.kind for v in capped.routes[0].visits}
    assert max(v.cash_rp for v in capped.routes[0].visits) == 100_000
    roomy = solved(
        line_problem([2000, 2200], stops, [runner(cash_cap_rp=300_000)], extra_points=[1000])
    )
    assert VisitKind.MARKET not in {v.kind for v in roomy.routes[0].visits}


def test_a_carried_seller_order_may_ride_across_a_market_visit() -> None:
    """Seller goods already on board need not be delivered before the runner loads at the
    market: beside the market, it loads first and delivers both on one ride east."""
    stops = [Stop(location=1, weight_g=5_000, pickup=Pickup(location=3)), Stop(location=2)]
    vehicles = [runner(start=4, carried=(0,))]
    problem = line_problem([1000, 1100], stops, vehicles, extra_points=[-2000, -100])
    solution = solved(problem)
    assert [k for k, _ in kinds(solution)] == ["market", "delivery", "delivery"]


def test_a_carried_market_order_is_still_delivered_before_loading_again() -> None:
    """The same morning with market goods on board: they go out before the market visit."""
    stops = [Stop(location=1, weight_g=5_000), Stop(location=2)]
    vehicles = [runner(start=3, carried=(0,))]
    solution = solved(line_problem([1000, 1100], stops, vehicles, extra_points=[-100]))
    assert [k for k, _ in kinds(solution)][:2] == ["delivery", "market"]


def test_a_previous_plan_with_a_seller_pickup_is_kept_when_changing_costs() -> None:
    """Re-planning reads a plan listing a seller order at its pickup and at its delivery."""
    stops = [
        Stop(location=1, weight_g=5_000),
        Stop(location=2, weight_g=5_000, pickup=Pickup(location=3)),
    ]
    base = line_problem([1000, 1100], stops, [runner(start=4)], extra_points=[-1000, -1200])
    previous = (((1,), (0, 1)),)  # collect 1, then a market trip delivering 0 and 1
    problem = replace(base, previous=previous, move_cost=50_000, reorder_cost=10_000)
    solution = solved(problem)
    assert solution.stats.engine == "previous+ortools"
    assert [k for k, _ in kinds(solution)] == ["pickup", "market", "delivery", "delivery"]


def test_a_plan_lists_a_seller_order_twice_or_once() -> None:
    """In a bare plan a seller order is listed at its pickup and its delivery; listed once
    it is collected just before its delivery."""
    stops = [Stop(location=1, weight_g=1_000, pickup=Pickup(location=2))]
    problem = line_problem([2000], stops, extra_points=[1000])
    for plan in ([[[0, 0]]], [[[0]]]):
        evaluation = evaluate_plan(problem, plan)
        assert evaluation.feasible
        visits = evaluation.routes[0].visits
        assert [v.kind for v in visits[1:-1]] == [VisitKind.PICKUP, VisitKind.DELIVERY]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(with_sellers=True))
def test_seller_orders_are_served_once_and_checked(problem: Problem) -> None:
    """With orders collected at sellers (some on board already, some sellers with hours),
    each order is delivered once or dropped with a reason, each collected one collected
    before its delivery on the same route, and the checker accepts the plan."""
    solution = solve(problem, MaxIterations(200))
    assert check_solution(problem, solution) == []
    served = [s for r in solution.routes for s in r.deliveries]
    assert sorted(served + [d.stop for d in solution.dropped]) == list(range(len(problem.stops)))
    carried = problem.carrier_of()
    for route in solution.routes:
        for s in route.deliveries:
            if problem.stops[s].pickup is not None and s not in carried:
                assert route.pickups.count(s) == 1
