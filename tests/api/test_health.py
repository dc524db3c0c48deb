"""Liveness and readiness."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dispatch.db import make_engine


def test_health_and_ready(client: TestClient) -> None:
    """The process and the database both answer."""
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok"}


def test_not_ready_without_a_database(client: TestClient) -> None:
    """/readyz answers 503 service.unavailable when the database does not answer."""
    app = client.app
    working = app.state.engine  # type: ignore[attr-defined]
    unreachable = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    app.state.engine = unreachable  # type: ignore[attr-defined]
    try:
        answer = client.get("/readyz")
    finally:
        app.state.engine = working  # type: ignore[attr-defined]
        unreachable.dispose()
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "service.unavailable"
    assert client.get("/healthz").status_code == 200
