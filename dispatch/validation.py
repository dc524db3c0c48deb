"""Intake validation, without the database: a raw order (CSV row, API body) to an `OrderDraft`.

`validate_order` applies the intake rules to one order's fields, keyed as in the CSV header
(`dispatch.csv_io.ORDER_COLUMNS`), and returns a draft ready to store, or raises the refusal: one
`DomainError`, or `ValidationErrors` carrying every field error of the order. The parsers it
uses (`parse_weight_g`, `parse_rupiah`, `parse_clock`, `parse_coordinate`, `parse_items`) are
public for the other intake paths. Units: grams, whole rupiah, WGS84 degrees; windows are
timezone-aware datetimes in the markets' zone (WIB).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final, Literal, TypeVar
from zoneinfo import ZoneInfo

from dispatch.csv_io import ORDER_COLUMNS
from dispatch.errors import DomainError, ValidationErrors, listed, shown
from dispatch.geo import Geocoder, inside_city, kelurahan_in, outside_coordinate
from dispatch.phones import normalise_phone

Fulfilment = Literal["delivery", "pickup"]
"""How the customer gets the goods: a runner delivers them, or the customer collects them."""
Payment = Literal["cod", "cashless"]
"""Cash on delivery, or paid beforehand (LinkAja, QRIS)."""

T = TypeVar("T")
C = TypeVar("C", bound=str)

WIB: Final = ZoneInfo("Asia/Jakarta")
"""Western Indonesia Time (UTC+7), the markets' time zone."""

#: Accepted ``fulfilment`` values (case-insensitive); empty means ``delivery``.
FULFILMENT_VALUES: Final[Mapping[str, Fulfilment]] = {
    "delivery": "delivery",
    "pickup": "pickup",
    "diambil sendiri": "pickup",
    "ambil sendiri": "pickup",
}
#: Accepted ``payment`` values (case-insensitive); empty means ``cod``.
PAYMENT_VALUES: Final[Mapping[str, Payment]] = {"cod": "cod", "cashless": "cashless"}

#: Item units as written (lower case) -> the unit stored; mass units become kg, g or ons.
UNITS: Final[Mapping[str, str]] = {
    **dict.fromkeys(("kg", "kilo", "kilogram", "kilogramm"), "kg"),
    **dict.fromkeys(("g", "gr", "gram", "grm"), "g"),
    **dict.fromkeys(("ons", "on"), "ons"),
    **dict.fromkeys(("biji", "bj"), "biji"),
    **dict.fromkeys(("buah", "bh"), "buah"),
    **dict.fromkeys(("ikat", "iket"), "ikat"),
    **dict.fromkeys(("bungkus", "bks", "bgks"), "bungkus"),
    **dict.fromkeys(("pcs", "pc"), "pcs"),
    **dict.fromkeys(("liter", "ltr", "l"), "liter"),
    **dict.fromkeys(("pack", "pak", "pax"), "pack"),
    **{
        unit: unit
        for unit in (
            "butir",
            "ekor",
            "sisir",
            "papan",
            "karung",
            "sak",
            "ml",
            "potong",
            "lembar",
            "renteng",
            "kotak",
            "botol",
            "kaleng",
            "tray",
            "siung",
            "batang",
            "tangkai",
            "plastik",
            "kantong",
            "porsi",
            "tusuk",
            "bonggol",
            "buntel",
            "sachet",
        )
    },
}
#: Grams in one of each mass unit.
GRAMS_PER_UNIT: Final[Mapping[str, int]] = {"kg": 1000, "g": 1, "ons": 100}


@dataclass(frozen=True)
class ItemDraft:
    """One line of the shopping list, as well as it could be read."""

    name: str
    """What to buy, e.g. ``bawang merah``."""
    quantity: Decimal
    """How many units (``1`` when the text gives no quantity)."""
    unit: str
    """The unit (``kg``, ``g``, ``ons``, ``biji``, ``ikat``...), ``""`` when none is given."""
    weight_g: int
    """The item's weight in grams when its unit is a mass, else 0 (unknown)."""


@dataclass(frozen=True)
class SellerRef:
    """What intake knows of a seller an order names."""

    code: str
    """The seller's code (slug), e.g. ``keripik-tempe-sanan``."""
    name: str
    """The seller's name, as messages quote it."""
    market: str
    """The code of the market whose runners serve the seller."""
    verification: str
    """``pending``, ``verified`` or ``suspended``; only ``verified`` takes orders."""
    id: uuid.UUID | None = None
    """The seller's id where it is stored."""


@dataclass(frozen=True)
class OrderDraft:
    """A validated order, not yet stored: every value checked and in its internal unit."""

    market_code: str
    """Code of the market that serves the order (as in ``known_markets``), e.g. ``sawojajar``."""
    idempotency_key: str
    """The source's id for the order (CSV ``external_id``, WhatsApp message id, API key)."""
    customer_name: str
    """The customer's name, ``""`` when not given."""
    phone: str
    """The customer's phone in E.164, e.g. ``+6281234567890``."""
    address: str
    """Address text as given (``""`` when none)."""
    lat: float | None
    """Latitude of the delivery point, degrees; ``None`` for pickup orders."""
    lon: float | None
    """Longitude of the delivery point, degrees; ``None`` for pickup orders."""
    location_approximate: bool
    """Whether the point is estimated from the address (kelurahan centroid or geocoder)."""
    items: tuple[ItemDraft, ...]
    """The shopping list, read best-effort from the ``items`` text."""
    weight_g: int
    """Total weight of the goods in grams (> 0), from ``weight_kg``."""
    fulfilment: Fulfilment
    """``delivery`` (a runner brings it) or ``pickup`` (diambil sendiri; never routed)."""
    payment: Payment
    """``cod`` (cash on delivery) or ``cashless`` (paid beforehand)."""
    amount_rp: int
    """Price of the goods in whole rupiah (>= 0)."""
    delivery_fee_rp: int
    """Delivery fee in whole rupiah (>= 0)."""
    window_start: datetime | None
    """Earliest wanted delivery, timezone-aware; ``None`` is open (both ``None``: asap)."""
    window_end: datetime | None
    """Latest wanted delivery, timezone-aware; ``None`` is open (both ``None``: asap)."""
    notes: str
    """Free notes for the runner (``""`` when none)."""
    seller_code: str | None = None
    """The seller whose goods these are (collected there, not bought at the market), by
    code; ``None`` for an order of the market's."""

    @property
    def as_soon_as_possible(self) -> bool:
        """Whether the customer gave no window at all."""
        return self.window_start is None and self.window_end is None


_WEIGHT: Final = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:kg)?", re.IGNORECASE)
_RUPIAH: Final = re.compile(
    r"(?:rp\.?\s*)?(\d{1,3}(?:\.\d{3})+|\d+)(?:,-|,0+)?",
    re.IGNORECASE,
)
_CLOCK: Final = re.compile(r"(\d{1,2})[:.](\d{2})(?:\s*wib)?", re.IGNORECASE)
_COORDINATE: Final = re.compile(r"[+-]?\d{1,3}(?:[.,]\d+)?")
_QUANTITY: Final = r"\d+/\d+|\d+(?:[.,]\d+)?"
_QUANTITY_LAST: Final = re.compile(rf"(?P<name>.+?)\s+(?P<qty>{_QUANTITY})\s*(?P<unit>[^\W\d_]+)?")
_QUANTITY_FIRST: Final = re.compile(rf"(?P<qty>{_QUANTITY})\s*(?P<rest>\D.*)")
_ITEM_SEPARATOR: Final = re.compile(r"[;\n]|,(?!\d)|(?<!\d),")
_LIST_MARKER: Final = re.compile(r"^(?:[-•*·]+\s*|\d+[.)]\s+)")
_MAX_NUMBER_TEXT = 30
#: Heaviest order taken in (a full pickup truck is about 1 t), in grams.
MAX_WEIGHT_G: Final = 10_000_000
#: Largest amount taken in, in whole rupiah (keeps values inside 32-bit integer columns).
MAX_AMOUNT_RP: Final = 1_000_000_000
"""Longest number text read (characters); anything longer is refused as invalid."""


def parse_weight_g(text: str | None, *, field: str = "weight_kg") -> int:
    """Grams (rounded half up, > 0) from a weight in kilograms: ``1,5`` or ``1.5`` -> 1500.

    A trailing ``kg`` is allowed. Raises `DomainError` ``order.invalid_weight``.
    """
    raw = (text or "").strip()
    match = _WEIGHT.fullmatch(raw) if len(raw) <= _MAX_NUMBER_TEXT else None
    if match is None:
        raise DomainError("order.invalid_weight", field=field, params={"value": raw})
    kilograms = Decimal(match.group(1).replace(",", "."))
    grams = int((kilograms * 1000).to_integral_value(rounding=ROUND_HALF_UP))
    if not 0 < grams <= MAX_WEIGHT_G:
        raise DomainError("order.invalid_weight", field=field, params={"value": raw})
    return grams


def parse_rupiah(text: str | None, *, field: str = "amount_rp") -> int:
    """Whole rupiah (>= 0) from ``125000``, ``125.000``, ``Rp 125.000`` or ``Rp125.000,-``.

    Dots are thousands separators; a decimal part is refused unless it is zero (``,00``).
    Raises `DomainError` ``order.invalid_amount``.
    """
    raw = (text or "").strip()
    match = _RUPIAH.fullmatch(raw) if len(raw) <= _MAX_NUMBER_TEXT else None
    if match is None:
        raise DomainError("order.invalid_amount", field=field, params={"value": raw})
    amount = int(match.group(1).replace(".", ""))
    if amount > MAX_AMOUNT_RP:
        raise DomainError("order.invalid_amount", field=field, params={"value": raw})
    return amount


def parse_clock(text: str | None, *, field: str) -> time | None:
    """The time of day ``HH:MM`` (also ``H:MM``, ``HH.MM``, ``07:30 WIB``); ``None`` if empty.

    Hours 00-23 and minutes 00-59 (``24:00`` is refused). Raises `DomainError`
    ``order.invalid_time``.
    """
    raw = (text or "").strip()
    if not raw:
        return None
    match = _CLOCK.fullmatch(raw)
    hour, minute = (int(match.group(1)), int(match.group(2))) if match else (99, 99)
    if hour > 23 or minute > 59:
        raise DomainError("order.invalid_time", field=field, params={"value": raw})
    return time(hour, minute)


def parse_coordinate(text: str | None, *, field: str) -> float | None:
    """Degrees from a decimal number (``-7.9826``, also ``-7,9826``); ``None`` if empty.

    Latitude (``field == "lat"``) must lie in [-90, 90], longitude in [-180, 180]. Raises
    `DomainError` ``order.invalid_coordinates``.
    """
    raw = (text or "").strip()
    if not raw:
        return None
    limit = 90.0 if field == "lat" else 180.0
    if len(raw) <= _MAX_NUMBER_TEXT and _COORDINATE.fullmatch(raw):
        degrees = float(raw.replace(",", "."))
        if -limit <= degrees <= limit:
            return degrees
    raise DomainError("order.invalid_coordinates", field=field, params={"value": raw})


def _quantity(text: str) -> Decimal:
    if "/" in text:
        numerator, denominator = text.split("/")
        if int(denominator) == 0:
            raise InvalidOperation
        return Decimal(numerator) / Decimal(denominator)
    return Decimal(text.replace(",", "."))


def _item(entry: str) -> ItemDraft | None:
    """One list entry read as name, quantity and unit; ``None`` for an empty entry."""
    text = " ".join(_LIST_MARKER.sub("", entry.strip()).split())
    if not text:
        return None
    name, quantity, unit = text, "1", ""
    last = _QUANTITY_LAST.fullmatch(text)
    first = _QUANTITY_FIRST.fullmatch(text)
    if last and (last.group("unit") is None or last.group("unit").casefold() in UNITS):
        name, quantity, unit = last.group("name"), last.group("qty"), last.group("unit") or ""
    elif first:
        rest = first.group("rest").split(maxsplit=1)
        quantity = first.group("qty")
        if len(rest) == 2 and rest[0].casefold() in UNITS:
            unit, name = rest
        else:
            name = first.group("rest").strip()
    try:
        amount = _quantity(quantity)
    except (InvalidOperation, ValueError, ZeroDivisionError):
        name, amount, unit = text, Decimal(1), ""
    unit = UNITS.get(unit.casefold(), unit.casefold())
    grams = GRAMS_PER_UNIT.get(unit, 0) * amount
    weight_g = int(grams.to_integral_value(rounding=ROUND_HALF_UP))
    return ItemDraft(name=name.strip(" -:"), quantity=amount, unit=unit, weight_g=weight_g)


def parse_items(text: str | None) -> tuple[ItemDraft, ...]:
    """The shopping list read best-effort: ``"bawang merah 1kg; cabai 0,5 kg; tahu 10 biji"``.

    Entries are separated by ``;``, new lines or commas (not decimal commas). Each is read as
    ``name quantity unit`` or ``quantity unit name``; an entry that fits neither is kept whole
    as the name, quantity 1, no unit. An item's ``weight_g`` is known only for mass units
    (kg, g, ons), else 0. Never refuses: the order's weight comes from ``weight_kg``.
    """
    items = (_item(entry) for entry in _ITEM_SEPARATOR.split(text or ""))
    return tuple(item for item in items if item is not None)


def _text(raw: Mapping[str, str | None], field: str) -> str:
    return (raw.get(field) or "").strip()


#: The longest text each field may hold, in characters (the columns' limits).
MAX_LENGTHS: Final[Mapping[str, int]] = {
    "external_id": 100,
    "customer_name": 120,
    "address": 500,
    "notes": 1000,
}
#: The longest cell read at all, per field, in characters: longer ones are refused before
#: anything parses them (numbers, times and choices are short; the item list is read
#: entry by entry, names up to `MAX_ITEM_NAME`).
MAX_CELL_LENGTHS: Final[Mapping[str, int]] = {**MAX_LENGTHS, "items": 2000}
_MAX_SHORT_CELL: Final = 40
#: Fields whose text may run over several lines (tabs and newlines allowed).
MULTILINE_FIELDS: Final = frozenset({"address", "items", "notes"})
#: Control characters no field may hold (NUL and the other C0 characters but tab, newline
#: and carriage return; DEL), and lone surrogates (no database stores them).
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LINE_CONTROL: Final = re.compile(r"[\t\n\r]")


def cell_error(field: str, value: str | None) -> DomainError | None:
    """Why the raw cell ``value`` of ``field`` cannot be read at all (too long, or holding a
    control character), checked before any parsing; ``None`` when it can be."""
    if not value:
        return None
    limit = MAX_CELL_LENGTHS.get(field, _MAX_SHORT_CELL)
    if len(value) > limit:
        return _too_long(field, limit, len(value))
    if _CONTROL.search(value) or (field not in MULTILINE_FIELDS and _LINE_CONTROL.search(value)):
        return DomainError("order.control_character", field=field)
    return None


MAX_ITEM_NAME: Final = 120
#: The CSV header's columns, in order: errors of one row are reported in this order.
_FIELD_ORDER: Final = {field: k for k, field in enumerate(ORDER_COLUMNS)}
MAX_ITEM_UNIT: Final = 20


def _too_long(field: str, limit: int, length: int) -> DomainError:
    return DomainError("order.too_long", field=field, params={"limit": limit, "length": length})


def _length_errors(texts: Mapping[str, str], items: tuple[ItemDraft, ...]) -> list[DomainError]:
    """Texts longer than their columns hold, the longest item name or unit among them."""
    errors = [
        _too_long(field, MAX_LENGTHS[field], len(text))
        for field, text in texts.items()
        if len(text) > MAX_LENGTHS[field]
    ]
    longest = max((max(len(i.name), len(i.unit)) for i in items), default=0)
    if any(len(i.name) > MAX_ITEM_NAME or len(i.unit) > MAX_ITEM_UNIT for i in items):
        errors.append(_too_long("items", MAX_ITEM_NAME, longest))
    return errors


def validate_order(
    raw: Mapping[str, str | None],
    *,
    day: date,
    tz: ZoneInfo = WIB,
    known_markets: Collection[str],
    geocoder: Geocoder | None = None,
    sellers: Mapping[str, SellerRef] | None = None,
) -> OrderDraft:
    """The order in ``raw`` (fields named as in the CSV header) checked and converted.

    ``day`` is the delivery date that ``HH:MM`` windows fall on, in ``tz``; ``known_markets``
    are the market codes that exist (matched case-insensitively); ``geocoder``, when given,
    places a delivery without coordinates before the kelurahan lookup does. ``sellers`` are
    the sellers an order may name in ``seller`` (by code; at least the one it names): an
    unknown seller, one not verified (pending or suspended) or one of another market than
    the order's is refused.

    Raises `DomainError` for a single problem, `ValidationErrors` (with every field's error,
    in header order) for several.
    """
    errors: list[DomainError] = []
    # Lengths and control characters first: a cell that fails them is read as empty.
    unreadable = {}
    for field in ORDER_COLUMNS:
        error = cell_error(field, raw.get(field))
        if error is not None:
            unreadable[field] = error
    if unreadable:
        errors.extend(unreadable.values())
        raw = {k: v for k, v in raw.items() if k not in unreadable}

    def attempt(parse: Callable[[], T], default: T) -> tuple[T, bool]:
        try:
            return parse(), True
        except DomainError as error:
            errors.append(error)
            return default, False

    def required(field: str) -> str:
        value = _text(raw, field)
        if not value and field not in unreadable:
            errors.append(DomainError("order.required", field=field))
        return value

    market_code = _market(required("market"), known_markets, errors)
    seller_code = _seller(_text(raw, "seller"), market_code, sellers or {}, errors)
    idempotency_key = required("external_id")
    customer_name = required("customer_name")
    phone_text = required("phone")
    phone = attempt(lambda: normalise_phone(phone_text), "")[0] if phone_text else ""
    address = _text(raw, "address")
    lat_text, lon_text = _text(raw, "lat"), _text(raw, "lon")
    items = parse_items(raw.get("items"))
    weight_text = required("weight_kg")
    weight_g = attempt(lambda: parse_weight_g(weight_text), 0)[0] if weight_text else 0
    fulfilment = _choice(raw, "fulfilment", FULFILMENT_VALUES, "delivery", errors)
    payment = _choice(raw, "payment", PAYMENT_VALUES, "cod", errors)
    amount_text = required("amount_rp")
    amount_rp = attempt(lambda: parse_rupiah(amount_text), 0)[0] if amount_text else 0
    fee_text = _text(raw, "delivery_fee_rp")
    fee_rp = (
        attempt(lambda: parse_rupiah(fee_text, field="delivery_fee_rp"), 0)[0] if fee_text else 0
    )
    start, start_ok = attempt(
        lambda: parse_clock(raw.get("window_start"), field="window_start"), None
    )
    end, end_ok = attempt(lambda: parse_clock(raw.get("window_end"), field="window_end"), None)
    if start_ok and end_ok and start is not None and end is not None and end <= start:
        errors.append(
            DomainError(
                "order.invalid_window",
                field="window_end",
                params={"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"},
            )
        )
    lat: float | None = None
    lon: float | None = None
    approximate = False
    if fulfilment != "pickup":
        if not address and "address" not in unreadable:
            # The runner reads the house number at the gate: coordinates are not enough.
            errors.append(DomainError("order.address_required", field="address"))
        located = _locate(lat_text, lon_text, address, geocoder, errors)
        if located is not None:
            lat, lon, approximate = located
    notes = _text(raw, "notes")
    texts = {
        "external_id": idempotency_key,
        "customer_name": customer_name,
        "address": address,
        "notes": notes,
    }
    errors.extend(_length_errors(texts, items))
    errors.sort(key=lambda error: _FIELD_ORDER.get(error.field or "", len(_FIELD_ORDER)))

    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise ValidationErrors(errors)
    return OrderDraft(
        market_code=market_code,
        idempotency_key=idempotency_key,
        customer_name=customer_name,
        phone=phone,
        address=address,
        lat=lat,
        lon=lon,
        location_approximate=approximate,
        items=items,
        weight_g=weight_g,
        fulfilment=fulfilment,
        payment=payment,
        amount_rp=amount_rp,
        delivery_fee_rp=fee_rp,
        window_start=None if start is None else datetime.combine(day, start, tzinfo=tz),
        window_end=None if end is None else datetime.combine(day, end, tzinfo=tz),
        notes=notes,
        seller_code=seller_code,
    )


def _seller(
    code: str, market_code: str, sellers: Mapping[str, SellerRef], errors: list[DomainError]
) -> str | None:
    """The verified seller of the order's market that ``code`` names (any case), ``None``
    when the order names none; else records why not."""
    if not code:
        return None
    seller = sellers.get(code.casefold())
    if seller is None:
        errors.append(DomainError("order.unknown_seller", field="seller", params={"value": code}))
        return None
    if seller.verification == "suspended":
        errors.append(
            DomainError("order.seller_suspended", field="seller", params={"value": seller.code})
        )
        return None
    if seller.verification != "verified":
        errors.append(
            DomainError("order.seller_unverified", field="seller", params={"value": seller.code})
        )
        return None
    if market_code and seller.market != market_code:
        errors.append(
            DomainError(
                "order.seller_other_market",
                field="seller",
                params={
                    "value": seller.code,
                    "market": seller.market,
                    "order_market": market_code,
                },
            )
        )
        return None
    return seller.code


def _market(code: str, known_markets: Collection[str], errors: list[DomainError]) -> str:
    """The known market code that ``code`` names (case-insensitive), else records an error."""
    if not code:
        return ""
    by_key = {market.casefold(): market for market in known_markets}
    found = by_key.get(code.casefold())
    if found is None:
        errors.append(
            DomainError(
                "order.unknown_market",
                field="market",
                params={"value": code, "known": listed(sorted(known_markets))},
            )
        )
        return ""
    return found


def _choice(
    raw: Mapping[str, str | None],
    field: str,
    values: Mapping[str, C],
    default: C,
    errors: list[DomainError],
) -> C:
    """One of ``values`` (keys matched case-insensitively); ``default`` when empty or wrong."""
    text = _text(raw, field)
    if not text:
        return default
    found = values.get(" ".join(text.casefold().split()))
    if found is None:
        allowed = listed([shown(v) for v in sorted(set(values.values()))])
        errors.append(
            DomainError(
                "order.invalid_value", field=field, params={"value": text, "allowed": allowed}
            )
        )
        return default
    return found


def _locate(
    lat_text: str,
    lon_text: str,
    address: str,
    geocoder: Geocoder | None,
    errors: list[DomainError],
) -> tuple[float, float, bool] | None:
    """The delivery point ``(lat, lon, approximate)``, or ``None`` after recording why not.

    Given coordinates must lie in Kota Malang. Without them the geocoder (if any) is asked
    first, and a point it returns outside the city is ignored; then a kelurahan named in the
    address gives its centroid. Both estimates are marked approximate.
    """
    if lat_text or lon_text:
        count = len(errors)
        lat = lon = None
        try:
            lat = parse_coordinate(lat_text, field="lat")
        except DomainError as error:
            errors.append(error)
        try:
            lon = parse_coordinate(lon_text, field="lon")
        except DomainError as error:
            errors.append(error)
        if len(errors) > count:
            return None
        if lat is None or lon is None:
            missing = "lat" if lat is None else "lon"
            errors.append(DomainError("order.incomplete_coordinates", field=missing))
            return None
        if not inside_city(lat, lon):
            errors.append(
                DomainError(
                    "order.outside_service_area",
                    field=outside_coordinate(lat, lon),
                    params={"lat": lat, "lon": lon},
                )
            )
            return None
        return lat, lon, False
    if geocoder is not None and address:
        point = geocoder.locate(address)
        if point is not None and inside_city(*point):
            return point[0], point[1], True
    kelurahan = kelurahan_in(address)
    if kelurahan is not None:
        return kelurahan.lat, kelurahan.lon, True
    errors.append(DomainError("order.cannot_locate", field="address"))
    return None
