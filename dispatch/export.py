"""A day's routes written out as JSON, CSV, GeoJSON or GPX (``antar routes export``).

Rendering works on plain view dataclasses, filled from the database in one place
(``dispatch.routes_view``), so each format is a pure function that tests can pin.
The JSON form is a contract other programs read: its keys are fixed.
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from dispatch.csv_io import SafeDictWriter

Format = Literal["json", "csv", "geojson", "gpx"]
FORMATS: tuple[Format, ...] = ("json", "csv", "geojson", "gpx")


@dataclass(frozen=True)
class StopExport:
    order_id: str
    external_id: str
    sequence: int
    trip: int
    lat: float
    lon: float
    arrival: datetime
    weight_g: int
    cod_rp: int


@dataclass(frozen=True)
class RouteExport:
    runner: str
    capacity_g: int
    distance_m: int
    duration_s: int
    stops: tuple[StopExport, ...]


@dataclass(frozen=True)
class DroppedExport:
    order_id: str
    external_id: str
    reason_code: str
    reason: str
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class MarketExport:
    market: str
    lat: float
    lon: float
    routes: tuple[RouteExport, ...]
    dropped: tuple[DroppedExport, ...]


@dataclass(frozen=True)
class DayExport:
    date: date
    markets: tuple[MarketExport, ...]


def render(day: DayExport, fmt: Format) -> str:
    """``day`` in format ``fmt`` as text."""
    return {"json": to_json, "csv": to_csv, "geojson": to_geojson, "gpx": to_gpx}[fmt](day)


def to_json(day: DayExport) -> str:
    """The JSON contract: date, then per market its routes with stops, and dropped orders."""
    doc = {
        "date": day.date.isoformat(),
        "markets": [
            {
                "market": m.market,
                "routes": [
                    {
                        "runner": r.runner,
                        "capacity_g": r.capacity_g,
                        "distance_m": r.distance_m,
                        "duration_s": r.duration_s,
                        "stops": [
                            {
                                "order_id": s.order_id,
                                "external_id": s.external_id,
                                "sequence": s.sequence,
                                "trip": s.trip,
                                "lat": s.lat,
                                "lon": s.lon,
                                "arrival": s.arrival.isoformat(),
                                "weight_g": s.weight_g,
                                "cod_rp": s.cod_rp,
                            }
                            for s in r.stops
                        ],
                    }
                    for r in m.routes
                ],
                "dropped": [
                    {
                        "order_id": d.order_id,
                        "external_id": d.external_id,
                        "reason_code": d.reason_code,
                        "reason": d.reason,
                    }
                    for d in m.dropped
                ],
            }
            for m in day.markets
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = (
    "date", "market", "runner", "sequence", "trip", "order_id", "external_id", "lat", "lon",
    "arrival", "weight_g", "cod_rp", "reason_code", "reason",
)  # fmt: skip


def to_csv(day: DayExport) -> str:
    """One row per planned stop, then one per dropped order (with its reason)."""
    out = io.StringIO()
    writer = SafeDictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for m in day.markets:
        for r in m.routes:
            for s in r.stops:
                writer.writerow(
                    {
                        "date": day.date.isoformat(),
                        "market": m.market,
                        "runner": r.runner,
                        "sequence": s.sequence,
                        "trip": s.trip,
                        "order_id": s.order_id,
                        "external_id": s.external_id,
                        "lat": s.lat,
                        "lon": s.lon,
                        "arrival": s.arrival.isoformat(),
                        "weight_g": s.weight_g,
                        "cod_rp": s.cod_rp,
                    }
                )
        for d in m.dropped:
            writer.writerow(
                {
                    "date": day.date.isoformat(),
                    "market": m.market,
                    "order_id": d.order_id,
                    "external_id": d.external_id,
                    "lat": "" if d.lat is None else d.lat,
                    "lon": "" if d.lon is None else d.lon,
                    "reason_code": d.reason_code,
                    "reason": d.reason,
                }
            )
    return out.getvalue()


def _trip_paths(m: MarketExport, r: RouteExport) -> list[list[tuple[float, float]]]:
    """Per trip, the (lon, lat) path from the market through its stops."""
    trips: dict[int, list[tuple[float, float]]] = {}
    for s in r.stops:
        trips.setdefault(s.trip, [(m.lon, m.lat)]).append((s.lon, s.lat))
    return [trips[k] for k in sorted(trips)]


def to_geojson(day: DayExport) -> str:
    """Markets, one line per route (a part per trip), stops and dropped orders as features."""
    features: list[dict[str, Any]] = []
    for m in day.markets:
        features.append(_point(m.lon, m.lat, {"kind": "market", "market": m.market}))
        for r in m.routes:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "MultiLineString", "coordinates": _trip_paths(m, r)},
                    "properties": {
                        "kind": "route",
                        "market": m.market,
                        "runner": r.runner,
                        "distance_m": r.distance_m,
                        "duration_s": r.duration_s,
                    },
                }
            )
            for s in r.stops:
                props = {
                    "kind": "stop",
                    "market": m.market,
                    "runner": r.runner,
                    "sequence": s.sequence,
                    "trip": s.trip,
                    "order_id": s.order_id,
                    "external_id": s.external_id,
                    "arrival": s.arrival.isoformat(),
                    "weight_g": s.weight_g,
                    "cod_rp": s.cod_rp,
                }
                features.append(_point(s.lon, s.lat, props))
        for d in m.dropped:
            if d.lat is None or d.lon is None:
                continue
            props = {
                "kind": "dropped",
                "market": m.market,
                "order_id": d.order_id,
                "external_id": d.external_id,
                "reason_code": d.reason_code,
                "reason": d.reason,
            }
            features.append(_point(d.lon, d.lat, props))
    doc = {"type": "FeatureCollection", "features": features}
    return json.dumps(doc, ensure_ascii=False) + "\n"


def _point(lon: float, lat: float, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": props,
    }


GPX_NS = "http://www.topografix.com/GPX/1/1"


def to_gpx(day: DayExport) -> str:
    """GPX 1.1: a waypoint per stop, a track per route with a segment per trip."""
    ET.register_namespace("", GPX_NS)
    root = ET.Element(f"{{{GPX_NS}}}gpx", {"version": "1.1", "creator": "Pasar Antar"})
    for m in day.markets:
        for r in m.routes:
            for s in r.stops:
                wpt = ET.SubElement(root, f"{{{GPX_NS}}}wpt", _latlon(s.lat, s.lon))
                ET.SubElement(wpt, f"{{{GPX_NS}}}time").text = s.arrival.isoformat()
                name = f"{m.market} {r.runner} #{s.sequence} ({s.external_id})"
                ET.SubElement(wpt, f"{{{GPX_NS}}}name").text = name
        for r in m.routes:
            trk = ET.SubElement(root, f"{{{GPX_NS}}}trk")
            ET.SubElement(trk, f"{{{GPX_NS}}}name").text = f"{m.market} {r.runner}"
            for path in _trip_paths(m, r):
                seg = ET.SubElement(trk, f"{{{GPX_NS}}}trkseg")
                for lon, lat in [*path, (m.lon, m.lat)]:
                    ET.SubElement(seg, f"{{{GPX_NS}}}trkpt", _latlon(lat, lon))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _latlon(lat: float, lon: float) -> dict[str, str]:
    return {"lat": f"{lat:.6f}", "lon": f"{lon:.6f}"}
