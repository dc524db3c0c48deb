"""Dispatch runs as jobs: submit (202), then poll the run's status, figures and plan."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from sqlmodel import col, select

from api.access import market_by_code, today
from api.deps import EngineDep, PrincipalDep, SessionDep, SettingsDep, actor
from api.fields import IsoDate
from api.guard import GuardedRoute
from api.jobs import RunJobs
from api.plans import market_plan_out
from api.schemas import (
    DispatchRunAccepted,
    DispatchRunIn,
    DispatchRunList,
    DispatchRunOut,
    DispatchRunSummary,
    ErrorResponse,
    RunMovedOut,
)
from dispatch.errors import DomainError
from dispatch.models import DispatchRun, DispatchRunMarket, Market, RunStatus
from dispatch.planning import create_run
from dispatch.plans import run_plan

router = APIRouter(prefix="/dispatch-runs", tags=["dispatch runs"], route_class=GuardedRoute)


@router.post(
    "",
    response_model=DispatchRunAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses={409: {"model": ErrorResponse, "description": "a market is being dispatched"}},
)
def submit_run(
    body: DispatchRunIn,
    request: Request,
    engine: EngineDep,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
) -> DispatchRunAccepted:
    """Queue a run for the markets (default: every market the caller may see) and start it
    in the background; poll ``GET /dispatch-runs/{id}`` until it is ``done`` or ``failed``."""
    codes = None if body.markets is None else [c.strip().lower() for c in body.markets]
    if principal.market_id is not None:
        own = session.get(Market, principal.market_id)
        assert own is not None
        own_code = own.code
        for code in codes or []:
            if code != own_code:  # another market's: as if it did not exist
                raise DomainError("dispatch.unknown_market", field="markets", params={"code": code})
        codes = [own_code]
    params = {
        "time_limit_s": body.time_limit_s,
        "seed": body.seed,
        "workers": 1,
        "executor": "local",
        "requested_by": actor(principal),
    }
    # End this request's transaction first: on SQLite it holds the write lock.
    session.rollback()
    run_id = create_run(
        engine, codes, body.date or today(settings), params, lease_s=settings.run_lease_s
    )
    jobs: RunJobs = request.app.state.jobs
    jobs.start(run_id)
    return DispatchRunAccepted(id=run_id, status=RunStatus.QUEUED)


@router.get("", response_model=DispatchRunList)
def list_runs(
    session: SessionDep,
    principal: PrincipalDep,
    market: Annotated[str | None, Query(max_length=200, description="market code")] = None,
    day: Annotated[IsoDate | None, Query(alias="date", description="market day")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> DispatchRunList:
    """The latest runs the caller may see, newest first (a coordinator: its market's)."""
    query = select(DispatchRun)
    market_id = principal.market_id
    if market is not None:
        market_id = market_by_code(session, principal, market).id
    if market_id is not None:
        query = query.join(
            DispatchRunMarket, col(DispatchRunMarket.run_id) == col(DispatchRun.id)
        ).where(DispatchRunMarket.market_id == market_id)
    if day is not None:
        query = query.where(DispatchRun.service_date == day)
    runs = session.exec(
        query.order_by(col(DispatchRun.created_at).desc(), col(DispatchRun.id)).limit(limit)
    ).all()
    data = []
    for run in runs:
        markets = sorted(m.code for m in run.markets if principal.market_id in (None, m.id))
        figures = [f for f in (run.figures or {}).get("markets", []) if f.get("market") in markets]
        data.append(
            DispatchRunSummary(
                id=run.id,
                service_date=run.service_date,
                status=run.status,
                markets=markets,
                created_at=run.created_at,
                finished_at=run.finished_at,
                routed=sum(int(f.get("routed", 0)) for f in figures),
                dropped=sum(int(f.get("dropped", 0)) for f in figures),
                error=run.error,
            )
        )
    return DispatchRunList(data=data, count=len(data))


@router.get("/{run_id}", response_model=DispatchRunOut)
def get_run(run_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> DispatchRunOut:
    """A run: status, figures, and (as markets finish) its routes and dropped orders."""
    run = session.get(DispatchRun, run_id)
    not_found = DomainError("dispatch.unknown_run", params={"id": str(run_id)})
    if run is None:
        raise not_found
    markets = sorted(run.markets, key=lambda m: m.code)
    figures: dict[str, Any] = dict(run.figures or {})
    if principal.market_id is not None:
        markets = [m for m in markets if m.id == principal.market_id]
        if not markets:
            raise not_found
        # A coordinator sees its own market's figures only.
        own = markets[0].code
        figures = {
            "markets": [f for f in figures.get("markets", []) if f.get("market") == own],
            "wall_s": figures.get("wall_s"),
        }
    plans = [market_plan_out(run_plan(session, market, run.id)) for market in markets]
    return DispatchRunOut(
        id=run.id,
        service_date=run.service_date,
        status=run.status,
        markets=[m.code for m in markets],
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        params=dict(run.params or {}),
        figures=figures,
        error=run.error,
        routes=[route for plan in plans for route in plan.routes],
        dropped=[dropped for plan in plans for dropped in plan.dropped],
        moved=[
            RunMovedOut.model_validate(m)
            for f in figures.get("markets", [])
            if f.get("market") in {m.code for m in markets}
            for m in f.get("moved", [])
            if isinstance(f.get("moved"), list)
        ],
    )
