"""Serving the application with uvicorn (``antar serve``)."""

from __future__ import annotations

import uvicorn

from api.main import create_app
from dispatch.settings import Settings, get_settings


def run(host: str = "127.0.0.1", port: int = 8000, settings: Settings | None = None) -> None:
    """Serve the API on ``host:port`` until interrupted (the database is upgraded first)."""
    app = create_app(settings or get_settings())
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=True)
