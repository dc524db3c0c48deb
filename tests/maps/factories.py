"""Small view factories and helpers to read rendered maps."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any

from maps import MapPoint, RouteView, StopView
from maps.views import StopStatus

ASSETS_URL = "/static/maps"
TILES_URL = "https://tiles.example.test/{z}/{x}/{y}.png"
ATTRIBUTION = "© OpenStreetMap contributors"
RENDER = {"assets_url": ASSETS_URL, "tiles_url": TILES_URL, "attribution": ATTRIBUTION}

SAWOJAJAR = MapPoint(-7.9687, 112.6600)


def stop(
    sequence: int,
    trip: int = 1,
    *,
    title: str | None = None,
    status: StopStatus = "assigned",
    is_next: bool = False,
) -> StopView:
    """A stop a little east of the market, further for a later sequence."""
    return StopView(
        sequence=sequence,
        trip=trip,
        lat=SAWOJAJAR.lat - 0.002 * sequence,
        lon=SAWOJAJAR.lon + 0.003 * sequence,
        title=title if title is not None else f"Pelanggan {sequence}",
        address=f"Jl. Danau Toba {sequence}",
        items_text="Beras 5 kg, Telur 1 kg",
        amount_text="Tagih Rp 125.000" if sequence % 2 else "Lunas",
        arrival_text=f"07:{10 + sequence:02d} WIB",
        status=status,
        is_next=is_next,
    )


def route(*stops: StopView, runner: str = "Agus", colour: str = "#1f77b4") -> RouteView:
    """A route of Pasar Sawojajar with the given stops."""
    return RouteView(
        runner_name=runner,
        market_name="Pasar Sawojajar",
        market=SAWOJAJAR,
        stops=stops,
        colour=colour,
    )


_DATA_BLOCK = re.compile(
    r'<script type="application/json" id="([^"]+)-data" class="antar-map-data">(.*?)</script>',
    re.DOTALL,
)


def map_data(document: str) -> dict[str, Any]:
    """The data block of the (one) map in ``document``, decoded."""
    blocks = _DATA_BLOCK.findall(document)
    assert len(blocks) == 1, f"{len(blocks)} map data blocks"
    data: dict[str, Any] = json.loads(blocks[0][1])
    return data


def icon_htmls(document: str) -> list[str]:
    """The HTML of every marker's icon, in the order the markers are added."""
    return [marker["html"] for marker in map_data(document)["markers"]]


def stop_icons(document: str) -> list[str]:
    """The HTML of the numbered stop markers, in the order they are added."""
    return [h for h in icon_htmls(document) if "antar-stop" in h]


def popups(document: str) -> list[str]:
    """The HTML of every popup: the markers' in the order they are added, then the dots'."""
    data = map_data(document)
    return [m["popup"] for m in data["markers"]] + [d["popup"] for d in data["dots"]]


def tooltips(document: str) -> list[str]:
    """The HTML of every line's tooltip, in order."""
    return [line["tooltip"] for line in map_data(document)["lines"]]


def polylines(document: str) -> list[list[list[float]]]:
    """The coordinates of every line, in order."""
    return [line["points"] for line in map_data(document)["lines"]]


class _Resources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.urls.append(values["src"] or "")
        if tag == "link" and values.get("href"):
            self.urls.append(values["href"] or "")
        if tag in {"img", "iframe"} and values.get("src"):
            self.urls.append(values["src"] or "")


def resource_urls(document: str) -> list[str]:
    """Every URL a `<script src>`, `<link href>`, `<img src>` or `<iframe src>` loads."""
    parser = _Resources()
    parser.feed(document)
    return parser.urls
