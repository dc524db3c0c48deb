"""What the API takes and gives: Pydantic models (the API never returns a table object).

Field names are English; an order's fields are the CSV import's column names, with the same
meanings, so one order reads the same from a file, the API or WhatsApp. Money is whole
rupiah, weights grams (``weight_kg`` on intake), distances metres, durations seconds;
datetimes carry their offset (stored UTC, planned arrivals shown in WIB).
"""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import date, datetime, time
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema
from sqlmodel.main import SQLModelConfig

from dispatch.actions import FailureReason
from dispatch.models import (
    MarketCreate,
    MarketPublic,
    MarketUpdate,
    OrderPublic,
    OrderStatus,
    OrderUpdate,
    RunnerPublic,
    RunnerStatus,
    RunStatus,
)


#: A local time of day (WIB) without an offset, ``HH:MM`` or ``HH:MM:SS`` (JSON Schema's
#: ``format: time`` would demand an offset, which shifts and opening hours do not have).
def _local(value: time) -> time:
    if value.tzinfo is not None:
        msg = "must be a local time (WIB) without an offset, e.g. 05:30"
        raise ValueError(msg)
    return value


LocalTime = Annotated[
    time,
    AfterValidator(_local),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
            "description": "local time (WIB), HH:MM:SS",
            "examples": ["05:30:00"],
        }
    ),
]

# -- errors ------------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    """One refusal: a stable code, a message to act on, and the input field at fault."""

    code: str = Field(examples=["order.invalid_phone"])
    message: str
    field: str | None = Field(description="the input field at fault (CSV column name)")


class ErrorInfo(ErrorDetail):
    details: list[ErrorDetail] = Field(
        default_factory=list, description="every refusal, when there are several"
    )


class ErrorResponse(BaseModel):
    """The body of every 4xx answer."""

    error: ErrorInfo


# -- health ------------------------------------------------------------------------------------


class Health(BaseModel):
    status: str = Field(examples=["ok"])


# -- markets and runners -----------------------------------------------------------------------


class MarketCreateIn(MarketCreate):
    """A new market; its code is a lower-case slug such as ``oro-oro-dowo``."""

    model_config = SQLModelConfig(extra="forbid")

    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    opens: LocalTime = time(5, 0)
    closes: LocalTime = time(12, 0)


class MarketUpdateIn(MarketUpdate):
    """Changes to a market; fields left out stay as they are."""

    model_config = SQLModelConfig(extra="forbid")

    opens: LocalTime | None = None
    closes: LocalTime | None = None


class MarketOut(MarketPublic):
    opens: LocalTime
    closes: LocalTime


class MarketList(BaseModel):
    data: list[MarketOut]
    count: int


Text = Annotated[str, StringConstraints(max_length=200)]


class RunnerCreateIn(BaseModel):
    """A new runner; load, cash cap and shift default to the settings' values."""

    model_config = ConfigDict(extra="forbid")

    market: Text = Field(description="market code, e.g. sawojajar")
    name: Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]
    phone: Annotated[str, StringConstraints(min_length=1, max_length=30)] = Field(
        description="any Indonesian form (0812..., +62 812...); stored in E.164"
    )
    capacity_g: int | None = Field(default=None, gt=0, le=10_000_000)
    cash_cap_rp: int | None = Field(default=None, ge=0, le=1_000_000_000)
    max_orders_per_trip: int | None = Field(default=None, gt=0, le=1000)
    shift_start: LocalTime | None = None
    shift_end: LocalTime | None = None
    status: RunnerStatus = RunnerStatus.AVAILABLE


class RunnerUpdateIn(BaseModel):
    """Changes to a runner; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: (
        Annotated[str, StringConstraints(min_length=1, max_length=120, strip_whitespace=True)]
        | None
    ) = None
    phone: Annotated[str, StringConstraints(min_length=1, max_length=30)] | None = None
    capacity_g: int | None = Field(default=None, gt=0, le=10_000_000)
    cash_cap_rp: int | None = Field(default=None, ge=0, le=1_000_000_000)
    max_orders_per_trip: int | None = Field(default=None, gt=0, le=1000)
    shift_start: LocalTime | None = None
    shift_end: LocalTime | None = None
    status: RunnerStatus | None = None


class RunnerOut(RunnerPublic):
    market: str = Field(description="market code")
    shift_start: LocalTime
    shift_end: LocalTime


class RunnerList(BaseModel):
    data: list[RunnerOut]
    count: int


# -- orders ------------------------------------------------------------------------------------

#: A CSV cell as JSON: text or a number (``"1,5"``, ``1.5`` and ``"1.5"`` mean the same).
Cell = Annotated[str, StringConstraints(max_length=2000)] | int | float | None


class OrderIn(BaseModel):
    """An order with the CSV import's columns as fields; the same intake checks apply.

    ``external_id`` (or the ``Idempotency-Key`` header, which wins) makes a repeated
    submission return the first order. ``market``, ``phone``, ``weight_kg`` and ``amount_rp``
    are required by the intake; windows are ``HH:MM`` in WIB on ``service_date``.
    """

    model_config = ConfigDict(extra="forbid")

    market: Cell = Field(default=None, examples=["sawojajar"])
    external_id: Cell = Field(default=None, examples=["wa-3EB0C431"])
    customer_name: Cell = None
    phone: Cell = Field(default=None, examples=["0812-3456-7890"])
    address: Cell = None
    lat: Cell = Field(default=None, examples=[-7.9712])
    lon: Cell = Field(default=None, examples=[112.6655])
    items: Cell = Field(default=None, examples=["bawang merah 1kg; cabai 0,5 kg"])
    weight_kg: Cell = Field(default=None, examples=["1,5"])
    fulfilment: Cell = Field(default=None, examples=["delivery"])
    payment: Cell = Field(default=None, examples=["cod"])
    amount_rp: Cell = Field(default=None, examples=["125.000"])
    delivery_fee_rp: Cell = Field(default=None, examples=[5000])
    window_start: Cell = Field(default=None, examples=["07:00"])
    window_end: Cell = Field(default=None, examples=["08:30"])
    notes: Cell = None
    service_date: date | None = Field(default=None, description="market day; default today")


class OrderItemOut(BaseModel):
    """A line of the shopping list; ``weight_g`` is 0 when its unit is not a mass."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    quantity: float
    unit: str
    weight_g: int = Field(ge=0, description="grams; 0 when unknown (ikat, biji...)")


class OrderUpdateIn(OrderUpdate):
    """Changes to an order before pickup (stored units: grams, whole rupiah; windows with
    their offset); fields left out stay as they are."""

    model_config = SQLModelConfig(extra="forbid")

    weight_g: int | None = Field(default=None, gt=0, le=10_000_000)
    amount_rp: int | None = Field(default=None, ge=0, le=1_000_000_000)
    delivery_fee_rp: int | None = Field(default=None, ge=0, le=1_000_000_000)
    priority: int | None = Field(default=None, ge=-1000, le=1000)


class OrderOut(OrderPublic):
    market: str = Field(description="market code")
    items: list[OrderItemOut] = Field(default_factory=list)  # type: ignore[assignment]


class OrderList(BaseModel):
    data: list[OrderOut]
    count: int


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=500)


# -- dispatch runs and routes ------------------------------------------------------------------


class DispatchRunIn(BaseModel):
    """Plan these markets (all you may see when left out) for a day, as a background job."""

    model_config = ConfigDict(extra="forbid")

    markets: list[Text] | None = Field(default=None, min_length=1, max_length=50)
    time_limit_s: float = Field(default=1.0, gt=0, le=600, description="solver time per market")
    date: dt.date | None = Field(default=None, description="market day; default today (WIB)")
    seed: int = Field(default=1, ge=0, le=2**31 - 1)


class DispatchRunAccepted(BaseModel):
    id: uuid.UUID
    status: RunStatus


class StopOut(BaseModel):
    order_id: uuid.UUID
    external_id: str
    sequence: int
    trip: int
    lat: float
    lon: float
    arrival: datetime = Field(description="planned arrival, WIB")
    weight_g: int
    cod_rp: int = Field(description="cash to collect, whole rupiah")


class RouteOut(BaseModel):
    market: str
    runner: str
    capacity_g: int
    distance_m: int
    duration_s: int
    stops: list[StopOut]


class DroppedOut(BaseModel):
    market: str
    order_id: uuid.UUID
    external_id: str
    reason_code: str = Field(examples=["exceeds_capacity"])
    reason: str


class MarketPlanOut(BaseModel):
    market: str
    run_id: uuid.UUID
    routes: list[RouteOut]
    dropped: list[DroppedOut]


class DayPlanOut(BaseModel):
    date: dt.date
    markets: list[MarketPlanOut]


class DispatchRunSummary(BaseModel):
    """A run in a list: its status and counts, without the routes."""

    id: uuid.UUID
    service_date: date
    status: RunStatus
    markets: list[str]
    created_at: datetime
    finished_at: datetime | None
    routed: int
    dropped: int
    error: str | None


class DispatchRunList(BaseModel):
    data: list[DispatchRunSummary]
    count: int


class DispatchRunOut(BaseModel):
    id: uuid.UUID
    service_date: date
    status: RunStatus
    markets: list[str]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    params: dict[str, Any]
    figures: dict[str, Any] = Field(description="per market and in total; wall time, seconds")
    error: str | None
    routes: list[RouteOut]
    dropped: list[DroppedOut]


# -- the runner's link -------------------------------------------------------------------------


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.utcoffset() is None:
        msg = "datetime must carry a time zone (e.g. +07:00 for WIB)"
        raise ValueError(msg)
    return value


class ItemOut(BaseModel):
    name: str
    quantity: float
    unit: str


class RunnerStopOut(BaseModel):
    """One stop of a runner's route, with what the runner needs at the door."""

    order_id: uuid.UUID
    external_id: str
    sequence: int
    trip: int
    planned_arrival: datetime | None
    status: OrderStatus
    customer_name: str
    phone: str
    address: str
    lat: float | None
    lon: float | None
    location_approximate: bool
    items: list[ItemOut]
    weight_g: int
    payment: str
    cash_to_collect_rp: int = Field(description="0 when paid beforehand (lunas)")
    collected_rp: int | None
    failure_reason: str | None
    window_start: datetime | None
    window_end: datetime | None
    notes: str


class LinkRunnerOut(BaseModel):
    id: uuid.UUID
    name: str
    market: str
    shift_start: LocalTime
    shift_end: LocalTime


class RunnerRouteOut(BaseModel):
    runner: LinkRunnerOut
    service_date: date
    expires_at: datetime
    stops: list[RunnerStopOut]


class DeliveredIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    collected_rp: int = Field(ge=0, le=1_000_000_000, description="cash actually collected")


class FailedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: FailureReason
    note: str = Field(default="", max_length=500)


class PositionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    at: Annotated[datetime | None, AfterValidator(_aware)] = Field(
        default=None, description="when the phone took it; default now"
    )


class PositionOut(BaseModel):
    runner_id: uuid.UUID
    lat: float
    lon: float
    at: datetime
