"""The current plan of a day: per market, the routes of its latest finished run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.access import market_by_code, today, visible_markets
from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.fields import IsoDate
from api.guard import GuardedRoute
from api.plans import market_plan_out
from api.schemas import DayPlanOut
from dispatch.plans import market_plans

router = APIRouter(prefix="/routes", tags=["routes"], route_class=GuardedRoute)


@router.get("", response_model=DayPlanOut)
def day_routes(
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    market: Annotated[str | None, Query(max_length=200, description="market code")] = None,
    day: Annotated[IsoDate | None, Query(alias="date", description="market day")] = None,
) -> DayPlanOut:
    """Routes and dropped orders of the day (default today), per market the caller may see;
    markets not dispatched that day are left out."""
    day = day or today(settings)
    markets = (
        [market_by_code(session, principal, market)]
        if market is not None
        else visible_markets(session, principal)
    )
    plans = market_plans(session, markets, day)
    return DayPlanOut(date=day, markets=[market_plan_out(p) for p in plans if p.run_id])
