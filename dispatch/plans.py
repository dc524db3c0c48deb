"""The one read model of the current plan: the only code that reads plans from the database.

A market's current plan for a day is what its latest finished (``done``) dispatch run stored;
older runs stay as history. Every reader (the routes API, the runner's page and its JSON, the
console, the day's report, the tracking page, the exports) reads through the functions here,
so they all show the same stops in the same order, the same trips, planned arrivals,
distance, duration and cash.

The plan comes back as plain frozen dataclasses, read in a fixed, small number of queries
whatever the number of markets, runners and stops (no query per route or per stop):

- `MarketPlan`: the market's routes (one `RoutePlan` per runner, by name) and the orders the
  plan could not place (`Unplanned`, with the run's reason), for one day;
- `RoutePlan`: a runner's stops in visiting order (`PlanStop`), grouped in trips
  (`TripPlan`: a return to the market starts a new trip), its distance, its working time
  from the first departure to the last return, and its cash;
- `PlanStop`: what the plan says of one order (trip, planned arrival, the leg to it) and
  what the order says of itself (customer, address, items, cash, status).

A cancelled order is no stop of anyone's plan: it is left out of the routes (its stored
sequence number stays a gap). Done stops (delivered, failed) stay where they were.

Units: metres, seconds, grams, whole rupiah; datetimes timezone-aware in UTC.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any, Final

from sqlalchemy.engine import Row
from sqlmodel import Session, col, select

from dispatch.models import (
    DispatchRun,
    DispatchRunMarket,
    DroppedOrder,
    Fulfilment,
    Market,
    Order,
    OrderItem,
    OrderStatus,
    Payment,
    Route,
    RouteStop,
    Runner,
    RunStatus,
    Seller,
    StopKind,
)

#: A stop still to make.
OPEN: Final = frozenset({OrderStatus.ASSIGNED, OrderStatus.PICKED_UP})
#: A stop made, well or not.
DONE: Final = frozenset({OrderStatus.DELIVERED, OrderStatus.FAILED})


@dataclass(frozen=True)
class SellerInfo:
    """The seller whose goods an order takes (collected there, not bought at the market)."""

    code: str
    name: str
    phone: str
    address: str
    lat: float
    lon: float


@dataclass(frozen=True)
class PlanItem:
    """One line of an order: ``bawang merah``, 1.5, ``kg``, 1500 g."""

    name: str
    quantity: float
    unit: str
    weight_g: int


@dataclass(frozen=True)
class PlanStop:
    """One stop of a route: where the plan puts the order, and the order itself."""

    order_id: uuid.UUID
    external_id: str
    """The order's idempotency key (e.g. a WhatsApp message id)."""
    kind: StopKind
    sequence: int
    """1 for the route's first stop (as stored: a cancelled order leaves a gap)."""
    trip: int
    """1 for the first trip from the market."""
    planned_arrival: datetime
    leg_distance_m: int
    """From the previous place (the market, or the previous stop) to this stop, metres."""
    leg_duration_s: int
    status: OrderStatus
    customer_name: str
    phone: str
    address: str
    lat: float | None
    lon: float | None
    location_approximate: bool
    items: tuple[PlanItem, ...]
    notes: str
    weight_g: int
    fulfilment: Fulfilment
    payment: Payment
    cod_rp: int
    """Cash to collect at the door (goods and fee when COD, else 0), whole rupiah."""
    collected_rp: int | None
    """Cash the runner reported collecting (delivered stops), whole rupiah."""
    failure_reason: str | None
    window_start: datetime | None
    window_end: datetime | None
    pinned_runner_id: uuid.UUID | None
    recipient_name: str | None = None
    """Who took the goods at the door, when the runner was told."""
    seller: SellerInfo | None = None
    """The order's seller, if its goods come from one (on its pickup and its delivery)."""

    @property
    def done(self) -> bool:
        """The stop is behind the runner: a delivery delivered or failed; a pickup once the
        goods are collected (or the order failed)."""
        if self.kind is StopKind.PICKUP:
            return self.status in DONE or self.status is OrderStatus.PICKED_UP
        return self.status in DONE

    @property
    def open(self) -> bool:
        """The stop is still to make: a delivery assigned or picked up; a pickup assigned."""
        if self.kind is StopKind.PICKUP:
            return self.status is OrderStatus.ASSIGNED
        return self.status in OPEN

    @property
    def to_collect_rp(self) -> int:
        """Cash still to collect here: its COD while open, else 0."""
        return self.cod_rp if self.open else 0

    @property
    def cash_collected_rp(self) -> int:
        """Cash collected here: what the runner reported on delivery, else 0."""
        return (self.collected_rp or 0) if self.status is OrderStatus.DELIVERED else 0

    @property
    def expected_rp(self) -> int:
        """Cash the runner should hand in for this stop: its COD when delivered or open,
        0 when failed."""
        return self.cod_rp if self.status is OrderStatus.DELIVERED or self.open else 0


@dataclass(frozen=True)
class Cash:
    """Cash on delivery of a set of stops, whole rupiah."""

    collected_rp: int
    """Reported collected on delivered stops."""
    to_collect_rp: int
    """Still to collect on open stops."""
    expected_rp: int
    """COD of delivered and open stops: what should be handed in at the end."""

    @property
    def holding_rp(self) -> int:
        """What the runner holds once every open stop has paid."""
        return self.collected_rp + self.to_collect_rp

    @classmethod
    def of(cls, stops: Iterable[PlanStop]) -> Cash:
        stops = tuple(stops)
        return cls(
            collected_rp=sum(s.cash_collected_rp for s in stops),
            to_collect_rp=sum(s.to_collect_rp for s in stops),
            expected_rp=sum(s.expected_rp for s in stops),
        )


@dataclass(frozen=True)
class TripPlan:
    """One trip: from the market through its stops and back."""

    number: int
    stops: tuple[PlanStop, ...]
    cash: Cash

    @property
    def weight_g(self) -> int:
        return sum(s.weight_g for s in self.stops)


@dataclass(frozen=True)
class RoutePlan:
    """A runner's route in the current plan."""

    runner_id: uuid.UUID
    runner_name: str
    runner_phone: str
    capacity_g: int
    cash_cap_rp: int
    """Cash the runner may carry on one trip."""
    distance_m: int
    starts_at: datetime | None
    """First departure: the first stop's arrival less the leg to it (``None``: no stops)."""
    ends_at: datetime | None
    """Last return to the market: never before the last stop's planned arrival."""
    stops: tuple[PlanStop, ...]
    """The deliveries, in visiting order."""
    trips: tuple[TripPlan, ...]
    cash: Cash
    visits: tuple[PlanStop, ...] = ()
    """Every stop in visiting order: the deliveries and the pickups at sellers (a pickup
    before its delivery)."""

    @property
    def pickups(self) -> tuple[PlanStop, ...]:
        """The stops at sellers, in visiting order."""
        return tuple(s for s in self.visits if s.kind is StopKind.PICKUP)

    @property
    def duration_s(self) -> int:
        """Working time from the first departure to the last return, seconds."""
        if self.starts_at is None or self.ends_at is None:
            return 0
        return int((self.ends_at - self.starts_at).total_seconds())

    @property
    def weight_g(self) -> int:
        return sum(s.weight_g for s in self.stops)

    @property
    def done(self) -> int:
        """How many stops are done (delivered or failed)."""
        return sum(s.done for s in self.stops)

    @property
    def next_stop(self) -> PlanStop | None:
        """The first stop still to make."""
        return next((s for s in self.stops if s.open), None)

    @property
    def trips_over_cap(self) -> tuple[int, ...]:
        """The trips whose cash (collected and to collect) exceeds the per-trip cap."""
        return tuple(t.number for t in self.trips if t.cash.holding_rp > self.cash_cap_rp)

    def stop(self, order_id: uuid.UUID) -> PlanStop | None:
        """The stop of ``order_id`` on this route, if any."""
        return next((s for s in self.stops if s.order_id == order_id), None)


@dataclass(frozen=True)
class Unplanned:
    """A pending order the plan left out, and why (the run's reason code and words)."""

    order_id: uuid.UUID
    external_id: str
    customer_name: str
    lat: float | None
    lon: float | None
    reason_code: str
    reason: str
    suggested_runner_id: uuid.UUID | None = None
    """Review of a new order: where insertion would put it (runner, place in its route)."""
    suggested_position: int | None = None


@dataclass(frozen=True)
class MarketPlan:
    """A market's current plan for a day (empty: ``run_id`` ``None``, before any run)."""

    market_id: uuid.UUID
    market_code: str
    market_name: str
    lat: float
    lon: float
    service_date: date
    run_id: uuid.UUID | None
    routes: tuple[RoutePlan, ...]
    """One per runner the run planned, by runner name (routes without stops included)."""
    unplanned: tuple[Unplanned, ...]
    """Orders still pending that the run could not place, by external id."""

    def route_of(self, runner_id: uuid.UUID) -> RoutePlan | None:
        """``runner_id``'s route, if the plan has one."""
        return next((r for r in self.routes if r.runner_id == runner_id), None)

    @cached_property
    def runner_of(self) -> dict[uuid.UUID, uuid.UUID]:
        """Order id -> runner id, for every stop of the plan."""
        return {s.order_id: r.runner_id for r in self.routes for s in r.stops}

    @cached_property
    def reasons(self) -> dict[uuid.UUID, tuple[str, str]]:
        """Order id -> (reason code, reason), for every unplanned order."""
        return {u.order_id: (u.reason_code, u.reason) for u in self.unplanned}


@dataclass(frozen=True)
class StopPlace:
    """Where one order stands in its market's current plan: its runner and its stop."""

    runner_id: uuid.UUID
    runner_name: str
    stop: PlanStop


# -- reading -----------------------------------------------------------------------------------


def current_run_ids(
    session: Session, market_ids: Sequence[uuid.UUID], day: date
) -> dict[uuid.UUID, uuid.UUID]:
    """Market id -> the run whose plan of the market for ``day`` was stored last (markets
    never planned left out). A market's plan is current from the transaction that stores it
    (``dispatch_run_markets.stored_at``), whatever became of the rest of its run: a run
    killed after storing one market leaves that market planned, never half-planned."""
    if not market_ids:
        return {}
    rows = session.exec(
        select(DispatchRunMarket.market_id, DispatchRun.id)
        .join(DispatchRun, col(DispatchRun.id) == col(DispatchRunMarket.run_id))
        .where(col(DispatchRunMarket.market_id).in_(list(market_ids)))
        .where(DispatchRun.service_date == day)
        .where(col(DispatchRunMarket.stored_at).is_not(None))
        .order_by(col(DispatchRunMarket.stored_at), col(DispatchRun.created_at))
    ).all()
    return dict(rows)  # oldest first: the latest wins


def current_run_id(session: Session, market: Market, day: date) -> uuid.UUID | None:
    """The run of ``market``'s current plan for ``day`` (see `current_run_ids`)."""
    return current_run_ids(session, [market.id], day).get(market.id)


def previous_run_id(session: Session, market: Market, run: DispatchRun) -> uuid.UUID | None:
    """The plan ``run`` revised: the market's latest finished run of the day before it."""
    if run.finished_at is None:
        return None
    return session.exec(
        select(DispatchRun.id)
        .join(DispatchRunMarket, col(DispatchRunMarket.run_id) == col(DispatchRun.id))
        .where(DispatchRunMarket.market_id == market.id)
        .where(DispatchRun.service_date == run.service_date)
        .where(DispatchRun.status == RunStatus.DONE)
        .where(DispatchRun.id != run.id)
        .where(col(DispatchRun.finished_at) <= run.finished_at)
        .order_by(col(DispatchRun.finished_at).desc(), col(DispatchRun.created_at).desc())
    ).first()


def market_plans(session: Session, markets: Sequence[Market], day: date) -> list[MarketPlan]:
    """The current plan of each of ``markets`` for ``day``, in the order given (markets never
    planned that day come back empty, ``run_id`` ``None``)."""
    runs = current_run_ids(session, [m.id for m in markets], day)
    return _read(session, markets, day, runs)


def market_plan(session: Session, market: Market, day: date) -> MarketPlan:
    """``market``'s current plan for ``day``."""
    return market_plans(session, [market], day)[0]


def run_plan(session: Session, market: Market, run_id: uuid.UUID) -> MarketPlan:
    """What run ``run_id`` stored for ``market`` (a run's own page, a run's API answer),
    read as a plan whether or not it is the current one."""
    run = session.get(DispatchRun, run_id)
    day = run.service_date if run is not None else date.min
    return _read(session, [market], day, {market.id: run_id})[0]


def runner_route(session: Session, runner: Runner, day: date) -> RoutePlan | None:
    """``runner``'s route in its market's current plan for ``day`` (``None`` before any run,
    or when the run gave it no route)."""
    run_id = current_run_ids(session, [runner.market_id], day).get(runner.market_id)
    if run_id is None:
        return None
    market = session.get(Market, runner.market_id)
    assert market is not None
    plan = _read(session, [market], day, {market.id: run_id}, runner_id=runner.id)[0]
    return plan.route_of(runner.id)


def runner_route_by_id(session: Session, runner_id: uuid.UUID, day: date) -> RoutePlan | None:
    """`runner_route` for a runner id (``None`` also for an unknown runner)."""
    runner = session.get(Runner, runner_id)
    return None if runner is None else runner_route(session, runner, day)


def order_place(session: Session, order: Order) -> StopPlace | None:
    """Where ``order`` stands in its market's current plan for its day (``None``: not on a
    route)."""
    run_id = current_run_ids(session, [order.market_id], order.service_date).get(order.market_id)
    if run_id is None:
        return None
    market = session.get(Market, order.market_id)
    assert market is not None
    plan = _read(session, [market], order.service_date, {market.id: run_id}, order_id=order.id)[0]
    for route in plan.routes:
        stop = route.stop(order.id)
        if stop is not None:
            return StopPlace(route.runner_id, route.runner_name, stop)
    return None


def earlier_carriers(
    session: Session, market: Market, day: date, order_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """Order id -> the runner of its stop in the latest finished run of the day that routed
    it, for ``order_ids`` (orders done before a plan that no longer carries them: the day's
    report credits them to the runner who carried them)."""
    wanted = list(order_ids)
    if not wanted:
        return {}
    rows = session.exec(
        select(RouteStop.order_id, Route.runner_id)
        .join(Route, col(Route.id) == col(RouteStop.route_id))
        .join(DispatchRun, col(DispatchRun.id) == col(Route.run_id))
        .where(Route.market_id == market.id)
        .where(DispatchRun.service_date == day)
        .where(DispatchRun.status == RunStatus.DONE)
        .where(col(RouteStop.order_id).in_(wanted))
        .order_by(col(DispatchRun.finished_at), col(DispatchRun.created_at))
    ).all()
    return dict(rows)  # oldest first: later runs overwrite


#: The order's columns a stop shows (read as plain rows: building an ORM object per stop
#: and per line was most of a route's read).
_STOP_ORDER = (
    Order.id, Order.idempotency_key, Order.status, Order.customer_name, Order.phone,
    Order.address, Order.lat, Order.lon, Order.location_approximate, Order.notes,
    Order.weight_g, Order.fulfilment, Order.payment, Order.amount_rp, Order.delivery_fee_rp,
    Order.collected_rp, Order.failure_reason, Order.window_start, Order.window_end,
    Order.pinned_runner_id, Order.recipient_name, Order.seller_id,
)  # fmt: skip
_STOP = (
    RouteStop.route_id, RouteStop.kind, RouteStop.sequence, RouteStop.trip,
    RouteStop.planned_arrival, RouteStop.distance_m, RouteStop.duration_s,
)  # fmt: skip
#: What an unplanned order shows of itself.
_UNPLANNED_ORDER = (
    Order.id, Order.market_id, Order.idempotency_key, Order.customer_name, Order.lat,
    Order.lon, Order.suggested_runner_id, Order.suggested_position,
)  # fmt: skip


@dataclass(frozen=True)
class _Left:
    """An order the plan leaves out, as read: the order's columns and the run's reason."""

    order_id: uuid.UUID
    market_id: uuid.UUID
    external_id: str
    customer_name: str
    lat: float | None
    lon: float | None
    suggested_runner_id: uuid.UUID | None
    suggested_position: int | None
    reason_code: str
    reason: str


def _read(
    session: Session,
    markets: Sequence[Market],
    day: date,
    runs: dict[uuid.UUID, uuid.UUID],
    *,
    runner_id: uuid.UUID | None = None,
    order_id: uuid.UUID | None = None,
) -> list[MarketPlan]:
    """The plans of ``markets`` as runs ``runs`` (market id -> run id) stored them: routes,
    stops with their orders, lines and sellers, and the orders left out, in a few queries of
    plain rows (whatever the number of stops)."""
    pairs = [(m.id, runs[m.id]) for m in markets if m.id in runs]
    routes_of: dict[uuid.UUID, list[tuple[Route, Runner]]] = defaultdict(list)
    stops_of: dict[uuid.UUID, list[PlanStop]] = defaultdict(list)
    left_of: dict[uuid.UUID, list[_Left]] = defaultdict(list)
    if pairs:
        run_ids = list({run for _, run in pairs})
        wanted = {(market, run) for market, run in pairs}
        route_query = (
            select(Route, Runner)
            .join(Runner, col(Runner.id) == col(Route.runner_id))
            .where(col(Route.run_id).in_(run_ids))
        )
        if runner_id is not None:
            route_query = route_query.where(Route.runner_id == runner_id)
        route_rows = [
            (route, runner)
            for route, runner in session.exec(route_query).all()
            if (route.market_id, route.run_id) in wanted
        ]
        for route, runner in route_rows:
            routes_of[route.market_id].append((route, runner))
        route_ids = [route.id for route, _ in route_rows]
        if route_ids:
            for route_id, stop in _stops(session, route_ids, order_id):
                stops_of[route_id].append(stop)
        if runner_id is None and order_id is None:
            for row in session.exec(
                select(
                    *_UNPLANNED_ORDER,
                    DroppedOrder.run_id,
                    DroppedOrder.reason_code,
                    DroppedOrder.reason,
                )
                .join(Order, col(Order.id) == col(DroppedOrder.order_id))
                .where(col(DroppedOrder.run_id).in_(run_ids))
                .where(col(Order.market_id).in_([m for m, _ in pairs]))
                .where(Order.status == OrderStatus.PENDING)
                .order_by(col(Order.idempotency_key))
            ).all():
                (oid, market_id, key, name, lat, lon, runner, position, run_id, code, why) = row
                if (market_id, run_id) in wanted:
                    left = _Left(oid, market_id, key, name, lat, lon, runner, position, code, why)
                    left_of[market_id].append(left)
            _add_waiting(session, [m for m, _ in pairs], day, left_of)
    plans = []
    for market in markets:
        routes = sorted(routes_of.get(market.id, []), key=lambda rr: (rr[1].name, str(rr[1].id)))
        plans.append(
            MarketPlan(
                market_id=market.id,
                market_code=market.code,
                market_name=market.name,
                lat=market.lat,
                lon=market.lon,
                service_date=day,
                run_id=runs.get(market.id),
                routes=tuple(
                    _route(route, runner, stops_of.get(route.id, [])) for route, runner in routes
                ),
                unplanned=tuple(
                    Unplanned(
                        order_id=left.order_id,
                        external_id=left.external_id,
                        customer_name=left.customer_name,
                        lat=left.lat,
                        lon=left.lon,
                        reason_code=left.reason_code,
                        reason=left.reason,
                        suggested_runner_id=left.suggested_runner_id,
                        suggested_position=left.suggested_position,
                    )
                    for left in left_of.get(market.id, [])
                ),
            )
        )
    return plans


def _stops(
    session: Session, route_ids: list[uuid.UUID], order_id: uuid.UUID | None
) -> list[tuple[uuid.UUID, PlanStop]]:
    """(route id, stop) for the stops of ``route_ids`` (of ``order_id`` only, when given) in
    route and visiting order, cancelled orders left out; three queries: the stops with their
    orders' columns, the orders' lines, their sellers."""
    query = (
        select(*_STOP, *_STOP_ORDER)
        .join(Order, col(Order.id) == col(RouteStop.order_id))
        .where(col(RouteStop.route_id).in_(route_ids))
        .where(Order.status != OrderStatus.CANCELLED)
        .order_by(col(RouteStop.route_id), col(RouteStop.sequence))
    )
    if order_id is not None:
        query = query.where(RouteStop.order_id == order_id)
    rows = session.exec(query).all()
    items = order_items(session, {row.id for row in rows})
    seller_ids = list({row.seller_id for row in rows if row.seller_id is not None})
    sellers: dict[uuid.UUID, SellerInfo] = {}
    if seller_ids:
        for sid, code, name, phone, address, lat, lon in session.exec(
            select(
                Seller.id, Seller.code, Seller.name, Seller.phone, Seller.address, Seller.lat,
                Seller.lon,
            ).where(col(Seller.id).in_(seller_ids))
        ).all():  # fmt: skip
            sellers[sid] = SellerInfo(code, name, phone, address, lat, lon)
    out = []
    for row in rows:
        seller = None if row.seller_id is None else sellers.get(row.seller_id)
        out.append((row.route_id, _stop(row, tuple(items.get(row.id, ())), seller)))
    return out


#: Why a pending order that its day's current plan does not hold is unplanned: it waits for a
#: coordinator's review, or it arrived while a run held its market (the next run places it).
AWAITING_REVIEW: Final = "awaiting_review"
WAITING_PLAN: Final = "waiting_plan"


def _add_waiting(
    session: Session,
    market_ids: list[uuid.UUID],
    day: date,
    left_of: dict[uuid.UUID, list[_Left]],
) -> None:
    """The pending orders of planned days that the plan neither routes nor drops."""
    listed = {left.order_id for rows in left_of.values() for left in rows}
    for row in session.exec(
        select(*_UNPLANNED_ORDER, Order.awaiting_review, Order.suggestion)
        .where(col(Order.market_id).in_(market_ids))
        .where(Order.service_date == day)
        .where(Order.fulfilment == Fulfilment.DELIVERY)
        .where(Order.status == OrderStatus.PENDING)
        .where(col(Order.lat).is_not(None))
        .order_by(col(Order.idempotency_key))
    ).all():
        (oid, market_id, key, name, lat, lon, runner, position, review, suggestion) = row
        if oid in listed:
            continue
        code = AWAITING_REVIEW if review else WAITING_PLAN
        reason = suggestion or "" if review else "arrived during a run"
        left = _Left(oid, market_id, key, name, lat, lon, runner, position, code, reason)
        left_of[market_id].append(left)


def _route(route: Route, runner: Runner, visits_in_order: Sequence[PlanStop]) -> RoutePlan:
    visits = tuple(visits_in_order)
    stops = tuple(s for s in visits if s.kind is StopKind.DELIVERY)
    by_trip: dict[int, list[PlanStop]] = defaultdict(list)
    for stop in stops:
        by_trip[stop.trip].append(stop)
    trips = tuple(
        TripPlan(number, tuple(trip), Cash.of(trip)) for number, trip in sorted(by_trip.items())
    )
    starts_at = ends_at = None
    if visits:
        first, last = visits[0], visits[-1]
        starts_at = first.planned_arrival - timedelta(seconds=first.leg_duration_s)
        # The stored duration runs from the first departure to the last return; a plan
        # whose duration ends before its last arrival is read up to that arrival.
        ends_at = max(starts_at + timedelta(seconds=route.duration_s), last.planned_arrival)
    return RoutePlan(
        runner_id=runner.id,
        runner_name=runner.name,
        runner_phone=runner.phone,
        capacity_g=runner.capacity_g,
        cash_cap_rp=runner.cash_cap_rp,
        distance_m=route.distance_m,
        starts_at=starts_at,
        ends_at=ends_at,
        stops=stops,
        trips=trips,
        cash=Cash.of(stops),
        visits=visits,
    )


def order_items(
    session: Session, order_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[PlanItem]]:
    """The lines of ``order_ids``' orders as plain rows (one query; none for no orders)."""
    ids = list(order_ids)
    items: dict[uuid.UUID, list[PlanItem]] = defaultdict(list)
    if ids:
        for oid, name, quantity, unit, weight in session.exec(
            select(
                OrderItem.order_id, OrderItem.name, OrderItem.quantity, OrderItem.unit,
                OrderItem.weight_g,
            ).where(col(OrderItem.order_id).in_(ids))
        ).all():  # fmt: skip
            items[oid].append(PlanItem(name, quantity, unit, weight))
    return items


def _stop(row: Row[Any], items: tuple[PlanItem, ...], seller: SellerInfo | None) -> PlanStop:
    """One stop from its row (`_STOP` and `_STOP_ORDER` columns)."""
    delivery = _delivery(row, items, seller)
    if row.kind is StopKind.PICKUP and seller is not None:
        # At the seller: its place; no cash changes hands there (the customer pays at the door).
        return replace(
            delivery,
            kind=StopKind.PICKUP,
            address=seller.address,
            lat=seller.lat,
            lon=seller.lon,
            location_approximate=False,
            cod_rp=0,
            collected_rp=None,
        )
    return delivery


def _delivery(row: Row[Any], items: tuple[PlanItem, ...], seller: SellerInfo | None) -> PlanStop:
    assert row.planned_arrival is not None, "every planned stop has an arrival"
    cod = row.amount_rp + row.delivery_fee_rp if row.payment == Payment.COD else 0
    return PlanStop(
        order_id=row.id,
        external_id=row.idempotency_key,
        kind=StopKind.DELIVERY,
        sequence=row.sequence,
        trip=row.trip,
        planned_arrival=row.planned_arrival,
        leg_distance_m=row.distance_m,
        leg_duration_s=row.duration_s,
        status=row.status,
        customer_name=row.customer_name,
        phone=row.phone,
        address=row.address,
        lat=row.lat,
        lon=row.lon,
        location_approximate=row.location_approximate,
        items=items,
        notes=row.notes,
        weight_g=row.weight_g,
        fulfilment=row.fulfilment,
        payment=row.payment,
        cod_rp=cod,
        collected_rp=row.collected_rp,
        failure_reason=row.failure_reason,
        window_start=row.window_start,
        window_end=row.window_end,
        pinned_runner_id=row.pinned_runner_id,
        recipient_name=row.recipient_name,
        seller=seller,
    )


# -- runs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunSummary:
    id: uuid.UUID
    service_date: date
    status: RunStatus
    markets: list[str]
    routed: int
    dropped: int
    wall_s: float | None
    error: str | None


def list_runs(session: Session, limit: int = 20) -> list[RunSummary]:
    """The latest runs, newest first."""
    runs = session.exec(
        select(DispatchRun).order_by(col(DispatchRun.created_at).desc()).limit(limit)
    ).all()
    return [summarise(run) for run in runs]


def summarise(run: DispatchRun) -> RunSummary:
    totals = (run.figures or {}).get("totals", {})
    return RunSummary(
        id=run.id,
        service_date=run.service_date,
        status=run.status,
        markets=sorted(m.code for m in run.markets),
        routed=int(totals.get("routed", 0)),
        dropped=int(totals.get("dropped", 0)),
        wall_s=(run.figures or {}).get("wall_s"),
        error=run.error,
    )
