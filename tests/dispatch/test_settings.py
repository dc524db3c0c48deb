"""Settings from ANTAR_* environment variables."""

from __future__ import annotations

from datetime import time

import pytest

from dispatch.settings import get_settings


def test_defaults_are_an_embedded_sqlite_file_and_a_morning_shift(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without variables: antar.db in the working directory, WIB, 05:30-11:30, 40 kg."""
    for name in ("ANTAR_DATABASE_URL", "ANTAR_TIMEZONE", "ANTAR_RUNNER_CAPACITY_G"):
        monkeypatch.delenv(name, raising=False)
    settings = get_settings()
    assert settings.database_url == "sqlite:///antar.db"
    assert settings.timezone == "Asia/Jakarta"
    assert (settings.runner_shift_start, settings.runner_shift_end) == (time(5, 30), time(11, 30))
    assert settings.runner_capacity_g == 40_000
    assert settings.runner_cash_cap_rp == 1_500_000
    assert settings.runner_max_orders_per_trip is None


def test_environment_overrides_are_read_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """`get_settings` reads the environment at call time, not at import."""
    monkeypatch.setenv("ANTAR_DATABASE_URL", "postgresql+psycopg://antar@db/antar")
    monkeypatch.setenv("ANTAR_RUNNER_MAX_ORDERS_PER_TRIP", "6")
    settings = get_settings()
    assert settings.database_url == "postgresql+psycopg://antar@db/antar"
    assert settings.runner_max_orders_per_trip == 6
