"""The WhatsApp background worker: everything the webhook and the runners' taps leave for later.

One daemon thread per server. Each cycle it processes stored messages into drafts and orders
(`inbound.process_pending`), decides drafts whose wait for a location is over
(`inbound.expire_waiting_drafts`) and sends queued replies (`outbound.send_queued`). It runs
when woken (after a webhook delivery or a queued notification) and every
``whatsapp_tick_s`` seconds. A failing cycle is logged; the thread carries on. Everything it
works from is in the database, so a restart loses nothing.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.engine import Engine

from dispatch.planning.insert import Arrived
from dispatch.settings import Settings
from dispatch.whatsapp.inbound import expire_waiting_drafts, process_pending
from dispatch.whatsapp.outbound import GraphClient, requeue_interrupted, send_queued

log = logging.getLogger(__name__)


class WhatsAppWorker:
    """Processes WhatsApp messages and sends replies in a daemon thread."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        client: GraphClient | None = None,
        arrived: Arrived | None = None,
    ) -> None:
        self._engine = engine
        self._settings = settings
        self._arrived = arrived
        self._client = client if client is not None else GraphClient.from_settings(settings)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._cycles = threading.Condition()
        self._requested = 0
        self._served = 0
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (messages a stopped server left half-sent are queued again)."""
        if self._thread is not None:
            return
        try:
            requeue_interrupted(self._engine)
        except Exception:
            log.exception("could not requeue interrupted WhatsApp messages")
        self._thread = threading.Thread(target=self._run, name="whatsapp-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Run a cycle soon (new messages stored, or a reply queued)."""
        self._wake.set()

    def drain(self, timeout_s: float = 30.0) -> bool:
        """Wake the worker and wait until a whole cycle begun after this call is over;
        ``False`` when it did not finish within ``timeout_s`` (or the worker is not running)."""
        if self._thread is None or not self._thread.is_alive():
            return False
        with self._cycles:
            self._requested += 1
            wanted = self._requested
        self._wake.set()
        with self._cycles:
            return self._cycles.wait_for(lambda: self._served >= wanted, timeout_s)

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Stop after the current cycle; ``False`` if the thread is still running."""
        self._stop.set()
        self._wake.set()
        if self._thread is None:
            return True
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    def run_cycle(self) -> None:
        """One cycle: messages to drafts and orders, expired waits decided, replies sent."""
        for step in (self._process, self._expire, self._send):
            try:
                step()
            except Exception:
                log.exception("WhatsApp worker step %s failed", step.__name__)

    def _process(self) -> None:
        process_pending(self._engine, self._settings, arrived=self._arrived)

    def _expire(self) -> None:
        expire_waiting_drafts(self._engine, self._settings)

    def _send(self) -> None:
        send_queued(self._engine, self._client)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._settings.whatsapp_tick_s)
            self._wake.clear()
            if self._stop.is_set():
                break
            with self._cycles:
                serving = self._requested
            self.run_cycle()
            with self._cycles:
                self._served = max(self._served, serving)
                self._cycles.notify_all()
