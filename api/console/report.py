"""The day's report as a console page: per runner and for the market, what happened to the
orders, the planned kilometres and minutes, and the cash on delivery to reconcile (the same
figures as ``antar report`` and ``GET /api/v1/reports/day``, from `dispatch.report`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

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
from dispatch.reasons import drop_texts
from dispatch.report import (
    day_report,
    failures_text,
    flagged_cells,
    report_columns,
    report_csv,
    report_row,
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
        dropped=[(d.external_id, reasons[d.order_id]) for d in report.dropped],
        flagged=[flagged_cells(d, t) for d in report.total.flagged],
        market_url=_market_url(row, day),
        csv_url=f"/console/{row.code}/report.csv?tanggal={day.isoformat()}",
    )


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
