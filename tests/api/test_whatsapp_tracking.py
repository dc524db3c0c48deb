"""The customer's tracking page ``/t/{token}``: status, ETA in WIB and the runner's first name,
nothing of other customers; tampered and expired links get a page that says so."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dispatch.models import DispatchRun, Order, RouteStop
from dispatch.settings import Settings
from dispatch.whatsapp.tracking import tracking_token
from tests.api.conftest import World
from tests.api.factories import add_order, add_stop
from tests.api.test_live_server import base_url
from tests.api.test_whatsapp_drafts import whatsapp_order_on_route
from tests.api.test_whatsapp_webhook import whatsapp_settings
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.graph_api import FakeGraphApi, graph_api

__all__ = ["base_url", "graph_api"]

WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def settings(database_url: str, graph_api: FakeGraphApi) -> Settings:
    """Test settings with WhatsApp configured against the fake Graph API."""
    return whatsapp_settings(database_url, graph_api)


@pytest.fixture
def tracked(engine: Engine, settings: Settings, world: World) -> tuple[Order, str, str]:
    """A WhatsApp order on Agus's route, another customer's order on the same route, and the
    first order's tracking path and planned arrival (HH:MM WIB)."""
    order = whatsapp_order_on_route(engine, settings, world)
    with Session(engine) as session:
        neighbour = add_order(
            session,
            world.markets["sawojajar"],
            "csv-neighbour",
            world.day,
            customer_name="Pak Tetangga Rahasia",
            address="Jl. Rahasia 99",
        )
        stop = session.exec(select(RouteStop).where(RouteStop.order_id == order.id)).one()
        run = session.exec(select(DispatchRun)).one()
        add_stop(session, run, world.runner, neighbour)
        assert stop.planned_arrival is not None
        eta = stop.planned_arrival.astimezone(WIB).strftime("%H.%M")
    path = "/t/" + tracking_token(order.id, order.service_date, settings)
    return order, path, eta


def test_the_page_shows_status_eta_and_the_runners_first_name(
    client: TestClient, tracked: tuple[Order, str, str]
) -> None:
    """Assigned, planned arrival in WIB, "Agus" (not his surname), no other customer."""
    _, path, eta = tracked
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    text = page.text
    assert "Dijadwalkan" in text
    assert f"{eta} WIB" in text
    assert '<strong id="runner">Agus</strong>' in text
    assert "Setiawan" not in text
    assert "bawang merah 1 kg" in text
    assert "Tetangga" not in text
    assert "Rahasia" not in text
    assert "<script" not in text


def test_the_page_follows_the_order(
    client: TestClient, world: World, tracked: tuple[Order, str, str]
) -> None:
    """After the runner's taps: on the way, then received (no ETA once delivered)."""
    order, path, eta = tracked
    base = f"/api/v1/runner/{world.link}/stops/{order.id}"
    client.post(f"{base}/picked-up")
    assert "Dalam perjalanan" in client.get(path).text
    client.post(f"{base}/delivered", json={"collected_rp": 0})
    delivered = client.get(path).text
    assert "Sudah diterima" in delivered
    assert f"{eta} WIB" not in delivered


def test_a_tampered_token_gets_a_404_page(
    client: TestClient, tracked: tuple[Order, str, str]
) -> None:
    """One character changed: 404, a page in Indonesian that says the link is not valid."""
    _, path, _ = tracked
    index = len("/t/") + 5
    tampered = path[:index] + ("A" if path[index] != "A" else "B") + path[index + 1 :]
    page = client.get(tampered)
    assert page.status_code == 404
    assert "Tautan lacak pesanan tidak sah" in page.text
    assert client.get("/t/garbage").status_code == 404


def test_an_expired_token_gets_a_410_page(
    client: TestClient, settings: Settings, tracked: tuple[Order, str, str]
) -> None:
    """A link for a day that is over: 410 and the reason."""
    order, _, _ = tracked
    old = tracking_token(order.id, order.service_date - timedelta(days=3), settings)
    page = client.get(f"/t/{old}")
    assert page.status_code == 410
    assert "kedaluwarsa" in page.text


def test_a_token_for_a_deleted_or_unknown_order_is_404(
    client: TestClient, settings: Settings, world: World
) -> None:
    """Well signed, but no such order: 404 page, not a crash."""
    token = tracking_token(uuid.uuid4(), world.day, settings)
    page = client.get(f"/t/{token}")
    assert page.status_code == 404


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_the_page_on_a_phone_loads_only_from_the_app(
    base_url: str, tracked: tuple[Order, str, str], tmp_path: Path
) -> None:
    """Headless Chromium at 390x844: readable status and ETA, every request to our origin."""
    from playwright.sync_api import sync_playwright

    _, path, eta = tracked
    requested: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
        context.on("request", lambda request: requested.append(request.url))
        page = context.new_page()
        page.goto(base_url + path, wait_until="load")
        assert page.locator("#status").inner_text() == "Dijadwalkan, kurir akan berbelanja"
        assert page.locator("#eta").inner_text() == f"{eta} WIB"
        assert page.locator("#runner").inner_text() == "Agus"
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(tmp_path / "tracking-390x844.png"), full_page=True)
        browser.close()
    assert width <= 390
    assert requested
    assert all(url.startswith(base_url) for url in requested), requested


def _on_the_way(engine: Engine, order: Order, world: World, *, fresh: bool = True) -> Order:
    """``order`` picked up, its runner's position reported a minute ago (or an hour ago)."""
    from dispatch.actions import mark_picked_up
    from dispatch.models import Runner

    with Session(engine, expire_on_commit=False) as session:
        picked = mark_picked_up(session, order.id, by="runner test")
        runner = session.get(Runner, world.runner.id)
        assert runner is not None
        runner.last_lat, runner.last_lon = (picked.lat or 0) + 0.01, (picked.lon or 0) - 0.01
        runner.last_seen_at = datetime.now(UTC) - timedelta(minutes=1 if fresh else 60)
        session.add(runner)
        session.commit()
        return picked


def test_on_the_way_the_page_shows_the_runner_on_a_map_the_cash_and_a_call_button(
    client: TestClient, engine: Engine, world: World, tracked: tuple[Order, str, str]
) -> None:
    """Picked up, position fresh: a map with the runner and the door (our own scripts only),
    the amount to prepare, a button that calls the runner; still no other customer."""
    order, path, _ = tracked
    picked = _on_the_way(engine, order, world)
    text = client.get(path).text
    assert "data-track-map" in text
    assert '<script src="/static/tracking.js"></script>' in text
    assert f'href="tel:{world.runner.phone}"' in text
    assert "Telepon kurir Agus" in text
    if picked.cod_rp:
        assert "Siapkan uang tunai" in text
    assert "Tetangga" not in text
    english = client.get(path + "?lang=en").text
    assert "Call Agus, the runner" in english


def test_a_stale_position_is_not_shown_on_a_map(
    client: TestClient, engine: Engine, world: World, tracked: tuple[Order, str, str]
) -> None:
    """A position an hour old says nothing about where the runner is: no map, still the
    call button."""
    order, path, _ = tracked
    _on_the_way(engine, order, world, fresh=False)
    text = client.get(path).text
    assert "data-track-map" not in text
    assert "<script" not in text
    assert f'href="tel:{world.runner.phone}"' in text


def test_the_console_order_page_gives_the_tracking_link_to_send(
    client: TestClient, world: World, tracked: tuple[Order, str, str]
) -> None:
    """The order's page in the console: its tracking link, a copy button and a WhatsApp
    link to the customer's number carrying the link."""
    from urllib.parse import unquote

    from tests.api.test_console import sign_in

    order, path, _ = tracked
    payload = path.split(".")[0]  # the signature's timestamp differs from one signing to the next
    sign_in(client, world.coordinator)
    page = client.get(f"/console/sawojajar/orders/{order.id}")
    assert page.status_code == 200
    assert payload in page.text
    assert 'data-copy="tracking-link"' in page.text
    wa = re.search(r'href="(https://wa\.me/[^"]+)"[^>]*id="tracking-whatsapp"', page.text)
    assert wa is not None
    assert wa.group(1).startswith("https://wa.me/" + order.phone.removeprefix("+"))
    assert payload in unquote(wa.group(1).replace("&amp;", "&"))
