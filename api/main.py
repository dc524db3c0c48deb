"""The FastAPI application: `create_app` builds it; nothing happens at import time.

On start the lifespan makes the engine (unless one was given), upgrades the database and
marks runs that a stopped server left queued or running as failed; on stop it waits a while
for dispatch runs in progress and disposes of the engine it made.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from sqlalchemy.engine import Engine

from api import console, pages, tracking
from api.deps import set_up_threads
from api.errors import install_error_handlers
from api.headers import DOCS_CDN, SecurityHeaders, content_security_policy
from api.jobs import RunJobs
from api.planner import Planner
from api.read_cache import ReadCache
from api.routes import (
    dispatch_runs,
    drafts,
    health,
    markets,
    orders,
    replan,
    reports,
    routes,
    runner,
    runners,
    sellers,
    whatsapp,
)
from api.schemas import ErrorResponse
from dispatch.changes import prune_changes
from dispatch.db import make_engine, upgrade
from dispatch.planning import fail_lapsed_runs
from dispatch.settings import Settings, get_settings
from dispatch.signing import with_secret_key
from dispatch.whatsapp.worker import WhatsAppWorker

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"

#: How long shutdown waits for dispatch runs still executing, in seconds.
SHUTDOWN_WAIT_S = 30.0

DESCRIPTION = """\
Runner dispatch for the traditional markets of Kota Malang.

Operators and market coordinators call with `Authorization: Bearer TOKEN`
(`antar tokens create`); coordinators see their own market only. Runners act through their
signed route link (`/api/v1/runner/{link}/...`). Every 4xx answer is
`{"error": {"code", "message", "field"}}`, in Bahasa Indonesia unless `Accept-Language: en`.
"""


def prepare(engine: Engine) -> None:
    """Upgrade the database, drop old entries of the live pages' change feed, and mark
    failed the runs whose lease lapsed (their process stopped); a run whose lease is alive
    belongs to a live process and is left alone."""
    upgrade(engine)
    prune_changes(engine)  # the live pages' change feed keeps two days
    failed = fail_lapsed_runs(engine)
    if failed:
        log.warning("%d dispatch runs had stopped (their lease lapsed): marked failed", failed)


def docs_router(app: FastAPI) -> APIRouter:
    """``/docs``: Swagger UI (from its CDN, `DOCS_CDN`) on ``/openapi.json``."""
    router = APIRouter(include_in_schema=False)

    @router.get("/docs")
    def swagger(request: Request) -> HTMLResponse:
        page = get_swagger_ui_html(openapi_url=app.openapi_url or "", title=f"{app.title} API")
        policy = content_security_policy(
            request.app.state.settings,
            scripts=[page.body.decode()],
            script_hosts=[DOCS_CDN],
            style_hosts=[DOCS_CDN],
            image_hosts=["https://fastapi.tiangolo.com"],
        )
        page.headers["Content-Security-Policy"] = policy
        return page

    return router


def create_app(
    settings: Settings | None = None,
    engine: Engine | None = None,
    *,
    prepare_database: bool = True,
) -> FastAPI:
    """The application for ``settings`` (read from the environment when not given), on
    ``engine`` (made from ``settings.database_url`` at start when not given).

    At start it upgrades the database and marks runs a restart interrupted as failed, unless
    ``prepare_database`` is false: the workers of ``antar serve --workers N`` leave that to
    the parent, which does it once before they start (a worker restarted later must not fail
    the runs its siblings are executing)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        set_up_threads(app)
        own_engine = engine is None
        # The signing key: ANTAR_SECRET_KEY, or the one kept in the data folder (made now on
        # a first start); a published or too short key stops the start here.
        keyed = await run_in_threadpool(with_secret_key, settings)
        app.state.settings = keyed
        active = make_engine(keyed.database_url) if engine is None else engine
        if prepare_database:
            await run_in_threadpool(prepare, active)
        planner = Planner(active, keyed)
        jobs = RunJobs(active, planner)
        planner.start()
        app.state.engine = active
        app.state.jobs = jobs
        app.state.planner = planner
        app.state.whatsapp = WhatsAppWorker(active, keyed, arrived=planner.orders_arrived)
        await run_in_threadpool(app.state.whatsapp.start)
        try:
            yield
        finally:
            if not await run_in_threadpool(app.state.whatsapp.stop, SHUTDOWN_WAIT_S):
                log.warning("the WhatsApp worker was still busy at shutdown")
            if not await run_in_threadpool(jobs.join, SHUTDOWN_WAIT_S):
                log.warning("dispatch runs still executing at shutdown are left to fail")
            await run_in_threadpool(planner.close)
            if own_engine:
                active.dispose()

    app = FastAPI(
        title="Pasar Antar",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served below, with a policy of its own
        redoc_url=None,
        responses={
            400: {"model": ErrorResponse, "description": "the request body could not be read"},
            401: {"model": ErrorResponse, "description": "no token, or not a valid one"},
            403: {"model": ErrorResponse, "description": "not allowed for this role"},
            404: {"model": ErrorResponse, "description": "not found (or another market's)"},
            422: {"model": ErrorResponse, "description": "the request was refused"},
        },
    )
    app.state.settings = settings
    # This worker's rendered reads (`api.read_cache`), and the console board's rows
    # (`api.console.routes.board_rows`: many small ones), a third of the bytes.
    kept = settings.read_cache_mib * 1024 * 1024
    app.state.reads = ReadCache(max_bytes=kept * 2 // 3)
    app.state.board_rows = ReadCache(max_entries=8192, max_bytes=kept // 3)
    install_error_handlers(app)
    app.include_router(health.router)
    v1 = APIRouter(prefix=API_PREFIX)
    for module in (
        markets,
        runners,
        sellers,
        orders,
        dispatch_runs,
        routes,
        runner,
        reports,
        whatsapp,
        drafts,
        replan,
    ):
        v1.include_router(module.router)
    app.include_router(v1)
    app.include_router(pages.router)
    app.include_router(console.router)
    app.include_router(tracking.router)
    pages.mount_static(app)
    app.include_router(docs_router(app))
    app.add_middleware(SecurityHeaders)
    # Leaflet is 161 KB raw, 46 KB compressed: a runner's first open stays light on mobile data.
    # Level 6 (zlib's default), not Starlette's 9: a busy console page (300 orders, ~600 KB)
    # compresses in a third of the time to within a few per cent of the size.
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)
    return app
