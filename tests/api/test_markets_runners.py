"""Markets and runners: reading by role, creating and editing by operators."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import World


def test_coordinator_sees_only_its_market(client: TestClient, world: World) -> None:
    """A coordinator's market list holds its own market alone."""
    answer = client.get("/api/v1/markets", headers=world.auth(world.coordinator)).json()
    assert [m["code"] for m in answer["data"]] == ["sawojajar"]


def test_operator_creates_and_edits_a_market(client: TestClient, world: World) -> None:
    """POST makes a market (201), a second with the same code is 409, PATCH edits it."""
    headers = world.auth(world.operator)
    body = {"code": "blimbing", "name": "Pasar Blimbing", "lat": -7.94, "lon": 112.64}
    assert client.post("/api/v1/markets", json=body, headers=headers).status_code == 201
    again = client.post("/api/v1/markets", json=body, headers=headers)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "market.exists"
    edited = client.patch(
        "/api/v1/markets/blimbing", json={"closes": "13:00:00"}, headers=headers
    ).json()
    assert edited["closes"] == "13:00:00"
    bad = client.patch("/api/v1/markets/blimbing", json={"closes": "04:00"}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "market.invalid_hours"


def test_runner_gets_defaults_and_normalised_phone(client: TestClient, world: World) -> None:
    """A new runner takes load and shift from the settings and its phone in E.164."""
    headers = world.auth(world.operator)
    answer = client.post(
        "/api/v1/runners",
        json={"market": "mergan", "name": "Wawan", "phone": "0813 2222 3333"},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    runner = answer.json()
    assert (runner["market"], runner["phone"]) == ("mergan", "+6281322223333")
    assert runner["capacity_g"] == 40_000
    assert runner["shift_start"] == "05:30:00"
    listed = client.get("/api/v1/runners", params={"market": "mergan"}, headers=headers).json()
    assert listed["count"] == 4


def test_runner_edit_checks_the_shift(client: TestClient, world: World) -> None:
    """A shift ending before it starts is refused; a valid edit is stored."""
    headers = world.auth(world.operator)
    path = f"/api/v1/runners/{world.runner.id}"
    bad = client.patch(path, json={"shift_end": "05:00"}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "runner.invalid_shift"
    good = client.patch(path, json={"status": "off_duty"}, headers=headers)
    assert good.json()["status"] == "off_duty"


def test_coordinator_reads_own_runners_only(client: TestClient, world: World) -> None:
    """Listing without a market gives a coordinator its three runners; another's is 404."""
    headers = world.auth(world.coordinator)
    mine = client.get("/api/v1/runners", headers=headers).json()
    assert mine["count"] == 3
    assert {r["market"] for r in mine["data"]} == {"sawojajar"}
    other = world.runners["gadang"][0]
    assert client.get(f"/api/v1/runners/{other.id}", headers=headers).status_code == 404


def test_the_api_applies_the_markets_rules(client: TestClient, world: World) -> None:
    """A market outside Kota Malang, a code the console uses, a move out of the city: 422
    with the same codes as the command line's."""
    headers = world.auth(world.operator)
    batu = {"code": "batu", "name": "Pasar Batu", "lat": -7.8671, "lon": 112.5239}
    outside = client.post("/api/v1/markets", json=batu, headers=headers)
    assert outside.status_code == 422
    assert outside.json()["error"]["code"] == "market.outside_city"
    reserved = {"code": "markets", "name": "Pasar X", "lat": -7.94, "lon": 112.64}
    answer = client.post("/api/v1/markets", json=reserved, headers=headers)
    assert answer.json()["error"]["code"] == "market.reserved_code"
    moved = client.patch("/api/v1/markets/mergan", json={"lat": -7.2575}, headers=headers)
    assert moved.status_code == 422
    assert moved.json()["error"]["code"] == "market.outside_city"


def test_a_runner_phone_is_taken_once_per_market(client: TestClient, world: World) -> None:
    """A second runner with a phone the market has already is 409 ``runner.exists``."""
    headers = world.auth(world.operator)
    phone = world.runners["mergan"][0].phone
    body = {"market": "mergan", "name": "Wawan", "phone": phone}
    again = client.post("/api/v1/runners", json=body, headers=headers)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "runner.exists"
    elsewhere = client.post("/api/v1/runners", json=body | {"market": "gadang"}, headers=headers)
    assert elsewhere.status_code == 201
