"""The two solvers our engine is measured against, on the instance's own matrices.

- :func:`solve_pyvrp`: PyVRP 0.14 with a reload depot (a copy of the market) so that a
  runner may make several trips; the reload time is charged on the way into the copy.
- :func:`solve_ortools`: the plain OR-Tools model that was our old baseline: each order a
  pickup at the market paired with its delivery, load on board as the capacity, parallel
  cheapest insertion and guided local search.

Both return a :class:`SolverRun` in the benchmark's route format: per runner the client ids
in visiting order, with 0 for a return to the market to load the next trip (the start and
the final return are implicit).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pyvrp
import pyvrp.stop
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from bench.instance import MarketInstance

#: Cost of leaving one order unserved in the OR-Tools model (per node, so twice per order).
DROP_PENALTY = 10_000_000


@dataclass(frozen=True)
class SolverRun:
    """What one solve produced, before any checking."""

    routes: list[list[int]] | None
    """Per runner, client ids in visiting order with 0 between trips; ``None``: no solution."""
    wall_s: float
    """Seconds from building the model to reading the solution back."""
    note: str = ""
    """Anything worth a line in the results (the solver's own verdict, an error)."""


def solve_pyvrp(instance: MarketInstance, time_limit_s: float, seed: int) -> SolverRun:
    """Solve with PyVRP (iterated local search) for ``time_limit_s`` seconds."""
    began = time.perf_counter()
    data = pyvrp_data(instance)
    result = pyvrp.solve(data, stop=pyvrp.stop.MaxRuntime(time_limit_s), seed=seed, display=False)
    best = result.best
    reload_depot = 1
    routes: list[list[int]] = [[] for _ in range(instance.vehicles.count)]
    for v, route in enumerate(best.routes()):
        visits: list[int] = []
        for activity in route.schedule()[1:-1]:
            if activity.type == pyvrp.ActivityType.DEPOT:
                if activity.idx != reload_depot:
                    msg = f"depot {activity.idx} inside a route; only {reload_depot} reloads"
                    raise RuntimeError(msg)
                visits.append(0)
            else:
                visits.append(instance.clients[activity.idx].id)
        routes[v] = visits
    wall_s = time.perf_counter() - began
    note = "" if result.is_feasible() else "pyvrp: best solution infeasible"
    return SolverRun(routes=routes, wall_s=wall_s, note=note)


def pyvrp_data(instance: MarketInstance) -> pyvrp.ProblemData:
    """The instance for PyVRP: depot 0 is the market (start and end), depot 1 a copy of it
    that is the only reload depot. Travel into the copy from a door takes ``reload_s`` more,
    so loading is charged on each return between trips, not at the start or the end."""
    n = instance.size
    fleet = instance.vehicles
    copy = n + 1
    order = np.r_[np.arange(n + 1), 0]  # location n+1 is the market again
    distance = instance.distance_m[np.ix_(order, order)].copy()
    duration = instance.duration_s[np.ix_(order, order)].copy()
    duration[1 : n + 1, copy] += fleet.reload_s
    duration[0, copy] += fleet.reload_s
    locations = [pyvrp.Location(x=instance.depot_lon, y=instance.depot_lat, name="market")]
    locations += [pyvrp.Location(x=c.lon, y=c.lat, name=str(c.id)) for c in instance.clients]
    locations.append(pyvrp.Location(x=instance.depot_lon, y=instance.depot_lat, name="reload"))
    clients = [
        pyvrp.Client(
            location=c.id,
            delivery=[c.demand_g],
            service_duration=c.service_s,
            tw_early=c.tw_start_s,
            tw_late=c.tw_end_s,
            name=str(c.id),
        )
        for c in instance.clients
    ]
    depots = [pyvrp.Depot(location=0, name="market"), pyvrp.Depot(location=copy, name="reload")]
    vehicle_type = pyvrp.VehicleType(
        num_available=fleet.count,
        capacity=[fleet.capacity_g],
        start_depot=0,
        end_depot=0,
        tw_early=fleet.shift_start_s,
        tw_late=fleet.shift_end_s,
        reload_depots=[1],
        name="runner",
    )
    return pyvrp.ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=[vehicle_type],
        distance_matrices=[distance],
        duration_matrices=[duration],
    )


def solve_ortools(instance: MarketInstance, time_limit_s: float) -> SolverRun:
    """Solve with the plain pickup-and-delivery OR-Tools model for ``time_limit_s`` seconds.

    Nodes: 0 the market (every runner's start and end), ``k`` the pickup of client ``k`` at
    the market, ``n + k`` its delivery at the door. Time on an arc is the travel plus the
    service at the node left, plus ``reload_s`` from a delivery to a pickup (a return to
    the market); capacity counts the load on board. An order may be dropped at a penalty.
    """
    began = time.perf_counter()
    n = instance.size
    fleet = instance.vehicles
    clients = instance.clients
    location = np.r_[np.zeros(n + 1, dtype=np.int64), [c.id for c in clients]]
    is_delivery = np.r_[np.zeros(n + 1, dtype=bool), np.ones(n, dtype=bool)]
    is_pickup = np.r_[False, np.ones(n, dtype=bool), np.zeros(n, dtype=bool)]
    service = np.r_[np.zeros(n + 1, dtype=np.int64), [c.service_s for c in clients]]
    distance = instance.distance_m[np.ix_(location, location)]
    travel = instance.duration_s[np.ix_(location, location)] + service[:, None]
    travel[np.ix_(is_delivery, is_pickup)] += fleet.reload_s
    load = np.r_[0, [c.demand_g for c in clients], [-c.demand_g for c in clients]]

    manager = pywrapcp.RoutingIndexManager(2 * n + 1, fleet.count, 0)
    model = pywrapcp.RoutingModel(manager)
    distance_cb = model.RegisterTransitMatrix(distance.tolist())
    model.SetArcCostEvaluatorOfAllVehicles(distance_cb)
    time_cb = model.RegisterTransitMatrix(travel.tolist())
    model.AddDimension(time_cb, fleet.shift_end_s, fleet.shift_end_s, False, "time")
    time_dim = model.GetDimensionOrDie("time")
    load_cb = model.RegisterUnaryTransitVector(load.tolist())
    model.AddDimensionWithVehicleCapacity(
        load_cb, 0, [fleet.capacity_g] * fleet.count, True, "load"
    )
    for v in range(fleet.count):
        time_dim.CumulVar(model.Start(v)).SetRange(fleet.shift_start_s, fleet.shift_end_s)
        time_dim.CumulVar(model.End(v)).SetRange(fleet.shift_start_s, fleet.shift_end_s)
    solver = model.solver()
    for k, client in enumerate(clients, start=1):
        pickup = manager.NodeToIndex(k)
        delivery = manager.NodeToIndex(n + k)
        model.AddPickupAndDelivery(pickup, delivery)
        solver.Add(model.VehicleVar(pickup) == model.VehicleVar(delivery))
        solver.Add(time_dim.CumulVar(pickup) <= time_dim.CumulVar(delivery))
        time_dim.CumulVar(pickup).SetRange(fleet.shift_start_s, fleet.shift_end_s)
        time_dim.CumulVar(delivery).SetRange(client.tw_start_s, client.tw_end_s)
        model.AddDisjunction([pickup, delivery], DROP_PENALTY, 2)

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(max(1, round(time_limit_s * 1000)))
    assignment = model.SolveWithParameters(params)
    if assignment is None:
        return SolverRun(routes=None, wall_s=time.perf_counter() - began, note="no solution")

    routes: list[list[int]] = []
    for v in range(fleet.count):
        visits: list[int] = []
        delivered_since_market = False
        index = assignment.Value(model.NextVar(model.Start(v)))
        while not model.IsEnd(index):
            node = manager.IndexToNode(index)
            if is_pickup[node]:
                if delivered_since_market:
                    visits.append(0)
                    delivered_since_market = False
            elif is_delivery[node]:
                visits.append(clients[node - n - 1].id)
                delivered_since_market = True
            index = assignment.Value(model.NextVar(index))
        routes.append(visits)
    return SolverRun(routes=routes, wall_s=time.perf_counter() - began)
