"""PostgreSQL's one-statement store (`store_order_at_once`) against the ORM path
(`submit_order`): the same rows, one order per key under races and repeats."""

from __future__ import annotations

import threading
import uuid
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from dispatch.db import session_scope
from dispatch.intake import Submitted, store_order_at_once, submit_order
from dispatch.models import Market, Order, OrderItem, OrderStatusChange
from dispatch.seed import seed
from dispatch.settings import Settings
from dispatch.validation import OrderDraft, validate_order
from tests.dispatch.factories import order_fields

DAY = date(2026, 11, 26)
WIB = ZoneInfo("Asia/Jakarta")


def draft(key: str, items: str = "bawang merah 1kg; cabai 0,5 kg; tahu 10 biji") -> OrderDraft:
    raw = order_fields(external_id=key, items=items)
    return validate_order(raw, day=DAY, tz=WIB, known_markets=["sawojajar", "mergan"])


@pytest.fixture
def seeded(postgresql_engine: Engine) -> Engine:
    with Session(postgresql_engine) as session:
        seed(session, settings=Settings())
    return postgresql_engine


def market_id(engine: Engine, code: str = "sawojajar") -> uuid.UUID:
    with Session(engine) as session:
        return session.exec(select(Market.id).where(Market.code == code)).one()


def at_once(engine: Engine, order: OrderDraft, market: uuid.UUID) -> Submitted:
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")
        return store_order_at_once(
            connection, order, market_id=market, service_date=DAY, by="api: test"
        )


def stored(engine: Engine, order_id: uuid.UUID) -> dict[str, Any]:
    """What the database holds for an order, without ids and times."""
    with Session(engine) as session:
        order = session.get(Order, order_id)
        assert order is not None
        items = session.exec(select(OrderItem).where(OrderItem.order_id == order_id)).all()
        history = session.exec(
            select(OrderStatusChange).where(OrderStatusChange.order_id == order_id)
        ).all()
        row = order.model_dump(exclude={"id", "idempotency_key", "created_at", "updated_at"})
        return {
            "order": row,
            "items": sorted(i.model_dump(exclude={"id", "order_id"}).items() for i in items),
            "history": [h.model_dump(exclude={"id", "order_id", "at"}) for h in history],
        }


def test_one_statement_stores_what_the_orm_path_stores(seeded: Engine) -> None:
    """Order, items and first status alike, and the answer matches what is stored."""
    market = market_id(seeded)
    fast = at_once(seeded, draft("fast-1"), market)
    with session_scope(seeded) as session:
        slow = submit_order(session, draft("slow-1"), service_date=DAY, by="api: test")
    assert fast.created
    assert slow.created
    assert fast.row is not None
    assert stored(seeded, fast.order_id) == stored(seeded, slow.order_id)
    assert len(stored(seeded, fast.order_id)["items"]) == 3
    with Session(seeded) as session:
        order = session.get(Order, fast.order_id)
        assert order is not None
        for name, value in fast.row.items():
            assert getattr(order, name) == value, name


def test_an_order_without_items_has_no_item_rows(seeded: Engine) -> None:
    submitted = at_once(seeded, draft("bare-1", items=""), market_id(seeded))
    assert submitted.created
    assert submitted.items == ()
    assert stored(seeded, submitted.order_id)["items"] == []


def test_a_repeat_returns_the_first_order_and_stores_nothing(seeded: Engine) -> None:
    """Same key, same market: the first order; same key, another market: a new order."""
    sawojajar, mergan = market_id(seeded), market_id(seeded, "mergan")
    first = at_once(seeded, draft("wa-1"), sawojajar)
    again = at_once(seeded, draft("wa-1"), sawojajar)
    elsewhere = at_once(seeded, draft("wa-1"), mergan)
    assert (first.created, again.created, elsewhere.created) == (True, False, True)
    assert again.order_id == first.order_id != elsewhere.order_id
    with Session(seeded) as session:
        assert session.exec(select(func.count()).select_from(Order)).one() == 2
        changes = select(func.count()).select_from(OrderStatusChange)
        assert session.exec(changes).one() == 2
        lines = select(func.count()).where(col(OrderItem.order_id) == first.order_id)
        assert session.exec(lines).one() == 3


def test_racing_duplicates_make_one_order(seeded: Engine) -> None:
    """Eight threads storing the same key at once: one creates, seven get its id."""
    market = market_id(seeded)
    barrier = threading.Barrier(8)
    results: list[Submitted] = []

    def submit() -> None:
        barrier.wait()
        results.append(at_once(seeded, draft("wa-race"), market))

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.created for r in results) == [False] * 7 + [True]
    assert len({r.order_id for r in results}) == 1
    with Session(seeded) as session:
        assert session.exec(select(func.count()).select_from(Order)).one() == 1
        assert session.exec(select(func.count()).select_from(OrderItem)).one() == 3
