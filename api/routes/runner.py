"""A runner's actions through its signed route link (no token: the link is the key).

Every action may carry the phone's ``Idempotency-Key``: the phone keeps actions while it has
no signal and sends them, in order, when the signal returns, possibly more than once; the
server does each once and answers a repeated key with its first answer (a refusal too).

The link names the runner and the market day; it opens that runner's stops in the current
plan and lets it act on those stops only (another runner's order answers 404). An invalid or
tampered link answers 404, an expired one 410.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any, Final
from zoneinfo import ZoneInfo

from anyio import to_thread
from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from api.deps import EngineDep, SettingsDep, in_writer_thread
from api.errors import domain_error_response
from api.guard import GuardedRoute, gated
from api.lang import request_lang
from api.plans import cash_out, trip_out
from api.read_cache import Answer, ReadCache, accepts_gzip, cached_response, reads_of
from api.routes.whatsapp import wake_whatsapp
from api.schemas import (
    CashCorrectionIn,
    DeliveredIn,
    ErrorResponse,
    FailedIn,
    ItemOut,
    LinkRunnerOut,
    PositionIn,
    PositionOut,
    RunnerRouteOut,
    RunnerSellerOut,
    RunnerStopOut,
)
from dispatch.actions import (
    correct_cash,
    get_order,
    mark_delivered,
    mark_failed,
    mark_picked_up,
    report_position,
)
from dispatch.auth import RunnerLink, verify_runner_link
from dispatch.changes import owner_version
from dispatch.db import read_only, write_session
from dispatch.errors import DomainError
from dispatch.formats import Lang, clock
from dispatch.i18n import text
from dispatch.models import DeliveryPhoto, Market, Order, Runner, RunnerAction
from dispatch.photos import store_photo
from dispatch.plans import Cash, PlanStop, runner_route
from dispatch.runner_actions import KEY_PATTERN, check_key, record, recorded
from dispatch.settings import Settings
from dispatch.whatsapp.outbound import queue_order_update

router = APIRouter(
    prefix="/runner/{link}",
    tags=["runner"],
    route_class=GuardedRoute,
    responses={
        404: {"model": ErrorResponse, "description": "invalid link, or not this runner's stop"},
        409: {"model": ErrorResponse, "description": "not allowed in the stop's status"},
        410: {"model": ErrorResponse, "description": "the link has expired"},
    },
)


@dataclass(frozen=True)
class LinkedRunner:
    """The runner a valid link opens, and the day it is for."""

    runner: Runner
    market: Market
    link: RunnerLink

    @property
    def by(self) -> str:
        """How the runner's changes are recorded."""
        return f"runner {self.runner.name}"


async def check_link(request: Request) -> RunnerLink:
    """The link of the request's path, checked (signature and expiry: no database) before
    the body is read (``link.invalid`` 404, ``link.expired`` 410); once per request."""
    found = getattr(request.state, "runner_link", None)
    if isinstance(found, RunnerLink):
        return found
    link = str(request.path_params.get("link", ""))
    verified = verify_runner_link(link, request.app.state.settings)
    request.state.runner_link = verified
    return verified


def linked_runner(session: Session, link: str | RunnerLink, settings: Settings) -> LinkedRunner:
    """The runner behind a valid link (``link.invalid`` 404, ``link.expired`` 410)."""
    verified = link if isinstance(link, RunnerLink) else verify_runner_link(link, settings)
    runner = session.get(Runner, verified.runner_id)
    if runner is None:
        raise DomainError("link.invalid")
    market = session.get(Market, runner.market_id)
    assert market is not None
    return LinkedRunner(runner, market, verified)


@gated(check_link)
def get_linked_runner(
    request: Request,
    link: Annotated[str, Path(max_length=400, description="the signed route link token")],
    engine: EngineDep,
    settings: SettingsDep,
) -> LinkedRunner:
    """`linked_runner` in a short read of its own: the actions write in a transaction of
    their own, which must not be open while the request waits for a thread."""
    verified = getattr(request.state, "runner_link", None)
    with Session(read_only(engine), expire_on_commit=False) as session:
        return linked_runner(session, verified or link, settings)


LinkedRunnerDep = Annotated[LinkedRunner, Depends(get_linked_runner)]


def stop_out(
    stop: PlanStop,
    order: Order | None = None,
    *,
    photos: int = 0,
    corrections: int = 0,
    whatsapp_text: str = "",
) -> RunnerStopOut:
    """A stop with what the runner needs at the door; with ``order``, its status and cash
    as they are now (after the runner's change)."""
    seller = stop.seller
    return RunnerStopOut(
        order_id=stop.order_id,
        external_id=stop.external_id,
        kind=stop.kind.value,
        seller=None
        if seller is None
        else RunnerSellerOut(
            code=seller.code,
            name=seller.name,
            phone=seller.phone,
            address=seller.address,
            lat=seller.lat,
            lon=seller.lon,
        ),
        sequence=stop.sequence,
        trip=stop.trip,
        planned_arrival=stop.planned_arrival,
        status=stop.status if order is None else order.status,
        customer_name=stop.customer_name,
        phone=stop.phone,
        address=stop.address,
        lat=stop.lat,
        lon=stop.lon,
        location_approximate=stop.location_approximate,
        items=[ItemOut(name=i.name, quantity=i.quantity, unit=i.unit) for i in stop.items],
        weight_g=stop.weight_g,
        payment=stop.payment.value,
        cash_to_collect_rp=stop.cod_rp,
        collected_rp=stop.collected_rp if order is None else order.collected_rp,
        failure_reason=stop.failure_reason if order is None else order.failure_reason,
        window_start=stop.window_start,
        window_end=stop.window_end,
        notes=stop.notes,
        recipient_name=stop.recipient_name if order is None else order.recipient_name,
        photos=photos,
        cash_corrections=corrections,
        whatsapp_text=whatsapp_text,
    )


def greeting(order: PlanStop, runner_name: str, arrival: str) -> str:
    """The runner's WhatsApp text to the customer: in Bahasa Indonesia, whatever the page
    speaks, and without an empty name ("Halo , saya")."""
    name = order.customer_name.strip()
    first = runner_name.split()[0] if runner_name.split() else runner_name
    if name:
        return text("wa.to_customer", "id", customer=name, runner=first, arrival=arrival)
    return text("wa.to_customer_no_name", "id", runner=first, arrival=arrival)


def seller_greeting(stop: PlanStop, runner_name: str, arrival: str) -> str:
    """The runner's WhatsApp text to the seller of a pickup, in Bahasa Indonesia."""
    assert stop.seller is not None
    first = runner_name.split()[0] if runner_name.split() else runner_name
    return text(
        "wa.to_seller", "id", seller=stop.seller.name, runner=first, arrival=arrival,
        order=stop.external_id,
    )  # fmt: skip


def _pickup_out(stop: PlanStop, runner_name: str, tz: ZoneInfo) -> RunnerStopOut:
    """A visit at a seller: the seller's name, place and phone; the goods to collect; no cash."""
    assert stop.seller is not None
    arrival = clock(stop.planned_arrival, tz, "id")
    out = stop_out(stop, whatsapp_text=seller_greeting(stop, runner_name, arrival))
    return out.model_copy(
        update={
            "customer_name": stop.seller.name,
            "phone": stop.seller.phone,
            "address": stop.seller.address,
            "lat": stop.seller.lat,
            "lon": stop.seller.lon,
            "location_approximate": False,
            "cash_to_collect_rp": 0,
            "collected_rp": None,
        }
    )


def _counts(
    session: Session, order_ids: list[uuid.UUID]
) -> tuple[Counter[uuid.UUID], Counter[uuid.UUID]]:
    """Photos and accepted cash corrections per order."""
    if not order_ids:
        return Counter(), Counter()
    photos = Counter(
        session.exec(
            select(DeliveryPhoto.order_id).where(col(DeliveryPhoto.order_id).in_(order_ids))
        ).all()
    )
    corrections = Counter(
        order_id
        for order_id in session.exec(
            select(RunnerAction.order_id)
            .where(col(RunnerAction.order_id).in_(order_ids))
            .where(RunnerAction.kind == CASH_CORRECTED)
            .where(col(RunnerAction.status_code) < 300)
        ).all()
        if order_id is not None
    )
    return photos, corrections


def _own_stop(session: Session, linked: LinkedRunner, order_id: uuid.UUID) -> PlanStop:
    route = runner_route(session, linked.runner, linked.link.service_date)
    stop = None if route is None else route.stop(order_id)
    if stop is None:
        raise DomainError("order.not_found", params={"id": str(order_id)})
    return stop


@gated(check_link)
async def get_link(
    request: Request,
    link: Annotated[str, Path(max_length=400, description="the signed route link token")],
) -> RunnerLink:
    """The request's link, checked (no database: `check_link`)."""
    return await check_link(request)


#: Kept answers of the route's JSON: the phone asks again with ``If-None-Match``.
ROUTE_HEADERS: Final = {"Cache-Control": "private, no-cache"}


@router.get(
    "/route",
    response_model=RunnerRouteOut,
    responses={304: {"description": "not modified: the route is the one the phone has"}},
)
async def route(request: Request, verified: Annotated[RunnerLink, Depends(get_link)]) -> Response:
    """The runner's stops of the day in visiting order (empty before dispatch), its trips
    with their shopping lists and weights, and whether deliveries need a photo. Its
    ``ETag`` changes with the market (``If-None-Match``: 304 while nothing changed)."""
    state = request.app.state
    work = partial(
        route_answer, reads_of(request), state.engine, state.settings, verified,
        compressed=accepts_gzip(request),
    )  # fmt: skip
    answer = await to_thread.run_sync(work)
    return cached_response(request, answer, "application/json", ROUTE_HEADERS)


def route_answer(
    reads: ReadCache, engine: Engine, settings: Settings, link: RunnerLink, *, compressed: bool
) -> Answer:
    """The route's JSON for ``link``, rendered once per version of the runner's market
    (`api.read_cache`), in one read transaction."""
    with Session(read_only(engine)) as session:
        found = owner_version(session, Runner.id, link.runner_id)
        if found is None:
            raise DomainError("link.invalid")
        # the time zone: the greetings' clock times (the rest is the runner's market's)
        key = (
            "runner_route", link.runner_id, link.service_date, link.expires_at,
            settings.timezone, found[1],
        )  # fmt: skip

        def render() -> bytes:
            linked = linked_runner(session, link, settings)
            return route_out(session, linked, settings).model_dump_json().encode()

        return reads.answer(key, render, compressed=compressed)


def route_out(session: Session, linked: LinkedRunner, settings: Settings) -> RunnerRouteOut:
    """What the runner's phone shows (the route's JSON, and the data its page starts from),
    from the plan's read model: stops, trips with their shopping lists, cash, and whether
    deliveries need a photo."""
    runner = linked.runner
    plan = runner_route(session, runner, linked.link.service_date)
    stops = () if plan is None else plan.stops
    tz = ZoneInfo(settings.timezone)
    photos, corrections = _counts(session, [stop.order_id for stop in stops])
    return RunnerRouteOut(
        runner=LinkRunnerOut(
            id=runner.id,
            name=runner.name,
            market=linked.market.code,
            shift_start=runner.shift_start,
            shift_end=runner.shift_end,
            capacity_g=runner.capacity_g,
        ),
        service_date=linked.link.service_date,
        expires_at=linked.link.expires_at,
        photo_required=linked.market.photo_required,
        stops=[
            stop_out(
                stop,
                photos=photos[stop.order_id],
                corrections=corrections[stop.order_id],
                whatsapp_text=greeting(stop, runner.name, clock(stop.planned_arrival, tz, "id")),
            )
            for stop in stops
        ],
        distance_m=0 if plan is None else plan.distance_m,
        duration_s=0 if plan is None else plan.duration_s,
        starts_at=None if plan is None else plan.starts_at,
        ends_at=None if plan is None else plan.ends_at,
        pickups=[]
        if plan is None
        else [_pickup_out(p, runner.name, tz) for p in plan.pickups if p.seller is not None],
        trips=[] if plan is None else [trip_out(trip) for trip in plan.trips],
        cash=cash_out(Cash(0, 0, 0) if plan is None else plan.cash),
        cash_cap_rp=runner.cash_cap_rp,
        trips_over_cap=[] if plan is None else list(plan.trips_over_cap),
    )


IdempotencyKeyDep = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=100,
        pattern=KEY_PATTERN.pattern,
        description="the phone's key for this action: sent again, the action is not repeated "
        "and the first answer comes back",
    ),
]

#: The kind of a recorded cash correction (`dispatch.models.RunnerAction.kind`).
CASH_CORRECTED = "cash_corrected"

Change = Callable[[Session], tuple[Order, int | None, int | None]]
"""An action on one stop: the order as it is now, the amount recorded and the one before."""


@dataclass(frozen=True)
class _Answer:
    status: int
    body: dict[str, Any]
    notified: bool = False


async def _act(
    request: Request,
    linked: LinkedRunner,
    order_id: uuid.UUID,
    kind: str,
    key: str | None,
    change: Change,
    *,
    notify: bool,
) -> JSONResponse:
    """``change`` to one of the runner's own stops, once per idempotency ``key``, in a
    writer's thread; the stop as it is now (or the refusal), the same for a repeated key.
    With ``notify`` the customer's WhatsApp update is queued and the sender woken."""
    engine, settings = request.app.state.engine, request.app.state.settings
    action_key = check_key(key) if key is not None else f"server-{uuid.uuid4()}"
    work = partial(
        _change_stop, engine, settings, linked, order_id, kind, action_key, change, notify,
        request_lang(request),
    )  # fmt: skip
    try:
        answer = await in_writer_thread(request, work)
    except IntegrityError:  # the same key, sent twice at once: the other one won
        answer = await in_writer_thread(request, partial(_replay, engine, linked, action_key))
    if answer.notified:
        wake_whatsapp(request)
    return JSONResponse(answer.body, status_code=answer.status)


def _replay(engine: Engine, linked: LinkedRunner, key: str) -> _Answer:
    with Session(read_only(engine)) as session:
        done = recorded(session, linked.runner.id, key)
        if done is None:
            raise DomainError("runner.idempotency_key", field="Idempotency-Key")
        return _Answer(done.status_code, done.answer)


def _change_stop(
    engine: Engine,
    settings: Settings,
    linked: LinkedRunner,
    order_id: uuid.UUID,
    kind: str,
    key: str,
    change: Change,
    notify: bool,
    lang: Lang,
) -> _Answer:
    """`_act`'s work: a write transaction that begins and ends in this one thread call (see
    `api.deps.WRITER_THREADS`). A refusal is kept under its key as well."""
    with write_session(engine) as session:
        done = recorded(session, linked.runner.id, key)
        if done is not None:
            return _Answer(done.status_code, done.answer)
        amount: int | None = None
        previous: int | None = None
        notified = False
        try:
            with session.begin_nested():
                stop = _own_stop(session, linked, order_id)
                order, amount, previous = change(session)
                notified = notify and queue_order_update(session, order, settings)
                session.flush()
                photos, corrections = _counts(session, [order.id])
                # a correction being recorded counts already in its own answer
                corrected = corrections[order.id] + (kind == CASH_CORRECTED)
                out = stop_out(stop, order, photos=photos[order.id], corrections=corrected)
            status, body = 200, out.model_dump(mode="json")
        except DomainError as error:
            refusal = domain_error_response(error, lang)
            status, body = refusal.status_code, json.loads(bytes(refusal.body))
            notified = False
        stored = session.get(Order, order_id) is not None
        record(
            session,
            runner_id=linked.runner.id,
            key=key,
            kind=kind,
            order_id=order_id if stored else None,
            amount_rp=amount if status < 300 else None,
            previous_rp=previous if status < 300 else None,
            status_code=status,
            answer=body,
        )
        return _Answer(status, body, notified)


_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"model": RunnerStopOut, "description": "the stop as it is now (also for a repeated key)"}
}


@router.post("/stops/{order_id}/picked-up", response_model=RunnerStopOut, responses=_ANSWERS)
async def picked_up(
    order_id: uuid.UUID,
    linked: LinkedRunnerDep,
    request: Request,
    key: IdempotencyKeyDep = None,
) -> JSONResponse:
    """The goods are bought and on the motorbike (a WhatsApp customer is told)."""

    def change(session: Session) -> tuple[Order, int | None, int | None]:
        return mark_picked_up(session, order_id, by=linked.by), None, None

    return await _act(request, linked, order_id, "picked_up", key, change, notify=True)


@router.post("/stops/{order_id}/delivered", response_model=RunnerStopOut, responses=_ANSWERS)
async def delivered(
    order_id: uuid.UUID,
    body: DeliveredIn,
    linked: LinkedRunnerDep,
    request: Request,
    key: IdempotencyKeyDep = None,
) -> JSONResponse:
    """Handed over, with the cash actually collected (any whole rupiah; 0 when paid
    beforehand) and, if told, who took the goods."""

    def change(session: Session) -> tuple[Order, int | None, int | None]:
        order = mark_delivered(
            session,
            order_id,
            collected_rp=body.collected_rp,
            by=linked.by,
            recipient_name=body.recipient_name,
        )
        return order, body.collected_rp, None

    return await _act(request, linked, order_id, "delivered", key, change, notify=True)


@router.post("/stops/{order_id}/cash", response_model=RunnerStopOut, responses=_ANSWERS)
async def cash_correction(
    order_id: uuid.UUID,
    body: CashCorrectionIn,
    linked: LinkedRunnerDep,
    request: Request,
    key: IdempotencyKeyDep = None,
) -> JSONResponse:
    """Correct the cash recorded for a delivered stop during the shift: kept as a correction
    with the old and the new amount, never as a second delivery."""

    def change(session: Session) -> tuple[Order, int | None, int | None]:
        order, previous = correct_cash(
            session, order_id, collected_rp=body.collected_rp, by=linked.by
        )
        return order, body.collected_rp, previous

    return await _act(request, linked, order_id, CASH_CORRECTED, key, change, notify=False)


@router.post("/stops/{order_id}/failed", response_model=RunnerStopOut, responses=_ANSWERS)
async def failed(
    order_id: uuid.UUID,
    body: FailedIn,
    linked: LinkedRunnerDep,
    request: Request,
    key: IdempotencyKeyDep = None,
) -> JSONResponse:
    """Not delivered, for a reason from the fixed list (and a note)."""

    def change(session: Session) -> tuple[Order, int | None, int | None]:
        order = mark_failed(session, order_id, reason=body.reason, note=body.note, by=linked.by)
        return order, None, None

    return await _act(request, linked, order_id, "failed", key, change, notify=False)


@router.post(
    "/stops/{order_id}/photo",
    response_model=RunnerStopOut,
    responses=_ANSWERS
    | {
        413: {"model": ErrorResponse, "description": "a photo over the limit"},
        422: {"model": ErrorResponse, "description": "not a JPEG, PNG or WebP picture"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}}
                for t in ("image/jpeg", "image/png", "image/webp")
            },
        }
    },
)
async def photo(
    order_id: uuid.UUID,
    linked: LinkedRunnerDep,
    request: Request,
    key: IdempotencyKeyDep = None,
) -> JSONResponse:
    """A proof-of-delivery photo, the picture itself as the body (JPEG, PNG or WebP, at
    most `dispatch.photos.PHOTO_MAX_BYTES`), kept under the data folder."""
    data = await request.body()
    settings = request.app.state.settings

    def change(session: Session) -> tuple[Order, int | None, int | None]:
        store_photo(session, settings, order_id, data, by=linked.by)
        return get_order(session, order_id), None, None

    return await _act(request, linked, order_id, "photo", key, change, notify=False)


@router.post("/position", response_model=PositionOut)
async def position(
    body: PositionIn,
    linked: LinkedRunnerDep,
    engine: EngineDep,
    request: Request,
    key: IdempotencyKeyDep = None,
) -> PositionOut:
    """The phone's position (``at`` defaults to now); a repeated key is taken once."""
    at = body.at or datetime.now(UTC)
    action_key = check_key(key) if key is not None else None

    def report() -> None:
        with write_session(engine) as session:
            if action_key is not None:
                if recorded(session, linked.runner.id, action_key) is not None:
                    return
                record(
                    session,
                    runner_id=linked.runner.id,
                    key=action_key,
                    kind="position",
                    done_at=at,
                    status_code=200,
                    answer={"lat": body.lat, "lon": body.lon},
                )
            report_position(session, linked.runner.id, lat=body.lat, lon=body.lon, at=at)

    with suppress(IntegrityError):  # the same report, sent twice at once: taken once
        await in_writer_thread(request, report)
    return PositionOut(runner_id=linked.runner.id, lat=body.lat, lon=body.lon, at=at)
