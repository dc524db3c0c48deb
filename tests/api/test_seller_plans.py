"""A plan with an order collected at its seller, as every reader shows it: the read model
(`dispatch.plans`) and the exports (JSON, CSV, GeoJSON, GPX)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dispatch.actions import mark_delivered, mark_picked_up
from dispatch.export import day_export, render
from dispatch.models import Order, Seller, StopKind
from dispatch.plans import market_plan
from tests.api.conftest import World
from tests.api.factories import add_order, add_plan, add_stop


@dataclass
class SellerDay:
    seller: Seller
    seller_order: Order
    market_order: Order


@pytest.fixture
def seller_day(engine: Engine, world: World) -> SellerDay:
    """Sawojajar's first runner: a market order, then a seller's order collected at the
    seller before its delivery."""
    market = world.markets["sawojajar"]
    with Session(engine, expire_on_commit=False) as session:
        seller = session.exec(
            select(Seller).where(Seller.code == "sawojajar-keripik-tempe-sanan")
        ).one()
        plain = add_order(session, market, "plain-1", world.day, amount_rp=50_000)
        own = add_order(
            session, market, "seller-1", world.day, amount_rp=60_000, seller_id=seller.id
        )
        run = add_plan(session, market, world.day)
        add_stop(session, run, world.runner, plain)
        add_stop(session, run, world.runner, own, kind=StopKind.PICKUP)
        add_stop(session, run, world.runner, own)
        return SellerDay(seller, own, plain)


def test_the_read_model_shows_the_pickup_at_the_seller(
    engine: Engine, world: World, seller_day: SellerDay
) -> None:
    """The route's visits hold the pickup at the seller's place (no cash there) before the
    delivery; its deliveries are the two orders; the pickup is open until the goods are
    collected, then done while the delivery is still open."""
    with Session(engine) as session:
        route = market_plan(session, world.markets["sawojajar"], world.day).route_of(
            world.runner.id
        )
        assert route is not None
        assert [s.kind for s in route.visits] == [
            StopKind.DELIVERY,
            StopKind.PICKUP,
            StopKind.DELIVERY,
        ]
        assert [s.external_id for s in route.stops] == ["plain-1", "seller-1"]
        pickup = route.pickups[0]
        seller = seller_day.seller
        assert (pickup.lat, pickup.lon, pickup.address) == (seller.lat, seller.lon, seller.address)
        assert pickup.seller is not None
        assert (pickup.seller.code, pickup.seller.phone) == (seller.code, seller.phone)
        assert pickup.cod_rp == 0
        assert route.stops[1].seller is not None
        assert route.stops[1].cod_rp > 0
        assert route.cash.to_collect_rp == sum(s.cod_rp for s in route.stops)
        assert route.weight_g == seller_day.seller_order.weight_g + seller_day.market_order.weight_g
        assert (pickup.open, pickup.done) == (True, False)
        mark_picked_up(session, seller_day.seller_order.id, by="runner test")
        session.commit()
    with Session(engine) as session:
        route = market_plan(session, world.markets["sawojajar"], world.day).route_of(
            world.runner.id
        )
        assert route is not None
        assert (route.pickups[0].open, route.pickups[0].done) == (False, True)
        assert route.stops[1].open
        mark_delivered(session, seller_day.seller_order.id, collected_rp=65_000, by="test")
        session.commit()
    with Session(engine) as session:
        route = market_plan(session, world.markets["sawojajar"], world.day).route_of(
            world.runner.id
        )
        assert route is not None
        assert route.pickups[0].done
        assert route.stops[1].done


def test_every_export_shows_the_pickup_before_its_delivery(
    engine: Engine, world: World, seller_day: SellerDay
) -> None:
    """JSON: every stop has its ``kind``; the pickup names its seller, is at the seller's
    place with its own arrival and sequence, on the same runner, before the delivery. CSV,
    GeoJSON and GPX carry the pickup too."""
    with Session(engine) as session:
        day = day_export(session, world.day, ["sawojajar"])
    doc = json.loads(render(day, "json"))
    [route] = [r for r in doc["markets"][0]["routes"] if r["stops"]]
    kinds = [(s["kind"], s["external_id"], s["seller"]) for s in route["stops"]]
    code = seller_day.seller.code
    assert kinds == [
        ("delivery", "plain-1", None),
        ("pickup", "seller-1", code),
        ("delivery", "seller-1", code),
    ]
    pickup, delivery = route["stops"][1], route["stops"][2]
    assert (pickup["lat"], pickup["lon"]) == (seller_day.seller.lat, seller_day.seller.lon)
    assert pickup["sequence"] < delivery["sequence"]
    assert pickup["arrival"] < delivery["arrival"]
    assert pickup["cod_rp"] == 0

    rows = list(csv.DictReader(io.StringIO(render(day, "csv"))))
    assert [(r["kind"], r["seller"]) for r in rows if r["external_id"] == "seller-1"] == [
        ("pickup", code),
        ("delivery", code),
    ]
    features = json.loads(render(day, "geojson"))["features"]
    stops = [f["properties"] for f in features if f["properties"]["kind"] == "stop"]
    assert [(p["stop_kind"], p["seller"]) for p in stops if p["external_id"] == "seller-1"] == [
        ("pickup", code),
        ("delivery", code),
    ]
    gpx = ET.fromstring(render(day, "gpx"))
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    types = [w.findtext("g:type", namespaces=ns) for w in gpx.findall("g:wpt", ns)]
    assert types.count("pickup") == 1
    assert types.count("delivery") == 2
