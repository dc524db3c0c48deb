"""Who may do what: bearer tokens for operators and coordinators, signed links for runners.

Tokens are random, shown once and stored only as a SHA-256 hash; they can be revoked. A
runner's link carries its id and market day, expires at the end of its shift that day, and
is signed with HMAC-SHA256 under ``Settings.secret_key``: changing any byte breaks it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, true
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from dispatch.errors import DomainError
from dispatch.models import ApiToken, Market, Runner
from dispatch.settings import Settings

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
    """Revoke ``token``; ``False`` when it is unknown or revoked already."""
    row = session.exec(_TOKEN_BY_HASH, params={"token_hash": _hash(token)}).first()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = datetime.now(UTC)
    session.add(row)
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


# -- runners' links ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RunnerLink:
    """What a valid runner link says."""

    runner_id: uuid.UUID
    service_date: date
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: bytes, settings: Settings) -> bytes:
    return hmac.new(settings.secret_key.encode(), payload, hashlib.sha256).digest()


def link_expiry(runner: Runner, service_date: date, settings: Settings) -> datetime:
    """The end of ``runner``'s shift on ``service_date``, in UTC."""
    local = datetime.combine(service_date, runner.shift_end, tzinfo=ZoneInfo(settings.timezone))
    return local.astimezone(UTC)


def runner_link_token(runner: Runner, service_date: date, settings: Settings) -> str:
    """The signed token of ``runner``'s link for ``service_date``."""
    expires = int(link_expiry(runner, service_date, settings).timestamp())
    payload = f"{runner.id.hex}.{service_date.isoformat()}.{expires}".encode()
    return f"{_b64(payload)}.{_b64(_sign(payload, settings))}"


def verify_runner_link(
    token: str, settings: Settings, *, now: datetime | None = None
) -> RunnerLink:
    """The runner and day a link is for; ``link.invalid`` or ``link.expired`` otherwise."""
    try:
        encoded, signature = token.split(".")
        payload = _unb64(encoded)
        valid = hmac.compare_digest(_unb64(signature), _sign(payload, settings))
        runner_hex, day, expires = payload.decode().split(".")
        link = RunnerLink(
            runner_id=uuid.UUID(hex=runner_hex),
            service_date=date.fromisoformat(day),
            expires_at=datetime.fromtimestamp(int(expires), UTC),
        )
    except ValueError:
        valid = False
    if not valid:
        raise DomainError("link.invalid")
    if (now or datetime.now(UTC)) >= link.expires_at:
        raise DomainError("link.expired")
    return link
