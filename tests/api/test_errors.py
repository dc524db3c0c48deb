"""Every 4xx answer has one shape, ``{"error": {code, message, field}}``, in two languages."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from api.errors import request_lang, status_for
from tests.api.conftest import World
from tests.dispatch.factories import order_fields


def test_missing_token_is_401_with_a_challenge(client: TestClient) -> None:
    """No token: 401 auth.required and a WWW-Authenticate header."""
    answer = client.get("/api/v1/orders")
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "auth.required"
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_revoked_looking_token_is_401_invalid(client: TestClient) -> None:
    """A token that is not ours: 401 auth.invalid."""
    answer = client.get("/api/v1/orders", headers={"Authorization": "Bearer antar_nope"})
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "auth.invalid"


def test_schema_error_in_indonesian_by_default(client: TestClient, world: World) -> None:
    """A body that breaks the schema: 422, field from the error location, Indonesian text."""
    answer = client.post(
        "/api/v1/dispatch-runs", json={"time_limit_s": "lama"}, headers=world.auth(world.operator)
    )
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == ("request.invalid", "time_limit_s")
    assert error["message"] == "Waktu hitung (detik) tidak valid: harus berupa angka."


def test_schema_error_in_english_on_request(client: TestClient, world: World) -> None:
    """The same error with Accept-Language: en is in English."""
    answer = client.post(
        "/api/v1/dispatch-runs",
        json={"time_limit_s": -1},
        headers=world.auth(world.operator) | {"Accept-Language": "en-GB,en;q=0.9,id;q=0.5"},
    )
    error = answer.json()["error"]
    assert error["message"] == "Solver time (seconds) is not valid: must be greater than 0."


def test_missing_field_and_several_errors(client: TestClient, world: World) -> None:
    """A missing field is request.required; several errors are all in details."""
    answer = client.post(
        "/api/v1/markets", json={"code": "Bad Code!"}, headers=world.auth(world.operator)
    )
    error = answer.json()["error"]
    assert error["field"] == "code"
    assert {d["field"] for d in error["details"]} >= {"code", "name", "lat", "lon"}
    assert any(d["code"] == "request.required" for d in error["details"])


def test_wrong_type_in_an_order_cell_names_the_column(client: TestClient, world: World) -> None:
    """A list where a CSV cell belongs: 422 on that column, reported once."""
    body = order_fields(weight_kg=[1, 2], service_date=world.day.isoformat())
    answer = client.post("/api/v1/orders", json=body, headers=world.auth(world.operator))
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == ("request.invalid", "weight_kg")
    assert "details" not in error


def test_malformed_json_is_422_in_shape(client: TestClient, world: World) -> None:
    """Broken JSON is a 422 in the same shape."""
    answer = client.post(
        "/api/v1/orders",
        content=b"{not json",
        headers=world.auth(world.operator) | {"Content-Type": "application/json"},
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "request.invalid"


def test_unknown_path_and_method_in_shape(client: TestClient) -> None:
    """Framework errors (404 path, 405 method) use the same body."""
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "http.not_found"
    method = client.delete("/healthz")
    assert method.status_code == 405
    assert method.json()["error"]["code"] == "http.method_not_allowed"


def test_coordinator_writing_operator_things_is_403(client: TestClient, world: World) -> None:
    """A coordinator editing a market: 403 auth.forbidden."""
    answer = client.patch(
        "/api/v1/markets/sawojajar", json={"name": "X"}, headers=world.auth(world.coordinator)
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "auth.forbidden"


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("", "id"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("id-ID,id;q=0.9,en;q=0.8", "id"),
        ("fr, en;q=0.5", "en"),
        ("en;q=0.2, id;q=0.8", "id"),
        ("de", "id"),
    ],
)
def test_accept_language_choice(header: str, lang: str) -> None:
    """English only when Accept-Language prefers it over Indonesian."""
    headers = [(b"accept-language", header.encode())]
    scope = {"type": "http", "headers": headers, "query_string": b""}
    assert request_lang(Request(scope)) == lang


def test_lang_parameter_wins_over_the_header(client: TestClient, world: World) -> None:
    """``?lang=en`` answers in English whatever Accept-Language says (and ``?lang=id``
    in Indonesian)."""
    english = client.get("/api/v1/markets?lang=en", headers={"Accept-Language": "id"})
    assert english.json()["error"]["message"].startswith("A token is required")
    indonesian = client.get("/api/v1/markets?lang=id", headers={"Accept-Language": "en"})
    assert indonesian.json()["error"]["message"].startswith("Perlu token")


def test_status_per_code() -> None:
    """not_found codes are 404, conflicts 409, intake refusals 422."""
    assert status_for("order.not_found") == 404
    assert status_for("something.not_found") == 404
    assert status_for("order.invalid_transition") == 409
    assert status_for("order.invalid_phone") == 422
    assert status_for("link.expired") == 410


def test_a_nul_character_in_text_is_refused_not_a_crash(client: TestClient, world: World) -> None:
    """Text PostgreSQL cannot store (a NUL character) is refused with 422 naming the field,
    on SQLite and PostgreSQL alike, never a 500."""
    answer = client.post(
        "/api/v1/markets",
        json={"code": "pasar-baru", "name": "Pasar\u0000Baru", "lat": -7.97, "lon": 112.63},
        headers=world.auth(world.operator),
    )
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert (error["code"], error["field"]) == ("request.invalid", "name")
    assert "karakter kendali" in error["message"]
