"""The console's forms: reading a posted form, and turning the order forms into the domain's
inputs with the same checks, errors and field names as the API.

Forms are plain ``application/x-www-form-urlencoded`` posts (the pages work without
JavaScript), read here without a multipart parser. A new order goes through the intake
(`dispatch.validation.validate_order`) as its CSV cells; an edit is parsed with the intake's
parsers into the API's PATCH body (`api.schemas.OrderUpdateIn`) for
`dispatch.actions.update_order`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final, TypeVar
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from fastapi import Request
from pydantic import ValidationError

from api.errors import validation_error
from api.schemas import OrderUpdateIn
from dispatch.csv_io import ORDER_COLUMNS
from dispatch.errors import DomainError, Lang, ValidationErrors, listed, shown
from dispatch.models import Order
from dispatch.phones import normalise_phone
from dispatch.validation import (
    FULFILMENT_VALUES,
    PAYMENT_VALUES,
    parse_clock,
    parse_coordinate,
    parse_rupiah,
    parse_weight_g,
)

T = TypeVar("T")

#: The largest form body read, in bytes (an order form is well under 10 KB).
MAX_FORM_BYTES: Final = 64 * 1024
_MAX_FIELDS: Final = 100

#: The new-order form's fields: the CSV columns (``seller`` included) but the market (the
#: page's), plus the day.
ORDER_FIELDS: Final = tuple(f for f in ORDER_COLUMNS if f not in ("market", "external_id"))

#: The edit form's fields: the API's PATCH fields, weight in kg and windows as HH:MM (WIB).
EDIT_FIELDS: Final = (
    "customer_name",
    "phone",
    "address",
    "lat",
    "lon",
    "location_approximate",
    "weight_kg",
    "fulfilment",
    "payment",
    "amount_rp",
    "delivery_fee_rp",
    "window_start",
    "window_end",
    "priority",
    "notes",
)

#: PATCH fields named differently on the form.
_FORM_NAME: Final = {"weight_g": "weight_kg"}


async def read_form(request: Request) -> dict[str, str]:
    """The posted form's fields (the last value of a repeated name wins).

    An empty body is an empty form. Raises ``console.bad_form`` for another content type,
    a body over `MAX_FORM_BYTES`, text that is not UTF-8, or too many fields.
    """
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise DomainError("console.bad_form")
    if not body:
        return {}  # nothing sent: an empty form, whatever its type
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise DomainError("console.bad_form")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            errors="strict",
            max_num_fields=_MAX_FIELDS,
        )
    except ValueError as exc:  # UnicodeDecodeError too
        raise DomainError("console.bad_form") from exc
    # A NUL cannot be stored (PostgreSQL refuses it) and is never typed: drop it.
    return {name: value.replace("\x00", "") for name, value in pairs}


@dataclass
class FormErrors:
    """Refusals of one form, by field (``None``: no field of the form is at fault)."""

    by_field: dict[str | None, list[str]] = field(default_factory=dict)

    def add(self, error: DomainError, lang: Lang, fields: tuple[str, ...]) -> None:
        """Record ``error`` (each error of a `ValidationErrors`) next to its field."""
        errors = error.errors if isinstance(error, ValidationErrors) else [error]
        for one in errors:
            name = _FORM_NAME.get(one.field or "", one.field)
            key = name if name in fields else None
            self.by_field.setdefault(key, []).append(one.message(lang))

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def get(self, name: str) -> list[str]:
        return self.by_field.get(name, [])

    @property
    def general(self) -> list[str]:
        """Messages that belong to no field on the form."""
        return self.by_field.get(None, [])


def order_cells(form: Mapping[str, str], market_code: str) -> dict[str, str | None]:
    """The new-order form as the intake's CSV cells, for ``market_code``."""
    cells: dict[str, str | None] = {name: form.get(name, "") for name in ORDER_FIELDS}
    cells["market"] = market_code
    cells["external_id"] = form.get("external_id", "")
    return cells


def parse_day(text: str | None, default: date, *, field: str = "tanggal") -> date:
    """A market day written ``YYYY-MM-DD``; ``default`` when empty."""
    raw = (text or "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise DomainError(
            "request.invalid",
            field=field,
            params={"reason_key": "reason.date_format", "value": raw},
        ) from exc


def edit_form_values(order: Order, tz: ZoneInfo) -> dict[str, str]:
    """An order's current values as the edit form shows them."""

    def clock(moment: datetime | None) -> str:
        return "" if moment is None else moment.astimezone(tz).strftime("%H:%M")

    def number(value: float | None) -> str:
        return "" if value is None else f"{value:g}"

    return {
        "customer_name": order.customer_name,
        "phone": order.phone,
        "address": order.address,
        "lat": number(order.lat),
        "lon": number(order.lon),
        "location_approximate": "1" if order.location_approximate else "",
        "weight_kg": f"{order.weight_g / 1000:g}".replace(".", ","),
        "fulfilment": order.fulfilment.value,
        "payment": order.payment.value,
        "amount_rp": str(order.amount_rp),
        "delivery_fee_rp": str(order.delivery_fee_rp),
        "window_start": clock(order.window_start),
        "window_end": clock(order.window_end),
        "priority": str(order.priority),
        "notes": order.notes,
    }


def order_changes(
    form: Mapping[str, str], order: Order, tz: ZoneInfo, lang: Lang, errors: FormErrors
) -> OrderUpdateIn | None:
    """The edit form as the API's PATCH body, holding only what differs from ``order``.

    Each field is read with the intake's parser (kg, rupiah, ``HH:MM`` on the order's day in
    ``tz``) and the body is checked as the API checks it; refusals go into ``errors`` next
    to their field and the result is then ``None``.
    """

    def parsed(name: str, parse: Callable[[], T], default: T) -> T:
        try:
            return parse()
        except DomainError as error:
            errors.add(error, lang, EDIT_FIELDS)
            return default

    def text(name: str) -> str:
        return form.get(name, "").strip()

    def required(name: str) -> str:
        value = text(name)
        if not value:
            errors.add(DomainError("order.required", field=name), lang, EDIT_FIELDS)
        return value

    def clock(name: str) -> datetime | None:
        moment = parsed(name, lambda: parse_clock(text(name), field=name), None)
        return None if moment is None else datetime.combine(order.service_date, moment, tz)

    def choice(name: str, allowed: Mapping[str, str]) -> str:
        value = text(name).casefold()
        if value not in allowed:
            errors.add(
                DomainError(
                    "order.invalid_value",
                    field=name,
                    params={
                        "value": text(name),
                        "allowed": listed([shown(v) for v in sorted(set(allowed.values()))]),
                    },
                ),
                lang,
                EDIT_FIELDS,
            )
            return str(getattr(order, name).value)
        return allowed[value]

    phone_text = required("phone")
    weight_text = required("weight_kg")
    amount_text = required("amount_rp")
    fee_text = text("delivery_fee_rp")
    priority_text = text("priority") or "0"
    values: dict[str, Any] = {
        "customer_name": text("customer_name"),
        "phone": parsed("phone", lambda: normalise_phone(phone_text), order.phone)
        if phone_text
        else order.phone,
        "address": text("address"),
        "lat": parsed("lat", lambda: parse_coordinate(text("lat"), field="lat"), order.lat),
        "lon": parsed("lon", lambda: parse_coordinate(text("lon"), field="lon"), order.lon),
        "location_approximate": bool(text("location_approximate")),
        "weight_g": parsed("weight_kg", lambda: parse_weight_g(weight_text), order.weight_g)
        if weight_text
        else order.weight_g,
        "fulfilment": choice("fulfilment", FULFILMENT_VALUES),
        "payment": choice("payment", PAYMENT_VALUES),
        "amount_rp": parsed("amount_rp", lambda: parse_rupiah(amount_text), order.amount_rp)
        if amount_text
        else order.amount_rp,
        "delivery_fee_rp": parsed(
            "delivery_fee_rp",
            lambda: parse_rupiah(fee_text, field="delivery_fee_rp"),
            order.delivery_fee_rp,
        )
        if fee_text
        else 0,
        "window_start": clock("window_start"),
        "window_end": clock("window_end"),
        "priority": parsed("priority", lambda: _integer(priority_text, "priority", lang), 0),
        "notes": text("notes"),
    }
    if errors:
        return None
    changes = {name: value for name, value in values.items() if value != getattr(order, name)}
    try:
        return OrderUpdateIn.model_validate(changes)
    except ValidationError as exc:
        for raw in exc.errors():
            errors.add(validation_error(raw, lang), lang, EDIT_FIELDS)
        return None


def _integer(text: str, field: str, lang: Lang) -> int:
    try:
        return int(text)
    except ValueError as exc:
        raise DomainError(
            "request.invalid",
            field=field,
            params={"reason_key": "reason.whole_number", "value": text},
        ) from exc


def parse_collected(text: str | None, default: int) -> int:
    """Cash received at the market for a pickup order, in whole rupiah."""
    raw = (text or "").strip()
    return default if not raw else parse_rupiah(raw, field="collected_rp")


def parse_time_limit(text: str | None) -> float:
    """The solver's time per market for a console dispatch, 0.1 to 60 seconds."""
    raw = (text or "").strip().replace(",", ".") or "2"
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0.1 <= seconds <= 60:
        raise DomainError(
            "request.invalid",
            field="time_limit_s",
            params={"reason_key": "reason.time_limit", "low": "0,1", "high": "60", "value": raw},
        )
    return seconds
