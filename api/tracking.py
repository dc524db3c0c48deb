"""The customer's tracking page ``/t/{token}``: one order's status, ETA and runner's first name.

The token comes in the WhatsApp confirmation (`dispatch.whatsapp.tracking`); it is signed and
valid until the end of the order's service day. A tampered or unknown token answers a page
with 404, an expired one 410. The page is HTML, one stylesheet and, while the order is on its
way, a small map (Leaflet and ``tracking.js`` from this application, tiles from the map
server) with the runner's last position and the customer's door; the ETA (from the plan and
the runner's reported position), the cash to prepare for a COD order and a button to call
the runner. Nothing about other customers.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.deps import SessionDep, SettingsDep
from api.guard import GuardedRoute
from api.lang import request_lang
from dispatch.errors import DomainError
from dispatch.i18n import Lang, Translator
from dispatch.models import Order
from dispatch.settings import Settings
from dispatch.whatsapp.tracking import TrackingView, tracking_view, verify_tracking_token
from maps import asset_urls

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

_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _page(
    lang: Lang,
    view: TrackingView | None,
    message: str = "",
    status: int = 200,
    settings: Settings | None = None,
) -> HTMLResponse:
    scripts, stylesheets = asset_urls(MAPS_ASSETS_URL)
    body = _templates.get_template("tracking.html").render(
        view=view,
        message=message,
        static_url=STATIC_URL,
        t=Translator(lang),
        lang=lang,
        leaflet_js=scripts[0],
        leaflet_css=stylesheets[0],
        tiles_url=settings.tiles_url if settings else "",
        attribution=settings.tiles_attribution if settings else "",
    )
    return HTMLResponse(body, status_code=status, headers=_HEADERS)


@router.get("/t/{token}", response_class=HTMLResponse)
def tracking_page(
    token: str, request: Request, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """Where the customer's order is (in Bahasa Indonesia; ``?lang=en`` for English)."""
    lang = request_lang(request)
    try:
        link = verify_tracking_token(token[:400], settings)
    except DomainError as error:
        status = 410 if error.code == "tracking.expired" else 404
        return _page(lang, None, error.message(lang), status)
    order = session.get(Order, link.order_id)
    if order is None:
        return _page(lang, None, DomainError("tracking.invalid").message(lang), 404)
    return _page(lang, tracking_view(session, order, settings, lang), settings=settings)
