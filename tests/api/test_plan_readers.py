"""Every reader of the current plan agrees (`dispatch.plans` is the one read model).

After a plan is stored and runners act on it, the routes API, each runner's JSON, the
console's market page data, the day's report per runner and the JSON export give, for each
runner, the same stops in the same order, the same trips, planned arrivals, distance,
duration and cash. Plan states are built directly in the database (fast, and free to be
awkward: zero travel times, stored durations that disagree with the arrivals, an older
plan and a newer failed run beside the current one); one test also runs a real dispatch.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dispatch.actions import (
    FailureReason,
    cancel_order,
    mark_delivered,
    mark_failed,
    mark_picked_up,
)
from dispatch.auth import runner_link_token
from dispatch.db import session_scope
from dispatch.models import (
    DispatchRun,
    DispatchRunMarket,
    DroppedOrder,
    Market,
    Order,
    OrderStatus,
    Payment,
    Route,
    RouteStop,
    Runner,
    RunStatus,
)
from dispatch.planning import dispatch
from dispatch.settings import Settings
from tests.api.conftest import World
from tests.api.readers import CODE, clear_market, every_reader_agrees, route_is_consistent
from tests.dispatch.factories import make_order
from tests.examples import scaled

WIB = ZoneInfo("Asia/Jakarta")


# -- plans built in the database ---------------------------------------------------------------


ACTIONS = ("none", "picked_up", "delivered", "delivered_other", "failed", "cancelled")

stop_specs = st.tuples(
    st.sampled_from(ACTIONS),
    st.sampled_from([Payment.COD, Payment.CASHLESS]),
    st.integers(0, 400_000),
    st.booleans(),  # a new trip starts here
    st.integers(0, 25),  # minutes since the previous arrival (0: reached at the same time)
    st.integers(0, 4_000),  # the leg's metres
)

plan_specs = st.fixed_dictionaries(
    {
        "routes": st.lists(st.lists(stop_specs, max_size=5), min_size=3, max_size=3),
        "durations": st.lists(st.integers(0, 6 * 3600), min_size=3, max_size=3),
        "dropped": st.integers(0, 2),
        "older_plan": st.booleans(),
        "newer_failed_run": st.booleans(),
    }
)


def _run(
    session: Session, market: Market, day: date, status: RunStatus, at: datetime
) -> DispatchRun:
    run = DispatchRun(service_date=day, status=status, started_at=at, finished_at=at, params={})
    session.add(run)
    session.flush()
    # A finished run stored its plan; a failed one (here) never got as far.
    stored = at if status is RunStatus.DONE else None
    session.add(DispatchRunMarket(run_id=run.id, market_id=market.id, stored_at=stored))
    return run


def build(engine: Engine, day: date, spec: dict[str, Any]) -> None:
    """A plan for ``day`` as ``spec`` says, then the runners' actions on it."""
    now = datetime.now(UTC)
    actions: list[tuple[uuid.UUID, str, int]] = []
    with session_scope(engine) as session:
        market = session.exec(select(Market).where(Market.code == CODE)).one()
        runners = session.exec(
            select(Runner).where(Runner.market_id == market.id).order_by(col(Runner.name))
        ).all()
        key = 0
        orders: list[list[Order]] = []
        for stops in spec["routes"]:
            mine = []
            for action, payment, amount, _, _, _ in stops:
                key += 1
                order = make_order(market, f"wa-{key:03d}", service_date=day, payment=payment,
                                   amount_rp=amount, status=OrderStatus.ASSIGNED)  # fmt: skip
                session.add(order)
                mine.append(order)
                actions.append((order.id, action, order.cod_rp))
            orders.append(mine)
        dropped = []
        for _ in range(spec["dropped"]):
            key += 1
            order = make_order(market, f"wa-{key:03d}", service_date=day)
            session.add(order)
            dropped.append(order)
        session.flush()
        if spec["older_plan"]:  # every order on the last runner, in reverse: not current
            old = _run(session, market, day, RunStatus.DONE, now - timedelta(hours=1))
            route = Route(run_id=old.id, runner_id=runners[-1].id, market_id=market.id,
                          service_date=day, distance_m=1, duration_s=60)  # fmt: skip
            session.add(route)
            session.flush()
            every = [o for mine in orders for o in mine][::-1]
            for k, order in enumerate(every, start=1):
                session.add(RouteStop(route_id=route.id, order_id=order.id, sequence=k, trip=1,
                                      planned_arrival=now))  # fmt: skip
        run = _run(session, market, day, RunStatus.DONE, now)
        for runner, stops, mine, duration in zip(
            runners, spec["routes"], orders, spec["durations"], strict=True
        ):
            route = Route(run_id=run.id, runner_id=runner.id, market_id=market.id,
                          service_date=day, duration_s=duration)  # fmt: skip
            session.add(route)
            session.flush()
            arrival = datetime.combine(day, runner.shift_start, tzinfo=WIB).astimezone(UTC)
            trip, distance = 1, 0
            for k, ((_, _, _, new_trip, gap, leg), order) in enumerate(
                zip(stops, mine, strict=True), start=1
            ):
                trip += int(new_trip and k > 1)
                arrival += timedelta(minutes=gap)
                distance += leg
                session.add(RouteStop(route_id=route.id, order_id=order.id, sequence=k,
                                      trip=trip, planned_arrival=arrival, distance_m=leg,
                                      duration_s=gap * 60))  # fmt: skip
            route.distance_m = distance
            session.add(route)
        for order in dropped:
            drop = DroppedOrder(run_id=run.id, order_id=order.id, reason_code="exceeds_capacity")
            session.add(drop)
        if spec["newer_failed_run"]:  # a later run that failed stored nothing current
            _run(session, market, day, RunStatus.FAILED, now + timedelta(minutes=1))
    with session_scope(engine) as session:
        for order_id, action, cod in actions:
            if action in ("picked_up", "delivered", "delivered_other"):
                mark_picked_up(session, order_id, by="runner test")
            if action == "delivered":
                mark_delivered(session, order_id, collected_rp=cod, by="runner test")
            elif action == "delivered_other":
                mark_delivered(session, order_id, collected_rp=cod + 1_000, by="runner test")
            elif action == "failed":
                mark_failed(session, order_id, reason=FailureReason.NOT_AT_HOME, by="runner test")
            elif action == "cancelled":
                cancel_order(session, order_id, by="coordinator test")


@pytest.fixture
def readers(
    client: TestClient, world: World, engine: Engine, settings: Settings
) -> tuple[TestClient, World, Engine, Settings]:
    """The routes API's client, the world, the database and the settings, together."""
    return client, world, engine, settings


@pytest.mark.explore
@hypothesis_settings(
    max_examples=scaled(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=plan_specs)
def test_every_reader_agrees_on_any_plan(
    readers: tuple[TestClient, World, Engine, Settings], spec: dict[str, Any]
) -> None:
    """Routes API, runner JSON, console data, report and export agree on each runner's
    stops, trips, arrivals, distance, duration and cash, and on what the plan holds."""
    client, world, engine, settings = readers
    clear_market(engine, world.markets[CODE].id)
    build(engine, world.day, spec)
    seen = every_reader_agrees(client, world, engine, settings, world.day)
    with Session(engine) as session:
        runners = session.exec(
            select(Runner)
            .where(Runner.market_id == world.markets[CODE].id)
            .order_by(col(Runner.name))
        ).all()
        for runner, stops in zip(runners, spec["routes"], strict=True):
            kept = [s for s in stops if s[0] != "cancelled"]
            route = seen[str(runner.id)]
            assert len(route.stops) == len(kept)  # cancelled orders are no stops
            if route.stops:
                route_is_consistent(route)
                assert route.duration_s is not None
                assert route.duration_s >= (route.stops[-1][3] - route.stops[0][3]).total_seconds()


def test_every_reader_agrees_after_a_dispatch_and_runner_actions(
    client: TestClient, world: World, engine: Engine, settings: Settings
) -> None:
    """A real dispatch, then runners pick up, deliver (one with other cash) and fail through
    their links: every reader still agrees, and the cash of each trip adds up."""
    day = world.day
    with session_scope(engine) as session:
        market = session.exec(select(Market).where(Market.code == CODE)).one()
        for k in range(9):
            session.add(make_order(market, f"wa-{k:03d}", service_date=day,
                                   lat=-7.9712 + 0.002 * (k % 3), lon=112.6655 + 0.002 * (k // 3),
                                   weight_g=4000 + 1000 * k))  # fmt: skip
    dispatch(engine, [CODE], day, settings, time_limit_s=0.3, workers=1)
    seen = every_reader_agrees(client, world, engine, settings, day)
    assert any(route.stops for route in seen.values())
    with Session(engine) as session:
        runners = {str(r.id): r for r in session.exec(select(Runner)).all()}
    acted = 0
    for runner_id, route in seen.items():
        link = runner_link_token(runners[runner_id], day, settings)
        for k, (order_id, *_) in enumerate(route.stops[:3]):
            base = f"/api/v1/runner/{link}/stops/{order_id}"
            assert client.post(f"{base}/picked-up").status_code == 200
            if k == 2:
                body = {"reason": "not_at_home", "note": ""}
                assert client.post(f"{base}/failed", json=body).status_code == 200
            else:
                cod = route.cod[k] if route.cod else 0
                body = {"collected_rp": cod + 500 * k}
                assert client.post(f"{base}/delivered", json=body).status_code == 200
            acted += 1
    assert acted
    for route in every_reader_agrees(client, world, engine, settings, day).values():
        if route.stops:
            route_is_consistent(route)


def test_console_runner_page_warns_per_trip_not_per_day(
    client: TestClient, world: World, engine: Engine, settings: Settings
) -> None:
    """Two trips each under the cap, together over it: no warning; a trip over it: warned."""
    from tests.api.test_console import sign_in

    runner = world.runners[CODE][0]
    cap = runner.cash_cap_rp
    half = cap // 2 + 1
    spec_stop = ("none", Payment.COD, half - 5_000, False, 10, 100)
    second_trip = ("none", Payment.COD, half - 5_000, True, 10, 100)
    spec = {"routes": [[spec_stop, second_trip], [], []], "durations": [0, 0, 0],
            "dropped": 0, "older_plan": False, "newer_failed_run": False}  # fmt: skip
    clear_market(engine, world.markets[CODE].id)
    build(engine, world.day, spec)
    assert sign_in(client, world.coordinator).status_code == 303
    page = client.get(f"/console/{CODE}/runners/{runner.id}?tanggal={world.day.isoformat()}")
    assert page.status_code == 200
    assert len(re.findall(r"data-trip-cash=", page.text)) == 2
    assert "data-over-cap" not in page.text
    clear_market(engine, world.markets[CODE].id)
    over = ("none", Payment.COD, cap, True, 10, 100)
    spec["routes"] = [[spec_stop, over], [], []]
    build(engine, world.day, spec)
    page = client.get(f"/console/{CODE}/runners/{runner.id}?tanggal={world.day.isoformat()}")
    assert "data-over-cap" in page.text
    assert "Perjalanan 2 melebihi" in page.text
