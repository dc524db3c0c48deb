"""Plain view data that the maps are drawn from.

The caller (the API or the command line) fills these in from its own records; every text is
already formatted for the reader, in Bahasa Indonesia by default ("Tagih Rp 125.000",
"07:45 WIB", "5 menit lalu"). Coordinates are WGS84 degrees. The renderer HTML-escapes
every text, so plain text is expected, never HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

StopStatus = Literal["pending", "assigned", "picked_up", "delivered", "failed"]
"""Status of the order behind a stop; `delivered` and `failed` stops are drawn greyed."""

STOP_STATUSES: tuple[StopStatus, ...] = (
    "pending",
    "assigned",
    "picked_up",
    "delivered",
    "failed",
)


@dataclass(frozen=True, slots=True)
class MapPoint:
    """A point on the map."""

    lat: float
    """Latitude, degrees."""
    lon: float
    """Longitude, degrees."""


@dataclass(frozen=True, slots=True)
class StopView:
    """One delivery stop of a runner's route."""

    sequence: int
    """Position in the visiting order, 1 for the first stop of the day; drawn on the marker."""
    trip: int
    """Trip number, 1 for the first trip from the market; a return to the market starts the next."""
    lat: float
    """Latitude of the delivery point, degrees."""
    lon: float
    """Longitude of the delivery point, degrees."""
    title: str
    """The customer's name."""
    address: str
    """The address text."""
    items_text: str
    """The items, formatted (e.g. "Beras 5 kg, Telur 1 kg")."""
    amount_text: str
    """What to collect, formatted: "Tagih Rp 125.000" or "Lunas"."""
    arrival_text: str
    """Planned arrival, formatted: "07:45 WIB"."""
    status: StopStatus
    """Status of the order."""
    is_next: bool = False
    """True for the stop the runner should go to next; drawn bigger and in another colour."""


@dataclass(frozen=True, slots=True)
class RouteView:
    """A runner's route for the day: the market and the stops in visiting order."""

    runner_name: str
    """The runner's name."""
    market_name: str
    """The market's name (e.g. "Pasar Sawojajar")."""
    market: MapPoint
    """Where the market is: every trip starts and ends there."""
    stops: tuple[StopView, ...]
    """The stops; drawn in the order of their `sequence`."""
    colour: str = "#1f77b4"
    """CSS hex colour of the route's line and markers (`#rgb` or `#rrggbb`)."""


@dataclass(frozen=True, slots=True)
class RunnerPositionView:
    """A runner's last reported position."""

    name: str
    """The runner's name."""
    lat: float
    """Latitude, degrees."""
    lon: float
    """Longitude, degrees."""
    age_text: str
    """How old the report is, formatted (e.g. "5 menit lalu")."""


@dataclass(frozen=True, slots=True)
class DroppedView:
    """An order the last dispatch run could not plan, with why."""

    title: str
    """The customer's name."""
    lat: float
    """Latitude of the delivery point, degrees."""
    lon: float
    """Longitude of the delivery point, degrees."""
    reason_text: str
    """Why it was dropped, formatted (e.g. "Melebihi kapasitas runner")."""


@dataclass(frozen=True, slots=True)
class PendingView:
    """An order waiting for dispatch."""

    title: str
    """The customer's name."""
    lat: float
    """Latitude of the delivery point, degrees."""
    lon: float
    """Longitude of the delivery point, degrees."""


@dataclass(frozen=True, slots=True)
class MarketOverviewView:
    """Everything a coordinator sees on the market's map."""

    market_name: str
    """The market's name."""
    market: MapPoint
    """Where the market is."""
    routes: tuple[RouteView, ...] = ()
    """The planned routes, each drawn in its own `colour`."""
    runners: tuple[RunnerPositionView, ...] = ()
    """The runners' last known positions."""
    pending: tuple[PendingView, ...] = ()
    """Orders waiting for dispatch."""
    dropped: tuple[DroppedView, ...] = ()
    """Orders the last run dropped, with the reason."""
