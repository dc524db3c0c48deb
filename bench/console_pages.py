"""The coordinator's board in headless Chromium: first paint, bytes, and how fast an update
reaches an open page; screenshots of the board, the overview and the report.

    python -m bench.console_pages [--orders 120] [--updates 10] [--repeat 5]

Seeds the six markets, generates a morning (``--orders`` at Gadang, 30 at each other
market), dispatches every market, has a few stops delivered (one paid short) and the
runners report their positions, then serves the app on loopback (a real uvicorn) and:

- opens Gadang's board at 1280x800 with an empty cache ``--repeat`` times: first paint
  (the browser's ``first-contentful-paint``) and the bytes on the wire from the app (tiles
  blocked, the live stream left out: it never ends). Budget: <= 1 s and <= 300 KB.
- with the board open, has runners act through the API (``--updates`` picked-up stops):
  the time from the action's response to the row's ``data-status`` changing in the page
  (a MutationObserver's clock; same machine). Budget: <= 2 s.
- saves screenshots: ``board-laptop.png`` (1280x800), ``board-phone-orders.png``,
  ``board-phone-map.png``, ``board-phone-runners.png`` (390x844), ``overview-laptop.png``,
  ``overview-phone.png``, ``overview-dispatch-confirm-laptop.png`` ("Dispatch semua" asks
  first: routes are out), ``overview-dispatching-laptop.png`` (the run under way),
  ``report-laptop.png``, ``report-phone.png``, ``tracking-on-the-way-phone.png`` (the
  customer's page) and ``order-tracking-link-laptop.png`` (the order's page in the console).

Prints a table; writes ``bench/results/console-pages-<UTC time>.json``. Needs
``/usr/bin/chromium``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import uvicorn
from sqlmodel import Session, col, select

from api.main import create_app
from dispatch.actions import mark_delivered, mark_picked_up
from dispatch.auth import Role, create_token, runner_link_token
from dispatch.db import make_engine, session_scope, upgrade
from dispatch.generate import MarketSpot, generate_orders
from dispatch.intake import import_orders
from dispatch.models import Market, Order, OrderStatus, Route, RouteStop, Runner
from dispatch.planning import dispatch
from dispatch.seed import seed
from dispatch.settings import Settings
from dispatch.whatsapp.tracking import tracking_token

RESULTS = Path(__file__).resolve().parent / "results"
WIB = ZoneInfo("Asia/Jakarta")
TILES = "https://tiles.invalid/{z}/{x}/{y}.png"
MARKET = "gadang"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: Records, in the page, when each order row's data-status last changed (epoch ms).
WATCH_JS = """
() => {
  window.__changed = {};
  new MutationObserver((records) => {
    for (const r of records) {
      for (const el of [r.target, ...r.addedNodes]) {
        if (el.nodeType !== 1) continue;
        const rows = el.matches && el.matches('[data-order-id]') ? [el]
          : Array.from(el.querySelectorAll ? el.querySelectorAll('[data-order-id]') : []);
        for (const row of rows) {
          const key = row.getAttribute('data-order-id') + ':' + row.getAttribute('data-status');
          if (!(key in window.__changed)) window.__changed[key] = Date.now();
        }
      }
    }
  }).observe(document.body, {subtree: true, childList: true, attributes: true,
                              attributeFilter: ['data-status']});
}
"""


def _prepare(engine: Any, settings: Settings, orders: int) -> tuple[str, Any]:
    """The seeded, dispatched morning; returns an operator token and the day."""
    day = datetime.now(WIB).date() + timedelta(days=1)
    with Session(engine) as session:
        seed(session, settings=settings)
        token = create_token(session, role=Role.OPERATOR, label="bench")
        session.commit()
    with session_scope(engine) as session:
        markets = session.exec(select(Market).order_by(col(Market.code))).all()
        for market in markets:
            spot = MarketSpot(market.code, market.lat, market.lon)
            rows = generate_orders([spot], orders if market.code == MARKET else 30, 1, day)
            import_orders(
                session, ((k + 2, r) for k, r in enumerate(rows)), service_date=day, tz=WIB
            )
    dispatch(engine, None, day, settings, time_limit_s=1.0, workers=1)
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        for runner in session.exec(select(Runner)).all():
            stops = session.exec(
                select(Order)
                .join(RouteStop, col(RouteStop.order_id) == col(Order.id))
                .join(Route, col(Route.id) == col(RouteStop.route_id))
                .where(Route.runner_id == runner.id)
                .order_by(col(RouteStop.sequence))
            ).all()
            for k, order in enumerate(stops[:2]):
                mark_picked_up(session, order.id, by="runner bench")
                paid = order.cod_rp - (5_000 if k == 1 and order.cod_rp else 0)
                mark_delivered(session, order.id, collected_rp=paid, by="runner bench")
            if len(stops) > 2:  # the next one on its way (the tracking page's map)
                mark_picked_up(session, stops[2].id, by="runner bench")
            if stops:
                runner.last_lat = (stops[0].lat or runner.market.lat) + 0.002
                runner.last_lon = (stops[0].lon or runner.market.lon) - 0.002
                runner.last_seen_at = now - timedelta(minutes=2)
                session.add(runner)
    return token, day


def _sign_in(page: Any, base: str, token: str, target: str) -> None:
    page.goto(f"{base}/console/login?next={target}")
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{target.split('?')[0]}*")


def _first_opens(browser: Any, base: str, token: str, path: str, repeat: int) -> list[dict]:
    """Each fresh open of ``path`` at 1280x800: first paint (ms) and bytes from the app."""
    out = []
    for _ in range(repeat):
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
        tiles: list[str] = []

        def route(route: Any, request: Any, tiles: list[str] = tiles) -> None:
            if request.url.startswith(base):
                route.continue_()
            else:
                tiles.append(request.url)
                route.abort()

        context.route("**/*", route)
        page = context.new_page()
        _sign_in(page, base, token, "/console/overview")
        finished: list[Any] = []
        page.on("requestfinished", lambda request, finished=finished: finished.append(request))
        page.goto(base + path, wait_until="load")
        page.wait_for_selector("[data-live-state][data-state=on]")
        paint = page.evaluate(
            "() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime"
        )
        nav = page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " return {ttfb: n.responseStart, html_end: n.responseEnd,"
            " dom_ready: n.domContentLoadedEventEnd, html_bytes: n.transferSize}; }"
        )
        own = 0
        for request in finished:
            sizes = request.sizes()
            own += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        out.append({"first_paint_ms": paint, "bytes": own, "requests": len(finished)} | nav)
        context.close()
    return out


def _updates(
    browser: Any, base: str, token: str, path: str, links: dict[uuid.UUID, str], n: int
) -> list[float]:
    """Seconds from each action's response to its row's new data-status in the open page."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="id-ID")
    context.route(
        "**/*",
        lambda route, request: route.continue_() if request.url.startswith(base) else route.abort(),
    )
    page = context.new_page()
    _sign_in(page, base, token, "/console/overview")
    page.goto(base + path, wait_until="load")
    page.wait_for_selector("[data-live-state][data-state=on]")
    page.evaluate(WATCH_JS)
    delays = []
    with httpx.Client(timeout=10) as client:
        for order_id, link in list(links.items())[:n]:
            answer = client.post(f"{base}/api/v1/runner/{link}/stops/{order_id}/picked-up", json={})
            answered = time.time() * 1000
            answer.raise_for_status()
            key = f"{order_id}:picked_up"
            page.wait_for_function(f"() => '{key}' in window.__changed", timeout=10_000)
            delays.append((page.evaluate(f"() => window.__changed['{key}']") - answered) / 1000)
            time.sleep(0.3)
    context.close()
    return delays


def _screenshots(
    browser: Any, base: str, token: str, day: Any, engine: Any, settings: Settings
) -> list[str]:
    saved = []
    tanggal = day.isoformat()
    shots = [
        ("board-laptop.png", (1280, 800), f"/console/{MARKET}?tanggal={tanggal}", None),
        ("board-phone-orders.png", (390, 844), f"/console/{MARKET}?tanggal={tanggal}", None),
        ("board-phone-map.png", (390, 844), f"/console/{MARKET}?tanggal={tanggal}", "peta"),
        ("board-phone-runners.png", (390, 844), f"/console/{MARKET}?tanggal={tanggal}", "kurir"),
        ("overview-laptop.png", (1280, 800), f"/console/overview?tanggal={tanggal}", None),
        ("overview-phone.png", (390, 844), f"/console/overview?tanggal={tanggal}", None),
        ("report-laptop.png", (1280, 800), f"/console/{MARKET}/report?tanggal={tanggal}", None),
        ("report-phone.png", (390, 844), f"/console/{MARKET}/report?tanggal={tanggal}", None),
    ]
    with Session(engine) as session:
        on_way = session.exec(
            select(Order)
            .join(Market, col(Market.id) == col(Order.market_id))
            .where(Market.code == MARKET)
            .where(Order.status == OrderStatus.PICKED_UP)
        ).first()
    if on_way is not None:
        token_path = "/t/" + tracking_token(on_way.id, on_way.service_date, settings)
        order_path = f"/console/{MARKET}/orders/{on_way.id}"
        # First: "Dispatch semua" below plans the day again.
        shots[:0] = [
            ("tracking-on-the-way-phone.png", (390, 844), token_path, None),
            ("order-tracking-link-laptop.png", (1280, 800), order_path, None),
        ]
    for name, (width, height), path, tab in shots:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="id-ID")
        context.route(
            "**/*",
            lambda route, request: (
                route.continue_() if request.url.startswith(base) else route.abort()
            ),
        )
        page = context.new_page()
        _sign_in(page, base, token, "/console/overview")
        page.goto(base + path, wait_until="load")
        if tab:
            page.click(f"[data-tab={tab}]")
            page.wait_for_timeout(300)
        page.screenshot(path=str(RESULTS / name))
        saved.append(name)
        if name == "overview-laptop.png":  # then "Dispatch semua", caught while under way
            page.fill("#dispatch-all input[name=time_limit_s]", "1")
            page.click("#dispatch-all button[type=submit]")
            # The routes are out with the runners: the operator confirms first.
            page.wait_for_load_state("load")
            page.screenshot(path=str(RESULTS / "overview-dispatch-confirm-laptop.png"))
            saved.append("overview-dispatch-confirm-laptop.png")
            page.click("form[action='/console/overview/dispatch'] button[type=submit]")
            page.wait_for_selector("[data-progress]", timeout=60_000)
            page.wait_for_timeout(1500)
            page.screenshot(path=str(RESULTS / "overview-dispatching-laptop.png"))
            saved.append("overview-dispatching-laptop.png")
            page.wait_for_selector("#city-run .run__status--done", timeout=300_000)
            page.screenshot(path=str(RESULTS / "overview-dispatched-laptop.png"))
            saved.append("overview-dispatched-laptop.png")
        context.close()
    return saved


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.console_pages", description=__doc__)
    parser.add_argument("--orders", type=int, default=120, help="orders at Gadang")
    parser.add_argument("--updates", type=int, default=10, help="actions timed")
    parser.add_argument("--repeat", type=int, default=5, help="fresh opens timed")
    parser.add_argument("--no-screenshots", action="store_true", help="figures only")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from tests.serving import free_port

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'antar.db'}"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        settings = Settings(
            database_url=url,
            secret_key="bench-secret-key-0123456789",
            tiles_url=TILES,
            public_base_url=base,
        )
        engine = make_engine(url)
        upgrade(engine)
        token, day = _prepare(engine, settings, args.orders)
        with Session(engine) as session:
            market = session.exec(select(Market).where(Market.code == MARKET)).one()
            on_page = session.exec(
                select(Order).where(Order.market_id == market.id).where(Order.service_date == day)
            ).all()
            open_stops = session.exec(
                select(Order.id, Runner)
                .join(RouteStop, col(RouteStop.order_id) == col(Order.id))
                .join(Route, col(Route.id) == col(RouteStop.route_id))
                .join(Runner, col(Runner.id) == col(Route.runner_id))
                .where(Order.market_id == market.id)
                .where(Order.status == OrderStatus.ASSIGNED)
            ).all()
            links = {oid: runner_link_token(r, day, settings) for oid, r in open_stops}
        app = create_app(settings, engine)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        path = f"/console/{MARKET}?tanggal={day.isoformat()}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            opens = _first_opens(browser, base, token, path, args.repeat)
            delays = _updates(browser, base, token, path, links, args.updates)
            shots = (
                []
                if args.no_screenshots
                else _screenshots(browser, base, token, day, engine, settings)
            )
            browser.close()
        server.should_exit = True
        thread.join(timeout=30)
        engine.dispose()
    load = os.getloadavg()  # the machine is shared: figures rise with its load
    paints = [o["first_paint_ms"] for o in opens]
    sizes = [o["bytes"] for o in opens]
    lines = [
        f"console board, {MARKET}, {len(on_page)} orders on the page, 1280x800, empty cache",
        "",
        f"server answer    median {statistics.median(o['ttfb'] for o in opens):7.0f} ms"
        f"   html {statistics.median(o['html_bytes'] for o in opens) / 1024:.1f} KB",
        f"first paint      median {statistics.median(paints):7.0f} ms   max {max(paints):7.0f} ms"
        "   (budget <= 1000 ms)",
        f"bytes from app   median {statistics.median(sizes) / 1024:7.1f} KB   max "
        f"{max(sizes) / 1024:7.1f} KB   (budget <= 300 KB, tiles blocked, live stream apart)",
        f"update reaches   median {statistics.median(delays):7.2f} s    max {max(delays):7.2f} s"
        f"    (budget <= 2 s, {len(delays)} actions)",
        "",
        f"load average at the end: {load[0]:.1f} (1 min), {load[1]:.1f} (5 min) on "
        f"{os.cpu_count()} cores",
        "screenshots: " + ", ".join(shots),
    ]
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"console-pages-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "market": MARKET,
                "orders_on_page": len(on_page),
                "opens": opens,
                "update_delays_s": delays,
                "screenshots": shots,
                "load_average": load,
                "cpus": os.cpu_count(),
            },
            indent=2,
        )
        + "\n"
    )
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
