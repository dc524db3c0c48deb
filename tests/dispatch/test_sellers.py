"""Sellers (`dispatch.sellers`): each rule refuses what it should and lets the rest through,
an import refuses line by line and goes on, a re-import changes nothing, and an order names
only a verified seller of its own market."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dispatch.csv_io import ORDER_COLUMNS, read_order_rows
from dispatch.errors import DomainError, ValidationErrors
from dispatch.generate import MarketSpot, SellerSpot, generate_orders
from dispatch.geo import inside_city, kelurahan_list
from dispatch.i18n import text
from dispatch.intake import import_orders
from dispatch.models import (
    Market,
    Order,
    OrderStatus,
    Seller,
    SellerCategory,
    SellerCluster,
    SellerVerification,
)
from dispatch.seed import seed
from dispatch.sellers import (
    SELLER_HEADER,
    SellerInput,
    add_seller,
    check_category,
    check_cluster,
    check_code,
    check_hours,
    check_location,
    check_nib,
    import_seller_file,
    import_sellers,
    nearest_market,
    read_seller,
    seller_refs,
    update_seller,
)
from dispatch.settings import Settings
from dispatch.validation import SellerRef, validate_order
from tests.dispatch.factories import order_fields

CITY = Path(__file__).resolve().parents[1] / "data" / "city"
DAY = date(2026, 11, 26)
WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on a migrated database with the six seeded markets (and their example
    sellers)."""
    with Session(engine) as session:
        seed(session, settings=Settings())
        yield session


def _codes(error: DomainError) -> list[str]:
    errors = error.errors if isinstance(error, ValidationErrors) else [error]
    return [e.code for e in errors]


def _csv(*rows: str) -> str:
    return ",".join(SELLER_HEADER) + "\n" + "\n".join(rows) + "\n"


SANAN = (
    "keripik-tempe-sanan,Keripik Tempe Sanan,kuliner,makanan-minuman,0813-3300-1001,"
    '"Jl. Sanan, Kel. Purwantoro",-7.954129,112.644457,9120001234567,sawojajar,07:00,17:00'
)


def _sanan(**changes: object) -> SellerInput:
    fields: dict[str, object] = {
        "code": "keripik-tempe-sanan",
        "name": "Keripik Tempe Sanan",
        "cluster": "kuliner",
        "category": "makanan-minuman",
        "phone": "0813-3300-1001",
        "address": "Jl. Sanan, Kel. Purwantoro",
        "lat": -7.954129,
        "lon": 112.644457,
    }
    return SellerInput(**(fields | changes))  # type: ignore[arg-type]


# -- the rules, a pair of cases each ----------------------------------------------------------


def test_a_seller_code_is_a_slug_and_not_a_console_word() -> None:
    """``Keripik-Tempe `` is stored as ``keripik-tempe``; spaces, underscores and the
    console's seller path words are refused."""
    assert check_code(" Keripik-Tempe ") == "keripik-tempe"
    for bad in ("keripik tempe", "keripik_tempe", "-keripik", "x" * 41):
        with pytest.raises(DomainError) as caught:
            check_code(bad)
        assert caught.value.code == "seller.invalid_code"
    with pytest.raises(DomainError) as reserved:
        check_code("import")
    assert reserved.value.code == "seller.reserved_code"


def test_a_cluster_and_a_category_are_malpros() -> None:
    """The four clusters and eight categories pass in any case; anything else is refused
    naming the choices."""
    assert check_cluster("Kuliner") is SellerCluster.KULINER
    assert check_category("PERLENGKAPAN-RUMAH") is SellerCategory.PERLENGKAPAN_RUMAH
    assert len(SellerCategory) == 8
    with pytest.raises(DomainError) as cluster:
        check_cluster("warung")
    assert (cluster.value.code, cluster.value.field) == ("seller.invalid_cluster", "cluster")
    assert '"ikm"' in cluster.value.message("id")
    with pytest.raises(DomainError) as category:
        check_category("elektronik")
    assert category.value.code == "seller.invalid_category"
    assert '"wedding"' in category.value.message("en")


def test_a_seller_must_lie_inside_kota_malang() -> None:
    """A kelurahan's centroid passes; Batu is refused on lat, a point east of the city on
    lon."""
    centre = kelurahan_list()[0]
    check_location(centre.lat, centre.lon)
    with pytest.raises(DomainError) as batu:
        check_location(-7.8671, 112.5239)
    assert (batu.value.code, batu.value.field) == ("seller.outside_city", "lat")
    with pytest.raises(DomainError) as east:
        check_location(-7.98, 112.90)
    assert (east.value.code, east.value.field) == ("seller.outside_city", "lon")


def test_a_seller_opens_before_it_closes() -> None:
    """07:00-17:00 passes; closing at opening is refused."""
    check_hours(time(7), time(17))
    with pytest.raises(DomainError) as caught:
        check_hours(time(7), time(7))
    assert caught.value.code == "seller.invalid_hours"


def test_a_nib_is_13_digits_or_nothing() -> None:
    """Spaces and dots are dropped; empty is no NIB; 12 digits or letters are refused."""
    assert check_nib("9120 0012.34567") == "9120001234567"
    assert check_nib("  ") is None
    for bad in ("912000123456", "91200012345678", "NIB-123"):
        with pytest.raises(DomainError) as caught:
            check_nib(bad)
        assert caught.value.code == "seller.invalid_nib"


def test_every_fault_of_a_seller_row_is_reported_in_column_order() -> None:
    """A bad code, no name, a bad cluster and category, a bad phone, no address, a point
    outside the city, a short NIB and a closing time before opening: all at once, in the
    columns' order."""
    cells = {
        "code": "Bad Code",
        "name": "",
        "cluster": "warung",
        "category": "elektronik",
        "phone": "12",
        "address": "",
        "lat": "-7.1",
        "lon": "112.6",
        "nib": "123",
        "opens": "10:00",
        "closes": "09:00",
    }
    with pytest.raises(ValidationErrors) as caught:
        read_seller(cells)
    assert caught.value.code == "seller.invalid"
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("code", "seller.invalid_code"),
        ("name", "request.required"),
        ("cluster", "seller.invalid_cluster"),
        ("category", "seller.invalid_category"),
        ("phone", "order.invalid_phone"),
        ("address", "request.required"),
        ("lat", "seller.outside_city"),
        ("nib", "seller.invalid_nib"),
        ("closes", "seller.invalid_hours"),
    ]


def test_a_seller_row_is_read_into_its_units() -> None:
    """Phone to E.164, empty market and hours left to the defaults, NIB kept."""
    values = read_seller(dict(zip(SELLER_HEADER, _row(SANAN), strict=True)) | {"opens": ""})
    assert values["phone"] == "+6281333001001"
    assert values["cluster"] is SellerCluster.KULINER
    assert (values["opens"], values["closes"]) == (time(7), time(17))
    assert values["nib"] == "9120001234567"
    assert values["market"] == "sawojajar"


def _row(text: str) -> list[str]:
    import csv

    return next(csv.reader([text]))


# -- adding and changing ------------------------------------------------------------------------


def test_a_seller_code_is_taken_once(session: Session) -> None:
    """A second seller with a code in use is refused (409 in the API); a new seller is
    pending."""
    stored = add_seller(session, _sanan())
    assert stored.verification is SellerVerification.PENDING
    assert stored.generated is False
    with pytest.raises(DomainError) as caught:
        add_seller(session, _sanan())
    assert caught.value.code == "seller.exists"


def test_a_seller_without_a_market_is_served_by_the_nearest(session: Session) -> None:
    """No market: the nearest one (Lesanpuro's centroid is 2.0 km from Pasar Sawojajar, 4.8
    km from the next); a market that does not exist is refused on ``market``."""
    lesanpuro = next(k for k in kelurahan_list() if k.name == "Lesanpuro")
    seller = add_seller(
        session, _sanan(code="kriya-lesanpuro", market="", lat=lesanpuro.lat, lon=lesanpuro.lon)
    )
    assert seller.market.code == "sawojajar"
    assert nearest_market(session, lesanpuro.lat, lesanpuro.lon).code == "sawojajar"
    with pytest.raises(DomainError) as caught:
        add_seller(session, _sanan(code="other", market="nowhere"))
    assert (caught.value.code, caught.value.field) == ("market.not_found", "market")


def test_a_seller_edit_keeps_the_rules(session: Session) -> None:
    """Moving a seller out of the city or closing it before it opens is refused and leaves
    it as it was; verifying it, clearing its NIB and moving it to another market are
    changes that are named."""
    seller = add_seller(session, _sanan(nib="9120001234567"))
    with pytest.raises(DomainError) as outside:
        update_seller(session, seller, {"lat": -7.2575, "lon": 112.7521})
    assert outside.value.code == "seller.outside_city"
    with pytest.raises(DomainError) as hours:
        update_seller(session, seller, {"closes": time(6)})
    assert hours.value.code == "seller.invalid_hours"
    assert (seller.lat, seller.closes) == (-7.954129, time(17))
    changed = update_seller(
        session, seller, {"verification": "verified", "nib": None, "market": "bareng"}
    )
    assert changed == ["nib", "market", "verification"]
    assert seller.market.code == "bareng"
    assert seller.verification is SellerVerification.VERIFIED
    assert update_seller(session, seller, {"closes": time(17)}) == []


def test_a_seller_with_open_orders_keeps_its_market(session: Session) -> None:
    """Its open orders are planned with their market's runners: moving the seller to
    another market is refused (409 in Bahasa) until they are done or cancelled."""
    seller = add_seller(session, _sanan(market="sawojajar", verification="verified"))
    fields = order_fields(external_id="open-1", seller=seller.code)
    lines = [",".join(ORDER_COLUMNS), ",".join(f'"{fields.get(c, "")}"' for c in ORDER_COLUMNS)]
    report = import_orders(
        session, read_order_rows("\n".join(lines) + "\n"), service_date=DAY, tz=WIB
    )
    [(_, order_id)] = report.created
    order = session.get(Order, order_id)
    assert order is not None
    with pytest.raises(DomainError) as refused:
        update_seller(session, seller, {"market": "bareng"})
    assert (refused.value.code, refused.value.field) == ("seller.open_orders", "market")
    assert text("seller.open_orders", "id", count=1).startswith("Penjual ini masih punya 1")
    assert seller.market.code == "sawojajar"
    order.status = OrderStatus.CANCELLED
    session.add(order)
    session.flush()
    assert update_seller(session, seller, {"market": "bareng"}) == ["market"]


# -- imports --------------------------------------------------------------------------------------


def test_the_city_sellers_import_once(session: Session) -> None:
    """The ten sellers of tests/data/city are added pending (verified with ``verified``),
    across the four clusters and eight categories; importing the file again changes
    nothing."""
    report = import_seller_file(session, CITY / "sellers.csv", verified=True)
    assert report.ok
    assert len(report.added) == 10
    again = import_seller_file(session, CITY / "sellers.csv")
    assert again.changed is False
    assert len(again.unchanged) == 10
    added = session.exec(select(Seller).where(Seller.generated == False)).all()  # noqa: E712
    assert {s.cluster for s in added} == set(SellerCluster)
    assert {s.category for s in added} == set(SellerCategory)
    assert {s.verification for s in added} == {SellerVerification.VERIFIED}
    assert all(inside_city(s.lat, s.lon) for s in added)


def test_a_sellers_import_refuses_line_by_line_and_goes_on(session: Session) -> None:
    """Outside the city, a code twice in the file, a bad category, a bad phone, an unknown
    market, a short NIB, a row of the wrong width: each refused with its line and field;
    the good rows are added."""
    text = _csv(
        SANAN,  # 2
        "batu,Keripik Batu,kuliner,makanan-minuman,0813-3300-2001,Jl. Batu,-7.8671,112.5239"
        ",,,,",  # 3: Kota Batu
        SANAN.replace("Keripik Tempe Sanan", "Keripik Lagi"),  # 4
        "kaos,Kaos,umkm,elektronik,0813-3300-2002,Jl. Kawi,-7.97,112.62,,,,",  # 5
        "sapu,Sapu,ikm,kriya,12,Jl. Kawi,-7.97,112.62,,,,",  # 6
        "jahit,Jahit,umkm,jasa,0813-3300-2003,Jl. Kawi,-7.97,112.62,,nowhere,,",  # 7
        "parcel,Parcel,umkm,wedding,0813-3300-2004,Jl. Kawi,-7.97,112.62,123,,,",  # 8
        "gerabah,Gerabah,ikm,kriya,0813-3300-2005",  # 9: too few cells
        "sambal,Sambal,kuliner,makanan-minuman,0813-3300-2006,Jl. Kauman,-7.979455,"
        "112.627384,,,06:00,14:00",  # 10
    )
    report = import_seller_file(session, text)
    assert report.added == [(2, "keripik-tempe-sanan"), (10, "sambal")]
    refused = [(r.line, [(e.field, e.code) for e in r.errors]) for r in report.refused]
    assert refused == [
        (3, [("lat", "seller.outside_city")]),
        (4, [("code", "seller.duplicate_row")]),
        (5, [("category", "seller.invalid_category")]),
        (6, [("phone", "order.invalid_phone")]),
        (7, [("market", "market.not_found")]),
        (8, [("nib", "seller.invalid_nib")]),
        (9, [(None, "csv.bad_row")]),
    ]


def test_a_reimport_with_new_values_updates_and_names_the_fields(session: Session) -> None:
    """A seller known by its code is updated, not added again; the fields that changed are
    named and its verification is kept."""
    import_seller_file(session, _csv(SANAN), verified=True)
    edited = SANAN.replace("07:00,17:00", "08:00,17:00").replace("0813-3300-1001", "081333001099")
    report = import_seller_file(session, _csv(edited))
    assert report.updated == [(2, "keripik-tempe-sanan", ("phone", "opens"))]
    seller = session.exec(select(Seller).where(Seller.code == "keripik-tempe-sanan")).one()
    assert seller.verification is SellerVerification.VERIFIED


_KELURAHAN = kelurahan_list()


@st.composite
def seller_rows(draw: st.DrawFn) -> list[dict[str, str]]:
    """Sellers at distinct kelurahan centroids with any cluster, category and hours."""
    picked = draw(st.lists(st.sampled_from(_KELURAHAN), min_size=1, max_size=5, unique=True))
    rows = []
    for k, kelurahan in enumerate(picked):
        opens = draw(st.integers(0, 22 * 60))
        closes = draw(st.integers(opens + 1, 23 * 60 + 59))
        rows.append(
            {
                "code": "penjual-" + "".join(c for c in kelurahan.name.lower() if c.isalnum()),
                "name": f"Toko {kelurahan.name}",
                "cluster": draw(st.sampled_from([c.value for c in SellerCluster])),
                "category": draw(st.sampled_from([c.value for c in SellerCategory])),
                "phone": f"0813-4400-{1000 + k}",
                "address": f"Kel. {kelurahan.name}",
                "lat": f"{kelurahan.lat:.6f}",
                "lon": f"{kelurahan.lon:.6f}",
                "nib": draw(st.sampled_from(["", "9120001234567"])),
                "market": draw(st.sampled_from(["", "mergan", "Gadang"])),
                "opens": f"{opens // 60:02d}:{opens % 60:02d}",
                "closes": f"{closes // 60:02d}.{closes % 60:02d}",
            }
        )
    return rows


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=seller_rows())
def test_importing_the_same_sellers_twice_changes_nothing(
    engine: Engine, rows: list[dict[str, str]]
) -> None:
    """Whatever valid sellers a file holds, its second import adds and changes nothing."""
    with Session(engine) as session:
        seed(session, settings=Settings())  # the markets (once: seeding again adds nothing)
        numbered = list(enumerate(rows, start=2))
        first = import_sellers(session, numbered)
        assert len(first.added) == len(rows), first.refused
        second = import_sellers(session, numbered)
        assert second.changed is False
        assert len(second.unchanged) == len(rows)
        session.rollback()


# -- orders of a seller ---------------------------------------------------------------------------


SELLERS = {
    "keripik": SellerRef("keripik", "Keripik", "sawojajar", "verified"),
    "kaos": SellerRef("kaos", "Kaos", "sawojajar", "pending"),
    "sapu": SellerRef("sapu", "Sapu", "sawojajar", "suspended"),
    "sambal": SellerRef("sambal", "Sambal", "bareng", "verified"),
}


@pytest.mark.parametrize(
    ("seller", "code"),
    [
        ("nowhere", "order.unknown_seller"),
        ("kaos", "order.seller_unverified"),
        ("sapu", "order.seller_suspended"),
        ("sambal", "order.seller_other_market"),
    ],
)
def test_an_order_names_only_a_verified_seller_of_its_market(seller: str, code: str) -> None:
    """An unknown, pending or suspended seller, or one of another market, is refused on the
    field ``seller`` with a reason in Bahasa (English on request)."""
    raw = order_fields(seller=seller)
    with pytest.raises(DomainError) as caught:
        validate_order(raw, day=DAY, known_markets=["sawojajar", "bareng"], sellers=SELLERS)
    assert (caught.value.code, caught.value.field) == (code, "seller")
    assert f'"{seller}"' in caught.value.message("id")
    assert "Penjual" in caught.value.message("id")
    assert "Seller" in caught.value.message("en")


def test_an_order_of_a_verified_seller_of_its_market_is_taken() -> None:
    """The seller's code (any case) is kept on the draft; an order without one has none;
    a pickup order of a seller needs no address (the customer collects it there)."""
    markets = ["sawojajar", "bareng"]
    raw = order_fields(seller="Keripik")
    assert validate_order(raw, day=DAY, known_markets=markets, sellers=SELLERS).seller_code == (
        "keripik"
    )
    assert validate_order(order_fields(), day=DAY, known_markets=markets).seller_code is None
    pickup = order_fields(
        seller="keripik", fulfilment="pickup", address="", lat="", lon="", delivery_fee_rp="0"
    )
    draft = validate_order(pickup, day=DAY, known_markets=markets, sellers=SELLERS)
    assert (draft.fulfilment, draft.seller_code, draft.lat) == ("pickup", "keripik", None)


def test_an_orders_file_with_sellers_refuses_line_by_line(session: Session) -> None:
    """An orders CSV with the ``seller`` column: orders of verified sellers of their market
    are stored with their seller, the others refused with their line and the field
    ``seller``; a file without the column still imports."""
    import_seller_file(session, CITY / "sellers.csv", verified=False)
    keripik = session.exec(select(Seller).where(Seller.code == "keripik-tempe-sanan")).one()
    update_seller(session, keripik, {"verification": "verified"})
    kaos = session.exec(select(Seller).where(Seller.code == "kaos-polehan")).one()
    update_seller(session, kaos, {"verification": "suspended"})
    generated = session.exec(select(Seller).where(Seller.code == "sawojajar-toko-bumbu-bu-sum"))
    bumbu = generated.one()
    rows = [
        ("s-1", "keripik-tempe-sanan"),  # 2: taken
        ("s-2", "kaos-polehan"),  # 3: suspended
        ("s-3", "batik-penanggungan"),  # 4: pending
        ("s-4", "nowhere"),  # 5: unknown
        ("s-5", "mergan-kaos-arema-jaya"),  # 6: another market's (verified)
        ("s-6", bumbu.code.upper()),  # 7: taken (any case)
        ("s-7", ""),  # 8: the market's own
    ]
    lines = [",".join(ORDER_COLUMNS)]
    for key, seller in rows:
        fields = order_fields(external_id=key, seller=seller)
        lines.append(",".join(f'"{fields.get(c, "")}"' for c in ORDER_COLUMNS))
    report = import_orders(
        session, read_order_rows("\n".join(lines) + "\n"), service_date=DAY, tz=WIB
    )
    assert [line for line, _ in report.created] == [2, 7, 8]
    refused = [(r.line, [(e.field, e.code) for e in r.errors]) for r in report.refused]
    assert refused == [
        (3, [("seller", "order.seller_suspended")]),
        (4, [("seller", "order.seller_unverified")]),
        (5, [("seller", "order.unknown_seller")]),
        (6, [("seller", "order.seller_other_market")]),
    ]
    orders = {o.idempotency_key: o for o in session.exec(select(Order)).all()}
    assert orders["s-1"].seller_id == keripik.id
    assert orders["s-6"].seller_id == bumbu.id
    assert orders["s-7"].seller_id is None


# -- seed and generator -----------------------------------------------------------------------


def test_seed_adds_generated_sellers_across_the_clusters_and_categories(
    session: Session,
) -> None:
    """Four verified, generated sellers per market, inside the city, every cluster and
    category of Malpro among them; seeding again adds none."""
    generated = session.exec(select(Seller)).all()
    assert len(generated) == 24
    assert all(s.generated and s.verification is SellerVerification.VERIFIED for s in generated)
    assert all(inside_city(s.lat, s.lon) for s in generated)
    assert {s.cluster for s in generated} == set(SellerCluster)
    assert {s.category for s in generated} == set(SellerCategory)
    assert seed(session, settings=Settings()).sellers == []
    refs = seller_refs(session, [generated[0].code.upper()])
    assert list(refs) == [generated[0].code]


def test_the_generator_mixes_in_a_share_of_seller_orders(session: Session) -> None:
    """About ``seller_share`` of a market's generated orders name one of its sellers, with
    that seller's goods; the doors and windows are those of the same morning without
    sellers, and every row imports."""
    market = session.exec(select(Market).where(Market.code == "sawojajar")).one()
    spot = MarketSpot(market.code, market.lat, market.lon)
    own = [
        SellerSpot(s.code, s.category.value)
        for s in session.exec(select(Seller).where(Seller.market_id == market.id)).all()
    ]
    plain = list(generate_orders([spot], 200, 3, DAY))
    mixed = list(generate_orders([spot], 200, 3, DAY, sellers={"sawojajar": own}))
    assert {row["seller"] for row in plain} == {""}
    named = [row for row in mixed if row["seller"]]
    assert 0.12 < len(named) / len(mixed) < 0.28
    assert {row["seller"] for row in named} <= {s.code for s in own}
    assert [(r["lat"], r["window_start"]) for r in plain] == [
        (r["lat"], r["window_start"]) for r in mixed
    ]
    none = list(generate_orders([spot], 50, 3, DAY, sellers={"sawojajar": own}, seller_share=0))
    assert {row["seller"] for row in none} == {""}
    report = import_orders(session, enumerate(mixed, start=2), service_date=DAY, tz=WIB)
    assert report.ok, report.refused[:3]
    with_seller = session.exec(select(Order).where(Order.seller_id != None)).all()  # noqa: E711
    assert len(with_seller) == len(named)
