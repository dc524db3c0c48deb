"""Done-when of the sellers' issue, through the command line: `antar sellers import`, an
orders CSV with seller orders, `antar dispatch --all` and `antar routes export --format json`
give every seller order a pickup stop at its seller, before its delivery, on the same runner,
and every plan passes `routing.check`."""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import dispatch.planning.solve as planning_solve
from dispatch.actions import mark_picked_up
from dispatch.db import make_engine
from dispatch.generate import MarketSpot, SellerSpot, generate_orders
from dispatch.intake import import_orders
from dispatch.models import DispatchRun, Fulfilment, Market, Order, RunStatus, Seller, StopKind
from dispatch.planning import dispatch, replan_market
from dispatch.plans import market_plan
from dispatch.seed import seed
from dispatch.settings import Settings
from routing import Problem, Solution
from tests.dispatch.test_city import Antar, antar_on

__all__ = ["antar_on"]

CITY = Path(__file__).resolve().parents[1] / "data" / "city"
DAY = "2026-12-10"
WIB = ZoneInfo("Asia/Jakarta")
DATE = date(2026, 12, 10)


def test_seller_orders_are_collected_at_the_seller_before_their_delivery(
    tmp_path: Path, antar_on: Antar, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every seller order routed has exactly one pickup stop at its seller's place, inside
    the seller's opening hours, on the runner that delivers it and before the delivery;
    every market's plan was checked by `routing.check` with no violation."""
    url = f"sqlite:///{tmp_path / 'antar.db'}"
    checked: list[tuple[int, int]] = []
    check = planning_solve.check_solution

    def recording_check(problem: Problem, solution: Solution) -> list[Any]:
        violations = check(problem, solution)
        pickups = sum(1 for stop in problem.stops if stop.pickup is not None)
        checked.append((pickups, len(violations)))
        return violations

    monkeypatch.setattr(planning_solve, "check_solution", recording_check)
    assert antar_on(url, "seed").returncode == 0
    imported = antar_on(url, "sellers", "import", str(CITY / "sellers.csv"), "--verified")
    assert imported.returncode == 0, imported.stderr
    orders = tmp_path / "orders.csv"
    generated = antar_on(
        url, "orders", "generate", "--per-market", "10", "--seed", "3",
        "--seller-share", "0.4", "--date", DAY, "--csv", str(orders),
    )  # fmt: skip
    assert generated.returncode == 0, generated.stderr
    rows = list(csv.DictReader(orders.open(encoding="utf-8")))
    assert sum(1 for r in rows if r["seller"]) >= 12
    assert antar_on(url, "orders", "import", str(orders), "--date", DAY).returncode == 0
    dispatched = antar_on(
        url, "dispatch", "--all", "--date", DAY, "--time-limit", "0.5", "--workers", "1"
    )
    assert dispatched.returncode == 0, dispatched.stderr
    out = tmp_path / "routes.json"
    exported = antar_on(
        url, "routes", "export", "--format", "json", "--out", str(out), "--date", DAY
    )
    assert exported.returncode == 0, exported.stderr

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            runs = session.exec(select(DispatchRun)).all()
            sellers = {s.code: s for s in session.exec(select(Seller)).all()}
            seller_orders = {
                str(o.id): sellers_code
                for o, sellers_code in session.exec(
                    select(Order, Seller.code)
                    .join(Seller, Seller.id == Order.seller_id)  # type: ignore[arg-type]
                    .where(Order.fulfilment == Fulfilment.DELIVERY)
                ).all()
            }
    finally:
        engine.dispose()
    assert [run.status for run in runs] == [RunStatus.DONE]
    assert len(checked) == 6  # one check per market, each passed
    assert all(violations == 0 for _, violations in checked)
    assert sum(pickups for pickups, _ in checked) == len(seller_orders)

    doc = json.loads(out.read_text(encoding="utf-8"))
    routed_seller_orders = 0
    for market in doc["markets"]:
        for route in market["routes"]:
            stops = route["stops"]
            assert [s["sequence"] for s in stops] == sorted(s["sequence"] for s in stops)
            kinds = Counter((s["order_id"], s["kind"]) for s in stops)
            for stop in stops:
                order_id = stop["order_id"]
                assert stop["kind"] in ("delivery", "pickup")
                if stop["kind"] == "delivery" and order_id in seller_orders:
                    routed_seller_orders += 1
                    assert kinds[(order_id, "pickup")] == 1, "one pickup, on this runner"
                    pickup = next(
                        s for s in stops if s["order_id"] == order_id and s["kind"] == "pickup"
                    )
                    seller = sellers[seller_orders[order_id]]
                    assert pickup["seller"] == stop["seller"] == seller.code
                    assert (pickup["lat"], pickup["lon"]) == (seller.lat, seller.lon)
                    assert pickup["sequence"] < stop["sequence"]
                    assert pickup["arrival"] <= stop["arrival"]
                    at = datetime.fromisoformat(pickup["arrival"]).astimezone(WIB).time()
                    assert seller.opens <= at <= seller.closes
                if stop["kind"] == "pickup":
                    assert kinds[(order_id, "delivery")] == 1, "its delivery, on this runner"
                    assert stop["cod_rp"] == 0
                if order_id not in seller_orders:
                    assert stop["kind"] == "delivery"
                    assert stop["seller"] is None
    assert routed_seller_orders >= 10


def test_a_collected_pickup_stays_done_at_the_head_of_a_new_plan(engine: Engine) -> None:
    """After the runner collects a seller order's goods, a re-plan keeps that pickup as a
    done stop before the stops still to make, and the delivery stays on the same runner."""
    settings = Settings()
    with Session(engine) as session:
        seed(session, settings=settings)
        market = session.exec(select(Market).where(Market.code == "sawojajar")).one()
        sellers = [
            SellerSpot(s.code, s.category.value)
            for s in session.exec(select(Seller).where(Seller.market_id == market.id)).all()
        ]
        rows = generate_orders(
            [MarketSpot(market.code, market.lat, market.lon)],
            8,
            2,
            DATE,
            sellers={"sawojajar": sellers},
            seller_share=0.5,
        )
        assert import_orders(session, enumerate(rows, start=2), service_date=DATE, tz=WIB).ok
        session.commit()
        market_id = market.id
    dispatch(engine, ["sawojajar"], DATE, settings, time_limit_s=0.5, workers=1)
    with Session(engine) as session:
        market = session.get(Market, market_id)
        assert market is not None
        route = next(r for r in market_plan(session, market, DATE).routes if r.pickups)
        collected = route.pickups[0].order_id
        mark_picked_up(session, collected, by="runner test")
        session.commit()
    # Mid-morning of the market day: the runner has left with the goods.
    now = datetime.combine(DATE, time(8, 0), tzinfo=WIB)
    replan_market(engine, market_id, DATE, by="test", settings=settings, reason="test", now=now)
    with Session(engine) as session:
        market = session.get(Market, market_id)
        assert market is not None
        again = market_plan(session, market, DATE).route_of(route.runner_id)
        assert again is not None
        kinds = [(s.order_id, s.kind, s.done) for s in again.visits]
        assert kinds[0] == (collected, StopKind.PICKUP, True)
        assert (collected, StopKind.DELIVERY, False) in kinds
        assert [s.sequence for s in again.visits] == sorted(s.sequence for s in again.visits)
