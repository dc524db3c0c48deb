"""The OR-Tools model of one market's problem; builds it and reads plans in and out of it.

Several trips, one correct way: every order is a *pickup* node paired with its *delivery*
node at the door (same runner, pickup first). Goods bought at the market are picked up at a
node at the market (its service time is the picking time); goods collected at a seller, at a
node at the seller (its service time, its opening hours). Capacity dimensions count what is
on board, so a trip is whatever happens between two market visits:

- ``time``: travel plus service at the from-node; a return to the market (an arc into a
  market pickup from anywhere else) adds ``Problem.reload_s``; windows, opening hours, shifts
  and route durations on it.
- ``weight`` and ``slots``: on board (+ at pickup, - at delivery).
- ``cash``: what the runner holds, handed in at the market. Without cash on delivery for
  seller orders, a trip's cash is taken on at the market like weight (+ at the market
  pickup, - at delivery): the peak, right after loading, is what the runner holds when the
  trip ends. With it, cash is counted as collected (+ at delivery) and a market visit
  empties it (a negative transit that slack may absorb).
- ``trip``: how many trips the runner has begun: at each market visit, and at the start when
  it goes to a seller first. Goods bought at the market share it with their delivery, so
  they do not ride through the market; carried market goods are delivered at trip 0; goods
  from a seller may ride across a market visit.
- ``sequence`` (only when a runner has a locked sequence): the rank of each node on its
  route; a locked sequence's deliveries keep their order on it.

Matrices are handed over whole (``RegisterTransitMatrix`` / unary vectors): no Python
callback runs per arc during the search.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.constraint_solver import pywrapcp

from routing.problem import Problem
from routing.solution import Route, Visit, VisitKind

_ANYWHERE = -1  # location of an end node when a runner may finish wherever it is
_FROM_MARKET = -1  # node code of the market and of a start (see RoutingModel._node_codes)


def _pickup_code(stop: int) -> int:
    """Node code of ``stop``'s pickup at its seller (negative, apart from the market's)."""
    return -(stop + 2)


@dataclass(frozen=True)
class Layout:
    """How stops and vehicles map to OR-Tools nodes."""

    delivery: dict[int, int]
    """Stop -> its delivery node."""
    pickup: dict[int, int]
    """Stop -> its pickup node, at the market or at its seller (carried stops have none)."""
    hand_in: list[int]
    """Optional market visits without goods, to hand in cash (see ``_hand_ins_needed``)."""
    starts: list[int]
    ends: list[int]
    location: npt.NDArray[np.int64]
    """Location of every node (``-1`` for an end anywhere)."""
    stop: npt.NDArray[np.int64]
    """Stop of every delivery or pickup node, ``-1`` elsewhere."""
    is_pickup: npt.NDArray[np.bool_]
    """Whether a node is a pickup, at the market or at a seller, or a hand-in."""
    is_market: npt.NDArray[np.bool_]
    """Whether a node is at the market, a pickup or a hand-in (a market visit is a run of
    them)."""

    @property
    def num_nodes(self) -> int:
        return int(self.location.shape[0])


def _layout(problem: Problem, stops: Sequence[int]) -> Layout:
    carried = problem.carrier_of()
    delivery = {s: i for i, s in enumerate(stops)}
    picked = [s for s in stops if s not in carried]
    pickup = {s: len(stops) + i for i, s in enumerate(picked)}
    first_hand_in = len(stops) + len(picked)
    n_hand_in = _hand_ins_needed(problem, stops)
    hand_in = list(range(first_hand_in, first_hand_in + n_hand_in))
    first_start = first_hand_in + n_hand_in
    n_veh = len(problem.vehicles)
    starts = list(range(first_start, first_start + n_veh))
    ends = list(range(first_start + n_veh, first_start + 2 * n_veh))
    seller = [problem.stops[s].pickup for s in picked]
    location = np.array(
        [problem.stops[s].location for s in stops]
        + [problem.depot if at is None else at.location for at in seller]
        + [problem.depot] * n_hand_in
        + [v.start for v in problem.vehicles]
        + [_ANYWHERE if v.end is None else v.end for v in problem.vehicles],
        dtype=np.int64,
    )
    stop = np.array(list(stops) + picked + [-1] * (n_hand_in + 2 * n_veh), dtype=np.int64)
    is_pickup = np.zeros(location.shape[0], dtype=bool)
    is_pickup[len(stops) : first_start] = True
    is_market = np.zeros(location.shape[0], dtype=bool)
    is_market[len(stops) : first_hand_in] = [at is None for at in seller]
    is_market[first_hand_in:first_start] = True
    return Layout(delivery, pickup, hand_in, starts, ends, location, stop, is_pickup, is_market)


def _hand_ins_needed(problem: Problem, stops: Sequence[int]) -> int:
    """How many market visits without goods (to hand in cash) a plan may need: only when a
    cash cap meets cash on delivery from sellers, at most one per such order."""
    if all(v.cash_cap_rp is None for v in problem.vehicles):
        return 0
    return sum(1 for s in stops if problem.stops[s].cash_rp and not problem.stops[s].at_market)


def _node_matrix(matrix: npt.NDArray[np.int64], location: npt.NDArray[np.int64]) -> np.ndarray:
    """``matrix`` between nodes; arcs into an end-anywhere node are free."""
    loc = np.where(location == _ANYWHERE, 0, location)
    out = matrix[loc[:, None], loc[None, :]].copy()
    out[:, location == _ANYWHERE] = 0
    out[location == _ANYWHERE, :] = 0
    return out


class RoutingModel:
    """The OR-Tools routing model of ``problem`` restricted to ``stops``."""

    def __init__(self, problem: Problem, stops: Sequence[int]) -> None:
        self.problem = problem
        self.stops = list(stops)
        self.layout = lay = _layout(problem, self.stops)
        n_veh = len(problem.vehicles)
        self.manager = pywrapcp.RoutingIndexManager(lay.num_nodes, n_veh, lay.starts, lay.ends)
        self.routing = pywrapcp.RoutingModel(self.manager)
        self.sequence: pywrapcp.RoutingDimension | None = None
        self._build()

    # -- building ---------------------------------------------------------------------------

    def _build(self) -> None:
        p, lay, routing = self.problem, self.layout, self.routing
        stops = p.stops
        loc = lay.location
        distance = _node_matrix(p.distance_m, loc)
        travel = _node_matrix(p.duration_s, loc)
        service = np.zeros(lay.num_nodes, dtype=np.int64)
        for s, node in lay.delivery.items():
            service[node] = stops[s].service_s
        for s, node in lay.pickup.items():
            at = stops[s].pickup
            service[node] = stops[s].picking_s if at is None else at.service_s
        # A market visit starts where an arc enters a market pickup from any other node.
        new_visit = (~lay.is_market)[:, None] & lay.is_market[None, :]
        away = (loc != p.depot)[:, None]
        transit = travel + service[:, None] + np.where(new_visit & away, p.reload_s, 0)
        self.travel, self.distance = travel, distance

        if p.previous is not None and (p.move_cost or p.reorder_cost):
            for v in range(len(p.vehicles)):
                cost = distance + self._change_cost(v)
                routing.SetArcCostEvaluatorOfVehicle(
                    routing.RegisterTransitMatrix(cost.tolist()), v
                )
        else:
            arc = routing.RegisterTransitMatrix(distance.tolist())
            routing.SetArcCostEvaluatorOfAllVehicles(arc)

        horizon = max(v.shift.end for v in p.vehicles)
        time_cb = routing.RegisterTransitMatrix(transit.tolist())
        routing.AddDimension(time_cb, horizon, horizon, False, "time")
        self.time = time = routing.GetDimensionOrDie("time")

        # A trip begins at each market visit, and at the start of a runner with nothing on
        # board that rides to a seller first.
        new_trip = new_visit.astype(np.int64)
        at_seller = lay.is_pickup & ~lay.is_market
        for v, veh in enumerate(p.vehicles):
            if not veh.carried:
                new_trip[lay.starts[v], at_seller] = 1
        trip_cb = routing.RegisterTransitMatrix(new_trip.tolist())
        trip_caps = [
            (v.max_trips - (1 if v.carried else 0)) if v.max_trips is not None else len(stops) + 1
            for v in p.vehicles
        ]
        routing.AddDimensionWithVehicleCapacity(trip_cb, 0, trip_caps, True, "trip")
        self.trip = trip = routing.GetDimensionOrDie("trip")

        self._load_dimension("weight", "weight_g", [v.capacity_g for v in p.vehicles])
        if any(v.max_orders_per_trip is not None for v in p.vehicles):
            big = sum(s.count for s in stops) + 1
            caps = [
                v.max_orders_per_trip if v.max_orders_per_trip is not None else big
                for v in p.vehicles
            ]
            self._load_dimension("slots", "count", caps)
        if any(v.cash_cap_rp is not None for v in p.vehicles):
            if any(stops[s].cash_rp and not stops[s].at_market for s in self.stops):
                self._cash_held_dimension()
            else:
                self._cash_dimension()

        solver = routing.solver()
        index = self.manager.NodeToIndex
        for v, veh in enumerate(p.vehicles):
            for node in (lay.starts[v], lay.ends[v]):
                time.CumulVar(index(node) if node == lay.starts[v] else routing.End(v)).SetRange(
                    veh.shift.start, veh.shift.end
                )
            if veh.max_duration_s is not None:
                time.SetSpanUpperBoundForVehicle(veh.max_duration_s, v)
        if p.balance_cost:
            time.SetGlobalSpanCostCoefficient(p.balance_cost)

        carrier = p.carrier_of()
        allowed = self._allowed_vehicles()
        for s in self.stops:
            pinned = p.allowed_vehicles(s)
            if pinned is not None and s not in carrier:
                allowed[s] = [v for v in allowed.get(s, range(len(p.vehicles))) if v in pinned]
        for s in self.stops:
            stop = stops[s]
            d = index(lay.delivery[s])
            window = stop.window
            if window is not None:
                if window.soft:
                    time.CumulVar(d).SetMin(window.start)
                    time.SetCumulVarSoftUpperBound(d, window.end, window.lateness_cost)
                else:
                    time.CumulVar(d).SetRange(window.start, window.end)
            if s in carrier:
                v = carrier[s]
                self._allow(d, [v])
                if stop.at_market:
                    trip.CumulVar(d).SetMax(0)
                routing.AddDisjunction([d], stop.penalty * 100)
                continue
            pk = index(lay.pickup[s])
            routing.AddPickupAndDelivery(pk, d)
            solver.Add(routing.VehicleVar(pk) == routing.VehicleVar(d))
            solver.Add(time.CumulVar(pk) <= time.CumulVar(d))
            if stop.pickup is None:
                solver.Add(trip.CumulVar(pk) == trip.CumulVar(d))
            elif stop.pickup.window is not None:
                time.CumulVar(pk).SetRange(stop.pickup.window.start, stop.pickup.window.end)
            if stop.max_ride_s is not None:
                ride = time.CumulVar(d) - time.CumulVar(pk)
                solver.Add(ride <= stop.max_ride_s + int(service[lay.pickup[s]]))
            routing.AddDisjunction([pk, d], stop.penalty, 2)
            if s in allowed:
                self._allow(pk, allowed[s])
                self._allow(d, allowed[s])
        for node in lay.hand_in:
            routing.AddDisjunction([index(node)], 0)  # used only when the cash needs it
        for v, veh in enumerate(p.vehicles):
            if veh.carried and veh.carried_in_order:
                chain = [routing.Start(v)] + [index(lay.delivery[s]) for s in veh.carried]
                for a, b in itertools.pairwise(chain):
                    solver.Add(routing.NextVar(a) == b)
            self._keep_sequence([lay.delivery[s] for s in veh.locked if s in lay.delivery])

    def _keep_sequence(self, nodes: Sequence[int]) -> None:
        """``nodes`` (deliveries of a locked sequence) are served in this order.

        Kept by rank, not by time: on a ``sequence`` dimension that counts the nodes of a
        route, each node of the sequence comes after every earlier one that is served too.
        (Arrival times alone tie when stops are reached at the same moment.) Every pair is
        constrained, so the order holds when a stop between two others is dropped; anything
        else (other orders, a return to the market) may come before, between and after them.
        """
        if len(nodes) < 2:
            return
        routing, index = self.routing, self.manager.NodeToIndex
        if self.sequence is None:
            routing.AddConstantDimension(1, self.layout.num_nodes + 1, True, "sequence")
            self.sequence = routing.GetDimensionOrDie("sequence")
        for k, first in enumerate(nodes):
            for second in nodes[k + 1 :]:
                # Applies when both are served: a dropped stop constrains nothing.
                self.sequence.AddNodePrecedence(index(first), index(second), 1)

    def _change_cost(self, v: int) -> npt.NDArray[np.int64]:
        """What leaving ``Problem.previous`` costs on vehicle ``v``'s arcs: ``move_cost`` on
        every arc into a stop ``v`` did not serve before, ``reorder_cost`` on every arc into
        one of ``v``'s stops (its delivery, and its pickup at a seller) from another place
        than before (another stop, or the market instead of a stop)."""
        p, lay = self.problem, self.layout
        assert p.previous is not None
        cost = np.zeros((lay.num_nodes, lay.num_nodes), dtype=np.int64)
        before = p.previous_vehicle()
        code = self._node_codes()
        came_from: dict[int, int] = {}  # node code -> the code before it, -1 after loading
        listed = Counter(s for trip in p.previous[v] for s in trip)
        collected: set[int] = set()
        for trip in p.previous[v]:
            last = _FROM_MARKET
            for s in trip:
                visits = []
                if not p.stops[s].at_market and s not in collected:
                    collected.add(s)
                    visits.append(_pickup_code(s))
                    if listed[s] == 1:
                        visits.append(s)
                else:
                    visits.append(s)
                for here in visits:
                    came_from[here] = last
                    last = here
        for s, node in lay.delivery.items():
            if s not in before:
                continue
            if before[s] != v:
                cost[:, node] += p.move_cost
                continue
            targets = [node]
            if not p.stops[s].at_market and s in lay.pickup:
                targets.append(lay.pickup[s])
            for target in targets:
                pred = came_from.get(int(code[target]), _FROM_MARKET)
                cost[code != pred, target] += p.reorder_cost
        return cost

    def _node_codes(self) -> npt.NDArray[np.int64]:
        """Every node as the place a runner comes from: a delivery is its stop, a pickup at a
        seller ``_pickup_code(stop)``, the market and a start ``_FROM_MARKET``."""
        lay = self.layout
        code = np.where(lay.is_pickup, _FROM_MARKET, lay.stop)  # starts and ends: -1 too
        seller = lay.is_pickup & ~lay.is_market
        code[seller] = [_pickup_code(int(s)) for s in lay.stop[seller]]
        return code

    def _allow(self, index: int, vehicles: list[int]) -> None:
        """Only ``vehicles`` may visit ``index`` (-1 keeps it droppable)."""
        self.routing.VehicleVar(index).SetValues([-1, *vehicles])

    def _load_dimension(
        self, name: str, attr: str, capacities: list[int], extra: list[int] | None = None
    ) -> None:
        """What is on board: ``attr`` of each stop, + at its pickup, - at its delivery;
        a runner starts with its carried stops' ``attr`` plus ``extra``."""
        p, lay, routing = self.problem, self.layout, self.routing
        demand = np.zeros(lay.num_nodes, dtype=np.int64)
        for s, node in lay.pickup.items():
            demand[node] = getattr(p.stops[s], attr)
        for s, node in lay.delivery.items():
            demand[node] = -getattr(p.stops[s], attr)
        cb = routing.RegisterUnaryTransitVector(demand.tolist())
        routing.AddDimensionWithVehicleCapacity(cb, 0, capacities, False, name)
        dim = routing.GetDimensionOrDie(name)
        for v, veh in enumerate(p.vehicles):
            on_board = sum(getattr(p.stops[s], attr) for s in veh.carried)
            on_board += extra[v] if extra is not None else 0
            dim.CumulVar(routing.Start(v)).SetRange(on_board, on_board)

    def _cash_dimension(self) -> None:
        p = self.problem
        total = sum(s.cash_rp for s in p.stops) + max(v.cash_on_hand_rp for v in p.vehicles)
        caps = [v.cash_cap_rp if v.cash_cap_rp is not None else total for v in p.vehicles]
        self._load_dimension("cash", "cash_rp", caps, [v.cash_on_hand_rp for v in p.vehicles])

    def _cash_held_dimension(self) -> None:
        """The cash the runner holds: + at each delivery, emptied at each market visit.

        Needed once goods from a seller bring cash on delivery: they may ride across a market
        visit, so a trip's cash is no longer what it loads at the market. The market pickups
        take ``total`` away and their slack gives back what the runner keeps (nothing, when
        the search picks the slack that fits).
        """
        p, lay, routing = self.problem, self.layout, self.routing
        total = sum(s.cash_rp for s in p.stops) + max(v.cash_on_hand_rp for v in p.vehicles)
        caps = [v.cash_cap_rp if v.cash_cap_rp is not None else total for v in p.vehicles]
        change = np.zeros(lay.num_nodes, dtype=np.int64)
        for s, node in lay.delivery.items():
            change[node] = p.stops[s].cash_rp
        change[lay.is_market] = -total
        cb = routing.RegisterUnaryTransitVector(change.tolist())
        routing.AddDimensionWithVehicleCapacity(cb, total, caps, False, "cash")
        cash = routing.GetDimensionOrDie("cash")
        for v, veh in enumerate(p.vehicles):
            cash.CumulVar(routing.Start(v)).SetRange(veh.cash_on_hand_rp, veh.cash_on_hand_rp)

    def _allowed_vehicles(self) -> dict[int, list[int]]:
        """Stops that only some vehicles can carry (too heavy or too much cash for the others)."""
        p = self.problem
        out: dict[int, list[int]] = {}
        for s in self.stops:
            stop = p.stops[s]
            fits = [
                v
                for v, veh in enumerate(p.vehicles)
                if stop.weight_g <= veh.capacity_g
                and (veh.max_orders_per_trip is None or stop.count <= veh.max_orders_per_trip)
                and (
                    veh.cash_cap_rp is None or stop.cash_rp + veh.cash_on_hand_rp <= veh.cash_cap_rp
                )
            ]
            if len(fits) < len(p.vehicles):
                out[s] = fits
        return out

    # -- plans in and out -------------------------------------------------------------------

    def node_route(
        self, vehicle: int, trips: Sequence[Sequence[int]], hand_in: list[int] | None = None
    ) -> list[int]:
        """The OR-Tools indices visiting ``trips`` (stop indices) for ``vehicle``.

        A trip loads its market goods at the market first (perishables last, so their ride
        starts as late as possible); the first trip of a runner with goods on board, or with
        no market goods, does not go to the market; a later trip without market goods takes
        a hand-in visit from ``hand_in`` when one is left (else it goes on from the last).
        Carried stops are delivered without loading. A stop collected at a seller is listed
        at its pickup and at its delivery; listed once, it is collected just before its
        delivery.
        """
        lay, stops = self.layout, self.problem.stops
        index = self.manager.NodeToIndex
        listed = Counter(s for trip in trips for s in trip)
        collected: set[int] = set()
        route: list[int] = []
        for k, trip in enumerate(trips):
            to_buy = list(dict.fromkeys(s for s in trip if s in lay.pickup and stops[s].at_market))
            to_buy.sort(key=lambda s: -(stops[s].max_ride_s or 10**12))
            route.extend(index(lay.pickup[s]) for s in to_buy)
            if k > 0 and not to_buy and hand_in:
                route.append(index(hand_in.pop()))
            for s in trip:
                if s not in lay.pickup or stops[s].at_market or s in collected:
                    route.append(index(lay.delivery[s]))
                    continue
                collected.add(s)
                route.append(index(lay.pickup[s]))
                if listed[s] == 1:
                    route.append(index(lay.delivery[s]))
        return route

    def read_plan(self, plan: Sequence[Sequence[Sequence[int]]]) -> pywrapcp.Assignment | None:
        """An assignment for ``plan`` (per vehicle, trips of stop indices), or ``None``."""
        hand_in = list(self.layout.hand_in)
        routes = [self.node_route(v, plan[v], hand_in) for v in range(len(plan))]
        routes += [[] for _ in range(len(self.problem.vehicles) - len(routes))]
        return self.routing.ReadAssignmentFromRoutes(routes, True)

    def plan_of(self, assignment: pywrapcp.Assignment) -> list[list[list[int]]]:
        """Per vehicle, the trips of ``assignment``: stop indices in visiting order, a stop
        collected at a seller listed at its pickup and at its delivery."""
        lay, routing = self.layout, self.routing
        plan: list[list[list[int]]] = []
        for v in range(len(self.problem.vehicles)):
            trips: list[list[int]] = []
            index = assignment.Value(routing.NextVar(routing.Start(v)))
            at_market = False
            while not routing.IsEnd(index):
                node = self.manager.IndexToNode(index)
                if lay.is_market[node]:
                    if not at_market:
                        trips.append([])
                    at_market = True
                else:
                    if not trips:
                        trips.append([])
                    trips[-1].append(int(lay.stop[node]))
                    at_market = False
                index = assignment.Value(routing.NextVar(index))
            plan.append([t for t in trips if t])
        return plan

    def routes_of(self, assignment: pywrapcp.Assignment) -> tuple[Route, ...]:
        """The routes of ``assignment`` with the earliest schedule the model allows."""
        return tuple(self._route(v, assignment) for v in range(len(self.problem.vehicles)))

    def _route(self, v: int, assignment: pywrapcp.Assignment) -> Route:
        p, lay, routing = self.problem, self.layout, self.routing
        veh = p.vehicles[v]
        indices = [routing.Start(v)]
        while not routing.IsEnd(indices[-1]):
            indices.append(assignment.Value(routing.NextVar(indices[-1])))
        nodes = [self.manager.IndexToNode(i) for i in indices]
        cumul = [assignment.Min(self.time.CumulVar(i)) for i in indices]

        # Group consecutive market pickups into one market visit: (kind, node positions).
        places: list[tuple[VisitKind, list[int]]] = [(VisitKind.START, [0])]
        for k in range(1, len(nodes) - 1):
            if lay.is_market[nodes[k]]:
                if places[-1][0] is VisitKind.MARKET:
                    places[-1][1].append(k)
                else:
                    places.append((VisitKind.MARKET, [k]))
            elif lay.is_pickup[nodes[k]]:
                places.append((VisitKind.PICKUP, [k]))
            else:
                places.append((VisitKind.DELIVERY, [k]))
        places.append((VisitKind.END, [len(nodes) - 1]))

        def loc(k: int) -> int:
            return int(lay.location[nodes[k]])

        end_loc = loc(len(nodes) - 1)
        if end_loc == _ANYWHERE:
            end_loc = loc(places[-2][1][-1])
        # Arrival and service start of every place, from the cumuls.
        arrival: list[int] = []
        start: list[int] = []
        for i, (kind, ks) in enumerate(places):
            c = cumul[ks[0]]
            if kind is VisitKind.MARKET:
                prev_loc = loc(places[i - 1][1][-1])
                reload = p.reload_s if prev_loc != p.depot else 0
                arrival.append(c - reload)
            else:
                arrival.append(c)
            start.append(c)
        visits: list[Visit] = []
        trip = 1 if veh.carried or places[1][0] is VisitKind.PICKUP else 0
        load = sum(p.stops[s].weight_g for s in veh.carried)
        cash = veh.cash_on_hand_rp
        lateness = 0
        for i, (kind, ks) in enumerate(places):
            node_stops = tuple(int(lay.stop[nodes[k]]) for k in ks if lay.stop[nodes[k]] >= 0)
            here = end_loc if kind is VisitKind.END else loc(ks[0])
            if i + 1 < len(places):
                nxt = places[i + 1]
                nxt_loc = end_loc if nxt[0] is VisitKind.END else loc(nxt[1][0])
                leave = arrival[i + 1] - int(p.duration_s[here, nxt_loc])
                if nxt[0] is VisitKind.END and lay.location[nodes[nxt[1][0]]] == _ANYWHERE:
                    leave = arrival[i + 1]
            else:
                leave = arrival[i]
            dist_in = 0
            if i > 0:
                prev_here = visits[-1].location
                dist_in = int(p.distance_m[prev_here, here])
            if kind is VisitKind.START:
                arrival[i] = start[i] = leave
                busy = 0
            elif kind is VisitKind.MARKET:
                trip += 1
                load += sum(p.stops[s].weight_g for s in node_stops)
                cash = 0  # handed in at the market
                busy = (start[i] - arrival[i]) + sum(p.stops[s].picking_s for s in node_stops)
            elif kind is VisitKind.PICKUP:
                stop = p.stops[node_stops[0]]
                assert stop.pickup is not None
                load += stop.weight_g
                busy = stop.pickup.service_s
            elif kind is VisitKind.DELIVERY:
                stop = p.stops[node_stops[0]]
                load -= stop.weight_g
                cash += stop.cash_rp
                busy = stop.service_s
                if stop.window is not None and stop.window.soft:
                    lateness += max(0, start[i] - stop.window.end)
            else:
                busy = 0
                leave = arrival[i]
            waiting = leave - arrival[i] - busy
            visits.append(
                Visit(
                    kind=kind,
                    location=here,
                    stops=node_stops,
                    arrival=arrival[i],
                    start=start[i] if kind is not VisitKind.END else arrival[i],
                    departure=leave,
                    waiting=waiting,
                    trip=trip,
                    load_g=0 if kind is VisitKind.END else load,
                    cash_rp=cash,
                    distance_m=dist_in,
                )
            )
        return Route(
            vehicle=v,
            visits=tuple(visits),
            distance_m=sum(x.distance_m for x in visits),
            duration_s=visits[-1].arrival - visits[0].departure,
            lateness_s=lateness,
        )
