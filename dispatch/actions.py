"""What happens to orders after planning: runners' taps, coordinators' edits and cancels.

Every change of status goes through ``move_status``, which checks the transition
(``pending -> assigned -> picked_up -> delivered | failed``, or ``cancelled`` before pickup)
and records who did it, when and why. Nothing here commits: the caller's transaction does.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Final

from sqlmodel import Session, select

from dispatch.errors import DomainError
from dispatch.geo import inside_city, outside_coordinate
from dispatch.models import (
    DeliveryPhoto,
    Fulfilment,
    Market,
    Order,
    OrderStatus,
    OrderStatusChange,
    OrderUpdate,
    Runner,
)
from dispatch.phones import normalise_phone
from dispatch.plans import runner_route_by_id


class FailureReason(StrEnum):
    """Why a runner could not deliver (a fixed list, so the day's report can count them)."""

    NOT_AT_HOME = "not_at_home"
    REFUSED = "refused"
    ADDRESS_NOT_FOUND = "address_not_found"
    PHONE_UNREACHABLE = "phone_unreachable"
    DAMAGED_GOODS = "damaged_goods"
    OTHER = "other"


#: Which statuses each status may move to.
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PENDING: frozenset({OrderStatus.ASSIGNED, OrderStatus.CANCELLED}),
    OrderStatus.ASSIGNED: frozenset(
        {
            OrderStatus.PENDING,
            OrderStatus.PICKED_UP,
            OrderStatus.DELIVERED,
            OrderStatus.FAILED,
            OrderStatus.CANCELLED,
        }
    ),
    OrderStatus.PICKED_UP: frozenset({OrderStatus.DELIVERED, OrderStatus.FAILED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.FAILED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}

#: A pickup order ("diambil sendiri") has no runner: the market packs it (``picked_up``,
#: "siap diambil") and the customer collects it (``delivered``, "sudah diambil"), possibly
#: in one go; it is never ``assigned`` from ``pending``.
PICKUP_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = TRANSITIONS | {
    OrderStatus.PENDING: frozenset(
        {OrderStatus.PICKED_UP, OrderStatus.DELIVERED, OrderStatus.CANCELLED}
    ),
}


def get_order(session: Session, order_id: uuid.UUID) -> Order:
    """The order, or ``order.not_found``."""
    order = session.get(Order, order_id)
    if order is None:
        raise DomainError("order.not_found", params={"id": str(order_id)})
    return order


def move_status(
    session: Session, order: Order, target: OrderStatus, *, by: str, reason: str | None = None
) -> Order:
    """Move ``order`` to ``target`` if the transition is allowed, recording who and why."""
    allowed = PICKUP_TRANSITIONS if order.fulfilment == Fulfilment.PICKUP else TRANSITIONS
    if target not in allowed[order.status]:
        raise DomainError(
            "order.invalid_transition",
            field="status",
            params={"from": order.status.value, "to": target.value},
        )
    now = datetime.now(UTC)
    session.add(
        OrderStatusChange(
            order_id=order.id,
            from_status=order.status,
            to_status=target,
            at=now,
            by=by,
            reason=reason,
        )
    )
    order.status = target
    order.updated_at = now
    session.add(order)
    return order


def mark_picked_up(session: Session, order_id: uuid.UUID, *, by: str) -> Order:
    """The runner has bought the goods and is on its way."""
    return move_status(session, get_order(session, order_id), OrderStatus.PICKED_UP, by=by)


def mark_delivered(
    session: Session,
    order_id: uuid.UUID,
    *,
    collected_rp: int,
    by: str,
    recipient_name: str | None = None,
) -> Order:
    """Handed over; ``collected_rp`` is the cash the runner actually collected (any whole
    rupiah), ``recipient_name`` who took the goods, if told. At a market whose deliveries
    need a photo, an order without one is ``order.photo_required``."""
    if collected_rp < 0:
        raise DomainError(
            "order.invalid_amount", field="collected_rp", params={"value": collected_rp}
        )
    order = get_order(session, order_id)
    market = session.get(Market, order.market_id)
    if market is not None and market.photo_required:
        photo = session.exec(
            select(DeliveryPhoto.id).where(DeliveryPhoto.order_id == order_id)
        ).first()
        if photo is None:
            raise DomainError("order.photo_required", field="photo")
    order.collected_rp = collected_rp
    if recipient_name and recipient_name.strip():
        order.recipient_name = recipient_name.strip()
    return move_status(session, order, OrderStatus.DELIVERED, by=by)


def correct_cash(
    session: Session, order_id: uuid.UUID, *, collected_rp: int, by: str
) -> tuple[Order, int]:
    """Correct the cash recorded for a delivered order (a typo found later): the order and
    the amount it had before. Only a delivered order's amount can be corrected
    (``order.not_delivered``); the change is recorded in its history, never as a second
    delivery."""
    if collected_rp < 0:
        raise DomainError(
            "order.invalid_amount", field="collected_rp", params={"value": collected_rp}
        )
    order = get_order(session, order_id)
    if order.status is not OrderStatus.DELIVERED:
        raise DomainError(
            "order.not_delivered", field="collected_rp", params={"status": order.status.value}
        )
    previous = order.collected_rp or 0
    now = datetime.now(UTC)
    order.collected_rp = collected_rp
    order.updated_at = now
    session.add(order)
    session.add(
        OrderStatusChange(
            order_id=order.id,
            from_status=order.status,
            to_status=order.status,
            at=now,
            by=by,
            reason=f"cash corrected: {previous} -> {collected_rp}",
        )
    )
    session.flush()
    return order, previous


def mark_failed(
    session: Session, order_id: uuid.UUID, *, reason: FailureReason, note: str = "", by: str
) -> Order:
    """Not delivered, for one of the fixed reasons (and a free note)."""
    order = get_order(session, order_id)
    order.failure_reason = reason.value
    order.failure_note = note or None
    return move_status(session, order, OrderStatus.FAILED, by=by, reason=reason.value)


def _pickup_order(session: Session, order_id: uuid.UUID) -> Order:
    order = get_order(session, order_id)
    if order.fulfilment != Fulfilment.PICKUP:
        raise DomainError("order.not_pickup", field="fulfilment", params={"id": str(order_id)})
    return order


def mark_ready_for_pickup(session: Session, order_id: uuid.UUID, *, by: str) -> Order:
    """A pickup order's goods are bought and packed at the market ("siap diambil")."""
    order = _pickup_order(session, order_id)
    return move_status(session, order, OrderStatus.PICKED_UP, by=by, reason="ready for pickup")


def mark_collected(session: Session, order_id: uuid.UUID, *, collected_rp: int, by: str) -> Order:
    """The customer collected a pickup order at the market ("sudah diambil"), paying
    ``collected_rp`` there (0 when paid beforehand)."""
    if collected_rp < 0:
        raise DomainError(
            "order.invalid_amount", field="collected_rp", params={"value": collected_rp}
        )
    order = _pickup_order(session, order_id)
    order.collected_rp = collected_rp
    return move_status(session, order, OrderStatus.DELIVERED, by=by, reason="collected")


def cancel_order(session: Session, order_id: uuid.UUID, *, by: str, reason: str = "") -> Order:
    """Cancelled before pickup."""
    order = get_order(session, order_id)
    return move_status(session, order, OrderStatus.CANCELLED, by=by, reason=reason or None)


def update_order(session: Session, order_id: uuid.UUID, changes: OrderUpdate, *, by: str) -> Order:
    """Edit an order before it is picked up; the same checks as intake apply."""
    order = get_order(session, order_id)
    if order.status not in (OrderStatus.PENDING, OrderStatus.ASSIGNED):
        raise DomainError(
            "order.invalid_transition",
            field="status",
            params={"from": order.status.value, "to": "edited"},
        )
    values = changes.model_dump(exclude_unset=True)
    if "phone" in values and values["phone"] is not None:
        values["phone"] = normalise_phone(values["phone"])
    lat = values.get("lat", order.lat)
    lon = values.get("lon", order.lon)
    if ("lat" in values or "lon" in values) and (lat is None) != (lon is None):
        raise DomainError("order.incomplete_coordinates", field="lat")
    if lat is not None and lon is not None and not inside_city(lat, lon):
        raise DomainError(
            "order.outside_service_area",
            field=outside_coordinate(lat, lon),
            params={"lat": lat, "lon": lon},
        )
    fulfilment = values.get("fulfilment", order.fulfilment)
    if not values.get("address", order.address).strip() and fulfilment != Fulfilment.PICKUP:
        raise DomainError("order.address_required", field="address")
    if "customer_name" in values and not (values["customer_name"] or "").strip():
        raise DomainError("order.required", field="customer_name")
    start = values.get("window_start", order.window_start)
    end = values.get("window_end", order.window_end)
    if start is not None and end is not None and end <= start:
        raise DomainError(
            "order.invalid_window",
            field="window_end",
            params={"start": start.isoformat(), "end": end.isoformat()},
        )
    for name, value in values.items():
        setattr(order, name, value)
    now = datetime.now(UTC)
    order.updated_at = now
    session.add(order)
    session.add(
        OrderStatusChange(
            order_id=order.id,
            from_status=order.status,
            to_status=order.status,
            at=now,
            by=by,
            reason="edited: " + ", ".join(sorted(values)),
        )
    )
    session.flush()
    return order


#: How far ahead of the server's clock a phone's position may be dated (clocks drift).
POSITION_AHEAD: Final = timedelta(minutes=5)
#: How old a position may be when it arrives (a phone may send what it kept offline).
POSITION_AGE: Final = timedelta(hours=12)


def report_position(
    session: Session,
    runner_id: uuid.UUID,
    *,
    lat: float,
    lon: float,
    at: datetime,
    now: datetime | None = None,
) -> Runner:
    """The runner's phone reported where it was at ``at``. A time more than
    `POSITION_AHEAD` ahead of now or older than `POSITION_AGE` is refused
    (``runner.position_time``); a position older than the one kept is accepted but does not
    replace it."""
    runner = session.get(Runner, runner_id)
    if runner is None:
        raise DomainError("runner.not_found", params={"id": str(runner_id)})
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        field = "lat" if not -90 <= lat <= 90 else "lon"
        raise DomainError(
            "order.invalid_coordinates", field=field, params={"value": f"{lat},{lon}"}
        )
    moment = now or datetime.now(UTC)
    if not moment - POSITION_AGE <= at <= moment + POSITION_AHEAD:
        raise DomainError(
            "runner.position_time",
            field="at",
            params={
                "value": at.isoformat(),
                "ahead": int(POSITION_AHEAD.total_seconds() // 60),
                "age": int(POSITION_AGE.total_seconds() // 3600),
            },
        )
    if runner.last_seen_at is not None and at < runner.last_seen_at:
        return runner  # an older position, sent late: the newer one stays
    runner.last_lat, runner.last_lon, runner.last_seen_at = lat, lon, at
    session.add(runner)
    session.flush()
    return runner


def runner_owns(
    session: Session, runner_id: uuid.UUID, service_date: date, order_id: uuid.UUID
) -> bool:
    """Whether ``order_id`` is on the runner's route in the current plan that day."""
    route = runner_route_by_id(session, runner_id, service_date)
    return route is not None and route.stop(order_id) is not None
