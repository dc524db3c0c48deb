"""Screenshots of the console's sellers pages (the list, one market's sellers, the edit form,
an import's result with refused rows) at laptop and phone sizes, and of a runner's page with
a pickup card at a seller (phone), in headless Chromium.

    python -m bench.seller_pages

Seeds the six markets (and their generated example sellers), imports
``tests/data/city/sellers.csv`` (verified), suspends one seller and adds one pending,
generates tomorrow's sawojajar morning with 40 % seller orders and dispatches it, serves the
application on loopback, signs in as an operator and saves PNGs as
``bench/results/sellers-<page>-<laptop|phone>.png`` (1280x800 and 390x844, full page) and
``bench/results/sellers-runner-pickup-phone.png``. Needs ``/usr/bin/chromium``; only the
server on loopback is reached.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.main import create_app
from dispatch.auth import Role, create_token, runner_link_token
from dispatch.db import make_engine, session_scope, upgrade
from dispatch.generate import MarketSpot, SellerSpot, generate_orders
from dispatch.intake import import_orders
from dispatch.models import Market, Runner, SellerVerification
from dispatch.planning import dispatch
from dispatch.plans import market_plan
from dispatch.seed import seed
from dispatch.sellers import import_seller_file, known_seller, list_sellers, update_seller
from dispatch.settings import Settings
from tests.browser import CHROMIUM, CHROMIUM_ARGS, Watch
from tests.serving import serving

RESULTS = Path(__file__).resolve().parent / "results"
CITY = Path(__file__).resolve().parents[1] / "tests" / "data" / "city"
SIZES = {"laptop": (1280, 800), "phone": (390, 844)}
HEADER = "code,name,cluster,category,phone,address,lat,lon,nib,market,opens,closes\n"


def _dispatched_morning(engine: Engine, settings: Settings) -> tuple[str, str]:
    """Tomorrow's sawojajar morning, 40 % seller orders, dispatched: a runner with a pickup
    at a seller and its link."""
    day = datetime.now(ZoneInfo(settings.timezone)).date() + timedelta(days=1)
    with session_scope(engine) as session:
        market = session.exec(select(Market).where(Market.code == "sawojajar")).one()
        own = [
            SellerSpot(seller.code, seller.category.value)
            for seller, _ in list_sellers(
                session, market_id=market.id, verification=SellerVerification.VERIFIED
            )
        ]
        rows = generate_orders(
            [MarketSpot(market.code, market.lat, market.lon)],
            12,
            5,
            day,
            sellers={"sawojajar": own},
            seller_share=0.4,
        )
        import_orders(
            session, enumerate(rows, start=2), service_date=day, tz=ZoneInfo(settings.timezone)
        )
    dispatch(engine, ["sawojajar"], day, settings, time_limit_s=1.0, workers=1)
    with Session(engine) as session:
        market = session.exec(select(Market).where(Market.code == "sawojajar")).one()
        plan = market_plan(session, market, day)
        route = next(r for r in plan.routes if r.pickups)
        runner = session.get(Runner, route.runner_id)
        assert runner is not None
        return runner.name, runner_link_token(runner, day, settings)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.seller_pages", description=__doc__)
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the PNGs")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'antar.db'}"
        settings = Settings(
            database_url=url, secret_key="bench-seller-pages", tiles_url="https://tiles.invalid/"
        )
        engine = make_engine(url)
        upgrade(engine)
        with Session(engine) as session:
            seed(session, settings=settings)
        with session_scope(engine) as session:
            import_seller_file(session, CITY / "sellers.csv", verified=True)
            update_seller(
                session, known_seller(session, "kaos-polehan"), {"verification": "suspended"}
            )
            import_seller_file(
                session,
                HEADER + "kue-lumpur,Kue Lumpur Bu Endang,kuliner,makanan-minuman,"
                '0813-1111-2222,"Jl. Ki Ageng Gribig 5, Kel. Lesanpuro",-7.992491,112.664991,'
                ",,06:00,13:00\n",
            )
            token = create_token(session, role=Role.OPERATOR, label="bench")
        runner, link = _dispatched_morning(engine, settings)
        bad = (
            HEADER
            + "sari-apel,Sari Apel Bu Tin,kuliner,makanan-minuman,0813-3300-3001,"
            + "Jl. Danau Toba 3,-7.9712,112.6655,,sawojajar,07:00,16:00\n"
            + "batu,Keripik Batu,kuliner,makanan-minuman,0813-3300-2001,Jl. Batu,-7.8671,"
            + "112.5239,,,,\n"
            + "kaos,Kaos,umkm,elektronik,12,Jl. Kawi,-7.97,112.62,123,nowhere,09:00,08:00\n"
        )
        upload = Path(folder) / "penjual-baru.csv"
        upload.write_text(bad, encoding="utf-8")
        saved = []
        with serving(create_app(settings, engine)) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for size, (width, height) in SIZES.items():
                watch = Watch(base)
                context = watch.guard(
                    browser.new_context(viewport={"width": width, "height": height}, locale="id-ID")
                )
                page = watch.page(context)
                page.goto(f"{base}/console/login")
                page.fill("input[name=token]", token)
                page.click("button[type=submit]")
                shots = {
                    "list": "/console/sellers",
                    "sawojajar": "/console/sellers?pasar=sawojajar",
                    "form": "/console/sellers/kue-lumpur/edit",
                }
                for name, path in shots.items():
                    page.goto(base + path)
                    target = args.out / f"sellers-{name}-{size}.png"
                    page.screenshot(path=str(target), full_page=True)
                    saved.append(target)
                page.goto(f"{base}/console/sellers")
                page.set_input_files(
                    "form[action='/console/sellers/import'] input[type=file]", upload
                )
                page.click("form[action='/console/sellers/import'] button[type=submit]")
                page.wait_for_selector("#import-summary")
                target = args.out / f"sellers-import-{size}.png"
                page.screenshot(path=str(target), full_page=True)
                saved.append(target)
                context.close()
                watch.assert_clean()
            watch = Watch(base)
            context = watch.guard(
                browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
            )
            page = watch.page(context)
            page.goto(f"{base}/r/{link}", wait_until="load")
            # the cards are drawn on the phone (runner.js) from the route's JSON
            card = page.locator("#stops article.stop--pickup").first
            card.wait_for()
            card.evaluate("card => card.scrollIntoView({block: 'start'})")
            target = args.out / "sellers-runner-pickup-phone.png"
            page.screenshot(path=str(target), full_page=False)
            saved.append(target)
            context.close()
            watch.assert_clean()
            browser.close()
        engine.dispose()
    print(f"runner with a pickup: {runner}")
    for target in saved:
        print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
