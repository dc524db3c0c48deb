"""Runners' taps and coordinators' edits move orders through their statuses, recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dispatch.actions import (
    FailureReason,
    cancel_order,
    mark_delivered,
    mark_failed,
    mark_picked_up,
    report_position,
    runner_owns,
    update_order,
)
from dispatch.db import session_scope
from dispatch.errors import DomainError
from dispatch.generate import MarketSpot, generate_orders
from dispatch.intake import import_orders
from dispatch.models import Market, Order, OrderStatus, OrderStatusChange, OrderUpdate, Runner
from dispatch.planning import dispatch
from dispatch.plans import runner_route
from dispatch.seed import seed
from dispatch.settings import Settings

DAY = date(2026, 11, 26)
SETTINGS = Settings()


@pytest.fixture
def planned(engine: Engine) -> Engine:
    """Sawojajar with 12 generated orders, dispatched."""
    with Session(engine) as session:
        seed(session, settings=SETTINGS)
    with session_scope(engine) as session:
        market = session.exec(select(Market).where(Market.code == "sawojajar")).one()
        rows = generate_orders([MarketSpot(market.code, market.lat, market.lon)], 12, 5, DAY)
        import_orders(
            session,
            ((k + 2, r) for k, r in enumerate(rows)),
            service_date=DAY,
            tz=ZoneInfo("Asia/Jakarta"),
        )
    dispatch(engine, ["sawojajar"], DAY, SETTINGS, time_limit_s=0.3, workers=1)
    return engine


def _first_stop(engine: Engine) -> tuple[Runner, Order]:
    with Session(engine) as session:
        for runner in session.exec(select(Runner).order_by(col(Runner.name))).all():
            route = runner_route(session, runner, DAY)
            if route is not None and route.stops:
                order = session.get(Order, route.stops[0].order_id)
                assert order is not None
                return runner, order
    raise AssertionError("no runner has a stop")


def test_a_delivery_goes_assigned_picked_up_delivered(planned: Engine) -> None:
    """Picked up then delivered with the cash collected; each step is in the history."""
    runner, order = _first_stop(planned)
    with session_scope(planned) as session:
        mark_picked_up(session, order.id, by=f"runner:{runner.name}")
        done = mark_delivered(session, order.id, collected_rp=50_000, by=f"runner:{runner.name}")
        assert done.status is OrderStatus.DELIVERED
        assert done.collected_rp == 50_000
    with Session(planned) as session:
        history = session.exec(
            select(OrderStatusChange).where(OrderStatusChange.order_id == order.id)
        ).all()
    assert [h.to_status for h in history][-2:] == [OrderStatus.PICKED_UP, OrderStatus.DELIVERED]
    assert history[-1].by == f"runner:{runner.name}"


def test_a_failed_delivery_keeps_its_reason(planned: Engine) -> None:
    """A failure records one of the fixed reasons and the runner's note."""
    _, order = _first_stop(planned)
    with session_scope(planned) as session:
        failed = mark_failed(
            session, order.id, reason=FailureReason.NOT_AT_HOME, note="pagar dikunci", by="r"
        )
        assert failed.failure_reason == "not_at_home"
        assert failed.failure_note == "pagar dikunci"


def test_impossible_transitions_are_refused(planned: Engine) -> None:
    """A delivered order cannot be picked up, cancelled or edited again."""
    _, order = _first_stop(planned)
    with session_scope(planned) as session:
        mark_delivered(session, order.id, collected_rp=0, by="r")
    for act in (
        lambda s: mark_picked_up(s, order.id, by="r"),
        lambda s: cancel_order(s, order.id, by="c"),
        lambda s: update_order(s, order.id, OrderUpdate(notes="x"), by="c"),
    ):
        with session_scope(planned) as session, pytest.raises(DomainError) as refused:
            act(session)
        assert refused.value.code == "order.invalid_transition"


def test_edits_before_pickup_are_checked_like_intake(planned: Engine) -> None:
    """An edit normalises the phone and refuses a point outside the city."""
    _, order = _first_stop(planned)
    with session_scope(planned) as session:
        edited = update_order(session, order.id, OrderUpdate(phone="0813 2222 3333"), by="c")
        assert edited.phone == "+6281322223333"
    with session_scope(planned) as session, pytest.raises(DomainError) as refused:
        update_order(session, order.id, OrderUpdate(lat=-7.2575, lon=112.7521), by="c")
    assert refused.value.code == "order.outside_service_area"


def test_a_runner_owns_only_its_own_stops(planned: Engine) -> None:
    """An order on one runner's route is not another runner's."""
    runner, order = _first_stop(planned)
    with Session(planned) as session:
        others = session.exec(select(Runner).where(Runner.id != runner.id)).all()
        assert runner_owns(session, runner.id, DAY, order.id)
        assert not any(runner_owns(session, o.id, DAY, order.id) for o in others)


def test_position_reports_are_kept_with_their_time(planned: Engine) -> None:
    """The runner's last position and when it was reported are stored."""
    runner, _ = _first_stop(planned)
    at = datetime(2026, 11, 26, 1, 15, tzinfo=UTC)
    with session_scope(planned) as session:
        report_position(session, runner.id, lat=-7.97, lon=112.66, at=at, now=at)
    with Session(planned) as session:
        stored = session.get(Runner, runner.id)
        assert stored is not None
        assert (stored.last_lat, stored.last_lon, stored.last_seen_at) == (-7.97, 112.66, at)
