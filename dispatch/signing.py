"""Signed tokens: one signer for runner links, tracking links and console sessions.

Every token is made by itsdangerous' `URLSafeTimedSerializer` under the server's secret key,
with a salt per purpose (`Purpose`), so a token made for one purpose never passes for
another. Its payload ends with the moment it expires (seconds since the epoch), checked in
one place, `unsign`. Changing any byte of a token, or the key, makes it invalid.

The key (`secret_key`) is ``ANTAR_SECRET_KEY`` when set; otherwise the one the server
generated on its first start and keeps in its data folder (`KEY_FILE`, file mode 0600): see
`with_secret_key`. There is no default key: the old public development key and keys shorter
than `MIN_KEY_LENGTH` characters are refused.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Final

from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.engine import make_url

from dispatch.errors import DomainError
from dispatch.settings import Settings

log = logging.getLogger(__name__)

#: The generated key's file in the data folder.
KEY_FILE: Final = "secret.key"
#: The shortest key accepted, in characters.
MIN_KEY_LENGTH: Final = 16
#: Keys published in this repository's history: anyone could sign with them.
PUBLIC_KEYS: Final = frozenset({"dev-only-change-me"})


class Purpose(StrEnum):
    """What a token is for; each purpose signs with a salt of its own."""

    RUNNER_LINK = "antar.runner-link"
    TRACKING_LINK = "antar.tracking-link"
    CONSOLE_SESSION = "antar.console-session"


class InvalidToken(Exception):  # noqa: N818 (a refusal, like itsdangerous' BadSignature)
    """A token that was not made by this server for this purpose (or is malformed)."""


class ExpiredToken(Exception):  # noqa: N818
    """A genuine token whose moment of expiry has passed."""


Payload = Sequence[str | int]
"""What a token carries: a few strings and integers (ids, a date)."""


def secret_key(settings: Settings) -> str:
    """The key to sign with; `with_secret_key` must have settled it."""
    if settings.secret_key is None:
        msg = "no secret key: settle it with dispatch.signing.with_secret_key(settings) first"
        raise RuntimeError(msg)
    return settings.secret_key


def _serializer(settings: Settings, purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        secret_key(settings), salt=purpose.value, signer_kwargs={"digest_method": hashlib.sha256}
    )


def sign(settings: Settings, purpose: Purpose, payload: Payload, *, expires_at: datetime) -> str:
    """A URL-safe token carrying ``payload`` for ``purpose``, valid until ``expires_at``."""
    return _serializer(settings, purpose).dumps([*payload, int(expires_at.timestamp())])


def unsign(
    settings: Settings, purpose: Purpose, token: str, *, now: datetime | None = None
) -> tuple[list[str | int], datetime]:
    """The payload of a token made by `sign` for ``purpose``, and when it expires.

    Raises `InvalidToken` (forged, altered, another purpose's or another key's, malformed)
    or `ExpiredToken` (genuine, past its expiry)."""
    serializer = _serializer(settings, purpose)
    # The signature must be spelled exactly as this server spells it: base64's spare bits
    # would otherwise let a changed last character pass for the same signature.
    value, _, signature = token.rpartition(".")
    expected = serializer.make_signer(serializer.salt).get_signature(value.encode())
    if not hmac.compare_digest(expected, signature.encode()):
        raise InvalidToken("bad signature")
    try:
        data = serializer.loads(token)
    except (BadData, UnicodeError, ValueError) as exc:
        raise InvalidToken(str(exc)) from None
    if not isinstance(data, list) or not data or not all(_plain(v) for v in data):
        raise InvalidToken("unexpected payload")
    *payload, expires = data
    if not isinstance(expires, int):
        raise InvalidToken("no expiry")
    try:
        expires_at = datetime.fromtimestamp(expires, UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidToken("expiry out of range") from None
    if (now or datetime.now(UTC)) >= expires_at:
        raise ExpiredToken(expires_at.isoformat())
    return payload, expires_at


def _plain(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


# -- the key -----------------------------------------------------------------------------------


def data_folder(settings: Settings) -> Path:
    """Where the server keeps its own files: ``ANTAR_DATA_DIR``, else the SQLite database's
    folder, else (PostgreSQL, or SQLite in memory) the working directory."""
    if settings.data_dir is not None:
        return settings.data_dir
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).resolve().parent
    return Path.cwd()


def check_key(key: str) -> None:
    """Refuse a key anyone could know: a published one, or one too short to guess hard."""
    if key in PUBLIC_KEYS:
        raise DomainError("settings.secret_key_public")
    if len(key) < MIN_KEY_LENGTH:
        raise DomainError("settings.secret_key_short", params={"limit": MIN_KEY_LENGTH})


def with_secret_key(settings: Settings) -> Settings:
    """``settings`` with its secret key settled: ``ANTAR_SECRET_KEY`` when set, else the key
    file in the data folder, made now (random, mode 0600) when there is none yet.

    Raises `DomainError` ``settings.secret_key_public`` / ``settings.secret_key_short`` for a
    key that must not be used."""
    if settings.secret_key is not None:
        check_key(settings.secret_key)
        return settings
    path = data_folder(settings) / KEY_FILE
    key = _read_or_create(path)
    check_key(key)
    return settings.model_copy(update={"secret_key": key})


def _read_or_create(path: Path) -> str:
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return _read(path)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(key + "\n")
    log.warning("generated a new secret key in %s (keep it; links signed before are void)", path)
    return key


def _read(path: Path) -> str:
    mode = path.stat().st_mode
    if mode & 0o077:
        log.warning("%s is readable by other users (mode %o): chmod 600 it", path, mode & 0o777)
    return path.read_text(encoding="ascii").strip()
