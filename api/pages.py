"""Server-rendered pages: the runner's route page ``/r/{link}``, and the static files.

The page is made for a phone (390x844) and speaks Bahasa Indonesia (English with ``?lang=en``
or ``Accept-Language``, `api.lang.request_lang`): the route map on top
(``maps``), the ordered stop list under it with the cash to collect, the planned arrival and
buttons to navigate, call, WhatsApp the customer and mark the stop. The list and buttons are
plain HTML, so they work when map tiles cannot load. Every script and stylesheet comes from
this application (``/static``); only tiles come from the configured tile server.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette

from api.deps import SessionDep, SettingsDep
from api.guard import GuardedRoute
from api.headers import content_security_policy
from api.lang import request_lang
from api.routes.runner import linked_runner
from dispatch.actions import FailureReason
from dispatch.errors import DomainError
from dispatch.i18n import Lang, Translator, text
from dispatch.plans import PlanStop, runner_route
from maps import MapLabels, MapPoint, RouteView, StopView, map_fragment, runner_map
from maps.assets import leaflet_dir, map_script_dir

HERE = Path(__file__).resolve().parent
STATIC_URL = "/static"
MAPS_ASSETS_URL = f"{STATIC_URL}/maps"

_templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
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


@dataclass(frozen=True)
class StopCard:
    """One stop of the list, ready for the template."""

    order_id: str
    sequence: int
    trip: int
    customer_name: str
    address: str
    approximate: bool
    items: str
    amount_text: str
    cash_rp: int
    arrival_text: str
    status: str
    status_label: str
    is_next: bool
    navigate_url: str
    tel_url: str
    whatsapp_url: str
    notes: str


def _greeting(order: PlanStop, runner_name: str, arrival: str) -> str:
    """The runner's WhatsApp text to the customer: in Bahasa Indonesia, whatever the page
    speaks, and without an empty name ("Halo , saya")."""
    name = order.customer_name.strip()
    if name:
        return text("wa.to_customer", "id", customer=name, runner=runner_name, arrival=arrival)
    return text("wa.to_customer_no_name", "id", runner=runner_name, arrival=arrival)


def _cards(
    stops: tuple[PlanStop, ...], runner_name: str, tz: ZoneInfo, t: Translator
) -> list[StopCard]:
    next_id = next((s.order_id for s in stops if s.open), None)
    cards = []
    for stop in stops:
        order = stop
        cash = order.cod_rp
        arrival = t.clock(stop.planned_arrival, tz)
        items = ", ".join(
            " ".join(part for part in (i.name, t.number(i.quantity, 3), i.unit) if part)
            for i in order.items
        )
        greeting = _greeting(order, runner_name, arrival)
        cards.append(
            StopCard(
                order_id=str(order.order_id),
                sequence=stop.sequence,
                trip=stop.trip,
                customer_name=order.customer_name or t("runner.customer"),
                address=order.address,
                approximate=order.location_approximate,
                items=items or order.notes,
                amount_text=t("runner.collect", amount=t.rupiah(cash))
                if cash
                else t("runner.paid"),
                cash_rp=cash,
                arrival_text=t("console.arrival_wib", time=arrival),
                status=order.status.value,
                status_label=t(f"status.stop.{order.status.value}"),
                is_next=order.order_id == next_id,
                navigate_url=(
                    "https://www.google.com/maps/dir/?api=1&travelmode=driving"
                    f"&destination={order.lat},{order.lon}"
                ),
                tel_url=f"tel:{order.phone}",
                whatsapp_url=f"https://wa.me/{wa_number(order.phone)}?text={quote(greeting)}",
                notes=order.notes,
            )
        )
    return cards


def _map_view(cards: list[StopCard], rows: tuple[PlanStop, ...], title: str,
              market_name: str, market: MapPoint) -> RouteView:  # fmt: skip
    views = tuple(
        StopView(
            sequence=card.sequence,
            trip=card.trip,
            lat=float(order.lat or market.lat),
            lon=float(order.lon or market.lon),
            title=card.customer_name,
            address=card.address,
            items_text=card.items,
            amount_text=card.amount_text,
            arrival_text=card.arrival_text,
            status=card.status,  # type: ignore[arg-type]
            is_next=card.is_next,
        )
        for card, order in zip(cards, rows, strict=True)
    )
    return RouteView(runner_name=title, market_name=market_name, market=market, stops=views)


def _error_page(error: DomainError, status: int, lang: Lang) -> HTMLResponse:
    body = _templates.get_template("link_error.html").render(
        message=error.message(lang), t=Translator(lang), lang=lang, static_url=STATIC_URL
    )
    return HTMLResponse(body, status_code=status)


@router.get("/r/{link}", response_class=HTMLResponse)
def runner_page(
    link: str, request: Request, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """The runner's route for the day, from its signed link."""
    lang = request_lang(request)
    t = Translator(lang)
    try:
        linked = linked_runner(session, link, settings)
    except DomainError as error:
        return _error_page(error, 410 if error.code == "link.expired" else 404, lang)
    tz = ZoneInfo(settings.timezone)
    runner, market = linked.runner, linked.market
    route = runner_route(session, runner, linked.link.service_date)
    rows = () if route is None else route.stops
    cards = _cards(rows, runner.name.split()[0], tz, t)
    view = _map_view(cards, rows, runner.name, market.name, MapPoint(market.lat, market.lon))
    the_map = runner_map(
        view,
        assets_url=MAPS_ASSETS_URL,
        tiles_url=settings.tiles_url,
        attribution=settings.tiles_attribution,
        labels=map_labels(lang),
    )
    map_head, map_body, map_script = map_fragment(the_map)
    cash_total = 0 if route is None else route.cash.to_collect_rp
    page = _templates.get_template("runner.html").render(
        runner_name=runner.name,
        market_name=market.name,
        t=t,
        lang=lang,
        day=t.day(linked.link.service_date),
        cards=cards,
        trips=max((c.trip for c in cards), default=0),
        cash_total=t.rupiah(cash_total),
        map_head=map_head,
        map_body=map_body,
        map_script=map_script,
        api_base=f"/api/v1/runner/{html.escape(link)}",
        failure_reasons=[(r.value, t.failure_reason(r.value)) for r in FailureReason],
        static_url=STATIC_URL,
    )
    policy = content_security_policy(settings)
    headers = {"Cache-Control": "no-store", "Content-Security-Policy": policy}
    return HTMLResponse(page, headers=headers)
