"""The runner's page in headless Chromium against a real server on loopback.

Skipped where ``/usr/bin/chromium`` is absent (CI installs Debian's ``chromium``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.main import create_app
from dispatch.auth import runner_link_token
from dispatch.db import make_engine, session_scope, upgrade
from dispatch.generate import MarketSpot, generate_orders
from dispatch.intake import import_orders
from dispatch.models import Market, Order, OrderStatus, Runner
from dispatch.planning import dispatch
from dispatch.plans import runner_route
from dispatch.seed import seed
from dispatch.settings import Settings
from tests.browser import CHROMIUM, CHROMIUM_ARGS, Watch
from tests.serving import serving

WIB = ZoneInfo("Asia/Jakarta")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")


@dataclass(frozen=True)
class LiveServer:
    base: str
    engine: Engine
    settings: Settings
    day: date


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    """A seeded, dispatched market on a real uvicorn server (tomorrow's morning, WIB)."""
    url = f"sqlite:///{tmp_path / 'antar.db'}"
    settings = Settings(
        database_url=url,
        secret_key="e2e-secret-0123456789",
        tiles_url="https://tiles.invalid/{z}/{x}/{y}.png",
    )
    day = datetime.now(WIB).date() + timedelta(days=1)
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        seed(session, settings=settings)
    with session_scope(engine) as session:
        market = session.exec(select(Market).where(Market.code == "tawangmangu")).one()
        rows = generate_orders([MarketSpot(market.code, market.lat, market.lon)], 12, 4, day)
        import_orders(session, ((k + 2, r) for k, r in enumerate(rows)), service_date=day, tz=WIB)
    dispatch(engine, ["tawangmangu"], day, settings, time_limit_s=0.3, workers=1)
    try:
        with serving(create_app(settings, engine)) as base:
            yield LiveServer(base, engine, settings, day)
    finally:
        engine.dispose()


def _runner_with_stops(live: LiveServer) -> tuple[Runner, list[Order]]:
    with Session(live.engine) as session:
        for runner in session.exec(select(Runner).order_by(col(Runner.name))).all():
            route = runner_route(session, runner, live.day)
            if route is not None and route.stops:
                orders = [session.get(Order, s.order_id) for s in route.stops]
                return runner, [o for o in orders if o is not None]
    raise AssertionError("nobody has stops")


def _status(live: LiveServer, order: Order) -> Order:
    with Session(live.engine) as session:
        stored = session.get(Order, order.id)
        assert stored is not None
        return stored


def test_runner_page_works_on_a_phone_with_other_hosts_blocked(
    live: LiveServer, tmp_path: Path
) -> None:
    """Markers and the stop cards render at 390x844, next stop first with one primary action,
    no console errors, buttons change the DB; a delivered stop folds into the done list with
    the amount collected."""
    from playwright.sync_api import expect, sync_playwright

    runner, orders = _runner_with_stops(live)
    link = runner_link_token(runner, live.day, live.settings)
    watch = Watch(live.base)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
        watch.guard(context)
        page = watch.page(context)
        page.goto(f"{live.base}/r/{link}", wait_until="load")
        assert page.locator(".antar-stop").count() == len(orders)
        assert page.locator("#stops [data-order-id]").count() == len(orders)
        assert page.locator(".stop--next").count() == 1
        first = page.locator("#stops [data-order-id]").first
        assert first.get_attribute("data-order-id") == str(orders[0].id)
        assert "Tagih Rp" in first.inner_text() or "Lunas" in first.inner_text()
        # one primary action per card: "Sudah dibeli" before pickup, nothing else showing
        assert first.locator("[data-action]:visible").count() == 1
        assert first.locator("[data-action=picked-up]").is_visible()
        assert page.locator("[data-action=trip-bought]").count() >= 1
        page.screenshot(path=str(tmp_path / "runner-390x844.png"), full_page=True)

        first.locator("[data-action=picked-up]").click()
        expect(page.locator("[data-pending]")).to_have_text("0")
        # "0" may show before the tap is queued: the server's answer is what counts
        for _ in range(300):
            if _status(live, orders[0]).status is OrderStatus.PICKED_UP:
                break
            page.wait_for_timeout(100)
        assert _status(live, orders[0]).status is OrderStatus.PICKED_UP

        first = page.locator(f"#stops [data-order-id='{orders[0].id}']")
        expected = _status(live, orders[0]).cod_rp
        asked: list[str] = []

        def answer(dialog: Any) -> None:
            asked.append(dialog.message)
            dialog.dismiss() if len(asked) == 1 else dialog.accept()

        page.on("dialog", answer)
        # ten times the amount: the runner is asked, says no, and nothing is sent
        first.locator("input[name=cash_rp]").fill(str(max(expected, 10_000) * 10))
        first.locator("[data-action=delivered]").click()
        assert len(asked) == 1
        assert "Sudah benar?" in asked[0]
        assert _status(live, orders[0]).status is OrderStatus.PICKED_UP
        first.locator("input[name=cash_rp]").fill("42000")
        first.locator("[data-action=delivered]").click()
        expect(page.locator("[data-pending]")).to_have_text("0")
        delivered = _status(live, orders[0])
        assert delivered.status is OrderStatus.DELIVERED
        assert delivered.collected_rp == 42000
        done = page.locator(f"#done [data-order-id='{orders[0].id}']")
        expect(done).to_have_attribute("data-status", "delivered")
        expect(done.locator("[data-collected]")).to_have_text("Diterima Rp 42.000")
        browser.close()
    watch.assert_clean()


def test_a_tampered_or_expired_link_gets_a_page_that_says_so(live: LiveServer) -> None:
    """A broken link answers 404 and an expired one 410, each with a message in Indonesian."""
    runner, _ = _runner_with_stops(live)
    link = runner_link_token(runner, live.day, live.settings)
    tampered = ("A" if link[3] != "A" else "B").join([link[:3], link[4:]])
    bad = httpx.get(f"{live.base}/r/{tampered}")
    assert bad.status_code == 404
    assert "Tautan" in bad.text
    old = runner_link_token(runner, live.day - timedelta(days=2), live.settings)
    expired = httpx.get(f"{live.base}/r/{old}")
    assert expired.status_code == 410
    assert "kedaluwarsa" in expired.text
