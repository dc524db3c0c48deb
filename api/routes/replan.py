"""Re-planning mid-shift: move an order to another runner, pin it, lock a runner's sequence,
take a runner off shift, re-plan a market; and an order's history.

The work is `dispatch.planning`'s: each call reads, solves outside any transaction and writes
in a short one of its own, so these routes only check who may touch what (a coordinator its
own market: another market's order, runner or market answers 404 as if missing) in a short
read of their own, then hand over the engine. A re-plan answers with what moved, what was
dropped and why, and the market's routes as they now stand.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.access import market_by_code, today, visible_row
from api.deps import EngineDep, PlannerDep, PrincipalDep, SettingsDep, actor
from api.fields import Flag, IsoDate, number, text
from api.guard import GuardedRoute
from api.planner import Planner
from api.plans import market_plan_out
from api.schemas import ErrorResponse, MarketPlanOut, PlacementOut
from dispatch.auth import Principal
from dispatch.db import read_only
from dispatch.models import Market, Order, Runner
from dispatch.planning import (
    ReplanOutcome,
    accept_suggestion,
    lock_sequence,
    move_order,
    order_events,
    pin_order,
    replan_market,
    runner_off_shift,
    runner_on_shift,
)
from dispatch.plans import run_plan
from dispatch.settings import Settings

router = APIRouter(tags=["re-planning"], route_class=GuardedRoute)

#: The solver's time for one re-plan, in seconds: a coordinator waits for the answer.
MAX_TIME_LIMIT_S = 10.0
DEFAULT_TIME_LIMIT_S = 1.0

TimeLimit = Annotated[
    number(gt=0, le=MAX_TIME_LIMIT_S),
    Field(description="solver time, seconds (the request waits for it)"),
]

#: Answers a re-plan may give besides 200.
REFUSALS: dict[int | str, dict[str, object]] = {
    409: {
        "model": ErrorResponse,
        "description": "the order is past pickup, the runner off shift, the market is "
        "being dispatched, or the day has no orders",
    },
    422: {"model": ErrorResponse, "description": "the runner works at another market"},
}


# -- bodies and answers ------------------------------------------------------------------------


class MoveIn(BaseModel):
    """Move the order to this runner (it stays pinned there) and re-plan its market."""

    model_config = ConfigDict(extra="forbid")

    runner_id: uuid.UUID
    time_limit_s: TimeLimit = DEFAULT_TIME_LIMIT_S


class PinIn(BaseModel):
    """Keep the order on this runner in later re-plans; ``null`` lets it go anywhere again."""

    model_config = ConfigDict(extra="forbid")

    runner_id: uuid.UUID | None = Field(description="the runner, or null to unpin")


class LockIn(BaseModel):
    """Keep (or stop keeping) the order of the runner's stops in later re-plans."""

    model_config = ConfigDict(extra="forbid")

    locked: Flag
    date: IsoDate | None = Field(
        default=None, description="market day whose plan holds the stops; default today (WIB)"
    )


class OffShiftIn(BaseModel):
    """A runner going off (or back on) shift, and the market day re-planned for it."""

    model_config = ConfigDict(extra="forbid")

    date: IsoDate | None = Field(default=None, description="market day; default today (WIB)")
    time_limit_s: TimeLimit = DEFAULT_TIME_LIMIT_S


class ReplanIn(BaseModel):
    """Re-plan a market's day from where its runners are now."""

    model_config = ConfigDict(extra="forbid")

    date: IsoDate | None = Field(default=None, description="market day; default today (WIB)")
    time_limit_s: TimeLimit = DEFAULT_TIME_LIMIT_S
    reason: text(200) = Field(default="", description="why, for the orders' history")


class MovedOut(BaseModel):
    """An order that changed runner (``null``: it had none, or has none now)."""

    order_id: uuid.UUID
    external_id: str
    customer_name: str
    from_runner_id: uuid.UUID | None
    from_runner: str | None
    to_runner_id: uuid.UUID | None
    to_runner: str | None


class ReplanDroppedOut(BaseModel):
    """An order the re-plan could not place: it stays pending, and this is why."""

    order_id: uuid.UUID
    external_id: str
    customer_name: str
    reason_code: str = Field(examples=["exceeds_capacity"])
    reason: str


class ReplanOut(BaseModel):
    """What a re-plan did: the run holding the new routes, what moved, what was dropped, and
    the market's routes as they now stand (``null`` when nothing was planned)."""

    run_id: uuid.UUID | None
    moved: list[MovedOut]
    dropped: list[ReplanDroppedOut]
    plan: MarketPlanOut | None


class PinOut(BaseModel):
    order_id: uuid.UUID
    pinned_runner_id: uuid.UUID | None


class LockOut(BaseModel):
    runner_id: uuid.UUID
    sequence_locked: bool


class OrderEventOut(BaseModel):
    """One change to an order: when, who, what (``kind``) and in words (``detail``)."""

    at: dt.datetime
    by: str
    kind: str = Field(examples=["status", "moved", "pinned", "unpinned", "replanned"])
    detail: str


class OrderEventList(BaseModel):
    """An order's history, oldest first."""

    order_id: uuid.UUID
    data: list[OrderEventOut]
    count: int


# -- access ------------------------------------------------------------------------------------


def _visible_order(engine: Engine, principal: Principal, order_id: uuid.UUID) -> Order:
    with Session(read_only(engine), expire_on_commit=False) as session:
        return visible_row(session, principal, Order, order_id, "order.not_found")


def _visible_runner(engine: Engine, principal: Principal, runner_id: uuid.UUID) -> Runner:
    with Session(read_only(engine), expire_on_commit=False) as session:
        return visible_row(session, principal, Runner, runner_id, "runner.not_found")


def outcome_out(engine: Engine, market_id: uuid.UUID, outcome: ReplanOutcome) -> ReplanOut:
    """``outcome`` with the orders and runners it names, and ``market_id``'s routes now."""
    order_ids = {o for o, _, _ in outcome.moved} | {o for o, _, _ in outcome.dropped}
    with Session(read_only(engine)) as session:
        orders = {
            o.id: o for o in session.exec(select(Order).where(col(Order.id).in_(order_ids))).all()
        }
        names = dict(
            session.exec(select(Runner.id, Runner.name).where(Runner.market_id == market_id)).all()
        )
        market = session.get(Market, market_id)
        assert market is not None
        plan = (
            None
            if outcome.run_id is None
            else market_plan_out(run_plan(session, market, outcome.run_id))
        )

        def key(order_id: uuid.UUID) -> tuple[str, str]:
            order = orders.get(order_id)
            return ("", "") if order is None else (order.idempotency_key, order.customer_name)

        moved = [
            MovedOut(
                order_id=order_id,
                external_id=key(order_id)[0],
                customer_name=key(order_id)[1],
                from_runner_id=before,
                from_runner=None if before is None else names.get(before),
                to_runner_id=after,
                to_runner=None if after is None else names.get(after),
            )
            for order_id, before, after in outcome.moved
        ]
        dropped = [
            ReplanDroppedOut(
                order_id=order_id,
                external_id=key(order_id)[0],
                customer_name=key(order_id)[1],
                reason_code=code,
                reason=reason,
            )
            for order_id, code, reason in outcome.dropped
        ]
    return ReplanOut(run_id=outcome.run_id, moved=moved, dropped=dropped, plan=plan)


# -- routes ------------------------------------------------------------------------------------


@router.post("/orders/{order_id}/move", response_model=ReplanOut, responses=REFUSALS)
def move(
    order_id: uuid.UUID,
    body: MoveIn,
    engine: EngineDep,
    planner: PlannerDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> ReplanOut:
    """Move the order to another runner of its market (pinned there), then re-plan the market
    around it; 409 once the order is picked up."""
    order = _visible_order(engine, principal, order_id)
    _visible_runner(engine, principal, body.runner_id)
    outcome = planner.call(
        move_order,
        order_id,
        body.runner_id,
        by=actor(principal),
        settings=settings,
        time_limit_s=body.time_limit_s,
    )
    return outcome_out(engine, order.market_id, outcome)


@router.put("/orders/{order_id}/pin", response_model=PinOut)
def pin(order_id: uuid.UUID, body: PinIn, engine: EngineDep, principal: PrincipalDep) -> PinOut:
    """Pin the order to a runner of its market for later re-plans, or unpin it (``null``);
    nothing is re-planned now."""
    _visible_order(engine, principal, order_id)
    if body.runner_id is not None:
        _visible_runner(engine, principal, body.runner_id)
    pin_order(engine, order_id, body.runner_id, by=actor(principal))
    order = _visible_order(engine, principal, order_id)
    return PinOut(order_id=order.id, pinned_runner_id=order.pinned_runner_id)


@router.put(
    "/runners/{runner_id}/lock",
    response_model=LockOut,
    responses={
        409: {
            "model": ErrorResponse,
            "description": "the runner has no stops to keep in that day's plan",
        }
    },
)
def lock(
    runner_id: uuid.UUID,
    body: LockIn,
    engine: EngineDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> LockOut:
    """Lock (or unlock) the order of the runner's stops for later re-plans; nothing is
    re-planned now. 409 when the runner has no stops to keep in the day's plan."""
    _visible_runner(engine, principal, runner_id)
    lock_sequence(
        engine, runner_id, body.locked, by=actor(principal), day=body.date or today(settings)
    )
    runner = _visible_runner(engine, principal, runner_id)
    return LockOut(runner_id=runner.id, sequence_locked=runner.sequence_locked)


@router.post("/runners/{runner_id}/off-shift", response_model=ReplanOut, responses=REFUSALS)
def off_shift(
    runner_id: uuid.UUID,
    engine: EngineDep,
    planner: PlannerDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    body: Annotated[OffShiftIn | None, Body()] = None,
) -> ReplanOut:
    """The runner stops for the named day (default today, WIB): its orders not yet picked up
    go to the other runners (or are dropped with a reason) as that day's plan of its market
    is re-planned; what it carries stays with it until delivered or failed. Other days keep
    the runner (its standing ``status`` does not change)."""
    return _shift_change(runner_off_shift, runner_id, engine, planner, principal, settings, body)


@router.post("/runners/{runner_id}/on-shift", response_model=ReplanOut, responses=REFUSALS)
def on_shift(
    runner_id: uuid.UUID,
    engine: EngineDep,
    planner: PlannerDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    body: Annotated[OffShiftIn | None, Body()] = None,
) -> ReplanOut:
    """The runner is back on shift: the named day's plan (default today, WIB) of its market
    is re-planned with it."""
    return _shift_change(runner_on_shift, runner_id, engine, planner, principal, settings, body)


def _shift_change(
    change: Callable[..., ReplanOutcome],
    runner_id: uuid.UUID,
    engine: Engine,
    planner: Planner,
    principal: Principal,
    settings: Settings,
    body: OffShiftIn | None,
) -> ReplanOut:
    runner = _visible_runner(engine, principal, runner_id)
    body = body or OffShiftIn()
    outcome = planner.call(
        change,
        runner_id,
        day=body.date or today(settings),
        by=actor(principal),
        settings=settings,
        time_limit_s=body.time_limit_s,
    )
    return outcome_out(engine, runner.market_id, outcome)


@router.post("/markets/{code}/replan", response_model=ReplanOut, responses=REFUSALS)
def replan(
    code: str,
    engine: EngineDep,
    planner: PlannerDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    body: Annotated[ReplanIn | None, Body()] = None,
) -> ReplanOut:
    """Re-plan the market's day from where its runners are, keeping pins and locked
    sequences and changing as little as it can."""
    body = body or ReplanIn()
    with Session(read_only(engine)) as session:
        market_id = market_by_code(session, principal, code).id
    outcome = planner.call(
        replan_market,
        market_id,
        body.date or today(settings),
        by=actor(principal),
        settings=settings,
        reason=body.reason.strip() or "requested",
        time_limit_s=body.time_limit_s,
    )
    return outcome_out(engine, market_id, outcome)


@router.post("/orders/{order_id}/accept-insertion", response_model=PlacementOut, responses=REFUSALS)
def accept_insertion(
    order_id: uuid.UUID,
    engine: EngineDep,
    planner: PlannerDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> PlacementOut:
    """Accept the insertion of a new order that waits for review (a market on ``review``):
    it goes into the day's plan, where it fits best now. 409 ``insertion.not_waiting`` for an
    order that does not wait."""
    order = _visible_order(engine, principal, order_id)
    placed = planner.call(
        accept_suggestion, order.market_id, order_id, settings, by=actor(principal)
    )
    return PlacementOut.model_validate(asdict(placed))


@router.get("/orders/{order_id}/events", response_model=OrderEventList)
def events(order_id: uuid.UUID, engine: EngineDep, principal: PrincipalDep) -> OrderEventList:
    """The order's history, oldest first: status changes (``kind`` ``status``), moves, pins
    and what re-plans changed."""
    with Session(read_only(engine)) as session:
        visible_row(session, principal, Order, order_id, "order.not_found")
        data = [
            OrderEventOut(at=e.at, by=e.by, kind=e.kind, detail=e.detail)
            for e in order_events(session, order_id)
        ]
    return OrderEventList(order_id=order_id, data=data, count=len(data))
