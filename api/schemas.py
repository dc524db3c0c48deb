"""What the API takes and gives: Pydantic models (the API never returns a table object).

Field names are English; an order's fields are the CSV import's column names, with the same
meanings, so one order reads the same from a file, the API or WhatsApp. Money is whole
rupiah, weights grams (``weight_kg`` on intake), distances metres, durations seconds;
datetimes carry their offset (stored UTC, planned arrivals shown in WIB).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictStr,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from api.fields import Flag, IsoDate, IsoDateTime, line, number, text, whole_number
from dispatch.actions import FailureReason
from dispatch.models import (
    E164_PATTERN,
    Fulfilment,
    MarketPublic,
    OrderPublic,
    OrderStatus,
    OrderUpdate,
    Payment,
    RunnerPublic,
    RunnerStatus,
    RunStatus,
    SellerCategory,
    SellerCluster,
    SellerPublic,
    SellerVerification,
)

#: A local time of day (WIB) without an offset, ``HH:MM`` or ``HH:MM:SS`` (JSON Schema's
#: ``format: time`` would demand an offset, which shifts and opening hours do not have).
LOCAL_TIME_TEXT = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


def _local_text(value: object) -> object:
    if isinstance(value, time) and value.tzinfo is None:
        return value
    if not isinstance(value, str) or not re.fullmatch(LOCAL_TIME_TEXT, value):
        raise PydanticCustomError("time_type", "Input should be a local time HH:MM")
    return value


LocalTime = Annotated[
    time,
    BeforeValidator(_local_text),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": LOCAL_TIME_TEXT,
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


def _no_null_defaults(schema: dict[str, Any]) -> None:
    """Fields that may be left out but never sent as ``null`` show no ``default: null``."""
    for spec in schema.get("properties", {}).values():
        if spec.get("default", ...) is None and not _nullable(spec):
            del spec["default"]


def _nullable(spec: dict[str, Any]) -> bool:
    return spec.get("type") == "null" or any(
        _nullable(option) for option in spec.get("anyOf", []) if isinstance(option, dict)
    )


Name = line(120, min_length=1, strip=True)
"""A person's or a market's name: one line, not blank."""
Word = line(40)
Kelurahan = line(80)
Address300 = text(300)
LongText = text(500)
Notes = text(1000)
ItemsText = text(2000)
MarketCode = line(40, min_length=1)
ExternalId = line(100, min_length=1)
"""The source's own id of an order (its idempotency key): text, at most 100 characters."""


class StrictIn(BaseModel):
    """A request body: unknown fields refused; a field that may be left out but not be
    ``null`` shows no ``default: null`` in the schema (leaving it out keeps the value)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_no_null_defaults)


Slug = Annotated[
    StrictStr, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
]
Latitude = number(ge=-90, le=90)
Longitude = number(ge=-180, le=180)
#: A phone number as people write it: at least 7 digits, with spaces, dots, dashes,
#: brackets and a leading ``+`` (``0812-3456-7890``, ``+62 812 3456 7890``, ``(0341) 123456``).
PHONE_PATTERN = r"^\+?[0-9(][0-9 ().-]{5,28}[0-9]$"
PhoneText = Annotated[
    StrictStr, StringConstraints(min_length=7, max_length=30, pattern=PHONE_PATTERN)
]
E164 = Annotated[StrictStr, StringConstraints(max_length=16, pattern=E164_PATTERN)]


class MarketCreateIn(StrictIn):
    """A new market; its code is a lower-case slug such as ``oro-oro-dowo``."""

    code: Slug
    name: Name
    lat: Latitude
    lon: Longitude
    address: Address300 = ""
    kelurahan: Kelurahan = ""
    opens: LocalTime = time(5, 0)
    closes: LocalTime = time(12, 0)


class MarketUpdateIn(StrictIn):
    """Changes to a market; fields left out stay as they are."""

    name: Name = None
    lat: Latitude = None
    lon: Longitude = None
    address: Address300 = None
    kelurahan: Kelurahan = None
    opens: LocalTime = None
    closes: LocalTime = None
    # Left out means unchanged; null is not a value (the schema says so: no `| None`).
    balance_work: Annotated[Flag, Field(description="plans even out the runners' working time")] = (
        None
    )
    balance_cost: Annotated[
        whole_number(ge=0, le=100),
        Field(description="its weight: metres per second of the longest working day"),
    ] = None
    photo_required: Annotated[Flag, Field(description="deliveries need a photo")] = None
    insertion: Annotated[
        Literal["auto", "review"],
        Field(
            description="a new order on a day with a plan: inserted at once (auto) or "
            "waiting for a coordinator with the suggested runner and place (review)"
        ),
    ] = None


class MarketOut(MarketPublic):
    opens: LocalTime
    closes: LocalTime


class MarketList(BaseModel):
    data: list[MarketOut]
    count: int


Text = line(200)
WholeGrams = whole_number(gt=0, le=10_000_000)
Kilograms = number(gt=0, le=10_000)
Priority = whole_number(ge=-1000, le=1000)
WholeRupiah = whole_number(ge=0, le=1_000_000_000)
OrdersPerTrip = whole_number(gt=0, le=1000)


class RunnerCreateIn(StrictIn):
    """A new runner; load, cash cap and shift default to the settings' values."""

    market: Text = Field(description="market code, e.g. sawojajar")
    name: Name
    phone: PhoneText = Field(
        description="any Indonesian form (0812..., +62 812...); stored in E.164"
    )
    capacity_g: WholeGrams | None = None
    cash_cap_rp: WholeRupiah | None = None
    max_orders_per_trip: OrdersPerTrip | None = None
    shift_start: LocalTime | None = None
    shift_end: LocalTime | None = None
    status: RunnerStatus = RunnerStatus.AVAILABLE


class RunnerUpdateIn(StrictIn):
    """Changes to a runner; fields left out stay as they are (``max_orders_per_trip: null``
    lifts the limit)."""

    name: Name = None
    phone: PhoneText = None
    capacity_g: WholeGrams = None
    cash_cap_rp: WholeRupiah = None
    max_orders_per_trip: OrdersPerTrip | None = None
    shift_start: LocalTime = None
    shift_end: LocalTime = None
    status: RunnerStatus = None


class RunnerOut(RunnerPublic):
    market: str = Field(description="market code")
    shift_start: LocalTime
    shift_end: LocalTime


class RunnerList(BaseModel):
    data: list[RunnerOut]
    count: int


SellerAddress = text(300, min_length=1)
"""Where the runner finds the seller: not empty."""
NibText = line(20)
"""A NIB as written (13 digits; spaces and dots are dropped)."""


class SellerCreateIn(StrictIn):
    """A new seller; its code is a lower-case slug such as ``keripik-tempe-sanan``. Left
    out, ``market`` is the market nearest to it, the hours 07:00-17:00 and the verification
    ``pending`` (a pending seller takes no orders)."""

    code: Slug
    name: Name
    cluster: SellerCluster
    category: SellerCategory
    phone: PhoneText = Field(description="any Indonesian form; stored in E.164")
    address: SellerAddress
    lat: Latitude
    lon: Longitude
    nib: NibText | None = Field(default=None, description="Nomor Induk Berusaha, 13 digits")
    market: MarketCode | None = Field(
        default=None, description="code of the market whose runners serve it"
    )
    opens: LocalTime = time(7, 0)
    closes: LocalTime = time(17, 0)
    verification: SellerVerification = SellerVerification.PENDING


class SellerUpdateIn(StrictIn):
    """Changes to a seller; fields left out stay as they are (``nib: null`` clears the NIB,
    ``market: ""`` gives it the nearest market)."""

    name: Name = None
    cluster: SellerCluster = None
    category: SellerCategory = None
    phone: PhoneText = None
    address: SellerAddress = None
    lat: Latitude = None
    lon: Longitude = None
    nib: NibText | None = None
    market: Word = None
    opens: LocalTime = None
    closes: LocalTime = None
    verification: SellerVerification = None


class SellerOut(SellerPublic):
    market: str = Field(description="code of the market whose runners serve it")
    opens: LocalTime
    closes: LocalTime


class SellerList(BaseModel):
    data: list[SellerOut]
    count: int


# -- orders ------------------------------------------------------------------------------------

#: Order fields written as in the CSV, when sent as text.
WEIGHT_TEXT = r"^ *[0-9]{1,6}([.,][0-9]{1,3})? *([kK][gG])? *$"
RUPIAH_TEXT = r"^ *([rR][pP]\.? *)?([0-9]{1,3}(\.[0-9]{3})+|[0-9]{1,10})(,-|,0+)? *$"
COORDINATE_TEXT = r"^ *[+-]?[0-9]{1,3}([.,][0-9]{1,12})? *$"
CLOCK_TEXT = r"^ *([01]?[0-9]|2[0-3])[:.][0-5][0-9]( *[wW][iI][bB])? *$"


def _as_text(pattern: str, max_length: int = 30) -> Any:
    return Annotated[StrictStr, StringConstraints(max_length=max_length, pattern=pattern)]


CoordinateText = _as_text(COORDINATE_TEXT)
WeightText = _as_text(WEIGHT_TEXT)
RupiahText = _as_text(RUPIAH_TEXT)
ClockText = _as_text(CLOCK_TEXT, 20)


class OrderIn(StrictIn):
    """An order with the CSV import's columns as fields; the same intake checks apply.

    Text stays text and numbers stay numbers: ``external_id`` is text (at most 100
    characters), amounts are whole rupiah (a JSON integer, or text as in the CSV such as
    ``"125.000"``), weights kilograms (a number, or ``"1,5"``), coordinates degrees (a
    number, or text). ``external_id`` (or the ``Idempotency-Key`` header, which wins) makes
    a repeated submission return the first order. Windows are ``HH:MM`` in WIB on
    ``service_date``; a delivery needs an address even with coordinates.
    """

    market: MarketCode = Field(examples=["sawojajar"])
    external_id: ExternalId | None = Field(default=None, examples=["wa-3EB0C431"])
    customer_name: Name = Field(examples=["Ibu Wulan"])
    phone: PhoneText = Field(examples=["0812-3456-7890"])
    address: LongText | None = Field(default=None, examples=["Jl. Danau Toba 12, Sawojajar"])
    lat: Latitude | CoordinateText | None = Field(default=None, examples=[-7.9712])
    lon: Longitude | CoordinateText | None = Field(default=None, examples=[112.6655])
    items: ItemsText | None = Field(default=None, examples=["bawang merah 1kg; cabai 0,5 kg"])
    weight_kg: Kilograms | WeightText = Field(examples=["1,5"])
    fulfilment: Word | None = Field(default=None, examples=["delivery"])
    payment: Word | None = Field(default=None, examples=["cod"])
    amount_rp: WholeRupiah | RupiahText = Field(examples=["125.000"])
    delivery_fee_rp: WholeRupiah | RupiahText | None = Field(default=None, examples=[5000])
    window_start: ClockText | None = Field(default=None, examples=["07:00"])
    window_end: ClockText | None = Field(default=None, examples=["08:30"])
    notes: Notes | None = None
    seller: Word | None = Field(
        default=None,
        examples=["keripik-tempe-sanan"],
        description="a verified seller of the order's market whose goods these are: a runner "
        "collects them there (or the customer does, with fulfilment pickup)",
    )
    service_date: IsoDate | None = Field(default=None, description="market day; default today")

    def cells(self) -> dict[str, str | None]:
        """The order as the intake's CSV cells (numbers written as the CSV writes them)."""
        cells: dict[str, str | None] = {}
        for name, value in self.model_dump(exclude={"service_date"}).items():
            if isinstance(value, float):
                digits = 7 if name in ("lat", "lon") else 3
                value = f"{value:.{digits}f}"
            elif isinstance(value, int):
                value = str(value)
            cells[name] = value
        return cells


class OrderItemOut(BaseModel):
    """A line of the shopping list; ``weight_g`` is 0 when its unit is not a mass."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    quantity: float
    unit: str
    weight_g: int = Field(ge=0, description="grams; 0 when unknown (ikat, biji...)")


class OrderUpdateIn(StrictIn):
    """Changes to an order before pickup (stored units: grams, whole rupiah; windows with
    their offset); fields left out stay as they are, ``null`` clears a location or window."""

    customer_name: Name = None
    phone: E164 = Field(default=None, description="E.164, e.g. +6281234567890")
    address: LongText = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    location_approximate: Flag = None
    weight_g: WholeGrams = None
    fulfilment: Fulfilment = None
    payment: Payment = None
    amount_rp: WholeRupiah = None
    delivery_fee_rp: WholeRupiah = None
    window_start: IsoDateTime | None = None
    window_end: IsoDateTime | None = None
    priority: Priority = None
    notes: Notes = None

    def as_update(self) -> OrderUpdate:
        """The changes as the domain takes them (only the fields given)."""
        return OrderUpdate.model_validate(self.model_dump(exclude_unset=True))


class PlacementOut(BaseModel):
    """Where a new order on a planned day went: ``inserted`` (on ``runner_id``'s route at
    ``position``), ``unplanned`` (``reason_code``), ``review`` (waits; the suggestion is
    ``runner_id`` and ``position``), ``waiting`` (a run holds the market; it places the order
    when it ends) or ``no_plan`` (the day's first dispatch will)."""

    result: str
    runner_id: uuid.UUID | None = None
    position: int | None = None
    reason_code: str | None = None


class OrderOut(OrderPublic):
    market: str = Field(description="market code")
    seller: str | None = Field(
        default=None, description="code of the seller whose goods these are (collected there)"
    )
    items: list[OrderItemOut] = Field(default_factory=list)  # type: ignore[assignment]
    placement: PlacementOut | None = Field(
        default=None, description="a new order only: what the planned day did with it"
    )


class OrderList(BaseModel):
    data: list[OrderOut]
    count: int


class CancelIn(StrictIn):
    reason: LongText = ""


# -- dispatch runs and routes ------------------------------------------------------------------


TimeLimitS = number(gt=0, le=600)
Seed = whole_number(ge=0, le=2**31 - 1)


class DispatchRunIn(StrictIn):
    """Plan these markets (all you may see when left out) for a day, as a background job."""

    markets: list[Text] | None = Field(default=None, min_length=1, max_length=50)
    time_limit_s: TimeLimitS = Field(default=1.0, description="solver time per market")
    date: IsoDate | None = Field(default=None, description="market day; default today (WIB)")
    seed: Seed = 1


class DispatchRunAccepted(BaseModel):
    id: uuid.UUID
    status: RunStatus


class StopOut(BaseModel):
    order_id: uuid.UUID
    external_id: str
    kind: str = Field(
        description="what the runner does there: delivery, or pickup (collects the order's "
        "goods at its seller, before the delivery)",
        examples=["delivery"],
    )
    seller: str | None = Field(
        default=None, description="code of the order's seller (goods collected there)"
    )
    sequence: int
    trip: int
    lat: float
    lon: float
    arrival: datetime = Field(description="planned arrival, WIB")
    weight_g: int
    cod_rp: int = Field(description="cash to collect, whole rupiah")
    status: OrderStatus
    collected_rp: int | None = Field(description="cash reported collected, whole rupiah")


class CashOut(BaseModel):
    """Cash on delivery of a route or a trip, whole rupiah."""

    collected_rp: int = Field(description="reported collected on delivered stops")
    to_collect_rp: int = Field(description="still to collect on open stops")
    expected_rp: int = Field(description="COD of delivered and open stops")


class ShoppingLineOut(BaseModel):
    """A line of a trip's shopping list: an item added up over the trip's orders."""

    name: str
    unit: str
    quantity: float
    orders: int = Field(description="how many of the trip's orders have it")


class TripOut(BaseModel):
    """One trip from the market and back: its stops' order ids, its cash and what to buy
    for it at the market."""

    trip: int
    order_ids: list[uuid.UUID]
    weight_g: int
    cash: CashOut
    shopping: list[ShoppingLineOut] = Field(default_factory=list)


class RouteOut(BaseModel):
    market: str
    runner_id: uuid.UUID
    runner: str
    capacity_g: int
    cash_cap_rp: int = Field(description="cash the runner may carry on one trip")
    distance_m: int
    duration_s: int = Field(description="first departure to last return, seconds")
    starts_at: datetime | None = Field(description="first departure, WIB")
    ends_at: datetime | None = Field(description="last return to the market, WIB")
    stops: list[StopOut]
    trips: list[TripOut]
    cash: CashOut


class DroppedOut(BaseModel):
    market: str
    order_id: uuid.UUID
    external_id: str
    reason_code: str = Field(examples=["exceeds_capacity"])
    reason: str
    suggested_runner_id: uuid.UUID | None = Field(
        default=None, description="awaiting_review: the runner insertion suggests"
    )
    suggested_position: int | None = Field(
        default=None, description="awaiting_review: the place in its route (1 = first)"
    )


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
    moved: list[RunMovedOut] = Field(
        default_factory=list,
        description="orders the run took from a runner that already had them in its plan "
        "(and so its link): tell both runners",
    )


class RunMovedOut(BaseModel):
    """An order a run gave to another runner (``to_runner_id`` null: to no runner)."""

    order_id: uuid.UUID
    from_runner_id: uuid.UUID
    to_runner_id: uuid.UUID | None


# -- the runner's link -------------------------------------------------------------------------


class ItemOut(BaseModel):
    name: str
    quantity: float
    unit: str


class RunnerSellerOut(BaseModel):
    """The seller whose goods an order takes: collected there, not bought at the market."""

    code: str
    name: str
    phone: str
    address: str
    lat: float
    lon: float


class RunnerStopOut(BaseModel):
    """One stop of a runner's route, with what the runner needs at the door."""

    order_id: uuid.UUID
    external_id: str
    kind: str = Field(
        default="delivery",
        description="delivery, or pickup: collecting the order's goods at its seller",
        examples=["delivery"],
    )
    seller: RunnerSellerOut | None = Field(
        default=None, description="the order's seller, on its pickup and its delivery"
    )
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
    recipient_name: str | None = None
    photos: int = Field(default=0, description="proof-of-delivery photos received")
    cash_corrections: int = Field(default=0, description="times the collected cash was corrected")
    whatsapp_text: str = Field(default="", description="the runner's greeting to the customer")


class LinkRunnerOut(BaseModel):
    id: uuid.UUID
    name: str
    market: str
    shift_start: LocalTime
    shift_end: LocalTime
    capacity_g: int = Field(default=0, description="load per trip, grams")


class RunnerRouteOut(BaseModel):
    runner: LinkRunnerOut
    service_date: date
    expires_at: datetime
    photo_required: bool = Field(default=False, description="deliveries need a photo")
    stops: list[RunnerStopOut]
    pickups: list[RunnerStopOut] = Field(
        default=[],
        description="the visits at sellers (kind pickup): the seller's name, address and "
        "phone, what to collect; the order's status says whether it is collected",
    )
    distance_m: int = Field(description="the route's distance, metres")
    duration_s: int = Field(description="first departure to last return, seconds")
    starts_at: datetime | None = Field(description="first departure")
    ends_at: datetime | None = Field(description="last return to the market")
    trips: list[TripOut]
    cash: CashOut
    cash_cap_rp: int = Field(description="cash the runner may carry on one trip")
    trips_over_cap: list[int] = Field(description="trips whose cash exceeds the cap")


class DeliveredIn(StrictIn):
    collected_rp: WholeRupiah = Field(description="cash actually collected")
    recipient_name: Text | None = Field(default=None, description="who took the goods")


class CashCorrectionIn(StrictIn):
    collected_rp: WholeRupiah = Field(description="the cash actually collected, corrected")


class PhotoOut(BaseModel):
    id: uuid.UUID
    order_id: uuid.UUID
    sha256: str
    size_bytes: int
    content_type: str


class FailedIn(StrictIn):
    reason: FailureReason
    note: LongText = ""


class PositionIn(StrictIn):
    lat: Latitude
    lon: Longitude
    at: IsoDateTime | None = Field(
        default=None,
        description="when the phone took it (default now); at most a few minutes ahead of "
        "the server's clock and not older than a shift",
    )


class PositionOut(BaseModel):
    runner_id: uuid.UUID
    lat: float
    lon: float
    at: datetime
