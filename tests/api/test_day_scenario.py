"""A market's day end to end, through the command line and the API on a real database file
(and PostgreSQL when set): orders, dispatch, a runner picking up and delivering, dispatch
again, a move off a locked runner, off shift from another day's page, and a dispatch killed
with SIGKILL followed by another within its lease and after it lapsed. After every step each
open order of the day is on exactly one runner's current route or unplanned with a reason."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dispatch.cli import main
from dispatch.models import (
    DispatchRun,
    DroppedOrder,
    Fulfilment,
    Market,
    Order,
    OrderStatus,
    Route,
    RouteStop,
    RunStatus,
)
from dispatch.plans import current_run_id
from dispatch.settings import Settings
from tests.api.conftest import World
from tests.dispatch.factories import order_fields

#: Seconds a run's lease lasts in this test (short: the test waits for one to lapse).
#: Long enough for the steps "within the lease" on a loaded machine (at 2 s, one run at load 8
#: saw the lease lapse before them).
LEASE_S = 6.0
#: Places around Pasar Sawojajar, inside the city.
NEAR = [(-7.9712, 112.6655), (-7.9781, 112.6590), (-7.9735, 112.6570), (-7.9790, 112.6650)]
OPEN = (OrderStatus.PENDING, OrderStatus.ASSIGNED, OrderStatus.PICKED_UP)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Settings:
    """The command line (in this process and in child processes) on the test database."""
    monkeypatch.setenv("ANTAR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ANTAR_SECRET_KEY", settings.secret_key or "")
    monkeypatch.setenv("ANTAR_RUN_LEASE_S", str(LEASE_S))
    return settings


def current_plan(
    engine: Engine, day: date
) -> tuple[dict[uuid.UUID, list[uuid.UUID]], set[uuid.UUID]]:
    """Sawojajar's current plan of ``day``: runner -> its orders in order, and the orders its
    run left unplanned (with a reason)."""
    with Session(engine) as session:
        market = session.exec(select(Market).where(Market.code == "sawojajar")).one()
        run_id = current_run_id(session, market, day)
        if run_id is None:
            return {}, set()
        rows = session.exec(
            select(Route.runner_id, RouteStop.order_id)
            .join(RouteStop, col(RouteStop.route_id) == col(Route.id))
            .where(Route.run_id == run_id)
            .where(Route.market_id == market.id)
            .order_by(col(RouteStop.sequence))
        ).all()
        dropped = set(
            session.exec(
                select(DroppedOrder.order_id)
                .where(DroppedOrder.run_id == run_id)
                .where(DroppedOrder.reason_code != "")
            ).all()
        )
        for route in session.exec(select(Route).where(Route.run_id == run_id)).all():
            stops = session.exec(
                select(RouteStop)
                .where(RouteStop.route_id == route.id)
                .order_by(col(RouteStop.sequence))
            ).all()
            if stops and stops[0].planned_arrival is not None:
                # The route's duration runs from its first departure to its last return: every
                # arrival falls inside it.
                began = stops[0].planned_arrival - timedelta(seconds=stops[0].duration_s)
                last = max(s.planned_arrival for s in stops if s.planned_arrival is not None)
                assert last <= began + timedelta(seconds=route.duration_s)
    plan: dict[uuid.UUID, list[uuid.UUID]] = {}
    for runner_id, order_id in rows:
        plan.setdefault(runner_id, []).append(order_id)
    return plan, dropped


def accounted(engine: Engine, day: date) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Checks every open delivery order of ``day`` is on exactly one route of the current plan
    or unplanned with a reason; an ``assigned`` or picked-up order is on a route; returns the
    plan."""
    plan, dropped = current_plan(engine, day)
    on_route = [o for orders in plan.values() for o in orders]
    assert len(on_route) == len(set(on_route)), "an order is on two routes"
    with Session(engine) as session:
        orders = session.exec(
            select(Order)
            .where(Order.service_date == day)
            .where(Order.fulfilment == Fulfilment.DELIVERY)
            .where(col(Order.status).in_(OPEN))
        ).all()
    for order in orders:
        placed = order.id in on_route
        if order.status in (OrderStatus.ASSIGNED, OrderStatus.PICKED_UP):
            assert placed, f"{order.idempotency_key} is {order.status.value} with no route"
        else:
            assert not placed, f"{order.idempotency_key} is pending on a route"
            assert order.id in dropped, f"{order.idempotency_key} is lost"
    return plan


def runner_of(plan: dict[uuid.UUID, list[uuid.UUID]], order_id: uuid.UUID) -> uuid.UUID | None:
    return next((r for r, orders in plan.items() if order_id in orders), None)


def post_orders(
    client: TestClient, world: World, day: date, prefix: str, count: int
) -> list[uuid.UUID]:
    ids = []
    for k in range(count):
        lat, lon = NEAR[k % len(NEAR)]
        body = order_fields(
            external_id=f"{prefix}-{k}",
            service_date=day.isoformat(),
            lat=f"{lat - 0.0005 * (k // len(NEAR)):.4f}",
            lon=f"{lon - 0.0005 * (k // len(NEAR)):.4f}",
            weight_kg="6",
        )
        del body["window_start"], body["window_end"]  # as soon as possible
        answer = client.post("/api/v1/orders", json=body, headers=world.auth(world.coordinator))
        assert answer.status_code == 201, answer.text
        ids.append(uuid.UUID(answer.json()["id"]))
    return ids


def runs(engine: Engine) -> dict[uuid.UUID, DispatchRun]:
    with Session(engine) as session:
        return {r.id: r for r in session.exec(select(DispatchRun)).all()}


def test_a_day_keeps_every_order_accounted_for(
    cli_env: Settings, client: TestClient, world: World, engine: Engine
) -> None:
    """Dispatch, the road, dispatch again, a move off a locked runner, off shift named by the
    page's day and a killed dispatch: no order is ever lost, doubled, or assigned unrouted."""
    day, auth = world.day, world.auth(world.coordinator)
    ids = post_orders(client, world, day, "scn", 14)
    dispatch = [
        "dispatch",
        "--market",
        "sawojajar",
        "--date",
        day.isoformat(),
        "--time-limit",
        "0.5",
    ]
    assert main(dispatch) == 0
    plan = accounted(engine, day)
    # The first runner (the one behind world.link) picks up two stops and delivers one.
    route = client.get(f"/api/v1/runner/{world.link}/route").json()
    mine = [uuid.UUID(s["order_id"]) for s in route["stops"]]
    assert mine == plan[world.runner.id]  # the runner's page reads the same plan
    assert len(mine) >= 2
    for order_id in mine[:2]:
        answer = client.post(f"/api/v1/runner/{world.link}/stops/{order_id}/picked-up")
        assert answer.status_code == 200, answer.text
    delivered = client.post(
        f"/api/v1/runner/{world.link}/stops/{mine[0]}/delivered", json={"collected_rp": 130_000}
    )
    assert delivered.status_code == 200, delivered.text
    # Dispatch again: the delivered stop stays first, the order on board stays with the runner.
    assert main(dispatch) == 0
    plan = accounted(engine, day)
    assert plan[world.runner.id][:2] == mine[:2]
    route = client.get(f"/api/v1/runner/{world.link}/route").json()
    assert [uuid.UUID(s["order_id"]) for s in route["stops"]] == plan[world.runner.id]
    # Lock a runner with stops to do, then move one of its orders to another runner.
    locked_runner = next(r for r in world.runners["sawojajar"][1:] if len(plan.get(r.id, [])) >= 2)
    target = next(r for r in world.runners["sawojajar"] if r.id not in (locked_runner.id,))
    lock = client.put(
        f"/api/v1/runners/{locked_runner.id}/lock",
        json={"locked": True, "date": day.isoformat()},
        headers=auth,
    )
    assert lock.status_code == 200, lock.text
    moving = plan[locked_runner.id][-1]
    sequence = [o for o in plan[locked_runner.id] if o != moving]
    moved = client.post(
        f"/api/v1/orders/{moving}/move",
        json={"runner_id": str(target.id), "time_limit_s": 0.5},
        headers=auth,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["dropped"] == [] or str(moving) not in {
        d["order_id"] for d in moved.json()["dropped"]
    }
    plan = accounted(engine, day)
    assert runner_of(plan, moving) == target.id
    assert [o for o in plan[locked_runner.id] if o in sequence] == sequence
    # Orders for the next day too; the first runner goes off shift from that day's page.
    later = day + timedelta(days=1)
    post_orders(client, world, later, "next", 6)
    assert main([*dispatch[:3], "--date", later.isoformat(), "--time-limit", "0.5"]) == 0
    accounted(engine, later)
    off = client.post(
        f"/api/v1/runners/{world.runner.id}/off-shift",
        json={"date": later.isoformat(), "time_limit_s": 0.5},
        headers=auth,
    )
    assert off.status_code == 200, off.text
    after = accounted(engine, later)
    assert not after.get(world.runner.id), "off shift but still planned that day"
    # A dispatch killed with SIGKILL mid-run holds the market only until its lease lapses.
    child = subprocess.Popen(
        [sys.executable, "-m", "dispatch.cli", *dispatch[:5], "--time-limit", "30"],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    before = set(runs(engine))
    deadline = time.monotonic() + 60
    while not any(
        r.status is RunStatus.RUNNING for k, r in runs(engine).items() if k not in before
    ):
        assert child.poll() is None, "the dispatch ended before it was killed"
        assert time.monotonic() < deadline, "the dispatch did not start"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=20)
    (killed,) = set(runs(engine)) - before
    accounted(engine, day)
    assert main(dispatch) == 2  # within the lease: the market is still held
    busy = client.post(
        "/api/v1/markets/sawojajar/replan", json={"date": day.isoformat()}, headers=auth
    )
    assert (busy.status_code, busy.json()["error"]["code"]) == (409, "dispatch.market_busy")
    assert "sedang di-dispatch" in busy.json()["error"]["message"]
    accounted(engine, day)
    # The lease lapses: no restart needed.
    lapses = runs(engine)[killed].lease_until
    assert lapses is not None
    time.sleep(max(0.0, (lapses - datetime.now(UTC)).total_seconds()) + 0.5)
    assert main(dispatch) == 0
    assert runs(engine)[killed].status is RunStatus.FAILED
    plan = accounted(engine, day)
    assert plan[world.runner.id][:2] == mine[:2]
    assert set(ids) >= {o for orders in plan.values() for o in orders}


def test_balancing_the_runners_day_is_a_market_setting_the_plan_follows(
    cli_env: Settings, client: TestClient, world: World, engine: Engine
) -> None:
    """On by default (weight 1); an operator turns it off or weighs it, a coordinator may
    not, a bad weight is refused in Bahasa; dispatch plans with the market's setting."""
    path, operator = "/api/v1/markets/sawojajar", world.auth(world.operator)
    assert client.get(path, headers=operator).json()["balance_work"] is True
    off = client.patch(path, json={"balance_work": False}, headers=operator)
    assert off.status_code == 200, off.text
    assert (off.json()["balance_work"], off.json()["balance_cost"]) == (False, 1)
    bad = client.patch(path, json={"balance_cost": -1}, headers=operator)
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "balance_cost")
    denied = client.patch(path, json={"balance_work": True}, headers=world.auth(world.coordinator))
    assert denied.status_code == 403
    post_orders(client, world, world.day, "bal", 4)
    dispatch = ["dispatch", "--market", "sawojajar", "--date", world.day.isoformat()]
    assert main([*dispatch, "--time-limit", "0.3"]) == 0
    assert client.patch(path, json={"balance_work": True, "balance_cost": 5}, headers=operator)
    assert main([*dispatch, "--time-limit", "0.3"]) == 0
    with Session(engine) as session:
        done = session.exec(select(DispatchRun).order_by(col(DispatchRun.created_at))).all()
    assert [r.figures["markets"][0]["balance_cost"] for r in done] == [0, 5]
