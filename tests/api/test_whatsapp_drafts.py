"""The review queue over HTTP (who sees which draft, accept, reject) and the customer's
notifications when the runner taps picked up and delivered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from dispatch.models import (
    DraftStatus,
    Order,
    OutboundStatus,
    RouteStop,
    WhatsAppDraft,
    WhatsAppOutbound,
)
from dispatch.settings import Settings
from dispatch.whatsapp.inbound import evaluate
from tests.api.conftest import World
from tests.api.factories import add_order, add_plan, add_stop
from tests.api.test_whatsapp_webhook import CUSTOMER, drain, whatsapp_settings
from tests.graph_api import FakeGraphApi, graph_api

__all__ = ["graph_api"]

NEAR_SAWOJAJAR = (-7.9712, 112.6655)
NEAR_GADANG = (-8.0200, 112.6310)


@pytest.fixture
def settings(database_url: str, graph_api: FakeGraphApi) -> Settings:
    """Test settings with WhatsApp configured against the fake Graph API."""
    return whatsapp_settings(database_url, graph_api)


def a_reading(confidence: float = 0.5, market: str | None = None, **extra: Any) -> dict[str, Any]:
    """A parser reading: one kilo of shallots, doubtful unless told otherwise."""
    return {
        "is_order": True,
        "items": [{"name": "bawang merah", "quantity": 1, "unit": "kg"}],
        "fulfilment": extra.get("fulfilment"),
        "payment": None,
        "market": market,
        "window_start": None,
        "window_end": None,
        "asap": True,
        "confidence": confidence,
    }


def add_decided_draft(
    engine: Engine,
    settings: Settings,
    key: str,
    *,
    point: tuple[float, float] | None,
    the_reading: dict[str, Any] | None = None,
    wa_id: str = CUSTOMER,
) -> WhatsAppDraft:
    """A draft as the worker leaves it after deciding (review, or ordered when clear)."""
    sent = datetime.now(UTC) - timedelta(minutes=30)
    draft = WhatsAppDraft(
        wa_message_id=key,
        wa_id=wa_id,
        customer_name="Ibu Wulan",
        text="pesan bawang",
        reading=the_reading or a_reading(),
        sent_at=sent,
        wait_until=sent + timedelta(minutes=10),
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        address="Jl. Danau Toba 12" if point else "",
    )
    with Session(engine) as session:
        session.add(draft)
        session.flush()
        evaluate(session, draft, settings)
        session.commit()
        session.refresh(draft)
    return draft


@pytest.fixture
def queue(engine: Engine, settings: Settings, world: World) -> dict[str, WhatsAppDraft]:
    """Three drafts in review: one at Sawojajar, one at Gadang, one with no market yet."""
    return {
        "sawojajar": add_decided_draft(engine, settings, "wamid.S", point=NEAR_SAWOJAJAR),
        "gadang": add_decided_draft(engine, settings, "wamid.G", point=NEAR_GADANG),
        "none": add_decided_draft(
            engine, settings, "wamid.N", point=None, the_reading=a_reading(fulfilment="pickup")
        ),
    }


def ids(answer: Any) -> set[str]:
    return {d["id"] for d in answer.json()["data"]}


def test_the_queue_holds_drafts_in_review(queue: dict[str, WhatsAppDraft]) -> None:
    """The fixture's drafts are what the queue is about: in review, for the expected reasons."""
    assert {k: (d.status, d.reason) for k, d in queue.items()} == {
        "sawojajar": (DraftStatus.REVIEW, "low_confidence"),
        "gadang": (DraftStatus.REVIEW, "low_confidence"),
        "none": (DraftStatus.REVIEW, "no_market"),
    }


def test_operators_see_every_draft(
    client: TestClient, world: World, queue: dict[str, WhatsAppDraft]
) -> None:
    """An operator's queue holds all three; filtering by market narrows it."""
    answer = client.get("/api/v1/drafts", headers=world.auth(world.operator))
    assert ids(answer) == {str(d.id) for d in queue.values()}
    assert answer.json()["count"] == 3
    gadang = client.get("/api/v1/drafts?market=gadang", headers=world.auth(world.operator))
    assert ids(gadang) == {str(queue["gadang"].id)}


def test_a_coordinator_sees_its_market_and_drafts_without_one(
    client: TestClient, world: World, queue: dict[str, WhatsAppDraft]
) -> None:
    """Sawojajar's coordinator: its draft and the market-less one, not Gadang's."""
    answer = client.get("/api/v1/drafts", headers=world.auth(world.coordinator))
    assert ids(answer) == {str(queue["sawojajar"].id), str(queue["none"].id)}


def test_another_markets_draft_answers_404(
    client: TestClient, world: World, queue: dict[str, WhatsAppDraft]
) -> None:
    """Gadang's coordinator cannot read, accept or reject Sawojajar's draft: 404 each time."""
    other = world.auth(world.other_coordinator)
    draft_id = queue["sawojajar"].id
    for answer in (
        client.get(f"/api/v1/drafts/{draft_id}", headers=other),
        client.post(f"/api/v1/drafts/{draft_id}/accept", json={}, headers=other),
        client.post(f"/api/v1/drafts/{draft_id}/reject", json={}, headers=other),
        client.get("/api/v1/drafts?market=sawojajar", headers=other),
    ):
        assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "market.not_found"
    missing = client.get(f"/api/v1/drafts/{queue['gadang'].id}x", headers=other)
    assert missing.status_code == 422


def test_accept_makes_one_order_and_tells_the_customer(
    app: FastAPI,
    client: TestClient,
    engine: Engine,
    world: World,
    queue: dict[str, WhatsAppDraft],
    graph_api: FakeGraphApi,
) -> None:
    """Accepting (twice) makes one order keyed by the message id; the customer is told."""
    draft_id = queue["sawojajar"].id
    headers = world.auth(world.coordinator)
    first = client.post(f"/api/v1/drafts/{draft_id}/accept", json={}, headers=headers)
    second = client.post(f"/api/v1/drafts/{draft_id}/accept", json={}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json()["order_id"] == second.json()["order_id"]
    assert first.json()["decided_by"].startswith("coordinator")
    drain(app)
    with Session(engine) as session:
        [order] = session.exec(select(Order)).all()
    assert order.idempotency_key == "wamid.S"
    texts = [m.text for m in graph_api.messages_to(CUSTOMER)]
    assert sum("Pesanan Anda di Pasar Sawojajar kami terima" in text for text in texts) == 1


def test_a_coordinator_accepts_a_marketless_draft_into_its_own_market(
    client: TestClient, engine: Engine, world: World, queue: dict[str, WhatsAppDraft]
) -> None:
    """No market on the draft: the coordinator's own; another market's code is refused."""
    draft_id = queue["none"].id
    headers = world.auth(world.other_coordinator)
    refused = client.post(
        f"/api/v1/drafts/{draft_id}/accept", json={"market": "sawojajar"}, headers=headers
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "order.unknown_market"
    accepted = client.post(f"/api/v1/drafts/{draft_id}/accept", json={}, headers=headers)
    assert accepted.status_code == 200
    assert accepted.json()["market"] == "gadang"
    with Session(engine) as session:
        order = session.exec(select(Order)).one()
        assert order.fulfilment.value == "pickup"


def test_accept_with_bad_corrections_is_refused_like_the_intake(
    client: TestClient, engine: Engine, world: World, queue: dict[str, WhatsAppDraft]
) -> None:
    """A window that ends before it starts: 422 with the intake's code, nothing stored."""
    answer = client.post(
        f"/api/v1/drafts/{queue['sawojajar'].id}/accept",
        json={"window_start": "10:00", "window_end": "09:00"},
        headers=world.auth(world.coordinator),
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "order.invalid_window"
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Order)).one() == 0
        draft = session.get(WhatsAppDraft, queue["sawojajar"].id)
        assert draft is not None
        assert draft.status is DraftStatus.REVIEW


def test_reject_closes_the_draft_and_tells_the_customer(
    app: FastAPI,
    client: TestClient,
    world: World,
    queue: dict[str, WhatsAppDraft],
    graph_api: FakeGraphApi,
) -> None:
    """Rejected with a reason the customer reads; accepting afterwards is 409."""
    draft_id = queue["sawojajar"].id
    headers = world.auth(world.coordinator)
    rejected = client.post(
        f"/api/v1/drafts/{draft_id}/reject", json={"reason": "stok habis"}, headers=headers
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    late = client.post(f"/api/v1/drafts/{draft_id}/accept", json={}, headers=headers)
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "draft.closed"
    drain(app)
    assert any("stok habis" in m.text for m in graph_api.messages_to(CUSTOMER))


def test_drafts_need_a_token(client: TestClient, queue: dict[str, WhatsAppDraft]) -> None:
    """No bearer token: 401."""
    assert client.get("/api/v1/drafts").status_code == 401


# -- runner's taps -------------------------------------------------------------------------------


def whatsapp_order_on_route(
    engine: Engine, settings: Settings, world: World, key: str = "wamid.RUN"
) -> Order:
    """A clear WhatsApp order at Sawojajar, on the first runner's route for ``world.day``."""
    draft = add_decided_draft(
        engine, settings, key, point=NEAR_SAWOJAJAR, the_reading=a_reading(confidence=0.99)
    )
    assert draft.status is DraftStatus.ORDERED
    with Session(engine) as session:
        order = session.get(Order, draft.order_id)
        assert order is not None
        order.service_date = world.day
        session.add(order)
        session.commit()
        run = add_plan(session, world.markets["sawojajar"], world.day)
        add_stop(session, run, world.runner, order)
        session.refresh(order)
        return order


def test_picked_up_and_delivered_tell_the_whatsapp_customer(
    app: FastAPI,
    client: TestClient,
    engine: Engine,
    settings: Settings,
    world: World,
    graph_api: FakeGraphApi,
) -> None:
    """On the way (runner's first name, ETA in WIB, tracking link), then delivered."""
    order = whatsapp_order_on_route(engine, settings, world)
    base = f"/api/v1/runner/{world.link}/stops/{order.id}"
    assert client.post(f"{base}/picked-up").status_code == 200
    drain(app)
    on_the_way = graph_api.messages_to(CUSTOMER)[-1].text
    assert "sedang diantar oleh Agus" in on_the_way
    with Session(engine) as session:
        stop = session.exec(select(RouteStop).where(RouteStop.order_id == order.id)).one()
        assert stop.planned_arrival is not None
        eta = stop.planned_arrival.astimezone(ZoneInfo("Asia/Jakarta")).strftime("%H.%M")
    assert f"Perkiraan tiba pukul {eta} WIB" in on_the_way
    assert "http://antar.test/t/" in on_the_way
    assert client.post(f"{base}/delivered", json={"collected_rp": 0}).status_code == 200
    drain(app)
    texts = [m.text for m in graph_api.messages_to(CUSTOMER)]
    assert texts[-1].startswith("Pesanan Anda sudah diterima.")
    assert len(texts) == 3  # received, on the way, delivered


def test_orders_from_elsewhere_send_nothing(
    app: FastAPI, client: TestClient, engine: Engine, world: World, graph_api: FakeGraphApi
) -> None:
    """An API/CSV order picked up and delivered: no WhatsApp message."""
    with Session(engine) as session:
        order = add_order(session, world.markets["sawojajar"], "csv-1", world.day)
        run = add_plan(session, world.markets["sawojajar"], world.day)
        add_stop(session, run, world.runner, order)
    base = f"/api/v1/runner/{world.link}/stops/{order.id}"
    assert client.post(f"{base}/picked-up").status_code == 200
    assert client.post(f"{base}/delivered", json={"collected_rp": 90_000}).status_code == 200
    drain(app)
    assert graph_api.received == []


def test_a_graph_api_outage_does_not_break_the_runners_tap(
    app: FastAPI,
    client: TestClient,
    engine: Engine,
    settings: Settings,
    world: World,
    graph_api: FakeGraphApi,
) -> None:
    """The platform failing every attempt: the tap still answers 200; the row says failed."""
    order = whatsapp_order_on_route(engine, settings, world)
    graph_api.fail_next(500, times=100)
    answer = client.post(f"/api/v1/runner/{world.link}/stops/{order.id}/picked-up")
    assert answer.status_code == 200
    assert answer.json()["status"] == "picked_up"
    drain(app)
    with Session(engine) as session:
        rows = session.exec(select(WhatsAppOutbound)).all()
    assert {row.status for row in rows} == {OutboundStatus.FAILED}
    assert {row.attempts for row in rows} == {settings.whatsapp_max_attempts}


def test_an_operator_must_name_a_market_for_a_marketless_draft(
    client: TestClient, world: World, queue: dict[str, WhatsAppDraft]
) -> None:
    """No market on the draft nor in the body: 422 naming the market field."""
    answer = client.post(
        f"/api/v1/drafts/{queue['none'].id}/accept", json={}, headers=world.auth(world.operator)
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "order.required"
    assert answer.json()["error"]["field"] == "market"
    accepted = client.post(
        f"/api/v1/drafts/{queue['none'].id}/accept",
        json={"market": "mergan"},
        headers=world.auth(world.operator),
    )
    assert accepted.json()["market"] == "mergan"
