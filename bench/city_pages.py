"""Screenshots of the console's city pages (markets, runners, an import's result, a form
with errors) at laptop and phone sizes, in headless Chromium.

    python -m bench.city_pages

Seeds the six markets, imports ``tests/data/city`` (ten more markets and their runners),
serves the application on loopback, signs in as an operator and saves PNGs as
``bench/results/city-<page>-<laptop|phone>.png`` (1280x800 and 390x844, full page). Needs
``/usr/bin/chromium``; only the server on loopback is reached.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from pathlib import Path

from sqlmodel import Session

from api.main import create_app
from dispatch.auth import Role, create_token
from dispatch.db import make_engine, session_scope, upgrade
from dispatch.fleet import import_market_file, import_runner_file
from dispatch.seed import seed
from dispatch.settings import Settings
from tests.browser import CHROMIUM, CHROMIUM_ARGS, Watch
from tests.serving import serving

RESULTS = Path(__file__).resolve().parent / "results"
CITY = Path(__file__).resolve().parents[1] / "tests" / "data" / "city"
SIZES = {"laptop": (1280, 800), "phone": (390, 844)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.city_pages", description=__doc__)
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the PNGs")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'antar.db'}"
        settings = Settings(
            database_url=url, secret_key="bench-city-pages", tiles_url="https://tiles.invalid/"
        )
        engine = make_engine(url)
        upgrade(engine)
        with Session(engine) as session:
            seed(session, settings=settings)
        with session_scope(engine) as session:
            import_market_file(session, CITY / "markets.csv")
            import_runner_file(session, CITY / "runners.csv", settings=settings)
            token = create_token(session, role=Role.OPERATOR, label="bench")
        bad = (
            "market,name,phone,capacity_kg,shift_start,shift_end\n"
            "dinoyo,Tri Handayani,+6281355012002,35,06:00,11:00\n"
            "nowhere,Budi,0813-2222-4444,40,05:30,11:30\n"
            "sukun,Sri,12,0,05:30,25:00\n"
        )
        upload = Path(folder) / "kurir-baru.csv"
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
                    "markets": "/console/markets",
                    "runners": "/console/runners",
                    "runners-dinoyo": "/console/runners?pasar=dinoyo",
                    "market-form": "/console/markets/dinoyo/edit",
                }
                for name, path in shots.items():
                    page.goto(base + path)
                    target = args.out / f"city-{name}-{size}.png"
                    page.screenshot(path=str(target), full_page=True)
                    saved.append(target)
                page.goto(f"{base}/console/runners")
                page.set_input_files(
                    "form[action='/console/runners/import'] input[type=file]", upload
                )
                page.click("form[action='/console/runners/import'] button[type=submit]")
                page.wait_for_selector("#import-summary")
                target = args.out / f"city-import-{size}.png"
                page.screenshot(path=str(target), full_page=True)
                saved.append(target)
                context.close()
                watch.assert_clean()
            browser.close()
        engine.dispose()
    for target in saved:
        print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
