"""Weight and speed of the runner's page in headless Chromium at 390x844.

    python -m bench.pages [--orders 45] [--paints 5]

Seeds a market, plans a morning, serves the app on loopback and opens the busiest runner's
page. Every other host is unreachable (Chromium's host resolver: tiles fail fast and are
counted, nothing is intercepted, so the service worker runs as on a phone). The server counts
what it sends (bytes on the wire as sent, compressed), so the service worker's own requests
are counted too.

- first open, empty cache: requests and bytes without tiles (target <= 150 KB), requests to
  other hosts than the app and the tiles (target 0);
- warm open (the link opened again) with the service worker and without it: the worker must
  add no request;
- first paint with Chromium's "Fast 3G" (562.5 ms latency, 1.6 Mbit/s down, 750 kbit/s up,
  each x0.9 as DevTools has it) and a 4x CPU slowdown, through the DevTools protocol
  (target <= 1 s), cold and warm, five times each on a fresh phone (the median counts);
- screenshots: the first screen, a trip's shopping list and a delivered stop
  (``bench/results/runner-*.png``).

Prints a table and writes ``bench/results/pages-<UTC time>.json``. Needs ``/usr/bin/chromium``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.main import create_app
from dispatch.auth import runner_link_token
from dispatch.db import make_engine, session_scope, upgrade
from dispatch.generate import MarketSpot, generate_orders
from dispatch.intake import import_orders
from dispatch.models import Market, Order, Payment, Runner
from dispatch.planning import dispatch
from dispatch.plans import runner_route
from dispatch.seed import seed
from dispatch.settings import Settings
from tests.serving import serving

RESULTS = Path(__file__).resolve().parent / "results"
WIB = ZoneInfo("Asia/Jakarta")
TILES = "https://tiles.invalid/{z}/{x}/{y}.png"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
#: DevTools' "Fast 3G" preset, bytes per second and milliseconds.
FAST_3G = {
    "offline": False,
    "latency": 562.5,
    "downloadThroughput": 1.6 * 1024 * 1024 / 8 * 0.9,
    "uploadThroughput": 750 * 1024 / 8 * 0.9,
}
CPU_SLOWDOWN = 4
PENDING_NONE = "() => document.querySelector('[data-pending]').textContent === '0'"
KB = 1024


@dataclass
class Wire:
    """ASGI middleware: what the server answered, path and bytes (head and body as sent)."""

    app: ASGIApp
    sent: list[tuple[str, int]] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        size = 0

        async def counting(message: Message) -> None:
            nonlocal size
            if message["type"] == "http.response.start":
                size += 20 + sum(len(k) + len(v) + 4 for k, v in message.get("headers", []))
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
                if not message.get("more_body", False):
                    self.sent.append((scope["path"], size))
            await send(message)

        await self.app(scope, receive, counting)

    def take(self) -> list[tuple[str, int]]:
        taken, self.sent = self.sent, []
        return taken


def _setup(folder: Path, orders: int) -> tuple[Settings, Any, str, int]:
    url = f"sqlite:///{folder / 'antar.db'}"
    settings = Settings(
        database_url=url, secret_key="bench-secret-key-0123456789", tiles_url=TILES, data_dir=folder
    )
    day = datetime.now(WIB).date() + timedelta(days=1)
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        seed(session, settings=settings)
    with session_scope(engine) as session:
        market = session.exec(select(Market).where(Market.code == "gadang")).one()
        spot = MarketSpot(market.code, market.lat, market.lon)
        rows = generate_orders([spot], orders, 1, day)
        import_orders(session, ((k + 2, r) for k, r in enumerate(rows)), service_date=day, tz=WIB)
    dispatch(engine, ["gadang"], day, settings, time_limit_s=1.0, workers=1)
    with session_scope(engine) as session:
        runners = session.exec(select(Runner).order_by(col(Runner.name))).all()
        plans = [(r, runner_route(session, r, day)) for r in runners]
        runner, stops = max(
            ((r, () if plan is None else plan.stops) for r, plan in plans), key=lambda x: len(x[1])
        )
        first = session.get(Order, stops[0].order_id)
        assert first is not None
        first.payment, first.amount_rp, first.delivery_fee_rp = Payment.COD, 18_700, 5_000
        session.add(first)
        link = runner_link_token(runner, day, settings)
    return settings, engine, link, len(stops)


def _kept(page: Any) -> None:
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function(
        """() => caches.open("antar-runner-v1").then((c) => c.keys())
             .then((keys) => keys.some((r) => r.url === location.href))"""
    )


def _paint(page: Any) -> dict[str, float]:
    entries = page.evaluate(
        "performance.getEntriesByType('paint').map((e) => [e.name, e.startTime])"
    )
    return {name: round(start) for name, start in entries}


def _throttled_open(context: Any, url: str) -> dict[str, float]:
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", FAST_3G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    page.goto(url, wait_until="load", timeout=60_000)
    painted = _paint(page)
    page.close()
    return painted


def _requests(sent: list[tuple[str, int]], link: str) -> list[dict[str, object]]:
    return [{"url": path.replace(link, "{link}"), "bytes": size} for path, size in sent]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__)
    parser.add_argument("--orders", type=int, default=45, help="orders at the market")
    parser.add_argument("--paints", type=int, default=5, help="throttled opens to time")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        settings, engine, link, stops = _setup(Path(folder), args.orders)
        wire = Wire(create_app(settings, engine))
        with serving(wire) as base, sync_playwright() as p:  # type: ignore[arg-type]
            url = f"{base}/r/{link}"
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            phone = {"viewport": {"width": 390, "height": 844}, "locale": "id-ID"}
            other_hosts: list[str] = []
            tiles: list[str] = []

            def watch(request: Any) -> None:
                if request.url.startswith(base):
                    return
                (tiles if request.url.startswith("https://tiles.invalid/") else other_hosts).append(
                    request.url
                )

            # first open, empty cache, with the service worker (as a phone would)
            context = browser.new_context(**phone, service_workers="allow")
            context.on("request", watch)
            page = context.new_page()
            page.goto(url, wait_until="networkidle")
            _kept(page)
            page.wait_for_timeout(500)
            page.screenshot(path=str(RESULTS / "runner-first-screen.png"))
            cold = wire.take()
            # warm open with the worker
            page.goto(url, wait_until="networkidle")
            page.wait_for_timeout(1500)
            warm_sw = wire.take()

            # screenshots: a trip's shopping list, a delivered stop
            trip = page.locator(".trip").first
            trip.scroll_into_view_if_needed()
            page.evaluate("document.querySelector('.trip').scrollIntoView({block: 'start'})")
            page.screenshot(path=str(RESULTS / "runner-shopping-list.png"))
            card = page.locator("#stops [data-order-id]").first
            order_id = card.get_attribute("data-order-id")
            card.locator("[data-action=picked-up]").click()
            page.wait_for_function(PENDING_NONE)
            page.wait_for_load_state("networkidle")
            card = page.locator(f"#stops [data-order-id='{order_id}']")
            card.locator("input[name=recipient_name]").fill("Bu Sri")
            card.locator("[data-action=delivered]").click()
            page.wait_for_function(PENDING_NONE)
            page.wait_for_load_state("networkidle")
            page.locator("#done summary").click()
            done = page.locator(f"#done [data-order-id='{order_id}']")
            done.locator("[data-toggle=cash]").click()
            page.evaluate(
                "(id) => document.querySelector(`#done [data-order-id='${id}']`)"
                ".scrollIntoView({block: 'center'})",
                order_id,
            )
            page.screenshot(path=str(RESULTS / "runner-delivered-stop.png"))
            wire.take()
            context.close()

            # the same opens without a service worker, for the warm comparison
            plain = browser.new_context(**phone, service_workers="block")
            plain_page = plain.new_page()
            plain_page.goto(url, wait_until="networkidle")
            wire.take()
            plain_page.goto(url, wait_until="networkidle")
            plain_page.wait_for_timeout(1500)
            warm_plain = wire.take()
            plain.close()

            # first paint, Fast 3G and 4x CPU: cold (empty cache) and warm (the worker's
            # copy), `args.paints` times each on a fresh phone (the median counts: the
            # machine is shared, one run is noisy)
            paints_cold: list[dict[str, float]] = []
            paints_warm: list[dict[str, float]] = []
            for _ in range(args.paints):
                slow = browser.new_context(**phone, service_workers="allow")
                paints_cold.append(_throttled_open(slow, url))
                keeper = slow.new_page()
                keeper.goto(url, wait_until="networkidle")
                _kept(keeper)
                keeper.close()
                paints_warm.append(_throttled_open(slow, url))
                slow.close()
                wire.take()
            browser.close()
        engine.dispose()

    cold_bytes = sum(size for _, size in cold)
    cold_ms = sorted(p.get("first-paint", -1) for p in paints_cold)
    warm_ms = sorted(p.get("first-paint", -1) for p in paints_warm)
    first_paint_cold = cold_ms[len(cold_ms) // 2]
    first_paint_warm = warm_ms[len(warm_ms) // 2]
    lines = [f"runner page with {stops} stops at 390x844", ""]
    lines += ["first open, empty cache (what the server sent):"]
    lines += [f"{size:>9,} B  {path.replace(link, '{link}')[:70]}" for path, size in cold]
    lines += [
        "",
        f"{'first open':<44}{len(cold):>4} requests {cold_bytes / KB:>7.1f} KB (target <= 150 KB)",
        f"{'tile requests (failed: no tile server)':<44}{len(tiles):>4}",
        f"{'requests to other hosts':<44}{len(other_hosts):>4} (target 0)",
        f"{'warm open, no service worker':<44}{len(warm_plain):>4} requests "
        f"{sum(s for _, s in warm_plain) / KB:>7.1f} KB",
        f"{'warm open, service worker':<44}{len(warm_sw):>4} requests "
        f"{sum(s for _, s in warm_sw) / KB:>7.1f} KB (target: no more than without)",
        f"{'first paint, Fast 3G + 4x CPU, cold':<44}{first_paint_cold:>7} ms median of "
        f"{len(cold_ms)} (all: {', '.join(str(int(v)) for v in cold_ms)}) (target <= 1000)",
        f"{'first paint, Fast 3G + 4x CPU, warm (SW)':<44}{first_paint_warm:>7} ms median of "
        f"{len(warm_ms)} (all: {', '.join(str(int(v)) for v in warm_ms)})",
    ]
    print("\n".join(lines))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"pages-{stamp}.json"
    result = {
        "stops": stops,
        "first_open": {"requests": _requests(cold, link), "total_bytes": cold_bytes},
        "tiles": len(tiles),
        "other_hosts": other_hosts,
        "warm_open_service_worker": _requests(warm_sw, link),
        "warm_open_plain": _requests(warm_plain, link),
        "first_paint_fast3g_cpu4_cold_ms": cold_ms,
        "first_paint_fast3g_cpu4_warm_ms": warm_ms,
        "first_paint_median_cold_ms": first_paint_cold,
        "first_paint_median_warm_ms": first_paint_warm,
        "screenshots": ["runner-first-screen.png", "runner-shopping-list.png",
                        "runner-delivered-stop.png"],
    }  # fmt: skip
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
