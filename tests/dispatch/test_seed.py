"""Seeding the six markets and their runners."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dispatch.models import Market, Runner, RunnerStatus
from dispatch.seed import seed
from dispatch.settings import Settings

CODES = {"sawojajar", "gadang", "oro-oro-dowo", "bareng", "mergan", "tawangmangu"}


def _snapshot(session: Session) -> list[tuple[object, ...]]:
    markets = [tuple(m.model_dump().values()) for m in session.exec(select(Market))]
    runners = [tuple(r.model_dump().values()) for r in session.exec(select(Runner))]
    return sorted(markets + runners, key=repr)


def test_seed_creates_six_markets_with_three_runners_each(engine: Engine) -> None:
    """A fresh database gets the six markets of markets.csv and 18 runners."""
    with Session(engine) as session:
        result = seed(session, settings=Settings())
        markets = session.exec(select(Market)).all()
        assert {m.code for m in markets} == CODES
        assert sorted(result.markets) == sorted(CODES)
        assert len(result.runners) == 18
        for market in markets:
            assert len(market.runners) == 3
        assert len({r.phone for r in session.exec(select(Runner))}) == 18


def test_seeded_markets_carry_the_file_names_and_positions(engine: Engine) -> None:
    """Names, positions and kelurahan come from markets.csv, and lie in Kota Malang."""
    with Session(engine) as session:
        seed(session, settings=Settings())
        gadang = session.exec(select(Market).where(Market.code == "gadang")).one()
        assert gadang.name == "Pasar Gadang (Gadang Lama)"
        assert gadang.lat == pytest.approx(-8.0233612)
        assert gadang.kelurahan == "Gadang"
        mergan = session.exec(select(Market).where(Market.code == "mergan")).one()
        assert mergan.kelurahan == "Tanjungrejo"
        for market in session.exec(select(Market)):
            assert -8.0516 <= market.lat <= -7.9108
            assert 112.5689 <= market.lon <= 112.6938


def test_seeded_runners_get_the_default_load_cash_cap_and_morning_shift(engine: Engine) -> None:
    """Every runner has a 40 kg load, the cash cap and the 05:30-11:30 WIB shift."""
    with Session(engine) as session:
        seed(session, settings=Settings())
        for runner in session.exec(select(Runner)):
            assert runner.capacity_g == 40_000
            assert runner.cash_cap_rp == 1_500_000
            assert runner.max_orders_per_trip is None
            assert (runner.shift_start, runner.shift_end) == (time(5, 30), time(11, 30))
            assert runner.status is RunnerStatus.AVAILABLE
            assert runner.phone.startswith("+62812")


def test_seed_follows_the_settings(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """ANTAR_* variables change the runners' shift and load."""
    monkeypatch.setenv("ANTAR_RUNNER_SHIFT_START", "06:00")
    monkeypatch.setenv("ANTAR_RUNNER_CAPACITY_G", "30000")
    with Session(engine) as session:
        seed(session)
        runner = session.exec(select(Runner)).first()
        assert runner is not None
        assert runner.shift_start == time(6, 0)
        assert runner.capacity_g == 30_000


def test_seeding_twice_changes_nothing(engine: Engine) -> None:
    """The second seed adds nothing and leaves every row exactly as it was."""
    with Session(engine) as session:
        seed(session, settings=Settings())
        before = _snapshot(session)
    with Session(engine) as session:
        result = seed(session, settings=Settings())
        assert not result.changed
        assert _snapshot(session) == before


def test_seed_fills_in_only_what_is_missing(engine: Engine) -> None:
    """A runner deleted after seeding is added back; nothing else is touched."""
    with Session(engine) as session:
        seed(session, settings=Settings())
        gone = session.exec(select(Runner).where(Runner.name == "Slamet Riyadi")).one()
        session.delete(gone)
        session.commit()
    with Session(engine) as session:
        result = seed(session, settings=Settings())
        assert result.markets == []
        assert result.runners == ["mergan/Slamet Riyadi"]
        assert len(session.exec(select(Runner)).all()) == 18
