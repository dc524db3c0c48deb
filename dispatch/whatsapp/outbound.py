"""Talking back to customers: the Cloud API client, the outbound record and the texts.

A reply is first *queued*: a ``whatsapp_outbound`` row written in the same transaction as the
event that causes it (an order taken, a runner's tap), with a dedupe key so an event never
queues two messages. The background worker (`dispatch.whatsapp.worker`) sends queued rows
afterwards with `GraphClient`, which retries 5xx, 429 and network failures with exponential
backoff and gives up at once on other 4xx. Nothing here raises into the request that caused
a message: failures end up in the row (``failed``, ``last_error``). Status callbacks from the
platform (sent, delivered, read, failed) update the row of the message they refer to.

Customer texts are Bahasa Indonesia only: they answer customers who write in Indonesian.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from http.client import HTTPException
from typing import Any, Final, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dispatch import formats
from dispatch.db import session_scope
from dispatch.i18n import text
from dispatch.models import (
    Market,
    Order,
    OrderStatus,
    OutboundStatus,
    Payment,
    WhatsAppDraft,
    WhatsAppOutbound,
)
from dispatch.settings import Settings
from dispatch.whatsapp.tracking import item_line, order_progress, tracking_url

log = logging.getLogger(__name__)

#: Longest text body the Cloud API takes, in characters.
MAX_BODY = 4096
#: Longest wait a ``Retry-After`` header may impose between two attempts, in seconds.
MAX_RETRY_AFTER_S = 60.0
_ERROR_TEXT = 500

# -- the Cloud API client ----------------------------------------------------------------------


@dataclass(frozen=True)
class SendResult:
    """How sending one message went: the platform's message id, or the last error."""

    wa_message_id: str | None
    attempts: int
    error: str | None

    @property
    def ok(self) -> bool:
        """Whether the platform accepted the message."""
        return self.error is None


class _Retryable(Exception):  # noqa: N818 (a signal inside the retry loop, not an error)
    def __init__(self, message: str, wait_s: float | None = None) -> None:
        super().__init__(message)
        self.wait_s = wait_s


class _Final(Exception):  # noqa: N818 (a signal inside the retry loop: do not retry)
    pass


class GraphClient:
    """Sends text messages through ``POST {base}/{version}/{phone_number_id}/messages``."""

    def __init__(
        self,
        *,
        base_url: str,
        version: str,
        phone_number_id: str,
        access_token: str,
        timeout_s: float = 10.0,
        max_attempts: int = 4,
        backoff_s: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = f"{base_url.rstrip('/')}/{version.strip('/')}/{phone_number_id}/messages"
        self._token = access_token
        self._timeout_s = timeout_s
        self._max_attempts = max(1, max_attempts)
        self._backoff_s = backoff_s
        self._sleep = sleep

    @classmethod
    def from_settings(cls, settings: Settings) -> GraphClient | None:
        """The client the settings describe; ``None`` without access token or number id."""
        if not (settings.whatsapp_access_token and settings.whatsapp_phone_number_id):
            return None
        return cls(
            base_url=settings.whatsapp_graph_base_url,
            version=settings.whatsapp_api_version,
            phone_number_id=settings.whatsapp_phone_number_id,
            access_token=settings.whatsapp_access_token,
            timeout_s=settings.whatsapp_timeout_s,
            max_attempts=settings.whatsapp_max_attempts,
            backoff_s=settings.whatsapp_backoff_s,
        )

    def send_text(self, to: str, body: str) -> SendResult:
        """Send ``body`` to WhatsApp user ``to`` (digits, e.g. ``6281234567890``); never raises.

        Retries on 5xx, 429 and network errors (timeouts included), waiting ``backoff_s``,
        then twice that, and so on (or what ``Retry-After`` asks, up to a minute); a 4xx other
        than 429 is final.
        """
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": {"preview_url": False, "body": body[:MAX_BODY]},
        }
        data = json.dumps(payload, ensure_ascii=False).encode()
        error = "not sent"
        for attempt in range(1, self._max_attempts + 1):
            try:
                return SendResult(self._post(data), attempt, None)
            except _Retryable as retry:
                error = str(retry)
                if attempt == self._max_attempts:
                    break
                wait = self._backoff_s * 2 ** (attempt - 1)
                if retry.wait_s is not None:
                    wait = max(wait, min(retry.wait_s, MAX_RETRY_AFTER_S))
                self._sleep(wait)
            except _Final as final:
                return SendResult(None, attempt, str(final))
        return SendResult(None, self._max_attempts, error)

    def _post(self, data: bytes) -> str | None:
        request = urllib.request.Request(
            self.url,
            data=data,
            method="POST",
            headers={
                "Authorization": f"Bearer {self._token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_s) as response:
                answer = response.read()
        except urllib.error.HTTPError as http_error:
            text = _error_text(http_error)
            status = http_error.code
            if status == 429 or status >= 500:
                wait_s = _retry_after(http_error.headers.get("Retry-After"))
                raise _Retryable(text, wait_s) from None
            raise _Final(text) from None
        except (urllib.error.URLError, HTTPException, OSError) as exc:  # timeouts too
            raise _Retryable(f"network: {type(exc).__name__}: {exc}"[:_ERROR_TEXT]) from None
        return _message_id(answer)


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _error_text(http_error: urllib.error.HTTPError) -> str:
    """``HTTP 400: (#131030) Recipient phone number not in allowed list`` from a Graph error."""
    try:
        body = json.loads(http_error.read() or b"{}")
        info = body.get("error", {}) if isinstance(body, dict) else {}
        detail = f"({info.get('code', '?')}) {info.get('message', '')}".strip()
    except (ValueError, AttributeError, OSError):
        detail = str(http_error.reason)
    return f"HTTP {http_error.code}: {detail}"[:_ERROR_TEXT]


def _message_id(answer: bytes) -> str | None:
    try:
        body = json.loads(answer or b"{}")
        return str(body["messages"][0]["id"])
    except (ValueError, KeyError, IndexError, TypeError):
        return None


# -- the outbound record -----------------------------------------------------------------------

_OUTBOUND = cast(Table, WhatsAppOutbound.__table__)


@cache
def _queue_insert(dialect: str) -> Any:
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(_OUTBOUND)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(_OUTBOUND.c.id)
    )


def queue_message(
    session: Session,
    *,
    to_wa_id: str,
    kind: str,
    body: str,
    dedupe_key: str,
    order_id: uuid.UUID | None = None,
    draft_id: uuid.UUID | None = None,
) -> bool:
    """Queue one message (no commit); ``False`` when ``dedupe_key`` was queued before."""
    now = datetime.now(UTC)
    connection = session.connection()
    result = connection.execute(
        _queue_insert(connection.dialect.name),
        {
            "id": uuid.uuid4(),
            "dedupe_key": dedupe_key[:200],
            "to_wa_id": to_wa_id,
            "kind": kind,
            "body": body[:MAX_BODY],
            "order_id": order_id,
            "draft_id": draft_id,
            "status": OutboundStatus.QUEUED,
            "wa_message_id": None,
            "attempts": 0,
            "last_error": None,
            "created_at": now,
            "updated_at": now,
            "sent_at": None,
            "status_at": None,
        },
    )
    return result.scalar_one_or_none() is not None


#: How far along each platform status is; a late callback never moves a message back.
_PROGRESS: Final = {
    OutboundStatus.SENT: 1,
    OutboundStatus.DELIVERED: 2,
    OutboundStatus.READ: 3,
}


@dataclass(frozen=True)
class StatusUpdate:
    """One ``statuses[]`` entry of a webhook: what became of a message we sent."""

    wa_message_id: str
    status: str
    at: datetime
    error: str | None = None


def apply_status(session: Session, update_: StatusUpdate) -> bool:
    """Record a status callback on the message it refers to (no commit).

    ``False`` when the message is unknown or the status is not one we follow. ``sent``,
    ``delivered`` and ``read`` only move a message forward; ``failed`` marks it failed unless
    it was delivered or read already.
    """
    try:
        status = OutboundStatus(update_.status)
    except ValueError:
        return False
    if status not in (*_PROGRESS, OutboundStatus.FAILED):
        return False
    row = session.exec(
        select(WhatsAppOutbound).where(WhatsAppOutbound.wa_message_id == update_.wa_message_id)
    ).first()
    if row is None:
        return False
    current = _PROGRESS.get(row.status, 0)
    if status is OutboundStatus.FAILED:
        if current >= _PROGRESS[OutboundStatus.DELIVERED]:
            return False
        row.last_error = (update_.error or "failed (status callback)")[:_ERROR_TEXT]
    elif _PROGRESS[status] <= current:
        return False
    row.status = status
    row.status_at = update_.at
    row.updated_at = datetime.now(UTC)
    session.add(row)
    return True


def requeue_interrupted(engine: Engine) -> int:
    """Put messages a stopped server left ``sending`` back in the queue (sent at most twice)."""
    with session_scope(engine) as session:
        result = session.connection().execute(
            update(_OUTBOUND)
            .where(_OUTBOUND.c.status == OutboundStatus.SENDING)
            .values(status=OutboundStatus.QUEUED, updated_at=datetime.now(UTC))
        )
        return int(result.rowcount or 0)


def send_queued(engine: Engine, client: GraphClient | None, *, limit: int = 100) -> int:
    """Send queued messages, oldest first; how many were handled. Never raises on a send.

    Each row is claimed (``queued -> sending``) in a short transaction, sent with no
    transaction open, then marked ``sent`` or ``failed``. Without a client (WhatsApp not
    configured) rows are marked ``skipped``.
    """
    handled = 0
    for _ in range(limit):
        claimed = _claim_next(engine)
        if claimed is None:
            break
        row_id, to, body = claimed
        if client is None:
            result = SendResult(None, 0, "WhatsApp is not configured (no access token)")
            final = OutboundStatus.SKIPPED
        else:
            result = client.send_text(to, body)
            final = OutboundStatus.SENT if result.ok else OutboundStatus.FAILED
        with session_scope(engine) as session:
            row = session.get(WhatsAppOutbound, row_id)
            if row is not None:
                now = datetime.now(UTC)
                row.attempts += result.attempts
                row.last_error = result.error
                row.wa_message_id = result.wa_message_id
                if row.status is OutboundStatus.SENDING:
                    row.status = final
                row.sent_at = now if result.ok else None
                row.updated_at = now
                session.add(row)
        handled += 1
        if result.error:
            log.warning("WhatsApp message %s not sent: %s", row_id, result.error)
    return handled


def _claim_next(engine: Engine) -> tuple[uuid.UUID, str, str] | None:
    with session_scope(engine) as session:
        row = session.exec(
            select(WhatsAppOutbound)
            .where(WhatsAppOutbound.status == OutboundStatus.QUEUED)
            .order_by(col(WhatsAppOutbound.created_at), col(WhatsAppOutbound.id))
            .limit(1)
        ).first()
        if row is None:
            return None
        claimed = session.connection().execute(
            update(_OUTBOUND)
            .where(_OUTBOUND.c.id == row.id)
            .where(_OUTBOUND.c.status == OutboundStatus.QUEUED)
            .values(status=OutboundStatus.SENDING, updated_at=datetime.now(UTC))
        )
        if not claimed.rowcount:
            return None
        return row.id, row.to_wa_id, row.body


# -- what customers are told -------------------------------------------------------------------


def rupiah(amount: int) -> str:
    """``125000`` -> ``Rp 125.000``."""
    return formats.rupiah(amount)


def market_names(markets: Sequence[Market]) -> str:
    """``Sawojajar, Gadang, ...``: the markets as a customer names them."""
    return ", ".join(m.name.removeprefix("Pasar ").split(" (")[0] for m in markets)


def _wa(key: str, /, **params: object) -> str:
    """A text to a WhatsApp customer: always Bahasa Indonesia (`dispatch/locale`)."""
    return text(f"wa.customer.{key}", "id", **params)


def order_received_text(order: Order, market: Market, settings: Settings) -> str:
    """The confirmation of a new order: items, total if known, how to pay, tracking link."""
    tz = ZoneInfo(settings.timezone)
    first = _first_name(order.customer_name)
    lines = [
        _wa("received", name=first, market=market.name)
        if first
        else _wa("received_no_name", market=market.name)
    ]
    if order.items:
        lines.append(_wa("items"))
        lines += [f"- {item_line(i.name, i.quantity, i.unit)}" for i in order.items]
    if order.amount_rp:
        lines.append(_wa("total", amount=rupiah(order.amount_rp + order.delivery_fee_rp)))
    else:
        lines.append(_wa("total_later"))
    lines.append(_wa("pay_cod") if order.payment == Payment.COD else _wa("pay_cashless"))
    start = formats.clock(order.window_start, tz) if order.window_start else ""
    end = formats.clock(order.window_end, tz) if order.window_end else ""
    if order.fulfilment.value == "pickup":
        lines.append(_wa("pickup", market=market.name))
    elif start and end:
        lines.append(_wa("window", start=start, end=end))
    elif end:
        lines.append(_wa("window_before", end=end))
    elif start:
        lines.append(_wa("window_from", start=start))
    else:
        lines.append(_wa("soon"))
    lines.append(_wa("track", url=tracking_url(order, settings)))
    return "\n".join(lines)


def on_the_way_text(session: Session, order: Order, settings: Settings) -> str:
    """The runner has bought the goods: who brings them, when, and the tracking link."""
    progress = order_progress(session, order)
    runner = progress.runner_first_name or _wa("our_runner")
    now = datetime.now(UTC)
    if progress.planned_arrival is not None and progress.planned_arrival > now:
        eta = formats.clock(progress.planned_arrival, ZoneInfo(settings.timezone))
        when = _wa("eta", time=eta)
    else:
        when = _wa("eta_soon")
    parts = [_wa("on_the_way", runner=runner), when]
    if order.cod_rp:
        parts.append(_wa("prepare_cash", amount=rupiah(order.cod_rp)))
    return " ".join(parts) + "\n" + _wa("track", url=tracking_url(order, settings))


def delivered_text(order: Order, market: Market) -> str:
    """The goods are handed over."""
    if order.collected_rp:
        return _wa("delivered_paid", amount=rupiah(order.collected_rp), market=market.name)
    return _wa("delivered", market=market.name)


def unreadable_text() -> str:
    """The order text could not be read."""
    return _wa("unreadable")


def under_review_text() -> str:
    """The draft needs a coordinator's eye before it becomes an order."""
    return _wa("under_review")


def outside_area_text(lat: float, lon: float) -> str:
    """The shared location is outside Kota Malang."""
    return _wa("outside_area", lat=f"{lat:.5f}", lon=f"{lon:.5f}")


def ask_location_text(markets: Sequence[Market]) -> str:
    """An order came without a location: ask for one (or a market, for pickup)."""
    return _wa("ask_location", markets=market_names(markets))


def ask_address_text() -> str:
    """A location came without an address: the runner needs the house number at the gate."""
    return _wa("ask_address")


def ask_market_text(markets: Sequence[Market]) -> str:
    """A pickup order names no market: ask which one."""
    return _wa("ask_market", markets=market_names(markets))


def rejected_text(reason: str) -> str:
    """A coordinator turned the draft down."""
    return _wa("rejected", reason=reason) if reason else _wa("rejected_no_reason")


def _first_name(customer_name: str) -> str:
    return customer_name.split()[0] if customer_name.split() else ""


# -- notifications of order events -------------------------------------------------------------


def whatsapp_draft_of(session: Session, order_id: uuid.UUID) -> WhatsAppDraft | None:
    """The WhatsApp draft that became ``order_id``; ``None`` for orders from elsewhere."""
    return session.exec(select(WhatsAppDraft).where(WhatsAppDraft.order_id == order_id)).first()


def queue_order_received(session: Session, order: Order, settings: Settings) -> bool:
    """Queue the confirmation of ``order`` to its WhatsApp customer (no commit)."""
    draft = whatsapp_draft_of(session, order.id)
    market = session.get(Market, order.market_id)
    if draft is None or market is None:
        return False
    return queue_message(
        session,
        to_wa_id=draft.wa_id,
        kind="order_received",
        body=order_received_text(order, market, settings),
        dedupe_key=f"order_received:{order.id}",
        order_id=order.id,
        draft_id=draft.id,
    )


def queue_order_update(session: Session, order: Order, settings: Settings) -> bool:
    """Queue what the customer hears about ``order``'s new status (no commit).

    Only orders that came from WhatsApp, and only ``picked_up`` (on the way) and
    ``delivered``; ``False`` when nothing was queued. Never raises: a notification must not
    break the runner's tap (its work runs in a savepoint, undone on any error).
    """
    if order.status not in (OrderStatus.PICKED_UP, OrderStatus.DELIVERED):
        return False
    try:
        with session.begin_nested():
            draft = whatsapp_draft_of(session, order.id)
            market = session.get(Market, order.market_id)
            if draft is None or market is None:
                return False
            if order.status is OrderStatus.PICKED_UP:
                kind, body = "on_the_way", on_the_way_text(session, order, settings)
            else:
                kind, body = "delivered", delivered_text(order, market)
            return queue_message(
                session,
                to_wa_id=draft.wa_id,
                kind=kind,
                body=body,
                dedupe_key=f"{kind}:{order.id}",
                order_id=order.id,
                draft_id=draft.id,
            )
    except Exception:
        log.exception("could not queue the WhatsApp notification of order %s", order.id)
        return False
