"""Text that customers and coordinators write reaches the maps as text, never as a template.

Customer names come from WhatsApp, unauthenticated. When the maps were drawn with Folium,
branca compiled each element's rendered script as a Jinja template a second time, so a name
such as ``{{ 7*7 }}`` was evaluated on the server (and ``lipsum.__globals__.os`` reached
the process): the maps must carry such text verbatim, through every page that shows one.
"""

from __future__ import annotations

import html
import json
import os
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tests.api.conftest import World
from tests.api.factories import add_order, add_plan, add_stop
from tests.api.test_console import sign_in

TEMPLATES = {
    "expression": "Ibu {{ 7*7 }} {{ lipsum.__globals__.os.getpid() }}",
    "statement": "Ibu {% for x in range(3) %}{{ x }}{% endfor %} Kena",
    "comment": "Ibu {# hilang #} Wulan",
}
_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def script_texts(page: str) -> list[str]:
    """Every string literal of the page's inline scripts, decoded (JSON, then HTML)."""
    texts = []
    for script in _SCRIPT.findall(page):
        for literal in _JSON_STRING.findall(script):
            texts.append(html.unescape(json.loads(literal)))
    return texts


def evaluated(page: str) -> bool:
    """Whether the page shows the result of a template (49 and the server's pid, 012, a
    comment gone)."""
    return any(token in page for token in (f"Ibu 49 {os.getpid()}", "Ibu 012 Kena", "Ibu  Wulan"))


def plan_with(engine: Engine, world: World, name: str) -> None:
    """A planned order for the first runner and a pending one, both named ``name``."""
    market = world.markets["sawojajar"]
    with Session(engine) as session:
        run = add_plan(session, market, world.day)
        planned = add_order(
            session, market, "tpl-planned", world.day, customer_name=name, address=f"Jl. {name}"
        )
        add_stop(session, run, world.runner, planned)
        add_order(session, market, "tpl-pending", world.day, customer_name=name)


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_runner_page_map_shows_the_name_as_written(
    client: TestClient, world: World, engine: Engine, kind: str
) -> None:
    """The runner's map shows a templated customer name verbatim, unevaluated."""
    name = TEMPLATES[kind]
    plan_with(engine, world, name)
    page = client.get(f"/r/{world.link}")
    assert page.status_code == 200, page.text
    assert not evaluated(page.text)
    assert any(name in text for text in script_texts(page.text))


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_console_maps_show_the_name_as_written(
    client: TestClient, world: World, engine: Engine, kind: str
) -> None:
    """The console's market map (the board frames it as a document of its own) and runner map
    show a templated name verbatim, unevaluated; the board itself does not evaluate it."""
    name = TEMPLATES[kind]
    plan_with(engine, world, name)
    assert sign_in(client, world.coordinator).status_code == 303
    day = world.day.isoformat()
    board = client.get(f"/console/sawojajar?tanggal={day}")
    assert board.status_code == 200, board.text
    assert not evaluated(board.text)
    for path in (
        f"/console/sawojajar/map?tanggal={day}",
        f"/console/sawojajar/runners/{world.runner.id}?tanggal={day}",
    ):
        page = client.get(path)
        assert page.status_code == 200, page.text
        assert not evaluated(page.text), path
        assert any(name in text for text in script_texts(page.text)), path
