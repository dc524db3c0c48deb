"""Strict input types through the API: text stays text, amounts are whole numbers, dates are
ISO dates, a position's time is near now; every refusal names its field and stores nothing.

Each case is one the audit found passing: an ``external_id`` of 5,000 nines read as ``inf``
(a second order with another such id got the first one back), ``true`` as amount 1, ``1.0``
and ``"1"`` as the same key, ``date=0`` as 1970-01-01, a position dated 2100 or 1970.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from dispatch.models import Order, Runner
from tests.api.conftest import World
from tests.dispatch.factories import order_fields

ORDERS = "/api/v1/orders"


def body(world: World, **fields: Any) -> dict[str, Any]:
    return order_fields(**({"service_date": world.day.isoformat()} | fields))


def orders(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Order)).one()


def refused(answer: Any, field: str, code: str | None = None) -> dict[str, Any]:
    assert answer.status_code == 422, answer.text
    error: dict[str, Any] = answer.json()["error"]
    fields = [error["field"], *(d["field"] for d in error.get("details", []))]
    assert field in fields, error
    if code is not None:
        codes = [error["code"], *(d["code"] for d in error.get("details", []))]
        assert code in codes, error
    return error


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (int("9" * 4000), "request.invalid"),
        ("9" * 5000, "order.too_long"),
        (True, "request.invalid"),
        (1.0, "request.invalid"),
        (1, "request.invalid"),
        ("a" * 101, "order.too_long"),
        ("wa-\u0000-1", "order.control_character"),
        ("wa-\n1", "order.control_character"),
    ],
    ids=["4000-nines-number", "5000-nines-text", "true", "1.0", "1", "101-chars", "nul", "newline"],
)
def test_an_external_id_is_text_of_at_most_100_characters(
    client: TestClient, world: World, engine: Engine, value: Any, code: str
) -> None:
    """Numbers, booleans, over-long or control-character ids are refused, naming the field."""
    answer = client.post(
        ORDERS, json=body(world, external_id=value), headers=world.auth(world.operator)
    )
    refused(answer, "external_id", code)
    assert orders(engine) == 0


def test_ids_that_looked_alike_as_numbers_are_different_orders(
    client: TestClient, world: World, engine: Engine
) -> None:
    """Two long digit-only ids are two orders (they used to both become ``inf``: the second
    order was lost, answered with the first); ``"1"`` is the text ``1``, nothing else."""
    headers = world.auth(world.operator)
    first = client.post(ORDERS, json=body(world, external_id="9" * 100), headers=headers)
    second = client.post(
        ORDERS,
        json=body(world, external_id="9" * 99 + "8", phone="0813-1111-2222"),
        headers=headers,
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert second.json()["phone"] == "+6281311112222"
    one = client.post(ORDERS, json=body(world, external_id="1"), headers=headers)
    assert one.status_code == 201
    assert one.json()["idempotency_key"] == "1"
    assert orders(engine) == 3


@pytest.mark.parametrize(
    ("value", "status"),
    [(True, 422), (1500.5, 422), (-1, 422), (10**12, 422), ("125,5", 422), (1500.0, 201)],
)
def test_an_amount_is_a_whole_number_of_rupiah(
    client: TestClient, world: World, engine: Engine, value: Any, status: int
) -> None:
    """``true`` is not 1, a fraction is not rupiah, no amount is negative or absurd; a whole
    number written ``1500.0`` is 1500."""
    answer = client.post(
        ORDERS, json=body(world, amount_rp=value), headers=world.auth(world.operator)
    )
    if status == 201:
        assert answer.status_code == 201, answer.text
        assert answer.json()["amount_rp"] == 1500
    else:
        refused(answer, "amount_rp")
        assert orders(engine) == 0


def test_an_infinite_number_is_refused(client: TestClient, world: World, engine: Engine) -> None:
    """``1e999`` (infinity once parsed) is no weight and no coordinate."""
    headers = world.auth(world.operator) | {"Content-Type": "application/json"}
    for field in ("weight_kg", "lat", "amount_rp"):
        text = (
            '{"market": "sawojajar", "customer_name": "Bu Sri", "phone": "0812-3456-7890", '
            '"address": "Jl. Danau Toba 12", "weight_kg": "1", "amount_rp": 1000, '
            f'"{field}": 1e999' + "}"
        )
        answer = client.post(ORDERS, content=text.replace(f'"{field}": "1", ', ""), headers=headers)
        assert answer.status_code == 422, answer.text
        refused(answer, field)
    assert orders(engine) == 0


@pytest.mark.parametrize("value", [0, "0", "1700000000", "2026-1-1", "tomorrow"])
def test_a_date_is_an_iso_date(
    client: TestClient, world: World, engine: Engine, value: Any
) -> None:
    """``date=0`` is no day (it used to be 1970-01-01), in a body or a query alike."""
    headers = world.auth(world.operator)
    answer = client.post(ORDERS, json=body(world, service_date=value), headers=headers)
    refused(answer, "service_date")
    for path in (
        "/api/v1/orders",
        "/api/v1/routes",
        "/api/v1/reports/day",
        "/api/v1/dispatch-runs",
    ):
        listed = client.get(path, params={"date": str(value)}, headers=headers)
        refused(listed, "date")
    assert orders(engine) == 0


@pytest.mark.parametrize("field", ["customer_name", "address", "notes", "items", "market", "phone"])
def test_a_nul_in_any_text_is_a_422_naming_its_field(
    client: TestClient, world: World, engine: Engine, field: str
) -> None:
    """NUL never reaches the database, on SQLite and PostgreSQL alike."""
    value = order_fields()[field] + "\u0000"
    answer = client.post(
        ORDERS, json=body(world, **{field: value}), headers=world.auth(world.operator)
    )
    refused(answer, field)
    assert orders(engine) == 0


def test_a_longitude_outside_the_city_is_named_lon(client: TestClient, world: World) -> None:
    """The refusal names the coordinate that is off."""
    answer = client.post(
        ORDERS, json=body(world, lat=-7.9712, lon=113.5), headers=world.auth(world.operator)
    )
    error = refused(answer, "lon", "order.outside_service_area")
    assert error["field"] == "lon"


def test_a_blank_name_and_a_missing_address_are_refused(client: TestClient, world: World) -> None:
    """The name is required (spaces do not count); a delivery needs its address text."""
    headers = world.auth(world.operator)
    refused(
        client.post(ORDERS, json=body(world, customer_name="   "), headers=headers), "customer_name"
    )
    refused(
        client.post(ORDERS, json=body(world, address=""), headers=headers),
        "address",
        "order.address_required",
    )


@pytest.mark.parametrize(
    "at",
    ["2100-01-01T00:00:00Z", "1970-01-01T00:00:00Z", 0, "0", 4102444800],
    ids=["2100", "1970", "zero", "zero-text", "epoch-2100"],
)
def test_a_position_far_from_now_never_overwrites_the_last(
    client: TestClient, world: World, engine: Engine, at: Any
) -> None:
    """A time in 2100 or 1970 (or a number of seconds) is refused on ``at`` and the last
    position stays as it was."""
    path = f"/api/v1/runner/{world.link}/position"
    now = datetime.now(UTC).replace(microsecond=0)
    good = client.post(path, json={"lat": -7.97, "lon": 112.66, "at": now.isoformat()})
    assert good.status_code == 200, good.text
    answer = client.post(path, json={"lat": -7.5, "lon": 112.5, "at": at})
    refused(answer, "at")
    with Session(engine) as session:
        runner = session.get(Runner, world.runner.id)
        assert runner is not None
        assert (runner.last_lat, runner.last_lon, runner.last_seen_at) == (-7.97, 112.66, now)


def test_a_late_older_position_is_taken_but_keeps_the_newer(
    client: TestClient, world: World, engine: Engine
) -> None:
    """A phone that was offline may send a position from an hour ago: accepted, but the
    newer position it already sent stays the runner's last."""
    path = f"/api/v1/runner/{world.link}/position"
    now = datetime.now(UTC).replace(microsecond=0)
    assert (
        client.post(path, json={"lat": -7.97, "lon": 112.66, "at": now.isoformat()}).status_code
        == 200
    )
    earlier = (now - timedelta(hours=1)).isoformat()
    assert client.post(path, json={"lat": -7.9, "lon": 112.6, "at": earlier}).status_code == 200
    with Session(engine) as session:
        runner = session.get(Runner, world.runner.id)
        assert runner is not None
        assert runner.last_seen_at == now
