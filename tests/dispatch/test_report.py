"""The day's report: its sums against the stored orders of a played market day, its
invariants on random outcomes, its three renderings and the ``antar report`` command."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
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
from dispatch.cli import main
from dispatch.db import session_scope
from dispatch.errors import DomainError
from dispatch.generate import MarketSpot, generate_orders
from dispatch.intake import import_orders
from dispatch.models import (
    DroppedOrder,
    Market,
    Order,
    OrderStatus,
    OrderStatusChange,
    Payment,
    Route,
    Runner,
)
from dispatch.planning import dispatch
from dispatch.plans import current_run_id, runner_route
from dispatch.report import (
    CSV_COLUMNS,
    DayReport,
    Figures,
    MarketReport,
    OrderFacts,
    PlannedRoute,
    day_report,
    due_by,
    market_report,
    report_csv,
    report_json,
    report_table,
)
from dispatch.seed import seed
from dispatch.settings import Settings
from tests.dispatch.factories import add_market, make_order

WIB = ZoneInfo("Asia/Jakarta")
SETTINGS = Settings()
#: Tomorrow: orders created now arrive before the day's first shift, whenever tests run.
DAY = datetime.now(WIB).date() + timedelta(days=1)
MARKETS = ("gadang", "sawojajar")
FAILURES = (FailureReason.NOT_AT_HOME, FailureReason.REFUSED, FailureReason.ADDRESS_NOT_FOUND)


def _wib(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), tzinfo=WIB)


@dataclass
class PlayedDay:
    """A generated, dispatched and played market day, and what the test made happen."""

    engine: Engine
    on_time: set[uuid.UUID]
    """Delivered orders the test delivered before their window end."""
    late: set[uuid.UUID]


def _import_day(engine: Engine) -> None:
    """14 generated orders per market; at sawojajar also one too heavy for any motorbike,
    one wanted before any shift starts (both dropped) and one collected at the market."""
    with session_scope(engine) as session:
        markets = session.exec(select(Market).where(col(Market.code).in_(MARKETS))).all()
        spots = [MarketSpot(m.code, m.lat, m.lon) for m in sorted(markets, key=lambda m: m.code)]
        rows = list(generate_orders(spots, 14, 7, DAY))
        extra = [r for r in rows if r["market"] == "sawojajar"][:3]
        extra = [dict(r, external_id=r["external_id"] + "-x") for r in extra]
        extra[0] |= {"weight_kg": "120", "items": "beras 120 kg", "fulfilment": "delivery"}
        extra[1] |= {"window_start": "03:00", "window_end": "03:30", "fulfilment": "delivery"}
        extra[2] |= {"fulfilment": "pickup", "lat": "", "lon": "", "delivery_fee_rp": "0"}
        for row in extra[:2]:
            if not row["lat"]:  # a generated pickup row: give it a door near the market
                row |= {"lat": "-7.9712", "lon": "112.6655", "delivery_fee_rp": "5000"}
        report = import_orders(
            session,
            ((k + 2, r) for k, r in enumerate(rows + extra)),
            service_date=DAY,
            tz=WIB,
        )
        assert report.ok, report.refused


def _delivered_at(session: Session, order_id: uuid.UUID, moment: datetime) -> None:
    """The runner tapped "delivered" at ``moment`` (the test's clock, not the machine's)."""
    change = session.exec(
        select(OrderStatusChange)
        .where(OrderStatusChange.order_id == order_id)
        .where(OrderStatusChange.to_status == OrderStatus.DELIVERED)
    ).one()
    change.at = moment
    session.add(change)


def _play(engine: Engine) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """Every routed order gets an outcome in turn: delivered (exact cash, short, over, on time
    or late), failed for several reasons, cancelled, picked up, or left assigned."""
    on_time: set[uuid.UUID] = set()
    late: set[uuid.UUID] = set()
    stops = 0
    with session_scope(engine) as session:
        runners = session.exec(select(Runner).order_by(col(Runner.name))).all()
        for runner in runners:
            route = runner_route(session, runner, DAY)
            for stop in () if route is None else route.stops:
                order = session.get(Order, stop.order_id)
                assert order is not None
                by = f"runner:{runner.name}"
                step, turn = stops % 8, stops // 8
                stops += 1
                if step in (0, 1, 2, 3):
                    mark_picked_up(session, order.id, by=by)
                    collected = order.cod_rp + (0, -min(5_000, order.cod_rp), 0, 2_000)[step]
                    mark_delivered(session, order.id, collected_rp=collected, by=by)
                    session.flush()
                    if step % 2 == 0:
                        deadline = order.window_end or _wib(7)  # asap: 05:30 shift + 90 min
                        _delivered_at(session, order.id, deadline - timedelta(minutes=10))
                        on_time.add(order.id)
                    else:
                        _delivered_at(session, order.id, _wib(23))
                        late.add(order.id)
                elif step in (4, 5):
                    reason = FAILURES[(2 * turn + step) % len(FAILURES)]
                    mark_failed(session, order.id, reason=reason, note="", by=by)
                elif step == 6:
                    cancel_order(session, order.id, by="coordinator", reason="pelanggan batal")
                elif turn % 2 == 0:  # step 7: on the way, or (odd turns) still assigned
                    mark_picked_up(session, order.id, by=by)
    return on_time, late


@pytest.fixture
def played(engine: Engine) -> PlayedDay:
    """Two markets' generated day, dispatched for real (0.5 s each), then played."""
    with Session(engine) as session:
        seed(session, settings=SETTINGS)
    _import_day(engine)
    outcome = dispatch(engine, list(MARKETS), DAY, SETTINGS, time_limit_s=0.5, workers=1)
    assert outcome.error is None
    on_time, late = _play(engine)
    return PlayedDay(engine, on_time, late)


def _report(engine: Engine, codes: list[str] | None = None) -> DayReport:
    with Session(engine) as session:
        return day_report(session, DAY, codes, settings=SETTINGS)


COUNTED = (
    "orders", "delivered", "failed", "cancelled", "dropped", "pending", "assigned", "picked_up",
    "on_time", "planned_distance_m", "planned_duration_s", "cod_expected_rp", "cod_collected_rp",
)  # fmt: skip


def _outcomes_add_up(f: Figures) -> None:
    assert f.delivered + f.failed + f.cancelled + f.dropped + f.open == f.orders
    assert sum(n for _, n in f.failed_by_reason) == f.failed
    assert sum(n for _, n in f.dropped_by_reason) == f.dropped


def _runners_add_up(m: MarketReport) -> None:
    for name in COUNTED:
        assert sum(getattr(r.figures, name) for r in m.runners) == getattr(m.total, name), name
    by_reason: Counter[str] = Counter()
    for r in m.runners:
        by_reason.update(dict(r.figures.failed_by_reason))
    assert sorted(by_reason.items()) == list(m.total.failed_by_reason)
    flagged = [d.order_id for r in m.runners for d in r.figures.flagged]
    assert sorted(flagged) == sorted(d.order_id for d in m.total.flagged)


def test_the_report_adds_up_to_the_stored_orders(played: PlayedDay) -> None:
    """Per market every count, reason, planned figure and cash sum matches the database."""
    report = _report(played.engine)
    assert [m.market for m in report.markets] == sorted(
        ["bareng", "gadang", "mergan", "oro-oro-dowo", "sawojajar", "tawangmangu"]
    )
    with Session(played.engine) as session:
        for m in report.markets:
            market = session.exec(select(Market).where(Market.code == m.market)).one()
            orders = session.exec(
                select(Order).where(Order.market_id == market.id, Order.service_date == DAY)
            ).all()
            run_id = current_run_id(session, market, DAY)
            assert m.run_id == run_id
            dropped = {
                d.order_id: d.reason_code
                for d in session.exec(select(DroppedOrder).where(DroppedOrder.run_id == run_id))
            }
            status = Counter(o.status for o in orders)
            still_dropped = [
                o for o in orders if o.status is OrderStatus.PENDING and o.id in dropped
            ]
            delivered = [o for o in orders if o.status is OrderStatus.DELIVERED]
            routes = session.exec(
                select(Route).where(Route.run_id == run_id, Route.market_id == market.id)
            ).all()
            f = m.total
            _outcomes_add_up(f)
            assert f.orders == len(orders)
            assert f.delivered == status[OrderStatus.DELIVERED]
            assert f.failed == status[OrderStatus.FAILED]
            assert f.cancelled == status[OrderStatus.CANCELLED]
            assert f.dropped == len(still_dropped)
            assert f.pending == status[OrderStatus.PENDING] - len(still_dropped)
            assert f.assigned == status[OrderStatus.ASSIGNED]
            assert f.picked_up == status[OrderStatus.PICKED_UP]
            assert dict(f.failed_by_reason) == dict(
                Counter(o.failure_reason for o in orders if o.status is OrderStatus.FAILED)
            )
            assert dict(f.dropped_by_reason) == dict(Counter(dropped[o.id] for o in still_dropped))
            assert {d.order_id for d in m.dropped} == {o.id for o in still_dropped}
            assert f.planned_distance_m == sum(r.distance_m for r in routes)
            assert f.planned_duration_s == sum(r.duration_s for r in routes)
            assert f.cod_expected_rp == sum(o.cod_rp for o in delivered)
            assert f.cod_collected_rp == sum(o.collected_rp or 0 for o in delivered)
            _runners_add_up(m)
    saw = next(m for m in report.markets if m.market == "sawojajar")
    # The day really has what the report must count: several failure reasons, drops, cash.
    assert (
        len(saw.total.failed_by_reason)
        + len(next(m for m in report.markets if m.market == "gadang").total.failed_by_reason)
        >= 3
    )
    assert {"exceeds_capacity", "outside_shift"} <= dict(saw.total.dropped_by_reason).keys()
    assert saw.total.cancelled >= 1
    assert saw.total.flagged
    idle = next(m for m in report.markets if m.market == "mergan")
    assert (idle.run_id, idle.total.orders, len(idle.runners)) == (None, 0, 3)
    assert all(r.runner_id is not None for r in idle.runners)


def test_flagged_orders_are_exactly_the_cash_differences(played: PlayedDay) -> None:
    """An order is flagged exactly when delivered and collected differs from expected."""
    report = _report(played.engine)
    with Session(played.engine) as session:
        orders = session.exec(select(Order).where(Order.service_date == DAY)).all()
        different = {
            o.id: (o.cod_rp, o.collected_rp)
            for o in orders
            if o.status is OrderStatus.DELIVERED and o.collected_rp != o.cod_rp
        }
    flagged = {d.order_id: d for m in report.markets for d in m.total.flagged}
    assert flagged.keys() == different.keys()
    assert len(different) >= 2
    for order_id, (expected, collected) in different.items():
        d = flagged[order_id]
        assert (d.expected_rp, d.collected_rp) == (expected, collected)
        assert d.difference_rp == (collected or 0) - expected
    for m in report.markets:
        assert m.total.cod_difference_rp == sum(d.difference_rp for d in m.total.flagged)


def test_on_time_share_matches_a_hand_count(played: PlayedDay) -> None:
    """Deliveries the test made before their window end count as on time, the rest late."""
    report = _report(played.engine)
    on_time = sum(m.total.on_time for m in report.markets)
    delivered = sum(m.total.delivered for m in report.markets)
    assert on_time == len(played.on_time)
    assert delivered == len(played.on_time) + len(played.late)
    assert played.on_time
    assert played.late
    for m in report.markets:
        share = m.total.on_time_share
        if m.total.delivered:
            assert share is not None
            assert 0 <= share <= 1
            assert share == pytest.approx(m.total.on_time / m.total.delivered)
        else:
            assert share is None


def test_orders_carried_before_a_replan_stay_with_their_runner(played: PlayedDay) -> None:
    """A second dispatch plans only what is not picked up yet: delivered and picked-up orders
    stay with the runner who carried them, the rest follow the new plan."""
    before = _report(played.engine, ["sawojajar"]).markets[0]
    carried = {
        d.order_id: r.runner_id
        for r in before.runners
        for d in r.figures.flagged  # delivered orders with a cash difference
    }
    outcome = dispatch(played.engine, ["sawojajar"], DAY, SETTINGS, time_limit_s=0.3, workers=1)
    assert outcome.error is None
    after = _report(played.engine, ["sawojajar"]).markets[0]
    assert after.run_id == outcome.run_id != before.run_id
    for name in ("delivered", "failed", "cancelled", "picked_up", "cod_collected_rp"):
        assert getattr(after.total, name) == getattr(before.total, name), name
    by_runner = {r.runner_id: r.figures for r in after.runners}
    for runner in before.runners:
        for name in ("delivered", "failed", "picked_up"):
            assert getattr(by_runner[runner.runner_id], name) == getattr(runner.figures, name)
    assert {d.order_id: r.runner_id for r in after.runners for d in r.figures.flagged} == carried
    _runners_add_up(after)


def test_a_market_never_dispatched_has_its_orders_under_no_runner(engine: Engine) -> None:
    """Without a dispatch run every order is pending, under "no runner", nothing planned."""
    with Session(engine) as session:
        market = add_market(session)
        for k in range(3):
            session.add(make_order(market, f"wa-{k}", service_date=DAY))
        session.commit()
        report = day_report(session, DAY, ["SAWOJAJAR"], settings=SETTINGS)
    (m,) = report.markets
    assert m.run_id is None
    assert [(r.runner_id, r.figures.pending) for r in m.runners] == [(None, 3)]
    assert m.total.planned_distance_m == 0
    assert m.total.on_time_share is None


def test_an_unknown_market_is_refused_naming_the_known_ones(engine: Engine) -> None:
    """``report.unknown_market`` names the field and lists the markets there are."""
    with Session(engine) as session:
        add_market(session)
        with pytest.raises(DomainError) as refused:
            day_report(session, DAY, ["pasar-besar"], settings=SETTINGS)
    assert refused.value.code == "report.unknown_market"
    assert refused.value.field == "market"
    assert "sawojajar" in refused.value.message("en")


# -- the deadline of a delivery ------------------------------------------------------------


def test_due_by_follows_the_planners_windows() -> None:
    """A window end is the deadline; a start alone runs to the day's end; "as soon as
    possible" is due the allowance after the first shift, or after a late arrival."""
    early = _wib(5) - timedelta(days=1)
    shift = time(5, 30)
    asap = 90 * 60
    end = _wib(9)
    assert due_by(_wib(7), end, early, DAY, shift, WIB, asap) == end
    assert due_by(_wib(7), None, early, DAY, shift, WIB, asap) == _wib(23, 59) + timedelta(
        seconds=59
    )
    assert due_by(None, None, early, DAY, shift, WIB, asap) == _wib(7)
    assert due_by(None, None, _wib(8, 15), DAY, shift, WIB, asap) == _wib(9, 45)
    assert due_by(None, None, _wib(23), DAY, shift, WIB, asap).time() == time(23, 59, 59)


# -- invariants on random outcomes ---------------------------------------------------------

RUNNERS = [uuid.UUID(int=k + 1) for k in range(3)]


@st.composite
def order_facts(draw: st.DrawFn) -> OrderFacts:
    status = draw(st.sampled_from(list(OrderStatus)))
    payment = draw(st.sampled_from(list(Payment)))
    cod = draw(st.integers(0, 500_000)) if payment is Payment.COD else 0
    delivered = status is OrderStatus.DELIVERED
    due = _wib(draw(st.integers(6, 11)))
    return OrderFacts(
        order_id=uuid.uuid4(),
        external_id=f"wa-{draw(st.integers(0, 10**6))}",
        status=status,
        payment=payment,
        cod_rp=cod,
        collected_rp=draw(st.none() | st.just(cod) | st.integers(0, 500_000)),
        failure_reason=draw(st.sampled_from([r.value for r in FailureReason]))
        if status is OrderStatus.FAILED
        else None,
        dropped_reason_code=draw(
            st.none() | st.sampled_from(["exceeds_capacity", "outside_shift"])
        ),
        delivered_at=due + timedelta(minutes=draw(st.integers(-90, 90))) if delivered else None,
        due_by=due,
        runner_id=draw(st.none() | st.sampled_from(RUNNERS)),
    )


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    orders=st.lists(order_facts(), max_size=25),
    distances=st.lists(st.integers(0, 50_000), min_size=3, max_size=3),
)
def test_random_outcomes_keep_the_invariants(
    orders: list[OrderFacts], distances: list[int]
) -> None:
    """Outcomes partition the orders, runners add up to the market, flagged orders are
    exactly the delivered ones with a cash difference, and the share stays in [0, 1]."""
    market = Market(code="sawojajar", name="Pasar Sawojajar", lat=-7.97, lon=112.66)
    routes = [PlannedRoute(r, d, d // 5) for r, d in zip(RUNNERS, distances, strict=True)]
    names = {r: f"Kurir {k}" for k, r in enumerate(RUNNERS)}
    m = market_report(market, uuid.uuid4(), names, orders, routes)
    _outcomes_add_up(m.total)
    _runners_add_up(m)
    assert m.total.orders == len(orders)
    assert m.total.planned_distance_m == sum(distances)
    expected_flags = {
        o.order_id
        for o in orders
        if o.status is OrderStatus.DELIVERED
        and (o.collected_rp != o.cod_rp if o.collected_rp is not None else o.payment is Payment.COD)
    }
    assert {d.order_id for d in m.total.flagged} == expected_flags
    hand = sum(
        1
        for o in orders
        if o.status is OrderStatus.DELIVERED
        and o.delivered_at is not None
        and o.delivered_at <= o.due_by
    )
    assert m.total.on_time == hand
    share = m.total.on_time_share
    assert share is None if m.total.delivered == 0 else 0 <= share <= 1


# -- renderings and the command line -------------------------------------------------------


def test_csv_has_a_row_per_runner_and_a_total_per_market(played: PlayedDay) -> None:
    """The CSV parses back: per market its runners' rows, then a total equal to the report."""
    report = _report(played.engine, ["gadang", "sawojajar"])
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert list(rows[0]) == list(CSV_COLUMNS)
    for m in report.markets:
        mine = [r for r in rows if r["market"] == m.market]
        assert [r["row"] for r in mine][-1] == "total"
        assert len(mine) == len(m.runners) + 1
        total = mine[-1]
        for name in COUNTED:
            assert int(total[name]) == getattr(m.total, name), name
            assert sum(int(r[name]) for r in mine[:-1]) == int(total[name]), name
        assert total["flagged_orders"].split(";") == [d.external_id for d in m.total.flagged]
        assert int(total["cod_difference_rp"]) == m.total.cod_difference_rp


def test_json_and_table_show_the_same_report(played: PlayedDay) -> None:
    """The JSON round-trips through ``json``; the table names each runner in either language."""
    report = _report(played.engine, ["sawojajar"])
    data = json.loads(json.dumps(report_json(report)))
    (m,) = data["markets"]
    assert m["total"]["orders"] == report.markets[0].total.orders
    assert m["total"]["failed_by_reason"] == dict(report.markets[0].total.failed_by_reason)
    assert [r["runner"] for r in m["runners"]] == [r.runner for r in report.markets[0].runners]
    table_id = report_table(report, "id")
    table_en = report_table(report, "en")
    assert "Laporan harian" in table_id
    assert "Selisih kas untuk dicocokkan" in table_id
    assert "Day report" in table_en
    assert "Cash differences to reconcile" in table_en
    for runner in report.markets[0].runners:
        assert (runner.runner or "(tanpa kurir)") in table_id
    for d in report.markets[0].total.flagged:
        assert d.external_id in table_id


@pytest.fixture
def cli_database(monkeypatch: pytest.MonkeyPatch, database_url: str) -> str:
    """The command line pointed at the test database."""
    monkeypatch.setenv("ANTAR_DATABASE_URL", database_url)
    return database_url


def test_cli_prints_the_report_in_three_formats(
    played: PlayedDay, cli_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``antar report`` prints a table by default, a CSV and a JSON document on request."""
    assert main(["report", "--date", DAY.isoformat(), "--market", "sawojajar"]) == 0
    table = capsys.readouterr().out
    assert "Pasar Sawojajar (sawojajar)" in table
    assert main(["report", "--date", DAY.isoformat(), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert sum(r["row"] == "total" for r in rows) == 6
    assert main(["report", "--date", DAY.isoformat(), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    report = _report(played.engine)
    assert data == json.loads(json.dumps(report_json(report)))


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["report", "--date", "26-11-2026"], 'Tanggal "26-11-2026" tidak valid'),
        (["--lang", "en", "report", "--date", "2026-02-30"], 'Date "2026-02-30" is not valid'),
        (["report", "--market", "pasar-besar"], "Pasar pasar-besar tidak dikenal"),
        (["--lang", "en", "report", "--market", "x"], "Unknown market x: choose one of"),
    ],
)
def test_cli_refuses_a_bad_date_or_market_clearly(
    engine: Engine,
    cli_database: str,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    words: str,
) -> None:
    """A bad date or an unknown market: a one-line message in the chosen language, exit 2."""
    with Session(engine) as session:
        add_market(session)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert words in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_report_default_day_is_today_in_wib(
    engine: Engine, cli_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --date the report is today's (WIB)."""
    with Session(engine) as session:
        add_market(session)
    assert main(["report", "--format", "json"]) == 0
    today = datetime.now(UTC).astimezone(WIB).date()
    tomorrow = today + timedelta(days=1)  # should the test straddle midnight in WIB
    assert json.loads(capsys.readouterr().out)["date"] in {today.isoformat(), tomorrow.isoformat()}
