"""Reading the shopping list out of a cleaned sentence: names, quantities, units.

Conventions (what a coordinator would write down):

- ``telur 1kg`` and ``1 kg telur`` -> quantity 1, unit ``kg``; ``1/2 kg``, ``setengah kilo``,
  ``0,5 kg`` -> 0.5 kg; ``2 ons`` stays 2 ``ons``; ``250 gr`` -> 250 ``gram``.
- A fraction with no unit is a fraction of a kilo (``wortel 1/4``, ``seperempat``,
  ``tomat setengah``): that is how the markets sell by weight.
- A count with no unit keeps no unit (``tahu 10`` -> 10, ``None``); ``butir`` and ``pcs`` are
  ``biji``; a container outside `UNITS` (``botol``, ``karung``, ``dus``) keeps the number
  and drops the unit; ``selusin`` is 12.
- An item with no quantity (``kangkung``) or only a price (``cabe 10rb``) has quantity
  ``None``; ``masing2 setengah kilo`` gives each item named before it 0.5 kg.
- Names keep what the item is (``cabe rawit merah``, ``ayam kampung``) and lose prices,
  quality wishes (``yg seger``), notes after the quantity (``buat sate``, ``dipotong 8``)
  and notes in parentheses. Regional words stay as written (``lombok``, ``brambang``,
  ``bayem``); plain misspellings of known words are corrected (``bawamg`` -> ``bawang``).
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from dispatch.whatsapp.lexicon import (
    ABBREVIATIONS,
    AMBIGUOUS_TWO_OR_AND,
    COMMON_WORDS,
    DESCRIPTOR_WORDS,
    EACH_WORDS,
    FILLERS,
    FRACTION_WORDS,
    HEAD_NOUNS,
    HONORIFICS,
    ITEM_JOINERS,
    KEY_NEIGHBOURS,
    NEGATIONS,
    NOTE_STARTERS,
    NUMBER_WORDS,
    ONE_UNIT_WORDS,
    ORDER_VERBS,
    OTHER_UNITS,
    PEOPLE_COUNTERS,
    PRODUCT_WORDS,
    QUALITY_WORDS,
    UNIT_ALIASES,
)

#: A bare number this large with no unit is a price in rupiah, not a quantity.
PRICE_LIKE_NUMBER = 500
#: Quantities outside (0, 100,000] after rounding to 3 decimals are not read as quantities.
MAX_QUANTITY = 100_000

_TOKEN = re.compile(r"\d+(?:[.,]\d+)?(?:/\d+)?|[a-z]+(?:'[a-z]+)*\d?(?:-[a-z]+\d?)*|[&+x@]")
_SEGMENT_SPLIT = re.compile(r"(?<!\d)[,:]|[,:](?!\d)|;|\s-\s")
_PURPOSE = frozenset({"buat", "untuk", "utk", "bwt", "kanggo", "gawe"})
_PASSIVE_VERB = re.compile(r"^di[a-z]{4,}$")
#: Words after a number word: ``dua belas`` 12, ``dua puluh`` 20, ``dua ratus`` 200,
#: ``tiga perempat`` 0.75.
_NUMBER_TAILS = {
    "belas": lambda value: value + 10,
    "puluh": lambda value: value * 10,
    "ratus": lambda value: value * 100,
    "perempat": lambda value: value / 4,
    "prapat": lambda value: value / 4,
}
_REL = frozenset({"yg", "yang", "sing"})
_KNOWN_ELSEWHERE = (
    FILLERS
    | ORDER_VERBS
    | ITEM_JOINERS
    | NOTE_STARTERS
    | OTHER_UNITS
    | COMMON_WORDS
    | set(UNIT_ALIASES)
)


@dataclass(frozen=True)
class Quantity:
    """How much: ``unit`` is one of `UNITS` or ``None`` (no unit, or one outside the list)."""

    value: float | None
    unit: str | None


@dataclass
class Draft:
    """An item as read from one sentence, before the message-level checks."""

    words: list[str]
    quantity: Quantity | None
    each: bool = False
    list_line: bool = False
    typo_fixes: int = 0
    extra_quantities: int = 0


@dataclass
class SentenceReading:
    """The drafts of one sentence and what was left unexplained in it."""

    drafts: list[Draft] = field(default_factory=list)
    verbs: int = 0
    unknown_words: list[str] = field(default_factory=list)


# -- numbers and units -----------------------------------------------------------------------


def _number(token: str) -> float | None:
    """``1,5`` -> 1.5, ``1/2`` -> 0.5, ``10`` -> 10; ``None`` when it is no finite number."""
    top, slash, bottom = token.partition("/")
    try:
        value = float(top.replace(",", "."))
        if slash:
            value /= float(bottom)
    except (ValueError, ZeroDivisionError):
        return None
    return value if math.isfinite(value) else None


def _is_number(token: str) -> bool:
    return token[:1].isdigit()


def _unit_at(tokens: list[str], k: int) -> tuple[str | None, bool, int]:
    """The unit at ``tokens[k]``: (unit of `UNITS` or None, whether a unit word was there, next)."""
    if k < len(tokens):
        word = tokens[k]
        if word in UNIT_ALIASES:
            return UNIT_ALIASES[word], True, k + 1
        if word in OTHER_UNITS or word in PEOPLE_COUNTERS:
            return None, True, k + 1
    return None, False, k


def _clean_value(value: float | None) -> float | None:
    """Rounded to 3 decimals (1/3 kg is 0.333); ``None`` when not a plausible quantity."""
    if value is None or not math.isfinite(value):
        return None
    rounded = round(value, 3)
    return rounded if 0 < rounded <= MAX_QUANTITY else None


def _and_a_half(
    tokens: list[str], k: int, value: float | None, had_unit: bool
) -> tuple[int, float | None]:
    """``dua kilo setengah``: a half after the unit adds 0.5 to a whole number."""
    if (
        had_unit
        and value is not None
        and value == int(value)
        and k < len(tokens)
        and FRACTION_WORDS.get(tokens[k]) == 0.5
    ):
        return k + 1, value + 0.5
    return k, value


@dataclass
class _Element:
    kind: str  # "qty" "word" "join" "verb" "note" "filler" "each" "people" "neg"
    text: str = ""
    quantity: Quantity | None = None


def _is_unit_word(token: str | None) -> bool:
    return token is not None and (token in UNIT_ALIASES or token in OTHER_UNITS)


def _elements(tokens: list[str], reading: SentenceReading) -> list[_Element]:
    """Tokens grouped: a number with its unit becomes one ``qty`` element."""
    out: list[_Element] = []
    k = 0
    n = len(tokens)
    while k < n:
        token = tokens[k]
        following = tokens[k + 1] if k + 1 < n else None
        value: float | None = None
        unit: str | None = None
        had_unit = False
        nxt = k + 1
        people = False
        if _is_number(token):
            value = _number(token)
            if (
                value is not None
                and following is not None
                and "/" in following
                and "/" not in token
                and value == int(value)
            ):
                value += _number(following) or 0.0  # "1 1/2"
                nxt += 1
            if nxt < n and tokens[nxt] in FRACTION_WORDS and FRACTION_WORDS[tokens[nxt]] == 0.5:
                value = (value or 0) + 0.5  # "1 setengah kilo"
                nxt += 1
            people = nxt < n and tokens[nxt] in PEOPLE_COUNTERS
            unit, had_unit, nxt = _unit_at(tokens, nxt)
            nxt, value = _and_a_half(tokens, nxt, value, had_unit)
            if value is not None and not had_unit and value >= PRICE_LIKE_NUMBER:
                k = nxt  # a price in rupiah: "kol 1 buah 5000"
                continue
            if value is not None and not had_unit and value < 1 and "/" in token:
                unit = "kg"
        elif token in FRACTION_WORDS:
            value = FRACTION_WORDS[token]
            unit, had_unit, nxt = _unit_at(tokens, nxt)
            if not had_unit:
                unit = "kg"
        elif token in ONE_UNIT_WORDS:
            value, unit, had_unit = 1.0, ONE_UNIT_WORDS[token], True
            if nxt < n and tokens[nxt] in FRACTION_WORDS and FRACTION_WORDS[tokens[nxt]] == 0.5:
                value += 0.5
                nxt += 1
        elif token in ("sak", "se") and _is_unit_word(following):
            value = 1.0
            unit, had_unit, nxt = _unit_at(tokens, nxt)
        elif token in NUMBER_WORDS and not (
            token in AMBIGUOUS_TWO_OR_AND
            and following is not None
            and not _is_unit_word(following)
            and following not in FILLERS
        ):
            value = NUMBER_WORDS[token]
            if nxt < n and tokens[nxt] in _NUMBER_TAILS:
                value = _NUMBER_TAILS[tokens[nxt]](value)
                nxt += 1
            if nxt < n and tokens[nxt] == "lusin":
                value *= 12
                nxt += 1
            if nxt < n and tokens[nxt] in FRACTION_WORDS and FRACTION_WORDS[tokens[nxt]] == 0.5:
                value += 0.5
                nxt += 1
            people = nxt < n and tokens[nxt] in PEOPLE_COUNTERS
            unit, had_unit, nxt = _unit_at(tokens, nxt)
            nxt, value = _and_a_half(tokens, nxt, value, had_unit)
            if not had_unit and value < 1:
                unit = "kg"  # "tiga perempat": of a kilo
        elif token == "x" and following is not None and _is_number(following):
            value = _number(following)
            nxt = k + 2
        if value is not None or (
            token in FRACTION_WORDS or _is_number(token) or token in ONE_UNIT_WORDS
        ):
            # "x 2" after a quantity multiplies it: "gula 1kg x 2"; "5x" is just 5.
            if nxt + 1 < n and tokens[nxt] == "x" and _is_number(tokens[nxt + 1]):
                factor = _number(tokens[nxt + 1])
                if value is not None and factor:
                    value *= factor
                nxt += 2
            elif nxt < n and tokens[nxt] == "x":
                nxt += 1
            clean = _clean_value(value)
            if people:
                out.append(_Element("people"))
            elif clean is not None:
                out.append(_Element("qty", token, Quantity(clean, unit)))
            else:
                out.append(_Element("qty", token, Quantity(None, None)))  # 0 kg, 10^400
            k = nxt
            continue
        if token in AMBIGUOUS_TWO_OR_AND or token in ITEM_JOINERS:
            out.append(_Element("join", token))
        elif token in ORDER_VERBS:
            out.append(_Element("verb", token))
        elif token in EACH_WORDS:
            out.append(_Element("each", token))
        elif token in NEGATIONS:
            out.append(_Element("neg", token))
        elif token in NOTE_STARTERS or (
            _PASSIVE_VERB.match(token) and token not in PRODUCT_WORDS | FILLERS | COMMON_WORDS
        ):
            out.append(_Element("note", token))  # "digoreng", "dibersihkan": how, not what
        elif token in FILLERS or token in ("&", "+", "@", "x"):
            out.append(_Element("filler", token))
        elif token in PEOPLE_COUNTERS:
            out.append(_Element("people", token))
        else:
            out.append(_Element("word", token))
        k += 1
    return out


# -- names -----------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _corrected(word: str) -> tuple[str, bool]:
    """The known spelling of ``word`` and whether it was a correction."""
    if word in ABBREVIATIONS:
        return ABBREVIATIONS[word], False
    if word in PRODUCT_WORDS or word in _KNOWN_ELSEWHERE or len(word) < 4:
        return word, False
    if word.endswith("nya") and word[:-3] in PRODUCT_WORDS:
        return word[:-3], False
    for candidate in difflib.get_close_matches(word, _PRODUCT_LIST, n=3, cutoff=0.8):
        if _plausible_typo(word, candidate):
            return candidate, True
    if word.endswith("nya"):
        return _corrected(word[:-3])
    return word, False


_PRODUCT_LIST = sorted(PRODUCT_WORDS)


def _plausible_typo(written: str, known: str) -> bool:
    """Whether ``written`` is ``known`` mistyped: a slip to a neighbouring key, a letter
    missed or doubled, two letters swapped; longer words may carry two such slips."""
    if len(written) == len(known):
        diffs = [(a, b) for a, b in zip(written, known, strict=True) if a != b]
        if len(diffs) == 1:
            typed, meant = diffs[0]
            return typed in KEY_NEIGHBOURS.get(meant, "")
        if len(diffs) == 2 and sorted(written) == sorted(known):
            return True  # swapped letters: "tmoat"
        return len(written) >= 7
    return abs(len(written) - len(known)) == 1 or len(written) >= 7


def _name(words: list[str]) -> tuple[list[str], int]:
    """The item's words spelled as known, with typo fixes counted."""
    out: list[str] = []
    fixes = 0
    for word in words:
        fixed, was_typo = _corrected(word)
        fixes += was_typo
        out.extend(fixed.split())
    return out, fixes


# -- sentence --------------------------------------------------------------------------------


def _tokens(segment: str) -> list[str]:
    segment = re.sub(r"(\d)([a-z])", r"\1 \2", segment)
    segment = re.sub(r"\bx(\d)", r"x \1", segment)
    return _TOKEN.findall(segment)


def read_items(sentence: str) -> SentenceReading:
    """The items of one cleaned sentence (no prices, times or signal words left in it)."""
    reading = SentenceReading()
    header, colon, rest = sentence.partition(":")
    segments = [(segment, False) for segment in _SEGMENT_SPLIT.split(sentence)]
    if colon and rest.strip():
        segments = [(segment, True) for segment in _SEGMENT_SPLIT.split(header)]
        segments += [(segment, False) for segment in _SEGMENT_SPLIT.split(rest)]
    for segment, in_header in segments:
        elements = _elements(_tokens(segment), reading)
        if in_header and not any(e.kind == "qty" for e in elements):
            # "beli sayur buat seminggu: bayam 3 ikat, ...": a heading, not an item
            reading.verbs += sum(e.kind == "verb" for e in elements)
            continue
        part: list[_Element] = []
        for element in [*elements, _Element("join")]:
            if element.kind in ("join", "verb"):
                reading.verbs += element.kind == "verb"
                _read_part(part, reading)
                part = []
            else:
                part.append(element)
    return reading


def _read_part(elements: list[_Element], reading: SentenceReading) -> None:
    """Items of one run between joiners: name-first (``telur 1kg``) or qty-first (``1kg telur``)."""
    core = [e for e in elements if e.kind != "filler" or e.text in HONORIFICS]
    if [e.kind for e in core] == ["filler", "word"]:
        return  # "Bu Sri": someone addressed by name
    while elements and elements[0].kind == "filler":
        elements = elements[1:]
    if not elements:
        return
    if elements[0].kind in ("note", "neg"):
        return  # "dipotong 12", "mboten usah kantong plastik": a note, no item
    each = any(e.kind == "each" for e in elements)
    elements = [e for e in elements if e.kind != "each"]
    drafts: list[Draft] = []
    if elements and elements[0].kind == "qty":
        _quantity_first(elements, drafts, reading)
    else:
        _name_first(elements, drafts, reading)
    for draft in drafts:
        draft.each = each
        words, fixes = _name(draft.words)
        draft.words = words
        draft.typo_fixes = fixes
    reading.drafts.extend(drafts)


def _name_words(elements: list[_Element]) -> list[str]:
    """Words of a name before its quantity: ``yang``/``buat`` and quality wishes dropped."""
    words: list[str] = []
    skip_quality = False
    for element in elements:
        if element.kind == "filler" and words and words[-1] in HEAD_NOUNS:
            words.append(element.text)  # "ikan mas", not "ikan" for "mas"
        elif element.kind == "word":
            if skip_quality and element.text in QUALITY_WORDS:
                continue
            words.append(element.text)
        elif element.kind == "note" and element.text in _REL:
            skip_quality = True
            continue
        skip_quality = False
    return words


def _name_first(elements: list[_Element], drafts: list[Draft], reading: SentenceReading) -> None:
    pending: list[_Element] = []
    last: Draft | None = None
    k = 0
    while k < len(elements):
        element = elements[k]
        if element.kind == "qty":
            words = _name_words(pending)
            if words:
                last = Draft(words, element.quantity)
                drafts.append(last)
            elif last is not None and not pending:
                last.extra_quantities += 1  # "beras 25 kg 1 karung": the first one counts
            else:
                last = Draft([], element.quantity)  # a quantity for an item named elsewhere
                drafts.append(last)
            pending = []
        elif element.kind == "neg" and last is not None and not pending:
            last.quantity = None  # "sekarung mboten": not a sack
        elif element.kind in ("note", "neg") and last is None:
            if element.text in _REL | _PURPOSE:
                pending.append(element)  # "sayur buat sop 1 paket", "cabe yg merah 1 ons"
        elif element.kind in ("note", "neg"):
            # A note after a quantity runs to the end of the part: "buat sate", "yg sedang".
            if not any(e.kind == "qty" for e in elements[k:]):
                pending = []
                break
            # A later quantity means a new item begins after the note's first word.
            pending = []
        elif element.kind == "people":
            pending = []
        else:
            pending.append(element)
        k += 1
    words = _name_words(pending)
    if words:
        known = _name(words)[0]
        if last is None or any(w in PRODUCT_WORDS - DESCRIPTOR_WORDS for w in known):
            drafts.append(Draft(words, None))
        elif not all(w in DESCRIPTOR_WORDS for w in known):  # "garam 1 bungkus kecil" is fine
            reading.unknown_words.extend(words)


def _quantity_first(
    elements: list[_Element], drafts: list[Draft], reading: SentenceReading
) -> None:
    current: Quantity | None = None
    pending: list[_Element] = []
    for element in elements:
        if element.kind == "qty":
            if current is not None:
                drafts.append(Draft(_name_words(pending), current))
            current = element.quantity
            pending = []
        elif element.kind == "neg" and not pending:
            current = Quantity(None, None)
        elif element.kind == "note" and element.text not in _REL | _PURPOSE:
            break  # "1 kg udang, dikupas": the rest is how, not what
        else:
            pending.append(element)
    if current is not None:
        drafts.append(Draft(_name_words(pending), current))
