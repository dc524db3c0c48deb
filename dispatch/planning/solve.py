"""Solving a market's day: pure (no database), so it may run in a worker process."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from dispatch.planning.snapshot import MarketDay
from dispatch.planning.translate import DroppedPlan, PlannedRoute, from_solution, to_problem
from routing import MaxRuntime, SolveParams, check_solution
from routing import solve as solve_problem

#: The figures every market's result carries (summed over a run's markets).
TOTALS = ("orders", "routed", "dropped", "runners_used", "trips", "distance_m")


@dataclass(frozen=True)
class MarketPlanResult:
    """A market's plan, ready to store; ``figures`` summarise it for people and benchmarks."""

    market_id: uuid.UUID
    market_code: str
    routes: tuple[PlannedRoute, ...]
    dropped: tuple[DroppedPlan, ...]
    figures: dict[str, Any] = field(default_factory=dict)


def solve_day(day: MarketDay, time_limit_s: float, seed: int = 1) -> MarketPlanResult:
    """The plan of ``day`` after ``time_limit_s`` seconds of search; raises when the engine's
    plan fails its own check (a bug, never a plan to store)."""
    started = time.perf_counter()
    figures: dict[str, Any] = {
        "market": day.market_code,
        "orders": len(day.orders),
        "runners": sum(1 for r in day.runners if r.on_shift),
        "routed": 0,
        "dropped": 0,
        "runners_used": 0,
        "trips": 0,
        "distance_m": 0,
        "kind": "replan" if day.has_plan else "dispatch",
        "stale_positions": sum(
            1 for r in day.runners if r.start_s > r.shift_start_s and not r.reported
        ),
    }
    if not day.runners:
        dropped = tuple(
            DroppedPlan(o.id, "no_runner", "no runner is available at this market")
            for o in day.orders
        ) + tuple(DroppedPlan(*d) for d in day.still_dropped)
        figures["dropped"] = len(dropped)
        return MarketPlanResult(day.market_id, day.market_code, (), dropped, figures)
    problem = to_problem(day)
    solution = solve_problem(problem, MaxRuntime(time_limit_s), SolveParams(seed=seed))
    problems = check_solution(problem, solution) if solution.routes else []
    if problems:
        msg = f"{day.market_code}: the plan failed its check: {problems[:3]}"
        raise RuntimeError(msg)
    routes, dropped = from_solution(day, solution)
    dropped += tuple(DroppedPlan(*d) for d in day.still_dropped)
    length = {r.runner_id: r.duration_s for r in routes}
    days = [length.get(r.id, 0) for r in day.runners if r.on_shift or r.id in length]
    figures |= {
        "routed": len(solution.served()),
        "dropped": len(dropped),
        "runners_used": sum(1 for r in solution.routes if not r.is_empty),
        "trips": solution.num_trips,
        "distance_m": solution.distance_m,
        "lateness_s": solution.lateness_s,
        "longest_day_s": max(days, default=0),
        "shortest_day_s": min(days, default=0),
        "balance_cost": day.balance_cost,
        "objective": solution.objective,
        "solver_wall_s": round(solution.stats.wall_s, 3),
        "wall_s": round(time.perf_counter() - started, 3),
        "engine": solution.stats.engine,
    }
    return MarketPlanResult(day.market_id, day.market_code, routes, dropped, figures)
