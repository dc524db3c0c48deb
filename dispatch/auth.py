"""Who may do what: bearer tokens for operators and coordinators, signed links for runners.

Tokens are random, shown once and stored only as a SHA-256 hash; they can be revoked. A
runner's link carries its id and market day, expires a grace (``ANTAR_LINK_GRACE_S``, two
hours) after the end of its shift that day, and is signed by `dispatch.signing` (its own
salt) under the server's key: changing any byte breaks it.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, true
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from dispatch.errors import DomainError
from dispatch.models import ApiToken, ConsoleSignIn, Market, Runner
from dispatch.settings import Settings
from dispatch.signing import ExpiredToken, InvalidToken, Purpose, sign, unsign

TOKEN_PREFIX = "antar_"


class Role(StrEnum):
    """What a token may do: operators everything, coordinators their own market."""

    OPERATOR = "operator"
    COORDINATOR = "coordinator"


@dataclass(frozen=True)
class Principal:
    """Who is calling, as established from a bearer token."""

    role: Role
    market_id: uuid.UUID | None
    """The coordinator's market; ``None`` for operators."""
    token_id: uuid.UUID

    def may_see(self, market_id: uuid.UUID) -> bool:
        """Whether this caller may read or act on ``market_id``'s resources."""
        return self.role is Role.OPERATOR or self.market_id == market_id


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session, *, role: Role, market_code: str | None = None, label: str = ""
) -> str:
    """A new token (returned in plain text, once); coordinators need their market's code."""
    market_id = None
    if role is Role.COORDINATOR:
        if not market_code:
            raise DomainError("auth.market_required", field="market")
        market = session.exec(select(Market).where(Market.code == market_code.lower())).first()
        if market is None:
            raise DomainError(
                "dispatch.unknown_market", field="market", params={"code": market_code}
            )
        market_id = market.id
    elif market_code:
        raise DomainError("auth.operator_has_no_market", field="market")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(token_hash=_hash(token), role=role.value, market_id=market_id, label=label)
    )
    session.flush()
    return token


def revoke_token(session: Session, token: str) -> bool:
    """Revoke ``token`` and end its console sessions; ``False`` when it is unknown or
    revoked already."""
    row = session.exec(_TOKEN_BY_HASH, params={"token_hash": _hash(token)}).first()
    if row is None or row.revoked_at is not None:
        return False
    now = datetime.now(UTC)
    row.revoked_at = now
    session.add(row)
    for open_session in session.exec(
        select(ConsoleSignIn)
        .where(ConsoleSignIn.token_id == row.id)
        .where(col(ConsoleSignIn.revoked_at).is_(None))
    ).all():
        open_session.revoked_at = now
        session.add(open_session)
    session.flush()
    return True


#: The lookup of a token by its hash, built once (it runs on every API request).
_TOKEN_BY_HASH = select(ApiToken).where(ApiToken.token_hash == bindparam("token_hash"))


def authenticate(session: Session, token: str) -> Principal | None:
    """The caller behind ``token``, or ``None`` for an unknown or revoked token."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = session.exec(_TOKEN_BY_HASH, params={"token_hash": _hash(token)}).first()
    if row is None or row.revoked_at is not None:
        return None
    return Principal(role=Role(row.role), market_id=row.market_id, token_id=row.id)


#: The token lookup with every market beside it (one row per market), for the intake.
_TOKEN_WITH_MARKETS = (
    select(
        ApiToken.role,
        col(ApiToken.market_id).label("own_market_id"),
        col(ApiToken.id).label("token_id"),
        ApiToken.revoked_at,
        col(Market.id).label("market_id"),
        col(Market.code).label("market_code"),
    )
    .select_from(ApiToken)
    .outerjoin(Market, true())
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def authenticate_with_markets(
    connection: Connection, token: str
) -> tuple[Principal | None, dict[str, uuid.UUID]]:
    """`authenticate`, and the markets the caller may act on by code, in one query (the
    intake's: each round trip to PostgreSQL costs about as much as the work)."""
    if not token.startswith(TOKEN_PREFIX):
        return None, {}
    rows = connection.execute(_TOKEN_WITH_MARKETS, {"token_hash": _hash(token)}).all()
    if not rows or rows[0].revoked_at is not None:
        return None, {}
    first = rows[0]
    principal = Principal(
        role=Role(first.role), market_id=first.own_market_id, token_id=first.token_id
    )
    markets = {
        row.market_code: row.market_id
        for row in rows
        if row.market_id is not None and principal.may_see(row.market_id)
    }
    return principal, markets


# -- console sessions --------------------------------------------------------------------------

#: How long a console session lasts: a morning's shift and then some.
CONSOLE_SESSION_TTL: Final = timedelta(hours=12)


def open_console_session(
    session: Session, principal: Principal, *, now: datetime | None = None
) -> ConsoleSignIn:
    """A new console session for ``principal``'s token (no commit)."""
    moment = now or datetime.now(UTC)
    row = ConsoleSignIn(
        token_id=principal.token_id,
        csrf=secrets.token_urlsafe(32),
        created_at=moment,
        expires_at=moment + CONSOLE_SESSION_TTL,
    )
    session.add(row)
    session.flush()
    return row


def console_session(
    session: Session, session_id: uuid.UUID, *, now: datetime | None = None
) -> tuple[ConsoleSignIn, Principal] | str:
    """The open session ``session_id`` and its caller, or why it is not open:
    ``console.session_expired`` (unknown, signed out or expired) or ``console.token_revoked``."""
    row = session.exec(
        select(ConsoleSignIn, ApiToken)
        .join(ApiToken, col(ApiToken.id) == col(ConsoleSignIn.token_id))
        .where(ConsoleSignIn.id == session_id)
    ).first()
    if row is None:
        return "console.session_expired"
    sign_in, token = row
    if token.revoked_at is not None:
        return "console.token_revoked"
    if sign_in.revoked_at is not None or (now or datetime.now(UTC)) >= sign_in.expires_at:
        return "console.session_expired"
    principal = Principal(role=Role(token.role), market_id=token.market_id, token_id=token.id)
    return sign_in, principal


def close_console_session(session: Session, session_id: uuid.UUID) -> bool:
    """End the console session ``session_id`` (signing out; no commit); ``False`` when it
    was not open."""
    row = session.get(ConsoleSignIn, session_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = datetime.now(UTC)
    session.add(row)
    session.flush()
    return True


# -- runners' links ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RunnerLink:
    """What a valid runner link says."""

    runner_id: uuid.UUID
    service_date: date
    expires_at: datetime


def link_expiry(runner: Runner, service_date: date, settings: Settings) -> datetime:
    """When ``runner``'s link for ``service_date`` expires (the one place that decides it):
    the end of its shift that day plus the grace (``ANTAR_LINK_GRACE_S``), in UTC. The link
    opens that day's plan only."""
    local = datetime.combine(service_date, runner.shift_end, tzinfo=ZoneInfo(settings.timezone))
    return local.astimezone(UTC) + timedelta(seconds=settings.link_grace_s)


def runner_link_token(runner: Runner, service_date: date, settings: Settings) -> str:
    """The signed token of ``runner``'s link for ``service_date``."""
    return sign(
        settings,
        Purpose.RUNNER_LINK,
        [runner.id.hex, service_date.isoformat()],
        expires_at=link_expiry(runner, service_date, settings),
    )


def verify_runner_link(
    token: str, settings: Settings, *, now: datetime | None = None
) -> RunnerLink:
    """The runner and day a link is for; ``link.invalid`` or ``link.expired`` otherwise."""
    try:
        payload, expires_at = unsign(settings, Purpose.RUNNER_LINK, token, now=now)
    except ExpiredToken:
        raise DomainError("link.expired") from None
    except InvalidToken:
        raise DomainError("link.invalid") from None
    try:
        runner_hex, day = payload
        return RunnerLink(
            runner_id=uuid.UUID(hex=str(runner_hex)),
            service_date=date.fromisoformat(str(day)),
            expires_at=expires_at,
        )
    except ValueError:
        raise DomainError("link.invalid") from None
