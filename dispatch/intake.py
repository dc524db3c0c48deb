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
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, Final, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, func, true
from sqlalchemy import insert as sa_insert
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError
from sqlmodel import Session, col, select

from dispatch.changes import new_order_change
from dispatch.errors import DomainError, ValidationErrors
from dispatch.geo import Geocoder
from dispatch.models import (
    Change,
    Market,
    Order,
    OrderItem,
    OrderStatus,
    OrderStatusChange,
    Seller,
)
from dispatch.sellers import seller_refs
from dispatch.validation import OrderDraft, validate_order


@dataclass(frozen=True)
class Submitted:
    """The stored order and whether this submission created it (``False``: a repeat).

    A created order also carries the row and item rows just written (``row``, ``items``), so
    a caller can answer without reading them back."""

    order_id: uuid.UUID
    created: bool
    row: Mapping[str, Any] | None = None
    items: tuple[Mapping[str, Any], ...] = ()


def market_codes(session: Session, market_id: uuid.UUID | None = None) -> list[str]:
    """Every market's code, sorted (or only ``market_id``'s)."""
    query = select(Market.code)
    if market_id is not None:
        query = query.where(Market.id == market_id)
    return sorted(session.exec(query).all())


def submit_order(
    session: Session, draft: OrderDraft, *, service_date: date, by: str = "intake"
) -> Submitted:
    """Store ``draft`` (no commit), or find the order its idempotency key already made."""
    market_id = session.exec(_MARKET_ID, params={"code": draft.market_code}).first()
    if market_id is None:
        raise DomainError(
            "order.unknown_market",
            field="market",
            params={"value": draft.market_code, "known": ", ".join(market_codes(session))},
        )
    seller_id = None
    if draft.seller_code is not None:
        seller_id = session.exec(_SELLER_ID, params={"code": draft.seller_code}).first()
        if seller_id is None:
            raise DomainError(
                "order.unknown_seller", field="seller", params={"value": draft.seller_code}
            )
    # Core statements, not ORM objects: intake is the API's hot path. The unique
    # (market, key) index settles repeats and races: the insert makes nothing when the key
    # has an order already, and that order is read instead.
    order, items, history = _new_rows(draft, market_id, service_date, by, seller_id)
    connection = session.connection()
    inserted = connection.execute(
        _order_insert(connection.dialect.name), order
    ).scalar_one_or_none()
    if inserted is None:
        winner = _find(session, market_id, draft.idempotency_key)
        assert winner is not None, "a conflicting insert means the order exists"
        return Submitted(winner, created=False)
    if items:
        connection.execute(_ITEM_INSERT, list(items))
    connection.execute(_HISTORY_INSERT, history)
    connection.execute(_CHANGE_INSERT, new_order_change(order))
    session.info.setdefault(_ARRIVED, []).append(order["id"])
    return _created(draft, order, items)


_ARRIVED = "antar.arrived_orders"


def arrived_in(session: Session) -> list[uuid.UUID]:
    """The orders ``session`` created through `submit_order` (and forgets them): once the
    session has committed, its caller hands them to `dispatch.planning.orders_arrived`."""
    ids: list[uuid.UUID] = session.info.pop(_ARRIVED, [])
    return ids


def store_order_at_once(
    connection: Connection,
    draft: OrderDraft,
    *,
    market_id: uuid.UUID,
    service_date: date,
    by: str = "intake",
    seller_id: uuid.UUID | None = None,
) -> Submitted:
    """PostgreSQL only: `submit_order` for a market (and the seller the draft names)
    already looked up, in one statement.

    The order, its items and its first status go in together (an autocommit connection
    makes the statement its own transaction): one round trip to the server where
    `submit_order` makes six, which is most of the intake's time on PostgreSQL. A repeat
    inserts nothing and reads the order its key made."""
    order, items, history = _new_rows(draft, market_id, service_date, by, seller_id)
    order = {**_SCALAR_DEFAULTS, **order}
    params = {
        **order,
        "item_id": [item["id"] for item in items],
        "item_name": [item["name"] for item in items],
        "item_quantity": [item["quantity"] for item in items],
        "item_unit": [item["unit"] for item in items],
        "item_weight_g": [item["weight_g"] for item in items],
        **{f"history_{name}": value for name, value in history.items()},
        **{f"change_{name}": value for name, value in new_order_change(order).items()},
    }
    statement = _store_at_once(tuple(order))
    if connection.execute(statement, params).scalar_one_or_none() is None:
        existing = connection.execute(
            _ORDER_BY_KEY, {"market_id": market_id, "key": draft.idempotency_key}
        ).scalar_one()
        return Submitted(existing, created=False)
    return _created(draft, order, items)


Row = dict[str, Any]


def _new_rows(
    draft: OrderDraft,
    market_id: uuid.UUID,
    service_date: date,
    by: str,
    seller_id: uuid.UUID | None = None,
) -> tuple[Row, tuple[Row, ...], Row]:
    """The rows a new order is stored as: the order, its items and its first status."""
    now = datetime.now(UTC)
    order_id = uuid.uuid4()
    order = {
        "id": order_id,
        "market_id": market_id,
        "idempotency_key": draft.idempotency_key,
        "customer_name": draft.customer_name,
        "phone": draft.phone,
        "address": draft.address,
        "lat": draft.lat,
        "lon": draft.lon,
        "location_approximate": draft.location_approximate,
        "service_date": service_date,
        "weight_g": draft.weight_g,
        "fulfilment": draft.fulfilment,
        "payment": draft.payment,
        "amount_rp": draft.amount_rp,
        "delivery_fee_rp": draft.delivery_fee_rp,
        "window_start": draft.window_start,
        "window_end": draft.window_end,
        "priority": 0,
        "notes": draft.notes,
        "status": OrderStatus.PENDING,
        "collected_rp": None,
        "failure_reason": None,
        "failure_note": None,
        "seller_id": seller_id,
        "created_at": now,
        "updated_at": now,
    }
    items = tuple(
        {
            "id": uuid.uuid4(),
            "order_id": order_id,
            "name": item.name,
            "quantity": float(item.quantity),
            "unit": item.unit,
            "weight_g": item.weight_g,
        }
        for item in draft.items
    )
    history = {
        "id": uuid.uuid4(),
        "order_id": order_id,
        "from_status": None,
        "to_status": OrderStatus.PENDING,
        "at": now,
        "by": by,
        "reason": None,
    }
    return order, items, history


def _created(draft: OrderDraft, order: Row, items: tuple[Row, ...]) -> Submitted:
    """A new order's `Submitted`, its row as the database gives it back (times in UTC)."""
    row = {
        **order,
        "window_start": _utc(draft.window_start),
        "window_end": _utc(draft.window_end),
    }
    return Submitted(order["id"], created=True, row=row, items=items)


def _utc(moment: datetime | None) -> datetime | None:
    """``moment`` as the database gives it back: in UTC."""
    return None if moment is None else moment.astimezone(UTC)


_ORDERS = cast(Table, Order.__table__)
_ITEMS = cast(Table, OrderItem.__table__)
_HISTORY = cast(Table, OrderStatusChange.__table__)
_ITEM_INSERT = sa_insert(_ITEMS)
#: The orders' columns with a default of their own (``awaiting_review``: false), which the
#: one-statement INSERT must be given as values.
_SCALAR_DEFAULTS: Final = {
    c.name: c.default.arg
    for c in _ORDERS.c
    if c.default is not None and getattr(c.default, "is_scalar", False)
}
_HISTORY_INSERT = sa_insert(_HISTORY)
_CHANGES = cast(Table, Change.__table__)
#: The change feed's row of a new order (`dispatch.changes`): a Core insert is no flush.
_CHANGE_INSERT = sa_insert(_CHANGES)


@cache
def _order_insert(dialect: str) -> Any:
    """INSERT of one order that inserts nothing when its (market, key) exists, returning the
    new id; built once per SQL dialect so its compiled form is reused."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(_ORDERS)
        .on_conflict_do_nothing(index_elements=["market_id", "idempotency_key"])
        .returning(_ORDERS.c.id)
    )


@cache
def _store_at_once(columns: tuple[str, ...]) -> Any:
    """The statement of `store_order_at_once`, built once: the order's INSERT of ``columns``
    (the rest take their defaults; nothing on a repeated key) and, fed by what it returns,
    the items' INSERT from arrays (one per column) and the first status's; it returns the
    new order's id, or no row on a repeat."""
    stored = [_ORDERS.c[name] for name in columns]
    new_order = (
        postgresql_insert(_ORDERS)
        .values({c.name: bindparam(c.name, type_=c.type) for c in stored})
        .on_conflict_do_nothing(index_elements=["market_id", "idempotency_key"])
        .returning(_ORDERS.c.id)
        .cte("new_order")
    )
    item_columns = ("id", "name", "quantity", "unit", "weight_g")
    line = (
        func.unnest(*(bindparam(f"item_{n}", type_=ARRAY(_ITEMS.c[n].type)) for n in item_columns))
        .table_valued(*item_columns)
        .render_derived(name="line")
    )
    new_items = sa_insert(_ITEMS).from_select(
        ["order_id", *item_columns],
        select(new_order.c.id, *(line.c[n] for n in item_columns))
        .select_from(new_order)
        .join(line, true()),
    )
    history_columns = [c for c in _HISTORY.c if c.name != "order_id"]
    new_history = sa_insert(_HISTORY).from_select(
        ["order_id", *(c.name for c in history_columns)],
        select(
            new_order.c.id,
            *(bindparam(f"history_{c.name}", type_=c.type) for c in history_columns),
        ).select_from(new_order),
    )
    change_columns = [c for c in _CHANGES.c if c.name not in ("id", "subject_id")]
    new_change = sa_insert(_CHANGES).from_select(
        ["subject_id", *(c.name for c in change_columns)],
        select(
            new_order.c.id,
            *(bindparam(f"change_{c.name}", type_=c.type) for c in change_columns),
        ).select_from(new_order),
    )
    return select(new_order.c.id).add_cte(
        new_items.cte("new_items"), new_history.cte("new_history"), new_change.cte("new_change")
    )


# The intake's lookups, built once: building a statement costs more than running it here.
_MARKET_ID = select(Market.id).where(Market.code == bindparam("code"))
_SELLER_ID = select(Seller.id).where(Seller.code == bindparam("code"))
_ORDER_BY_KEY = (
    select(Order.id)
    .where(Order.market_id == bindparam("market_id"))
    .where(Order.idempotency_key == bindparam("key"))
)


def _find(session: Session, market_id: uuid.UUID, key: str) -> uuid.UUID | None:
    return session.exec(_ORDER_BY_KEY, params={"market_id": market_id, "key": key}).first()


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
    sellers = seller_refs(session)
    for line, raw in rows:
        try:
            draft = validate_order(
                raw,
                day=service_date,
                tz=tz,
                known_markets=known,
                geocoder=geocoder,
                sellers=sellers,
            )
        except ValidationErrors as many:
            report.refused.append(RowRefusal(line, _key(raw), tuple(many.errors)))
            continue
        except DomainError as one:
            report.refused.append(RowRefusal(line, _key(raw), (one,)))
            continue
        try:
            with session.begin_nested():  # a row the database refuses undoes only itself
                submitted = submit_order(session, draft, service_date=service_date, by=by)
        except DataError:
            report.refused.append(
                RowRefusal(line, _key(raw), (DomainError("request.invalid_row"),))
            )
            continue
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
