"""Real texts through the parser, storage and processing: whatever the platform re-delivers,
and in whatever order, each order message makes exactly one order."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from dispatch.models import DraftStatus, Order, WhatsAppDraft, WhatsAppOutbound
from dispatch.seed import seed
from dispatch.settings import Settings
from dispatch.whatsapp.inbound import (
    expire_waiting_drafts,
    process_pending,
    read_webhook,
    store_webhook,
)
from dispatch.whatsapp.parser import parse_order_text
from tests.graph_api import location_message, text_message, webhook

SETTINGS = Settings(secret_key="flow-test", whatsapp_location_gap_s=600)

#: Three customers: two want delivery (and share a location), one collects at Pasar Gadang.
DELIVERY_TEXTS = (
    "Mbak, pesan bawang merah 1 kg, cabe rawit 2 ons, tahu 10 biji. Diantar ya, bayar COD",
    "Pesan beras 5 kg dan minyak goreng 2 liter, diantar jam 8-9 ya, bayar cod",
)
PICKUP_TEXT = "Pesan telur 1 kg dan tempe 2 papan, diambil sendiri di pasar Gadang"
NOT_AN_ORDER = "Terima kasih mbak, barangnya sudah sampai 🙏"
POINTS = ((-7.9712, 112.6655), (-7.9650, 112.6300))


def messages(prefix: str, t0: int) -> tuple[list[dict[str, Any]], set[str]]:
    """Every message of the three customers (and a thank-you), and the order texts' ids."""
    found: list[dict[str, Any]] = []
    orders: set[str] = set()
    for number, (text, point) in enumerate(zip(DELIVERY_TEXTS, POINTS, strict=True)):
        wa_id = f"62812345678{number:02d}"
        found.append(text_message(f"{prefix}.T{number}", wa_id, text, t0 + number))
        found.append(location_message(f"{prefix}.L{number}", wa_id, *point, t0 + 30 + number))
        orders.add(f"{prefix}.T{number}")
    found.append(text_message(f"{prefix}.P", "6281234567899", PICKUP_TEXT, t0 + 5))
    orders.add(f"{prefix}.P")
    found.append(text_message(f"{prefix}.X", "6281234567898", NOT_AN_ORDER, t0 + 7))
    return found, orders


def test_the_texts_are_what_these_tests_assume() -> None:
    """The parser reads the order texts as orders and the thank-you as none."""
    for text in (*DELIVERY_TEXTS, PICKUP_TEXT):
        reading = parse_order_text(text)
        assert reading.is_order, text
        assert reading.items, text
    assert parse_order_text(PICKUP_TEXT).fulfilment == "pickup"
    assert parse_order_text(PICKUP_TEXT).market == "gadang"
    assert not parse_order_text(NOT_AN_ORDER).is_order


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    """The migrated database with the six markets."""
    with Session(engine) as session:
        seed(session, settings=SETTINGS)
    return engine


deliveries = st.lists(
    st.tuples(
        st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=4),
        st.booleans(),
    ),
    min_size=0,
    max_size=8,
)


@given(plan=deliveries, order=st.randoms(use_true_random=False))
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_redelivery_sequence_makes_one_order_per_order_message(
    seeded: Engine, plan: list[tuple[list[int], bool]], order: Any
) -> None:
    """Deliveries of any messages, repeated, in any grouping and order, processed now and
    then: every message at least once, and in the end one order per order message."""
    prefix = f"wamid.{uuid.uuid4().hex[:10]}"
    t0 = int(datetime.now(UTC).timestamp()) - 60
    all_messages, order_ids = messages(prefix, t0)
    batches = [[all_messages[i] for i in indices] for indices, _ in plan]
    everything = list(all_messages)
    order.shuffle(everything)
    batches.append(everything)  # the platform delivers every message at least once
    process_after = [then for _, then in plan] + [True]
    for batch, then in zip(batches, process_after, strict=True):
        with Session(seeded) as session:
            store_webhook(session, read_webhook(webhook(batch)))
            session.commit()
        if then:
            process_pending(seeded, SETTINGS)
    process_pending(seeded, SETTINGS)
    expire_waiting_drafts(seeded, SETTINGS, now=datetime.now(UTC) + timedelta(hours=1))

    with Session(seeded) as session:
        keys = session.exec(
            select(Order.idempotency_key).where(col(Order.idempotency_key).startswith(prefix))
        ).all()
        drafts = session.exec(
            select(WhatsAppDraft).where(col(WhatsAppDraft.wa_message_id).startswith(prefix))
        ).all()
        confirmations = session.exec(
            select(func.count())
            .select_from(WhatsAppOutbound)
            .where(WhatsAppOutbound.kind == "order_received")
            .where(
                col(WhatsAppOutbound.order_id).in_(
                    select(Order.id).where(col(Order.idempotency_key).startswith(prefix))
                )
            )
        ).one()
    assert sorted(keys) == sorted(order_ids)
    assert {d.wa_message_id for d in drafts} == order_ids
    assert {d.status for d in drafts} == {DraftStatus.ORDERED}
    assert confirmations == len(order_ids)


def test_a_location_after_the_reminder_completes_the_draft(seeded: Engine) -> None:
    """No location within the gap: review and a reminder; the location shared afterwards
    joins the draft, which becomes an order."""
    t0 = int(datetime.now(UTC).timestamp()) - 3600
    customer = "6281234567801"

    def deliver(message: dict[str, Any], now: datetime) -> None:
        with Session(seeded) as session:
            store_webhook(session, read_webhook(webhook([message])))
            session.commit()
        process_pending(seeded, SETTINGS, now=now)
        expire_waiting_drafts(seeded, SETTINGS, now=now)

    start = datetime.fromtimestamp(t0, UTC)
    deliver(text_message("wamid.LATE", customer, DELIVERY_TEXTS[0], t0), start)
    deliver(
        text_message("wamid.CHAT", customer, NOT_AN_ORDER, t0 + 900),
        start + timedelta(minutes=15),
    )
    with Session(seeded) as session:
        draft = session.exec(select(WhatsAppDraft)).one()
        assert (draft.status, draft.reason) == (DraftStatus.REVIEW, "no_location")
        kinds = session.exec(select(WhatsAppOutbound.kind)).all()
        assert kinds == ["ask_location"]
    deliver(
        location_message("wamid.LATELOC", customer, *POINTS[0], t0 + 1200),
        start + timedelta(minutes=20),
    )
    with Session(seeded) as session:
        draft = session.exec(select(WhatsAppDraft)).one()
        assert draft.status is DraftStatus.ORDERED
        assert draft.location_message_id == "wamid.LATELOC"
        assert session.exec(select(func.count()).select_from(Order)).one() == 1
