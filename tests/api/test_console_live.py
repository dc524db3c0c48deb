"""The console's live pages in headless Chromium against a real uvicorn server on loopback.

A coordinator opens its market's board; a runner then acts through the API (its signed
link), as from its phone: the order's row changes its ``data-status`` and the runner's
position its age, without a reload (the page's own marker survives). The stream itself is
checked too: it is the console's (a 303 to sign in without a session), and a reconnection
with ``Last-Event-ID`` gets what was missed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.main import create_app
from dispatch.auth import Role, create_token, runner_link_token
from dispatch.db import make_engine, upgrade
from dispatch.models import Market, Order, OrderStatus, Route, RouteStop, Runner
from dispatch.planning import dispatch
from dispatch.seed import seed
from dispatch.settings import Settings
from tests.api.factories import add_order
from tests.browser import CHROMIUM, CHROMIUM_ARGS, Watch
from tests.serving import free_port, serving

WIB = ZoneInfo("Asia/Jakarta")
MARKET = "bareng"


@dataclass(frozen=True)
class Board:
    base: str
    engine: Engine
    settings: Settings
    day: date
    token: str
    order: Order
    runner: Runner
    link: str


@pytest.fixture
def board(tmp_path: Path) -> Iterator[Board]:
    """A seeded database with one dispatched order, a coordinator's token, the runner's link,
    and the app on a real server."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    url = f"sqlite:///{tmp_path / 'antar.db'}"
    settings = Settings(
        database_url=url,
        secret_key="e2e-live-console-secret",
        public_base_url=base,
        tiles_url="https://tiles.invalid/{z}/{x}/{y}.png",
    )
    engine = make_engine(url)
    upgrade(engine)
    day = datetime.now(WIB).date() + timedelta(days=1)
    with Session(engine, expire_on_commit=False) as session:
        seed(session, settings=settings)
        token = create_token(session, role=Role.COORDINATOR, market_code=MARKET)
        session.commit()
        market = session.exec(select(Market).where(Market.code == MARKET)).one()
        order = add_order(
            session,
            market,
            "wa-live-1",
            day,
            customer_name="Bu Endah",
            lat=market.lat + 0.004,
            lon=market.lon - 0.003,
        )
    dispatch(engine, [MARKET], day, settings, time_limit_s=0.3, workers=1)
    with Session(engine, expire_on_commit=False) as session:
        runner = session.exec(
            select(Runner)
            .join(Route, Route.runner_id == Runner.id)  # type: ignore[arg-type]
            .join(RouteStop, RouteStop.route_id == Route.id)  # type: ignore[arg-type]
            .where(RouteStop.order_id == order.id)
        ).one()
        link = runner_link_token(runner, day, settings)
    try:
        with serving(create_app(settings, engine), port):
            yield Board(base, engine, settings, day, token, order, runner, link)
    finally:
        engine.dispose()


def _status(engine: Engine, order: Order) -> OrderStatus:
    with Session(engine) as session:
        stored = session.get(Order, order.id)
        assert stored is not None
        return stored.status


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_a_delivery_through_the_api_reaches_the_open_board_without_a_reload(
    board: Board,
) -> None:
    """Picked up, then delivered through the runner's API: the board's row and the runner's
    console page follow (data-status), the runner's position shows up, and the board was
    never reloaded."""
    from playwright.sync_api import expect, sync_playwright

    watch = Watch(board.base)
    api = f"{board.base}/api/v1/runner/{board.link}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
        context.set_default_timeout(15_000)
        watch.guard(context)
        page = watch.page(context)
        page.goto(f"{board.base}/console/{MARKET}?tanggal={board.day.isoformat()}")
        page.fill("input[name=token]", board.token)
        page.click("button[type=submit]")
        page.wait_for_url(f"**/console/{MARKET}?tanggal=*")
        row = page.locator(f'[data-order-id="{board.order.id}"]')
        expect(row).to_have_attribute("data-status", "assigned")
        expect(page.locator(f'[data-runner-id="{board.runner.id}"]')).to_be_visible()
        expect(page.locator("[data-live-state]")).to_have_attribute("data-state", "on")
        page.evaluate("window.__notReloaded = true")
        # The runner's page in the console, open beside the board.
        runner_page = watch.page(context)
        runner_page.goto(
            f"{board.base}/console/{MARKET}/runners/{board.runner.id}"
            f"?tanggal={board.day.isoformat()}"
        )
        stop = runner_page.locator(f'#stops [data-order-id="{board.order.id}"]')
        expect(stop).to_have_attribute("data-status", "assigned")
        expect(runner_page.locator("[data-live-state]")).to_have_attribute("data-state", "on")

        with httpx.Client(timeout=10) as client:
            picked = client.post(f"{api}/stops/{board.order.id}/picked-up", json={})
            assert picked.status_code == 200, picked.text
            expect(row).to_have_attribute("data-status", "picked_up")
            moved = client.post(
                f"{api}/position", json={"lat": board.order.lat, "lon": board.order.lon}
            )
            assert moved.status_code == 200, moved.text
            position = page.locator(f'[data-runner-id="{board.runner.id}"] [data-position]')
            expect(position).not_to_contain_text("belum pernah")
            delivered = client.post(
                f"{api}/stops/{board.order.id}/delivered", json={"collected_rp": 0}
            )
            assert delivered.status_code == 200, delivered.text
        expect(row).to_have_attribute("data-status", "delivered")
        expect(stop).to_have_attribute("data-status", "delivered")
        assert page.evaluate("window.__notReloaded === true")

        # On a phone the board is three tabs: the orders first, then the map, the runners.
        page.set_viewport_size({"width": 390, "height": 844})
        expect(page.locator("#pesanan")).to_be_visible()
        expect(page.locator("#peta")).to_be_hidden()
        page.click("[data-tab=peta]")
        expect(page.locator("#peta")).to_be_visible()
        expect(page.locator("#pesanan")).to_be_hidden()
        page.click("[data-tab=kurir]")
        expect(page.locator(f'[data-runner-id="{board.runner.id}"]')).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        browser.close()
    assert _status(board.engine, board.order) is OrderStatus.DELIVERED
    watch.assert_clean()


def _events(text: str) -> list[dict[str, str]]:
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if ": " in line and line[0] != ":"
        )
        if fields:
            events.append(fields)
    return events


def test_the_stream_is_the_consoles_and_replays_what_a_page_missed(board: Board) -> None:
    """Without a session the stream sends to sign in; with one, a reconnection that says the
    last id it saw gets the changes made since, each with its id, and nothing before."""
    with httpx.Client(base_url=board.base, timeout=10) as client:
        away = client.get(f"/console/{MARKET}/live")
        assert away.status_code == 303
        assert "/console/login" in away.headers["location"]
        form = client.get("/console/login")
        csrf = form.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        signed = client.post("/console/login", data={"csrf": csrf, "token": board.token})
        assert signed.status_code == 303
        page = client.get(f"/console/{MARKET}?tanggal={board.day.isoformat()}")
        after = page.text.split("/live?after=", 1)[1].split('"', 1)[0]
        # Missed while away: the order picked up.
        with Session(board.engine) as session:
            order = session.get(Order, board.order.id)
            assert order is not None
            order.status = OrderStatus.PICKED_UP
            session.add(order)
            session.commit()
        seen: list[dict[str, str]] = []
        with client.stream(
            "GET", f"/console/{MARKET}/live", headers={"Last-Event-ID": after}
        ) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            text = ""
            for chunk in stream.iter_text():
                text += chunk
                seen = [e for e in _events(text) if e.get("event") == "change"]
                if seen:
                    break
    change = json.loads(seen[0]["data"])
    assert change == {
        "market": MARKET,
        "kind": "order",
        "id": str(board.order.id),
        "status": "picked_up",
        "day": board.day.isoformat(),
    }
    assert int(seen[0]["id"]) > int(after)
