"""Stopping criteria: small objects the caller composes, asked once per iteration."""

from __future__ import annotations

import time

import pytest

from routing import (
    MaxIterations,
    MaxRuntime,
    MultipleCriteria,
    NoImprovement,
    StoppingCriterion,
    check_solution,
    solve,
)
from tests.routing.factories import line_problem, runner


def test_max_iterations_stops_after_its_budget() -> None:
    """Three iterations pass; the fourth call says stop."""
    stop = MaxIterations(3)
    assert [stop(100) for _ in range(4)] == [False, False, False, True]
    assert stop.remaining_s() is None


def test_max_runtime_stops_on_its_clock() -> None:
    """No time at all stops at once; an hour does not, and says how long is left."""
    assert MaxRuntime(0)(100)
    hour = MaxRuntime(3600)
    assert not hour(100)
    assert 3500 < hour.remaining_s() <= 3600


def test_no_improvement_stops_a_stalled_search_only() -> None:
    """Without a better cost for its stall time it stops; a better cost restarts the count."""
    stop = NoImprovement(0.05)
    assert not stop(100)
    time.sleep(0.06)
    assert not stop(90)  # improved
    time.sleep(0.06)
    assert stop(90)
    assert stop.remaining_s() is None


def test_multiple_criteria_stop_when_any_does_and_keep_the_nearest_clock() -> None:
    """The combination stops when one of its criteria says so; its clock is the shortest."""
    stop = MultipleCriteria([MaxIterations(2), MaxRuntime(3600), MaxRuntime(60)])
    assert [stop(1), stop(1), stop(1)] == [False, False, True]
    remaining = stop.remaining_s()
    assert remaining is not None
    assert 0 < remaining <= 60
    assert MultipleCriteria([MaxIterations(1)]).remaining_s() is None


@pytest.mark.parametrize(
    "make",
    [
        lambda: MaxRuntime(-1),
        lambda: MaxIterations(-1),
        lambda: NoImprovement(-1),
        lambda: MultipleCriteria([]),
    ],
)
def test_nonsense_criteria_are_refused(make: object) -> None:
    """A negative budget or an empty combination is a ValueError."""
    with pytest.raises(ValueError, match=r"must be >= 0|at least one"):
        make()  # type: ignore[operator]


class CountingCriterion:
    """Stops after ``limit`` calls; records every call in a list shared by its copies."""

    def __init__(self, limit: int, calls: list[int]) -> None:
        self.limit = limit
        self.calls = calls
        self.mine = 0

    def __deepcopy__(self, memo: dict[int, object]) -> CountingCriterion:
        return CountingCriterion(self.limit, self.calls)  # a fresh count, the same record

    def __call__(self, best_cost: float) -> bool:
        self.mine += 1
        self.calls.append(self.mine)
        return self.mine >= self.limit

    def remaining_s(self) -> None:
        return None


def test_a_criterion_of_ones_own_is_asked_afresh_in_each_phase() -> None:
    """Any object with the protocol's two methods stops a solve; the construction and the
    improvement each count from one."""
    calls: list[int] = []
    problem = line_problem([1000, 2000, -1500, 2500], vehicles=[runner(), runner()])
    solution = solve(problem, CountingCriterion(5, calls))
    assert check_solution(problem, solution) == []
    assert solution.served() == {0, 1, 2, 3}
    assert calls.count(1) == 2  # one count per phase
    assert max(calls) <= 5


def test_a_solve_with_no_time_at_all_still_returns_a_checked_plan() -> None:
    """With a spent budget every stop is still routed or dropped with a reason."""
    problem = line_problem([1000, 2000, -1500], vehicles=[runner()])
    criterion: StoppingCriterion = MaxRuntime(0)
    solution = solve(problem, criterion)
    assert check_solution(problem, solution) == []
    assert solution.served() | {d.stop for d in solution.dropped} == {0, 1, 2}
