"""The Cloud API client and the outbound record, against a fake Graph API on loopback."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dispatch.models import Market, Order, OutboundStatus, WhatsAppOutbound
from dispatch.settings import Settings
from dispatch.whatsapp.outbound import (
    GraphClient,
    StatusUpdate,
    apply_status,
    order_received_text,
    queue_message,
    requeue_interrupted,
    send_queued,
)
from tests.graph_api import FakeGraphApi, graph_api

__all__ = ["graph_api"]

CUSTOMER = "6281234567890"


def client_for(fake: FakeGraphApi, **overrides: float) -> GraphClient:
    """A client of the fake with short waits (the backoff is not what these tests pin)."""
    options = {"timeout_s": 2.0, "max_attempts": 4, "backoff_s": 0.01} | overrides
    return GraphClient(
        base_url=fake.url,
        version="v21.0",
        phone_number_id="1234567890",
        access_token="test-access-token",
        timeout_s=options["timeout_s"],
        max_attempts=int(options["max_attempts"]),
        backoff_s=options["backoff_s"],
    )


def test_sends_a_text_message_the_way_the_cloud_api_wants_it(graph_api: FakeGraphApi) -> None:
    """POST /{version}/{phone-number-id}/messages, bearer token, JSON text body; id returned."""
    result = client_for(graph_api).send_text(CUSTOMER, "Halo!")
    assert result.ok
    assert result.attempts == 1
    assert result.wa_message_id == "wamid.FAKE00001"
    [request] = graph_api.received
    assert request.path == "/v21.0/1234567890/messages"
    assert request.headers["Authorization"] == "Bearer test-access-token"
    assert request.headers["Content-Type"] == "application/json"
    assert request.body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": CUSTOMER,
        "type": "text",
        "text": {"preview_url": False, "body": "Halo!"},
    }


def test_retries_on_500_then_succeeds(graph_api: FakeGraphApi) -> None:
    """A 500 is retried; the second attempt goes through."""
    graph_api.fail_next(500)
    result = client_for(graph_api).send_text(CUSTOMER, "Halo")
    assert result.ok
    assert result.attempts == 2
    assert len(graph_api.received) == 2


def test_retries_on_429_waiting_at_least_what_retry_after_asks(graph_api: FakeGraphApi) -> None:
    """A 429 is retried after the ``Retry-After`` wait (when longer than the backoff)."""
    waits: list[float] = []
    graph_api.fail_next(429, retry_after="3")
    client = GraphClient(
        base_url=graph_api.url,
        version="v21.0",
        phone_number_id="1",
        access_token="t",
        backoff_s=0.5,
        sleep=waits.append,
    )
    result = client.send_text(CUSTOMER, "Halo")
    assert result.ok
    assert waits == [3.0]


def test_backoff_doubles_after_each_failure(graph_api: FakeGraphApi) -> None:
    """Waits between attempts are backoff, 2x, 4x...; after the last attempt, no wait."""
    waits: list[float] = []
    graph_api.fail_next(503, times=4)
    client = GraphClient(
        base_url=graph_api.url,
        version="v21.0",
        phone_number_id="1",
        access_token="t",
        max_attempts=4,
        backoff_s=0.5,
        sleep=waits.append,
    )
    result = client.send_text(CUSTOMER, "Halo")
    assert not result.ok
    assert result.attempts == 4
    assert waits == [0.5, 1.0, 2.0]
    assert result.error is not None
    assert "HTTP 503" in result.error


def test_no_retry_on_400(graph_api: FakeGraphApi) -> None:
    """A 400 is final: one request, the Graph error's code and message kept."""
    graph_api.fail_next(400, message="Recipient phone number not in allowed list")
    result = client_for(graph_api).send_text(CUSTOMER, "Halo")
    assert not result.ok
    assert result.attempts == 1
    assert len(graph_api.received) == 1
    assert result.error == "HTTP 400: (100) Recipient phone number not in allowed list"


def test_a_timeout_is_retried(graph_api: FakeGraphApi) -> None:
    """A request that outlives the client's timeout counts as a network failure: retried."""
    graph_api.stall_next(1.5)
    result = client_for(graph_api, timeout_s=0.3).send_text(CUSTOMER, "Halo")
    assert result.ok
    assert result.attempts == 2


def test_an_unreachable_server_fails_after_every_attempt() -> None:
    """Nobody listening: each attempt fails, the result says so, nothing is raised."""
    client = GraphClient(
        base_url="http://127.0.0.1:9",
        version="v21.0",
        phone_number_id="1",
        access_token="t",
        timeout_s=1.0,
        max_attempts=3,
        backoff_s=0.0,
    )
    result = client.send_text(CUSTOMER, "Halo")
    assert not result.ok
    assert result.attempts == 3
    assert result.error is not None
    assert result.error.startswith("network:")


def _queue(engine: Engine, key: str, body: str = "Halo") -> None:
    with Session(engine) as session:
        queue_message(session, to_wa_id=CUSTOMER, kind="test", body=body, dedupe_key=key)
        session.commit()


def _rows(engine: Engine) -> list[WhatsAppOutbound]:
    with Session(engine) as session:
        return list(session.exec(select(WhatsAppOutbound)).all())


def test_an_event_queues_one_message_however_often_it_is_queued(engine: Engine) -> None:
    """The dedupe key makes queueing idempotent."""
    with Session(engine) as session:
        first = queue_message(session, to_wa_id=CUSTOMER, kind="t", body="a", dedupe_key="k")
        second = queue_message(session, to_wa_id=CUSTOMER, kind="t", body="b", dedupe_key="k")
        session.commit()
    assert (first, second) == (True, False)
    assert [row.body for row in _rows(engine)] == ["a"]


def test_send_queued_records_the_platform_id_and_attempts(
    engine: Engine, graph_api: FakeGraphApi
) -> None:
    """A queued message is sent once; the row keeps the wamid, attempts and sent time."""
    _queue(engine, "one")
    graph_api.fail_next(500)
    assert send_queued(engine, client_for(graph_api)) == 1
    assert send_queued(engine, client_for(graph_api)) == 0
    [row] = _rows(engine)
    assert row.status is OutboundStatus.SENT
    assert row.attempts == 2
    assert row.wa_message_id == "wamid.FAKE00002"
    assert row.sent_at is not None
    assert row.last_error is None


def test_a_failed_send_is_recorded_not_raised(engine: Engine, graph_api: FakeGraphApi) -> None:
    """A 400 leaves the row failed with the error; the caller carries on."""
    _queue(engine, "bad")
    graph_api.fail_next(400, message="Invalid parameter")
    send_queued(engine, client_for(graph_api))
    [row] = _rows(engine)
    assert row.status is OutboundStatus.FAILED
    assert row.attempts == 1
    assert row.last_error == "HTTP 400: (100) Invalid parameter"


def test_without_configuration_messages_are_skipped(engine: Engine) -> None:
    """No access token: nothing is sent, rows say skipped."""
    _queue(engine, "quiet")
    send_queued(engine, None)
    [row] = _rows(engine)
    assert row.status is OutboundStatus.SKIPPED
    assert row.attempts == 0


def test_messages_left_sending_by_a_crash_are_queued_again(engine: Engine) -> None:
    """``sending`` at start means the server stopped mid-send: back to the queue."""
    _queue(engine, "stuck")
    with Session(engine) as session:
        row = session.exec(select(WhatsAppOutbound)).one()
        row.status = OutboundStatus.SENDING
        session.add(row)
        session.commit()
    assert requeue_interrupted(engine) == 1
    assert _rows(engine)[0].status is OutboundStatus.QUEUED


def test_status_callbacks_move_a_message_forward_only(engine: Engine) -> None:
    """delivered, then a late sent (ignored), then read; failed after read is ignored."""
    _queue(engine, "tracked")
    with Session(engine) as session:
        row = session.exec(select(WhatsAppOutbound)).one()
        row.status, row.wa_message_id = OutboundStatus.SENT, "wamid.X"
        session.add(row)
        session.commit()
    at = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    steps = [("delivered", True), ("sent", False), ("read", True), ("failed", False)]
    for offset, (status, applied) in enumerate(steps):
        with Session(engine) as session:
            update = StatusUpdate("wamid.X", status, at + timedelta(seconds=offset))
            assert apply_status(session, update) is applied, status
            session.commit()
    [row] = _rows(engine)
    assert row.status is OutboundStatus.READ
    assert row.status_at == at + timedelta(seconds=2)


def test_a_failed_callback_marks_an_undelivered_message_failed(engine: Engine) -> None:
    """failed before delivery: the row is failed, with the platform's error."""
    _queue(engine, "lost")
    with Session(engine) as session:
        row = session.exec(select(WhatsAppOutbound)).one()
        row.status, row.wa_message_id = OutboundStatus.SENT, "wamid.Y"
        session.add(row)
        session.commit()
        update = StatusUpdate("wamid.Y", "failed", datetime.now(UTC), "(131026) Undeliverable")
        assert apply_status(session, update)
        session.commit()
    [row] = _rows(engine)
    assert row.status is OutboundStatus.FAILED
    assert row.last_error == "(131026) Undeliverable"


def test_callbacks_for_unknown_messages_are_ignored(engine: Engine) -> None:
    """A status for a message we never sent changes nothing."""
    with Session(engine) as session:
        assert not apply_status(session, StatusUpdate("wamid.nope", "read", datetime.now(UTC)))


# -- what the customer reads ---------------------------------------------------------------


def _order(**fields: object) -> tuple[Order, Market]:
    market = Market(code="sawojajar", name="Pasar Sawojajar", lat=-7.97, lon=112.66)
    base: dict[str, object] = {
        "market_id": market.id,
        "idempotency_key": "wa-0001",
        "customer_name": "Ibu Wulan",
        "phone": "+6281234567890",
        "address": "Jl. Danau Toba 12",
        "lat": -7.9712,
        "lon": 112.6655,
        "weight_g": 1500,
        "service_date": date(2026, 12, 8),
        "amount_rp": 125_000,
        "delivery_fee_rp": 5_000,
        "cod_rp": 130_000,
    }
    return Order(**(base | fields)), market  # type: ignore[arg-type]


def test_the_order_confirmation_reads_well_whatever_the_window() -> None:
    """The confirmation names the customer and the market, the total, how to pay, when
    (between, before, from, or as soon as possible) and the tracking link, in Bahasa."""
    settings = Settings(secret_key="test-secret-key-0123456789")
    wib = timezone(timedelta(hours=7))
    seven = datetime(2026, 12, 8, 7, 0, tzinfo=wib)
    nine = datetime(2026, 12, 8, 9, 0, tzinfo=wib)
    cases = {
        (seven, nine): "Diantar: 07.00–09.00 WIB",
        (None, nine): "Diantar: sebelum 09.00 WIB",
        (seven, None): "Diantar: mulai 07.00 WIB",
        (None, None): "Diantar secepatnya.",
    }
    for (start, end), when in cases.items():
        order, market = _order(window_start=start, window_end=end)
        lines = order_received_text(order, market, settings).splitlines()
        assert lines[0] == "Terima kasih, Ibu! Pesanan Anda di Pasar Sawojajar kami terima."
        assert "Total: Rp 130.000" in lines
        assert "Pembayaran: tunai kepada kurir saat barang tiba (COD)." in lines
        assert when in lines
        assert lines[-1].startswith("Lacak pesanan: ")
    nameless, market = _order(customer_name=" ")
    first = order_received_text(nameless, market, settings).splitlines()[0]
    assert first == "Terima kasih! Pesanan Anda di Pasar Sawojajar kami terima."
