"""Dispatch runs as background jobs of the web server.

The run itself is a row in the database (``queued -> running -> done | failed``); this only
owns the threads that wait for the runs, each executed by the planner (`api.planner`: in a
planning process of its own, one market after another). A run whose process dies
unexpectedly is marked failed; a run cut off by a restart stops renewing its lease, and
whoever next needs its markets (or the next start, `dispatch.planning.fail_lapsed_runs`)
marks it failed once the lease has lapsed.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from api.planner import Planner
from dispatch.db import session_scope
from dispatch.models import DispatchRun, RunStatus

log = logging.getLogger(__name__)


class RunJobs:
    """Executes dispatch runs in daemon threads and waits for them on shutdown."""

    def __init__(self, engine: Engine, planner: Planner) -> None:
        self._engine = engine
        self._planner = planner
        self._threads: dict[uuid.UUID, threading.Thread] = {}
        self._lock = threading.Lock()

    def start(self, run_id: uuid.UUID) -> None:
        """Execute queued run ``run_id`` in a new thread."""
        thread = threading.Thread(
            target=self._execute, args=(run_id,), name=f"dispatch-run-{run_id}", daemon=True
        )
        with self._lock:
            self._threads[run_id] = thread
        thread.start()

    def _execute(self, run_id: uuid.UUID) -> None:
        try:
            self._planner.execute_run(run_id)
        except Exception as exc:
            log.exception("dispatch run %s failed", run_id)
            self._fail(run_id, f"{type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._threads.pop(run_id, None)

    def _fail(self, run_id: uuid.UUID, error: str) -> None:
        with session_scope(self._engine) as session:
            run = session.get(DispatchRun, run_id)
            if run is not None and run.status in (RunStatus.QUEUED, RunStatus.RUNNING):
                run.status = RunStatus.FAILED
                run.finished_at = datetime.now(UTC)
                run.error = error
                session.add(run)

    @property
    def active(self) -> int:
        """How many runs are executing now."""
        with self._lock:
            return len(self._threads)

    def join(self, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` seconds for every run; ``False`` if some still run."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                threads = list(self._threads.values())
            if not threads:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            threads[0].join(remaining)
