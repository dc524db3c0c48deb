"""Setting up a city from spreadsheets with the real ``antar`` command: ten more markets and
their runners imported beside the six seeded ones, then one dispatch plans all sixteen."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from sqlmodel import Session, col, select

from dispatch.cli import main
from dispatch.db import make_engine
from dispatch.models import DispatchRun, Market, Route, RunStatus

CITY = Path(__file__).resolve().parents[1] / "data" / "city"
DAY = "2026-12-10"

Antar = Callable[..., CompletedProcess[str]]


@pytest.fixture
def antar_on(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Antar:
    """``antar`` as its console script runs it (`dispatch.cli.main`), in this process (a
    process each would spend most of the test importing the solvers): on ``url``, its
    exit status and what it printed."""

    def run(url: str, *args: str) -> CompletedProcess[str]:
        monkeypatch.setenv("ANTAR_DATABASE_URL", url)
        monkeypatch.setenv("COLUMNS", "200")
        code = main(list(args))
        printed = capsys.readouterr()
        return CompletedProcess(["antar", *args], code, printed.out, printed.err)

    return run


def test_a_city_of_sixteen_markets_is_set_up_from_csv_and_dispatched(
    database_url: str, antar_on: Antar
) -> None:
    """`antar markets import` and `antar runners import` of tests/data/city, then `antar
    dispatch --all` plans every one of the 16 markets; importing both files again changes
    nothing."""
    assert antar_on(database_url, "seed").returncode == 0
    markets = antar_on(database_url, "markets", "import", str(CITY / "markets.csv"))
    assert markets.returncode == 0, markets.stderr
    assert "10 ditambahkan, 0 diubah, 0 tetap, 0 ditolak" in markets.stdout
    runners = antar_on(database_url, "runners", "import", str(CITY / "runners.csv"))
    assert runners.returncode == 0, runners.stderr
    assert "20 ditambahkan, 0 diubah, 0 tetap, 0 ditolak" in runners.stdout
    orders = antar_on(
        database_url, "orders", "generate", "--per-market", "3", "--seed", "2", "--date", DAY
    )
    assert orders.returncode == 0, orders.stderr
    dispatch = antar_on(
        database_url, "dispatch", "--all", "--date", DAY, "--time-limit", "0.2", "--workers", "2"
    )
    assert dispatch.returncode == 0, dispatch.stderr

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            codes = set(session.exec(select(Market.code)).all())
            run = session.exec(
                select(DispatchRun).order_by(col(DispatchRun.created_at).desc())
            ).first()
            assert run is not None
            assert run.status is RunStatus.DONE
            assert {m.code for m in run.markets} == codes
            routed = {m.code for m in session.exec(
                select(Market).join(Route, col(Route.market_id) == col(Market.id))
                .where(Route.run_id == run.id)
            ).all()}  # fmt: skip
    finally:
        engine.dispose()
    assert len(codes) == 16
    assert routed == codes  # every market has at least one runner on a route
    for code in ("blimbing", "buring", "tlogomas"):
        assert re.search(rf"\b{code}\b", dispatch.stdout)

    again = antar_on(database_url, "markets", "import", str(CITY / "markets.csv"))
    assert "0 ditambahkan, 0 diubah, 10 tetap, 0 ditolak" in again.stdout
    runners_again = antar_on(
        database_url, "--lang", "en", "runners", "import", str(CITY / "runners.csv")
    )
    assert "0 added, 0 changed, 20 unchanged, 0 refused" in runners_again.stdout


def test_an_import_prints_each_refused_row_and_exits_1(tmp_path: Path, antar_on: Antar) -> None:
    """Refused rows are printed one fault a line (line, column, code, the reason in Bahasa)
    and the import goes on; a changed row says what changed."""
    url = f"sqlite:///{tmp_path / 'antar.db'}"
    assert antar_on(url, "seed").returncode == 0
    bad = tmp_path / "runners.csv"
    bad.write_text(
        "market,name,phone,capacity_kg,shift_start,shift_end\n"
        "mergan,Wawan,0813-2222-3333,40,05:30,11:30\n"
        "nowhere,Budi,0813-2222-4444,40,05:30,11:30\n"
        "mergan,Sri,12,40,05:30,11:30\n",
        encoding="utf-8",
    )
    result = antar_on(url, "runners", "import", str(bad))
    assert result.returncode == 1
    assert "baris 3: market: market.not_found: Pasar nowhere tidak ditemukan." in result.stderr
    assert "baris 4: phone: order.invalid_phone: Nomor telepon" in result.stderr
    assert "1 ditambahkan, 0 diubah, 0 tetap, 2 ditolak" in result.stdout
    bad.write_text(
        "market,name,phone,capacity_kg,shift_start,shift_end\n"
        "mergan,Wawan Setiawan,+6281322223333,40,05:30,11:30\n",
        encoding="utf-8",
    )
    changed = antar_on(url, "runners", "import", str(bad))
    assert "baris 2: mergan/Wawan Setiawan diubah: Nama" in changed.stdout
    header = antar_on(url, "markets", "import", str(bad))
    assert header.returncode == 2
    assert "Baris judul CSV tidak sesuai" in header.stderr
