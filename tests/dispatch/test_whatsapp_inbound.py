"""From webhook payloads to stored messages, drafts and orders (the decision rules).

These tests build drafts with a given reading (the parser's output), so they pin the rules of
`dispatch.whatsapp.inbound` whatever the parser reads; the flow from real texts through the
parser is in ``test_whatsapp_flow.py`` and ``tests/api/test_whatsapp_webhook.py``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from dispatch.models import (
    DraftStatus,
    Market,
    Order,
    OutboundStatus,
    WhatsAppDraft,
    WhatsAppMessage,
    WhatsAppOutbound,
)
from dispatch.seed import seed
from dispatch.settings import Settings
from dispatch.validation import ItemDraft
from dispatch.whatsapp.inbound import (
    DEFAULT_ORDER_WEIGHT_G,
    estimated_weight_g,
    evaluate,
    expire_waiting_drafts,
    item_drafts,
    process_pending,
    read_webhook,
    service_day,
    signature_valid,
    store_webhook,
)
from dispatch.whatsapp.parser import REVIEW_THRESHOLD, ReadItem, market_in_reply
from tests.graph_api import location_message, signature, status_callback, text_message, webhook

WIB = ZoneInfo("Asia/Jakarta")
SETTINGS = Settings(secret_key="inbound-test", whatsapp_location_gap_s=600)
CUSTOMER = "6281234567890"
#: A street in Sawojajar, and one near Pasar Gadang (both in Kota Malang).
NEAR_SAWOJAJAR = (-7.9712, 112.6655)
NEAR_GADANG = (-8.0200, 112.6310)
#: Surabaya: outside the service area.
SURABAYA = (-7.2575, 112.7521)


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    """The migrated database with the six markets and their runners."""
    with Session(engine) as session:
        seed(session, settings=SETTINGS)
    return engine


def reading(
    *,
    items: tuple[tuple[str, float | None, str | None], ...] = (("bawang merah", 1, "kg"),),
    fulfilment: str | None = None,
    payment: str | None = None,
    market: str | None = None,
    confidence: float = 0.95,
    window: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """A parser reading as stored with a draft."""
    return {
        "is_order": True,
        "items": [{"name": n, "quantity": q, "unit": u} for n, q, u in items],
        "fulfilment": fulfilment,
        "payment": payment,
        "market": market,
        "window_start": window[0] if window else None,
        "window_end": window[1] if window else None,
        "asap": window is None,
        "confidence": confidence,
    }


def add_draft(
    engine: Engine,
    the_reading: dict[str, Any],
    *,
    point: tuple[float, float] | None = None,
    sent_at: datetime | None = None,
    key: str = "wamid.TEXT1",
    address: str = "Jl. Danau Toba 12",
) -> WhatsAppDraft:
    """A waiting draft as the text handler makes it (with a location when ``point``)."""
    sent = sent_at or datetime(2026, 11, 25, 0, 30, tzinfo=UTC)  # 07:30 WIB
    draft = WhatsAppDraft(
        wa_message_id=key,
        wa_id=CUSTOMER,
        customer_name="Ibu Wulan",
        text="(the customer's text)",
        reading=the_reading,
        sent_at=sent,
        wait_until=sent + timedelta(minutes=10),
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        address=address if point else "",
        location_message_id="wamid.LOC1" if point else None,
    )
    with Session(engine) as session:
        session.add(draft)
        session.commit()
        session.refresh(draft)
    return draft


def decide(engine: Engine, draft: WhatsAppDraft, now: datetime) -> WhatsAppDraft:
    """Run `evaluate` on the stored draft at ``now`` and commit."""
    with Session(engine) as session:
        stored = session.get(WhatsAppDraft, draft.id)
        assert stored is not None
        evaluate(session, stored, SETTINGS, now=now)
        session.commit()
        session.refresh(stored)
        return stored


def replies(engine: Engine) -> list[tuple[str, str]]:
    """Queued replies as (kind, body)."""
    with Session(engine) as session:
        rows = session.exec(select(WhatsAppOutbound).order_by(WhatsAppOutbound.created_at)).all()
        return [(row.kind, row.body) for row in rows]


def market_code(engine: Engine, market_id: Any) -> str:
    with Session(engine) as session:
        market = session.get(Market, market_id)
        assert market is not None
        return market.code


SOON = datetime(2026, 11, 25, 0, 31, tzinfo=UTC)


# -- reading payloads ----------------------------------------------------------------------------


def test_reads_text_location_contact_name_and_statuses() -> None:
    """The Cloud API shapes: text body, location fields, profile name, status callbacks."""
    payload = webhook(
        [
            text_message("wamid.A", CUSTOMER, "bawang 1 kg", 1_764_030_600),
            location_message(
                "wamid.B", CUSTOMER, -7.97, 112.66, 1_764_030_660, name="Rumah", address="Jl. X 1"
            ),
        ],
        names={CUSTOMER: "Wulan"},
        statuses=[status_callback("wamid.OUT", "delivered", 1_764_030_700)],
    )
    batch = read_webhook(payload)
    text, location = batch.messages
    assert (text.kind, text.text, text.profile_name, text.wa_id) == (
        "text",
        "bawang 1 kg",
        "Wulan",
        CUSTOMER,
    )
    assert text.sent_at == datetime.fromtimestamp(1_764_030_600, UTC)
    assert (location.lat, location.lon, location.location_name, location.location_address) == (
        -7.97,
        112.66,
        "Rumah",
        "Jl. X 1",
    )
    [status] = batch.statuses
    assert (status.wa_message_id, status.status) == ("wamid.OUT", "delivered")
    assert batch.ignored == 0


def test_other_message_types_are_ignored() -> None:
    """Images, stickers, reactions...: counted as ignored, not read as messages."""
    image = {"from": CUSTOMER, "id": "wamid.I", "timestamp": "1", "type": "image", "image": {}}
    batch = read_webhook(webhook([image, {"type": "text"}]))
    assert batch.messages == ()
    assert batch.ignored == 2


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=30,
)


@given(json_values)
def test_any_json_is_read_without_raising(value: Any) -> None:
    """Whatever JSON arrives (signed, so from the platform, but maybe of a newer shape)."""
    batch = read_webhook(value)
    assert batch.ignored >= 0


@given(
    json_values.map(
        lambda v: json.dumps(
            {
                "entry": [
                    {"changes": [{"value": {"messages": [v], "statuses": [v], "contacts": [v]}}]}
                ]
            }
        )
    )
)
def test_malformed_entries_inside_a_good_envelope_are_skipped(body: str) -> None:
    """A message or status of an unexpected shape is skipped, never a crash."""
    read_webhook(json.loads(body))


def test_signature_is_hmac_sha256_of_the_raw_body() -> None:
    """``sha256=<hex>`` under the app secret; anything else, or no secret, fails."""
    body = b'{"object":"whatsapp_business_account"}'
    good = signature(body, "app-secret")
    assert signature_valid(body, good, "app-secret")
    assert not signature_valid(body + b" ", good, "app-secret")
    assert not signature_valid(body, good, "other-secret")
    assert not signature_valid(body, good.removeprefix("sha256="), "app-secret")
    assert not signature_valid(body, None, "app-secret")
    assert not signature_valid(body, signature(body, ""), "")


def test_a_redelivered_message_is_stored_once(seeded: Engine) -> None:
    """The message id is the key: the second delivery stores nothing."""
    batch = read_webhook(webhook([text_message("wamid.A", CUSTOMER, "halo", 1_764_030_600)]))
    with Session(seeded) as session:
        first = store_webhook(session, batch)
        second = store_webhook(session, batch)
        session.commit()
        count = session.exec(select(func.count()).select_from(WhatsAppMessage)).one()
    assert (first.new_messages, second.new_messages, second.repeated_messages) == (1, 0, 1)
    assert count == 1


# -- deciding drafts ---------------------------------------------------------------------------


def test_clear_order_with_location_becomes_an_order_at_the_nearest_market(seeded: Engine) -> None:
    """Confident reading + location in the city + no market named: nearest market, order."""
    draft = decide(seeded, add_draft(seeded, reading(), point=NEAR_GADANG), SOON)
    assert draft.status is DraftStatus.ORDERED
    assert draft.order_id is not None
    assert market_code(seeded, draft.market_id) == "gadang"
    with Session(seeded) as session:
        order = session.get(Order, draft.order_id)
        assert order is not None
        assert order.idempotency_key == "wamid.TEXT1"
        assert order.phone == "+6281234567890"
        assert order.customer_name == "Ibu Wulan"
        assert (order.lat, order.lon) == pytest.approx(NEAR_GADANG)
        assert order.weight_g == 1000
        assert [(i.name, i.quantity, i.unit, i.weight_g) for i in order.items] == [
            ("bawang merah", 1.0, "kg", 1000)
        ]
    [(kind, body)] = replies(seeded)
    assert kind == "order_received"
    assert "bawang merah 1 kg" in body
    assert "/t/" in body


def test_a_market_named_in_the_text_wins_over_the_nearest(seeded: Engine) -> None:
    """The customer said which market: that one, even if another is nearer."""
    draft = decide(seeded, add_draft(seeded, reading(market="sawojajar"), point=NEAR_GADANG), SOON)
    assert draft.status is DraftStatus.ORDERED
    assert market_code(seeded, draft.market_id) == "sawojajar"


def test_pickup_with_a_market_needs_no_location(seeded: Engine) -> None:
    """``diambil sendiri`` at a named market: an order at once, without coordinates."""
    draft = decide(seeded, add_draft(seeded, reading(fulfilment="pickup", market="bareng")), SOON)
    assert draft.status is DraftStatus.ORDERED
    with Session(seeded) as session:
        order = session.get(Order, draft.order_id)
        assert order is not None
        assert order.fulfilment.value == "pickup"
        assert order.lat is None


def test_pickup_without_a_market_asks_which_market(seeded: Engine) -> None:
    """No market and no location to find one: review, and the customer is asked."""
    draft = decide(seeded, add_draft(seeded, reading(fulfilment="pickup")), SOON)
    assert (draft.status, draft.reason) == (DraftStatus.REVIEW, "no_market")
    [(kind, body)] = replies(seeded)
    assert kind == "ask_market"
    assert "Sawojajar" in body
    assert "Gadang" in body


def test_delivery_without_location_waits_then_asks(seeded: Engine) -> None:
    """Within the gap the draft waits; after it, review and a request for the location."""
    draft = add_draft(seeded, reading())
    assert decide(seeded, draft, SOON).status is DraftStatus.WAITING
    assert replies(seeded) == []
    assert expire_waiting_drafts(seeded, SETTINGS, now=SOON) == 0
    later = draft.sent_at + timedelta(minutes=11)
    assert expire_waiting_drafts(seeded, SETTINGS, now=later) == 1
    with Session(seeded) as session:
        stored = session.get(WhatsAppDraft, draft.id)
        assert stored is not None
        assert (stored.status, stored.reason) == (DraftStatus.REVIEW, "no_location")
    [(kind, body)] = replies(seeded)
    assert kind == "ask_location"
    assert "Lokasi" in body


def test_outside_the_city_goes_to_review_with_a_reply(seeded: Engine) -> None:
    """A location outside Kota Malang: no order, review, and the customer is told why."""
    draft = decide(seeded, add_draft(seeded, reading(), point=SURABAYA), SOON)
    assert (draft.status, draft.reason) == (DraftStatus.REVIEW, "outside_service_area")
    assert draft.order_id is None
    [(kind, body)] = replies(seeded)
    assert kind == "outside_area"
    assert "di luar Kota Malang" in body


def test_a_pin_without_an_address_waits_in_review_and_asks_for_it(seeded: Engine) -> None:
    """A shared location with no address text makes no order (the runner reads the house
    number at the gate): review, and the customer is asked for the address; a place shared
    afterwards, with its address, completes the draft."""
    draft = decide(seeded, add_draft(seeded, reading(), point=NEAR_SAWOJAJAR, address=""), SOON)
    assert (draft.status, draft.reason) == (DraftStatus.REVIEW, "no_address")
    assert draft.order_id is None
    [(kind, body)] = replies(seeded)
    assert kind == "ask_address"
    assert "alamat lengkap" in body
    with Session(seeded) as session:
        store_webhook(
            session,
            read_webhook(
                webhook(
                    [
                        location_message(
                            "wamid.PLACE",
                            CUSTOMER,
                            *NEAR_SAWOJAJAR,
                            int(draft.sent_at.timestamp()) + 300,
                            address="Jl. Danau Toba 12",
                        )
                    ]
                )
            ),
        )
        session.commit()
    process_pending(seeded, SETTINGS, now=SOON)
    with Session(seeded) as session:
        stored = session.get(WhatsAppDraft, draft.id)
        assert stored is not None
        assert stored.status is DraftStatus.ORDERED
        assert session.exec(select(Order.address)).one() == "Jl. Danau Toba 12"


def test_low_confidence_goes_to_review(seeded: Engine) -> None:
    """Below the review threshold a draft waits for a coordinator, whatever else it has."""
    the_reading = reading(confidence=REVIEW_THRESHOLD - 0.01)
    draft = decide(seeded, add_draft(seeded, the_reading, point=NEAR_SAWOJAJAR), SOON)
    assert (draft.status, draft.reason) == (DraftStatus.REVIEW, "low_confidence")
    assert market_code(seeded, draft.market_id) == "sawojajar"
    assert [kind for kind, _ in replies(seeded)] == ["under_review"]


def test_no_items_is_unreadable(seeded: Engine) -> None:
    """An order without a single item read: review and the "could not read" reply."""
    draft = decide(seeded, add_draft(seeded, reading(items=()), point=NEAR_SAWOJAJAR), SOON)
    assert (draft.status, draft.reason) == (DraftStatus.REVIEW, "unreadable")
    [(kind, body)] = replies(seeded)
    assert kind == "unreadable"
    assert "belum bisa kami baca" in body


def test_a_refusal_by_the_intake_goes_to_review_with_its_message(seeded: Engine) -> None:
    """A window the intake refuses (end before start): review with the intake's message."""
    the_reading = reading(window=("10:00", "09:00"))
    draft = decide(seeded, add_draft(seeded, the_reading, point=NEAR_SAWOJAJAR), SOON)
    assert (draft.status, draft.reason) == (DraftStatus.REVIEW, "refused_by_intake")
    assert draft.problem is not None
    assert "Jam antar" in draft.problem
    with Session(seeded) as session:
        assert session.exec(select(func.count()).select_from(Order)).one() == 0


def test_deciding_twice_makes_one_order_and_one_reply(seeded: Engine) -> None:
    """The message id is the order's key and the reply's dedupe key."""
    draft = add_draft(seeded, reading(), point=NEAR_SAWOJAJAR)
    decide(seeded, draft, SOON)
    with Session(seeded) as session:
        stored = session.get(WhatsAppDraft, draft.id)
        assert stored is not None
        stored.status = DraftStatus.WAITING
        evaluate(session, stored, SETTINGS, now=SOON)
        session.commit()
        assert session.exec(select(func.count()).select_from(Order)).one() == 1
    assert len(replies(seeded)) == 1


# -- items, weights, days ------------------------------------------------------------------------


def test_parser_units_map_onto_the_intake_units() -> None:
    """gram -> g, ons and kg stay; masses weigh what they say, others weigh 0 (unknown)."""
    drafts = item_drafts(
        [
            ReadItem("cabai rawit", 2, "ons"),
            ReadItem("ayam", 1, "ekor"),
            ReadItem("garam", 250, "gram"),
            ReadItem("tempe", None, None),
        ]
    )
    assert [(d.name, d.quantity, d.unit, d.weight_g) for d in drafts] == [
        ("cabai rawit", Decimal(2), "ons", 200),
        ("ayam", Decimal(1), "ekor", 0),
        ("garam", Decimal(250), "g", 250),
        ("tempe", Decimal(1), "", 0),
    ]


def test_order_weight_adds_masses_and_estimates_other_units() -> None:
    """1 kg + one chicken (est. 1.5 kg) + a tray of eggs (est. 1.9 kg)."""
    items = item_drafts(
        [ReadItem("beras", 1, "kg"), ReadItem("ayam", 1, "ekor"), ReadItem("telur", 1, "papan")]
    )
    assert estimated_weight_g(items) == 1000 + 1500 + 1900


def test_an_order_with_nothing_to_weigh_gets_the_default_weight() -> None:
    """No items at all still makes a positive weight the intake accepts."""
    assert estimated_weight_g(()) == DEFAULT_ORDER_WEIGHT_G
    tiny = ItemDraft(name="x", quantity=Decimal("0.0001"), unit="g", weight_g=0)
    assert estimated_weight_g((tiny,)) == DEFAULT_ORDER_WEIGHT_G


def test_after_closing_time_the_order_is_for_tomorrow() -> None:
    """A message at 13:00 WIB, after a 12:00 closing, is for the next market day."""
    market = Market(code="x", name="Pasar X", lat=0, lon=0, closes=time(12, 0))
    morning = datetime(2026, 11, 25, 8, 0, tzinfo=WIB)
    afternoon = datetime(2026, 11, 25, 13, 0, tzinfo=WIB)
    assert service_day(morning, market, WIB).isoformat() == "2026-11-25"
    assert service_day(afternoon, market, WIB).isoformat() == "2026-11-26"


def test_outbound_rows_start_queued(seeded: Engine) -> None:
    """A decision queues its reply for the worker; nothing is sent inside the transaction."""
    decide(seeded, add_draft(seeded, reading(), point=NEAR_SAWOJAJAR), SOON)
    with Session(seeded) as session:
        [row] = session.exec(select(WhatsAppOutbound)).all()
        assert row.status is OutboundStatus.QUEUED
        assert row.to_wa_id == CUSTOMER


def test_a_reply_naming_the_market_completes_the_draft_that_asked(seeded: Engine) -> None:
    """A pickup order without a market is asked "which market?"; the customer's short reply
    ("gadang aja mbak") makes the order there, and an unrelated text changes nothing."""
    sent = 1_764_030_600  # 2026-11-25 00:30 UTC, 07:30 WIB
    order_text = "mbak sy ambil sendiri nggih\n- bawang merah 1 kg\n- tahu 10 biji\ncod"
    messages = [
        text_message("wamid.Q1", CUSTOMER, order_text, sent),
        text_message("wamid.Q2", CUSTOMER, "makasih", sent + 60),
    ]
    settings = Settings(secret_key="inbound-test-key-0123456789")
    with Session(seeded) as session:
        store_webhook(session, read_webhook(webhook(messages)))
        session.commit()
    process_pending(seeded, settings, now=SOON)
    with Session(seeded) as session:
        draft = session.exec(select(WhatsAppDraft)).one()
        assert (draft.status, draft.reason) == (DraftStatus.REVIEW, "no_market")
    reply = text_message("wamid.Q3", CUSTOMER, "gadang aja mbak", sent + 120)
    with Session(seeded) as session:
        store_webhook(session, read_webhook(webhook([reply])))
        session.commit()
    process_pending(seeded, settings, now=SOON + timedelta(minutes=2))
    with Session(seeded) as session:
        draft = session.exec(select(WhatsAppDraft)).one()
    assert draft.status is DraftStatus.ORDERED
    assert market_code(seeded, draft.market_id) == "gadang"


def test_which_market_a_reply_names() -> None:
    assert market_in_reply("gadang aja mbak") == "gadang"
    assert market_in_reply("yg di bareng") == "bareng"
    assert market_in_reply("Oro2 Dowo nggih") == "oro-oro-dowo"
    assert market_in_reply("makasih") is None
    assert market_in_reply("gadang atau mergan") is None
