"""The operator's city: every market's day on one page, and "Dispatch semua".

``/console/overview?tanggal=`` (and ``/console`` for an operator) lists each market with its
orders, how many are planned and unplanned, its runners out on a route and its cash (the
same figures as the day's report, `dispatch.report`). "Dispatch semua" queues one dispatch
run over every market (`dispatch.planning.create_run`, executed as a job by `api.jobs`,
like a market's own dispatch); the page then shows each market's progress in that run, and
keeps itself up to date (`api.console.live`) as markets are planned and runners deliver.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.access import today, visible_markets
from api.console.board import nearest_open_day
from api.console.forms import parse_day, parse_time_limit
from api.console.routes import (
    PREFIX,
    CheckedDep,
    ConsoleDep,
    ConsoleRoute,
    FormDep,
    ReadSessionDep,
    _page,
    _redirect,
    _templates,
)
from api.console.session import ConsoleSession
from api.console.views import run_counts
from api.deps import EngineDep, SettingsDep, actor
from api.jobs import RunJobs
from api.lang import request_lang
from dispatch.changes import last_change_id
from dispatch.errors import DomainError
from dispatch.i18n import Translator
from dispatch.models import DispatchRun, Fulfilment, Market, Order, OrderStatus, RunStatus
from dispatch.planning import create_run
from dispatch.plans import run_plan
from dispatch.report import day_report
from dispatch.settings import Settings

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


@dataclass(frozen=True)
class MarketDay:
    """One market's line of the overview."""

    code: str
    name: str
    orders: int
    planned: int
    unplanned: int
    delivered: int
    runners_out: int
    runners: int
    movable: int
    """Orders on runners' routes not yet bought: a new dispatch may move them."""
    cash_text: str
    cash_short: bool
    progress: str
    """In the city's dispatch run: ``waiting``, ``done`` or ``failed``; ``""`` outside one."""
    progress_text: str


def overview_day(
    request: Request, session: Session, console: ConsoleSession, settings: Settings
) -> date:
    """``?tanggal=``, else the nearest day with open orders in the caller's markets."""
    raw = request.query_params.get("tanggal")
    if raw:
        return parse_day(raw, today(settings))
    ids = [m.id for m in visible_markets(session, console.principal)]
    return nearest_open_day(session, ids, today(settings))


def _city_run(session: Session, request: Request, day: date) -> DispatchRun | None:
    """The city's dispatch run the page follows (``?run=``), if it is of ``day``."""
    raw = request.query_params.get("run", "")
    try:
        run_id = uuid.UUID(raw)
    except ValueError:
        return None
    run = session.get(DispatchRun, run_id)
    return run if run is not None and run.service_date == day else None


def _progress(
    session: Session, market: Market, run: DispatchRun | None, t: Translator
) -> tuple[str, str]:
    if run is None or market.id not in {m.id for m in run.markets}:
        return "", ""
    routed, dropped = run_counts(run_plan(session, market, run.id))
    if run.status is RunStatus.FAILED and not (routed or dropped):
        return "failed", t.run_status(run.status)
    if routed or dropped or run.status is RunStatus.DONE:
        moved = sum(
            len(f.get("moved") or [])
            for f in (run.figures or {}).get("markets", [])
            if f.get("market") == market.code
        )
        if moved:
            return "done", t(
                "console.run_counts_moved", routed=routed, dropped=dropped, moved=moved
            )
        return "done", t("console.run_counts", routed=routed, dropped=dropped)
    return "waiting", t("console.progress_waiting")


def city(
    request: Request, console: ConsoleSession, session: Session, settings: Settings, day: date
) -> dict[str, Any]:
    """What the overview shows for ``day``."""
    t = Translator(request_lang(request))
    markets = visible_markets(session, console.principal)
    live_after = last_change_id(session, None if console.is_operator else [m.id for m in markets])
    report = day_report(session, day, [m.code for m in markets], settings=settings)
    by_code = {m.code: m for m in markets}
    run = _city_run(session, request, day)
    # Deliveries no runner carries (as the board counts them: a pickup needs no runner).
    waiting = dict(
        session.exec(
            select(Order.market_id, func.count())
            .where(Order.service_date == day)
            .where(Order.status == OrderStatus.PENDING)
            .where(Order.fulfilment == Fulfilment.DELIVERY)
            .group_by(col(Order.market_id))
        ).all()
    )
    rows = []
    for entry in report.markets:
        market = by_code[entry.market]
        f = entry.total
        out = sum(1 for r in entry.runners if r.runner_id and r.figures.open)
        progress, progress_text = _progress(session, market, run, t)
        rows.append(
            MarketDay(
                code=entry.market,
                name=entry.name,
                orders=f.orders,
                planned=f.assigned + f.picked_up + f.delivered + f.failed,
                unplanned=int(waiting.get(market.id, 0)),
                delivered=f.delivered,
                runners_out=out,
                runners=len(market.runners),
                movable=f.assigned,
                cash_text=t(
                    "console.cash_of",
                    collected=t.rupiah(f.cod_collected_rp),
                    expected=t.rupiah(f.cod_expected_rp),
                ),
                cash_short=f.cod_difference_rp < 0,
                progress=progress,
                progress_text=progress_text,
            )
        )
    totals = {
        key: sum(getattr(r, key) for r in rows)
        for key in ("orders", "planned", "unplanned", "delivered", "runners_out", "runners")
    }
    query = {"tanggal": day.isoformat()} | ({"run": str(run.id)} if run else {})
    return {
        "console": console,
        "day": day,
        "rows": rows,
        "totals": totals,
        "run": run,
        "run_label": t.run_status(run.status) if run else "",
        "run_busy": bool(run and run.status in (RunStatus.QUEUED, RunStatus.RUNNING)),
        "live_after": live_after,
        "refresh_url": f"{PREFIX}/overview.json?{urlencode(query)}",
    }


def overview_page(
    request: Request, console: ConsoleSession, session: Session, settings: Settings
) -> HTMLResponse:
    day = overview_day(request, session, console, settings)
    return _page(request, "console_overview.html", **city(request, console, session, settings, day))


@router.get("", response_class=HTMLResponse)
def home(
    request: Request, console: ConsoleDep, session: ReadSessionDep, settings: SettingsDep
) -> Response:
    """A coordinator goes to its market; an operator sees every market's day."""
    markets = visible_markets(session, console.principal)
    if not console.is_operator and len(markets) == 1:
        return _redirect(f"{PREFIX}/{markets[0].code}")
    return overview_page(request, console, session, settings)


@router.get("/overview", response_class=HTMLResponse)
def overview(
    request: Request, console: ConsoleDep, session: ReadSessionDep, settings: SettingsDep
) -> HTMLResponse:
    """Every market's day: orders, planned, unplanned, runners out, cash."""
    return overview_page(request, console, session, settings)


@router.get("/overview.json")
def overview_json(
    request: Request, console: ConsoleDep, session: ReadSessionDep, settings: SettingsDep
) -> JSONResponse:
    """The overview's table again, for its live updates."""
    day = overview_day(request, session, console, settings)
    context = city(request, console, session, settings, day)
    lang = request_lang(request)
    html = _templates.get_template("console_overview_table.html").render(
        t=Translator(lang), lang=lang, csrf=console.csrf, **context
    )
    return JSONResponse(
        {"parts": {"city": html}, "after": context["live_after"]},
        headers={"Cache-Control": "no-store"},
    )


@router.post("/overview/dispatch")
def dispatch_all(
    request: Request,
    console: CheckedDep,
    form: FormDep,
    session: ReadSessionDep,
    engine: EngineDep,
    settings: SettingsDep,
) -> Response:
    """Queue one dispatch run over every market for the day (operators only), started as a
    job; the overview then follows it market by market. When markets already have routes out
    with their runners, the operator first sees which, and confirms (each market's moves
    would take a solve to preview: the run's page of each market lists them afterwards)."""
    if not console.is_operator:
        raise DomainError("auth.forbidden")
    day = parse_day(form.get("tanggal"), today(settings))
    if form.get("confirm") != "1":
        out = [r for r in city(request, console, session, settings, day)["rows"] if r.movable]
        if out:
            return _page(
                request,
                "console_overview_confirm.html",
                console=console,
                day=day,
                rows=out,
                time_limit_s=form.get("time_limit_s", ""),
            )
    params = {
        "time_limit_s": parse_time_limit(form.get("time_limit_s")),
        "seed": 1,
        "workers": 1,
        "executor": "local",
        "requested_by": actor(console.principal),
    }
    run_id = create_run(engine, None, day, params, lease_s=settings.run_lease_s)
    jobs: RunJobs = request.app.state.jobs
    jobs.start(run_id)
    query = urlencode({"tanggal": day.isoformat(), "run": str(run_id)})
    return _redirect(f"{PREFIX}/overview?{query}")
