"""The ``antar`` command line, run through its real console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from dispatch.db import make_engine
from dispatch.models import Market, Runner
from dispatch.plans import market_plan
from tests.dispatch.test_db import HEAD

ANTAR = Path(sys.executable).with_name("antar")
DATA = Path(__file__).resolve().parents[1] / "data"


def antar(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ANTAR), *args], capture_output=True, text=True, timeout=120, check=False, cwd=cwd
    )


def test_route_plans_a_solomon_file_and_checks_it() -> None:
    """`antar route` prints every route and confirms the checker found nothing wrong."""
    result = antar("route", str(DATA / "solomon" / "C101.txt"), "--time-limit", "1")
    assert result.returncode == 0, result.stderr
    assert "100/100 dilayani" in result.stdout
    assert "diperiksa: semua batasan terpenuhi" in result.stdout


def test_route_reports_an_unreadable_file_clearly(tmp_path: Path) -> None:
    """A broken instance file gives a one-line error and exit status 2, not a traceback."""
    broken = tmp_path / "broken.txt"
    broken.write_text("NOT A SOLOMON FILE\n")
    result = antar("route", str(broken))
    assert result.returncode == 2
    assert "bukan instance Solomon atau VRPLIB" in result.stderr
    assert "line 1" in result.stderr
    assert "Traceback" not in result.stderr


def antar_on(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ANTAR_DATABASE_URL": database_url}
    return subprocess.run(
        [str(ANTAR), *args], capture_output=True, text=True, timeout=120, check=False, env=env
    )


def test_db_upgrade_migrates_the_configured_database(database_url: str) -> None:
    """`antar db upgrade` brings ANTAR_DATABASE_URL to the newest revision, then says so."""
    first = antar_on(database_url, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert f"dimutakhirkan dari kosong ke revisi {HEAD}" in first.stdout
    second = antar_on(database_url, "db", "upgrade")
    assert second.returncode == 0, second.stderr
    assert f"sudah di revisi {HEAD}" in second.stdout


def test_seed_command_works_twice(database_url: str) -> None:
    """`antar seed` creates 6 markets and 18 runners, and the second run changes nothing."""
    first = antar_on(database_url, "seed")
    assert first.returncode == 0, first.stderr
    assert "pasar dibuat: 6, kurir dibuat: 18" in first.stdout
    assert "pasar mergan dibuat" in first.stdout
    second = antar_on(database_url, "seed")
    assert second.returncode == 0, second.stderr
    assert "tidak ada yang berubah" in second.stdout
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            assert len(session.exec(select(Market)).all()) == 6
            assert len(session.exec(select(Runner)).all()) == 18
    finally:
        engine.dispose()


def test_seed_reports_an_unreachable_database_clearly(tmp_path: Path) -> None:
    """A database that cannot be opened gives a one-line error and exit status 2."""
    result = antar_on(f"sqlite:///{tmp_path / 'missing' / 'antar.db'}", "seed")
    assert result.returncode == 2
    assert "Basis data" in result.stderr
    assert "tidak bisa dipakai" in result.stderr
    assert "Traceback" not in result.stderr


HEADER = (
    "market,external_id,customer_name,phone,address,lat,lon,items,weight_kg,fulfilment,"
    "payment,amount_rp,delivery_fee_rp,window_start,window_end,notes"
)


def test_orders_import_reports_each_row(tmp_path: Path) -> None:
    """Valid rows import, repeats are duplicates, bad rows are listed by line and field."""
    url = f"sqlite:///{tmp_path / 'antar.db'}"
    assert antar_on(url, "seed").returncode == 0
    rows = [
        HEADER,
        "SAWOJAJAR,wa-1,Siti,0812-3456-7890,Jl. Danau Toba 5,-7.9750,112.6610,"
        'tahu 10 biji,"1,5",,,125.000,5000,07:00,09:00,',
        "sawojajar,wa-1,Siti,0812-3456-7890,Jl. Danau Toba 5,-7.9750,112.6610,"
        "tahu 10 biji,1.5,,,125000,5000,07:00,09:00,",
        "sawojajar,wa-2,Budi,12345,Jl. Danau Toba 6,-7.9750,112.6610,tempe,2,,,0,0,,,",
        "gadang,wa-3,Ani,+62 813 1111 2222,Kel. Gadang,,,beras 5 kg,5,,cashless,70000,0,,,",
    ]
    csv_file = tmp_path / "orders.csv"
    csv_file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = antar_on(url, "orders", "import", str(csv_file), "--date", "2026-11-26")
    assert result.returncode == 1
    assert "2 diimpor, 1 ganda, 1 ditolak" in result.stdout
    assert "baris 3: sama dengan pesanan" in result.stdout
    assert "baris 4: phone: order.invalid_phone: Nomor telepon" in result.stderr
    again = antar_on(url, "orders", "import", str(csv_file), "--date", "2026-11-26")
    assert "0 diimpor, 3 ganda, 1 ditolak" in again.stdout


def test_orders_import_refuses_a_wrong_header(tmp_path: Path) -> None:
    """A CSV whose header is not the agreed one is refused as a whole, in Indonesian."""
    url = f"sqlite:///{tmp_path / 'antar.db'}"
    bad = tmp_path / "orders.csv"
    bad.write_text("market,id\nsawojajar,1\n", encoding="utf-8")
    result = antar_on(url, "orders", "import", str(bad))
    assert result.returncode == 2
    assert "kolom" in result.stderr
    english = antar_on(url, "--lang", "en", "orders", "import", str(bad))
    assert "columns" in english.stderr


def test_generate_dispatch_show_and_export(tmp_path: Path) -> None:
    """The operator's morning: generate, dispatch all markets, list runs, show, export."""
    url = f"sqlite:///{tmp_path / 'antar.db'}"
    day = ("--date", "2026-11-26")
    assert antar_on(url, "seed").returncode == 0
    generated = antar_on(url, "orders", "generate", "--per-market", "6", "--seed", "2", *day)
    assert generated.returncode == 0, generated.stderr
    assert "36 pesanan dibuat" in generated.stdout
    dispatched = antar_on(url, "dispatch", "--all", "--time-limit", "0.3", *day)
    assert dispatched.returncode == 0, dispatched.stderr
    assert "Selesai" in dispatched.stdout
    runs = antar_on(url, "runs", "list")
    assert "Selesai" in runs.stdout
    run_id = dispatched.stdout.split("dispatch ")[1].split()[0]
    shown = antar_on(url, "runs", "show", run_id)
    assert shown.returncode == 0, shown.stderr
    routes = antar_on(url, "routes", "show", "--market", "mergan", *day)
    assert routes.returncode == 0, routes.stderr
    for fmt in ("json", "csv", "geojson", "gpx"):
        target = tmp_path / f"routes.{fmt}"
        exported = antar_on(url, "routes", "export", "--format", fmt, "--out", str(target), *day)
        assert exported.returncode == 0, exported.stderr
        assert target.stat().st_size > 0
    doc = json.loads((tmp_path / "routes.json").read_text())
    assert doc["date"] == "2026-11-26"
    assert len(doc["markets"]) == 6
    stop = doc["markets"][0]["routes"][0]["stops"][0]
    assert set(stop) == {
        "kind", "order_id", "external_id", "seller", "sequence", "trip", "lat", "lon",
        "arrival", "weight_g", "cod_rp",
    }  # fmt: skip
    assert stop["arrival"].endswith("+07:00")


def test_a_dispatch_that_moves_orders_off_their_runner_lists_them(tmp_path: Path) -> None:
    """After a plan went out, one runner can now carry only 1 g: dispatching again gives his
    orders to others, and `antar dispatch` lists each (order, customer, from, to) in Bahasa,
    so the operator can tell the runners."""
    url = f"sqlite:///{tmp_path / 'antar.db'}"
    day = ("--date", "2026-11-26")
    assert antar_on(url, "seed").returncode == 0
    assert (
        antar_on(url, "orders", "generate", "--per-market", "6", "--seed", "2", *day).returncode
        == 0
    )
    first = antar_on(url, "dispatch", "--market", "mergan", "--time-limit", "0.3", *day)
    assert first.returncode == 0, first.stderr
    assert "pindah kurir" not in first.stdout  # a first plan moves nobody's orders
    engine = make_engine(url)
    with Session(engine) as session:
        mergan = session.exec(select(Market).where(Market.code == "mergan")).one()
        plan = market_plan(session, mergan, date(2026, 11, 26))
        route = max(plan.routes, key=lambda r: len(r.stops))
        runner = session.get(Runner, route.runner_id)
        assert runner is not None
        runner.capacity_g = 1
        session.add(runner)
        session.commit()
        taken = {s.external_id for s in route.stops}
        name = runner.name
    engine.dispose()
    again = antar_on(url, "dispatch", "--market", "mergan", "--time-limit", "0.3", *day)
    assert again.returncode == 0, again.stderr
    assert f"Pesanan pindah kurir ({len(taken)})" in again.stdout
    for external_id in taken:
        assert external_id in again.stdout
    assert name in again.stdout


def test_dispatch_of_an_unknown_market_is_refused(tmp_path: Path) -> None:
    """Naming a market that does not exist gives a clear message, not a traceback."""
    url = f"sqlite:///{tmp_path / 'antar.db'}"
    result = antar_on(url, "dispatch", "--market", "nowhere")
    assert result.returncode == 2
    assert "nowhere" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    """`antar demo` seeds, generates, dispatches and writes the exports into its folder."""
    result = antar("demo", "--out", str(tmp_path / "demo"), "--per-market", "5", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "demo"
    assert f"folder demo: {folder}" in result.stdout.replace("\n", "")
    for name in ("antar.db", "routes.json", "routes.csv", "routes.geojson", "routes.gpx"):
        assert (folder / name).exists()
