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
