"""When a runner's open stops will be reached, from the plan and where the runner last said it
was, and which orders that makes late.

The plan (`dispatch.plans`) gives each stop a planned arrival. A runner that reported its
position lately (within ``settings.position_stale_s``) and has its next stop's goods on
board is that stop's travel time away (great-circle distance times the circuity, at the
configured speed: the planner's own travel model): the lateness this gives the next stop
carries to every later stop of the route. Without a fresh position, a stop cannot be reached
before now. An order is predicted late when its predicted arrival is past its window's end.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from dispatch.models import OrderStatus, Runner
from dispatch.plans import PlanStop
from dispatch.settings import Settings
from routing.matrix import great_circle_m

#: Statuses of a stop still to be made.
OPEN: tuple[OrderStatus, ...] = (OrderStatus.ASSIGNED, OrderStatus.PICKED_UP)


def travel_s(
    from_lat: float, from_lon: float, to_lat: float, to_lon: float, settings: Settings
) -> float:
    """Seconds a motorbike needs between two points: great-circle metres times the circuity,
    at ``settings.speed_kmh``."""
    metres = float(great_circle_m(from_lat, from_lon, to_lat, to_lon)) * settings.circuity
    return metres / (settings.speed_kmh * 1000 / 3600)


def _away_s(
    runner: Runner | None, stop: PlanStop, *, now: datetime, settings: Settings
) -> float | None:
    """Seconds from ``runner``'s reported position to ``stop``'s door, when that position is
    fresh and the goods are on board (else the runner goes by the market first)."""
    if runner is None or stop.status is not OrderStatus.PICKED_UP:
        return None
    lat, lon, seen = runner.last_lat, runner.last_lon, runner.last_seen_at
    if lat is None or lon is None or seen is None or stop.lat is None or stop.lon is None:
        return None
    if (now - seen).total_seconds() > settings.position_stale_s:
        return None
    return travel_s(lat, lon, stop.lat, stop.lon, settings)


def predicted_arrivals(
    runner: Runner | None, stops: Sequence[PlanStop], *, now: datetime, settings: Settings
) -> dict[uuid.UUID, datetime]:
    """Each open stop's predicted arrival (UTC), by order id; ``stops`` in route order."""
    open_stops = [s for s in stops if s.status in OPEN]
    if not open_stops:
        return {}
    delay = timedelta(0)
    first = open_stops[0]
    away = _away_s(runner, first, now=now, settings=settings)
    if away is not None and runner is not None and runner.last_seen_at is not None:
        there = max(now, runner.last_seen_at + timedelta(seconds=away))
        delay = max(timedelta(0), there - first.planned_arrival)
    return {s.order_id: max(s.planned_arrival + delay, now) for s in open_stops}


def is_late(stop: PlanStop, predicted: datetime | None) -> bool:
    """Whether ``stop`` is predicted to arrive after its window's end."""
    return (
        predicted is not None
        and stop.window_end is not None
        and stop.status in OPEN
        and predicted > stop.window_end
    )
