"""SQLModel tables of the dispatch domain and their model families.

Per table, as in the FastAPI template: ``XBase`` (shared fields), ``X`` (the table),
``XCreate``, ``XUpdate`` (every field optional) and ``XPublic`` (what leaves the service).
Units: money in whole rupiah, weights in grams, distances in metres, durations in seconds.
Datetimes are timezone-aware and stored in UTC; shift and opening hours are local times (WIB).
"""

# No ``from __future__ import annotations``: SQLModel relationships need real annotations.

import enum
import uuid
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa
from pydantic import field_validator, model_validator
from sqlalchemy.types import TypeDecorator
from sqlmodel import JSON, Field, Relationship, SQLModel

#: Constraint names that Alembic (and SQLite batch migrations) can address later.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: An E.164 phone number: ``+`` then up to 15 digits (``+6281234567890``).
E164_PATTERN = r"^\+[1-9][0-9]{7,14}$"


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC; naive values are refused.

    PostgreSQL keeps the offset itself; SQLite does not, so values read back are marked UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            msg = f"naive datetime {value!r}: datetimes must be timezone-aware"
            raise ValueError(msg)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def _enum_type(enum_class: type[enum.Enum]) -> sa.Enum:
    """A portable enum column: VARCHAR holding the member values (no native PostgreSQL type)."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def _require_aware(value: datetime | None) -> datetime | None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        msg = "datetime must carry a time zone (e.g. +07:00 for WIB)"
        raise ValueError(msg)
    return value


# --- enums -------------------------------------------------------------------------------


class RunnerStatus(enum.StrEnum):
    """Whether a runner can be planned."""

    AVAILABLE = "available"
    OFF_DUTY = "off_duty"
    INACTIVE = "inactive"


class Fulfilment(enum.StrEnum):
    """Delivered by a runner, or collected at the market by the customer ("diambil sendiri")."""

    DELIVERY = "delivery"
    PICKUP = "pickup"


class Payment(enum.StrEnum):
    """Cash on delivery, or paid beforehand (LinkAja / QRIS)."""

    COD = "cod"
    CASHLESS = "cashless"


class OrderStatus(enum.StrEnum):
    """``pending -> assigned -> picked_up -> delivered | failed``, or ``cancelled``."""

    PENDING = "pending"
    ASSIGNED = "assigned"
    PICKED_UP = "picked_up"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


class StopKind(enum.StrEnum):
    """What the runner does at a stop of its route."""

    DELIVERY = "delivery"
    """Hands a customer its goods (and collects its cash)."""
    PICKUP = "pickup"
    """Collects an order's goods at its seller (goods not bought at the market)."""


class RunStatus(enum.StrEnum):
    """``queued -> running -> done | failed``."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class SellerCluster(enum.StrEnum):
    """Which of the city's clusters a seller belongs to."""

    PASAR = "pasar"
    KULINER = "kuliner"
    UMKM = "umkm"
    IKM = "ikm"


class SellerCategory(enum.StrEnum):
    """Malpro's eight product categories, as slugs."""

    MAKANAN_MINUMAN = "makanan-minuman"
    FASHION_PRIA = "fashion-pria"
    FASHION_WANITA = "fashion-wanita"
    PERALATAN = "peralatan"
    KRIYA = "kriya"
    PERLENGKAPAN_RUMAH = "perlengkapan-rumah"
    JASA = "jasa"
    WEDDING = "wedding"


class SellerVerification(enum.StrEnum):
    """``pending -> verified``, or ``suspended``; only a verified seller takes orders."""

    PENDING = "pending"
    VERIFIED = "verified"
    SUSPENDED = "suspended"


# --- Market ------------------------------------------------------------------------------


class MarketBase(SQLModel):
    code: str = Field(max_length=40, regex=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name: str = Field(max_length=120)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    address: str = Field(default="", max_length=300)
    kelurahan: str = Field(default="", max_length=80)
    opens: time = Field(default=time(5, 0), description="local time (WIB)")
    closes: time = Field(default=time(12, 0), description="local time (WIB)")
    balance_work: bool = Field(
        default=True, description="plans even out the runners' working time (longest day)"
    )
    balance_cost: int = Field(
        default=1, ge=0, description="weight of the longest working day: metres per second"
    )
    photo_required: bool = Field(
        default=False, description="a delivery needs a proof-of-delivery photo"
    )
    insertion: str = Field(
        default="auto",
        max_length=10,
        description="a new order on a planned day: auto (inserted) or review (waits)",
    )


class Market(MarketBase, table=True):
    __tablename__ = "markets"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    runners: list["Runner"] = Relationship(back_populates="market")


class MarketCreate(MarketBase):
    pass


class MarketUpdate(SQLModel):
    name: str | None = Field(default=None, max_length=120)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    address: str | None = Field(default=None, max_length=300)
    kelurahan: str | None = Field(default=None, max_length=80)
    opens: time | None = None
    closes: time | None = None
    balance_work: bool | None = None
    balance_cost: int | None = Field(default=None, ge=0)
    photo_required: bool | None = None
    insertion: str | None = Field(default=None, max_length=10)


class MarketPublic(MarketBase):
    id: uuid.UUID


# --- Runner ------------------------------------------------------------------------------


class RunnerBase(SQLModel):
    name: str = Field(max_length=120)
    phone: str = Field(max_length=16, regex=E164_PATTERN)
    capacity_g: int = Field(gt=0, description="load per trip, grams")
    cash_cap_rp: int = Field(ge=0, description="cash a runner may carry, whole rupiah")
    max_orders_per_trip: int | None = Field(default=None, gt=0)
    shift_start: time = Field(description="local time (WIB)")
    shift_end: time = Field(description="local time (WIB)")
    status: RunnerStatus = Field(default=RunnerStatus.AVAILABLE, sa_type=_enum_type(RunnerStatus))


class Runner(RunnerBase, table=True):
    __tablename__ = "runners"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    market_id: uuid.UUID = Field(foreign_key="markets.id", index=True, ondelete="RESTRICT")
    last_lat: float | None = None
    last_lon: float | None = None
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sequence_locked: bool = Field(
        default=False, description="re-planning keeps the order of its stops (a coordinator's lock)"
    )
    market: Market = Relationship(back_populates="runners")


class ShiftEnd(SQLModel, table=True):
    """A runner's shift ended early on one day ("Selesai shift"): off that day's plan only.
    Read through `dispatch.shifts`."""

    __tablename__ = "shift_ends"

    runner_id: uuid.UUID = Field(foreign_key="runners.id", primary_key=True, ondelete="CASCADE")
    service_date: date = Field(primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    by: str = Field(max_length=120)


class RunnerCreate(RunnerBase):
    market_id: uuid.UUID


class RunnerUpdate(SQLModel):
    name: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=16, regex=E164_PATTERN)
    capacity_g: int | None = Field(default=None, gt=0)
    cash_cap_rp: int | None = Field(default=None, ge=0)
    max_orders_per_trip: int | None = Field(default=None, gt=0)
    shift_start: time | None = None
    shift_end: time | None = None
    status: RunnerStatus | None = None


class RunnerPublic(RunnerBase):
    id: uuid.UUID
    market_id: uuid.UUID
    last_lat: float | None
    last_lon: float | None
    last_seen_at: datetime | None


# --- Seller ------------------------------------------------------------------------------


class SellerBase(SQLModel):
    code: str = Field(max_length=40, regex=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name: str = Field(max_length=120)
    cluster: SellerCluster = Field(sa_type=_enum_type(SellerCluster))
    category: SellerCategory = Field(sa_type=_enum_type(SellerCategory))
    phone: str = Field(max_length=16, regex=E164_PATTERN)
    address: str = Field(default="", max_length=300)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    nib: str | None = Field(
        default=None, max_length=13, description="Nomor Induk Berusaha, 13 digits"
    )
    verification: SellerVerification = Field(
        default=SellerVerification.PENDING, sa_type=_enum_type(SellerVerification)
    )
    opens: time = Field(default=time(7, 0), description="local time (WIB)")
    closes: time = Field(default=time(17, 0), description="local time (WIB)")
    generated: bool = Field(default=False, description="made up by antar seed, not a real one")


class Seller(SellerBase, table=True):
    """A business of Malpro (UMKM, kuliner, IKM) whose orders a market's runners collect
    there and deliver."""

    __tablename__ = "sellers"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    market_id: uuid.UUID = Field(foreign_key="markets.id", index=True, ondelete="RESTRICT")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    market: Market = Relationship()


class SellerPublic(SellerBase):
    id: uuid.UUID
    market_id: uuid.UUID


# --- Order and its items -----------------------------------------------------------------


class OrderItemBase(SQLModel):
    name: str = Field(max_length=120)
    quantity: float = Field(gt=0)
    unit: str = Field(default="", max_length=20, description="kg, ikat, buah, ...")
    weight_g: int = Field(ge=0, description="weight of the whole line, grams; 0 when unknown")


class OrderItem(OrderItemBase, table=True):
    __tablename__ = "order_items"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    order_id: uuid.UUID = Field(foreign_key="orders.id", index=True, ondelete="CASCADE")
    order: "Order" = Relationship(back_populates="items")


class OrderItemCreate(OrderItemBase):
    pass


class OrderItemPublic(OrderItemBase):
    id: uuid.UUID


class OrderBase(SQLModel):
    customer_name: str = Field(max_length=120)
    phone: str = Field(max_length=16, regex=E164_PATTERN)
    address: str = Field(default="", max_length=500)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    location_approximate: bool = False
    service_date: date = Field(index=True, description="the market day the order is for")
    weight_g: int = Field(gt=0, description="total weight, grams")
    fulfilment: Fulfilment = Field(default=Fulfilment.DELIVERY, sa_type=_enum_type(Fulfilment))
    payment: Payment = Field(default=Payment.COD, sa_type=_enum_type(Payment))
    amount_rp: int = Field(default=0, ge=0, description="goods, whole rupiah")
    delivery_fee_rp: int = Field(default=0, ge=0, description="whole rupiah")
    window_start: datetime | None = Field(default=None, sa_type=UTCDateTime)
    window_end: datetime | None = Field(default=None, sa_type=UTCDateTime)
    priority: int = Field(default=0, description="higher is served first when runners are short")
    notes: str = Field(default="", max_length=1000)


class Order(OrderBase, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        sa.UniqueConstraint("market_id", "idempotency_key"),
        sa.Index("ix_orders_market_id_status", "market_id", "status"),
        # A market's day of orders, newest first: the console's table and map, the API's list.
        sa.Index(
            "ix_orders_market_id_service_date_created_at", "market_id", "service_date", "created_at"
        ),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    market_id: uuid.UUID = Field(foreign_key="markets.id", ondelete="RESTRICT")
    idempotency_key: str = Field(max_length=200)
    status: OrderStatus = Field(default=OrderStatus.PENDING, sa_type=_enum_type(OrderStatus))
    collected_rp: int | None = Field(
        default=None, description="cash the runner reported collecting, whole rupiah"
    )
    failure_reason: str | None = Field(default=None, max_length=40)
    failure_note: str | None = Field(default=None, max_length=500)
    recipient_name: str | None = Field(
        default=None, max_length=120, description="who took the goods at the door, if told"
    )
    pinned_runner_id: uuid.UUID | None = Field(
        default=None,
        foreign_key="runners.id",
        ondelete="SET NULL",
        description="re-planning keeps the order on this runner (a coordinator's pin)",
    )
    awaiting_review: bool = Field(
        default=False, description="new on a planned day of a review market: not yet placed"
    )
    suggested_runner_id: uuid.UUID | None = Field(
        default=None, description="where insertion would put it (review): the runner"
    )
    suggested_position: int | None = Field(
        default=None, description="and its place in the runner's route (1 = first stop)"
    )
    suggestion: str | None = Field(default=None, max_length=300)
    seller_id: uuid.UUID | None = Field(
        default=None,
        foreign_key="sellers.id",
        index=True,
        ondelete="RESTRICT",
        description="the seller whose goods these are (collected there), None: the market's",
    )
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    items: list[OrderItem] = Relationship(
        back_populates="order", sa_relationship_kwargs={"cascade": "all, delete-orphan"}
    )
    status_changes: list["OrderStatusChange"] = Relationship(
        back_populates="order", sa_relationship_kwargs={"cascade": "all, delete-orphan"}
    )
    seller: Seller | None = Relationship()

    @property
    def cod_rp(self) -> int:
        """Cash the runner collects at the door (goods and fee when COD, else 0), rupiah."""
        return self.amount_rp + self.delivery_fee_rp if self.payment == Payment.COD else 0


class OrderCreate(OrderBase):
    market_id: uuid.UUID
    idempotency_key: str = Field(min_length=1, max_length=200)
    items: list[OrderItemCreate] = Field(default_factory=list)

    @field_validator("window_start", "window_end")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return _require_aware(value)

    @model_validator(mode="after")
    def _window_in_order(self) -> "OrderCreate":
        if self.window_start and self.window_end and self.window_end <= self.window_start:
            msg = "window_end must be after window_start"
            raise ValueError(msg)
        return self


class OrderUpdate(SQLModel):
    customer_name: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=16, regex=E164_PATTERN)
    address: str | None = Field(default=None, max_length=500)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    location_approximate: bool | None = None
    weight_g: int | None = Field(default=None, gt=0)
    fulfilment: Fulfilment | None = None
    payment: Payment | None = None
    amount_rp: int | None = Field(default=None, ge=0)
    delivery_fee_rp: int | None = Field(default=None, ge=0)
    window_start: datetime | None = None
    window_end: datetime | None = None
    priority: int | None = None
    notes: str | None = Field(default=None, max_length=1000)

    @field_validator("window_start", "window_end")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return _require_aware(value)


class OrderPublic(OrderBase):
    id: uuid.UUID
    market_id: uuid.UUID
    idempotency_key: str
    status: OrderStatus
    collected_rp: int | None = None
    failure_reason: str | None = None
    failure_note: str | None = None
    seller_id: uuid.UUID | None = None
    created_at: datetime
    updated_at: datetime
    items: list[OrderItemPublic] = Field(default_factory=list)


class OrderStatusChangeBase(SQLModel):
    from_status: OrderStatus | None = Field(
        default=None, sa_type=_enum_type(OrderStatus), description="None when created"
    )
    to_status: OrderStatus = Field(sa_type=_enum_type(OrderStatus))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    by: str = Field(default="system", max_length=120, description="who made the change")
    reason: str | None = Field(default=None, max_length=500)


class OrderStatusChange(OrderStatusChangeBase, table=True):
    __tablename__ = "order_status_changes"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    order_id: uuid.UUID = Field(foreign_key="orders.id", index=True, ondelete="CASCADE")
    order: Order = Relationship(back_populates="status_changes")


class OrderStatusChangePublic(OrderStatusChangeBase):
    id: uuid.UUID
    order_id: uuid.UUID


class OrderEvent(SQLModel, table=True):
    """A change to an order other than its status: who did what, when (moves, pins, edits,
    and what a re-plan changed)."""

    __tablename__ = "order_events"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    order_id: uuid.UUID = Field(foreign_key="orders.id", index=True, ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    by: str = Field(max_length=120)
    kind: str = Field(max_length=40, description="moved, pinned, unpinned, replanned, ...")
    detail: str = Field(default="", max_length=500)


# --- Dispatch runs, routes and stops -----------------------------------------------------


class DispatchRunMarket(SQLModel, table=True):
    """Which markets a dispatch run plans (one run may cover every market)."""

    __tablename__ = "dispatch_run_markets"

    run_id: uuid.UUID = Field(foreign_key="dispatch_runs.id", primary_key=True, ondelete="CASCADE")
    market_id: uuid.UUID = Field(
        foreign_key="markets.id", primary_key=True, index=True, ondelete="RESTRICT"
    )
    stored_at: datetime | None = Field(
        default=None,
        sa_type=UTCDateTime,
        description="when the run stored this market's plan (then the current plan)",
    )


class DispatchRunBase(SQLModel):
    service_date: date = Field(index=True, description="the market day planned")
    status: RunStatus = Field(default=RunStatus.QUEUED, sa_type=_enum_type(RunStatus))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    params: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    figures: dict[str, Any] = Field(
        default_factory=dict, sa_type=JSON, description="objective, wall time, counts"
    )
    error: str | None = None
    lease_until: datetime | None = Field(
        default=None,
        sa_type=UTCDateTime,
        description="the run holds its markets until then; its process renews it while it works",
    )


class DispatchRun(DispatchRunBase, table=True):
    __tablename__ = "dispatch_runs"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    lease_owner: str | None = Field(default=None, max_length=200, description="host:pid:thread")
    markets: list[Market] = Relationship(link_model=DispatchRunMarket)
    routes: list["Route"] = Relationship(
        back_populates="run", sa_relationship_kwargs={"cascade": "all, delete-orphan"}
    )
    dropped: list["DroppedOrder"] = Relationship(
        back_populates="run", sa_relationship_kwargs={"cascade": "all, delete-orphan"}
    )


class DispatchRunCreate(SQLModel):
    service_date: date
    market_ids: list[uuid.UUID] = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)


class DispatchRunUpdate(SQLModel):
    status: RunStatus | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    figures: dict[str, Any] | None = None
    error: str | None = None


class DispatchRunPublic(DispatchRunBase):
    id: uuid.UUID


class RouteBase(SQLModel):
    service_date: date
    distance_m: int = Field(default=0, ge=0)
    duration_s: int = Field(default=0, ge=0)
    trips: int = Field(default=0, ge=0, description="returns to the market to load, plus one")


class Route(RouteBase, table=True):
    __tablename__ = "routes"
    __table_args__ = (sa.UniqueConstraint("run_id", "runner_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    run_id: uuid.UUID = Field(foreign_key="dispatch_runs.id", index=True, ondelete="CASCADE")
    runner_id: uuid.UUID = Field(foreign_key="runners.id", index=True, ondelete="RESTRICT")
    market_id: uuid.UUID = Field(foreign_key="markets.id", index=True, ondelete="RESTRICT")
    run: DispatchRun = Relationship(back_populates="routes")
    stops: list["RouteStop"] = Relationship(
        back_populates="route",
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "order_by": "RouteStop.sequence"},
    )


class RoutePublic(RouteBase):
    id: uuid.UUID
    run_id: uuid.UUID
    runner_id: uuid.UUID
    market_id: uuid.UUID


class RouteStopBase(SQLModel):
    sequence: int = Field(ge=1, description="1 for the first stop of the route")
    kind: StopKind = Field(
        default=StopKind.DELIVERY,
        sa_type=_enum_type(StopKind),
        description="delivery at the door, or pickup at the order's seller",
    )
    trip: int = Field(ge=1, description="1 for the first trip from the market")
    planned_arrival: datetime | None = Field(default=None, sa_type=UTCDateTime)
    distance_m: int = Field(default=0, ge=0, description="leg from the previous stop, metres")
    duration_s: int = Field(default=0, ge=0, description="leg from the previous stop, seconds")


class RouteStop(RouteStopBase, table=True):
    __tablename__ = "route_stops"
    __table_args__ = (sa.UniqueConstraint("route_id", "sequence"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    route_id: uuid.UUID = Field(foreign_key="routes.id", index=True, ondelete="CASCADE")
    order_id: uuid.UUID = Field(foreign_key="orders.id", index=True, ondelete="RESTRICT")
    route: Route = Relationship(back_populates="stops")


class RouteStopPublic(RouteStopBase):
    id: uuid.UUID
    route_id: uuid.UUID
    order_id: uuid.UUID


class DroppedOrderBase(SQLModel):
    reason_code: str = Field(max_length=60, description="e.g. exceeds_capacity")
    reason: str = Field(default="", max_length=500)


class DroppedOrder(DroppedOrderBase, table=True):
    __tablename__ = "dropped_orders"
    __table_args__ = (sa.UniqueConstraint("run_id", "order_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    run_id: uuid.UUID = Field(foreign_key="dispatch_runs.id", index=True, ondelete="CASCADE")
    order_id: uuid.UUID = Field(foreign_key="orders.id", index=True, ondelete="RESTRICT")
    run: DispatchRun = Relationship(back_populates="dropped")


class DroppedOrderPublic(DroppedOrderBase):
    id: uuid.UUID
    run_id: uuid.UUID
    order_id: uuid.UUID


# --- API tokens ----------------------------------------------------------------------------


class ApiToken(SQLModel, table=True):
    """A bearer token of an operator or a market's coordinator; only its hash is kept."""

    __tablename__ = "api_tokens"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, description="SHA-256, hex")
    role: str = Field(max_length=20, description="operator or coordinator")
    market_id: uuid.UUID | None = Field(
        default=None, foreign_key="markets.id", index=True, ondelete="CASCADE"
    )
    label: str = Field(default="", max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ConsoleSignIn(SQLModel, table=True):
    """A console session: made at sign-in, checked on every request, ended by signing out,
    by its expiry, or by revoking its token. The cookie carries only its signed id."""

    __tablename__ = "console_sessions"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    token_id: uuid.UUID = Field(foreign_key="api_tokens.id", index=True, ondelete="CASCADE")
    csrf: str = Field(max_length=64, description="the token every form of the session carries")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# --- WhatsApp: messages in, drafts, replies out ------------------------------------------------


class DraftStatus(enum.StrEnum):
    """``waiting`` (for the customer's location) ``-> ordered | review``; ``review -> ordered
    | rejected`` by a coordinator."""

    WAITING = "waiting"
    REVIEW = "review"
    ORDERED = "ordered"
    REJECTED = "rejected"


class OutboundStatus(enum.StrEnum):
    """``queued -> sending -> sent -> delivered -> read``, or ``failed``; ``skipped`` when
    WhatsApp is not configured."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    SKIPPED = "skipped"


class WhatsAppDraft(SQLModel, table=True):
    """An order as a customer wrote it on WhatsApp (text, plus a shared location), until it
    becomes an order or a coordinator rejects it."""

    __tablename__ = "whatsapp_drafts"
    __table_args__ = (sa.Index("ix_whatsapp_drafts_status_market_id", "status", "market_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    wa_message_id: str = Field(
        max_length=200, unique=True, description="the order text's id: the order's key"
    )
    wa_id: str = Field(max_length=32, index=True, description="the customer's WhatsApp id")
    customer_name: str = Field(default="", max_length=120)
    text: str = Field(default="", max_length=4096)
    reading: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    lat: float | None = None
    lon: float | None = None
    address: str = Field(default="", max_length=500)
    location_message_id: str | None = Field(default=None, max_length=200)
    market_id: uuid.UUID | None = Field(default=None, foreign_key="markets.id", ondelete="RESTRICT")
    status: DraftStatus = Field(default=DraftStatus.WAITING, sa_type=_enum_type(DraftStatus))
    reason: str | None = Field(default=None, max_length=40, description="why it needs review")
    problem: str | None = Field(default=None, max_length=1000)
    wait_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    order_id: uuid.UUID | None = Field(
        default=None, foreign_key="orders.id", index=True, ondelete="RESTRICT"
    )
    decided_by: str | None = Field(default=None, max_length=120)
    sent_at: datetime = Field(sa_type=UTCDateTime, description="when the customer wrote it")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WhatsAppMessage(SQLModel, table=True):
    """A text or location message received through the webhook; its WhatsApp id is unique,
    so a re-delivery stores nothing new."""

    __tablename__ = "whatsapp_messages"
    __table_args__ = (sa.Index("ix_whatsapp_messages_wa_id_sent_at", "wa_id", "sent_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    wa_message_id: str = Field(max_length=200, unique=True)
    wa_id: str = Field(max_length=32)
    profile_name: str = Field(default="", max_length=200)
    kind: str = Field(max_length=20, description="text or location")
    text: str = Field(default="", max_length=4096)
    lat: float | None = None
    lon: float | None = None
    location_name: str = Field(default="", max_length=300)
    location_address: str = Field(default="", max_length=500)
    sent_at: datetime = Field(sa_type=UTCDateTime)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    processed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    draft_id: uuid.UUID | None = Field(
        default=None, foreign_key="whatsapp_drafts.id", index=True, ondelete="SET NULL"
    )
    raw: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class WhatsAppRefusal(SQLModel, table=True):
    """A message of a webhook delivery that was not stored, and why (the others of the
    delivery are stored regardless)."""

    __tablename__ = "whatsapp_refusals"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    wa_message_id: str = Field(default="", max_length=200, index=True)
    wa_id: str = Field(default="", max_length=32)
    code: str = Field(max_length=60, description="why, e.g. request.control_character")
    field: str | None = Field(default=None, max_length=60)
    detail: str = Field(default="", max_length=1000, description="the reason, in Bahasa")
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WhatsAppOutbound(SQLModel, table=True):
    """A reply or notification to a customer: queued in the transaction that causes it, sent
    afterwards by the background sender, its delivery followed through status callbacks."""

    __tablename__ = "whatsapp_outbound"
    __table_args__ = (sa.Index("ix_whatsapp_outbound_status_created_at", "status", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    dedupe_key: str = Field(max_length=200, unique=True, description="one message per event")
    to_wa_id: str = Field(max_length=32)
    kind: str = Field(max_length=40, description="order_received, on_the_way, ...")
    body: str = Field(max_length=4096)
    order_id: uuid.UUID | None = Field(
        default=None, foreign_key="orders.id", index=True, ondelete="CASCADE"
    )
    draft_id: uuid.UUID | None = Field(
        default=None, foreign_key="whatsapp_drafts.id", index=True, ondelete="SET NULL"
    )
    status: OutboundStatus = Field(
        default=OutboundStatus.QUEUED, sa_type=_enum_type(OutboundStatus)
    )
    wa_message_id: str | None = Field(default=None, max_length=200, unique=True)
    attempts: int = Field(default=0, ge=0)
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# --- the runner's phone ------------------------------------------------------------------


class RunnerAction(SQLModel, table=True):
    """One action a runner's phone sent (picked up, delivered, failed, a cash correction, a
    photo, a position), kept under the phone's idempotency key: the same key sent again gets
    the stored answer and changes nothing. ``id`` counts arrivals, so the rows read in the
    order the server took them. A cash correction keeps the amount before and after."""

    __tablename__ = "runner_actions"
    __table_args__ = (sa.UniqueConstraint("runner_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    runner_id: uuid.UUID = Field(foreign_key="runners.id", ondelete="CASCADE")
    key: str = Field(max_length=100)
    kind: str = Field(max_length=30)
    order_id: uuid.UUID | None = Field(
        default=None, foreign_key="orders.id", index=True, ondelete="CASCADE"
    )
    amount_rp: int | None = Field(default=None, description="delivered or corrected to")
    previous_rp: int | None = Field(default=None, description="a correction's old amount")
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description="phone clock")
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status_code: int = Field(description="the HTTP status answered")
    answer: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class DeliveryPhoto(SQLModel, table=True):
    """A proof-of-delivery photo: the file under the data folder (``path`` relative to it),
    its SHA-256 and size as checked when it arrived."""

    __tablename__ = "delivery_photos"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    order_id: uuid.UUID = Field(foreign_key="orders.id", index=True, ondelete="CASCADE")
    path: str = Field(max_length=300)
    sha256: str = Field(max_length=64)
    size_bytes: int
    content_type: str = Field(max_length=40)
    width: int
    height: int
    taken_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    by: str = Field(default="", max_length=120)


# --- The change feed -----------------------------------------------------------------------


class Change(SQLModel, table=True):
    """One change a live page should show: an order (or its lines, photos, a runner's action
    on it), a runner, a dispatch run, a market's plan, the market's or a seller's settings.
    Written in the transaction of the change itself (`dispatch.changes`), read by the
    console's live pages (Server-Sent Events) and by the kept reads' versions
    (`api.read_cache`); ``id`` grows with every change, so a page that lost its connection
    asks for what came after the last id it saw."""

    __tablename__ = "changes"
    __table_args__ = (
        sa.Index("ix_changes_market_id_id", "market_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    market_id: uuid.UUID = Field(foreign_key="markets.id", ondelete="CASCADE")
    service_date: date | None = Field(default=None, description="the market day it touches")
    kind: str = Field(max_length=20, description="order, runner, run, plan, market or seller")
    subject_id: uuid.UUID | None = Field(default=None, description="the order, runner or run")
    status: str = Field(default="", max_length=20, description="its status after the change")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
