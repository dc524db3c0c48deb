"""Reads answered from what this worker rendered before, while nothing they show has changed.

The busiest reads of a morning (the runner's route and page, a market's order list, the
console's market page) are asked far more often than a market changes. Each is rendered once
per *version* of its market (`dispatch.changes.market_version`: the change feed's newest id
and row count, read in the request's own transaction before what the answer shows) and kept here,
keyed by the version and by everything else the answer depends on (who asks, the path and
query, the language; for a page that shows times relative to now, the current
`TIME_BUCKET_S`). Any change a reader shows writes a feed row in its own transaction, so a
new change means a new version and a new key: a kept answer is never older than the data.
The key ends with the code's own fingerprint (`code_version`): a new release never answers
from an old one's renderings, nor matches an old ``ETag``.

Per worker, bounded: at most `MAX_ENTRIES` answers and the bytes ``ANTAR_READ_CACHE_MIB``
allows (0: none kept, every read rendered anew), the least recently used go first. Requests
that miss the same key at once render it once (the others wait for that rendering).
``ETag`` and ``If-None-Match`` (`not_modified`) let a client that has the answer already
skip the body: ``304 Not Modified``. A client that takes gzip gets the answer compressed
once per version, not once per request.
"""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Final

from starlette.requests import Request
from starlette.responses import Response

#: Answers kept per worker, and their bytes at most (`api.main` gives the setting
#: ``ANTAR_READ_CACHE_MIB``).
MAX_ENTRIES: Final = 512
MAX_BYTES: Final = 64 * 1024 * 1024
#: Seconds a page that shows times relative to now (a runner's position "2 min ago", an
#: order running late) is kept at most, whatever else changes.
TIME_BUCKET_S: Final = 5
#: Seconds a request waits for another one rendering the same answer before rendering it
#: itself.
WAIT_S: Final = 10.0

_ROOT = Path(__file__).resolve().parent.parent
_SOURCES: Final = ("api", "dispatch", "maps")


@cache
def code_version() -> str:
    """A fingerprint of the code that renders (its Python files, templates, catalogues and
    static files: names, sizes and times), the same in every worker of one release."""
    digest = hashlib.blake2b(digest_size=8)
    for folder in _SOURCES:
        for path in sorted((_ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".html", ".po", ".mo", ".js", ".css"}:
                stat = path.stat()
                digest.update(
                    f"{path.relative_to(_ROOT)}:{stat.st_size}:{stat.st_mtime_ns}".encode()
                )
    return digest.hexdigest()


def time_bucket(now: datetime) -> int:
    """The `TIME_BUCKET_S` slice ``now`` falls in."""
    return int(now.timestamp()) // TIME_BUCKET_S


#: Bytes from which an answer is sent compressed (as `api.main`'s GZip middleware does).
GZIP_MIN_BYTES: Final = 1000


@dataclass
class Answer:
    """A rendered answer, its entity tag and, once a client asked for it, its gzip coding
    (compressed once, not for every client)."""

    body: bytes
    etag: str
    gzipped: bytes | None = None

    def compress(self) -> None:
        """Keep the gzip coding of the body (a large body only)."""
        if self.gzipped is None and len(self.body) >= GZIP_MIN_BYTES:
            self.gzipped = gzip.compress(self.body, compresslevel=6, mtime=0)


def etag_of(key: Hashable) -> str:
    """A weak entity tag for ``key`` (weak: the same data, whatever the content coding)."""
    digest = hashlib.blake2b(repr((key, code_version())).encode(), digest_size=12).hexdigest()
    return f'W/"{digest}"'


def not_modified(if_none_match: str | None, etag: str) -> bool:
    """Whether a request's ``If-None-Match`` names ``etag`` (weak comparison, or ``*``)."""
    if not if_none_match:
        return False
    wanted = etag.removeprefix("W/")
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == wanted:
            return True
    return False


class ReadCache:
    """Rendered answers by key, least recently used first out; safe across threads."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._answers: OrderedDict[Hashable, Answer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._rendering: dict[Hashable, threading.Event] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._answers)

    @property
    def size(self) -> int:
        """Bytes of the answers kept."""
        return self._bytes

    def get(self, key: Hashable) -> Answer | None:
        """The answer kept for ``key``, if any."""
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
            return found

    def put(self, key: Hashable, body: bytes) -> Answer:
        """Keep ``body`` as ``key``'s answer (not when it alone is over the byte bound)."""
        answer = Answer(body, etag_of(key))
        if len(body) > self.max_bytes:
            return answer
        with self._lock:
            old = self._answers.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._answers[key] = answer
            self._bytes += len(body)
            while self._answers and (
                len(self._answers) > self.max_entries or self._bytes > self.max_bytes
            ):
                _, dropped = self._answers.popitem(last=False)
                self._bytes -= len(dropped.body)
        return answer

    def answer(
        self, key: Hashable, render: Callable[[], bytes], *, compressed: bool = False
    ) -> Answer:
        """``key``'s answer: kept, or rendered by ``render`` and kept; with ``compressed``,
        its gzip coding too (made in the calling thread, once). Requests that miss the same
        key at once wait for the first one's rendering instead of rendering it too."""
        found = self._answer(key, render)
        if compressed:
            found.compress()
        return found

    def _answer(self, key: Hashable, render: Callable[[], bytes]) -> Answer:
        while True:
            found = self.get(key)
            if found is not None:
                self.hits += 1
                return found
            with self._lock:
                busy = self._rendering.get(key)
                if busy is None:
                    mine = self._rendering[key] = threading.Event()
            if busy is None:
                break
            if not busy.wait(WAIT_S):
                break  # the other rendering is stuck: render here
            if self.get(key) is None:
                break  # it failed, or its answer is gone already: render here
        self.misses += 1
        try:
            return self.put(key, render())
        finally:
            if busy is None:
                with self._lock:
                    self._rendering.pop(key, None)
                mine.set()


def cached_response(
    request: Request, answer: Answer, media_type: str, headers: dict[str, str]
) -> Response:
    """``answer`` with its ``ETag``; ``304 Not Modified`` (no body) when the request's
    ``If-None-Match`` names it."""
    headers = {**headers, "ETag": answer.etag}
    if not_modified(request.headers.get("if-none-match"), answer.etag):
        return Response(status_code=304, headers=headers)
    if answer.gzipped is not None and accepts_gzip(request):
        headers |= {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        return Response(answer.gzipped, media_type=media_type, headers=headers)
    return Response(answer.body, media_type=media_type, headers=headers)


def accepts_gzip(request: Request) -> bool:
    """Whether the client takes a gzip-coded answer."""
    return "gzip" in request.headers.get("accept-encoding", "")


def reads_of(request: Request) -> ReadCache:
    """The worker's `ReadCache` (made by `api.main.create_app`)."""
    reads: ReadCache = request.app.state.reads
    return reads
