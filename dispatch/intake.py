"""The one intake path (CLI, API and WhatsApp alike): validated drafts become orders, once.

``submit_order`` stores a validated :class:`~dispatch.validation.OrderDraft`. Its idempotency
key (the source's own id) is unique per market in the database, so a repeated submission
returns the order that exists, and two identical submissions racing each other still make one
order: the loser's insert hits the unique constraint and it reads the winner's row.
``import_orders`` runs a whole CSV file through the same path in one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from dispatch.errors import DomainError, ValidationErrors
from dispatch.geo import Geocoder
from dispatch.models import Market, Order, OrderItem, OrderStatus, OrderStatusChange
from dispatch.validation import OrderDraft, validate_order


@dataclass(frozen=True)
class Submitted:
    """The stored order and whether this submission created it (``False``: a repeat)."""

    order_id: uuid.UUID
    created: bool


def market_codes(session: Session) -> list[str]:
    """Every market's code, sorted."""
    return sorted(session.exec(select(Market.code)).all())


def submit_order(
    session: Session, draft: OrderDraft, *, service_date: date, by: str = "intake"
) -> Submitted:
    """Store ``draft`` (no commit), or find the order its idempotency key already made."""
    market = session.exec(select(Market).where(Market.code == draft.market_code)).first()
    if market is None:
        raise DomainError(
            "order.unknown_market",
            field="market",
            params={"value": draft.market_code, "known": ", ".join(market_codes(session))},
        )
    existing = _find(session, market.id, draft.idempotency_key)
    if existing is not None:
        return Submitted(existing, created=False)
    order = Order(
        market_id=market.id,
        idempotency_key=draft.idempotency_key,
        customer_name=draft.customer_name,
        phone=draft.phone,
        address=draft.address,
        lat=draft.lat,
        lon=draft.lon,
        location_approximate=draft.location_approximate,
        service_date=service_date,
        weight_g=draft.weight_g,
        fulfilment=draft.fulfilment,
        payment=draft.payment,
        amount_rp=draft.amount_rp,
        delivery_fee_rp=draft.delivery_fee_rp,
        window_start=draft.window_start,
        window_end=draft.window_end,
        notes=draft.notes,
    )
    try:
        with session.begin_nested():
            session.add(order)
            session.flush()
    except IntegrityError:
        # Another submission with the same key won the race: return its order.
        existing = _find(session, market.id, draft.idempotency_key)
        if existing is None:
            raise
        return Submitted(existing, created=False)
    for item in draft.items:
        session.add(
            OrderItem(
                order_id=order.id,
                name=item.name,
                quantity=float(item.quantity),
                unit=item.unit,
                weight_g=item.weight_g,
            )
        )
    session.add(
        OrderStatusChange(order_id=order.id, from_status=None, to_status=OrderStatus.PENDING, by=by)
    )
    session.flush()
    return Submitted(order.id, created=True)


def _find(session: Session, market_id: uuid.UUID, key: str) -> uuid.UUID | None:
    return session.exec(
        select(Order.id).where(Order.market_id == market_id).where(Order.idempotency_key == key)
    ).first()


@dataclass(frozen=True)
class RowRefusal:
    """A CSV row that was not imported: its line, the fields at fault and why."""

    line: int
    external_id: str
    errors: tuple[DomainError, ...]


@dataclass
class ImportReport:
    """What an import did, row by row."""

    created: list[tuple[int, uuid.UUID]] = field(default_factory=list)
    duplicates: list[tuple[int, str, uuid.UUID]] = field(default_factory=list)
    refused: list[RowRefusal] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every row was imported or recognised as a duplicate."""
        return not self.refused


def import_orders(
    session: Session,
    rows: Iterable[tuple[int, Mapping[str, str | None]]],
    *,
    service_date: date,
    tz: ZoneInfo,
    by: str = "csv import",
    geocoder: Geocoder | None = None,
) -> ImportReport:
    """Validate and store numbered CSV rows (no commit: the caller commits all or nothing)."""
    report = ImportReport()
    known = market_codes(session)
    for line, raw in rows:
        try:
            draft = validate_order(
                raw, day=service_date, tz=tz, known_markets=known, geocoder=geocoder
            )
        except ValidationErrors as many:
            report.refused.append(RowRefusal(line, _key(raw), tuple(many.errors)))
            continue
        except DomainError as one:
            report.refused.append(RowRefusal(line, _key(raw), (one,)))
            continue
        submitted = submit_order(session, draft, service_date=service_date, by=by)
        if submitted.created:
            report.created.append((line, submitted.order_id))
        else:
            report.duplicates.append((line, draft.idempotency_key, submitted.order_id))
    return report


def _key(raw: Mapping[str, str | None]) -> str:
    return (raw.get("external_id") or "").strip()


def orders_for(session: Session, ids: Iterable[uuid.UUID]) -> list[Order]:
    """The orders with ``ids``, in no particular order."""
    return list(session.exec(select(Order).where(col(Order.id).in_(list(ids)))).all())
