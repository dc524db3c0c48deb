"""Intake rules: a raw order becomes a validated draft, or a refusal naming every bad field."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch.errors import DomainError, ValidationErrors
from dispatch.validation import (
    ItemDraft,
    OrderDraft,
    parse_clock,
    parse_items,
    parse_rupiah,
    parse_weight_g,
    validate_order,
)

DAY = date(2025, 3, 3)
WIB = ZoneInfo("Asia/Jakarta")
MARKETS = ("sawojajar", "gadang-lama", "oro-oro-dowo", "bareng", "mergan", "tawangmangu")
ALUN_ALUN = ("-7.9826", "112.6308")
SURABAYA = ("-7.2575", "112.7521")


def row(**fields: str | None) -> dict[str, str | None]:
    """A valid delivery order at the alun-alun, with ``fields`` changed."""
    values: dict[str, str | None] = {
        "market": "sawojajar",
        "external_id": "wa-0001",
        "customer_name": "Bu Sri",
        "phone": "0812-3456-7890",
        "address": "Jl. Merdeka Selatan 1, Kiduldalem",
        "lat": ALUN_ALUN[0],
        "lon": ALUN_ALUN[1],
        "items": "bawang merah 1kg; cabai 0,5 kg; tahu 10 biji",
        "weight_kg": "1,5",
        "fulfilment": "",
        "payment": "",
        "amount_rp": "125.000",
        "delivery_fee_rp": "10.000",
        "window_start": "",
        "window_end": "",
        "notes": "",
    }
    return values | fields


def validate(**fields: str | None) -> OrderDraft:
    """`validate_order` on `row` with ``fields`` changed, for `DAY` and the six markets."""
    return validate_order(row(**fields), day=DAY, known_markets=MARKETS)


def refusal(**fields: str | None) -> DomainError:
    """The single error `validate` raises for ``fields``."""
    with pytest.raises(DomainError) as caught:
        validate(**fields)
    assert not isinstance(caught.value, ValidationErrors), caught.value
    return caught.value


class FixedGeocoder:
    """A geocoder that answers every address with one point (or nothing) and counts calls."""

    def __init__(self, point: tuple[float, float] | None) -> None:
        self.point = point
        self.calls: list[str] = []

    def locate(self, address: str) -> tuple[float, float] | None:
        """The fixed point."""
        self.calls.append(address)
        return self.point


# --- a valid order -------------------------------------------------------------------------


def test_valid_row_becomes_a_draft_in_internal_units() -> None:
    """A good row gives E.164, grams, whole rupiah, the given point and the defaults."""
    draft = validate()
    assert draft == OrderDraft(
        market_code="sawojajar",
        idempotency_key="wa-0001",
        customer_name="Bu Sri",
        phone="+6281234567890",
        address="Jl. Merdeka Selatan 1, Kiduldalem",
        lat=-7.9826,
        lon=112.6308,
        location_approximate=False,
        items=(
            ItemDraft("bawang merah", Decimal(1), "kg", 1000),
            ItemDraft("cabai", Decimal("0.5"), "kg", 500),
            ItemDraft("tahu", Decimal(10), "biji", 0),
        ),
        weight_g=1500,
        fulfilment="delivery",
        payment="cod",
        amount_rp=125_000,
        delivery_fee_rp=10_000,
        window_start=None,
        window_end=None,
        notes="",
    )
    assert draft.as_soon_as_possible


def test_text_fields_are_trimmed() -> None:
    """Spaces around the key, name, address and notes are dropped."""
    draft = validate(external_id="  wa-9 ", customer_name=" Pak Budi ", notes=" pagar hijau ")
    assert (draft.idempotency_key, draft.customer_name, draft.notes) == (
        "wa-9",
        "Pak Budi",
        "pagar hijau",
    )


def test_missing_keys_read_as_empty() -> None:
    """Optional fields absent from the mapping take their defaults."""
    raw = {
        key: value
        for key, value in row().items()
        if key not in {"fulfilment", "payment", "delivery_fee_rp", "notes", "items"}
    }
    draft = validate_order(raw, day=DAY, known_markets=MARKETS)
    assert (draft.fulfilment, draft.payment, draft.delivery_fee_rp, draft.notes, draft.items) == (
        "delivery",
        "cod",
        0,
        "",
        (),
    )


# --- market and key ------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["sawojajar", "SAWOJAJAR", " Sawojajar "])
def test_market_code_is_case_insensitive(written: str) -> None:
    """The market code matches whatever its case, and is stored as known."""
    assert validate(market=written).market_code == "sawojajar"


def test_unknown_market_is_refused_with_the_known_codes() -> None:
    """A market that does not exist is refused, listing those that do."""
    error = refusal(market="pasar-besar")
    assert (error.code, error.field) == ("order.unknown_market", "market")
    assert "sawojajar" in str(error)


@pytest.mark.parametrize(
    "field", ["market", "external_id", "customer_name", "phone", "weight_kg", "amount_rp"]
)
@pytest.mark.parametrize("empty", ["", "   ", None])
def test_required_fields_must_be_filled(field: str, empty: str | None) -> None:
    """Market, external id, customer name, phone, weight and goods amount are required."""
    error = refusal(**{field: empty})
    assert (error.code, error.field) == ("order.required", field)


@pytest.mark.parametrize(
    ("field", "limit"),
    [("external_id", 100), ("customer_name", 120), ("address", 500), ("notes", 1000)],
)
def test_text_longer_than_its_column_is_refused(field: str, limit: int) -> None:
    """Texts up to the column's limit go in; one character more is refused, saying the limit
    (it used to pass and then fail the answer or the insert: a 500)."""
    assert getattr(
        validate(**{field: "a" * limit}), "idempotency_key" if field == "external_id" else field
    )
    error = refusal(**{field: "a" * (limit + 1)})
    assert (error.code, error.field) == ("order.too_long", field)
    assert error.params == {"limit": limit, "length": limit + 1}
    assert f"{limit}" in error.message("id")


def test_an_item_name_longer_than_its_column_is_refused() -> None:
    error = refusal(items=f"tahu 2 biji; {'x' * 121} 1 kg")
    assert (error.code, error.field) == ("order.too_long", "items")
    assert validate(items=f"{'x' * 120} 1 kg").items[0].name == "x" * 120


def test_several_errors_come_in_header_order() -> None:
    """A too-long id (an early column) comes before a bad weight (a later one)."""
    with pytest.raises(ValidationErrors) as caught:
        validate(external_id="k" * 201, weight_kg="berat")
    assert [e.field for e in caught.value.errors] == ["external_id", "weight_kg"]


def test_a_customer_name_of_only_spaces_is_refused() -> None:
    """The customer's name is required, as the order CSV's spec says: blanks do not count."""
    error = refusal(customer_name=" \u00a0 ")
    assert (error.code, error.field) == ("order.required", "customer_name")


def test_a_delivery_needs_an_address_even_with_coordinates() -> None:
    """The runner reads the house number at the gate: a pin alone is refused; a pickup
    order needs no address."""
    error = refusal(address="  ")
    assert (error.code, error.field) == ("order.address_required", "address")
    assert validate(address="", fulfilment="pickup").address == ""


def test_a_longitude_outside_the_city_is_reported_under_lon() -> None:
    """The refusal names the coordinate that is off."""
    lat, _ = ALUN_ALUN
    error = refusal(lat=str(lat), lon="113.5")
    assert (error.code, error.field) == ("order.outside_service_area", "lon")
    error = refusal(lat="-8.5", lon="112.66")
    assert (error.code, error.field) == ("order.outside_service_area", "lat")


@pytest.mark.parametrize("field", ["market", "external_id", "customer_name", "phone", "notes"])
@pytest.mark.parametrize("character", ["\x00", "\x1b", "\x7f", "\ud800"])
def test_control_characters_are_refused_naming_the_field(field: str, character: str) -> None:
    """NUL and the other control characters never reach the database: refused, named."""
    error = refusal(**{field: f"ab{character}cd"})
    assert (error.code, error.field) == ("order.control_character", field)


def test_line_breaks_are_refused_in_one_line_fields_only() -> None:
    """An address or notes may run over lines; a name or an id may not."""
    assert validate(address="Jl. Danau Toba 12\nSawojajar").address.endswith("Sawojajar")
    error = refusal(customer_name="Ibu\nWulan")
    assert (error.code, error.field) == ("order.control_character", "customer_name")


def test_huge_cells_are_refused_before_they_are_parsed() -> None:
    """Lengths come first: 200,000 nines in an address or a weight are refused as too long,
    never read as a number."""
    error = refusal(address="9" * 200_000)
    assert (error.code, error.field) == ("order.too_long", "address")
    error = refusal(weight_kg="9" * 5000)
    assert (error.code, error.field) == ("order.too_long", "weight_kg")


# --- phone ---------------------------------------------------------------------------------


def test_phone_is_stored_in_e164() -> None:
    """The phone number is normalised through the phone rules."""
    assert validate(phone="62 812 3456 7890").phone == "+6281234567890"


def test_invalid_phone_is_refused() -> None:
    """A short number is refused on ``phone``."""
    error = refusal(phone="0812-34")
    assert (error.code, error.field) == ("order.invalid_phone", "phone")


# --- weight --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "grams"),
    [("1,5", 1500), ("1.5", 1500), ("2", 2000), ("0,25", 250), ("12 kg", 12000), ("0.0005", 1)],
)
def test_weight_in_kg_becomes_grams(text: str, grams: int) -> None:
    """Weights with a comma or dot decimal become whole grams, rounded half up."""
    assert parse_weight_g(text) == grams


def test_very_heavy_order_is_accepted() -> None:
    """A pickup-truck load is accepted at intake; dispatch drops it with its reason."""
    assert validate(weight_kg="1500").weight_g == 1_500_000


@pytest.mark.parametrize(
    "text", ["0", "0,0", "0.0004", "-1", "1,5,0", "1.500,5", "satu", "1,5 ons", "1e3", ",5"]
)
def test_weight_not_above_zero_or_not_a_number_is_refused(text: str) -> None:
    """Zero, negative and malformed weights are refused on ``weight_kg``."""
    error = refusal(weight_kg=text)
    assert (error.code, error.field) == ("order.invalid_weight", "weight_kg")


@given(
    whole=st.integers(0, 5000),
    fraction=st.text(alphabet="0123456789", min_size=1, max_size=3),
    comma=st.booleans(),
)
def test_weight_with_comma_or_dot_parses(whole: int, fraction: str, comma: bool) -> None:
    """Any positive decimal in kg, with either separator, gives its grams rounded half up."""
    kilograms = Decimal(f"{whole}.{fraction}")
    text = f"{whole}{',' if comma else '.'}{fraction}"
    grams = round(kilograms * 1000)  # three decimals at most: exact
    if grams > 0:
        assert parse_weight_g(text) == grams
    else:
        with pytest.raises(DomainError):
            parse_weight_g(text)


# --- money ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rupiah"),
    [
        ("125000", 125_000),
        ("125.000", 125_000),
        ("Rp 125.000", 125_000),
        ("Rp125.000", 125_000),
        ("rp. 125.000", 125_000),
        ("Rp 125.000,-", 125_000),
        ("125.000,00", 125_000),
        ("1.250.000", 1_250_000),
        ("0", 0),
        ("500", 500),
    ],
)
def test_amounts_in_whole_rupiah_are_read(text: str, rupiah: int) -> None:
    """Whole rupiah with or without dot thousands separators and ``Rp`` are accepted."""
    assert parse_rupiah(text) == rupiah


@pytest.mark.parametrize(
    "text", ["125,5", "125.5", "12.50", "1.2345", "-5000", "Rp -5.000", "seratus", "125 000", "$5"]
)
def test_fractional_negative_or_malformed_amounts_are_refused(text: str) -> None:
    """Sen, negative amounts and misplaced separators are refused on the amount's field."""
    error = refusal(amount_rp=text)
    assert (error.code, error.field) == ("order.invalid_amount", "amount_rp")


def test_bad_delivery_fee_is_refused_on_its_field() -> None:
    """The delivery fee follows the same rule, reported on ``delivery_fee_rp``."""
    error = refusal(delivery_fee_rp="10,5")
    assert (error.code, error.field) == ("order.invalid_amount", "delivery_fee_rp")


def test_empty_delivery_fee_is_zero() -> None:
    """No delivery fee written means none charged."""
    assert validate(delivery_fee_rp="").delivery_fee_rp == 0


@given(rupiah=st.integers(0, 10**9), prefix=st.sampled_from(["", "Rp ", "Rp", "Rp. "]))
def test_any_amount_with_dot_thousands_parses_back(rupiah: int, prefix: str) -> None:
    """Any whole amount written with dot thousands separators reads back as itself."""
    assert parse_rupiah(prefix + f"{rupiah:,}".replace(",", ".")) == rupiah
    assert parse_rupiah(str(rupiah)) == rupiah


def test_amount_beyond_a_billion_rupiah_is_refused() -> None:
    """Amounts over Rp 1.000.000.000 are refused rather than overflowing a column."""
    with pytest.raises(DomainError) as caught:
        parse_rupiah("1.000.000.001")
    assert caught.value.code == "order.invalid_amount"


def test_weight_beyond_ten_tonnes_is_refused() -> None:
    """A weight over 10,000 kg is refused as a typing mistake."""
    with pytest.raises(DomainError) as caught:
        parse_weight_g("10001")
    assert caught.value.code == "order.invalid_weight"


# --- fulfilment and payment ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("", "delivery"),
        ("delivery", "delivery"),
        ("DELIVERY", "delivery"),
        ("pickup", "pickup"),
        ("Diambil sendiri", "pickup"),
        ("ambil  sendiri", "pickup"),
    ],
)
def test_fulfilment_values(text: str, value: str) -> None:
    """Fulfilment is delivery by default, pickup also in its Indonesian words."""
    assert validate(fulfilment=text).fulfilment == value


@pytest.mark.parametrize(("text", "value"), [("", "cod"), ("COD", "cod"), ("cashless", "cashless")])
def test_payment_values(text: str, value: str) -> None:
    """Payment is COD by default, or cashless."""
    assert validate(payment=text).payment == value


@pytest.mark.parametrize(("field", "text"), [("fulfilment", "kirim"), ("payment", "qris")])
def test_unknown_choice_is_refused_listing_the_choices(field: str, text: str) -> None:
    """A value outside the list is refused, naming the allowed values."""
    error = refusal(**{field: text})
    assert (error.code, error.field) == ("order.invalid_value", field)
    assert "pickup" in str(error) or "cashless" in str(error)


# --- windows -------------------------------------------------------------------------------


def test_window_is_on_the_day_in_wib() -> None:
    """HH:MM windows become timezone-aware datetimes on the given day, WIB."""
    draft = validate(window_start="07:30", window_end="09:00")
    assert draft.window_start == datetime(2025, 3, 3, 7, 30, tzinfo=WIB)
    assert draft.window_end == datetime(2025, 3, 3, 9, 0, tzinfo=WIB)
    assert draft.window_start.utcoffset() == timedelta(hours=7)
    assert not draft.as_soon_as_possible


def test_one_empty_side_leaves_the_window_open_there() -> None:
    """Only a start, or only an end, bounds the window on that side."""
    after = validate(window_start="08:00")
    before = validate(window_end="10:00")
    assert (after.window_start is not None, after.window_end) == (True, None)
    assert (before.window_start, before.window_end is not None) == (None, True)


def test_window_uses_the_given_time_zone() -> None:
    """Another zone (e.g. WITA) puts the same clock time at another instant."""
    wita = ZoneInfo("Asia/Makassar")
    draft = validate_order(row(window_start="08:00"), day=DAY, tz=wita, known_markets=MARKETS)
    assert draft.window_start == datetime(2025, 3, 3, 8, 0, tzinfo=wita)


@pytest.mark.parametrize(
    ("text", "clock"),
    [
        ("07:30", time(7, 30)),
        ("7:30", time(7, 30)),
        ("07.30", time(7, 30)),
        ("23:59 WIB", time(23, 59)),
    ],
)
def test_clock_forms(text: str, clock: time) -> None:
    """HH:MM, H:MM, the Indonesian HH.MM and a trailing WIB are read."""
    assert parse_clock(text, field="window_start") == clock


@pytest.mark.parametrize("text", ["24:00", "07:60", "7", "0730", "jam 7", "7:5", "-1:00"])
def test_malformed_time_is_refused(text: str) -> None:
    """24:00, minutes past 59 and other forms are refused on the window's field."""
    error = refusal(window_start=text)
    assert (error.code, error.field) == ("order.invalid_time", "window_start")


@pytest.mark.parametrize(("start", "end"), [("09:00", "08:00"), ("08:00", "08:00")])
def test_window_ending_before_it_starts_is_refused(start: str, end: str) -> None:
    """The end must come after the start."""
    error = refusal(window_start=start, window_end=end)
    assert (error.code, error.field) == ("order.invalid_window", "window_end")
    assert error.params == {"start": start, "end": end}


CLOCKS = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@given(start=CLOCKS, end=CLOCKS)
def test_window_accepted_exactly_when_start_is_before_end(start: time, end: time) -> None:
    """Any pair of clock times is accepted when start < end, and refused otherwise."""
    fields = {"window_start": f"{start:%H:%M}", "window_end": f"{end:%H:%M}"}
    if start < end:
        draft = validate(**fields)
        assert draft.window_start == datetime.combine(DAY, start, tzinfo=WIB)
        assert draft.window_end == datetime.combine(DAY, end, tzinfo=WIB)
    else:
        with pytest.raises(DomainError) as caught:
            validate(**fields)
        assert caught.value.code == "order.invalid_window"


# --- location ------------------------------------------------------------------------------


def test_point_outside_the_city_is_refused() -> None:
    """A delivery to Surabaya is outside the service area."""
    error = refusal(lat=SURABAYA[0], lon=SURABAYA[1])
    assert error.code == "order.outside_service_area"
    assert "-7.2575" in str(error)


def test_coordinates_with_decimal_comma_are_read() -> None:
    """Coordinates from a spreadsheet in Indonesian locale (-7,9826) are read."""
    draft = validate(lat="-7,9826", lon="112,6308")
    assert (draft.lat, draft.lon) == (-7.9826, 112.6308)


@pytest.mark.parametrize(("lat", "lon", "field"), [("-7.98", "", "lon"), ("", "112.63", "lat")])
def test_one_coordinate_alone_is_refused(lat: str, lon: str, field: str) -> None:
    """lat and lon come together or not at all; the missing one is named."""
    error = refusal(lat=lat, lon=lon)
    assert (error.code, error.field) == ("order.incomplete_coordinates", field)


@pytest.mark.parametrize(
    ("lat", "lon", "field"),
    [("abc", "112.63", "lat"), ("-7.98", "112.63.1", "lon"), ("112.6308", "-7.9826", "lat")],
)
def test_malformed_coordinate_is_refused(lat: str, lon: str, field: str) -> None:
    """Non-numbers and latitudes beyond 90 degrees (swapped lat/lon) are refused."""
    error = refusal(lat=lat, lon=lon)
    assert (error.code, error.field) == ("order.invalid_coordinates", field)


def test_address_naming_a_kelurahan_is_placed_at_its_centroid() -> None:
    """Without coordinates, Kel. Sawojajar places the order at its centroid, approximately."""
    draft = validate(lat="", lon="", address="Jl. Danau Toba 7, Kel. Sawojajar")
    assert (draft.lat, draft.lon) == pytest.approx((-7.9741, 112.657115))
    assert draft.location_approximate


def test_order_without_coordinates_or_kelurahan_cannot_be_located() -> None:
    """Neither coordinates nor a kelurahan in the address: refused on ``address``."""
    error = refusal(lat="", lon="", address="rumah pagar hijau dekat masjid")
    assert (error.code, error.field) == ("order.cannot_locate", "address")


def test_pickup_needs_no_location() -> None:
    """A pickup order without any location is accepted and keeps no point."""
    draft = validate(fulfilment="pickup", lat="", lon="", address="")
    assert (draft.lat, draft.lon, draft.location_approximate) == (None, None, False)


def test_pickup_ignores_a_point_outside_the_city() -> None:
    """A pickup order is never routed, so its coordinates are neither checked nor kept."""
    draft = validate(fulfilment="diambil sendiri", lat=SURABAYA[0], lon=SURABAYA[1])
    assert (draft.lat, draft.lon) == (None, None)


def test_geocoder_places_an_address_before_the_kelurahan() -> None:
    """A configured geocoder's point inside the city is used, marked approximate."""
    geocoder = FixedGeocoder((-7.9700, 112.6300))
    raw = row(lat="", lon="", address="Jl. Ijen 10, Oro-oro Dowo")
    draft = validate_order(raw, day=DAY, known_markets=MARKETS, geocoder=geocoder)
    assert (draft.lat, draft.lon, draft.location_approximate) == (-7.97, 112.63, True)
    assert geocoder.calls == ["Jl. Ijen 10, Oro-oro Dowo"]


@pytest.mark.parametrize("point", [None, (-7.2575, 112.7521)])
def test_geocoder_miss_falls_back_to_the_kelurahan(point: tuple[float, float] | None) -> None:
    """No answer, or a point outside the city, falls back to the kelurahan's centroid."""
    raw = row(lat="", lon="", address="Jl. Ijen 10, Oro-oro Dowo")
    draft = validate_order(raw, day=DAY, known_markets=MARKETS, geocoder=FixedGeocoder(point))
    assert (draft.lat, draft.lon) == pytest.approx((-7.969011, 112.625266))


def test_geocoder_is_not_asked_when_coordinates_are_given() -> None:
    """Given coordinates are used as they are."""
    geocoder = FixedGeocoder((-7.97, 112.63))
    validate_order(row(), day=DAY, known_markets=MARKETS, geocoder=geocoder)
    assert geocoder.calls == []


# --- all errors at once --------------------------------------------------------------------


def test_every_bad_field_of_a_row_is_reported_in_header_order() -> None:
    """A row with several faults lists them all, in the order of the CSV columns."""
    with pytest.raises(ValidationErrors) as caught:
        validate(
            market="pasar-besar",
            phone="0812-34",
            weight_kg="0",
            payment="qris",
            amount_rp="125,5",
            window_start="10:00",
            window_end="09:00",
            lat=SURABAYA[0],
            lon=SURABAYA[1],
        )
    errors = caught.value.errors
    assert [(e.code, e.field) for e in errors] == [
        ("order.unknown_market", "market"),
        ("order.invalid_phone", "phone"),
        ("order.outside_service_area", "lat"),
        ("order.invalid_weight", "weight_kg"),
        ("order.invalid_value", "payment"),
        ("order.invalid_amount", "amount_rp"),
        ("order.invalid_window", "window_end"),
    ]
    assert caught.value.code == "order.invalid"
    assert caught.value.fields == [
        "market",
        "phone",
        "lat",
        "weight_kg",
        "payment",
        "amount_rp",
        "window_end",
    ]
    assert str(caught.value).startswith("Pesanan ditolak, 7 kesalahan: Pasar")
    assert caught.value.message("en").startswith("Order refused, 7 errors: Unknown market")


def test_a_single_fault_is_raised_as_itself() -> None:
    """One bad field raises that field's error, not a list of one."""
    error = refusal(weight_kg="0")
    assert type(error) is DomainError


# --- items ---------------------------------------------------------------------------------


def test_items_text_is_read_into_entries() -> None:
    """Name, quantity and unit are read from the usual ways of writing a list."""
    items = parse_items(
        "bawang merah 1kg; cabai 0,5 kg, 2 ikat kangkung\n1/2 kg bawang putih; telur 2; "
        "gula pasir; - beras 5 kg; tomat 3 ons"
    )
    assert items == (
        ItemDraft("bawang merah", Decimal(1), "kg", 1000),
        ItemDraft("cabai", Decimal("0.5"), "kg", 500),
        ItemDraft("kangkung", Decimal(2), "ikat", 0),
        ItemDraft("bawang putih", Decimal("0.5"), "kg", 500),
        ItemDraft("telur", Decimal(2), "", 0),
        ItemDraft("gula pasir", Decimal(1), "", 0),
        ItemDraft("beras", Decimal(5), "kg", 5000),
        ItemDraft("tomat", Decimal(3), "ons", 300),
    )


def test_item_that_fits_no_pattern_is_kept_whole() -> None:
    """An entry that cannot be read keeps its whole text as the name."""
    assert parse_items("ikan tongkol yang segar 2 ekor besar") == (
        ItemDraft("ikan tongkol yang segar 2 ekor besar", Decimal(1), "", 0),
    )


@given(st.text(max_size=200))
def test_items_parsing_never_fails(text: str) -> None:
    """Any text gives a tuple of entries, never an error."""
    items = parse_items(text)
    assert all(isinstance(item, ItemDraft) and item.weight_g >= 0 for item in items)
