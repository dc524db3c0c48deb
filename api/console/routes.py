"""The coordinator's console: server-rendered pages under ``/console``.

Sign in with a token (``/console/login``); a coordinator then sees its own market only
(another market's pages answer 404, as in the API), an operator chooses a market. The market
page has the overview map, the day's orders (filter, search, cancel, edit before pickup, and
"siap diambil" / "sudah diambil" for pickup orders), the runners with their load, and the
button that runs dispatch as a job (`api.jobs`). A runner's page has its route, the cash it
should hold and its signed link to send by WhatsApp. New orders taken by phone go through
the same intake as ``POST /api/v1/orders``.

Every page works with plain links and form posts; ``/static/console.js`` only polls a running
dispatch and adds small comforts. State-changing forms carry the session's CSRF token.
Refusals are shown as pages (or next to the form's fields), never as JSON, except on the
one JSON endpoint (the dispatch run's status, for polling).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import partial
from html import escape
from typing import Annotated, Any, Final
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from anyio import to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, OperationalError
from sqlmodel import Session

from api.access import market_by_code, today, visible_row, visible_version
from api.console.board import BoardOrder, arrivals, board_orders, nearest_open_day
from api.console.forms import (
    EDIT_FIELDS,
    ORDER_FIELDS,
    FormErrors,
    edit_form_values,
    order_cells,
    order_changes,
    parse_collected,
    parse_day,
    parse_time_limit,
    read_form,
)
from api.console.session import (
    COOKIE_PATH,
    SESSION_COOKIE,
    SESSION_TTL,
    SIGN_IN_COOKIE,
    ConsoleSession,
    csrf_matches,
    new_sign_in_nonce,
    read_session_cookie,
    secure_cookies,
    session_cookie,
)
from api.console.views import (
    colours,
    current_plan,
    latest_run,
    market_runners,
    order_row,
    order_rows,
    overview_view,
    position_age,
    replan_summary,
    run_counts,
    run_routes,
    runner_rows,
    runner_stop_rows,
    shift_label,
    stop_views,
)
from api.deps import EngineDep, PlannerDep, SessionDep, SettingsDep, actor
from api.errors import status_for, validation_error
from api.guard import BodyTooLarge, GuardedRoute, gated
from api.headers import content_security_policy
from api.jobs import RunJobs
from api.lang import LANG_COOKIE, request_lang
from api.pages import HERE, MAPS_ASSETS_URL, STATIC_URL, map_labels, wa_number
from api.read_cache import Answer, ReadCache, accepts_gzip, reads_of, time_bucket
from dispatch import formats
from dispatch.actions import (
    cancel_order,
    mark_collected,
    mark_ready_for_pickup,
    update_order,
)
from dispatch.auth import (
    authenticate,
    close_console_session,
    console_session,
    link_expiry,
    open_console_session,
    runner_link_token,
)
from dispatch.changes import last_change_id
from dispatch.db import read_only, session_scope
from dispatch.errors import DomainError, Lang
from dispatch.geo import geocoder_from_setting
from dispatch.i18n import Translator, text
from dispatch.intake import arrived_in, submit_order
from dispatch.models import (
    DispatchRun,
    Fulfilment,
    Market,
    Order,
    OrderStatus,
    Runner,
    RunStatus,
    SellerVerification,
)
from dispatch.planning import (
    accept_suggestion,
    create_run,
    moved_orders,
    preview_moves,
    replan_if_planned,
)
from dispatch.plans import Cash, run_plan, runner_route
from dispatch.reasons import run_error_text
from dispatch.sellers import list_sellers, seller_refs
from dispatch.settings import Settings
from dispatch.shifts import on_shift_ids, shift_ended
from dispatch.validation import validate_order
from maps import (
    MapPoint,
    RouteView,
    map_fragment,
    market_overview_map,
    runner_map,
)

PREFIX: Final = "/console"
#: Answers that are not ``status_for``'s: a form without a valid CSRF token is forbidden.
_STATUS: Final[Mapping[str, int]] = {"console.csrf_invalid": 403, "console.bad_form": 400}
#: Flash messages a redirect may ask a page to show (``?ok=...``).
FLASHES: Final = frozenset(
    {
        "order_created",
        "order_exists",
        "order_updated",
        "order_cancelled",
        "order_ready",
        "order_collected",
        "order_pinned",
        "order_unpinned",
        "sequence_locked",
        "sequence_unlocked",
        "insertion_accepted",
    }
)
STATUS_FILTERS: Final = ("open", "all", *(s.value for s in OrderStatus))
#: Why the sign-in page is shown again (``?reason=``), as message codes.
SIGN_IN_REASONS: Final = frozenset({"console.session_expired", "console.token_revoked"})

_templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,  # templates change with a release, not under a running server
)


class SignInRequired(Exception):  # noqa: N818 (a redirect, not an error)
    """No valid console session: go to the sign-in page (and forget a dead cookie)."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason or "sign-in required")
        self.reason = reason


class ConsoleRoute(GuardedRoute):
    """A console route: refusals become pages (or JSON on ``*.json``), and a missing
    session a redirect to the sign-in page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        as_json = self.path.endswith(".json")

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired as exc:
                if as_json:
                    return _json_error(DomainError("auth.required"), request)
                return _to_sign_in(request, exc.reason)
            except BodyTooLarge as exc:
                error = DomainError("request.too_large", params={"limit": exc.limit})
                return _json_error(error, request) if as_json else _error_page(request, error)
            except RequestValidationError as exc:
                errors = exc.errors()
                first = errors[0] if errors else {"type": "missing", "loc": ()}
                error = validation_error(first, request_lang(request))
                if any(part in ("order_id", "runner_id", "run_id") for part in first["loc"]):
                    error = DomainError("http.not_found")  # a path that names nothing
                return _json_error(error, request) if as_json else _error_page(request, error)
            except DataError:
                error = DomainError("request.invalid_value")
                return _json_error(error, request) if as_json else _error_page(request, error)
            except OperationalError:
                error = DomainError("service.unavailable")
                return _json_error(error, request) if as_json else _error_page(request, error)
            except DomainError as error:
                return _json_error(error, request) if as_json else _error_page(request, error)

        return handle


router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


# -- dependencies ------------------------------------------------------------------------------


def get_read_session(engine: EngineDep) -> Iterator[Session]:
    """A read-only session (on SQLite it neither takes nor waits for the write lock)."""
    with Session(read_only(engine)) as session:
        yield session


ReadSessionDep = Annotated[Session, Depends(get_read_session)]
LangDep = Annotated[Lang, Depends(request_lang)]
FormDep = Annotated[dict[str, str], Depends(read_form)]


def get_console(request: Request, engine: EngineDep, settings: SettingsDep) -> ConsoleSession:
    """The signed-in caller: its session and token re-checked in the database on every
    request (once per request: the route's guard asks first, before any body is read)."""
    cached = getattr(request.state, "console", None)
    if isinstance(cached, ConsoleSession):
        return cached
    value = request.cookies.get(SESSION_COOKIE)
    if not value:
        raise SignInRequired()
    session_id = read_session_cookie(value, settings)
    if session_id is None:
        raise SignInRequired("console.session_expired")
    with Session(read_only(engine)) as session:
        found = console_session(session, session_id)
    if isinstance(found, str):
        raise SignInRequired(found)
    sign_in, principal = found
    console = ConsoleSession(principal, sign_in.csrf, sign_in.expires_at, sign_in.id)
    request.state.console = console
    return console


async def check_console(request: Request) -> ConsoleSession:
    """`get_console` before the body is read (the routes' gate, `api.guard`)."""
    state = request.app.state
    return await run_in_threadpool(get_console, request, state.engine, state.settings)


gated(check_console)(get_console)
ConsoleDep = Annotated[ConsoleSession, Depends(get_console)]


@gated(check_console)
async def current_console(request: Request) -> ConsoleSession:
    """`get_console` for an ``async`` route: what the gate found (no thread of its own)."""
    found = getattr(request.state, "console", None)
    return found if isinstance(found, ConsoleSession) else await check_console(request)


CurrentConsoleDep = Annotated[ConsoleSession, Depends(current_console)]


def get_checked_console(console: ConsoleDep, form: FormDep) -> ConsoleSession:
    """The signed-in caller of a form post that carries the session's CSRF token (403 else)."""
    if not csrf_matches(form.get("csrf"), console.csrf):
        raise DomainError("console.csrf_invalid")
    return console


CheckedDep = Annotated[ConsoleSession, Depends(get_checked_console)]


def get_console_market(market: str, console: ConsoleDep, engine: EngineDep) -> Market:
    """The market the path names if the signed-in caller may see it (else 404, as for one that
    does not exist); read on its own, so a form post's write transaction begins in its route."""
    with Session(read_only(engine), expire_on_commit=False) as session:
        return market_by_code(session, console.principal, market)


def get_console_day(request: Request, settings: SettingsDep) -> date:
    """The market day a page shows: ``?tanggal=YYYY-MM-DD``, today by default."""
    return parse_day(request.query_params.get("tanggal"), today(settings))


ConsoleMarketDep = Annotated[Market, Depends(get_console_market)]
ConsoleDayDep = Annotated[date, Depends(get_console_day)]


def get_board_day(
    request: Request, settings: SettingsDep, row: ConsoleMarketDep, engine: EngineDep
) -> date:
    """The day a market's board shows: ``?tanggal=``, else the nearest day with open orders
    (the work may be for tomorrow)."""
    if request.query_params.get("tanggal"):
        return get_console_day(request, settings)
    with Session(read_only(engine)) as session:
        return nearest_open_day(session, [row.id], today(settings))


BoardDayDep = Annotated[date, Depends(get_board_day)]


# -- rendering ---------------------------------------------------------------------------------


def _same_path_with(request: Request, **params: str) -> str:
    query = dict(request.query_params) | params
    return f"{request.url.path}?{urlencode(query)}"


def _page(
    request: Request,
    template: str,
    *,
    status: int = 200,
    console: ConsoleSession | None = None,
    **context: Any,
) -> HTMLResponse:
    """A console page in the request's language (remembering a ``?lang=`` choice)."""
    body = _page_body(request, template, console=console, **context)
    return _page_response(request, body, status=status)


def _page_body(
    request: Request, template: str, *, console: ConsoleSession | None, **context: Any
) -> str:
    """The HTML of a console page in the request's language."""
    lang = request_lang(request)
    return _templates.get_template(template).render(
        t=Translator(lang),
        lang=lang,
        lang_url=_same_path_with(request, lang="en" if lang == "id" else "id"),
        static_url=STATIC_URL,
        console=console,
        csrf=console.csrf if console else "",
        **context,
    )


def _page_response(request: Request, body: str | bytes, *, status: int = 200) -> HTMLResponse:
    """``body`` as a console page: never kept by the browser, the page's policy, and the
    ``?lang=`` choice remembered."""
    settings: Settings = request.app.state.settings
    # No inline script: a map's data is a JSON block that `/static/maps/antar/map.js` draws.
    headers = {
        "Cache-Control": "no-store",
        "Content-Security-Policy": content_security_policy(settings),
    }
    response = HTMLResponse(body, status_code=status, headers=headers)
    if request.query_params.get("lang") in ("id", "en"):
        response.set_cookie(
            LANG_COOKIE,
            request_lang(request),
            max_age=365 * 86400,
            path=COOKIE_PATH,
            httponly=True,
            samesite="lax",
            secure=secure_cookies(settings),
        )
    return response


def _error_page(request: Request, error: DomainError) -> HTMLResponse:
    lang = request_lang(request)
    status = _STATUS.get(error.code) or status_for(error.code)
    market = request.path_params.get("market")
    back = f"{PREFIX}/{quote(str(market))}" if market and status != 404 else PREFIX
    return _page(
        request, "console_error.html", status=status, message=error.message(lang), back_url=back
    )


def _json_error(error: DomainError, request: Request) -> JSONResponse:
    status = _STATUS.get(error.code) or status_for(error.code)
    lang = request_lang(request)
    body = {"error": {"code": error.code, "message": error.message(lang), "field": error.field}}
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _safe_next(target: str | None) -> str:
    """A place inside the console to go after signing in (never another site)."""
    if not target or any(c in target for c in "\\\r\n"):
        return PREFIX
    return target if target == PREFIX or target.startswith((PREFIX + "/", PREFIX + "?")) else PREFIX


def _to_sign_in(request: Request, reason: str | None) -> RedirectResponse:
    query: dict[str, str] = {}
    if reason:
        query["reason"] = reason
    if request.method == "GET":
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        query["next"] = here
    target = f"{PREFIX}/login" + (f"?{urlencode(query)}" if query else "")
    response = RedirectResponse(target, status_code=303)
    if reason:  # a dead cookie: forget it
        response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _market_url(market: Market, day: date, **params: str) -> str:
    return f"{PREFIX}/{market.code}?{urlencode({'tanggal': day.isoformat(), **params})}"


# -- signing in and out ------------------------------------------------------------------------


def _sign_in_page(
    request: Request, *, status: int = 200, error: str = "", next_url: str = PREFIX
) -> HTMLResponse:
    nonce = new_sign_in_nonce()
    reason = request.query_params.get("reason", "")
    lang = request_lang(request)
    notice = DomainError(reason).message(lang) if reason in SIGN_IN_REASONS else ""
    response = _page(
        request,
        "console_login.html",
        status=status,
        sign_in_nonce=nonce,
        error=error,
        notice=notice,
        signed_out=request.query_params.get("signed_out") == "1",
        next_url=_safe_next(next_url),
    )
    settings: Settings = request.app.state.settings
    response.set_cookie(
        SIGN_IN_COOKIE,
        nonce,
        max_age=3600,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(settings),
    )
    return response


@router.get("/login", response_class=HTMLResponse)
def sign_in_form(request: Request) -> HTMLResponse:
    """The sign-in form: paste a token."""
    return _sign_in_page(request, next_url=request.query_params.get("next", PREFIX))


@router.post("/login")
def sign_in(
    request: Request, form: FormDep, engine: EngineDep, settings: SettingsDep, lang: LangDep
) -> Response:
    """Check the token; on success set the session cookie and go on."""
    sent, expected = form.get("csrf"), request.cookies.get(SIGN_IN_COOKIE, "")
    if not expected or not csrf_matches(sent, expected):
        raise DomainError("console.csrf_invalid")
    next_url = form.get("next", PREFIX)
    token = form.get("token", "").strip()
    if not token:
        error = DomainError("request.required", field="token").message(lang)
        return _sign_in_page(request, status=422, error=error, next_url=next_url)
    with Session(read_only(engine)) as session:
        principal = authenticate(session, token)
    if principal is None:
        error = DomainError("auth.invalid").message(lang)
        return _sign_in_page(request, status=401, error=error, next_url=next_url)
    with session_scope(engine) as session:
        sign_in = open_console_session(session, principal)
        cookie = session_cookie(sign_in, settings)
    response = _redirect(_safe_next(next_url))
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=int(SESSION_TTL.total_seconds()),
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(settings),
    )
    response.delete_cookie(SIGN_IN_COOKIE, path=COOKIE_PATH)
    return response


@router.post("/logout")
def sign_out(console: CheckedDep, engine: EngineDep) -> Response:
    """End the session on the server, and forget its cookie."""
    with session_scope(engine) as session:
        close_console_session(session, console.session_id)
    response = _redirect(f"{PREFIX}/login?signed_out=1")
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response


# -- the market page ---------------------------------------------------------------------------


def _board(
    request: Request,
    console: ConsoleSession,
    row: Market,
    day: date,
    session: Session,
    settings: Settings,
) -> dict[str, Any]:
    """What the market's board shows (the page, and `board_json` for its live updates)."""
    lang = request_lang(request)
    t = Translator(lang)
    tz = ZoneInfo(settings.timezone)
    now = datetime.now(UTC)
    # First: a change made while this is read is then sent to the page again, never lost.
    live_after = last_change_id(session, [row.id])
    # The whole day by default: what needs a decision first, finished orders last.
    status = request.query_params.get("status", "all")
    status = status if status in STATUS_FILTERS else "all"
    query = request.query_params.get("q", "")[:100]
    plan = current_plan(session, row, day)
    runners = market_runners(session, row)
    rows, count = order_rows(
        session,
        row,
        day,
        status=status,
        query=query,
        plan=plan,
        runners=runners,
        t=t,
        tz=tz,
        settings=settings,
    )
    times = arrivals(plan, runners, now=now, settings=settings)
    orders = board_orders(rows, times, t=t, tz=tz)
    stale_s = settings.position_stale_s
    run = latest_run(session, row, day)
    ended = shift_ended(session, (r.id for r in runners), day)
    runner_list = runner_rows(runners, plan, t=t, now=now, stale_s=stale_s, ended=ended)
    colour_of = colours(runners)
    query_string = urlencode({"tanggal": day.isoformat(), "status": status, "q": query})
    return {
        "console": console,
        "market": row,
        "day": day,
        "orders": orders,
        "count": count,
        "unplanned": sum(b.group == "unplanned" for b in orders),
        "late": sum(b.group == "late" for b in orders),
        "status_filter": status,
        "status_filters": [
            (
                value,
                t(f"console.status_{value}") if value in ("open", "all") else t.order_status(value),
            )
            for value in STATUS_FILTERS
        ],
        "query": query,
        "runners": runner_list,
        "move_targets": [r for r in runner_list if r.available],
        "stale_age": t.duration(stale_s),
        "run": run,
        "run_label": t.run_status(run.status) if run else "",
        "run_counts": (0, 0)
        if run is None
        else run_counts(plan if run.id == plan.run_id else run_plan(session, row, run.id)),
        "run_busy": bool(run and run.status in (RunStatus.QUEUED, RunStatus.RUNNING)),
        "market_url": _market_url(row, day),
        "board_url": f"{PREFIX}/{row.code}/board.json?{query_string}",
        "live_after": live_after,
        "positions": [
            {
                "id": str(r.id),
                "name": r.name,
                "lat": r.last_lat,
                "lon": r.last_lon,
                "colour": colour_of[r.id],
                "age": position_age(r.last_seen_at, now, stale_s, t),
            }
            for r in runners
            if r.last_lat is not None and r.last_lon is not None
        ],
        "_plan": plan,
        "_runners": runners,
        "_now": now,
    }


def board_rows(cache: ReadCache, board: dict[str, Any], lang: Lang, csrf: str) -> list[Markup]:
    """Each order's row of the board (``console_board_order.html``) as HTML, rendered once
    per what it shows: the row's own data (`BoardOrder`), the runners it may move to, the
    market's address, the session's CSRF token and the language. From one version of a busy
    market to the next most rows are the same; only the ones that changed are rendered."""
    template = _templates.get_template("console_board_order.html")
    t = Translator(lang)
    market, targets, back = board["market"], board["move_targets"], board["market_url"]
    common = (market.code, back, tuple((r.id, r.name) for r in targets), lang, csrf)
    html = []
    for b in board["orders"]:

        def render(b: BoardOrder = b) -> bytes:
            return template.render(
                t=t, lang=lang, csrf=csrf, b=b, market=market, move_targets=targets,
                market_url=back,
            ).encode()  # fmt: skip

        html.append(Markup(cache.answer(("board_row", b, common), render).body.decode()))
    return html


#: The parts of the market page that `board_json` renders again for a live update.
BOARD_PARTS: Final = {
    "dispatch": "console_board_dispatch.html",
    "runners": "console_board_runners.html",
    "orders": "console_board_orders.html",
}


@router.get("/{market}", response_class=HTMLResponse)
async def market_page(request: Request, market: str, console: CurrentConsoleDep) -> Response:
    """The market's day as a board: map, runners, the orders that need a decision first, and
    dispatch; it keeps itself up to date (`api.console.live`). Rendered once per version of
    the market for each signed-in session, address and language (`api.read_cache`; at most
    `TIME_BUCKET_S` old, for what it shows relative to now)."""
    state = request.app.state
    work = partial(
        _market_page_answer, reads_of(request), state.board_rows, state.engine, state.settings,
        request, console, market,
    )  # fmt: skip
    answer = await to_thread.run_sync(work)
    if answer.gzipped is not None and accepts_gzip(request):
        response = _page_response(request, answer.gzipped)
        response.headers["Content-Encoding"] = "gzip"
        response.headers["Vary"] = "Accept-Encoding"
        return response
    return _page_response(request, answer.body)


def _market_page_answer(
    reads: ReadCache,
    board_cache: ReadCache,
    engine: Engine,
    settings: Settings,
    request: Request,
    console: ConsoleSession,
    code: str,
) -> Answer:
    """`market_page`'s HTML, in one read transaction: the market's version first, then what
    the page shows (so it is never older than the version it is kept under)."""
    with Session(read_only(engine)) as session:
        market_id, version = visible_version(session, console.principal, code)
        if request.query_params.get("tanggal"):
            day = get_console_day(request, settings)
        else:
            day = nearest_open_day(session, [market_id], today(settings))
        key = (
            "console_market", console.session_id, market_id, day, request.url.path,
            request.url.query, request_lang(request), time_bucket(datetime.now(UTC)), version,
        )  # fmt: skip

        def render() -> bytes:
            row = session.get(Market, market_id)  # read after the version: never older
            assert row is not None
            board = _board(request, console, row, day, session, settings)
            for key in ("_plan", "_runners", "_now"):
                board.pop(key)
            flash = request.query_params.get("ok", "")
            t = Translator(request_lang(request))
            body = _page_body(
                request,
                "console_market.html",
                console=console,
                flash=t(f"ok.{flash}") if flash in FLASHES else "",
                map_url=f"{PREFIX}/{row.code}/map?tanggal={day.isoformat()}",
                order_html=board_rows(board_cache, board, request_lang(request), console.csrf),
                **{k: v for k, v in board.items() if k != "console"},
            )
            return body.encode()

        return reads.answer(key, render, compressed=accepts_gzip(request))


@router.get("/{market}/map", response_class=HTMLResponse)
def market_map(
    request: Request,
    console: ConsoleDep,
    row: ConsoleMarketDep,
    day: ConsoleDayDep,
    session: ReadSessionDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """The board's map as a document of its own, framed by the board: routes by colour, the
    runners' positions with their age, open and unplanned orders. Apart, the board paints
    before the map is drawn, and the map is drawn again when the plan changes."""
    lang = request_lang(request)
    t = Translator(lang)
    runners = market_runners(session, row)
    view = overview_view(
        session,
        row,
        day,
        current_plan(session, row, day),
        runners,
        t=t,
        tz=ZoneInfo(settings.timezone),
        now=datetime.now(UTC),
        stale_s=settings.position_stale_s,
        settings=settings,
    )
    the_map = market_overview_map(
        view,
        assets_url=MAPS_ASSETS_URL,
        tiles_url=settings.tiles_url,
        attribution=settings.tiles_attribution,
        labels=map_labels(lang),
    )
    head, body, script = map_fragment(the_map)
    title = escape(f"{t('console.map')} · {row.name}")
    document = (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n"
        "<style>html,body{width:100%;height:100%;margin:0;padding:0}</style>\n"
        f"{head}\n</head>\n<body>\n{body}\n{script}\n</body>\n</html>\n"
    )
    policy = content_security_policy(settings, frame_ancestors="'self'")
    headers = {
        "Cache-Control": "no-store",
        "Content-Security-Policy": policy,
        "X-Frame-Options": "SAMEORIGIN",
    }
    return HTMLResponse(document, headers=headers)


@router.get("/{market}/board.json")
def board_json(
    request: Request,
    console: ConsoleDep,
    row: ConsoleMarketDep,
    day: ConsoleDayDep,
    session: ReadSessionDep,
    settings: SettingsDep,
) -> JSONResponse:
    """The board's live parts as HTML (``parts``), the runners' positions for the map, and
    the change id they are as of (``after``)."""
    board = _board(request, console, row, day, session, settings)
    for key in ("_plan", "_runners", "_now"):
        board.pop(key)
    lang = request_lang(request)
    rows = board_rows(request.app.state.board_rows, board, lang, console.csrf)
    common = {"t": Translator(lang), "lang": lang, "csrf": console.csrf, "order_html": rows}
    common |= board
    parts = {
        name: _templates.get_template(template).render(**common)
        for name, template in BOARD_PARTS.items()
    }
    return JSONResponse(
        {
            "parts": parts,
            "count": board["count"],
            "positions": board["positions"],
            "after": board["live_after"],
        },
        headers={"Cache-Control": "no-store"},
    )


@router.get("/{market}/orders/{order_id}/row.json")
def board_row_json(
    order_id: uuid.UUID,
    request: Request,
    console: ConsoleDep,
    row: ConsoleMarketDep,
    session: ReadSessionDep,
    settings: SettingsDep,
) -> JSONResponse:
    """One order's row of the board as HTML (``html``): what a page patches first when that
    order changes, before it fetches the whole board again (``board.json``)."""
    order = _order_of(session, console, row, order_id)
    lang = request_lang(request)
    t = Translator(lang)
    tz = ZoneInfo(settings.timezone)
    now = datetime.now(UTC)
    plan = current_plan(session, row, order.service_date)
    runners = market_runners(session, row)
    one = order_row(order, plan, row, runners, t=t, tz=tz, settings=settings)
    board = board_orders([one], arrivals(plan, runners, now=now, settings=settings), t=t, tz=tz)
    ended = shift_ended(session, (r.id for r in runners), order.service_date)
    runner_list = runner_rows(runners, plan, t=t, now=now, ended=ended)
    html = _templates.get_template("console_board_order.html").render(
        t=t,
        lang=lang,
        csrf=console.csrf,
        b=board[0],
        market=row,
        day=order.service_date,
        move_targets=[r for r in runner_list if r.available],
        market_url=_market_url(row, order.service_date),
    )
    return JSONResponse(
        {"id": str(order.id), "status": order.status.value, "html": html},
        headers={"Cache-Control": "no-store"},
    )


# -- dispatch ----------------------------------------------------------------------------------


@router.post("/{market}/dispatch")
def start_dispatch(
    request: Request,
    console: CheckedDep,
    row: ConsoleMarketDep,
    form: FormDep,
    engine: EngineDep,
    planner: PlannerDep,
    settings: SettingsDep,
) -> Response:
    """Queue a dispatch run of this market for the day and start it in the background. When
    the day has a plan and the new one would take orders from runners who have them (and so
    their link), the coordinator first sees which, and confirms."""
    code = row.code
    day = parse_day(form.get("tanggal"), today(settings))
    limit = parse_time_limit(form.get("time_limit_s"))
    if form.get("confirm") != "1":
        moved = planner.call(preview_moves, row.id, day, settings, time_limit_s=min(limit, 2.0))
        if moved:
            return _confirm_dispatch(request, console, row, day, form, moved)
    params = {
        "time_limit_s": limit,
        "seed": 1,
        "workers": 1,
        "executor": "local",
        "requested_by": actor(console.principal),
    }
    run_id = create_run(engine, [code], day, params, lease_s=settings.run_lease_s)
    jobs: RunJobs = request.app.state.jobs
    jobs.start(run_id)
    return _redirect(f"{PREFIX}/{code}/dispatch/{run_id}")


def _confirm_dispatch(
    request: Request,
    console: ConsoleSession,
    market: Market,
    day: date,
    form: Mapping[str, str],
    moved: Sequence[tuple[uuid.UUID, uuid.UUID | None, uuid.UUID | None]],
) -> HTMLResponse:
    """The orders a dispatch would move off runners who have their link, to confirm."""
    with Session(read_only(request.app.state.engine)) as session:
        rows = moved_orders(session, moved)
    return _page(
        request,
        "console_dispatch_confirm.html",
        console=console,
        market=market,
        day=day,
        rows=rows,
        time_limit_s=form.get("time_limit_s", ""),
        market_url=_market_url(market, day),
    )


def _run_of(session: Session, market: Market, run_id: uuid.UUID) -> DispatchRun:
    """Run ``run_id`` if it planned ``market``; else 404, as for another market's run."""
    run = session.get(DispatchRun, run_id)
    if run is None or market.id not in {m.id for m in run.markets}:
        raise DomainError("dispatch.unknown_run", params={"id": str(run_id)})
    return run


@router.get("/{market}/dispatch/{run_id}", response_class=HTMLResponse)
def run_page(
    run_id: uuid.UUID,
    request: Request,
    console: ConsoleDep,
    row: ConsoleMarketDep,
    session: ReadSessionDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """A dispatch run's progress, then its routes and dropped orders."""
    run = _run_of(session, row, run_id)
    t = Translator(request_lang(request))
    tz = ZoneInfo(settings.timezone)
    runners = market_runners(session, row)
    plan = run_plan(session, row, run.id)
    routes, dropped = run_routes(session, plan, runners, t=t, tz=tz, settings=settings)
    finished = run.status in (RunStatus.DONE, RunStatus.FAILED)
    return _page(
        request,
        "console_run.html",
        console=console,
        market=row,
        day=run.service_date,
        run=run,
        run_label=t.run_status(run.status),
        finished=finished,
        routes=routes,
        dropped=dropped,
        summary=replan_summary(session, row, run, runners, t),
        run_error=run_error_text(run.error, t) if run.error else "",
        started_text=_wib(run.started_at, tz, t),
        finished_text=_wib(run.finished_at, tz, t),
        status_url=f"{PREFIX}/{row.code}/dispatch/{run.id}/status.json",
        market_url=_market_url(row, run.service_date),
    )


def _wib(moment: datetime | None, tz: ZoneInfo, t: Translator) -> str:
    return "-" if moment is None else t("console.at_wib", moment=t.moment(moment, tz))


@router.get("/{market}/dispatch/{run_id}/status.json")
def run_status(
    run_id: uuid.UUID,
    request: Request,
    console: ConsoleDep,
    row: ConsoleMarketDep,
    session: ReadSessionDep,
) -> JSONResponse:
    """A run's status for polling: ``queued``, ``running``, ``done`` or ``failed``."""
    run = _run_of(session, row, run_id)
    routed, dropped = run_counts(run_plan(session, row, run.id))
    t = Translator(request_lang(request))
    return JSONResponse(
        {
            "id": str(run.id),
            "status": run.status.value,
            "label": t.run_status(run.status),
            "finished": run.status in (RunStatus.DONE, RunStatus.FAILED),
            "routed": routed,
            "dropped": dropped,
            "error": run.error,
        },
        headers={"Cache-Control": "no-store"},
    )


# -- orders ------------------------------------------------------------------------------------


def _new_key() -> str:
    """The idempotency key of one rendering of the new-order form."""
    return f"console-{uuid.uuid4().hex}"


def _order_form(
    request: Request,
    console: ConsoleSession,
    market: Market,
    *,
    day: date,
    values: Mapping[str, str],
    errors: FormErrors,
    status: int = 200,
    editing: Order | None = None,
    session: Session | None = None,
) -> HTMLResponse:
    """The order form: a new order for ``day`` (with the market's verified sellers to
    choose from), or ``editing`` an existing one."""
    action = "new" if editing is None else f"{editing.id}/edit"
    sellers = []
    if editing is None and session is not None:
        sellers = [
            (seller.code, seller.name)
            for seller, _ in list_sellers(
                session, market_id=market.id, verification=SellerVerification.VERIFIED
            )
        ]
    return _page(
        request,
        "console_order_form.html",
        status=status,
        console=console,
        market=market,
        day=day,
        editing=editing,
        fields=ORDER_FIELDS if editing is None else EDIT_FIELDS,
        sellers=sellers,
        values=values,
        errors=errors,
        action=f"{PREFIX}/{market.code}/orders/{action}",
        market_url=_market_url(market, day),
    )


@router.get("/{market}/orders/new", response_class=HTMLResponse)
def new_order_form(
    request: Request,
    console: ConsoleDep,
    row: ConsoleMarketDep,
    day: ConsoleDayDep,
    session: ReadSessionDep,
) -> HTMLResponse:
    """The form for an order taken by phone, with a fresh idempotency key."""
    values = {"external_id": _new_key(), "fulfilment": "delivery", "payment": "cod"}
    return _order_form(
        request, console, row, day=day, values=values, errors=FormErrors(), session=session
    )


@router.post("/{market}/orders/new")
def create_order(
    request: Request,
    console: CheckedDep,
    row: ConsoleMarketDep,
    form: FormDep,
    session: SessionDep,
    settings: SettingsDep,
    planner: PlannerDep,
) -> Response:
    """Take the order in through the intake; a repeated submission finds the first order."""
    lang = request_lang(request)
    errors = FormErrors()
    fields = (*ORDER_FIELDS, "service_date")
    day = today(settings)
    try:
        day = parse_day(form.get("service_date"), day, field="service_date")
    except DomainError as error:
        errors.add(error, lang, fields)
    draft = None
    try:
        draft = validate_order(
            order_cells(form, row.code),
            day=day,
            tz=ZoneInfo(settings.timezone),
            known_markets=[row.code],
            geocoder=geocoder_from_setting(settings.geocoder),
            sellers=seller_refs(session, [form.get("seller", "")]),
        )
    except DomainError as error:
        errors.add(error, lang, fields)
    if errors or draft is None:
        session.rollback()
        return _order_form(
            request, console, row, day=day, values=form, errors=errors, status=422, session=session
        )
    submitted = submit_order(session, draft, service_date=day, by=actor(console.principal))
    session.commit()
    # Committed: on a day with a plan, the order goes into it now (or waits for review).
    planner.orders_arrived(arrived_in(session), by=actor(console.principal))
    flash = "order_created" if submitted.created else "order_exists"
    return _redirect(_market_url(row, day, ok=flash) + f"#order-{submitted.order_id}")


@router.post("/{market}/orders/{order_id}/accept-insertion")
def accept_insertion(
    order_id: uuid.UUID,
    console: CheckedDep,
    row: ConsoleMarketDep,
    engine: EngineDep,
    planner: PlannerDep,
    settings: SettingsDep,
) -> Response:
    """Accept the suggested insertion of a new order that waits for review (one click);
    back to the order's day."""
    planner.call(accept_suggestion, row.id, order_id, settings, by=actor(console.principal))
    with Session(read_only(engine)) as session:
        order = session.get(Order, order_id)
        assert order is not None
        day = order.service_date
    return _redirect(_market_url(row, day, ok="insertion_accepted") + f"#order-{order_id}")


def _order_of(
    session: Session, console: ConsoleSession, market: Market, order_id: uuid.UUID
) -> Order:
    """Order ``order_id`` of ``market``; 404 when missing or another market's."""
    order = visible_row(session, console.principal, Order, order_id, "order.not_found")
    if order.market_id != market.id:
        raise DomainError("order.not_found", params={"id": str(order_id)})
    return order


def _editable(order: Order) -> None:
    if order.status not in (OrderStatus.PENDING, OrderStatus.ASSIGNED):
        raise DomainError(
            "order.invalid_transition",
            field="status",
            params={"from": order.status.value, "to": "edited"},
        )


@router.get("/{market}/orders/{order_id}/edit", response_class=HTMLResponse)
def edit_order_form(
    order_id: uuid.UUID,
    request: Request,
    console: ConsoleDep,
    row: ConsoleMarketDep,
    session: ReadSessionDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """The order's fields to change before pickup (409 afterwards)."""
    order = _order_of(session, console, row, order_id)
    _editable(order)
    values = edit_form_values(order, ZoneInfo(settings.timezone))
    return _order_form(
        request,
        console,
        row,
        day=order.service_date,
        values=values,
        errors=FormErrors(),
        editing=order,
    )


@router.post("/{market}/orders/{order_id}/edit")
def edit_order(
    order_id: uuid.UUID,
    request: Request,
    console: CheckedDep,
    row: ConsoleMarketDep,
    form: FormDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Save the changed fields through `update_order` (the API's PATCH and its checks)."""
    lang = request_lang(request)
    order = _order_of(session, console, row, order_id)
    _editable(order)
    errors = FormErrors()
    changes = order_changes(form, order, ZoneInfo(settings.timezone), lang, errors)
    if changes is not None and changes.model_fields_set:
        try:
            update_order(session, order.id, changes.as_update(), by=actor(console.principal))
        except DomainError as error:
            if error.code == "order.invalid_transition":
                raise
            errors.add(error, lang, EDIT_FIELDS)
    if errors:
        session.rollback()
        order = _order_of(session, console, row, order_id)
        return _order_form(
            request,
            console,
            row,
            day=order.service_date,
            values=form,
            errors=errors,
            status=422,
            editing=order,
        )
    day = order.service_date
    session.commit()
    _replan_after(session, request, order, actor(console.principal))
    return _redirect(_market_url(row, day, ok="order_updated") + f"#order-{order_id}")


def _replan_after(session: Session, request: Request, order: Order, by: str) -> None:
    """After a cancel or an edit, the order's day is planned again when it has a plan (the
    request's own transaction ended first: on SQLite it would hold the write lock)."""
    market_id, day = order.market_id, order.service_date
    delivery = order.fulfilment == Fulfilment.DELIVERY
    session.rollback()
    if delivery:
        request.app.state.planner.call(
            replan_if_planned,
            market_id,
            day,
            by=by,
            settings=request.app.state.settings,
            reason="order changed",
        )


def _order_action(
    market: str,
    order_id: uuid.UUID,
    console: ConsoleSession,
    session: Session,
    act: Callable[[Order], object],
    flash: str,
) -> Response:
    row = market_by_code(session, console.principal, market)
    order = _order_of(session, console, row, order_id)
    day = order.service_date
    act(order)
    session.commit()
    return _redirect(_market_url(row, day, ok=flash) + f"#order-{order_id}")


@router.post("/{market}/orders/{order_id}/cancel")
def cancel(
    market: str,
    order_id: uuid.UUID,
    request: Request,
    console: CheckedDep,
    form: FormDep,
    session: SessionDep,
) -> Response:
    """Cancel the order before pickup (409 afterwards); its day is planned again."""
    reason = form.get("reason", "").strip()[:500]
    by = actor(console.principal)
    answer = _order_action(
        market,
        order_id,
        console,
        session,
        lambda order: cancel_order(session, order.id, by=by, reason=reason),
        "order_cancelled",
    )
    order = session.get(Order, order_id)
    if order is not None:
        _replan_after(session, request, order, by)
    return answer


@router.post("/{market}/orders/{order_id}/ready")
def ready(market: str, order_id: uuid.UUID, console: CheckedDep, session: SessionDep) -> Response:
    """A pickup order's goods are packed at the market: "siap diambil"."""
    by = actor(console.principal)
    return _order_action(
        market,
        order_id,
        console,
        session,
        lambda order: mark_ready_for_pickup(session, order.id, by=by),
        "order_ready",
    )


@router.post("/{market}/orders/{order_id}/collected")
def collected(
    market: str, order_id: uuid.UUID, console: CheckedDep, form: FormDep, session: SessionDep
) -> Response:
    """The customer collected a pickup order: "sudah diambil", with the cash received."""
    by = actor(console.principal)

    def collect(order: Order) -> Order:
        paid = parse_collected(form.get("collected_rp"), order.cod_rp)
        return mark_collected(session, order.id, collected_rp=paid, by=by)

    return _order_action(market, order_id, console, session, collect, "order_collected")


# -- one runner --------------------------------------------------------------------------------


def _console_runner(
    session: Session, console: ConsoleSession, market: Market, runner_id: uuid.UUID
) -> Runner:
    runner = visible_row(session, console.principal, Runner, runner_id, "runner.not_found")
    if runner.market_id != market.id:
        raise DomainError("runner.not_found", params={"id": str(runner_id)})
    return runner


def _runner_parts(
    session: Session, runner: Runner, market: Market, day: date, t: Translator, tz: ZoneInfo
) -> dict[str, Any]:
    """What the runner's page shows that changes as the runner works: its stops and cash
    (from the plan's read model, `dispatch.plans`)."""
    live_after = last_change_id(session, [market.id])
    route = runner_route(session, runner, day)
    plan_stops = () if route is None else route.visits
    cash = Cash(0, 0, 0) if route is None else route.cash
    over_cap = () if route is None else route.trips_over_cap
    return {
        "live_after": live_after,
        "route": route,
        "plan_stops": plan_stops,
        "stops": runner_stop_rows(plan_stops, t=t, tz=tz),
        "cash": cash,
        "collected_text": t.rupiah(cash.collected_rp),
        "to_collect_text": t.rupiah(cash.to_collect_rp),
        "holding_text": t.rupiah(cash.holding_rp),
        "cap_text": t.rupiah(runner.cash_cap_rp),
        "over_cap": t.n(
            "console.over_cap_trips", len(over_cap), trips=", ".join(map(str, over_cap))
        )
        if over_cap
        else "",
        "trips": []
        if route is None
        else [
            (trip.number, t.rupiah(trip.cash.holding_rp), trip.number in over_cap)
            for trip in route.trips
        ],
    }


#: The parts of a runner's page that `runner_json` renders again for a live update.
RUNNER_PARTS: Final = {"stops": "console_runner_stops.html", "cash": "console_runner_cash.html"}


@router.get("/{market}/runners/{runner_id}/board.json")
def runner_json(
    runner_id: uuid.UUID,
    request: Request,
    console: ConsoleDep,
    row: ConsoleMarketDep,
    day: ConsoleDayDep,
    session: ReadSessionDep,
    settings: SettingsDep,
) -> JSONResponse:
    """The runner page's live parts as HTML (``parts``), as of change ``after``."""
    runner = _console_runner(session, console, row, runner_id)
    lang = request_lang(request)
    t = Translator(lang)
    parts = _runner_parts(session, runner, row, day, t, ZoneInfo(settings.timezone))
    common = {"t": t, "lang": lang, "csrf": console.csrf, "market": row, "day": day, **parts}
    html = {name: _templates.get_template(f).render(**common) for name, f in RUNNER_PARTS.items()}
    return JSONResponse(
        {"parts": html, "after": parts["live_after"]}, headers={"Cache-Control": "no-store"}
    )


@router.get("/{market}/runners/{runner_id}", response_class=HTMLResponse)
def runner_page(
    runner_id: uuid.UUID,
    request: Request,
    console: ConsoleDep,
    row: ConsoleMarketDep,
    day: ConsoleDayDep,
    session: ReadSessionDep,
    settings: SettingsDep,
) -> HTMLResponse:
    """A runner's route for the day, the cash it should hold and its link to send."""
    runner = _console_runner(session, console, row, runner_id)
    lang = request_lang(request)
    t = Translator(lang)
    tz = ZoneInfo(settings.timezone)
    parts = _runner_parts(session, runner, row, day, t, tz)
    ended = shift_ended(session, [runner.id], day)
    plan_stops = parts["plan_stops"]
    colour = colours(market_runners(session, row))[runner.id]
    stops = stop_views(plan_stops, row, tz, t)
    view = RouteView(
        runner_name=runner.name,
        market_name=row.name,
        market=MapPoint(row.lat, row.lon),
        stops=stops,
        colour=colour,
    )
    the_map = runner_map(
        view,
        assets_url=MAPS_ASSETS_URL,
        tiles_url=settings.tiles_url,
        attribution=settings.tiles_attribution,
        labels=map_labels(lang),
    )
    map_head, map_body, map_script = map_fragment(the_map)
    link = f"{settings.public_base_url.rstrip('/')}/r/{runner_link_token(runner, day, settings)}"
    expires = link_expiry(runner, day, settings)
    flash = request.query_params.get("ok", "")
    first_name = runner.name.split()[0] if runner.name.strip() else runner.name
    # The runner reads Bahasa Indonesia, whatever the coordinator's page speaks.
    message = text(
        "wa.to_runner", "id", runner=first_name, market=row.name, day=formats.day(day), link=link
    )
    return _page(
        request,
        "console_runner.html",
        console=console,
        market=row,
        day=day,
        runner=runner,
        colour=colour,
        status_label=shift_label(runner, ended, t),
        on_shift=runner.id in on_shift_ids(session, [runner], day),
        **parts,
        refresh_url=f"{PREFIX}/{row.code}/runners/{runner.id}/board.json?tanggal={day.isoformat()}",
        link=link,
        link_expired=datetime.now(UTC) >= expires,
        link_until=t("console.at_wib", moment=t.short_moment(expires, tz)),
        whatsapp_url=f"https://wa.me/{wa_number(runner.phone)}?text={quote(message)}",
        shift_text=t("console.arrival_wib", time=_shift(runner, t)),
        position_text=(
            position_age(runner.last_seen_at, datetime.now(UTC), settings.position_stale_s, t)
            if runner.last_seen_at is not None
            else ""
        ),
        flash=t(f"ok.{flash}") if flash in FLASHES else "",
        map_head=map_head,
        map_body=map_body,
        map_script=map_script,
        market_url=_market_url(row, day),
    )


def _shift(runner: Runner, t: Translator) -> str:
    """A runner's shift: ``05.30–11.30``."""
    start = runner.shift_start.hour * 3600 + runner.shift_start.minute * 60
    end = runner.shift_end.hour * 3600 + runner.shift_end.minute * 60
    return f"{t.clock_of_day(start)}–{t.clock_of_day(end)}"
