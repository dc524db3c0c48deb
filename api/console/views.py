"""What the console's pages show, read from the database into plain rows for the templates
and into `maps` views for the overview and route maps.

A market's plan for a day comes from the one read model of plans (`dispatch.plans`), as for
the API, the runner's page, the report and the exports. Texts are formatted here in the
page's language with the catalogue's words and formats (`dispatch.i18n`): amounts as
``Rp 125.000``, weights as ``1,5 kg``, times in the markets' zone (WIB) as ``07.30``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from dispatch.i18n import Translator
from dispatch.models import (
    DispatchRun,
    DispatchRunMarket,
    Fulfilment,
    Market,
    Order,
    OrderEvent,
    OrderStatus,
    OrderStatusChange,
    Payment,
    Runner,
    RunnerStatus,
    Seller,
    StopKind,
)
from dispatch.plans import (
    MarketPlan,
    PlanItem,
    PlanStop,
    market_plan,
    order_items,
    previous_run_id,
    run_plan,
)
from dispatch.reasons import drop_text, drop_texts
from dispatch.settings import Settings
from maps import (
    ROUTE_COLOURS,
    DroppedView,
    MapPoint,
    MarketOverviewView,
    PendingView,
    RouteView,
    RunnerPositionView,
    StopView,
)

#: Statuses the "open" filter shows: not finished yet.
OPEN_STATUSES: Final = (OrderStatus.PENDING, OrderStatus.ASSIGNED, OrderStatus.PICKED_UP)
#: Statuses in which an order may still be edited or cancelled (before pickup).
BEFORE_PICKUP: Final = (OrderStatus.PENDING, OrderStatus.ASSIGNED)
#: Stops a runner has still to make.
UNDONE: Final = (OrderStatus.ASSIGNED, OrderStatus.PICKED_UP)
#: Most orders a table shows at once.
MAX_ROWS: Final = 300


def cash_text(order: Order | ListedOrder | PlanStop, t: Translator) -> str:
    """What the order collects: ``Tagih Rp 130.000`` or ``Lunas``."""
    cod = order.cod_rp
    return t("console.collect", amount=t.rupiah(cod)) if cod else t("console.paid")


def items_text(order: Order | ListedOrder | PlanStop, t: Translator) -> str:
    """The items as a list: ``bawang merah 1,5 kg, tahu 10 biji``."""
    return ", ".join(
        " ".join(part for part in (i.name, t.number(i.quantity, 3), i.unit) if part)
        for i in order.items
    )


def window_text(order: Order | ListedOrder, tz: ZoneInfo, t: Translator) -> str:
    """The delivery window: ``07.00–08.30``, ``sampai 08.30``, or ``secepatnya``."""
    start, end = order.window_start, order.window_end
    if start is None and end is None:
        return t("console.asap")
    if start is None:
        return t("console.window_until", end=t.clock(end, tz))
    if end is None:
        return t("console.window_from", start=t.clock(start, tz))
    return f"{t.clock(start, tz)}–{t.clock(end, tz)}"


# -- the plan of the day -----------------------------------------------------------------------


def current_plan(session: Session, market: Market, day: date) -> MarketPlan:
    """``market``'s plan for ``day`` (empty before its first finished run)."""
    return market_plan(session, market, day)


def market_runners(session: Session, market: Market) -> list[Runner]:
    """The market's runners by name."""
    return list(
        session.exec(
            select(Runner).where(Runner.market_id == market.id).order_by(col(Runner.name))
        ).all()
    )


def colours(runners: Sequence[Runner]) -> dict[uuid.UUID, str]:
    """A route colour per runner, the same on the map and in the tables."""
    return {r.id: ROUTE_COLOURS[k % len(ROUTE_COLOURS)] for k, r in enumerate(runners)}


def latest_run(session: Session, market: Market, day: date) -> DispatchRun | None:
    """The market's newest run for ``day``, whatever its status."""
    return session.exec(
        select(DispatchRun)
        .join(DispatchRunMarket, col(DispatchRunMarket.run_id) == col(DispatchRun.id))
        .where(DispatchRunMarket.market_id == market.id)
        .where(DispatchRun.service_date == day)
        .order_by(col(DispatchRun.created_at).desc())
    ).first()


# -- orders ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderRow:
    """One order of the table, with what the coordinator may do with it."""

    id: str
    customer_name: str
    phone: str
    address: str
    approximate: bool
    items: str
    weight_text: str
    fulfilment: str
    fulfilment_label: str
    cash_text: str
    cod_rp: int
    window_text: str
    status: str
    status_label: str
    runner_id: str | None
    runner_name: str
    runner_colour: str
    dropped_text: str
    can_edit: bool
    can_ready: bool
    can_collect: bool
    can_move: bool
    """A delivery not yet picked up: it may be moved to another runner, pinned or unpinned."""
    pinned_runner_id: str | None
    pinned_runner_name: str
    suggestion_text: str = ""
    """A new order waiting for review: where insertion would put it ("" otherwise)."""
    can_accept: bool = False
    seller_name: str = ""
    """The seller whose goods these are (collected there), ``""``: the market's."""


def _search(query: str) -> ColumnElement[bool]:
    """The condition that ``query`` finds in a name, an address or a phone number."""
    needle = query.strip().lower()
    conditions = [
        func.lower(col(Order.customer_name)).contains(needle, autoescape=True),
        func.lower(col(Order.address)).contains(needle, autoescape=True),
    ]
    digits = re.sub(r"\D", "", needle)
    if len(digits) >= 3:
        # Numbers are stored in E.164: 0812... is found as +62812...
        if digits.startswith("0"):
            digits = "62" + digits[1:]
        conditions.append(col(Order.phone).contains(digits, autoescape=True))
    return or_(*conditions)


@dataclass(frozen=True)
class ListedOrder:
    """An order as the board's table shows it: its columns, its lines and its seller's name,
    read as plain rows (`listed_orders`: a busy morning lists hundreds, and an ORM object per
    order and per line was most of the page's read)."""

    id: uuid.UUID
    customer_name: str
    phone: str
    address: str
    lat: float | None
    lon: float | None
    location_approximate: bool
    weight_g: int
    fulfilment: Fulfilment
    payment: Payment
    amount_rp: int
    delivery_fee_rp: int
    window_start: datetime | None
    window_end: datetime | None
    notes: str
    status: OrderStatus
    pinned_runner_id: uuid.UUID | None
    awaiting_review: bool
    suggested_runner_id: uuid.UUID | None
    suggested_position: int | None
    seller_id: uuid.UUID | None
    seller_name: str
    items: tuple[PlanItem, ...]

    @property
    def cod_rp(self) -> int:
        """Cash to collect at the door (goods and fee when COD, else 0), rupiah."""
        return self.amount_rp + self.delivery_fee_rp if self.payment == Payment.COD else 0


_LISTED = (
    Order.id, Order.customer_name, Order.phone, Order.address, Order.lat, Order.lon,
    Order.location_approximate, Order.weight_g, Order.fulfilment, Order.payment,
    Order.amount_rp, Order.delivery_fee_rp, Order.window_start, Order.window_end, Order.notes,
    Order.status, Order.pinned_runner_id, Order.awaiting_review, Order.suggested_runner_id,
    Order.suggested_position, Order.seller_id,
)  # fmt: skip


def listed_orders(
    session: Session, conditions: Sequence[ColumnElement[bool]], limit: int = MAX_ROWS
) -> list[ListedOrder]:
    """The newest ``limit`` orders that meet ``conditions``, as `ListedOrder` rows: three
    queries (the orders, their lines, their sellers' names)."""
    rows = session.exec(
        select(*_LISTED)
        .where(*conditions)
        .order_by(col(Order.created_at).desc(), col(Order.id))
        .limit(limit)
    ).all()
    items = order_items(session, (row.id for row in rows))
    seller_ids = list({row.seller_id for row in rows if row.seller_id is not None})
    sellers: dict[uuid.UUID, str] = {}
    if seller_ids:
        sellers = dict(
            session.exec(select(Seller.id, Seller.name).where(col(Seller.id).in_(seller_ids))).all()
        )
    return [
        ListedOrder(
            *row,
            seller_name="" if row.seller_id is None else sellers.get(row.seller_id, ""),
            items=tuple(items.get(row.id, ())),
        )
        for row in rows
    ]


def order_rows(
    session: Session,
    market: Market,
    day: date,
    *,
    status: str,
    query: str,
    plan: MarketPlan,
    runners: Sequence[Runner],
    t: Translator,
    tz: ZoneInfo,
    settings: Settings,
) -> tuple[list[OrderRow], int]:
    """The day's orders of ``market`` that match the filter (newest first) and their count.

    ``status`` is ``open`` (not finished), ``all`` or an order status; ``query`` searches
    names, addresses and phone numbers.
    """
    conditions = [Order.market_id == market.id, Order.service_date == day]
    if status == "open":
        conditions.append(col(Order.status).in_(OPEN_STATUSES))
    elif status in {s.value for s in OrderStatus}:
        conditions.append(Order.status == OrderStatus(status))
    if query.strip():
        conditions.append(_search(query))
    count = session.exec(select(func.count()).select_from(Order).where(*conditions)).one()
    orders = listed_orders(session, conditions)
    names = {r.id: r.name for r in runners}
    colour_of = colours(runners)
    rows = [
        order_row(
            order, plan, market, runners, t=t, tz=tz, settings=settings,
            names=names, colour_of=colour_of,
        )
        for order in orders
    ]  # fmt: skip
    return rows, count


def order_row(
    order: Order | ListedOrder,
    plan: MarketPlan,
    market: Market,
    runners: Sequence[Runner],
    *,
    t: Translator,
    tz: ZoneInfo,
    settings: Settings,
    names: dict[uuid.UUID, str] | None = None,
    colour_of: dict[uuid.UUID, str] | None = None,
) -> OrderRow:
    """One order as the table (or its own page) shows it, on ``plan``."""
    names = {r.id: r.name for r in runners} if names is None else names
    colour_of = colours(runners) if colour_of is None else colour_of
    carried = order.status not in (OrderStatus.PENDING, OrderStatus.CANCELLED)
    runner_id = plan.runner_of.get(order.id) if carried else None
    reason = plan.reasons.get(order.id) if order.status is OrderStatus.PENDING else None
    pickup = order.fulfilment == Fulfilment.PICKUP
    pinned = order.pinned_runner_id
    return OrderRow(
        id=str(order.id),
        customer_name=order.customer_name or "-",
        phone=order.phone,
        address=order.address,
        approximate=order.location_approximate,
        items=items_text(order, t) or order.notes,
        weight_text=t.kg(order.weight_g),
        fulfilment=order.fulfilment.value,
        fulfilment_label=t(f"fulfilment.{order.fulfilment.value}"),
        cash_text=cash_text(order, t),
        cod_rp=order.cod_rp,
        window_text=window_text(order, tz, t),
        status=order.status.value,
        status_label=t.order_status(order.status, pickup),
        runner_id=None if runner_id is None else str(runner_id),
        runner_name="" if runner_id is None else names.get(runner_id, ""),
        runner_colour="" if runner_id is None else colour_of.get(runner_id, ""),
        dropped_text=""
        if reason is None
        else drop_text(reason[0], order, market, runners, settings, t),
        can_edit=order.status in BEFORE_PICKUP,
        can_ready=pickup and order.status is OrderStatus.PENDING,
        can_collect=pickup and order.status in (OrderStatus.PENDING, OrderStatus.PICKED_UP),
        can_move=not pickup and order.status in BEFORE_PICKUP,
        pinned_runner_id=None if pinned is None else str(pinned),
        pinned_runner_name="" if pinned is None else names.get(pinned, ""),
        suggestion_text=t(
            "console.suggestion",
            runner=names.get(order.suggested_runner_id, "-"),
            position=order.suggested_position,
        )
        if order.awaiting_review and order.suggested_runner_id is not None
        else "",
        can_accept=order.awaiting_review and order.status is OrderStatus.PENDING,
        seller_name=_seller_name(order),
    )


def _seller_name(order: Order | ListedOrder) -> str:
    if isinstance(order, ListedOrder):
        return order.seller_name
    return order.seller.name if order.seller_id is not None and order.seller else ""


# -- runners -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunnerRow:
    """A runner with its status and its load on the current route."""

    id: str
    name: str
    phone: str
    status_label: str
    colour: str
    orders: int
    weight_text: str
    done: int
    remaining: int
    last_seen_text: str
    available: bool
    """On duty: it may be given orders, or go off shift."""
    sequence_locked: bool
    position_stale: bool
    """Its last reported position is too old to re-plan from."""


def shift_label(runner: Runner, ended: Collection[uuid.UUID], t: Translator) -> str:
    """The runner's standing status, or "Selesai shift" when its shift ended on the day."""
    if runner.id in ended and runner.status is RunnerStatus.AVAILABLE:
        return t("runner_status.shift_ended")
    return t.runner_status(runner.status)


def runner_rows(
    runners: Sequence[Runner],
    plan: MarketPlan,
    *,
    t: Translator,
    now: datetime,
    stale_s: int | None = None,
    ended: Collection[uuid.UUID] = (),
) -> list[RunnerRow]:
    """The market's runners with their load: orders and kg on the route, done and left, and
    whether the last position they reported is older than ``stale_s`` seconds; ``ended``:
    those whose shift ended on the plan's day (`dispatch.shifts.shift_ended`)."""
    colour_of = colours(runners)
    rows = []
    for runner in runners:
        route = plan.route_of(runner.id)
        orders = () if route is None else route.stops
        done = sum(o.done for o in orders)
        seen = runner.last_seen_at
        rows.append(
            RunnerRow(
                id=str(runner.id),
                name=runner.name,
                phone=runner.phone,
                status_label=shift_label(runner, ended, t),
                colour=colour_of[runner.id],
                orders=len(orders),
                weight_text=t.kg(sum(o.weight_g for o in orders)),
                done=done,
                remaining=len(orders) - done,
                last_seen_text=(
                    t("console.never_seen") if seen is None else t.age((now - seen).total_seconds())
                ),
                available=runner.status is RunnerStatus.AVAILABLE and runner.id not in ended,
                sequence_locked=runner.sequence_locked,
                position_stale=is_stale(seen, now, stale_s),
            )
        )
    return rows


def is_stale(seen: datetime | None, now: datetime, stale_s: int | None) -> bool:
    """Whether a position reported at ``seen`` is older than ``stale_s`` seconds at ``now``
    (``None`` for either: nothing to mark; "never reported" says so itself)."""
    if stale_s is None or seen is None:
        return False
    return (now - seen).total_seconds() > stale_s


# -- maps --------------------------------------------------------------------------------------


def _is_pickup(stop: PlanStop) -> bool:
    return stop.kind is StopKind.PICKUP and stop.seller is not None


def stop_title(stop: PlanStop, t: Translator) -> str:
    """Who a stop is for: the customer, or "Ambil di penjual: ..." at a seller."""
    if _is_pickup(stop):
        assert stop.seller is not None
        return t("console.pickup_at", seller=stop.seller.name)
    return stop.customer_name or "-"


def stop_cash_text(stop: PlanStop, t: Translator) -> str:
    """The cash of a stop: none at a seller."""
    return t("runner.pickup_no_cash") if _is_pickup(stop) else cash_text(stop, t)


def stop_status_label(stop: PlanStop, t: Translator) -> str:
    """A stop's state in words (a pickup: collected or not yet)."""
    if _is_pickup(stop):
        return t("status.pickup.done" if stop.done else "status.pickup.open")
    return t.order_status(stop.status, stop.fulfilment == Fulfilment.PICKUP)


def stop_views(
    stops: Sequence[PlanStop], market: Market, tz: ZoneInfo, t: Translator
) -> tuple[StopView, ...]:
    """A route's stops for a map (pickups at sellers too), the next open one marked."""
    first_open = next((s for s in stops if s.open), None)
    return tuple(
        StopView(
            sequence=stop.sequence,
            trip=stop.trip,
            lat=float(stop.lat if stop.lat is not None else market.lat),
            lon=float(stop.lon if stop.lon is not None else market.lon),
            title=stop_title(stop, t),
            address=stop.address,
            items_text=items_text(stop, t) or stop.notes,
            amount_text=stop_cash_text(stop, t),
            arrival_text=t("console.arrival_wib", time=t.clock(stop.planned_arrival, tz)),
            status=("picked_up" if _is_pickup(stop) and stop.done else stop.status.value),  # type: ignore[arg-type]
            is_next=stop is first_open,
        )
        for stop in stops
    )


def overview_view(
    session: Session,
    market: Market,
    day: date,
    plan: MarketPlan,
    runners: Sequence[Runner],
    *,
    t: Translator,
    tz: ZoneInfo,
    now: datetime,
    stale_s: int | None = None,
    settings: Settings,
) -> MarketOverviewView:
    """The market's map: routes by colour, runners' last positions (their age marked stale
    past ``stale_s`` seconds), pending and dropped."""
    colour_of = colours(runners)
    routes = []
    for runner in runners:
        route = plan.route_of(runner.id)
        stops = () if route is None else stop_views(route.visits, market, tz, t)
        if stops:
            routes.append(
                RouteView(
                    runner_name=runner.name,
                    market_name=market.name,
                    market=MapPoint(market.lat, market.lon),
                    stops=stops,
                    colour=colour_of[runner.id],
                )
            )
    # The map's dots need four columns of each waiting order: no whole orders loaded (a busy
    # morning has hundreds waiting); a dropped one is read whole for its reason's figures.
    waiting = session.exec(
        select(Order.id, Order.customer_name, Order.lat, Order.lon)
        .where(Order.market_id == market.id)
        .where(Order.service_date == day)
        .where(Order.status == OrderStatus.PENDING)
        .where(Order.fulfilment == Fulfilment.DELIVERY)
        .where(col(Order.lat).is_not(None))
        .where(col(Order.lon).is_not(None))
        .order_by(col(Order.created_at))
        .limit(MAX_ROWS)
    ).all()
    pending, dropped = [], []
    for order_id, customer_name, lat, lon in waiting:
        if lat is None or lon is None:  # filtered out above; for the types
            continue
        title = customer_name or "-"
        order = session.get(Order, order_id) if order_id in plan.reasons else None
        if order is not None:
            code = plan.reasons[order_id][0]
            reason = drop_text(code, order, market, runners, settings, t)
            dropped.append(DroppedView(title, lat, lon, reason))
        else:
            pending.append(PendingView(title, lat, lon))
    positions = tuple(
        RunnerPositionView(
            name=r.name,
            lat=r.last_lat,
            lon=r.last_lon,
            age_text=position_age(r.last_seen_at, now, stale_s, t),
        )
        for r in runners
        if r.last_lat is not None and r.last_lon is not None
    )
    return MarketOverviewView(
        market_name=market.name,
        market=MapPoint(market.lat, market.lon),
        routes=tuple(routes),
        runners=positions,
        pending=tuple(pending),
        dropped=tuple(dropped),
    )


def position_age(seen: datetime | None, now: datetime, stale_s: int | None, t: Translator) -> str:
    """A position's age for a map pop-up: ``5 menit lalu``, or ``40 menit lalu (usang)``."""
    if seen is None:
        return "-"
    age = t.age((now - seen).total_seconds())
    return f"{age} ({t('console.stale')})" if is_stale(seen, now, stale_s) else age


# -- one run -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunStop:
    sequence: int
    trip: int
    arrival_text: str
    customer_name: str
    cash_text: str


@dataclass(frozen=True)
class RunRoute:
    runner_id: str
    runner_name: str
    colour: str
    distance_text: str
    duration_text: str
    stops: list[RunStop]


@dataclass(frozen=True)
class RunDropped:
    order_id: str
    customer_name: str
    reason_text: str
    """Why, in words with the figures behind it (`dispatch.reasons`)."""


def run_routes(
    session: Session,
    plan: MarketPlan,
    runners: Sequence[Runner],
    *,
    t: Translator,
    tz: ZoneInfo,
    settings: Settings,
) -> tuple[list[RunRoute], list[RunDropped]]:
    """What a run planned for its market (``plan``, `dispatch.plans.run_plan`): each route's
    stops, and the orders it left out, with why."""
    colour_of = colours(runners)
    routes = [
        RunRoute(
            runner_id=str(route.runner_id),
            runner_name=route.runner_name,
            colour=colour_of.get(route.runner_id, ROUTE_COLOURS[0]),
            distance_text=t.km(route.distance_m),
            duration_text=t.duration(route.duration_s),
            stops=[
                RunStop(
                    sequence=stop.sequence,
                    trip=stop.trip,
                    arrival_text=t.clock(stop.planned_arrival, tz),
                    customer_name=stop.customer_name or "-",
                    cash_text=cash_text(stop, t),
                )
                for stop in route.stops
            ],
        )
        for route in plan.routes
        if route.stops
    ]
    reasons = drop_texts(session, [(d.order_id, d.reason_code) for d in plan.unplanned],
                         settings, t)  # fmt: skip
    dropped = [
        RunDropped(
            order_id=str(d.order_id),
            customer_name=d.customer_name or "-",
            reason_text=reasons[d.order_id],
        )
        for d in sorted(plan.unplanned, key=lambda d: d.customer_name)
    ]
    return routes, dropped


def run_counts(plan: MarketPlan) -> tuple[int, int]:
    """How many orders a run (``plan``) has routed and left out for its market so far."""
    return sum(len(r.stops) for r in plan.routes), len(plan.unplanned)


# -- one runner --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunnerStop:
    """One stop of a runner's route as the coordinator reads it."""

    order_id: str
    sequence: int
    trip: int
    arrival_text: str
    customer_name: str
    phone: str
    address: str
    items: str
    cash_text: str
    status: str
    status_label: str
    kind: str = "delivery"


def runner_stop_rows(stops: Sequence[PlanStop], *, t: Translator, tz: ZoneInfo) -> list[RunnerStop]:
    return [
        RunnerStop(
            order_id=str(stop.order_id),
            sequence=stop.sequence,
            trip=stop.trip,
            arrival_text=t("console.arrival_wib", time=t.clock(stop.planned_arrival, tz)),
            customer_name=stop_title(stop, t),
            phone=stop.seller.phone if _is_pickup(stop) and stop.seller else stop.phone,
            address=stop.address,
            items=items_text(stop, t) or stop.notes,
            cash_text=stop_cash_text(stop, t),
            status=stop.status.value,
            status_label=stop_status_label(stop, t),
            kind=stop.kind.value,
        )
        for stop in stops
    ]


# -- re-planning -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MovedRow:
    """An order a re-plan gave to another runner (``-`` for none: new, or now dropped)."""

    order_id: str
    customer_name: str
    from_name: str
    to_name: str


@dataclass(frozen=True)
class ReplanSummary:
    """What a re-plan changed against the plan it revised."""

    reason_text: str
    by_text: str
    moved: list[MovedRow]


#: Why a re-plan ran, as `dispatch.planning` records it -> its message.
REPLAN_REASONS: Final = {
    "order moved": "replan_reason.order_moved",
    "runner off shift": "replan_reason.runner_off_shift",
    "requested": "replan_reason.requested",
}


def replan_summary(
    session: Session, market: Market, run: DispatchRun, runners: Sequence[Runner], t: Translator
) -> ReplanSummary | None:
    """For a re-plan run (``params.kind`` ``replan``): why, by whom, and which open orders it
    gave to another runner than the plan before it; ``None`` for a dispatch run."""
    if (run.params or {}).get("kind") != "replan":
        return None
    before_id = previous_run_id(session, market, run)
    before = {} if before_id is None else run_plan(session, market, before_id).runner_of
    after = run_plan(session, market, run.id).runner_of
    changed = [o for o in set(before) | set(after) if before.get(o) != after.get(o)]
    names = {r.id: r.name for r in runners}
    moved = []
    if changed:
        orders = session.exec(
            select(Order)
            .where(col(Order.id).in_(changed))
            .where(col(Order.status).in_(OPEN_STATUSES))
            .order_by(col(Order.customer_name), col(Order.id))
        ).all()
        for order in orders:
            was, now = before.get(order.id), after.get(order.id)
            moved.append(
                MovedRow(
                    order_id=str(order.id),
                    customer_name=order.customer_name or "-",
                    from_name="-" if was is None else names.get(was, "-"),
                    to_name="-" if now is None else names.get(now, "-"),
                )
            )
    reason = str(run.params.get("reason", ""))
    return ReplanSummary(
        reason_text=t(REPLAN_REASONS[reason]) if reason in REPLAN_REASONS else reason,
        by_text=who(str(run.params.get("by", "")), t),
        moved=moved,
    )


# -- an order's history ------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryRow:
    """One change to an order: when (WIB), who, what, and its detail."""

    at_text: str
    by_text: str
    what: str
    detail: str


def who(by: str, t: Translator) -> str:
    """Who made a change, in words: ``coordinator 1a2b3c4d`` -> ``Koordinator 1a2b3c4d``,
    ``csv import`` -> ``Impor CSV``."""
    key = "by." + by.strip().replace(" ", "_")
    if t.has(key):
        return t(key)
    role, _, rest = by.partition(" ")
    words = {
        "coordinator": t("console.coordinator"),
        "operator": t("console.operator"),
        "runner": t("console.runner"),
    }
    return f"{words[role]} {rest}".strip() if role in words else by


#: Status-change reasons the domain records as fixed texts -> their message.
_CHANGE_REASONS: Final = {
    "ready for pickup": "history.ready_for_pickup",
    "collected": "history.collected",
}


def change_reason(reason: str, t: Translator) -> str:
    """Why a status changed, as recorded (a failure code, ``edited: phone, notes``, a
    coordinator's words), in words."""
    if t.has(f"failure.{reason}"):
        return t.failure_reason(reason)
    if reason in _CHANGE_REASONS:
        return t(_CHANGE_REASONS[reason])
    if reason.startswith("edited: "):
        fields = [t.label(f.strip()) for f in reason.removeprefix("edited: ").split(",")]
        return t("history.edited", fields=", ".join(fields))
    if reason.startswith("cash corrected: "):
        old, _, new = reason.removeprefix("cash corrected: ").partition(" -> ")
        if old.isdigit() and new.isdigit():
            return t("history.cash_corrected", old=t.rupiah(int(old)), new=t.rupiah(int(new)))
    if reason.startswith("dispatch run "):
        return t("history.dispatch_run", run=reason.removeprefix("dispatch run ")[:8])
    return reason  # a person's own words (a cancellation's reason)


def event_detail(kind: str, detail: str, t: Translator) -> str:
    """What an event's detail says, in words: runners' names, ``A → B``."""
    if kind == "unpinned" and detail.endswith(" off shift"):
        return t("history.off_shift", name=detail.removesuffix(" off shift"))
    return detail.replace(" -> ", " → ")


def order_history(
    session: Session, order: Order, *, t: Translator, tz: ZoneInfo
) -> list[HistoryRow]:
    """Everything recorded about ``order``, oldest first: status changes (with why, and the
    runner's note on a failed delivery), then (at the same instant) moves, pins and what
    re-plans changed."""
    changes = session.exec(
        select(OrderStatusChange).where(OrderStatusChange.order_id == order.id)
    ).all()
    events = session.exec(select(OrderEvent).where(OrderEvent.order_id == order.id)).all()
    pickup = order.fulfilment == Fulfilment.PICKUP
    last_failure = max((c.at for c in changes if c.to_status is OrderStatus.FAILED), default=None)
    rows: list[tuple[datetime, int, HistoryRow]] = []
    for change in changes:
        before = "-" if change.from_status is None else t.order_status(change.from_status, pickup)
        detail = f"{before} → {t.order_status(change.to_status, pickup)}"
        why = change_reason(change.reason, t) if change.reason else ""
        if change.at == last_failure and order.failure_note:
            note = t("console.history_note", note=order.failure_note)
            why = f"{why} · {note}" if why else note
        if why:
            detail += f" ({why})"
        rows.append((change.at, 0, _history_row(change.at, change.by, "status", detail, t, tz)))
    for event in events:
        detail = event_detail(event.kind, event.detail, t)
        rows.append((event.at, 1, _history_row(event.at, event.by, event.kind, detail, t, tz)))
    return [row for _, _, row in sorted(rows, key=lambda r: (r[0], r[1]))]


def _history_row(
    at: datetime, by: str, kind: str, detail: str, t: Translator, tz: ZoneInfo
) -> HistoryRow:
    what = f"event.{kind}"
    return HistoryRow(
        at_text=t("console.at_wib", moment=t.moment(at, tz)),
        by_text=who(by, t),
        what=t(what) if t.has(what) else kind,
        detail=detail,
    )
