"""Order intake over HTTP (the CSV columns as JSON fields), idempotency, listing, edits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select, update

from dispatch.models import Order, OrderStatus
from tests.api.conftest import World
from tests.api.factories import add_order
from tests.dispatch.factories import order_fields

ORDERS = "/api/v1/orders"


def order_body(world: World, **fields: Any) -> dict[str, Any]:
    """A valid sawojajar delivery order for tomorrow."""
    return order_fields(**({"service_date": world.day.isoformat()} | fields))


def count_orders(engine: Engine) -> int:
    """How many orders the database holds."""
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Order)).one()


def test_order_is_taken_in_with_csv_meanings(client: TestClient, world: World) -> None:
    """The CSV's texts mean the same over HTTP: phone to E.164, kg to grams, Rp to integers."""
    answer = client.post(ORDERS, json=order_body(world), headers=world.auth(world.operator))
    assert answer.status_code == 201, answer.text
    order = answer.json()
    assert order["market"] == "sawojajar"
    assert order["phone"] == "+6281234567890"
    assert order["weight_g"] == 1500
    assert order["amount_rp"] == 125_000
    assert order["idempotency_key"] == "wa-0001"
    assert order["window_start"].startswith(f"{world.day.isoformat()}T00:00")  # 07:00 WIB
    assert [item["name"] for item in order["items"]] == ["bawang merah", "cabai", "tahu"]


def test_numbers_are_accepted_as_well_as_text(client: TestClient, world: World) -> None:
    """JSON numbers stand for the same cells: 1.5 kg, 125000 rupiah, coordinates as floats."""
    body = order_body(world, weight_kg=1.5, amount_rp=125000.0, lat=-7.9712, lon=112.6655)
    answer = client.post(ORDERS, json=body, headers=world.auth(world.operator))
    assert answer.status_code == 201, answer.text
    assert (answer.json()["weight_g"], answer.json()["amount_rp"]) == (1500, 125_000)


def test_repeat_returns_the_first_order(client: TestClient, world: World, engine: Engine) -> None:
    """The same external_id twice: 201 then 200 with the same body, one order stored."""
    headers = world.auth(world.coordinator)
    first = client.post(ORDERS, json=order_body(world), headers=headers)
    second = client.post(ORDERS, json=order_body(world, notes="changed"), headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert count_orders(engine) == 1


def test_idempotency_key_header_wins_over_external_id(client: TestClient, world: World) -> None:
    """With an Idempotency-Key header, two bodies with different external_ids are one order."""
    headers = world.auth(world.operator) | {"Idempotency-Key": "msg-77"}
    first = client.post(ORDERS, json=order_body(world, external_id="a"), headers=headers)
    second = client.post(ORDERS, json=order_body(world, external_id="b"), headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["idempotency_key"] == "msg-77"
    assert first.json()["id"] == second.json()["id"]


def test_service_date_defaults_to_today(client: TestClient, world: World) -> None:
    """Without service_date the order is for today's market day (WIB)."""
    body = order_body(world, window_start=None, window_end=None)
    del body["service_date"]
    answer = client.post(ORDERS, json=body, headers=world.auth(world.operator))
    assert answer.status_code == 201, answer.text
    assert answer.json()["service_date"] == (world.day - timedelta(days=1)).isoformat()


def test_intake_refusal_names_every_field(client: TestClient, world: World) -> None:
    """Several bad cells: 422, code order.invalid, each field in details."""
    body = order_body(world, phone="12", weight_kg="berat")
    answer = client.post(ORDERS, json=body, headers=world.auth(world.operator))
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "order.invalid"
    assert error["field"] == "phone"
    assert [d["field"] for d in error["details"]] == ["phone", "weight_kg"]


def test_intake_refusal_speaks_english_on_request(client: TestClient, world: World) -> None:
    """The same refusal in Indonesian by default and in English with Accept-Language: en."""
    body = order_body(world, phone="12")
    headers = world.auth(world.operator)
    indonesian = client.post(ORDERS, json=body, headers=headers).json()["error"]
    english = client.post(ORDERS, json=body, headers=headers | {"Accept-Language": "en"})
    assert indonesian["code"] == english.json()["error"]["code"] == "order.invalid_phone"
    assert "tidak valid" in indonesian["message"]
    assert "is not valid" in english.json()["error"]["message"]


def test_coordinator_cannot_order_for_another_market(client: TestClient, world: World) -> None:
    """Another market's code is unknown to a coordinator, and the message lists only its own."""
    body = order_body(world, market="gadang")
    answer = client.post(ORDERS, json=body, headers=world.auth(world.coordinator))
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "order.unknown_market"
    assert "gadang" in error["message"]
    assert "mergan" not in error["message"]


def test_list_filters_by_market_status_and_date(
    client: TestClient, world: World, engine: Engine
) -> None:
    """?market, ?status and ?date narrow the list; count is the total."""
    with Session(engine) as session:
        for k in range(3):
            add_order(session, world.markets["sawojajar"], f"s-{k}", world.day)
        add_order(session, world.markets["gadang"], "g-1", world.day)
        done = add_order(session, world.markets["sawojajar"], "s-old", world.day)
        done.status = OrderStatus.CANCELLED
        session.add(done)
        session.commit()
    headers = world.auth(world.operator)
    everything = client.get(ORDERS, headers=headers).json()
    assert everything["count"] == 5
    pending = client.get(
        ORDERS, params={"market": "sawojajar", "status": "pending"}, headers=headers
    ).json()
    assert pending["count"] == 3
    assert {o["market"] for o in pending["data"]} == {"sawojajar"}
    other_day = client.get(ORDERS, params={"date": "2020-01-01"}, headers=headers).json()
    assert other_day["count"] == 0
    mine = client.get(ORDERS, headers=world.auth(world.other_coordinator)).json()
    assert [o["idempotency_key"] for o in mine["data"]] == ["g-1"]


def test_text_longer_than_its_column_is_a_422_and_stores_nothing(
    client: TestClient, world: World, engine: Engine
) -> None:
    """An over-long name is refused with its field and limit (it used to be stored and then
    break the answer: a 500)."""
    body = order_body(world, customer_name="Ibu " + "W" * 200)
    answer = client.post(ORDERS, json=body, headers=world.auth(world.operator))
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "order.too_long"
    assert answer.json()["error"]["field"] == "customer_name"
    assert "120" in answer.json()["error"]["message"]
    assert count_orders(engine) == 0


def test_reads_go_on_while_a_writer_holds_sqlite(
    client: TestClient, world: World, engine: Engine
) -> None:
    """A GET neither takes nor waits for a write lock: with another connection in the middle
    of a write, lists and pages still answer (on SQLite they used to queue behind it)."""
    with Session(engine) as session:
        add_order(session, world.markets["sawojajar"], "s-1", world.day)
        session.commit()
    headers = world.auth(world.operator)
    with engine.connect() as writer:
        writer.execute(update(Order).values(notes="being edited"))  # SQLite: database locked
        listed = client.get(ORDERS, params={"market": "sawojajar"}, headers=headers)
        assert listed.status_code == 200, listed.text
        assert listed.json()["count"] == 1
        one = client.get(f"{ORDERS}/{listed.json()['data'][0]['id']}", headers=headers)
        assert one.status_code == 200, one.text
        writer.rollback()


def test_list_shows_each_orders_items(client: TestClient, world: World, engine: Engine) -> None:
    """A page of the list carries every order's items (loaded for the page at once)."""
    for k in range(3):
        body = order_body(world, external_id=f"wa-{k}", items=f"tahu {k + 1} biji; tempe 1 papan")
        assert client.post(ORDERS, json=body, headers=world.auth(world.operator)).status_code == 201
    listed = client.get(ORDERS, params={"limit": 2}, headers=world.auth(world.operator)).json()
    assert listed["count"] == 3
    assert len(listed["data"]) == 2
    for order in listed["data"]:
        assert [item["name"] for item in order["items"]] == ["tahu", "tempe"]


def test_cancel_then_cancel_again_conflicts(
    client: TestClient, world: World, engine: Engine
) -> None:
    """Cancelling a pending order works once; a second cancel is 409."""
    with Session(engine) as session:
        order = add_order(session, world.markets["sawojajar"], "c-1", world.day)
    headers = world.auth(world.coordinator)
    first = client.post(f"{ORDERS}/{order.id}/cancel", json={"reason": "customer"}, headers=headers)
    assert first.status_code == 200
    assert first.json()["status"] == "cancelled"
    again = client.post(f"{ORDERS}/{order.id}/cancel", headers=headers)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "order.invalid_transition"


def test_edit_before_pickup_only(client: TestClient, world: World, engine: Engine) -> None:
    """PATCH changes a pending order; after pickup it is refused with 409."""
    with Session(engine) as session:
        order = add_order(session, world.markets["sawojajar"], "e-1", world.day)
    headers = world.auth(world.operator)
    edited = client.patch(f"{ORDERS}/{order.id}", json={"weight_g": 2500}, headers=headers)
    assert edited.status_code == 200
    assert edited.json()["weight_g"] == 2500
    with Session(engine) as session:
        stored = session.get(Order, order.id)
        assert stored is not None
        stored.status = OrderStatus.PICKED_UP
        session.add(stored)
        session.commit()
    late = client.patch(f"{ORDERS}/{order.id}", json={"weight_g": 3000}, headers=headers)
    assert late.status_code == 409


def test_unknown_order_is_404(client: TestClient, world: World) -> None:
    """A random id answers 404 order.not_found."""
    answer = client.get(
        f"{ORDERS}/00000000-0000-4000-8000-000000000000", headers=world.auth(world.operator)
    )
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "order.not_found"
