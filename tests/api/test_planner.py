"""The planning processes beside the web worker (`api.planner`): orders posted at once are
each placed once, in a process of lower CPU priority; a planning process that dies is
replaced and no order is lost; a dispatch run runs in a process of its own, whose death
fails only that run; the coordinator's re-plans are solved there and their refusals come
back unchanged.

Real solves and a real forked process, through the API on the SQLite file (or PostgreSQL)
the tests' engine opens.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dispatch.models import DispatchRun
from tests.api.conftest import World
from tests.api.test_dispatch_runs import RUNS, poll
from tests.api.test_insertion import ORDERS, new_order, plan_of, planned_day, where
from tests.api.test_replan import FAST, orders_near_sawojajar, replan, runner_of


def post(client: TestClient, world: World, cells: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(ORDERS, json=cells, headers=world.auth(world.coordinator))
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


def insertion_runs(client: TestClient) -> int:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        runs = session.exec(select(DispatchRun)).all()
    return sum(run.params.get("kind") == "insert" for run in runs)


def test_orders_posted_at_once_are_each_placed_once_by_a_process_of_lower_priority(
    client: TestClient, world: World
) -> None:
    planned_day(client, world)
    before = insertion_runs(client)
    cells = [new_order(world, weight_kg="1") for _ in range(6)]
    with ThreadPoolExecutor(6) as pool:
        posted = list(pool.map(lambda c: post(client, world, c), cells))

    planner = client.app.state.planner  # type: ignore[attr-defined]
    assert planner.process_id not in (None, os.getpid())
    assert os.getpriority(os.PRIO_PROCESS, planner.process_id) > os.getpriority(os.PRIO_PROCESS, 0)
    plan = plan_of(client, world)
    for order in posted:
        assert order["placement"]["result"] == "inserted", order
        assert where(plan, order["id"]) == [order["placement"]["runner_id"]]
    # Orders handed over while the process worked went in together: never more runs than
    # orders, and each order's place is its own.
    assert 1 <= insertion_runs(client) - before <= len(posted)


def test_a_planning_process_that_dies_is_replaced_and_the_order_still_placed(
    client: TestClient, world: World
) -> None:
    planned_day(client, world)
    first = post(client, world, new_order(world, weight_kg="1"))
    planner = client.app.state.planner  # type: ignore[attr-defined]
    killed = planner.process_id
    os.kill(killed, signal.SIGKILL)

    second = post(client, world, new_order(world, weight_kg="1"))

    assert planner.process_id not in (None, killed)
    plan = plan_of(client, world)
    for order in (first, second):
        assert order["placement"]["result"] == "inserted", order
        assert where(plan, order["id"]) == [order["placement"]["runner_id"]]


def test_a_dispatch_run_runs_in_a_process_of_its_own_whose_death_fails_only_that_run(
    client: TestClient, world: World
) -> None:
    orders_near_sawojajar(client.app.state.engine, world, count=12)  # type: ignore[attr-defined]
    headers = world.auth(world.coordinator)
    body = {"markets": ["sawojajar"], "time_limit_s": 30, "date": world.day.isoformat()}
    accepted = client.post(RUNS, json=body, headers=headers)
    assert accepted.status_code == 202, accepted.text
    run_id = uuid.UUID(accepted.json()["id"])
    planner = client.app.state.planner  # type: ignore[attr-defined]
    deadline = time.monotonic() + 60
    while (pid := planner.run_process_id(run_id)) is None:
        assert time.monotonic() < deadline, "the run did not start"
        time.sleep(0.02)
    assert pid != os.getpid()
    assert os.getpriority(os.PRIO_PROCESS, pid) > os.getpriority(os.PRIO_PROCESS, 0)

    os.kill(pid, signal.SIGKILL)

    failed = poll(client, str(run_id), headers)
    assert failed["status"] == "failed"
    # The market is free at once (not only once the lease lapses), and nothing was half
    # stored: a run after it plans every order.
    body["time_limit_s"] = 0.5
    again = client.post(RUNS, json=body, headers=headers)
    assert again.status_code == 202, again.text
    done = poll(client, again.json()["id"], headers)
    assert done["status"] == "done", done["error"]
    assert (
        len({s["order_id"] for r in done["routes"] for s in r["stops"]}) + len(done["dropped"])
        == 12
    )


def test_a_coordinators_replans_are_solved_by_the_planning_process(
    client: TestClient, world: World
) -> None:
    """A re-plan and a move: their runs are held by the planning process (its pid in the
    lease), and a refusal raised there reaches the coordinator as if raised here."""
    orders = orders_near_sawojajar(client.app.state.engine, world, count=3)  # type: ignore[attr-defined]
    headers = world.auth(world.coordinator)
    planner = client.app.state.planner  # type: ignore[attr-defined]
    first = replan(client, world, world.coordinator).json()
    target = next(r for r in world.runners["sawojajar"] if r.name != runner_of(first, orders[0].id))
    moved = client.post(
        f"/api/v1/orders/{orders[0].id}/move",
        json={"runner_id": str(target.id), "time_limit_s": FAST},
        headers=headers,
    )
    assert moved.status_code == 200, moved.text

    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        owners = {
            run.id: run.lease_owner
            for run in session.exec(select(DispatchRun)).all()
            if str(run.id) in (first["run_id"], moved.json()["run_id"])
        }
    assert len(owners) == 2
    assert {owner.split(":")[1] for owner in owners.values() if owner} == {str(planner.process_id)}
    nothing = client.post(
        "/api/v1/markets/sawojajar/replan",
        json={"date": "2020-01-01", "time_limit_s": FAST},
        headers=headers,
    )
    assert nothing.status_code == 409, nothing.text
    assert nothing.json()["error"]["code"] == "replan.no_orders"
    assert "Tidak ada pesanan" in nothing.json()["error"]["message"]
