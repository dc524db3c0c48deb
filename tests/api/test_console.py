"""The coordinator's console over HTTP: sign-in, access, CSRF, orders, dispatch, runners.

Pages are read as a browser would get them (TestClient keeps the cookies); their forms are
posted as plain ``application/x-www-form-urlencoded`` bodies with the CSRF token the page
carries. Also the pickup-order actions the console needs (`dispatch.actions`).
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from api.console.forms import ORDER_FIELDS
from api.console.session import (
    SESSION_COOKIE,
    read_session_cookie,
    session_cookie,
)
from dispatch.actions import (
    PICKUP_TRANSITIONS,
    TRANSITIONS,
    mark_collected,
    mark_delivered,
    mark_picked_up,
    mark_ready_for_pickup,
)
from dispatch.auth import revoke_token, verify_runner_link
from dispatch.db import session_scope
from dispatch.errors import DomainError
from dispatch.models import (
    ConsoleSignIn,
    DispatchRun,
    DroppedOrder,
    Fulfilment,
    Market,
    Order,
    OrderStatus,
    OrderStatusChange,
    Payment,
    Route,
    RouteStop,
    Runner,
    RunnerStatus,
)
from dispatch.planning import dispatch, pin_order
from dispatch.settings import Settings
from tests.api.conftest import World
from tests.api.factories import add_order, add_plan, add_stop
from tests.dispatch.factories import make_order

CSRF = re.compile(r'name="csrf" value="([^"]*)"')
KEY = re.compile(r'name="external_id" value="([^"]*)"')


# -- helpers -----------------------------------------------------------------------------------


def sign_in(client: TestClient, token: str, **headers: str) -> Any:
    """Post ``token`` through the sign-in form, as a browser would (nonce cookie and field)."""
    form = client.get("/console/login", headers=headers)
    nonce = CSRF.search(form.text)
    assert nonce is not None
    return client.post(
        "/console/login",
        data={"csrf": nonce.group(1), "token": token, "next": "/console"},
        headers=headers,
        follow_redirects=False,
    )


def csrf_of(client: TestClient, path: str = "/console/sawojajar") -> str:
    """The session's CSRF token, read from a page's form."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = CSRF.search(page.text)
    assert found is not None
    return found.group(1)


def order_form(world: World, client: TestClient, **fields: str) -> dict[str, str]:
    """A filled-in new-order form for tomorrow, with the key and token the page gave."""
    page = client.get(f"/console/sawojajar/orders/new?tanggal={world.day.isoformat()}")
    assert page.status_code == 200
    key, csrf = KEY.search(page.text), CSRF.search(page.text)
    assert key is not None
    assert csrf is not None
    form = {
        "csrf": csrf.group(1),
        "external_id": key.group(1),
        "service_date": world.day.isoformat(),
        "customer_name": "Ibu Wulan",
        "phone": "0812-3456-7890",
        "address": "Jl. Danau Toba 12, Sawojajar",
        "lat": "-7,9712",
        "lon": "112.6655",
        "items": "bawang merah 1kg; cabai 0,5 kg",
        "weight_kg": "1,5",
        "fulfilment": "delivery",
        "payment": "cod",
        "amount_rp": "Rp 125.000",
        "delivery_fee_rp": "5.000",
        "window_start": "07:00",
        "window_end": "08:30",
        "notes": "pagar hijau",
    }
    return form | fields


def count_orders(engine: Engine) -> int:
    with Session(engine, expire_on_commit=False) as session:
        return session.exec(select(func.count()).select_from(Order)).one()


def stored(engine: Engine, order_id: uuid.UUID) -> Order:
    with Session(engine, expire_on_commit=False) as session:
        order = session.get(Order, order_id)
        assert order is not None
        session.expunge(order)
        return order


def field_errors(html: str, name: str) -> list[str]:
    """The error messages shown inside the form field ``name``'s label."""
    block = re.search(rf'<label[^>]*id="field-{name}".*?</label>', html, re.S)
    assert block is not None, f"no field {name}"
    return [unescape(m) for m in re.findall(r'<small class="error"[^>]*>([^<]*)<', block.group(0))]


@pytest.fixture
def coordinator(client: TestClient, world: World) -> TestClient:
    """The client, signed in as sawojajar's coordinator."""
    answer = sign_in(client, world.coordinator)
    assert answer.status_code == 303, answer.text
    return client


# -- signing in --------------------------------------------------------------------------------


def test_a_good_token_signs_in_with_a_safe_cookie(client: TestClient, world: World) -> None:
    """The cookie is HttpOnly, SameSite, scoped to /console and never carries the token."""
    answer = sign_in(client, world.coordinator)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/console" in cookie
    assert "Secure" not in cookie  # the test server is plain http
    assert world.coordinator not in cookie
    assert world.coordinator.removeprefix("antar_") not in cookie
    home = client.get("/console")
    assert home.url.path == "/console/sawojajar"  # a coordinator goes straight to its market
    assert "Pasar Sawojajar" in home.text


def test_cookie_is_secure_when_served_over_https(
    engine: Engine, settings: Settings, world: World
) -> None:
    """With an https public base URL the session cookie is marked Secure."""
    from api import create_app

    secure = settings.model_copy(update={"public_base_url": "https://antar.example"})
    with TestClient(create_app(secure, engine), base_url="https://testserver") as client:
        answer = sign_in(client, world.coordinator)
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "Secure" in cookie


def test_a_bad_token_is_refused_in_indonesian(client: TestClient, world: World) -> None:
    """An unknown token: 401, the sign-in form again with why, and no session."""
    answer = sign_in(client, "antar_not-a-real-token")
    assert answer.status_code == 401
    assert "Token tidak sah atau sudah dicabut" in answer.text
    assert SESSION_COOKIE not in client.cookies
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_an_empty_token_is_asked_for(client: TestClient, world: World) -> None:
    """No token at all: 422 with the field named."""
    answer = sign_in(client, "  ")
    assert answer.status_code == 422
    assert "wajib diisi" in answer.text


def test_sign_in_without_the_form_nonce_is_forbidden(client: TestClient, world: World) -> None:
    """A sign-in posted from elsewhere (no nonce cookie and field) is refused with 403."""
    answer = client.post("/console/login", data={"token": world.coordinator})
    assert answer.status_code == 403
    assert "Formulir kedaluwarsa" in answer.text


def test_pages_redirect_to_sign_in_and_back(client: TestClient, world: World) -> None:
    """A page opened without a session goes to the sign-in form, then back to the page."""
    wanted = f"/console/sawojajar?tanggal={world.day.isoformat()}"
    first = client.get(wanted, follow_redirects=False)
    assert first.status_code == 303
    target = urlsplit(first.headers["location"])
    assert target.path == "/console/login"
    assert parse_qs(target.query)["next"] == [wanted]
    form = client.get(first.headers["location"])
    nonce = CSRF.search(form.text)
    assert nonce is not None
    answer = client.post(
        "/console/login",
        data={"csrf": nonce.group(1), "token": world.coordinator, "next": wanted},
        follow_redirects=False,
    )
    assert answer.headers["location"] == wanted


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/api/v1/x"])
def test_sign_in_never_sends_elsewhere(client: TestClient, world: World, target: str) -> None:
    """``next`` outside the console is ignored (no open redirect)."""
    form = client.get("/console/login")
    nonce = CSRF.search(form.text)
    assert nonce is not None
    answer = client.post(
        "/console/login",
        data={"csrf": nonce.group(1), "token": world.coordinator, "next": target},
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/console"


def test_a_revoked_token_signs_the_console_out(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """After ``antar tokens revoke`` the next click lands on the sign-in page, cookie gone."""
    assert coordinator.get("/console/sawojajar").status_code == 200
    with session_scope(engine) as session:
        assert revoke_token(session, world.coordinator)
    answer = coordinator.get("/console/sawojajar", follow_redirects=False)
    assert answer.status_code == 303
    assert "reason=console.token_revoked" in answer.headers["location"]
    assert SESSION_COOKIE not in coordinator.cookies
    page = coordinator.get(answer.headers["location"])
    assert "Token Anda sudah dicabut" in page.text


def test_a_tampered_or_expired_cookie_is_no_session(
    client: TestClient, world: World, settings: Settings, engine: Engine
) -> None:
    """A cookie with a changed byte, or past its expiry, sends back to sign-in."""
    sign_in(client, world.coordinator)
    value = client.cookies[SESSION_COOKIE]
    session_id = read_session_cookie(value, settings)
    assert session_id is not None
    forged = value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB")
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, forged)
    answer = client.get("/console/sawojajar", follow_redirects=False)
    assert answer.status_code == 303
    assert "console.session_expired" in answer.headers["location"]
    with Session(engine) as session:
        row = session.get(ConsoleSignIn, session_id)
        assert row is not None
        old = ConsoleSignIn(
            id=row.id,
            token_id=row.token_id,
            csrf=row.csrf,
            expires_at=datetime.now(UTC) - timedelta(seconds=1),
        )
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, session_cookie(old, settings))
    assert client.get("/console/sawojajar", follow_redirects=False).status_code == 303


def test_a_cookie_signed_with_another_key_opens_nothing(
    client: TestClient, world: World, settings: Settings, engine: Engine
) -> None:
    """A cookie for a real session, signed with any other key (the old public development
    key among them), is no session."""
    sign_in(client, world.coordinator)
    session_id = read_session_cookie(client.cookies[SESSION_COOKIE], settings)
    assert session_id is not None
    with Session(engine) as session:
        row = session.get(ConsoleSignIn, session_id)
        assert row is not None
        session.expunge(row)
    for key in ("dev-only-change-me", "another-key-0123456789"):
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, session_cookie(row, Settings(secret_key=key)))
        answer = client.get("/console/sawojajar", follow_redirects=False)
        assert answer.status_code == 303
        assert "console.session_expired" in answer.headers["location"]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.integers(min_value=0, max_value=200), replacement=st.characters())
def test_any_change_to_a_session_cookie_breaks_it(position: int, replacement: str) -> None:
    """Changing any one character of a session cookie makes it worthless."""
    keys = Settings(secret_key="property-key-0123456789")
    row = ConsoleSignIn(
        token_id=uuid.uuid4(), csrf="x", expires_at=datetime.now(UTC) + timedelta(hours=1)
    )
    value = session_cookie(row, keys)
    index = position % len(value)
    changed = value[:index] + replacement + value[index + 1 :]
    if changed != value:
        assert read_session_cookie(changed, keys) is None
    assert read_session_cookie(value, keys) == row.id
    assert read_session_cookie(value, Settings(secret_key="another-key-0123456789")) is None


def test_sign_out_forgets_the_session(coordinator: TestClient) -> None:
    """Signing out (with the CSRF token) ends the session."""
    csrf = csrf_of(coordinator)
    answer = coordinator.post("/console/logout", data={"csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 303
    assert coordinator.get("/console/sawojajar", follow_redirects=False).status_code == 303
    assert "sudah keluar" in coordinator.get(answer.headers["location"]).text


def test_a_cookie_replayed_after_sign_out_opens_nothing(
    client: TestClient, world: World, engine: Engine
) -> None:
    """Signing out ends the session on the server: the old cookie, sent again, opens no page
    and posts no form; other sessions of the same token stay open."""
    sign_in(client, world.coordinator)
    cookie = client.cookies[SESSION_COOKIE]
    csrf = csrf_of(client)
    with TestClient(client.app) as other:
        sign_in(other, world.coordinator)
        assert other.get("/console/sawojajar").status_code == 200
        client.post("/console/logout", data={"csrf": csrf}, follow_redirects=False)
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, cookie)
        answer = client.get("/console/sawojajar", follow_redirects=False)
        assert answer.status_code == 303
        assert "console.session_expired" in answer.headers["location"]
        before = count_orders(engine)
        posted = client.post(
            "/console/sawojajar/orders/new",
            data=order_form(world, other) | {"csrf": csrf},
            follow_redirects=False,
        )
        assert posted.status_code == 303
        assert "/console/login" in posted.headers["location"]
        assert count_orders(engine) == before
        assert other.get("/console/sawojajar").status_code == 200
    with Session(engine) as session:
        rows = session.exec(select(ConsoleSignIn)).all()
        assert sorted(r.revoked_at is None for r in rows) == [False, True]


# -- who sees what -----------------------------------------------------------------------------


def test_a_coordinator_cannot_open_another_market(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """Another market's pages, runners and orders answer 404 as if they did not exist."""
    gadang = world.markets["gadang"]
    other_runner = world.runners["gadang"][0]
    with Session(engine, expire_on_commit=False) as session:
        other_order = add_order(session, gadang, "wa-g1", world.day)
    for path in (
        "/console/gadang",
        "/console/gadang/orders/new",
        f"/console/gadang/runners/{other_runner.id}",
        f"/console/sawojajar/runners/{other_runner.id}",
        f"/console/gadang/orders/{other_order.id}/edit",
        f"/console/sawojajar/orders/{other_order.id}/edit",
        "/console/no-such-market",
    ):
        answer = coordinator.get(path)
        assert answer.status_code == 404, path
        assert "text/html" in answer.headers["content-type"]
    csrf = csrf_of(coordinator)
    cancel = coordinator.post(
        f"/console/sawojajar/orders/{other_order.id}/cancel", data={"csrf": csrf}
    )
    assert cancel.status_code == 404
    assert stored(engine, other_order.id).status is OrderStatus.PENDING
    dispatch = coordinator.post("/console/gadang/dispatch", data={"csrf": csrf})
    assert dispatch.status_code == 404


def test_an_operator_chooses_a_market(client: TestClient, world: World) -> None:
    """An operator gets the list of every market and may open any of them."""
    sign_in(client, world.operator)
    home = client.get("/console")
    assert home.status_code == 200
    for market in world.markets.values():
        assert f'href="/console/{market.code}?tanggal=' in home.text
    assert client.get("/console/gadang").status_code == 200


def test_a_malformed_id_in_a_path_is_not_found(coordinator: TestClient) -> None:
    """A runner id that is not a UUID answers a 404 page, not a JSON 422."""
    answer = coordinator.get("/console/sawojajar/runners/not-a-uuid")
    assert answer.status_code == 404
    assert "text/html" in answer.headers["content-type"]


# -- CSRF --------------------------------------------------------------------------------------


def test_forms_without_the_csrf_token_are_forbidden(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """Every state-changing form refuses a missing or wrong CSRF token with 403."""
    with Session(engine, expire_on_commit=False) as session:
        order = add_order(session, world.markets["sawojajar"], "wa-csrf", world.day)
    form = order_form(world, coordinator, external_id="wa-csrf-new")
    posts = {
        "/console/sawojajar/orders/new": form,
        "/console/sawojajar/dispatch": {"tanggal": world.day.isoformat()},
        f"/console/sawojajar/orders/{order.id}/cancel": {},
        f"/console/sawojajar/orders/{order.id}/edit": {"weight_kg": "3"},
        "/console/logout": {},
    }
    for path, data in posts.items():
        for csrf in (None, "forged", ""):
            body = {k: v for k, v in data.items() if k != "csrf"}
            if csrf is not None:
                body["csrf"] = csrf
            answer = coordinator.post(path, data=body, follow_redirects=False)
            assert answer.status_code == 403, (path, csrf)
            assert "Formulir kedaluwarsa" in answer.text
    assert count_orders(engine) == 1
    assert stored(engine, order.id).status is OrderStatus.PENDING
    assert coordinator.get("/console/sawojajar").status_code == 200  # still signed in


def test_a_form_that_is_not_urlencoded_is_refused(coordinator: TestClient) -> None:
    """A JSON body on a form endpoint: 400 with a message, not a crash."""
    answer = coordinator.post("/console/sawojajar/dispatch", json={"csrf": "x"})
    assert answer.status_code == 400
    assert "Formulir tidak bisa dibaca" in answer.text


# -- new orders --------------------------------------------------------------------------------


def test_the_new_order_form_creates_an_order_once(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """The form goes through the intake; submitting it twice makes one order."""
    form = order_form(world, coordinator)
    first = coordinator.post("/console/sawojajar/orders/new", data=form, follow_redirects=False)
    assert first.status_code == 303, first.text
    assert "ok=order_created" in first.headers["location"]
    second = coordinator.post("/console/sawojajar/orders/new", data=form, follow_redirects=False)
    assert second.status_code == 303
    assert "ok=order_exists" in second.headers["location"]
    assert count_orders(engine) == 1
    with Session(engine, expire_on_commit=False) as session:
        order = session.exec(select(Order)).one()
        assert order.idempotency_key == form["external_id"]
        assert (order.phone, order.weight_g, order.amount_rp) == ("+6281234567890", 1500, 125_000)
        assert order.delivery_fee_rp == 5_000
        assert order.service_date == world.day
        assert [i.name for i in order.items] == ["bawang merah", "cabai"]
        assert order.window_start is not None
        assert order.window_start.astimezone(UTC).hour == 0  # 07:00 WIB
        history = session.exec(select(OrderStatusChange)).one()
        assert history.by.startswith("coordinator ")
    page = coordinator.get(first.headers["location"])
    assert "Pesanan tercatat." in page.text
    assert f'id="order-{order.id}"' in page.text


def test_the_form_fields_carry_their_limits(coordinator: TestClient, world: World) -> None:
    """Inputs are real HTML attributes (not escaped text): limits, placeholders, types."""
    page = coordinator.get(f"/console/sawojajar/orders/new?tanggal={world.day.isoformat()}")
    assert 'name="customer_name" value="" maxlength="120"' in page.text
    assert 'placeholder="0812-3456-7890"' in page.text
    assert '<input type="time" name="window_start"' in page.text
    assert "&#34;" not in page.text


def test_a_bad_market_day_is_shown_beside_its_field(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """A malformed date is refused in the form with the other errors, nothing stored."""
    form = order_form(world, coordinator, service_date="besok", phone="")
    answer = coordinator.post("/console/sawojajar/orders/new", data=form)
    assert answer.status_code == 422
    assert field_errors(answer.text, "service_date")
    assert field_errors(answer.text, "phone") == ['Nomor telepon wajib diisi (kolom "phone").']
    assert count_orders(engine) == 0


TYPED = st.text(st.characters(exclude_categories=("Cs",)), max_size=150)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(typed=st.dictionaries(st.sampled_from(ORDER_FIELDS), TYPED, max_size=6))
@example(typed={"customer_name": "x" * 150})  # longer than the column (PostgreSQL refuses)
@example(typed={"notes": "nul\x00byte", "phone": "+1 202 555 0100"})
def test_whatever_is_typed_the_form_answers_without_crashing(
    coordinator: TestClient, world: World, engine: Engine, typed: dict[str, str]
) -> None:
    """Any text in any field: the order is stored (303) or refused in the form (422)."""
    before = count_orders(engine)
    form = order_form(world, coordinator) | typed
    answer = coordinator.post("/console/sawojajar/orders/new", data=form, follow_redirects=False)
    assert answer.status_code in (303, 422), answer.text
    assert count_orders(engine) == before + (1 if answer.status_code == 303 else 0)


def test_each_form_rendering_has_its_own_key(coordinator: TestClient, world: World) -> None:
    """Two renderings of the form are two orders-to-be (different idempotency keys)."""
    assert (
        order_form(world, coordinator)["external_id"]
        != order_form(world, coordinator)["external_id"]
    )


def test_form_errors_are_shown_next_to_their_fields(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """Every refusal of the intake shows in Indonesian beside its field; nothing is stored."""
    form = order_form(
        world, coordinator, phone="12345", weight_kg="berat", window_start="09:00", amount_rp=""
    )
    answer = coordinator.post("/console/sawojajar/orders/new", data=form)
    assert answer.status_code == 422
    assert "perbaiki isian yang ditandai" in answer.text
    assert field_errors(answer.text, "phone") == [
        'Nomor telepon "12345" tidak valid: tulis seperti 0812-3456-7890 atau +62 812-3456-7890.'
    ]
    assert "Berat" in field_errors(answer.text, "weight_kg")[0]
    required = ['Harga barang wajib diisi (kolom "amount_rp").']
    assert field_errors(answer.text, "amount_rp") == required
    assert "selesai 08:30 harus setelah mulai 09:00" in field_errors(answer.text, "window_end")[0]
    assert field_errors(answer.text, "customer_name") == []
    assert 'value="12345"' in answer.text  # what was typed stays in the form
    assert f'value="{form["external_id"]}"' in answer.text  # and so does the key
    assert count_orders(engine) == 0


def test_form_errors_speak_english_on_request(coordinator: TestClient, world: World) -> None:
    """With ``Accept-Language: en`` (or ``?lang=en``) the form and its errors are English."""
    form = order_form(world, coordinator, lat="-6.2", lon="106.8")
    answer = coordinator.post(
        "/console/sawojajar/orders/new", data=form, headers={"Accept-Language": "en"}
    )
    assert answer.status_code == 422
    assert "is outside Kota Malang" in " ".join(field_errors(answer.text, "lat"))
    assert "Save" in answer.text
    page = coordinator.get("/console/sawojajar?lang=en")
    assert "Run dispatch" in page.text
    assert '<html lang="en">' in page.text
    assert "Jalankan dispatch" not in coordinator.get("/console/sawojajar").text  # remembered
    assert "Jalankan dispatch" in coordinator.get("/console/sawojajar?lang=id").text


# -- cancel, edit, pickup ----------------------------------------------------------------------


def _picked_up(engine: Engine, world: World, key: str) -> Order:
    with Session(engine, expire_on_commit=False) as session:
        market = world.markets["sawojajar"]
        order = add_order(session, market, key, world.day)
        run = add_plan(session, market, world.day)
        add_stop(session, run, world.runner, order)
    with session_scope(engine) as session:
        mark_picked_up(session, order.id, by="runner test")
    return order


def test_cancel_works_before_pickup_and_is_refused_after(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """A pending order is cancelled with its reason; a picked-up one answers 409."""
    with Session(engine, expire_on_commit=False) as session:
        order = add_order(session, world.markets["sawojajar"], "wa-c1", world.day)
    csrf = csrf_of(coordinator)
    answer = coordinator.post(
        f"/console/sawojajar/orders/{order.id}/cancel",
        data={"csrf": csrf, "reason": "pelanggan batal"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert stored(engine, order.id).status is OrderStatus.CANCELLED
    with Session(engine, expire_on_commit=False) as session:
        last = session.exec(
            select(OrderStatusChange)
            .where(OrderStatusChange.order_id == order.id)
            .order_by(col(OrderStatusChange.at).desc())
        ).first()
        assert last is not None
        assert last.reason == "pelanggan batal"
    moving = _picked_up(engine, world, "wa-c2")
    refused = coordinator.post(f"/console/sawojajar/orders/{moving.id}/cancel", data={"csrf": csrf})
    assert refused.status_code == 409
    assert "Pesanan yang sedang diantar tidak bisa dibatalkan." in refused.text
    assert stored(engine, moving.id).status is OrderStatus.PICKED_UP


def test_edit_changes_an_order_and_is_refused_after_pickup(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """The edit form saves through update_order; after pickup both GET and POST say 409."""
    with Session(engine, expire_on_commit=False) as session:
        order = add_order(session, world.markets["sawojajar"], "wa-e1", world.day)
    path = f"/console/sawojajar/orders/{order.id}/edit"
    page = coordinator.get(path)
    assert page.status_code == 200
    csrf = CSRF.search(page.text)
    assert csrf is not None
    assert 'value="Ibu Wulan"' in page.text
    form = {
        "csrf": csrf.group(1),
        "customer_name": "Ibu Wulan Sari",
        "phone": "+6281234567890",
        "address": "Jl. Danau Toba 14, Sawojajar",
        "lat": "-7.9712",
        "lon": "112.6655",
        "weight_kg": "3,25",
        "fulfilment": "delivery",
        "payment": "cashless",
        "amount_rp": "85000",
        "delivery_fee_rp": "5000",
        "window_start": "08:00",
        "window_end": "09:00",
        "priority": "5",
        "notes": "",
    }
    answer = coordinator.post(path, data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert "ok=order_updated" in answer.headers["location"]
    edited = stored(engine, order.id)
    assert (edited.customer_name, edited.weight_g, edited.payment) == (
        "Ibu Wulan Sari",
        3250,
        Payment.CASHLESS,
    )
    assert edited.priority == 5
    assert edited.window_start is not None
    assert edited.window_start.astimezone(UTC).hour == 1  # 08:00 WIB
    with Session(engine, expire_on_commit=False) as session:
        last = session.exec(
            select(OrderStatusChange)
            .where(OrderStatusChange.order_id == order.id)
            .order_by(col(OrderStatusChange.at).desc())
        ).first()
        assert last is not None
        # Only what changed is recorded as edited (phone, lat, lon and amounts were the same).
        assert last.reason == (
            "edited: address, customer_name, payment, priority, weight_g, window_end, window_start"
        )
    moving = _picked_up(engine, world, "wa-e2")
    moving_path = f"/console/sawojajar/orders/{moving.id}/edit"
    assert coordinator.get(moving_path).status_code == 409
    refused = coordinator.post(moving_path, data=form)
    assert refused.status_code == 409
    assert stored(engine, moving.id).weight_g == 2000


def test_edit_errors_are_the_apis_and_sit_beside_their_fields(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """A point outside the city, a reversed window and a long name are refused in place."""
    with Session(engine, expire_on_commit=False) as session:
        order = add_order(session, world.markets["sawojajar"], "wa-e3", world.day)
    path = f"/console/sawojajar/orders/{order.id}/edit"
    csrf = csrf_of(coordinator, path)
    base = {
        "csrf": csrf,
        "customer_name": "Ibu Wulan",
        "phone": "+6281234567890",
        "address": "x",
        "lat": "-7.9712",
        "lon": "112.6655",
        "weight_kg": "2",
        "fulfilment": "delivery",
        "payment": "cod",
        "amount_rp": "85000",
        "delivery_fee_rp": "5000",
        "priority": "0",
    }
    outside = coordinator.post(path, data=base | {"lat": "-6.2", "lon": "106.8"})
    assert outside.status_code == 422
    assert "di luar Kota Malang" in field_errors(outside.text, "lat")[0]
    reversed_window = coordinator.post(
        path, data=base | {"window_start": "10:00", "window_end": "09:00"}
    )
    assert reversed_window.status_code == 422
    assert field_errors(reversed_window.text, "window_end")
    too_long = coordinator.post(path, data=base | {"customer_name": "x" * 121})
    assert too_long.status_code == 422
    assert "terlalu panjang" in field_errors(too_long.text, "customer_name")[0]
    no_weight = coordinator.post(path, data=base | {"weight_kg": ""})
    assert field_errors(no_weight.text, "weight_kg") == ['Berat wajib diisi (kolom "weight_kg").']
    assert stored(engine, order.id).lat == pytest.approx(-7.9712)
    assert stored(engine, order.id).address == "Jl. Danau Toba 12, Sawojajar"


def test_a_pickup_order_is_made_ready_then_collected(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """Siap diambil, then sudah diambil with the cash received; a delivery order cannot."""
    with Session(engine, expire_on_commit=False) as session:
        market = world.markets["sawojajar"]
        pickup = add_order(
            session, market, "wa-p1", world.day, fulfilment=Fulfilment.PICKUP, lat=None, lon=None
        )
        delivery = add_order(session, market, "wa-p2", world.day)
    page = coordinator.get(f"/console/sawojajar?tanggal={world.day.isoformat()}")
    assert f"/orders/{pickup.id}/ready" in page.text
    assert f"/orders/{delivery.id}/ready" not in page.text
    csrf = csrf_of(coordinator)
    ready = coordinator.post(
        f"/console/sawojajar/orders/{pickup.id}/ready", data={"csrf": csrf}, follow_redirects=False
    )
    assert ready.status_code == 303
    assert stored(engine, pickup.id).status is OrderStatus.PICKED_UP
    shown = coordinator.get(ready.headers["location"])
    assert "Siap diambil" in shown.text
    got = coordinator.post(
        f"/console/sawojajar/orders/{pickup.id}/collected",
        data={"csrf": csrf, "collected_rp": "90.000"},
        follow_redirects=False,
    )
    assert got.status_code == 303
    done = stored(engine, pickup.id)
    assert (done.status, done.collected_rp) == (OrderStatus.DELIVERED, 90_000)
    refused = coordinator.post(
        f"/console/sawojajar/orders/{delivery.id}/ready", data={"csrf": csrf}
    )
    assert refused.status_code == 422
    assert "diantar kurir, bukan diambil sendiri" in refused.text
    assert stored(engine, delivery.id).status is OrderStatus.PENDING


# -- the market page ---------------------------------------------------------------------------


def test_orders_are_filtered_and_searched(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """Search finds a name, an address or a phone (written 0812...); status filters apply."""
    market = world.markets["sawojajar"]
    with Session(engine, expire_on_commit=False) as session:
        add_order(session, market, "wa-s1", world.day, customer_name="Pak Harto")
        add_order(
            session, market, "wa-s2", world.day, customer_name="Bu Ani", phone="+6285711112222"
        )
        add_order(
            session,
            market,
            "wa-s3",
            world.day,
            customer_name="Mbak Rina",
            status=OrderStatus.CANCELLED,
        )
    base = f"/console/sawojajar?tanggal={world.day.isoformat()}"

    def names(query: str) -> set[str]:
        page = coordinator.get(base + query)
        return set(re.findall(r'class="order__name">([^<]+)<', page.text))

    assert names("") == {"Pak Harto", "Bu Ani", "Mbak Rina"}  # the whole day by default
    assert names("&status=open") == {"Pak Harto", "Bu Ani"}
    assert names("&status=all") == {"Pak Harto", "Bu Ani", "Mbak Rina"}
    assert names("&status=cancelled") == {"Mbak Rina"}
    assert names("&q=harto") == {"Pak Harto"}
    assert names("&q=0857-1111") == {"Bu Ani"}
    assert names("&q=%25") == set()  # a LIKE wildcard is searched for literally
    assert names("&status=nonsense") == names("")  # an unknown filter: the default


def test_the_market_page_shows_map_runners_and_dropped_reasons(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """Routes by colour on the map, runners with their load, dropped orders with why."""
    market = world.markets["sawojajar"]
    with Session(engine, expire_on_commit=False) as session:
        carried = add_order(session, market, "wa-m1", world.day, customer_name="Pak Budi")
        left = add_order(session, market, "wa-m2", world.day, customer_name="Bu Tini")
        run = add_plan(session, market, world.day)
        add_stop(session, run, world.runner, carried)
        session.add(
            DroppedOrder(
                run_id=run.id, order_id=left.id, reason_code="exceeds_capacity", reason="heavy"
            )
        )
        session.commit()
    page = coordinator.get(f"/console/sawojajar?tanggal={world.day.isoformat()}")
    assert page.status_code == 200
    frame = re.search(r'<iframe class="map__frame" data-map src="([^"]+)"', page.text)
    assert frame is not None  # the map is a document of its own, framed by the board
    the_map = coordinator.get(unescape(frame.group(1)))
    assert "/static/maps/leaflet/leaflet.js" in the_map.text
    assert "Pak Budi" in page.text
    assert "Tidak terjadwal: Melebihi kapasitas kurir" in page.text
    assert f"{world.runner.name}" in page.text
    assert "1 pesanan, 2 kg · selesai 0, sisa 1" in page.text
    assert "data-replan" in page.text  # the place the lead's re-planning goes


def test_today_is_the_default_day_and_a_bad_day_is_refused(coordinator: TestClient) -> None:
    """Without ``tanggal`` (and no open orders on another day) the page is today's; a
    malformed one answers 422."""
    assert coordinator.get("/console/sawojajar").status_code == 200
    bad = coordinator.get("/console/sawojajar?tanggal=kemarin")
    assert bad.status_code == 422
    assert "tanggal" in bad.text


# -- dispatch ----------------------------------------------------------------------------------


def _wait_until_finished(client: TestClient, status_url: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while True:
        answer = client.get(status_url)
        assert answer.status_code == 200
        run: dict[str, Any] = answer.json()
        if run["finished"] or time.monotonic() > deadline:
            return run
        time.sleep(0.1)


def test_dispatch_runs_as_a_job_and_shows_its_result(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """The button queues a run; its status is polled until done, then routes are shown."""
    for key in ("wa-d1", "wa-d2"):
        form = order_form(world, coordinator, external_id=key, customer_name=f"Pelanggan {key}")
        coordinator.post("/console/sawojajar/orders/new", data=form)
    heavy = order_form(world, coordinator, external_id="wa-d3", weight_kg="500")
    coordinator.post("/console/sawojajar/orders/new", data=heavy)
    csrf = csrf_of(coordinator)
    started = coordinator.post(
        "/console/sawojajar/dispatch",
        data={"csrf": csrf, "tanggal": world.day.isoformat(), "time_limit_s": "0,3"},
        follow_redirects=False,
    )
    assert started.status_code == 303
    run_path = started.headers["location"]
    run = _wait_until_finished(coordinator, run_path + "/status.json")
    assert run["status"] == "done", run
    assert (run["routed"], run["dropped"]) == (2, 1)
    page = coordinator.get(run_path)
    assert "Pelanggan wa-d1" in page.text
    assert "Melebihi kapasitas kurir" in page.text
    assert "data-poll" not in page.text  # finished: nothing left to poll
    market = coordinator.get(f"/console/sawojajar?tanggal={world.day.isoformat()}")
    assert "Selesai" in market.text
    bad = coordinator.post(
        "/console/sawojajar/dispatch", data={"csrf": csrf, "time_limit_s": "999"}
    )
    assert bad.status_code == 422


def test_another_markets_run_is_not_found(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """A run of another market answers 404 on the page and on its status."""
    run = add_plan_for(engine, world, "gadang")
    assert coordinator.get(f"/console/sawojajar/dispatch/{run}").status_code == 404
    status = coordinator.get(f"/console/sawojajar/dispatch/{run}/status.json")
    assert status.status_code == 404
    assert status.json()["error"]["code"] == "dispatch.unknown_run"


def add_plan_for(engine: Engine, world: World, code: str) -> uuid.UUID:
    with Session(engine, expire_on_commit=False) as session:
        return add_plan(session, world.markets[code], world.day).id


def test_status_polling_without_a_session_is_json_401(client: TestClient, world: World) -> None:
    """The polling endpoint answers JSON, not a redirect, when signed out."""
    answer = client.get(f"/console/sawojajar/dispatch/{uuid.uuid4()}/status.json")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "auth.required"


# -- one runner --------------------------------------------------------------------------------


def test_the_runner_page_has_route_cash_and_a_link_to_send(
    coordinator: TestClient, world: World, engine: Engine, settings: Settings
) -> None:
    """Stops in order with WIB times, cash held (collected + to collect), a valid signed link
    and a wa.me link to the runner carrying it."""
    market = world.markets["sawojajar"]
    with Session(engine, expire_on_commit=False) as session:
        first = add_order(session, market, "wa-r1", world.day, customer_name="Pak Satu")
        second = add_order(session, market, "wa-r2", world.day, customer_name="Bu Dua")
        third = add_order(
            session, market, "wa-r3", world.day, customer_name="Bu Tiga", payment=Payment.CASHLESS
        )
        run = add_plan(session, market, world.day)
        for order in (first, second, third):
            add_stop(session, run, world.runner, order)
    with session_scope(engine) as session:
        mark_delivered(session, first.id, collected_rp=88_000, by="runner test")
    page = coordinator.get(
        f"/console/sawojajar/runners/{world.runner.id}?tanggal={world.day.isoformat()}"
    )
    assert page.status_code == 200
    text = page.text
    assert text.index("Pak Satu") < text.index("Bu Dua") < text.index("Bu Tiga")
    assert "Rp 88.000" in text  # collected so far
    assert "Rp 90.000" in text  # still to collect: Bu Dua's COD (Bu Tiga paid beforehand)
    assert "Rp 178.000" in text  # what the runner should hold
    link = re.search(r'class="copy" type="text" value="([^"]+)"', text)
    assert link is not None
    assert link.group(1).startswith(settings.public_base_url + "/r/")
    verified = verify_runner_link(link.group(1).rsplit("/", 1)[1], settings)
    assert (verified.runner_id, verified.service_date) == (world.runner.id, world.day)
    share = re.search(r'href="(https://wa\.me/[^"]+)"', text)
    assert share is not None
    url = urlsplit(unescape(share.group(1)))
    assert url.path == "/" + world.runner.phone.removeprefix("+")
    message = unquote(parse_qs(url.query)["text"][0])
    assert message.startswith("Halo ")
    assert link.group(1) in message
    assert "data-replan" in text


# -- pickup orders in dispatch.actions ---------------------------------------------------------


def test_pickup_actions_refuse_delivery_orders(engine: Engine, world: World) -> None:
    """Only a pickup order can be made ready or collected; a delivery order keeps its path."""
    with Session(engine, expire_on_commit=False) as session:
        order = add_order(session, world.markets["sawojajar"], "wa-a1", world.day)
    with session_scope(engine) as session, pytest.raises(DomainError) as refused:
        mark_ready_for_pickup(session, order.id, by="t")
    assert refused.value.code == "order.not_pickup"
    with session_scope(engine) as session, pytest.raises(DomainError) as jumped:
        mark_picked_up(session, order.id, by="t")  # pending delivery: not without a route
    assert jumped.value.code == "order.invalid_transition"


def test_a_pickup_order_can_be_collected_in_one_go(engine: Engine, world: World) -> None:
    """Collected straight from pending (the customer came early), with the cash recorded."""
    with Session(engine, expire_on_commit=False) as session:
        order = add_order(
            session, world.markets["sawojajar"], "wa-a2", world.day, fulfilment=Fulfilment.PICKUP
        )
    with session_scope(engine) as session:
        done = mark_collected(session, order.id, collected_rp=0, by="t")
        assert done.status is OrderStatus.DELIVERED
    with session_scope(engine) as session, pytest.raises(DomainError) as negative:
        mark_collected(session, order.id, collected_rp=-1, by="t")
    assert negative.value.code == "order.invalid_amount"


def test_delivery_transitions_are_unchanged_by_pickup_ones() -> None:
    """Pickup orders only gain pending -> picked_up | delivered; nothing else differs."""
    for status, targets in TRANSITIONS.items():
        extra = PICKUP_TRANSITIONS[status] - targets
        if status is OrderStatus.PENDING:
            assert extra == {OrderStatus.PICKED_UP, OrderStatus.DELIVERED}
            assert OrderStatus.ASSIGNED not in PICKUP_TRANSITIONS[status]
        else:
            assert PICKUP_TRANSITIONS[status] == targets


ACTIONS = st.lists(st.sampled_from(["ready", "collect", "cancel", "picked_up"]), max_size=6)


@settings(max_examples=40, deadline=None)
@given(actions=ACTIONS)
def test_a_pickup_orders_status_only_moves_forward(actions: list[str]) -> None:
    """Whatever the coordinator taps, a pickup order ends cancelled or collected at most once
    and never goes back: each recorded change is an allowed transition."""
    from dispatch.actions import cancel_order, move_status

    class FakeSession:
        def __init__(self, order: Order) -> None:
            self.order = order
            self.changes: list[OrderStatusChange] = []

        def get(self, _model: object, _id: object) -> Order:
            return self.order

        def add(self, row: object) -> None:
            if isinstance(row, OrderStatusChange):
                self.changes.append(row)

    market = Market(code="sawojajar", name="Pasar Sawojajar", lat=-7.97, lon=112.66)
    order = make_order(market, fulfilment=Fulfilment.PICKUP, lat=None, lon=None)
    session: Any = FakeSession(order)
    do = {
        "ready": lambda: mark_ready_for_pickup(session, order.id, by="t"),
        "collect": lambda: mark_collected(session, order.id, collected_rp=1000, by="t"),
        "cancel": lambda: cancel_order(session, order.id, by="t"),
        "picked_up": lambda: move_status(session, order, OrderStatus.PICKED_UP, by="t"),
    }
    refusals: list[str] = []
    for action in actions:
        try:
            do[action]()
        except DomainError as error:
            refusals.append(error.code)
    assert set(refusals) <= {"order.invalid_transition"}
    for change in session.changes:
        assert change.from_status is not None
        assert change.to_status in PICKUP_TRANSITIONS[change.from_status]
    finals = [c for c in session.changes if c.to_status in (OrderStatus.DELIVERED,
                                                             OrderStatus.CANCELLED)]  # fmt: skip
    assert len(finals) <= 1


# -- re-planning (api/console/replan.py) -------------------------------------------------------


def planned_sawojajar(engine: Engine, world: World) -> tuple[list[Order], list[Any]]:
    """Two orders on the first runner's route and the market's runners."""
    market = world.markets["sawojajar"]
    with Session(engine, expire_on_commit=False) as session:
        orders = [
            add_order(session, market, f"wa-rp{k}", world.day, customer_name=name)
            for k, name in enumerate(("Pak Joko", "Bu Rahayu"))
        ]
        run = add_plan(session, market, world.day)
        for order in orders:
            add_stop(session, run, world.runner, order)
    return orders, world.runners["sawojajar"]


def all_day_shifts(engine: Engine, world: World) -> None:
    """Sawojajar's runners work all day: ends of shift re-plan today at any hour."""
    import datetime as dt

    with session_scope(engine) as session:
        for runner in world.runners["sawojajar"]:
            row = session.get(Runner, runner.id)
            assert row is not None
            row.shift_start, row.shift_end = dt.time(0, 0), dt.time(23, 59)


def test_the_market_page_offers_every_replanning_action(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """Per open delivery a move select (other runners only) and a pin; per runner a lock and
    an end of shift that asks first; one re-plan button; stale positions marked."""
    (joko, _), runners = planned_sawojajar(engine, world)
    with session_scope(engine) as session:
        for runner, minutes in ((runners[1], 3), (runners[2], 45)):
            row = session.get(Runner, runner.id)
            assert row is not None
            row.last_lat, row.last_lon = -7.975, 112.661
            row.last_seen_at = datetime.now(UTC) - timedelta(minutes=minutes)
    page = coordinator.get(f"/console/sawojajar?tanggal={world.day.isoformat()}")
    assert page.status_code == 200
    text = page.text
    slot = re.search(rf'data-order="{joko.id}" data-replan>(.*?)</div>', text, re.S)
    assert slot is not None
    options = re.findall(r'<option value="([^"]+)">', slot.group(1))
    assert options == [str(runners[1].id), str(runners[2].id)]  # not the runner it is on
    assert "Pindahkan ke" in slot.group(1)
    assert "Sematkan ke kurir ini" in slot.group(1)
    assert text.count("Kunci urutan") == 3
    assert text.count('data-confirm="') >= 3
    assert f"{runners[0].name} selesai shift?" in unescape(text)
    assert 'action="/console/sawojajar/replan"' in text
    positions = re.findall(r"data-position[^>]*>([^\n]*)</div>", text)
    assert [("usang" in p) for p in positions] == [False, False, True]
    the_map = coordinator.get(f"/console/sawojajar/map?tanggal={world.day.isoformat()}")
    assert "45 menit yang lalu (usang)" in the_map.text  # the map's pop-up too
    assert "frame-ancestors 'self'" in the_map.headers["content-security-policy"]
    english = coordinator.get(f"/console/sawojajar?tanggal={world.day.isoformat()}&lang=en").text
    for words in ("Move to", "Pin to this runner", "Lock the sequence", "End of shift", "Re-plan"):
        assert words in english
    english_map = f"/console/sawojajar/map?tanggal={world.day.isoformat()}&lang=en"
    assert "45 minutes ago (stale)" in coordinator.get(english_map).text


def test_a_move_from_the_console_replans_and_shows_what_moved(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """The move lands on the new run's page: the count, the order from one runner to the
    other, the routes; the new runner's page lists it; the order's history says who did it."""
    (joko, _), runners = planned_sawojajar(engine, world)
    csrf = csrf_of(coordinator)
    moved = coordinator.post(
        f"/console/sawojajar/orders/{joko.id}/move",
        data={"csrf": csrf, "runner_id": str(runners[2].id), "time_limit_s": "0,3"},
        follow_redirects=False,
    )
    assert moved.status_code == 303, moved.text
    assert "/console/sawojajar/dispatch/" in moved.headers["location"]
    page = coordinator.get(moved.headers["location"])
    text = unescape(page.text)
    assert "Hasil rencana ulang" in text
    assert re.search(r"[12] pesanan pindah kurir, 0 tidak terjadwal\.", text)
    assert f"Pak Joko</a>: {runners[0].name} → {runners[2].name}" in text
    assert "Alasan: pesanan dipindahkan · oleh Koordinator " in text
    route = coordinator.get(
        f"/console/sawojajar/runners/{runners[2].id}?tanggal={world.day.isoformat()}"
    )
    assert "Pak Joko" in route.text
    assert stored(engine, joko.id).pinned_runner_id == runners[2].id
    order_page = coordinator.get(f"/console/sawojajar/orders/{joko.id}")
    assert order_page.status_code == 200
    history = unescape(order_page.text)
    assert f"Disematkan ke {runners[2].name}" in history
    assert f"Dipindahkan ke kurir</strong>: {runners[2].name}" in history
    assert "Koordinator " in history
    assert "WIB" in history


def test_replanning_the_market_and_a_runners_end_of_shift(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """The re-plan button shows its result; an end of shift takes the runner off duty and
    lands on its re-plan's result too."""
    planned_sawojajar(engine, world)
    all_day_shifts(engine, world)
    csrf = csrf_of(coordinator)
    answer = coordinator.post(
        "/console/sawojajar/replan",
        data={"csrf": csrf, "tanggal": world.day.isoformat(), "time_limit_s": "0.3"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    result = unescape(coordinator.get(answer.headers["location"]).text)
    assert "Alasan: diminta koordinator" in result
    assert "Pak Joko" in result
    off = coordinator.post(  # as the form on the day's page sends it: with that day
        f"/console/sawojajar/runners/{world.runner.id}/off-shift",
        data={"csrf": csrf, "tanggal": world.day.isoformat(), "time_limit_s": "0.3"},
        follow_redirects=False,
    )
    assert off.status_code == 303, off.text
    assert "Alasan: kurir selesai shift" in unescape(coordinator.get(off.headers["location"]).text)
    page = coordinator.get(f"/console/sawojajar?tanggal={world.day.isoformat()}")
    assert page.text.count("Selesai shift</button>") == 2  # not for the runner off duty
    assert "Selesai shift hari ini" in page.text
    later = world.day + timedelta(days=1)
    next_day = coordinator.get(f"/console/sawojajar?tanggal={later.isoformat()}")
    assert next_day.text.count("Selesai shift</button>") == 3  # the next day, he works
    too_long = coordinator.post(
        "/console/sawojajar/replan", data={"csrf": csrf, "time_limit_s": "11"}
    )
    assert too_long.status_code == 422


def test_pins_and_locks_return_to_their_page_with_a_note(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """Pinning from the order's page comes back there; locking from the runner's page comes
    back there with the lock shown; nothing is re-planned."""
    (joko, _), runners = planned_sawojajar(engine, world)
    csrf = csrf_of(coordinator)
    here = f"/console/sawojajar/orders/{joko.id}"
    pinned = coordinator.post(
        f"{here}/pin",
        data={"csrf": csrf, "runner_id": str(runners[0].id), "back": here},
        follow_redirects=False,
    )
    assert pinned.status_code == 303
    assert pinned.headers["location"] == f"{here}?ok=order_pinned"
    page = coordinator.get(pinned.headers["location"])
    assert "Pesanan disematkan ke kurir." in page.text
    assert "Lepas sematan" in page.text
    unpinned = coordinator.post(f"{here}/pin", data={"csrf": csrf, "runner_id": ""})
    assert unpinned.status_code == 200
    assert stored(engine, joko.id).pinned_runner_id is None
    runner_page = f"/console/sawojajar/runners/{world.runner.id}?tanggal={world.day.isoformat()}"
    locked = coordinator.post(
        f"/console/sawojajar/runners/{world.runner.id}/lock",
        data={
            "csrf": csrf,
            "locked": "1",
            "tanggal": world.day.isoformat(),
            "back": runner_page + "#replan",
        },
    )
    assert locked.status_code == 200
    assert "Urutan kurir dikunci." in locked.text
    assert "urutan terkunci" in locked.text
    assert "Buka kunci urutan" in locked.text
    elsewhere = coordinator.post(
        f"/console/sawojajar/runners/{world.runner.id}/lock",
        data={"csrf": csrf, "locked": "0", "back": "https://example.com/"},
        follow_redirects=False,
    )
    assert elsewhere.headers["location"].startswith("/console/sawojajar?")
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(DispatchRun)).one() == 1


def test_replanning_forms_need_the_csrf_token_and_stay_in_the_market(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """Without the session's token every form is refused (403) and nothing changes; another
    market's rows and unknown runners are not found; a coordinator cannot re-plan another
    market."""
    (joko, _), runners = planned_sawojajar(engine, world)
    gadang_order = add_plan_order(engine, world, "gadang")
    forms = [
        (f"/console/sawojajar/orders/{joko.id}/move", {"runner_id": str(runners[1].id)}),
        (f"/console/sawojajar/orders/{joko.id}/pin", {"runner_id": str(runners[1].id)}),
        (f"/console/sawojajar/runners/{world.runner.id}/lock", {"locked": "1"}),
        (f"/console/sawojajar/runners/{world.runner.id}/off-shift", {}),
        ("/console/sawojajar/replan", {}),
    ]
    for path, data in forms:
        for csrf in ({}, {"csrf": "palsu"}):
            answer = coordinator.post(path, data=data | csrf)
            assert answer.status_code == 403, (path, answer.text)
    assert stored(engine, joko.id).pinned_runner_id is None
    with Session(engine) as session:
        runner = session.get(Runner, world.runner.id)
        assert runner is not None
        assert (runner.sequence_locked, runner.status.value) == (False, "available")
        assert session.exec(select(func.count()).select_from(DispatchRun)).one() == 2
    csrf = csrf_of(coordinator)
    gadang_runner = world.runners["gadang"][0]
    refused = [
        ("/console/gadang/replan", {}, 404),
        (f"/console/sawojajar/orders/{gadang_order}/pin", {"runner_id": ""}, 404),
        (f"/console/sawojajar/orders/{joko.id}/move", {"runner_id": str(gadang_runner.id)}, 404),
        (f"/console/sawojajar/orders/{joko.id}/move", {"runner_id": "budi"}, 404),
        (f"/console/sawojajar/orders/{joko.id}/move", {"runner_id": ""}, 422),
        (f"/console/sawojajar/runners/{gadang_runner.id}/lock", {"locked": "1"}, 404),
    ]
    for path, data, status in refused:
        answer = coordinator.post(path, data=data | {"csrf": csrf})
        assert answer.status_code == status, (path, answer.text)
        assert "<html" in answer.text  # a page, not JSON
    assert coordinator.get(f"/console/sawojajar/orders/{gadang_order}").status_code == 404
    assert coordinator.get(f"/console/sawojajar/orders/{uuid.uuid4()}").status_code == 404


def add_plan_order(engine: Engine, world: World, code: str) -> uuid.UUID:
    with Session(engine, expire_on_commit=False) as session:
        run = add_plan(session, world.markets[code], world.day)
        order = add_order(session, world.markets[code], "wa-lain", world.day)
        add_stop(session, run, world.runners[code][0], order)
        return order.id


def test_the_days_report_page_flags_cash_to_reconcile(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """A pickup order paid short shows in the report's table, its cards and among the cash
    differences by the customer's name; another market's report is not found; the CSV has a
    market total row."""
    with Session(engine, expire_on_commit=False) as session:
        pickup = add_order(
            session,
            world.markets["sawojajar"],
            "wa-r1",
            world.day,
            fulfilment=Fulfilment.PICKUP,
            lat=None,
            lon=None,
        )
        mark_collected(session, pickup.id, collected_rp=1_000, by="test")
        session.commit()
    expected = stored(engine, pickup.id).cod_rp
    day = world.day.isoformat()
    page = coordinator.get(f"/console/sawojajar/report?tanggal={day}")
    assert page.status_code == 200
    assert "Laporan hari ini" in page.text
    assert "Total pasar" in page.text
    # The difference by the customer's name, linking to the order (not its external id).
    difference = re.search(
        rf'<a href="/console/sawojajar/orders/{pickup.id}" class="difference__customer">([^<]+)<',
        page.text,
    )
    assert difference is not None
    assert difference.group(1) == pickup.customer_name
    assert "wa-r1" not in page.text
    assert f"-Rp {expected - 1_000:,}".replace(",", ".") in page.text
    assert 'class="card report-card' in page.text  # a card per runner for a phone
    market = coordinator.get(f"/console/sawojajar?tanggal={day}")
    assert f"/console/sawojajar/report?tanggal={day}" in market.text
    assert coordinator.get(f"/console/gadang/report?tanggal={day}").status_code == 404
    download = coordinator.get(f"/console/sawojajar/report.csv?tanggal={day}")
    assert download.headers["content-type"].startswith("text/csv")
    assert ",total," in download.text


def test_a_runner_off_shift_can_be_put_back_on_shift(
    coordinator: TestClient, world: World, engine: Engine
) -> None:
    """After "Selesai shift" the runner's row offers "Mulai shift lagi", which makes it
    available again (a re-plan of the market) and lands on the run's result page."""
    with session_scope(engine) as session:
        runner = session.get(Runner, world.runner.id)
        assert runner is not None
        runner.status = RunnerStatus.OFF_DUTY
        session.add(runner)
    page = coordinator.get(f"/console/sawojajar?tanggal={world.day.isoformat()}")
    action = f"/console/sawojajar/runners/{world.runner.id}/on-shift"
    assert action in page.text
    assert "Mulai shift lagi" in page.text
    answer = coordinator.post(
        action, data={"csrf": csrf_of(coordinator), "time_limit_s": "0.2"}, follow_redirects=False
    )
    assert answer.status_code == 303
    with Session(engine) as session:
        back = session.get(Runner, world.runner.id)
        assert back is not None
        assert back.status is RunnerStatus.AVAILABLE


def test_a_dispatch_that_moves_orders_off_runners_with_their_link_asks_first(
    coordinator: TestClient, world: World, engine: Engine, settings: Settings
) -> None:
    """With a plan sent out, a dispatch that would give an order to another runner lists it
    (order, from, to) and runs nothing until the coordinator confirms."""
    for key in ("wa-m1", "wa-m2", "wa-m3"):
        form = order_form(world, coordinator, external_id=key, customer_name=f"Pelanggan {key}")
        coordinator.post("/console/sawojajar/orders/new", data=form)
    first = dispatch(engine, ["sawojajar"], world.day, settings, time_limit_s=0.3, workers=1)
    with Session(engine) as session:
        stop, route = session.exec(
            select(RouteStop, Route)
            .join(Route, col(Route.id) == col(RouteStop.route_id))
            .where(Route.run_id == first.run_id)
        ).first()
        order = session.get(Order, stop.order_id)
        assert order is not None
    other = next(r for r in world.runners["sawojajar"] if r.id != route.runner_id)
    pin_order(engine, order.id, other.id, by="test")
    csrf = csrf_of(coordinator)
    form = {"csrf": csrf, "tanggal": world.day.isoformat(), "time_limit_s": "0,3"}
    asked = coordinator.post("/console/sawojajar/dispatch", data=form, follow_redirects=False)
    assert asked.status_code == 200, asked.text
    assert "Dispatch ulang mengubah kurir" in asked.text
    assert order.idempotency_key in asked.text
    assert other.name in asked.text
    with Session(engine) as session:
        assert len(session.exec(select(DispatchRun)).all()) == 1  # nothing ran yet
    confirmed = coordinator.post(
        "/console/sawojajar/dispatch", data=form | {"confirm": "1"}, follow_redirects=False
    )
    assert confirmed.status_code == 303
    run = _wait_until_finished(coordinator, confirmed.headers["location"] + "/status.json")
    assert run["status"] == "done", run
