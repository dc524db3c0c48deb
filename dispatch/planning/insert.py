"""New orders on a day that already has a plan: inserted into it, through the one pipeline.

Every intake path (API, CSV import, console form, WhatsApp) ends in `orders_arrived` once its
orders are committed. For each market day with a current plan:

- ``auto`` (a market's ``insertion`` setting, the default): an insertion run, a run like any
  other (lease, snapshot, translate, solve, store), whose solve starts from the current plan,
  puts each new order at its cheapest feasible place and then improves the plan briefly under
  the change cost (``INSERT_TIME_S``); an order no runner can take is listed unplanned with
  the reason, as by any run.
- ``review``: the same snapshot and solve, nothing stored but the suggestion (runner and
  place) on the order, which waits in the unplanned list until `accept_suggestion` (an
  insertion run of it) or until the setting goes back to ``auto``.

While another run holds the market (a dispatch in progress) the order is not lost: it stays
``pending`` and the plan's readers list it as unplanned, "waiting for the next plan"; the run
that holds the market, when it ends, inserts what arrived while it worked (`insert_waiting`).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dispatch.db import read_only, write_session
from dispatch.errors import DomainError
from dispatch.fleet import INSERTION_MODES
from dispatch.models import (
    DroppedOrder,
    Fulfilment,
    Market,
    Order,
    OrderEvent,
    Route,
    RouteStop,
    Runner,
)
from dispatch.planning.snapshot import PLANNABLE, load_day
from dispatch.planning.solve import solve_day
from dispatch.planning.store import create_run, execute_run, select_markets
from dispatch.plans import WAITING_PLAN, current_run_id, current_run_ids
from dispatch.settings import Settings

#: Seconds an insertion's solve takes at most: insertion (20-40 ms on the 120-order bench),
#: then a short improvement with what is left (none below 20 ms). At 0.1 s the improvement
#: bettered 1 of 13 insertion plans (by 0.7 %) at 09:00 and none of 26 at 07:30, and its clock
#: was half of an insertion's latency.
INSERT_TIME_S = 0.05
#: How many times an insertion run looks again for orders that arrived while it worked.
_ROUNDS = 3

Result = Literal["inserted", "unplanned", "review", "waiting", "no_plan"]


@dataclass(frozen=True)
class Inserted:
    """What became of one arrived order: on a runner's route (``runner_id``, ``position``),
    unplanned with a reason, waiting for review with a suggestion, waiting for the run that
    holds its market, or left for the day's first dispatch (``no_plan``)."""

    order_id: uuid.UUID
    result: Result
    runner_id: uuid.UUID | None = None
    position: int | None = None
    reason_code: str | None = None


class Arrived(Protocol):
    """Who places committed orders for a caller that has no engine of its own to spend on
    it (the web server's planner, `api.planner.Planner.orders_arrived`)."""

    def __call__(self, order_ids: Iterable[uuid.UUID], *, by: str) -> list[Inserted]: ...


def orders_arrived(
    engine: Engine,
    order_ids: Iterable[uuid.UUID],
    settings: Settings,
    *,
    by: str = "intake",
    now: datetime | None = None,
) -> list[Inserted]:
    """Place the committed orders ``order_ids`` into their days' current plans (see the
    module's docstring). Orders already placed, picked up, collected or of an unplanned day
    are left as they are."""
    groups: dict[tuple[uuid.UUID, date], list[uuid.UUID]] = defaultdict(list)
    with Session(read_only(engine)) as session:
        ids = list(dict.fromkeys(order_ids))
        if not ids:
            return []
        rows = session.exec(select(Order).where(col(Order.id).in_(ids))).all()
        modes: dict[uuid.UUID, str] = {}
        codes: dict[uuid.UUID, str] = {}
        planned: dict[tuple[uuid.UUID, date], bool] = {}
        out: list[Inserted] = []
        for order in rows:
            if order.fulfilment != Fulfilment.DELIVERY or order.status not in PLANNABLE:
                continue
            key = (order.market_id, order.service_date)
            if key not in planned:
                market = session.get(Market, order.market_id)
                assert market is not None
                planned[key] = current_run_id(session, market, order.service_date) is not None
                modes[market.id] = market.insertion
                codes[market.id] = market.code
            if not planned[key]:
                out.append(Inserted(order.id, "no_plan"))
                continue
            groups[key].append(order.id)
    for (market_id, day), group in groups.items():
        if modes.get(market_id) == "review":
            out += suggest(engine, market_id, day, group, settings, by=by, now=now)
        else:
            code = codes[market_id]
            out += insert_now(engine, market_id, day, group, settings, by=by, now=now, code=code)
    return out


def insert_now(
    engine: Engine,
    market_id: uuid.UUID,
    day: date,
    order_ids: list[uuid.UUID],
    settings: Settings,
    *,
    by: str,
    now: datetime | None = None,
    code: str | None = None,
) -> list[Inserted]:
    """An insertion run of ``market_id``'s ``day`` (it places every order waiting, these
    included); ``waiting`` for each when another run holds the market. ``code``: the
    market's, when the caller has read it already."""
    if code is None:
        with Session(read_only(engine)) as session:
            code = _market(session, market_id).code
    for _ in range(_ROUNDS):
        params = {"kind": "insert", "time_limit_s": INSERT_TIME_S, "seed": 1, "by": by}
        params["reason"] = "new order"
        try:
            run_id = create_run(engine, [code], day, params, lease_s=settings.run_lease_s)
        except DomainError as error:
            if error.code != "dispatch.market_busy":
                raise
            # The run holding the market inserts it when it ends (`insert_waiting`).
            return [Inserted(o, "waiting", reason_code="waiting_plan") for o in order_ids]
        outcome = execute_run(engine, run_id, settings, workers=1, now=now)
        if outcome.error is not None:
            raise RuntimeError(outcome.error)
        with Session(read_only(engine)) as session:
            if not _waiting(session, market_id, day):  # nothing arrived meanwhile
                return _places(session, outcome.run_id, order_ids)
    return places(engine, outcome.run_id, order_ids)


def insert_waiting(engine: Engine, codes: Iterable[str], day: date, settings: Settings) -> None:
    """After a run: insert the orders that arrived at its markets (``codes``) while it held
    them."""
    with Session(read_only(engine)) as session:
        market_ids = [m.id for m in select_markets(session, list(codes))]
    for market_id in market_ids:
        ids = waiting(engine, market_id, day)
        if ids:
            insert_now(engine, market_id, day, ids, settings, by="insertion")


def waiting(engine: Engine, market_id: uuid.UUID, day: date) -> list[uuid.UUID]:
    """Orders of a planned day the current plan does not know (neither routed nor dropped)
    and that wait for no review: they arrived while a run held the market."""
    with Session(read_only(engine)) as session:
        return _waiting(session, market_id, day)


def _waiting(session: Session, market_id: uuid.UUID, day: date) -> list[uuid.UUID]:
    """`waiting`, in one query after the current run's."""
    run_id = current_run_ids(session, [market_id], day).get(market_id)
    if run_id is None:
        return []
    routed = (
        select(RouteStop.id)
        .join(Route, col(Route.id) == col(RouteStop.route_id))
        .where(Route.run_id == run_id)
        .where(col(RouteStop.order_id) == col(Order.id))
    )
    dropped = (
        select(DroppedOrder.id)
        .where(DroppedOrder.run_id == run_id)
        .where(col(DroppedOrder.order_id) == col(Order.id))
    )
    return list(
        session.exec(
            select(Order.id)
            .where(Order.market_id == market_id)
            .where(Order.service_date == day)
            .where(Order.fulfilment == Fulfilment.DELIVERY)
            .where(col(Order.status).in_(PLANNABLE))
            .where(col(Order.awaiting_review).is_(False))
            .where(col(Order.lat).is_not(None))
            .where(~routed.exists())
            .where(~dropped.exists())
            .order_by(col(Order.created_at), col(Order.idempotency_key))
        ).all()
    )


def places(engine: Engine, run_id: uuid.UUID, order_ids: list[uuid.UUID]) -> list[Inserted]:
    """Where run ``run_id`` (the current plan) put each of ``order_ids``: a route and its
    place in it, or unplanned with the reason."""
    with Session(read_only(engine)) as session:
        return _places(session, run_id, order_ids)


def _places(session: Session, run_id: uuid.UUID, order_ids: list[uuid.UUID]) -> list[Inserted]:
    where = {
        order_id: (runner_id, sequence)
        for order_id, runner_id, sequence in session.exec(
            select(RouteStop.order_id, Route.runner_id, RouteStop.sequence)
            .join(Route, col(Route.id) == col(RouteStop.route_id))
            .where(Route.run_id == run_id)
            .where(col(RouteStop.order_id).in_(order_ids))
        ).all()
    }
    reasons = dict(
        session.exec(
            select(DroppedOrder.order_id, DroppedOrder.reason_code)
            .where(DroppedOrder.run_id == run_id)
            .where(col(DroppedOrder.order_id).in_(order_ids))
        ).all()
    )
    out = []
    for order_id in order_ids:
        if order_id in where:
            runner, position = where[order_id]
            out.append(Inserted(order_id, "inserted", runner, position))
        else:
            code = reasons.get(order_id, WAITING_PLAN)
            out.append(Inserted(order_id, "unplanned", reason_code=code))
    return out


def suggest(
    engine: Engine,
    market_id: uuid.UUID,
    day: date,
    order_ids: list[uuid.UUID],
    settings: Settings,
    *,
    by: str,
    now: datetime | None = None,
) -> list[Inserted]:
    """Review: where an insertion would put each order (snapshot, translate and solve as
    the insertion run does; nothing of the plan stored), kept on the order, which waits."""
    with Session(read_only(engine)) as session:
        market = _market(session, market_id)
        day_state = load_day(session, market, day, settings, now or datetime.now(UTC))
    result = solve_day(day_state, INSERT_TIME_S)
    where: dict[uuid.UUID, tuple[uuid.UUID, int]] = {}
    for route in result.routes:
        for stop in route.stops:
            where[stop.order_id] = (route.runner_id, stop.sequence)
    dropped = {d.order_id: d for d in result.dropped}
    out = []
    with write_session(engine) as session:
        names = dict(
            session.exec(select(Runner.id, Runner.name).where(Runner.market_id == market_id)).all()
        )
        for order_id in order_ids:
            order = session.get(Order, order_id)
            if order is None or order.status not in PLANNABLE:
                continue
            order.awaiting_review = True
            runner, position = where.get(order_id, (None, None))
            order.suggested_runner_id, order.suggested_position = runner, position
            if runner is not None:
                order.suggestion = f"{names.get(runner, '-')} #{position}"
            elif order_id in dropped:
                order.suggestion = dropped[order_id].reason_code
            session.add(order)
            session.add(
                OrderEvent(
                    order_id=order_id,
                    by=by,
                    kind="suggested",
                    detail=(order.suggestion or "-")[:500],
                )
            )
            out.append(Inserted(order_id, "review", runner, position, "awaiting_review"))
    return out


def accept_suggestion(
    engine: Engine,
    market_id: uuid.UUID,
    order_id: uuid.UUID,
    settings: Settings,
    *,
    by: str,
    now: datetime | None = None,
) -> Inserted:
    """Accept the insertion of an order that waits for review: an insertion run places it
    (where it fits best now: the suggestion unless the plan changed since). Refused for an
    order that does not wait (``insertion.not_waiting``) or of another market (404)."""
    with write_session(engine) as session:
        order = session.get(Order, order_id)
        if order is None or order.market_id != market_id:
            raise DomainError("order.not_found", field="order_id", params={"id": str(order_id)})
        if not order.awaiting_review or order.status not in PLANNABLE:
            raise DomainError("insertion.not_waiting", field="order_id")
        day = order.service_date
        order.awaiting_review = False
        session.add(order)
        session.add(OrderEvent(order_id=order_id, by=by, kind="accepted", detail="-"))
    try:
        placed = insert_now(engine, market_id, day, [order_id], settings, by=by, now=now)
    except BaseException:
        with write_session(engine) as session:  # nothing changed: it waits again
            order = session.get(Order, order_id)
            if order is not None:
                order.awaiting_review = True
                session.add(order)
        raise
    with write_session(engine) as session:
        order = session.get(Order, order_id)
        if order is not None and placed[0].result != "waiting":
            order.suggested_runner_id = order.suggested_position = order.suggestion = None
            session.add(order)
    return placed[0]


def set_insertion(engine: Engine, market_id: uuid.UUID, mode: str, settings: Settings) -> None:
    """Change how ``market_id`` takes new orders on a planned day (`release_reviews` then)."""
    if mode not in INSERTION_MODES:
        raise DomainError("insertion.invalid_mode", field="insertion", params={"value": mode})
    with write_session(engine) as session:
        market = _market(session, market_id)
        market.insertion = mode
        session.add(market)
    release_reviews(engine, market_id, settings)


def release_reviews(engine: Engine, market_id: uuid.UUID, settings: Settings) -> None:
    """A market back on ``auto``: the orders that waited for review go into their days'
    plans (nothing for a market on ``review``)."""
    held: dict[date, list[uuid.UUID]] = defaultdict(list)
    with write_session(engine) as session:
        if _market(session, market_id).insertion != "auto":
            return
        for order in session.exec(
            select(Order)
            .where(Order.market_id == market_id)
            .where(col(Order.awaiting_review).is_(True))
        ).all():
            order.awaiting_review = False
            order.suggested_runner_id = order.suggested_position = order.suggestion = None
            session.add(order)
            held[order.service_date].append(order.id)
    for group in held.values():
        orders_arrived(engine, group, settings, by="insertion")


def _market(session: Session, market_id: uuid.UUID) -> Market:
    market = session.get(Market, market_id)
    if market is None:
        raise DomainError("market.not_found", params={"code": str(market_id)})
    return market
