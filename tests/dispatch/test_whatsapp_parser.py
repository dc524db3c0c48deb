"""The WhatsApp order-text parser: what it reads from how Malang customers really write."""

from __future__ import annotations

import io
import json
from datetime import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.cli import main
from dispatch.whatsapp.parser import (
    REVIEW_THRESHOLD,
    UNITS,
    Reading,
    ReadItem,
    parse_order_text,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "whatsapp"
SHAPE_KEYS = {
    "is_order",
    "items",
    "fulfilment",
    "payment",
    "market",
    "window_start",
    "window_end",
    "asap",
    "confidence",
}


def items_of(text: str) -> list[tuple[str, float | None, str | None]]:
    return [(i.name, i.quantity, i.unit) for i in parse_order_text(text).items]


# -- lists -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "- bawang merah 1/2 kg\n- tomat 1 kg",
        "• bawang merah 1/2 kg\n• tomat 1 kg",
        "1. bawang merah 1/2 kg\n2. tomat 1 kg",
        "1) bawang merah 1/2 kg\n2) tomat 1 kg",
        "1.bawang merah 1/2kg\n2.tomat 1kg",
        "Pesan mbak:\nbawang merah 1/2 kg\ntomat 1 kg\nmakasih",
    ],
)
def test_bullet_and_numbered_lists_read_one_item_per_line(text: str) -> None:
    """Every list style (-, •, 1., 1), bare lines) gives the same two items."""
    assert items_of(text) == [("bawang merah", 0.5, "kg"), ("tomat", 1, "kg")]


@pytest.mark.parametrize(
    "text",
    [
        "beli telur 1kg, bawang merah 1/2 kg sama cabe rawit 1 ons",
        "beli telur 1kg dan bawang merah 1/2 kg & cabe rawit 1 ons",
        "telur 1kg + bawang merah 1/2 kg + cabe rawit 1 ons",
        "tolong telur 1kg bawang merah 1/2kg cabe rawit 1ons",
        "beli 1 kg telur, 1/2 kg bawang merah, sama 1 ons cabe rawit",
    ],
)
def test_inline_lists_split_on_commas_joiners_and_quantities(text: str) -> None:
    """Commas, ``sama``/``dan``/``&``/``+``, or no separator at all between items."""
    assert items_of(text) == [
        ("telur", 1, "kg"),
        ("bawang merah", 0.5, "kg"),
        ("cabe rawit", 1, "ons"),
    ]


# -- quantities and units --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "quantity", "unit"),
    [
        ("telur 1kg", 1, "kg"),
        ("telur 1 kilo", 1, "kg"),
        ("telur 1/2 kg", 0.5, "kg"),
        ("telur ½ kg", 0.5, "kg"),
        ("telur setengah kilo", 0.5, "kg"),
        ("telur seperempat", 0.25, "kg"),
        ("telur 1/4", 0.25, "kg"),
        ("telur 1,5 kg", 1.5, "kg"),
        ("telur 1.5 kg", 1.5, "kg"),
        ("telur 1 1/2 kg", 1.5, "kg"),
        ("telur dua kilo setengah", 2.5, "kg"),
        ("telur sekilo", 1, "kg"),
        ("telur 2 ons", 2, "ons"),
        ("telur seons", 1, "ons"),
        ("telur 250 gram", 250, "gram"),
        ("telur 250gr", 250, "gram"),
        ("telur 250 g", 250, "gram"),
        ("telur 10 butir", 10, "biji"),
        ("telur 10 bj", 10, "biji"),
        ("telur 10 biji", 10, "biji"),
        ("telur selusin", 12, None),
        ("telur 10", 10, None),
    ],
)
def test_quantities_and_mass_units_are_normalised(
    text: str, quantity: float, unit: str | None
) -> None:
    """Fractions, decimals with comma or dot, words and Javanese, all in one unit spelling."""
    assert items_of(text) == [("telur", quantity, unit)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kangkung 2 ikat", ("kangkung", 2, "ikat")),
        ("kangkung 2 iket", ("kangkung", 2, "ikat")),
        ("santan 2 bungkus", ("santan", 2, "bungkus")),
        ("santan 2 bks", ("santan", 2, "bungkus")),
        ("kol 1 buah", ("kol", 1, "buah")),
        ("kol 1 bh", ("kol", 1, "buah")),
        ("minyak 2 liter", ("minyak", 2, "liter")),
        ("minyak 2 ltr", ("minyak", 2, "liter")),
        ("minyak 2L", ("minyak", 2, "liter")),
        ("ayam 1 ekor", ("ayam", 1, "ekor")),
        ("tempe 2 papan", ("tempe", 2, "papan")),
        ("pisang 1 sisir", ("pisang", 1, "sisir")),
        ("ikan salem 3 potong", ("ikan salem", 3, "potong")),
        ("ikan salem 3 ptg", ("ikan salem", 3, "potong")),
        ("kopi 1 renteng", ("kopi", 1, "renteng")),
        ("kopi 1 renceng", ("kopi", 1, "renteng")),
        ("nugget 1 pack", ("nugget", 1, "pack")),
        ("nugget 1 pak", ("nugget", 1, "pack")),
        ("kecap 1 botol", ("kecap", 1, None)),
        ("beras 1/2 karung", ("beras", 0.5, None)),
        ("ayam setengah ekor", ("ayam", 0.5, "ekor")),
    ],
)
def test_count_units_and_their_short_forms(
    text: str, expected: tuple[str, float, str | None]
) -> None:
    """Every unit of `UNITS` and its short form; containers outside the list keep no unit."""
    assert items_of(text) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomat satu kilo, timun dua kilo", [("tomat", 1, "kg"), ("timun", 2, "kg")]),
        ("tahu sepuluh, tempe tiga", [("tahu", 10, None), ("tempe", 3, None)]),
        ("tumbas tomat kalih kilo", [("tomat", 2, "kg")]),
        ("ayam setunggal, tahu sedasa", [("ayam", 1, None), ("tahu", 10, None)]),
        ("kangkung loro, tahu limo", [("kangkung", 2, None), ("tahu", 5, None)]),
    ],
)
def test_numbers_in_words_indonesian_and_javanese(
    text: str, expected: list[tuple[str, float, str | None]]
) -> None:
    """``satu``, ``dua``, ``sepuluh``, Javanese ``setunggal``, ``kalih``, ``loro``, ``limo``."""
    assert items_of(text) == expected


def test_kalih_is_two_before_a_unit_and_and_between_items() -> None:
    """Krama ``kalih`` means 2 before a unit, and "and" between two items."""
    assert items_of("lombok rawit seons kalih tomat sekilo") == [
        ("lombok rawit", 1, "ons"),
        ("tomat", 1, "kg"),
    ]


def test_item_without_quantity_has_no_quantity_nor_unit() -> None:
    """A listed item with no amount reads as quantity ``None``, unit ``None``."""
    assert items_of("beli kangkung, bayam, sama tahu") == [
        ("kangkung", None, None),
        ("bayam", None, None),
        ("tahu", None, None),
    ]


def test_each_gives_the_quantity_to_every_item_before_it() -> None:
    """``masing2 setengah kilo`` applies to each item named before it."""
    assert items_of("mau order wortel, kentang, buncis, masing2 setengah kilo") == [
        ("wortel", 0.5, "kg"),
        ("kentang", 0.5, "kg"),
        ("buncis", 0.5, "kg"),
    ]


def test_a_multiplier_multiplies_the_quantity() -> None:
    """``gula 1kg x 2`` is 2 kg; ``indomie x5`` is 5."""
    assert items_of("gula 1kg x 2, indomie x5") == [("gula", 2, "kg"), ("indomie", 5, None)]


def test_mboten_takes_back_the_quantity_before_it() -> None:
    """``beras sekarung mboten, 5 kilo mawon``: not a sack, just 5 kg."""
    assert items_of("tumbas beras sekarung mboten, 5 kilo mawon") == [("beras", 5, "kg")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("seratus gram merica", [("merica", 100, "gram")]),
        ("daging sapi tiga perempat kilo", [("daging sapi", 0.75, "kg")]),
        ("daging sapi tiga perempat", [("daging sapi", 0.75, "kg")]),
        ("telur dua belas biji", [("telur", 12, "biji")]),
    ],
)
def test_compound_number_words(text: str, expected: list[tuple[str, float, str | None]]) -> None:
    """``seratus``, ``tiga perempat``, ``dua belas``: numbers said in more than one word."""
    assert items_of(text) == expected


def test_cutting_instructions_are_not_items() -> None:
    """``ayam 2 ekor potong 8`` is two chickens cut in eight, not eight of something."""
    assert items_of("ayam potong 2 ekor potong 8, ayam potong 1/2 kg") == [
        ("ayam potong", 2, "ekor"),
        ("ayam potong", 0.5, "kg"),
    ]


def test_a_heading_before_a_colon_is_not_an_item() -> None:
    """``beli sayur buat seminggu: bayam 3 ikat`` orders spinach, not "sayur seminggu"."""
    assert items_of("aku mau beli sayur buat seminggu: bayam 3 ikat, tomat 1 kg") == [
        ("bayam", 3, "ikat"),
        ("tomat", 1, "kg"),
    ]


@pytest.mark.parametrize(
    "text", ["telur 0 kg", "telur 0,0001 kg", "telur " + "9" * 400 + " kg", "telur 1/0 kg"]
)
def test_impossible_quantities_are_not_read_as_quantities(text: str) -> None:
    """Zero, too small to weigh, beyond any float or divided by zero: no quantity, review."""
    reading = parse_order_text(text)
    assert [(i.name, i.quantity) for i in reading.items] == [("telur", None)]
    assert reading.needs_review


def test_people_counts_are_not_quantities() -> None:
    """``buat 10 orang`` says how many eat, not how much to buy."""
    assert items_of("tolong belanjain bahan rawon buat 10 orang") == [("bahan rawon", None, None)]


# -- prices --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "bawang merah 1kg yg 40rb",
        "bawang merah 1 kg @25rb",
        "bawang merah 1 kg Rp 15.000",
        "bawang merah 1kg 15k",
        "bawang merah 1 kg harga 45rb ya",
        "bawang merah 1 kg yang 30rban",
        "bawang merah 1 kg 40000",
    ],
)
def test_prices_are_not_quantities(text: str) -> None:
    """``40rb``, ``@25rb``, ``Rp 15.000``, ``15k``: the price leaves name and quantity alone."""
    assert items_of(text) == [("bawang merah", 1, "kg")]


def test_an_item_bought_by_price_has_no_quantity() -> None:
    """``cabe rawit 10rb`` or ``5000`` (rupiah's worth) has no quantity."""
    assert items_of("pesan cabe rawit 10rb, bawang 5000, tomat 1 kg") == [
        ("cabe rawit", None, None),
        ("bawang", None, None),
        ("tomat", 1, "kg"),
    ]


# -- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("cabe rawit merah 1 ons", "cabe rawit merah"),
        ("udang 1/2 kg yg seger ya mbak", "udang"),
        ("daging kambing 1 kg buat sate", "daging kambing"),
        ("ayam 1 ekor (dipotong 8)", "ayam"),
        ("ikan gurami 2 ekor yg sedang", "ikan gurami"),
        ("ikan mas 1 kg", "ikan mas"),
        ("bunga sedap malam 2 ikat", "bunga sedap malam"),
        ("jeruk peras 3 kg", "jeruk peras"),
        ("Assalamualaikum mbak, tumbas tomat 1 kg nggih, matur nuwun", "tomat"),
    ],
)
def test_names_keep_what_the_item_is_and_drop_the_rest(text: str, name: str) -> None:
    """Descriptive words stay; fillers, quality wishes, notes and greetings go."""
    assert [i.name for i in parse_order_text(text).items] == [name]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("bawamg merah 1 kg", "bawang merah"),
        ("tlur 1 kg", "telur"),
        ("cabe rawir 1 ons", "cabe rawit"),
        ("telor 1 kg", "telur"),
        ("bwg putih 1/4", "bawang putih"),
    ],
)
def test_plain_typos_of_known_words_are_corrected(text: str, name: str) -> None:
    """A slip to a neighbouring key, a missing letter, a short form: the known spelling."""
    assert [i.name for i in parse_order_text(text).items] == [name]


def test_regional_words_stay_as_written() -> None:
    """Javanese ``brambang``, ``lombok``, ``bayem`` are words, not typos."""
    assert [i.name for i in parse_order_text("brambang 1/4, lombok 1 ons, bayem 1").items] == [
        "brambang",
        "lombok",
        "bayem",
    ]


# -- fulfilment and payment --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fulfilment"),
    [
        ("telur 1 kg, ambil sendiri", "pickup"),
        ("telur 1 kg, diambil jam 9", "pickup"),
        ("sy ambil ke pasar, telur 1 kg", "pickup"),
        ("telur 1 kg, ga usah dianter", "pickup"),
        ("kulo pendet piyambak, telur 1 kg", "pickup"),
        ("telur 1 kg diantar ke rumah ya", "delivery"),
        ("telur 1 kg, kirim ya", "delivery"),
        ("telur 1 kg. Alamat: Jl. Danau Toba 5", "delivery"),
        ("telur 1 kg", None),
    ],
)
def test_pickup_delivery_or_not_said(text: str, fulfilment: str | None) -> None:
    """Collecting wins over delivering; an address means delivery; silence is ``None``."""
    assert parse_order_text(text).fulfilment == fulfilment


@pytest.mark.parametrize(
    ("text", "payment"),
    [
        ("telur 1 kg, cod", "cod"),
        ("telur 1 kg, bayar di tempat", "cod"),
        ("telur 1 kg, bayar ditempat", "cod"),
        ("telur 1 kg, bayar tunai", "cod"),
        ("telur 1 kg, transfer ya", "cashless"),
        ("telur 1 kg, tf", "cashless"),
        ("telur 1 kg, bayar pakai linkaja", "cashless"),
        ("telur 1 kg, qris", "cashless"),
        ("sudah bayar ya, telur 1 kg", "cashless"),
        ("telur 1 kg, bayar tf atau cod bisa?", None),
        ("telur 1 kg", None),
    ],
)
def test_payment_cod_or_cashless(text: str, payment: str | None) -> None:
    """COD words, cashless words; both at once or neither gives ``None``."""
    assert parse_order_text(text).payment == payment


# -- time wishes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end", "asap"),
    [
        ("telur 1 kg, jam 8", time(8), time(9), False),
        ("telur 1 kg, sebelum jam 10", None, time(10), False),
        ("telur 1 kg, antara jam 7-9", time(7), time(9), False),
        ("telur 1 kg, jam 7 sampai 9", time(7), time(9), False),
        ("telur 1 kg, setelah jam 9", time(9), None, False),
        ("telur 1 kg, jam setengah 8", time(7, 30), time(8, 30), False),
        ("telur 1 kg, jam 9.30", time(9, 30), time(10, 30), False),
        ("telur 1 kg, jam 1 siang", time(13), time(14), False),
        ("telur 1 kg, jam 3 sore", time(15), time(16), False),
        ("telur 1 kg, pagi ini", None, time(11), False),
        ("telur 1 kg, secepatnya", None, None, True),
        ("telur 1 kg, sekarang ya", None, None, True),
        ("telur 1 kg, saya transfer sekarang", None, None, False),
        ("selamat pagi, telur 1 kg", None, None, False),
    ],
)
def test_time_wishes(text: str, start: time | None, end: time | None, asap: bool) -> None:
    """A time, a deadline, a range, a day part, or "as soon as possible" (WIB)."""
    reading = parse_order_text(text)
    assert (reading.window_start, reading.window_end, reading.asap) == (start, end, asap)
    assert reading.items == (ReadItem("telur", 1, "kg"),)


# -- markets -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "market"),
    [
        ("dari pasar gadang ya, ayam 1 ekor", "gadang"),
        ("Gadang lama, ayam 1 ekor", "gadang"),
        ("pasar oro2 dowo: ayam 1 ekor", "oro-oro-dowo"),
        ("oro-oro dowo, ayam 1 ekor", "oro-oro-dowo"),
        ("pasar bareng, ayam 1 ekor", "bareng"),
        ("sawojajar ya, ayam 1 ekor", "sawojajar"),
        ("Mergan ya mas, ayam 1 ekor", "mergan"),
        ("dari tawang mangu, ayam 1 ekor", "tawangmangu"),
        ("kirim bareng pesanan ibu, ayam 1 ekor", None),
        ("bisa antar ayam 1 ekor ke sawojajar?", None),
        ("Kirim ke Jl. Danau Toba 5 Sawojajar. Ayam 1 ekor", None),
        ("pasar gadang atau mergan, ayam 1 ekor", None),
        ("dari pasar besar, ayam 1 ekor", None),
    ],
)
def test_market_named_in_the_text(text: str, market: str | None) -> None:
    """One served market named; not a delivery place, not two markets, not another market."""
    assert parse_order_text(text).market == market


def test_two_markets_lower_the_confidence() -> None:
    """Naming two markets is a doubt the coordinator should settle."""
    one = parse_order_text("pasar gadang, ayam 1 ekor")
    two = parse_order_text("pasar gadang atau mergan, ayam 1 ekor")
    assert two.confidence < one.confidence
    assert two.needs_review


# -- not orders --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "makasih mbak sudah sampai",
        "buka jam berapa?",
        "ok",
        "[stiker]",
        "<Media omitted>",
        "🙏🙏",
        "cabe rawit sekilo sekarang berapa mbak?",
        "ada daging sapi ga hari ini?",
        "mbak pesanan saya tadi dibatalkan aja ya",
        "mbak kemarin telurnya ada yang pecah 2",
        "gak jadi pesen mbak, maaf",
        "Matur nuwun nggih bu",
        "mboten jadi nggih bu",
        "bisa bayar pakai qris gak?",
        "",
        "   \n  ",
    ],
)
def test_messages_that_are_not_orders(text: str) -> None:
    """Thanks, questions, stickers, complaints, cancellations: no order, no items, no fields."""
    reading = parse_order_text(text)
    assert not reading.is_order
    assert reading.items == ()
    assert (reading.fulfilment, reading.payment, reading.market) == (None, None, None)
    assert (reading.window_start, reading.window_end, reading.asap) == (None, None, False)


@pytest.mark.parametrize(
    "text",
    [
        "mbak mau tanya, kalau beli 10 kg beras ada diskon?",
        "harga bawang merah sekilo sekarang berapa?",
        "kemarin pesan telur 1kg belum datang mbak",
        "makasih bu, besok pesen lagi ya",
    ],
)
def test_messages_about_orders_that_are_not_orders(text: str) -> None:
    """Quantities in a question, a missing delivery or a thank-you do not make an order."""
    reading = parse_order_text(text)
    assert not reading.is_order
    assert reading.items == ()


@pytest.mark.parametrize(
    "text", ["bisa pesan ayam 1 ekor?", "psr tawangmangu bisa? wortel 1kg", "telur 1kg ya?"]
)
def test_a_request_put_as_a_question_is_still_an_order(text: str) -> None:
    """``bisa pesan ...?`` asks to be served: it is an order."""
    reading = parse_order_text(text)
    assert reading.is_order
    assert len(reading.items) == 1


def test_a_question_then_a_quantity_orders_the_item_asked_about() -> None:
    """``ada daging sapi? kalau ada 1 kg ya`` orders 1 kg of beef."""
    reading = parse_order_text("ada daging sapi? kalau ada 1 kg ya")
    assert reading.is_order
    assert items_of("ada daging sapi? kalau ada 1 kg ya") == [("daging sapi", 1, "kg")]


def test_an_order_without_readable_items_goes_to_review() -> None:
    """``mau pesen dong`` is an order, but with nothing to dispatch: review."""
    reading = parse_order_text("mbak mau pesen dong")
    assert reading.is_order
    assert reading.items == ()
    assert reading.needs_review


# -- confidence ------------------------------------------------------------------------------------


def test_a_clean_order_goes_straight_through() -> None:
    """Every word accounted for: confidence at or above the review threshold."""
    reading = parse_order_text("Pasar gadang. Telur 1 kg, bawang merah 1/2 kg. Antar jam 8, cod")
    assert reading.confidence >= REVIEW_THRESHOLD
    assert not reading.needs_review


def test_unknown_words_and_missing_quantities_lower_the_confidence() -> None:
    """What the parser cannot account for costs confidence, one doubt at a time."""
    clean = parse_order_text("telur 1 kg, tomat 1 kg").confidence
    no_quantity = parse_order_text("telur 1 kg, tomat").confidence
    unknown = parse_order_text("telur 1 kg, tomat 1 kg, blorong kuwuk 2").confidence
    besok = parse_order_text("telur 1 kg, tomat 1 kg, besok ya").confidence
    assert clean > no_quantity
    assert clean > unknown
    assert clean > besok


def test_a_message_too_long_to_read_whole_goes_to_review() -> None:
    """Past 5,000 characters the rest is not read, so the reading needs a coordinator."""
    reading = parse_order_text("telur 1 kg\n" * 600)
    assert reading.is_order
    assert reading.needs_review


def test_confidence_is_not_a_constant_over_the_corpus() -> None:
    """Readings of the corpus spread over many confidence values."""
    values = {parse_order_text(case["text"]).confidence for case in _corpus("corpus.jsonl")}
    assert len(values) >= 10


# -- shape and command line --------------------------------------------------------------------


def test_as_json_has_the_agreed_shape() -> None:
    """The keys, times as ``HH:MM`` and the items as plain dicts."""
    data = parse_order_text("telur 1/2 kg, antara jam 7-9, tf, pasar mergan").as_json()
    assert set(data) == SHAPE_KEYS
    assert data["items"] == [{"name": "telur", "quantity": 0.5, "unit": "kg"}]
    assert (data["window_start"], data["window_end"]) == ("07:00", "09:00")
    assert (data["payment"], data["market"], data["fulfilment"]) == ("cashless", "mergan", None)
    assert json.loads(json.dumps(data)) == data


def test_cli_prints_the_reading_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    """``antar whatsapp parse TEXT`` prints one JSON object in the shape of `as_json`."""
    assert main(["whatsapp", "parse", "tumbas tomat sekilo, ambil sendiri jam 9, cod"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == SHAPE_KEYS
    assert data["items"] == [{"name": "tomat", "quantity": 1.0, "unit": "kg"}]
    assert data["fulfilment"] == "pickup"
    assert data["payment"] == "cod"
    assert (data["window_start"], data["window_end"]) == ("09:00", "10:00")
    assert 0 <= data["confidence"] <= 1


def test_cli_reads_the_message_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``antar whatsapp parse -`` reads a multi-line message from standard input."""
    monkeypatch.setattr("sys.stdin", io.StringIO("Pesan:\n- tahu 10\n- tempe 2 papan\n"))
    assert main(["whatsapp", "parse", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["items"] == [
        {"name": "tahu", "quantity": 10.0, "unit": None},
        {"name": "tempe", "quantity": 2.0, "unit": "papan"},
    ]


class _UndecodableStdin(io.StringIO):
    def read(self, size: int | None = -1) -> str:
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")


def test_cli_refuses_undecodable_stdin_clearly(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bytes that are not UTF-8 on stdin: a one-line message in Indonesian, exit status 2."""
    monkeypatch.setattr("sys.stdin", _UndecodableStdin())
    assert main(["whatsapp", "parse", "-"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Pesan tidak bisa dibaca" in captured.err


def test_cli_reads_a_non_order_without_complaint(capsys: pytest.CaptureFixture[str]) -> None:
    """A message that is no order still prints a reading, with exit status 0."""
    assert main(["whatsapp", "parse", "makasih mbak"]) == 0
    assert json.loads(capsys.readouterr().out)["is_order"] is False


# -- corpus --------------------------------------------------------------------------------------


def _corpus(name: str) -> list[dict[str, Any]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _items_right(got: Reading, expected: list[dict[str, Any]]) -> bool:
    return [item.as_json() for item in got.items] == [
        {**i, "quantity": None if i["quantity"] is None else float(i["quantity"])} for i in expected
    ]


def test_corpus_is_large_varied_and_well_formed() -> None:
    """At least 220 messages with 25 non-orders, unique ids, expected units all in `UNITS`."""
    cases = _corpus("corpus.jsonl")
    assert len(cases) >= 220
    assert sum(not c["expected"]["is_order"] for c in cases) >= 25
    assert len({c["id"] for c in cases}) == len(cases)
    for case in cases:
        assert set(case["expected"]) == SHAPE_KEYS - {"confidence"}
        for item in case["expected"]["items"]:
            assert item["unit"] is None or item["unit"] in UNITS


@pytest.mark.parametrize("name", ["corpus.jsonl", "holdout.jsonl", "unseen.jsonl"])
def test_every_item_right_in_at_least_90_percent_of_messages(name: str) -> None:
    """Quality floor: all items exactly right (name, quantity, unit) in >= 90 % of messages."""
    cases = _corpus(name)
    right = sum(_items_right(parse_order_text(c["text"]), c["expected"]["items"]) for c in cases)
    assert right / len(cases) >= 0.9, f"{right}/{len(cases)}"


def test_corpus_orders_and_non_orders_are_told_apart() -> None:
    """is_order is right for at least 95 % of the corpus."""
    cases = _corpus("corpus.jsonl")
    right = sum(parse_order_text(c["text"]).is_order == c["expected"]["is_order"] for c in cases)
    assert right / len(cases) >= 0.95


# -- properties ----------------------------------------------------------------------------------

_WORDS = st.sampled_from(
    [
        "telur", "bawang", "merah", "cabe", "tahu", "tempe", "ayam", "kg", "ons", "gram",
        "ikat", "bks", "biji", "bh", "ltr", "l", "ekor", "papan", "sisir", "ptg", "renteng",
        "pak", "pack", "setengah", "seperempat", "sekilo", "seons", "kalih", "satu", "dua",
        "jam", "sebelum", "antara", "sampai", "secepatnya", "pasar", "gadang", "oro2",
        "dowo", "bareng", "cod", "tf", "ambil", "antar", "yg", "rb", "rp", "@", "x", "-",
        ",", ".", "?", ":", "/", "masing2", "mboten", "buat", "orang", "(", ")", "\n",
        "1/2", "0", "0/0", "1,5", "15.000", "99999999999999999999", "½", "🙏", "•", "1.",
    ]
)  # fmt: skip
_NUMBERS = st.one_of(
    st.integers(0, 5000).map(str),
    st.integers(0, 10**400).map(str),  # past the largest float
    st.from_regex(r"\d{1,400}(?:[.,/]\d{1,400})?", fullmatch=True),
)
_ITEMS = st.tuples(
    _WORDS, _NUMBERS, st.sampled_from(["kg", "ons", "setengah", "x", "biji", "karung", ""])
).map(" ".join)
_MESSAGES = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(_WORDS, _NUMBERS, _ITEMS, st.text(max_size=4)), max_size=40).map(" ".join),
)


def _check_reading(reading: Reading) -> None:
    assert 0.0 <= reading.confidence <= 1.0
    for item in reading.items:
        assert item.name
        assert item.name == item.name.lower()
        assert item.unit is None or item.unit in UNITS
        assert item.quantity is None or item.quantity > 0
    if not reading.is_order:
        assert reading.items == ()
    if reading.window_start is not None and reading.window_end is not None:
        assert reading.window_start < reading.window_end
    assert reading.fulfilment in (None, "delivery", "pickup")
    assert reading.payment in (None, "cod", "cashless")
    data = json.loads(json.dumps(reading.as_json()))
    assert set(data) == SHAPE_KEYS


@settings(max_examples=300, deadline=None)
@given(_MESSAGES)
def test_any_text_reads_without_error_into_a_sane_reading(text: str) -> None:
    """Whatever the text: no exception, confidence in [0, 1], units normalised, quantities > 0."""
    _check_reading(parse_order_text(text))


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(_corpus("corpus.jsonl")), st.text(max_size=30))
def test_corpus_messages_with_noise_appended_still_read_sanely(
    case: dict[str, Any], noise: str
) -> None:
    """A real message followed by anything at all still gives a sane reading."""
    _check_reading(parse_order_text(case["text"] + noise))
