"""The one message catalogue: every text a person reads, in Bahasa Indonesia and English.

The texts live in gettext catalogues, ``dispatch/locale/{id,en}/LC_MESSAGES/antar.po``, read
with Babel on first use (no compiled ``.mo`` to build or commit). A message's ``msgid`` is a
stable key: an error code (``order.required``), or a dotted name of a page's word
(``console.sign_in``, ``status.delivered``, ``cli.seed_market``); its ``msgstr`` is the text,
with ``{name}`` placeholders. A message with a count has plural forms (``msgid_plural``):
one form in Indonesian, two in English.

    text("order.not_found", "en")                       'Order not found.'
    t = Translator("id"); t("console.pinned_to", name="Budi")   'Disematkan ke Budi'
    t.n("runner.summary", 3, stops=3)                  '3 antaran'
    t.rupiah(23_700), t.kg(1_500), t.duration(3_900)   'Rp 23.700', '1,5 kg', '1 jam 5 menit'

A key missing from the catalogue shows as itself (the language test then finds it: a raw
code on a page). Which language a reader wants: `choose_lang`.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import cache
from importlib.resources import files
from typing import Final

from babel.messages.pofile import read_po

from dispatch import formats
from dispatch.formats import Lang

__all__ = [
    "DEFAULT_LANG",
    "LANGS",
    "Lang",
    "Translator",
    "catalogue",
    "catalogue_texts",
    "choose_lang",
    "has",
    "parse_lang",
    "placeholders",
    "plural_text",
    "text",
]

#: The languages of the product, the default first.
LANGS: Final[tuple[Lang, ...]] = ("id", "en")
DEFAULT_LANG: Final[Lang] = "id"
#: The catalogues' gettext domain (``antar.po``).
DOMAIN: Final = "antar"


@dataclass(frozen=True)
class Catalogue:
    """One language's messages: key -> text, or key -> plural forms."""

    lang: Lang
    messages: Mapping[str, str | tuple[str, ...]]
    plural: Callable[[int], int]
    """Which plural form a count takes (the catalogue's ``Plural-Forms``)."""


@cache
def catalogue(lang: Lang) -> Catalogue:
    """The messages of ``lang``, read from its ``.po`` file once per process."""
    path = files("dispatch") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as fh:
        po = read_po(fh, locale=formats.LOCALES[lang].split("_")[0], domain=DOMAIN)
    messages: dict[str, str | tuple[str, ...]] = {}
    for message in po:
        if not message.id:
            continue  # the header
        key = message.id[0] if isinstance(message.id, tuple | list) else message.id
        string = message.string
        messages[key] = tuple(string) if isinstance(string, tuple | list) else str(string)
    return Catalogue(lang, messages, gettext.c2py(po.plural_expr))


def has(key: str) -> bool:
    """Whether ``key`` is a message of the catalogue."""
    return key in catalogue(DEFAULT_LANG).messages


class _Params(dict[str, object]):
    """Placeholder values; a missing name shows as ``{name}`` instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, params: Mapping[str, object]) -> str:
    return template.format_map(_Params(params)) if "{" in template else template


def text(key: str, lang: Lang = DEFAULT_LANG, /, **params: object) -> str:
    """Message ``key`` in ``lang`` with its placeholders filled from ``params``; an unknown
    key is returned as it is. For a plural message, its first form."""
    found = catalogue(lang).messages.get(key)
    if found is None:
        return key
    template = found if isinstance(found, str) else found[0]
    return _fill(template, params)


def plural_text(key: str, count: int, lang: Lang = DEFAULT_LANG, /, **params: object) -> str:
    """Message ``key`` in the plural form that ``count`` takes in ``lang`` (``"1 order"``,
    ``"2 orders"``), placeholders filled from ``params``."""
    book = catalogue(lang)
    found = book.messages.get(key)
    if found is None:
        return key
    if isinstance(found, str):
        return _fill(found, params)
    return _fill(found[min(book.plural(count), len(found) - 1)], params)


def catalogue_texts(lang: Lang) -> list[str]:
    """Every text of ``lang``'s catalogue (each plural form apart)."""
    texts: list[str] = []
    for found in catalogue(lang).messages.values():
        texts.extend([found] if isinstance(found, str) else found)
    return texts


def placeholders(template: str) -> set[str]:
    """The placeholder names of a message text: ``"{a} of {b}"`` -> ``{"a", "b"}``."""
    import string

    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


# -- which language ---------------------------------------------------------------------------


def parse_lang(value: str | None) -> Lang | None:
    """``"en"``, ``"en-GB"``, ``"id"``, ``"in"`` (the old code of Indonesian) as a language we
    speak; ``None`` for anything else."""
    primary = (value or "").strip().lower().replace("_", "-").split("-")[0]
    if primary == "en":
        return "en"
    if primary in ("id", "in"):
        return "id"
    return None


def choose_lang(*choices: str | None, accept_language: str | None = None) -> Lang:
    """The language a reader wants: the first of ``choices`` that names one we speak (e.g. a
    ``?lang=`` parameter, then a remembered choice), else the one ``accept_language`` ranks
    highest of Indonesian and English, else Bahasa Indonesia."""
    for choice in choices:
        lang = parse_lang(choice)
        if lang is not None:
            return lang
    ranked: list[tuple[float, int, Lang]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        lang = parse_lang(tag)
        if lang is None:
            continue
        quality = 1.0
        name, _, value = params.strip().partition("=")
        if name.strip() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
        if quality > 0:
            ranked.append((quality, -position, lang))
    return max(ranked)[2] if ranked else DEFAULT_LANG


# -- one language's words ---------------------------------------------------------------------


def _value(code: object) -> str:
    """An enum member's value, or the text itself."""
    return str(getattr(code, "value", code))


class Translator:
    """The messages and formats of one language, for a page, a report or a command.

    ``t("key", name=value)`` is a message, ``t.n("key", count, ...)`` one with a count; the
    other methods name the domain's codes in words and format figures (`dispatch.formats`).
    """

    def __init__(self, lang: Lang = DEFAULT_LANG) -> None:
        self.lang: Lang = lang

    def __call__(self, key: str, /, **params: object) -> str:
        return text(key, self.lang, **params)

    def n(self, key: str, count: int, /, **params: object) -> str:
        """Message ``key`` in the plural form of ``count``."""
        return plural_text(key, count, self.lang, **params)

    def has(self, key: str) -> bool:
        return has(key)

    # -- the domain's codes in words --

    def label(self, field: str) -> str:
        """An input field's name in words (``phone``: "Nomor telepon"); an unknown field's
        name in quotes."""
        key = f"field.{field}"
        return self(key) if has(key) else f'"{field}"'

    def order_status(self, status: object, pickup: bool = False) -> str:
        """An order's status in words; a pickup order's own words where they differ."""
        value = _value(status)
        if pickup and has(f"status.pickup.{value}"):
            return self(f"status.pickup.{value}")
        return self(f"status.{value}")

    def runner_status(self, status: object) -> str:
        return self(f"runner_status.{_value(status)}")

    def run_status(self, status: object) -> str:
        return self(f"run_status.{_value(status)}")

    def drop_reason(self, code: str, detail: str = "") -> str:
        """Why the plan left an order out: ``Melebihi kapasitas kurir``, with its figures
        (see `dispatch.dropped`) when ``detail`` is given."""
        reason = self(f"drop.{code}") if has(f"drop.{code}") else self("drop.unknown")
        return self("drop.with_detail", reason=reason, detail=detail) if detail else reason

    def failure_reason(self, code: str | None) -> str:
        """Why a runner could not deliver (`dispatch.actions.FailureReason`), in words."""
        key = f"failure.{code}"
        return self(key) if code and has(key) else self("failure.unknown")

    def listed(self, values: Iterable[object]) -> str:
        """Values joined for a sentence: ``a, b, c`` (``-`` when there are none)."""
        return ", ".join(str(v) for v in values) or "-"

    # -- figures --

    def rupiah(self, amount: int) -> str:
        return formats.rupiah(amount, self.lang)

    def number(self, value: float, decimals: int = 1) -> str:
        return formats.number(value, self.lang, decimals=decimals)

    def kg(self, grams: int) -> str:
        return formats.kg(grams, self.lang)

    def km(self, metres: int) -> str:
        return formats.km(metres, self.lang)

    def clock(self, moment: datetime | None, tz: tzinfo) -> str:
        return formats.clock(moment, tz, self.lang)

    def clock_of_day(self, seconds: int) -> str:
        return formats.clock_of_day(seconds, self.lang)

    def duration(self, seconds: float) -> str:
        return formats.duration(seconds, self.lang)

    def day(self, value: date) -> str:
        return formats.day(value, self.lang)

    def moment(self, moment: datetime | None, tz: tzinfo) -> str:
        return formats.moment_text(moment, tz, self.lang)

    def short_moment(self, moment: datetime | None, tz: tzinfo) -> str:
        return formats.short_moment(moment, tz, self.lang)

    def share(self, value: float | None) -> str:
        return formats.share(value, self.lang)

    def age(self, seconds: float) -> str:
        """How long ago, in words: ``baru saja``, ``5 menit yang lalu``."""
        if seconds < 60:
            return self("age.now")
        return formats.ago(seconds, self.lang)
