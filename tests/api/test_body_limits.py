"""Body limits and authentication before the body, on a real uvicorn server on loopback.

Each request offers a 100 MiB body over a raw socket and reads the answer as soon as it
comes: a caller without valid credentials is refused (401, 404, or the console's sign-in
redirect) before the server reads the body, an authenticated one gets 413 once the body
passes its route's limit, whether it declares its length or comes chunked. ``sent`` is how
much of the body the client got out before the answer: far less than it offered.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from api import create_app
from api.guard import BODY_LIMITS, DEFAULT_BODY_LIMIT, MIB
from dispatch.models import Order, WhatsAppMessage
from dispatch.settings import Settings
from tests.api.conftest import World
from tests.serving import send_body, serving

HUNDRED_MIB = 100 * MIB
APP_SECRET = "webhook-app-secret"
JSON = {"Content-Type": "application/json"}
WEBHOOK = "/api/v1/whatsapp/webhook"


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the limits are the web layer's, the same on every database."""
    return f"sqlite:///{tmp_path / 'antar.db'}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="test-secret-key-0123456789",
        whatsapp_app_secret=APP_SECRET,
    )


@pytest.fixture
def base_url(engine: Engine, settings: Settings, world: World) -> Iterator[str]:
    app: FastAPI = create_app(settings, engine)
    with serving(app) as url:
        yield url


def count(engine: Engine, model: type[Order] | type[WhatsAppMessage]) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


def test_an_unauthenticated_huge_order_is_refused_401_before_its_body(
    base_url: str, world: World, engine: Engine
) -> None:
    """No token, or a wrong one: 401 in the error shape, without the body being read."""
    for headers in ({}, {"Authorization": "Bearer antar_not-a-token"}):
        answer = send_body(base_url, "POST", "/api/v1/orders", HUNDRED_MIB, headers=JSON | headers)
        assert answer.status == 401, answer.body
        assert answer.json()["error"]["code"] in ("auth.required", "auth.invalid")
        assert answer.sent < HUNDRED_MIB // 4
    assert count(engine, Order) == 0


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_an_authenticated_huge_order_is_refused_413(
    base_url: str, world: World, engine: Engine, chunked: bool
) -> None:
    """With a valid token, a body over 64 KiB answers 413 (declared or chunked alike)."""
    headers = JSON | world.auth(world.operator)
    answer = send_body(
        base_url, "POST", "/api/v1/orders", HUNDRED_MIB, headers=headers, chunked=chunked
    )
    assert answer.status == 413, answer.body
    error = answer.json()["error"]
    assert error["code"] == "request.too_large"
    assert str(DEFAULT_BODY_LIMIT) in error["message"]
    assert answer.sent < HUNDRED_MIB // 4
    assert count(engine, Order) == 0


def test_a_body_just_over_the_limit_is_refused_and_one_under_it_is_read(
    base_url: str, world: World
) -> None:
    """The limit is exact: 64 KiB + 1 byte is refused, 64 KiB is read (then refused as a
    malformed order, 4xx other than 413)."""
    headers = JSON | world.auth(world.operator)
    over = send_body(base_url, "POST", "/api/v1/orders", DEFAULT_BODY_LIMIT + 1, headers=headers)
    assert over.status == 413
    under = send_body(base_url, "POST", "/api/v1/orders", DEFAULT_BODY_LIMIT, headers=headers)
    assert under.status in (400, 422), under.body


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_huge_webhook_delivery_is_refused_413_past_one_mib(
    base_url: str, engine: Engine, chunked: bool
) -> None:
    """The webhook must read a body to check its signature, but never more than 1 MiB."""
    answer = send_body(base_url, "POST", WEBHOOK, HUNDRED_MIB, headers=JSON, chunked=chunked)
    assert answer.status == 413, answer.body
    assert answer.json()["error"]["code"] == "request.too_large"
    assert BODY_LIMITS[WEBHOOK] == 1 * MIB
    assert answer.sent < HUNDRED_MIB // 4
    assert count(engine, WhatsAppMessage) == 0


def test_a_signed_webhook_delivery_under_its_limit_is_read(base_url: str) -> None:
    """A signed body under 1 MiB (but over the default 64 KiB) gets through to its checks."""
    body = b'{"object": "whatsapp_business_account", "entry": [], "pad": "' + b"x" * 200_000
    body += b'"}'
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    answer = httpx.post(
        base_url + WEBHOOK, content=body, headers=JSON | {"X-Hub-Signature-256": signature}
    )
    assert answer.status_code == 200, answer.text


def test_a_bad_runner_link_is_refused_before_its_body(base_url: str, world: World) -> None:
    """A forged link answers 404 and an expired one 410, without the body being read."""
    for link, status in (("forged.link.value", 404), (world.expired_link, 410)):
        path = f"/api/v1/runner/{link}/position"
        answer = send_body(base_url, "POST", path, HUNDRED_MIB, headers=JSON)
        assert answer.status == status, answer.body
        assert answer.sent < HUNDRED_MIB // 4


def test_a_runners_huge_position_is_refused_413(base_url: str, world: World) -> None:
    """A valid link with a body over 64 KiB: 413."""
    path = f"/api/v1/runner/{world.link}/position"
    answer = send_body(base_url, "POST", path, HUNDRED_MIB, headers=JSON, chunked=True)
    assert answer.status == 413


def test_a_console_form_without_a_session_goes_to_sign_in_before_its_body(
    base_url: str,
) -> None:
    """A huge form post without a session is sent to the sign-in page, unread."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = send_body(base_url, "POST", "/console/sawojajar/orders/new", HUNDRED_MIB, headers=form)
    assert answer.status == 303
    assert answer.headers["location"].startswith("/console/login")
    assert answer.sent < HUNDRED_MIB // 4


def test_a_huge_sign_in_form_is_refused_413(base_url: str) -> None:
    """The sign-in form (no session yet) reads at most 64 KiB."""
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    answer = send_body(base_url, "POST", "/console/login", HUNDRED_MIB, headers=form, chunked=True)
    assert answer.status == 413
    assert "64" in answer.body.decode() or str(DEFAULT_BODY_LIMIT) in answer.body.decode()
