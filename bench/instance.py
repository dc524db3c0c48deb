"""A market morning as a benchmark instance: its JSON format and its routing problem.

The JSON format (issue 8)::

    {"name", "market", "depot": {"lat", "lon"},
     "clients": [{"id", "lat", "lon", "demand_g", "service_s", "tw_start_s", "tw_end_s"}],
     "vehicles": {"count", "capacity_g", "shift_start_s", "shift_end_s", "reload_s"},
     "distance_m": [[...]], "duration_s": [[...]]}

Index 0 of the matrices is the market; client ``id`` k is matrix index k. Times are seconds
after midnight; the duration matrix already includes parking; ``reload_s`` counts at each
return to the market between trips, not at the start.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from routing.problem import Problem, Stop, TimeWindow, Vehicle


@dataclass(frozen=True)
class Client:
    """One order of the morning, delivered to a door."""

    id: int
    """Matrix index of the door (1..n)."""
    lat: float
    lon: float
    demand_g: int
    """Weight of the basket, in grams."""
    service_s: int
    """Time at the door, in seconds."""
    tw_start_s: int
    """Earliest start of service, in seconds after midnight."""
    tw_end_s: int
    """Latest start of service, in seconds after midnight."""


@dataclass(frozen=True)
class Fleet:
    """The market's runners, all alike."""

    count: int
    capacity_g: int
    """Load per trip, in grams."""
    shift_start_s: int
    shift_end_s: int
    reload_s: int
    """Time to load at the market on each return to it (not at the first start)."""


@dataclass(frozen=True, eq=False)
class MarketInstance:
    """One market's morning: orders, runners and the travel matrices (index 0 the market)."""

    name: str
    market: str
    depot_lat: float
    depot_lon: float
    clients: tuple[Client, ...]
    vehicles: Fleet
    distance_m: npt.NDArray[np.int64] = field(repr=False)
    duration_s: npt.NDArray[np.int64] = field(repr=False)

    @property
    def size(self) -> int:
        """Number of orders."""
        return len(self.clients)

    def to_problem(self) -> Problem:
        """The routing problem: depot 0, stop ``k - 1`` for client ``k``, ``count`` runners."""
        shift = TimeWindow(self.vehicles.shift_start_s, self.vehicles.shift_end_s)
        stops = [
            Stop(
                location=c.id,
                weight_g=c.demand_g,
                service_s=c.service_s,
                window=TimeWindow(c.tw_start_s, c.tw_end_s),
                name=str(c.id),
            )
            for c in self.clients
        ]
        vehicle = Vehicle(start=0, end=0, shift=shift, capacity_g=self.vehicles.capacity_g)
        return Problem(
            depot=0,
            stops=stops,
            vehicles=[vehicle] * self.vehicles.count,
            distance_m=self.distance_m,
            duration_s=self.duration_s,
            reload_s=self.vehicles.reload_s,
        )

    def to_json(self) -> dict[str, Any]:
        """The instance as a JSON-ready dict, in the issue's format."""
        return {
            "name": self.name,
            "market": self.market,
            "depot": {"lat": self.depot_lat, "lon": self.depot_lon},
            "clients": [
                {
                    "id": c.id,
                    "lat": c.lat,
                    "lon": c.lon,
                    "demand_g": c.demand_g,
                    "service_s": c.service_s,
                    "tw_start_s": c.tw_start_s,
                    "tw_end_s": c.tw_end_s,
                }
                for c in self.clients
            ],
            "vehicles": {
                "count": self.vehicles.count,
                "capacity_g": self.vehicles.capacity_g,
                "shift_start_s": self.vehicles.shift_start_s,
                "shift_end_s": self.vehicles.shift_end_s,
                "reload_s": self.vehicles.reload_s,
            },
            "distance_m": self.distance_m.tolist(),
            "duration_s": self.duration_s.tolist(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MarketInstance:
        """Read an instance from a dict in the issue's format; raises ``ValueError`` if bad."""
        clients = tuple(
            Client(
                id=int(c["id"]),
                lat=float(c["lat"]),
                lon=float(c["lon"]),
                demand_g=int(c["demand_g"]),
                service_s=int(c["service_s"]),
                tw_start_s=int(c["tw_start_s"]),
                tw_end_s=int(c["tw_end_s"]),
            )
            for c in data["clients"]
        )
        veh = data["vehicles"]
        fleet = Fleet(
            count=int(veh["count"]),
            capacity_g=int(veh["capacity_g"]),
            shift_start_s=int(veh["shift_start_s"]),
            shift_end_s=int(veh["shift_end_s"]),
            reload_s=int(veh["reload_s"]),
        )
        distance = _matrix(data["distance_m"])
        duration = _matrix(data["duration_s"])
        n = len(clients) + 1
        if distance.shape != (n, n) or duration.shape != (n, n):
            msg = (
                f"matrices must be {n}x{n} for {n - 1} clients, got {distance.shape} "
                f"and {duration.shape}"
            )
            raise ValueError(msg)
        if sorted(c.id for c in clients) != list(range(1, n)):
            msg = f"client ids must be 1..{n - 1}, each once"
            raise ValueError(msg)
        return cls(
            name=str(data["name"]),
            market=str(data.get("market", "")),
            depot_lat=float(data["depot"]["lat"]),
            depot_lon=float(data["depot"]["lon"]),
            clients=clients,
            vehicles=fleet,
            distance_m=distance,
            duration_s=duration,
        )


def _matrix(rows: Sequence[Sequence[float]]) -> npt.NDArray[np.int64]:
    matrix = np.rint(np.asarray(rows, dtype=np.float64)).astype(np.int64)
    if matrix.ndim != 2:
        msg = f"a matrix must be two-dimensional, got shape {matrix.shape}"
        raise ValueError(msg)
    return matrix


def read_instance(path: Path) -> MarketInstance:
    """Read one instance file (JSON, the issue's format)."""
    with path.open(encoding="utf-8") as fh:
        return MarketInstance.from_json(json.load(fh))


def write_instance(instance: MarketInstance, directory: Path) -> Path:
    """Write ``instance`` to ``directory/<name>.json`` and return the path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{instance.name}.json"
    with path.open("w", encoding="utf-8") as fh:
        json.dump(instance.to_json(), fh, separators=(",", ":"))
        fh.write("\n")
    return path
