"""The coordinator's changes to a day's plan, each through the one pipeline.

A move pins the order to its new runner and re-plans; a pin or a lock is kept by every later
plan (and re-plans nothing now); a runner going off or on shift re-plans the day it names;
a cancelled or edited order re-plans its day when that day has a plan. `replan_market` is a
dispatch of one market that waits for its answer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from dispatch.db import read_only, write_session
from dispatch.errors import DomainError
from dispatch.models import (
    Fulfilment,
    Market,
    Order,
    OrderEvent,
    OrderStatusChange,
    Route,
    RouteStop,
    Runner,
)
from dispatch.planning.snapshot import PLANNABLE
from dispatch.planning.store import Moved, dispatch
from dispatch.plans import current_run_id
from dispatch.settings import Settings
from dispatch.shifts import end_shift, on_shift_ids, resume_shift


@dataclass(frozen=True)
class ReplanOutcome:
    """What a re-plan did: its run, the orders it gave to another runner (order, from, to;
    ``None`` is no runner) and those it could not place (order, reason code, reason)."""

    run_id: uuid.UUID | None
    moved: tuple[Moved, ...]
    dropped: tuple[tuple[uuid.UUID, str, str], ...]


def today(settings: Settings, now: datetime | None = None) -> date:
    """The market day of ``now`` (WIB)."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(settings.timezone)).date()


def replan_market(
    engine: Engine,
    market_id: uuid.UUID,
    day: date,
    *,
    by: str,
    settings: Settings,
    reason: str,
    now: datetime | None = None,
    time_limit_s: float = 1.0,
    seed: int = 1,
) -> ReplanOutcome:
    """Plan ``market_id``'s ``day`` again from where every runner is ``now``; refused for a
    day without orders."""
    with Session(read_only(engine)) as session:
        market = session.get(Market, market_id)
        if market is None:
            raise DomainError("market.not_found", params={"code": str(market_id)})
        code = market.code
        count = session.exec(
            select(func.count())
            .select_from(Order)
            .where(Order.market_id == market_id)
            .where(Order.service_date == day)
            .where(Order.fulfilment == Fulfilment.DELIVERY)
        ).one()
    if not count:
        raise DomainError("replan.no_orders", field="date", params={"date": day.isoformat()})
    outcome = dispatch(
        engine,
        [code],
        day,
        settings,
        time_limit_s=time_limit_s,
        seed=seed,
        workers=1,
        by=by,
        reason=reason,
        kind="replan",
        now=now,
    )
    if outcome.error is not None:
        raise RuntimeError(outcome.error)
    return ReplanOutcome(outcome.run_id, outcome.moved, outcome.dropped)


def replan_if_planned(
    engine: Engine,
    market_id: uuid.UUID,
    day: date,
    *,
    by: str,
    settings: Settings,
    reason: str,
    time_limit_s: float = 0.5,
) -> ReplanOutcome | None:
    """Re-plan the day if it has a plan (after an order is cancelled or edited); ``None``
    when it has none, or while a run holds the market (that run reads the change itself
    only if it has not read the day yet: the next plan change picks it up)."""
    with Session(read_only(engine)) as session:
        market = session.get(Market, market_id)
        if market is None or current_run_id(session, market, day) is None:
            return None
    quiet = ("dispatch.market_busy", "replan.no_orders")
    return _replan_unless(
        quiet,
        engine,
        market_id,
        day,
        by=by,
        settings=settings,
        reason=reason,
        time_limit_s=time_limit_s,
    )


def _replan_unless(
    quiet: tuple[str, ...], engine: Engine, market_id: uuid.UUID, day: date, **how: Any
) -> ReplanOutcome | None:
    """`replan_market`, or ``None`` when it refuses with one of the ``quiet`` codes."""
    try:
        return replan_market(engine, market_id, day, **how)
    except DomainError as error:
        if error.code in quiet:
            return None
        raise


def pin_order(engine: Engine, order_id: uuid.UUID, runner_id: uuid.UUID | None, *, by: str) -> None:
    """Pin ``order_id`` to ``runner_id`` (``None`` unpins); every later plan keeps it there."""
    with write_session(engine) as session:
        order = _order(session, order_id)
        runner = None if runner_id is None else _runner(session, runner_id, order.market_id)
        order.pinned_runner_id = None if runner is None else runner.id
        session.add(order)
        if runner is None:
            _log(session, order.id, by, "unpinned", "")
        else:
            _log(session, order.id, by, "pinned", runner.name)


def lock_sequence(
    engine: Engine, runner_id: uuid.UUID, locked: bool, *, by: str, day: date
) -> None:
    """Lock (or unlock) the order of ``runner_id``'s stops for later plans; a lock needs
    stops to keep: refused when the runner has none still to do in ``day``'s plan."""
    with write_session(engine) as session:
        runner = session.get(Runner, runner_id)
        if runner is None:
            raise DomainError("runner.not_found", params={"id": str(runner_id)})
        if locked and not _open_stops(session, runner, day):
            raise DomainError("replan.no_plan", field="runner_id", params={"name": runner.name})
        runner.sequence_locked = locked
        session.add(runner)
        del by


def _open_stops(session: Session, runner: Runner, day: date) -> int:
    market = session.get(Market, runner.market_id)
    assert market is not None
    run_id = current_run_id(session, market, day)
    if run_id is None:
        return 0
    return len(
        session.exec(
            select(RouteStop.id)
            .join(Route, col(Route.id) == col(RouteStop.route_id))
            .join(Order, col(Order.id) == col(RouteStop.order_id))
            .where(Route.run_id == run_id)
            .where(Route.runner_id == runner.id)
            .where(col(Order.status).in_(PLANNABLE))
        ).all()
    )


def move_order(
    engine: Engine,
    order_id: uuid.UUID,
    runner_id: uuid.UUID,
    *,
    by: str,
    settings: Settings,
    now: datetime | None = None,
    time_limit_s: float = 1.0,
) -> ReplanOutcome:
    """Give ``order_id`` to ``runner_id`` (pinned there), then re-plan its day. Refused (and
    nothing changed) once the order is picked up, or when the runner is off shift or
    another market's."""
    with write_session(engine) as session:
        order = _order(session, order_id)
        if order.fulfilment != Fulfilment.DELIVERY or order.status not in PLANNABLE:
            raise DomainError(
                "order.invalid_transition",
                params={"from": order.status.value, "to": "moved"},
            )
        runner = _runner(session, runner_id, order.market_id)
        if runner.id not in on_shift_ids(session, [runner], order.service_date):
            raise DomainError("replan.runner_unavailable", field="runner_id")
        market_id, day, name = order.market_id, order.service_date, runner.name
    with write_session(engine) as session:
        order = _order(session, order_id)
        previous_pin = order.pinned_runner_id
        order.pinned_runner_id = runner_id
        session.add(order)
    try:
        outcome = replan_market(
            engine,
            market_id,
            day,
            by=by,
            settings=settings,
            reason="order moved",
            now=now,
            time_limit_s=time_limit_s,
        )
    except BaseException:
        with write_session(engine) as session:  # nothing changed: the pin goes back
            order = _order(session, order_id)
            order.pinned_runner_id = previous_pin
            session.add(order)
        raise
    with write_session(engine) as session:
        _log(session, order_id, by, "moved", name)
    return outcome


def set_shift(
    engine: Engine,
    runner_id: uuid.UUID,
    *,
    on_shift: bool,
    day: date,
    by: str,
    settings: Settings,
    now: datetime | None = None,
    time_limit_s: float = 1.0,
) -> ReplanOutcome:
    """Put ``runner_id`` on shift or take it off, and re-plan ``day``. Off: its stops not yet
    picked up go to the others (what it carries stays with it until delivered or failed) and
    its pins are lifted; on: it takes a share again."""
    with write_session(engine) as session:
        runner = session.get(Runner, runner_id)
        if runner is None:
            raise DomainError("runner.not_found", params={"id": str(runner_id)})
        if on_shift:
            resume_shift(session, runner, day)
        else:
            end_shift(session, runner, day, by)
            pinned = session.exec(
                select(Order)
                .where(Order.pinned_runner_id == runner.id)
                .where(Order.service_date == day)
            ).all()
            for order in pinned:  # a pin to a runner who has gone cannot be kept
                order.pinned_runner_id = None
                session.add(order)
                _log(session, order.id, by, "unpinned", f"{runner.name} off shift")
        market_id = runner.market_id
    reason = "runner back on shift" if on_shift else "runner off shift"
    how = {"by": by, "settings": settings, "reason": reason, "now": now}
    outcome = _replan_unless(
        ("replan.no_orders",), engine, market_id, day, time_limit_s=time_limit_s, **how
    )
    return outcome or ReplanOutcome(None, (), ())  # a day without orders: nothing to re-plan


def order_events(session: Session, order_id: uuid.UUID) -> list[OrderEvent]:
    """Everything recorded about ``order_id``: its status changes and its other changes,
    oldest first, as events (status changes have ``kind`` ``status``)."""
    events = list(session.exec(select(OrderEvent).where(OrderEvent.order_id == order_id)).all())
    for change in session.exec(
        select(OrderStatusChange).where(OrderStatusChange.order_id == order_id)
    ).all():
        before = change.from_status.value if change.from_status is not None else "-"
        detail = f"{before} -> {change.to_status.value}"
        if change.reason:
            detail += f" ({change.reason})"
        events.append(
            OrderEvent(
                id=change.id,
                order_id=order_id,
                at=change.at,
                by=change.by,
                kind="status",
                detail=detail[:500],
            )
        )
    return sorted(events, key=lambda e: e.at)


def _order(session: Session, order_id: uuid.UUID) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise DomainError("order.not_found", params={"id": str(order_id)})
    return order


def _runner(session: Session, runner_id: uuid.UUID, market_id: uuid.UUID) -> Runner:
    runner = session.get(Runner, runner_id)
    if runner is None:
        raise DomainError("runner.not_found", field="runner_id", params={"id": str(runner_id)})
    if runner.market_id != market_id:
        raise DomainError("replan.other_market", field="runner_id")
    return runner


def _log(session: Session, order_id: uuid.UUID, by: str, kind: str, detail: str) -> None:
    session.add(OrderEvent(order_id=order_id, by=by, kind=kind, detail=detail[:500]))


#: Taking a runner off shift for a day, and putting it back on shift (see `set_shift`).
runner_off_shift = partial(set_shift, on_shift=False)
runner_on_shift = partial(set_shift, on_shift=True)
