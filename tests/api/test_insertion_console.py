"""New orders on a planned day in the console (issue 15, item 2): the order form's order goes
onto a runner's route; with the market on review (the operator's market form) it waits with
the suggested runner and place, and one click on "Setujui penyisipan" inserts it."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dispatch.models import Market, Order
from dispatch.plans import market_plan
from tests.api.conftest import World
from tests.api.test_console import csrf_of, order_form, sign_in
from tests.api.test_insertion import planned_day


def place_of(engine: Engine, world: World, key: str) -> tuple[str, str | None]:
    """("route", runner name) or ("unplanned", reason code) of order ``key``."""
    with Session(engine) as session:
        market = session.exec(select(Market).where(Market.code == "sawojajar")).one()
        order = session.exec(select(Order).where(Order.idempotency_key == key)).one()
        plan = market_plan(session, market, world.day)
    for route in plan.routes:
        if any(s.order_id == order.id for s in route.stops):
            return "route", route.runner_name
    for entry in plan.unplanned:
        if entry.order_id == order.id:
            return "unplanned", entry.reason_code
    return "nowhere", None


def test_the_order_form_inserts_into_the_plan_and_review_waits_for_one_click(
    client: TestClient, world: World, engine: Engine
) -> None:
    planned_day(client, world)
    assert sign_in(client, world.operator).status_code == 303

    form = order_form(world, client, window_start="", window_end="")
    made = client.post("/console/sawojajar/orders/new", data=form, follow_redirects=False)
    assert made.status_code == 303, made.text
    where, runner = place_of(engine, world, form["external_id"])
    assert where == "route"
    page = client.get(made.headers["location"])
    assert runner in page.text

    # The operator puts the market on review through its form.
    edit = client.get("/console/markets/sawojajar/edit")
    assert "Pesanan baru di hari yang sudah direncanakan" in edit.text
    assert "Menunggu persetujuan koordinator" in edit.text
    values = {
        "csrf": csrf_of(client, "/console/markets/sawojajar/edit"),
        "name": "Pasar Sawojajar",
        "address": "",
        "lat": "-7.9750",
        "lon": "112.6608",
        "opens": "05:00",
        "closes": "12:00",
        "insertion": "review",
    }
    saved = client.post("/console/markets/sawojajar/edit", data=values, follow_redirects=False)
    assert saved.status_code == 303, saved.text

    form = order_form(world, client, window_start="", window_end="")
    made = client.post("/console/sawojajar/orders/new", data=form, follow_redirects=False)
    assert place_of(engine, world, form["external_id"]) == ("unplanned", "awaiting_review")
    page = client.get(made.headers["location"])
    text = unescape(page.text)
    assert "Menunggu persetujuan koordinator" in text
    assert re.search(r"Usulan: [^<]+, pemberhentian ke-\d+", text)
    action = re.search(r'action="([^"]*accept-insertion[^"]*)"', page.text)
    assert action is not None
    csrf = csrf_of(client, made.headers["location"])
    accepted = client.post(unescape(action.group(1)), data={"csrf": csrf}, follow_redirects=False)
    assert accepted.status_code == 303, accepted.text
    assert "ok=insertion_accepted" in accepted.headers["location"]
    assert place_of(engine, world, form["external_id"])[0] == "route"
    shown = client.get(accepted.headers["location"])
    assert "Pesanan disisipkan ke rencana." in shown.text

    # A second click finds nothing waiting: refused in Bahasa, nothing changed.
    again = client.post(unescape(action.group(1)), data={"csrf": csrf}, follow_redirects=False)
    assert again.status_code == 409
    assert "tidak sedang menunggu persetujuan" in unescape(again.text)
