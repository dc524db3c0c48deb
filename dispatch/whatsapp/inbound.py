"""Customers' WhatsApp messages in: webhook payloads to stored messages, to drafts, to orders.

The path, in three steps that each survive a crash or a re-delivery:

1. `read_webhook` reads a Cloud API payload (``entry[].changes[].value``: ``messages[]`` of
   type ``text`` or ``location``, ``contacts[].profile.name``, ``statuses[]``); other message
   types are counted and ignored. `store_webhook` stores the messages (the WhatsApp message id
   is unique: ``INSERT .. ON CONFLICT DO NOTHING``, so a re-delivery stores nothing) and
   records status callbacks. The webhook does only this, then answers.
2. `process_pending` (the background worker) takes each stored, unprocessed message once
   (claimed by an ``UPDATE .. WHERE processed_at IS NULL``). An order text (as
   `dispatch.whatsapp.parser` reads it) becomes a draft, keyed by its message id; a location
   shared by the same customer within ``whatsapp_location_gap_s`` of the text (before or
   after) is joined to it. Texts that are not orders are kept and make no draft.
3. `evaluate` decides a draft: with a reading that is an order of confidence at least
   ``REVIEW_THRESHOLD``, items, a market (named in the text, else the one nearest the
   location) and, for delivery, a location in Kota Malang, it becomes an order through the
   same intake as the API and CSV (`validate_order` then `submit_order`, the text's message
   id as ``external_id``, so it never makes two orders). Otherwise it waits for a location
   (until the gap is over) or goes to the coordinators' review queue, and the customer gets a
   reply saying what is missing.

Weights: items in kg, ons or gram weigh what they say; other units are estimated per unit
(`ESTIMATED_GRAMS_PER_UNIT`) so that the order has the weight the intake requires and the
planner can respect the motorbike's load; with nothing to go on an order weighs
`DEFAULT_ORDER_WEIGHT_G`. Only mass units give an item a weight of its own.

The service day is today (WIB), or tomorrow when the message comes after the market closes.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any, Final, Literal, cast
from zoneinfo import ZoneInfo

from geopy.distance import great_circle
from sqlalchemy import Table, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError, OperationalError, StatementError
from sqlmodel import Session, col, select

from dispatch.db import session_scope
from dispatch.errors import DomainError
from dispatch.geo import geocoder_from_setting, inside_city
from dispatch.intake import Submitted, arrived_in, submit_order
from dispatch.models import (
    DraftStatus,
    Market,
    Order,
    WhatsAppDraft,
    WhatsAppMessage,
    WhatsAppRefusal,
)
from dispatch.planning.insert import Arrived, orders_arrived
from dispatch.settings import Settings
from dispatch.validation import GRAMS_PER_UNIT, MAX_WEIGHT_G, UNITS, ItemDraft, validate_order
from dispatch.whatsapp.outbound import (
    StatusUpdate,
    apply_status,
    ask_address_text,
    ask_location_text,
    ask_market_text,
    outside_area_text,
    queue_message,
    queue_order_received,
    under_review_text,
    unreadable_text,
)
from dispatch.whatsapp.parser import (
    REVIEW_THRESHOLD,
    Reading,
    ReadItem,
    market_in_reply,
    parse_order_text,
)

log = logging.getLogger(__name__)

MessageKind = Literal["text", "location"]

#: Rough weight of one unit of the parser's units that are not masses, in grams (for the
#: order's total only: the planner needs a load; items keep weight 0, "unknown").
ESTIMATED_GRAMS_PER_UNIT: Final[Mapping[str, int]] = {
    "liter": 1000,
    "ekor": 1500,
    "papan": 1900,
    "sisir": 1500,
    "ikat": 250,
    "bungkus": 250,
    "biji": 100,
    "buah": 250,
    "potong": 250,
    "renteng": 200,
    "pack": 250,
    "": 500,
}
#: Weight of an order when nothing in it says what it weighs, in grams.
DEFAULT_ORDER_WEIGHT_G: Final = 1000
#: How long a draft that asked for a location (or had one outside the city) still takes one.
RELOCATE_WITHIN: Final = timedelta(hours=12)
#: Why a draft waits in the review queue.
REVIEW_REASONS: Final = (
    "no_location",
    "no_address",
    "outside_service_area",
    "no_market",
    "unreadable",
    "low_confidence",
    "refused_by_intake",
)
_RELOCATABLE: Final = ("no_location", "no_address", "outside_service_area")
_MAX_TEXT = 4096
_MAX_WA_ID = 32
#: The longest message id taken: it becomes the order's ``external_id`` (at most 100).
MAX_MESSAGE_ID: Final = 100

# -- 1. reading and storing a webhook delivery -------------------------------------------------


def signature_valid(body: bytes, header: str | None, app_secret: str) -> bool:
    """Whether ``header`` (``sha256=<hex>``) is the HMAC-SHA256 of ``body`` under the secret.

    Compared in constant time; always ``False`` while no secret is configured.
    """
    if not app_secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.removeprefix("sha256=").encode())


@dataclass(frozen=True)
class IncomingMessage:
    """A customer's text or location message as the webhook delivered it."""

    wa_message_id: str
    wa_id: str
    """The sender's WhatsApp id: digits of the phone number, e.g. ``6281234567890``."""
    profile_name: str
    kind: MessageKind
    sent_at: datetime
    text: str = ""
    lat: float | None = None
    lon: float | None = None
    location_name: str = ""
    location_address: str = ""
    raw: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class MessageRefusal:
    """A message of a delivery that is not stored, and why (`DomainError` code and field)."""

    wa_message_id: str
    wa_id: str
    code: str
    field: str | None

    def error(self) -> DomainError:
        return DomainError(self.code, field=self.field)


@dataclass(frozen=True)
class WebhookBatch:
    """What one webhook delivery holds that we act on, how many entries were ignored, and
    the messages refused (each on its own: the others are stored regardless)."""

    messages: tuple[IncomingMessage, ...]
    statuses: tuple[StatusUpdate, ...]
    ignored: int
    refused: tuple[MessageRefusal, ...] = ()


def read_webhook(payload: object) -> WebhookBatch:
    """The text and location messages and status callbacks in a Cloud API webhook payload.

    Anything else (other message types, other fields, malformed entries) is skipped and
    counted in ``ignored``; this never raises on any JSON value.
    """
    messages: list[IncomingMessage] = []
    statuses: list[StatusUpdate] = []
    refused: list[MessageRefusal] = []
    ignored = 0
    for value in _values(payload):
        names = {
            str(c.get("wa_id")): _text(_dict(c.get("profile")).get("name"), 200)
            for c in _list(value.get("contacts"))
            if isinstance(c, dict)
        }
        for raw in _list(value.get("messages")):
            message = _message(raw, names)
            if message is None:
                ignored += 1
            elif isinstance(message, MessageRefusal):
                refused.append(message)
            else:
                messages.append(message)
        for raw in _list(value.get("statuses")):
            status = _status(raw)
            if status is None:
                ignored += 1
            else:
                statuses.append(status)
    return WebhookBatch(tuple(messages), tuple(statuses), ignored, tuple(refused))


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: object, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _values(payload: object) -> Iterable[dict[str, Any]]:
    for entry in _list(_dict(payload).get("entry")):
        for change in _list(_dict(entry).get("changes")):
            value = _dict(change).get("value")
            if isinstance(value, dict):
                yield value


def _timestamp(value: object) -> datetime:
    try:
        seconds = int(str(value))
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):
        return datetime.now(UTC)


def _wa_id(value: object) -> str | None:
    text = str(value) if isinstance(value, str | int) else ""
    return text if text.isdigit() and 0 < len(text) <= _MAX_WA_ID else None


def _degrees(value: object, limit: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and -limit <= number <= limit else None


#: Control characters a stored text may not hold (tab, newline and carriage return may),
#: and lone surrogates (no database stores them).
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _message(raw: object, names: Mapping[str, str]) -> IncomingMessage | MessageRefusal | None:
    message = _dict(raw)
    message_id = _text(message.get("id"), 1000)
    wa_id = _wa_id(message.get("from"))
    kind = message.get("type")
    if not message_id or wa_id is None:
        return None
    if len(message_id) > MAX_MESSAGE_ID:  # it becomes the order's external_id
        return MessageRefusal(_shown_id(message_id), wa_id, "whatsapp.bad_message_id", "id")
    if _CONTROL.search(message_id):
        return MessageRefusal(_shown_id(message_id), wa_id, "whatsapp.control_character", "id")
    parsed = _content(message, kind, message_id, wa_id, names)
    if parsed is None:
        return None
    for field in ("profile_name", "text", "location_name", "location_address"):
        if _CONTROL.search(getattr(parsed, field)):
            return MessageRefusal(message_id, wa_id, "whatsapp.control_character", field)
    return parsed


def _shown_id(message_id: str) -> str:
    """A message id fit to record: control characters as ``?``, cut to its column."""
    return _CONTROL.sub("?", message_id)[:200]


def _content(
    message: Mapping[str, Any],
    kind: object,
    message_id: str,
    wa_id: str,
    names: Mapping[str, str],
) -> IncomingMessage | None:
    common = {
        "wa_message_id": message_id,
        "wa_id": wa_id,
        "profile_name": names.get(wa_id, ""),
        "sent_at": _timestamp(message.get("timestamp")),
        "raw": message,
    }
    if kind == "text":
        body = _text(_dict(message.get("text")).get("body"), _MAX_TEXT)
        return IncomingMessage(kind="text", text=body, **common)
    if kind == "location":
        location = _dict(message.get("location"))
        lat = _degrees(location.get("latitude"), 90)
        lon = _degrees(location.get("longitude"), 180)
        if lat is None or lon is None:
            return None
        return IncomingMessage(
            kind="location",
            lat=lat,
            lon=lon,
            location_name=_text(location.get("name"), 300),
            location_address=_text(location.get("address"), 500),
            **common,
        )
    return None


def _status(raw: object) -> StatusUpdate | None:
    status = _dict(raw)
    message_id = _text(status.get("id"), 200)
    name = status.get("status")
    if not message_id or not isinstance(name, str):
        return None
    errors = [_dict(e) for e in _list(status.get("errors"))]
    error = "; ".join(f"({e.get('code', '?')}) {e.get('title', '')}".strip() for e in errors)
    return StatusUpdate(message_id, name, _timestamp(status.get("timestamp")), error or None)


_MESSAGES = cast(Table, WhatsAppMessage.__table__)


@cache
def _message_insert(dialect: str) -> Any:
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(_MESSAGES)
        .on_conflict_do_nothing(index_elements=["wa_message_id"])
        .returning(_MESSAGES.c.id)
    )


@dataclass(frozen=True)
class Stored:
    """What storing one webhook delivery changed."""

    new_messages: int
    repeated_messages: int
    statuses_applied: int
    refused: int = 0


def store_webhook(session: Session, batch: WebhookBatch) -> Stored:
    """Store the batch's messages, each on its own (a message id seen before is skipped; one
    the database refuses is recorded as refused and the others are stored regardless), and
    apply its status callbacks; record the refusals. No commit."""
    connection = session.connection()
    insert = _message_insert(connection.dialect.name)
    now = datetime.now(UTC)
    new = repeated = 0
    refused = list(batch.refused)
    for message in batch.messages:
        try:
            with session.begin_nested():
                result = connection.execute(insert, _message_row(message, now))
        except (DataError, StatementError) as exc:
            log.warning("WhatsApp message %s not stored: %s", message.wa_message_id, exc)
            refused.append(
                MessageRefusal(message.wa_message_id, message.wa_id, "whatsapp.unstorable", None)
            )
            continue
        if result.scalar_one_or_none() is None:
            repeated += 1
        else:
            new += 1
    for refusal in refused:
        session.add(
            WhatsAppRefusal(
                wa_message_id=refusal.wa_message_id,
                wa_id=refusal.wa_id,
                code=refusal.code,
                field=refusal.field,
                detail=refusal.error().message("id")[:1000],
                received_at=now,
            )
        )
    session.flush()
    applied = sum(apply_status(session, status) for status in batch.statuses)
    return Stored(new, repeated, applied, len(refused))


def _message_row(message: IncomingMessage, now: datetime) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "wa_message_id": message.wa_message_id,
        "wa_id": message.wa_id,
        "profile_name": message.profile_name,
        "kind": message.kind,
        "text": message.text,
        "lat": message.lat,
        "lon": message.lon,
        "location_name": message.location_name,
        "location_address": message.location_address,
        "sent_at": message.sent_at,
        "received_at": now,
        "processed_at": None,
        "draft_id": None,
        "raw": dict(message.raw or {}),
    }


# -- 2. messages to drafts ---------------------------------------------------------------------


def process_pending(
    engine: Engine,
    settings: Settings,
    *,
    now: datetime | None = None,
    limit: int = 500,
    arrived: Arrived | None = None,
) -> int:
    """Handle stored messages not processed yet, oldest first, each in its own transaction;
    how many this call handled. A message that fails is logged and not tried again. The
    orders made are placed by ``arrived`` (the web server's planner), by default
    `dispatch.planning.orders_arrived` in this thread."""
    with Session(engine) as session:
        ids = session.exec(
            select(WhatsAppMessage.id)
            .where(col(WhatsAppMessage.processed_at).is_(None))
            .order_by(col(WhatsAppMessage.sent_at), col(WhatsAppMessage.received_at))
            .limit(limit)
        ).all()
    handled = 0
    for message_id in ids:
        try:
            with session_scope(engine) as session:
                if _claim(session, message_id, now or datetime.now(UTC)):
                    handle_message(session, message_id, settings, now=now)
                    handled += 1
            # Committed: an order on a day with a plan goes into it (or waits for review).
            if arrived is not None:
                arrived(arrived_in(session), by="whatsapp")
            else:
                orders_arrived(engine, arrived_in(session), settings, by="whatsapp", now=now)
        except OperationalError:
            # The database is busy or gone: leave the message for the next cycle.
            log.warning("database unavailable; WhatsApp messages wait for the next cycle")
            break
        except Exception:
            log.exception("WhatsApp message %s could not be processed", message_id)
            with session_scope(engine) as session:
                _claim(session, message_id, datetime.now(UTC))
    return handled


def _claim(session: Session, message_id: uuid.UUID, now: datetime) -> bool:
    result = session.connection().execute(
        update(_MESSAGES)
        .where(_MESSAGES.c.id == message_id)
        .where(_MESSAGES.c.processed_at.is_(None))
        .values(processed_at=now)
    )
    return bool(result.rowcount)


def handle_message(
    session: Session, message_id: uuid.UUID, settings: Settings, *, now: datetime | None = None
) -> WhatsAppDraft | None:
    """Turn one stored message into a draft, or join it to one; the draft it touched."""
    message = session.get(WhatsAppMessage, message_id)
    if message is None:
        return None
    if message.kind == "text":
        return _handle_text(session, message, settings, now)
    if message.kind == "location" and message.draft_id is None:
        return _handle_location(session, message, settings, now)
    return None


def _gap(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.whatsapp_location_gap_s)


def _handle_text(
    session: Session, message: WhatsAppMessage, settings: Settings, now: datetime | None
) -> WhatsAppDraft | None:
    reading = parse_order_text(message.text)
    if not reading.is_order:
        return _answer_to_which_market(session, message, settings, now)
    existing = session.exec(
        select(WhatsAppDraft).where(WhatsAppDraft.wa_message_id == message.wa_message_id)
    ).first()
    if existing is not None:
        return existing
    draft = WhatsAppDraft(
        wa_message_id=message.wa_message_id,
        wa_id=message.wa_id,
        customer_name=message.profile_name[:120],
        text=message.text,
        reading=reading.as_json(),
        sent_at=message.sent_at,
        wait_until=message.sent_at + _gap(settings),
        status=DraftStatus.WAITING,
    )
    session.add(draft)
    session.flush()
    message.draft_id = draft.id
    session.add(message)
    location = _unattached_location(session, draft, _gap(settings))
    if location is not None:
        _attach(session, draft, location)
    evaluate(session, draft, settings, now=now)
    return draft


def _answer_to_which_market(
    session: Session, message: WhatsAppMessage, settings: Settings, now: datetime | None
) -> WhatsAppDraft | None:
    """A short reply naming a market ("gadang aja") completes the customer's latest draft
    that was waiting in review for exactly that answer."""
    code = market_in_reply(message.text)
    if code is None:
        return None
    draft = session.exec(
        select(WhatsAppDraft)
        .where(WhatsAppDraft.wa_id == message.wa_id)
        .where(WhatsAppDraft.status == DraftStatus.REVIEW)
        .where(WhatsAppDraft.reason == "no_market")
        .where(col(WhatsAppDraft.sent_at) >= message.sent_at - RELOCATE_WITHIN)
        .where(col(WhatsAppDraft.sent_at) <= message.sent_at)
        .order_by(col(WhatsAppDraft.sent_at).desc())
        .with_for_update()
    ).first()
    if draft is None:
        return None
    draft.reading = {**draft.reading, "market": code}
    draft.updated_at = datetime.now(UTC)
    session.add(draft)
    message.draft_id = draft.id
    session.add(message)
    evaluate(session, draft, settings, now=now)
    return draft


def _unattached_location(
    session: Session, draft: WhatsAppDraft, gap: timedelta
) -> WhatsAppMessage | None:
    """The customer's location message nearest in time to the draft's text, within ``gap``,
    that no draft uses yet."""
    candidates = session.exec(
        select(WhatsAppMessage)
        .where(WhatsAppMessage.wa_id == draft.wa_id)
        .where(WhatsAppMessage.kind == "location")
        .where(col(WhatsAppMessage.draft_id).is_(None))
        .where(col(WhatsAppMessage.sent_at) >= draft.sent_at - gap)
        .where(col(WhatsAppMessage.sent_at) <= draft.sent_at + gap)
    ).all()
    return min(candidates, key=lambda m: abs(m.sent_at - draft.sent_at), default=None)


def _handle_location(
    session: Session, message: WhatsAppMessage, settings: Settings, now: datetime | None
) -> WhatsAppDraft | None:
    gap = _gap(settings)
    waiting = session.exec(
        select(WhatsAppDraft)
        .where(WhatsAppDraft.wa_id == message.wa_id)
        .where(WhatsAppDraft.status == DraftStatus.WAITING)
        .where(col(WhatsAppDraft.location_message_id).is_(None))
        .where(col(WhatsAppDraft.sent_at) >= message.sent_at - gap)
        .where(col(WhatsAppDraft.sent_at) <= message.sent_at + gap)
        .with_for_update()
    ).all()
    draft = min(waiting, key=lambda d: abs(d.sent_at - message.sent_at), default=None)
    if draft is None:
        # A draft that asked for a (better) location takes the next one the customer shares.
        draft = session.exec(
            select(WhatsAppDraft)
            .where(WhatsAppDraft.wa_id == message.wa_id)
            .where(WhatsAppDraft.status == DraftStatus.REVIEW)
            .where(col(WhatsAppDraft.reason).in_(_RELOCATABLE))
            .where(col(WhatsAppDraft.sent_at) >= message.sent_at - RELOCATE_WITHIN)
            .where(col(WhatsAppDraft.sent_at) <= message.sent_at)
            .order_by(col(WhatsAppDraft.sent_at).desc())
            .with_for_update()
        ).first()
    if draft is None:
        return None  # kept: an order text may still come within the gap
    _attach(session, draft, message)
    evaluate(session, draft, settings, now=now)
    return draft


def _attach(session: Session, draft: WhatsAppDraft, location: WhatsAppMessage) -> None:
    draft.lat, draft.lon = location.lat, location.lon
    draft.address = (location.location_address or location.location_name)[:500]
    draft.location_message_id = location.wa_message_id
    draft.updated_at = datetime.now(UTC)
    location.draft_id = draft.id
    session.add(draft)
    session.add(location)


def expire_waiting_drafts(
    engine: Engine, settings: Settings, *, now: datetime | None = None
) -> int:
    """Decide drafts whose wait for a location is over (first trying, once more, to find the
    customer's location); how many were decided."""
    moment = now or datetime.now(UTC)
    with Session(engine) as session:
        ids = session.exec(
            select(WhatsAppDraft.id)
            .where(WhatsAppDraft.status == DraftStatus.WAITING)
            .where(col(WhatsAppDraft.wait_until) <= moment)
        ).all()
    decided = 0
    for draft_id in ids:
        with session_scope(engine) as session:
            draft = session.exec(
                select(WhatsAppDraft).where(WhatsAppDraft.id == draft_id).with_for_update()
            ).first()
            if draft is None or draft.status is not DraftStatus.WAITING:
                continue
            if draft.lat is None:
                location = _unattached_location(session, draft, _gap(settings))
                if location is not None:
                    _attach(session, draft, location)
            evaluate(session, draft, settings, now=moment)
            decided += 1
    return decided


# -- 3. deciding a draft -----------------------------------------------------------------------


def reading_of(draft: WhatsAppDraft) -> Reading:
    """The parser's reading stored with ``draft``."""
    data = draft.reading or {}
    items = tuple(
        ReadItem(
            name=str(item.get("name") or ""),
            quantity=_number(item.get("quantity")),
            unit=item.get("unit") if isinstance(item.get("unit"), str) else None,
        )
        for item in data.get("items", [])
        if isinstance(item, dict)
    )
    return Reading(
        is_order=bool(data.get("is_order")),
        items=items,
        fulfilment=data.get("fulfilment"),
        payment=data.get("payment"),
        market=data.get("market"),
        window_start=_clock(data.get("window_start")),
        window_end=_clock(data.get("window_end")),
        asap=bool(data.get("asap")),
        confidence=float(data.get("confidence") or 0.0),
    )


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _clock(value: object) -> time | None:
    try:
        return time.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def nearest_market(markets: Sequence[Market], lat: float, lon: float) -> Market | None:
    """The market nearest (great-circle) to the point, ``None`` when there are no markets."""
    return min(
        markets,
        key=lambda m: great_circle((lat, lon), (m.lat, m.lon)).meters,
        default=None,
    )


def market_named(markets: Sequence[Market], code: str | None) -> Market | None:
    """The market whose code is ``code`` (any case), if any."""
    if not code:
        return None
    return next((m for m in markets if m.code.casefold() == code.casefold()), None)


def all_markets(session: Session) -> list[Market]:
    """Every market, by code."""
    return list(session.exec(select(Market).order_by(col(Market.code))).all())


def evaluate(
    session: Session, draft: WhatsAppDraft, settings: Settings, *, now: datetime | None = None
) -> WhatsAppDraft:
    """Make ``draft`` an order if it is complete and clear, else leave it waiting for a
    location or send it to review; queues the customer's reply. No commit."""
    moment = now or datetime.now(UTC)
    reading = reading_of(draft)
    markets = all_markets(session)
    market = market_named(markets, reading.market)
    if reading.fulfilment != "pickup":
        if draft.lat is None or draft.lon is None:
            if draft.wait_until is not None and moment < draft.wait_until:
                return draft  # the customer may still share the location
            _to_review(session, draft, "no_location")
            _reply(session, draft, "ask_location", ask_location_text(markets))
            return draft
        if not inside_city(draft.lat, draft.lon):
            _to_review(session, draft, "outside_service_area")
            _reply(
                session, draft, "outside_area", outside_area_text(draft.lat, draft.lon), unique=True
            )
            return draft
        if not (draft.address or "").strip():
            # A pin alone does not find the house: the runner reads the number at the gate.
            _to_review(session, draft, "no_address")
            _reply(session, draft, "ask_address", ask_address_text())
            return draft
        market = market or nearest_market(markets, draft.lat, draft.lon)
    if market is None:
        _to_review(session, draft, "no_market")
        _reply(session, draft, "ask_market", ask_market_text(markets))
        return draft
    draft.market_id = market.id
    if not reading.items:
        _to_review(session, draft, "unreadable")
        _reply(session, draft, "unreadable", unreadable_text())
        return draft
    if reading.confidence < REVIEW_THRESHOLD:
        _to_review(session, draft, "low_confidence")
        _reply(session, draft, "under_review", under_review_text())
        return draft
    try:
        with session.begin_nested():
            submitted = submit_draft(
                session, draft, settings, known_markets=[m.code for m in markets], now=moment
            )
    except DomainError as refusal:
        _to_review(session, draft, "refused_by_intake", problem=refusal.message("id"))
        _reply(session, draft, "under_review", under_review_text())
        return draft
    mark_ordered(session, draft, submitted, by="whatsapp", settings=settings)
    return draft


def _to_review(
    session: Session, draft: WhatsAppDraft, reason: str, *, problem: str | None = None
) -> None:
    draft.status = DraftStatus.REVIEW
    draft.reason = reason
    draft.problem = problem[:1000] if problem else None
    draft.updated_at = datetime.now(UTC)
    session.add(draft)
    session.flush()


def _reply(
    session: Session, draft: WhatsAppDraft, kind: str, body: str, *, unique: bool = False
) -> None:
    """Queue a reply about ``draft``; once per draft and kind (per location when ``unique``,
    so a second location outside the city is answered too)."""
    key = f"{kind}:{draft.id}" + (f":{draft.location_message_id}" if unique else "")
    queue_message(
        session, to_wa_id=draft.wa_id, kind=kind, body=body, dedupe_key=key, draft_id=draft.id
    )


def mark_ordered(
    session: Session, draft: WhatsAppDraft, submitted: Submitted, *, by: str, settings: Settings
) -> None:
    """Record that ``draft`` became the order ``submitted`` and queue the confirmation."""
    draft.status = DraftStatus.ORDERED
    draft.order_id = submitted.order_id
    draft.reason = None
    draft.problem = None
    draft.decided_by = by[:120]
    draft.updated_at = datetime.now(UTC)
    session.add(draft)
    session.flush()
    order = session.get(Order, submitted.order_id)
    if order is not None:
        session.refresh(order)
        draft.market_id = order.market_id
        session.add(draft)
        queue_order_received(session, order, settings)


# -- the intake, shared with the coordinators' review --------------------------------------------


@dataclass(frozen=True)
class ItemFix:
    """An item as a coordinator corrects it."""

    name: str
    quantity: float | None = None
    unit: str | None = None


@dataclass(frozen=True)
class Corrections:
    """What a coordinator changes when accepting a draft; ``None`` keeps the draft's value.

    Text values are written as in the CSV import (``weight_kg`` ``1,5``, windows ``07:30``,
    ``amount_rp`` ``125.000``); an empty ``window_start``/``window_end`` clears the window.
    """

    market: str | None = None
    customer_name: str | None = None
    phone: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    items: tuple[ItemFix, ...] | None = None
    weight_kg: str | None = None
    fulfilment: str | None = None
    payment: str | None = None
    amount_rp: str | None = None
    delivery_fee_rp: str | None = None
    window_start: str | None = None
    window_end: str | None = None
    notes: str | None = None


def item_drafts(items: Iterable[ReadItem | ItemFix]) -> tuple[ItemDraft, ...]:
    """The parser's (or a coordinator's) items in the intake's units; quantity 1 when none."""
    drafts = []
    for item in items:
        name = " ".join(item.name.split())[:120]
        if not name:
            continue
        unit_text = (item.unit or "").strip().casefold()
        unit = UNITS.get(unit_text, unit_text)[:20]
        quantity = item.quantity if item.quantity and item.quantity > 0 else 1.0
        amount = Decimal(str(quantity))
        grams = GRAMS_PER_UNIT.get(unit, 0) * amount
        weight_g = min(int(grams.to_integral_value(rounding=ROUND_HALF_UP)), MAX_WEIGHT_G)
        drafts.append(ItemDraft(name=name, quantity=amount, unit=unit, weight_g=weight_g))
    return tuple(drafts)


def estimated_weight_g(items: Sequence[ItemDraft]) -> int:
    """The order's weight from its items: masses as given, other units estimated."""
    total = Decimal(0)
    for item in items:
        if item.unit in GRAMS_PER_UNIT:
            total += item.weight_g
        else:
            per_unit = ESTIMATED_GRAMS_PER_UNIT.get(item.unit, ESTIMATED_GRAMS_PER_UNIT[""])
            total += per_unit * item.quantity
    grams = int(total.to_integral_value(rounding=ROUND_HALF_UP))
    return min(grams, MAX_WEIGHT_G) if grams > 0 else DEFAULT_ORDER_WEIGHT_G


def service_day(moment: datetime, market: Market, tz: ZoneInfo) -> date:
    """The market day an order written at ``moment`` is for: today, or tomorrow once the
    market has closed."""
    local = moment.astimezone(tz)
    return local.date() + timedelta(days=1) if local.time() >= market.closes else local.date()


def submit_draft(
    session: Session,
    draft: WhatsAppDraft,
    settings: Settings,
    *,
    known_markets: Sequence[str],
    corrections: Corrections | None = None,
    by: str = "whatsapp",
    now: datetime | None = None,
) -> Submitted:
    """Run ``draft`` (with ``corrections``) through the intake; the order it made or found.

    Raises the intake's `DomainError` / `ValidationErrors` (``order.required`` on ``market``
    when no market is known). No commit.
    """
    fix = corrections or Corrections()
    reading = reading_of(draft)
    market_code = fix.market
    if market_code is None and draft.market_id is not None:
        market = session.get(Market, draft.market_id)
        market_code = market.code if market else None
    if not market_code:
        raise DomainError("order.required", field="market")
    market = session.exec(select(Market).where(Market.code == market_code.strip().lower())).first()
    tz = ZoneInfo(settings.timezone)
    moment = now or datetime.now(UTC)
    day = service_day(max(moment, draft.sent_at), market, tz) if market else moment.date()
    items = item_drafts(fix.items if fix.items is not None else reading.items)
    lat = fix.lat if fix.lat is not None else draft.lat
    lon = fix.lon if fix.lon is not None else draft.lon
    if fix.address is not None and fix.lat is None and fix.lon is None:
        lat = lon = None  # a new address is located by the intake (kelurahan, geocoder)
    raw: dict[str, str | None] = {
        "market": market_code,
        "external_id": draft.wa_message_id,
        "customer_name": _pick(fix.customer_name, draft.customer_name),
        "phone": _pick(fix.phone, draft.wa_id),
        "address": _pick(fix.address, draft.address),
        "lat": "" if lat is None else f"{lat:.7f}",
        "lon": "" if lon is None else f"{lon:.7f}",
        "items": "",
        "weight_kg": _pick(fix.weight_kg, f"{estimated_weight_g(items) / 1000:.3f}"),
        "fulfilment": _pick(fix.fulfilment, reading.fulfilment or ""),
        "payment": _pick(fix.payment, reading.payment or ""),
        "amount_rp": _pick(fix.amount_rp, "0"),
        "delivery_fee_rp": _pick(fix.delivery_fee_rp, ""),
        "window_start": _pick(fix.window_start, _hhmm(reading.window_start)),
        "window_end": _pick(fix.window_end, _hhmm(reading.window_end)),
        "notes": _pick(fix.notes, f"WhatsApp: {draft.text}"[:1000]),
    }
    validated = validate_order(
        raw,
        day=day,
        tz=tz,
        known_markets=known_markets,
        geocoder=geocoder_from_setting(settings.geocoder),
    )
    return submit_order(session, replace(validated, items=items), service_date=day, by=by)


def _pick(correction: str | None, default: str) -> str:
    return default if correction is None else correction


def _hhmm(value: time | None) -> str:
    return "" if value is None else value.strftime("%H:%M")
