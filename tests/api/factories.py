"""Small builders for the API tests: orders, plans (a finished run with routes), tokens."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from dispatch.models import (
    DispatchRun,
    DispatchRunMarket,
    Market,
    Order,
    OrderStatus,
    Route,
    RouteStop,
    Runner,
    RunStatus,
    StopKind,
)
from tests.dispatch.factories import make_order


def add_order(session: Session, market: Market, key: str, day: date, **fields: Any) -> Order:
    """A saved pending order of ``market`` for ``day``."""
    order = make_order(market, key, service_date=day, **fields)
    session.add(order)
    session.commit()
    session.refresh(order)
    return order


def add_plan(session: Session, market: Market, day: date) -> DispatchRun:
    """A finished run for ``market`` and ``day`` with an empty route per runner."""
    now = datetime.now(UTC)
    run = DispatchRun(
        service_date=day, status=RunStatus.DONE, started_at=now, finished_at=now, params={}
    )
    session.add(run)
    session.flush()
    session.add(DispatchRunMarket(run_id=run.id, market_id=market.id, stored_at=now))
    runners = session.exec(select(Runner).where(Runner.market_id == market.id)).all()
    for runner in runners:
        session.add(
            Route(run_id=run.id, runner_id=runner.id, market_id=market.id, service_date=day)
        )
    session.commit()
    session.refresh(run)
    return run


def add_stop(
    session: Session,
    run: DispatchRun,
    runner: Runner,
    order: Order,
    kind: StopKind = StopKind.DELIVERY,
) -> RouteStop:
    """``order``'s delivery (or, ``kind`` pickup, its collection at its seller) appended to
    ``runner``'s route in ``run``, and the order assigned."""
    route = session.exec(
        select(Route).where(Route.run_id == run.id).where(Route.runner_id == runner.id)
    ).one()
    last = session.exec(
        select(RouteStop.sequence)
        .where(RouteStop.route_id == route.id)
        .order_by(col(RouteStop.sequence).desc())
    ).first()
    sequence = (last or 0) + 1
    arrival = datetime.combine(run.service_date, runner.shift_start, tzinfo=UTC) + timedelta(
        minutes=10 * sequence
    )
    stop = RouteStop(
        route_id=route.id,
        order_id=order.id,
        sequence=sequence,
        trip=1,
        planned_arrival=arrival,
        kind=kind,
    )
    order.status = OrderStatus.ASSIGNED
    session.add(stop)
    session.add(order)
    session.commit()
    session.refresh(stop)
    session.refresh(order)
    return stop
