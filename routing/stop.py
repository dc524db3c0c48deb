"""When a solve stops: small criteria behind one protocol, composed by the caller.

After PyVRP's ``pyvrp.stop``: the solver grows no flags; the caller hands :func:`routing.solve`
one criterion, e.g. ``MultipleCriteria([MaxRuntime(2.0), NoImprovement(0.5)])``.

The engine runs in two phases, the construction (PyVRP) and the improvement (OR-Tools local
search); each asks its own copy of the criterion (``copy.deepcopy``) once per iteration with
the best cost it has found. So counters (iterations, time since the last improvement) start
afresh with each phase, while a clock, started on the criterion's first use when the solve
begins, runs through both. Costs of the two phases are not comparable, which is one more
reason each phase keeps its own count.

A criterion that watches the clock tells the engine how long is left (``remaining_s``): the
OR-Tools search is given that as its own time limit, since it asks the criterion only when it
finds a plan. Without any clock the improvement descends to a local optimum and ends there
(guided local search would only stop on a clock), so a clock-free criterion such as
:class:`MaxIterations` alone makes a solve deterministic for a seed.

Use one criterion object per solve: a clock, once started, keeps running.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Protocol


class StoppingCriterion(Protocol):
    """What :func:`routing.solve` asks, in every phase, whether to stop."""

    def __call__(self, best_cost: float) -> bool:
        """``True`` when the search should stop; called once per iteration of a phase with the
        cost of the best plan that phase has found so far."""
        ...

    def remaining_s(self) -> float | None:
        """Seconds left before the criterion stops the search on the clock (never below 0);
        ``None`` when it does not watch the clock."""
        ...


class MaxRuntime:
    """Stops when ``seconds`` have passed since the criterion was first used."""

    def __init__(self, seconds: float) -> None:
        if not seconds >= 0:
            msg = f"seconds must be >= 0, got {seconds!r}"
            raise ValueError(msg)
        self.seconds = seconds
        self._started: float | None = None

    def _elapsed(self) -> float:
        now = time.perf_counter()
        if self._started is None:
            self._started = now
        return now - self._started

    def __call__(self, best_cost: float) -> bool:
        return self._elapsed() >= self.seconds

    def remaining_s(self) -> float:
        return max(0.0, self.seconds - self._elapsed())


class MaxIterations:
    """Stops after ``iterations`` iterations of a phase: PyVRP iterations in the construction,
    plans found by OR-Tools in the improvement. Clock-free."""

    def __init__(self, iterations: int) -> None:
        if iterations < 0:
            msg = f"iterations must be >= 0, got {iterations!r}"
            raise ValueError(msg)
        self.iterations = iterations
        self._done = 0

    def __call__(self, best_cost: float) -> bool:
        self._done += 1
        return self._done > self.iterations

    def remaining_s(self) -> None:
        return None


class NoImprovement:
    """Stops when a phase's best cost has not improved for ``seconds`` (a stalled search).

    Seconds rather than PyVRP's iterations: the two phases iterate at very different rates
    (thousands of PyVRP iterations a second, a few dozen OR-Tools plans). The stall is timed
    from the phase's first iteration, so it needs no clock of its own: ``remaining_s`` is
    ``None``.
    """

    def __init__(self, seconds: float) -> None:
        if not seconds >= 0:
            msg = f"seconds must be >= 0, got {seconds!r}"
            raise ValueError(msg)
        self.seconds = seconds
        self._best: float | None = None
        self._improved_at = 0.0

    def __call__(self, best_cost: float) -> bool:
        now = time.perf_counter()
        if self._best is None or best_cost < self._best:
            self._best, self._improved_at = best_cost, now
        return now - self._improved_at >= self.seconds

    def remaining_s(self) -> None:
        return None


class MultipleCriteria:
    """Stops as soon as any of ``criteria`` does."""

    def __init__(self, criteria: Sequence[StoppingCriterion]) -> None:
        if not criteria:
            msg = "at least one criterion is needed"
            raise ValueError(msg)
        self.criteria = tuple(criteria)

    def __call__(self, best_cost: float) -> bool:
        return any(criterion(best_cost) for criterion in self.criteria)

    def remaining_s(self) -> float | None:
        clocks = [c.remaining_s() for c in self.criteria]
        left = [s for s in clocks if s is not None]
        return min(left) if left else None


class Deadline:
    """Stops ``seconds`` from now (from when it is made, not from its first use)."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.perf_counter() + seconds

    def __call__(self, best_cost: float) -> bool:
        return time.perf_counter() >= self.deadline

    def remaining_s(self) -> float:
        return max(0.0, self.deadline - time.perf_counter())
