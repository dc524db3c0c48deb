"""A plan with an order collected at its seller, as every reader shows it: the read model
(`dispatch.plans`) and the exports (JSON, CSV, GeoJSON, GPX)."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.main import create_app
from dispatch.actions import mark_delivered, mark_picked_up
from dispatch.export import day_export, render
from dispatch.models import Order, OrderStatus, Seller, StopKind
from dispatch.plans import market_plan
from dispatch.report import day_report, report_csv, report_json, report_table
from dispatch.settings import Settings
from dispatch.whatsapp.tracking import tracking_token
from tests.api.conftest import World
from tests.api.factories import add_order, add_plan, add_stop
from tests.api.test_console import sign_in
from tests.browser import CHROMIUM, CHROMIUM_ARGS, Watch
from tests.serving import serving


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


def test_the_runner_route_has_the_pickup_at_the_seller(
    client: TestClient, world: World, seller_day: SellerDay
) -> None:
    """The phone's route JSON: the pickup visit (kind pickup) with the seller's name, address
    and phone, what to collect and no cash; the delivery names its seller; "Sudah diambil"
    is the order's picked-up action, after which the pickup is collected."""
    order_id = str(seller_day.seller_order.id)
    seller = seller_day.seller
    route = client.get(f"/api/v1/runner/{world.link}/route").json()
    assert [s["external_id"] for s in route["stops"]] == ["plain-1", "seller-1"]
    assert [s["kind"] for s in route["stops"]] == ["delivery", "delivery"]
    [pickup] = route["pickups"]
    assert pickup["kind"] == "pickup"
    assert pickup["order_id"] == order_id
    assert (pickup["customer_name"], pickup["address"], pickup["phone"]) == (
        seller.name,
        seller.address,
        seller.phone,
    )
    assert (pickup["lat"], pickup["lon"]) == (seller.lat, seller.lon)
    assert pickup["cash_to_collect_rp"] == 0
    assert pickup["items"] == route["stops"][1]["items"]
    assert pickup["status"] == "assigned"
    assert seller.name in pickup["whatsapp_text"]
    delivery = route["stops"][1]
    assert delivery["seller"]["code"] == seller.code
    assert delivery["sequence"] > pickup["sequence"] > route["stops"][0]["sequence"]
    assert route["stops"][0]["seller"] is None
    done = client.post(f"/api/v1/runner/{world.link}/stops/{order_id}/picked-up")
    assert done.status_code == 200, done.text
    route = client.get(f"/api/v1/runner/{world.link}/route").json()
    assert route["pickups"][0]["status"] == "picked_up"


def _status(engine: Engine, order: Order) -> OrderStatus:
    with Session(engine) as session:
        stored = session.get(Order, order.id)
        assert stored is not None
        return stored.status


def _wait_for(engine: Engine, order: Order, status: OrderStatus, page: Any) -> None:
    """Until the phone's queue has reached the server (it sends in the background). The
    wait goes through the page: the context's route guard runs on this thread, so a plain
    sleep would hold the phone's request at the guard until the wait gives up."""
    for _ in range(300):  # a loaded machine may take a while; the answer is what counts
        if _status(engine, order) is status:
            return
        page.wait_for_timeout(100)
    assert _status(engine, order) is status


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_the_runner_phone_draws_the_pickup_card_at_the_seller(
    engine: Engine, settings: Settings, world: World, seller_day: SellerDay
) -> None:
    """On the phone (Chromium, 390x844): the pickup card at the seller comes before its
    delivery, with the seller's name, address, phone, what to collect and "Sudah diambil";
    the delivery says to collect first and cannot be delivered yet; the market's "Semua
    sudah dibeli" leaves the seller's order alone. "Sudah diambil" goes through the phone's
    queue, the order is picked up on the server, and the delivery can be made."""
    from playwright.sync_api import expect, sync_playwright

    order_id = str(seller_day.seller_order.id)
    seller = seller_day.seller
    live = settings.model_copy(update={"tiles_url": "https://tiles.invalid/{z}/{x}/{y}.png"})
    with serving(create_app(live, engine)) as base, sync_playwright() as p:
        watch = Watch(base)
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
        watch.guard(context)
        page = watch.page(context)
        page.goto(f"{base}/r/{world.link}", wait_until="load")
        page.wait_for_load_state("networkidle")  # the fresh route has come and been drawn
        cards = page.locator("#stops [data-order-id]")
        assert [cards.nth(k).get_attribute("data-kind") for k in range(3)] == [
            None,
            "pickup",
            None,
        ]
        pickup = page.locator(f"#pickup-{order_id}")
        text = pickup.inner_text()
        assert pickup.locator(".stop__kind").text_content() == "Ambil di penjual"
        assert seller.name in text
        assert seller.address in text
        assert "Tidak ada pembayaran di penjual" in text
        assert pickup.locator(f"a[href='tel:{seller.phone}']").count() == 1
        assert pickup.locator("[data-action=picked-up]").inner_text() == "Sudah diambil"
        delivery = page.locator(f"#stop-{order_id}")
        assert f"Ambil dulu barangnya di {seller.name}." in delivery.inner_text()
        assert delivery.locator("[data-action=picked-up], [data-action=delivered]").count() == 0
        assert page.locator(".antar-stop").count() == 3

        page.locator("[data-action=trip-bought]").first.click()
        _wait_for(engine, seller_day.market_order, OrderStatus.PICKED_UP, page)
        expect(page.locator("[data-pending]")).to_have_text("0")
        assert _status(engine, seller_day.seller_order) is OrderStatus.ASSIGNED

        pickup.locator("[data-action=picked-up]").click()
        expect(page.locator("[data-pending]")).to_have_text("0")
        expect(delivery.locator("[data-action=delivered]")).to_be_visible()
        expect(page.locator(f"#done #pickup-{order_id}")).to_contain_text("Sudah diambil")
        _wait_for(engine, seller_day.seller_order, OrderStatus.PICKED_UP, page)
        expect(page.locator("[data-pending]")).to_have_text("0")
        browser.close()
    watch.assert_clean()


def test_the_report_sums_each_sellers_orders(
    client: TestClient, engine: Engine, world: World, seller_day: SellerDay
) -> None:
    """Per seller: its orders, those delivered, the cash collected on them and the goods'
    value delivered; in the API's JSON, the CSV, the terminal's table and the console."""
    order_id = seller_day.seller_order.id
    with Session(engine) as session:
        mark_picked_up(session, order_id, by="runner test")
        mark_delivered(session, order_id, collected_rp=65_000, by="runner test")
        session.commit()
        report = day_report(session, world.day, ["sawojajar"], settings=Settings())
    [seller] = report.markets[0].sellers
    assert (seller.seller, seller.orders, seller.delivered) == (seller_day.seller.code, 1, 1)
    assert (seller.cod_collected_rp, seller.goods_delivered_rp) == (65_000, 60_000)
    as_json = report_json(report)["markets"][0]["sellers"]
    assert as_json[0]["cod_collected_rp"] == 65_000
    rows = [r for r in csv.DictReader(io.StringIO(report_csv(report))) if r["row"] == "seller"]
    assert [(r["seller"], r["delivered"], r["goods_delivered_rp"]) for r in rows] == [
        (seller_day.seller.code, "1", "60000")
    ]
    table = report_table(report)
    assert f"{seller_day.seller.name} ({seller_day.seller.code}): 1 pesanan, 1 terkirim" in table
    assert sign_in(client, world.operator).status_code == 303
    page = client.get(f"/console/sawojajar/report?tanggal={world.day.isoformat()}").text
    assert f'data-seller="{seller_day.seller.code}"' in page
    assert "Rp 65.000" in page


def test_the_console_shows_the_pickup_and_the_orders_seller(
    client: TestClient, world: World, seller_day: SellerDay
) -> None:
    """The runner's console page lists the pickup at the seller before the delivery (no
    cash there); the order's page names its seller."""
    assert sign_in(client, world.coordinator).status_code == 303
    day = world.day.isoformat()
    page = client.get(f"/console/sawojajar/runners/{world.runner.id}?tanggal={day}").text
    kinds = re.findall(r'data-order="([^"]+)"[^>]* data-kind="(\w+)"', page)
    order_id = str(seller_day.seller_order.id)
    assert [k for o, k in kinds if o == order_id] == ["pickup", "delivery"]
    assert f"Ambil di penjual: {seller_day.seller.name}" in page
    order = client.get(f"/console/sawojajar/orders/{order_id}").text
    assert seller_day.seller.name in order
    assert "diambil kurir di penjual" in order


def test_the_tracking_page_names_the_seller(
    client: TestClient, world: World, settings: Settings, seller_day: SellerDay
) -> None:
    """The customer of a seller's order reads where the goods come from."""
    token = tracking_token(seller_day.seller_order.id, world.day, settings)
    page = client.get(f"/t/{token}").text
    assert f"Barang dari {seller_day.seller.name}, diambil kurir di sana." in page
    plain = client.get(f"/t/{tracking_token(seller_day.market_order.id, world.day, settings)}")
    assert "Barang dari" not in plain.text


def test_the_routes_api_lists_the_pickup_with_its_seller(
    client: TestClient, world: World, seller_day: SellerDay
) -> None:
    """``GET /routes``: the pickup (kind, seller, the seller's place) before the delivery."""
    answer = client.get(
        "/api/v1/routes",
        params={"date": world.day.isoformat(), "market": "sawojajar"},
        headers=world.auth(world.coordinator),
    )
    assert answer.status_code == 200, answer.text
    [route] = [r for m in answer.json()["markets"] for r in m["routes"] if r["stops"]]
    order_id = str(seller_day.seller_order.id)
    mine = [(s["kind"], s["seller"], s["lat"]) for s in route["stops"] if s["order_id"] == order_id]
    seller = seller_day.seller
    assert mine[0] == ("pickup", seller.code, seller.lat)
    assert mine[1][:2] == ("delivery", seller.code)
