"""End to end over real HTTP: uvicorn on a free loopback port, clients in threads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx2 as httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from dispatch.models import Order
from tests.api.conftest import World
from tests.api.test_orders import order_body
from tests.serving import serving


@pytest.fixture
def base_url(app: FastAPI, world: World) -> Iterator[str]:
    """The application served by uvicorn in a thread; stopped afterwards."""
    with serving(app) as base:
        yield base


def test_server_answers_over_http(base_url: str, world: World) -> None:
    """Health, readiness, the OpenAPI document and an authenticated call over a socket."""
    with httpx.Client(base_url=base_url, timeout=10) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        assert http.get("/readyz").status_code == 200
        assert http.get("/openapi.json").json()["info"]["title"] == "Pasar Antar"
        assert http.get("/docs").status_code == 200
        markets = http.get("/api/v1/markets", headers=world.auth(world.operator))
        assert markets.json()["count"] == 6


def test_concurrent_duplicates_make_one_order(base_url: str, world: World, engine: Engine) -> None:
    """Twelve clients sending the same order at once: one 201, the rest 200, one order."""
    headers = world.auth(world.coordinator) | {"Idempotency-Key": "wa-race-1"}
    body = order_body(world)
    start = threading.Barrier(12)

    def submit(_: int) -> tuple[int, str]:
        with httpx.Client(base_url=base_url, timeout=30) as http:
            start.wait()
            answer = http.post("/api/v1/orders", json=body, headers=headers)
            return answer.status_code, answer.json()["id"]

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(submit, range(12)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 11 + [201]
    assert len({order_id for _, order_id in results}) == 1
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Order)).one() == 1
