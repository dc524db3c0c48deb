"""The coordinator's console in headless Chromium against a real uvicorn server on loopback.

A coordinator signs in, takes an order by phone, runs dispatch and follows the result to the
runner's own page, then moves the order to another runner and follows it to that runner's.
Every other host is blocked (tiles fail, as they may on a market's network). Skipped where
``/usr/bin/chromium`` is absent (CI installs Debian's ``chromium``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.main import create_app
from dispatch.auth import Role, create_token
from dispatch.db import make_engine, upgrade
from dispatch.models import Market, Order, OrderStatus
from dispatch.seed import seed
from dispatch.settings import Settings
from tests.browser import CHROMIUM, CHROMIUM_ARGS, Watch
from tests.serving import free_port, serving

WIB = ZoneInfo("Asia/Jakarta")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
MARKET = "tawangmangu"
CUSTOMER = "Ibu Sri Rejeki"


@dataclass(frozen=True)
class LiveConsole:
    base: str
    engine: Engine
    day: date
    token: str
    market: Market


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveConsole]:
    """A seeded database, a coordinator's token and the app on a real server."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    url = f"sqlite:///{tmp_path / 'antar.db'}"
    settings = Settings(
        database_url=url,
        secret_key="e2e-console-secret",
        public_base_url=base,
        tiles_url="https://tiles.invalid/{z}/{x}/{y}.png",
    )
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        seed(session, settings=settings)
        token = create_token(session, role=Role.COORDINATOR, market_code=MARKET)
        session.commit()
        market = session.exec(select(Market).where(Market.code == MARKET)).one()
    try:
        with serving(create_app(settings, engine), port):
            day = datetime.now(WIB).date() + timedelta(days=1)
            yield LiveConsole(base, engine, day, token, market)
    finally:
        engine.dispose()


def test_a_coordinator_takes_an_order_dispatches_it_and_sends_the_route(
    live: LiveConsole, tmp_path: Path
) -> None:
    """Sign in, enter an order, run dispatch, see its route; the runner's link shows the
    order; move it to another runner, whose link then shows it. Laptop and phone screenshots,
    no console errors, nothing from other hosts."""
    from playwright.sync_api import expect, sync_playwright

    watch = Watch(live.base)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
        context.set_default_timeout(15_000)
        watch.guard(context)
        page = watch.page(context)

        # Sign in: the console opens on the coordinator's own market.
        page.goto(f"{live.base}/console/{MARKET}?tanggal={live.day.isoformat()}")
        assert "/console/login" in page.url
        page.fill("input[name=token]", live.token)
        page.click("button[type=submit]")
        page.wait_for_url(f"**/console/{MARKET}?tanggal=*")
        expect(page.locator("h1")).to_have_text(live.market.name)

        # An order taken by phone.
        page.click("text=Pesanan baru")
        page.fill("input[name=customer_name]", CUSTOMER)
        page.fill("input[name=phone]", "0812 3300 4400")
        page.fill("textarea[name=address]", "Jl. Bunga Kumis Kucing 5")
        page.fill("input[name=lat]", f"{live.market.lat + 0.004:.5f}")
        page.fill("input[name=lon]", f"{live.market.lon - 0.003:.5f}")
        page.fill("textarea[name=items]", "beras 5 kg; telur 1 kg")
        page.fill("input[name=weight_kg]", "6")
        page.fill("input[name=amount_rp]", "95.000")
        page.fill("input[name=delivery_fee_rp]", "5000")
        page.click("form.grid button[type=submit]")
        expect(page.locator(".flash")).to_have_text("Pesanan tercatat.")
        expect(page.locator("li.order")).to_have_count(1)
        expect(page.locator("li.order .order__name")).to_have_text(CUSTOMER)
        page.screenshot(path=str(tmp_path / "console-market-1280x800.png"), full_page=True)

        # Dispatch as a job: the run page polls until the result is there.
        page.fill("input[name=time_limit_s]", "0.5")
        page.click("text=Jalankan dispatch")
        page.wait_for_url("**/dispatch/*")
        expect(page.locator("#result-routes")).to_be_visible(timeout=30_000)
        expect(page.locator("[data-run-label]")).to_have_text("Selesai")
        route = page.locator("#result-routes .route")
        expect(route).to_have_count(1)
        expect(route).to_contain_text(CUSTOMER)
        page.screenshot(path=str(tmp_path / "console-run-1280x800.png"), full_page=True)

        # The runner's page in the console, then the link it is sent.
        route.locator("h3 a").click()
        page.wait_for_url("**/runners/*")
        expect(page.locator("#stops")).to_contain_text(CUSTOMER)
        expect(page.locator("#cash")).to_contain_text("Rp 100.000")
        share = page.locator("#link a.button").get_attribute("href") or ""
        assert share.startswith("https://wa.me/62")
        link = page.locator("input.copy").input_value()
        assert link.startswith(f"{live.base}/r/")

        runner_page = watch.page(context)
        runner_page.goto(link)
        expect(runner_page.locator("#stops [data-order-id]")).to_have_count(1)
        expect(runner_page.locator("#stops [data-order-id] h3")).to_have_text(CUSTOMER)
        runner_page.close()
        first_runner = page.locator("h1").inner_text().strip().removeprefix("Rute ")

        # Re-planning: the coordinator moves the order to another runner; the move lands on
        # the re-plan's result, and the new runner's own link now shows the order.
        page.goto(f"{live.base}/console/{MARKET}?tanggal={live.day.isoformat()}")
        row = page.locator("li.order")
        row.locator("details.more > summary").click()  # the row's actions open on demand
        choice = row.locator("select[name=runner_id] option").first
        target, target_id = choice.inner_text().strip(), choice.get_attribute("value") or ""
        assert target
        assert target != first_runner
        row.locator("select[name=runner_id]").select_option(target_id)
        row.locator("form.move input[name=time_limit_s]").evaluate("e => { e.value = '0.5'; }")
        row.locator("form.move button").click()
        page.wait_for_url("**/dispatch/*")
        summary = page.locator("#replan-summary")
        expect(summary).to_contain_text("1 pesanan pindah kurir, 0 tidak terjadwal.")
        expect(summary.locator(".moved-list li")).to_have_text(
            f"{CUSTOMER}: {first_runner} → {target}"
        )
        moved_route = page.locator("#result-routes .route")
        expect(moved_route).to_have_count(1)
        expect(moved_route.locator("h3")).to_have_text(target)
        page.screenshot(path=str(tmp_path / "console-replan-1280x800.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(tmp_path / "console-replan-390x844.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 800})

        moved_route.locator("h3 a").click()
        page.wait_for_url("**/runners/*")
        new_link = page.locator("input.copy").input_value()
        assert new_link.startswith(f"{live.base}/r/")
        assert new_link != link
        phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
        watch.guard(phone)
        runner_page = watch.page(phone)
        runner_page.goto(new_link)
        expect(runner_page.locator("#stops [data-order-id]")).to_have_count(1)
        expect(runner_page.locator("#stops [data-order-id] h3")).to_have_text(CUSTOMER)
        runner_page.screenshot(path=str(tmp_path / "runner-after-move-390x844.png"), full_page=True)
        runner_page.goto(link)  # the first runner's route no longer has it
        expect(runner_page.locator("#stops [data-order-id]")).to_have_count(0)
        phone.close()

        # The order's own page tells who moved it, and when.
        page.goto(f"{live.base}/console/{MARKET}?tanggal={live.day.isoformat()}")
        page.locator("li.order details.more > summary").click()
        page.locator("li.order a", has_text="Riwayat").click()
        history = page.locator("#history")
        expect(history).to_contain_text(f"Dipindahkan ke kurir: {target}")
        expect(history).to_contain_text("Koordinator")
        expect(page.locator("#replan")).to_contain_text(f"Disematkan ke {target}")
        page.screenshot(path=str(tmp_path / "console-order-1280x800.png"), full_page=True)

        # The same market page on a phone: one column, nothing wider than the screen.
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{live.base}/console/{MARKET}?tanggal={live.day.isoformat()}")
        expect(page.locator("li.order .order__name")).to_have_text(CUSTOMER)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(tmp_path / "console-market-390x844.png"), full_page=True)
        browser.close()

    with Session(live.engine) as session:
        order = session.exec(select(Order)).one()
        assert order.status is OrderStatus.ASSIGNED
    watch.assert_clean()
    for name in (
        "console-market-1280x800",
        "console-run-1280x800",
        "console-market-390x844",
        "console-replan-1280x800",
        "console-replan-390x844",
        "runner-after-move-390x844",
        "console-order-1280x800",
    ):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000
