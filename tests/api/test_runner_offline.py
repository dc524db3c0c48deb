"""The runner's page on a phone without signal, in headless Chromium against a real server
on loopback (390x844): the service worker serves the page, actions wait on the phone and
reach the server once each, in order, when the signal returns; a photo taken on the phone
shows on the console's order page.

Other hosts are unreachable through Chromium's host resolver rather than Playwright's request
routing (which would bypass the service worker). Skipped where ``/usr/bin/chromium`` is absent.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.main import create_app
from dispatch.actions import FailureReason, mark_failed
from dispatch.auth import Role, create_token, runner_link_token
from dispatch.db import make_engine, session_scope, upgrade
from dispatch.generate import MarketSpot, generate_orders
from dispatch.intake import import_orders
from dispatch.models import (
    DeliveryPhoto,
    Market,
    Order,
    OrderStatus,
    OrderStatusChange,
    Payment,
    Route,
    RouteStop,
    Runner,
    RunnerAction,
)
from dispatch.planning import dispatch
from dispatch.plans import runner_route
from dispatch.seed import seed
from dispatch.settings import Settings
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.serving import serving

WIB = ZoneInfo("Asia/Jakarta")
MARKET = "tawangmangu"
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")

#: Only loopback resolves: tiles and anything else fail fast, without request interception.
PHONE_ARGS = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]


@dataclass(frozen=True)
class Field:
    base: str
    engine: Engine
    settings: Settings
    day: date
    token: str


@pytest.fixture
def field(tmp_path: Path) -> Iterator[Field]:
    """A seeded, dispatched market on a real uvicorn server, photos under ``tmp_path``."""
    url = f"sqlite:///{tmp_path / 'antar.db'}"
    settings = Settings(
        database_url=url,
        secret_key="e2e-secret-0123456789",
        tiles_url="https://tiles.invalid/{z}/{x}/{y}.png",
        data_dir=tmp_path,
    )
    day = datetime.now(WIB).date() + timedelta(days=1)
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        seed(session, settings=settings)
        token = create_token(session, role=Role.COORDINATOR, market_code=MARKET)
        session.commit()
    with session_scope(engine) as session:
        market = session.exec(select(Market).where(Market.code == MARKET)).one()
        rows = generate_orders([MarketSpot(market.code, market.lat, market.lon)], 8, 4, day)
        import_orders(session, ((k + 2, r) for k, r in enumerate(rows)), service_date=day, tz=WIB)
    dispatch(engine, [MARKET], day, settings, time_limit_s=0.3, workers=1)
    try:
        with serving(create_app(settings, engine)) as base:
            yield Field(base, engine, settings, day, token)
    finally:
        engine.dispose()


def _runner_with_stops(field: Field, at_least: int = 2) -> tuple[Runner, list[Order]]:
    with Session(field.engine) as session:
        for runner in session.exec(select(Runner).order_by(col(Runner.name))).all():
            route = runner_route(session, runner, field.day)
            if route is not None and len(route.stops) >= at_least:
                orders = [session.get(Order, stop.order_id) for stop in route.stops]
                return runner, [order for order in orders if order is not None]
    raise AssertionError("nobody has enough stops")


def _cash_on_delivery(field: Field, order: Order, goods_rp: int, fee_rp: int) -> None:
    with session_scope(field.engine) as session:
        stored = session.get(Order, order.id)
        assert stored is not None
        stored.payment, stored.amount_rp, stored.delivery_fee_rp = Payment.COD, goods_rp, fee_rp
        session.add(stored)


def _phone(p: Any) -> tuple[Any, Any, list[str]]:
    browser = p.chromium.launch(executable_path=str(CHROMIUM), args=PHONE_ARGS)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="id-ID", service_workers="allow"
    )
    context.set_default_timeout(30_000)  # a loaded machine opened the first page in > 15 s
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return browser, page, errors


def _kept_by_the_service_worker(page: Any) -> None:
    """Wait until the service worker controls nothing yet but keeps the page and its files."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function(
        """() => caches.open("antar-runner-v1").then((c) => c.keys()).then((keys) =>
             keys.some((r) => r.url === location.href) &&
             keys.some((r) => r.url.includes("/static/runner.js")))"""
    )


def _cut_signal(page: Any, cut: bool) -> None:
    """No signal, as the phone has it: the browser goes offline, and requests the page sends
    past the service worker are refused too (Chromium's offline emulation can let such a
    request leave and drop only its answer; playwright#2311)."""
    context = page.context
    context.set_offline(cut)
    if cut:
        context.route("**/*", _refuse_when_offline)
    else:
        context.unroute("**/*", _refuse_when_offline)


def _refuse_when_offline(route: Any) -> None:
    route.abort("internetdisconnected")


def test_offline_actions_reach_the_server_once_each_in_order(field: Field) -> None:
    """Open the route, lose the signal, reload (the page comes from the service worker), mark
    one stop picked up and delivered with Rp 23.700 and another failed; nothing reaches the
    server until the signal returns, then each action is stored exactly once, in order."""
    from playwright.sync_api import expect, sync_playwright

    runner, orders = _runner_with_stops(field)
    first, second = orders[0], orders[1]
    _cash_on_delivery(field, first, 18_700, 5_000)
    link = runner_link_token(runner, field.day, field.settings)
    with sync_playwright() as p:
        browser, page, errors = _phone(p)
        page.goto(f"{field.base}/r/{link}", wait_until="load")
        expect(page.locator(f"[data-order-id='{first.id}']")).to_have_count(1)
        _kept_by_the_service_worker(page)

        _cut_signal(page, True)
        reloaded = page.reload(wait_until="load")
        assert reloaded is not None
        assert reloaded.from_service_worker
        card = page.locator(f"#stops [data-order-id='{first.id}']")
        expect(card).to_have_attribute("data-status", "assigned")
        card.locator("[data-action=picked-up]").click()
        card = page.locator(f"#stops [data-order-id='{first.id}']")
        expect(card).to_have_attribute("data-status", "picked_up")
        expect(card.locator("input[name=cash_rp]")).to_have_value("23700")
        card.locator("input[name=cash_rp]").fill("23700")
        card.locator("[data-action=delivered]").click()
        done = page.locator(f"#done [data-order-id='{first.id}']")
        expect(done).to_have_attribute("data-status", "delivered")
        other = page.locator(f"#stops [data-order-id='{second.id}']")
        other.locator("[data-toggle=fail]").click()
        other.locator("select[name=reason]").select_option("not_at_home")
        other.locator("[data-action=failed]").click()
        expect(page.locator("[data-pending]")).to_have_text("3")

        # Still no signal: the phone keeps the actions across a reload; the server has none.
        page.reload(wait_until="load")
        expect(page.locator("[data-pending]")).to_have_text("3")
        expect(page.locator(f"#done [data-order-id='{first.id}'] [data-collected]")).to_have_text(
            "Diterima Rp 23.700"
        )
        with Session(field.engine) as session:
            assert session.exec(select(RunnerAction)).all() == []
            assert session.get(Order, first.id).status is OrderStatus.ASSIGNED  # type: ignore[union-attr]

        _cut_signal(page, False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(page.locator("[data-pending]")).to_have_text("0")
        expect(page.locator(f"#done [data-order-id='{second.id}']")).to_have_attribute(
            "data-status", "failed"
        )
        page.wait_for_load_state("networkidle")

        # Without signal again, the kept page shows the route as the server last answered.
        _cut_signal(page, True)
        page.reload(wait_until="load")
        expect(page.locator(f"#done [data-order-id='{first.id}']")).to_have_attribute(
            "data-status", "delivered"
        )
        expect(page.locator("[data-pending]")).to_have_text("0")
        browser.close()
    assert errors == []

    with Session(field.engine) as session:
        actions = session.exec(
            select(RunnerAction)
            .where(RunnerAction.kind != "position")
            .order_by(col(RunnerAction.id))
        ).all()
        assert [(a.kind, a.order_id, a.amount_rp, a.status_code) for a in actions] == [
            ("picked_up", first.id, None, 200),
            ("delivered", first.id, 23_700, 200),
            ("failed", second.id, None, 200),
        ]
        assert len({a.key for a in actions}) == 3
        delivered = session.get(Order, first.id)
        failed = session.get(Order, second.id)
        assert delivered is not None
        assert failed is not None
        assert (delivered.status, delivered.collected_rp) == (OrderStatus.DELIVERED, 23_700)
        assert (failed.status, failed.failure_reason) == (OrderStatus.FAILED, "not_at_home")
        moves = session.exec(
            select(OrderStatusChange.order_id, OrderStatusChange.to_status)
            .where(col(OrderStatusChange.order_id).in_([first.id, second.id]))
            .where(col(OrderStatusChange.from_status) != col(OrderStatusChange.to_status))
            .order_by(col(OrderStatusChange.at))
        ).all()
        assert [tuple(m) for m in moves if m[1] is not OrderStatus.ASSIGNED] == [
            (first.id, OrderStatus.PICKED_UP),
            (first.id, OrderStatus.DELIVERED),
            (second.id, OrderStatus.FAILED),
        ]


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 140, 90)).save(out, "JPEG", quality=90)
    return out.getvalue()


def test_a_photo_taken_on_the_phone_shows_on_the_console_order_page(field: Field) -> None:
    """A small JPEG set on the stop's camera input goes with the delivery (scaled on the
    phone), is kept under the data folder and shows on the console's order page."""
    from playwright.sync_api import expect, sync_playwright

    runner, orders = _runner_with_stops(field, at_least=1)
    order = orders[0]
    link = runner_link_token(runner, field.day, field.settings)
    with sync_playwright() as p:
        browser, page, errors = _phone(p)
        page.goto(f"{field.base}/r/{link}", wait_until="load")
        card = page.locator(f"#stops [data-order-id='{order.id}']")
        card.locator("[data-action=picked-up]").click()
        expect(page.locator("[data-pending]")).to_have_text("0")
        page.wait_for_load_state("networkidle")  # the fresh route has come and been drawn
        card = page.locator(f"#stops [data-order-id='{order.id}']")
        expect(card.locator("input[name=photo]")).to_have_attribute("capture", "environment")
        card.locator("input[name=photo]").set_input_files(
            {"name": "bukti.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}
        )
        card.locator("input[name=recipient_name]").fill("Bu RT")
        page.on("dialog", lambda dialog: dialog.accept())
        card.locator("[data-action=delivered]").click()
        expect(page.locator("[data-pending]")).to_have_text("0")
        expect(page.locator(f"#done [data-order-id='{order.id}']")).to_contain_text("Bu RT")

        console = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
        desk = console.new_page()
        desk.goto(f"{field.base}/console/login")
        desk.fill("input[name=token]", field.token)
        desk.click("button[type=submit]")
        desk.wait_for_url(f"**/console/{MARKET}*")
        desk.goto(f"{field.base}/console/{MARKET}/orders/{order.id}")
        photo = desk.locator("#photos img")
        expect(photo).to_have_count(1)
        width = photo.evaluate("img => img.decode().then(() => img.naturalWidth)")
        assert width == 640
        expect(desk.locator("[data-collected]")).to_contain_text("Rp")
        expect(desk.locator("#details")).to_contain_text("Bu RT")
        browser.close()
    assert errors == []
    with Session(field.engine) as session:
        (kept,) = session.exec(select(DeliveryPhoto)).all()
        stored = field.settings.data_dir / kept.path  # type: ignore[operator]
        assert stored.stat().st_size == kept.size_bytes <= 200 * 1024


def test_an_action_refused_when_it_finally_arrives_shows_why_on_the_stop(field: Field) -> None:
    """Offline, the runner marks two stops picked up; meanwhile one is marked failed from
    another phone and the other is moved to another runner. When the signal returns both
    are refused: the failed stop says why on its card, the moved one on top of the list, in
    Bahasa."""
    from playwright.sync_api import expect, sync_playwright

    runner, orders = _runner_with_stops(field)
    failed, moved = orders[0], orders[1]
    link = runner_link_token(runner, field.day, field.settings)
    with sync_playwright() as p:
        browser, page, errors = _phone(p)
        page.goto(f"{field.base}/r/{link}", wait_until="load")
        _cut_signal(page, True)
        for order in (failed, moved):
            page.locator(f"#stops [data-order-id='{order.id}'] [data-action=picked-up]").click()
        expect(page.locator("[data-pending]")).to_have_text("2")

        with session_scope(field.engine) as session:
            mark_failed(session, failed.id, reason=FailureReason.NOT_AT_HOME, by="other phone")
            stop = session.exec(select(RouteStop).where(RouteStop.order_id == moved.id)).one()
            route = session.get(Route, stop.route_id)
            assert route is not None
            colleague = session.exec(
                select(Runner)
                .where(Runner.market_id == runner.market_id)
                .where(Runner.id != runner.id)
            ).first()
            assert colleague is not None
            other = session.exec(
                select(Route)
                .where(Route.run_id == route.run_id)
                .where(Route.runner_id == colleague.id)
            ).first() or Route(
                run_id=route.run_id,
                runner_id=colleague.id,
                market_id=route.market_id,
                service_date=route.service_date,
            )
            session.add(other)
            session.flush()
            stop.route_id, stop.sequence = other.id, 999  # last on the colleague's route
            session.add(stop)

        _cut_signal(page, False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        expect(page.locator("[data-pending]")).to_have_text("0")
        card = page.locator(f"[data-order-id='{failed.id}']")
        expect(card).to_have_attribute("data-status", "failed")
        expect(card.locator(".stop__refused")).to_contain_text("Ditolak server: Pesanan yang")
        expect(page.locator(f"[data-order-id='{moved.id}']")).to_have_count(0)
        note = page.locator(f"[data-refused-order='{moved.id}']")
        expect(note).to_contain_text("Ditolak server:")
        expect(note).to_contain_text("tidak ditemukan")
        browser.close()
    assert errors == []
    with Session(field.engine) as session:
        codes = [a.status_code for a in session.exec(select(RunnerAction)).all()]
    assert sorted(codes) == [404, 409]


def test_the_position_is_shared_only_after_consent_and_reaches_the_server(field: Field) -> None:
    """Nothing is reported until the runner taps "Bagikan lokasi"; then the phone's position
    goes through the queue like any action."""
    from playwright.sync_api import expect, sync_playwright

    runner, _ = _runner_with_stops(field, at_least=1)
    link = runner_link_token(runner, field.day, field.settings)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=PHONE_ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            locale="id-ID",
            geolocation={"latitude": -7.9666, "longitude": 112.6326},
            permissions=["geolocation"],
        )
        page = context.new_page()
        page.goto(f"{field.base}/r/{link}", wait_until="load")
        page.wait_for_timeout(500)
        with Session(field.engine) as session:
            assert session.exec(select(RunnerAction)).all() == []
        page.locator("[data-action=share-position]").click()
        expect(page.locator("[data-position]")).to_have_text("Lokasi dibagikan tiap 30 detik")
        expect(page.locator("[data-pending]")).to_have_text("0")
        page.wait_for_load_state("networkidle")
        browser.close()
    with Session(field.engine) as session:
        (action,) = session.exec(select(RunnerAction)).all()
        seen = session.get(Runner, runner.id)
    assert action.kind == "position"
    assert seen is not None
    assert (round(seen.last_lat or 0, 4), round(seen.last_lon or 0, 4)) == (-7.9666, 112.6326)
