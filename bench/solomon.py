"""Solomon VRPTW benchmark: our engine (and the stock OR-Tools set-up) against best-known.

    python -m bench.solomon FILE... --time-limit 2 [--seed 1] [--engine NAME ...] --out RESULT.jsonl

Engines: ``hybrid`` (ours, the default), ``ortools`` (our model without the PyVRP warm start)
and ``stock`` (the textbook OR-Tools VRPTW: PATH_CHEAPEST_ARC + guided local search). Give
``--engine`` several times to run them side by side in one run. Distances follow the DIMACS
convention (``routing.instances``); the gap is against the ``distance_only_dimacs`` rows of
``bks.csv`` beside the instance files. One thread; every solution is re-checked by
``routing.check`` (ours) or by an independent route walk (stock).
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from routing import MaxRuntime, Problem, SolveParams, check_solution, solve
from routing.instances import SCALE, instance_name, read_solomon

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Run:
    instance: str
    engine: str
    routes: list[list[int]]
    distance: float
    best_known: float | None
    feasible: bool
    wall_s: float
    served: int
    total: int

    @property
    def gap(self) -> float | None:
        if self.best_known is None or not self.feasible:
            return None
        return 100.0 * (self.distance - self.best_known) / self.best_known


def best_known(files: Sequence[Path]) -> dict[str, float]:
    """``distance_only_dimacs`` best-known distances from the ``bks.csv`` beside the files."""
    out: dict[str, float] = {}
    for folder in {f.resolve().parent for f in files}:
        bks = folder / "bks.csv"
        if not bks.exists():
            continue
        with bks.open(newline="") as fh:
            for row in csv.DictReader(fh):
                if row["objective_note"] == "distance_only_dimacs":
                    out[row["instance"]] = float(row["distance"])
    return out


def run_ours(problem: Problem, name: str, engine: str, limit: float, seed: int) -> Run:
    started = time.perf_counter()
    solution = solve(problem, MaxRuntime(limit), SolveParams(seed=seed, engine=engine))  # type: ignore[arg-type]
    wall = time.perf_counter() - started
    problems = check_solution(problem, solution)
    routes = [
        [int(problem.stops[s].name) for s in r.deliveries]
        for r in solution.routes
        if not r.is_empty
    ]
    served = sum(len(r) for r in routes)
    return Run(
        instance=name,
        engine=engine,
        routes=routes,
        distance=solution.distance_m / SCALE,
        best_known=None,
        feasible=not problems and served == len(problem.stops),
        wall_s=wall,
        served=served,
        total=len(problem.stops),
    )


def run_stock(problem: Problem, name: str, limit: float) -> Run:
    """The stock OR-Tools VRPTW: one node per customer, PATH_CHEAPEST_ARC, guided local search."""
    started = time.perf_counter()
    n = len(problem.stops) + 1
    nv = len(problem.vehicles)
    manager = pywrapcp.RoutingIndexManager(n, nv, 0)
    routing = pywrapcp.RoutingModel(manager)
    dist = problem.distance_m
    service = [0] + [s.service_s for s in problem.stops]
    transit = [[int(dist[i, j]) + service[i] for j in range(n)] for i in range(n)]
    arc = routing.RegisterTransitMatrix(dist.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(arc)
    horizon = problem.vehicles[0].shift.end
    time_cb = routing.RegisterTransitMatrix(transit)
    routing.AddDimension(time_cb, horizon, horizon, False, "time")
    tdim = routing.GetDimensionOrDie("time")
    demand = routing.RegisterUnaryTransitVector([0] + [s.weight_g for s in problem.stops])
    routing.AddDimensionWithVehicleCapacity(
        demand, 0, [v.capacity_g for v in problem.vehicles], True, "load"
    )
    for k, stop in enumerate(problem.stops, start=1):
        assert stop.window is not None
        tdim.CumulVar(manager.NodeToIndex(k)).SetRange(stop.window.start, stop.window.end)
    for v in range(nv):
        tdim.CumulVar(routing.Start(v)).SetRange(0, horizon)
        tdim.CumulVar(routing.End(v)).SetRange(0, horizon)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(limit * 1000))
    found = routing.SolveWithParameters(params)
    wall = time.perf_counter() - started
    routes: list[list[int]] = []
    if found is not None:
        for v in range(nv):
            index = found.Value(routing.NextVar(routing.Start(v)))
            route = []
            while not routing.IsEnd(index):
                route.append(manager.IndexToNode(index))
                index = found.Value(routing.NextVar(index))
            if route:
                routes.append(route)
    distance, feasible = _walk(problem, routes)
    return Run(name, "stock", routes, distance / SCALE, None, feasible and found is not None,
               wall, sum(len(r) for r in routes), len(problem.stops))  # fmt: skip


def _walk(problem: Problem, routes: list[list[int]]) -> tuple[int, bool]:
    """Distance of classic single-trip routes and whether they meet capacity and windows."""
    from routing import evaluate_plan

    plan = [[[c - 1 for c in r]] for r in routes]
    evaluation = evaluate_plan(problem, plan)
    ok = evaluation.feasible and not evaluation.unserved
    return evaluation.distance_m, ok


def table(runs: Sequence[Run]) -> str:
    head = f"{'instance':<9}{'engine':<8}{'routes':>7}{'distance':>11}{'best-known':>12}"
    head += f"{'gap %':>8}{'feasible':>10}{'wall s':>8}"
    lines = [head, "-" * len(head)]
    for r in runs:
        gap = "-" if r.gap is None else f"{r.gap:.2f}"
        bks = "-" if r.best_known is None else f"{r.best_known:.1f}"
        lines.append(
            f"{r.instance:<9}{r.engine:<8}{len(r.routes):>7}{r.distance:>11.1f}{bks:>12}"
            f"{gap:>8}{'yes' if r.feasible else 'NO':>10}{r.wall_s:>8.2f}"
        )
    lines.append("-" * len(head))
    for engine in dict.fromkeys(r.engine for r in runs):
        mine = [r for r in runs if r.engine == engine]
        gaps = [r.gap for r in mine if r.gap is not None]
        feasible = sum(r.feasible for r in mine)
        mean = f"{statistics.mean(gaps):.2f}" if gaps else "-"
        median = f"{statistics.median(gaps):.2f}" if gaps else "-"
        lines.append(
            f"{engine:<8} feasible {feasible}/{len(mine)}  gap % mean {mean}  median {median}"
            f"  (over feasible)  wall s median {statistics.median(r.wall_s for r in mine):.2f}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.solomon", description=__doc__)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--time-limit", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--engine", action="append", choices=["hybrid", "ortools", "stock"], default=None
    )
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    engines = args.engine or ["hybrid"]
    bks = best_known(args.files)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or RESULTS / f"solomon-{stamp}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    runs: list[Run] = []
    with out.open("w") as fh:
        for file in args.files:
            problem = read_solomon(file)
            name = instance_name(file)
            for engine in engines:
                if engine == "stock":
                    run = run_stock(problem, name, args.time_limit)
                else:
                    run = run_ours(problem, name, engine, args.time_limit, args.seed)
                run = Run(**{**run.__dict__, "best_known": bks.get(name)})
                runs.append(run)
                record = {
                    "instance": name,
                    "engine": engine,
                    "distance": round(run.distance, 1),
                    "routes": run.routes,
                    "wall_s": round(run.wall_s, 3),
                    "feasible": run.feasible,
                    "time_limit_s": args.time_limit,
                }
                fh.write(json.dumps(record) + "\n")
                fh.flush()
                print(f"{name} {engine}: {run.distance:.1f} ({run.wall_s:.2f} s)", file=sys.stderr)
    text = table(runs)
    print(text)
    out.with_suffix(".txt").write_text(text + "\n")
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
