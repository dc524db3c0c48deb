"""Tiny problems on a straight road, easy to reason about by hand.

The market is at position 0 m; ``doors`` are positions in metres along the road (negative is
the other direction). Travel is 10 m/s, so 1,000 m take 100 s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from routing import Problem, Stop, TimeWindow, Vehicle

SHIFT = TimeWindow(6 * 3600, 12 * 3600)
SPEED_M_S = 10


def line_matrices(positions: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Distance (m) and duration (s) between points on a line."""
    x = np.asarray(positions, dtype=np.int64)
    distance = np.abs(x[:, None] - x[None, :])
    return distance, distance // SPEED_M_S


def runner(**changes: object) -> Vehicle:
    """A runner at the market, 40 kg per trip, on the 06:00-12:00 shift."""
    base = Vehicle(start=0, end=0, shift=SHIFT, capacity_g=40_000)
    return replace(base, **changes)  # type: ignore[arg-type]


def line_problem(
    doors: Sequence[int],
    stops: Sequence[Stop] | None = None,
    vehicles: Sequence[Vehicle] | None = None,
    *,
    extra_points: Sequence[int] = (),
    reload_s: int = 0,
    balance_cost: int = 0,
) -> Problem:
    """Market at location 0, door k at location k + 1, then ``extra_points``."""
    distance, duration = line_matrices([0, *doors, *extra_points])
    if stops is None:
        stops = [Stop(location=k + 1, weight_g=5_000) for k in range(len(doors))]
    return Problem(
        depot=0,
        stops=stops,
        vehicles=vehicles if vehicles is not None else [runner()],
        distance_m=distance,
        duration_s=duration,
        reload_s=reload_s,
        balance_cost=balance_cost,
    )
