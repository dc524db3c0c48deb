"""Engines, migrations and what the database itself enforces, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, SQLModel, select

from dispatch.db import (
    alembic_config,
    current_revision,
    make_engine,
    session_scope,
    upgrade,
    write_session,
)
from dispatch.models import Market, Order, OrderItem, OrderStatus, OrderStatusChange, Runner
from tests.dispatch.factories import add_market, make_order

WIB = timezone(timedelta(hours=7))
#: The newest revision of the packaged migrations.
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_migrations_create_every_table(database_url: str) -> None:
    """Upgrading an empty database to head creates every table of the models."""
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert current_revision(engine) == HEAD
    finally:
        engine.dispose()
    assert tables == {*SQLModel.metadata.tables, "alembic_version"}
    assert {"markets", "runners", "orders", "order_items", "route_stops"} <= tables


def test_migrations_match_the_models(engine: Engine) -> None:
    """Autogenerate finds nothing to change after the migrations ran: models and schema agree."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_upgrading_twice_changes_nothing(engine: Engine) -> None:
    """A second upgrade on a database already at head is a no-op."""
    upgrade(engine)
    assert current_revision(engine) == HEAD


def test_sqlite_uses_wal_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    """Every SQLite connection runs in WAL mode with foreign keys on and waits for locks."""
    engine = make_engine(f"sqlite:///{tmp_path / 'antar.db'}")
    try:
        for _ in range(2):
            with engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
            engine.dispose()
    finally:
        engine.dispose()


def test_plain_postgresql_urls_use_psycopg() -> None:
    """A ``postgresql://`` URL is driven by psycopg 3, the installed driver."""
    engine = make_engine("postgresql://antar@localhost/antar")
    assert engine.dialect.driver == "psycopg"
    engine.dispose()


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    """A runner whose market does not exist is refused by the database."""
    runner = Runner(
        market_id=uuid.uuid4(),
        name="Budi Santoso",
        phone="+6281233007001",
        capacity_g=40_000,
        cash_cap_rp=1_500_000,
        shift_start=time(5, 30),
        shift_end=time(11, 30),
    )
    with Session(engine) as session:
        session.add(runner)
        with pytest.raises(IntegrityError):
            session.commit()


def test_duplicate_idempotency_key_in_a_market_is_refused(engine: Engine) -> None:
    """The same idempotency key twice in one market violates the unique constraint."""
    with Session(engine) as session:
        market = add_market(session)
        session.add(make_order(market, "wa-42"))
        session.commit()
        session.add(make_order(market, "wa-42", customer_name="Pak Hadi"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_same_idempotency_key_in_another_market_is_accepted(engine: Engine) -> None:
    """Idempotency keys are unique per market, not across markets."""
    with Session(engine) as session:
        sawojajar = add_market(session, "sawojajar")
        gadang = add_market(session, "gadang")
        session.add_all([make_order(sawojajar, "wa-42"), make_order(gadang, "wa-42")])
        session.commit()
        assert len(session.exec(select(Order)).all()) == 2


def test_datetimes_are_stored_in_utc_and_read_back_aware(engine: Engine) -> None:
    """A WIB window comes back as the same instant, timezone-aware, in UTC."""
    start = datetime(2026, 11, 25, 7, 0, tzinfo=WIB)
    end = datetime(2026, 11, 25, 9, 0, tzinfo=WIB)
    with Session(engine) as session:
        market = add_market(session)
        order = make_order(market, window_start=start, window_end=end)
        session.add(order)
        session.commit()
        order_id = order.id
    with Session(engine) as session:
        stored = session.get_one(Order, order_id)
        assert stored.window_start == start
        assert stored.window_end == end
        assert stored.window_start is not None
        assert stored.window_start.utcoffset() == timedelta(0)
        assert stored.window_start.hour == 0
        assert stored.created_at.tzinfo is not None


def test_naive_datetime_is_refused(engine: Engine) -> None:
    """Storing a datetime without a time zone fails instead of guessing one."""
    with Session(engine) as session:
        market = add_market(session)
        session.add(make_order(market, window_start=datetime(2026, 11, 25, 7, 0)))
        with pytest.raises(StatementError, match="timezone-aware"):
            session.commit()


def test_order_keeps_its_items_and_status_history(engine: Engine) -> None:
    """Items and status changes are saved with their order and deleted with it."""
    with session_scope(engine) as session:
        market = add_market(session)
        order = make_order(market, weight_g=3500)
        order.items = [
            OrderItem(name="beras", quantity=2, unit="kg", weight_g=2000),
            OrderItem(name="cabai rawit", quantity=0.5, unit="kg", weight_g=500),
            OrderItem(name="telur", quantity=1, unit="kg", weight_g=1000),
        ]
        order.status_changes = [
            OrderStatusChange(from_status=None, to_status=OrderStatus.PENDING, by="intake")
        ]
        session.add(order)
    with session_scope(engine) as session:
        stored = session.exec(select(Order)).one()
        assert sorted(item.name for item in stored.items) == ["beras", "cabai rawit", "telur"]
        assert [c.to_status for c in stored.status_changes] == [OrderStatus.PENDING]
        assert stored.status_changes[0].at <= datetime.now(UTC)
        session.delete(stored)
    with Session(engine) as session:
        assert session.exec(select(OrderItem)).all() == []
        assert session.exec(select(OrderStatusChange)).all() == []


def test_session_scope_rolls_back_on_error(engine: Engine) -> None:
    """Work inside a failing `session_scope` block is not saved."""

    def add_then_fail() -> None:
        with session_scope(engine) as session:
            session.add(Market(code="bareng", name="Pasar Bareng", lat=-7.97, lon=112.62))
            session.flush()
            raise RuntimeError

    with pytest.raises(RuntimeError):
        add_then_fail()
    with Session(engine) as session:
        assert session.exec(select(Market)).all() == []


def test_write_sessions_take_turns_and_roll_back_on_error(engine: Engine) -> None:
    """Writers through `write_session` never overlap (on SQLite they queue on the writer
    lock; on PostgreSQL the database serialises them), and a failed one stores nothing."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Lock

    inside: list[int] = []
    overlaps: list[int] = []
    guard = Lock()

    def write(k: int) -> None:
        with write_session(engine) as session:
            with guard:
                inside.append(k)
                if len(inside) > 1:
                    overlaps.append(k)
            session.add(_market(f"m{k}"))
            session.flush()
            with guard:
                inside.remove(k)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(24)))
    with Session(engine) as session:
        assert len(session.exec(select(Market)).all()) == 24
    if engine.dialect.name == "sqlite":
        assert overlaps == []

    def refused() -> None:
        with write_session(engine) as session:
            session.add(_market("never"))
            session.flush()
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        refused()
    with Session(engine) as session:
        assert session.exec(select(Market).where(Market.code == "never")).first() is None


def _market(code: str) -> Market:
    return Market(code=code, name=code, lat=-7.97, lon=112.66, opens=time(5), closes=time(12))
