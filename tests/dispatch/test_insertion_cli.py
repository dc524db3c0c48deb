"""New orders on a planned day from the command line (issue 15, item 2): a CSV imported after
`antar dispatch` goes onto a runner's route (read through the plan's read model); with the
market on ``review`` (`antar markets update --insertion review`) it waits, unplanned with the
suggested runner and place, until the market goes back to ``auto``."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dispatch.models import Market, Order
from dispatch.plans import market_plan
from tests.dispatch.factories import order_fields
from tests.dispatch.test_cli import antar_on

DAY = (date.today() + timedelta(days=1)).isoformat()  # runners start at the market
NEAR = [(-7.9712, 112.6655), (-7.9781, 112.6590), (-7.9735, 112.6570), (-7.9790, 112.6650)]


def write_orders(path: Path, keys: list[str]) -> Path:
    rows = []
    for k, key in enumerate(keys):
        lat, lon = NEAR[k % len(NEAR)]
        cells = order_fields(
            external_id=key, lat=str(lat), lon=str(lon), window_start="", window_end=""
        )
        rows.append(cells)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def place_of(engine: Engine, key: str) -> tuple[str, str | None]:
    """("route", runner name) or ("unplanned", reason code) of order ``key``."""
    with Session(engine) as session:
        market = session.exec(select(Market).where(Market.code == "sawojajar")).one()
        order = session.exec(select(Order).where(Order.idempotency_key == key)).one()
        plan = market_plan(session, market, date.fromisoformat(DAY))
    for route in plan.routes:
        if any(s.order_id == order.id for s in route.stops):
            return "route", route.runner_name
    for entry in plan.unplanned:
        if entry.order_id == order.id:
            return "unplanned", entry.reason_code
    return "nowhere", None


def test_an_imported_order_on_a_planned_day_goes_onto_a_route_or_waits_for_review(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    assert antar_on(database_url, "seed").returncode == 0
    first = write_orders(tmp_path / "pagi.csv", ["pagi-1", "pagi-2", "pagi-3"])
    assert antar_on(database_url, "orders", "import", str(first), "--date", DAY).returncode == 0
    done = antar_on(
        database_url, "dispatch", "--market", "sawojajar", "--date", DAY, "--time-limit", "0.3"
    )
    assert done.returncode == 0, done.stderr

    late = write_orders(tmp_path / "siang.csv", ["siang-1"])
    imported = antar_on(database_url, "orders", "import", str(late), "--date", DAY)
    assert imported.returncode == 0, imported.stderr
    where, runner = place_of(engine, "siang-1")
    assert where == "route"
    assert runner

    switched = antar_on(database_url, "markets", "update", "sawojajar", "--insertion", "review")
    assert switched.returncode == 0, switched.stderr
    assert "Pesanan baru di hari yang sudah direncanakan" in switched.stdout
    later = write_orders(tmp_path / "sore.csv", ["sore-1"])
    assert antar_on(database_url, "orders", "import", str(later), "--date", DAY).returncode == 0
    assert place_of(engine, "sore-1") == ("unplanned", "awaiting_review")

    back = antar_on(database_url, "markets", "update", "sawojajar", "--insertion", "auto")
    assert back.returncode == 0, back.stderr
    assert place_of(engine, "sore-1")[0] == "route"


def test_an_unknown_insertion_mode_is_refused(database_url: str) -> None:
    assert antar_on(database_url, "seed").returncode == 0
    refused = antar_on(database_url, "markets", "update", "sawojajar", "--insertion", "kadang")
    assert refused.returncode == 2
    assert "kadang" in refused.stderr
