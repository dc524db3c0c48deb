"""Reading plans back: the current routes of a day, runs and their figures.

A market's current plan for a day is the one of its latest finished (``done``) run; older
runs stay as history.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from dispatch.export import DayExport, DroppedExport, MarketExport, RouteExport, StopExport
from dispatch.models import (
    DispatchRun,
    DispatchRunMarket,
    DroppedOrder,
    Market,
    Order,
    Route,
    RouteStop,
    Runner,
    RunStatus,
)

#: Where the markets are: plans are shown in Western Indonesia Time.
WIB = ZoneInfo("Asia/Jakarta")


def latest_run_id(session: Session, market: Market, day: date) -> uuid.UUID | None:
    """The latest ``done`` run that planned ``market`` for ``day``."""
    return session.exec(
        select(DispatchRun.id)
        .join(DispatchRunMarket, col(DispatchRunMarket.run_id) == col(DispatchRun.id))
        .where(DispatchRunMarket.market_id == market.id)
        .where(DispatchRun.service_date == day)
        .where(DispatchRun.status == RunStatus.DONE)
        .order_by(col(DispatchRun.finished_at).desc(), col(DispatchRun.created_at).desc())
    ).first()


def market_export(session: Session, market: Market, run_id: uuid.UUID) -> MarketExport:
    """``market``'s routes and dropped orders in run ``run_id``."""
    routes = session.exec(
        select(Route, Runner)
        .join(Runner, col(Runner.id) == col(Route.runner_id))
        .where(Route.run_id == run_id)
        .where(Route.market_id == market.id)
        .order_by(col(Runner.name))
    ).all()
    out_routes = []
    for route, runner in routes:
        rows = session.exec(
            select(RouteStop, Order)
            .join(Order, col(Order.id) == col(RouteStop.order_id))
            .where(RouteStop.route_id == route.id)
            .order_by(col(RouteStop.sequence))
        ).all()
        stops = tuple(
            StopExport(
                order_id=str(order.id),
                external_id=order.idempotency_key,
                sequence=stop.sequence,
                trip=stop.trip,
                lat=float(order.lat or 0.0),
                lon=float(order.lon or 0.0),
                arrival=_local(stop.planned_arrival),
                weight_g=order.weight_g,
                cod_rp=order.cod_rp,
            )
            for stop, order in rows
        )
        out_routes.append(
            RouteExport(
                runner=runner.name,
                capacity_g=runner.capacity_g,
                distance_m=route.distance_m,
                duration_s=route.duration_s,
                stops=stops,
            )
        )
    dropped = session.exec(
        select(DroppedOrder, Order)
        .join(Order, col(Order.id) == col(DroppedOrder.order_id))
        .where(DroppedOrder.run_id == run_id)
        .where(Order.market_id == market.id)
        .order_by(col(Order.idempotency_key))
    ).all()
    return MarketExport(
        market=market.code,
        lat=market.lat,
        lon=market.lon,
        routes=tuple(out_routes),
        dropped=tuple(
            DroppedExport(
                order_id=str(order.id),
                external_id=order.idempotency_key,
                reason_code=d.reason_code,
                reason=d.reason,
                lat=order.lat,
                lon=order.lon,
            )
            for d, order in dropped
        ),
    )


def day_export(session: Session, day: date, codes: list[str] | None = None) -> DayExport:
    """Every market's current plan for ``day`` (markets never dispatched that day are left out)."""
    query = select(Market).order_by(col(Market.code))
    if codes:
        query = query.where(col(Market.code).in_(codes))
    markets = []
    for market in session.exec(query).all():
        run_id = latest_run_id(session, market, day)
        if run_id is not None:
            markets.append(market_export(session, market, run_id))
    return DayExport(date=day, markets=tuple(markets))


def _local(moment: datetime | None) -> datetime:
    """A stored (UTC) arrival in WIB."""
    assert moment is not None, "every planned stop has an arrival"
    return moment.astimezone(WIB)


@dataclass(frozen=True)
class RunSummary:
    id: uuid.UUID
    service_date: date
    status: RunStatus
    markets: list[str]
    routed: int
    dropped: int
    wall_s: float | None
    error: str | None


def list_runs(session: Session, limit: int = 20) -> list[RunSummary]:
    """The latest runs, newest first."""
    runs = session.exec(
        select(DispatchRun).order_by(col(DispatchRun.created_at).desc()).limit(limit)
    ).all()
    return [summarise(run) for run in runs]


def summarise(run: DispatchRun) -> RunSummary:
    totals = (run.figures or {}).get("totals", {})
    return RunSummary(
        id=run.id,
        service_date=run.service_date,
        status=run.status,
        markets=sorted(m.code for m in run.markets),
        routed=int(totals.get("routed", 0)),
        dropped=int(totals.get("dropped", 0)),
        wall_s=(run.figures or {}).get("wall_s"),
        error=run.error,
    )
