"""The day's report: per market and runner, outcomes, punctuality, plan and cash to reconcile.

The answer is `dispatch.report.report_json`, checked against the models below (which also
document it in the OpenAPI schema). A coordinator sees its own market only; another market
answers 404 as if it did not exist.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.access import market_by_code, today, visible_markets
from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.fields import IsoDate
from api.guard import GuardedRoute
from dispatch.report import day_report, report_json

router = APIRouter(prefix="/reports", tags=["reports"], route_class=GuardedRoute)


class CashDifferenceOut(BaseModel):
    """A delivered order whose cash must be reconciled."""

    order_id: uuid.UUID
    external_id: str
    runner: str | None = Field(description="null: no runner")
    expected_rp: int = Field(description="cash on delivery expected, whole rupiah")
    collected_rp: int | None = Field(description="cash reported collected; null: not reported")
    difference_rp: int = Field(description="collected minus expected (negative: short)")
    delivered_at: datetime | None = Field(description="when marked delivered, WIB")


class FiguresOut(BaseModel):
    """The figures of a runner's orders, or of a whole market's."""

    orders: int
    delivered: int
    failed: int
    failed_by_reason: dict[str, int] = Field(examples=[{"not_at_home": 2, "refused": 1}])
    cancelled: int
    dropped: int = Field(description="still pending, dropped by the latest dispatch run")
    dropped_by_reason: dict[str, int] = Field(examples=[{"exceeds_capacity": 1}])
    pending: int
    assigned: int
    picked_up: int
    open: int = Field(description="pending + assigned + picked_up")
    on_time: int = Field(description="deliveries no later than their window end")
    on_time_share: float | None = Field(ge=0, le=1, description="null: no deliveries")
    planned_distance_m: int = Field(description="latest run's routes, metres")
    planned_duration_s: int = Field(description="latest run's routes, seconds")
    cod_expected_rp: int
    cod_collected_rp: int
    cod_difference_rp: int
    flagged: list[CashDifferenceOut]


class RunnerFiguresOut(FiguresOut):
    runner_id: uuid.UUID | None = Field(description="null: orders of no runner")
    runner: str | None


class DroppedOrderOut(BaseModel):
    order_id: uuid.UUID
    external_id: str
    reason_code: str = Field(examples=["exceeds_capacity"])
    reason: str


class MarketReportOut(BaseModel):
    market: str
    name: str
    run_id: uuid.UUID | None = Field(description="latest finished dispatch run of the day")
    total: FiguresOut
    runners: list[RunnerFiguresOut]
    dropped: list[DroppedOrderOut]


class DayReportOut(BaseModel):
    date: date
    timezone: str
    markets: list[MarketReportOut]


@router.get("/day", response_model=DayReportOut)
def read_day_report(
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    market: Annotated[str | None, Query(max_length=200, description="market code")] = None,
    day: Annotated[IsoDate | None, Query(alias="date", description="market day")] = None,
) -> DayReportOut:
    """The report of a market day (default today, WIB) for one market or every market the
    caller may see (a coordinator: its own)."""
    markets = (
        [market_by_code(session, principal, market)]
        if market is not None
        else visible_markets(session, principal)
    )
    report = day_report(
        session, day or today(settings), [m.code for m in markets], settings=settings
    )
    return DayReportOut.model_validate(report_json(report))
