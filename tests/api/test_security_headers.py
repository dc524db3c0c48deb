"""Every HTML page refuses to be framed and carries a Content-Security-Policy that runs no
inline script unless by its hash; the maps' data are JSON blocks, which run nothing."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.headers import script_hash
from dispatch.settings import Settings
from dispatch.whatsapp.tracking import tracking_token
from tests.api.conftest import World
from tests.api.factories import add_order, add_plan, add_stop
from tests.api.test_console import sign_in

INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*\btype=\"application/json\")[^>]*>(.*?)</script>", re.DOTALL
)
MAP_DATA = re.compile(r'<script type="application/json" id="[^"]+" class="antar-map-data">')
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def policy_of(answer: object) -> dict[str, list[str]]:
    header = answer.headers["content-security-policy"]  # type: ignore[attr-defined]
    return {
        name: sources
        for name, *sources in (part.split() for part in header.split(";") if part.strip())
    }


def assert_safe_page(answer: object, *, allowed_hosts: tuple[str, ...] = ()) -> None:
    """Not frameable; scripts only from here (or ``allowed_hosts``) or inline by hash."""
    headers = answer.headers  # type: ignore[attr-defined]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    policy = policy_of(answer)
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert set(policy["script-src"]) <= {"'self'", *allowed_hosts} | {
        s for s in policy["script-src"] if s.startswith("'sha256-")
    }
    text = answer.text  # type: ignore[attr-defined]
    for script in INLINE_SCRIPT.findall(text):
        assert script_hash(f"<script>{script}</script>") in policy["script-src"]
    assert HANDLER.search(text) is None, "inline event handler"


@pytest.fixture
def pages(engine: Engine, world: World, settings: Settings) -> dict[str, str]:
    """Paths of the HTML pages, with the things they show."""
    with Session(engine) as session:
        market = world.markets["sawojajar"]
        run = add_plan(session, market, world.day)
        order = add_order(session, market, "headers-1", world.day)
        add_stop(session, run, world.runner, order)
        token = tracking_token(order.id, world.day, settings)
    day = world.day.isoformat()
    return {
        "runner": f"/r/{world.link}",
        "runner_bad_link": "/r/forged.link",
        "tracking": f"/t/{token}",
        "tracking_bad": "/t/forged",
        "login": "/console/login",
        "console_markets": "/console",
        "console_market": f"/console/sawojajar?tanggal={day}",
        "console_runner": f"/console/sawojajar/runners/{world.runner.id}?tanggal={day}",
        "console_order": f"/console/sawojajar/orders/{order.id}?tanggal={day}",
        "console_new_order": f"/console/sawojajar/orders/new?tanggal={day}",
        "console_report": f"/console/sawojajar/report?tanggal={day}",
        "console_missing": "/console/sawojajar/orders/00000000-0000-0000-0000-000000000000",
    }


def test_every_html_page_is_unframeable_with_a_strict_script_policy(
    client: TestClient, world: World, pages: dict[str, str]
) -> None:
    """Runner, tracking and console pages (and their error pages) send X-Frame-Options DENY
    and a CSP with ``frame-ancestors 'none'`` whose inline scripts are hashed ones only; the
    board's map, framed by the board, may be framed by this site only."""
    sign_in(client, world.operator)
    maps = []
    for name, path in pages.items():
        answer = client.get(path, follow_redirects=False)
        assert answer.headers["content-type"].startswith("text/html"), (name, answer.status_code)
        assert_safe_page(answer)
        if MAP_DATA.search(answer.text):
            maps.append(name)
            assert INLINE_SCRIPT.search(answer.text) is None, f"{name}: an inline script"
            assert "/static/maps/antar/map.js" in answer.text, name
    assert {"runner", "console_runner"} <= set(maps)
    # The board's map is a document of its own, framed by the board: by this site only.
    board = client.get(pages["console_market"]).text
    assert '<iframe class="map__frame" data-map src="/console/sawojajar/map?' in board
    the_map = client.get(pages["console_market"].replace("sawojajar?", "sawojajar/map?"))
    assert MAP_DATA.search(the_map.text)
    assert INLINE_SCRIPT.search(the_map.text) is None
    assert the_map.headers["x-frame-options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in the_map.headers["content-security-policy"]


def test_the_docs_page_allows_only_its_cdn_and_its_own_script(client: TestClient) -> None:
    """``/docs`` is the one page that loads from elsewhere: Swagger UI's CDN, nothing else."""
    answer = client.get("/docs")
    assert answer.status_code == 200
    assert_safe_page(answer, allowed_hosts=("https://cdn.jsdelivr.net",))
    assert client.get("/redoc").status_code == 404


def test_json_answers_carry_the_headers_too(client: TestClient, world: World) -> None:
    """API answers are not frameable and not sniffed either (and need no CSP)."""
    answer = client.get("/api/v1/markets", headers=world.auth(world.operator))
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
