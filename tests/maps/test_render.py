"""Tests of maps.render: what a runner's map and a market overview show."""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import replace

import pytest

from maps import (
    ENGLISH_LABELS,
    DroppedView,
    MarketOverviewView,
    PendingView,
    RunnerPositionView,
    map_fragment,
    map_html,
    market_overview_map,
    runner_map,
)
from tests.maps.factories import (
    ASSETS_URL,
    RENDER,
    SAWOJAJAR,
    icon_htmls,
    map_data,
    polylines,
    popups,
    resource_urls,
    route,
    stop,
    stop_icons,
    tooltips,
)

MARKET = [SAWOJAJAR.lat, SAWOJAJAR.lon]


def sequence_of(icon: str) -> int:
    """The sequence number a stop icon carries."""
    match = re.search(r'data-sequence="(\d+)"', icon)
    assert match is not None
    return int(match.group(1))


def test_markers_are_numbered_in_visiting_order() -> None:
    """Stop markers carry their sequence number and are drawn in visiting order."""
    view = route(stop(3, 2), stop(1), stop(4, 2), stop(2))
    document = map_html(runner_map(view, **RENDER))
    icons = stop_icons(document)
    assert [sequence_of(icon) for icon in icons] == [1, 2, 3, 4]
    assert [re.sub(r"<[^>]+>", "", icon) for icon in icons] == ["1", "2", "3", "4"]


def test_marker_stands_on_its_stop() -> None:
    """Marker number n is placed at the coordinates of the stop with sequence n."""
    view = route(stop(2), stop(1))
    document = map_html(runner_map(view, **RENDER))
    markers = [tuple(m["at"]) for m in map_data(document)["markers"]]
    expected = [(s.lat, s.lon) for s in sorted(view.stops, key=lambda s: s.sequence)]
    assert markers[:2] == expected


def test_one_polyline_per_trip_from_and_back_to_the_market() -> None:
    """Each trip is one line market -> its stops in order -> market, tooltip naming the trip."""
    view = route(stop(1), stop(2), stop(3, 2), stop(4, 3), stop(5, 3))
    document = map_html(runner_map(view, **RENDER))
    lines = polylines(document)
    assert len(lines) == 3
    assert all(line[0] == MARKET and line[-1] == MARKET for line in lines)
    assert [len(line) for line in lines] == [4, 3, 4]
    assert lines[0][1:3] == [[s.lat, s.lon] for s in view.stops[:2]]
    assert tooltips(document) == [
        "Perjalanan 1",
        "Perjalanan 2",
        "Perjalanan 3",
    ]


def test_next_stop_is_highlighted() -> None:
    """Only the next stop has the highlight class and the bigger icon."""
    view = route(stop(1, status="delivered"), stop(2, is_next=True), stop(3))
    document = map_html(runner_map(view, **RENDER))
    icons = stop_icons(document)
    assert ["antar-stop--next" in icon for icon in icons] == [False, True, False]
    sizes = [m["size"] for m in map_data(document)["markers"]]
    assert sizes[:3] == [[28, 28], [38, 38], [28, 28]]


def test_delivered_and_failed_stops_are_greyed() -> None:
    """Delivered and failed stops are drawn as done; pending and picked-up ones are not."""
    view = route(
        stop(1, status="delivered"),
        stop(2, status="failed"),
        stop(3, status="picked_up"),
        stop(4, status="pending"),
    )
    icons = stop_icons(map_html(runner_map(view, **RENDER)))
    assert ["antar-stop--done" in icon for icon in icons] == [True, True, False, False]


def test_market_is_marked() -> None:
    """The market has its own marker labelled "Pasar" with its name in the popup."""
    document = map_html(runner_map(route(stop(1)), **RENDER))
    assert '<div class="antar-market">Pasar</div>' in icon_htmls(document)
    assert any("Pasar Sawojajar" in popup for popup in popups(document))


def test_popup_shows_the_stop() -> None:
    """A stop's popup has the customer, address, items, amount to collect and arrival."""
    stop_popup = popups(map_html(runner_map(route(stop(1)), **RENDER)))[0]
    for text in ("1. Pelanggan 1", "Jl. Danau Toba 1", "Beras 5 kg", "Tagih Rp 125.000", "WIB"):
        assert text in stop_popup


def test_popup_text_is_html_escaped() -> None:
    """A customer named like a script shows as text: nowhere in the page is it markup."""
    evil = "<script>alert(1)</script>"
    view = route(stop(1, title=evil), runner='"><img src=x onerror=alert(2)>')
    for m in (
        runner_map(view, **RENDER),
        market_overview_map(
            MarketOverviewView(
                market_name=evil,
                market=SAWOJAJAR,
                routes=(view,),
                runners=(RunnerPositionView(evil, -7.97, 112.66, evil),),
                pending=(PendingView(evil, -7.98, 112.65),),
                dropped=(DroppedView(evil, -7.95, 112.67, evil),),
            ),
            **RENDER,
        ),
    ):
        document = map_html(m)
        assert "<script>alert" not in document
        assert "<img" not in document
        contents = popups(document) + tooltips(document) + icon_htmls(document)
        assert any("&lt;script&gt;alert(1)&lt;/script&gt;" in c for c in contents)
        assert not any("<script" in c or "<img" in c for c in contents)


def test_page_loads_scripts_and_styles_only_from_assets_url() -> None:
    """Every script and stylesheet is ours; no other host appears but the tile server."""
    view = route(stop(1), stop(2, is_next=True))
    overview = MarketOverviewView("Pasar Sawojajar", SAWOJAJAR, routes=(view,))
    for m in (runner_map(view, **RENDER), market_overview_map(overview, **RENDER)):
        document = map_html(m)
        urls = resource_urls(document)
        assert sorted(urls) == [
            f"{ASSETS_URL}/antar/map.js",
            f"{ASSETS_URL}/leaflet/leaflet.css",
            f"{ASSETS_URL}/leaflet/leaflet.js",
        ]
        assert "$(" not in document, "jQuery is not loaded, so nothing may call it"
        rest = document.replace(RENDER["tiles_url"], "")
        assert not re.search(r"https?:|//cdn|jquery|bootstrap|awesome|font-?awesome", rest, re.I)


def test_fragment_styles_only_the_map() -> None:
    """The fragment's head part loads the assets and styles the map, never html or body; its
    script part is the map's data block and the script that draws it: no inline script."""
    m = runner_map(route(stop(1)), **RENDER)
    header, body, script = map_fragment(m)
    assert f'href="{ASSETS_URL}/leaflet/leaflet.css"' in header
    assert f'src="{ASSETS_URL}/leaflet/leaflet.js"' in header
    assert "html, body" not in header
    assert "html,body" not in header
    assert "viewport" not in header
    assert f'id="{m.get_name()}"' in body
    assert script.startswith(f'<script type="application/json" id="{m.get_name()}-data"')
    assert script.endswith(f'<script src="{ASSETS_URL}/antar/map.js"></script>')
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", header + body + script)
    assert inline == [f' type="application/json" id="{m.get_name()}-data" class="antar-map-data"']


def test_text_stays_text_inside_the_data_block() -> None:
    """A name that would close the script, open a comment or a template tag stays inside
    the map's JSON, as written."""
    evil = "</script><script>alert(1)</script><!-- {{ 7*7 }} {% x %} {# y #}"
    view = route(stop(1, title=evil), runner=evil)
    overview = MarketOverviewView(
        evil, SAWOJAJAR, routes=(view,), pending=(PendingView(evil, -7.98, 112.65),)
    )
    for m in (runner_map(view, **RENDER), market_overview_map(overview, **RENDER)):
        _, _, script = map_fragment(m)
        block = script.split("</script>", 1)[0].split(">", 1)[1]
        assert "<" not in block
        titles = [marker["title"] for marker in json.loads(block)["markers"]]
        assert f"1. {evil}" in titles
        assert any(html.escape(evil) in popup for popup in popups(map_html(m)))


def test_overview_shows_dropped_reasons_and_runner_ages() -> None:
    """Dropped orders carry their reason and runners the age of their position."""
    overview = MarketOverviewView(
        market_name="Pasar Sawojajar",
        market=SAWOJAJAR,
        routes=(route(stop(1)),),
        runners=(RunnerPositionView("Agus Salim", -7.972, 112.662, "5 menit lalu"),),
        pending=(PendingView("Pak Tono", -7.98, 112.655),),
        dropped=(DroppedView("Toko Makmur", -7.95, 112.68, "Melebihi kapasitas runner"),),
    )
    document = map_html(market_overview_map(overview, **RENDER))
    shown = popups(document)
    assert any("Toko Makmur" in p and "Melebihi kapasitas runner" in p for p in shown)
    assert any("Agus Salim" in p and "5 menit lalu" in p for p in shown)
    assert any("Pak Tono" in p and "Menunggu penugasan" in p for p in shown)
    assert any('class="antar-runner"' in h and ">AS<" in h for h in icon_htmls(document))


def test_overview_draws_each_route_in_its_own_colour() -> None:
    """Two routes given the same colour are drawn in different colours, runner in tooltips."""
    overview = MarketOverviewView(
        market_name="Pasar Sawojajar",
        market=SAWOJAJAR,
        routes=(route(stop(1), runner="Agus"), route(stop(2), stop(3, 2), runner="Dewi")),
    )
    document = map_html(market_overview_map(overview, **RENDER))
    colours = [line["colour"] for line in map_data(document)["lines"]]
    assert len(colours) == 3
    assert colours[0] != colours[1] == colours[2]
    assert tooltips(document) == [
        "Agus · Perjalanan 1",
        "Dewi · Perjalanan 1",
        "Dewi · Perjalanan 2",
    ]


def test_english_labels() -> None:
    """The map's own words follow the labels given."""
    document = map_html(runner_map(route(stop(1)), **RENDER, labels=ENGLISH_LABELS))
    assert tooltips(document) == ["Trip 1"]


def test_route_without_stops_shows_the_market() -> None:
    """A route with no stops still renders, fitted around the market."""
    document = map_html(runner_map(route(), **RENDER))
    assert polylines(document) == []
    assert map_data(document)["fit"]["bounds"] == [MARKET, MARKET]


@pytest.mark.parametrize("colour", ["red", "#12345", "#fff;background:url(x)", ""])
def test_colour_must_be_hex(colour: str) -> None:
    """A colour that is not a CSS hex colour is refused."""
    with pytest.raises(ValueError, match="hex colour"):
        runner_map(route(stop(1), colour=colour), **RENDER)


def test_stops_at_nearly_the_same_place_share_one_marker_side_by_side() -> None:
    """Two orders to one house and a neighbour 20 m away are drawn side by side in one
    marker (none hides another); a stop 300 m away keeps its own."""
    one, two, three = stop(1), stop(2), stop(3)
    two = replace(two, lat=one.lat + 0.0001, lon=one.lon + 0.0001)  # about 16 m
    three = replace(three, lat=one.lat, lon=one.lon + 0.00015)  # about 17 m
    far = stop(4)
    markers = runner_map(route(one, two, three, far), **RENDER).data["markers"]
    stops = [m["html"] for m in markers if "antar-stop" in m["html"]]
    assert len(stops) == 2
    assert "antar-place" in stops[0]
    assert [f'data-sequence="{n}"' in stops[0] for n in (1, 2, 3, 4)] == [True, True, True, False]


def test_markers_that_would_cover_each_other_on_a_phone_are_pushed_apart() -> None:
    """Given the phone's map size, a stop 60 m from the market and one 60 m beyond it are drawn
    away from their points (clear of the market's label and of each other); without a
    viewport every marker sits on its point."""
    near = replace(stop(1), lat=SAWOJAJAR.lat + 0.0005, lon=SAWOJAJAR.lon)
    beyond = replace(stop(2), lat=SAWOJAJAR.lat + 0.001, lon=SAWOJAJAR.lon)
    far = replace(stop(3), lat=SAWOJAJAR.lat - 0.03, lon=SAWOJAJAR.lon + 0.03)
    view = route(near, beyond, far)

    def shifts(drawing: object) -> list[float]:
        markers = [m for m in drawing.data["markers"] if "antar-stop" in m["html"]]  # type: ignore[attr-defined]
        return [
            math.hypot(m["anchor"][0] - m["size"][0] / 2, m["anchor"][1] - m["size"][1] / 2)
            for m in markers
        ]

    assert all(shift <= 1 for shift in shifts(runner_map(view, **RENDER)))
    assert all(shift > 5 for shift in shifts(runner_map(view, **RENDER, viewport=(390, 320)))[:2])
