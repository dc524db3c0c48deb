"""The message catalogue and the formats: every message in both languages with the same
placeholders, plural forms per language, Babel's numbers, money, times and durations, and
which language a reader wants."""

from __future__ import annotations

import re
import string
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch import formats
from dispatch.errors import WORDED_PARAMS, DomainError
from dispatch.i18n import (
    LANGS,
    Translator,
    catalogue,
    choose_lang,
    has,
    placeholders,
    plural_text,
    text,
)

WIB = ZoneInfo("Asia/Jakarta")
#: argparse's own messages keep its %-placeholders (``%(prog)s``, ``%s``).
PERCENT = re.compile(r"%(?:\([a-z_]+\))?[srd]")


def _forms(key: str, lang: str) -> tuple[str, ...]:
    found = catalogue(lang).messages[key]  # type: ignore[arg-type]
    return (found,) if isinstance(found, str) else found


def test_every_message_has_both_languages() -> None:
    """The Indonesian and the English catalogue hold the same keys, none of them empty."""
    indonesian, english = catalogue("id").messages, catalogue("en").messages
    assert set(indonesian) == set(english)
    assert len(indonesian) > 400
    for lang in LANGS:
        empty = [key for key in indonesian if not all(_forms(key, lang))]
        assert empty == [], (lang, empty)


@pytest.mark.parametrize("key", sorted(catalogue("id").messages))
def test_a_message_has_the_same_placeholders_in_both_languages(key: str) -> None:
    """Each form of a message names the same ``{placeholders}`` (and argparse's ``%s``) in
    Indonesian and English, and every placeholder is a plain name."""
    wanted = None
    for lang in LANGS:
        for form in _forms(key, lang):
            names = placeholders(form)
            assert all(name.isidentifier() for name in names), (lang, form)
            found = (frozenset(names), tuple(sorted(PERCENT.findall(form))))
            wanted = wanted or found
            assert found == wanted, (key, lang, form)


def test_plural_messages_have_each_languages_forms() -> None:
    """A message with a count has one form in Indonesian and two in English, chosen by the
    count."""
    plurals = [k for k, v in catalogue("en").messages.items() if isinstance(v, tuple)]
    assert "console.orders_shown" in plurals
    for key in plurals:
        assert len(_forms(key, "en")) == 2
        assert len(_forms(key, "id")) == 1
    assert plural_text("runner.summary", 1, "en", stops=1) == "1 stop"
    assert plural_text("runner.summary", 3, "en", stops=3) == "3 stops"
    assert plural_text("runner.summary", 1, "id", stops=1) == "1 antaran"


def test_placeholders_are_filled_and_a_missing_one_shows_itself() -> None:
    """Values fill their placeholders; one not given stays ``{name}`` rather than failing,
    and an unknown key reads as itself (the language test then finds a raw code)."""
    assert text("console.pinned_to", "id", name="Budi") == "Disematkan ke Budi"
    assert text("console.pinned_to", "en") == "Pinned to {name}"
    assert text("no.such_key", "en") == "no.such_key"
    assert not has("no.such_key")


def test_every_domain_error_code_raised_has_a_message() -> None:
    """The codes the domain raises (``DomainError("...")`` in the sources) are all in the
    catalogue, as are the codes whose parameters are read in words."""
    from pathlib import Path

    root = Path(__file__).parents[2]
    sources = [*root.glob("dispatch/**/*.py"), *root.glob("api/**/*.py")]
    codes = set()
    for source in sources:
        codes |= set(re.findall(r'DomainError\(\s*"([a-z_.]+)"', source.read_text()))
    codes |= set(WORDED_PARAMS)
    assert len(codes) > 30
    assert sorted(c for c in codes if not has(c)) == []


def test_worded_parameters_read_as_words() -> None:
    """A status inside an error reads as words, never as its code."""
    error = DomainError(
        "order.invalid_transition", field="status", params={"from": "delivered", "to": "edited"}
    )
    assert error.message("id") == "Pesanan yang sudah terkirim tidak bisa diubah."
    assert error.message("en") == "An order that is delivered cannot be edited."


# -- formats -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "amount", "shown"),
    [
        ("id", 23_700, "Rp 23.700"),
        ("en", 23_700, "Rp 23.700"),
        ("id", -5_000, "-Rp 5.000"),
        ("id", 0, "Rp 0"),
        ("id", 1_500_000, "Rp 1.500.000"),
    ],
)
def test_rupiah_as_on_a_receipt(lang: str, amount: int, shown: str) -> None:
    """Whole rupiah with dots between thousands, in both languages."""
    assert formats.rupiah(amount, lang) == shown  # type: ignore[arg-type]


def test_weights_distances_and_numbers_take_a_decimal_comma() -> None:
    """Grams as kg and metres as km with a decimal comma, trailing zeros dropped."""
    assert formats.kg(1_500) == "1,5 kg"
    assert formats.kg(250) == "0,25 kg"
    assert formats.kg(40_000, "en") == "40 kg"
    assert formats.km(12_340) == "12,3 km"
    assert formats.number(1234.5) == "1.234,5"


def test_times_are_wib_on_a_24_hour_clock_with_a_dot() -> None:
    """CLDR ``id`` writes ``07.30``; English (``en_ID``) the same, never ``7:30 AM``."""
    moment = datetime(2026, 11, 26, 0, 30, tzinfo=UTC)  # 07.30 WIB
    assert formats.clock(moment, WIB, "id") == "07.30"
    assert formats.clock(moment, WIB, "en") == "07.30"
    assert formats.clock(None, WIB) == "-"
    assert formats.clock_of_day(11 * 3600 + 30 * 60) == "11.30"
    assert formats.day(date(2026, 11, 26), "id") == "26 Nov 2026"
    assert formats.moment_text(moment, WIB, "id") == "26 Nov 2026 07.30.00"


@pytest.mark.parametrize(
    ("seconds", "indonesian", "english"),
    [
        (0, "0 menit", "0 minutes"),
        (60, "1 menit", "1 minute"),
        (35 * 60, "35 menit", "35 minutes"),
        (3600, "1 jam", "1 hour"),
        (3900, "1 jam 5 menit", "1 hour 5 minutes"),
        (2 * 3600 + 29.6 * 60, "2 jam 30 menit", "2 hours 30 minutes"),
    ],
)
def test_durations_in_hours_and_minutes(seconds: float, indonesian: str, english: str) -> None:
    """Durations read "1 jam 5 menit", never "65 min"."""
    assert formats.duration(seconds, "id") == indonesian
    assert formats.duration(seconds, "en") == english


@given(st.integers(min_value=0, max_value=48 * 3600))
def test_a_duration_names_hours_and_minutes_that_add_up(seconds: int) -> None:
    """The hours and minutes shown add up to the duration, rounded to the minute."""
    words = formats.duration(seconds, "id").split()
    numbers = dict(zip(words[1::2], (int(n) for n in words[::2]), strict=True))
    assert set(numbers) <= {"jam", "menit"}
    assert numbers.get("jam", 0) * 60 + numbers.get("menit", 0) == round(seconds / 60)


def test_ages_are_said_as_people_say_them() -> None:
    """A position's age: "baru saja" under a minute, then Babel's "5 menit yang lalu"."""
    t = Translator("id")
    assert t.age(10) == "baru saja"
    assert t.age(300) == "5 menit yang lalu"
    assert Translator("en").age(2 * 3600) == "2 hours ago"


def test_translator_names_the_domains_codes() -> None:
    """Statuses, failure and drop reasons in words; a pickup order's own words."""
    t = Translator("id")
    assert t.order_status("picked_up") == "Dalam perjalanan"
    assert t.order_status("picked_up", pickup=True) == "Siap diambil"
    assert t.failure_reason("not_at_home") == "Pelanggan tidak di rumah"
    assert t.failure_reason("something_new") == "Alasan tidak dicatat"
    assert t.drop_reason("exceeds_capacity") == "Melebihi kapasitas kurir"
    assert t.drop_reason("no_such_reason") == "Tidak terjadwal"
    assert t.label("phone") == "Nomor telepon"
    assert t.label("markets") == '"markets"'


# -- which language ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("choices", "header", "lang"),
    [
        ((), None, "id"),
        ((), "en-US,en;q=0.9", "en"),
        ((), "id-ID,id;q=0.9,en;q=0.8", "id"),
        ((), "fr, en;q=0.5, id;q=0.4", "en"),
        ((), "en;q=0, id", "id"),
        ((), "in", "id"),
        (("en",), "id", "en"),
        ((None, "en"), "id", "en"),
        (("xx", None), "en", "en"),
        (("id",), "en", "id"),
        ((), "en;q=nonsense, id;q=0.1", "id"),
    ],
)
def test_the_reader_gets_the_language_asked_for(
    choices: tuple[str | None, ...], header: str | None, lang: str
) -> None:
    """An explicit choice wins, then Accept-Language's ranking, then Bahasa Indonesia."""
    assert choose_lang(*choices, accept_language=header) == lang


def test_catalogue_files_are_valid_gettext() -> None:
    """Both catalogues declare their language and plural rule, and no message carries a
    stray format field (``{0}``, ``{}``) that could not be filled by name."""
    for lang in LANGS:
        book = catalogue(lang)
        assert book.plural(1) == 0
        for key in book.messages:
            for form in _forms(key, lang):
                fields = [f for _, f, _, _ in string.Formatter().parse(form) if f is not None]
                assert all(f and not f.isdigit() for f in fields), (key, form)
