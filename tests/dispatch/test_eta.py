"""Predicted arrivals from the plan and the runner's reported position (`dispatch.eta`)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from dispatch.eta import is_late, predicted_arrivals, travel_s
from dispatch.models import Fulfilment, OrderStatus, Payment, Runner
from dispatch.plans import PlanStop, StopKind
from dispatch.settings import Settings

NOW = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)
SETTINGS = Settings(secret_key="test-secret-key-0123456789")


def _stop(
    sequence: int, status: OrderStatus, *, minutes: int, window_end: int | None = None
) -> PlanStop:
    """A stop planned ``minutes`` after NOW, its door about 5 km north of the market."""
    return PlanStop(
        order_id=uuid.uuid4(), external_id=f"o{sequence}", kind=StopKind.DELIVERY,
        sequence=sequence, trip=1, planned_arrival=NOW + timedelta(minutes=minutes),
        leg_distance_m=0, leg_duration_s=0, status=status, customer_name="Bu Sri",
        phone="+6281234567890", address="", lat=-7.93, lon=112.63, location_approximate=False,
        items=(), notes="", weight_g=1000, fulfilment=Fulfilment.DELIVERY, payment=Payment.COD,
        cod_rp=0, collected_rp=None, failure_reason=None, window_start=None,
        window_end=None if window_end is None else NOW + timedelta(minutes=window_end),
        pinned_runner_id=None,
    )  # fmt: skip


def _runner(*, minutes_ago: int) -> Runner:
    """A runner that reported a position about 5 km south of the doors."""
    return Runner(
        market_id=uuid.uuid4(), name="Budi", phone="+6281111111111", capacity_g=40_000,
        last_lat=-7.975, last_lon=112.63, last_seen_at=NOW - timedelta(minutes=minutes_ago),
    )  # fmt: skip


def test_a_runner_far_from_its_next_door_makes_its_route_late() -> None:
    """Goods on board, a fresh position 5 km away, the next stop planned in 2 minutes: it
    and the stop after it are predicted later by the same delay, and the second is late."""
    first = _stop(1, OrderStatus.PICKED_UP, minutes=2)
    second = _stop(2, OrderStatus.ASSIGNED, minutes=20, window_end=25)
    predicted = predicted_arrivals(
        _runner(minutes_ago=1), [first, second], now=NOW, settings=SETTINGS
    )
    away = travel_s(-7.975, 112.63, -7.93, 112.63, SETTINGS)
    delay = predicted[first.order_id] - first.planned_arrival
    assert abs(delay.total_seconds() - (away - 60 - 120)) < 1
    assert predicted[second.order_id] - second.planned_arrival == delay
    assert is_late(second, predicted[second.order_id])


def test_a_stale_position_says_nothing_and_a_near_runner_is_not_late() -> None:
    """An hour-old position: the plan stands. A runner at the door: no delay."""
    first = _stop(1, OrderStatus.PICKED_UP, minutes=2)
    second = _stop(2, OrderStatus.ASSIGNED, minutes=20, window_end=25)
    stale = predicted_arrivals(_runner(minutes_ago=60), [first, second], now=NOW, settings=SETTINGS)
    assert stale == {first.order_id: first.planned_arrival, second.order_id: second.planned_arrival}
    assert not is_late(second, stale[second.order_id])
    near = _runner(minutes_ago=1)
    near.last_lat = -7.93
    at_door = predicted_arrivals(near, [first, second], now=NOW, settings=SETTINGS)
    assert at_door[second.order_id] == second.planned_arrival


def test_a_stop_cannot_be_reached_before_now_and_done_stops_are_left_out() -> None:
    """A stop planned 10 minutes ago and not made: predicted now; delivered ones: none."""
    done = _stop(1, OrderStatus.DELIVERED, minutes=-30)
    overdue = _stop(2, OrderStatus.ASSIGNED, minutes=-10, window_end=-5)
    predicted = predicted_arrivals(None, [done, overdue], now=NOW, settings=SETTINGS)
    assert predicted == {overdue.order_id: NOW}
    assert is_late(overdue, predicted[overdue.order_id])
