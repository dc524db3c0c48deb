"""Sellers through the API (``/api/v1/sellers``; orders naming a seller) and the console
(``/console/sellers``): the same rules as the command line, operators manage, a market's
coordinator reads its own market's sellers."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dispatch.models import Order, Seller, SellerVerification
from tests.api.conftest import World
from tests.api.test_console import csrf_of, sign_in
from tests.api.test_console_fleet import upload
from tests.dispatch.factories import order_fields

CITY = Path(__file__).resolve().parents[1] / "data" / "city"
SANAN = {
    "code": "keripik-tempe-sanan",
    "name": "Keripik Tempe Sanan",
    "cluster": "kuliner",
    "category": "makanan-minuman",
    "phone": "0813 3300 1001",
    "address": "Jl. Sanan, Kel. Purwantoro",
    "lat": -7.954129,
    "lon": 112.644457,
}


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", " ", html))


def _error(answer: Any) -> tuple[int, str, str | None]:
    error = answer.json()["error"]
    return answer.status_code, error["code"], error["field"]


# -- the API ------------------------------------------------------------------------------------


def test_an_operator_adds_verifies_and_reads_a_seller(client: TestClient, world: World) -> None:
    """POST makes a pending seller (201, phone in E.164, market as named), a second with the
    code is 409, PATCH verifies it, GET reads it and the list filters by verification."""
    headers = world.auth(world.operator)
    made = client.post("/api/v1/sellers", json=SANAN | {"market": "sawojajar"}, headers=headers)
    assert made.status_code == 201, made.text
    seller = made.json()
    assert (seller["phone"], seller["market"], seller["verification"]) == (
        "+6281333001001",
        "sawojajar",
        "pending",
    )
    assert (seller["opens"], seller["closes"], seller["generated"]) == (
        "07:00:00",
        "17:00:00",
        False,
    )
    assert _error(client.post("/api/v1/sellers", json=SANAN, headers=headers)) == (
        409,
        "seller.exists",
        "code",
    )
    verified = client.patch(
        "/api/v1/sellers/keripik-tempe-sanan", json={"verification": "verified"}, headers=headers
    )
    assert verified.json()["verification"] == "verified"
    one = client.get("/api/v1/sellers/keripik-tempe-sanan", headers=headers).json()
    assert one["name"] == "Keripik Tempe Sanan"
    listed = client.get(
        "/api/v1/sellers",
        params={"market": "sawojajar", "verification": "verified"},
        headers=headers,
    ).json()
    assert "keripik-tempe-sanan" in [s["code"] for s in listed["data"]]
    assert listed["count"] == 5  # the four seeded example sellers and this one


def test_a_seller_without_a_market_gets_the_nearest(client: TestClient, world: World) -> None:
    """Leaving ``market`` out (or ``""`` in an edit) gives the market nearest to the seller."""
    headers = world.auth(world.operator)
    body = SANAN | {"code": "lesanpuro", "lat": -7.992491, "lon": 112.664991}
    made = client.post("/api/v1/sellers", json=body, headers=headers)
    assert made.json()["market"] == "sawojajar"
    moved = client.patch("/api/v1/sellers/lesanpuro", json={"market": "gadang"}, headers=headers)
    assert moved.json()["market"] == "gadang"
    back = client.patch("/api/v1/sellers/lesanpuro", json={"market": ""}, headers=headers)
    assert back.json()["market"] == "sawojajar"


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ({"lat": -7.8671, "lon": 112.5239}, (422, "seller.outside_city", "lat")),
        ({"opens": "17:00", "closes": "08:00"}, (422, "seller.invalid_hours", "closes")),
        ({"nib": "123"}, (422, "seller.invalid_nib", "nib")),
        ({"phone": "0000000"}, (422, "order.invalid_phone", "phone")),
        ({"code": "import"}, (422, "seller.reserved_code", "code")),
        ({"cluster": "warung"}, (422, "request.invalid", "cluster")),
        ({"market": "nowhere"}, (404, "market.not_found", "market")),
    ],
)
def test_the_api_applies_the_sellers_rules(
    client: TestClient, world: World, change: dict[str, Any], refusal: tuple[int, str, str]
) -> None:
    """Each bad value is refused with the command line's code, naming its field."""
    answer = client.post("/api/v1/sellers", json=SANAN | change, headers=world.auth(world.operator))
    assert _error(answer) == refusal


def test_a_coordinator_reads_its_own_markets_sellers_only(client: TestClient, world: World) -> None:
    """A coordinator lists its market's four sellers; another market's seller is 404 as if
    it did not exist; adding or changing one is for operators (403)."""
    headers = world.auth(world.coordinator)
    mine = client.get("/api/v1/sellers", headers=headers).json()
    assert mine["count"] == 4
    assert {s["market"] for s in mine["data"]} == {"sawojajar"}
    assert client.get("/api/v1/sellers/gadang-kaos-arema-jaya", headers=headers).status_code == 404
    assert client.get("/api/v1/sellers?market=gadang", headers=headers).status_code == 404
    assert client.post("/api/v1/sellers", json=SANAN, headers=headers).status_code == 403
    own = mine["data"][0]["code"]
    patch = client.patch(f"/api/v1/sellers/{own}", json={"name": "X"}, headers=headers)
    assert patch.status_code == 403


@pytest.fixture
def sellers_of_sawojajar(engine: Engine, world: World) -> dict[str, str]:
    """A pending and a suspended seller of sawojajar beside its verified examples; the codes
    by what they are."""
    with Session(engine) as session:
        sawojajar = world.markets["sawojajar"].id
        verified = session.exec(select(Seller).where(Seller.market_id == sawojajar)).first()
        assert verified is not None
        for code, verification in (("kaos", "pending"), ("sapu", "suspended")):
            session.add(
                Seller(
                    **{k: v for k, v in SANAN.items() if k not in ("code", "phone")},
                    code=code,
                    phone="+6281333001001",
                    verification=SellerVerification(verification),
                    market_id=sawojajar,
                )
            )
        session.commit()
        return {"verified": verified.code, "pending": "kaos", "suspended": "sapu"}


@pytest.mark.parametrize(
    ("which", "code"),
    [
        ("unknown", "order.unknown_seller"),
        ("pending", "order.seller_unverified"),
        ("suspended", "order.seller_suspended"),
        ("other", "order.seller_other_market"),
    ],
)
def test_an_order_naming_a_bad_seller_is_refused(
    client: TestClient,
    world: World,
    sellers_of_sawojajar: dict[str, str],
    which: str,
    code: str,
) -> None:
    """POST /orders with an unknown, unverified or suspended seller, or one of another
    market: 422 naming ``seller``, in Bahasa (English with ``Accept-Language: en``)."""
    seller = sellers_of_sawojajar.get(which, "gadang-kaos-arema-jaya" if which == "other" else "x")
    body = order_fields(external_id=f"api-{which}", seller=seller)
    answer = client.post("/api/v1/orders", json=body, headers=world.auth(world.operator))
    assert _error(answer) == (422, code, "seller")
    assert "Penjual" in answer.json()["error"]["message"]
    english = client.post(
        "/api/v1/orders", json=body, headers=world.auth(world.operator) | {"Accept-Language": "en"}
    )
    assert "Seller" in english.json()["error"]["message"]


def test_an_order_of_a_verified_seller_is_stored_with_it(
    client: TestClient, world: World, engine: Engine, sellers_of_sawojajar: dict[str, str]
) -> None:
    """The order carries its seller's code (and a repeat gives the same order); an order
    without a seller has none."""
    seller = sellers_of_sawojajar["verified"]
    body = order_fields(external_id="api-seller", seller=seller)
    headers = world.auth(world.coordinator)
    made = client.post("/api/v1/orders", json=body, headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["seller"] == seller
    again = client.post("/api/v1/orders", json=body, headers=headers)
    assert (again.status_code, again.json()["seller"]) == (200, seller)
    plain = client.post(
        "/api/v1/orders", json=order_fields(external_id="api-plain"), headers=headers
    )
    assert plain.json()["seller"] is None
    listed = client.get("/api/v1/orders", headers=headers).json()["data"]
    assert {o["idempotency_key"]: o["seller"] for o in listed} == {
        "api-seller": seller,
        "api-plain": None,
    }
    with Session(engine) as session:
        stored = session.exec(select(Order).where(Order.idempotency_key == "api-seller")).one()
        assert stored.seller is not None
        assert stored.seller.code == seller


# -- the console ----------------------------------------------------------------------------------


def test_an_operator_adds_verifies_and_edits_a_seller_in_the_console(
    client: TestClient, world: World, engine: Engine
) -> None:
    """The form adds a pending seller; one outside Kota Malang is refused beside its field
    (422); the edit form verifies it; an edit that changes nothing says so."""
    assert sign_in(client, world.operator).status_code == 303
    csrf = csrf_of(client, "/console/sellers")
    form = {k: str(v) for k, v in SANAN.items()} | {"csrf": csrf, "market": "sawojajar"}
    refused = client.post("/console/sellers/new", data=form | {"lat": "-7.8671", "lon": "112.52"})
    assert refused.status_code == 422
    assert "di luar Kota Malang" in _text(refused.text)
    assert 'id="field-lat"' in refused.text
    added = client.post("/console/sellers/new", data=form | {"verification": "pending"})
    assert added.status_code == 200
    assert "Penjual ditambahkan." in added.text
    assert 'data-seller="keripik-tempe-sanan"' in added.text
    assert "Menunggu verifikasi" in _text(added.text)
    edit = client.get("/console/sellers/keripik-tempe-sanan/edit")
    values = dict(re.findall(r'name="(\w+)" value="([^"]*)"', edit.text))
    values |= {"cluster": "kuliner", "category": "makanan-minuman", "market": "sawojajar"}
    values |= {"address": SANAN["address"], "verification": "pending"}
    same = client.post("/console/sellers/keripik-tempe-sanan/edit", data=values)
    assert "Tidak ada yang berubah." in same.text
    done = client.post(
        "/console/sellers/keripik-tempe-sanan/edit", data=values | {"verification": "verified"}
    )
    assert "Perubahan penjual disimpan." in done.text
    with Session(engine) as session:
        seller = session.exec(select(Seller).where(Seller.code == "keripik-tempe-sanan")).one()
        assert seller.verification is SellerVerification.VERIFIED


def test_an_operator_imports_sellers_by_upload_twice(client: TestClient, world: World) -> None:
    """Uploading the sellers CSV adds them (verified when ticked); uploading it again
    changes nothing; refused rows are listed by line, in words, without codes."""
    assert sign_in(client, world.operator).status_code == 303
    csrf = csrf_of(client, "/console/sellers")
    data = (CITY / "sellers.csv").read_bytes()
    first = client.post(
        "/console/sellers/import",
        data={"csrf": csrf, "verified": "1"},
        files={"file": ("sellers.csv", data, "text/csv")},
    )
    assert first.status_code == 200, first.text
    assert "10 ditambahkan, 0 diubah, 0 tetap, 0 ditolak" in first.text
    again = upload(client, "/console/sellers/import", csrf, "sellers.csv", data)
    assert "0 ditambahkan, 0 diubah, 10 tetap, 0 ditolak" in again.text
    listed = client.get("/console/sellers?pasar=oro-oro-dowo&verifikasi=verified")
    assert listed.text.count("data-seller=") == 4 + 2
    bad = (
        b"code,name,cluster,category,phone,address,lat,lon,nib,market,opens,closes\n"
        b"batu,Keripik Batu,kuliner,makanan-minuman,0813-3300-2001,Jl. Batu,-7.8671,112.5239,,,,\n"
        b"kaos,Kaos,umkm,elektronik,0813-3300-2002,Jl. Kawi,-7.97,112.62,,,,\n"
    )
    refused = upload(client, "/console/sellers/import", csrf, "bad.csv", bad)
    text = _text(refused.text)
    assert "Baris 2 · Lintang (lat): Lokasi penjual" in text
    assert "Baris 3 · Kategori: Kategori" in text
    assert "seller.invalid_category" not in text


def test_a_coordinator_reads_its_own_sellers_in_the_console(
    client: TestClient, world: World
) -> None:
    """A coordinator's sellers page lists its market's sellers without edit links; another
    market's, the forms and the import are not for it."""
    assert sign_in(client, world.coordinator).status_code == 303
    page = client.get("/console/sellers")
    assert page.status_code == 200
    assert page.text.count("data-seller=") == 4
    assert "/edit" not in page.text
    assert "Hanya operator yang bisa menambah, memverifikasi atau mengubah penjual." in page.text
    assert client.get("/console/sellers?pasar=gadang").status_code == 404
    assert client.get("/console/sellers/new").status_code == 403
    assert client.get("/console/sellers/sawojajar-keripik-tempe-sanan/edit").status_code == 403
    csrf = csrf_of(client, "/console/sellers")
    data = (CITY / "sellers.csv").read_bytes()
    assert upload(client, "/console/sellers/import", csrf, "s.csv", data).status_code == 403


def test_a_coordinator_takes_a_seller_order_by_phone(
    client: TestClient, world: World, engine: Engine, sellers_of_sawojajar: dict[str, str]
) -> None:
    """The new-order form offers the market's verified sellers (not the pending or
    suspended ones); an order for one is stored with it; a seller that may not take orders
    is refused beside the field."""
    assert sign_in(client, world.coordinator).status_code == 303
    day = world.day.isoformat()
    page = client.get(f"/console/sawojajar/orders/new?tanggal={day}")
    offered = re.findall(r'<option value="([a-z0-9-]+)"', page.text.split('name="seller"')[1])
    assert sellers_of_sawojajar["verified"] in offered
    assert "kaos" not in offered
    assert "sapu" not in offered
    csrf = csrf_of(client, f"/console/sawojajar/orders/new?tanggal={day}")
    form = {k: str(v) for k, v in order_fields().items() if k != "market"}
    form |= {"csrf": csrf, "service_date": day}
    refused = client.post(
        "/console/sawojajar/orders/new", data=form | {"external_id": "c-1", "seller": "sapu"}
    )
    assert refused.status_code == 422
    assert 'id="field-seller"' in refused.text
    assert "sedang dibekukan" in _text(refused.text)
    seller = sellers_of_sawojajar["verified"]
    taken = client.post(
        "/console/sawojajar/orders/new", data=form | {"external_id": "c-2", "seller": seller}
    )
    assert taken.status_code == 200, taken.text
    with Session(engine) as session:
        order = session.exec(select(Order).where(Order.idempotency_key == "c-2")).one()
        assert order.seller is not None
        assert order.seller.code == seller
