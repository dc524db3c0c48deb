"""Every reader of the current plan agrees (`dispatch.plans` is the one read model).

After a plan is stored and runners act on it, the routes API, each runner's JSON, the
console's market page data, the day's report per runner and the JSON export give, for each
runner, the same stops in the same order, the same trips, planned arrivals, distance,
duration and cash. Plan states are built directly in the database (fast, and free to be
awkward: zero travel times, stored durations that disagree with the arrivals, an older
plan and a newer failed run beside the current one); one test also runs a real dispatch.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.console.views import cash_text, overview_view, runner_rows
from dispatch.actions import (
    FailureReason,
    cancel_order,
    mark_delivered,
    mark_failed,
    mark_picked_up,
)
from dispatch.auth import runner_link_token
from dispatch.db import session_scope
from dispatch.export import day_export, to_json
from dispatch.i18n import Translator
from dispatch.models import (
    DispatchRun,
    DispatchRunMarket,
    DroppedOrder,
    Market,
    Order,
    OrderEvent,
    OrderStatus,
    OrderStatusChange,
    Payment,
    Route,
    RouteStop,
    Runner,
    RunStatus,
)
from dispatch.planning import dispatch
from dispatch.plans import market_plan
from dispatch.report import day_report
from dispatch.settings import Settings
from tests.api.conftest import World
from tests.dispatch.factories import make_order

WIB = ZoneInfo("Asia/Jakarta")
CODE = "sawojajar"


# -- what every reader is compared on ------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """One runner's route as a reader shows it (``None``: the reader does not show it)."""

    stops: tuple[tuple[str, int, int, datetime], ...]
    """(order id, sequence, trip, planned arrival in UTC) in visiting order."""
    cod: tuple[int, ...] | None = None
    status: tuple[str, ...] | None = None
    distance_m: int | None = None
    duration_s: int | None = None
    trips: tuple[tuple[int, tuple[str, ...], int, int, int], ...] | None = None
    """(trip, order ids, collected, to collect, expected)."""
    cash: tuple[int, int, int] | None = None
    """(collected, to collect, expected) of the route."""


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _cash(c: dict[str, int]) -> tuple[int, int, int]:
    return (c["collected_rp"], c["to_collect_rp"], c["expected_rp"])


def _trips(trips: list[dict[str, Any]]) -> tuple[tuple[int, tuple[str, ...], int, int, int], ...]:
    return tuple(
        (t["trip"], tuple(str(o) for o in t["order_ids"]), *_cash(t["cash"])) for t in trips
    )


def from_routes_api(client: TestClient, world: World, day: date) -> dict[str, Seen]:
    answer = client.get(
        "/api/v1/routes",
        params={"market": CODE, "date": day.isoformat()},
        headers=world.auth(world.operator),
    )
    assert answer.status_code == 200, answer.text
    markets = answer.json()["markets"]
    if not markets:
        return {}
    seen = {}
    for route in markets[0]["routes"]:
        stops = route["stops"]
        seen[route["runner_id"]] = Seen(
            stops=tuple(
                (s["order_id"], s["sequence"], s["trip"], _utc(s["arrival"])) for s in stops
            ),
            cod=tuple(s["cod_rp"] for s in stops),
            status=tuple(s["status"] for s in stops),
            distance_m=route["distance_m"],
            duration_s=route["duration_s"],
            trips=_trips(route["trips"]),
            cash=_cash(route["cash"]),
        )
    return seen


def from_runner_json(
    client: TestClient, runners: list[Runner], day: date, settings: Settings
) -> dict[str, Seen]:
    seen = {}
    for runner in runners:
        link = runner_link_token(runner, day, settings)
        answer = client.get(f"/api/v1/runner/{link}/route")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        stops = body["stops"]
        seen[str(runner.id)] = Seen(
            stops=tuple(
                (s["order_id"], s["sequence"], s["trip"], _utc(s["planned_arrival"])) for s in stops
            ),
            cod=tuple(s["cash_to_collect_rp"] for s in stops),
            status=tuple(s["status"] for s in stops),
            distance_m=body["distance_m"],
            duration_s=body["duration_s"],
            trips=_trips(body["trips"]),
            cash=_cash(body["cash"]),
        )
    return seen


def from_export(session: Session, day: date, names: dict[str, str]) -> dict[str, Seen]:
    doc = json.loads(to_json(day_export(session, day, [CODE])))
    if not doc["markets"]:
        return {}
    ids = {name: runner_id for runner_id, name in names.items()}
    seen = {}
    for route in doc["markets"][0]["routes"]:
        stops = route["stops"]
        seen[ids[route["runner"]]] = Seen(
            stops=tuple(
                (s["order_id"], s["sequence"], s["trip"], _utc(s["arrival"])) for s in stops
            ),
            cod=tuple(s["cod_rp"] for s in stops),
            distance_m=route["distance_m"],
            duration_s=route["duration_s"],
        )
    return seen


def console_agrees(
    session: Session, market: Market, day: date, settings: Settings, truth: dict[str, Seen]
) -> None:
    """The console market page's data: the map's stops per runner and the runners' table."""
    t = Translator("id")
    tz = ZoneInfo(settings.timezone)
    runners = list(
        session.exec(
            select(Runner).where(Runner.market_id == market.id).order_by(col(Runner.name))
        ).all()
    )
    plan = market_plan(session, market, day)
    now = datetime.now(UTC)
    view = overview_view(session, market, day, plan, runners, t=t, tz=tz, now=now,
                         settings=settings)  # fmt: skip
    by_name = {r.runner_name: r for r in view.routes}
    for runner in runners:
        want = truth.get(str(runner.id))
        route = by_name.get(runner.name)
        if want is None or not want.stops:
            assert route is None
            continue
        assert route is not None
        assert [(s.sequence, s.trip) for s in route.stops] == [(q, k) for _, q, k, _ in want.stops]
        clocks = [t("console.arrival_wib", time=t.clock(a, tz)) for *_, a in want.stops]
        assert [s.arrival_text for s in route.stops] == clocks
        assert want.status is not None
        assert want.cod is not None
        assert [s.status for s in route.stops] == list(want.status)
        amounts = [cash_text(_Cod(c), t) for c in want.cod]
        assert [s.amount_text for s in route.stops] == amounts
    rows = {r.id: r for r in runner_rows(runners, plan, t=t, now=now)}
    for runner_id, want in truth.items():
        assert want.status is not None
        done = sum(s in ("delivered", "failed") for s in want.status)
        assert (rows[runner_id].orders, rows[runner_id].done) == (len(want.stops), done)


@dataclass(frozen=True)
class _Cod:
    cod_rp: int


def report_agrees(session: Session, day: date, settings: Settings, truth: dict[str, Seen]) -> None:
    """The day's report per runner: counts, cash and planned kilometres and minutes."""
    report = day_report(session, day, [CODE], settings=settings).markets[0]
    by_runner = {str(r.runner_id): r.figures for r in report.runners if r.runner_id}
    for runner_id, want in truth.items():
        assert want.status is not None
        assert want.cod is not None
        assert want.cash is not None
        figures = by_runner.get(runner_id)
        if figures is None:
            assert not want.stops
            continue
        delivered = [c for c, s in zip(want.cod, want.status, strict=True) if s == "delivered"]
        assert figures.delivered == len(delivered)
        assert figures.failed == want.status.count("failed")
        assert figures.open == want.status.count("assigned") + want.status.count("picked_up")
        assert figures.cod_expected_rp == sum(delivered)
        assert figures.cod_collected_rp == want.cash[0]
        assert figures.planned_distance_m == want.distance_m
        assert figures.planned_duration_s == want.duration_s


def every_reader_agrees(
    client: TestClient, world: World, engine: Engine, settings: Settings, day: date
) -> dict[str, Seen]:
    """Read the plan through every reader and check they agree; the routes API's view."""
    with Session(engine) as session:
        market = session.exec(select(Market).where(Market.code == CODE)).one()
        runners = list(
            session.exec(
                select(Runner).where(Runner.market_id == market.id).order_by(col(Runner.name))
            ).all()
        )
        names = {str(r.id): r.name for r in runners}
        exported = from_export(session, day, names)
    routes = from_routes_api(client, world, day)
    runner = from_runner_json(client, runners, day, settings)
    for runner_id in names:
        want = routes.get(runner_id, Seen(()))
        got = runner[runner_id]
        if not want.stops:
            assert not got.stops
            continue
        assert got == want, names[runner_id]
        out = exported[runner_id]
        assert out.stops == want.stops
        assert (out.cod, out.distance_m, out.duration_s) == (
            want.cod,
            want.distance_m,
            want.duration_s,
        )
    with Session(engine) as session:
        market = session.exec(select(Market).where(Market.code == CODE)).one()
        truth = {k: v for k, v in routes.items() if v.stops}
        console_agrees(session, market, day, settings, truth)
        report_agrees(session, day, settings, truth)
    return routes


def route_is_consistent(seen: Seen) -> None:
    """A route's figures hold together: trips numbered in order, arrivals in order, the
    duration reaching the last arrival, cash summed per trip."""
    arrivals = [a for *_, a in seen.stops]
    assert arrivals == sorted(arrivals)
    assert [k for _, _, k, _ in seen.stops] == sorted(k for _, _, k, _ in seen.stops)
    assert seen.trips is not None
    assert seen.cash is not None
    assert [o for trip in seen.trips for o in trip[1]] == [o for o, *_ in seen.stops]
    assert tuple(sum(t[k] for t in seen.trips) for k in (2, 3, 4)) == seen.cash


# -- plans built in the database ---------------------------------------------------------------


def _clear(engine: Engine, market_id: uuid.UUID) -> None:
    """Remove the previous example's orders and runs."""
    with session_scope(engine) as session:
        runs = select(DispatchRunMarket.run_id).where(DispatchRunMarket.market_id == market_id)
        orders = select(Order.id).where(Order.market_id == market_id)
        session.execute(delete(RouteStop).where(col(RouteStop.order_id).in_(orders)))
        session.execute(delete(Route).where(col(Route.market_id) == market_id))
        session.execute(delete(DroppedOrder).where(col(DroppedOrder.order_id).in_(orders)))
        session.execute(
            delete(OrderStatusChange).where(col(OrderStatusChange.order_id).in_(orders))
        )
        session.execute(delete(OrderEvent).where(col(OrderEvent.order_id).in_(orders)))
        run_ids = list(session.exec(runs).all())
        session.execute(delete(DispatchRunMarket).where(col(DispatchRunMarket.run_id).in_(run_ids)))
        session.execute(delete(DispatchRun).where(col(DispatchRun.id).in_(run_ids)))
        session.execute(delete(Order).where(col(Order.market_id) == market_id))


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


@hypothesis_settings(
    max_examples=25,
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
    _clear(engine, world.markets[CODE].id)
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
    _clear(engine, world.markets[CODE].id)
    build(engine, world.day, spec)
    assert sign_in(client, world.coordinator).status_code == 303
    page = client.get(f"/console/{CODE}/runners/{runner.id}?tanggal={world.day.isoformat()}")
    assert page.status_code == 200
    assert len(re.findall(r"data-trip-cash=", page.text)) == 2
    assert "data-over-cap" not in page.text
    _clear(engine, world.markets[CODE].id)
    over = ("none", Payment.COD, cap, True, 10, 100)
    spec["routes"] = [[spec_stop, over], [], []]
    build(engine, world.day, spec)
    page = client.get(f"/console/{CODE}/runners/{runner.id}?tanggal={world.day.isoformat()}")
    assert "data-over-cap" in page.text
    assert "Perjalanan 2 melebihi" in page.text
