"""Plans as the API shows them, from `dispatch.plans`' read model (the one reader of plans)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from api.schemas import (
    CashOut,
    DroppedOut,
    MarketPlanOut,
    RouteOut,
    ShoppingLineOut,
    StopOut,
    TripOut,
)
from dispatch.plans import Cash, MarketPlan, RoutePlan, TripPlan
from dispatch.shopping import shopping_list

#: Where the markets are: arrivals are shown in Western Indonesia Time.
WIB = ZoneInfo("Asia/Jakarta")


def cash_out(cash: Cash) -> CashOut:
    return CashOut(
        collected_rp=cash.collected_rp,
        to_collect_rp=cash.to_collect_rp,
        expected_rp=cash.expected_rp,
    )


def trip_out(trip: TripPlan) -> TripOut:
    return TripOut(
        trip=trip.number,
        order_ids=[s.order_id for s in trip.stops],
        weight_g=trip.weight_g,
        cash=cash_out(trip.cash),
        shopping=[
            ShoppingLineOut(
                name=line.name, unit=line.unit, quantity=line.quantity, orders=line.orders
            )
            for line in shopping_list(trip.stops)
        ],
    )


def route_out(plan: MarketPlan, route: RoutePlan) -> RouteOut:
    """One runner's route of ``plan``."""
    return RouteOut(
        market=plan.market_code,
        runner_id=route.runner_id,
        runner=route.runner_name,
        capacity_g=route.capacity_g,
        cash_cap_rp=route.cash_cap_rp,
        distance_m=route.distance_m,
        duration_s=route.duration_s,
        starts_at=None if route.starts_at is None else route.starts_at.astimezone(WIB),
        ends_at=None if route.ends_at is None else route.ends_at.astimezone(WIB),
        stops=[
            StopOut(
                order_id=stop.order_id,
                external_id=stop.external_id,
                kind=stop.kind.value,
                seller=stop.seller.code if stop.seller else None,
                sequence=stop.sequence,
                trip=stop.trip,
                lat=float(plan.lat if stop.lat is None else stop.lat),
                lon=float(plan.lon if stop.lon is None else stop.lon),
                arrival=stop.planned_arrival.astimezone(WIB),
                weight_g=stop.weight_g,
                cod_rp=stop.cod_rp,
                status=stop.status,
                collected_rp=stop.collected_rp,
            )
            for stop in route.visits
        ],
        trips=[trip_out(trip) for trip in route.trips],
        cash=cash_out(route.cash),
    )


def market_plan_out(plan: MarketPlan) -> MarketPlanOut:
    """``plan``'s routes and unplanned orders (``plan`` has a run)."""
    assert plan.run_id is not None, "a plan with no run has nothing to show"
    return MarketPlanOut(
        market=plan.market_code,
        run_id=plan.run_id,
        routes=[route_out(plan, route) for route in plan.routes],
        dropped=[
            DroppedOut(
                market=plan.market_code,
                order_id=d.order_id,
                external_id=d.external_id,
                reason_code=d.reason_code,
                reason=d.reason,
                suggested_runner_id=d.suggested_runner_id,
                suggested_position=d.suggested_position,
            )
            for d in plan.unplanned
        ],
    )
