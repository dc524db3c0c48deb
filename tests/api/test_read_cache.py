"""Reads kept per version of their market (`api.read_cache`): never older than the data.

Each test reads, changes what the read shows straight in the database (as another worker,
``antar`` or a dispatch thread would: nothing this application's worker sees), and reads
again: the change shows at once, and a client's old ``ETag`` no longer matches.
"""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.read_cache import ReadCache, not_modified
from dispatch.changes import changes_after, last_change_id
from dispatch.models import DeliveryPhoto, Market, Order, OrderItem, Runner, Seller
from tests.api.conftest import World
from tests.api.factories import add_order, add_plan, add_stop
from tests.api.test_console import sign_in
from tests.dispatch.factories import order_fields

DATA = re.compile(r'<script type="application/json" id="route-data">(.*?)</script>', re.S)


def planned_order(engine: Engine, world: World) -> Order:
    """One order with one line on the first runner's route in the current plan."""
    with Session(engine) as session:
        run = add_plan(session, world.markets["sawojajar"], world.day)
        order = add_order(session, world.markets["sawojajar"], "kept-1", world.day)
        session.add(
            OrderItem(order_id=order.id, name="bayam", quantity=2, unit="ikat", weight_g=400)
        )
        session.commit()
        add_stop(session, run, world.runner, order)
        return order


def change(engine: Engine, model: type, row_id: object, **fields: object) -> None:
    """Set ``fields`` of one row, in a transaction of its own."""
    with Session(engine) as session:
        row = session.get(model, row_id)
        assert row is not None
        for name, value in fields.items():
            setattr(row, name, value)
        session.add(row)
        session.commit()


def test_the_route_shows_each_kind_of_change_at_the_next_read(
    client: TestClient, world: World, engine: Engine
) -> None:
    """An order's line, a delivery photo, the runner's load, the market's photo rule and a
    seller's name each change the route's next answer."""
    order = planned_order(engine, world)
    path = f"/api/v1/runner/{world.link}/route"
    route = client.get(path).json()
    assert route["stops"][0]["items"][0]["name"] == "bayam"
    assert client.get(path).json() == route  # kept: the same answer

    with Session(engine) as session:
        item = session.exec(select(OrderItem).where(OrderItem.order_id == order.id)).one()
        item.name = "kangkung"
        session.add(item)
        session.commit()
    assert client.get(path).json()["stops"][0]["items"][0]["name"] == "kangkung"

    with Session(engine) as session:
        session.add(
            DeliveryPhoto(
                order_id=order.id, path="p.jpg", sha256="0" * 64, size_bytes=1,
                content_type="image/jpeg", width=1, height=1,
            )
        )  # fmt: skip
        session.commit()
    assert client.get(path).json()["stops"][0]["photos"] == 1

    change(engine, Runner, world.runner.id, capacity_g=12_345)
    assert client.get(path).json()["runner"]["capacity_g"] == 12_345

    change(engine, Market, world.markets["sawojajar"].id, photo_required=True)
    assert client.get(path).json()["photo_required"] is True

    with Session(engine) as session:
        seller = session.exec(
            select(Seller).where(Seller.market_id == world.markets["sawojajar"].id)
        ).first()
        assert seller is not None
        seller_id = seller.id
    change(engine, Order, order.id, seller_id=seller_id)
    assert client.get(path).json()["stops"][0]["seller"]["code"] == seller.code
    change(engine, Seller, seller_id, name="Warung Baru")
    assert client.get(path).json()["stops"][0]["seller"]["name"] == "Warung Baru"


def test_an_unchanged_route_answers_304_and_a_changed_one_the_route(
    client: TestClient, world: World, engine: Engine
) -> None:
    """The phone's ``If-None-Match`` gets 304 without a body while nothing changed, and the
    new route with a new tag once the customer's name changed."""
    order = planned_order(engine, world)
    path = f"/api/v1/runner/{world.link}/route"
    first = client.get(path)
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    again = client.get(path, headers={"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == etag

    change(engine, Order, order.id, customer_name="Pak Darto")
    after = client.get(path, headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after.json()["stops"][0]["customer_name"] == "Pak Darto"
    assert after.headers["etag"] != etag


def test_a_kept_answer_is_sent_compressed_to_a_client_that_takes_gzip(
    client: TestClient, world: World, engine: Engine
) -> None:
    """The route's JSON and the console's board come gzip-coded when asked (compressed once,
    kept with the answer), plain otherwise; the same content either way."""
    planned_order(engine, world)
    path = f"/api/v1/runner/{world.link}/route"
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    coded = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert (coded.headers["content-encoding"], coded.headers["vary"]) == ("gzip", "Accept-Encoding")
    assert coded.json() == plain.json()
    sign_in(client, world.coordinator)
    board = f"/console/sawojajar?tanggal={world.day.isoformat()}"
    plain = client.get(board, headers={"Accept-Encoding": "identity"})
    coded = client.get(board, headers={"Accept-Encoding": "gzip"})
    assert coded.headers["content-encoding"] == "gzip"
    assert coded.text == plain.text


def test_the_runner_page_is_kept_but_sent_with_the_time_it_is_sent(
    client: TestClient, world: World, engine: Engine
) -> None:
    """Two reads of an unchanged page differ only in when they were sent ("at", which the
    phone compares with its own copy); a change of the order shows at the next read."""
    order = planned_order(engine, world)
    path = f"/r/{world.link}"
    first = client.get(path)
    time.sleep(0.01)
    second = client.get(path)
    found = [DATA.search(page.text) for page in (first, second)]
    assert found[0] is not None
    assert found[1] is not None
    data = [json.loads(match.group(1)) for match in found]
    assert data[0]["route"] == data[1]["route"]
    assert data[0]["at"] < data[1]["at"] <= datetime.now(UTC).isoformat()
    assert "Pak Darto" not in second.text

    change(engine, Order, order.id, customer_name="Pak Darto")
    assert "Pak Darto" in client.get(path).text


def test_the_order_list_shows_an_order_from_the_intake_and_from_elsewhere(
    client: TestClient, world: World, engine: Engine
) -> None:
    """An order posted through the API, then one stored by another process, are in the
    market's next list; the client's old tag no longer matches."""
    headers = world.auth(world.coordinator)
    path = f"/api/v1/orders?market=sawojajar&date={world.day.isoformat()}"
    first = client.get(path, headers=headers)
    assert first.json()["count"] == 0
    etag = first.headers["etag"]
    assert client.get(path, headers=headers | {"If-None-Match": etag}).status_code == 304

    body = order_fields(external_id="kept-api") | {"service_date": world.day.isoformat()}
    assert client.post("/api/v1/orders", json=body, headers=headers).status_code == 201
    listed = client.get(path, headers=headers | {"If-None-Match": etag})
    assert listed.status_code == 200
    assert [o["idempotency_key"] for o in listed.json()["data"]] == ["kept-api"]

    with Session(engine) as session:
        add_order(session, world.markets["sawojajar"], "kept-elsewhere", world.day)
    assert client.get(path, headers=headers).json()["count"] == 2


def test_the_console_board_shows_a_runner_renamed_at_the_next_read(
    client: TestClient, world: World, engine: Engine
) -> None:
    """The market page, kept for the signed-in session, shows the runner's new name."""
    planned_order(engine, world)
    sign_in(client, world.coordinator)
    path = f"/console/sawojajar?tanggal={world.day.isoformat()}"
    assert world.runner.name in client.get(path).text
    change(engine, Runner, world.runner.id, name="Mas Yanto Baru")
    assert "Mas Yanto Baru" in client.get(path).text


def test_a_new_order_from_the_intake_writes_its_markets_feed(
    client: TestClient, world: World, engine: Engine
) -> None:
    """The intake stores an order as plain rows (no session flush sees them): it writes the
    feed's row for it in the same transaction, as every other change does."""
    with Session(engine) as session:
        before = last_change_id(session)
    body = order_fields(external_id="feed-api") | {"service_date": "2030-01-02"}
    made = client.post("/api/v1/orders", json=body, headers=world.auth(world.operator))
    assert made.status_code == 201, made.text
    with Session(engine) as session:
        rows = changes_after(session, before)
    assert [(r.kind, str(r.subject_id), r.status) for r in rows] == [
        ("order", made.json()["id"], "pending")
    ]
    assert rows[0].market_id == world.markets["sawojajar"].id


def test_kept_reads_are_bounded_and_the_least_recently_used_go_first() -> None:
    """Over its count or its bytes, the cache lets go of what was read longest ago."""
    cache = ReadCache(max_entries=3, max_bytes=10)
    for key in "abc":
        cache.put(key, b"xxx")
    assert cache.get("a") is not None  # read: now the most recent
    cache.put("d", b"xxx")  # 4 answers, 12 bytes: b goes (then 9 bytes, 3 answers)
    assert (cache.get("b"), len(cache), cache.size) == (None, 3, 9)
    cache.put("e", b"x" * 11)  # larger than the bound alone: answered, not kept
    assert cache.get("e") is None
    assert {k for k in "acd" if cache.get(k) is not None} == {"a", "c", "d"}


def test_requests_that_miss_one_answer_at_once_render_it_once() -> None:
    """Eight threads asking for the same missing key: one renders, all get its answer."""
    cache = ReadCache()
    rendered: list[int] = []
    start = threading.Barrier(8)
    answers: list[bytes] = []

    def render() -> bytes:
        rendered.append(1)
        time.sleep(0.2)
        return b"page"

    def ask() -> None:
        start.wait()
        answers.append(cache.answer(("k", 1), render).body)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (len(rendered), answers) == (1, [b"page"] * 8)


def test_if_none_match_names_a_tag_weakly_or_any() -> None:
    """A listed tag matches with or without ``W/``; ``*`` matches; others do not."""
    assert not_modified('"a", W/"b"', 'W/"b"')
    assert not_modified('"b"', 'W/"b"')
    assert not_modified("*", 'W/"b"')
    assert not not_modified('W/"c"', 'W/"b"')
    assert not not_modified(None, 'W/"b"')
