"""The state of a market's day, as planning sees it: the first stage of the pipeline.

`load_day` reads, in one read, everything a plan of one market's day depends on into plain,
picklable data (so the solve may run in another process): each runner's start (its fresh
reported position, else where its current plan puts it now, else the market at its shift
start), what it carries (picked up, not yet delivered), its stops already done, its current
trips, its lock and whether it is on shift; and every order that can still be planned with
its pin. A first dispatch is a day where nobody is out yet: every runner starts at the
market at its shift start, carries nothing and has done nothing.

Times are seconds after local midnight (WIB) of the service date. ``now`` on another day
than the service date plans the whole day (a day ahead, or a past day planned again).
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import selectinload
from sqlmodel import Session, col, select

from dispatch.models import (
    DroppedOrder,
    Fulfilment,
    Market,
    Order,
    OrderStatus,
    Runner,
    StopKind,
)
from dispatch.plans import current_run_id, market_plan
from dispatch.settings import Settings
from dispatch.shifts import on_shift_ids

#: Orders a plan may (re)place: not yet picked up.
PLANNABLE = (OrderStatus.PENDING, OrderStatus.ASSIGNED)
#: Orders whose stop is done: it stays at the head of its runner's route as it was.
DONE = (OrderStatus.DELIVERED, OrderStatus.FAILED)
#: Times and travel a day's plan takes from the settings as they are (same names).
FROM_SETTINGS = (
    "door_service_s",
    "picking_s",
    "reload_s",
    "circuity",
    "speed_kmh",
    "parking_s",
    "seller_service_s",
)


@dataclass(frozen=True)
class SellerPickup:
    """Where an order's goods are collected when a seller has them: the seller's code,
    place (degrees) and opening hours (seconds after local midnight)."""

    code: str
    lat: float
    lon: float
    opens_s: int
    closes_s: int


@dataclass(frozen=True)
class OrderInput:
    """An order to place (or carried, already placed): where, how heavy, its cash, its
    window and its pin."""

    id: uuid.UUID
    external_id: str
    lat: float
    lon: float
    weight_g: int
    cod_rp: int
    window_start: datetime | None
    window_end: datetime | None
    priority: int
    created_at: datetime
    pinned_runner_id: uuid.UUID | None = None
    pickup: SellerPickup | None = None
    """The seller to collect the goods at first; ``None``: bought at the market (or the
    seller's goods are on board already)."""


@dataclass(frozen=True)
class PlannedStop:
    """One stop of a route: its order, place in the route, trip and planned arrival, the leg
    that reaches it (metres, seconds), and whether it delivers the order or collects its
    goods at its seller."""

    order_id: uuid.UUID
    sequence: int
    trip: int
    arrival: datetime
    distance_m: int
    duration_s: int
    kind: StopKind = StopKind.DELIVERY


@dataclass(frozen=True)
class RunnerState:
    """One runner of the day: what it can carry, when it works, where it starts, what it
    carries, what it has done and its current trips (orders still to deliver)."""

    id: uuid.UUID
    name: str
    capacity_g: int
    cash_cap_rp: int
    max_orders_per_trip: int | None
    shift_start_s: int
    shift_end_s: int
    on_shift: bool
    start_lat: float
    start_lon: float
    start_s: int
    reported: bool
    carried: tuple[uuid.UUID, ...] = ()
    done: tuple[PlannedStop, ...] = ()
    trips: tuple[tuple[uuid.UUID, ...], ...] = ()
    locked: bool = False


@dataclass(frozen=True)
class MarketDay:
    """Everything one market's plan for one day needs, detached from the database.

    ``orders`` holds the orders carried by a runner first, then those to place; ``runners``
    the runners that are on shift or still carry something.
    """

    market_id: uuid.UUID
    market_code: str
    lat: float
    lon: float
    service_date: date
    timezone: str
    now_s: int
    orders: tuple[OrderInput, ...]
    runners: tuple[RunnerState, ...]
    door_service_s: int
    picking_s: int
    reload_s: int
    asap_s: int
    circuity: float
    speed_kmh: float
    parking_s: int
    seller_service_s: int = 0
    move_cost_m: int = 0
    reorder_cost_m: int = 0
    balance_cost: int = 0
    has_plan: bool = False
    planned_on: tuple[tuple[uuid.UUID, uuid.UUID], ...] = ()
    """(order, runner) of every order still to deliver in the current plan, whether or not
    that runner is planned now (a runner gone off shift included)."""
    still_dropped: tuple[tuple[uuid.UUID, str, str], ...] = ()
    """An insertion's day: the orders the current plan left out (order, reason code, reason),
    not tried again (only new orders are placed) and listed as they were."""

    @property
    def midnight(self) -> datetime:
        """Local midnight of the service date."""
        tz = ZoneInfo(self.timezone)
        return datetime.combine(self.service_date, datetime.min.time(), tzinfo=tz)

    @property
    def carried_ids(self) -> frozenset[uuid.UUID]:
        """Orders on board a runner."""
        return frozenset(o for r in self.runners for o in r.carried)

    def previous_runner(self) -> dict[uuid.UUID, uuid.UUID]:
        """Order -> the runner whose current plan holds it (orders still to deliver)."""
        return dict(self.planned_on)


#: A run's stored plan of a market never changes: the stops of the last few a process stored
#: (`remember_plan`), by (run, market), so that the next snapshot of that market's day, an
#: insertion's a moment later, need not read them back through the plans' read model.
_REMEMBERED: OrderedDict[tuple[uuid.UUID, uuid.UUID], dict[uuid.UUID, tuple[PlannedStop, ...]]]
_REMEMBERED = OrderedDict()
_REMEMBER_RUNS = 16
_remembered_lock = threading.Lock()


def remember_plan(
    run_id: uuid.UUID, market_id: uuid.UUID, stops: dict[uuid.UUID, tuple[PlannedStop, ...]]
) -> None:
    """Keep what run ``run_id`` stores as its plan of ``market_id`` (runner -> stops, as
    stored): a snapshot while that run's plan is current reads it from here."""
    ordered = {r: tuple(sorted(s, key=lambda stop: stop.sequence)) for r, s in stops.items()}
    with _remembered_lock:
        _REMEMBERED[(run_id, market_id)] = ordered
        _REMEMBERED.move_to_end((run_id, market_id))
        while len(_REMEMBERED) > _REMEMBER_RUNS:
            _REMEMBERED.popitem(last=False)


def forget_plans() -> None:
    """Forget every remembered plan: the next snapshots read them through the plans' read
    model."""
    with _remembered_lock:
        _REMEMBERED.clear()


def _current_stops(
    session: Session, market: Market, day: date
) -> tuple[uuid.UUID | None, dict[uuid.UUID, tuple[PlannedStop, ...]]]:
    """The current plan's run and its stops per runner, in sequence: remembered when this
    process stored that run (cancelled orders' stops among them: the caller leaves them
    out), else read through the plans' read model."""
    run_id = current_run_id(session, market, day)
    if run_id is None:
        return None, {}
    with _remembered_lock:
        stops = _REMEMBERED.get((run_id, market.id))
    if stops is not None:
        return run_id, stops
    plan = market_plan(session, market, day)
    return plan.run_id, {
        r.runner_id: tuple(
            PlannedStop(
                s.order_id,
                s.sequence,
                s.trip,
                s.planned_arrival,
                s.leg_distance_m,
                s.leg_duration_s,
                s.kind,
            )
            for s in r.visits
        )
        for r in plan.routes
    }


def _seconds_of(moment: datetime, midnight: datetime) -> int:
    return int((moment - midnight).total_seconds())


def _clock_s(runner_time: object) -> int:
    return runner_time.hour * 3600 + runner_time.minute * 60  # type: ignore[attr-defined]


def _pickup(order: Order) -> SellerPickup | None:
    """Where ``order``'s goods are still to be collected: its seller's, until picked up."""
    seller = order.seller if order.seller_id is not None else None
    if seller is None or order.status not in PLANNABLE:
        return None
    return SellerPickup(
        seller.code, seller.lat, seller.lon, _clock_s(seller.opens), _clock_s(seller.closes)
    )


def order_input(order: Order) -> OrderInput:
    """``order`` as planning sees it (it must have a location)."""
    assert order.lat is not None
    assert order.lon is not None
    return OrderInput(
        id=order.id,
        external_id=order.idempotency_key,
        lat=order.lat,
        lon=order.lon,
        weight_g=order.weight_g,
        cod_rp=order.cod_rp,
        window_start=order.window_start,
        window_end=order.window_end,
        priority=order.priority,
        created_at=order.created_at,
        pinned_runner_id=order.pinned_runner_id,
        pickup=_pickup(order),
    )


def load_day(
    session: Session,
    market: Market,
    day: date,
    settings: Settings,
    now: datetime,
    *,
    insertion: bool = False,
) -> MarketDay:
    """The state of ``market``'s ``day`` at ``now`` (see the module's docstring); for an
    ``insertion`` (new orders into the current plan) the orders that plan left out stay out
    (``still_dropped``)."""
    tz = ZoneInfo(settings.timezone)
    midnight = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    now_s = _seconds_of(now, midnight) if now.astimezone(tz).date() == day else 0
    orders = session.exec(
        select(Order)
        .where(Order.market_id == market.id)
        .where(Order.service_date == day)
        .where(Order.fulfilment == Fulfilment.DELIVERY)
        .order_by(col(Order.created_at), col(Order.idempotency_key))
        .options(selectinload(Order.seller))  # type: ignore[arg-type]
    ).all()
    by_id = {o.id: o for o in orders}
    # Every stop of the current plan: deliveries, and pickups at sellers; a cancelled
    # order's stop is no stop (as the plans' readers show it).
    run_id, stored = _current_stops(session, market, day)
    stops_of = {
        runner_id: [
            s
            for s in stops
            if s.order_id in by_id and by_id[s.order_id].status is not OrderStatus.CANCELLED
        ]
        for runner_id, stops in stored.items()
    }
    runners = session.exec(
        select(Runner).where(Runner.market_id == market.id).order_by(col(Runner.name))
    ).all()
    working = on_shift_ids(session, runners, day)
    states: list[RunnerState] = []
    carried_ids: set[uuid.UUID] = set()
    planned_on = tuple(
        (s.order_id, runner_id)
        for runner_id, stops in stops_of.items()
        for s in stops
        if s.kind is StopKind.DELIVERY
        and s.order_id in by_id
        and by_id[s.order_id].status in (*PLANNABLE, OrderStatus.PICKED_UP)
    )
    for runner in runners:
        mine = stops_of.get(runner.id, [])
        # A pickup at a seller is done once the goods are collected; open ones follow from
        # their orders (each plan places them anew), so only deliveries make the trips.
        collected = [s for s in mine if s.kind is StopKind.PICKUP and _collected(by_id[s.order_id])]
        mine = [s for s in mine if s.kind is StopKind.DELIVERY]
        carried = tuple(
            s.order_id for s in mine if by_id[s.order_id].status == OrderStatus.PICKED_UP
        )
        trips: dict[int, list[uuid.UUID]] = defaultdict(list)
        for s in mine:
            order = by_id[s.order_id]
            if order.status in PLANNABLE and order.lat is not None and order.lon is not None:
                trips[s.trip].append(order.id)
        shift_start, shift_end = _clock_s(runner.shift_start), _clock_s(runner.shift_end)
        on_shift = runner.id in working and now_s < shift_end
        done = tuple(
            s
            for s in sorted([*mine, *collected], key=lambda stop: stop.sequence)
            if s.kind is StopKind.PICKUP or by_id[s.order_id].status in DONE
        )
        if not on_shift and not carried and not done:
            continue  # off duty, or its shift is over, and nothing done or to finish
        # Off shift, it keeps what it carries and the stops it did (they stay in the plan).
        carried_ids.update(carried)
        lat, lon, at_s, reported = _start(
            runner, mine, by_id, market, (midnight, now, now_s), settings.position_stale_s
        )
        states.append(
            RunnerState(
                id=runner.id,
                name=runner.name,
                capacity_g=runner.capacity_g,
                cash_cap_rp=runner.cash_cap_rp,
                max_orders_per_trip=runner.max_orders_per_trip,
                shift_start_s=shift_start,
                shift_end_s=shift_end,
                on_shift=on_shift,
                start_lat=lat,
                start_lon=lon,
                start_s=at_s,
                reported=reported,
                carried=carried,
                done=done,
                trips=tuple(tuple(trips[t]) for t in sorted(trips)),
                locked=runner.sequence_locked,
            )
        )
    located = [o for o in orders if o.lat is not None and o.lon is not None]
    carried_orders = [by_id[o] for r in states for o in r.carried if by_id[o].lat is not None]
    still_dropped: tuple[tuple[uuid.UUID, str, str], ...] = ()
    if insertion and run_id is not None:
        still_dropped = tuple(
            (d.order_id, d.reason_code, d.reason)
            for d in session.exec(select(DroppedOrder).where(DroppedOrder.run_id == run_id)).all()
            if d.order_id in by_id and by_id[d.order_id].status in PLANNABLE
        )
    left_out = {d[0] for d in still_dropped}
    plannable = [
        o
        for o in located
        if o.status in PLANNABLE
        and o.id not in carried_ids
        and not o.awaiting_review
        and o.id not in left_out
    ]
    balance = market.balance_cost if market.balance_work else 0
    return MarketDay(
        market_id=market.id,
        market_code=market.code,
        lat=market.lat,
        lon=market.lon,
        service_date=day,
        timezone=settings.timezone,
        now_s=now_s,
        orders=tuple(order_input(o) for o in (*carried_orders, *plannable)),
        runners=tuple(states),
        asap_s=settings.asap_minutes * 60,
        **{name: getattr(settings, name) for name in FROM_SETTINGS},
        move_cost_m=settings.replan_move_cost_m,
        reorder_cost_m=settings.replan_reorder_cost_m,
        balance_cost=balance,
        has_plan=run_id is not None,
        planned_on=planned_on,
        still_dropped=still_dropped,
    )


def _collected(order: Order) -> bool:
    """Whether ``order``'s goods have left its seller (collected, or the order is done)."""
    return order.status is OrderStatus.PICKED_UP or order.status in DONE


def _start(
    runner: Runner,
    stops: list[PlannedStop],
    orders: dict[uuid.UUID, Order],
    market: Market,
    when: tuple[datetime, datetime, int],
    stale_s: int,
) -> tuple[float, float, int, bool]:
    """Where and when ``runner`` starts (lat, lon, seconds, whether a fresh report): at the
    market at its shift start before the shift; later at its fresh reported position, else
    where its plan puts it now (its last stop done or due)."""
    midnight, now, now_s = when
    shift_start = _clock_s(runner.shift_start)
    if now_s <= shift_start:
        return market.lat, market.lon, shift_start, False
    fresh = runner.last_seen_at is not None and (now - runner.last_seen_at) <= timedelta(
        seconds=stale_s
    )
    if fresh and runner.last_lat is not None and runner.last_lon is not None:
        return runner.last_lat, runner.last_lon, now_s, True
    lat, lon = market.lat, market.lon
    for stop in stops:
        order = orders[stop.order_id]
        arrival = stop.arrival
        due = arrival is not None and _seconds_of(arrival, midnight) <= now_s
        if order.lat is not None and order.lon is not None and (order.status in DONE or due):
            lat, lon = order.lat, order.lon
    return lat, lon, now_s, False
