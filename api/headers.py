"""Security headers: every answer says ``nosniff`` and may not be framed, every HTML page
carries a Content-Security-Policy.

Pages run only scripts served by this application (``/static``): no inline handlers, no
inline scripts. A map's data is a ``<script type="application/json">`` block, which no
browser runs, drawn by ``/static/maps/antar/map.js`` (`maps.render`). A page that must
have an inline script allows it by its SHA-256 hash (`script_hash`, the ``scripts`` of
`content_security_policy`), never by ``'unsafe-inline'``. Styles may be inline (the maps'
styles, Leaflet's marker colours). Images come from here, ``data:``
and the map tile server. ``frame-ancestors 'none'`` (and ``X-Frame-Options: DENY`` for older
browsers) keep the pages and their forms out of other sites' frames. ``/docs`` loads Swagger
UI from its CDN (`DOCS_CDN`): the only page that does, with a policy of its own.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from typing import Final
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dispatch.settings import Settings

#: Where ``/docs`` takes Swagger UI from.
DOCS_CDN: Final = "https://cdn.jsdelivr.net"

_SCRIPT: Final = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)

#: Headers of every answer.
ALWAYS: Final = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # A runner's link is in its page's address: tile requests must not carry it along.
    "Referrer-Policy": "no-referrer",
}


def script_hash(script_html: str) -> str:
    """The CSP source (``'sha256-...'``) that allows the inline ``<script>`` of
    ``script_html`` and nothing else."""
    found = _SCRIPT.search(script_html)
    content = found.group(1) if found else script_html
    digest = hashlib.sha256(content.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def _tiles_source(tiles_url: str) -> str:
    """The tile server's origin as a CSP source (``{s}`` subdomains as ``*``)."""
    parts = urlsplit(tiles_url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "'none'"


def content_security_policy(
    settings: Settings,
    *,
    scripts: Iterable[str] = (),
    script_hosts: Iterable[str] = (),
    style_hosts: Iterable[str] = (),
    image_hosts: Iterable[str] = (),
    frame_ancestors: str = "'none'",
) -> str:
    """The policy of an HTML page; ``scripts`` are the page's own inline scripts (as
    written in the page, ``<script>...</script>``), allowed by their hashes; a page meant to
    be framed by this application's own pages (the console's map) gives ``"'self'"`` as
    ``frame_ancestors``."""
    script_sources = ["'self'", *script_hosts, *(script_hash(s) for s in scripts)]
    directives = {
        "default-src": ["'self'"],
        "script-src": script_sources,
        "style-src": ["'self'", "'unsafe-inline'", *style_hosts],
        "img-src": ["'self'", "data:", _tiles_source(settings.tiles_url), *image_hosts],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": [frame_ancestors],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


class SecurityHeaders:
    """ASGI middleware: `ALWAYS` on every answer, and the default Content-Security-Policy
    on an HTML answer that does not bring its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers.setdefault(name, value)
                html = headers.get("content-type", "").startswith("text/html")
                if html and "content-security-policy" not in headers:
                    settings: Settings = scope["app"].state.settings
                    headers["Content-Security-Policy"] = content_security_policy(settings)
            await send(message)

        await self.app(scope, receive, send_with_headers)
