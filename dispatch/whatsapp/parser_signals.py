"""Cleaning a message and finding what it says besides the items: payment, pickup or
delivery, market, prices, addresses, questions.

Each finder returns what it found and blanks the words it used, so that the item reader never
takes ``jam 8`` or ``40rb`` for a quantity, nor an address for a shopping list.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from dispatch.whatsapp.lexicon import (
    MARKET_NAMES,
    MARKET_NAMES_NEEDING_PASAR,
    OTHER_UNITS,
    UNIT_ALIASES,
)

#: Longest message read, in characters; WhatsApp allows 65,536, no order is that long.
MAX_CHARS = 5000

_FRACTIONS = {"½": " 1/2 ", "¼": " 1/4 ", "¾": " 3/4 ", "⅓": " 1/3 ", "⅛": " 1/8 "}
_KEEP_SYMBOLS = set("-+&@/:.,;?!()%'\"=<>[]x*")
_LIST_MARKER = re.compile(r"^\s*(?:[-–—*>+~=]+|\d{1,2}\s*[.)](?!\d))\s*")
_ABBREVIATION_DOT = re.compile(
    r"\b(jl|jln|no|gg|rp|pkl|kel|kec|bpk|dll|dsb|tgl|kab|ds|perum|a\.n|s\.d)\.(?=\s*\S)"
)
_SENTENCE_END = re.compile(r"([.!?]+)(?=\s|$)")


def normalise(text: str) -> str:
    """Lower case, no emoji or symbols, fractions as ``1/2``, letter runs squeezed."""
    text = text[:MAX_CHARS]
    for char, replacement in _FRACTIONS.items():
        text = text.replace(char, replacement)
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2044", "/")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    chars: list[str] = []
    for char in text:
        if char == "\n" or (char.isalnum() and char.isascii()) or char in _KEEP_SYMBOLS:
            chars.append(char)
        elif char.isspace():
            chars.append(" ")
        elif char.isalpha():
            # Accented letters (è, é) as their base letter; other scripts are dropped.
            base = unicodedata.normalize("NFKD", char)[0]
            chars.append(base if base.isascii() else " ")
        else:
            chars.append(" ")  # emoji, bullets, variation selectors
    text = "".join(chars)
    return re.sub(r"([a-z])\1{2,}", r"\1", text)


@dataclass
class Sentence:
    """One sentence of the message (a line, or a part of a line ended by . ! ?)."""

    text: str
    list_line: bool
    question: bool
    line: int


def split_sentences(text: str) -> list[Sentence]:
    """The normalised ``text`` as sentences, with list markers (``-``, ``1.``) removed."""
    sentences: list[Sentence] = []
    for number, raw_line in enumerate(text.split("\n")):
        marker = _LIST_MARKER.match(raw_line)
        line = raw_line[marker.end() :] if marker else raw_line
        line = _ABBREVIATION_DOT.sub(lambda m: m.group(1) + " ", line)
        parts = _SENTENCE_END.split(line)
        for k in range(0, len(parts), 2):
            body = parts[k].strip(" ,;")
            end = parts[k + 1] if k + 1 < len(parts) else ""
            if body:
                sentences.append(
                    Sentence(body, list_line=marker is not None, question="?" in end, line=number)
                )
    return sentences


# -- finders ---------------------------------------------------------------------------------


@dataclass
class Signals:
    """What a message says about payment, fulfilment and market, as evidence found."""

    cod: int = 0
    cashless: int = 0
    pickup: int = 0
    delivery: int = 0
    markets: list[str] = field(default_factory=list)
    unknown_markets: int = 0
    address: bool = False


def blank(text: str, start: int, end: int) -> str:
    """``text`` with ``[start, end)`` replaced by spaces (positions stay where they were)."""
    return text[:start] + " " * (end - start) + text[end:]


def _blank_all(pattern: re.Pattern[str], text: str) -> tuple[str, int]:
    found = 0
    for match in reversed(list(pattern.finditer(text))):
        text = blank(text, match.start(), match.end())
        found += 1
    return text, found


_NAME_LINE = re.compile(r"^\s*(?:nama|atas\s+nama|a\.?\s?n\.?|an\.)\s*[: ]")
_ADDRESS_MARK = re.compile(
    r"\b(?:alamat|almt|alamatnya|jl|jln|jalan|gg|gang|perum|perumahan|komplek|kompleks|"
    r"blok|rt\s*\d|rw\s*\d|kos|kost|kosan|kontrakan|dusun|daerah|kelurahan|kecamatan|"
    r"apartemen|asrama|griya|villa|residence|ruko)\b"
)
_ADDRESS_LEAD = re.compile(r"(?:\b(?:ke|di|dikirim\s+ke|kirim\s+ke)\s+)?(?:\w+\s+)?$")

_COD = re.compile(
    r"\b(?:cod|c\.o\.d|tunai|cash|kontan)\b|\bbayar\s*(?:nya\s*)?(?:nanti\s+)?(?:di\s*tempat|"
    r"ditempat|dtempat|di\s*rumah|teng\s+griy[oa]|pas\s+(?:sampai|sampe|datang|dateng|"
    r"diantar|ambil|diambil)|ke\s+(?:kurir|mas|mbak|abang|bapak|kang)(?:nya)?|di\s+pasar)\b"
)
_CASHLESS = re.compile(
    r"\b(?:transfer|trasfer|tranfer|transfr|trnsfr|ditransfer|ditf|tf|trf|linkaja|"
    r"link\s*aja|qris|ovo|gopay|shopeepay|e-?wallet|m-?banking|lunas|"
    r"(?:sudah|udah|sdh|dah|uda)\s+(?:saya\s+|aku\s+|sy\s+)?(?:bayar|dibayar|lunas))\b"
)
_NO_DELIVERY = re.compile(
    r"\b(?:gak|ga|nggak|ngga|enggak|tidak|tdk|ndak|mboten|ra|gausah|gk)\s*(?:usah|perlu|"
    r"sah)?\s*(?:di)?(?:antar|anter|kirim|terke)\w*"
)
_PICKUP = re.compile(
    r"\b(?:ambil|diambil|dambil|d\s+ambil|ambilnya|jemput|dijemput|pendet|dipendet|jupuk|"
    r"dijupuk|mampir)\b"
)
_DELIVERY = re.compile(
    r"\b(?:antar|anter|diantar|dianter|antarkan|anterin|antarin|diantarkan|dianterin|"
    r"kirim|dikirim|kirimin|kirimnya|kirimkan|dikirimkan|dikirimin|diterke|terke|terkke|"
    r"terno|diterno)\b|\bke\s+(?:rumah|rmh|griyo|griya|kantor|dapur|kos|kost)\b"
)
_MARKET_ALTERNATION = "|".join(
    re.escape(name).replace(r"\ ", r"\s*").replace(r"\-", r"[\s-]*")
    for name in sorted(MARKET_NAMES, key=len, reverse=True)
)
_MARKET = re.compile(
    r"(?P<lead>\b(?:pasar|psr|ps|pasare|peken)\s+|\bke\s+)?\b(?P<name>"
    + _MARKET_ALTERNATION
    + r")\b"
)
_OTHER_MARKET = re.compile(
    r"\b(?:pasar|psr)\s+(?:besar|blimbing|dinoyo|kebalen|klojen|comboran|merjosari|"
    r"kasin|bunul|madyopuro|lesanpuro|kedungkandang|sukun|singosari|lawang|batu|"
    r"tumpang|karangploso|pakis|induk)\b(?!\s+gadang)"
)
_PRICE = re.compile(
    r"(?:\b(?:yg|yang|harga|hrg|budget|total|kisaran|sekitar|seharga)\s+)*"
    r"(?:(?:@|\brp\.?|\bidr)\s*\d[\d.,]*(?:\s*(?:rb|ribu|rbu|rebu|k|jt|juta)\b)?"
    r"|\b\d+(?:[.,]\d+)?\s*(?:rb|ribu|rbu|rebu|ribuan|rban|rbuan|rebuan|k|jt|juta)\b)"
    r"(?:\s*an\b)?(?:\s*/\s*[a-z]+)?(?:\s*(?:an|aja|saja)\b)?"
)
_THOUSANDS = re.compile(r"(?:\b(?:yg|yang|harga|hrg|total)\s+)?\b\d{1,3}(?:\.\d{3})+\b")
_PRICE_LEAD_NUMBER = re.compile(r"\b(?:harga|hrg|budget|total|seharga)\s+\d+\b")
_GREETING = re.compile(
    r"\b(?:selamat|slamat|slmt|met|sugeng)\s+(?:pagi|siang|sore|malam|enjing|sonten|dalu)\b"
    r"|^\s*(?:pagi|siang|sore|malam)\b(?!\s+(?:ini|iki))"
)
_PARENTHESES = re.compile(r"\([^()]*\)?")
_UNIT_WORDS = "|".join(sorted({*UNIT_ALIASES, *OTHER_UNITS}, key=len, reverse=True))
_CUTTING = re.compile(
    r"\b(?:di)?potong(?:-potong|2)?\s+(?:jadi\s+)?\d+\b(?![/.,]\d)(?!\s*(?:" + _UNIT_WORDS + r")\b)"
)
_PEOPLE_PURPOSE = re.compile(
    r"\b(?:buat|untuk|utk|bwt|kanggo)\b[^,;:]*?\b\d+\s*(?:orang|org|jiwa|porsi)\b"
)


def strip_name_line(sentence: str) -> bool:
    """Whether ``sentence`` only gives the customer's name (``Nama: Rina``)."""
    return _NAME_LINE.match(sentence) is not None


def cut_address(sentence: str) -> tuple[str, bool]:
    """``sentence`` without its address part (from ``alamat``/``jl``... to the end)."""
    mark = _ADDRESS_MARK.search(sentence)
    if mark is None:
        return sentence, False
    lead = _ADDRESS_LEAD.search(sentence[: mark.start()])
    start = lead.start() if lead and lead.group(0).strip() else mark.start()
    head = sentence[:start]
    # Keep the verb that asked for delivery: "dianter ke kos ..." keeps "dianter".
    verb = _DELIVERY.search(sentence[start : mark.start()])
    if verb:
        head += " " + verb.group(0)
    return head, True


def find_service_signals(sentence: str, signals: Signals) -> str:
    """Record payment and pickup/delivery words of ``sentence``; return it without them."""
    sentence, found = _blank_all(_COD, sentence)
    signals.cod += found
    sentence, found = _blank_all(_CASHLESS, sentence)
    signals.cashless += found
    sentence, found = _blank_all(_NO_DELIVERY, sentence)
    signals.pickup += found
    sentence, found = _blank_all(_PICKUP, sentence)
    signals.pickup += found
    sentence, found = _blank_all(_DELIVERY, sentence)
    signals.delivery += found
    return sentence


def find_markets(sentence: str, signals: Signals) -> str:
    """Record the markets ``sentence`` names (not delivery places); return it without them."""
    sentence, found = _blank_all(_OTHER_MARKET, sentence)
    signals.unknown_markets += found
    for match in reversed(list(_MARKET.finditer(sentence))):
        lead = (match.group("lead") or "").strip()
        if lead == "ke":
            # "antar ke sawojajar": where to deliver, not which market to buy from.
            sentence = blank(sentence, match.start(), match.end())
            continue
        if match.group("name") in MARKET_NAMES_NEEDING_PASAR and not lead:
            continue
        code = _market_code(match.group("name"))
        if code is not None:
            signals.markets.append(code)
        sentence = blank(sentence, match.start(), match.end())
    return re.sub(r"\b(?:pasar|psr|peken)\b", " ", sentence)


def _market_code(written: str) -> str | None:
    """The market code for a name as written (``oro2 dowo``, ``tawang mangu``)."""
    squeezed = re.sub(r"[\s-]+", "", written.replace("oro2", "orooro"))
    for alias, code in MARKET_NAMES.items():
        if re.sub(r"[\s-]+", "", alias.replace("oro2", "orooro")) == squeezed:
            return code
    return None


def strip_prices_and_notes(sentence: str) -> str:
    """``sentence`` without prices (``40rb``, ``@25rb``, ``Rp 15.000``), ``(notes)``,
    greetings, ``buat 10 orang`` and cutting instructions (``potong 8``)."""
    for pattern in (
        _PRICE,
        _THOUSANDS,
        _PRICE_LEAD_NUMBER,
        _PARENTHESES,
        _GREETING,
        _PEOPLE_PURPOSE,
        _CUTTING,
    ):
        sentence, _ = _blank_all(pattern, sentence)
    return sentence
