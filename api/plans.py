"""Plans as the API shows them, from `dispatch.routes_view`'s export dataclasses."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from api.schemas import DroppedOut, MarketPlanOut, RouteOut, StopOut
from dispatch.models import Market
from dispatch.routes_view import market_export


def market_plan(session: Session, market: Market, run_id: uuid.UUID) -> MarketPlanOut:
    """``market``'s routes and dropped orders in run ``run_id``."""
    export = market_export(session, market, run_id)
    return MarketPlanOut(
        market=market.code,
        run_id=run_id,
        routes=[
            RouteOut(
                market=market.code,
                runner=route.runner,
                capacity_g=route.capacity_g,
                distance_m=route.distance_m,
                duration_s=route.duration_s,
                stops=[
                    StopOut(
                        order_id=uuid.UUID(stop.order_id),
                        external_id=stop.external_id,
                        sequence=stop.sequence,
                        trip=stop.trip,
                        lat=stop.lat,
                        lon=stop.lon,
                        arrival=stop.arrival,
                        weight_g=stop.weight_g,
                        cod_rp=stop.cod_rp,
                    )
                    for stop in route.stops
                ],
            )
            for route in export.routes
        ],
        dropped=[
            DroppedOut(
                market=market.code,
                order_id=uuid.UUID(d.order_id),
                external_id=d.external_id,
                reason_code=d.reason_code,
                reason=d.reason,
            )
            for d in export.dropped
        ],
    )
