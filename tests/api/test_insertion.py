"""New orders on a day that already has a plan (issue 15, item 2), through the API: inserted
into the plan (auto), or waiting for review with a suggestion that one call accepts; an
order that arrives while a run holds the market is neither lost nor doubled.

Real solves (OR-Tools, the seeded sawojajar runners), orders for tomorrow so every runner
starts at the market at its shift start whatever the hour the tests run.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dispatch.models import Order, OrderStatus
from dispatch.planning import create_run, execute_run
from dispatch.settings import Settings
from tests.api.conftest import World
from tests.api.test_replan import orders_near_sawojajar, replan
from tests.dispatch.factories import order_fields

ORDERS = "/api/v1/orders"
_keys = itertools.count()


def new_order(world: World, **fields: Any) -> dict[str, Any]:
    """A sawojajar delivery for the planned day (tomorrow) with no window."""
    cells = order_fields(
        external_id=f"baru-{next(_keys)}", service_date=world.day.isoformat(), **fields
    )
    del cells["window_start"], cells["window_end"]
    return cells


def planned_day(client: TestClient, world: World) -> None:
    """Tomorrow's sawojajar plan, made by a re-plan of three orders."""
    orders_near_sawojajar(client.app.state.engine, world, count=3)  # type: ignore[attr-defined]
    answer = replan(client, world, world.operator)
    assert answer.status_code == 200, answer.text


def plan_of(client: TestClient, world: World) -> dict[str, Any]:
    answer = client.get(
        "/api/v1/routes",
        params={"market": "sawojajar", "date": world.day.isoformat()},
        headers=world.auth(world.operator),
    )
    assert answer.status_code == 200, answer.text
    (market,) = answer.json()["markets"]
    return market  # type: ignore[no-any-return]


def where(plan: dict[str, Any], order_id: str) -> list[str]:
    """The runners whose route holds ``order_id`` and "unplanned" for each unplanned entry."""
    found = [
        route["runner_id"]
        for route in plan["routes"]
        for stop in route["stops"]
        if stop["order_id"] == order_id
    ]
    return found + ["unplanned" for d in plan["dropped"] if d["order_id"] == order_id]


def test_an_order_posted_on_a_planned_day_goes_onto_a_route(
    client: TestClient, world: World
) -> None:
    planned_day(client, world)
    before = plan_of(client, world)
    answer = client.post(ORDERS, json=new_order(world), headers=world.auth(world.coordinator))
    assert answer.status_code == 201, answer.text
    placement = answer.json()["placement"]
    assert placement["result"] == "inserted"
    order_id = answer.json()["id"]
    after = plan_of(client, world)
    assert where(after, order_id) == [placement["runner_id"]]
    assert after["run_id"] != before["run_id"]  # a run of the pipeline stored it
    # Nothing else lost or doubled: every order the plan held before it still holds once.
    for route in before["routes"]:
        for stop in route["stops"]:
            assert len(where(after, stop["order_id"])) == 1


def test_an_order_no_runner_can_take_is_unplanned_with_a_reason(
    client: TestClient, world: World
) -> None:
    planned_day(client, world)
    heavy = new_order(world, weight_kg="45", items="beras 45 kg")
    answer = client.post(ORDERS, json=heavy, headers=world.auth(world.operator))
    assert answer.status_code == 201, answer.text
    assert answer.json()["placement"]["result"] == "unplanned"
    assert answer.json()["placement"]["reason_code"] == "exceeds_capacity"
    (entry,) = [
        d for d in plan_of(client, world)["dropped"] if d["order_id"] == answer.json()["id"]
    ]
    assert entry["reason_code"] == "exceeds_capacity"


def test_an_order_before_any_plan_waits_for_the_first_dispatch(
    client: TestClient, world: World, engine: Engine
) -> None:
    answer = client.post(ORDERS, json=new_order(world), headers=world.auth(world.operator))
    assert answer.json()["placement"] is None
    with Session(engine) as session:
        order = session.get(Order, uuid.UUID(answer.json()["id"]))
        assert order is not None
        assert order.status is OrderStatus.PENDING


def test_review_shows_the_suggestion_and_accept_inserts_it(
    client: TestClient, world: World
) -> None:
    planned_day(client, world)
    switched = client.patch(
        "/api/v1/markets/sawojajar",
        json={"insertion": "review"},
        headers=world.auth(world.operator),
    )
    assert switched.status_code == 200, switched.text
    assert switched.json()["insertion"] == "review"
    before = plan_of(client, world)
    answer = client.post(ORDERS, json=new_order(world), headers=world.auth(world.coordinator))
    placement = answer.json()["placement"]
    assert placement["result"] == "review"
    assert placement["runner_id"] is not None
    assert placement["position"] >= 1
    order_id = answer.json()["id"]
    waiting = plan_of(client, world)
    assert waiting["run_id"] == before["run_id"]  # nothing stored but the suggestion
    (entry,) = [d for d in waiting["dropped"] if d["order_id"] == order_id]
    assert entry["reason_code"] == "awaiting_review"
    assert entry["suggested_runner_id"] == placement["runner_id"]
    assert entry["suggested_position"] == placement["position"]

    accepted = client.post(
        f"{ORDERS}/{order_id}/accept-insertion", headers=world.auth(world.coordinator)
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["result"] == "inserted"
    assert where(plan_of(client, world), order_id) == [accepted.json()["runner_id"]]

    again = client.post(
        f"{ORDERS}/{order_id}/accept-insertion", headers=world.auth(world.coordinator)
    )
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "insertion.not_waiting"
    assert error["message"].startswith("Pesanan ini tidak sedang menunggu persetujuan")


def test_accept_of_another_markets_order_is_not_found(client: TestClient, world: World) -> None:
    planned_day(client, world)
    client.patch(
        "/api/v1/markets/sawojajar",
        json={"insertion": "review"},
        headers=world.auth(world.operator),
    )
    answer = client.post(ORDERS, json=new_order(world), headers=world.auth(world.operator))
    order_id = answer.json()["id"]
    other = client.post(
        f"{ORDERS}/{order_id}/accept-insertion", headers=world.auth(world.other_coordinator)
    )
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "order.not_found"
    assert other.json()["error"]["message"] == "Pesanan tidak ditemukan."
    # Still waiting: the refusal changed nothing.
    (entry,) = [d for d in plan_of(client, world)["dropped"] if d["order_id"] == order_id]
    assert entry["reason_code"] == "awaiting_review"


def test_back_to_auto_inserts_what_waited(client: TestClient, world: World) -> None:
    planned_day(client, world)
    headers = world.auth(world.operator)
    client.patch("/api/v1/markets/sawojajar", json={"insertion": "review"}, headers=headers)
    order_id = client.post(ORDERS, json=new_order(world), headers=headers).json()["id"]
    client.patch("/api/v1/markets/sawojajar", json={"insertion": "auto"}, headers=headers)
    found = where(plan_of(client, world), order_id)
    assert found
    assert found != ["unplanned"]


def test_an_unknown_insertion_mode_is_refused_in_bahasa(client: TestClient, world: World) -> None:
    answer = client.patch(
        "/api/v1/markets/sawojajar",
        json={"insertion": "kadang"},
        headers=world.auth(world.operator),
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "insertion"


def test_an_order_during_a_dispatch_waits_and_goes_in_when_it_ends(
    client: TestClient, world: World, engine: Engine, settings: Settings
) -> None:
    """The run holding the market has read the day before the order came: the order stays
    pending, listed unplanned ("waiting_plan"), and that run inserts it when it ends."""
    planned_day(client, world)
    run_id = create_run(engine, ["sawojajar"], world.day, {"time_limit_s": 0.3, "kind": "replan"})
    answer = client.post(ORDERS, json=new_order(world), headers=world.auth(world.operator))
    assert answer.status_code == 201, answer.text
    assert answer.json()["placement"]["result"] == "waiting"
    order_id = answer.json()["id"]
    assert where(plan_of(client, world), order_id) == ["unplanned"]
    (entry,) = [d for d in plan_of(client, world)["dropped"] if d["order_id"] == order_id]
    assert entry["reason_code"] == "waiting_plan"
    outcome = execute_run(engine, run_id, settings, workers=1)
    assert outcome.error is None
    found = where(plan_of(client, world), order_id)
    assert len(found) == 1
    assert found != ["unplanned"]
    with Session(engine) as session:
        statuses = session.exec(
            select(Order.status).where(col(Order.id) == uuid.UUID(order_id))
        ).all()
    assert statuses == [OrderStatus.ASSIGNED]
