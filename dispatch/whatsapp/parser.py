"""Reads Indonesian/Javanese WhatsApp order messages into a structured draft order.

Customers of the Malang markets write the way they talk: lists or one long sentence, Javanese
words, typos, prices beside quantities, a time wish and how they pay, somewhere. The parser
is forgiving and says how sure it is: whatever it cannot account for (words it does not know,
items without a quantity, two markets, a payment named both ways, lines it skipped) lowers
``confidence``, and below `REVIEW_THRESHOLD` a draft goes to the coordinator's review queue
instead of becoming an order by itself.

Conventions, besides those of `parser_items` (quantities, units, names) and `parser_time`
(windows):

- ``fulfilment`` is ``pickup`` when the customer collects (``ambil sendiri``, ``diambil``,
  ``ga usah dianter``), ``delivery`` when the message asks for delivery or gives an address
  (``antar``, ``kirim``, ``alamat``, ``ke rumah``), else ``None`` (not said; the intake
  decides).
- ``payment`` is ``cod`` (``cod``, ``bayar di tempat``, ``tunai``) or ``cashless``
  (``transfer``, ``tf``, ``linkaja``, ``qris``, ``sudah bayar``); both named, or neither:
  ``None``.
- ``market`` is the one market the text names (``pasar gadang``, ``gadang lama``, ``oro2
  dowo``); a place in the address or after ``ke`` (``antar ke sawojajar``) is where to
  deliver, not a market; two markets named, or a market not served, give ``None``.
- A message that is not an order (thanks, a question, a sticker, a complaint, a
  cancellation) reads as ``is_order=False`` with no items and every field empty.
- The day is not read: ``besok`` only lowers the confidence, so such a draft is reviewed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from dispatch.whatsapp.lexicon import (
    CANCEL_WORDS,
    COMPLAINT_WORDS,
    DESCRIPTOR_WORDS,
    INFO_QUESTION_WORDS,
    MARKET_NAMES,
    NON_ORDER_TEXTS,
    PRODUCT_WORDS,
    REQUEST_WORDS,
    STRONG_QUESTION_WORDS,
    THANKS_WORDS,
)
from dispatch.whatsapp.parser_items import Draft, read_items
from dispatch.whatsapp.parser_signals import (
    MAX_CHARS,
    Signals,
    blank,
    cut_address,
    find_markets,
    find_service_signals,
    normalise,
    split_sentences,
    strip_name_line,
    strip_prices_and_notes,
)
from dispatch.whatsapp.parser_time import read_time_wish

UNITS: tuple[str, ...] = (
    "kg",
    "ons",
    "gram",
    "ikat",
    "bungkus",
    "biji",
    "buah",
    "liter",
    "ekor",
    "papan",
    "sisir",
    "potong",
    "renteng",
    "pack",
)

#: Below this confidence a draft goes to the coordinator's review queue (chosen on the
#: corpus with ``python -m bench.parser``: see ``bench/results/parser-*.txt``).
REVIEW_THRESHOLD: float = 0.75


@dataclass(frozen=True)
class ReadItem:
    """One line of the order as the customer meant it (name lower case, unit normalised)."""

    name: str
    quantity: float | None
    unit: str | None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "quantity": self.quantity, "unit": self.unit}


@dataclass(frozen=True)
class Reading:
    """What the parser understood from one message, with how sure it is (0..1)."""

    is_order: bool
    items: tuple[ReadItem, ...]
    fulfilment: str | None
    payment: str | None
    market: str | None
    window_start: time | None
    window_end: time | None
    asap: bool
    confidence: float

    @property
    def needs_review(self) -> bool:
        """Whether a coordinator should look at this reading before it becomes an order."""
        return self.confidence < REVIEW_THRESHOLD

    def as_json(self) -> dict[str, Any]:
        """The stable JSON shape shared by the CLI, the webhook and the benchmark."""
        return {
            "is_order": self.is_order,
            "items": [item.as_json() for item in self.items],
            "fulfilment": self.fulfilment,
            "payment": self.payment,
            "market": self.market,
            "window_start": _hhmm(self.window_start),
            "window_end": _hhmm(self.window_end),
            "asap": self.asap,
            "confidence": round(self.confidence, 3),
        }


def _hhmm(value: time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


# -- what the message accounts for ---------------------------------------------------------


@dataclass
class _Doubts:
    """Everything the parser could not account for; each lowers the confidence."""

    unknown_words: int = 0
    unknown_items: int = 0
    typo_fixes: int = 0
    items_without_quantity: int = 0
    unusable_quantities: int = 0
    extra_quantities: int = 0
    unattached_quantities: int = 0
    conflicts: int = 0
    future_day: bool = False
    cut_short: bool = False
    info_questions: int = 0
    product_mentions: int = 0


@dataclass
class _PlacedDraft:
    draft: Draft
    sentence: int


@dataclass
class _Message:
    signals: Signals = field(default_factory=Signals)
    drafts: list[_PlacedDraft] = field(default_factory=list)
    candidates: list[list[str]] = field(default_factory=list)
    wish_text: list[str] = field(default_factory=list)
    verbs: int = 0
    doubts: _Doubts = field(default_factory=_Doubts)


_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*\d?")
_CALLED_OFF = re.compile(
    r"\b(?:gak|ga|gk|nggak|ngga|enggak|tidak|tdk|mboten|ora|ndak)\s+(?:sido|jadi|jd)\b"
)
_NOT_ARRIVED_OR_WRONG = re.compile(
    r"\b(?:belum|blm|durung|dereng)\s+(?:datang|dateng|sampai|sampe|nyampe|tekan|dugi|"
    r"diantar|dianter|dikirim|diterima)\b|\bsalah\s+(?:kirim|barang|pesanan|antar|alamat)\b"
)


def _is_info_question(text: str, question: bool) -> bool:
    """Whether a sentence asks for information (price, stock, hours) rather than orders:
    ``ada daging sapi?`` asks, ``bisa kirim telur 1kg?`` and ``telur 1kg ya?`` order."""
    words = set(_WORD.findall(text))
    if words & STRONG_QUESTION_WORDS:
        return True
    return question and not words & REQUEST_WORDS and bool(words & INFO_QUESTION_WORDS)


def _read_message(cleaned: str) -> _Message:
    message = _Message()
    for index, sentence in enumerate(split_sentences(cleaned)):
        body = sentence.text
        if strip_name_line(body):
            continue
        info = _is_info_question(body, sentence.question)
        if info:
            message.doubts.info_questions += 1
        else:
            message.wish_text.append(body)
        wish = read_time_wish(body)
        for start, end in wish.spans:
            body = blank(body, start, end)
        local = Signals()
        body = find_service_signals(body, local)
        body, had_address = cut_address(body)
        body = find_markets(body, local)
        body = strip_prices_and_notes(body)
        reading = read_items(body)
        if info:
            message.candidates.extend(d.words for d in reading.drafts if d.words)
            message.doubts.product_mentions += len(reading.drafts)
            continue
        signals = message.signals
        signals.cod += local.cod
        signals.cashless += local.cashless
        signals.pickup += local.pickup
        signals.delivery += local.delivery
        signals.markets.extend(local.markets)
        signals.unknown_markets += local.unknown_markets
        signals.address = signals.address or had_address
        message.verbs += reading.verbs
        message.doubts.unknown_words += len(reading.unknown_words)
        for draft in reading.drafts:
            if draft.words or draft.quantity is not None:
                draft.list_line = sentence.list_line
                message.drafts.append(_PlacedDraft(draft, index))
    return message


def _has_quantity(draft: Draft) -> bool:
    return draft.quantity is not None and draft.quantity.value is not None


def _accepted_items(message: _Message) -> list[_PlacedDraft]:
    """Drafts that are items, with ``masing2`` and lone quantities bound to their names."""
    doubts = message.doubts
    accepted: list[_PlacedDraft] = []
    for placed in message.drafts:
        draft = placed.draft
        if not draft.words:
            if not _has_quantity(draft):
                continue
            same_sentence = [
                p for p in accepted if p.sentence == placed.sentence and not _has_quantity(p.draft)
            ]
            if draft.each and same_sentence:
                for earlier in same_sentence:
                    earlier.draft.quantity = draft.quantity
            elif accepted and not _has_quantity(accepted[-1].draft):
                accepted[-1].draft.quantity = draft.quantity
            elif message.candidates:
                accepted.append(_PlacedDraft(Draft(message.candidates[-1], draft.quantity), -1))
            else:
                doubts.unattached_quantities += 1
            continue
        known = any(word in PRODUCT_WORDS for word in draft.words)
        if not _has_quantity(draft) and not known and not draft.list_line:
            doubts.unknown_words += len(draft.words)
            continue
        if not _has_quantity(draft) and _repeats_an_item(draft, accepted):
            continue  # "sayap 1 kg, sayapnya yang besar ya": a wish about an item, not a new one
        if draft.each and _has_quantity(draft):
            for earlier in accepted:
                if earlier.sentence == placed.sentence and not _has_quantity(earlier.draft):
                    earlier.draft.quantity = draft.quantity
        accepted.append(placed)
    return accepted


def _repeats_an_item(draft: Draft, accepted: list[_PlacedDraft]) -> bool:
    """Whether ``draft`` names an item already read, give or take describing words."""
    core = [word for word in draft.words if word not in DESCRIPTOR_WORDS]
    return bool(core) and any(
        placed.draft.words[: len(core)] == core or placed.draft.words[-len(core) :] == core
        for placed in accepted
    )


def parse_order_text(text: str) -> Reading:
    """Read one WhatsApp message; never raises, whatever the text."""
    cleaned = normalise(text)
    stripped = " ".join(cleaned.split())
    if not stripped or stripped in NON_ORDER_TEXTS or not re.search(r"[a-z0-9]", stripped):
        return _not_an_order(0.95)
    message = _read_message(cleaned)
    message.doubts.cut_short = len(text) > MAX_CHARS  # the rest was not read
    accepted = _accepted_items(message)
    words = set(_WORD.findall(stripped))
    with_quantity = any(_has_quantity(p.draft) for p in accepted)
    complaint = bool(words & COMPLAINT_WORDS) and message.verbs == 0
    complaint = complaint or _NOT_ARRIVED_OR_WRONG.search(stripped) is not None
    cancelled = bool(words & CANCEL_WORDS) or _CALLED_OFF.search(stripped) is not None
    thanks_only = bool(words & THANKS_WORDS) and not accepted
    if (
        complaint
        or (cancelled and not with_quantity)
        or thanks_only
        or not (accepted or message.verbs)
    ):
        doubts = message.doubts
        confidence = 0.95 * 0.85 ** min(doubts.unknown_words, 6)
        if accepted or doubts.product_mentions:
            confidence *= 0.75
        return _not_an_order(confidence)
    return _order_reading(message, accepted)


def _not_an_order(confidence: float) -> Reading:
    return Reading(
        is_order=False,
        items=(),
        fulfilment=None,
        payment=None,
        market=None,
        window_start=None,
        window_end=None,
        asap=False,
        confidence=max(0.0, min(1.0, confidence)),
    )


def _order_reading(message: _Message, accepted: list[_PlacedDraft]) -> Reading:
    signals = message.signals
    doubts = message.doubts
    items: list[ReadItem] = []
    for placed in accepted:
        draft = placed.draft
        quantity = draft.quantity if _has_quantity(draft) else None
        name = " ".join(draft.words)
        unknown = sum(word not in PRODUCT_WORDS for word in draft.words)
        doubts.unknown_words += unknown
        doubts.unknown_items += unknown == len(draft.words)  # not one word of it is known
        doubts.typo_fixes += draft.typo_fixes
        doubts.extra_quantities += draft.extra_quantities
        if quantity is None:
            doubts.items_without_quantity += 1
            # A number was written but cannot be a quantity (0 kg, 1/0, 10^400).
            doubts.unusable_quantities += draft.quantity is not None
        items.append(
            ReadItem(
                name=name,
                quantity=None if quantity is None else quantity.value,
                unit=None if quantity is None else quantity.unit,
            )
        )
    fulfilment: str | None = None
    if signals.pickup:
        fulfilment = "pickup"
    elif signals.delivery or signals.address:
        fulfilment = "delivery"
    payment: str | None = None
    if signals.cod and signals.cashless:
        doubts.conflicts += 1
    elif signals.cod:
        payment = "cod"
    elif signals.cashless:
        payment = "cashless"
    markets = set(signals.markets)
    market = next(iter(markets)) if len(markets) == 1 else None
    if len(markets) > 1 or (signals.unknown_markets and not markets):
        doubts.conflicts += 1
    wish = read_time_wish(" . ".join(message.wish_text))
    doubts.conflicts += wish.problems
    doubts.future_day = wish.future_day
    return Reading(
        is_order=True,
        items=tuple(items),
        fulfilment=fulfilment,
        payment=payment,
        market=market,
        window_start=wish.start,
        window_end=wish.end,
        asap=wish.asap,
        confidence=_order_confidence(doubts, len(items)),
    )


def _order_confidence(doubts: _Doubts, item_count: int) -> float:
    """How sure the reading is, from what could not be accounted for (0..1)."""
    confidence = 0.97
    confidence *= 0.8 ** min(doubts.items_without_quantity, 5)
    confidence *= 0.9 ** min(doubts.unknown_words, 8)
    confidence *= 0.8 ** min(doubts.unknown_items, 4)
    confidence *= 0.95 ** min(doubts.typo_fixes, 5)
    confidence *= 0.85 ** min(doubts.extra_quantities, 3)
    confidence *= 0.7 ** min(doubts.unusable_quantities, 3)
    confidence *= 0.7 ** min(doubts.unattached_quantities, 3)
    confidence *= 0.6 ** min(doubts.conflicts, 3)
    confidence *= 0.85 ** min(doubts.info_questions, 2)
    if doubts.future_day:
        confidence *= 0.8
    if doubts.cut_short:
        confidence *= 0.5
    if item_count == 0:
        confidence = min(confidence, 0.3)
    return max(0.0, min(1.0, confidence))


def market_in_reply(text: str) -> str | None:
    """The one market a reply to "which market?" names (``gadang``, ``pasar bareng aja``),
    or ``None``: asked, a customer may name ``bareng`` without ``pasar``."""
    written = normalise(text)
    codes = {
        code
        for name, code in MARKET_NAMES.items()
        if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", written)
    }
    return next(iter(codes)) if len(codes) == 1 else None
