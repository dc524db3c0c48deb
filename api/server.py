"""Serving the application with uvicorn (``antar serve``)."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from api.main import create_app, prepare
from dispatch.db import make_engine
from dispatch.settings import Settings, get_settings
from dispatch.signing import with_secret_key


def worker_app() -> FastAPI:
    """The application of one worker process of ``antar serve --workers N`` (settings from
    the environment; the parent has prepared the database)."""
    return create_app(prepare_database=False)


def run(
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: Settings | None = None,
    workers: int = 1,
) -> None:
    """Serve the API on ``host:port`` until interrupted (the database is upgraded first).

    With ``workers`` > 1, that many processes share the port (settings come from the
    environment, as ``antar`` reads them): Python runs one thread at a time per process, so
    on a machine with several cores order intake scales with the workers.
    """
    # The key is settled before any worker starts: a first start makes the key file once,
    # and every worker reads the same one.
    settings = with_secret_key(settings or get_settings())
    if workers <= 1:
        uvicorn.run(
            create_app(settings), host=host, port=port, log_level="info", proxy_headers=True
        )
        return
    engine = make_engine(settings.database_url)
    try:
        prepare(engine)
    finally:
        engine.dispose()
    uvicorn.run(
        "api.server:worker_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=True,
    )
