"""Dependencies of the routes, as ``Annotated`` aliases (the FastAPI template's habit).

``SessionDep`` is one database session per request (routes commit what they change),
``PrincipalDep`` the caller behind the bearer token, ``OperatorDep`` the same caller when it
is an operator (403 otherwise), ``SettingsDep`` and ``EngineDep`` what `create_app` was
given, ``LangDep`` the language of messages.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Annotated, TypeVar

from anyio import CapacityLimiter, to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.errors import request_lang
from api.guard import gated
from api.planner import Planner
from dispatch.auth import Principal, Role, authenticate_with_markets
from dispatch.db import POOL_SIZE, read_only
from dispatch.errors import DomainError, Lang
from dispatch.settings import Settings

#: Threads for requests (FastAPI runs plain ``def`` routes and dependencies in them), and a
#: separate few for the work that queues for SQLite's writer turns (`write_session`, as in
#: the intake). Writers waiting their turn hold their thread; in threads of their own they can
#: never take them all from a request that holds SQLite's lock and needs a thread to finish
#: (as a sync route does to serialise its answer), which would stall both until the busy
#: timeout. Together they use every pooled connection, and no more.
WRITER_THREADS = 8
REQUEST_THREADS = POOL_SIZE - WRITER_THREADS


def set_up_threads(app: FastAPI) -> None:
    """Size the thread pools (in the lifespan: anyio's limiters belong to the event loop)."""
    to_thread.current_default_thread_limiter().total_tokens = REQUEST_THREADS
    app.state.writer_threads = CapacityLimiter(WRITER_THREADS)


async def in_writer_thread(request: Request, work: Callable[[], T]) -> T:
    """Run ``work`` in one of the writers' threads (see `WRITER_THREADS`)."""
    return await to_thread.run_sync(work, limiter=request.app.state.writer_threads)


T = TypeVar("T")

_bearer = HTTPBearer(
    auto_error=False,
    description="A token from `antar tokens create` (operator, or a market's coordinator).",
)


# Dependencies that only read app.state are ``async``: FastAPI runs a plain ``def`` dependency
# in the thread pool, a hop per dependency per request.
async def get_engine(request: Request) -> Engine:
    """The application's engine (made in the lifespan, or given to `create_app`)."""
    engine: Engine = request.app.state.engine
    return engine


async def get_settings(request: Request) -> Settings:
    """The application's settings."""
    settings: Settings = request.app.state.settings
    return settings


async def get_planner(request: Request) -> Planner:
    """The application's planner: where its plan work runs (`api.planner`)."""
    planner: Planner = request.app.state.planner
    return planner


EngineDep = Annotated[Engine, Depends(get_engine)]
PlannerDep = Annotated[Planner, Depends(get_planner)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


#: The requests whose session only reads.
READ_METHODS = frozenset({"GET", "HEAD"})


def get_session(request: Request, engine: EngineDep) -> Iterator[Session]:
    """One session for the request; what a route does not commit is rolled back.

    GET and HEAD requests only read: on SQLite their session begins a plain transaction
    (`read_only`), so page and list requests neither take nor wait for the write lock that
    every other session takes at its start."""
    bind = read_only(engine) if request.method in READ_METHODS else engine
    with Session(bind) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


CredentialsDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _bearer_token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or not credentials.credentials:
        raise DomainError("auth.required")
    return credentials.credentials


def _look_up(engine: Engine, token: str) -> tuple[Principal | None, dict[str, uuid.UUID]]:
    with read_only(engine).connect() as connection:
        return authenticate_with_markets(connection, token)


async def authenticate_bearer(request: Request) -> Principal:
    """The caller behind ``Authorization: Bearer TOKEN`` (401 without a valid token), found
    once per request with the markets it may act on (`markets_of`). A route's guard asks
    before the body is read (`api.guard`), so a caller without a valid token is refused
    without the server reading what it sends."""
    found = getattr(request.state, "principal", None)
    if isinstance(found, Principal):
        return found
    token = _bearer_token(await _bearer(request))
    principal, markets = await to_thread.run_sync(_look_up, request.app.state.engine, token)
    if principal is None:
        raise DomainError("auth.invalid")
    request.state.principal = principal
    request.state.markets = markets
    return principal


def markets_of(request: Request) -> dict[str, uuid.UUID]:
    """The markets the authenticated caller may act on, code to id (`authenticate_bearer`)."""
    markets: dict[str, uuid.UUID] = request.state.markets
    return markets


@gated(authenticate_bearer)
async def get_principal(request: Request, credentials: CredentialsDep) -> Principal:
    """The caller behind ``Authorization: Bearer TOKEN``; 401 without a valid token."""
    return await authenticate_bearer(request)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_operator(principal: PrincipalDep) -> Principal:
    """The caller, who must be an operator (403 for coordinators)."""
    if principal.role is not Role.OPERATOR:
        raise DomainError("auth.forbidden")
    return principal


OperatorDep = Annotated[Principal, Depends(require_operator)]
LangDep = Annotated[Lang, Depends(request_lang)]


def actor(principal: Principal) -> str:
    """How a change made by ``principal`` is recorded (``by``): role and token id."""
    return f"{principal.role.value} {principal.token_id.hex[:8]}"
