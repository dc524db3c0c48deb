"""Runners: operators and their market's coordinator read; operators create and edit."""

from __future__ import annotations

import uuid
from datetime import time
from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlmodel import Session, col, select

from api.access import market_by_code, visible_row
from api.deps import OperatorDep, PrincipalDep, SessionDep, SettingsDep
from api.guard import GuardedRoute
from api.schemas import RunnerCreateIn, RunnerList, RunnerOut, RunnerUpdateIn
from dispatch.auth import Principal
from dispatch.errors import DomainError
from dispatch.models import Market, Runner, RunnerPublic
from dispatch.phones import normalise_phone

router = APIRouter(prefix="/runners", tags=["runners"], route_class=GuardedRoute)


def runner_out(runner: Runner, market_code: str) -> RunnerOut:
    """A runner as the API shows it."""
    return RunnerOut(**RunnerPublic.model_validate(runner).model_dump(), market=market_code)


def _runner(session: Session, principal: Principal, runner_id: uuid.UUID) -> Runner:
    return visible_row(session, principal, Runner, runner_id, "runner.not_found")


def _check_shift(start: time, end: time) -> None:
    if end <= start:
        raise DomainError(
            "runner.invalid_shift",
            field="shift_end",
            params={"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"},
        )


@router.get("", response_model=RunnerList)
def list_runners(
    session: SessionDep,
    principal: PrincipalDep,
    market: Annotated[str | None, Query(max_length=200, description="market code")] = None,
) -> RunnerList:
    """Runners of every market the caller may see, or of one market."""
    query = select(Runner, Market.code).join(Market, col(Market.id) == col(Runner.market_id))
    if market is not None:
        query = query.where(Runner.market_id == market_by_code(session, principal, market).id)
    elif principal.market_id is not None:
        query = query.where(Runner.market_id == principal.market_id)
    rows = session.exec(query.order_by(col(Market.code), col(Runner.name))).all()
    data = [runner_out(runner, code) for runner, code in rows]
    return RunnerList(data=data, count=len(data))


@router.get("/{runner_id}", response_model=RunnerOut)
def get_runner(runner_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> RunnerOut:
    """One runner."""
    runner = _runner(session, principal, runner_id)
    return runner_out(runner, runner.market.code)


@router.post("", response_model=RunnerOut, status_code=status.HTTP_201_CREATED)
def create_runner(
    body: RunnerCreateIn, session: SessionDep, principal: OperatorDep, settings: SettingsDep
) -> RunnerOut:
    """A new runner of a market (operators only); unset load, cash cap and shift come from
    the settings."""
    market = market_by_code(session, principal, body.market)
    runner = Runner(
        market_id=market.id,
        name=body.name,
        phone=normalise_phone(body.phone),
        capacity_g=body.capacity_g or settings.runner_capacity_g,
        cash_cap_rp=(settings.runner_cash_cap_rp if body.cash_cap_rp is None else body.cash_cap_rp),
        max_orders_per_trip=body.max_orders_per_trip or settings.runner_max_orders_per_trip,
        shift_start=body.shift_start or settings.runner_shift_start,
        shift_end=body.shift_end or settings.runner_shift_end,
        status=body.status,
    )
    _check_shift(runner.shift_start, runner.shift_end)
    session.add(runner)
    session.commit()
    session.refresh(runner)
    return runner_out(runner, market.code)


@router.patch("/{runner_id}", response_model=RunnerOut)
def update_runner(
    runner_id: uuid.UUID, body: RunnerUpdateIn, session: SessionDep, principal: OperatorDep
) -> RunnerOut:
    """Change a runner (operators only); ``max_orders_per_trip: null`` lifts the limit."""
    runner = _runner(session, principal, runner_id)
    changes = body.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None and name != "max_orders_per_trip":
            raise DomainError("request.required", field=name)
    if "phone" in changes:
        changes["phone"] = normalise_phone(changes["phone"])
    _check_shift(
        changes.get("shift_start", runner.shift_start), changes.get("shift_end", runner.shift_end)
    )
    runner.sqlmodel_update(changes)
    session.add(runner)
    session.commit()
    session.refresh(runner)
    return runner_out(runner, runner.market.code)
