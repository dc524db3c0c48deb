"""An independent validator of plans against their problem; it never trusts a solver.

Two entry points:

- :func:`check_solution` re-checks a :class:`~routing.solution.Solution`, schedule included:
  every stop served once or dropped, loads, cash, windows, shifts, ride times, trip structure,
  and the reported totals.
- :func:`evaluate_plan` takes a bare plan (per vehicle, a list of trips, each a list of stop
  indices), builds the earliest schedule for it and checks that; benchmarks use it to judge
  other solvers' routes on equal terms.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace

from routing.problem import Problem, Stop, Vehicle
from routing.solution import Dropped, Route, Solution, Visit, VisitKind


@dataclass(frozen=True)
class Evaluation:
    """The verdict on a bare plan."""

    feasible: bool
    violations: list[str]
    distance_m: int
    duration_s: int
    lateness_s: int
    trips: int
    unserved: list[int]
    """Stops on no route (allowed, but reported)."""
    routes: tuple[Route, ...]


def check_solution(problem: Problem, solution: Solution) -> list[str]:
    """Every way ``solution`` breaks ``problem``, as sentences; empty when it is valid."""
    problems = check_routes(problem, solution.routes)
    served = [s for r in solution.routes for s in r.deliveries]
    dropped = [d.stop for d in solution.dropped]
    if len(set(dropped)) != len(dropped):
        problems.append("a stop is listed as dropped twice")
    for s in set(served) & set(dropped):
        problems.append(f"stop {s} is both served and dropped")
    for s in set(range(len(problem.stops))) - set(served) - set(dropped):
        problems.append(f"stop {s} is neither served nor dropped")
    problems.extend(_check_dropped(problem, solution.dropped))
    if len(solution.routes) != len(problem.vehicles):
        problems.append(
            f"{len(solution.routes)} routes for {len(problem.vehicles)} vehicles (one each)"
        )
    elif [r.vehicle for r in solution.routes] != list(range(len(problem.vehicles))):
        problems.append("routes are not in vehicle order")
    return problems


def evaluate_plan(problem: Problem, plan: Sequence[Sequence[Sequence[int]]]) -> Evaluation:
    """Schedule ``plan`` as early as possible and check it.

    ``plan[v]`` lists vehicle v's trips in order; each trip lists stop indices in visiting
    order. A vehicle that carries stops delivers them as its first trip, which starts where
    the vehicle is; every other trip starts with loading at the market.
    """
    violations: list[str] = []
    if len(plan) > len(problem.vehicles):
        violations.append(f"plan has {len(plan)} routes for {len(problem.vehicles)} vehicles")
        plan = plan[: len(problem.vehicles)]
    routes = tuple(
        schedule_trips(problem, v, plan[v] if v < len(plan) else [])
        for v in range(len(problem.vehicles))
    )
    violations.extend(check_routes(problem, routes))
    served = [s for r in routes for s in r.deliveries]
    unserved = sorted(set(range(len(problem.stops))) - set(served))
    return Evaluation(
        feasible=not violations,
        violations=violations,
        distance_m=sum(r.distance_m for r in routes),
        duration_s=sum(r.duration_s for r in routes),
        lateness_s=sum(r.lateness_s for r in routes),
        trips=sum(r.trips for r in routes),
        unserved=unserved,
        routes=routes,
    )


def schedule_trips(problem: Problem, vehicle: int, trips: Sequence[Sequence[int]]) -> Route:
    """The earliest schedule of one vehicle's trips (see :func:`evaluate_plan`).

    The runner leaves as early as its shift allows, waits at a door that is not open yet, and
    leaves the market as late as it can without starting any delivery of the trip later.
    """
    veh = problem.vehicles[vehicle]
    dist, dur = problem.distance_m, problem.duration_s
    trips = [list(t) for t in trips if len(t) > 0]
    time = veh.shift.start
    trip = 1 if veh.carried else 0
    load = sum(problem.stops[s].weight_g for s in veh.carried)
    cash = veh.cash_on_hand_rp
    loc = veh.start
    visits = [Visit(VisitKind.START, loc, (), time, time, time, 0, trip, load, cash, 0)]
    for k, stops in enumerate(trips):
        if k > 0 or not veh.carried:
            trip += 1
            arrival = time + int(dur[loc, problem.depot])
            start = arrival + (problem.reload_s if loc != problem.depot else 0)
            depart = start + sum(problem.stops[s].picking_s for s in stops)
            load = sum(problem.stops[s].weight_g for s in stops)
            cash = 0  # handed in at the market
            visits.append(
                Visit(
                    VisitKind.MARKET,
                    problem.depot,
                    tuple(stops),
                    arrival,
                    start,
                    depart,
                    0,
                    trip,
                    load,
                    cash,
                    int(dist[loc, problem.depot]),
                )
            )
            loc, time = problem.depot, depart
        for s in stops:
            stop = problem.stops[s]
            arrival = time + int(dur[loc, stop.location])
            start = max(arrival, stop.window.start) if stop.window else arrival
            load -= stop.weight_g
            cash += stop.cash_rp
            visits.append(
                Visit(
                    VisitKind.DELIVERY,
                    stop.location,
                    (s,),
                    arrival,
                    start,
                    start + stop.service_s,
                    start - arrival,
                    trip,
                    load,
                    cash,
                    int(dist[loc, stop.location]),
                )
            )
            loc, time = stop.location, start + stop.service_s
        _leave_market_late(visits)
    end = loc if veh.end is None else veh.end
    arrival = time + int(dur[loc, end])
    visits.append(
        Visit(
            VisitKind.END, end, (), arrival, arrival, arrival, 0, trip, 0, cash, int(dist[loc, end])
        )
    )
    return _route(problem, vehicle, visits)


def _leave_market_late(visits: list[Visit]) -> None:
    """Move the first door's waiting of the last trip to the market, before leaving it."""
    market = max((i for i, v in enumerate(visits) if v.kind is VisitKind.MARKET), default=None)
    if market is None or market + 1 >= len(visits) or visits[-1].trip != visits[market].trip:
        return
    first = visits[market + 1]
    if first.waiting == 0:
        return
    shift = first.waiting
    m = visits[market]
    visits[market] = replace(m, departure=m.departure + shift, waiting=m.waiting + shift)
    visits[market + 1] = replace(first, arrival=first.arrival + shift, waiting=0)


def _route(problem: Problem, vehicle: int, visits: list[Visit]) -> Route:
    lateness = 0
    for v in visits:
        if v.kind is VisitKind.DELIVERY:
            window = problem.stops[v.stops[0]].window
            if window is not None and window.soft:
                lateness += max(0, v.start - window.end)
    return Route(
        vehicle=vehicle,
        visits=tuple(visits),
        distance_m=sum(v.distance_m for v in visits),
        duration_s=visits[-1].arrival - visits[0].departure,
        lateness_s=lateness,
    )


def check_routes(problem: Problem, routes: Sequence[Route]) -> list[str]:
    """Every way the routes break the problem's constraints, as sentences."""
    problems: list[str] = []
    seen: dict[int, int] = {}
    for route in routes:
        if not 0 <= route.vehicle < len(problem.vehicles):
            problems.append(f"route for unknown vehicle {route.vehicle}")
            continue
        for s in route.deliveries:
            allowed = problem.allowed_vehicles(s)
            if allowed is not None and route.vehicle not in allowed:
                problems.append(f"stop {s} is pinned or locked to vehicles {list(allowed)}")
        locked = problem.vehicles[route.vehicle].locked
        order = [s for s in route.deliveries if s in locked]
        if order != [s for s in locked if s in order]:
            problems.append(f"vehicle {route.vehicle} breaks its locked sequence {list(locked)}")
        for s in route.deliveries:
            if s in seen:
                problems.append(
                    f"stop {s} delivered twice (vehicles {seen[s]} and {route.vehicle})"
                )
            seen[s] = route.vehicle
        problems.extend(_RouteChecker(problem, route).run())
    return problems


def _check_dropped(problem: Problem, dropped: Sequence[Dropped]) -> list[str]:
    problems = []
    for d in dropped:
        if not 0 <= d.stop < len(problem.stops):
            problems.append(f"dropped stop {d.stop} does not exist")
        elif not d.detail:
            problems.append(f"dropped stop {d.stop} has no explanation")
    carried = problem.carrier_of()
    for d in dropped:
        if d.stop in carried:
            problems.append(f"stop {d.stop} is on board vehicle {carried[d.stop]} but dropped")
    return problems


class _RouteChecker:
    """Walks one route and collects what it breaks."""

    def __init__(self, problem: Problem, route: Route) -> None:
        self.p = problem
        self.route = route
        self.veh: Vehicle = problem.vehicles[route.vehicle]
        self.where = f"vehicle {route.vehicle}"
        self.out: list[str] = []

    def fail(self, message: str) -> None:
        self.out.append(f"{self.where}: {message}")

    def run(self) -> list[str]:
        visits = self.route.visits
        if len(visits) < 2 or visits[0].kind is not VisitKind.START:
            self.fail("a route starts with a start visit and ends with an end visit")
            return self.out
        if visits[-1].kind is not VisitKind.END:
            self.fail("the last visit is not an end visit")
            return self.out
        self._check_ends(visits[0], visits[-1])
        self._walk(visits)
        return self.out

    def _check_ends(self, first: Visit, last: Visit) -> None:
        veh = self.veh
        if first.location != veh.start:
            self.fail(f"starts at location {first.location}, not at {veh.start}")
        if veh.end is not None and last.location != veh.end:
            self.fail(f"ends at location {last.location}, not at {veh.end}")
        if first.departure < veh.shift.start:
            self.fail(f"leaves at {first.departure}, before its shift starts ({veh.shift.start})")
        if last.arrival > veh.shift.end:
            self.fail(f"finishes at {last.arrival}, after its shift ends ({veh.shift.end})")
        duration = last.arrival - first.departure
        if veh.max_duration_s is not None and duration > veh.max_duration_s:
            self.fail(f"works {duration} s, more than its maximum {veh.max_duration_s} s")
        if self.route.duration_s != duration:
            self.fail(f"reports duration {self.route.duration_s} s, schedule says {duration} s")

    def _walk(self, visits: Sequence[Visit]) -> None:
        p, veh = self.p, self.veh
        carried = list(veh.carried)
        on_board: set[int] = set(carried)
        load = sum(p.stops[s].weight_g for s in carried)
        slots = sum(p.stops[s].count for s in carried)
        cash = veh.cash_on_hand_rp
        trip = 1 if carried else 0
        market_departure: int | None = None
        distance = lateness = 0
        delivered: list[int] = []
        self._capacity(load, slots, "at the start")
        for prev, visit in itertools.pairwise(visits):
            leg = int(p.distance_m[prev.location, visit.location])
            travel = int(p.duration_s[prev.location, visit.location])
            if visit.kind is VisitKind.END and veh.end is None:
                leg = travel = 0
            distance += leg
            if visit.distance_m != leg:
                self.fail(f"reports {visit.distance_m} m to {visit.location}, matrix says {leg}")
            if visit.arrival < prev.departure + travel:
                self.fail(
                    f"arrives at location {visit.location} at {visit.arrival}, "
                    f"but cannot before {prev.departure + travel}"
                )
            if visit.start < visit.arrival or visit.departure < visit.start:
                self.fail(f"times at location {visit.location} are not in order")
            if visit.kind is VisitKind.MARKET:
                if on_board:
                    self.fail(f"returns to the market still carrying stops {sorted(on_board)}")
                trip += 1
                cash = 0  # handed in at the market
                market_departure = visit.departure
                load, slots = self._load(visit, prev, on_board)
            elif visit.kind is VisitKind.DELIVERY:
                s = visit.stops[0]
                stop = p.stops[s]
                if s not in on_board:
                    self.fail(f"delivers stop {s} without having loaded it")
                on_board.discard(s)
                delivered.append(s)
                load -= stop.weight_g
                slots -= stop.count
                cash += stop.cash_rp
                lateness += self._delivery(visit, stop, s, market_departure)
                if cash != visit.cash_rp:
                    self.fail(f"reports cash {visit.cash_rp} after stop {s}, should be {cash}")
            elif visit.kind is VisitKind.START:
                self.fail("a start visit in the middle of a route")
            if visit.trip != trip:
                self.fail(f"visit at {visit.location} says trip {visit.trip}, should be {trip}")
            if visit.kind is not VisitKind.END and visit.load_g != load:
                self.fail(f"reports load {visit.load_g} g at {visit.location}, should be {load}")
            if veh.cash_cap_rp is not None and cash > veh.cash_cap_rp:
                self.fail(f"holds Rp {cash}, more than its cap Rp {veh.cash_cap_rp}")
        if on_board:
            self.fail(f"ends still carrying stops {sorted(on_board)}")
        self._check_carried(delivered)
        if veh.max_trips is not None and trip > veh.max_trips:
            self.fail(f"makes {trip} trips, more than its maximum {veh.max_trips}")
        if distance != self.route.distance_m:
            self.fail(f"reports {self.route.distance_m} m, its legs add up to {distance} m")
        if lateness != self.route.lateness_s:
            self.fail(f"reports {self.route.lateness_s} s late, its schedule says {lateness} s")

    def _load(self, visit: Visit, prev: Visit, on_board: set[int]) -> tuple[int, int]:
        p = self.p
        if visit.location != p.depot:
            self.fail(f"loads at location {visit.location}, which is not the market")
        carrier = p.carrier_of()
        for s in visit.stops:
            if s in carrier:
                self.fail(f"loads stop {s}, which vehicle {carrier[s]} already carries")
            on_board.add(s)
        reload = p.reload_s if prev.location != p.depot else 0
        picking = sum(p.stops[s].picking_s for s in visit.stops)
        if visit.departure - visit.arrival < reload + picking:
            self.fail(
                f"spends {visit.departure - visit.arrival} s at the market, "
                f"needs {reload + picking} s to park, buy and load"
            )
        load = sum(p.stops[s].weight_g for s in visit.stops)
        slots = sum(p.stops[s].count for s in visit.stops)
        self._capacity(load, slots, f"on trip {visit.trip}")
        return load, slots

    def _capacity(self, load: int, slots: int, when: str) -> None:
        veh = self.veh
        if load > veh.capacity_g:
            self.fail(f"carries {load} g {when}, more than its capacity {veh.capacity_g} g")
        if veh.max_orders_per_trip is not None and slots > veh.max_orders_per_trip:
            self.fail(f"carries {slots} orders {when}, more than {veh.max_orders_per_trip}")

    def _delivery(self, visit: Visit, stop: Stop, s: int, market_departure: int | None) -> int:
        if visit.location != stop.location:
            self.fail(f"delivers stop {s} at location {visit.location}, not {stop.location}")
        window = stop.window
        lateness = 0
        if window is not None:
            if visit.start < window.start:
                self.fail(f"starts stop {s} at {visit.start}, before its window ({window.start})")
            if visit.start > window.end:
                if window.soft:
                    lateness = visit.start - window.end
                else:
                    self.fail(f"starts stop {s} at {visit.start}, after its window ({window.end})")
        if visit.departure - visit.start < stop.service_s:
            self.fail(f"spends less than {stop.service_s} s at stop {s}")
        if stop.max_ride_s is not None and market_departure is not None:
            ride = visit.arrival - market_departure
            if ride > stop.max_ride_s:
                self.fail(f"stop {s} rides {ride} s, more than its maximum {stop.max_ride_s} s")
        return lateness

    def _check_carried(self, delivered: list[int]) -> None:
        veh = self.veh
        if not veh.carried:
            return
        missing = set(veh.carried) - set(delivered)
        if missing:
            self.fail(f"never delivers carried stops {sorted(missing)}")
        if veh.carried_in_order:
            order = [s for s in delivered if s in set(veh.carried)]
            if order != list(veh.carried) or delivered[: len(veh.carried)] != list(veh.carried):
                self.fail(f"delivers carried stops as {order}, not in the locked order")
