"""``solve(problem, stop, params) -> Solution``: the one way into the routing engine.

The path of a solve:

1. checks before the solve drop the stops no runner could serve even alone, with the reason;
2. PyVRP (``routing.construction``) builds several-trip routes for a relaxation of the rest
   (orders collected at a seller as PyVRP shipments);
3. the OR-Tools model (``routing.model``) reads them in; stops that break the full model's
   constraints are taken out again, one runner at a time, so the start is always feasible;
4. OR-Tools' guided local search improves the plan under every constraint until the stopping
   criterion (``routing.stop``) says so;
5. stops the search left out are tried once more by insertion, and otherwise reported with the
   reason found by checks after the solve.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from routing.check import Rule, check_routes, schedule_trips
from routing.construction import pyvrp_plan
from routing.model import RoutingModel
from routing.problem import Problem
from routing.solution import Dropped, DropReason, Solution, Statistics
from routing.stop import Deadline, MultipleCriteria, StoppingCriterion

Plan = list[list[list[int]]]

#: Stops left out by the search that are tried once more by insertion (each try reads a few
#: dozen candidate plans); the rest are explained without it.
_MAX_REINSERTIONS = 20
#: Time limit of the fresh model that places and explains leftovers. Reads are often
#: milliseconds, but with a runner carrying goods and a pin (a re-plan after a move) one
#: read ran to its whole limit (60 s then) and still succeeded: keep it short.
_READ_LIMIT_S = 0.5
#: Below this many seconds left after the construction, the improvement is skipped.
_MIN_IMPROVEMENT_S = 0.02


@dataclass(frozen=True)
class SolveParams:
    """How to search (when to stop is the stopping criterion's business)."""

    seed: int = 1
    """Seed of the construction's random choices."""
    engine: Literal["hybrid", "ortools"] = "hybrid"
    """``hybrid``: PyVRP construction, OR-Tools completion; ``ortools``: OR-Tools alone."""
    construction_share: float = 0.85
    """Part of the criterion's clock given to the construction (hybrid only); without a
    clock the construction runs until its copy of the criterion stops it."""
    sellers: Literal["auto", "shipments", "staged", "insertion"] = "auto"
    """How the construction treats orders collected at a seller: as PyVRP shipments
    (collected and delivered within one trip); ``staged``, the market orders planned alone
    first and the shipments inserted into that plan; or left for OR-Tools to insert."""


def solve(problem: Problem, stop: StoppingCriterion, params: SolveParams | None = None) -> Solution:
    """Plan routes for ``problem`` until ``stop`` says so (see ``routing.stop``); every stop
    is served once or dropped with a reason."""
    params = params or SolveParams()
    started = time.perf_counter()
    budget_s = stop.remaining_s()  # starts the criterion's clock, if any, with the solve
    clocked = budget_s is not None
    dropped, servable = precheck(problem)
    model = RoutingModel(problem, servable)
    model.routing.CloseModelWithParameters(_read_parameters(budget_s if clocked else None))
    notes: list[str] = []
    engine = "ortools"
    construction_s = 0.0
    assignment: pywrapcp.Assignment | None = None
    first_solution_s: float | None = None
    explained: dict[int, Dropped] = {}  # stops no insertion could place, and why

    if problem.previous is not None and servable:
        # Re-planning: start from the plan being revised (what is gone left out), so the
        # search begins at "change nothing" and new stops are fitted in.
        engine = "previous+ortools"
        kept = set(servable)

        def may_stay(s: int, v: int) -> bool:
            allowed = problem.allowed_vehicles(s)
            return s in kept and (allowed is None or v in allowed)

        plan = [
            [[s for s in trip if may_stay(s, v)] for trip in trips]
            for v, trips in enumerate(problem.previous)
        ]
        plan = [[trip for trip in trips if trip] for trips in plan]
        assignment = model.read_plan(plan)
        if assignment is None:
            plan = _feasible_part(model, plan)
            assignment = model.read_plan(plan)
            notes.append("the previous plan no longer holds everywhere; trimmed")
        if assignment is not None:
            # New stops (an order that arrived mid-shift) go in at their cheapest feasible
            # place before the search, which then only improves around them.
            # One that fits nowhere is explained now, on this model (a lone trip's
            # feasibility does not depend on the plan): if the search cannot place it either,
            # no fresh model is built to explain it afterwards.
            placed = {s for trips in plan for trip in trips for s in trip}
            new = [s for s in servable if s not in placed]
            if 0 < len(new) <= _MAX_REINSERTIONS:
                for s in new:
                    better = _cheapest_insertion(model, plan, s, anywhere=True)
                    better = better or _cheapest_insertion(model, plan, s)
                    if better is not None:
                        assignment, plan = better
                    else:
                        explained[s] = _explain(model, s)
                notes.append(f"{len(new)} new stop(s) inserted into the previous plan")
            first_solution_s = time.perf_counter() - started
    elif params.engine == "hybrid" and servable:
        engine = "pyvrp+ortools"
        plan = pyvrp_plan(
            problem,
            servable,
            stop=_construction_stop(stop, started, budget_s, params.construction_share),
            seed=params.seed,
            sellers=params.sellers,
        )
        construction_s = time.perf_counter() - started
        assignment = model.read_plan(plan)
        if assignment is None:
            plan = _feasible_part(model, plan)
            assignment = model.read_plan(plan)
            notes.append("the warm start broke constraints PyVRP does not model; trimmed")
        if assignment is not None:
            first_solution_s = time.perf_counter() - started

    improve_started = time.perf_counter()
    remaining = stop.remaining_s()
    searched = assignment is None or remaining is None or remaining > _MIN_IMPROVEMENT_S
    if searched:
        search = _search_parameters(
            None if remaining is None else max(_MIN_IMPROVEMENT_S, remaining)
        )
        guard = _StopGuard(model.routing, copy.deepcopy(stop))
        model.routing.AddAtSolutionCallback(guard)
        if assignment is None:
            if first_solution_s is None:
                notes.append("no warm start; OR-Tools built the first plan")
            found = model.routing.SolveWithParameters(search)
            if found is not None and first_solution_s is None:
                first_solution_s = guard.first_at - started if guard.first_at else None
        else:
            found = model.routing.SolveFromAssignmentWithParameters(assignment, search)
        if found is not None:
            assignment = found
    improvement_s = time.perf_counter() - improve_started
    if assignment is None:
        reason = DropReason.NOT_PLANNED
        dropped += [
            Dropped(s, reason, "the solver found no plan in the time given") for s in servable
        ]
        return Solution(
            routes=(),
            dropped=tuple(sorted(dropped, key=lambda d: d.stop)),
            objective=0,
            status="infeasible",
            stats=Statistics(
                wall_s=time.perf_counter() - started,
                first_solution_s=None,
                engine=engine,
                construction_s=construction_s,
                improvement_s=improvement_s,
                notes=tuple(notes),
            ),
        )

    plan = model.plan_of(assignment)
    served = {s for trips in plan for trip in trips for s in trip}
    left_out = [s for s in servable if s not in served]
    if left_out:
        if searched and any(s not in explained for s in left_out):
            # A model that has run a search refuses to read plans afterwards (its search
            # limit is spent), so the leftovers are placed and explained on a fresh copy.
            model = RoutingModel(problem, servable)
            model.routing.CloseModelWithParameters(_read_parameters(_READ_LIMIT_S))
            assignment = model.read_plan(plan)
            assert assignment is not None, "a plan the search found reads back"
        assignment, plan, late_dropped = _place_or_explain(model, assignment, plan, explained)
        dropped += late_dropped
    routes = model.routes_of(assignment)
    return Solution(
        routes=routes,
        dropped=tuple(sorted(dropped, key=lambda d: d.stop)),
        objective=int(assignment.ObjectiveValue()),
        status="feasible",
        stats=Statistics(
            wall_s=time.perf_counter() - started,
            first_solution_s=first_solution_s,
            engine=engine,
            construction_s=construction_s,
            improvement_s=improvement_s,
            notes=tuple(notes),
        ),
    )


def precheck(problem: Problem) -> tuple[list[Dropped], list[int]]:
    """Stops no runner can serve even alone (dropped, with reasons) and the others."""
    carried = problem.carrier_of()
    dropped: list[Dropped] = []
    servable: list[int] = []
    for s in range(len(problem.stops)):
        if s in carried:
            servable.append(s)
            continue
        allowed = problem.allowed_vehicles(s)
        if allowed == ():
            detail = "it is pinned to one runner and locked into another's sequence"
            dropped.append(Dropped(s, DropReason.NO_CAPACITY_LEFT, detail))
            continue
        candidates = range(len(problem.vehicles)) if allowed is None else allowed
        verdicts = [_alone(problem, v, s) for v in candidates]
        if any(v is None for v in verdicts):
            servable.append(s)
        else:
            # Report the check that the most promising runner failed last.
            order = list(_REASON_ORDER)
            reason, detail = max(
                (v for v in verdicts if v is not None), key=lambda v: order.index(v[0])
            )
            dropped.append(Dropped(s, reason, detail))
    return dropped, servable


_REASON_ORDER = (
    DropReason.EXCEEDS_CAPACITY,
    DropReason.RIDE_TIME_UNREACHABLE,
    DropReason.OUTSIDE_SHIFT,
    DropReason.PICKUP_UNREACHABLE,
    DropReason.WINDOW_UNREACHABLE,
)


def _alone(problem: Problem, v: int, s: int) -> tuple[DropReason, str] | None:
    """Why vehicle ``v`` could not serve stop ``s`` even with nothing else to do."""
    p, veh, stop = problem, problem.vehicles[v], problem.stops[s]
    if stop.weight_g > veh.capacity_g:
        detail = (
            f"weighs {stop.weight_g / 1000:g} kg; the runner takes {veh.capacity_g / 1000:g} kg"
        )
        return DropReason.EXCEEDS_CAPACITY, detail
    if veh.max_orders_per_trip is not None and stop.count > veh.max_orders_per_trip:
        detail = f"takes {stop.count} order slots; a trip holds {veh.max_orders_per_trip}"
        return DropReason.EXCEEDS_CAPACITY, detail
    if veh.cash_cap_rp is not None and stop.cash_rp + veh.cash_on_hand_rp > veh.cash_cap_rp:
        detail = f"collects Rp {stop.cash_rp:,}; the runner may hold Rp {veh.cash_cap_rp:,}"
        return DropReason.EXCEEDS_CAPACITY, detail
    at = stop.pickup
    source = "the market" if at is None else "the seller"
    ride = int(p.duration_s[p.depot if at is None else at.location, stop.location])
    if stop.max_ride_s is not None and ride > stop.max_ride_s:
        detail = f"the ride from {source} takes {ride} s; at most {stop.max_ride_s} s allowed"
        return DropReason.RIDE_TIME_UNREACHABLE, detail
    if at is None:
        arrive = p.ready_at_market(v) + stop.picking_s + ride
        to_door = arrive - veh.shift.start
    else:
        # Optimistic: straight from where the runner starts (what it carries may wait).
        reach = veh.shift.start + int(p.duration_s[veh.start, at.location])
        hours = at.window
        collect = max(reach, hours.start) if hours is not None else reach
        if hours is not None and collect > hours.end:
            if hours.end < veh.shift.start or hours.start > veh.shift.end:
                detail = (
                    f"its seller's hours {_hhmm(hours.start)}-{_hhmm(hours.end)} are "
                    "outside the shift"
                )
                return DropReason.OUTSIDE_SHIFT, detail
            detail = (
                f"the earliest arrival at the seller is {_hhmm(reach)}, after it closes "
                f"({_hhmm(hours.end)})"
            )
            return DropReason.PICKUP_UNREACHABLE, detail
        arrive = collect + at.service_s + ride
        to_door = reach - veh.shift.start + at.service_s + ride  # leaving late, no waiting
    window = stop.window
    begin = max(arrive, window.start) if window is not None else arrive
    if window is not None and not window.soft and begin > window.end:
        if window.end < veh.shift.start or window.start > veh.shift.end:
            detail = f"its window {_hhmm(window.start)}-{_hhmm(window.end)} is outside the shift"
            return DropReason.OUTSIDE_SHIFT, detail
        detail = (
            f"the earliest arrival is {_hhmm(arrive)}, after its window ends ({_hhmm(window.end)})"
        )
        return DropReason.WINDOW_UNREACHABLE, detail
    back = int(p.duration_s[stop.location, veh.end]) if veh.end is not None else 0
    finish = begin + stop.service_s + back
    if finish > veh.shift.end:
        detail = f"cannot be served and back before the shift ends at {_hhmm(veh.shift.end)}"
        return DropReason.OUTSIDE_SHIFT, detail
    if veh.max_duration_s is not None and finish - begin + to_door > veh.max_duration_s:
        detail = f"serving it alone takes longer than the {veh.max_duration_s} s a route may last"
        return DropReason.OUTSIDE_SHIFT, detail
    return None


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _search_parameters(seconds: float | None) -> pywrapcp.DefaultRoutingSearchParameters:
    """Guided local search for ``seconds``; without a clock (``None``) a descent to a local
    optimum, which ends by itself (guided local search would only stop on a clock)."""
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    if seconds is None:
        search.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
        )
    else:
        search.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        search.time_limit.FromMilliseconds(max(1, int(seconds * 1000)))
    return search


def _read_parameters(seconds: float | None) -> pywrapcp.DefaultRoutingSearchParameters:
    """The parameters a model is closed with, which its reads of plans
    (``ReadAssignmentFromRoutes``) run under: the first schedule found for the plan is enough.

    A read fixes the routes and lets the solver find the times (cumuls, slacks); without a
    solution limit it goes on looking for cheaper times until its time limit. With the
    balance cost (a global span cost on the time dimension) that search practically never
    ends: every feasible read ran its whole limit (60 s, then 0.5 s each) for the same
    objective the first schedule had. The searches themselves take their own parameters.
    """
    search = _search_parameters(seconds)
    search.solution_limit = 1
    return search


def _construction_stop(
    stop: StoppingCriterion, started: float, budget_s: float | None, share: float
) -> StoppingCriterion:
    """The construction's criterion: its own copy of ``stop``, and its share of the clock."""
    phase = copy.deepcopy(stop)
    if budget_s is None:
        return phase
    return MultipleCriteria([phase, Deadline(started + budget_s * share - time.perf_counter())])


class _StopGuard:
    """Solution callback: remembers the first solution and asks the criterion whether to stop."""

    def __init__(self, routing: pywrapcp.RoutingModel, stop: StoppingCriterion) -> None:
        self.routing = routing
        self.stop = stop
        self.first_at: float | None = None

    def __call__(self) -> None:
        if self.first_at is None:
            self.first_at = time.perf_counter()
        if self.stop(self.routing.CostVar().Max()):
            self.routing.solver().FinishCurrentSearch()


def _feasible_part(model: RoutingModel, plan: Plan) -> Plan:
    """``plan`` with the stops that break the full model taken out, runner by runner."""
    n = len(model.problem.vehicles)
    out: Plan = []
    for v in range(n):
        if _feasible_for(model, v, plan[v]):
            out.append(plan[v])
            continue
        kept: list[list[int]] = []
        for trip in plan[v]:
            current: list[int] = []
            for s in trip:
                if _feasible_for(model, v, [*kept, [*current, s]]):
                    current.append(s)
            if current:
                kept.append(current)
        out.append(kept)
    return out


#: Rules whose breach by the earliest schedule proves a vehicle's trips infeasible: the model
#: schedules no visit earlier, and these depend on nothing else (a ride or a day too long
#: with the earliest departures may still fit with later ones, so those are left to a read).
_DEFINITE = frozenset(
    {Rule.WINDOW, Rule.SHIFT, Rule.CAPACITY, Rule.SLOTS, Rule.MAX_TRIPS, Rule.PIN, Rule.LOCK}
)


def may_hold(problem: Problem, v: int, trips: Sequence[Sequence[int]]) -> bool:
    """Whether vehicle ``v``'s ``trips`` may be feasible: ``False`` when their earliest schedule
    (``routing.check``, pure Python, a fraction of a read's cost) already breaks a window,
    the shift, the load, a pin or a lock. ``True`` says nothing more: a read decides.

    A later trip without market goods is not judged: the model goes on to it without a
    market visit (or with a hand-in), the checker's schedule calls at the market.
    """
    if any(
        k > 0 and not any(problem.stops[s].at_market for s in trip) for k, trip in enumerate(trips)
    ):
        return True
    route = schedule_trips(problem, v, trips)
    return not any(x.rule in _DEFINITE for x in check_routes(problem, [route]))


def _feasible_for(model: RoutingModel, v: int, trips: list[list[int]]) -> bool:
    if not may_hold(model.problem, v, trips):
        return False
    plan: Plan = [[] for _ in model.problem.vehicles]
    plan[v] = trips
    return model.read_plan(plan) is not None


def _place_or_explain(
    model: RoutingModel,
    assignment: pywrapcp.Assignment,
    plan: Plan,
    explained: dict[int, Dropped] | None = None,
) -> tuple[pywrapcp.Assignment, Plan, list[Dropped]]:
    """Try to insert the stops the search left out; explain those that still do not fit
    (those ``explained`` already, tried before the search, as they were)."""
    explained = explained or {}
    served = {s for trips in plan for trip in trips for s in trip}
    left_out = [s for s in model.stops if s not in served]
    dropped: list[Dropped] = []
    for k, s in enumerate(left_out):
        if s in explained:
            dropped.append(explained[s])
            continue
        better = _cheapest_insertion(model, plan, s) if k < _MAX_REINSERTIONS else None
        if better is not None:
            assignment, plan = better
            continue
        dropped.append(_explain(model, s))
    return assignment, plan, dropped


def _explain(model: RoutingModel, s: int) -> Dropped:
    """Why stop ``s`` is dropped: a runner could serve it alone (the others' stops take the
    time and load), or none could."""
    allowed = model.problem.allowed_vehicles(s)
    candidates = range(len(model.problem.vehicles)) if allowed is None else allowed
    if any(_feasible_for(model, v, [[s]]) for v in candidates):
        detail = "the runners' time and load are taken by other orders"
        return Dropped(s, DropReason.NO_CAPACITY_LEFT, detail)
    detail = "no runner can serve it within its shift under all constraints"
    return Dropped(s, DropReason.WINDOW_UNREACHABLE, detail)


#: Candidate places `_cheapest_insertion` reads (cheapest first), and how many of the
#: feasible ones it compares by the model's objective. Ranked with what leaving the previous
#: plan costs, the first feasible place was the model's choice in 63 of 67 insertions of the
#: 120-order bench, and one of the first two in all but 4 (the first four: 3).
_INSERTION_READS = 40
_INSERTION_FEASIBLE = 2


def _cheapest_insertion(
    model: RoutingModel, plan: Plan, s: int, *, anywhere: bool = False
) -> tuple[pywrapcp.Assignment, Plan] | None:
    """The cheapest feasible plan with ``s`` added: at the end of a trip or as a new trip
    (``anywhere``: at any place of a trip too). Places are ranked by their detour plus what
    they change of the previous plan (``s`` moved off its runner; the stop after it reached
    from elsewhere), and read in that order (those `may_hold` refuses skipped); of the first
    feasible ones, the one the model's objective likes best wins."""
    problem = model.problem
    allowed = problem.allowed_vehicles(s)
    dist = problem.distance_m
    depot, here = problem.depot, problem.stops[s].location
    before = problem.previous_vehicle()
    ranked: list[tuple[int, int, Plan]] = []
    for v, trips in enumerate(plan):
        if allowed is not None and v not in allowed:
            continue
        vehicle = problem.vehicles[v]
        carried = bool(vehicle.carried)
        moved = problem.move_cost if before.get(s, v) != v else 0
        # A runner's first trip delivers what it carries: it passes no market before it, so a
        # stop to be bought there cannot join that trip (a read of that plan can only fail,
        # and proving it may take the read's whole time limit).
        for k, trip in enumerate(trips):
            if carried and k == 0:
                continue
            places = range(len(trip) + 1) if anywhere else (len(trip),)
            path = [depot, *(problem.stops[x].location for x in trip), depot]
            for i in places:
                a, b = path[i], path[i + 1]
                cost = int(dist[a, here] + dist[here, b] - dist[a, b]) + moved
                if i < len(trip) and before.get(trip[i]) == v:
                    cost += problem.reorder_cost
                option = [*trips[:k], [*trip[:i], s, *trip[i:]], *trips[k + 1 :]]
                ranked.append((cost, v, option))
        alone = int(dist[depot, here] + dist[here, depot]) + moved
        ranked.append((alone, v, [*trips, [s]]))
        if not carried:
            ranked.append((alone, v, [[s], *trips]))
    ranked.sort(key=lambda r: r[0])
    best: tuple[int, pywrapcp.Assignment, Plan] | None = None
    feasible = 0
    if anywhere:  # many places: read the cheapest only
        ranked = ranked[:_INSERTION_READS]
    for _cost, v, option in ranked:
        if not may_hold(problem, v, option):
            continue
        candidate = [list(t) for t in plan]
        candidate[v] = option
        found = model.read_plan(candidate)
        if found is None:
            continue
        feasible += 1
        if best is None or found.ObjectiveValue() < best[0]:
            best = (found.ObjectiveValue(), found, candidate)
        if anywhere and feasible >= _INSERTION_FEASIBLE:
            break
    return None if best is None else (best[1], best[2])
