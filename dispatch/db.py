"""The one place that creates database engines, sessions and runs the migrations.

SQLite (the embedded default) gets WAL journalling, foreign keys and a busy timeout on every
connection; PostgreSQL is reached through psycopg 3 (``postgresql+psycopg://``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import IO, Any

try:
    import fcntl
except ImportError:  # Windows: writers of one process still take turns
    fcntl = None  # type: ignore[assignment]

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlmodel import Session, create_engine

from dispatch import changes

#: Where the Alembic environment and revisions live (inside the installed package).
MIGRATIONS = Path(__file__).resolve().parent / "migrations"

#: How long a SQLite connection waits for a lock held by another writer, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 30_000

#: Connections an engine keeps open: a web server's threads reuse them instead of opening
#: (and setting up, or on PostgreSQL forking a server process for) a new connection whenever
#: more than five are busy, SQLAlchemy's default. The API runs as many threads (`api.deps`).
POOL_SIZE = 24
POOL_OVERFLOW = 32

#: Bytes of a SQLite file each connection maps into memory (reads without copying).
SQLITE_MMAP_BYTES = 256 * 1024 * 1024
#: Each SQLite connection's own page cache, KiB.
SQLITE_CACHE_KIB = 8192


def normalise_url(url: str | URL) -> URL:
    """The URL as SQLAlchemy should see it: plain PostgreSQL URLs are sent through psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, start transactions (so SAVEPOINTs work); see _on_begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        # Reads: pages of the file mapped (shared by every connection and process through
        # the OS's cache, not copied into each connection's), a bigger page cache of its own
        # (SQLite's default is 2 MiB), and sorts and temporary tables kept in memory.
        cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        cursor.execute("PRAGMA temp_store = MEMORY")
    finally:
        cursor.close()


def _on_sqlite_begin(connection: Connection) -> None:
    """Take the write lock when a transaction starts: concurrent writers wait their turn
    (busy timeout) instead of failing when a read transaction turns into a write. Read-only
    work can ask for a plain ``BEGIN`` with ``engine.execution_options(sqlite_begin="")``
    (see `read_only`), so it neither takes nor waits for the lock."""
    mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}".strip())


def read_only(engine: Engine) -> Engine:
    """``engine`` for read-only sessions: on SQLite they do not take the write lock."""
    return engine.execution_options(sqlite_begin="")


def make_engine(url: str | URL, *, echo: bool = False) -> Engine:
    """An engine for ``url``; for SQLite with WAL, foreign keys and a busy timeout on.

    The directory of a SQLite file must exist; the file itself is created on first use.
    """
    changes.install()  # every session it serves records what live pages show
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        in_memory = parsed.database in (None, "", ":memory:")
        pool = {} if in_memory else {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
        engine = create_engine(
            parsed,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            **pool,
        )
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    return create_engine(
        parsed,
        echo=echo,
        pool_pre_ping=True,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
    )


def alembic_config() -> Config:
    """Alembic configured in code, pointing at the packaged migrations (no ``alembic.ini``)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _upgrade_connection(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def upgrade(engine_or_url: Engine | str | URL, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (the newest by default), in one transaction."""
    if isinstance(engine_or_url, Engine):
        with engine_or_url.begin() as connection:
            _upgrade_connection(connection, revision)
        return
    engine = make_engine(engine_or_url)
    try:
        with engine.begin() as connection:
            _upgrade_connection(connection, revision)
    finally:
        engine.dispose()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or ``None`` before the first migration."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def get_session(engine: Engine) -> Iterator[Session]:
    """Yield one session (the shape of a FastAPI dependency); closed afterwards."""
    with Session(engine) as session:
        yield session


class WriterTurns:
    """Writers to one SQLite file taking turns: a thread lock within this process and, where
    the platform has ``flock``, an exclusive lock on ``<database>-writer.lock`` across the
    processes of a server with several workers. Both wake the next writer as soon as the
    lock is free, where SQLite's busy handler sleeps and polls."""

    def __init__(self, database: str) -> None:
        self._thread_lock = threading.Lock()
        self._file: IO[bytes] | None = None
        if fcntl is not None and database not in ("", ":memory:"):
            self._file = open(f"{database}-writer.lock", "ab")  # noqa: SIM115 (kept open)

    def __enter__(self) -> WriterTurns:
        self._thread_lock.acquire()
        if self._file is not None:
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX)
            except BaseException:
                self._thread_lock.release()
                raise
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._thread_lock.release()


_writer_turns: dict[str, WriterTurns] = {}
_writer_turns_guard = threading.Lock()


def write_lock(engine: Engine) -> AbstractContextManager[object]:
    """What writers to ``engine``'s SQLite file take turns on (for PostgreSQL, which handles
    concurrent writers itself, a lock that is always free)."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    database = engine.url.database or ""
    with _writer_turns_guard:
        turns = _writer_turns.get(database)
        if turns is None:
            turns = _writer_turns[database] = WriterTurns(database)
        return turns


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session for one short write transaction: committed on success, rolled back on any
    exception.

    On SQLite writers queue on `write_lock` before ``BEGIN IMMEDIATE``: SQLite's own busy
    handler polls with back-offs of up to 100 ms, which under a few dozen concurrent
    requests left the database idle between writers and put p99 latency in seconds.
    Keep the work inside short (no network, no solving): everyone else waits for it.
    """
    with write_lock(engine), session_scope(engine) as session:
        yield session


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed on success and rolled back on any exception."""
    with Session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
