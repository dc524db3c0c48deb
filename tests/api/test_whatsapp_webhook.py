"""The WhatsApp webhook end to end: signed deliveries in, drafts and orders made by the worker,
replies out to a fake Graph API on loopback, status callbacks back on the outbound record."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from dispatch.models import (
    DraftStatus,
    Order,
    OutboundStatus,
    WhatsAppDraft,
    WhatsAppMessage,
    WhatsAppOutbound,
    WhatsAppRefusal,
)
from dispatch.settings import Settings
from dispatch.whatsapp.outbound import queue_message
from tests.api.conftest import World
from tests.api.test_live_server import base_url
from tests.graph_api import (
    PHONE_NUMBER_ID,
    FakeGraphApi,
    graph_api,
    location_message,
    signature,
    status_callback,
    text_message,
    webhook,
)

__all__ = ["base_url", "graph_api"]

WEBHOOK = "/api/v1/whatsapp/webhook"
APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"
CUSTOMER = "6281234567890"
NEAR_SAWOJAJAR = (-7.9712, 112.6655)
SURABAYA = (-7.2575, 112.7521)


def recent() -> int:
    """A minute ago, in Unix seconds: messages are dated now, so a text still waits for its
    location (the gap is counted from the text's time)."""
    return int(datetime.now(UTC).timestamp()) - 60


@pytest.fixture
def settings(database_url: str, graph_api: FakeGraphApi) -> Settings:
    """Test settings with WhatsApp configured against the fake Graph API."""
    return whatsapp_settings(database_url, graph_api)


def whatsapp_settings(database_url: str, graph_api: FakeGraphApi) -> Settings:
    """Settings for a test database with WhatsApp pointed at ``graph_api``."""
    return Settings(
        database_url=database_url,
        secret_key="test-secret-key-0123456789",
        public_base_url="http://antar.test",
        whatsapp_app_secret=APP_SECRET,
        whatsapp_verify_token=VERIFY_TOKEN,
        whatsapp_access_token="test-access-token",
        whatsapp_phone_number_id=PHONE_NUMBER_ID,
        whatsapp_graph_base_url=graph_api.url,
        whatsapp_timeout_s=2.0,
        whatsapp_backoff_s=0.01,
    )


def deliver(client: TestClient, payload: Any, *, secret: str | None = APP_SECRET) -> Response:
    """POST ``payload`` to the webhook, signed as the platform would (unsigned when None)."""
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Hub-Signature-256"] = signature(body, secret)
    return client.post(WEBHOOK, content=body, headers=headers)


def drain(app: FastAPI) -> None:
    """Wait for the WhatsApp worker to finish a whole cycle (processing and sending)."""
    assert app.state.whatsapp.drain(30.0), "the WhatsApp worker did not finish a cycle"


def count(engine: Engine, model: type[Any]) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def drafts(engine: Engine) -> list[WhatsAppDraft]:
    with Session(engine) as session:
        return list(session.exec(select(WhatsAppDraft)).all())


# -- handshake and signatures --------------------------------------------------------------------


def test_handshake_echoes_the_challenge(client: TestClient) -> None:
    """``hub.mode=subscribe`` with the right token: the challenge as text/plain."""
    answer = client.get(
        WEBHOOK,
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "4242"},
    )
    assert answer.status_code == 200
    assert answer.text == "4242"
    assert answer.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    ("mode", "token"), [("subscribe", "wrong"), ("unsubscribe", VERIFY_TOKEN), ("", "")]
)
def test_handshake_with_a_wrong_token_or_mode_is_403(
    client: TestClient, mode: str, token: str
) -> None:
    """Anything but the configured token with mode subscribe: 403, in the error shape."""
    answer = client.get(
        WEBHOOK, params={"hub.mode": mode, "hub.verify_token": token, "hub.challenge": "1"}
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "whatsapp.verify_failed"


@pytest.mark.parametrize("secret", ["another-secret", None])
def test_bad_or_missing_signature_is_401_and_stores_nothing(
    client: TestClient, engine: Engine, secret: str | None
) -> None:
    """A forged or unsigned delivery is refused before anything is stored."""
    t0 = recent()
    payload = webhook([text_message("wamid.FORGED", CUSTOMER, "beras 5 kg", t0)])
    answer = deliver(client, payload, secret=secret)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "whatsapp.bad_signature"
    assert count(engine, WhatsAppMessage) == 0


def test_a_signed_delivery_is_stored_and_acknowledged(client: TestClient, engine: Engine) -> None:
    """Text and location stored with sender, profile name, time and raw JSON; 200 at once."""
    t0 = recent()
    payload = webhook(
        [
            text_message("wamid.T1", CUSTOMER, "halo", t0),
            location_message("wamid.L1", CUSTOMER, *NEAR_SAWOJAJAR, t0 + 5, address="Jl. A 1"),
        ],
        names={CUSTOMER: "Wulan"},
    )
    answer = deliver(client, payload)
    assert answer.status_code == 200
    assert answer.json() == {
        "received": 2,
        "repeated": 0,
        "statuses": 0,
        "ignored": 0,
        "refused": 0,
    }
    with Session(engine) as session:
        rows = {m.wa_message_id: m for m in session.exec(select(WhatsAppMessage)).all()}
    text, location = rows["wamid.T1"], rows["wamid.L1"]
    assert (text.kind, text.text, text.wa_id, text.profile_name) == (
        "text",
        "halo",
        CUSTOMER,
        "Wulan",
    )
    assert text.sent_at == datetime.fromtimestamp(t0, UTC)
    assert text.raw["id"] == "wamid.T1"
    assert (location.lat, location.lon, location.location_address) == (*NEAR_SAWOJAJAR, "Jl. A 1")


def test_a_redelivery_changes_nothing(client: TestClient, engine: Engine) -> None:
    """The same delivery twice: the second answers 200 and stores nothing new."""
    t0 = recent()
    payload = webhook([text_message("wamid.T1", CUSTOMER, "halo", t0)])
    assert deliver(client, payload).json()["received"] == 1
    assert deliver(client, payload).json() == {
        "received": 0,
        "repeated": 1,
        "statuses": 0,
        "ignored": 0,
        "refused": 0,
    }
    assert count(engine, WhatsAppMessage) == 1


def test_unknown_message_types_are_acknowledged_and_ignored(
    client: TestClient, engine: Engine
) -> None:
    """An image (or sticker, reaction...) answers 200 and is not stored."""
    t0 = recent()
    image = {"from": CUSTOMER, "id": "wamid.IMG", "timestamp": str(t0), "type": "image"}
    answer = deliver(client, webhook([image]))
    assert answer.status_code == 200
    assert answer.json()["ignored"] == 1
    assert count(engine, WhatsAppMessage) == 0


def test_a_body_that_is_not_json_is_400(client: TestClient) -> None:
    """Signed but unreadable: 400 in the error shape (not a crash)."""
    body = b"not json"
    answer = client.post(
        WEBHOOK, content=body, headers={"X-Hub-Signature-256": signature(body, APP_SECRET)}
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "request.unreadable"


def test_status_callbacks_update_the_outbound_record(
    app: FastAPI, client: TestClient, engine: Engine, graph_api: FakeGraphApi
) -> None:
    """A reply sent through the fake, then delivered and read as the platform reports."""
    t0 = recent()
    with Session(engine) as session:
        queue_message(session, to_wa_id=CUSTOMER, kind="test", body="Halo", dedupe_key="t:1")
        session.commit()
    client.app.state.whatsapp.wake()  # type: ignore[attr-defined]
    drain(app)
    [request] = graph_api.messages_to(CUSTOMER)
    assert request.text == "Halo"
    with Session(engine) as session:
        row = session.exec(select(WhatsAppOutbound)).one()
    assert row.status is OutboundStatus.SENT
    assert row.wa_message_id is not None
    statuses = [
        status_callback(row.wa_message_id, "delivered", t0 + 10),
        status_callback(row.wa_message_id, "read", t0 + 20),
    ]
    answer = deliver(client, webhook(statuses=statuses))
    assert answer.json()["statuses"] == 2
    with Session(engine) as session:
        row = session.exec(select(WhatsAppOutbound)).one()
    assert row.status is OutboundStatus.READ
    assert row.status_at == datetime.fromtimestamp(t0 + 20, UTC)


# -- messages to orders (through the parser) ---------------------------------------------------

ORDER_TEXT = (
    "Assalamualaikum mbak, mau pesan:\n"
    "bawang merah 1 kg\n"
    "cabe rawit 2 ons\n"
    "tahu 10 biji\n"
    "diantar ya, bayar COD"
)


def test_text_and_location_make_one_order_and_a_confirmation(
    app: FastAPI, client: TestClient, engine: Engine, graph_api: FakeGraphApi
) -> None:
    """An order text and the location shared a minute later: one order at the nearest market,
    a confirmation with the items and a tracking link; re-delivering both changes nothing."""
    t0 = recent()
    messages = [
        text_message("wamid.ORDER1", CUSTOMER, ORDER_TEXT, t0),
        location_message(
            "wamid.LOC1", CUSTOMER, *NEAR_SAWOJAJAR, t0 + 60, address="Jl. Danau Toba 12"
        ),
    ]
    deliver(client, webhook(messages[:1], names={CUSTOMER: "Wulan Sari"}))
    deliver(client, webhook(messages[1:], names={CUSTOMER: "Wulan Sari"}))
    drain(app)
    [draft] = drafts(engine)
    assert draft.status is DraftStatus.ORDERED, (draft.reason, draft.problem, draft.reading)
    with Session(engine) as session:
        order = session.exec(select(Order)).one()
        assert order.idempotency_key == "wamid.ORDER1"
        assert order.phone == "+6281234567890"
        assert order.customer_name == "Wulan Sari"
        assert order.address == "Jl. Danau Toba 12"
        assert order.payment.value == "cod"
        assert {item.name for item in order.items} >= {"bawang merah", "tahu"}
    [confirmation] = graph_api.messages_to(CUSTOMER)
    assert "Pesanan Anda di Pasar Sawojajar kami terima" in confirmation.text
    assert "bawang merah 1 kg" in confirmation.text
    assert "http://antar.test/t/" in confirmation.text

    for message in messages:
        deliver(client, webhook([message]))
    drain(app)
    assert count(engine, Order) == 1
    assert count(engine, WhatsAppDraft) == 1
    assert len(graph_api.messages_to(CUSTOMER)) == 1


def test_a_location_shared_before_the_text_joins_it(
    app: FastAPI, client: TestClient, engine: Engine
) -> None:
    """Location first, text two minutes later: still one draft with that location."""
    t0 = recent()
    deliver(client, webhook([location_message("wamid.L0", CUSTOMER, *NEAR_SAWOJAJAR, t0)]))
    drain(app)
    deliver(client, webhook([text_message("wamid.TEXT0", CUSTOMER, ORDER_TEXT, t0 + 120)]))
    drain(app)
    [draft] = drafts(engine)
    assert draft.location_message_id == "wamid.L0"
    assert draft.status is DraftStatus.ORDERED


def test_a_message_that_is_not_an_order_is_stored_without_a_draft(
    app: FastAPI, client: TestClient, engine: Engine, graph_api: FakeGraphApi
) -> None:
    """Greetings and thanks are kept, make no draft and get no reply."""
    t0 = recent()
    deliver(client, webhook([text_message("wamid.HI", CUSTOMER, "Terima kasih mbak 🙏", t0)]))
    drain(app)
    assert count(engine, WhatsAppMessage) == 1
    assert drafts(engine) == []
    assert graph_api.messages_to(CUSTOMER) == []


def test_outside_the_service_area_gets_a_reply_and_no_order(
    app: FastAPI, client: TestClient, engine: Engine, graph_api: FakeGraphApi
) -> None:
    """A location in Surabaya: the draft goes to review and the customer is told why."""
    t0 = recent()
    messages = [
        text_message("wamid.FAR", CUSTOMER, ORDER_TEXT, t0),
        location_message("wamid.FARLOC", CUSTOMER, *SURABAYA, t0 + 30),
    ]
    deliver(client, webhook(messages))
    drain(app)
    [draft] = drafts(engine)
    assert (draft.status, draft.reason) == (DraftStatus.REVIEW, "outside_service_area")
    assert count(engine, Order) == 0
    [reply] = graph_api.messages_to(CUSTOMER)
    assert "di luar Kota Malang" in reply.text


LOW_CONFIDENCE_TEXT = "mbak beliin bawang sama cabe ya"


def test_low_confidence_goes_to_review_then_accept_makes_the_order(
    app: FastAPI, client: TestClient, engine: Engine, world: World, graph_api: FakeGraphApi
) -> None:
    """A doubtful text waits for a coordinator, who accepts it with the items corrected."""
    t0 = recent()
    messages = [
        text_message("wamid.VAGUE", CUSTOMER, LOW_CONFIDENCE_TEXT, t0),
        location_message("wamid.VLOC", CUSTOMER, *NEAR_SAWOJAJAR, t0 + 30),
    ]
    deliver(client, webhook(messages))
    drain(app)
    [draft] = drafts(engine)
    assert (draft.status, draft.reason) == (DraftStatus.REVIEW, "low_confidence"), draft.reading
    assert count(engine, Order) == 0
    queue = client.get("/api/v1/drafts", headers=world.auth(world.coordinator)).json()
    assert [d["id"] for d in queue["data"]] == [str(draft.id)]
    accepted = client.post(
        f"/api/v1/drafts/{draft.id}/accept",
        json={"items": [{"name": "telur", "quantity": 1, "unit": "kg"}], "weight_kg": "1"},
        headers=world.auth(world.coordinator),
    )
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "ordered"
    drain(app)
    with Session(engine) as session:
        order = session.exec(select(Order)).one()
        assert order.idempotency_key == "wamid.VAGUE"
        assert [(i.name, i.quantity, i.unit) for i in order.items] == [("telur", 1.0, "kg")]
    assert any("telur 1 kg" in m.text for m in graph_api.messages_to(CUSTOMER))


def test_concurrent_redeliveries_over_http_make_one_message_and_one_order(
    base_url: str, app: FastAPI, engine: Engine, graph_api: FakeGraphApi
) -> None:
    """Twelve deliveries of the same text and location at once, on a real server: each message
    stored once, one order, one confirmation."""
    t0 = recent()
    payload = webhook(
        [
            text_message("wamid.RACE", CUSTOMER, ORDER_TEXT, t0),
            location_message("wamid.RACELOC", CUSTOMER, *NEAR_SAWOJAJAR, t0 + 20),
        ]
    )
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": signature(body, APP_SECRET),
    }
    start = threading.Barrier(12)

    def post(_: int) -> dict[str, int]:
        with httpx.Client(base_url=base_url, timeout=30) as http:
            start.wait()
            answer = http.post(WEBHOOK, content=body, headers=headers)
            assert answer.status_code == 200
            result: dict[str, int] = answer.json()
            return result

    with ThreadPoolExecutor(max_workers=12) as pool:
        receipts = list(pool.map(post, range(12)))
    assert sum(r["received"] for r in receipts) == 2
    assert sum(r["repeated"] for r in receipts) == 22
    drain(app)
    assert count(engine, WhatsAppMessage) == 2
    assert count(engine, Order) == 1
    assert len(graph_api.messages_to(CUSTOMER)) == 1


# -- bad messages, bad bodies ----------------------------------------------------------------------


def signed_body(client: TestClient, body: bytes) -> Response:
    """POST raw ``body`` bytes to the webhook, signed."""
    headers = {
        "Content-Type": "application/json",
        "X-Hub-Signature-256": signature(body, APP_SECRET),
    }
    return client.post(WEBHOOK, content=body, headers=headers)


@pytest.mark.parametrize("bad", ["halo\x00pesan", "halo\x1bpesan", "halo\ud800"])
def test_one_bad_message_never_blocks_the_others_of_its_delivery(
    client: TestClient, engine: Engine, bad: str
) -> None:
    """A message holding NUL (or another control character, or a lone surrogate) is refused
    on its own and recorded; its neighbours are stored, on every redelivery alike."""
    t0 = recent()
    payload = webhook(
        [
            text_message("wamid.GOOD", CUSTOMER, "bawang merah 1 kg", t0),
            text_message("wamid.BAD", CUSTOMER, bad, t0 + 1),
            location_message("wamid.LOC", CUSTOMER, *NEAR_SAWOJAJAR, t0 + 2),
        ]
    )
    body = json.dumps(payload).encode()  # ensure_ascii: "\u0000", "\ud800" escapes
    first = signed_body(client, body)
    assert first.status_code == 200, first.text
    assert first.json() | {"statuses": 0} == {
        "received": 2,
        "repeated": 0,
        "statuses": 0,
        "ignored": 0,
        "refused": 1,
    }
    for _ in range(3):
        again = signed_body(client, body)
        assert again.status_code == 200
        assert (again.json()["received"], again.json()["repeated"]) == (0, 2)
        assert again.json()["refused"] == 1
    with Session(engine) as session:
        stored = sorted(session.exec(select(WhatsAppMessage.wa_message_id)).all())
        assert stored == ["wamid.GOOD", "wamid.LOC"]
        refusals = session.exec(select(WhatsAppRefusal)).all()
        assert {(r.wa_message_id, r.code, r.field) for r in refusals} == {
            ("wamid.BAD", "whatsapp.control_character", "text")
        }
        assert len(refusals) == 4
        assert "karakter kendali" in refusals[0].detail


def test_a_message_id_longer_than_an_external_id_is_refused_on_its_own(
    client: TestClient, engine: Engine
) -> None:
    """A message id becomes the order's external_id (at most 100 characters)."""
    t0 = recent()
    payload = webhook(
        [
            text_message("wamid." + "A" * 100, CUSTOMER, "halo", t0),
            text_message("wamid.OK", CUSTOMER, "halo", t0),
        ]
    )
    answer = deliver(client, payload)
    assert (answer.json()["received"], answer.json()["refused"]) == (1, 1)
    assert count(engine, WhatsAppRefusal) == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"object": "whatsapp_business_account", "entry": [', "request.unreadable"),
        (b"\xff\xfe not json", "request.unreadable"),
        (b"[" * 100_000 + b"]" * 100_000, "request.unreadable"),
        (b'{"entry": ' + b"[" * 40 + b"]" * 40 + b"}", "request.too_deep"),
    ],
    ids=["truncated", "not-utf8", "nested-100000", "nested-41"],
)
def test_a_malformed_or_deeply_nested_signed_body_answers_400(
    client: TestClient, engine: Engine, body: bytes, code: str
) -> None:
    """Malformed JSON and JSON nested past the limit answer 400 (never a 500), storing
    nothing."""
    answer = signed_body(client, body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == code
    assert count(engine, WhatsAppMessage) == 0


@pytest.mark.parametrize("junk", ["\x00", "\ud800"])
def test_junk_elsewhere_in_a_message_is_stored_or_refused_on_its_own(
    client: TestClient, engine: Engine, junk: str
) -> None:
    """Junk in a field we do not read (kept in the message's raw JSON) either stores or is
    refused by the database for that message alone: never a 4xx/5xx for the delivery."""
    t0 = recent()
    odd = text_message("wamid.ODD", CUSTOMER, "halo", t0) | {"context": {"x": f"a{junk}b"}}
    payload = webhook([odd, text_message("wamid.OK", CUSTOMER, "halo", t0)])
    answer = signed_body(client, json.dumps(payload).encode())
    assert answer.status_code == 200, answer.text
    receipt = answer.json()
    assert receipt["received"] + receipt["refused"] == 2
    assert receipt["received"] >= 1
    assert count(engine, WhatsAppMessage) == receipt["received"]
    assert count(engine, WhatsAppRefusal) == receipt["refused"]
