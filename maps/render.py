"""Leaflet maps of a runner's route and of a market overview, drawn from `maps.views`.

A map is data, not code: `runner_map` / `market_overview_map` build a `MapDrawing`, whose
`data` (tiles, the view to fit, lines, markers and dots, each with its popup or tooltip as
HTML) goes into the page as ONE JSON block (`<script type="application/json">`, which a
browser never runs). One static script, `antar/map.js` under `assets_url` (this package's
`static/map.js`, see `maps.assets`), draws every such block on the page with Leaflet. So a
page with a map has no inline script at all, and a map costs one `json.dumps` to render.

Every text from the views is HTML-escaped before it goes into a popup, a tooltip or an
icon (the script hands them to Leaflet as HTML), then JSON-encoded with `<`, `>` and `&`
escaped, so nothing a customer writes can close the block or run as a template: nothing
is compiled, here or in the browser. Marker titles are plain text (Leaflet sets them as
the icon's `title` attribute).

Every marker is a `L.divIcon` styled by this module's own CSS, so a map needs Leaflet's
script and stylesheet, `antar/map.js`, and nothing else. Only the tiles come from another
host, the one in `tiles_url`.

Two ways to put a map on a page:

- `map_html(m)`: a complete HTML document; use it as an `<iframe srcdoc="...">` (escape it
  as an attribute value) or serve it at its own URL and point an `<iframe src>` at it.
  Asset URLs are used as given, so an absolute path such as `/static/maps` works in both.
- `map_fragment(m)`: `(header_html, body_html, script_html)` to embed without an iframe:
  put `header_html` in the page's `<head>`, `body_html` inside an element that has a height
  (e.g. `<div style="height:45vh">`), and `script_html` (the JSON block, then
  `antar/map.js`, which draws it) after `body_html`. `window.AntarMap.drawAll()` draws
  blocks added to the page later (and leaves drawn ones alone). The fragment styles
  nothing outside the map (no rules on `html`/`body`, no viewport meta).

The data block (`MapDrawing.data`), for a script of a page that wants to read it:

    {"tiles": {"url", "attribution", "maxZoom"}, "centre": [lat, lon], "zoom",
     "fit": {"bounds": [[s, w], [n, e]], "padding": [px, px], "maxZoom"},
     "popup": {Leaflet's popup options},
     "lines": [{"points": [[lat, lon], ...], "colour", "dash", "className", "tooltip"}],
     "dots": [{"at": [lat, lon], "radius", "colour", "fill", "className", "popup"}],
     "markers": [{"at": [lat, lon], "html", "size": [w, h], "anchor": [x, y],
                  "className", "title", "z", "popup"}]}

`popup` and `tooltip` are HTML (already escaped), `title` plain text. The drawn map is
`window[<the map div's id>]` (a `L.Map`), as Folium's maps were.
"""

from __future__ import annotations

import html
import json
import math
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from maps.assets import MAP_JS, asset_urls
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
_MARKET_HEIGHT = 26
#: Stops closer than this to each other, in metres, share one marker (side by side).
_SAME_PLACE_M = 40
#: Rounds of `_spread` at most.
_SPREAD_ROUNDS = 60
_PLACE_GAP = 2
#: Stops a shared marker shows in a row.
_PLACE_ROW = 4
#: The width of the market's label that stops are kept clear of, in pixels.
_MARKET_CLEAR_PX = 40
_M_PER_DEGREE = 111_320
_RUNNER_SIZE = 28
_DROPPED_SIZE = 24

_MAP_CSS = """\
<style>
.antar-map{position:relative;width:100%;height:100%;font-size:1rem}
.antar-icon{background:none;border:none}
.antar-stop,.antar-market,.antar-runner,.antar-dropped{display:flex;align-items:center;
justify-content:center;box-sizing:border-box;width:100%;height:100%;
font:700 14px/1 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;
box-shadow:0 1px 4px rgba(0,0,0,.5)}
.antar-stop{border-radius:50%;border:2px solid #fff;color:#fff}
.antar-place{display:flex;flex-wrap:wrap;gap:2px;align-items:center}
.antar-place .antar-stop{flex:none}
.antar-stop--next{border:4px solid #ffd400;font-size:18px;
box-shadow:0 0 0 2px #111,0 2px 6px rgba(0,0,0,.6)}
.antar-stop--done{background:#9e9e9e!important;color:#fff;opacity:.75}
.antar-stop--failed{border-color:#d62728;text-decoration:line-through}
.antar-market{border-radius:6px;border:2px solid #fff;background:#222;color:#fff;font-size:14px;
padding:0 6px}
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
    market_letter: str = "Pasar"
    """The label on the market's marker."""
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
    market_letter="Market",
    pending="Waiting for dispatch",
    dropped="Not planned",
    runner_position="Last position",
)
"""The labels in English."""


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


_POPUP_OPTIONS: dict[str, Any] = {"maxWidth": 280, "autoPanPadding": [16, 16]}


@dataclass(slots=True)
class MapDrawing:
    """A map ready to render: its element id, where its assets are and the data it draws."""

    name: str
    """The id of the map's `<div>` (`map_<hex>`); its data block is `<name>-data`."""
    assets_url: str
    data: dict[str, Any] = field(default_factory=dict)
    """The JSON the script draws (see the module's documentation)."""

    def get_name(self) -> str:
        """The map's element id (as Folium's maps had it)."""
        return self.name

    def line(
        self,
        points: Sequence[tuple[float, float]],
        colour: str,
        *,
        dash: str | None,
        class_name: str,
        tooltip_html: str,
    ) -> None:
        """A line through ``points`` (``dash``: an SVG dash array, ``None`` for solid)."""
        self.data["lines"].append(
            {
                "points": [[lat, lon] for lat, lon in points],
                "colour": colour,
                "dash": dash,
                "className": class_name,
                "tooltip": tooltip_html,
            }
        )

    def marker(
        self,
        point: tuple[float, float],
        icon: dict[str, Any],
        *,
        title: str,
        z_index: int,
        popup_html: str,
    ) -> None:
        """A marker at ``point`` drawn as ``icon`` (`_icon`: its HTML, size, anchor and
        class), ``title`` as plain text on hover, above others by ``z_index``."""
        self.data["markers"].append(
            {"at": list(point), **icon, "title": title, "z": z_index, "popup": popup_html}
        )

    def dot(
        self, point: tuple[float, float], *, fill: str, class_name: str, popup_html: str
    ) -> None:
        """A small circle at ``point`` filled with ``fill`` (a waiting order)."""
        self.data["dots"].append(
            {
                "at": list(point),
                "radius": 6,
                "colour": "#ffffff",
                "fill": fill,
                "className": class_name,
                "popup": popup_html,
            }
        )


def _check_colour(colour: str) -> str:
    if not _COLOUR_RE.fullmatch(colour):
        msg = f"route colour must be a CSS hex colour like '#1f77b4', got {colour!r}"
        raise ValueError(msg)
    return colour


def _new_map(
    centre: tuple[float, float], *, assets_url: str, tiles_url: str, attribution: str
) -> MapDrawing:
    return MapDrawing(
        name=f"map_{uuid.uuid4().hex}",
        assets_url=assets_url,
        data={
            "tiles": {"url": tiles_url, "attribution": attribution, "maxZoom": _MAX_ZOOM},
            "centre": list(centre),
            "zoom": 14,
            "popup": _POPUP_OPTIONS,
            "lines": [],
            "dots": [],
            "markers": [],
        },
    )


def _fit(m: MapDrawing, points: Iterable[tuple[float, float]]) -> None:
    pts = list(points)
    lats = [p[0] for p in pts]
    lons = [p[1] for p in pts]
    bounds = [[min(lats), min(lons)], [max(lats), max(lons)]]
    m.data["fit"] = {"bounds": bounds, "padding": [32, 32], "maxZoom": _FIT_MAX_ZOOM}


def _icon(inner_html: str, size: int) -> dict[str, Any]:
    return {
        "html": inner_html,
        "size": [size, size],
        "anchor": [size // 2, size // 2],
        "className": "antar-icon",
    }


def _add_market(m: MapDrawing, name: str, point: tuple[float, float], labels: MapLabels) -> None:
    label = labels.market_letter
    width = max(_MARKET_SIZE, 10 * len(label) + 16)
    m.marker(
        point,
        {
            "html": f'<div class="antar-market">{_esc(label)}</div>',
            "size": [width, _MARKET_HEIGHT],
            "anchor": [width // 2, _MARKET_HEIGHT // 2],
            "className": "antar-icon",
        },
        title=name,
        z_index=500,
        popup_html=(
            f'<div class="antar-popup"><div class="antar-popup__title">{_esc(name)}</div></div>'
        ),
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


def _stop_html(stop: StopView, colour: str, *, size: int | None = None) -> tuple[str, int, int]:
    """A stop's marker as HTML, its size in pixels (``size``, else by its kind) and its
    z-index offset."""
    if stop.status not in STOP_STATUSES:
        msg = f"stop {stop.sequence} has unknown status {stop.status!r}"
        raise ValueError(msg)
    classes = ["antar-stop", f"antar-stop--{stop.status.replace('_', '-')}"]
    fixed = size
    size = _STOP_SIZE
    z_index = 0
    if stop.is_next:
        classes.append("antar-stop--next")
        size = _NEXT_SIZE
        z_index = 1000
    elif stop.status in _DONE_STATUSES:
        classes.append("antar-stop--done")
        z_index = -100
    size = fixed or size
    inner = (
        f'<div class="{" ".join(classes)}" style="background:{colour};width:{size}px;'
        f'height:{size}px" data-sequence="{stop.sequence}" data-trip="{stop.trip}" '
        f'data-status="{stop.status}">{stop.sequence}</div>'
    )
    return inner, size, z_index


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The distance between two nearby points, in metres (flat-earth approximation)."""
    mid = math.radians((a[0] + b[0]) / 2)
    return math.hypot((a[0] - b[0]) * _M_PER_DEGREE, (a[1] - b[1]) * _M_PER_DEGREE * math.cos(mid))


def _pixels_at_zoom_0(lat: float, lon: float) -> tuple[float, float]:
    """Web Mercator pixel coordinates of a point at zoom 0 (256 pixels round the world)."""
    sine = math.sin(math.radians(max(-85.0, min(85.0, lat))))
    y = (0.5 - math.log((1 + sine) / (1 - sine)) / (4 * math.pi)) * 256
    return (lon + 180) / 360 * 256, y


def _fit_zoom(points: Sequence[tuple[float, float]], viewport: tuple[int, int]) -> int:
    """The zoom at which `_fit` shows ``points`` in a map of ``viewport`` pixels."""
    xs, ys = zip(*(_pixels_at_zoom_0(lat, lon) for lat, lon in points), strict=True)
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    room_x, room_y = max(1, viewport[0] - 64), max(1, viewport[1] - 64)
    scales = [room / span for room, span in ((room_x, width), (room_y, height)) if span > 0]
    if not scales:
        return _FIT_MAX_ZOOM
    return min(_FIT_MAX_ZOOM, math.floor(math.log2(min(scales))))


def _spread(
    points: Sequence[tuple[float, float]],
    fixed: Sequence[tuple[float, float]],
    gap: float,
) -> list[tuple[float, float]]:
    """Pixel offsets that move markers at ``points`` (pixels) at least ``gap`` apart from
    each other and from the ``fixed`` ones, each as little as it can (a few rounds of
    pushing overlapping pairs apart)."""
    moved = [list(p) for p in points]
    for _ in range(_SPREAD_ROUNDS):
        pushed = False
        for i, a in enumerate(moved):
            for b in moved[i + 1 :]:
                dx, dy = b[0] - a[0], b[1] - a[1]
                distance = math.hypot(dx, dy)
                if distance >= gap:
                    continue
                if distance < 1e-6:  # the very same pixel: part them along a fixed direction
                    dx, dy, distance = math.cos(i), math.sin(i), 1.0
                push = (gap - distance) / 2
                a[0] -= dx / distance * push
                a[1] -= dy / distance * push
                b[0] += dx / distance * push
                b[1] += dy / distance * push
                pushed = True
            for f in fixed:
                dx, dy = a[0] - f[0], a[1] - f[1]
                distance = math.hypot(dx, dy)
                if distance < gap:
                    if distance < 1e-6:
                        dx, dy, distance = 0.0, -1.0, 1.0
                    a[0] += dx / distance * (gap - distance)
                    a[1] += dy / distance * (gap - distance)
                    pushed = True
        if not pushed:
            break
    return [(m[0] - p[0], m[1] - p[1]) for m, p in zip(moved, points, strict=True)]


def _places(stops: Sequence[StopView], within_m: float) -> list[list[StopView]]:
    """The stops grouped by place: a stop within ``within_m`` metres of a group's first stop
    joins it (two orders to one house, neighbours in one gang)."""
    places: list[list[StopView]] = []
    for stop in stops:
        for place in places:
            if _metres((place[0].lat, place[0].lon), (stop.lat, stop.lon)) < within_m:
                place.append(stop)
                break
        else:
            places.append([stop])
    return places


def _add_place(
    m: MapDrawing,
    place: Sequence[StopView],
    colour: str,
    *,
    offset: tuple[float, float] = (0.0, 0.0),
    runner_name: str | None,
    labels: MapLabels,
) -> None:
    """The stops of one place as one marker: a lone stop as its circle, several side by side
    (`_PLACE_ROW` a row) so that none hides another; drawn ``offset`` pixels away from its
    point when other markers would cover it there."""
    drawn = [_stop_html(stop, colour) for stop in place]
    if len(drawn) == 1:
        inner, size, z_index = drawn[0]
        width = height = size
    else:
        cell = _STOP_SIZE + _PLACE_GAP
        width = min(len(drawn), _PLACE_ROW) * cell
        height = math.ceil(len(drawn) / _PLACE_ROW) * cell
        small = [_stop_html(stop, colour, size=_STOP_SIZE) for stop in place]
        inner = (
            f'<div class="antar-place" style="width:{width}px">'
            + "".join(h for h, _, _ in small)
            + "</div>"
        )
        z_index = max(z for _, _, z in drawn)
    m.marker(
        (place[0].lat, place[0].lon),
        {
            "html": inner,
            "size": [width, height],
            "anchor": [round(width / 2 - offset[0]), round(height / 2 - offset[1])],
            "className": "antar-icon",
        },
        title=", ".join(f"{stop.sequence}. {stop.title}" for stop in place),
        z_index=z_index,
        popup_html="".join(
            _stop_popup(stop, runner_name=runner_name, labels=labels) for stop in place
        ),
    )


def _ordered_stops(stops: Sequence[StopView]) -> list[StopView]:
    return sorted(stops, key=lambda s: s.sequence)


def _trips(stops: Sequence[StopView]) -> dict[int, list[StopView]]:
    """Group stops (already in visiting order) by trip number, trips in order of first visit."""
    trips: dict[int, list[StopView]] = {}
    for stop in stops:
        trips.setdefault(stop.trip, []).append(stop)
    return trips


def _add_route(
    m: MapDrawing,
    route: RouteView,
    colour: str,
    *,
    show_runner: bool,
    labels: MapLabels,
    viewport: tuple[int, int] | None = None,
) -> list[tuple[float, float]]:
    market = (route.market.lat, route.market.lon)
    stops = _ordered_stops(route.stops)
    runner_name = route.runner_name if show_runner else None
    for index, (trip, trip_stops) in enumerate(_trips(stops).items()):
        line = [market, *((s.lat, s.lon) for s in trip_stops), market]
        tip = _esc(labels.trip.format(trip=trip))
        if show_runner:
            tip = f"{_esc(route.runner_name)} · {tip}"
        m.line(
            line,
            colour,
            dash=None if index == 0 else "10 8",
            class_name=f"antar-trip antar-trip-{trip}",
            tooltip_html=tip,
        )
    places = _places(stops, _SAME_PLACE_M)
    offsets = [(0.0, 0.0)] * len(places)
    if viewport is not None and places:
        # Markers that would cover each other (or the market's label) on the first screen
        # are pushed apart there, by pixels, so they stay apart at every zoom.
        scale = 2 ** _fit_zoom([market, *((s.lat, s.lon) for s in stops)], viewport)
        pixels = [_pixels_at_zoom_0(p[0].lat, p[0].lon) for p in places]
        home = _pixels_at_zoom_0(*market)
        offsets = _spread(
            [(x * scale, y * scale) for x, y in pixels],
            [(home[0] * scale - _MARKET_CLEAR_PX / 2, home[1] * scale),
             (home[0] * scale + _MARKET_CLEAR_PX / 2, home[1] * scale)],
            _STOP_SIZE + _PLACE_GAP,
        )  # fmt: skip
    for place, offset in zip(places, offsets, strict=True):
        _add_place(m, place, colour, offset=offset, runner_name=runner_name, labels=labels)
    return [(s.lat, s.lon) for s in stops]


def _initials(name: str) -> str:
    words = name.split()
    return "".join(w[0] for w in words[:2]).upper() or "?"


def _add_runner(m: MapDrawing, runner: RunnerPositionView, colour: str, labels: MapLabels) -> None:
    inner = (
        f'<div class="antar-runner" style="border-color:{colour}">'
        f"{_esc(_initials(runner.name))}</div>"
    )
    m.marker(
        (runner.lat, runner.lon),
        _icon(inner, _RUNNER_SIZE),
        title=runner.name,
        z_index=800,
        popup_html=(
            '<div class="antar-popup">'
            f'<div class="antar-popup__title">{_esc(runner.name)}</div>'
            f"<div>{_esc(labels.runner_position)}: {_esc(runner.age_text)}</div></div>"
        ),
    )


def _add_pending(m: MapDrawing, order: PendingView, labels: MapLabels) -> None:
    m.dot(
        (order.lat, order.lon),
        fill="#6a3d9a",
        class_name="antar-pending",
        popup_html=(
            '<div class="antar-popup">'
            f'<div class="antar-popup__title">{_esc(order.title)}</div>'
            f'<div class="antar-popup__muted">{_esc(labels.pending)}</div></div>'
        ),
    )


def _add_dropped(m: MapDrawing, order: DroppedView, labels: MapLabels) -> None:
    m.marker(
        (order.lat, order.lon),
        _icon('<div class="antar-dropped">!</div>', _DROPPED_SIZE),
        title=order.title,
        z_index=600,
        popup_html=(
            '<div class="antar-popup">'
            f'<div class="antar-popup__title">{_esc(order.title)}</div>'
            f"<div>{_esc(labels.dropped)}: {_esc(order.reason_text)}</div></div>"
        ),
    )


def runner_map(
    view: RouteView,
    *,
    assets_url: str,
    tiles_url: str,
    attribution: str,
    labels: MapLabels = INDONESIAN_LABELS,
    viewport: tuple[int, int] | None = None,
) -> MapDrawing:
    """Draw one runner's route: the market, numbered stops, one line per trip.

    Stops at nearly the same place (within `_SAME_PLACE_M`) share one marker, side by side;
    given the map's ``viewport`` in pixels, markers that would cover each other or the
    market's label once the route is fitted in are drawn pushed apart.

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
    points = _add_route(m, view, colour, show_runner=False, labels=labels, viewport=viewport)
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
) -> MapDrawing:
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


def map_data_json(m: MapDrawing) -> str:
    """The map's data as JSON safe inside a `<script>` element (no `<`, `>` or `&`)."""
    text = json.dumps(m.data, ensure_ascii=False, separators=(",", ":"))
    # Nothing may close the element or open a comment in it (`</script>`, `<!--`); three
    # replaces, not str.translate, which takes ~20 ms on a 300-order overview.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def map_fragment(m: MapDrawing) -> tuple[str, str, str]:
    """Render a map for embedding in a page without an iframe.

    Returns `(header_html, body_html, script_html)`: Leaflet's stylesheet and script and the
    maps' styles, for `<head>`; the map's `<div>` (place it in an element with a height: the
    map fills it); and, for after the `<div>`, the map's data block (a
    `<script type="application/json">`, which nothing executes) followed by
    `<script src=".../antar/map.js">`, which draws it there and then. No inline script;
    nothing styles the page outside the map.
    """
    scripts, stylesheets = asset_urls(m.assets_url)
    header = [
        *(f'<link rel="stylesheet" href="{_esc(url)}">' for url in stylesheets),
        *(f'<script src="{_esc(url)}"></script>' for url in scripts),
        _MAP_CSS,
    ]
    body = f'<div class="antar-map" id="{m.name}"></div>'
    script = (
        f'<script type="application/json" id="{m.name}-data" class="antar-map-data">'
        f"{map_data_json(m)}</script>\n"
        f'<script src="{_esc(m.assets_url.rstrip("/"))}/{MAP_JS}"></script>'
    )
    return "\n".join(header), body, script


def map_html(m: MapDrawing) -> str:
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
