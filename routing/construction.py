"""Warm start from PyVRP: a relaxation of the problem solved with reload depots.

PyVRP's iterated local search builds several-trip routes well and fast. It cannot express
everything our runners need, so it solves a relaxation and OR-Tools completes the plan under
the full model (``routing.model``):

- every runner starts at the market; one that is elsewhere or still carrying goods becomes
  available there at the time it could first be back;
- picking time at the market is added to the service at the door;
- soft windows become open-ended; maximum ride times are left out; cash on delivery is a
  load dimension (handed in at each return), cash already held is left out.

The market is depot 0; its copy, depot 1, is the reload depot, and only arcs *into* the copy
carry ``reload_s``, so the time to park and load counts at each return and not at the start.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pyvrp
import pyvrp.search
from pyvrp.exceptions import PenaltyBoundWarning

from routing.problem import Problem

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
    stop: Callable[[float], bool],
    seed: int,
) -> list[list[list[int]]]:
    """PyVRP's plan for ``stops``: per vehicle, trips of stop indices (carried stops first).

    ``stop`` is asked after every PyVRP iteration with the best cost so far (a
    ``routing.stop`` criterion fits)."""
    p = problem
    carrier = p.carrier_of()
    clients = [s for s in stops if s not in carrier]
    if not clients:
        return [[list(v.carried)] if v.carried else [] for v in p.vehicles]

    anywhere = any(v.end is None for v in p.vehicles)
    # PyVRP locations: market, market copy (reload), [anywhere], then one per client.
    locs = [p.depot, p.depot] + ([p.depot] if anywhere else [])
    first_client = len(locs)
    locs += [p.stops[s].location for s in clients]
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
    all_cash = sum(p.stops[s].cash_rp for s in clients)
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
    # Identical runners share one vehicle type: PyVRP searches better without the symmetry.
    types: dict[tuple[object, ...], list[int]] = {}
    for v, veh in enumerate(p.vehicles):
        cap = [veh.capacity_g]
        if use_slots:
            cap.append(veh.max_orders_per_trip or sum(p.stops[s].count for s in clients))
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
    )
    several_trips = any(v.max_trips is None or v.max_trips > 1 for v in p.vehicles)
    large = several_trips and len(clients) > _LARGE
    search = _SEARCH_LARGE_SEVERAL_TRIPS if large else _SEARCH_DEFAULT
    with warnings.catch_warnings():
        # An overloaded morning has no plan serving every order: PyVRP says so by warning;
        # the solve trims its plan to what fits instead.
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        result = pyvrp.solve(
            data, stop=stop, seed=seed, display=False, collect_stats=False, params=search
        )
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
        plan[v].extend(trips[k] for k in sorted(trips))
    return plan


def _trips_left(p: Problem) -> list[int | None]:
    return [
        None if v.max_trips is None else v.max_trips - (1 if v.carried else 0) for v in p.vehicles
    ]
