"""Warm start from PyVRP: a relaxation of the problem solved with reload depots.

PyVRP's iterated local search builds several-trip routes well and fast. It cannot express
everything our runners need, so it solves a relaxation and OR-Tools completes the plan under
the full model (``routing.model``):

- every runner starts at the market; one that is elsewhere or still carrying goods becomes
  available there at the time it could first be back;
- picking time at the market is added to the service at the door;
- soft windows become open-ended; maximum ride times are left out; cash on delivery is a
  load dimension (handed in at each return), cash already held is left out;
- an order collected at a seller is a PyVRP *shipment* (pickup at the seller within its
  opening hours, delivery at the door) that must be delivered within the trip it was
  collected in: PyVRP cannot carry a shipment across a reload (PyVRP issue 1149), which the
  full model allows. With ``sellers="insertion"`` they are left out instead, for OR-Tools to
  insert.

The market is depot 0; its copy, depot 1, is the reload depot, and only arcs *into* the copy
carry ``reload_s``, so the time to park and load counts at each return and not at the start.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pyvrp
import pyvrp.search
from pyvrp.exceptions import PenaltyBoundWarning

from routing.problem import Problem
from routing.stop import Deadline, MultipleCriteria, StoppingCriterion

_UNBOUNDED = np.iinfo(np.int64).max

#: PyVRP search settings. All narrow the neighbourhood from PyVRP's 50 and perturb less than
#: its 25 moves, which converges faster in the second or so a dispatch gives a market.
#: Large several-trip mornings want the gentlest perturbations (measured with bench.market
#: over 24 generated mornings per size at 0.85 s, against PyVRP's defaults: at most 10 moves
#: is 0.1 % shorter at 30 orders and 2.2 % at 60; at most 5 is 4.1 % shorter at 120 but
#: gets stuck at 30). Solomon at 2 s: 30/10 keeps the mean gap at 0.7 %, 40/5 gives 1.7 %.
_SEARCH_LARGE_SEVERAL_TRIPS = pyvrp.SolveParams(
    neighbourhood=pyvrp.search.NeighbourhoodParams(num_neighbours=40),
    perturbation=pyvrp.search.PerturbationParams(1, 5),
)
#: Above this many orders a several-trip morning counts as large.
_LARGE = 80
_SEARCH_DEFAULT = pyvrp.SolveParams(
    neighbourhood=pyvrp.search.NeighbourhoodParams(num_neighbours=30),
    perturbation=pyvrp.search.PerturbationParams(1, 10),
)


def pyvrp_plan(
    problem: Problem,
    stops: Sequence[int],
    *,
    stop: StoppingCriterion,
    seed: int,
    sellers: Literal["auto", "shipments", "staged", "insertion"] = "auto",
) -> list[list[list[int]]]:
    """PyVRP's plan for ``stops``: per vehicle, trips of stop indices (carried stops first;
    a stop collected at a seller listed at its pickup and at its delivery).

    ``stop`` is asked after every PyVRP iteration with the best cost so far (a
    ``routing.stop`` criterion fits). ``sellers``: orders collected at a seller are PyVRP
    shipments, or left out of the plan (``insertion``)."""
    p = problem
    carrier = p.carrier_of()
    clients = [s for s in stops if s not in carrier and p.stops[s].at_market]
    shipped = [s for s in stops if s not in carrier and not p.stops[s].at_market]
    if sellers == "insertion":
        shipped = []
    if not clients and not shipped:
        return [[list(v.carried)] if v.carried else [] for v in p.vehicles]

    anywhere = any(v.end is None for v in p.vehicles)
    # PyVRP locations: market, market copy (reload), [anywhere], then one per client.
    locs = [p.depot, p.depot] + ([p.depot] if anywhere else [])
    first_client = len(locs)
    locs += [p.stops[s].location for s in clients]
    first_shipment = len(locs)
    for s in shipped:
        at = p.stops[s].pickup
        assert at is not None
        locs += [at.location, p.stops[s].location]
    idx = np.array(locs, dtype=np.int64)
    distance = p.distance_m[idx[:, None], idx[None, :]].copy()
    duration = p.duration_s[idx[:, None], idx[None, :]].copy()
    duration[first_client:, 1] += p.reload_s
    if anywhere:
        distance[:, 2] = 0
        duration[:, 2] = 0
    np.fill_diagonal(distance, 0)
    np.fill_diagonal(duration, 0)

    use_slots = any(v.max_orders_per_trip is not None for v in p.vehicles)
    use_cash = any(v.cash_cap_rp is not None for v in p.vehicles)
    all_cash = sum(p.stops[s].cash_rp for s in clients + shipped)
    horizon = max(v.shift.end for v in p.vehicles)
    depots = [pyvrp.Depot(0), pyvrp.Depot(1)] + ([pyvrp.Depot(2)] if anywhere else [])
    pv_clients = []
    for k, s in enumerate(clients):
        order = p.stops[s]
        window = order.window
        early, late = (0, horizon) if window is None else (window.start, window.end)
        if window is not None and window.soft:
            late = horizon
        pv_clients.append(
            pyvrp.Client(
                location=first_client + k,
                delivery=[order.weight_g]
                + ([order.count] if use_slots else [])
                + ([order.cash_rp] if use_cash else []),
                service_duration=order.service_s + order.picking_s,
                tw_early=early,
                tw_late=late,
                required=True,
            )
        )
    shipments = []
    for k, s in enumerate(shipped):
        order = p.stops[s]
        at = order.pickup
        assert at is not None
        hours = at.window
        window = order.window
        late = horizon if window is None or window.soft else window.end
        shipments.append(
            pyvrp.Shipment(
                pickup_location=first_shipment + 2 * k,
                delivery_location=first_shipment + 2 * k + 1,
                pickup_tw_early=0 if hours is None else hours.start,
                pickup_tw_late=horizon if hours is None else hours.end,
                pickup_service_duration=at.service_s,
                delivery_tw_early=0 if window is None else window.start,
                delivery_tw_late=late,
                delivery_service_duration=order.service_s,
                amount=[order.weight_g]
                + ([order.count] if use_slots else [])
                + ([order.cash_rp] if use_cash else []),
                required=True,
            )
        )
    # Identical runners share one vehicle type: PyVRP searches better without the symmetry.
    types: dict[tuple[object, ...], list[int]] = {}
    for v, veh in enumerate(p.vehicles):
        cap = [veh.capacity_g]
        if use_slots:
            cap.append(veh.max_orders_per_trip or sum(p.stops[s].count for s in clients + shipped))
        if use_cash:
            cap.append(veh.cash_cap_rp if veh.cash_cap_rp is not None else all_cash)
        trips_left = None if veh.max_trips is None else veh.max_trips - (1 if veh.carried else 0)
        key = (
            tuple(cap),
            veh.end is None,
            min(p.ready_at_market(v), veh.shift.end),
            veh.shift.end,
            veh.max_duration_s,
            trips_left,
        )
        types.setdefault(key, []).append(v)
    vehicle_types = [
        pyvrp.VehicleType(
            num_available=len(members),
            capacity=list(cap),
            start_depot=0,
            end_depot=2 if anywhere_end else 0,
            tw_early=ready,
            tw_late=shift_end,
            shift_duration=max_duration if max_duration is not None else _UNBOUNDED,
            reload_depots=[] if trips_left == 1 else [1],
            max_reloads=max(0, trips_left - 1) if trips_left is not None else 2**32,
        )
        for (
            cap,
            anywhere_end,
            ready,
            shift_end,
            max_duration,
            trips_left,
        ), members in types.items()
    ]
    data = pyvrp.ProblemData(
        locations=[pyvrp.Location(0.0, 0.0) for _ in locs],
        clients=pv_clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=[distance],
        duration_matrices=[duration],
        shipments=shipments,
    )
    several_trips = any(v.max_trips is None or v.max_trips > 1 for v in p.vehicles)
    large = several_trips and len(clients) + len(shipped) > _LARGE
    search = _SEARCH_LARGE_SEVERAL_TRIPS if large else _SEARCH_DEFAULT
    if sellers == "staged" and shipped:
        result = _staged(data, stop, seed, search)
    elif sellers == "auto" and shipped and stop.remaining_s() is not None:
        # Shipments first; when PyVRP has found no feasible plan by half its clock (large,
        # tight mornings), the rest of the clock goes to the staged construction.
        remaining = stop.remaining_s() or 0.0
        watchdog = _NoFeasiblePlanBy(Deadline(remaining * _FEASIBLE_BY_SHARE))
        result = _pyvrp(data, MultipleCriteria([stop, watchdog]), seed, search)
        if not result.is_feasible() and watchdog.fired:
            result = _staged(data, stop, seed, search)
    else:
        result = _pyvrp(data, stop, seed, search)
    plan: list[list[list[int]]] = [[list(v.carried)] if v.carried else [] for v in p.vehicles]
    members = [list(m) for m in types.values()]
    for route in result.best.routes():
        v = members[route.vehicle_type()].pop(0)
        if _trips_left(p)[v] == 0:
            continue
        trips: dict[int, list[int]] = {}
        for act in route.schedule():
            if act.type == pyvrp.ActivityType.CLIENT:
                trips.setdefault(act.trip, []).append(clients[act.idx])
            elif act.type in (pyvrp.ActivityType.PICKUP, pyvrp.ActivityType.DELIVERY):
                trips.setdefault(act.trip, []).append(shipped[act.idx])
        plan[v].extend(trips[k] for k in sorted(trips))
    return plan


#: Part of the construction's clock the staged construction gives the market orders alone.
_FIRST_STAGE_SHARE = 0.4
#: Part of the construction's clock by which PyVRP must have a feasible plan with shipments
#: (``sellers="auto"``), or the staged construction takes over.
_FEASIBLE_BY_SHARE = 0.7


def _pyvrp(
    data: pyvrp.ProblemData,
    stop: StoppingCriterion,
    seed: int,
    search: pyvrp.SolveParams,
    initial: pyvrp.Solution | None = None,
) -> pyvrp.Result:
    with warnings.catch_warnings():
        # An overloaded morning has no plan serving every order: PyVRP says so by warning;
        # the solve trims its plan to what fits instead.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        return pyvrp.solve(
            data,
            stop=stop,
            seed=seed,
            display=False,
            collect_stats=False,
            params=search,
            initial_solution=initial,
        )


def _staged(
    data: pyvrp.ProblemData, stop: StoppingCriterion, seed: int, search: pyvrp.SolveParams
) -> pyvrp.Result:
    """The market orders alone first (PyVRP finds them a feasible plan fast), then the
    shipments inserted into that plan and the whole improved."""
    found = _pyvrp(data.replace(shipments=[]), _first_stage(stop), seed, search)
    initial = pyvrp.Solution(
        data,
        [
            pyvrp.Route(
                data,
                [pyvrp.Activity(a.type, a.idx) for a in route.schedule()[1:-1]],
                route.vehicle_type(),
            )
            for route in found.best.routes()
        ],
    )
    return _pyvrp(data, stop, seed, search, initial)


class _NoFeasiblePlanBy:
    """Stops when ``deadline`` passes before the search has any feasible plan."""

    _INFEASIBLE = int(np.iinfo(np.int64).max)  # PyVRP's cost of an infeasible best plan

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline
        self.feasible = False
        self.fired = False

    def __call__(self, best_cost: float) -> bool:
        self.feasible = self.feasible or best_cost < self._INFEASIBLE
        self.fired = not self.feasible and self.deadline(best_cost)
        return self.fired

    def remaining_s(self) -> float | None:
        return None


def _first_stage(stop: StoppingCriterion) -> StoppingCriterion:
    """The criterion of the staged construction's first stage: a copy of ``stop`` (its own
    count) and ``_FIRST_STAGE_SHARE`` of what is left on its clock."""
    remaining = stop.remaining_s()
    copied = copy.deepcopy(stop)
    if remaining is None:
        return copied
    return MultipleCriteria([copied, Deadline(remaining * _FIRST_STAGE_SHARE)])


def _trips_left(p: Problem) -> list[int | None]:
    return [
        None if v.max_trips is None else v.max_trips - (1 if v.carried else 0) for v in p.vehicles
    ]
