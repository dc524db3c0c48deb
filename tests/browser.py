"""Headless Chromium for the page tests: Debian's ``/usr/bin/chromium`` through Playwright,
every host but the server under test blocked, console errors and page errors collected."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Watch:
    """What pages opened through it did wrong: requests to other hosts (aborted) and errors.

    Map tiles point at an unreachable ``tiles.invalid`` host in the tests, so their failed
    loads are expected and not counted as console errors."""

    base: str
    foreign: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def guard(self, context: Any) -> Any:
        """``context`` with every request to another host than ``base`` aborted."""
        context.route("**/*", self._only_loopback)
        return context

    def page(self, context: Any) -> Any:
        """A new page of ``context`` whose console and page errors are collected."""
        page = context.new_page()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        return page

    def _only_loopback(self, route: Any, request: Any) -> None:
        if request.url.startswith(self.base):
            route.continue_()
        else:
            self.foreign.append(request.url)
            route.abort()

    def _console(self, message: Any) -> None:
        here = self.base in str(message.location.get("url", self.base))
        if message.type == "error" and here and "tiles.invalid" not in message.text:
            self.errors.append(message.text)

    def assert_clean(self) -> None:
        """No errors, and nothing but tiles asked of other hosts."""
        assert self.errors == []
        assert all(url.startswith("https://tiles.invalid/") for url in self.foreign)
