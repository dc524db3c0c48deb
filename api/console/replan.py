"""Re-planning in the console: move an order to another runner, pin or unpin it, lock a
runner's sequence, take a runner off shift, re-plan the market; and an order's own page with
its history.

Each form posts with the session's CSRF token and the console's access rules (a coordinator
its own market; another market's order or runner answers 404). The re-planning itself is
`dispatch.planning`'s; after a move, an end of shift or a re-plan the coordinator lands on the
new run's page, which says what moved and what was dropped, and shows the routes. Pins and
locks re-plan nothing and return to the page they came from.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Final
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.access import today, visible_row
from api.console.forms import parse_day
from api.console.routes import (
    PREFIX,
    CheckedDep,
    ConsoleDep,
    ConsoleMarketDep,
    ConsoleRoute,
    ConsoleSession,
    FormDep,
    ReadSessionDep,
    _market_url,
    _order_of,
    _page,
    _redirect,
)
from api.console.views import (
    current_plan,
    market_runners,
    order_history,
    order_row,
    runner_rows,
)
from api.deps import EngineDep, PlannerDep, SettingsDep, actor
from api.lang import request_lang
from api.pages import wa_number
from api.planner import Planner
from dispatch import formats
from dispatch.db import read_only
from dispatch.errors import DomainError
from dispatch.i18n import Translator, text
from dispatch.models import DeliveryPhoto, Market, Order, OrderStatus, Runner
from dispatch.photos import order_photos, photo_file
from dispatch.planning import (
    ReplanOutcome,
    lock_sequence,
    move_order,
    pin_order,
    replan_market,
    runner_off_shift,
    runner_on_shift,
)
from dispatch.runner_actions import cash_corrections
from dispatch.settings import Settings
from dispatch.shifts import shift_ended
from dispatch.whatsapp.tracking import tracking_url

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)

#: The solver's time for a re-plan from the console, in seconds (the coordinator waits).
DEFAULT_TIME_LIMIT_S: Final = 1.0
MAX_TIME_LIMIT_S: Final = 10.0


def parse_replan_time_limit(text: str | None) -> float:
    """The solver's time for one re-plan: above 0, at most 10 seconds (1 when empty)."""
    raw = (text or "").strip().replace(",", ".")
    if not raw:
        return DEFAULT_TIME_LIMIT_S
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= MAX_TIME_LIMIT_S:
        raise DomainError(
            "request.invalid",
            field="time_limit_s",
            params={"reason_key": "reason.time_limit", "low": "0,1", "high": "10", "value": raw},
        )
    return seconds


def _order(engine: Engine, console: ConsoleSession, market: Market, order_id: uuid.UUID) -> Order:
    with Session(read_only(engine), expire_on_commit=False) as session:
        return _order_of(session, console, market, order_id)


def _runner(
    engine: Engine, console: ConsoleSession, market: Market, runner_id: uuid.UUID
) -> Runner:
    """Runner ``runner_id`` of ``market``; 404 when missing or another market's."""
    with Session(read_only(engine), expire_on_commit=False) as session:
        runner = visible_row(session, console.principal, Runner, runner_id, "runner.not_found")
    if runner.market_id != market.id:
        raise DomainError("runner.not_found", params={"id": str(runner_id)})
    return runner


def _runner_id(form: dict[str, str]) -> uuid.UUID | None:
    """The form's chosen runner (empty: none); a value that names nothing is refused."""
    raw = form.get("runner_id", "").strip()
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise DomainError("runner.not_found", field="runner_id", params={"id": raw}) from exc


def _to_result(market: Market, outcome: ReplanOutcome) -> Response:
    """To the new run's page (what moved, what was dropped, the routes)."""
    if outcome.run_id is None:
        return _redirect(f"{PREFIX}/{market.code}")
    return _redirect(f"{PREFIX}/{market.code}/dispatch/{outcome.run_id}")


def _back(form: dict[str, str], market: Market, default: str, **params: str) -> Response:
    """Back to the console page the form was on (``back``), else to ``default``."""
    back = form.get("back", "")
    target = back if back.startswith(f"{PREFIX}/{market.code}") and "\\" not in back else default
    path, _, fragment = target.partition("#")
    base, _, query = path.partition("?")
    kept = [p for p in query.split("&") if p and not p.startswith("ok=")]
    query = "&".join([*kept, urlencode(params)]) if params else "&".join(kept)
    return _redirect(base + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else ""))


# -- orders ------------------------------------------------------------------------------------


@router.post("/{market}/orders/{order_id}/move")
def move(
    order_id: uuid.UUID,
    console: CheckedDep,
    row: ConsoleMarketDep,
    form: FormDep,
    engine: EngineDep,
    planner: PlannerDep,
    settings: SettingsDep,
) -> Response:
    """Give the order to the chosen runner (pinned there) and re-plan the market."""
    _order(engine, console, row, order_id)
    runner_id = _runner_id(form)
    if runner_id is None:
        raise DomainError("request.required", field="runner_id")
    _runner(engine, console, row, runner_id)
    outcome = planner.call(
        move_order,
        order_id,
        runner_id,
        by=actor(console.principal),
        settings=settings,
        time_limit_s=parse_replan_time_limit(form.get("time_limit_s")),
    )
    return _to_result(row, outcome)


@router.post("/{market}/orders/{order_id}/pin")
def pin(
    order_id: uuid.UUID,
    console: CheckedDep,
    row: ConsoleMarketDep,
    form: FormDep,
    engine: EngineDep,
) -> Response:
    """Pin the order to the chosen runner, or unpin it (no runner chosen); no re-plan."""
    order = _order(engine, console, row, order_id)
    runner_id = _runner_id(form)
    if runner_id is not None:
        _runner(engine, console, row, runner_id)
    pin_order(engine, order_id, runner_id, by=actor(console.principal))
    flash = "order_unpinned" if runner_id is None else "order_pinned"
    default = _market_url(row, order.service_date) + f"#order-{order_id}"
    return _back(form, row, default, ok=flash)


@router.get("/{market}/orders/{order_id}", response_class=HTMLResponse)
def order_page(
    order_id: uuid.UUID,
    request: Request,
    console: ConsoleDep,
    row: ConsoleMarketDep,
    session: ReadSessionDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """One order: its details, who carries it, moving or pinning it, and its history."""
    order = _order_of(session, console, row, order_id)
    t = Translator(request_lang(request))
    tz = ZoneInfo(settings.timezone)
    runners = market_runners(session, row)
    plan = current_plan(session, row, order.service_date)
    ended = shift_ended(session, (r.id for r in runners), order.service_date)
    rows = runner_rows(runners, plan, t=t, now=datetime.now(UTC), ended=ended)
    flash = request.query_params.get("ok", "")
    return _page(
        request,
        "console_order.html",
        console=console,
        market=row,
        day=order.service_date,
        order=order,
        o=order_row(order, plan, row, runners, t=t, tz=tz, settings=settings),
        move_targets=[r for r in rows if r.available],
        history=order_history(session, order, t=t, tz=tz),
        flash=t(f"ok.{flash}") if flash in ("order_pinned", "order_unpinned") else "",
        here=f"{PREFIX}/{row.code}/orders/{order.id}",
        market_url=_market_url(row, order.service_date),
        collected_text=(
            t.rupiah(order.collected_rp)
            if order.collected_rp is not None and order.status is OrderStatus.DELIVERED
            else ""
        ),
        corrections=[
            t(
                "history.cash_corrected",
                old=t.rupiah(c.previous_rp or 0),
                new=t.rupiah(c.amount_rp or 0),
            )
            for c in cash_corrections(session, order.id)
        ],
        photos=[
            (f"{PREFIX}/{row.code}/orders/{order.id}/photos/{p.id}", t.moment(p.taken_at, tz))
            for p in order_photos(session, order.id)
        ],
        **tracking_share(order, row, settings),
    )


@router.get("/{market}/orders/{order_id}/photos/{photo_id}")
def order_photo(
    order_id: uuid.UUID,
    photo_id: uuid.UUID,
    console: ConsoleDep,
    row: ConsoleMarketDep,
    session: ReadSessionDep,
    settings: SettingsDep,
) -> Response:
    """A proof-of-delivery photo of one of the market's orders (the file the runner sent)."""
    order = _order_of(session, console, row, order_id)
    photo = session.get(DeliveryPhoto, photo_id)
    if photo is None or photo.order_id != order.id:
        raise DomainError("photo.not_found", params={"id": str(photo_id)})
    return FileResponse(
        photo_file(settings, photo),
        media_type=photo.content_type,
        headers={"Cache-Control": "private, max-age=86400"},
    )


def tracking_share(order: Order, market: Market, settings: Settings) -> dict[str, str]:
    """The order's tracking link for its customer, and a WhatsApp link that sends it (the
    customer reads Bahasa Indonesia, whatever the coordinator's page speaks)."""
    link = tracking_url(order, settings)
    message = text(
        "wa.tracking_to_customer",
        "id",
        customer=order.customer_name.split()[0] if order.customer_name.strip() else "",
        market=market.name,
        day=formats.day(order.service_date),
        link=link,
    )
    return {
        "tracking_link": link,
        "tracking_whatsapp": f"https://wa.me/{wa_number(order.phone)}?text={quote(message)}",
    }


# -- runners -----------------------------------------------------------------------------------


@router.post("/{market}/runners/{runner_id}/lock")
def lock(
    runner_id: uuid.UUID,
    console: CheckedDep,
    row: ConsoleMarketDep,
    form: FormDep,
    engine: EngineDep,
    settings: SettingsDep,
) -> Response:
    """Lock the order of the runner's stops (``locked=1``) or unlock it; no re-plan."""
    _runner(engine, console, row, runner_id)
    locked = form.get("locked", "") == "1"
    day = parse_day(form.get("tanggal"), today(settings))
    lock_sequence(engine, runner_id, locked, by=actor(console.principal), day=day)
    flash = "sequence_locked" if locked else "sequence_unlocked"
    return _back(form, row, _market_url(row, day) + "#runners", ok=flash)


@router.post("/{market}/runners/{runner_id}/off-shift")
def off_shift(
    runner_id: uuid.UUID,
    console: CheckedDep,
    row: ConsoleMarketDep,
    form: FormDep,
    engine: EngineDep,
    planner: PlannerDep,
    settings: SettingsDep,
) -> Response:
    """The runner stops for the day: its orders not picked up go to the others."""
    return _shift_change(runner_off_shift, row, runner_id, console, form, engine, planner, settings)


@router.post("/{market}/runners/{runner_id}/on-shift")
def on_shift(
    runner_id: uuid.UUID,
    console: CheckedDep,
    row: ConsoleMarketDep,
    form: FormDep,
    engine: EngineDep,
    planner: PlannerDep,
    settings: SettingsDep,
) -> Response:
    """The runner is back on shift: the market is re-planned with it."""
    return _shift_change(runner_on_shift, row, runner_id, console, form, engine, planner, settings)


def _shift_change(
    change: Callable[..., ReplanOutcome],
    row: Market,
    runner_id: uuid.UUID,
    console: ConsoleSession,
    form: Mapping[str, str],
    engine: Engine,
    planner: Planner,
    settings: Settings,
) -> Response:
    _runner(engine, console, row, runner_id)
    outcome = planner.call(
        change,
        runner_id,
        day=parse_day(form.get("tanggal"), today(settings)),
        by=actor(console.principal),
        settings=settings,
        time_limit_s=parse_replan_time_limit(form.get("time_limit_s")),
    )
    return _to_result(row, outcome)


# -- the market --------------------------------------------------------------------------------


@router.post("/{market}/replan")
def replan(
    console: CheckedDep,
    row: ConsoleMarketDep,
    form: FormDep,
    planner: PlannerDep,
    settings: SettingsDep,
) -> Response:
    """Re-plan the market's day from where the runners are now."""
    outcome = planner.call(
        replan_market,
        row.id,
        parse_day(form.get("tanggal"), today(settings)),
        by=actor(console.principal),
        settings=settings,
        reason="requested",
        time_limit_s=parse_replan_time_limit(form.get("time_limit_s")),
    )
    return _to_result(row, outcome)
