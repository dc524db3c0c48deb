"""The ``antar`` command line, run through its real console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
