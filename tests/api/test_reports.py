"""``GET /api/v1/reports/day``: the day's report, per market the caller may see."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dispatch.actions import FailureReason, mark_delivered, mark_failed
from tests.api.conftest import World
from tests.api.factories import add_order, add_plan, add_stop

URL = "/api/v1/reports/day"


@pytest.fixture
def played(engine: Engine, world: World) -> dict[str, Any]:
    """Sawojajar: one order delivered Rp 5.000 short, one failed, one that arrived after the
    plan and waits for it (unplanned, ``waiting_plan``); Gadang: one delivered with the exact
    cash."""
    saw, gadang = world.markets["sawojajar"], world.markets["gadang"]
    first, second = world.runners["sawojajar"][:2]
    with Session(engine) as session:
        short = add_order(session, saw, "wa-short", world.day)
        failed = add_order(session, saw, "wa-failed", world.day)
        waiting = add_order(session, saw, "wa-waiting", world.day)
        exact = add_order(session, gadang, "wa-exact", world.day)
        run = add_plan(session, saw, world.day)
        add_stop(session, run, first, short)
        add_stop(session, run, second, failed)
        other_run = add_plan(session, gadang, world.day)
        add_stop(session, other_run, world.runners["gadang"][0], exact)
        mark_delivered(session, short.id, collected_rp=short.cod_rp - 5_000, by="runner")
        mark_failed(session, failed.id, reason=FailureReason.REFUSED, by="runner")
        mark_delivered(session, exact.id, collected_rp=exact.cod_rp, by="runner")
        session.commit()
        return {
            "short": str(short.id),
            "waiting": str(waiting.id),
            "cod": short.cod_rp,
            "first": first.name,
        }


def _market(body: dict[str, Any], code: str) -> dict[str, Any]:
    return next(m for m in body["markets"] if m["market"] == code)


def test_operator_gets_every_market(
    client: TestClient, world: World, played: dict[str, Any]
) -> None:
    """An operator's report covers the six markets, with each one's figures and cash."""
    answer = client.get(URL, params={"date": str(world.day)}, headers=world.auth(world.operator))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["date"] == str(world.day)
    assert len(body["markets"]) == 6
    saw = _market(body, "sawojajar")["total"]
    assert (saw["orders"], saw["delivered"], saw["failed"], saw["pending"]) == (3, 1, 1, 0)
    assert saw["dropped_by_reason"] == {"waiting_plan": 1}
    assert saw["failed_by_reason"] == {"refused": 1}
    assert saw["on_time_share"] in (0.0, 1.0)
    assert saw["cod_expected_rp"] - saw["cod_collected_rp"] == 5_000
    (flag,) = saw["flagged"]
    assert flag["order_id"] == played["short"]
    assert (flag["expected_rp"], flag["difference_rp"]) == (played["cod"], -5_000)
    assert flag["runner"] == played["first"]
    runners = _market(body, "sawojajar")["runners"]
    assert runners[-1]["runner_id"] is None
    assert runners[-1]["dropped"] == 1
    assert sum(r["orders"] for r in runners) == 3
    assert _market(body, "gadang")["total"]["flagged"] == []


def test_operator_may_ask_for_one_market(
    client: TestClient, world: World, played: dict[str, Any]
) -> None:
    """``market=CODE`` narrows an operator's report to that market."""
    answer = client.get(
        URL,
        params={"date": str(world.day), "market": "Gadang"},
        headers=world.auth(world.operator),
    )
    assert answer.status_code == 200, answer.text
    assert [m["market"] for m in answer.json()["markets"]] == ["gadang"]


def test_coordinator_sees_its_own_market_only(
    client: TestClient, world: World, played: dict[str, Any]
) -> None:
    """A coordinator's report is its market's, asked for or not."""
    for params in ({"date": str(world.day)}, {"date": str(world.day), "market": "sawojajar"}):
        answer = client.get(URL, params=params, headers=world.auth(world.coordinator))
        assert answer.status_code == 200, answer.text
        assert [m["market"] for m in answer.json()["markets"]] == ["sawojajar"]


def test_another_market_answers_404_like_a_missing_one(
    client: TestClient, world: World, played: dict[str, Any]
) -> None:
    """Gadang's report for Sawojajar's coordinator is as absent as a market that is not."""
    headers = world.auth(world.coordinator)
    foreign = client.get(URL, params={"market": "gadang"}, headers=headers)
    missing = client.get(URL, params={"market": "pasar-besar"}, headers=headers)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["error"]["code"] == missing.json()["error"]["code"] == "market.not_found"
    assert foreign.json()["error"]["field"] == "market"


def test_a_bad_date_is_refused_with_the_error_shape(client: TestClient, world: World) -> None:
    """``date=26-11-2026`` answers 422 with the error body, in English on request."""
    answer = client.get(
        URL,
        params={"date": "26-11-2026"},
        headers={**world.auth(world.operator), "Accept-Language": "en"},
    )
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "request.invalid"
    assert error["message"].startswith("Date is not valid")
    assert set(error) >= {"code", "message", "field"}


def test_a_bad_date_names_the_date_field(client: TestClient, world: World) -> None:
    """The refusal of a bad ``date`` names the field ``date``."""
    answer = client.get(URL, params={"date": "2026-13-01"}, headers=world.auth(world.operator))
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "date"


def test_no_token_answers_401(client: TestClient) -> None:
    """The report is not public."""
    answer = client.get(URL)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "auth.required"


def test_default_day_is_today(client: TestClient, world: World) -> None:
    """Without ``date`` the report is today's; nothing ordered yet means zeros, not errors."""
    answer = client.get(URL, headers=world.auth(world.coordinator))
    assert answer.status_code == 200, answer.text
    (market,) = answer.json()["markets"]
    assert market["run_id"] is None
    assert market["total"]["orders"] == 0
    assert market["total"]["on_time_share"] is None
