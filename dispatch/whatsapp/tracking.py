"""Customers' tracking links (``/t/{token}``) and what such a page may show.

A token names one order and expires at the end of its service day (midnight WIB), signed by
`dispatch.signing` with the tracking links' own salt, so a runner's route link (signed under
the same key) can never pass for a tracking token, nor the other way round. The view carries
the order's own status, ETA and runner's first name only: never another customer's name,
address or stop.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from dispatch.errors import DomainError
from dispatch.eta import predicted_arrivals
from dispatch.i18n import Lang, Translator
from dispatch.models import Market, Order, OrderStatus, Runner
from dispatch.plans import PlanStop, order_place, runner_route_by_id
from dispatch.settings import Settings
from dispatch.signing import ExpiredToken, InvalidToken, Purpose, sign, unsign

TRACKING_PATH = "/t/"


@dataclass(frozen=True)
class TrackingLink:
    """What a valid tracking token says."""

    order_id: uuid.UUID
    expires_at: datetime


def tracking_expiry(service_date: date, settings: Settings) -> datetime:
    """The end of ``service_date`` (midnight after it, in the markets' zone), in UTC."""
    midnight = datetime.combine(
        service_date + timedelta(days=1), time(0), tzinfo=ZoneInfo(settings.timezone)
    )
    return midnight.astimezone(UTC)


def tracking_token(order_id: uuid.UUID, service_date: date, settings: Settings) -> str:
    """The signed token of the tracking link of ``order_id`` (valid through ``service_date``)."""
    return sign(
        settings,
        Purpose.TRACKING_LINK,
        [order_id.hex],
        expires_at=tracking_expiry(service_date, settings),
    )


def tracking_url(order: Order, settings: Settings) -> str:
    """The full link a customer opens (``{public_base_url}/t/{token}``)."""
    token = tracking_token(order.id, order.service_date, settings)
    return settings.public_base_url.rstrip("/") + TRACKING_PATH + token


def verify_tracking_token(
    token: str, settings: Settings, *, now: datetime | None = None
) -> TrackingLink:
    """The order a token is for; ``tracking.invalid`` (tampered, malformed) or
    ``tracking.expired`` otherwise."""
    try:
        payload, expires_at = unsign(settings, Purpose.TRACKING_LINK, token, now=now)
        (order_hex,) = payload
        return TrackingLink(order_id=uuid.UUID(hex=str(order_hex)), expires_at=expires_at)
    except ExpiredToken:
        raise DomainError("tracking.expired") from None
    except (InvalidToken, ValueError):
        raise DomainError("tracking.invalid") from None


@dataclass(frozen=True)
class Progress:
    """Where an order stands in the market's current plan."""

    runner_first_name: str | None
    """First name of the runner it is planned on, ``None`` before dispatch."""
    planned_arrival: datetime | None
    """Planned arrival at the customer (UTC) in the latest plan, ``None`` when not planned."""
    runner: Runner | None = None
    """The runner it is planned on (its phone and reported position)."""
    stops: tuple[PlanStop, ...] = ()
    """That runner's stops on the plan, in order (to predict the arrival from its position)."""


def order_progress(session: Session, order: Order) -> Progress:
    """The runner and planned arrival of ``order`` in its market's latest plan for its day."""
    place = order_place(session, order)
    if place is None:
        return Progress(None, None)
    route = runner_route_by_id(session, place.runner_id, order.service_date)
    return Progress(
        first_name(place.runner_name),
        place.stop.planned_arrival,
        session.get(Runner, place.runner_id),
        () if route is None else route.stops,
    )


def first_name(full_name: str) -> str:
    """``"Budi Santoso"`` -> ``"Budi"`` (what a customer is told about a runner)."""
    parts = full_name.split()
    return parts[0] if parts else ""


#: The runner's position shows on the tracking page up to this age, in seconds.
POSITION_SHOWN_S = 3600


@dataclass(frozen=True)
class TrackingView:
    """Everything the tracking page shows: this order only."""

    status: str
    status_label: str
    market_name: str
    pickup: bool
    runner_first_name: str | None
    eta_text: str | None
    """Planned arrival as ``07.30`` (WIB); ``None`` when not planned (or done)."""
    day_text: str
    items: tuple[str, ...]
    window_text: str | None
    position_text: str | None = None
    """While the order is on its way: how old the runner's last reported position is."""
    position_url: str | None = None
    """That position on a map (OpenStreetMap), for the customer to open."""
    cod_text: str | None = None
    """Cash to prepare (``Rp 130.000``) for an open cash-on-delivery order, else ``None``."""
    runner_phone: str | None = None
    """The runner's number to call, while the order is on its way."""
    runner_at: tuple[float, float] | None = None
    """Where the runner last said it was, while on the way and the report is fresh."""
    destination: tuple[float, float] | None = None
    """The delivery address's point, shown with the runner on the map."""
    runner_seen_text: str | None = None
    """How old the runner's position is (``2 menit yang lalu``)."""
    seller_name: str = ""
    """The seller whose goods these are (collected there), ``""`` for the market's."""
    pickup_place: str = ""
    """Where the customer collects a pickup order: the seller's name and address, or the
    market's name."""


def tracking_view(
    session: Session, order: Order, settings: Settings, lang: Lang = "id"
) -> TrackingView:
    """What the customer of ``order`` may see about it, in ``lang``."""
    t = Translator(lang)
    tz = ZoneInfo(settings.timezone)
    market = session.get(Market, order.market_id)
    seller = order.seller if order.seller_id is not None else None
    progress = order_progress(session, order)
    open_statuses = (OrderStatus.PENDING, OrderStatus.ASSIGNED, OrderStatus.PICKED_UP)
    eta = progress.planned_arrival if order.status in open_statuses else None
    now = datetime.now(UTC)
    runner = progress.runner
    if eta is not None and progress.stops:
        eta = predicted_arrivals(runner, progress.stops, now=now, settings=settings).get(
            order.id, eta
        )
    on_the_way = order.status is OrderStatus.PICKED_UP and runner is not None
    seen = runner.last_seen_at if runner is not None else None
    fresh = (
        on_the_way
        and runner is not None
        and runner.last_lat is not None
        and runner.last_lon is not None
        and seen is not None
        and (now - seen).total_seconds() <= settings.position_stale_s
    )
    window = None
    if order.window_start or order.window_end:
        start = t.clock(order.window_start, tz) if order.window_start else ""
        end = t.clock(order.window_end, tz) if order.window_end else ""
        window = f"{start}–{end}".strip("–")
    return TrackingView(
        status=order.status.value,
        status_label=t(f"status.customer.{order.status.value}"),
        market_name=market.name if market else "",
        pickup=order.fulfilment.value == "pickup",
        runner_first_name=progress.runner_first_name,
        eta_text=None if eta is None else t.clock(eta, tz),
        day_text=t.day(order.service_date),
        items=tuple(item_line(i.name, i.quantity, i.unit, lang) for i in order.items),
        window_text=window,
        **_position(order, progress.runner, t),
        cod_text=t.rupiah(order.cod_rp) if order.cod_rp and order.status in open_statuses else None,
        runner_phone=runner.phone if on_the_way and runner is not None else None,
        runner_at=(runner.last_lat, runner.last_lon)  # type: ignore[assignment]
        if fresh and runner is not None
        else None,
        destination=(order.lat, order.lon)
        if on_the_way and order.lat is not None and order.lon is not None
        else None,
        runner_seen_text=t.age((now - seen).total_seconds()) if fresh and seen else None,
        seller_name=seller.name if seller else "",
        pickup_place=(
            f"{seller.name}, {seller.address}" if seller else (market.name if market else "")
        ),
    )


def _position(order: Order, runner: Runner | None, t: Translator) -> dict[str, str | None]:
    """The runner's last position for the tracking page: only while the order is on its way
    and the runner's phone has reported one today."""
    if order.status is not OrderStatus.PICKED_UP or runner is None:
        return {}
    seen, lat, lon = runner.last_seen_at, runner.last_lat, runner.last_lon
    if seen is None or lat is None or lon is None:
        return {}
    age = max(0.0, (datetime.now(UTC) - seen).total_seconds())
    if age > POSITION_SHOWN_S:
        return {}
    return {
        "position_text": t.age(age),
        "position_url": f"https://www.openstreetmap.org/?mlat={lat:.5f}&mlon={lon:.5f}#map=17/{lat:.5f}/{lon:.5f}",
    }


def item_line(name: str, quantity: float, unit: str, lang: Lang = "id") -> str:
    """``bawang merah 1,5 kg``: one item as a customer reads it."""
    return " ".join(part for part in (name, Translator(lang).number(quantity, 3), unit) if part)
