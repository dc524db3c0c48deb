"""The runner's phone through its link: actions kept by idempotency key (sent again, done
once), honest cash with corrections, proof-of-delivery photos, trips with shopping lists."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dispatch.models import (
    DeliveryPhoto,
    Market,
    Order,
    OrderItem,
    OrderStatus,
    OrderStatusChange,
    RunnerAction,
)
from dispatch.settings import Settings
from dispatch.whatsapp.tracking import tracking_token
from tests.api.conftest import World
from tests.api.factories import add_order, add_plan, add_stop
from tests.api.test_console import sign_in
from tests.serving import serving


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for the test database, photos under the test's own folder."""
    return Settings(
        database_url=database_url, secret_key="test-secret-key-0123456789", data_dir=tmp_path
    )


def planned(engine: Engine, world: World, count: int = 2, **fields: object) -> list[Order]:
    """``count`` orders on the first runner's route, in visiting order."""
    with Session(engine) as session:
        run = add_plan(session, world.markets["sawojajar"], world.day)
        orders = []
        for k in range(count):
            order = add_order(session, world.markets["sawojajar"], f"p-{k}", world.day, **fields)
            add_stop(session, run, world.runner, order)
            orders.append(order)
        for order in orders:
            session.refresh(order)
        return orders


def jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    """A small real JPEG picture."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def _actions(engine: Engine) -> list[RunnerAction]:
    with Session(engine) as session:
        return list(session.exec(select(RunnerAction).order_by(col(RunnerAction.id))).all())


def _changes(engine: Engine, order: Order) -> list[OrderStatusChange]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(OrderStatusChange).where(OrderStatusChange.order_id == order.id)
            ).all()
        )


def test_a_repeated_key_is_done_once_and_answered_the_same(
    client: TestClient, world: World, engine: Engine
) -> None:
    """The phone sends "delivered" twice under one key (it never saw the first answer): one
    delivery, one status change, the same answer twice."""
    order, _ = planned(engine, world)
    base = f"/api/v1/runner/{world.link}/stops/{order.id}"
    key = {"Idempotency-Key": "phone-0001-picked"}
    assert client.post(f"{base}/picked-up", headers=key).status_code == 200
    assert client.post(f"{base}/picked-up", headers=key).status_code == 200
    deliver = {"Idempotency-Key": "phone-0002-delivered"}
    first = client.post(f"{base}/delivered", json={"collected_rp": 23_700}, headers=deliver)
    again = client.post(f"{base}/delivered", json={"collected_rp": 23_700}, headers=deliver)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["collected_rp"] == 23_700
    kinds = [(a.kind, a.amount_rp) for a in _actions(engine)]
    assert kinds == [("picked_up", None), ("delivered", 23_700)]
    moves = sorted(c.to_status.value for c in _changes(engine, order))
    assert moves == ["delivered", "picked_up"]


def test_a_refusal_is_kept_under_its_key_with_a_bahasa_reason(
    client: TestClient, world: World, engine: Engine
) -> None:
    """An action that arrives after its order moved on is refused, and its key answers the
    same refusal later (the phone shows the reason on the stop)."""
    order, _ = planned(engine, world)
    base = f"/api/v1/runner/{world.link}/stops/{order.id}"
    client.post(f"{base}/failed", json={"reason": "not_at_home"})
    key = {"Idempotency-Key": "phone-late-delivery"}
    late = client.post(f"{base}/delivered", json={"collected_rp": 90_000}, headers=key)
    assert late.status_code == 409
    assert "tidak bisa" in late.json()["error"]["message"]
    assert client.post(f"{base}/delivered", json={"collected_rp": 1}, headers=key).json() == (
        late.json()
    )
    assert [a.status_code for a in _actions(engine)][-1] == 409


def test_a_bad_key_is_refused(client: TestClient, world: World, engine: Engine) -> None:
    """A key with spaces or too short is refused with a reason; nothing is marked."""
    order, _ = planned(engine, world)
    answer = client.post(
        f"/api/v1/runner/{world.link}/stops/{order.id}/picked-up",
        headers={"Idempotency-Key": "a b"},
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "Idempotency-Key"
    assert _actions(engine) == []


def test_any_whole_rupiah_and_a_correction_is_not_a_second_delivery(
    client: TestClient, world: World, engine: Engine
) -> None:
    """Rp 23.700 is taken as it is; a typo corrected later keeps old and new amounts and
    leaves one delivery."""
    order, _ = planned(engine, world)
    base = f"/api/v1/runner/{world.link}/stops/{order.id}"
    client.post(f"{base}/delivered", json={"collected_rp": 530_000})
    fixed = client.post(f"{base}/cash", json={"collected_rp": 53_000})
    assert fixed.status_code == 200, fixed.text
    assert (fixed.json()["collected_rp"], fixed.json()["cash_corrections"]) == (53_000, 1)
    correction = [a for a in _actions(engine) if a.kind == "cash_corrected"]
    assert [(c.previous_rp, c.amount_rp) for c in correction] == [(530_000, 53_000)]
    delivered = [c for c in _changes(engine, order) if c.to_status is OrderStatus.DELIVERED]
    assert len([c for c in delivered if c.from_status is not OrderStatus.DELIVERED]) == 1
    route = client.get(f"/api/v1/runner/{world.link}/route").json()
    assert route["stops"][0]["collected_rp"] == 53_000


def test_an_open_stop_cannot_be_corrected(client: TestClient, world: World, engine: Engine) -> None:
    """A correction before delivery is 409 in Bahasa."""
    order, _ = planned(engine, world)
    answer = client.post(
        f"/api/v1/runner/{world.link}/stops/{order.id}/cash", json={"collected_rp": 1000}
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["message"].startswith("Jumlah uang")


def test_a_photo_is_kept_under_the_data_folder_with_its_hash(
    client: TestClient, world: World, engine: Engine, tmp_path: Path
) -> None:
    """A JPEG is stored as a file (path and SHA-256 in the database); sent twice, kept once."""
    order, _ = planned(engine, world)
    url = f"/api/v1/runner/{world.link}/stops/{order.id}/photo"
    picture = jpeg()
    headers = {"Content-Type": "image/jpeg"}
    answer = client.post(url, content=picture, headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["photos"] == 1
    client.post(url, content=picture, headers=headers)
    with Session(engine) as session:
        photos = session.exec(select(DeliveryPhoto)).all()
    assert len(photos) == 1
    assert (tmp_path / photos[0].path).read_bytes() == picture
    assert photos[0].content_type == "image/jpeg"
    assert (photos[0].width, photos[0].height) == (64, 48)


def test_a_large_or_non_image_upload_is_refused_in_bahasa(
    client: TestClient, world: World, engine: Engine
) -> None:
    """10 MB is 413 before it is read; a text file dressed as a JPEG is 422; both in Bahasa."""
    order, _ = planned(engine, world)
    url = f"/api/v1/runner/{world.link}/stops/{order.id}/photo"
    big = client.post(url, content=b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024))
    assert big.status_code == 413
    assert "terlalu besar" in big.json()["error"]["message"]
    text = client.post(url, content=b"bukan foto", headers={"Content-Type": "image/jpeg"})
    assert text.status_code == 422
    assert text.json()["error"]["message"] == (
        "Berkas ini bukan foto: kirim gambar JPEG, PNG atau WebP."
    )
    with Session(engine) as session:
        assert session.exec(select(DeliveryPhoto)).all() == []


def test_a_market_that_needs_a_photo_refuses_delivery_without_one(
    client: TestClient, world: World, engine: Engine
) -> None:
    """With the market's setting on, "delivered" waits for a photo, then goes through."""
    order, _ = planned(engine, world)
    changed = client.patch(
        "/api/v1/markets/sawojajar",
        json={"photo_required": True},
        headers=world.auth(world.operator),
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["photo_required"] is True
    base = f"/api/v1/runner/{world.link}/stops/{order.id}"
    refused = client.post(f"{base}/delivered", json={"collected_rp": 90_000})
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "order.photo_required"
    client.post(f"{base}/photo", content=jpeg(), headers={"Content-Type": "image/jpeg"})
    done = client.post(
        f"{base}/delivered", json={"collected_rp": 90_000, "recipient_name": "Pak RT"}
    )
    assert done.status_code == 200
    assert done.json()["recipient_name"] == "Pak RT"


def test_the_route_carries_trips_with_shopping_lists_and_weights(
    client: TestClient, world: World, engine: Engine
) -> None:
    """Items of a trip's orders add up per item and unit, with the trip's weight and the
    runner's load beside it."""
    orders = planned(engine, world, count=3)
    with Session(engine) as session:
        for order, kg in zip(orders, (0.5, 1.0, 0.25), strict=True):
            session.add(
                OrderItem(
                    order_id=order.id, name="Bawang merah", quantity=kg, unit="kg", weight_g=0
                )
            )
            session.add(
                OrderItem(order_id=order.id, name="tahu", quantity=5, unit="biji", weight_g=0)
            )
        session.commit()
        market = session.exec(select(Market).where(Market.code == "sawojajar")).one()
        assert market.photo_required is False
    route = client.get(f"/api/v1/runner/{world.link}/route").json()
    assert route["runner"]["capacity_g"] > 0
    (trip,) = route["trips"]
    assert trip["weight_g"] == 3 * 2000
    lines = {
        (line["name"], line["unit"]): (line["quantity"], line["orders"])
        for line in trip["shopping"]
    }
    assert lines == {("Bawang merah", "kg"): (1.75, 3), ("tahu", "biji"): (15, 3)}
    assert route["stops"][0]["whatsapp_text"].startswith("Halo Ibu Wulan")


def test_a_position_sent_twice_is_taken_once(
    client: TestClient, world: World, engine: Engine
) -> None:
    """Positions kept offline come with keys; a repeated one adds no second record."""
    key = {"Idempotency-Key": "phone-position-0001"}
    body = {"lat": -7.97, "lon": 112.66}
    for _ in range(2):
        assert (
            client.post(f"/api/v1/runner/{world.link}/position", json=body, headers=key).status_code
            == 200
        )
    assert [a.kind for a in _actions(engine)] == ["position"]


def test_the_position_shows_with_its_age_on_tracking_and_console_pages(
    client: TestClient, world: World, engine: Engine, settings: Settings
) -> None:
    """A position the phone reported shows, with its age, on the customer's tracking page
    while the order is on its way, and on the console's runner page."""
    order, _ = planned(engine, world)
    base = f"/api/v1/runner/{world.link}"
    # Shown rounded to the minute: "5 menit" from 4 min 30 s to 5 min 30 s; a loaded
    # machine may take a while to get to the pages.
    at = datetime.now(UTC) - timedelta(minutes=4, seconds=35)
    body = {"lat": -7.9712, "lon": 112.6655, "at": at.isoformat()}
    assert client.post(f"{base}/position", json=body).status_code == 200
    tracking = "/t/" + tracking_token(order.id, order.service_date, settings)
    assert 'id="position"' not in client.get(tracking).text  # not on its way yet
    client.post(f"{base}/stops/{order.id}/picked-up")
    page = client.get(tracking).text
    assert "Lokasi kurir dilaporkan 5 menit yang lalu." in page
    assert "openstreetmap.org/?mlat=-7.97120" in page
    assert sign_in(client, world.coordinator).status_code == 303
    runner_page = client.get(f"/console/sawojajar/runners/{world.runner.id}?tanggal={world.day}")
    assert "Lokasi terakhir" in runner_page.text
    assert "5 menit" in runner_page.text


def test_the_console_order_page_shows_the_cash_collected_and_its_correction(
    client: TestClient, world: World, engine: Engine
) -> None:
    """The coordinator sees the amount the runner collected, the correction (old and new)
    and who received the goods."""
    order, _ = planned(engine, world)
    base = f"/api/v1/runner/{world.link}/stops/{order.id}"
    client.post(f"{base}/delivered", json={"collected_rp": 530_000, "recipient_name": "Pak Darto"})
    client.post(f"{base}/cash", json={"collected_rp": 53_000})
    assert sign_in(client, world.coordinator).status_code == 303
    page = client.get(f"/console/sawojajar/orders/{order.id}").text
    assert "Rp 53.000" in page
    assert "uang dikoreksi: Rp 530.000 → Rp 53.000" in page
    assert "Pak Darto" in page


def test_an_order_without_a_name_gets_no_empty_greeting(
    client: TestClient, world: World, engine: Engine
) -> None:
    """The WhatsApp text to a customer without a name starts "Halo, saya", never "Halo , "."""
    planned(engine, world, count=1, customer_name="  ")
    (stop,) = client.get(f"/api/v1/runner/{world.link}/route").json()["stops"]
    assert stop["whatsapp_text"].startswith("Halo, saya ")
    assert "Halo ," not in stop["whatsapp_text"]


def test_one_key_sent_eight_times_at_once_is_done_once(
    app: FastAPI, world: World, engine: Engine
) -> None:
    """A phone that retries in a burst (eight requests with one key at the same moment, on a
    real server) gets eight identical answers and one delivery."""
    order, _ = planned(engine, world)
    path = f"/api/v1/runner/{world.link}/stops/{order.id}/delivered"
    headers = {"Idempotency-Key": "burst-0001"}
    with serving(app) as base, ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(
                lambda _: httpx.post(
                    base + path, json={"collected_rp": 23_700}, headers=headers, timeout=30
                ),
                range(8),
            )
        )
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1
    assert [(a.kind, a.amount_rp) for a in _actions(engine)] == [("delivered", 23_700)]
    delivered = [c for c in _changes(engine, order) if c.to_status is OrderStatus.DELIVERED]
    assert len(delivered) == 1
