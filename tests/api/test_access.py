"""Who may do what: every endpoint against every kind of caller.

Callers present a bearer token (operator, a market's coordinator, another market's
coordinator, a bad token, none) or a runner link (the right runner's, another runner's, an
expired one, a tampered one). Bearer endpoints get every credential in the
``Authorization`` header; runner endpoints get it in the link's place in the path.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dispatch.models import DispatchRun, Order, OrderStatus
from tests.api.conftest import World
from tests.api.factories import add_order, add_plan, add_stop

CALLERS = (
    "none",
    "bad",
    "operator",
    "coordinator",
    "other_coordinator",
    "link",
    "other_link",
    "expired_link",
    "tampered_link",
)

_counter = itertools.count()


def tampered(link: str) -> str:
    """``link`` with one character of its signed payload changed."""
    k = 5
    return link[:k] + ("A" if link[k] != "A" else "B") + link[k + 1 :]


@dataclass
class Context:
    """What the endpoints' paths and bodies are made from."""

    engine: Engine
    world: World
    run: DispatchRun

    def order(self, status: OrderStatus | None = None) -> Order:
        """A fresh sawojajar order; on the first runner's route when ``status`` is given."""
        with Session(self.engine) as session:
            key = f"matrix-{next(_counter)}"
            order = add_order(session, self.world.markets["sawojajar"], key, self.world.day)
            if status is not None:
                add_stop(session, self.run, self.world.runner, order)
                order.status = status
                session.add(order)
                session.commit()
                session.refresh(order)
            return order


Maker = Callable[[Context, str], Any]
"""Makes a request body from the context and the caller's name."""


@dataclass(frozen=True)
class Endpoint:
    """An endpoint, how to call it, and the expected status per caller (others: ``default``)."""

    name: str
    method: str
    path: Callable[[Context, str], str]
    expected: dict[str, int]
    body: Maker | None = None
    link: bool = False
    default: int = field(default=0)

    def status_for(self, caller: str) -> int:
        """The status ``caller`` should get."""
        if caller in self.expected:
            return self.expected[caller]
        if self.default:
            return self.default
        if self.link:
            return {"expired_link": 410}.get(caller, 404)
        return 401


def _fixed(path: str) -> Callable[[Context, str], str]:
    return lambda _ctx, _link: path


def _order_body(ctx: Context, _caller: str) -> dict[str, Any]:
    return {
        "market": "sawojajar",
        "external_id": f"matrix-new-{next(_counter)}",
        "customer_name": "Ibu Wulan",
        "phone": "0812-3456-7890",
        "address": "Jl. Danau Toba 12, Sawojajar",
        "lat": -7.9712,
        "lon": 112.6655,
        "weight_kg": "1,5",
        "amount_rp": "125.000",
        "service_date": ctx.world.day.isoformat(),
    }


READ = {"operator": 200, "coordinator": 200, "other_coordinator": 404}
OPERATOR_WRITE_201 = {"operator": 201, "coordinator": 403, "other_coordinator": 403}
OPERATOR_WRITE_200 = {"operator": 200, "coordinator": 403, "other_coordinator": 403}
OWN_STOP = {"link": 200, "other_link": 404}
OWN_RUNNER = {"link": 200, "other_link": 200}


def _runner_id(ctx: Context) -> uuid.UUID:
    return ctx.world.runner.id


ENDPOINTS = [
    Endpoint("healthz", "GET", _fixed("/healthz"), {}, default=200),
    Endpoint("readyz", "GET", _fixed("/readyz"), {}, default=200),
    Endpoint("openapi", "GET", _fixed("/openapi.json"), {}, default=200),
    Endpoint(
        "list markets",
        "GET",
        _fixed("/api/v1/markets"),
        {"operator": 200, "coordinator": 200, "other_coordinator": 200},
    ),
    Endpoint("get market", "GET", _fixed("/api/v1/markets/sawojajar"), READ),
    Endpoint(
        "create market",
        "POST",
        _fixed("/api/v1/markets"),
        OPERATOR_WRITE_201,
        body=lambda _ctx, _caller: {
            "code": f"baru-{next(_counter)}",
            "name": "Pasar Baru",
            "lat": -7.98,
            "lon": 112.63,
        },
    ),
    Endpoint(
        "edit market",
        "PATCH",
        _fixed("/api/v1/markets/sawojajar"),
        OPERATOR_WRITE_200,
        body=lambda _ctx, _caller: {"address": "Jl. Raya Sawojajar"},
    ),
    Endpoint("list runners", "GET", _fixed("/api/v1/runners?market=sawojajar"), READ),
    Endpoint("get runner", "GET", lambda ctx, _: f"/api/v1/runners/{_runner_id(ctx)}", READ),
    Endpoint(
        "create runner",
        "POST",
        _fixed("/api/v1/runners"),
        OPERATOR_WRITE_201,
        body=lambda _ctx, _caller: {
            "market": "sawojajar",
            "name": "Dewi",
            "phone": "0813-1111-2222",
        },
    ),
    Endpoint(
        "edit runner",
        "PATCH",
        lambda ctx, _: f"/api/v1/runners/{_runner_id(ctx)}",
        OPERATOR_WRITE_200,
        body=lambda _ctx, _caller: {"capacity_g": 35000},
    ),
    Endpoint(
        "create order",
        "POST",
        _fixed("/api/v1/orders"),
        {"operator": 201, "coordinator": 201, "other_coordinator": 422},
        body=_order_body,
    ),
    Endpoint("list orders", "GET", _fixed("/api/v1/orders?market=sawojajar"), READ),
    Endpoint("get order", "GET", lambda ctx, _: f"/api/v1/orders/{ctx.order().id}", READ),
    Endpoint(
        "cancel order", "POST", lambda ctx, _: f"/api/v1/orders/{ctx.order().id}/cancel", READ
    ),
    Endpoint(
        "edit order",
        "PATCH",
        lambda ctx, _: f"/api/v1/orders/{ctx.order().id}",
        READ,
        body=lambda _ctx, _caller: {"notes": "pagar hijau"},
    ),
    Endpoint(
        "submit run",
        "POST",
        _fixed("/api/v1/dispatch-runs"),
        {"operator": 202, "coordinator": 202, "other_coordinator": 404},
        # The operator plans another market: two runs may not hold one market at once.
        body=lambda _ctx, caller: {
            "markets": ["mergan" if caller == "operator" else "sawojajar"],
            "time_limit_s": 0.2,
            "date": "2020-01-01",
        },
    ),
    Endpoint("list runs", "GET", _fixed("/api/v1/dispatch-runs?market=sawojajar"), READ),
    Endpoint("get run", "GET", lambda ctx, _: f"/api/v1/dispatch-runs/{ctx.run.id}", READ),
    Endpoint(
        "day routes",
        "GET",
        lambda ctx, _: f"/api/v1/routes?market=sawojajar&date={ctx.world.day}",
        READ,
    ),
    Endpoint(
        "runner route",
        "GET",
        lambda _ctx, link: f"/api/v1/runner/{link}/route",
        OWN_RUNNER,
        link=True,
    ),
    Endpoint(
        "picked up",
        "POST",
        lambda ctx, link: (
            f"/api/v1/runner/{link}/stops/{ctx.order(OrderStatus.ASSIGNED).id}/picked-up"
        ),
        OWN_STOP,
        link=True,
    ),
    Endpoint(
        "delivered",
        "POST",
        lambda ctx, link: (
            f"/api/v1/runner/{link}/stops/{ctx.order(OrderStatus.PICKED_UP).id}/delivered"
        ),
        OWN_STOP,
        body=lambda _ctx, _caller: {"collected_rp": 130000},
        link=True,
    ),
    Endpoint(
        "failed",
        "POST",
        lambda ctx, link: (
            f"/api/v1/runner/{link}/stops/{ctx.order(OrderStatus.PICKED_UP).id}/failed"
        ),
        OWN_STOP,
        body=lambda _ctx, _caller: {"reason": "not_at_home", "note": "rumah kosong"},
        link=True,
    ),
    Endpoint(
        "position",
        "POST",
        lambda _ctx, link: f"/api/v1/runner/{link}/position",
        OWN_RUNNER,
        body=lambda _ctx, _caller: {"lat": -7.97, "lon": 112.66},
        link=True,
    ),
]


def credential(world: World, caller: str) -> str | None:
    """What ``caller`` presents (``None``: nothing)."""
    return {
        "none": None,
        "bad": "antar_not-a-real-token",
        "operator": world.operator,
        "coordinator": world.coordinator,
        "other_coordinator": world.other_coordinator,
        "link": world.link,
        "other_link": world.other_link,
        "expired_link": world.expired_link,
        "tampered_link": tampered(world.link),
    }[caller]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_access_matrix(
    endpoint: Endpoint, client: TestClient, engine: Engine, world: World
) -> None:
    """Each caller gets the expected status, and every refusal has the error shape."""
    with Session(engine) as session:
        run = add_plan(session, world.markets["sawojajar"], world.day)
    ctx = Context(engine, world, run)
    wrong = []
    for caller in CALLERS:
        secret = credential(world, caller)
        headers = {}
        if endpoint.link:
            path = endpoint.path(ctx, secret or "-")
        else:
            path = endpoint.path(ctx, "")
            if secret is not None:
                headers["Authorization"] = f"Bearer {secret}"
        body = endpoint.body(ctx, caller) if endpoint.body else None
        answer = client.request(endpoint.method, path, headers=headers, json=body)
        expected = endpoint.status_for(caller)
        if answer.status_code != expected:
            wrong.append(f"{caller}: {answer.status_code} (wanted {expected}) {answer.text[:200]}")
        elif answer.status_code >= 400:
            error = answer.json()["error"]
            assert set(error) >= {"code", "message", "field"}, answer.text
    assert not wrong, "\n".join(wrong)
