"""Live console pages: Server-Sent Events from the change feed (`dispatch.changes`).

``GET /console/{market}/live`` streams the market's changes, ``GET /console/overview/live``
those of every market the caller sees. Each event is one change (``event: change``, its id
the feed's id, its data ``{"market", "kind", "id", "status", "day"}``); the page then
fetches what it shows again (`api.console.routes` ``board.json``) and patches itself. The
browser's ``EventSource`` reconnects by itself and sends the last id it saw
(``Last-Event-ID``): the stream starts after it, so nothing is missed; a first connection
starts after the id the page was rendered at (``?after=``).

The stream polls the feed's table (an indexed read every `POLL_S`), so a change made by any
process (another worker of ``antar serve``, ``antar``, a dispatch thread) reaches every
page, on SQLite and PostgreSQL alike. It ends when the console session expires, is signed
out or its token revoked (checked every `CHECK_SESSION_S`): the page reconnects and is
refused.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import Engine
from sqlmodel import Session
from sse_starlette import EventSourceResponse

from api.access import visible_markets
from api.console.routes import PREFIX, ConsoleDep, ConsoleMarketDep, ConsoleRoute
from api.console.session import ConsoleSession
from api.deps import EngineDep
from dispatch.auth import console_session
from dispatch.changes import ChangeCursor, last_change_id
from dispatch.db import read_only
from dispatch.models import Change

#: Seconds between two reads of the feed (an update reaches a page within about this, plus
#: the page's own fetch).
POLL_S: Final = 0.5
#: Milliseconds the browser waits before reconnecting after a loss.
RETRY_MS: Final = 1500
#: Seconds between keep-alive comments (proxies close a silent connection).
PING_S: Final = 15
#: Seconds between two checks that the console session is still open (signed out, revoked).
CHECK_SESSION_S: Final = 30

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)


def start_id(request: Request, engine: Engine, market_ids: Sequence[uuid.UUID] | None) -> int:
    """Where a stream starts: after ``Last-Event-ID`` (a reconnection), else after
    ``?after=`` (the id the page was rendered at), else after the newest change."""
    for raw in (request.headers.get("last-event-id"), request.query_params.get("after")):
        if raw and raw.strip().isdigit() and len(raw.strip()) < 19:
            return int(raw.strip())
    with Session(read_only(engine)) as session:
        return last_change_id(session, market_ids)


def _event(change: Change, codes: dict[uuid.UUID, str]) -> dict[str, Any]:
    data = {
        "market": codes.get(change.market_id, ""),
        "kind": change.kind,
        "id": None if change.subject_id is None else str(change.subject_id),
        "status": change.status,
        "day": None if change.service_date is None else change.service_date.isoformat(),
    }
    return {"id": str(change.id), "event": "change", "data": json.dumps(data)}


async def _stream(
    request: Request,
    engine: Engine,
    cursor: ChangeCursor,
    codes: dict[uuid.UUID, str],
    console: ConsoleSession,
) -> AsyncIterator[dict[str, Any]]:
    def poll() -> list[Change]:
        with Session(read_only(engine)) as session:
            return cursor.poll(session)

    def signed_in() -> bool:
        with Session(read_only(engine)) as session:
            return not isinstance(console_session(session, console.session_id), str)

    yield {"event": "ready", "data": str(cursor.after_id), "retry": RETRY_MS}
    checked = time.monotonic()
    while datetime.now(UTC) < console.expires_at:
        if await request.is_disconnected():
            return
        if time.monotonic() - checked > CHECK_SESSION_S:
            if not await run_in_threadpool(signed_in):
                return  # signed out or revoked: the page reconnects and is sent to sign in
            checked = time.monotonic()
        for change in await run_in_threadpool(poll):
            yield _event(change, codes)
        await asyncio.sleep(POLL_S)


def _response(
    request: Request,
    engine: Engine,
    market_ids: Sequence[uuid.UUID] | None,
    codes: dict[uuid.UUID, str],
    console: ConsoleSession,
) -> EventSourceResponse:
    cursor = ChangeCursor(start_id(request, engine, market_ids), market_ids)
    return EventSourceResponse(
        _stream(request, engine, cursor, codes, console),
        ping=PING_S,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/overview/live")
def overview_live(request: Request, console: ConsoleDep, engine: EngineDep) -> EventSourceResponse:
    """Changes of every market the caller sees, as Server-Sent Events."""
    with Session(read_only(engine)) as session:
        markets = visible_markets(session, console.principal)
    codes = {m.id: m.code for m in markets}
    ids = None if console.is_operator else list(codes)
    return _response(request, engine, ids, codes, console)


@router.get("/{market}/live")
def market_live(
    request: Request, console: ConsoleDep, row: ConsoleMarketDep, engine: EngineDep
) -> EventSourceResponse:
    """The market's changes (orders, runners, runs, plans), as Server-Sent Events."""
    return _response(request, engine, [row.id], {row.id: row.code}, console)
