"""An application on a real uvicorn server on loopback, in a thread, for end-to-end tests."""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from fastapi import FastAPI


def free_port() -> int:
    """A TCP port nobody listens on right now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(app: FastAPI, port: int | None = None) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (``port``, or a free one) until the block ends; yields the
    base URL once the server accepts connections (its lifespan has run)."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@dataclass(frozen=True)
class RawAnswer:
    """What the server answered to a raw request, and how much of the body it let through."""

    status: int
    headers: dict[str, str]
    body: bytes
    sent: int
    """Bytes of the request body sent before the answer came (or the server hung up)."""

    def json(self) -> Any:
        return json.loads(self.body)


def send_body(
    base_url: str,
    method: str,
    path: str,
    size: int,
    *,
    headers: Mapping[str, str] | None = None,
    chunked: bool = False,
    piece: int = 64 * 1024,
    timeout_s: float = 120.0,
) -> RawAnswer:
    """Send ``size`` bytes of body (``Content-Length``, or chunked without one) over a raw
    socket, reading the answer as soon as it comes: the server may answer (and hang up)
    long before the body is sent, as a body limit does. Raises if no answer comes."""
    parsed = urlsplit(base_url)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {parsed.netloc}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}")
    pending = ("\r\n".join(lines) + "\r\n\r\n").encode()
    filler = b"9" * piece
    sent = 0
    received = b""
    writing = True
    deadline = time.monotonic() + timeout_s
    with socket.create_connection((parsed.hostname, parsed.port)) as sock:
        sock.setblocking(False)
        while time.monotonic() < deadline:
            readable, writable, _ = select.select([sock], [sock] if writing else [], [], 0.5)
            if readable:
                try:
                    data = sock.recv(1 << 16)
                except ConnectionResetError:
                    break
                if not data:
                    break
                received += data
                writing = False  # the server has answered: stop sending
                if _complete(received):
                    break
                continue
            if writable:
                if not pending:
                    if sent >= size:
                        pending = b"0\r\n\r\n" if chunked else b""
                        if not pending:
                            writing = False
                            continue
                        sent += 1  # past the end: the closing chunk goes once
                    else:
                        part = filler[: min(piece, size - sent)]
                        sent += len(part)
                        pending = (
                            f"{len(part):x}\r\n".encode() + part + b"\r\n" if chunked else part
                        )
                try:
                    written = sock.send(pending)
                except (BrokenPipeError, ConnectionResetError):
                    writing = False
                    continue
                pending = pending[written:]
                if sent > size and not pending:
                    writing = False
    if b"\r\n\r\n" not in received:
        msg = f"no answer from {base_url}{path} ({sent} body bytes sent)"
        raise RuntimeError(msg)
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    answer_headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        answer_headers[name.strip().lower()] = value.strip()
    return RawAnswer(int(status_line.split()[1]), answer_headers, body, min(sent, size))


def _complete(received: bytes) -> bool:
    head, found, body = received.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            return len(body) >= int(value.strip())
    return False
