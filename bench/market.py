"""Market mornings solved side by side: our engine, PyVRP (reload depots), plain OR-Tools.

Usage::

    python -m bench.market [--sizes 30 60 120] [--markets sawojajar ...]
        [--time-limits 1 10] [--seed 1] [--solvers ours pyvrp ortools]
        [--instances FILE.json ...] [--out RESULT.jsonl] [--write-instances DIR]
        [--shared DIR]

Without ``--instances`` it generates the mornings of :mod:`bench.mornings` (every market,
every size, deterministic for a seed). Every plan, whoever made it, is re-checked by
:func:`routing.check.evaluate_plan` and its distance is recomputed from the instance's own
distance matrix. Solves run one after another on one thread, so the wall times are honest.

Prints a table per time limit (distance, ratio to the best complete feasible plan found by
any solver at any limit on that instance, trips, orders served, feasibility, wall time) and
the mean ratio per size and solver; writes one JSON line per instance, solver and limit to
``--out`` (default ``bench/results/market-<UTC time>.jsonl``) and the tables to a ``.txt``
beside it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.baselines import SolverRun, solve_ortools, solve_pyvrp
from bench.instance import MarketInstance, read_instance, write_instance
from bench.mornings import DEFAULT_SHARED, SIZES, make_mornings
from routing import MaxRuntime, Problem, SolveParams, VisitKind, evaluate_plan, solve

SOLVERS = ("ours", "pyvrp", "ortools")
RESULTS_DIR = Path(__file__).resolve().parent / "results"

Solver = Callable[[MarketInstance, Problem, float, int], SolverRun]


def solve_ours(
    instance: MarketInstance, problem: Problem, time_limit_s: float, seed: int
) -> SolverRun:
    """Solve with :func:`routing.solve` and read its routes back as client ids."""
    began = time.perf_counter()
    solution = solve(problem, MaxRuntime(time_limit_s), SolveParams(seed=seed))
    wall_s = time.perf_counter() - began
    client_id = [stop.location for stop in problem.stops]
    routes: list[list[int]] = []
    for route in solution.routes:
        visits: list[int] = []
        for visit in route.visits:
            if visit.kind is VisitKind.MARKET and visits and visits[-1] != 0:
                visits.append(0)
            elif visit.kind is VisitKind.DELIVERY:
                visits.append(client_id[visit.stops[0]])
        if visits and visits[-1] == 0:
            visits.pop()
        routes.append(visits)
    notes = [f"ours: {solution.stats.engine}, status {solution.status}"]
    if solution.dropped:
        reasons = sorted({d.reason.value for d in solution.dropped})
        notes.append(f"{len(solution.dropped)} dropped ({', '.join(reasons)})")
    return SolverRun(routes=routes, wall_s=wall_s, note="; ".join(notes))


def _pyvrp(instance: MarketInstance, _: Problem, time_limit_s: float, seed: int) -> SolverRun:
    return solve_pyvrp(instance, time_limit_s, seed)


def _ortools(instance: MarketInstance, _: Problem, time_limit_s: float, seed: int) -> SolverRun:
    return solve_ortools(instance, time_limit_s)


SOLVER_FUNCTIONS: dict[str, Solver] = {"ours": solve_ours, "pyvrp": _pyvrp, "ortools": _ortools}


@dataclass(frozen=True)
class Result:
    """One solve, checked."""

    instance: str
    size: int
    solver: str
    time_limit_s: float
    routes: list[list[int]] | None
    """Per runner, client ids with 0 for a return to the market; ``None``: no solution."""
    distance_m: int | None
    """Recomputed from the instance's distance matrix; ``None`` without a solution."""
    wall_s: float
    feasible: bool
    """The plan passes :func:`routing.check.evaluate_plan` (unserved orders aside)."""
    trips: int
    served: int
    violations: list[str]
    note: str

    @property
    def complete(self) -> bool:
        """Feasible and serving every order: the only plans that are compared."""
        return self.feasible and self.served == self.size

    def to_json(self) -> dict[str, Any]:
        """The JSON line of this result."""
        return {
            "instance": self.instance,
            "solver": self.solver,
            "time_limit_s": self.time_limit_s,
            "routes": self.routes,
            "distance_m": self.distance_m,
            "wall_s": round(self.wall_s, 3),
            "feasible": self.feasible,
            "trips": self.trips,
            "served": self.served,
            "total": self.size,
            "violations": self.violations[:10],
            "note": self.note,
        }


def route_distance_m(instance: MarketInstance, routes: Sequence[Sequence[int]]) -> int:
    """Metres driven by ``routes`` (client ids, 0 between trips), from the market and back."""
    dist = instance.distance_m
    total = 0
    for route in routes:
        path = [0, *route, 0]
        total += sum(int(dist[a, b]) for a, b in itertools.pairwise(path) if a != b)
    return total


def split_trips(route: Sequence[int]) -> list[list[int]]:
    """``[3, 5, 0, 2]`` -> ``[[3, 5], [2]]``; empty trips are left out."""
    trips: list[list[int]] = [[]]
    for client in route:
        if client == 0:
            trips.append([])
        else:
            trips[-1].append(client)
    return [trip for trip in trips if trip]


def check_run(
    instance: MarketInstance, problem: Problem, solver: str, time_limit_s: float, run: SolverRun
) -> Result:
    """Check ``run`` with :func:`routing.check.evaluate_plan` and measure it ourselves."""
    common = {
        "instance": instance.name,
        "size": instance.size,
        "solver": solver,
        "time_limit_s": time_limit_s,
        "wall_s": run.wall_s,
    }
    if run.routes is None:
        return Result(
            **common,
            routes=None,
            distance_m=None,
            feasible=False,
            trips=0,
            served=0,
            violations=[],
            note=run.note or "no solution",
        )
    stop_of = {c.id: k for k, c in enumerate(instance.clients)}
    violations: list[str] = []
    plan: list[list[list[int]]] = []
    for v, route in enumerate(run.routes):
        trips: list[list[int]] = []
        for trip in split_trips(route):
            unknown = [c for c in trip if c not in stop_of]
            if unknown:
                violations.append(f"route {v}: unknown client ids {unknown}")
            trips.append([stop_of[c] for c in trip if c in stop_of])
        plan.append(trips)
    evaluation = evaluate_plan(problem, plan)
    violations.extend(evaluation.violations)
    distance_m = route_distance_m(instance, run.routes)
    note = run.note
    if evaluation.distance_m != distance_m:
        note = f"{note}; check measured {evaluation.distance_m} m".lstrip("; ")
    return Result(
        **common,
        routes=run.routes,
        distance_m=distance_m,
        feasible=not violations,
        trips=sum(len(split_trips(route)) for route in run.routes),
        served=instance.size - len(evaluation.unserved),
        violations=violations,
        note=note,
    )


def run_one(
    instance: MarketInstance, problem: Problem, solver: str, time_limit_s: float, seed: int
) -> Result:
    """Solve once and check; a solver that raises counts as finding no solution."""
    began = time.perf_counter()
    try:
        run = SOLVER_FUNCTIONS[solver](instance, problem, time_limit_s, seed)
    except Exception as exc:  # a crash is a result too, not the end of the benchmark
        run = SolverRun(
            routes=None,
            wall_s=time.perf_counter() - began,
            note=f"error: {type(exc).__name__}: {exc}",
        )
    return check_run(instance, problem, solver, time_limit_s, run)


def best_distances(results: Sequence[Result]) -> dict[str, int]:
    """Per instance, the shortest complete feasible plan of any solver at any limit."""
    best: dict[str, int] = {}
    for r in results:
        if r.complete and r.distance_m is not None:
            best[r.instance] = min(best.get(r.instance, r.distance_m), r.distance_m)
    return best


def ratio(result: Result, best: dict[str, int]) -> float | None:
    """Distance over the instance's best; ``None`` for an incomplete or infeasible plan."""
    if not result.complete or result.distance_m is None or result.instance not in best:
        return None
    return result.distance_m / best[result.instance]


def format_tables(results: Sequence[Result], solvers: Sequence[str]) -> str:
    """The per-limit tables and the mean ratios per size and solver, as text."""
    best = best_distances(results)
    lines: list[str] = []
    limits = sorted({r.time_limit_s for r in results})
    header = (
        f"{'instance':<24} {'solver':<8} {'dist_km':>8} {'ratio':>6} {'trips':>5} "
        f"{'served':>8} {'feasible':>8} {'wall_s':>7}  note"
    )
    for limit in limits:
        lines += [f"== time limit {limit:g} s ==", header, "-" * len(header)]
        for r in (r for r in results if r.time_limit_s == limit):
            dist = "-" if r.distance_m is None else f"{r.distance_m / 1000:.2f}"
            rat = ratio(r, best)
            note = r.note if r.feasible or not r.violations else f"{r.violations[0]} {r.note}"
            lines.append(
                f"{r.instance:<24} {r.solver:<8} {dist:>8} "
                f"{'-' if rat is None else f'{rat:.3f}':>6} {r.trips:>5} "
                f"{f'{r.served}/{r.size}':>8} {'yes' if r.feasible else 'NO':>8} "
                f"{r.wall_s:>7.2f}  {note}".rstrip()
            )
        lines.append("")
    lines.append("== mean ratio to the best (complete feasible plans / instances) ==")
    sizes = sorted({r.size for r in results})
    cols = [(limit, solver) for limit in limits for solver in solvers]
    lines.append(f"{'size':>5} " + " ".join(f"{f'{s}@{t:g}s':>16}" for t, s in cols))
    for size in sizes:
        cells: list[str] = []
        for limit, solver in cols:
            group = [
                r
                for r in results
                if r.size == size and r.time_limit_s == limit and r.solver == solver
            ]
            ratios = [x for x in (ratio(r, best) for r in group) if x is not None]
            mean = f"{statistics.fmean(ratios):.3f}" if ratios else "-"
            cells.append(f"{f'{mean} ({len(ratios)}/{len(group)})':>16}")
        lines.append(f"{size:>5} " + " ".join(cells))
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line; see the module docstring."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.market",
        description="Solve market mornings with our engine, PyVRP and plain OR-Tools.",
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--markets", nargs="+", default=None, help="market codes, e.g. mergan")
    parser.add_argument("--time-limits", "--time-limit", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--solvers", nargs="+", choices=SOLVERS, default=list(SOLVERS))
    parser.add_argument("--instances", type=Path, nargs="+", default=None)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--write-instances", type=Path, default=None)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns the process exit code."""
    args = parse_args(argv)
    if args.instances:
        instances = [read_instance(path) for path in args.instances]
    else:
        instances = make_mornings(args.shared, args.sizes, args.markets, args.seed)
    if args.write_instances is not None:
        for instance in instances:
            write_instance(instance, args.write_instances)
        print(f"wrote {len(instances)} instances to {args.write_instances}", file=sys.stderr)
    out: Path = args.out or RESULTS_DIR / (
        f"market-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.jsonl"
    )
    out.parent.mkdir(parents=True, exist_ok=True)

    problems = [instance.to_problem() for instance in instances]
    results: list[Result] = []
    with out.open("w", encoding="utf-8") as fh:
        for limit in args.time_limits:
            for instance, problem in zip(instances, problems, strict=True):
                for solver in args.solvers:
                    result = run_one(instance, problem, solver, limit, args.seed)
                    results.append(result)
                    fh.write(json.dumps(result.to_json(), separators=(",", ":")) + "\n")
                    fh.flush()
                    dist = "-" if result.distance_m is None else f"{result.distance_m} m"
                    print(
                        f"{instance.name} {solver} {limit:g}s: {dist}, "
                        f"{result.served}/{result.size} served, "
                        f"{'feasible' if result.feasible else 'INFEASIBLE'}, "
                        f"{result.wall_s:.2f} s",
                        file=sys.stderr,
                    )
    table = format_tables(results, args.solvers)
    out.with_suffix(".txt").write_text(table, encoding="utf-8")
    print(table, end="")
    print(f"results: {out} and {out.with_suffix('.txt')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
