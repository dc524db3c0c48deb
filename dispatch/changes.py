"""The change feed: every change a live page should show, as a row of ``changes`` written in
the transaction of the change itself.

A session's flush looks at what it is about to write (`record_changes`, a ``before_flush``
hook on every ORM session, installed once by `install`): a new, changed or deleted order,
order line, delivery photo or runner action on an order; a runner (its status, reported
position, or any other column); a market's or a seller's settings; a dispatch run's
progress; a plan stored by a run (its routes, stops, dropped orders, the market's
``stored_at``). Each becomes one `Change` row of its market, committed (or rolled back)
with the change: nothing is announced that did not happen, and nothing that happened is
missed, whichever process (a web worker, ``antar``, a dispatch thread) made it. The intake,
which stores a new order as plain rows (no flush sees them), writes its row itself
(`new_order_change`). Readers ask for the rows after the last id they saw
(`changes_after`); SQLite and PostgreSQL alike, no message bus to run. Where a market's feed
stands (`market_version`, `owner_version`) is the version that kept reads are keyed by
(`api.read_cache`): it moves with every change they show.

Ids come from one sequence; on PostgreSQL a transaction may commit after a later one, so a
reader that polls also looks back a few seconds for ids it has not seen (`ChangeCursor`).
Rows older than `KEEP` are deleted by `prune_changes` (the server's start).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import delete, event, func, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from dispatch.models import (
    Change,
    DeliveryPhoto,
    DispatchRun,
    DispatchRunMarket,
    DroppedOrder,
    Market,
    Order,
    OrderItem,
    Route,
    RouteStop,
    Runner,
    RunnerAction,
    Seller,
)

#: How long changes are kept (a page away longer than this reloads everything anyway).
KEEP: Final = timedelta(days=2)
#: How far back a poll looks for ids committed after a later one (PostgreSQL).
LOOKBACK: Final = timedelta(seconds=10)
#: Most changes one read returns; a page that missed more refetches everything.
MAX_BATCH: Final = 500

#: Columns whose change alone is no change a page shows (every other column is: a read
#: cached by the feed's version, `market_version`, must never miss one).
_QUIET_FIELDS: Final = frozenset({"updated_at", "created_at"})

Key = tuple[uuid.UUID, str, uuid.UUID | None]


def _changed(session: OrmSession, obj: object, fields: frozenset[str] | None = None) -> bool:
    """Whether ``obj`` (new, dirty or deleted in ``session``) changes one of ``fields``
    (``None``: any column but the `_QUIET_FIELDS`)."""
    if obj in session.new or obj in session.deleted:
        return True
    state: Any = inspect(obj)
    names = (
        [a.key for a in state.mapper.column_attrs if a.key not in _QUIET_FIELDS]
        if fields is None
        else [name for name in fields if name in state.attrs]
    )
    return any(state.attrs[name].history.has_changes() for name in names)


def _earlier(obj: object, name: str) -> Any:
    """The value column ``name`` of ``obj`` had before this flush changed it (``None`` when
    unchanged): a runner or a seller moved to another market changes both markets."""
    history = inspect(obj).attrs[name].history  # type: ignore[union-attr]
    return history.deleted[0] if history.deleted else None


def _run_markets(session: OrmSession, run: DispatchRun) -> list[uuid.UUID]:
    pending = [
        link.market_id
        for link in session.new
        if isinstance(link, DispatchRunMarket) and link.run_id == run.id
    ]
    if pending:
        return pending
    with session.no_autoflush:
        return list(
            session.execute(
                select(DispatchRunMarket.market_id).where(DispatchRunMarket.run_id == run.id)
            ).scalars()
        )


def _order(session: OrmSession, order_id: uuid.UUID) -> Order | None:
    """The order ``order_id``, new in this flush or stored."""
    for obj in session.new:
        if isinstance(obj, Order) and obj.id == order_id:
            return obj
    with session.no_autoflush:
        return session.get(Order, order_id)


def _changes_of(session: OrmSession, objects: Iterable[object]) -> list[Change]:
    found: dict[Key, Change] = {}

    def add(market_id: uuid.UUID | None, kind: str, subject: uuid.UUID | None, **kw: Any) -> None:
        if market_id is None:
            return
        key = (market_id, kind, subject)
        found[key] = Change(market_id=market_id, kind=kind, subject_id=subject, **kw)

    def add_order(order: Order | None) -> None:
        if order is not None:
            status = str(order.status.value if order.status else "")
            add(order.market_id, "order", order.id, service_date=order.service_date, status=status)

    for obj in objects:
        if isinstance(obj, Order):
            if _changed(session, obj):
                add_order(obj)
        elif isinstance(obj, OrderItem | DeliveryPhoto | RunnerAction):
            # An order's lines, its photos, a runner's action on it (a cash correction counts
            # even when the amount stays): what the order's readers show of it.
            if obj.order_id is not None and _changed(session, obj):
                add_order(_order(session, obj.order_id))
        elif isinstance(obj, Runner):
            if _changed(session, obj):
                status = str(obj.status.value)
                for market_id in (obj.market_id, _earlier(obj, "market_id")):
                    add(market_id, "runner", obj.id, status=status)
        elif isinstance(obj, Market):
            # A new market has nothing to show yet; a deleted one takes its feed with it.
            fresh_or_gone = obj in session.new or obj in session.deleted
            if not fresh_or_gone and _changed(session, obj):
                add(obj.id, "market", obj.id)
        elif isinstance(obj, Seller):
            if _changed(session, obj):
                for market_id in (obj.market_id, _earlier(obj, "market_id")):
                    add(market_id, "seller", obj.id)
        elif isinstance(obj, DispatchRun):
            if _changed(session, obj, frozenset({"status", "figures"})):
                for market_id in _run_markets(session, obj):
                    add(
                        market_id,
                        "run",
                        obj.id,
                        service_date=obj.service_date,
                        status=str(obj.status.value),
                    )
        elif isinstance(obj, DispatchRunMarket):
            # The market's current plan is the run's from the transaction that stores it,
            # whatever that transaction writes besides (a plan of dropped orders only).
            if _changed(session, obj, frozenset({"stored_at"})) and obj.stored_at is not None:
                with session.no_autoflush:
                    run = session.get(DispatchRun, obj.run_id)
                day = None if run is None else run.service_date
                add(obj.market_id, "plan", obj.run_id, service_date=day)
        elif isinstance(obj, Route):
            if _changed(session, obj):
                add(obj.market_id, "plan", obj.run_id, service_date=obj.service_date)
        elif isinstance(obj, RouteStop):
            if _changed(session, obj):
                with session.no_autoflush:
                    route = session.get(Route, obj.route_id)
                if route is not None:
                    add(route.market_id, "plan", route.run_id, service_date=route.service_date)
        elif isinstance(obj, DroppedOrder) and obj in session.new:
            order = _order(session, obj.order_id)
            if order is not None:
                add(order.market_id, "plan", obj.run_id, service_date=order.service_date)
    return list(found.values())


def record_changes(session: OrmSession, _context: object, _instances: object) -> None:
    """``before_flush``: add a `Change` row for each change a live page shows."""
    objects = [*session.new, *session.dirty, *session.deleted]
    if not objects or all(isinstance(o, Change) for o in objects):
        return
    for change in _changes_of(session, objects):
        session.add(change)


def new_order_change(order: dict[str, Any]) -> dict[str, Any]:
    """The `Change` row of a new order stored as a plain row (the intake's Core insert,
    which no session flush sees), for the same transaction."""
    return {
        "market_id": order["market_id"],
        "service_date": order["service_date"],
        "kind": "order",
        "subject_id": order["id"],
        "status": str(order["status"].value),
        "at": datetime.now(UTC),
    }


def install() -> None:
    """Record changes on every ORM session from now on (idempotent)."""
    if not event.contains(OrmSession, "before_flush", record_changes):
        event.listen(OrmSession, "before_flush", record_changes)


# -- reading -----------------------------------------------------------------------------------


def last_change_id(session: Session, market_ids: Sequence[uuid.UUID] | None = None) -> int:
    """The newest change's id (of ``market_ids``, or of all markets), 0 when none."""
    statement = select(func.max(Change.id))
    if market_ids is not None:
        statement = statement.where(col(Change.market_id).in_(market_ids))
    return int(session.exec(statement).one() or 0)


def market_version(
    session: Session, market_ids: Sequence[uuid.UUID] | None = None
) -> tuple[int, int]:
    """Where the feed of ``market_ids`` (of all markets for ``None``) stands: its newest id
    and its number of rows. Every change of a market's orders, runners, sellers, settings and
    plans writes a row in the transaction of the change, so a read made after this (in the
    same transaction, or a later one) shows everything up to it, and a version that has not
    moved means nothing it shows has changed: a cache key. The count catches an id that
    commits after a higher one (PostgreSQL's sequence) and rows pruned away."""
    statement = select(func.max(Change.id), func.count())
    if market_ids is not None:
        statement = statement.where(col(Change.market_id).in_(market_ids))
    newest, count = session.exec(statement).one()
    return int(newest or 0), int(count)


def owner_version(
    session: Session, column: Any, key: Any
) -> tuple[uuid.UUID, tuple[int, int]] | None:
    """The market of the row whose ``column`` is ``key`` (``Runner.id``, ``Market.code``...;
    a table with a ``market_id``, or markets themselves) and its `market_version`, in one
    statement: a kept read's whole look-up. ``None`` when there is no such row."""
    table = column.class_
    market = table.id if table is Market else table.market_id
    feed = col(Change.market_id) == market
    found = session.exec(
        select(
            market,
            select(func.max(Change.id)).where(feed).scalar_subquery(),
            select(func.count()).select_from(Change).where(feed).scalar_subquery(),
        ).where(column == key)
    ).first()
    if found is None:
        return None
    market_id, newest, count = found
    return market_id, (int(newest or 0), int(count))


def changes_after(
    session: Session,
    after_id: int,
    market_ids: Sequence[uuid.UUID] | None = None,
    *,
    since: datetime | None = None,
    floor: int | None = None,
    limit: int = MAX_BATCH,
) -> list[Change]:
    """Changes with an id above ``after_id`` (or, with ``since``, any above ``floor`` made
    since then), of ``market_ids`` (all markets for ``None``), oldest first, at most
    ``limit``."""
    statement = select(Change)
    if since is None:
        statement = statement.where(col(Change.id) > after_id)
    else:
        recent = (col(Change.at) >= since) & (col(Change.id) > (floor or 0))
        statement = statement.where((col(Change.id) > after_id) | recent)
    if market_ids is not None:
        statement = statement.where(col(Change.market_id).in_(market_ids))
    return list(session.exec(statement.order_by(col(Change.id)).limit(limit)).all())


@dataclass
class ChangeCursor:
    """Where one reader is in the feed: the highest id it has seen, and the ids it has seen
    lately (to pick up, without repeating, one that committed after a higher one)."""

    after_id: int
    market_ids: Sequence[uuid.UUID] | None = None
    _seen: dict[int, datetime] = field(default_factory=dict)
    _floor: int = -1

    def __post_init__(self) -> None:
        self._floor = self.after_id  # where this reader started: never anything before

    def poll(self, session: Session, now: datetime | None = None) -> list[Change]:
        """The changes this reader has not seen yet, oldest first."""
        now = now or datetime.now(UTC)
        horizon = now - LOOKBACK
        self._seen = {i: at for i, at in self._seen.items() if at >= horizon}
        rows = changes_after(
            session, self.after_id, self.market_ids, since=horizon, floor=self._floor
        )
        fresh = [r for r in rows if r.id is not None and r.id not in self._seen]
        for row in fresh:
            assert row.id is not None
            self._seen[row.id] = now
            self.after_id = max(self.after_id, row.id)
        return fresh


def prune_changes(engine: Engine, *, now: datetime | None = None) -> int:
    """Delete changes older than `KEEP`; returns how many."""
    cutoff = (now or datetime.now(UTC)) - KEEP
    with Session(engine) as session:
        result = session.exec(delete(Change).where(col(Change.at) < cutoff))  # type: ignore[call-overload]
        session.commit()
        return int(result.rowcount or 0)


def touched_days(changes: Iterable[Change]) -> set[date]:
    """The market days ``changes`` touch (those that name one)."""
    return {c.service_date for c in changes if c.service_date is not None}
