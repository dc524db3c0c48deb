"""The change feed: every change a live page should show, as a row of ``changes`` written in
the transaction of the change itself.

A session's flush looks at what it is about to write (`record_changes`, a ``before_flush``
hook on every ORM session, installed once by `install`): a new or changed order, a runner's
status or reported position, a dispatch run's progress, a route or a dropped order stored
by a run. Each becomes one `Change` row of its market, committed (or rolled back) with the
change: nothing is announced that did not happen, and nothing that happened is missed,
whichever process (a web worker, ``antar``, a dispatch thread) made it. Readers ask for the
rows after the last id they saw (`changes_after`); SQLite and PostgreSQL alike, no message
bus to run.

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
    DispatchRun,
    DispatchRunMarket,
    DroppedOrder,
    Order,
    Route,
    Runner,
)

#: How long changes are kept (a page away longer than this reloads everything anyway).
KEEP: Final = timedelta(days=2)
#: How far back a poll looks for ids committed after a later one (PostgreSQL).
LOOKBACK: Final = timedelta(seconds=10)
#: Most changes one read returns; a page that missed more refetches everything.
MAX_BATCH: Final = 500

#: Order columns whose change a page shows (``updated_at`` alone is not a change).
_ORDER_FIELDS: Final = frozenset(
    {
        "status",
        "customer_name",
        "phone",
        "address",
        "lat",
        "lon",
        "weight_g",
        "payment",
        "amount_rp",
        "delivery_fee_rp",
        "window_start",
        "window_end",
        "collected_rp",
        "failure_reason",
        "pinned_runner_id",
        "service_date",
        "notes",
    }
)
_RUNNER_FIELDS: Final = frozenset(
    {"status", "last_lat", "last_lon", "last_seen_at", "sequence_locked", "name", "shift_end"}
)

Key = tuple[uuid.UUID, str, uuid.UUID | None]


def _changed(session: OrmSession, obj: object, fields: frozenset[str]) -> bool:
    """Whether ``obj`` (pending or dirty in ``session``) changes one of ``fields``."""
    if obj in session.new:
        return True
    state: Any = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields if name in state.attrs)


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


def _changes_of(session: OrmSession, objects: Iterable[object]) -> list[Change]:
    found: dict[Key, Change] = {}

    def add(market_id: uuid.UUID | None, kind: str, subject: uuid.UUID | None, **kw: Any) -> None:
        if market_id is None:
            return
        key = (market_id, kind, subject)
        found[key] = Change(market_id=market_id, kind=kind, subject_id=subject, **kw)

    for obj in objects:
        if isinstance(obj, Order):
            if _changed(session, obj, _ORDER_FIELDS):
                add(
                    obj.market_id,
                    "order",
                    obj.id,
                    service_date=obj.service_date,
                    status=str(obj.status.value if obj.status else ""),
                )
        elif isinstance(obj, Runner):
            if _changed(session, obj, _RUNNER_FIELDS):
                add(obj.market_id, "runner", obj.id, status=str(obj.status.value))
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
        elif isinstance(obj, Route) and obj in session.new:
            add(obj.market_id, "plan", obj.run_id, service_date=obj.service_date)
        elif isinstance(obj, DroppedOrder) and obj in session.new:
            with session.no_autoflush:
                order = session.get(Order, obj.order_id)
            if order is not None:
                add(order.market_id, "plan", obj.run_id, service_date=order.service_date)
    return list(found.values())


def record_changes(session: OrmSession, _context: object, _instances: object) -> None:
    """``before_flush``: add a `Change` row for each change a live page shows."""
    objects = [*session.new, *session.dirty]
    if not objects or all(isinstance(o, Change) for o in objects):
        return
    for change in _changes_of(session, objects):
        session.add(change)


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
