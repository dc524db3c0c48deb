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
from api.console.texts import console_lang
from dispatch.report import (
    FAILURE_LABELS,
    LABELS,
    day_report,
    report_columns,
    report_csv,
    report_row,
    rupiah,
)

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


@router.get("/{market}/report", response_class=HTMLResponse)
def report_page(
    request: Request,
    console: ConsoleDep,
    row: ConsoleMarketDep,
    day: ConsoleDayDep,
    session: ReadSessionDep,
) -> HTMLResponse:
    """The market's day in figures, with the cash differences flagged for reconciliation."""
    lang = console_lang(request)
    words = LABELS[lang]
    report = day_report(session, day, [row.code]).markets[0]
    table = [report_row(r.runner or words["no_runner"], r.figures, lang) for r in report.runners]
    flagged = [
        {
            "order": d.external_id,
            "runner": d.runner or words["no_runner"],
            "expected": rupiah(d.expected_rp, lang),
            "collected": words["not_reported"]
            if d.collected_rp is None
            else rupiah(d.collected_rp, lang),
            "difference": rupiah(d.difference_rp, lang),
        }
        for d in report.total.flagged
    ]
    return _page(
        request,
        "console_report.html",
        console=console,
        market=row,
        day=day,
        words=words,
        columns=report_columns(lang),
        rows=table,
        total=report_row(words["total"], report.total, lang),
        failed=[
            (FAILURE_LABELS[lang].get(code, code), count)
            for code, count in report.total.failed_by_reason
        ],
        dropped=report.dropped,
        flagged=flagged,
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
