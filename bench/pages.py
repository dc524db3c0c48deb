"""Weight of the runner's page: bytes and requests on its first open, in headless Chromium.

    python -m bench.pages [--stops 15]

Seeds a market, plans a morning, serves the app on loopback and opens one runner's page at
390x844 with an empty cache, every other host blocked. Counts the requests and the bytes on
the wire (compressed sizes as sent), tiles apart. Target: <= 150 KB without tiles and no
request to another host except tiles. Prints a table and writes
``bench/results/pages-<UTC time>.json``. Needs ``/usr/bin/chromium``.
"""

from __future__ import annotations

import argparse
import json
import socket
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import uvicorn
from sqlmodel import Session, col, select

from api.main import create_app
from dispatch.auth import runner_link_token
from dispatch.db import make_engine, session_scope, upgrade
from dispatch.generate import MarketSpot, generate_orders
from dispatch.intake import import_orders
from dispatch.models import Market, Runner
from dispatch.planning import dispatch
from dispatch.plans import runner_route
from dispatch.seed import seed
from dispatch.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
WIB = ZoneInfo("Asia/Jakarta")
TILES = "https://tiles.invalid/{z}/{x}/{y}.png"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__)
    parser.add_argument("--orders", type=int, default=45, help="orders at the market")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'antar.db'}"
        settings = Settings(
            database_url=url, secret_key="bench-secret-key-0123456789", tiles_url=TILES
        )
        day = datetime.now(WIB).date() + timedelta(days=1)
        engine = make_engine(url)
        upgrade(engine)
        with Session(engine) as session:
            seed(session, settings=settings)
        with session_scope(engine) as session:
            market = session.exec(select(Market).where(Market.code == "gadang")).one()
            spot = MarketSpot(market.code, market.lat, market.lon)
            rows = generate_orders([spot], args.orders, 1, day)
            import_orders(
                session, ((k + 2, r) for k, r in enumerate(rows)), service_date=day, tz=WIB
            )
        dispatch(engine, ["gadang"], day, settings, time_limit_s=1.0, workers=1)
        with Session(engine) as session:
            runners = session.exec(select(Runner).order_by(col(Runner.name))).all()
            runner, stops = max(
                ((r, len(getattr(runner_route(session, r, day), "stops", ()))) for r in runners),
                key=lambda x: x[1],
            )
            link = runner_link_token(runner, day, settings)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        app = create_app(settings, engine)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        own: list[dict[str, object]] = []
        tiles: list[str] = []
        other: list[str] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            context = browser.new_context(viewport={"width": 390, "height": 844})

            def route(route, request) -> None:  # type: ignore[no-untyped-def]
                if request.url.startswith(base):
                    route.continue_()
                else:
                    (tiles if request.url.startswith("https://tiles.invalid/") else other).append(
                        request.url
                    )
                    route.abort()

            context.route("**/*", route)
            page = context.new_page()
            finished: list[object] = []
            page.on("requestfinished", lambda request: finished.append(request))
            page.goto(f"{base}/r/{link}", wait_until="networkidle")
            page.screenshot(path=str(RESULTS / "runner-page-390x844.png"))
            for request in finished:
                sizes = request.sizes()  # type: ignore[attr-defined]
                own.append(
                    {
                        "url": request.url.removeprefix(base),  # type: ignore[attr-defined]
                        "bytes": sizes["responseBodySize"] + sizes["responseHeadersSize"],
                    }
                )
            browser.close()
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
    total = sum(int(r["bytes"]) for r in own)  # type: ignore[call-overload]
    lines = [f"runner page with {stops} stops, first open, empty cache", ""]
    lines += [f"{r['bytes']:>9,} B  {r['url'][:70]}" for r in own]
    lines += [
        "",
        f"{len(own)} requests to the app, {total:,} bytes ({total / 1024:.1f} KB)"
        " (target <= 150 KB)",
        f"{len(tiles)} tile requests (blocked), {len(other)} requests to other hosts (target 0)",
    ]
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"pages-{stamp}.json"
    out.write_text(
        json.dumps(
            {"stops": stops, "requests": own, "total_bytes": total, "tiles": len(tiles),
             "other_hosts": other},
            indent=2,
        )
        + "\n"
    )  # fmt: skip
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
