"""A day's routes written out as JSON, CSV, GeoJSON or GPX (``antar routes export``).

Rendering works on the plans' plain dataclasses, read from the database in one place
(``dispatch.plans``), so each format is a pure function that tests can pin.
The JSON form is a contract other programs read: its keys are fixed. Every stop of a route is
written, in visiting order: deliveries (``"kind": "delivery"``) and the pickups at sellers
(``"kind": "pickup"``, at the seller's place, before the order's delivery, on the same
runner); each stop names its order's seller (``"seller"``: the seller's code, or null).
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from dispatch.csv_io import SafeDictWriter
from dispatch.models import Market
from dispatch.plans import MarketPlan, RoutePlan, market_plans

Format = Literal["json", "csv", "geojson", "gpx"]
FORMATS: tuple[Format, ...] = ("json", "csv", "geojson", "gpx")


#: Where the markets are: arrivals are written in Western Indonesia Time.
WIB = ZoneInfo("Asia/Jakarta")


@dataclass(frozen=True)
class DayExport:
    """The current plans of a day, one per market that has one (`dispatch.plans`)."""

    date: date
    markets: tuple[MarketPlan, ...]


def day_export(session: Session, day: date, codes: Sequence[str] | None = None) -> DayExport:
    """Every market's current plan for ``day`` (markets never dispatched that day are left
    out), by market code."""
    query = select(Market).order_by(col(Market.code))
    if codes:
        query = query.where(col(Market.code).in_(list(codes)))
    plans = market_plans(session, session.exec(query).all(), day)
    return DayExport(date=day, markets=tuple(p for p in plans if p.run_id is not None))


def _local(moment: datetime) -> str:
    """A stored (UTC) arrival in WIB, ISO 8601."""
    return moment.astimezone(WIB).isoformat()


def render(day: DayExport, fmt: Format) -> str:
    """``day`` in format ``fmt`` as text."""
    return {"json": to_json, "csv": to_csv, "geojson": to_geojson, "gpx": to_gpx}[fmt](day)


def to_json(day: DayExport) -> str:
    """The JSON contract: date, then per market its routes with stops, and dropped orders."""
    doc = {
        "date": day.date.isoformat(),
        "markets": [
            {
                "market": m.market_code,
                "routes": [
                    {
                        "runner": r.runner_name,
                        "capacity_g": r.capacity_g,
                        "distance_m": r.distance_m,
                        "duration_s": r.duration_s,
                        "stops": [
                            {
                                "kind": s.kind.value,
                                "order_id": str(s.order_id),
                                "external_id": s.external_id,
                                "seller": s.seller.code if s.seller else None,
                                "sequence": s.sequence,
                                "trip": s.trip,
                                "lat": _coordinate(s.lat, m.lat),
                                "lon": _coordinate(s.lon, m.lon),
                                "arrival": _local(s.planned_arrival),
                                "weight_g": s.weight_g,
                                "cod_rp": s.cod_rp,
                            }
                            for s in r.visits
                        ],
                    }
                    for r in m.routes
                ],
                "dropped": [
                    {
                        "order_id": str(d.order_id),
                        "external_id": d.external_id,
                        "reason_code": d.reason_code,
                        "reason": d.reason,
                    }
                    for d in m.unplanned
                ],
            }
            for m in day.markets
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = (
    "date", "market", "runner", "sequence", "trip", "order_id", "external_id", "lat", "lon",
    "arrival", "weight_g", "cod_rp", "reason_code", "reason", "kind", "seller",
)  # fmt: skip


def to_csv(day: DayExport) -> str:
    """One row per planned stop (pickups at sellers too), then one per dropped order (with
    its reason)."""
    out = io.StringIO()
    writer = SafeDictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for m in day.markets:
        for r in m.routes:
            for s in r.visits:
                writer.writerow(
                    {
                        "kind": s.kind.value,
                        "seller": s.seller.code if s.seller else "",
                        "date": day.date.isoformat(),
                        "market": m.market_code,
                        "runner": r.runner_name,
                        "sequence": s.sequence,
                        "trip": s.trip,
                        "order_id": str(s.order_id),
                        "external_id": s.external_id,
                        "lat": _coordinate(s.lat, m.lat),
                        "lon": _coordinate(s.lon, m.lon),
                        "arrival": _local(s.planned_arrival),
                        "weight_g": s.weight_g,
                        "cod_rp": s.cod_rp,
                    }
                )
        for d in m.unplanned:
            writer.writerow(
                {
                    "date": day.date.isoformat(),
                    "market": m.market_code,
                    "order_id": str(d.order_id),
                    "external_id": d.external_id,
                    "lat": "" if d.lat is None else d.lat,
                    "lon": "" if d.lon is None else d.lon,
                    "reason_code": d.reason_code,
                    "reason": d.reason,
                }
            )
    return out.getvalue()


def _trip_paths(m: MarketPlan, r: RoutePlan) -> list[list[tuple[float, float]]]:
    """Per trip, the (lon, lat) path from the market through its stops."""
    trips: dict[int, list[tuple[float, float]]] = {}
    for s in r.visits:
        trips.setdefault(s.trip, [(m.lon, m.lat)]).append(
            (_coordinate(s.lon, m.lon), _coordinate(s.lat, m.lat))
        )
    return [trips[k] for k in sorted(trips)]


def to_geojson(day: DayExport) -> str:
    """Markets, one line per route (a part per trip), stops and dropped orders as features."""
    features: list[dict[str, Any]] = []
    for m in day.markets:
        features.append(_point(m.lon, m.lat, {"kind": "market", "market": m.market_code}))
        for r in m.routes:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "MultiLineString", "coordinates": _trip_paths(m, r)},
                    "properties": {
                        "kind": "route",
                        "market": m.market_code,
                        "runner": r.runner_name,
                        "distance_m": r.distance_m,
                        "duration_s": r.duration_s,
                    },
                }
            )
            for s in r.visits:
                props = {
                    "kind": "stop",
                    "stop_kind": s.kind.value,
                    "seller": s.seller.code if s.seller else None,
                    "market": m.market_code,
                    "runner": r.runner_name,
                    "sequence": s.sequence,
                    "trip": s.trip,
                    "order_id": str(s.order_id),
                    "external_id": s.external_id,
                    "arrival": _local(s.planned_arrival),
                    "weight_g": s.weight_g,
                    "cod_rp": s.cod_rp,
                }
                features.append(_point(_coordinate(s.lon, m.lon), _coordinate(s.lat, m.lat), props))
        for d in m.unplanned:
            if d.lat is None or d.lon is None:
                continue
            props = {
                "kind": "dropped",
                "market": m.market_code,
                "order_id": str(d.order_id),
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
            for s in r.visits:
                wpt = ET.SubElement(
                    root,
                    f"{{{GPX_NS}}}wpt",
                    _latlon(_coordinate(s.lat, m.lat), _coordinate(s.lon, m.lon)),
                )
                ET.SubElement(wpt, f"{{{GPX_NS}}}time").text = _local(s.planned_arrival)
                name = f"{m.market_code} {r.runner_name} #{s.sequence} ({s.external_id})"
                ET.SubElement(wpt, f"{{{GPX_NS}}}name").text = name
                if s.seller is not None:  # GPX 1.1 orders a waypoint's elements: desc, then type
                    ET.SubElement(wpt, f"{{{GPX_NS}}}desc").text = s.seller.code
                ET.SubElement(wpt, f"{{{GPX_NS}}}type").text = s.kind.value
        for r in m.routes:
            trk = ET.SubElement(root, f"{{{GPX_NS}}}trk")
            ET.SubElement(trk, f"{{{GPX_NS}}}name").text = f"{m.market_code} {r.runner_name}"
            for path in _trip_paths(m, r):
                seg = ET.SubElement(trk, f"{{{GPX_NS}}}trkseg")
                for lon, lat in [*path, (m.lon, m.lat)]:
                    ET.SubElement(seg, f"{{{GPX_NS}}}trkpt", _latlon(lat, lon))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _latlon(lat: float, lon: float) -> dict[str, str]:
    return {"lat": f"{lat:.6f}", "lon": f"{lon:.6f}"}


def _coordinate(value: float | None, market: float) -> float:
    """A stop's coordinate; the market's when the order has none (never planned so)."""
    return float(market if value is None else value)
