"""Liveness (``/healthz``: the process answers) and readiness (``/readyz``: the database does)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import EngineDep, LangDep
from api.errors import domain_error_response
from api.guard import GuardedRoute
from api.schemas import ErrorResponse, Health
from dispatch.errors import DomainError

router = APIRouter(tags=["health"], route_class=GuardedRoute)


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    responses={503: {"model": ErrorResponse, "description": "the database is unreachable"}},
)
def readyz(engine: EngineDep, lang: LangDep) -> Health | JSONResponse:
    """The database answers ``SELECT 1``; 503 when it does not."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return domain_error_response(DomainError("service.unavailable"), lang)
    return Health(status="ok")
