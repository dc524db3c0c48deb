"""The day's report as a console page: per runner and for the market, what happened to the
orders, the planned kilometres and minutes, and the cash on delivery to reconcile (the same
figures as ``antar report`` and ``GET /api/v1/reports/day``, from `dispatch.report`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, col, select

from api.console.routes import (
    PREFIX,
    ConsoleDayDep,
    ConsoleDep,
    ConsoleMarketDep,
    ConsoleRoute,
    ReadSessionDep,
    _market_url,
    _page,
)
from api.deps import SettingsDep
from api.lang import translator
from dispatch.i18n import Translator
from dispatch.models import Order
from dispatch.reasons import drop_texts
from dispatch.report import (
    Figures,
    day_report,
    failures_text,
    flagged_cells,
    report_columns,
    report_csv,
    report_row,
    seller_cells,
)

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


@router.get("/{market}/report", response_class=HTMLResponse)
def report_page(
    request: Request,
    console: ConsoleDep,
    row: ConsoleMarketDep,
    day: ConsoleDayDep,
    session: ReadSessionDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """The market's day in figures, with the cash differences flagged for reconciliation."""
    t = translator(request)
    report = day_report(session, day, [row.code], settings=settings).markets[0]
    reasons = drop_texts(
        session, [(d.order_id, d.reason_code) for d in report.dropped], settings, t
    )
    no_runner = t("report.no_runner")
    table = [report_row(r.runner or no_runner, r.figures, t) for r in report.runners]
    names = _customer_names(
        session, [d.order_id for d in report.total.flagged] + [d.order_id for d in report.dropped]
    )
    return _page(
        request,
        "console_report.html",
        console=console,
        market=row,
        day=day,
        columns=report_columns(t),
        rows=table,
        total=report_row(t("report.total"), report.total, t),
        failed=failures_text(report.total, t),
        cards=[runner_card(r.runner or no_runner, r.figures, t) for r in report.runners],
        total_card=runner_card(t("report.total"), report.total, t),
        dropped=[
            (str(d.order_id), names.get(d.order_id, d.external_id), reasons[d.order_id])
            for d in report.dropped
        ],
        flagged=[
            flagged_cells(d, t) | {"id": str(d.order_id), "customer": names.get(d.order_id, "-")}
            for d in report.total.flagged
        ],
        sellers=[seller_cells(seller, t) for seller in report.sellers],
        market_url=_market_url(row, day),
        csv_url=f"/console/{row.code}/report.csv?tanggal={day.isoformat()}",
    )


@dataclass(frozen=True)
class RunnerCard:
    """A runner's day on a phone: deliveries, on time, km and its cash."""

    name: str
    delivered: int
    failed: int
    open: int
    on_time: str
    km: str
    expected: str
    collected: str
    difference: str
    short: bool
    """It handed in less than it should have."""


def runner_card(name: str, f: Figures, t: Translator) -> RunnerCard:
    return RunnerCard(
        name=name,
        delivered=f.delivered,
        failed=f.failed,
        open=f.open,
        on_time=t.share(f.on_time_share),
        km=t.km(f.planned_distance_m),
        expected=t.rupiah(f.cod_expected_rp),
        collected=t.rupiah(f.cod_collected_rp),
        difference=t.rupiah(f.cod_difference_rp),
        short=f.cod_difference_rp < 0,
    )


def _customer_names(session: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The customers' names of orders ``ids`` (what a coordinator knows them by)."""
    if not ids:
        return {}
    rows = session.exec(select(Order.id, Order.customer_name).where(col(Order.id).in_(ids))).all()
    return {order_id: name or "-" for order_id, name in rows}


@router.get("/{market}/report.csv")
def report_download(
    console: ConsoleDep, row: ConsoleMarketDep, day: ConsoleDayDep, session: ReadSessionDep
) -> Response:
    """The same report as CSV, one row per runner and a market total."""
    body = report_csv(day_report(session, day, [row.code]))
    name = f"laporan-{row.code}-{day.isoformat()}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
