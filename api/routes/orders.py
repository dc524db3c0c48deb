"""Orders: intake (idempotent), listing, one order, cancel, and edits before pickup.

``POST /orders`` runs the same intake as the CSV import (`dispatch.validation.validate_order`
then `dispatch.intake.submit_order`), with the CSV's column names as JSON fields.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import date
from functools import partial
from typing import Annotated, Any, Final
from zoneinfo import ZoneInfo

from anyio import to_thread
from fastapi import APIRouter, Header, Query, Request, Response, status
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from api.access import today, visible_row, visible_version
from api.deps import (
    EngineDep,
    PlannerDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    actor,
    in_writer_thread,
    markets_of,
)
from api.fields import LINE_PATTERN, IsoDate
from api.guard import GuardedRoute
from api.planner import Planner
from api.read_cache import Answer, ReadCache, accepts_gzip, cached_response, reads_of
from api.schemas import (
    CancelIn,
    ErrorResponse,
    OrderIn,
    OrderItemOut,
    OrderList,
    OrderOut,
    OrderUpdateIn,
    PlacementOut,
)
from dispatch.actions import cancel_order, update_order
from dispatch.auth import Principal
from dispatch.changes import market_version
from dispatch.db import read_only, write_session
from dispatch.errors import DomainError
from dispatch.geo import geocoder_from_setting
from dispatch.intake import store_order_at_once, submit_order
from dispatch.models import Fulfilment, Market, Order, OrderItem, OrderStatus, Seller
from dispatch.planning import replan_if_planned
from dispatch.sellers import seller_refs
from dispatch.settings import Settings
from dispatch.validation import SellerRef, validate_order

router = APIRouter(prefix="/orders", tags=["orders"], route_class=GuardedRoute)

#: The answer when the order has gone past the point where this is allowed.
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "not allowed in the order's status"}
}


def order_out(order: Order, market_code: str) -> OrderOut:
    """An order as the API shows it (with its items and its seller's code)."""
    seller = order.seller.code if order.seller_id is not None and order.seller else None
    return OrderOut.model_validate(order, update={"market": market_code, "seller": seller})


def _order(session: Session, principal: Principal, order_id: uuid.UUID) -> Order:
    return visible_row(session, principal, Order, order_id, "order.not_found")


def _market_code(session: Session, order: Order) -> str:
    market = session.get(Market, order.market_id)
    assert market is not None
    return market.code


@router.post(
    "",
    response_model=OrderOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": OrderOut, "description": "a repeat: the order made the first time"},
        422: {"model": ErrorResponse, "description": "refused by the intake"},
    },
)
async def create_order(
    body: OrderIn,
    request: Request,
    response: Response,
    engine: EngineDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    planner: PlannerDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=100,
            pattern=LINE_PATTERN,
            description="the source's id for the order; wins over external_id",
        ),
    ] = None,
) -> OrderOut:
    """Take an order in; a repeat (same key in the same market) returns the first with 200."""
    raw = body.cells()
    if idempotency_key is not None and idempotency_key.strip():
        raw["external_id"] = idempotency_key.strip()
    # Intake is the API's busiest path: the validation and the store run in one trip to a
    # thread (each trip costs as much as the store itself), a writer's. The caller and its
    # markets were looked up before the body was read (`api.guard`).
    day = body.service_date or today(settings)
    markets = markets_of(request)
    out, created = await in_writer_thread(
        request, partial(_take_order, engine, settings, principal, markets, raw, day)
    )
    if not created:
        response.status_code = status.HTTP_200_OK
        return out
    # Committed: on a day with a plan, the order goes into it now (or waits for review).
    placed = await to_thread.run_sync(
        partial(planner.orders_arrived, [out.id], by=actor(principal))
    )
    if placed and placed[0].result != "no_plan":  # a day without a plan: as a repeat says
        out.placement = PlacementOut.model_validate(asdict(placed[0]))
    return out


def _take_order(
    engine: Engine,
    settings: Settings,
    principal: Principal,
    markets: dict[str, uuid.UUID],
    raw: dict[str, str | None],
    day: date,
) -> tuple[OrderOut, bool]:
    tz = ZoneInfo(settings.timezone)
    geocoder = geocoder_from_setting(settings.geocoder)
    if engine.dialect.name == "postgresql":
        # PostgreSQL takes concurrent writers itself, and its round trips are the intake's
        # cost: one statement to store.
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            with Session(bind=connection) as session:
                sellers = _named_sellers(session, raw)
            draft = validate_order(
                raw,
                day=day,
                tz=tz,
                known_markets=sorted(markets),
                geocoder=geocoder,
                sellers=sellers,
            )
            submitted = store_order_at_once(
                connection,
                draft,
                market_id=markets[draft.market_code],
                service_date=day,
                by=actor(principal),
                seller_id=sellers[draft.seller_code].id if draft.seller_code else None,
            )
            if submitted.row is None:
                with Session(bind=connection) as session:
                    order = session.get(Order, submitted.order_id)
                    assert order is not None
                    return order_out(order, draft.market_code), False
    else:
        # SQLite writers take turns: validation first, outside the write transaction, so
        # only the insert itself is spent holding the lock.
        with Session(read_only(engine)) as session:
            sellers = _named_sellers(session, raw)
        draft = validate_order(
            raw,
            day=day,
            tz=tz,
            known_markets=sorted(markets),
            geocoder=geocoder,
            sellers=sellers,
        )
        with write_session(engine) as session:
            submitted = submit_order(session, draft, service_date=day, by=actor(principal))
        if submitted.row is None:
            with Session(read_only(engine)) as session:
                order = session.get(Order, submitted.order_id)
                assert order is not None
                return order_out(order, draft.market_code), False
    out = OrderOut.model_validate(
        {
            **submitted.row,
            "market": draft.market_code,
            "seller": draft.seller_code,
            "items": submitted.items,
        }
    )
    return out, True


def _named_sellers(session: Session, raw: dict[str, str | None]) -> dict[str, SellerRef]:
    """The seller the order names, if any (looked up only then: intake is the hot path)."""
    code = (raw.get("seller") or "").strip()
    return seller_refs(session, [code]) if code else {}


#: The order list's kept answers: a client asks again with ``If-None-Match``.
LIST_HEADERS: Final = {"Cache-Control": "private, no-cache"}


@router.get(
    "",
    response_model=OrderList,
    responses={304: {"description": "not modified: the list is the one the client has"}},
)
async def list_orders(
    request: Request,
    principal: PrincipalDep,
    market: Annotated[str | None, Query(max_length=200, description="market code")] = None,
    order_status: Annotated[OrderStatus | None, Query(alias="status")] = None,
    day: Annotated[IsoDate | None, Query(alias="date", description="market day")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """Orders the caller may see, newest first; ``count`` is the total before paging. Its
    ``ETag`` changes with the markets listed (``If-None-Match``: 304 while nothing
    changed)."""
    query = OrderQuery(market, order_status, day, limit, offset)
    engine = request.app.state.engine
    gzip = accepts_gzip(request)
    work = partial(_list_answer, reads_of(request), engine, principal, query, compressed=gzip)
    answer = await to_thread.run_sync(work)
    return cached_response(request, answer, "application/json", LIST_HEADERS)


@dataclass(frozen=True)
class OrderQuery:
    """What `list_orders` was asked for."""

    market: str | None
    status: OrderStatus | None
    day: date | None
    limit: int
    offset: int


def _list_answer(
    reads: ReadCache, engine: Engine, principal: Principal, asked: OrderQuery, *, compressed: bool
) -> Answer:
    """The list's JSON, rendered once per version of the markets it lists
    (`api.read_cache`), in one read transaction."""
    with Session(read_only(engine)) as session:
        market_id = principal.market_id
        if asked.market is not None:
            market_id, version = visible_version(session, principal, asked.market)
        else:
            version = market_version(session, None if market_id is None else [market_id])
        key = ("orders", market_id, asked, version)
        render = partial(_order_list, session, market_id, asked)
        return reads.answer(key, render, compressed=compressed)


#: The orders' and lines' columns the list shows (read as plain rows: an ORM object per
#: order, line and seller was most of the list's time).
_LISTED = tuple(getattr(Order, name) for name in OrderOut.model_fields if name in Order.__table__.c)
_LINE = tuple(
    getattr(OrderItem, name) for name in OrderItemOut.model_fields if name in OrderItem.__table__.c
)


def _order_list(session: Session, market_id: uuid.UUID | None, asked: OrderQuery) -> bytes:
    conditions = []
    if market_id is not None:
        conditions.append(Order.market_id == market_id)
    if asked.status is not None:
        conditions.append(Order.status == asked.status)
    if asked.day is not None:
        conditions.append(Order.service_date == asked.day)
    count = session.exec(select(func.count()).select_from(Order).where(*conditions)).one()
    rows = session.exec(
        select(*_LISTED, Market.code)
        .join(Market, col(Market.id) == col(Order.market_id))
        .where(*conditions)
        .order_by(col(Order.created_at).desc(), col(Order.id))
        .offset(asked.offset)
        .limit(asked.limit)
    ).all()
    orders = [row._asdict() for row in rows]
    ids = [order["id"] for order in orders]
    lines: dict[uuid.UUID, list[dict[str, Any]]] = {}
    if ids:
        for line in session.exec(
            select(OrderItem.order_id, *_LINE).where(col(OrderItem.order_id).in_(ids))
        ).all():
            lines.setdefault(line.order_id, []).append(line._asdict())
    seller_ids = list({o["seller_id"] for o in orders if o["seller_id"] is not None})
    codes: dict[uuid.UUID, str] = {}
    if seller_ids:
        codes = dict(
            session.exec(select(Seller.id, Seller.code).where(col(Seller.id).in_(seller_ids))).all()
        )
    data = [
        order
        | {
            "market": order.pop("code"),
            "seller": None if order["seller_id"] is None else codes.get(order["seller_id"]),
            "items": lines.get(order["id"], []),
        }
        for order in orders
    ]
    return OrderList.model_validate({"data": data, "count": count}).model_dump_json().encode()


@router.get("/{order_id}", response_model=OrderOut)
def get_order(order_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> OrderOut:
    """One order with its items."""
    order = _order(session, principal, order_id)
    return order_out(order, _market_code(session, order))


def replan_after(
    session: Session, planner: Planner, settings: Settings, out: OrderOut, by: str
) -> None:
    """After a cancel or an edit, the order's day is planned again when it has a plan (the
    request's own transaction ended first: on SQLite it would hold the write lock)."""
    session.rollback()
    if out.fulfilment == Fulfilment.DELIVERY:
        planner.call(
            replan_if_planned,
            out.market_id,
            out.service_date,
            by=by,
            settings=settings,
            reason="order changed",
        )


@router.post("/{order_id}/cancel", response_model=OrderOut, responses=CONFLICT)
def cancel(
    order_id: uuid.UUID,
    session: SessionDep,
    principal: PrincipalDep,
    planner: PlannerDep,
    settings: SettingsDep,
    body: CancelIn | None = None,
) -> OrderOut:
    """Cancel an order before it is picked up (409 afterwards); its day is planned again
    when it has a plan."""
    _order(session, principal, order_id)
    order = cancel_order(session, order_id, by=actor(principal), reason=body.reason if body else "")
    session.commit()
    session.refresh(order)
    out = order_out(order, _market_code(session, order))
    replan_after(session, planner, settings, out, actor(principal))
    return out


@router.patch("/{order_id}", response_model=OrderOut, responses=CONFLICT)
def edit(
    order_id: uuid.UUID,
    body: OrderUpdateIn,
    session: SessionDep,
    principal: PrincipalDep,
    planner: PlannerDep,
    settings: SettingsDep,
) -> OrderOut:
    """Edit an order before it is picked up (409 afterwards); the intake's checks apply; its
    day is planned again when it has a plan."""
    _order(session, principal, order_id)
    for name, value in body.model_dump(exclude_unset=True).items():
        if value is None and name not in ("lat", "lon", "window_start", "window_end"):
            raise DomainError("request.required", field=name)
    order = update_order(session, order_id, body.as_update(), by=actor(principal))
    session.commit()
    session.refresh(order)
    out = order_out(order, _market_code(session, order))
    replan_after(session, planner, settings, out, actor(principal))
    return out
