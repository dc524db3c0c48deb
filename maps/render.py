"""Folium maps of a runner's route and of a market overview, drawn from `maps.views`.

Every marker is a `DivIcon` styled by this module's own CSS, so a map needs Leaflet's
script and stylesheet and nothing else: each map's `default_js` / `default_css` point only
at `{assets_url}/leaflet/leaflet.js` and `{assets_url}/leaflet/leaflet.css` (see
`maps.assets`). Only the tiles come from another host, the one in `tiles_url`.

Popups and tooltips are bound with `layer.bindPopup(<JSON string>)` rather than
`folium.Popup`, whose script needs jQuery; every text from the views is HTML-escaped
before it goes into a popup, a tooltip or an icon.

Folium (branca) compiles each element's rendered script as a Jinja template a second time,
so text from the views must never reach the script with a `{` in it: HTML text escapes
braces as character references (`_esc`), JavaScript strings as `\u007b` (`_js`). A
customer named `{{ 7*7 }}` is shown as written, never evaluated on the server.

Two ways to put a map on a page:

- `map_html(m)`: a complete HTML document; use it as an `<iframe srcdoc="...">` (escape it
  as an attribute value) or serve it at its own URL and point an `<iframe src>` at it.
  Asset URLs are used as given, so an absolute path such as `/static/maps` works in both.
- `map_fragment(m)`: `(header_html, body_html, script_html)` to embed without an iframe:
  put `header_html` in the page's `<head>`, `body_html` inside an element that has a height
  (e.g. `<div style="height:45vh">`), and `script_html` anywhere after `body_html`. The
  fragment styles nothing outside the map (no rules on `html`/`body`, no viewport meta).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import folium
from branca.element import CssLink, Element, Figure, JavascriptLink, MacroElement
from folium.template import Template
from folium.utilities import JsCode

from maps.assets import asset_urls
from maps.views import (
    STOP_STATUSES,
    DroppedView,
    MarketOverviewView,
    PendingView,
    RouteView,
    RunnerPositionView,
    StopView,
)

ROUTE_COLOURS: tuple[str, ...] = (
    "#1f77b4",
    "#2ca02c",
    "#9467bd",
    "#d62728",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#7f7f7f",
    "#bcbd22",
    "#ff7f0e",
)
"""Route colours the overview falls back to when two routes were given the same colour."""

_DONE_STATUSES = frozenset({"delivered", "failed"})
_COLOUR_RE = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_MAX_ZOOM = 19
_FIT_MAX_ZOOM = 17
_STOP_SIZE = 28
_NEXT_SIZE = 38
_MARKET_SIZE = 30
_RUNNER_SIZE = 28
_DROPPED_SIZE = 24

_MAP_CSS = """\
<style>
.antar-icon{background:none;border:none}
.antar-stop,.antar-market,.antar-runner,.antar-dropped{display:flex;align-items:center;
justify-content:center;box-sizing:border-box;width:100%;height:100%;
font:700 14px/1 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
box-shadow:0 1px 4px rgba(0,0,0,.5)}
.antar-stop{border-radius:50%;border:2px solid #fff;color:#fff}
.antar-stop--next{border:4px solid #ffd400;font-size:18px;
box-shadow:0 0 0 2px #111,0 2px 6px rgba(0,0,0,.6)}
.antar-stop--done{background:#9e9e9e!important;color:#fff;opacity:.75}
.antar-stop--failed{border-color:#d62728;text-decoration:line-through}
.antar-market{border-radius:4px;border:2px solid #fff;background:#222;color:#fff;font-size:16px}
.antar-runner{border-radius:50%;border:3px solid;background:#fff;color:#111;font-size:12px}
.antar-dropped{border-radius:50%;border:2px solid #fff;background:#d62728;color:#fff}
.antar-popup{font:14px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif}
.antar-popup__title{font-weight:700;margin-bottom:2px}
.antar-popup__amount{font-weight:700}
.antar-popup__muted{color:#555}
</style>"""


@dataclass(frozen=True, slots=True)
class MapLabels:
    """The few words the maps write themselves; every other text comes from the views."""

    trip: str = "Perjalanan {trip}"
    """Tooltip of a trip's line; `{trip}` is replaced by the trip number."""
    market_letter: str = "P"
    """The letter on the market's marker (Pasar)."""
    pending: str = "Menunggu penugasan"
    """Popup line of an order waiting for dispatch."""
    dropped: str = "Tidak terjadwal"
    """Popup line of an order the last run dropped, before its reason."""
    runner_position: str = "Posisi terakhir"
    """Popup line of a runner's last position, before its age."""


INDONESIAN_LABELS = MapLabels()
"""The default labels, in Bahasa Indonesia."""

ENGLISH_LABELS = MapLabels(
    trip="Trip {trip}",
    market_letter="M",
    pending="Waiting for dispatch",
    dropped="Not planned",
    runner_position="Last position",
)
"""The labels in English."""


class _MetricScale(MacroElement):
    """Leaflet's scale bar in metres and kilometres only (folium's own also shows miles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            L.control.scale({"metric": true, "imperial": false}).addTo(
                {{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


class _Bind(MacroElement):
    """Binds a popup or tooltip to its parent layer; the content is a JSON string literal."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this._parent.get_name() }}.{{ this.method }}(
                {{ this.content }}, {{ this.options|tojavascript }});
        {% endmacro %}
        """
    )

    def __init__(
        self, method: Literal["bindPopup", "bindTooltip"], content: str, **options: Any
    ) -> None:
        super().__init__()
        self._name = "Bind"
        self.method = method
        self.content = _js(content).js_code
        self.options = options


def _popup(layer: folium.map.Layer | folium.Marker, content_html: str) -> None:
    _Bind("bindPopup", content_html, maxWidth=280, autoPanPadding=[16, 16]).add_to(layer)


def _tooltip(layer: folium.map.Layer | folium.Marker, content_html: str) -> None:
    _Bind("bindTooltip", content_html, sticky=True).add_to(layer)


_NO_TEMPLATE_JS = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027", "{": "\\u007b", "}": "\\u007d"}
)


def _esc(text: str) -> str:
    """`text` as HTML, with no `{` left for the second Jinja pass to read as a tag."""
    return html.escape(text, quote=True).replace("{", "&#123;").replace("}", "&#125;")


def _js(text: str) -> JsCode:
    """`text` as a JavaScript string literal safe in a `<script>` and with no `{`."""
    return JsCode(json.dumps(text).translate(_NO_TEMPLATE_JS))


def _check_colour(colour: str) -> str:
    if not _COLOUR_RE.fullmatch(colour):
        msg = f"route colour must be a CSS hex colour like '#1f77b4', got {colour!r}"
        raise ValueError(msg)
    return colour


def _new_map(
    centre: tuple[float, float], *, assets_url: str, tiles_url: str, attribution: str
) -> folium.Map:
    m = folium.Map(location=list(centre), tiles=None, zoom_start=14)
    _MetricScale().add_to(m)
    scripts, stylesheets = asset_urls(assets_url)
    # Instance attributes: the class lists point at CDNs and are shared by every map.
    m.default_js = [("leaflet", scripts[0])]
    m.default_css = [("leaflet_css", stylesheets[0])]
    folium.TileLayer(
        tiles=tiles_url,
        attr=attribution,
        name="tiles",
        max_zoom=_MAX_ZOOM,
        max_native_zoom=_MAX_ZOOM,
    ).add_to(m)
    figure = m.get_root()
    assert isinstance(figure, Figure)
    figure.header.add_child(Element(_MAP_CSS), name="antar_map_css")
    return m


def _fit(m: folium.Map, points: Iterable[tuple[float, float]]) -> None:
    pts = list(points)
    lats = [p[0] for p in pts]
    lons = [p[1] for p in pts]
    bounds = [[min(lats), min(lons)], [max(lats), max(lons)]]
    m.fit_bounds(bounds, padding=(32, 32), max_zoom=_FIT_MAX_ZOOM)


def _icon(inner_html: str, size: int) -> folium.DivIcon:
    return folium.DivIcon(
        html=inner_html,
        icon_size=(size, size),
        icon_anchor=(size // 2, size // 2),
        class_name="antar-icon",
    )


def _add_market(m: folium.Map, name: str, point: tuple[float, float], labels: MapLabels) -> None:
    marker = folium.Marker(
        location=list(point),
        icon=_icon(f'<div class="antar-market">{_esc(labels.market_letter)}</div>', _MARKET_SIZE),
        title=_js(name),
        z_index_offset=500,
    )
    marker.add_to(m)
    _popup(
        marker, f'<div class="antar-popup"><div class="antar-popup__title">{_esc(name)}</div></div>'
    )


def _stop_popup(stop: StopView, *, runner_name: str | None, labels: MapLabels) -> str:
    lines = [
        f'<div class="antar-popup__title">{stop.sequence}. {_esc(stop.title)}</div>',
        f"<div>{_esc(stop.address)}</div>",
        f"<div>{_esc(stop.items_text)}</div>",
        f'<div class="antar-popup__amount">{_esc(stop.amount_text)}</div>',
        f"<div>{_esc(stop.arrival_text)}</div>",
    ]
    trip = _esc(labels.trip.format(trip=stop.trip))
    if runner_name is not None:
        trip = f"{_esc(runner_name)} · {trip}"
    lines.append(f'<div class="antar-popup__muted">{trip}</div>')
    return '<div class="antar-popup">' + "".join(lines) + "</div>"


def _add_stop(
    m: folium.Map,
    stop: StopView,
    colour: str,
    *,
    runner_name: str | None,
    labels: MapLabels,
) -> None:
    if stop.status not in STOP_STATUSES:
        msg = f"stop {stop.sequence} has unknown status {stop.status!r}"
        raise ValueError(msg)
    classes = ["antar-stop", f"antar-stop--{stop.status.replace('_', '-')}"]
    size = _STOP_SIZE
    z_index = 0
    if stop.is_next:
        classes.append("antar-stop--next")
        size = _NEXT_SIZE
        z_index = 1000
    elif stop.status in _DONE_STATUSES:
        classes.append("antar-stop--done")
        z_index = -100
    inner = (
        f'<div class="{" ".join(classes)}" style="background:{colour}" '
        f'data-sequence="{stop.sequence}" data-trip="{stop.trip}" '
        f'data-status="{stop.status}">{stop.sequence}</div>'
    )
    marker = folium.Marker(
        location=[stop.lat, stop.lon],
        icon=_icon(inner, size),
        title=_js(f"{stop.sequence}. {stop.title}"),
        z_index_offset=z_index,
    )
    marker.add_to(m)
    _popup(marker, _stop_popup(stop, runner_name=runner_name, labels=labels))


def _ordered_stops(stops: Sequence[StopView]) -> list[StopView]:
    return sorted(stops, key=lambda s: s.sequence)


def _trips(stops: Sequence[StopView]) -> dict[int, list[StopView]]:
    """Group stops (already in visiting order) by trip number, trips in order of first visit."""
    trips: dict[int, list[StopView]] = {}
    for stop in stops:
        trips.setdefault(stop.trip, []).append(stop)
    return trips


def _add_route(
    m: folium.Map,
    route: RouteView,
    colour: str,
    *,
    show_runner: bool,
    labels: MapLabels,
) -> list[tuple[float, float]]:
    market = (route.market.lat, route.market.lon)
    stops = _ordered_stops(route.stops)
    runner_name = route.runner_name if show_runner else None
    for index, (trip, trip_stops) in enumerate(_trips(stops).items()):
        line = [market, *((s.lat, s.lon) for s in trip_stops), market]
        polyline = folium.PolyLine(
            locations=[list(p) for p in line],
            color=colour,
            weight=5,
            opacity=0.85,
            dash_array=None if index == 0 else "10 8",
            class_name=f"antar-trip antar-trip-{trip}",
        )
        polyline.add_to(m)
        tip = _esc(labels.trip.format(trip=trip))
        if show_runner:
            tip = f"{_esc(route.runner_name)} · {tip}"
        _tooltip(polyline, tip)
    for stop in stops:
        _add_stop(m, stop, colour, runner_name=runner_name, labels=labels)
    return [(s.lat, s.lon) for s in stops]


def _initials(name: str) -> str:
    words = name.split()
    return "".join(w[0] for w in words[:2]).upper() or "?"


def _add_runner(m: folium.Map, runner: RunnerPositionView, colour: str, labels: MapLabels) -> None:
    inner = (
        f'<div class="antar-runner" style="border-color:{colour}">'
        f"{_esc(_initials(runner.name))}</div>"
    )
    marker = folium.Marker(
        location=[runner.lat, runner.lon],
        icon=_icon(inner, _RUNNER_SIZE),
        title=_js(runner.name),
        z_index_offset=800,
    )
    marker.add_to(m)
    _popup(
        marker,
        '<div class="antar-popup">'
        f'<div class="antar-popup__title">{_esc(runner.name)}</div>'
        f"<div>{_esc(labels.runner_position)}: {_esc(runner.age_text)}</div></div>",
    )


def _add_pending(m: folium.Map, order: PendingView, labels: MapLabels) -> None:
    marker = folium.CircleMarker(
        location=[order.lat, order.lon],
        radius=6,
        color="#ffffff",
        weight=2,
        fill=True,
        fill_color="#6a3d9a",
        fill_opacity=0.95,
        class_name="antar-pending",
    )
    marker.add_to(m)
    _popup(
        marker,
        '<div class="antar-popup">'
        f'<div class="antar-popup__title">{_esc(order.title)}</div>'
        f'<div class="antar-popup__muted">{_esc(labels.pending)}</div></div>',
    )


def _add_dropped(m: folium.Map, order: DroppedView, labels: MapLabels) -> None:
    marker = folium.Marker(
        location=[order.lat, order.lon],
        icon=_icon('<div class="antar-dropped">!</div>', _DROPPED_SIZE),
        title=_js(order.title),
        z_index_offset=600,
    )
    marker.add_to(m)
    _popup(
        marker,
        '<div class="antar-popup">'
        f'<div class="antar-popup__title">{_esc(order.title)}</div>'
        f"<div>{_esc(labels.dropped)}: {_esc(order.reason_text)}</div></div>",
    )


def runner_map(
    view: RouteView,
    *,
    assets_url: str,
    tiles_url: str,
    attribution: str,
    labels: MapLabels = INDONESIAN_LABELS,
) -> folium.Map:
    """Draw one runner's route: the market, numbered stops, one line per trip.

    Stops are numbered by `sequence`; each trip is a line market -> its stops -> market in
    `view.colour` (trips after the first dashed), with the trip number in its tooltip. The
    next stop is bigger, ringed in yellow; delivered and failed stops are grey. `assets_url` is
    where `maps.assets.asset_files()` is served (e.g. `/static/maps`), `tiles_url` a
    Leaflet tile URL template (`https://tile.example/{z}/{x}/{y}.png`) and `attribution`
    the tile server's attribution (HTML, trusted). The view is fitted into the map.
    """
    colour = _check_colour(view.colour)
    market = (view.market.lat, view.market.lon)
    m = _new_map(market, assets_url=assets_url, tiles_url=tiles_url, attribution=attribution)
    points = _add_route(m, view, colour, show_runner=False, labels=labels)
    _add_market(m, view.market_name, market, labels)
    _fit(m, [market, *points])
    return m


def _distinct_colours(routes: Sequence[RouteView]) -> list[str]:
    used: list[str] = []
    for route in routes:
        colour = _check_colour(route.colour).lower()
        if colour in used:
            spare = [c for c in ROUTE_COLOURS if c not in used]
            colour = spare[0] if spare else colour
        used.append(colour)
    return used


def market_overview_map(
    view: MarketOverviewView,
    *,
    assets_url: str,
    tiles_url: str,
    attribution: str,
    labels: MapLabels = INDONESIAN_LABELS,
) -> folium.Map:
    """Draw a market's day: every route, the runners' last positions, pending and dropped orders.

    Each route is drawn as in `runner_map`, in its own colour (a route whose colour an earlier
    route already has gets the next unused one of `ROUTE_COLOURS`), with the runner's name
    in its popups and tooltips. A runner's position is a circle with its initials, ringed in
    its route's colour (matched by name), with the age of the report in its popup; pending
    orders are small purple dots; dropped orders are red "!" markers with the reason in the
    popup. Arguments as for `runner_map`.
    """
    market = (view.market.lat, view.market.lon)
    m = _new_map(market, assets_url=assets_url, tiles_url=tiles_url, attribution=attribution)
    points: list[tuple[float, float]] = [market]
    colours = _distinct_colours(view.routes)
    by_runner: dict[str, str] = {}
    for route, colour in zip(view.routes, colours, strict=True):
        points += _add_route(m, route, colour, show_runner=True, labels=labels)
        by_runner.setdefault(route.runner_name, colour)
    for order in view.pending:
        _add_pending(m, order, labels)
        points.append((order.lat, order.lon))
    for order in view.dropped:
        _add_dropped(m, order, labels)
        points.append((order.lat, order.lon))
    for runner in view.runners:
        _add_runner(m, runner, by_runner.get(runner.name, "#333333"), labels)
        points.append((runner.lat, runner.lon))
    _add_market(m, view.market_name, market, labels)
    _fit(m, points)
    return m


def map_fragment(m: folium.Map) -> tuple[str, str, str]:
    """Render a map for embedding in a page without an iframe.

    Returns `(header_html, body_html, script_html)`: the stylesheet and script tags plus the
    map's styles (for `<head>`), the map's `<div>` (place it in an element with a height:
    the map fills it), and a `<script>` element that builds the map (after the `<div>`).
    Nothing styles the page outside the map. Like folium's own rendering, render a map once
    (calling this or `map_html` again repeats some `addTo` calls in the script).
    """
    figure = m.get_root()
    if not isinstance(figure, Figure):
        msg = "the map must belong to a branca Figure (folium.Map makes one)"
        raise TypeError(msg)
    figure.render()
    name = m.get_name()
    # folium's own header for the map also sets html/body to 100 % height, a second
    # viewport meta and a global font size; keep the links and our styles, scope the rest.
    elements = [
        element
        for key, element in figure.header._children.items()
        if key not in ("meta_http", name)
    ]
    links = [e for e in elements if isinstance(e, CssLink | JavascriptLink)]
    others = [e for e in elements if not isinstance(e, CssLink | JavascriptLink)]
    css_first = sorted(links, key=lambda e: not isinstance(e, CssLink))
    header = [e.render() for e in css_first + others]
    header.append(
        f"<style>#{name}{{position:relative;width:100%;height:100%;font-size:1rem}}</style>"
    )
    body = figure.html.render()
    script = f"<script>\n{figure.script.render()}\n</script>"
    return "\n".join(header), body, script


def map_html(m: folium.Map) -> str:
    """Render a map as a complete HTML document that fills its window (or iframe).

    Built from `map_fragment`: UTF-8, a mobile viewport, html/body at full height.
    """
    header, body, script = map_fragment(m)
    return (
        "<!DOCTYPE html>\n"
        '<html>\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<style>html,body{width:100%;height:100%;margin:0;padding:0}</style>\n"
        f"{header}\n</head>\n<body>\n{body}\n{script}\n</body>\n</html>\n"
    )
