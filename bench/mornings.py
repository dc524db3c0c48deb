"""Generated market mornings in Kota Malang: deterministic, realistic enough to benchmark.

Each morning is one market with ``size`` orders: doors inside the city boundary, denser near
the market (90 % normal around it with a 1.2 km spread, 10 % uniform over the city), market
baskets of 1-40 kg, 120 s at each door, 60 % of orders with a two-hour window opening between
06:30 and 10:00; three runners with 40 kg per trip, a 06:00-12:00 shift and 300 s to load on
each return to the market; travel by great circle x 1.3 at 22 km/h plus 60 s parking.
"""

from __future__ import annotations

import csv
import json
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bench.instance import Client, Fleet, MarketInstance
from routing.matrix import GreatCircleModel

#: The shared data folder (``../shared`` beside the repository).
DEFAULT_SHARED = Path(__file__).resolve().parents[2] / "shared"

SIZES = (30, 60, 120)
SHIFT_START_S = 6 * 3600
SHIFT_END_S = 12 * 3600
SERVICE_S = 120
WINDOW_S = 2 * 3600
WINDOW_OPEN_FIRST_S = 6 * 3600 + 30 * 60
WINDOW_OPEN_LAST_S = 10 * 3600
WINDOW_SHARE = 0.6
# A wider spread (70 % within a 1.5 km sigma, 30 % anywhere) leaves 120 orders with more
# riding, service and loading than three six-hour shifts hold: no plan exists at all.
NEAR_SHARE = 0.9
NEAR_SIGMA_KM = 1.2
RUNNERS = 3
CAPACITY_G = 40_000
RELOAD_S = 300
SMALL_SHARE = 0.85
HEAVY_SHARE = 0.03
TRAVEL = GreatCircleModel(circuity=1.3, speed_kmh=22, parking_s=60)

_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON_EQUATOR = 111.320


@dataclass(frozen=True)
class Market:
    """A market from ``markets.csv``."""

    code: str
    """Slug of the name without "Pasar" and any parenthesis, e.g. ``oro-oro-dowo``."""
    name: str
    lat: float
    lon: float


def market_code(name: str) -> str:
    """``"Pasar Gadang (Gadang Lama)"`` -> ``"gadang"``."""
    base = re.sub(r"\(.*?\)", "", name)
    base = re.sub(r"^\s*pasar\s+", "", base, flags=re.IGNORECASE)
    return re.sub(r"[^a-z0-9]+", "-", base.lower()).strip("-")


def read_markets(shared: Path) -> list[Market]:
    """The markets of ``shared/data/malang/markets.csv``, in file order."""
    path = shared / "data" / "malang" / "markets.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            Market(
                code=market_code(row["name"]),
                name=row["name"],
                lat=float(row["latitude"]),
                lon=float(row["longitude"]),
            )
            for row in csv.DictReader(fh)
        ]


@dataclass(frozen=True, eq=False)
class Boundary:
    """The city as one or more polygons of (lon, lat) rings; the first ring of each is the
    outer boundary, the others are holes."""

    polygons: tuple[tuple[npt.NDArray[np.float64], ...], ...]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """``(min_lon, min_lat, max_lon, max_lat)`` in decimal degrees."""
        outer = np.concatenate([rings[0] for rings in self.polygons])
        lo = outer.min(axis=0)
        hi = outer.max(axis=0)
        return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])

    def contains(
        self, lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.bool_]:
        """Whether each point lies inside the city (even-odd rule over every ring)."""
        inside = np.zeros(lat.shape, dtype=bool)
        for rings in self.polygons:
            in_polygon = np.zeros(lat.shape, dtype=bool)
            for ring in rings:
                in_polygon ^= _in_ring(ring, lon, lat)
            inside |= in_polygon
        return inside


def _in_ring(
    ring: npt.NDArray[np.float64], x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    """Ray casting: points x (lon), y (lat) against one closed ring of (lon, lat) vertices."""
    x0, y0 = ring[:-1, 0][:, None], ring[:-1, 1][:, None]
    x1, y1 = ring[1:, 0][:, None], ring[1:, 1][:, None]
    straddles = (y0 > y[None, :]) != (y1 > y[None, :])
    with np.errstate(divide="ignore", invalid="ignore"):
        x_cross = x0 + (y[None, :] - y0) * (x1 - x0) / (y1 - y0)
    crossings = straddles & (x[None, :] < x_cross)
    return np.asarray(np.count_nonzero(crossings, axis=0) % 2 == 1)


def read_boundary(shared: Path) -> Boundary:
    """The city boundary from ``shared/data/malang/boundary.geojson``."""
    path = shared / "data" / "malang" / "boundary.geojson"
    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    features = data["features"] if data.get("type") == "FeatureCollection" else [data]
    polygons: list[tuple[npt.NDArray[np.float64], ...]] = []
    for feature in features:
        geometry = feature.get("geometry", feature)
        coords = geometry["coordinates"]
        parts = [coords] if geometry["type"] == "Polygon" else coords
        for part in parts:
            rings = []
            for ring in part:
                array = np.asarray(ring, dtype=np.float64)[:, :2]
                if not np.array_equal(array[0], array[-1]):
                    array = np.vstack([array, array[:1]])
                rings.append(array)
            polygons.append(tuple(rings))
    return Boundary(tuple(polygons))


def _rng(seed: int, market: str, size: int) -> np.random.Generator:
    """A generator that depends only on the seed, the market's code and the size."""
    return np.random.default_rng([seed, zlib.crc32(market.encode()), size])


def _doors(
    rng: np.random.Generator, market: Market, boundary: Boundary, size: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """``size`` door positions (lat, lon), each accepted only inside the boundary."""
    min_lon, min_lat, max_lon, max_lat = boundary.bbox
    km_per_deg_lon = _KM_PER_DEG_LON_EQUATOR * np.cos(np.radians(market.lat))
    near = rng.random(size) < NEAR_SHARE
    lat = np.empty(size)
    lon = np.empty(size)
    todo = np.arange(size)
    while todo.size:
        k = todo.size
        cand_lat = np.where(
            near[todo],
            market.lat + rng.normal(0.0, NEAR_SIGMA_KM / _KM_PER_DEG_LAT, k),
            rng.uniform(min_lat, max_lat, k),
        )
        cand_lon = np.where(
            near[todo],
            market.lon + rng.normal(0.0, NEAR_SIGMA_KM / km_per_deg_lon, k),
            rng.uniform(min_lon, max_lon, k),
        )
        ok = boundary.contains(cand_lat, cand_lon)
        lat[todo[ok]] = np.round(cand_lat[ok], 6)
        lon[todo[ok]] = np.round(cand_lon[ok], 6)
        todo = todo[~ok]
    return lat, lon


def _demands_g(rng: np.random.Generator, size: int) -> npt.NDArray[np.int64]:
    """Basket weights in grams, rounded to 100 g.

    85 % everyday baskets of 1-8 kg (skewed towards 2-4 kg), 12 % large ones of 10-25 kg
    (a warung restocking, a family event) and 3 % heavy ones of 25-40 kg, so every order
    fits one 40 kg trip.
    """
    kind = rng.random(size)
    small = 1.0 + 7.0 * rng.beta(1.5, 3.0, size)
    large = rng.uniform(10.0, 25.0, size)
    heavy = rng.uniform(25.0, 40.0, size)
    kg = np.where(kind < SMALL_SHARE, small, np.where(kind < 1.0 - HEAVY_SHARE, large, heavy))
    return (np.round(kg * 10.0) * 100.0).astype(np.int64)


def _windows(rng: np.random.Generator, size: int) -> tuple[list[int], list[int]]:
    """Service windows: 60 % two hours opening 06:30-10:00 (on 5 minutes), the rest the shift."""
    windowed = rng.random(size) < WINDOW_SHARE
    steps = (WINDOW_OPEN_LAST_S - WINDOW_OPEN_FIRST_S) // 300
    opens = WINDOW_OPEN_FIRST_S + 300 * rng.integers(0, steps + 1, size)
    starts = [int(o) if w else SHIFT_START_S for w, o in zip(windowed, opens, strict=True)]
    ends = [int(o) + WINDOW_S if w else SHIFT_END_S for w, o in zip(windowed, opens, strict=True)]
    return starts, ends


def make_morning(market: Market, boundary: Boundary, size: int, seed: int) -> MarketInstance:
    """One morning of ``size`` orders at ``market``; the same arguments give the same one."""
    rng = _rng(seed, market.code, size)
    lat, lon = _doors(rng, market, boundary, size)
    demand = _demands_g(rng, size)
    tw_start, tw_end = _windows(rng, size)
    clients = tuple(
        Client(
            id=k + 1,
            lat=float(lat[k]),
            lon=float(lon[k]),
            demand_g=int(demand[k]),
            service_s=SERVICE_S,
            tw_start_s=tw_start[k],
            tw_end_s=tw_end[k],
        )
        for k in range(size)
    )
    all_lat = np.concatenate([[market.lat], lat])
    all_lon = np.concatenate([[market.lon], lon])
    distance, duration = TRAVEL.matrices(all_lat, all_lon)
    fleet = Fleet(
        count=RUNNERS,
        capacity_g=CAPACITY_G,
        shift_start_s=SHIFT_START_S,
        shift_end_s=SHIFT_END_S,
        reload_s=RELOAD_S,
    )
    return MarketInstance(
        name=f"{market.code}-{size}-s{seed}",
        market=market.name,
        depot_lat=market.lat,
        depot_lon=market.lon,
        clients=clients,
        vehicles=fleet,
        distance_m=np.asarray(distance, dtype=np.int64),
        duration_s=np.asarray(duration, dtype=np.int64),
    )


def make_mornings(
    shared: Path, sizes: Sequence[int], markets: Sequence[str] | None, seed: int
) -> list[MarketInstance]:
    """Mornings for the chosen markets (codes; ``None`` is all six) and sizes, size-major."""
    every = read_markets(shared)
    if markets:
        known = {m.code: m for m in every}
        unknown = [code for code in markets if code not in known]
        if unknown:
            msg = f"unknown market(s) {unknown!r}; known: {sorted(known)!r}"
            raise ValueError(msg)
        chosen = [known[code] for code in markets]
    else:
        chosen = every
    boundary = read_boundary(shared)
    return [make_morning(m, boundary, size, seed) for size in sizes for m in chosen]
