"""A runner's actions through its link: its stops, picked up, delivered, failed, position."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dispatch.models import Order, OrderStatus, Payment, Runner
from tests.api.conftest import WIB, World
from tests.api.factories import add_order, add_plan, add_stop


def planned(engine: Engine, world: World, count: int = 2) -> list[Order]:
    """``count`` orders on the first runner's route (current plan), in visiting order."""
    with Session(engine) as session:
        run = add_plan(session, world.markets["sawojajar"], world.day)
        orders = []
        for k in range(count):
            order = add_order(session, world.markets["sawojajar"], f"r-{k}", world.day)
            add_stop(session, run, world.runner, order)
            orders.append(order)
        for order in orders:
            session.refresh(order)
        return orders


def test_route_lists_own_stops_in_order(client: TestClient, world: World, engine: Engine) -> None:
    """The link opens the runner's stops in sequence with the cash to collect."""
    orders = planned(engine, world)
    answer = client.get(f"/api/v1/runner/{world.link}/route")
    assert answer.status_code == 200, answer.text
    route = answer.json()
    assert route["runner"]["name"] == world.runner.name
    assert route["service_date"] == world.day.isoformat()
    assert [s["order_id"] for s in route["stops"]] == [str(o.id) for o in orders]
    assert [s["sequence"] for s in route["stops"]] == [1, 2]
    assert route["stops"][0]["cash_to_collect_rp"] == 90_000  # 85.000 goods + 5.000 fee


def test_other_runner_sees_an_empty_route(client: TestClient, world: World, engine: Engine) -> None:
    """Another runner's link does not show the first runner's stops."""
    planned(engine, world)
    answer = client.get(f"/api/v1/runner/{world.other_link}/route")
    assert answer.status_code == 200
    assert answer.json()["stops"] == []


def test_pick_up_then_deliver_records_cash(
    client: TestClient, world: World, engine: Engine
) -> None:
    """picked-up then delivered moves the order and stores the cash actually collected."""
    order, _ = planned(engine, world)
    base = f"/api/v1/runner/{world.link}/stops/{order.id}"
    assert client.post(f"{base}/picked-up").json()["status"] == "picked_up"
    done = client.post(f"{base}/delivered", json={"collected_rp": 88_000})
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["collected_rp"]) == ("delivered", 88_000)
    with Session(engine) as session:
        stored = session.get(Order, order.id)
        assert stored is not None
        assert (stored.status, stored.collected_rp) == (OrderStatus.DELIVERED, 88_000)


def test_failed_needs_a_reason_from_the_list(
    client: TestClient, world: World, engine: Engine
) -> None:
    """A reason outside the fixed list is 422; a listed one marks the order failed."""
    order, _ = planned(engine, world)
    base = f"/api/v1/runner/{world.link}/stops/{order.id}/failed"
    wrong = client.post(base, json={"reason": "lazy"})
    assert wrong.status_code == 422
    assert wrong.json()["error"]["field"] == "reason"
    answer = client.post(base, json={"reason": "address_not_found", "note": "gang buntu"})
    assert answer.status_code == 200
    assert answer.json()["failure_reason"] == "address_not_found"


def test_delivering_before_pickup_twice_conflicts(
    client: TestClient, world: World, engine: Engine
) -> None:
    """A second delivered on a delivered order is 409 order.invalid_transition."""
    order, _ = planned(engine, world)
    base = f"/api/v1/runner/{world.link}/stops/{order.id}"
    client.post(f"{base}/picked-up")
    assert client.post(f"{base}/delivered", json={"collected_rp": 0}).status_code == 200
    again = client.post(f"{base}/delivered", json={"collected_rp": 0})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "order.invalid_transition"


def test_other_runners_order_is_not_found(client: TestClient, world: World, engine: Engine) -> None:
    """Acting on the first runner's stop with the second runner's link answers 404."""
    order, _ = planned(engine, world)
    answer = client.post(f"/api/v1/runner/{world.other_link}/stops/{order.id}/picked-up")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "order.not_found"
    with Session(engine) as session:
        stored = session.get(Order, order.id)
        assert stored is not None
        assert stored.status == OrderStatus.ASSIGNED


def test_expired_link_is_gone(client: TestClient, world: World) -> None:
    """Yesterday's link answers 410 link.expired, with a message in English on request."""
    answer = client.get(
        f"/api/v1/runner/{world.expired_link}/route", headers={"Accept-Language": "en"}
    )
    assert answer.status_code == 410
    assert answer.json()["error"]["code"] == "link.expired"
    assert "expired" in answer.json()["error"]["message"]


def test_position_is_stored_with_its_time(client: TestClient, world: World, engine: Engine) -> None:
    """The reported position and its time land on the runner."""
    at = datetime.now(WIB).replace(microsecond=0) - timedelta(minutes=1)
    body = {"lat": -7.9701, "lon": 112.6612, "at": at.isoformat()}
    answer = client.post(f"/api/v1/runner/{world.link}/position", json=body)
    assert answer.status_code == 200, answer.text
    with Session(engine) as session:
        runner = session.get(Runner, world.runner.id)
        assert runner is not None
        assert (runner.last_lat, runner.last_lon) == (-7.9701, 112.6612)
        assert runner.last_seen_at is not None
        assert runner.last_seen_at == at


def test_position_needs_a_time_zone(client: TestClient, world: World) -> None:
    """A naive time is refused with 422 on field ``at``."""
    body = {"lat": -7.97, "lon": 112.66, "at": "2026-11-26T06:15:00"}
    answer = client.post(f"/api/v1/runner/{world.link}/position", json=body)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "at"


def test_paid_orders_collect_nothing(client: TestClient, world: World, engine: Engine) -> None:
    """A cashless order shows 0 to collect (lunas)."""
    with Session(engine) as session:
        run = add_plan(session, world.markets["sawojajar"], world.day)
        order = add_order(
            session, world.markets["sawojajar"], "paid", world.day, payment=Payment.CASHLESS
        )
        add_stop(session, run, world.runner, order)
    stops = client.get(f"/api/v1/runner/{world.link}/route").json()["stops"]
    assert stops[0]["cash_to_collect_rp"] == 0
