"""The API on a real database per test (SQLite, and PostgreSQL when configured), seeded with
the six markets, tokens for each kind of caller and runner links for tomorrow."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api import create_app
from dispatch.auth import Role, create_token, runner_link_token
from dispatch.models import Market, Runner
from dispatch.seed import seed
from dispatch.settings import Settings
from tests.dispatch.conftest import database_url, engine

__all__ = ["database_url", "engine"]

WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings for the test database, with a known signing key."""
    return Settings(database_url=database_url, secret_key="test-secret-key-0123456789")


@dataclass
class World:
    """The seeded markets and runners, one token per kind of caller, and links."""

    day: date
    """Tomorrow (WIB): runner links for it are valid all test long."""
    markets: dict[str, Market]
    runners: dict[str, list[Runner]]
    operator: str
    coordinator: str
    """Coordinator of ``sawojajar``."""
    other_coordinator: str
    """Coordinator of ``gadang``."""
    link: str
    """The first ``sawojajar`` runner's link for ``day``."""
    other_link: str
    """The second ``sawojajar`` runner's link for ``day``."""
    expired_link: str
    """The first runner's link for yesterday."""

    @property
    def runner(self) -> Runner:
        """The runner behind ``link``."""
        return self.runners["sawojajar"][0]

    def auth(self, token: str) -> dict[str, str]:
        """The header that presents ``token``."""
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(engine: Engine, settings: Settings) -> World:
    """Six seeded markets, three runners each, tokens and links."""
    with Session(engine) as session:
        seed(session, settings=settings)
        operator = create_token(session, role=Role.OPERATOR, label="test operator")
        coordinator = create_token(session, role=Role.COORDINATOR, market_code="sawojajar")
        other = create_token(session, role=Role.COORDINATOR, market_code="gadang")
        session.commit()
        markets = {m.code: m for m in session.exec(select(Market)).all()}
        runners: dict[str, list[Runner]] = {}
        for runner in session.exec(select(Runner).order_by(col(Runner.name))).all():
            code = next(c for c, m in markets.items() if m.id == runner.market_id)
            runners.setdefault(code, []).append(runner)
        day = datetime.now(WIB).date() + timedelta(days=1)
        first, second = runners["sawojajar"][:2]
        return World(
            day=day,
            markets=markets,
            runners=runners,
            operator=operator,
            coordinator=coordinator,
            other_coordinator=other,
            link=runner_link_token(first, day, settings),
            other_link=runner_link_token(second, day, settings),
            expired_link=runner_link_token(first, day - timedelta(days=2), settings),
        )


@pytest.fixture
def app(engine: Engine, settings: Settings) -> FastAPI:
    """The application on the test database."""
    return create_app(settings, engine)


@pytest.fixture
def client(app: FastAPI, world: World) -> Iterator[TestClient]:
    """A client of the started application (lifespan run), the world seeded."""
    with TestClient(app) as client:
        yield client
