"""Plan work beside the web worker: each `antar serve` worker's insertions, re-plans and
dispatch runs run in planning processes, at a lower CPU priority.

An insertion (`dispatch.planning.orders_arrived`) costs 70-150 ms of CPU; run in the web
worker it shares the GIL and the machine's cores with the reads a runner or a coordinator
waits on, so each order posted slowed every read beside it. Here the web worker commits the
order and hands its id to the planning process, niced by `PLANNER_NICE`: when the cores are
busy the reads are served first and the plan follows. Orders handed over while the process
works are inserted together by its next call (one insertion run for all of them instead of
one each), and each caller still gets its own order's place. A coordinator's re-plan (move,
off shift, an edit, ...) runs in the same process, in turn (`Planner.call`). A dispatch run
(seconds of solving) runs in a process of its own, forked for it, so that it never waits
behind another.

A database in memory cannot be shared with another process: there the plan work runs in the
caller's thread, as before.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.engine import Engine

from dispatch.db import make_engine
from dispatch.planning import Inserted, execute_run, orders_arrived
from dispatch.settings import Settings

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

#: How much lower the planning process's CPU priority is than the web worker's (Linux nice:
#: at +10 it gets about a tenth of a core a busy web worker wants, and all of an idle one).
PLANNER_NICE = 10

#: One call's orders, by who handed them over, and the future its caller waits on.
_Call = tuple[list[uuid.UUID], str, "Future[list[Inserted]]"]


class Planner:
    """One web worker's planning: the insertions' process (`start`ed with the worker) and the
    thread that feeds it, `orders_arrived` as `dispatch.planning.orders_arrived` run there;
    and `execute_run`, a process forked for each dispatch run."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings
        url = engine.url
        in_memory = url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
        self._url = None if in_memory else url.render_as_string(hide_password=False)
        self._pool: ProcessPoolExecutor | None = None
        self._pid: int | None = None
        self._runs: dict[uuid.UUID, int] = {}
        self._calls: list[_Call] = []
        self._lock = threading.Lock()
        self._opening = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._feeder: threading.Thread | None = None
        self._closed = False

    def orders_arrived(self, order_ids: Iterable[uuid.UUID], *, by: str) -> list[Inserted]:
        """Place the committed orders ``order_ids`` into their days' current plans (see
        `dispatch.planning.orders_arrived`); blocks the calling thread until they are."""
        ids = list(dict.fromkeys(order_ids))
        if not ids:
            return []
        if self._url is None:  # a database in memory: in this thread
            return orders_arrived(self._engine, ids, self._settings, by=by)
        done: Future[list[Inserted]] = Future()
        with self._wake:
            if self._closed:
                raise RuntimeError("the planner is closed")
            self._calls.append((ids, by, done))
            self._start()
            self._wake.notify()
        return done.result()

    def start(self) -> None:
        """Start the planning process now (in the background), not at the first order."""
        if self._url is not None:
            with self._wake:
                self._start()

    def _start(self) -> None:
        if self._feeder is None and not self._closed:
            self._feeder = threading.Thread(target=self._feed, name="planner", daemon=True)
            self._feeder.start()

    def close(self) -> None:
        """Stop the feeder once the calls handed over are answered, and the process."""
        with self._wake:
            self._closed = True
            self._wake.notify()
            feeder = self._feeder
        if feeder is not None:
            feeder.join()
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def _feed(self) -> None:
        """Start the process; hand every waiting call to it at once, answer each, again."""
        try:
            self._opened()
        except Exception:  # the first call starts another and reports why
            log.exception("the planning process did not start")
        while True:
            with self._wake:
                while not self._calls and not self._closed:
                    self._wake.wait()
                if not self._calls:
                    return
                calls, self._calls = self._calls, []
            # One insertion run for them all (it places every order waiting anyway), in the
            # name of everyone who handed one over.
            ids = [i for call_ids, _, _ in calls for i in call_ids]
            by = ", ".join(dict.fromkeys(by for _, by, _ in calls))
            try:
                placed = {p.order_id: p for p in self._submit(_insert, ids, by)}
            except BaseException as error:  # each caller hears what went wrong
                for _, _, done in calls:
                    done.set_exception(error)
                continue
            for call_ids, _, done in calls:
                done.set_result([placed[i] for i in call_ids if i in placed])

    def call(self, fn: Callable[Concatenate[Engine, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(engine, *args, **kwargs)`` in the planning process, after what was handed
        over before it: a coordinator's re-plan (move, off shift, an edit, ...), answered
        with its outcome or its refusal (`DomainError`) as if called here. ``fn`` is a
        module's function (the process finds it by name)."""
        if self._url is None:
            return fn(self._engine, *args, **kwargs)
        return self._submit(_call, fn, args, kwargs)

    def execute_run(self, run_id: uuid.UUID) -> None:
        """Execute queued run ``run_id`` (`dispatch.planning.execute_run`) in a planning
        process of its own; blocks until it ends. The run records its own failures; a process
        that dies raises here (`api.jobs.RunJobs` marks its run failed)."""
        if self._url is None:
            execute_run(self._engine, run_id, self._settings, workers=1)
            return
        process = _context().Process(
            target=_execute, args=(self._url, self._settings, run_id), name=f"run-{run_id}"
        )
        process.start()
        assert process.pid is not None
        with contextlib.suppress(ProcessLookupError):  # already over
            os.setpriority(os.PRIO_PROCESS, process.pid, os.nice(0) + PLANNER_NICE)
        with self._lock:
            self._runs[run_id] = process.pid
        try:
            process.join()
        finally:
            with self._lock:
                self._runs.pop(run_id, None)
        if process.exitcode != 0:
            raise RuntimeError(f"the planning process ended with exit code {process.exitcode}")

    @property
    def process_id(self) -> int | None:
        """The insertions' planning process's pid, once it runs (for an operator's ``ps``)."""
        return self._pid

    def run_process_id(self, run_id: uuid.UUID) -> int | None:
        """The pid of the process executing run ``run_id``, while it does."""
        with self._lock:
            return self._runs.get(run_id)

    def _submit(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` in the planning process (started first when it is not running); a
        process that died is replaced and ``fn`` tried once more."""
        for attempt in range(2):
            pool = self._opened()
            try:
                return pool.submit(fn, *args).result()
            except BrokenProcessPool:
                # The process died (killed, out of memory): a new one tries again. A run it
                # was executing holds its market until the lease lapses; meanwhile the
                # orders wait for the next plan, as beside any run.
                log.warning("the planning process stopped; starting another")
                with self._opening:
                    if self._pool is pool:  # not yet replaced by another caller
                        self._pool = None
                pool.shutdown(wait=False)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _opened(self) -> ProcessPoolExecutor:
        """The planning process, started and with its engine open."""
        with self._opening:
            if self._pool is None:
                pool = _start_pool(self._url or "", self._settings)
                try:
                    self._pid = pool.submit(_ready).result()
                except BaseException:
                    pool.shutdown(wait=False)
                    raise
                self._pool = pool
            return self._pool


def _context() -> multiprocessing.context.ForkServerContext:
    """Planning processes are forked from a server process that has imported the planning
    code once: not from this threaded worker (fork), nor from scratch (spawn)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["api.planner"])
    return context


def _start_pool(url: str, settings: Settings) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=1, mp_context=_context(), initializer=_open, initargs=(url, settings)
    )


# -- in the planning process ---------------------------------------------------------------

_process: tuple[Engine, Settings] | None = None


def _open(url: str, settings: Settings) -> None:
    global _process
    os.nice(PLANNER_NICE)
    _process = (make_engine(url), settings)


def _execute(url: str, settings: Settings, run_id: uuid.UUID) -> None:
    engine = make_engine(url)
    try:
        execute_run(engine, run_id, settings, workers=1)
    finally:
        engine.dispose()


def _ready() -> int:
    """The process's pid: it has started and opened its engine."""
    return os.getpid()


def _call(fn: Callable[..., T], args: tuple[object, ...], kwargs: dict[str, object]) -> T:
    assert _process is not None, "the planning process opens its engine first"
    return fn(_process[0], *args, **kwargs)


def _insert(ids: list[uuid.UUID], by: str) -> list[Inserted]:
    assert _process is not None, "the planning process opens its engine first"
    engine, settings = _process
    return orders_arrived(engine, ids, settings, by=by)
