"""Leaflet maps of a runner's route and of a market overview, from plain view data.

Knows nothing of the database or the web: the caller fills in the views in `maps.views`,
draws with `runner_map` / `market_overview_map` (a `MapDrawing`: one JSON block of data),
turns the map into HTML with `map_html` or `map_fragment`, and serves `asset_files()`
(Leaflet and the one script that draws the data, `antar/map.js`) under the same
`assets_url`.
"""

from maps.assets import ASSET_LICENCES, LEAFLET_VERSION, MAP_JS, asset_files, asset_urls
from maps.render import (
    ENGLISH_LABELS,
    INDONESIAN_LABELS,
    ROUTE_COLOURS,
    MapDrawing,
    MapLabels,
    map_data_json,
    map_fragment,
    map_html,
    market_overview_map,
    runner_map,
)
from maps.views import (
    STOP_STATUSES,
    DroppedView,
    MapPoint,
    MarketOverviewView,
    PendingView,
    RouteView,
    RunnerPositionView,
    StopStatus,
    StopView,
)

__all__ = [
    "ASSET_LICENCES",
    "ENGLISH_LABELS",
    "INDONESIAN_LABELS",
    "LEAFLET_VERSION",
    "MAP_JS",
    "ROUTE_COLOURS",
    "STOP_STATUSES",
    "DroppedView",
    "MapDrawing",
    "MapLabels",
    "MapPoint",
    "MarketOverviewView",
    "PendingView",
    "RouteView",
    "RunnerPositionView",
    "StopStatus",
    "StopView",
    "asset_files",
    "asset_urls",
    "map_data_json",
    "map_fragment",
    "map_html",
    "market_overview_map",
    "runner_map",
]
