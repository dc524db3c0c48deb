"""The optimisation core: one market's orders and runners in, routes out.

Plain data in (:class:`Problem`), plain data out (:class:`Solution`); no database, no web.
"""

from routing.check import Evaluation, check_solution, evaluate_plan
from routing.exceptions import InstanceFormatError, ProblemError, RoutingError
from routing.problem import DEFAULT_DROP_PENALTY, Problem, Stop, TimeWindow, Vehicle
from routing.solution import (
    Dropped,
    DropReason,
    Route,
    Solution,
    Statistics,
    Visit,
    VisitKind,
)
from routing.solve import SolveParams, solve

__all__ = [
    "DEFAULT_DROP_PENALTY",
    "DropReason",
    "Dropped",
    "Evaluation",
    "InstanceFormatError",
    "Problem",
    "ProblemError",
    "Route",
    "RoutingError",
    "Solution",
    "SolveParams",
    "Statistics",
    "Stop",
    "TimeWindow",
    "Vehicle",
    "Visit",
    "VisitKind",
    "check_solution",
    "evaluate_plan",
    "solve",
]
