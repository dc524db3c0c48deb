"""The ``antar`` command line, run through its real console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import Session, select

from dispatch.db import make_engine
from dispatch.models import Market, Runner

ANTAR = Path(sys.executable).with_name("antar")
DATA = Path(__file__).resolve().parents[1] / "data"


def antar(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ANTAR), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_route_plans_a_solomon_file_and_checks_it() -> None:
    """`antar route` prints every route and confirms the checker found nothing wrong."""
    result = antar("route", str(DATA / "solomon" / "C101.txt"), "--time-limit", "1")
    assert result.returncode == 0, result.stderr
    assert "100/100 served" in result.stdout
    assert "checked: every constraint holds" in result.stdout


def test_route_reports_an_unreadable_file_clearly(tmp_path: Path) -> None:
    """A broken instance file gives a one-line error and exit status 2, not a traceback."""
    broken = tmp_path / "broken.txt"
    broken.write_text("NOT A SOLOMON FILE\n")
    result = antar("route", str(broken))
    assert result.returncode == 2
    assert "cannot read" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_runs_end_to_end() -> None:
    """`antar demo` plans the bundled instance and exits cleanly."""
    result = antar("demo", "--time-limit", "1")
    assert result.returncode == 0, result.stderr
    assert "served" in result.stdout


def antar_on(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ANTAR_DATABASE_URL": database_url}
    return subprocess.run(
        [str(ANTAR), *args], capture_output=True, text=True, timeout=120, check=False, env=env
    )


def test_db_upgrade_migrates_the_configured_database(database_url: str) -> None:
    """`antar db upgrade` brings ANTAR_DATABASE_URL to the newest revision, then says so."""
    first = antar_on(database_url, "db", "upgrade")
    assert first.returncode == 0, first.stderr
    assert "upgraded from empty to revision 0001" in first.stdout
    second = antar_on(database_url, "db", "upgrade")
    assert second.returncode == 0, second.stderr
    assert "already at revision 0001" in second.stdout


def test_seed_command_works_twice(database_url: str) -> None:
    """`antar seed` creates 6 markets and 18 runners, and the second run changes nothing."""
    first = antar_on(database_url, "seed")
    assert first.returncode == 0, first.stderr
    assert "6 markets and 18 runners created" in first.stdout
    assert "created market mergan" in first.stdout
    second = antar_on(database_url, "seed")
    assert second.returncode == 0, second.stderr
    assert "nothing changed" in second.stdout
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
    assert "cannot seed" in result.stderr
    assert "Traceback" not in result.stderr
