"""Bearer tokens and runners' signed links."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dispatch.auth import (
    Role,
    authenticate,
    authenticate_with_markets,
    create_token,
    link_expiry,
    revoke_token,
    runner_link_token,
    verify_runner_link,
)
from dispatch.db import session_scope
from dispatch.errors import DomainError
from dispatch.models import ApiToken, Market, Runner
from dispatch.seed import seed
from dispatch.settings import Settings

SETTINGS = Settings(secret_key="test-secret")
DAY = date(2026, 11, 26)


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    with Session(engine) as session:
        seed(session, settings=SETTINGS)
    return engine


def test_a_token_authenticates_until_revoked(seeded: Engine) -> None:
    """A coordinator token names its market, and stops working once revoked."""
    with session_scope(seeded) as session:
        token = create_token(session, role=Role.COORDINATOR, market_code="Mergan")
    with Session(seeded) as session:
        principal = authenticate(session, token)
        mergan = session.exec(select(Market).where(Market.code == "mergan")).one()
        assert principal is not None
        assert principal.role is Role.COORDINATOR
        assert principal.market_id == mergan.id
        assert principal.may_see(mergan.id)
    with session_scope(seeded) as session:
        assert revoke_token(session, token) is True
        assert revoke_token(session, token) is False
    with Session(seeded) as session:
        assert authenticate(session, token) is None


def test_one_query_gives_the_caller_and_the_markets_it_may_act_on(seeded: Engine) -> None:
    """The intake's lookup: an operator gets every market, a coordinator only its own, and
    a revoked or unknown token nobody, as `authenticate` says."""
    with session_scope(seeded) as session:
        operator = create_token(session, role=Role.OPERATOR)
        coordinator = create_token(session, role=Role.COORDINATOR, market_code="mergan")
        codes = set(session.exec(select(Market.code)).all())
    with seeded.connect() as connection:
        principal, markets = authenticate_with_markets(connection, operator)
        assert principal is not None
        assert principal.role is Role.OPERATOR
        assert set(markets) == codes
        assert len(codes) > 1
        principal, markets = authenticate_with_markets(connection, coordinator)
        assert principal is not None
        assert principal.role is Role.COORDINATOR
        assert list(markets) == ["mergan"]
        assert markets["mergan"] == principal.market_id
        assert authenticate_with_markets(connection, "antar_not-a-token") == (None, {})
        assert authenticate_with_markets(connection, "no-prefix") == (None, {})
    with session_scope(seeded) as session:
        revoke_token(session, coordinator)
    with seeded.connect() as connection:
        assert authenticate_with_markets(connection, coordinator) == (None, {})


def test_a_token_works_before_any_market_exists(engine: Engine) -> None:
    """An operator's token on an empty database: the caller, and no markets."""
    with session_scope(engine) as session:
        operator = create_token(session, role=Role.OPERATOR)
    with engine.connect() as connection:
        principal, markets = authenticate_with_markets(connection, operator)
    assert principal is not None
    assert markets == {}


def test_tokens_are_stored_hashed(seeded: Engine) -> None:
    """The database never holds a token in plain text."""
    with session_scope(seeded) as session:
        token = create_token(session, role=Role.OPERATOR)
    with Session(seeded) as session:
        rows = session.exec(select(ApiToken)).all()
    assert all(token not in (row.token_hash, row.label) for row in rows)


def test_unknown_tokens_are_refused(seeded: Engine) -> None:
    """Made-up tokens authenticate nobody."""
    with Session(seeded) as session:
        assert authenticate(session, "antar_not-a-real-token") is None
        assert authenticate(session, "Bearer something") is None


def test_a_coordinator_token_needs_a_market(seeded: Engine) -> None:
    """Creating a coordinator token without a market is refused with a reason."""
    with session_scope(seeded) as session, pytest.raises(DomainError) as refused:
        create_token(session, role=Role.COORDINATOR)
    assert refused.value.code == "auth.market_required"


def _runner(engine: Engine) -> Runner:
    with Session(engine) as session:
        return session.exec(select(Runner)).first()  # type: ignore[return-value]


def test_a_runner_link_round_trips_until_the_shift_ends(seeded: Engine) -> None:
    """A link names its runner and day, and expires at the end of that runner's shift."""
    runner = _runner(seeded)
    token = runner_link_token(runner, DAY, SETTINGS)
    end = link_expiry(runner, DAY, SETTINGS)
    link = verify_runner_link(token, SETTINGS, now=end - timedelta(minutes=1))
    assert link.runner_id == runner.id
    assert link.service_date == DAY
    with pytest.raises(DomainError) as expired:
        verify_runner_link(token, SETTINGS, now=end)
    assert expired.value.code == "link.expired"


def test_a_runner_link_outlives_the_shift_by_the_grace(seeded: Engine) -> None:
    """A stop planned late in the shift can still be marked: the link lasts the shift plus
    ``ANTAR_LINK_GRACE_S`` (two hours by default), and exactly that long."""
    runner = _runner(seeded)
    shift_end = datetime.combine(DAY, runner.shift_end, tzinfo=ZoneInfo("Asia/Jakarta"))
    assert link_expiry(runner, DAY, SETTINGS) == shift_end + timedelta(hours=2)
    token = runner_link_token(runner, DAY, SETTINGS)
    verify_runner_link(token, SETTINGS, now=shift_end + timedelta(minutes=90))
    short = SETTINGS.model_copy(update={"link_grace_s": 600})
    assert link_expiry(runner, DAY, short) == shift_end + timedelta(minutes=10)
    late = runner_link_token(runner, DAY, short)
    with pytest.raises(DomainError) as expired:
        verify_runner_link(late, short, now=shift_end + timedelta(minutes=11))
    assert expired.value.code == "link.expired"


@pytest.mark.parametrize("position", [0, 5, -3])
def test_a_tampered_link_is_invalid(seeded: Engine, position: int) -> None:
    """Changing one character of a link, or signing it with another key, breaks it."""
    runner = _runner(seeded)
    token = runner_link_token(runner, DAY, SETTINGS)
    i = position % len(token)
    tampered = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
    now = datetime(2026, 11, 26, 0, 0, tzinfo=UTC)
    with pytest.raises(DomainError) as refused:
        verify_runner_link(tampered, SETTINGS, now=now)
    assert refused.value.code == "link.invalid"
    other = Settings(secret_key="another-secret")
    with pytest.raises(DomainError):
        verify_runner_link(token, other, now=now)
