"""A runner's actions through its signed route link (no token: the link is the key).

The link names the runner and the market day; it opens that runner's stops in the current
plan and lets it act on those stops only (another runner's order answers 404). An invalid or
tampered link answers 404, an expired one 410.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.deps import EngineDep, SessionDep, SettingsDep, in_writer_thread
from api.guard import GuardedRoute, gated
from api.plans import cash_out, trip_out
from api.routes.whatsapp import wake_whatsapp
from api.schemas import (
    DeliveredIn,
    ErrorResponse,
    FailedIn,
    ItemOut,
    LinkRunnerOut,
    PositionIn,
    PositionOut,
    RunnerRouteOut,
    RunnerStopOut,
)
from dispatch.actions import mark_delivered, mark_failed, mark_picked_up, report_position
from dispatch.auth import RunnerLink, verify_runner_link
from dispatch.db import read_only, write_session
from dispatch.errors import DomainError
from dispatch.models import Market, Order, Runner
from dispatch.plans import Cash, PlanStop, runner_route
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


def stop_out(stop: PlanStop, order: Order | None = None) -> RunnerStopOut:
    """A stop with what the runner needs at the door; with ``order``, its status and cash
    as they are now (after the runner's change)."""
    return RunnerStopOut(
        order_id=stop.order_id,
        external_id=stop.external_id,
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
    )


def _own_stop(session: Session, linked: LinkedRunner, order_id: uuid.UUID) -> PlanStop:
    route = runner_route(session, linked.runner, linked.link.service_date)
    stop = None if route is None else route.stop(order_id)
    if stop is None:
        raise DomainError("order.not_found", params={"id": str(order_id)})
    return stop


@router.get("/route", response_model=RunnerRouteOut)
def route(linked: LinkedRunnerDep, session: SessionDep) -> RunnerRouteOut:
    """The runner's stops of the day in visiting order (empty before dispatch)."""
    runner = linked.runner
    plan = runner_route(session, runner, linked.link.service_date)
    return RunnerRouteOut(
        runner=LinkRunnerOut(
            id=runner.id,
            name=runner.name,
            market=linked.market.code,
            shift_start=runner.shift_start,
            shift_end=runner.shift_end,
        ),
        service_date=linked.link.service_date,
        expires_at=linked.link.expires_at,
        stops=[] if plan is None else [stop_out(stop) for stop in plan.stops],
        distance_m=0 if plan is None else plan.distance_m,
        duration_s=0 if plan is None else plan.duration_s,
        starts_at=None if plan is None else plan.starts_at,
        ends_at=None if plan is None else plan.ends_at,
        trips=[] if plan is None else [trip_out(trip) for trip in plan.trips],
        cash=cash_out(Cash(0, 0, 0) if plan is None else plan.cash),
        cash_cap_rp=runner.cash_cap_rp,
        trips_over_cap=[] if plan is None else list(plan.trips_over_cap),
    )


async def _act(
    request: Request,
    linked: LinkedRunner,
    order_id: uuid.UUID,
    change: Callable[[Session], Order],
    *,
    notify: bool,
) -> RunnerStopOut:
    """``change`` to one of the runner's own stops, in a writer's thread; the stop as it is
    now. With ``notify`` the customer's WhatsApp update is queued and the sender woken."""
    engine, settings = request.app.state.engine, request.app.state.settings
    out, notified = await in_writer_thread(
        request, partial(_change_stop, engine, settings, linked, order_id, change, notify)
    )
    if notified:
        wake_whatsapp(request)
    return out


def _change_stop(
    engine: Engine,
    settings: Settings,
    linked: LinkedRunner,
    order_id: uuid.UUID,
    change: Callable[[Session], Order],
    notify: bool,
) -> tuple[RunnerStopOut, bool]:
    """`_act`'s work: a write transaction that begins and ends in this one thread call (see
    `api.deps.WRITER_THREADS`)."""
    with write_session(engine) as session:
        stop = _own_stop(session, linked, order_id)
        order = change(session)
        notified = notify and queue_order_update(session, order, settings)
        session.flush()
        return stop_out(stop, order), notified


@router.post("/stops/{order_id}/picked-up", response_model=RunnerStopOut)
async def picked_up(
    order_id: uuid.UUID,
    linked: LinkedRunnerDep,
    request: Request,
) -> RunnerStopOut:
    """The goods are bought and on the motorbike (a WhatsApp customer is told)."""

    def change(session: Session) -> Order:
        return mark_picked_up(session, order_id, by=linked.by)

    return await _act(request, linked, order_id, change, notify=True)


@router.post("/stops/{order_id}/delivered", response_model=RunnerStopOut)
async def delivered(
    order_id: uuid.UUID,
    body: DeliveredIn,
    linked: LinkedRunnerDep,
    request: Request,
) -> RunnerStopOut:
    """Handed over, with the cash actually collected (0 when paid beforehand)."""

    def change(session: Session) -> Order:
        return mark_delivered(session, order_id, collected_rp=body.collected_rp, by=linked.by)

    return await _act(request, linked, order_id, change, notify=True)


@router.post("/stops/{order_id}/failed", response_model=RunnerStopOut)
async def failed(
    order_id: uuid.UUID,
    body: FailedIn,
    linked: LinkedRunnerDep,
    request: Request,
) -> RunnerStopOut:
    """Not delivered, for a reason from the fixed list (and a note)."""

    def change(session: Session) -> Order:
        return mark_failed(session, order_id, reason=body.reason, note=body.note, by=linked.by)

    return await _act(request, linked, order_id, change, notify=False)


@router.post("/position", response_model=PositionOut)
async def position(
    body: PositionIn, linked: LinkedRunnerDep, engine: EngineDep, request: Request
) -> PositionOut:
    """The phone's position (``at`` defaults to now)."""
    at = body.at or datetime.now(UTC)

    def report() -> None:
        with write_session(engine) as session:
            report_position(session, linked.runner.id, lat=body.lat, lon=body.lon, at=at)

    await in_writer_thread(request, report)
    return PositionOut(runner_id=linked.runner.id, lat=body.lat, lon=body.lon, at=at)
