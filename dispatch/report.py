"""The day's report (``antar report``, ``GET /api/v1/reports/day``): per market and runner,
what became of the day's orders, how punctual the deliveries were, what was planned, and
the cash to reconcile.

Every order of the market day falls in exactly one outcome: ``delivered``, ``failed``,
``cancelled``, ``dropped`` (still pending, and dropped by the market's latest finished
dispatch run, with that run's reason) or open (``pending``, ``assigned``, ``picked_up``).

Which runner an order belongs to: the runner of its stop in the market's current plan
(`dispatch.plans`, as every other reader sees it); an order the current plan no longer
carries (cancelled, or done before a plan that left it out) stays with the runner of the
latest finished run that routed it. Pending orders (dropped, or waiting for a dispatch) and
orders never routed (pickup orders collected at the market) go under "no runner". Planned
distance and time are the current plan's.

Orders of a seller (goods collected at the seller) are also summed per seller: how many,
how many delivered, the cash the runners collected on them and the goods' value delivered
(what the seller is owed).

Reading the database (`day_report`) and summing (`market_report`, pure) are apart, so the
sums can be checked on any list of orders; the renderers are pure functions of the report.
"""

from __future__ import annotations

import io
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Final, Literal, cast
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from dispatch.csv_io import SafeDictWriter
from dispatch.errors import DomainError, listed
from dispatch.i18n import Lang, Translator
from dispatch.models import (
    Market,
    Order,
    OrderStatus,
    OrderStatusChange,
    Payment,
    Runner,
    Seller,
)
from dispatch.plans import earlier_carriers, market_plan
from dispatch.settings import Settings, get_settings

Outcome = Literal["delivered", "failed", "cancelled", "dropped", "pending", "assigned", "picked_up"]

_END_OF_DAY: Final = time(23, 59, 59)


# -- what the report is made of ----------------------------------------------------------


@dataclass(frozen=True)
class OrderFacts:
    """What the report needs of one order, read once from the database (datetimes aware)."""

    order_id: uuid.UUID
    external_id: str
    status: OrderStatus
    payment: Payment
    cod_rp: int
    """Cash expected at the door (goods and fee when COD, else 0), rupiah."""
    collected_rp: int | None
    """Cash the runner reported collecting; ``None`` when it reported nothing."""
    failure_reason: str | None
    dropped_reason_code: str | None
    """The latest run's drop reason; counts only while the order is still pending."""
    delivered_at: datetime | None
    """When the status changed to delivered (``None`` unless delivered)."""
    due_by: datetime
    """The end of its window, see `due_by`."""
    runner_id: uuid.UUID | None
    seller: str | None = None
    """The code of the seller whose goods these are (``None``: bought at the market)."""
    goods_rp: int = 0
    """The goods' price, rupiah (what a seller is owed for them once delivered)."""

    @property
    def outcome(self) -> Outcome:
        """The one outcome the order counts under."""
        if self.status is OrderStatus.PENDING and self.dropped_reason_code is not None:
            return "dropped"
        return cast(Outcome, self.status.value)

    @property
    def on_time(self) -> bool:
        """Delivered no later than the end of its window (early counts as on time)."""
        return self.delivered_at is not None and self.delivered_at <= self.due_by

    @property
    def cash_flagged(self) -> bool:
        """Delivered, and the cash reported differs from the cash expected (or a COD order
        has no amount reported at all)."""
        if self.status is not OrderStatus.DELIVERED:
            return False
        if self.collected_rp is None:
            return self.payment is Payment.COD
        return self.collected_rp != self.cod_rp


@dataclass(frozen=True)
class CashDifference:
    """A delivered order whose cash must be reconciled; ``difference_rp`` is collected minus
    expected (negative: the runner handed in less)."""

    order_id: uuid.UUID
    external_id: str
    runner: str | None
    expected_rp: int
    collected_rp: int | None
    difference_rp: int
    delivered_at: datetime | None


@dataclass(frozen=True)
class DroppedEntry:
    """An order the latest run could not plan, and why."""

    order_id: uuid.UUID
    external_id: str
    reason_code: str
    reason: str


@dataclass(frozen=True)
class Figures:
    """The figures of a set of orders (a runner's, or a whole market's).

    Counts are orders; ``*_by_reason`` pairs (reason code, count) sorted by code; distances
    metres, durations seconds, money whole rupiah.
    """

    orders: int
    delivered: int
    failed: int
    failed_by_reason: tuple[tuple[str, int], ...]
    cancelled: int
    dropped: int
    dropped_by_reason: tuple[tuple[str, int], ...]
    pending: int
    assigned: int
    picked_up: int
    on_time: int
    planned_distance_m: int
    planned_duration_s: int
    cod_expected_rp: int
    cod_collected_rp: int
    flagged: tuple[CashDifference, ...]

    @property
    def open(self) -> int:
        """Orders not finished yet: pending (not dropped), assigned or picked up."""
        return self.pending + self.assigned + self.picked_up

    @property
    def on_time_share(self) -> float | None:
        """Deliveries on time over deliveries, 0 to 1; ``None`` without deliveries."""
        return self.on_time / self.delivered if self.delivered else None

    @property
    def cod_difference_rp(self) -> int:
        """Collected minus expected, rupiah (negative: short)."""
        return self.cod_collected_rp - self.cod_expected_rp


@dataclass(frozen=True)
class RunnerReport:
    """One runner's share of a market day; ``runner_id`` ``None`` is "no runner"."""

    runner_id: uuid.UUID | None
    runner: str | None
    figures: Figures


@dataclass(frozen=True)
class SellerReport:
    """A seller's orders of the day: how many, how many delivered, the cash the runners
    collected on them (delivered COD orders) and the goods' value delivered (rupiah)."""

    seller: str
    name: str
    orders: int
    delivered: int
    cod_collected_rp: int
    goods_delivered_rp: int


def seller_reports(
    orders: Iterable[OrderFacts], names: Mapping[str, str]
) -> tuple[SellerReport, ...]:
    """Per seller (by code) the sums of its orders (pure)."""
    by_seller: dict[str, list[OrderFacts]] = {}
    for order in orders:
        if order.seller is not None:
            by_seller.setdefault(order.seller, []).append(order)
    reports = []
    for code in sorted(by_seller):
        own = by_seller[code]
        delivered = [o for o in own if o.status is OrderStatus.DELIVERED]
        reports.append(
            SellerReport(
                seller=code,
                name=names.get(code, code),
                orders=len(own),
                delivered=len(delivered),
                cod_collected_rp=sum(
                    o.collected_rp or 0 for o in delivered if o.payment is Payment.COD
                ),
                goods_delivered_rp=sum(o.goods_rp for o in delivered),
            )
        )
    return tuple(reports)


@dataclass(frozen=True)
class MarketReport:
    """A market's day: the total, each runner's share, and the latest run's dropped orders."""

    market: str
    name: str
    run_id: uuid.UUID | None
    """The latest finished dispatch run of the day (``None``: never dispatched)."""
    total: Figures
    runners: tuple[RunnerReport, ...]
    dropped: tuple[DroppedEntry, ...]
    sellers: tuple[SellerReport, ...] = ()


@dataclass(frozen=True)
class DayReport:
    """Every market's report for one market day."""

    date: date
    timezone: str
    markets: tuple[MarketReport, ...]


# -- summing (pure) ------------------------------------------------------------------------


def due_by(
    window_start: datetime | None,
    window_end: datetime | None,
    created_at: datetime,
    day: date,
    first_shift: time,
    tz: ZoneInfo,
    asap_s: int,
) -> datetime:
    """When a delivery is late after, as the planner sees the order's window.

    A window end is the deadline; a window with a start only runs to the end of the day; an
    "as soon as possible" order (no window) is due ``asap_s`` after it could first be
    served: the market's first shift start, or the order's arrival if later (never past the
    end of the day).
    """
    end_of_day = datetime.combine(day, _END_OF_DAY, tzinfo=tz)
    if window_end is not None:
        return window_end
    if window_start is not None:
        return end_of_day
    ready = max(datetime.combine(day, first_shift, tzinfo=tz), created_at)
    return min(ready + timedelta(seconds=asap_s), end_of_day)


def sum_figures(
    orders: Iterable[OrderFacts],
    runner_names: Mapping[uuid.UUID, str],
    planned_distance_m: int = 0,
    planned_duration_s: int = 0,
) -> Figures:
    """The figures of ``orders``, with the planned distance (metres) and time (seconds)."""
    outcomes: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    dropped: Counter[str] = Counter()
    on_time = expected = collected = 0
    flagged = []
    for order in orders:
        outcome = order.outcome
        outcomes[outcome] += 1
        if outcome == "failed":
            failed[order.failure_reason or "unknown"] += 1
        elif outcome == "dropped":
            dropped[order.dropped_reason_code or "unknown"] += 1
        elif outcome == "delivered":
            on_time += order.on_time
            expected += order.cod_rp
            collected += order.collected_rp or 0
            if order.cash_flagged:
                flagged.append(
                    CashDifference(
                        order_id=order.order_id,
                        external_id=order.external_id,
                        runner=runner_names.get(order.runner_id) if order.runner_id else None,
                        expected_rp=order.cod_rp,
                        collected_rp=order.collected_rp,
                        difference_rp=(order.collected_rp or 0) - order.cod_rp,
                        delivered_at=order.delivered_at,
                    )
                )
    return Figures(
        orders=sum(outcomes.values()),
        delivered=outcomes["delivered"],
        failed=outcomes["failed"],
        failed_by_reason=tuple(sorted(failed.items())),
        cancelled=outcomes["cancelled"],
        dropped=outcomes["dropped"],
        dropped_by_reason=tuple(sorted(dropped.items())),
        pending=outcomes["pending"],
        assigned=outcomes["assigned"],
        picked_up=outcomes["picked_up"],
        on_time=on_time,
        planned_distance_m=planned_distance_m,
        planned_duration_s=planned_duration_s,
        cod_expected_rp=expected,
        cod_collected_rp=collected,
        flagged=tuple(sorted(flagged, key=lambda f: f.external_id)),
    )


@dataclass(frozen=True)
class PlannedRoute:
    """A route of the latest run, as the report counts it."""

    runner_id: uuid.UUID
    distance_m: int
    duration_s: int


def market_report(
    market: Market,
    run_id: uuid.UUID | None,
    runners: Mapping[uuid.UUID, str],
    orders: Sequence[OrderFacts],
    routes: Sequence[PlannedRoute],
    dropped: Sequence[DroppedEntry] = (),
    seller_names: Mapping[str, str] | None = None,
) -> MarketReport:
    """The market's total and each runner's share (pure: sums what it is given).

    ``runners`` names every runner to list (runner id -> name), ``routes`` are the latest
    run's. The total is summed over all orders, not over the runners, so a test can compare.
    """
    distance: Counter[uuid.UUID] = Counter()
    duration: Counter[uuid.UUID] = Counter()
    for route in routes:
        distance[route.runner_id] += route.distance_m
        duration[route.runner_id] += route.duration_s
    names = dict(runners)
    for runner_id in {*distance, *(o.runner_id for o in orders if o.runner_id)}:
        names.setdefault(runner_id, str(runner_id)[:8])
    shares = [
        RunnerReport(
            runner_id,
            name,
            sum_figures(
                (o for o in orders if o.runner_id == runner_id),
                names,
                distance[runner_id],
                duration[runner_id],
            ),
        )
        for runner_id, name in sorted(names.items(), key=lambda item: (item[1], str(item[0])))
    ]
    unowned = [o for o in orders if o.runner_id is None]
    if unowned:
        shares.append(RunnerReport(None, None, sum_figures(unowned, names)))
    total = sum_figures(orders, names, sum(distance.values()), sum(duration.values()))
    pending_dropped = {o.order_id for o in orders if o.outcome == "dropped"}
    return MarketReport(
        market=market.code,
        name=market.name,
        run_id=run_id,
        total=total,
        runners=tuple(shares),
        dropped=tuple(d for d in dropped if d.order_id in pending_dropped),
        sellers=seller_reports(orders, seller_names or {}),
    )


# -- reading the database ------------------------------------------------------------------


def day_report(
    session: Session,
    day: date,
    market_codes: Sequence[str] | None = None,
    *,
    settings: Settings | None = None,
) -> DayReport:
    """The report of market day ``day`` for the markets ``market_codes`` (case-insensitive;
    ``None``: every market), markets by code. An unknown code is ``report.unknown_market``.

    ``settings`` gives the time zone and the "as soon as possible" allowance (read from the
    environment when not given).
    """
    settings = settings or get_settings()
    tz = ZoneInfo(settings.timezone)
    markets = list(session.exec(select(Market).order_by(col(Market.code))).all())
    if market_codes is not None:
        by_code = {m.code: m for m in markets}
        wanted = list(dict.fromkeys(c.strip().lower() for c in market_codes))
        for code in wanted:
            if code not in by_code:
                raise DomainError(
                    "report.unknown_market",
                    field="market",
                    params={"code": code, "known": listed(sorted(by_code))},
                )
        markets = [by_code[c] for c in sorted(wanted)]
    reports = tuple(
        _read_market(session, market, day, tz, settings.asap_minutes * 60) for market in markets
    )
    return DayReport(date=day, timezone=settings.timezone, markets=reports)


def _read_market(
    session: Session, market: Market, day: date, tz: ZoneInfo, asap_s: int
) -> MarketReport:
    runners = session.exec(select(Runner).where(Runner.market_id == market.id)).all()
    orders = session.exec(
        select(Order)
        .where(Order.market_id == market.id)
        .where(Order.service_date == day)
        .order_by(col(Order.idempotency_key))
    ).all()
    plan = market_plan(session, market, day)
    run_id = plan.run_id
    carriers = plan.runner_of
    gone = [o.id for o in orders if o.status is not OrderStatus.PENDING and o.id not in carriers]
    carriers = {**earlier_carriers(session, market, day, gone), **carriers}
    names = {r.id: r.name for r in runners}
    missing = set(carriers.values()) - set(names)
    if missing:  # moved to another market since: still named in this day's report
        for runner in session.exec(select(Runner).where(col(Runner.id).in_(missing))).all():
            names[runner.id] = runner.name
    routes = [PlannedRoute(r.runner_id, r.distance_m, r.duration_s) for r in plan.routes]
    dropped = [
        DroppedEntry(d.order_id, d.external_id, d.reason_code, d.reason) for d in plan.unplanned
    ]
    drop_codes = {d.order_id: d.reason_code for d in dropped}
    delivered_at = _delivered_at(session, market, day)
    seller_ids = {o.seller_id for o in orders if o.seller_id is not None}
    sellers = {
        seller.id: seller
        for seller in session.exec(select(Seller).where(col(Seller.id).in_(seller_ids))).all()
    }
    first_shift = min((r.shift_start for r in runners), default=market.opens)
    facts = [
        OrderFacts(
            order_id=o.id,
            external_id=o.idempotency_key,
            status=o.status,
            payment=o.payment,
            cod_rp=o.cod_rp,
            collected_rp=o.collected_rp,
            failure_reason=o.failure_reason,
            dropped_reason_code=drop_codes.get(o.id),
            delivered_at=_delivery_time(o, delivered_at, tz),
            due_by=due_by(
                o.window_start, o.window_end, o.created_at, day, first_shift, tz, asap_s
            ).astimezone(tz),
            runner_id=None if o.status is OrderStatus.PENDING else carriers.get(o.id),
            seller=sellers[o.seller_id].code if o.seller_id in sellers else None,
            goods_rp=o.amount_rp,
        )
        for o in orders
    ]
    seller_names = {seller.code: seller.name for seller in sellers.values()}
    return market_report(market, run_id, names, facts, routes, dropped, seller_names)


def _delivered_at(session: Session, market: Market, day: date) -> dict[uuid.UUID, datetime]:
    """Order id -> when its status last changed to delivered."""
    rows = session.exec(
        select(OrderStatusChange.order_id, OrderStatusChange.at)
        .join(Order, col(Order.id) == col(OrderStatusChange.order_id))
        .where(Order.market_id == market.id)
        .where(Order.service_date == day)
        .where(OrderStatusChange.to_status == OrderStatus.DELIVERED)
    ).all()
    latest: dict[uuid.UUID, datetime] = {}
    for order_id, at in rows:
        if order_id not in latest or at > latest[order_id]:
            latest[order_id] = at
    return latest


def _delivery_time(
    order: Order, changes: Mapping[uuid.UUID, datetime], tz: ZoneInfo
) -> datetime | None:
    """When ``order`` was delivered, in ``tz``; its last update when no change was recorded."""
    if order.status is not OrderStatus.DELIVERED:
        return None
    return changes.get(order.id, order.updated_at).astimezone(tz)


# -- rendering -------------------------------------------------------------------------------


def report_columns(t: Translator) -> list[str]:
    """The headings of `report_row`, in ``t``'s language."""
    keys = ("runner", "orders", "delivered", "failed", "cancelled", "dropped", "open", "on_time")
    more = ("km", "minutes", "expected", "collected", "difference", "flagged")
    return [t(f"report.{k}") for k in (*keys, *more)]


def report_row(label: str, f: Figures, t: Translator) -> list[str]:
    """One row of the report as people read it (km, hours and minutes, rupiah, on-time
    share)."""
    return [
        label,
        str(f.orders),
        str(f.delivered),
        str(f.failed),
        str(f.cancelled),
        str(f.dropped),
        str(f.open),
        t.share(f.on_time_share),
        t.km(f.planned_distance_m),
        t.duration(f.planned_duration_s),
        t.rupiah(f.cod_expected_rp),
        t.rupiah(f.cod_collected_rp),
        t.rupiah(f.cod_difference_rp),
        str(len(f.flagged)),
    ]


def failures_text(f: Figures, t: Translator) -> str:
    """Failed deliveries by reason, in words: ``Pelanggan tidak di rumah 2, Barang rusak 1``."""
    reasons = ", ".join(f"{t.failure_reason(code)} {count}" for code, count in f.failed_by_reason)
    return reasons or t("report.none")


def flagged_cells(diff: CashDifference, t: Translator) -> dict[str, str]:
    """A cash difference as people read it: runner, expected, collected, difference."""
    return {
        "order": diff.external_id,
        "runner": diff.runner or t("report.no_runner"),
        "expected": t.rupiah(diff.expected_rp),
        "collected": t("report.not_reported")
        if diff.collected_rp is None
        else t.rupiah(diff.collected_rp),
        "difference": t.rupiah(diff.difference_rp),
    }


def seller_cells(seller: SellerReport, t: Translator) -> dict[str, str]:
    """A seller's day as people read it: name, orders, delivered, cash, goods."""
    return {
        "name": seller.name,
        "code": seller.seller,
        "orders": str(seller.orders),
        "delivered": str(seller.delivered),
        "collected": t.rupiah(seller.cod_collected_rp),
        "goods": t.rupiah(seller.goods_delivered_rp),
    }


def _grid(rows: list[list[str]]) -> list[str]:
    """Rows as aligned text: the first column left, the others right."""
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [
            cell.ljust(width) if k == 0 else cell.rjust(width)
            for k, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def report_table(
    report: DayReport, lang: Lang = "id", reasons: Mapping[uuid.UUID, str] | None = None
) -> str:
    """The report as text for a terminal: per market a table (a row per runner, then the
    total), failures by reason, dropped orders (why: ``reasons`` by order id, with their
    figures, else the reason's words) and the cash differences to reconcile."""
    t = Translator(lang)
    reasons = reasons or {}
    lines = [t("report.title", date=t.day(report.date), tz=report.timezone), ""]
    if not report.markets:
        lines.append(t("report.no_markets"))
    for m in report.markets:
        run = t("report.run", run=m.run_id) if m.run_id else t("report.no_run")
        lines.append(f"{t('report.market', name=m.name, code=m.market)}: {run}")
        rows = [report_columns(t)]
        for share in m.runners:
            rows.append(report_row(share.runner or t("report.no_runner"), share.figures, t))
        rows.append(report_row(t("report.total"), m.total, t))
        lines.extend(_grid(rows))
        total = m.total
        lines.append(
            t(
                "report.open_detail",
                pending=total.pending,
                assigned=total.assigned,
                picked_up=total.picked_up,
            )
        )
        lines.append(f"{t('report.failed_by_reason')}: {failures_text(total, t)}")
        none = "" if m.dropped else f" {t('report.none')}"
        lines.append(f"{t('report.dropped_list')}:{none}")
        for d in m.dropped:
            reason = reasons.get(d.order_id) or t.drop_reason(d.reason_code)
            lines.append("  " + t("report.dropped_line", order=d.external_id, reason=reason))
        none = "" if total.flagged else f" {t('report.none')}"
        lines.append(f"{t('report.flagged_list')}:{none}")
        for diff in total.flagged:
            lines.append("  " + t("report.flagged_line", **flagged_cells(diff, t)))
        if m.sellers:
            lines.append(f"{t('report.sellers')}:")
            for seller in m.sellers:
                lines.append("  " + t("report.seller_line", **seller_cells(seller, t)))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


CSV_COLUMNS: Final = (
    "date", "market", "row", "runner_id", "runner", "orders", "delivered", "failed",
    "failed_by_reason", "cancelled", "dropped", "dropped_by_reason", "pending", "assigned",
    "picked_up", "open", "on_time", "on_time_share", "planned_distance_m",
    "planned_duration_s", "cod_expected_rp", "cod_collected_rp", "cod_difference_rp",
    "flagged", "flagged_orders", "seller", "goods_delivered_rp",
)  # fmt: skip


def _reasons(pairs: tuple[tuple[str, int], ...]) -> str:
    return ";".join(f"{code}={count}" for code, count in pairs)


def _csv_row(
    day: date, market: str, row: str, share: RunnerReport | None, f: Figures
) -> dict[str, object]:
    share_value = f.on_time_share
    return {
        "date": day.isoformat(),
        "market": market,
        "row": row,
        "runner_id": "" if share is None or share.runner_id is None else str(share.runner_id),
        "runner": "" if share is None or share.runner is None else share.runner,
        "orders": f.orders,
        "delivered": f.delivered,
        "failed": f.failed,
        "failed_by_reason": _reasons(f.failed_by_reason),
        "cancelled": f.cancelled,
        "dropped": f.dropped,
        "dropped_by_reason": _reasons(f.dropped_by_reason),
        "pending": f.pending,
        "assigned": f.assigned,
        "picked_up": f.picked_up,
        "open": f.open,
        "on_time": f.on_time,
        "on_time_share": "" if share_value is None else f"{share_value:.4f}",
        "planned_distance_m": f.planned_distance_m,
        "planned_duration_s": f.planned_duration_s,
        "cod_expected_rp": f.cod_expected_rp,
        "cod_collected_rp": f.cod_collected_rp,
        "cod_difference_rp": f.cod_difference_rp,
        "flagged": len(f.flagged),
        "flagged_orders": ";".join(d.external_id for d in f.flagged),
    }


def report_csv(report: DayReport) -> str:
    """One row per market and runner (``row`` ``runner``, or ``no_runner``), then the
    market's ``total`` row, then one per seller (``row`` ``seller``: its orders, delivered,
    cash collected and goods delivered); reasons as ``code=count;...``, flagged orders by
    external id."""
    out = io.StringIO()
    writer = SafeDictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for m in report.markets:
        for share in m.runners:
            kind = "runner" if share.runner_id is not None else "no_runner"
            writer.writerow(_csv_row(report.date, m.market, kind, share, share.figures))
        writer.writerow(_csv_row(report.date, m.market, "total", None, m.total))
        for seller in m.sellers:
            writer.writerow(
                {
                    "date": report.date.isoformat(),
                    "market": m.market,
                    "row": "seller",
                    "seller": seller.seller,
                    "orders": seller.orders,
                    "delivered": seller.delivered,
                    "cod_collected_rp": seller.cod_collected_rp,
                    "goods_delivered_rp": seller.goods_delivered_rp,
                }
            )
    return out.getvalue()


def _figures_json(f: Figures) -> dict[str, Any]:
    return {
        "orders": f.orders,
        "delivered": f.delivered,
        "failed": f.failed,
        "failed_by_reason": dict(f.failed_by_reason),
        "cancelled": f.cancelled,
        "dropped": f.dropped,
        "dropped_by_reason": dict(f.dropped_by_reason),
        "pending": f.pending,
        "assigned": f.assigned,
        "picked_up": f.picked_up,
        "open": f.open,
        "on_time": f.on_time,
        "on_time_share": f.on_time_share,
        "planned_distance_m": f.planned_distance_m,
        "planned_duration_s": f.planned_duration_s,
        "cod_expected_rp": f.cod_expected_rp,
        "cod_collected_rp": f.cod_collected_rp,
        "cod_difference_rp": f.cod_difference_rp,
        "flagged": [
            {
                "order_id": str(d.order_id),
                "external_id": d.external_id,
                "runner": d.runner,
                "expected_rp": d.expected_rp,
                "collected_rp": d.collected_rp,
                "difference_rp": d.difference_rp,
                "delivered_at": None if d.delivered_at is None else d.delivered_at.isoformat(),
            }
            for d in f.flagged
        ],
    }


def report_json(report: DayReport) -> dict[str, Any]:
    """The report as JSON-ready data (the API's answer): per market its total, its runners
    (``runner_id`` ``null`` is "no runner") and the latest run's dropped orders."""
    return {
        "date": report.date.isoformat(),
        "timezone": report.timezone,
        "markets": [
            {
                "market": m.market,
                "name": m.name,
                "run_id": None if m.run_id is None else str(m.run_id),
                "total": _figures_json(m.total),
                "runners": [
                    {
                        "runner_id": None if r.runner_id is None else str(r.runner_id),
                        "runner": r.runner,
                        **_figures_json(r.figures),
                    }
                    for r in m.runners
                ],
                "dropped": [
                    {
                        "order_id": str(d.order_id),
                        "external_id": d.external_id,
                        "reason_code": d.reason_code,
                        "reason": d.reason,
                    }
                    for d in m.dropped
                ],
                "sellers": [
                    {
                        "seller": s.seller,
                        "name": s.name,
                        "orders": s.orders,
                        "delivered": s.delivered,
                        "cod_collected_rp": s.cod_collected_rp,
                        "goods_delivered_rp": s.goods_delivered_rp,
                    }
                    for s in m.sellers
                ],
            }
            for m in report.markets
        ],
    }
