"""A loopback HTTP server that plays the WhatsApp Cloud API's messages endpoint.

It records every request it receives (path, headers, JSON body) and answers like the Graph
API (``{"messages": [{"id": "wamid..."}]}``), unless told to fail the next requests with a
status (500, 429 with ``Retry-After``, 400 with a Graph error body) or to stall them past the
client's timeout. Use the ``graph_api`` fixture (import it into a test module or conftest).

The other direction, what the platform sends to our webhook, is built by `webhook` (with
`text_message`, `location_message`, `status_callback`) and signed by `signature`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass(frozen=True)
class Received:
    """One request the fake received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def text(self) -> str:
        """The text message's body (``text.body``), ``""`` when there is none."""
        if isinstance(self.body, dict):
            return str(self.body.get("text", {}).get("body", ""))
        return ""


@dataclass(frozen=True)
class _Plan:
    status: int = 200
    stall_s: float = 0.0
    retry_after: str | None = None
    error_message: str = "fake failure"


@dataclass
class FakeGraphApi:
    """The server's state: what it received and what it will answer next."""

    received: list[Received] = field(default_factory=list)
    _plans: deque[_Plan] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _count: int = 0
    url: str = ""

    def fail_next(
        self,
        status: int,
        times: int = 1,
        *,
        retry_after: str | None = None,
        message: str = "fake failure",
    ) -> None:
        """Answer the next ``times`` requests with ``status`` (and a Graph error body)."""
        with self._lock:
            self._plans.extend(_Plan(status, 0.0, retry_after, message) for _ in range(times))

    def stall_next(self, seconds: float, times: int = 1) -> None:
        """Hold the next ``times`` requests ``seconds`` before answering (a client timeout)."""
        with self._lock:
            self._plans.extend(_Plan(200, seconds) for _ in range(times))

    def messages_to(self, wa_id: str) -> list[Received]:
        """The requests that sent a message to ``wa_id``."""
        with self._lock:
            return [
                r for r in self.received if isinstance(r.body, dict) and r.body.get("to") == wa_id
            ]

    def _next(self, request: Received) -> tuple[_Plan, str]:
        with self._lock:
            self.received.append(request)
            self._count += 1
            plan = self._plans.popleft() if self._plans else _Plan()
            return plan, f"wamid.FAKE{self._count:05d}"


def _handler(fake: FakeGraphApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode(errors="replace")
            request = Received("POST", self.path, dict(self.headers.items()), body)
            plan, message_id = fake._next(request)
            if plan.stall_s:
                time.sleep(plan.stall_s)
            if plan.status == 200:
                to = body.get("to") if isinstance(body, dict) else None
                answer: dict[str, Any] = {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": to, "wa_id": to}],
                    "messages": [{"id": message_id}],
                }
            else:
                answer = {
                    "error": {
                        "message": plan.error_message,
                        "type": "OAuthException",
                        "code": 131000 if plan.status >= 500 else 100,
                        "fbtrace_id": "fake",
                    }
                }
            data = json.dumps(answer).encode()
            try:
                self.send_response(plan.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if plan.retry_after is not None:
                    self.send_header("Retry-After", plan.retry_after)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout) before the answer

    return Handler


@pytest.fixture
def graph_api() -> Iterator[FakeGraphApi]:
    """The fake Graph API on a free loopback port; ``graph_api.url`` is its base URL."""
    fake = FakeGraphApi()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="fake-graph-api", daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# -- what the platform sends to the webhook --------------------------------------------------

PHONE_NUMBER_ID = "1234567890"


def text_message(message_id: str, wa_id: str, body: str, timestamp: int) -> dict[str, Any]:
    """A ``messages[]`` entry of type text."""
    return {
        "from": wa_id,
        "id": message_id,
        "timestamp": str(timestamp),
        "type": "text",
        "text": {"body": body},
    }


def location_message(
    message_id: str,
    wa_id: str,
    lat: float,
    lon: float,
    timestamp: int,
    *,
    name: str = "",
    address: str = "Jl. Danau Toba 12",
) -> dict[str, Any]:
    """A ``messages[]`` entry of type location (with an address unless ``address=""``: a
    shared place carries one; a bare pin does not)."""
    location: dict[str, Any] = {"latitude": lat, "longitude": lon}
    if name:
        location["name"] = name
    if address:
        location["address"] = address
    return {
        "from": wa_id,
        "id": message_id,
        "timestamp": str(timestamp),
        "type": "location",
        "location": location,
    }


def status_callback(
    message_id: str, status: str, timestamp: int, recipient: str = "6281234567890"
) -> dict[str, Any]:
    """A ``statuses[]`` entry (sent, delivered, read, failed)."""
    entry: dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": str(timestamp),
        "recipient_id": recipient,
    }
    if status == "failed":
        entry["errors"] = [{"code": 131026, "title": "Message undeliverable"}]
    return entry


def webhook(
    messages: Sequence[dict[str, Any]] = (),
    *,
    names: dict[str, str] | None = None,
    statuses: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """A whole delivery: one entry, one change, its messages, contacts and statuses."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6281100000000", "phone_number_id": PHONE_NUMBER_ID},
    }
    if messages:
        senders = dict.fromkeys(m["from"] for m in messages if "from" in m)
        value["contacts"] = [
            {"profile": {"name": (names or {}).get(wa_id, "Pelanggan")}, "wa_id": wa_id}
            for wa_id in senders
        ]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA-1", "changes": [{"field": "messages", "value": value}]}],
    }


def signature(body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` header the platform sends with ``body``."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
