"""Server-rendered pages: the runner's route page ``/r/{link}``, and the static files.

The page is made for a phone (390x844) and speaks Bahasa Indonesia (English with ``?lang=en``
or ``Accept-Language``, `api.lang.request_lang`): the route map on top
(``maps``), the ordered stop list under it with the cash to collect, the planned arrival and
buttons to navigate, call, WhatsApp the customer and mark the stop. The list and buttons are
plain HTML, so they work when map tiles cannot load. Every script and stylesheet comes from
this application (``/static``); only tiles come from the configured tile server.
"""

from __future__ import annotations

import hashlib
import html
import json
import secrets
from datetime import UTC, datetime
from functools import cache, partial
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.applications import Starlette

from api.guard import GuardedRoute
from api.headers import content_security_policy
from api.lang import request_lang
from api.read_cache import Answer, ReadCache, reads_of
from api.routes.runner import LinkedRunner, linked_runner, route_out
from api.schemas import RunnerRouteOut, RunnerStopOut
from dispatch.actions import FailureReason
from dispatch.auth import verify_runner_link
from dispatch.changes import owner_version
from dispatch.db import read_only
from dispatch.errors import DomainError
from dispatch.i18n import Lang, Translator, catalogue, placeholders
from dispatch.models import OrderStatus, Runner
from dispatch.settings import Settings
from maps import MapLabels, MapPoint, RouteView, StopView, map_fragment, runner_map
from maps.assets import leaflet_dir, map_script_dir

HERE = Path(__file__).resolve().parent
STATIC_URL = "/static"
MAPS_ASSETS_URL = f"{STATIC_URL}/maps"
#: The runner page's service worker and its stylesheet (inlined: no round trip before the
#: first paint on a slow connection).
SERVICE_WORKER: Final = HERE / "static" / "runner-sw.js"
RUNNER_CSS: Final = HERE / "static" / "runner.css"
RUNNER_JS: Final = HERE / "static" / "runner.js"
#: The map's size on the phone the page is made for (390x844, the map 38 % of the height):
#: markers that would cover each other there are drawn side by side.
PHONE_MAP_PX: Final = (390, 320)


@cache
def asset_version(path: Path) -> str:
    """A short hash of a static file's content, for its URL (``?v=``): the service worker keeps
    files by URL, so a changed file is fetched anew."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


_templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,  # templates change with a release, not under a running server
)

router = APIRouter(include_in_schema=False, route_class=GuardedRoute)


def map_labels(lang: Lang) -> MapLabels:
    """The words the maps write themselves, from the catalogue (``map.*``)."""
    t = Translator(lang)
    return MapLabels(
        trip=t("map.trip", trip="{trip}"),
        market_letter=t("map.market_letter"),
        pending=t("map.pending"),
        dropped=t("map.dropped"),
        runner_position=t("map.runner_position"),
    )


def mount_static(app: Starlette) -> None:
    """Serve ``/static/maps`` (Leaflet) and ``/static`` (the page's own script and style)."""
    app.mount(f"{MAPS_ASSETS_URL}/leaflet", StaticFiles(directory=leaflet_dir()), name="leaflet")
    app.mount(f"{MAPS_ASSETS_URL}/antar", StaticFiles(directory=map_script_dir()), name="maps")
    app.mount(STATIC_URL, StaticFiles(directory=HERE / "static"), name="static")


def wa_number(phone: str) -> str:
    """E.164 ``+6281...`` as wa.me wants it: ``6281...``."""
    return phone.removeprefix("+")


#: The catalogue's words the page's script writes itself (cards are drawn on the phone from
#: the route's data, so they can change without a network).
PAGE_WORDS: Final = (
    "approximate", "call", "cash_invalid", "collect", "collected", "collected_rp",
    "confirm_cash", "correct", "correct_save", "corrected", "customer", "delivered", "fail_open",
    "failed", "failed_because", "has_photo", "kept_offline", "navigate", "next",
    "note_placeholder", "notes", "paid", "pending_stop", "photo", "photo_failed", "photo_kept",
    "photo_needed", "photo_required", "picked_up", "position_off", "position_on", "recipient",
    "recipient_was", "refused", "shopping", "stop_meta", "trip", "trip_bought", "trip_done",
    "trip_over", "trip_weight", "updated", "whatsapp", "no_stops", "pickup_title",
    "picked_up_at_seller", "pickup_no_cash", "collect_first",
)  # fmt: skip


def page_words(t: Translator) -> dict[str, object]:
    """The words of `PAGE_WORDS` with ``{placeholders}`` left for the script, plurals as
    ``[one, other]``, the stop statuses and the failure reasons."""
    words: dict[str, object] = {}
    for key in PAGE_WORDS:
        raw = catalogue(t.lang).messages.get(f"runner.{key}", "")
        names = placeholders(raw if isinstance(raw, str) else raw[0])
        words[key] = t(f"runner.{key}", **{n: "{" + n + "}" for n in names})
    words["orders"] = [t.n("runner.shopping_orders", k, count="{count}") for k in (1, 2)]
    words["done"] = [t.n("runner.done", k, count="{count}") for k in (1, 2)]
    words["arrival"] = t("console.arrival_wib", time="{time}")
    words["status"] = {s.value: t(f"status.stop.{s.value}") for s in OrderStatus}
    words["pickup_status"] = {k: t(f"status.pickup.{k}") for k in ("open", "done")}
    words["reasons"] = [[r.value, t.failure_reason(r.value)] for r in FailureReason]
    return words


def _script_json(value: object) -> str:
    """``value`` as JSON that is safe inside ``<script type="application/json">``."""
    return (
        json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


def _map_view(route: RunnerRouteOut, t: Translator, tz: ZoneInfo, title: str,
              market_name: str, market: MapPoint) -> RouteView:  # fmt: skip
    def is_open(stop: RunnerStopOut) -> bool:
        if stop.kind == "pickup":
            return stop.status is OrderStatus.ASSIGNED
        return stop.status in (OrderStatus.ASSIGNED, OrderStatus.PICKED_UP)

    visits = sorted([*route.stops, *route.pickups], key=lambda s: s.sequence)
    first_open = next((s for s in visits if is_open(s)), None)
    views = tuple(
        StopView(
            sequence=stop.sequence,
            trip=stop.trip,
            lat=float(stop.lat if stop.lat is not None else market.lat),
            lon=float(stop.lon if stop.lon is not None else market.lon),
            title=stop.customer_name or t("runner.customer"),
            address=stop.address,
            items_text=", ".join(
                " ".join(p for p in (i.name, t.number(i.quantity, 3), i.unit) if p)
                for i in stop.items
            ),
            amount_text=t("runner.pickup_no_cash")
            if stop.kind == "pickup"
            else t("runner.collect", amount=t.rupiah(stop.cash_to_collect_rp))
            if stop.cash_to_collect_rp
            else t("runner.paid"),
            arrival_text=t("console.arrival_wib", time=t.clock(stop.planned_arrival, tz)),
            status=(  # a collected pickup is behind the runner
                "delivered" if stop.kind == "pickup" and not is_open(stop) else stop.status.value
            ),  # type: ignore[arg-type]
            is_next=stop is first_open,
        )
        for stop in visits
    )
    return RouteView(runner_name=title, market_name=market_name, market=market, stops=views)


def _error_page(error: DomainError, status: int, lang: Lang) -> HTMLResponse:
    body = _templates.get_template("link_error.html").render(
        message=error.message(lang), t=Translator(lang), lang=lang, static_url=STATIC_URL
    )
    return HTMLResponse(body, status_code=status)


@router.get("/r/sw.js", include_in_schema=False)
def service_worker() -> Response:
    """The runner page's service worker: served under ``/r/`` so that its scope covers every
    runner's page (``/r/{link}``); browsers check it for updates at most daily."""
    return Response(
        SERVICE_WORKER.read_bytes(),
        media_type="text/javascript",
        headers={"Cache-Control": "max-age=86400", "Service-Worker-Allowed": "/r/"},
    )


@router.get("/r/{link}", response_class=HTMLResponse)
async def runner_page(link: str, request: Request) -> Response:
    """The runner's route for the day, from its signed link: the page carries the route's
    data and draws the cards itself (`api/static/runner.js`), so it works from the phone's
    copy when there is no signal. Rendered once per version of the runner's market and
    language (`api.read_cache`); only the time it is sent at is filled in each time."""
    lang = request_lang(request)
    state = request.app.state
    settings: Settings = state.settings
    work = partial(_page_answer, reads_of(request), state.engine, settings, link, lang)
    try:
        answer = await to_thread.run_sync(work)
    except DomainError as error:
        return _error_page(error, 410 if error.code == "link.expired" else 404, lang)
    page = answer.body.replace(_AT_MARK, datetime.now(UTC).isoformat().encode(), 1)
    policy = content_security_policy(settings)
    # "private, no-cache": the phone may keep the page (its service worker takes it from the
    # browser's cache without asking again), a shared cache may not.
    headers = {"Cache-Control": "private, no-cache", "Content-Security-Policy": policy}
    return HTMLResponse(page, headers=headers)


#: Where the page's data says when it was sent ("at"), filled in as it is sent: random, so
#: that no text of an order can take its place.
_AT_MARK: Final = f"at-{secrets.token_hex(16)}".encode()


def _page_answer(
    reads: ReadCache, engine: Engine, settings: Settings, link: str, lang: Lang
) -> Answer:
    """The page of ``link`` in ``lang`` (its "at" left as `_AT_MARK`), rendered once per
    version of the runner's market, in one read transaction."""
    verified = verify_runner_link(link, settings)
    with Session(read_only(engine)) as session:
        found = owner_version(session, Runner.id, verified.runner_id)
        if found is None:
            raise DomainError("link.invalid")
        key = ("runner_page", link, lang, found[1])

        def render() -> bytes:
            linked = linked_runner(session, verified, settings)
            return _render_page(session, linked, settings, link, lang)

        return reads.answer(key, render)


def _render_page(
    session: Session, linked: LinkedRunner, settings: Settings, link: str, lang: Lang
) -> bytes:
    t = Translator(lang)
    tz = ZoneInfo(settings.timezone)
    runner, market = linked.runner, linked.market
    route = route_out(session, linked, settings)
    view = _map_view(route, t, tz, runner.name, market.name, MapPoint(market.lat, market.lon))
    the_map = runner_map(
        view,
        assets_url=MAPS_ASSETS_URL,
        tiles_url=settings.tiles_url,
        attribution=settings.tiles_attribution,
        labels=map_labels(lang),
        viewport=PHONE_MAP_PX,
    )
    map_head, map_body, map_script = map_fragment(the_map)
    data = {"route": route.model_dump(mode="json"), "at": _AT_MARK.decode()}
    page = _templates.get_template("runner.html").render(
        runner_name=runner.name,
        market_name=market.name,
        t=t,
        lang=lang,
        day=t.day(linked.link.service_date),
        stops=len(route.stops),
        trips=len(route.trips),
        map_head=map_head,
        map_body=map_body,
        map_script=map_script,
        api_base=f"/api/v1/runner/{html.escape(link)}",
        timezone=settings.timezone,
        words=_script_json(page_words(t)),
        data=_script_json(data),
        style=RUNNER_CSS.read_text(),
        script_version=asset_version(RUNNER_JS),
        static_url=STATIC_URL,
    )
    return page.encode()
