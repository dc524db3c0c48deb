"""The planning process beside the web worker (`api.planner`): orders posted at once are each
placed once, in a process of lower CPU priority; a planning process that dies is replaced
and no order is lost.

Real solves and a real forked process, through the API on the SQLite file (or PostgreSQL)
the tests' engine opens.
"""

from __future__ import annotations

import os
import signal
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from dispatch.models import DispatchRun
from tests.api.conftest import World
from tests.api.test_insertion import ORDERS, new_order, plan_of, planned_day, where


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
