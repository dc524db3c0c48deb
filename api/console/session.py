"""Signing in to the console: a session kept in the database, named by a signed cookie.

Signing in opens a session (`dispatch.auth.open_console_session`: its token, a random CSRF
token and an expiry); the cookie carries only the session's id, signed by
`dispatch.signing` with the console sessions' own salt (so it cannot pass for a runner link,
nor a runner link for it). Every request looks the session and its token up again: signing
out ends the session on the server (the old cookie opens nothing any more), and revoking the
token (``antar tokens revoke``) ends its sessions at the next click. Every state-changing
form carries the session's CSRF token in a hidden field. Before sign-in, the sign-in form is
protected by a double-submit nonce cookie.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from dispatch.auth import CONSOLE_SESSION_TTL, Principal, Role
from dispatch.models import ConsoleSignIn
from dispatch.settings import Settings
from dispatch.signing import ExpiredToken, InvalidToken, Purpose, sign, unsign

#: The session cookie (HttpOnly, path ``/console``).
SESSION_COOKIE: Final = "antar_console"
#: The sign-in form's double-submit nonce.
SIGN_IN_COOKIE: Final = "antar_console_masuk"
#: How long a console session lasts.
SESSION_TTL: Final = CONSOLE_SESSION_TTL
COOKIE_PATH: Final = "/console"


@dataclass(frozen=True)
class ConsoleSession:
    """A signed-in caller: who it is, its session and the CSRF token its forms must carry."""

    principal: Principal
    csrf: str
    expires_at: datetime
    session_id: uuid.UUID

    @property
    def is_operator(self) -> bool:
        return self.principal.role is Role.OPERATOR


def session_cookie(sign_in: ConsoleSignIn, settings: Settings) -> str:
    """The signed cookie value naming the session ``sign_in``."""
    return sign(settings, Purpose.CONSOLE_SESSION, [sign_in.id.hex], expires_at=sign_in.expires_at)


def read_session_cookie(value: str, settings: Settings) -> uuid.UUID | None:
    """The session a cookie names; ``None`` if tampered with, malformed or expired."""
    try:
        payload, _ = unsign(settings, Purpose.CONSOLE_SESSION, value)
        (session_hex,) = payload
        return uuid.UUID(hex=str(session_hex))
    except (InvalidToken, ExpiredToken, ValueError):
        return None


def csrf_matches(sent: str | None, expected: str) -> bool:
    """Whether a form's hidden CSRF field is the expected one."""
    return bool(sent) and hmac.compare_digest(str(sent).encode(), expected.encode())


def new_sign_in_nonce() -> str:
    """A random value for the sign-in form's double-submit check."""
    return secrets.token_urlsafe(24)


def secure_cookies(settings: Settings) -> bool:
    """Cookies are ``Secure`` when the console is served over https."""
    return settings.public_base_url.lower().startswith("https://")
