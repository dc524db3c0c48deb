"""Re-planning through the API: move, pin, lock, off shift, re-plan a market, and an order's
history; who may do each (a coordinator its own market only) and what the answers hold.

Solves are real (OR-Tools on the seeded sawojajar runners) with 0.3 s time limits. Orders
are for tomorrow, so re-plans start every runner at the market at its shift start whatever
the time of day the tests run; only taking a runner off shift is about today.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dispatch.models import DispatchRun, DispatchRunMarket, Order, OrderStatus, Runner, RunStatus
from dispatch.shifts import on_shift_ids
from tests.api.conftest import World
from tests.api.factories import add_order

WIB = ZoneInfo("Asia/Jakarta")
FAST = 0.3
_keys = itertools.count()

#: Delivery points around Pasar Sawojajar (-7.9750, 112.6608), a few hundred metres out.
NEAR = [(-7.9712, 112.6655), (-7.9781, 112.6590), (-7.9735, 112.6570), (-7.9790, 112.6650)]


def orders_near_sawojajar(
    engine: Engine, world: World, count: int = 3, day: Any = None, **fields: Any
) -> list[Order]:
    """``count`` pending 2 kg orders of sawojajar for ``day`` (tomorrow unless told)."""
    market = world.markets["sawojajar"]
    made = []
    with Session(engine, expire_on_commit=False) as session:
        for k in range(count):
            lat, lon = NEAR[k % len(NEAR)]
            made.append(
                add_order(
                    session,
                    market,
                    f"replan-{next(_keys)}",
                    day or world.day,
                    customer_name=f"Pelanggan {k + 1}",
                    lat=lat,
                    lon=lon,
                    **fields,
                )
            )
    return made


def set_shifts(engine: Engine, world: World, start: time, end: time) -> None:
    """Give every sawojajar runner the shift ``start``-``end`` (WIB): re-plans of today
    start at the current hour, so tests about today choose where that hour falls."""
    with Session(engine) as session:
        for runner in world.runners["sawojajar"]:
            row = session.get(Runner, runner.id)
            assert row is not None
            row.shift_start, row.shift_end = start, end
            session.add(row)
        session.commit()


def replan(client: TestClient, world: World, token: str, **body: Any) -> Any:
    body = {"date": world.day.isoformat(), "time_limit_s": FAST} | body
    return client.post("/api/v1/markets/sawojajar/replan", json=body, headers=world.auth(token))


def runner_of(outcome: dict[str, Any], order_id: uuid.UUID) -> str | None:
    """The name of the runner whose route in the outcome's plan holds ``order_id``."""
    for route in outcome["plan"]["routes"]:
        if any(stop["order_id"] == str(order_id) for stop in route["stops"]):
            return str(route["runner"])
    return None


def stored_order(engine: Engine, order_id: uuid.UUID) -> Order:
    with Session(engine, expire_on_commit=False) as session:
        order = session.get(Order, order_id)
        assert order is not None
        return order


def stored_runner(engine: Engine, runner_id: uuid.UUID) -> Runner:
    with Session(engine, expire_on_commit=False) as session:
        runner = session.get(Runner, runner_id)
        assert runner is not None
        return runner


def error_of(answer: Any) -> dict[str, Any]:
    body = answer.json()
    assert set(body["error"]) >= {"code", "message", "field"}, body
    return dict(body["error"])


# -- re-plan a market --------------------------------------------------------------------------


def test_replanning_a_market_answers_with_its_new_routes_and_what_was_dropped(
    client: TestClient, world: World, engine: Engine
) -> None:
    """Every order is on exactly one route or dropped with a reason; the run is recorded as a
    re-plan and its plan is the market's current one."""
    near = orders_near_sawojajar(engine, world, 3)
    (heavy,) = orders_near_sawojajar(engine, world, 1, weight_g=500_000)
    answer = replan(client, world, world.coordinator, reason="pagi ramai")
    assert answer.status_code == 200, answer.text
    outcome = answer.json()
    assert outcome["run_id"] is not None
    planned = [s["order_id"] for r in outcome["plan"]["routes"] for s in r["stops"]]
    assert sorted(planned) == sorted(str(o.id) for o in near)
    assert [(d["order_id"], d["reason_code"]) for d in outcome["dropped"]] == [
        (str(heavy.id), "exceeds_capacity")
    ]
    assert outcome["dropped"][0]["external_id"] == heavy.idempotency_key
    assert outcome["dropped"][0]["reason"]
    # Nothing was planned before: every routed order "moved" from no runner to its runner.
    moved = {m["order_id"]: m for m in outcome["moved"]}
    for order in near:
        entry = moved[str(order.id)]
        assert entry["from_runner_id"] is None
        assert entry["to_runner"] == runner_of(outcome, order.id)
        assert entry["customer_name"] == order.customer_name
    with Session(engine) as session:
        run = session.get(DispatchRun, uuid.UUID(outcome["run_id"]))
        assert run is not None
        assert run.status is RunStatus.DONE
        assert run.params["kind"] == "replan"
        assert run.params["reason"] == "pagi ramai"
    assert stored_order(engine, near[0].id).status is OrderStatus.ASSIGNED
    current = client.get(
        f"/api/v1/routes?market=sawojajar&date={world.day}", headers=world.auth(world.operator)
    )
    assert current.status_code == 200
    assert current.json()["markets"][0]["run_id"] == outcome["run_id"]


def test_a_second_replan_keeps_the_plan_and_moves_nothing(
    client: TestClient, world: World, engine: Engine
) -> None:
    """Changing the plan costs: re-planning an unchanged day leaves every order where it was."""
    orders = orders_near_sawojajar(engine, world, 3)
    first = replan(client, world, world.coordinator).json()
    second = replan(client, world, world.coordinator).json()
    assert second["run_id"] != first["run_id"]
    assert second["moved"] == []
    for order in orders:
        assert runner_of(second, order.id) == runner_of(first, order.id)


def test_replan_refusals(client: TestClient, world: World, engine: Engine) -> None:
    """Another market, an unknown one, a bad body, or a market being dispatched."""
    other = replan(client, world, world.other_coordinator)
    assert other.status_code == 404
    assert error_of(other)["code"] == "market.not_found"
    unknown = client.post(
        "/api/v1/markets/nowhere/replan", json={}, headers=world.auth(world.operator)
    )
    assert unknown.status_code == 404
    for body, field in (
        ({"time_limit_s": 0}, "time_limit_s"),
        ({"time_limit_s": 10.5}, "time_limit_s"),
        ({"date": "besok"}, "date"),
        ({"speed": 3}, "speed"),
    ):
        answer = replan(client, world, world.coordinator, **body)
        assert answer.status_code == 422, (body, answer.text)
        assert error_of(answer)["field"] == field
    orders_near_sawojajar(engine, world, 2)
    with Session(engine) as session:
        lease = datetime.now(UTC) + timedelta(seconds=60)
        run = DispatchRun(service_date=world.day, status=RunStatus.RUNNING, lease_until=lease)
        session.add(run)
        session.flush()
        session.add(DispatchRunMarket(run_id=run.id, market_id=world.markets["sawojajar"].id))
        session.commit()
    busy = replan(client, world, world.coordinator)
    assert busy.status_code == 409
    assert error_of(busy)["code"] == "dispatch.market_busy"


def test_a_replan_without_a_body_plans_today_and_a_day_without_orders_is_refused(
    client: TestClient, world: World, engine: Engine
) -> None:
    """The body is optional: today (WIB), one second of solving at most; today has no orders,
    so there is nothing to plan: 409 ``replan.no_orders`` in Bahasa, and no run."""
    set_shifts(engine, world, time(0, 0), time(23, 59))
    answer = client.post("/api/v1/markets/sawojajar/replan", headers=world.auth(world.operator))
    assert answer.status_code == 409, answer.text
    assert error_of(answer)["code"] == "replan.no_orders"
    assert "Tidak ada pesanan" in error_of(answer)["message"]
    with Session(engine) as session:
        assert session.exec(select(DispatchRun)).first() is None


# -- move --------------------------------------------------------------------------------------


def test_moving_an_order_puts_it_on_that_runner_and_pins_it_there(
    client: TestClient, world: World, engine: Engine
) -> None:
    """The order lands on the chosen runner's route, pinned; a later re-plan keeps it there;
    its history says who moved it, when, and from whom to whom."""
    orders = orders_near_sawojajar(engine, world, 3)
    first = replan(client, world, world.coordinator).json()
    order = orders[0]
    before = runner_of(first, order.id)
    target = next(r for r in world.runners["sawojajar"] if r.name != before)
    answer = client.post(
        f"/api/v1/orders/{order.id}/move",
        json={"runner_id": str(target.id), "time_limit_s": FAST},
        headers=world.auth(world.coordinator),
    )
    assert answer.status_code == 200, answer.text
    outcome = answer.json()
    assert runner_of(outcome, order.id) == target.name
    moved = {m["order_id"]: m for m in outcome["moved"]}
    assert moved[str(order.id)]["from_runner"] == before
    assert moved[str(order.id)]["to_runner_id"] == str(target.id)
    assert stored_order(engine, order.id).pinned_runner_id == target.id
    again = replan(client, world, world.operator).json()
    assert runner_of(again, order.id) == target.name
    history = client.get(
        f"/api/v1/orders/{order.id}/events", headers=world.auth(world.coordinator)
    ).json()
    kinds = [e["kind"] for e in history["data"]]
    assert "moved" in kinds
    moved_event = history["data"][kinds.index("moved")]
    assert moved_event["detail"] == target.name
    assert moved_event["by"].startswith("coordinator ")
    replanned = [e for e in history["data"] if e["kind"] == "replanned"]
    assert replanned[-1]["detail"] == f"{before} -> {target.name}"
    ats = [datetime.fromisoformat(e["at"]) for e in history["data"]]
    assert ats == sorted(ats)
    assert all(at.utcoffset() is not None for at in ats)


def test_move_refusals(client: TestClient, world: World, engine: Engine) -> None:
    """Another market's order or runner is not found; a runner of another market (for an
    operator), one off duty, or an order already picked up is refused; bad bodies are 422."""
    (order,) = orders_near_sawojajar(engine, world, 1)
    own, gadang = world.runners["sawojajar"][1], world.runners["gadang"][0]

    def move(token: str, body: dict[str, Any], order_id: uuid.UUID = order.id) -> Any:
        return client.post(f"/api/v1/orders/{order_id}/move", json=body, headers=world.auth(token))

    body = {"runner_id": str(own.id), "time_limit_s": FAST}
    cases = [
        (move(world.other_coordinator, body), 404, "order.not_found"),
        (move(world.coordinator, body, uuid.uuid4()), 404, "order.not_found"),
        (move(world.coordinator, {"runner_id": str(gadang.id)}), 404, "runner.not_found"),
        (move(world.coordinator, {"runner_id": str(uuid.uuid4())}), 404, "runner.not_found"),
        (move(world.operator, {"runner_id": str(gadang.id)}), 422, "replan.other_market"),
        (move(world.coordinator, {}), 422, "request.required"),
        (move(world.coordinator, {"runner_id": "budi"}), 422, "request.invalid"),
        (move(world.coordinator, body | {"time_limit_s": 60}), 422, "request.invalid"),
    ]
    for answer, status, code in cases:
        assert (answer.status_code, error_of(answer)["code"]) == (status, code), answer.text
    client.patch(
        f"/api/v1/runners/{own.id}", json={"status": "off_duty"}, headers=world.auth(world.operator)
    )
    off = move(world.coordinator, body)
    assert (off.status_code, error_of(off)["code"]) == (409, "replan.runner_unavailable")
    with Session(engine) as session:
        row = session.get(Order, order.id)
        assert row is not None
        row.status = OrderStatus.PICKED_UP
        session.add(row)
        session.commit()
    late = move(world.coordinator, {"runner_id": str(world.runner.id)})
    assert (late.status_code, error_of(late)["code"]) == (409, "order.invalid_transition")
    assert stored_order(engine, order.id).pinned_runner_id is None


# -- pin and lock ------------------------------------------------------------------------------


def test_pinning_and_unpinning_an_order(client: TestClient, world: World, engine: Engine) -> None:
    """``runner_id`` pins, ``null`` unpins; nothing is re-planned; the history says so."""
    (order,) = orders_near_sawojajar(engine, world, 1)
    path = f"/api/v1/orders/{order.id}/pin"
    auth = world.auth(world.coordinator)
    pinned = client.put(path, json={"runner_id": str(world.runner.id)}, headers=auth)
    assert pinned.status_code == 200, pinned.text
    assert pinned.json() == {"order_id": str(order.id), "pinned_runner_id": str(world.runner.id)}
    assert stored_order(engine, order.id).status is OrderStatus.PENDING  # not re-planned
    unpinned = client.put(path, json={"runner_id": None}, headers=auth)
    assert unpinned.json()["pinned_runner_id"] is None
    assert stored_order(engine, order.id).pinned_runner_id is None
    history = client.get(f"/api/v1/orders/{order.id}/events", headers=auth).json()
    assert [e["kind"] for e in history["data"] if e["kind"] != "status"] == ["pinned", "unpinned"]
    missing = client.put(path, json={}, headers=auth)
    assert (missing.status_code, error_of(missing)["field"]) == (422, "runner_id")
    gadang = world.runners["gadang"][0]
    foreign = client.put(path, json={"runner_id": str(gadang.id)}, headers=auth)
    assert (foreign.status_code, error_of(foreign)["code"]) == (404, "runner.not_found")
    other = client.put(path, json={"runner_id": None}, headers=world.auth(world.other_coordinator))
    assert (other.status_code, error_of(other)["code"]) == (404, "order.not_found")


def test_locking_a_runners_sequence(client: TestClient, world: World, engine: Engine) -> None:
    """The flag is stored and read back; another market's coordinator cannot see the runner;
    a runner with no stops in the day's plan has no sequence to lock (409, nothing changed)."""
    path = f"/api/v1/runners/{world.runner.id}/lock"
    auth = world.auth(world.coordinator)
    day = world.day.isoformat()
    none = client.put(path, json={"locked": True, "date": day}, headers=auth)
    assert (none.status_code, error_of(none)["code"]) == (409, "replan.no_plan")
    assert "urutan" in error_of(none)["message"]
    assert not stored_runner(engine, world.runner.id).sequence_locked
    orders = orders_near_sawojajar(engine, world, 3)
    for order in orders:
        client.put(
            f"/api/v1/orders/{order.id}/pin", json={"runner_id": str(world.runner.id)}, headers=auth
        )
    assert replan(client, world, world.coordinator).status_code == 200
    locked = client.put(path, json={"locked": True, "date": day}, headers=auth)
    assert locked.status_code == 200, locked.text
    assert locked.json() == {"runner_id": str(world.runner.id), "sequence_locked": True}
    assert stored_runner(engine, world.runner.id).sequence_locked
    unlocked = client.put(path, json={"locked": False}, headers=auth)
    assert unlocked.json()["sequence_locked"] is False
    bad = client.put(path, json={"locked": "mungkin"}, headers=auth)
    assert (bad.status_code, error_of(bad)["field"]) == (422, "locked")
    other = client.put(
        path, json={"locked": True, "date": day}, headers=world.auth(world.other_coordinator)
    )
    assert (other.status_code, error_of(other)["code"]) == (404, "runner.not_found")
    assert not stored_runner(engine, world.runner.id).sequence_locked


def test_a_locked_runner_keeps_the_order_of_its_stops(
    client: TestClient, world: World, engine: Engine
) -> None:
    """After locking, a re-plan with a new order still visits the runner's stops in order."""
    orders_near_sawojajar(engine, world, 4)
    first = replan(client, world, world.coordinator).json()
    busiest = max(first["plan"]["routes"], key=lambda r: len(r["stops"]))
    runner = next(r for r in world.runners["sawojajar"] if r.name == busiest["runner"])
    sequence = [s["order_id"] for s in busiest["stops"]]
    locked = client.put(
        f"/api/v1/runners/{runner.id}/lock",
        json={"locked": True, "date": world.day.isoformat()},
        headers=world.auth(world.coordinator),
    )
    assert locked.status_code == 200, locked.text
    orders_near_sawojajar(engine, world, 1)
    second = replan(client, world, world.coordinator).json()
    route = next(r for r in second["plan"]["routes"] if r["runner"] == runner.name)
    kept = [s["order_id"] for s in route["stops"] if s["order_id"] in sequence]
    assert kept == sequence


# -- off shift ---------------------------------------------------------------------------------


def off_shift_after_a_move(
    client: TestClient, world: World, engine: Engine
) -> tuple[list[Order], list[Order], dict[str, Any]]:
    """Today's three orders planned, the first moved (pinned) to the first runner, who then
    goes off shift: the orders, those the runner had, and the off-shift outcome."""
    set_shifts(engine, world, time(0, 0), time(23, 59))  # whatever the hour, mid-shift
    today = datetime.now(WIB).date()
    orders = orders_near_sawojajar(engine, world, 3, day=today)
    auth = world.auth(world.coordinator)
    client.post(
        "/api/v1/markets/sawojajar/replan",
        json={"date": today.isoformat(), "time_limit_s": FAST},
        headers=auth,
    )
    planned = client.post(
        f"/api/v1/orders/{orders[0].id}/move",
        json={"runner_id": str(world.runner.id), "time_limit_s": FAST},
        headers=auth,
    ).json()
    had = [o for o in orders if runner_of(planned, o.id) == world.runner.name]
    assert orders[0] in had
    answer = client.post(
        f"/api/v1/runners/{world.runner.id}/off-shift", json={"time_limit_s": FAST}, headers=auth
    )
    assert answer.status_code == 200, answer.text
    return orders, had, answer.json()


def test_a_runner_going_off_shift_hands_its_orders_on(
    client: TestClient, world: World, engine: Engine
) -> None:
    """The runner's orders leave its route, each to another runner or dropped with a reason,
    and are reported as moved; the runner is off duty and its pins are lifted."""
    orders, had, outcome = off_shift_after_a_move(client, world, engine)
    runner = stored_runner(engine, world.runner.id)
    today = datetime.now(WIB).date()
    with Session(engine) as session:  # off today's plan; tomorrow it works as usual
        assert on_shift_ids(session, [runner], today) == set()
        assert on_shift_ids(session, [runner], today + timedelta(days=1)) == {runner.id}
    assert stored_order(engine, orders[0].id).pinned_runner_id is None
    dropped = {d["order_id"] for d in outcome["dropped"]}
    for order in orders:
        assert runner_of(outcome, order.id) != world.runner.name
        assert runner_of(outcome, order.id) is not None or str(order.id) in dropped
    moved = {m["order_id"]: m for m in outcome["moved"]}
    for order in had:
        assert moved[str(order.id)]["to_runner_id"] != str(world.runner.id)
    history = client.get(
        f"/api/v1/orders/{orders[0].id}/events", headers=world.auth(world.coordinator)
    ).json()["data"]
    assert [e["kind"] for e in history if e["kind"] in ("moved", "unpinned")] == [
        "moved",
        "unpinned",
    ]
    other = client.post(
        f"/api/v1/runners/{world.runner.id}/off-shift",
        headers=world.auth(world.other_coordinator),
    )
    assert (other.status_code, error_of(other)["code"]) == (404, "runner.not_found")
    slow = client.post(
        f"/api/v1/runners/{world.runner.id}/off-shift",
        json={"time_limit_s": 11},
        headers=world.auth(world.coordinator),
    )
    assert (slow.status_code, error_of(slow)["field"]) == (422, "time_limit_s")


def test_a_runner_back_on_shift_takes_orders_again(
    client: TestClient, world: World, engine: Engine
) -> None:
    """Off shift, then on shift again: the runner is available and is planned again; another
    market's coordinator cannot touch it."""
    off_shift_after_a_move(client, world, engine)
    other = client.post(
        f"/api/v1/runners/{world.runner.id}/on-shift",
        headers=world.auth(world.other_coordinator),
    )
    assert (other.status_code, error_of(other)["code"]) == (404, "runner.not_found")
    back = client.post(
        f"/api/v1/runners/{world.runner.id}/on-shift",
        json={"time_limit_s": FAST},
        headers=world.auth(world.coordinator),
    )
    assert back.status_code == 200, back.text
    assert stored_runner(engine, world.runner.id).status.value == "available"
    assert back.json()["run_id"] is not None


def test_off_shift_moves_say_whom_the_orders_came_from(
    client: TestClient, world: World, engine: Engine
) -> None:
    """Each order the runner had is reported (and logged) as moved from that runner."""
    _, had, outcome = off_shift_after_a_move(client, world, engine)
    moved = {m["order_id"]: m for m in outcome["moved"]}
    for order in had:
        assert moved[str(order.id)]["from_runner_id"] == str(world.runner.id)


def test_a_replan_after_the_shifts_end_drops_the_orders_with_a_reason(
    client: TestClient, world: World, engine: Engine
) -> None:
    """Late in the day nobody can deliver any more: the orders are dropped, never a 500."""
    set_shifts(engine, world, time(0, 0), time(0, 1))  # over whatever the hour
    today = datetime.now(WIB).date()
    orders = orders_near_sawojajar(engine, world, 2, day=today)
    answer = client.post(
        "/api/v1/markets/sawojajar/replan",
        json={"date": today.isoformat(), "time_limit_s": FAST},
        headers=world.auth(world.coordinator),
    )
    assert answer.status_code == 200, answer.text
    assert {d["order_id"] for d in answer.json()["dropped"]} == {str(o.id) for o in orders}


# -- history -----------------------------------------------------------------------------------


def test_an_orders_history_starts_with_its_intake(
    client: TestClient, world: World, engine: Engine
) -> None:
    """An order taken through the API has its creation first, by the caller, in UTC."""
    created = client.post(
        "/api/v1/orders",
        json={
            "market": "sawojajar",
            "external_id": "riwayat-1",
            "customer_name": "Ibu Wulan",
            "phone": "0812-3456-7890",
            "address": "Jl. Danau Toba 12",
            "lat": -7.9712,
            "lon": 112.6655,
            "weight_kg": "2",
            "amount_rp": "50.000",
            "service_date": world.day.isoformat(),
        },
        headers=world.auth(world.coordinator),
    )
    assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    history = client.get(
        f"/api/v1/orders/{order_id}/events", headers=world.auth(world.operator)
    ).json()
    assert history["order_id"] == order_id
    assert history["count"] == len(history["data"]) >= 1
    first = history["data"][0]
    assert first["kind"] == "status"
    assert "pending" in first["detail"]
    assert first["by"].startswith("coordinator ")
    assert datetime.fromisoformat(first["at"]) <= datetime.now(UTC)
    hidden = client.get(
        f"/api/v1/orders/{order_id}/events", headers=world.auth(world.other_coordinator)
    )
    assert (hidden.status_code, error_of(hidden)["code"]) == (404, "order.not_found")


PIN_TARGETS = st.lists(st.one_of(st.none(), st.integers(0, 2)), min_size=1, max_size=6)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(targets=PIN_TARGETS)
def test_the_last_pin_wins_and_every_pin_is_in_the_history(
    client: TestClient, world: World, engine: Engine, targets: list[int | None]
) -> None:
    """Whatever pins and unpins a coordinator taps, the order ends pinned to the last choice
    and its history lists each one, in order, oldest first."""
    (order,) = orders_near_sawojajar(engine, world, 1)
    runners = world.runners["sawojajar"]
    auth = world.auth(world.coordinator)
    for target in targets:
        runner_id = None if target is None else str(runners[target].id)
        answer = client.put(
            f"/api/v1/orders/{order.id}/pin", json={"runner_id": runner_id}, headers=auth
        )
        assert answer.status_code == 200, answer.text
    last = targets[-1]
    assert stored_order(engine, order.id).pinned_runner_id == (
        None if last is None else runners[last].id
    )
    history = client.get(f"/api/v1/orders/{order.id}/events", headers=auth).json()["data"]
    pins = [(e["kind"], e["detail"]) for e in history if e["kind"] != "status"]
    assert pins == [("unpinned", "") if t is None else ("pinned", runners[t].name) for t in targets]
    ats = [datetime.fromisoformat(e["at"]) for e in history]
    assert ats == sorted(ats)


# -- who may call ------------------------------------------------------------------------------

ENDPOINTS = [
    ("POST", "/api/v1/orders/{order}/move", {"runner_id": "{runner}", "time_limit_s": FAST}),
    ("PUT", "/api/v1/orders/{order}/pin", {"runner_id": "{runner}"}),
    ("PUT", "/api/v1/runners/{runner}/lock", {"locked": False, "date": "{day}"}),
    ("GET", "/api/v1/orders/{order}/events", None),
    ("POST", "/api/v1/markets/sawojajar/replan", {"date": "{day}", "time_limit_s": FAST}),
    ("POST", "/api/v1/runners/{runner}/off-shift", {"time_limit_s": FAST}),
    ("POST", "/api/v1/runners/{runner}/on-shift", {"time_limit_s": FAST}),
]


@pytest.mark.parametrize(
    ("method", "path", "body"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ENDPOINTS]
)
def test_who_may_replan(
    client: TestClient,
    world: World,
    engine: Engine,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    """No token, a bad one or a runner's link: 401; another market's coordinator: 404;
    the market's coordinator and operators: 200."""
    set_shifts(engine, world, time(0, 0), time(23, 59))  # off shift re-plans today
    (order,) = orders_near_sawojajar(engine, world, 1)
    values = {"order": str(order.id), "runner": str(world.runners["sawojajar"][2].id)}
    values["day"] = world.day.isoformat()

    def filled(value: Any) -> Any:
        return value.format(**values) if isinstance(value, str) else value

    url = path.format(**values)
    payload = None if body is None else {k: filled(v) for k, v in body.items()}
    expected = {
        None: 401,
        "antar_not-a-real-token": 401,
        world.link: 401,
        world.other_coordinator: 404,
        world.coordinator: 200,
        world.operator: 200,
    }
    wrong = []
    for token, status in expected.items():
        headers = {} if token is None else world.auth(token)
        answer = client.request(method, url, json=payload, headers=headers)
        if answer.status_code != status:
            wrong.append(f"{token!r:.20}: {answer.status_code} (wanted {status}) {answer.text}")
        elif status >= 400:
            error_of(answer)
    assert not wrong, "\n".join(wrong)
