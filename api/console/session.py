"""Signing in to the console: a signed session cookie, re-checked against the token table.

The cookie never carries the token itself: it holds the token's id, an expiry and a random
nonce, signed with HMAC-SHA256 under a key derived from ``Settings.secret_key`` (so it cannot
pass for a runner link, nor a runner link for it). Every request looks the token up again, so
revoking it (``antar tokens revoke``) signs its console out at the next click. The nonce
also yields the session's CSRF token, which every state-changing form carries in a hidden
field. Before sign-in, the sign-in form is protected by a double-submit nonce cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlmodel import Session

from dispatch.auth import Principal, Role
from dispatch.models import ApiToken
from dispatch.settings import Settings

#: The session cookie (HttpOnly, path ``/console``).
SESSION_COOKIE: Final = "antar_console"
#: The sign-in form's double-submit nonce.
SIGN_IN_COOKIE: Final = "antar_console_masuk"
#: How long a console session lasts: a morning's shift and then some.
SESSION_TTL: Final = timedelta(hours=12)
COOKIE_PATH: Final = "/console"


@dataclass(frozen=True)
class SessionClaims:
    """What a valid session cookie says."""

    token_id: uuid.UUID
    expires_at: datetime
    nonce: str


@dataclass(frozen=True)
class ConsoleSession:
    """A signed-in caller: who it is and the CSRF token its forms must carry."""

    principal: Principal
    csrf: str
    expires_at: datetime

    @property
    def is_operator(self) -> bool:
        return self.principal.role is Role.OPERATOR


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _mac(settings: Settings, purpose: str, payload: str) -> str:
    """HMAC-SHA256 of ``payload`` under a key of the console's own, per purpose."""
    key = hashlib.sha256(b"antar console\x00" + settings.secret_key.encode()).digest()
    message = f"{purpose}\x00{payload}".encode()
    return _b64(hmac.new(key, message, hashlib.sha256).digest())


def session_cookie(token_id: uuid.UUID, settings: Settings, *, now: datetime | None = None) -> str:
    """The signed cookie value of a new session for ``token_id``."""
    expires = int(((now or datetime.now(UTC)) + SESSION_TTL).timestamp())
    payload = f"{token_id.hex}.{expires}.{secrets.token_urlsafe(16)}"
    return f"{payload}.{_mac(settings, 'session', payload)}"


def read_session_cookie(
    value: str, settings: Settings, *, now: datetime | None = None
) -> SessionClaims | None:
    """The claims of a cookie value; ``None`` if tampered with, malformed or expired."""
    parts = value.split(".")
    if len(parts) != 4:
        return None
    payload, signature = ".".join(parts[:3]), parts[3]
    # Bytes, not str: compare_digest refuses non-ASCII text, and a cookie may hold any.
    if not hmac.compare_digest(signature.encode(), _mac(settings, "session", payload).encode()):
        return None
    try:
        token_id = uuid.UUID(hex=parts[0])
        expires_at = datetime.fromtimestamp(int(parts[1]), UTC)
    except (ValueError, OverflowError, OSError):
        return None
    if (now or datetime.now(UTC)) >= expires_at:
        return None
    return SessionClaims(token_id, expires_at, parts[2])


def csrf_token(claims: SessionClaims, settings: Settings) -> str:
    """The session's CSRF token (the same for every form of the session)."""
    return _mac(settings, "csrf", claims.nonce)


def csrf_matches(sent: str | None, expected: str) -> bool:
    """Whether a form's hidden CSRF field is the expected one."""
    return bool(sent) and hmac.compare_digest(str(sent).encode(), expected.encode())


def principal_for(session: Session, token_id: uuid.UUID) -> Principal | None:
    """The caller behind token ``token_id``; ``None`` once it is revoked or deleted."""
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return None
    return Principal(role=Role(row.role), market_id=row.market_id, token_id=row.id)


def new_sign_in_nonce() -> str:
    """A random value for the sign-in form's double-submit check."""
    return secrets.token_urlsafe(24)


def secure_cookies(settings: Settings) -> bool:
    """Cookies are ``Secure`` when the console is served over https."""
    return settings.public_base_url.lower().startswith("https://")
