"""The optimisation core: one market's orders and runners in, routes out.

Plain data in (:class:`Problem`), plain data out (:class:`Solution`); no database, no web.
"""

from routing.check import Evaluation, Rule, Violation, check_solution, evaluate_plan
from routing.exceptions import InstanceFormatError, ProblemError, RoutingError
from routing.problem import DEFAULT_DROP_PENALTY, Pickup, Problem, Stop, TimeWindow, Vehicle
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
from routing.stop import (
    MaxIterations,
    MaxRuntime,
    MultipleCriteria,
    NoImprovement,
    StoppingCriterion,
)

__all__ = [
    "DEFAULT_DROP_PENALTY",
    "DropReason",
    "Dropped",
    "Evaluation",
    "InstanceFormatError",
    "MaxIterations",
    "MaxRuntime",
    "MultipleCriteria",
    "NoImprovement",
    "Pickup",
    "Problem",
    "ProblemError",
    "Route",
    "RoutingError",
    "Rule",
    "Solution",
    "SolveParams",
    "Statistics",
    "Stop",
    "StoppingCriterion",
    "TimeWindow",
    "Vehicle",
    "Violation",
    "Visit",
    "VisitKind",
    "check_solution",
    "evaluate_plan",
    "solve",
]
