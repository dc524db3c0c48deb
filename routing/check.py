"""An independent validator of plans against their problem; it never trusts a solver.

Two entry points:

- :func:`check_solution` re-checks a :class:`~routing.solution.Solution`, schedule included,
  against every rule the model enforces (:class:`Rule`), and the figures it reports.
- :func:`evaluate_plan` takes a bare plan (per vehicle, a list of trips, each a list of stop
  indices), builds the earliest schedule for it and checks that; benchmarks use it to judge
  other solvers' routes on equal terms.

Each finding is a :class:`Violation`: a sentence for people that names the rule it breaks.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from routing.problem import Problem, Stop, TimeWindow, Vehicle
from routing.solution import Dropped, DropReason, Route, Solution, Visit, VisitKind


class Rule(StrEnum):
    """The rules a plan keeps; the checker names one in each violation."""

    ROUTES = "routes"
    """One route per vehicle, in vehicle order, from a start visit to an end visit."""
    SERVED_ONCE = "served_once"
    """Every stop is delivered exactly once or dropped; never both, never neither."""
    DROPPED = "dropped"
    """A dropped stop exists and carries a reason code and an explanation; a stop already on
    board is never dropped."""
    PIN = "pin"
    """A stop pinned to some vehicles (``Stop.vehicles``) is served by one of them."""
    LOCK = "lock"
    """A locked sequence (``Vehicle.locked``) is served by its vehicle, in its order (stops
    of it that are dropped aside); other stops may come before, between and after."""
    CARRIED = "carried"
    """Goods on board at the start (``Vehicle.carried``) are delivered, first and in the
    given order when ``carried_in_order``; market goods among them before the runner loads
    at the market; they are never loaded or collected again."""
    LOADING = "loading"
    """A stop is delivered only after its goods are loaded (at the market) or collected (at
    its seller), once, on the same route; goods bought at the market are delivered before
    the next market visit (goods from a seller may ride across it); nothing is left on
    board at the end."""
    PLACES = "places"
    """A route starts at its vehicle's start and ends at its end; goods are bought at the
    market or collected at the stop's seller (``Stop.pickup``), as the stop says, and
    delivered at the stop's door."""
    CAPACITY = "capacity"
    """The weight on board never exceeds the vehicle's capacity."""
    SLOTS = "slots"
    """The order slots on board (``Stop.count``) never exceed ``max_orders_per_trip``."""
    CASH = "cash"
    """The cash held (cash on hand until the first market visit, plus cash on delivery
    collected since the last market visit) never exceeds the vehicle's cash cap."""
    WINDOW = "window"
    """Service starts within a hard window, and never before a window opens; a soft window
    may be exceeded, and the lateness counts. Goods are collected while their seller is
    open (``Pickup.window``)."""
    SHIFT = "shift"
    """The route leaves no earlier than the shift starts and ends by the time it ends."""
    MAX_DURATION = "max_duration"
    """The route, from leaving the start to reaching the end, lasts at most
    ``max_duration_s``."""
    MAX_TRIPS = "max_trips"
    """A route makes at most ``max_trips`` trips (a carried load counts as the first)."""
    MAX_RIDE = "max_ride"
    """Goods ride at most ``max_ride_s`` from leaving the market (or the seller) to arriving
    at the door."""
    SERVICE = "service"
    """Enough time at each place: parking and loading (``reload_s``) on a return to the
    market, the picking time of what is loaded there, the service time at a seller and at
    a door."""
    TRAVEL = "travel"
    """A visit is reached no earlier than leaving the previous one plus the travel time; at
    each visit arrival <= start <= departure."""
    TRIP_NUMBERS = "trip_numbers"
    """Trips are numbered from 1; each market visit starts the next. Work before the first
    market visit (a carried load, or a ride to a seller first) is trip 1."""
    REPORTED = "reported"
    """The figures reported match the schedule: metres per leg and per route, duration,
    lateness, and per visit the load and cash when leaving and the time waiting."""


class Violation(str):
    """One way a plan breaks its problem: a sentence (it is a ``str``, prefixed with its
    rule) that also names its :class:`Rule` as ``rule``."""

    rule: Rule

    def __new__(cls, rule: Rule, message: str) -> Violation:
        violation = super().__new__(cls, f"{rule.value}: {message}")
        violation.rule = rule
        return violation


@dataclass(frozen=True)
class Evaluation:
    """The verdict on a bare plan."""

    feasible: bool
    violations: list[Violation]
    distance_m: int
    duration_s: int
    lateness_s: int
    trips: int
    unserved: list[int]
    """Stops on no route (allowed, but reported)."""
    routes: tuple[Route, ...]


def check_solution(problem: Problem, solution: Solution) -> list[Violation]:
    """Every way ``solution`` breaks ``problem``; empty when it is valid."""
    problems = check_routes(problem, solution.routes)
    served = [s for r in solution.routes for s in r.deliveries]
    dropped = [d.stop for d in solution.dropped]
    if len(set(dropped)) != len(dropped):
        problems.append(Violation(Rule.SERVED_ONCE, "a stop is listed as dropped twice"))
    for s in sorted(set(served) & set(dropped)):
        problems.append(Violation(Rule.SERVED_ONCE, f"stop {s} is both served and dropped"))
    for s in sorted(set(range(len(problem.stops))) - set(served) - set(dropped)):
        problems.append(Violation(Rule.SERVED_ONCE, f"stop {s} is neither served nor dropped"))
    problems.extend(_check_dropped(problem, solution.dropped))
    if len(solution.routes) != len(problem.vehicles):
        message = f"{len(solution.routes)} routes for {len(problem.vehicles)} vehicles (one each)"
        problems.append(Violation(Rule.ROUTES, message))
    elif [r.vehicle for r in solution.routes] != list(range(len(problem.vehicles))):
        problems.append(Violation(Rule.ROUTES, "routes are not in vehicle order"))
    return problems


def evaluate_plan(problem: Problem, plan: Sequence[Sequence[Sequence[int]]]) -> Evaluation:
    """Schedule ``plan`` as early as possible and check it.

    ``plan[v]`` lists vehicle v's trips in order; each trip lists stop indices in visiting
    order, and starts by loading its market goods at the market, except the first trip of a
    vehicle that carries stops (it starts where the vehicle is) or that has no market goods
    (it rides to its first seller). A stop collected at a seller is listed twice, at its
    pickup and at its delivery (in one trip, or across a market visit); listed once, it is
    collected just before its delivery.
    """
    violations: list[Violation] = []
    if len(plan) > len(problem.vehicles):
        message = f"plan has {len(plan)} routes for {len(problem.vehicles)} vehicles"
        violations.append(Violation(Rule.ROUTES, message))
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

    The runner leaves as early as its shift allows, waits at a door or a seller that is not
    open yet, and leaves the market as late as it can without starting any later visit of
    the trip later.
    """
    veh = problem.vehicles[vehicle]
    stops = problem.stops
    dist, dur = problem.distance_m, problem.duration_s
    trips = [list(t) for t in trips if len(t) > 0]
    carried = set(veh.carried)
    listed = Counter(s for t in trips for s in t)
    collected: set[int] = set()
    to_buy = [_market_goods(problem, carried, t) for t in trips]
    starts_away = bool(carried) or (bool(trips) and not to_buy[0])
    time = veh.shift.start
    trip = 1 if starts_away else 0
    load = sum(stops[s].weight_g for s in veh.carried)
    cash = veh.cash_on_hand_rp
    loc = veh.start
    visits = [Visit(VisitKind.START, loc, (), time, time, time, 0, trip, load, cash, 0)]

    def visit(kind: VisitKind, s: int, where: int, window: TimeWindow | None, work: int) -> None:
        nonlocal loc, time
        arrival = time + int(dur[loc, where])
        start = max(arrival, window.start) if window else arrival
        visits.append(
            Visit(
                kind,
                where,
                (s,),
                arrival,
                start,
                start + work,
                start - arrival,
                trip,
                load,
                cash,
                int(dist[loc, where]),
            )
        )
        loc, time = where, start + work

    for k, entries in enumerate(trips):
        if k > 0 or not starts_away:
            trip += 1
            arrival = time + int(dur[loc, problem.depot])
            start = arrival + (problem.reload_s if loc != problem.depot else 0)
            depart = start + sum(stops[s].picking_s for s in to_buy[k])
            load += sum(stops[s].weight_g for s in to_buy[k])
            cash = 0  # handed in at the market
            visits.append(
                Visit(
                    VisitKind.MARKET,
                    problem.depot,
                    tuple(to_buy[k]),
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
        for s in entries:
            stop = stops[s]
            if stop.pickup is not None and s not in carried and s not in collected:
                collected.add(s)
                load += stop.weight_g
                pickup = stop.pickup
                visit(VisitKind.PICKUP, s, pickup.location, pickup.window, pickup.service_s)
                if listed[s] > 1:
                    continue
            load -= stop.weight_g
            cash += stop.cash_rp
            visit(VisitKind.DELIVERY, s, stop.location, stop.window, stop.service_s)
        _leave_market_late(visits)
    end = loc if veh.end is None else veh.end
    arrival = time + int(dur[loc, end])
    visits.append(
        Visit(
            VisitKind.END, end, (), arrival, arrival, arrival, 0, trip, 0, cash, int(dist[loc, end])
        )
    )
    return _route(problem, vehicle, visits)


def _market_goods(problem: Problem, carried: set[int], trip: Sequence[int]) -> list[int]:
    """The stops of ``trip`` whose goods are bought at the market, each once, in order."""
    return list(dict.fromkeys(s for s in trip if problem.stops[s].at_market and s not in carried))


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


def check_routes(problem: Problem, routes: Sequence[Route]) -> list[Violation]:
    """Every way the routes break the problem's constraints."""
    problems: list[Violation] = []
    seen: dict[int, int] = {}
    for route in routes:
        if not 0 <= route.vehicle < len(problem.vehicles):
            problems.append(Violation(Rule.ROUTES, f"route for unknown vehicle {route.vehicle}"))
            continue
        problems.extend(_check_assignment(problem, route))
        for s in route.deliveries:
            if s in seen:
                message = f"stop {s} delivered twice (vehicles {seen[s]} and {route.vehicle})"
                problems.append(Violation(Rule.SERVED_ONCE, message))
            seen[s] = route.vehicle
        problems.extend(_RouteChecker(problem, route).run())
    return problems


def _check_assignment(problem: Problem, route: Route) -> list[Violation]:
    """Pins and locks: who may serve a stop, and in which order."""
    out: list[Violation] = []
    v = route.vehicle
    locked_to = {s: w for w, veh in enumerate(problem.vehicles) for s in veh.locked}
    for s in route.deliveries:
        if not 0 <= s < len(problem.stops):
            out.append(Violation(Rule.SERVED_ONCE, f"vehicle {v} delivers unknown stop {s}"))
            continue
        pinned = problem.stops[s].vehicles
        if pinned is not None and v not in pinned:
            message = f"stop {s} is pinned to vehicles {list(pinned)}, not {v}"
            out.append(Violation(Rule.PIN, message))
        if s in locked_to and locked_to[s] != v:
            message = f"stop {s} is locked into vehicle {locked_to[s]}'s sequence, not {v}'s"
            out.append(Violation(Rule.LOCK, message))
    locked = problem.vehicles[v].locked
    order = [s for s in route.deliveries if s in locked]
    if order != [s for s in locked if s in order]:
        message = f"vehicle {v} delivers {order}, breaking its locked sequence {list(locked)}"
        out.append(Violation(Rule.LOCK, message))
    return out


def _check_dropped(problem: Problem, dropped: Sequence[Dropped]) -> list[Violation]:
    problems = []
    carried = problem.carrier_of()
    for d in dropped:
        if not 0 <= d.stop < len(problem.stops):
            problems.append(Violation(Rule.DROPPED, f"dropped stop {d.stop} does not exist"))
            continue
        if not isinstance(d.reason, DropReason):
            message = f"dropped stop {d.stop} has no reason code ({d.reason!r})"
            problems.append(Violation(Rule.DROPPED, message))
        if not d.detail:
            problems.append(Violation(Rule.DROPPED, f"dropped stop {d.stop} has no explanation"))
        if d.stop in carried:
            message = f"stop {d.stop} is on board vehicle {carried[d.stop]} but dropped"
            problems.append(Violation(Rule.DROPPED, message))
    return problems


class _RouteChecker:
    """Walks one route and collects what it breaks."""

    def __init__(self, problem: Problem, route: Route) -> None:
        self.p = problem
        self.route = route
        self.veh: Vehicle = problem.vehicles[route.vehicle]
        self.where = f"vehicle {route.vehicle}"
        self.out: list[Violation] = []

    def fail(self, rule: Rule, message: str) -> None:
        self.out.append(Violation(rule, f"{self.where}: {message}"))

    def run(self) -> list[Violation]:
        visits = self.route.visits
        if len(visits) < 2 or visits[0].kind is not VisitKind.START:
            self.fail(Rule.ROUTES, "a route starts with a start visit and ends with an end visit")
            return self.out
        if visits[-1].kind is not VisitKind.END:
            self.fail(Rule.ROUTES, "the last visit is not an end visit")
            return self.out
        for visit in visits:
            if any(not 0 <= s < len(self.p.stops) for s in visit.stops):
                self.fail(Rule.ROUTES, f"a visit names stops that do not exist: {visit.stops}")
                return self.out
        self._check_ends(visits[0], visits[-1])
        self._walk(visits)
        return self.out

    def _check_ends(self, first: Visit, last: Visit) -> None:
        veh = self.veh
        if first.location != veh.start:
            self.fail(Rule.PLACES, f"starts at location {first.location}, not at {veh.start}")
        if veh.end is not None and last.location != veh.end:
            self.fail(Rule.PLACES, f"ends at location {last.location}, not at {veh.end}")
        if first.departure < veh.shift.start:
            message = f"leaves at {first.departure}, before its shift starts ({veh.shift.start})"
            self.fail(Rule.SHIFT, message)
        if last.arrival > veh.shift.end:
            message = f"finishes at {last.arrival}, after its shift ends ({veh.shift.end})"
            self.fail(Rule.SHIFT, message)
        duration = last.arrival - first.departure
        if veh.max_duration_s is not None and duration > veh.max_duration_s:
            message = f"works {duration} s, more than its maximum {veh.max_duration_s} s"
            self.fail(Rule.MAX_DURATION, message)
        if self.route.duration_s != duration:
            message = f"reports duration {self.route.duration_s} s, schedule says {duration} s"
            self.fail(Rule.REPORTED, message)

    def _walk(self, visits: Sequence[Visit]) -> None:
        p, veh = self.p, self.veh
        carried = set(veh.carried)
        on_board: set[int] = set(carried)
        loaded: set[int] = set(carried)
        load = sum(p.stops[s].weight_g for s in carried)
        slots = sum(p.stops[s].count for s in carried)
        cash = veh.cash_on_hand_rp
        trip = 1 if carried or visits[1].kind is VisitKind.PICKUP else 0
        loaded_at: dict[int, int] = {}  # stop -> when its goods left the market or the seller
        distance = lateness = 0
        delivered: list[int] = []
        self._capacity(load, slots, "at the start")
        if visits[0].trip != trip:
            self.fail(Rule.TRIP_NUMBERS, f"starts at trip {visits[0].trip}, should be {trip}")
        self._cash(cash, "at the start")
        for prev, visit in itertools.pairwise(visits):
            distance += self._leg(prev, visit)
            work = 0
            if visit.kind is VisitKind.MARKET:
                bought = {s for s in on_board if p.stops[s].at_market}
                if bought & carried:
                    message = f"loads at the market before delivering {sorted(bought & carried)}"
                    self.fail(Rule.CARRIED, message)
                if bought - carried:
                    message = f"returns to the market still carrying {sorted(bought - carried)}"
                    self.fail(Rule.LOADING, message)
                trip += 1
                cash = 0  # handed in at the market
                work = self._market(visit, prev, loaded)
                on_board |= set(visit.stops)
                loaded_at |= dict.fromkeys(visit.stops, visit.departure)
                load = sum(p.stops[s].weight_g for s in on_board)
                slots = sum(p.stops[s].count for s in on_board)
                self._capacity(load, slots, f"on trip {trip}")
            elif visit.kind is VisitKind.PICKUP:
                s = visit.stops[0] if len(visit.stops) == 1 else -1
                if s < 0:
                    self.fail(Rule.ROUTES, f"a pickup collects one stop, not {visit.stops}")
                    continue
                work = self._pickup(visit, s, loaded)
                on_board.add(s)
                loaded_at[s] = visit.departure
                load += p.stops[s].weight_g
                slots += p.stops[s].count
                self._capacity(load, slots, f"after collecting stop {s}")
            elif visit.kind is VisitKind.DELIVERY:
                s = visit.stops[0]
                stop = p.stops[s]
                if s not in on_board:
                    self.fail(Rule.LOADING, f"delivers stop {s} without having loaded it")
                on_board.discard(s)
                delivered.append(s)
                load -= stop.weight_g
                slots -= stop.count
                cash += stop.cash_rp
                work = stop.service_s
                lateness += self._delivery(visit, stop, s, loaded_at.get(s))
                self._cash(cash, f"after stop {s}")
            elif visit.kind is VisitKind.START:
                self.fail(Rule.ROUTES, "a start visit in the middle of a route")
            if visit.trip != trip:
                message = f"visit at {visit.location} says trip {visit.trip}, should be {trip}"
                self.fail(Rule.TRIP_NUMBERS, message)
            self._reported(visit, work, 0 if visit.kind is VisitKind.END else load, cash)
        if on_board - carried:
            self.fail(Rule.LOADING, f"ends still carrying stops {sorted(on_board - carried)}")
        self._check_carried(delivered)
        if veh.max_trips is not None and trip > veh.max_trips:
            message = f"makes {trip} trips, more than its maximum {veh.max_trips}"
            self.fail(Rule.MAX_TRIPS, message)
        if distance != self.route.distance_m:
            message = f"reports {self.route.distance_m} m, its legs add up to {distance} m"
            self.fail(Rule.REPORTED, message)
        if lateness != self.route.lateness_s:
            message = f"reports {self.route.lateness_s} s late, its schedule says {lateness} s"
            self.fail(Rule.REPORTED, message)

    def _leg(self, prev: Visit, visit: Visit) -> int:
        """Check the ride from ``prev`` to ``visit`` and the order of times; its metres."""
        p = self.p
        leg = int(p.distance_m[prev.location, visit.location])
        travel = int(p.duration_s[prev.location, visit.location])
        if visit.kind is VisitKind.END and self.veh.end is None:
            leg = travel = 0
        if visit.distance_m != leg:
            message = f"reports {visit.distance_m} m to {visit.location}, matrix says {leg}"
            self.fail(Rule.REPORTED, message)
        if visit.arrival < prev.departure + travel:
            message = (
                f"arrives at location {visit.location} at {visit.arrival}, "
                f"but cannot before {prev.departure + travel}"
            )
            self.fail(Rule.TRAVEL, message)
        if visit.start < visit.arrival or visit.departure < visit.start:
            self.fail(Rule.TRAVEL, f"times at location {visit.location} are not in order")
        return leg

    def _reported(self, visit: Visit, work: int, load: int, cash: int) -> None:
        """The figures a visit reports: load and cash when leaving, and the idle time."""
        where = f"at {visit.location} ({visit.kind.value})"
        if visit.load_g != load:
            self.fail(Rule.REPORTED, f"reports load {visit.load_g} g {where}, should be {load}")
        if visit.cash_rp != cash:
            self.fail(Rule.REPORTED, f"reports cash {visit.cash_rp} {where}, should be {cash}")
        idle = visit.departure - visit.arrival - work
        if idle >= 0 and visit.waiting != idle:  # too short a stay breaks the service rule
            self.fail(Rule.REPORTED, f"reports {visit.waiting} s waiting {where}, not {idle} s")

    def _market(self, visit: Visit, prev: Visit, loaded: set[int]) -> int:
        """Check a market visit; the time its work takes (parking and picking)."""
        p = self.p
        if visit.location != p.depot:
            self.fail(Rule.PLACES, f"loads at location {visit.location}, which is not the market")
        carrier = p.carrier_of()
        for s in visit.stops:
            if not p.stops[s].at_market:
                self.fail(Rule.PLACES, f"loads stop {s} at the market; it is collected at a seller")
            if s in carrier:
                message = f"loads stop {s}, which vehicle {carrier[s]} already carries"
                self.fail(Rule.CARRIED, message)
            elif s in loaded:
                self.fail(Rule.LOADING, f"loads stop {s} a second time")
            loaded.add(s)
        reload = p.reload_s if prev.location != p.depot else 0
        work = reload + sum(p.stops[s].picking_s for s in visit.stops)
        if visit.departure - visit.arrival < work:
            message = (
                f"spends {visit.departure - visit.arrival} s at the market, "
                f"needs {work} s to park, buy and load"
            )
            self.fail(Rule.SERVICE, message)
        return work

    def _pickup(self, visit: Visit, s: int, loaded: set[int]) -> int:
        """Check a visit that collects stop ``s`` at its seller; the time its work takes."""
        stop = self.p.stops[s]
        if stop.pickup is None:
            message = f"collects stop {s} away from the market, but it is bought at the market"
            self.fail(Rule.PLACES, message)
            return 0
        pickup = stop.pickup
        if visit.location != pickup.location:
            message = f"collects stop {s} at location {visit.location}, not {pickup.location}"
            self.fail(Rule.PLACES, message)
        if s in self.veh.carried:
            self.fail(Rule.CARRIED, f"collects stop {s}, which it already carries")
        elif s in loaded:
            self.fail(Rule.LOADING, f"collects stop {s} a second time")
        loaded.add(s)
        window = pickup.window
        if window is not None and not window.start <= visit.start <= window.end:
            message = (
                f"collects stop {s} at {visit.start}, outside its seller's hours "
                f"({window.start}-{window.end})"
            )
            self.fail(Rule.WINDOW, message)
        if visit.departure - visit.start < pickup.service_s:
            self.fail(Rule.SERVICE, f"spends less than {pickup.service_s} s at stop {s}'s seller")
        return pickup.service_s

    def _capacity(self, load: int, slots: int, when: str) -> None:
        veh = self.veh
        if load > veh.capacity_g:
            message = f"carries {load} g {when}, more than its capacity {veh.capacity_g} g"
            self.fail(Rule.CAPACITY, message)
        if veh.max_orders_per_trip is not None and slots > veh.max_orders_per_trip:
            message = f"carries {slots} orders {when}, more than {veh.max_orders_per_trip}"
            self.fail(Rule.SLOTS, message)

    def _cash(self, cash: int, when: str) -> None:
        cap = self.veh.cash_cap_rp
        if cap is not None and cash > cap:
            self.fail(Rule.CASH, f"holds Rp {cash} {when}, more than its cap Rp {cap}")

    def _delivery(self, visit: Visit, stop: Stop, s: int, loaded_at: int | None) -> int:
        if visit.location != stop.location:
            message = f"delivers stop {s} at location {visit.location}, not {stop.location}"
            self.fail(Rule.PLACES, message)
        window = stop.window
        lateness = 0
        if window is not None:
            if visit.start < window.start:
                message = f"starts stop {s} at {visit.start}, before its window ({window.start})"
                self.fail(Rule.WINDOW, message)
            if visit.start > window.end:
                if window.soft:
                    lateness = visit.start - window.end
                else:
                    message = f"starts stop {s} at {visit.start}, after its window ({window.end})"
                    self.fail(Rule.WINDOW, message)
        if visit.departure - visit.start < stop.service_s:
            self.fail(Rule.SERVICE, f"spends less than {stop.service_s} s at stop {s}")
        if stop.max_ride_s is not None and loaded_at is not None:
            ride = visit.arrival - loaded_at
            if ride > stop.max_ride_s:
                message = f"stop {s} rides {ride} s, more than its maximum {stop.max_ride_s} s"
                self.fail(Rule.MAX_RIDE, message)
        return lateness

    def _check_carried(self, delivered: list[int]) -> None:
        veh = self.veh
        if not veh.carried:
            return
        missing = set(veh.carried) - set(delivered)
        if missing:
            self.fail(Rule.CARRIED, f"never delivers carried stops {sorted(missing)}")
        if veh.carried_in_order:
            order = [s for s in delivered if s in set(veh.carried)]
            if order != list(veh.carried) or delivered[: len(veh.carried)] != list(veh.carried):
                message = f"delivers carried stops as {order}, not in the locked order"
                self.fail(Rule.CARRIED, message)
