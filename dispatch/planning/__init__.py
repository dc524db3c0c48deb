"""The one planning pipeline of a market's day.

``snapshot`` (the day's state: runners' starts, what they carry, stops done, pins, locks,
shifts) -> ``translate`` (the only ``to_problem`` / ``from_solution``) -> ``solve`` ->
``store`` (one run lifecycle with leases, one transaction per market). ``changes`` holds the
coordinator's changes (move, pin, lock, off and on shift, re-plan), each through it.
"""

from dispatch.planning.changes import (
    ReplanOutcome,
    lock_sequence,
    move_order,
    order_events,
    pin_order,
    replan_if_planned,
    replan_market,
    runner_off_shift,
    runner_on_shift,
)
from dispatch.planning.insert import (
    INSERTION_MODES,
    Inserted,
    accept_suggestion,
    orders_arrived,
    release_reviews,
    set_insertion,
)
from dispatch.planning.snapshot import DONE, PLANNABLE, MarketDay, load_day
from dispatch.planning.solve import MarketPlanResult, solve_day
from dispatch.planning.store import (
    DispatchOutcome,
    Executor,
    Lease,
    MovedOrder,
    Progress,
    create_run,
    dispatch,
    execute_run,
    fail_lapsed_runs,
    moved_orders,
    preview_moves,
    select_markets,
    store_result,
)
from dispatch.planning.translate import from_solution, to_problem

__all__ = [
    "DONE",
    "INSERTION_MODES",
    "PLANNABLE",
    "DispatchOutcome",
    "Executor",
    "Inserted",
    "Lease",
    "MarketDay",
    "MarketPlanResult",
    "MovedOrder",
    "Progress",
    "ReplanOutcome",
    "accept_suggestion",
    "create_run",
    "dispatch",
    "execute_run",
    "fail_lapsed_runs",
    "from_solution",
    "load_day",
    "lock_sequence",
    "move_order",
    "moved_orders",
    "order_events",
    "orders_arrived",
    "pin_order",
    "preview_moves",
    "release_reviews",
    "replan_if_planned",
    "replan_market",
    "runner_off_shift",
    "runner_on_shift",
    "select_markets",
    "set_insertion",
    "solve_day",
    "store_result",
    "to_problem",
]
