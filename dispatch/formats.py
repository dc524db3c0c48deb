"""Numbers, money, weights, distances, times and dates as people read them, through Babel.

One set of formatters for every page, report and command line output, in Bahasa Indonesia
(CLDR ``id``) or English. English uses CLDR's ``en_ID`` (English as written in Indonesia): the
same rupiah, decimal comma and 24-hour ``07.30`` as the Indonesian pages, so an amount or a
time reads the same in both languages and matches what the forms accept ("1,5", "125.000",
"07.30").

    rupiah(23_700, "id")            'Rp 23.700'        (negative: '-Rp 5.000')
    kg(1_500, "id")                 '1,5 kg'           (grams in)
    km(12_340, "en")                '12,3 km'          (metres in)
    clock(moment, tz, "id")         '07.30'            (in the markets' zone, WIB)
    duration(3_900, "id")           '1 jam 5 menit'    ('1 hour 5 minutes')
    day(date(2026, 11, 26), "id")   '26 Nov 2026'
    moment_text(moment, tz, "id")   '26 Nov 2026 07.30.15'
    ago(300, "en")                  '5 minutes ago'
    share(0.956, "id")              '96%'

Units inside the code stay integers (grams, metres, seconds, rupiah); these functions are the
only place they become words.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from functools import cache, lru_cache
from typing import Final, Literal

from babel import Locale
from babel.dates import format_date, format_datetime, format_time, format_timedelta
from babel.numbers import format_currency, format_decimal, format_percent
from babel.units import format_unit

Lang = Literal["id", "en"]
"""A language of the product: ``"id"`` (Bahasa Indonesia, the default) or ``"en"``."""

#: The CLDR locale of each language's formats.
LOCALES: Final[dict[str, str]] = {"id": "id", "en": "en_ID"}


#: Formatted values each formatter remembers: a page formats the same few hundred amounts,
#: weights and times on every request, and Babel takes tens of microseconds for each.
_REMEMBERED: Final = 4096


@cache
def locale(lang: Lang) -> Locale:
    """The Babel locale whose formats ``lang`` uses (``id``, or ``en_ID`` for English)."""
    return Locale.parse(LOCALES.get(lang, "id"))


@lru_cache(maxsize=_REMEMBERED, typed=True)
def rupiah(amount: int, lang: Lang = "id") -> str:
    """Whole rupiah: ``125000`` -> ``Rp 125.000``; ``-5000`` -> ``-Rp 5.000``."""
    return format_currency(
        amount, "IDR", format="¤ #,##0", currency_digits=False, locale=locale(lang)
    )


@lru_cache(maxsize=_REMEMBERED, typed=True)
def number(value: float, lang: Lang = "id", *, decimals: int = 1) -> str:
    """A number with at most ``decimals`` decimals and grouped thousands: ``1234.5`` ->
    ``1.234,5``."""
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=locale(lang))


@lru_cache(maxsize=_REMEMBERED, typed=True)
def kg(grams: int, lang: Lang = "id") -> str:
    """Grams as kilograms, up to two decimals: ``1500`` -> ``1,5 kg``, ``250`` -> ``0,25 kg``."""
    return format_unit(
        grams / 1000, "mass-kilogram", length="short", format="#,##0.##", locale=locale(lang)
    )


@lru_cache(maxsize=_REMEMBERED, typed=True)
def km(metres: int, lang: Lang = "id") -> str:
    """Metres as kilometres, one decimal: ``12340`` -> ``12,3 km``."""
    return format_unit(
        metres / 1000, "length-kilometer", length="short", format="#,##0.#", locale=locale(lang)
    )


@lru_cache(maxsize=_REMEMBERED, typed=True)
def clock(moment: datetime | None, tz: tzinfo, lang: Lang = "id") -> str:
    """The time of day of ``moment`` in ``tz``, 24 hours: ``07.30``; ``-`` when unknown."""
    if moment is None:
        return "-"
    return format_time(moment, "short", tzinfo=tz, locale=locale(lang))


@lru_cache(maxsize=_REMEMBERED, typed=True)
def clock_of_day(seconds: int, lang: Lang = "id") -> str:
    """A time of day given as seconds since midnight: ``27000`` -> ``07.30``."""
    hours, minutes = divmod(seconds // 60, 60)
    return format_time(
        datetime(2000, 1, 1, hours % 24, minutes), "short", tzinfo=None, locale=locale(lang)
    )


@lru_cache(maxsize=_REMEMBERED, typed=True)
def duration(seconds: float, lang: Lang = "id") -> str:
    """A duration in hours and minutes, rounded to the minute: ``3900`` -> ``1 jam 5 menit``
    (``1 hour 5 minutes``); under an hour only minutes (``35 menit``)."""
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(format_unit(hours, "duration-hour", length="long", locale=locale(lang)))
    if minutes or not hours:
        parts.append(format_unit(minutes, "duration-minute", length="long", locale=locale(lang)))
    return " ".join(parts)


@lru_cache(maxsize=_REMEMBERED, typed=True)
def day(value: date, lang: Lang = "id") -> str:
    """A calendar day: ``26 Nov 2026``."""
    return format_date(value, "medium", locale=locale(lang))


def moment_text(moment: datetime | None, tz: tzinfo, lang: Lang = "id") -> str:
    """A day and a time to the second in ``tz``: ``26 Nov 2026 07.30.15``; ``-`` if unknown."""
    if moment is None:
        return "-"
    return format_datetime(moment, "medium", tzinfo=tz, locale=locale(lang))


def short_moment(moment: datetime | None, tz: tzinfo, lang: Lang = "id") -> str:
    """A day and a time to the minute in ``tz``: ``26 Nov 2026 07.30``; ``-`` if unknown."""
    if moment is None:
        return "-"
    return f"{day(moment.astimezone(tz).date(), lang)} {clock(moment, tz, lang)}"


def ago(seconds: float, lang: Lang = "id") -> str:
    """How long ago, rounded the way people say it: ``5 menit yang lalu``, ``2 hours ago``."""
    return format_timedelta(
        timedelta(seconds=-max(seconds, 0)), add_direction=True, locale=locale(lang)
    )


def share(value: float | None, lang: Lang = "id") -> str:
    """A share from 0 to 1 as a whole percentage: ``0.956`` -> ``96%``; ``-`` for ``None``."""
    return "-" if value is None else format_percent(value, locale=locale(lang))
