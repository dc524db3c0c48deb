"""Dispatch runs as jobs: 202, poll until done, interrupted runs failed on start."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api import create_app
from dispatch.models import DispatchRun, DispatchRunMarket, RunStatus
from dispatch.settings import Settings
from tests.api.conftest import World
from tests.api.factories import add_order

RUNS = "/api/v1/dispatch-runs"


def poll(client: TestClient, run_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """The run once it is done or failed (at most 60 s)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        run = client.get(f"{RUNS}/{run_id}", headers=headers).json()
        if run["status"] in ("done", "failed"):
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} did not finish")


def test_run_is_accepted_then_done_with_routes(
    client: TestClient, world: World, engine: Engine
) -> None:
    """POST answers 202 at once; polling shows the run done with routes and figures."""
    with Session(engine) as session:
        for k in range(4):
            add_order(session, world.markets["sawojajar"], f"d-{k}", world.day)
    headers = world.auth(world.coordinator)
    body = {"markets": ["sawojajar"], "time_limit_s": 0.3, "date": world.day.isoformat()}
    accepted = client.post(RUNS, json=body, headers=headers)
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["status"] == "queued"
    run = poll(client, accepted.json()["id"], headers)
    assert run["status"] == "done", run["error"]
    assert run["markets"] == ["sawojajar"]
    routed = [stop["external_id"] for route in run["routes"] for stop in route["stops"]]
    dropped = [d["external_id"] for d in run["dropped"]]
    assert sorted(routed + dropped) == [f"d-{k}" for k in range(4)]
    assert run["figures"]["markets"][0]["market"] == "sawojajar"
    plan = client.get(
        "/api/v1/routes", params={"market": "sawojajar", "date": str(world.day)}, headers=headers
    ).json()
    assert plan["markets"][0]["run_id"] == run["id"]


def test_coordinator_default_is_its_own_market(client: TestClient, world: World) -> None:
    """Without markets, a coordinator's run covers only its market."""
    headers = world.auth(world.other_coordinator)
    accepted = client.post(RUNS, json={"time_limit_s": 0.2, "date": "2020-01-01"}, headers=headers)
    assert accepted.status_code == 202
    assert poll(client, accepted.json()["id"], headers)["markets"] == ["gadang"]


def test_busy_market_conflicts(client: TestClient, world: World, engine: Engine) -> None:
    """While a run holds a market (its lease alive), another run for it is refused with 409."""
    with Session(engine) as session:
        lease = datetime.now(UTC) + timedelta(seconds=60)
        run = DispatchRun(service_date=world.day, status=RunStatus.RUNNING, lease_until=lease)
        session.add(run)
        session.flush()
        session.add(DispatchRunMarket(run_id=run.id, market_id=world.markets["mergan"].id))
        session.commit()
    answer = client.post(RUNS, json={"markets": ["mergan"]}, headers=world.auth(world.operator))
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "dispatch.market_busy"


def test_unknown_market_is_404(client: TestClient, world: World) -> None:
    """A run for a market that does not exist answers 404."""
    answer = client.post(RUNS, json={"markets": ["atlantis"]}, headers=world.auth(world.operator))
    assert answer.status_code == 404


def test_a_restart_fails_a_run_whose_lease_lapsed_and_never_one_alive(
    engine: Engine, settings: Settings, world: World
) -> None:
    """At start the app marks failed a run whose lease lapsed (its process stopped); a run
    whose lease is alive (a CLI process still at work) stays running."""
    now = datetime.now(UTC)
    with Session(engine) as session:
        lapsed = DispatchRun(
            service_date=world.day, status=RunStatus.RUNNING, lease_until=now - timedelta(seconds=1)
        )
        alive = DispatchRun(
            service_date=world.day, status=RunStatus.RUNNING, lease_until=now + timedelta(hours=1)
        )
        session.add(lapsed)
        session.add(alive)
        session.commit()
        ids = (lapsed.id, alive.id)
    with TestClient(create_app(settings, engine)) as client:
        answers = [
            client.get(f"{RUNS}/{run_id}", headers=world.auth(world.operator)).json()
            for run_id in ids
        ]
    assert answers[0]["status"] == "failed"
    assert "interrupted" in answers[0]["error"]
    assert answers[1]["status"] == "running"


def test_runs_list_shows_a_coordinator_its_own(
    client: TestClient, world: World, engine: Engine
) -> None:
    """The run list: an operator sees every run, a coordinator only those of its market."""
    with Session(engine) as session:
        for code in ("sawojajar", "gadang"):
            run = DispatchRun(service_date=world.day, status=RunStatus.DONE)
            session.add(run)
            session.flush()
            session.add(DispatchRunMarket(run_id=run.id, market_id=world.markets[code].id))
        session.commit()
    every = client.get(RUNS, headers=world.auth(world.operator)).json()
    assert sorted(r["markets"][0] for r in every["data"]) == ["gadang", "sawojajar"]
    mine = client.get(RUNS, headers=world.auth(world.coordinator)).json()
    assert [r["markets"] for r in mine["data"]] == [["sawojajar"]]
