"""One signer and no usable default key: the key file, the refused keys, the purposes."""

from __future__ import annotations

import stat
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from api import create_app
from dispatch.auth import verify_runner_link
from dispatch.db import make_engine, upgrade
from dispatch.errors import DomainError
from dispatch.models import Runner
from dispatch.seed import seed
from dispatch.settings import Settings
from dispatch.signing import (
    KEY_FILE,
    ExpiredToken,
    InvalidToken,
    Purpose,
    data_folder,
    sign,
    unsign,
    with_secret_key,
)
from dispatch.whatsapp.tracking import verify_tracking_token

KEY = Settings(secret_key="signing-test-key-0123456789")
LATER = datetime.now(UTC) + timedelta(hours=1)


def test_a_first_start_makes_a_random_key_file_readable_by_its_owner_only(
    tmp_path: Path,
) -> None:
    """Without ANTAR_SECRET_KEY the key is made once in the data folder (mode 0600), then
    read back by every later start (and every worker)."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'antar.db'}")
    assert data_folder(settings) == tmp_path
    first = with_secret_key(settings)
    path = tmp_path / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.secret_key is not None
    assert len(first.secret_key) >= 48
    assert with_secret_key(settings).secret_key == first.secret_key
    other = with_secret_key(Settings(database_url=f"sqlite:///{tmp_path / 'x' / 'a.db'}"))
    assert other.secret_key != first.secret_key


def test_the_data_folder_follows_the_setting_then_the_database(tmp_path: Path) -> None:
    """ANTAR_DATA_DIR wins; PostgreSQL without it uses the working directory."""
    assert data_folder(Settings(data_dir=tmp_path)) == tmp_path
    pg = Settings(database_url="postgresql+psycopg://antar@localhost/antar")
    assert data_folder(pg) == Path.cwd()


@pytest.mark.parametrize("key", ["dev-only-change-me", "short", ""])
def test_a_public_or_short_key_is_refused(key: str) -> None:
    """The old published development key, and keys shorter than 16 characters, never sign."""
    with pytest.raises(DomainError) as caught:
        with_secret_key(Settings(secret_key=key))
    assert caught.value.code in ("settings.secret_key_public", "settings.secret_key_short")


def test_a_token_is_for_one_purpose_and_one_key() -> None:
    """A runner link's token is no tracking token nor console cookie, and no other key
    verifies it; a genuine token past its expiry is expired, not invalid."""
    token = sign(KEY, Purpose.RUNNER_LINK, [uuid.uuid4().hex, "2026-12-08"], expires_at=LATER)
    assert unsign(KEY, Purpose.RUNNER_LINK, token)[0][1] == "2026-12-08"
    for purpose in (Purpose.TRACKING_LINK, Purpose.CONSOLE_SESSION):
        with pytest.raises(InvalidToken):
            unsign(KEY, purpose, token)
    for other in ("dev-only-change-me", "another-key-0123456789"):
        with pytest.raises(InvalidToken):
            unsign(Settings(secret_key=other), Purpose.RUNNER_LINK, token)
    with pytest.raises(ExpiredToken):
        unsign(KEY, Purpose.RUNNER_LINK, token, now=LATER + timedelta(seconds=1))


def test_a_link_forged_with_the_old_default_key_opens_nothing(tmp_path: Path) -> None:
    """The audit's forgery: a runner link signed with the old public key, expiring in 2100,
    against a server that made its own key: 404, as any invalid link."""
    url = f"sqlite:///{tmp_path / 'antar.db'}"
    settings = Settings(database_url=url)
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        seed(session, settings=Settings(database_url=url, secret_key="x" * 16))
        runner = session.exec(select(Runner).order_by(col(Runner.name))).first()
        assert runner is not None
    forged = sign(
        Settings(secret_key="dev-only-change-me"),
        Purpose.RUNNER_LINK,
        [runner.id.hex, date.today().isoformat()],
        expires_at=datetime(2100, 1, 1, tzinfo=UTC),
    )
    with TestClient(create_app(settings, engine)) as client:
        answer = client.get(f"/api/v1/runner/{forged}/route")
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "link.invalid"
        assert client.get(f"/r/{forged}").status_code == 404
    assert (tmp_path / KEY_FILE).exists()
    engine.dispose()
    with pytest.raises(DomainError):
        verify_runner_link(forged, with_secret_key(settings))
    with pytest.raises(DomainError):
        verify_tracking_token(forged, with_secret_key(settings))
