"""The market page as a board a coordinator works from: what needs a decision first.

Orders are put in three groups: orders no runner carries (left out of the plan, with the
reason first, then those not dispatched yet), orders predicted late (their predicted arrival,
from the plan and the runner's reported position (`dispatch.eta`), past their window's end),
then the rest by planned arrival (finished orders last). The console opens on the nearest
day with open orders (`nearest_open_day`).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from api.console.views import OPEN_STATUSES, OrderRow
from dispatch.eta import is_late, predicted_arrivals
from dispatch.i18n import Translator
from dispatch.models import Order, OrderStatus, Runner
from dispatch.plans import MarketPlan
from dispatch.settings import Settings

#: Statuses of an order that is over.
FINISHED = frozenset({OrderStatus.DELIVERED, OrderStatus.FAILED, OrderStatus.CANCELLED})


@dataclass(frozen=True)
class BoardOrder:
    """An order row with where it stands on the board."""

    o: OrderRow
    group: str
    """``unplanned``, ``late`` or ``planned`` (``done`` for a finished order)."""
    arrival_text: str
    """Planned arrival (``07.30``), ``""`` when not on a route."""
    predicted_text: str
    """Predicted arrival when later than planned, else ``""``."""


@dataclass(frozen=True)
class Arrivals:
    """Planned and predicted arrival (UTC) of each order on the market's current plan."""

    planned: dict[uuid.UUID, datetime]
    predicted: dict[uuid.UUID, datetime]
    late: set[uuid.UUID]


def arrivals(
    plan: MarketPlan,
    runners: Sequence[Runner],
    *,
    now: datetime,
    settings: Settings,
) -> Arrivals:
    """Planned arrivals on ``plan``, and what the runners' positions predict."""
    runner_of = {r.id: r for r in runners}
    planned: dict[uuid.UUID, datetime] = {}
    predicted: dict[uuid.UUID, datetime] = {}
    late: set[uuid.UUID] = set()
    for route in plan.routes:
        planned |= {s.order_id: s.planned_arrival for s in route.stops}
        found = predicted_arrivals(
            runner_of.get(route.runner_id), route.stops, now=now, settings=settings
        )
        predicted |= found
        late |= {s.order_id for s in route.stops if is_late(s, found.get(s.order_id))}
    return Arrivals(planned, predicted, late)


def board_orders(
    rows: Sequence[OrderRow], times: Arrivals, *, t: Translator, tz: ZoneInfo
) -> list[BoardOrder]:
    """``rows`` in the board's order: unplanned (with a reason first), late, then by planned
    arrival; finished orders last."""
    far = datetime.max.replace(tzinfo=tz)
    ranked: list[tuple[tuple[int, datetime, str], BoardOrder]] = []
    for row in rows:
        key = uuid.UUID(row.id)
        planned = times.planned.get(key)
        predicted = times.predicted.get(key)
        status = OrderStatus(row.status)
        if status in FINISHED:
            group, rank, when = "done", 4, planned or far
        elif status is OrderStatus.PENDING and row.fulfilment == "delivery":
            group, rank, when = "unplanned", 0 if row.dropped_text else 1, far
        elif key in times.late:
            group, rank, when = "late", 2, predicted or far
        else:
            group, rank, when = "planned", 3, planned or far
        shown = predicted if predicted and planned and predicted > planned else None
        ranked.append(
            (
                (rank, when, row.customer_name.lower()),
                BoardOrder(
                    o=row,
                    group=group,
                    arrival_text="" if planned is None else t.clock(planned, tz),
                    predicted_text="" if shown is None else t.clock(shown, tz),
                ),
            )
        )
    ranked.sort(key=lambda pair: pair[0])
    return [board for _, board in ranked]


def nearest_open_day(session: Session, market_ids: Sequence[uuid.UUID], today: date) -> date:
    """The market day to open on: today if it has open orders, else the next day that has,
    else the last one that had; today when there are none."""
    days = session.exec(
        select(Order.service_date, func.count())
        .where(col(Order.market_id).in_(market_ids))
        .where(col(Order.status).in_(OPEN_STATUSES))
        .group_by(col(Order.service_date))
    ).all()
    open_days = sorted(day for day, count in days if count)
    if not open_days or today in open_days:
        return today
    later = [d for d in open_days if d > today]
    return later[0] if later else open_days[-1]
