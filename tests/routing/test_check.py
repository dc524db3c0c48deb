"""The checker itself: for every rule, a plan it must refuse for that rule and one it accepts.

Plans are scheduled by :func:`routing.check.schedule_trips` (the checker's own earliest
schedule), so a broken plan breaks one rule and nothing else; where no plan breaks a rule
alone (a time or a figure reported wrong), the scheduled plan is altered by hand or scheduled
on a problem that differs from the checked one in one respect only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import pytest

from routing import (
    Dropped,
    DropReason,
    Pickup,
    Problem,
    Route,
    Rule,
    Solution,
    Statistics,
    Stop,
    TimeWindow,
    VisitKind,
    check_solution,
)
from routing.check import schedule_trips
from tests.routing.factories import line_problem, runner

Plan = Sequence[Sequence[Sequence[int]]]


def planned(
    problem: Problem,
    plan: Plan,
    dropped: Sequence[int] = (),
    scheduled_on: Problem | None = None,
) -> Solution:
    """``plan`` (per vehicle, trips of stops) as a solution, the ``dropped`` stops explained;
    scheduled on ``scheduled_on`` (default: ``problem``)."""
    on = scheduled_on or problem
    routes = tuple(
        schedule_trips(on, v, plan[v] if v < len(plan) else []) for v in range(len(on.vehicles))
    )
    return Solution(
        routes=routes,
        dropped=tuple(Dropped(s, DropReason.NO_CAPACITY_LEFT, "no room left") for s in dropped),
        objective=0,
        status="feasible",
        stats=Statistics(wall_s=0.0, first_solution_s=0.0, engine="test"),
    )


def altered(solution: Solution, vehicle: int, change: Callable[[Route], Route]) -> Solution:
    """``solution`` with one route changed by ``change``."""
    routes = list(solution.routes)
    routes[vehicle] = change(routes[vehicle])
    return replace(solution, routes=tuple(routes))


def visit_changed(route: Route, kind: VisitKind, nth: int, **changes: int) -> Route:
    """``route`` with its ``nth`` visit of ``kind`` changed."""
    positions = [i for i, v in enumerate(route.visits) if v.kind is kind]
    visits = list(route.visits)
    visits[positions[nth]] = replace(visits[positions[nth]], **changes)  # type: ignore[arg-type]
    return replace(route, visits=tuple(visits))


def with_stops(problem: Problem, stops: Sequence[Stop]) -> Problem:
    return replace(problem, stops=tuple(stops))


@dataclass(frozen=True)
class Case:
    """A plan, and the rules the checker must name (none: it must accept the plan)."""

    name: str
    problem: Problem
    solution: Solution
    rules: frozenset[Rule] = frozenset()


def kg(weight: int, **more: object) -> Callable[[int], Stop]:
    """Stops of ``weight`` kg at door k (location k + 1)."""
    return lambda k: Stop(location=k + 1, weight_g=weight * 1000, **more)  # type: ignore[arg-type]


def doors(positions: Sequence[int], stop: Callable[[int], Stop], **kwargs: object) -> Problem:
    """A line problem with doors at ``positions`` and a stop per door made by ``stop``."""
    stops = [stop(k) for k in range(len(positions))]
    return line_problem(positions, stops, **kwargs)  # type: ignore[arg-type]


def cases() -> list[Case]:
    out: list[Case] = []

    def pair(name: str, rule: Rule, problem: Problem, good: Solution, bad: Solution) -> None:
        out.append(Case(f"{name}-kept", problem, good))
        out.append(Case(f"{name}-broken", problem, bad, frozenset({rule})))

    two = doors([1000, 2000], kg(1))
    pair("served once", Rule.SERVED_ONCE, two, planned(two, [[[0, 1]]]), planned(two, [[[0]]]))
    out.append(
        Case(
            "served and dropped", two, planned(two, [[[0, 1]]], [1]), frozenset({Rule.SERVED_ONCE})
        )
    )
    pair_of_runners = doors([1000, 2000], kg(1), vehicles=[runner(), runner()])
    out.append(
        Case(
            "delivered twice",
            pair_of_runners,
            planned(pair_of_runners, [[[0, 1]], [[1]]]),
            frozenset({Rule.SERVED_ONCE}),
        )
    )
    pair(
        "routes",
        Rule.ROUTES,
        pair_of_runners,
        planned(pair_of_runners, [[[0]], [[1]]]),
        replace(planned(pair_of_runners, [[[0, 1]]]), routes=planned(two, [[[0, 1]]]).routes),
    )
    unexplained = replace(
        planned(two, [[[0]]], [1]), dropped=(Dropped(1, DropReason.NO_CAPACITY_LEFT, ""),)
    )
    pair("dropped", Rule.DROPPED, two, planned(two, [[[0]]], [1]), unexplained)

    heavy = doors([1000, 2000], kg(30))
    pair("capacity", Rule.CAPACITY, heavy, planned(heavy, [[[0], [1]]]), planned(heavy, [[[0, 1]]]))
    one_slot = doors([1000, 2000], kg(1), vehicles=[runner(max_orders_per_trip=1)])
    pair(
        "slots",
        Rule.SLOTS,
        one_slot,
        planned(one_slot, [[[0], [1]]]),
        planned(one_slot, [[[0, 1]]]),
    )
    capped = doors([1000, 2000], kg(1, cash_rp=100_000), vehicles=[runner(cash_cap_rp=150_000)])
    pair(
        "cash per trip",
        Rule.CASH,
        capped,
        planned(capped, [[[0], [1]]]),
        planned(capped, [[[0, 1]]]),
    )
    # Cash on hand counts until the first market visit: with Rp 100.000 held, a carried
    # Rp 100.000 order breaks a Rp 150.000 cap; with Rp 50.000 held it does not.
    for held, rules in ((50_000, frozenset()), (100_000, frozenset({Rule.CASH}))):
        holding = runner(start=3, carried=(0,), cash_cap_rp=150_000, cash_on_hand_rp=held)
        problem = doors(
            [1000, 2000], kg(1, cash_rp=100_000), vehicles=[holding], extra_points=[500]
        )
        out.append(Case(f"cash on hand {held}", problem, planned(problem, [[[0], [1]]]), rules))

    soon = TimeWindow(6 * 3600, 6 * 3600 + 300)
    windowed = with_stops(two, [Stop(location=1, service_s=120), Stop(location=2, window=soon)])
    pair(
        "hard window",
        Rule.WINDOW,
        windowed,
        planned(windowed, [[[1, 0]]]),
        planned(windowed, [[[0, 1]]]),
    )
    later = TimeWindow(7 * 3600, 8 * 3600)
    opening = with_stops(two, [Stop(location=1, window=later), Stop(location=2)])
    on_time = planned(opening, [[[0, 1]]])
    early = 600  # leaves the market and reaches door 0 ten minutes before it opens

    def too_early(route: Route) -> Route:
        market = next(v for v in route.visits if v.kind is VisitKind.MARKET)
        door = next(v for v in route.visits if v.kind is VisitKind.DELIVERY)
        route = visit_changed(
            route,
            VisitKind.MARKET,
            0,
            departure=market.departure - early,
            waiting=market.waiting - early,
        )
        return visit_changed(
            route,
            VisitKind.DELIVERY,
            0,
            arrival=door.arrival - early,
            start=door.start - early,
            departure=door.departure - early,
        )

    pair("window opens", Rule.WINDOW, opening, on_time, altered(on_time, 0, too_early))
    lax = TimeWindow(6 * 3600, 6 * 3600 + 300, soft=True, lateness_cost=1)
    late = with_stops(two, [Stop(location=1, service_s=120), Stop(location=2, window=lax)])
    served_late = planned(late, [[[0, 1]]])
    assert served_late.routes[0].lateness_s > 0
    pair(
        "soft window lateness",
        Rule.REPORTED,
        late,
        served_late,
        altered(served_late, 0, lambda r: replace(r, lateness_s=0)),
    )

    # One trip to 1 km and 2 km takes 400 s, two trips 600 s.
    short = doors(
        [1000, 2000], kg(1), vehicles=[runner(shift=TimeWindow(6 * 3600, 6 * 3600 + 500))]
    )
    pair("shift", Rule.SHIFT, short, planned(short, [[[0, 1]]]), planned(short, [[[0], [1]]]))
    brief = doors([1000, 2000], kg(1), vehicles=[runner(max_duration_s=500)])
    pair(
        "max duration",
        Rule.MAX_DURATION,
        brief,
        planned(brief, [[[0, 1]]]),
        planned(brief, [[[0], [1]]]),
    )
    once = doors([1000, 2000], kg(30), vehicles=[runner(max_trips=1)])
    pair(
        "max trips", Rule.MAX_TRIPS, once, planned(once, [[[0]]], [1]), planned(once, [[[0], [1]]])
    )
    fish = with_stops(two, [Stop(location=1, service_s=120), Stop(location=2, max_ride_s=250)])
    pair("max ride", Rule.MAX_RIDE, fish, planned(fish, [[[1, 0]]]), planned(fish, [[[0, 1]]]))

    # Times: scheduled on a problem without reload, picking or service time, or with faster
    # travel, and checked on the real one.
    reloading = doors([1000, 2000], kg(30), reload_s=300)
    no_reload = doors([1000, 2000], kg(30))
    pair(
        "reload time",
        Rule.SERVICE,
        reloading,
        planned(reloading, [[[0], [1]]]),
        planned(reloading, [[[0], [1]]], scheduled_on=no_reload),
    )
    picking = doors([1000, 2000], kg(1, picking_s=600))
    pair(
        "picking time",
        Rule.SERVICE,
        picking,
        planned(picking, [[[0, 1]]]),
        planned(picking, [[[0, 1]]], scheduled_on=two),
    )
    serving = doors([1000, 2000], kg(1, service_s=120))
    pair(
        "service time",
        Rule.SERVICE,
        serving,
        planned(serving, [[[0, 1]]]),
        planned(serving, [[[0, 1]]], scheduled_on=two),
    )
    faster = replace(two, duration_s=two.duration_s // 2)
    pair(
        "travel",
        Rule.TRAVEL,
        two,
        planned(two, [[[0, 1]]]),
        planned(two, [[[0, 1]]], scheduled_on=faster),
    )

    # Places: door 0 and door 1 are at the same spot, so delivering at the wrong one drives
    # the same metres.
    twins = doors([1000, 1000], kg(1))
    swapped = with_stops(
        twins, [Stop(location=2, weight_g=1_000), Stop(location=1, weight_g=1_000)]
    )
    pair(
        "places",
        Rule.PLACES,
        twins,
        planned(twins, [[[0, 1]]]),
        planned(twins, [[[0, 1]]], scheduled_on=swapped),
    )

    pinned = with_stops(
        pair_of_runners, [Stop(location=1, weight_g=1_000, vehicles=(1,)), Stop(location=2)]
    )
    pair(
        "pin",
        Rule.PIN,
        pinned,
        planned(pinned, [[[1]], [[0]]]),
        planned(pinned, [[[0]], [[1]]]),
    )
    locked = doors([1000, 2000], kg(1), vehicles=[runner(locked=(1, 0))])
    pair("lock order", Rule.LOCK, locked, planned(locked, [[[1, 0]]]), planned(locked, [[[0, 1]]]))
    locked_to_1 = doors([1000, 2000], kg(1), vehicles=[runner(), runner(locked=(0,))])
    pair(
        "lock runner",
        Rule.LOCK,
        locked_to_1,
        planned(locked_to_1, [[[1]], [[0]]]),
        planned(locked_to_1, [[[0]], [[1]]]),
    )
    carrying = doors(
        [1000, 2000, 3000],
        kg(1),
        vehicles=[runner(start=4, carried=(0, 1), carried_in_order=True)],
        extra_points=[2500],
    )
    pair(
        "carried in order",
        Rule.CARRIED,
        carrying,
        planned(carrying, [[[0, 1], [2]]]),
        planned(carrying, [[[1, 0], [2]]]),
    )
    out.append(
        Case(
            "carried stop dropped",
            carrying,
            planned(carrying, [[[0], [2]]], [1]),
            frozenset({Rule.DROPPED, Rule.CARRIED}),  # and so it is never delivered
        )
    )
    # Weightless goods: a market visit that forgets to load stop 1 changes no load figure.
    weightless = doors([1000, 2000], kg(0))
    forgot = altered(
        planned(weightless, [[[0, 1]]]),
        0,
        lambda r: visit_changed(r, VisitKind.MARKET, 0, stops=(0,)),
    )
    pair("loading", Rule.LOADING, weightless, planned(weightless, [[[0, 1]]]), forgot)
    numbered = planned(two, [[[0], [1]]])
    pair(
        "trip numbers",
        Rule.TRIP_NUMBERS,
        two,
        numbered,
        altered(numbered, 0, lambda r: visit_changed(r, VisitKind.DELIVERY, 1, trip=1)),
    )
    plain = planned(two, [[[0, 1]]])
    for figure, change in (
        ("distance", lambda r: replace(r, distance_m=r.distance_m + 1)),
        ("duration", lambda r: replace(r, duration_s=r.duration_s - 1)),
        ("leg", lambda r: visit_changed(r, VisitKind.DELIVERY, 0, distance_m=1)),
        ("load", lambda r: visit_changed(r, VisitKind.DELIVERY, 0, load_g=0)),
        ("cash", lambda r: visit_changed(r, VisitKind.DELIVERY, 0, cash_rp=1)),
        ("waiting", lambda r: visit_changed(r, VisitKind.DELIVERY, 0, waiting=5)),
    ):
        out.append(
            Case(f"reported {figure}", two, altered(plain, 0, change), frozenset({Rule.REPORTED}))
        )
    out += seller_cases()
    return out


def seller_cases() -> list[Case]:
    """Rules as they apply to orders collected at a seller (``Stop.pickup``)."""
    out: list[Case] = []

    def pair(name: str, rule: Rule, problem: Problem, good: Solution, bad: Solution) -> None:
        out.append(Case(f"seller {name}-kept", problem, good))
        out.append(Case(f"seller {name}-broken", problem, bad, frozenset({rule})))

    # Door 0 at 2 km (its seller at 1 km, location 3), door 1 at 1.5 km (a market order).
    def problem(seller: Pickup, first: Stop | None = None, second: Stop | None = None) -> Problem:
        stops = [
            first or Stop(location=1, weight_g=1_000, pickup=seller),
            second or Stop(location=2, weight_g=1_000),
        ]
        return line_problem([2000, 1500], stops, extra_points=[1000, 1000])

    at_seller = Pickup(location=3)
    plain = problem(at_seller)
    # Open until 06:05: collected first it is on time; after a 400 s delivery it is not.
    until_0605 = Pickup(location=3, window=TimeWindow(5 * 3600, 6 * 3600 + 300))
    closing = problem(until_0605, second=Stop(location=2, weight_g=1_000, service_s=400))
    pair(
        "hours",
        Rule.WINDOW,
        closing,
        planned(closing, [[[0, 0], [1]]]),
        planned(closing, [[[1, 0, 0]]]),
    )
    twin = problem(Pickup(location=4))  # a seller at the same spot as location 3
    pair(
        "collected elsewhere",
        Rule.PLACES,
        plain,
        planned(plain, [[[0, 0, 1]]]),
        planned(plain, [[[0, 0, 1]]], scheduled_on=twin),
    )
    at_market = problem(at_seller, first=Stop(location=1, weight_g=1_000))
    pair(
        "bought at the market",
        Rule.PLACES,
        plain,
        planned(plain, [[[0, 0, 1]]]),
        planned(plain, [[[0, 1]]], scheduled_on=at_market),
    )
    slow = problem(Pickup(location=3, service_s=180))
    pair(
        "service at the seller",
        Rule.SERVICE,
        slow,
        planned(slow, [[[0, 0, 1]]]),
        planned(slow, [[[0, 0, 1]]], scheduled_on=plain),
    )
    fish = problem(
        at_seller,
        first=Stop(location=1, weight_g=1_000, max_ride_s=250, pickup=at_seller),
        second=Stop(location=2, weight_g=1_000, service_s=200),
    )
    pair(
        "ride from the seller",
        Rule.MAX_RIDE,
        fish,
        planned(fish, [[[1, 0, 0]]]),
        planned(fish, [[[0, 1, 0]]]),
    )
    heavy = problem(
        at_seller,
        first=Stop(location=1, weight_g=30_000, pickup=at_seller),
        second=Stop(location=2, weight_g=30_000),
    )
    # Collected first, the seller's 30 kg ride on through the market, where 30 kg more load.
    pair(
        "capacity across the market",
        Rule.CAPACITY,
        heavy,
        planned(heavy, [[[0, 0], [1]]]),
        planned(heavy, [[[0], [1, 0]]]),
    )
    seller_first = planned(plain, [[[0, 0], [1]]])
    pair(
        "trip numbers",
        Rule.TRIP_NUMBERS,
        plain,
        seller_first,
        altered(
            seller_first,
            0,
            lambda r: replace(r, visits=tuple(replace(v, trip=v.trip - 1) for v in r.visits)),
        ),
    )
    return out


CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_checker_names_exactly_the_rules_a_plan_breaks(case: Case) -> None:
    """A plan that keeps every rule is accepted; a broken one is refused for its rule only."""
    assert {v.rule for v in check_solution(case.problem, case.solution)} == case.rules


def test_every_rule_has_a_plan_the_checker_must_refuse() -> None:
    """No rule of the checker goes untested."""
    assert {rule for case in CASES for rule in case.rules} == set(Rule)


def test_a_violation_reads_as_a_sentence_naming_its_rule() -> None:
    """Violations are strings for people (logs, errors) that start with their rule."""
    heavy = doors([1000, 2000], kg(30))
    [violation] = check_solution(heavy, planned(heavy, [[[0, 1]]]))
    assert violation.rule is Rule.CAPACITY
    assert violation.startswith("capacity: vehicle 0: carries 60000 g on trip 1")
