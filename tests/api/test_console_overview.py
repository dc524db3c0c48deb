"""The operator's overview of every market, "Dispatch semua" as one job, the board's day and
the change feed behind the live pages."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dispatch.changes import ChangeCursor, changes_after, last_change_id
from dispatch.db import session_scope
from dispatch.models import Change, DispatchRun, Order, OrderStatus, RunStatus
from tests.api.conftest import World
from tests.api.factories import add_order
from tests.api.test_console import CSRF, sign_in


def _rows(html: str) -> dict[str, str]:
    """Each market's row of the overview, by code."""
    return dict(
        re.findall(r'<tr class="city__market[^"]*" data-market="([^"]+)"(.*?)</tr>', html, re.S)
    )


def test_the_overview_shows_every_market_and_dispatch_all_plans_them_as_one_job(
    client: TestClient, app: FastAPI, world: World, engine: Engine
) -> None:
    """Orders in two markets: the overview (the operator's home) has a row per market with
    its counts; "Dispatch semua" queues one run over every market and the page follows each
    market's progress until all are planned."""
    with Session(engine, expire_on_commit=False) as session:
        for key, code in (("o1", "sawojajar"), ("o2", "sawojajar"), ("o3", "gadang")):
            market = world.markets[code]
            add_order(session, market, key, world.day, lat=market.lat + 0.003, lon=market.lon)
    sign_in(client, world.operator)
    home = client.get("/console")  # the nearest day with open orders: tomorrow
    assert home.status_code == 200
    rows = _rows(home.text)
    assert set(rows) == set(world.markets)
    assert re.search(r'data-label="Pesanan">2<', rows["sawojajar"])
    assert re.search(r'data-label="Belum terencana"[^>]*>2<', rows["sawojajar"])
    assert "Dispatch semua" in home.text
    csrf = CSRF.search(home.text)
    assert csrf is not None
    started = client.post(
        "/console/overview/dispatch",
        data={"csrf": csrf.group(1), "tanggal": world.day.isoformat(), "time_limit_s": "0.2"},
        follow_redirects=False,
    )
    assert started.status_code == 303
    target = started.headers["location"]
    assert "run=" in target
    assert app.state.jobs.join(60)
    with Session(engine) as session:
        run = session.exec(select(DispatchRun)).one()
        assert run.status is RunStatus.DONE
        assert len(run.markets) == len(world.markets)  # one job over every market
        statuses = {o.status for o in session.exec(select(Order)).all()}
    assert statuses == {OrderStatus.ASSIGNED}
    page = client.get(target)
    rows = _rows(page.text)
    assert all('data-progress="done"' in row for row in rows.values())
    assert re.search(r'data-label="Terencana">2<', rows["sawojajar"])
    live = client.get(target.replace("/overview?", "/overview.json?")).json()
    assert 'data-market="gadang"' in live["parts"]["city"]
    # Routes are out with the runners now: dispatching every market again asks first.
    form = {"csrf": csrf.group(1), "tanggal": world.day.isoformat(), "time_limit_s": "0.2"}
    asked = client.post("/console/overview/dispatch", data=form, follow_redirects=False)
    assert asked.status_code == 200, asked.text
    assert "Dispatch ulang mengubah kurir" in asked.text
    assert "2 pasar sudah punya rute yang dikirim ke kurir" in asked.text
    assert f'name="csrf" value="{csrf.group(1)}"' in asked.text  # its button posts again
    assert set(re.findall(r'<tr data-market="([^"]+)"', asked.text)) == {"sawojajar", "gadang"}
    with Session(engine) as session:
        assert len(session.exec(select(DispatchRun)).all()) == 1  # nothing ran yet
    again = client.post(
        "/console/overview/dispatch", data=form | {"confirm": "1"}, follow_redirects=False
    )
    assert again.status_code == 303
    assert app.state.jobs.join(60)
    with Session(engine) as session:
        assert [r.status for r in session.exec(select(DispatchRun)).all()] == [RunStatus.DONE] * 2

    english = client.get(target + "&lang=en").text
    assert "Dispatch all" in english
    assert "Not planned" in english


def test_only_an_operator_dispatches_every_market(
    client: TestClient, world: World, engine: Engine
) -> None:
    """A coordinator's overview is its own market; dispatch-all is refused (403), no run."""
    sign_in(client, world.coordinator)
    page = client.get(f"/console/overview?tanggal={world.day.isoformat()}")
    assert set(_rows(page.text)) == {"sawojajar"}
    assert "Dispatch semua" not in page.text
    csrf = CSRF.search(page.text)
    assert csrf is not None
    refused = client.post(
        "/console/overview/dispatch",
        data={"csrf": csrf.group(1), "tanggal": world.day.isoformat()},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    with Session(engine) as session:
        assert session.exec(select(DispatchRun)).first() is None


def test_the_board_opens_on_the_nearest_day_with_open_orders(
    client: TestClient, world: World, engine: Engine
) -> None:
    """Work only for the day after tomorrow: the board opens there, not on an empty today."""
    later = world.day + timedelta(days=1)
    with Session(engine) as session:
        add_order(session, world.markets["sawojajar"], "later-1", later, customer_name="Bu Sari")
    sign_in(client, world.coordinator)
    page = client.get("/console/sawojajar")
    assert f'value="{later.isoformat()}"' in page.text
    assert "Bu Sari" in page.text


def test_a_change_is_recorded_with_its_transaction_and_only_then(
    world: World, engine: Engine
) -> None:
    """An order's change writes one row of its market's feed; a rolled-back one writes none;
    a position report writes the runner's."""
    market = world.markets["gadang"]
    with Session(engine) as session:
        before = last_change_id(session)
        order = add_order(session, market, "feed-1", world.day)
    with Session(engine) as session:
        rows = changes_after(session, before)
    assert [(r.kind, r.subject_id, r.status) for r in rows] == [("order", order.id, "pending")]
    assert rows[0].market_id == market.id
    assert rows[0].service_date == world.day
    after_new = rows[0].id or 0
    with Session(engine) as session:
        stored = session.get(Order, order.id)
        assert stored is not None
        stored.status = OrderStatus.CANCELLED
        session.add(stored)
        session.flush()
        session.rollback()
    with Session(engine) as session:
        assert changes_after(session, after_new) == []
    runner = world.runners["gadang"][0]
    with session_scope(engine) as session:
        row = session.get(type(runner), runner.id)
        assert row is not None
        row.last_lat, row.last_lon, row.last_seen_at = -7.99, 112.62, datetime.now(UTC)
    with Session(engine) as session:
        assert [(c.kind, c.subject_id) for c in changes_after(session, after_new)] == [
            ("runner", runner.id)
        ]


def test_a_reader_picks_up_a_change_that_committed_after_a_later_one(
    world: World, engine: Engine
) -> None:
    """PostgreSQL may commit id 3 after id 4: a reader past 4 still gets 3, once."""
    market = world.markets["bareng"]
    with Session(engine) as session:
        start = last_change_id(session)
        cursor = ChangeCursor(start, [market.id])
        session.add(Change(id=start + 2, market_id=market.id, kind="order"))
        session.commit()
        assert [c.id for c in cursor.poll(session)] == [start + 2]
        session.add(Change(id=start + 1, market_id=market.id, kind="order"))  # the late one
        session.commit()
        assert [c.id for c in cursor.poll(session)] == [start + 1]
        assert cursor.poll(session) == []
        ids = session.exec(select(Change.id).where(col(Change.id) > start)).all()
    assert sorted(ids) == [start + 1, start + 2]


def test_the_board_puts_first_what_needs_a_decision(
    client: TestClient, world: World, engine: Engine
) -> None:
    """Unplanned with a reason, then unplanned, then predicted late, then by planned arrival,
    finished last; each row says its status code."""
    from dispatch.actions import mark_delivered, mark_picked_up
    from dispatch.models import DroppedOrder
    from tests.api.factories import add_plan, add_stop

    market = world.markets["sawojajar"]
    runner = world.runners["sawojajar"][0]
    with Session(engine, expire_on_commit=False) as session:
        run = add_plan(session, market, world.day)
        early = add_order(session, market, "b-early", world.day, customer_name="A Early")
        late = add_order(session, market, "b-late", world.day, customer_name="B Late")
        done = add_order(session, market, "b-done", world.day, customer_name="E Done")
        later = add_order(session, market, "b-later", world.day, customer_name="F Later")
        stops = {o.id: add_stop(session, run, runner, o) for o in (early, late, done, later)}
        arrival = stops[late.id].planned_arrival
        assert arrival is not None
        stored = session.get(Order, late.id)
        assert stored is not None
        stored.window_end = arrival - timedelta(minutes=5)
        session.add(stored)
        left = add_order(session, market, "b-left", world.day, customer_name="C Left")
        waiting = add_order(session, market, "b-new", world.day, customer_name="D New")
        session.add(
            DroppedOrder(
                run_id=run.id, order_id=left.id, reason_code="exceeds_capacity", reason="x"
            )
        )
        session.commit()
        mark_picked_up(session, done.id, by="runner test")
        mark_delivered(session, done.id, collected_rp=0, by="runner test")
        session.commit()
    sign_in(client, world.coordinator)
    page = client.get(f"/console/sawojajar?tanggal={world.day.isoformat()}").text
    rows = re.findall(
        r'<li id="order-[^"]+" class="order ([^"]+)" data-order-id="([^"]+)" data-status="([^"]+)"',
        page,
    )
    order = [oid for _, oid, _ in rows]
    assert order == [str(o.id) for o in (left, waiting, late, early, later, done)]
    assert [status for _, _, status in rows] == [
        "pending",
        "pending",
        "assigned",
        "assigned",
        "assigned",
        "delivered",
    ]
    assert "order--late" in rows[2][0]
    one = client.get(f"/console/sawojajar/orders/{late.id}/row.json").json()
    assert one["status"] == "assigned"
    assert f'data-order-id="{late.id}" data-status="assigned"' in one["html"]
    assert "order--late" in one["html"]  # the same row as on the board
    assert "Diperkirakan terlambat" in page
    assert 'data-runner-id="' in page


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_a_reader_gets_every_change_once_whatever_the_commit_order(
    world: World, engine: Engine, data: st.DataObject
) -> None:
    """Ids handed out 1..n and committed in any order, a reader polling in between: every
    change reaches it exactly once (commits within the look-back)."""
    market = world.markets["mergan"]
    n = data.draw(st.integers(min_value=1, max_value=8))
    order = data.draw(st.permutations(range(1, n + 1)))
    polls = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    seen: list[int] = []
    with Session(engine) as session:
        start = last_change_id(session)
        cursor = ChangeCursor(start, [market.id])
        for offset, poll in zip(order, polls, strict=True):
            session.add(Change(id=start + offset, market_id=market.id, kind="order"))
            session.commit()
            if poll:
                seen += [c.id or 0 for c in cursor.poll(session)]
        seen += [c.id or 0 for c in cursor.poll(session)]
        assert cursor.poll(session) == []
    assert sorted(seen) == [start + k for k in range(1, n + 1)]


def test_changes_older_than_two_days_are_pruned(world: World, engine: Engine) -> None:
    """The server's start drops changes older than two days and keeps the rest."""
    from dispatch.changes import prune_changes

    market = world.markets["bareng"]
    now = datetime.now(UTC)
    with Session(engine) as session:
        start = last_change_id(session)
        session.add(Change(market_id=market.id, kind="order", at=now - timedelta(days=3)))
        session.add(Change(market_id=market.id, kind="order", at=now - timedelta(hours=1)))
        session.commit()
    assert prune_changes(engine, now=now) >= 1
    with Session(engine) as session:
        left = changes_after(session, start)
    assert [c.at > now - timedelta(days=2) for c in left] == [True]


def test_another_markets_live_parts_are_not_found(client: TestClient, world: World) -> None:
    """Gadang's coordinator gets 404 for Sawojajar's board parts, stream, map and runner
    parts, as for its pages."""
    sign_in(client, world.other_coordinator)
    runner = world.runners["sawojajar"][0]
    day = world.day.isoformat()
    for path in (
        f"/console/sawojajar/board.json?tanggal={day}",
        f"/console/sawojajar/map?tanggal={day}",
        f"/console/sawojajar/runners/{runner.id}/board.json?tanggal={day}",
        f"/console/sawojajar/orders/{uuid.uuid4()}/row.json",
        "/console/sawojajar/live",
    ):
        assert client.get(path).status_code == 404, path
    refused = client.get(f"/console/sawojajar/board.json?tanggal={day}").json()
    assert refused["error"]["code"] == "market.not_found"
