"""Runners: operators and their market's coordinator read; operators create and edit."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from sqlmodel import Session, col, select

from api.access import market_by_code, visible_row
from api.deps import OperatorDep, PrincipalDep, SessionDep, SettingsDep
from api.guard import GuardedRoute
from api.schemas import ErrorResponse, RunnerCreateIn, RunnerList, RunnerOut, RunnerUpdateIn
from dispatch import fleet
from dispatch.auth import Principal
from dispatch.fleet import RunnerInput, add_runner
from dispatch.models import Market, Runner, RunnerPublic

router = APIRouter(prefix="/runners", tags=["runners"], route_class=GuardedRoute)


def runner_out(runner: Runner, market_code: str) -> RunnerOut:
    """A runner as the API shows it."""
    return RunnerOut(**RunnerPublic.model_validate(runner).model_dump(), market=market_code)


def _runner(session: Session, principal: Principal, runner_id: uuid.UUID) -> Runner:
    return visible_row(session, principal, Runner, runner_id, "runner.not_found")


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


#: A phone another runner of the market has already.
PHONE_TAKEN: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "the market has a runner with that phone"}
}


@router.post(
    "", response_model=RunnerOut, status_code=status.HTTP_201_CREATED, responses=PHONE_TAKEN
)
def create_runner(
    body: RunnerCreateIn, session: SessionDep, principal: OperatorDep, settings: SettingsDep
) -> RunnerOut:
    """A new runner of a market (operators only); unset load, cash cap and shift come from
    the settings; its phone must be new in its market (`dispatch.fleet`)."""
    market = market_by_code(session, principal, body.market)
    runner = add_runner(session, RunnerInput(**body.model_dump()), settings=settings, market=market)
    session.commit()
    session.refresh(runner)
    return runner_out(runner, market.code)


@router.patch("/{runner_id}", response_model=RunnerOut, responses=PHONE_TAKEN)
def update_runner(
    runner_id: uuid.UUID, body: RunnerUpdateIn, session: SessionDep, principal: OperatorDep
) -> RunnerOut:
    """Change a runner (operators only); ``max_orders_per_trip: null`` lifts the limit."""
    runner = _runner(session, principal, runner_id)
    fleet.update_runner(session, runner, body.model_dump(exclude_unset=True))
    session.commit()
    session.refresh(runner)
    return runner_out(runner, runner.market.code)
