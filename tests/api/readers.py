"""What every reader of the current plan shows, and the check that they all agree.

`every_reader_agrees` reads a market's plan through the routes API, each runner's JSON, the
console's market page data, the day's report per runner and the JSON export, and checks that
they give, for each runner, the same stops in the same order, the same trips, planned
arrivals, distance, duration and cash (`tests/api/test_plan_readers.py` and the day's state
machine `tests/api/test_day_machine.py` both use it). `clear_market` removes a market's
orders and runs between examples.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.console.views import cash_text, overview_view, runner_rows
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
    OrderItem,
    OrderStatusChange,
    Route,
    RouteStop,
    Runner,
    RunnerStatus,
    ShiftEnd,
)
from dispatch.plans import market_plan
from dispatch.report import day_report
from dispatch.settings import Settings
from tests.api.conftest import World

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


def clear_market(engine: Engine, market_id: uuid.UUID) -> None:
    """Remove the previous example's orders and runs, and put the market's runners back on
    shift, unlocked."""
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
        session.execute(delete(OrderItem).where(col(OrderItem.order_id).in_(orders)))
        run_ids = list(session.exec(runs).all())
        session.execute(delete(DispatchRunMarket).where(col(DispatchRunMarket.run_id).in_(run_ids)))
        session.execute(delete(DispatchRun).where(col(DispatchRun.id).in_(run_ids)))
        session.execute(delete(Order).where(col(Order.market_id) == market_id))
        crew = session.exec(select(Runner).where(Runner.market_id == market_id)).all()
        session.execute(delete(ShiftEnd).where(col(ShiftEnd.runner_id).in_([r.id for r in crew])))
        for runner in crew:
            runner.status = RunnerStatus.AVAILABLE
            runner.sequence_locked = False
            session.add(runner)
