"""Planning and batch dispatch against a real database (SQLite file; PostgreSQL when set)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from dispatch.actions import cancel_order, mark_delivered, mark_picked_up
from dispatch.db import make_engine, session_scope, upgrade
from dispatch.errors import DomainError
from dispatch.export import day_export
from dispatch.generate import MarketSpot, generate_orders
from dispatch.intake import import_orders, submit_order
from dispatch.models import (
    DispatchRun,
    DroppedOrder,
    Fulfilment,
    Market,
    Order,
    OrderStatus,
    Route,
    RouteStop,
    RunStatus,
)
from dispatch.planning import (
    create_run,
    dispatch,
    execute_run,
    fail_lapsed_runs,
    load_day,
    orders_arrived,
    snapshot,
    solve_day,
    store_result,
)
from dispatch.planning.snapshot import forget_plans
from dispatch.seed import seed
from dispatch.settings import Settings
from dispatch.validation import validate_order
from tests.dispatch.factories import order_fields

DAY = date(2026, 11, 26)
WIB = ZoneInfo("Asia/Jakarta")
SETTINGS = Settings()


def seeded(engine: Engine, per_market: int, codes: tuple[str, ...] = ("sawojajar",)) -> None:
    """Markets, runners and generated orders for ``DAY`` at the markets ``codes``."""
    with Session(engine) as session:
        seed(session, settings=SETTINGS)
    with session_scope(engine) as session:
        markets = session.exec(select(Market).where(col(Market.code).in_(codes))).all()
        spots = [MarketSpot(m.code, m.lat, m.lon) for m in markets]
        rows = generate_orders(spots, per_market, seed=3, day=DAY)
        report = import_orders(
            session, ((k + 2, r) for k, r in enumerate(rows)), service_date=DAY, tz=WIB
        )
        assert report.ok


def every_order_placed_once(engine: Engine, run_id: object) -> None:
    """Each pending or assigned delivery order is on exactly one route of the run or dropped."""
    with Session(engine) as session:
        orders = session.exec(
            select(Order)
            .where(Order.fulfilment == Fulfilment.DELIVERY)
            .where(col(Order.status).in_([OrderStatus.PENDING, OrderStatus.ASSIGNED]))
        ).all()
        on_route = session.exec(
            select(RouteStop.order_id)
            .join(Route, col(Route.id) == col(RouteStop.route_id))
            .where(Route.run_id == run_id)
        ).all()
        dropped = session.exec(select(DroppedOrder).where(DroppedOrder.run_id == run_id)).all()
        assert len(on_route) == len(set(on_route))
        assert not set(on_route) & {d.order_id for d in dropped}
        for order in orders:
            if order.id in set(on_route):
                assert order.status == OrderStatus.ASSIGNED
            else:
                assert order.status == OrderStatus.PENDING
                reasons = [d for d in dropped if d.order_id == order.id]
                assert len(reasons) == 1
                assert reasons[0].reason_code
                assert reasons[0].reason


def test_dispatch_routes_every_order_or_drops_it_with_a_reason(engine: Engine) -> None:
    """After a dispatch, each delivery order is on one route or dropped with its reason."""
    seeded(engine, 25)
    outcome = dispatch(engine, ["sawojajar"], DAY, SETTINGS, time_limit_s=0.5, workers=1)
    assert outcome.status is RunStatus.DONE
    assert outcome.markets[0]["routed"] > 0
    every_order_placed_once(engine, outcome.run_id)


def test_pickup_orders_are_never_routed(engine: Engine) -> None:
    """Orders the customer collects (diambil sendiri) stay out of every route."""
    seeded(engine, 25)
    outcome = dispatch(engine, ["sawojajar"], DAY, SETTINGS, time_limit_s=0.3, workers=1)
    with Session(engine) as session:
        routed = set(
            session.exec(
                select(RouteStop.order_id)
                .join(Route, col(Route.id) == col(RouteStop.route_id))
                .where(Route.run_id == outcome.run_id)
            ).all()
        )
        pickups = session.exec(select(Order).where(Order.fulfilment == Fulfilment.PICKUP)).all()
    assert not routed & {o.id for o in pickups}


def test_redispatch_keeps_a_picked_up_order_with_its_runner(engine: Engine) -> None:
    """A second dispatch plans again what is not picked up; a picked-up order stays on its
    runner's route (it is on board), nowhere else."""
    seeded(engine, 15)
    first = dispatch(engine, ["sawojajar"], DAY, SETTINGS, time_limit_s=0.3, workers=1)
    with session_scope(engine) as session:
        order = session.exec(select(Order).where(Order.status == OrderStatus.ASSIGNED)).first()
        assert order is not None
        order.status = OrderStatus.PICKED_UP
        session.add(order)
        picked = order.id
        carrier = session.exec(
            select(Route.runner_id)
            .join(RouteStop, col(RouteStop.route_id) == col(Route.id))
            .where(Route.run_id == first.run_id)
            .where(RouteStop.order_id == picked)
        ).one()
    second = dispatch(engine, ["sawojajar"], DAY, SETTINGS, time_limit_s=0.3, workers=1)
    assert second.run_id != first.run_id
    with Session(engine) as session:
        replanned = session.exec(
            select(RouteStop.order_id, Route.runner_id)
            .join(Route, col(Route.id) == col(RouteStop.route_id))
            .where(Route.run_id == second.run_id)
        ).all()
        export = day_export(session, DAY)
    assert [runner for order, runner in replanned if order == picked] == [carrier]
    every_order_placed_once(engine, second.run_id)
    assert export.markets[0].routes  # the latest finished run is the current plan


def test_one_run_per_market_at_a_time(engine: Engine) -> None:
    """While a run holds a market, another dispatch of that market is refused."""
    seeded(engine, 3)
    create_run(engine, ["sawojajar"], DAY, {"time_limit_s": 0.2})
    with pytest.raises(DomainError) as refused:
        create_run(engine, ["sawojajar"], DAY, {"time_limit_s": 0.2})
    assert refused.value.code == "dispatch.market_busy"


def test_a_run_whose_lease_lapsed_is_marked_failed_and_one_alive_is_not(engine: Engine) -> None:
    """A run whose lease is alive is left alone; once it lapsed it is marked failed, freeing
    its market."""
    seeded(engine, 3)
    run_id = create_run(engine, ["sawojajar"], DAY, {"time_limit_s": 0.2}, lease_s=30)
    assert fail_lapsed_runs(engine) == 0
    assert fail_lapsed_runs(engine, datetime.now(UTC) + timedelta(seconds=31)) == 1
    with Session(engine) as session:
        run = session.get(DispatchRun, run_id)
        assert run is not None
        assert run.status is RunStatus.FAILED
        assert run.error
    create_run(engine, ["sawojajar"], DAY, {"time_limit_s": 0.2})


def test_a_result_delivered_twice_is_stored_once(engine: Engine) -> None:
    """A retried solve (same result twice) adds no second set of routes."""
    seeded(engine, 10)
    run_id = create_run(engine, ["sawojajar"], DAY, {})
    with Session(engine) as session:
        market = session.exec(select(Market).where(Market.code == "sawojajar")).one()
        day = load_day(session, market, DAY, SETTINGS, datetime.now(UTC))
    result = solve_day(day, 0.3)
    for _ in range(2):
        with session_scope(engine) as session:
            run = session.get(DispatchRun, run_id)
            assert run is not None
            store_result(session, run, day, result, by="test")
    with Session(engine) as session:
        stops = session.exec(select(func.count()).select_from(RouteStop)).one()
    assert stops == sum(len(r.stops) for r in result.routes)


def test_markets_solve_in_parallel_processes(engine: Engine) -> None:
    """Two markets on a process pool of two: both planned, each stored once."""
    seeded(engine, 8, ("sawojajar", "gadang"))
    outcome = dispatch(engine, ["sawojajar", "gadang"], DAY, SETTINGS, time_limit_s=0.3, workers=2)
    assert outcome.status is RunStatus.DONE
    assert sorted(m["market"] for m in outcome.markets) == ["gadang", "sawojajar"]
    every_order_placed_once(engine, outcome.run_id)


def test_dask_executor_plans_like_the_local_one(engine: Engine) -> None:
    """With the Dask executor (a local in-process cluster) the run completes the same way."""
    seeded(engine, 6)
    run_id = create_run(engine, ["sawojajar"], DAY, {"time_limit_s": 0.3})
    outcome = execute_run(engine, run_id, SETTINGS, executor="dask")
    assert outcome.status is RunStatus.DONE, outcome.error
    every_order_placed_once(engine, run_id)


def test_concurrent_duplicate_submissions_create_one_order(database_url: str) -> None:
    """Eight threads submitting the same order at once leave exactly one order."""
    engine = make_engine(database_url)
    upgrade(engine)
    with Session(engine) as session:
        seed(session, settings=SETTINGS)
    raw = {
        "market": "sawojajar",
        "external_id": "wa-race-1",
        "customer_name": "Siti",
        "phone": "0812-3456-7890",
        "address": "Jl. Danau Toba 5",
        "lat": "-7.9750",
        "lon": "112.6610",
        "items": "tahu 10 biji",
        "weight_kg": "1",
        "fulfilment": "",
        "payment": "",
        "amount_rp": "10.000",
        "delivery_fee_rp": "5000",
        "window_start": "",
        "window_end": "",
        "notes": "",
    }
    draft = validate_order(raw, day=DAY, tz=WIB, known_markets=["sawojajar"])
    barrier = threading.Barrier(8)
    created: list[bool] = []

    def submit() -> None:
        barrier.wait()
        with session_scope(engine) as session:
            created.append(submit_order(session, draft, service_date=DAY).created)

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Session(engine) as session:
        count = session.exec(select(func.count()).select_from(Order)).one()
    engine.dispose()
    assert count == 1
    assert sorted(created) == [False] * 7 + [True]


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(per_market=st.integers(1, 30), generator_seed=st.integers(0, 10_000))
def test_any_dispatch_places_every_pending_order(
    tmp_path_factory: pytest.TempPathFactory, per_market: int, generator_seed: int
) -> None:
    """Whatever the day, after dispatch every pending delivery order is routed or dropped."""
    folder = tmp_path_factory.mktemp("day")
    engine = make_engine(f"sqlite:///{folder / 'antar.db'}")
    upgrade(engine)
    with Session(engine) as session:
        seed(session, settings=SETTINGS)
    with session_scope(engine) as session:
        market = session.exec(select(Market).where(Market.code == "mergan")).one()
        rows = generate_orders(
            [MarketSpot(market.code, market.lat, market.lon)], per_market, generator_seed, DAY
        )
        import_orders(session, ((k + 2, r) for k, r in enumerate(rows)), service_date=DAY, tz=WIB)
    outcome = dispatch(engine, ["mergan"], DAY, SETTINGS, time_limit_s=0.2, workers=1)
    assert outcome.status is RunStatus.DONE
    every_order_placed_once(engine, outcome.run_id)
    engine.dispose()


def test_a_snapshot_of_a_plan_just_stored_equals_one_read_through_the_plans(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an insertion run the next snapshot takes the stops it stored from memory, not
    from `plans.market_plan`, and sees the same day: done, carried and cancelled orders,
    trips and the runners' starts alike."""
    seeded(engine, 15)
    first = dispatch(engine, ["sawojajar"], DAY, SETTINGS, time_limit_s=0.3, workers=1)
    with session_scope(engine) as session:
        routed = session.exec(
            select(RouteStop.order_id)
            .join(Route, col(Route.id) == col(RouteStop.route_id))
            .where(Route.run_id == first.run_id)
            .order_by(col(RouteStop.sequence))
        ).all()
        delivered, carried, cancelled = routed[:3]
        for order_id in (delivered, carried):
            mark_picked_up(session, order_id, by="test")
        mark_delivered(session, delivered, collected_rp=0, by="test")
        cancel_order(session, cancelled, by="test")
    now = datetime.combine(DAY, clock(9, 0), tzinfo=WIB)
    with session_scope(engine) as session:
        market = session.exec(select(Market).where(Market.code == "sawojajar")).one()
        fields = order_fields(external_id="baru-1", window_start="09:15", window_end="11:00")
        new = import_orders(session, [(2, fields)], service_date=DAY, tz=WIB).created[0][1]
    placed = orders_arrived(engine, [new], SETTINGS, by="test", now=now)
    assert placed[0].result in ("inserted", "unplanned")

    def unread(*_args: object) -> None:
        raise AssertionError("the remembered plan was read again")

    with Session(engine) as session:
        market = session.exec(select(Market).where(Market.code == "sawojajar")).one()
        with monkeypatch.context() as patched:
            patched.setattr(snapshot, "market_plan", unread)
            remembered = load_day(session, market, DAY, SETTINGS, now, insertion=True)
        forget_plans()
        read = load_day(session, market, DAY, SETTINGS, now, insertion=True)
    assert remembered == read
    assert read.has_plan
    assert {o for r in read.runners for o in r.carried} == {carried}
    assert any(s.order_id == delivered for r in read.runners for s in r.done)
    assert cancelled not in {o.id for o in read.orders}
