"""Indonesian phone numbers, written any usual way, normalised to E.164 (``+62...``)."""

from __future__ import annotations

import re
from typing import Final

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from dispatch.errors import DomainError

_ALLOWED: Final = re.compile(r"\+?[0-9\s().\-/]+")
"""Digits with the separators people type: spaces, dots, dashes, slashes, brackets."""

_CALLABLE_TYPES: Final = frozenset(
    {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
)
"""Number types a runner can call or message (no toll-free, premium or pager numbers)."""

_MAX_LENGTH = 40
"""Longest input looked at, in characters."""


def normalise_phone(text: str | None, *, field: str = "phone") -> str:
    """The Indonesian phone number in ``text`` in E.164 form, e.g. ``"+6281234567890"``.

    Accepts the usual ways of writing a mobile or fixed-line number: national
    (``0812-3456-7890``, ``(0341) 551234``), international (``+62 812 3456 7890``) and
    international without the plus (``6281234567890``), with spaces, dots, dashes or brackets.
    Raises `DomainError` ``order.invalid_phone`` (on ``field``) for anything else, including
    valid numbers of other countries.
    """
    raw = (text or "").strip()
    if not raw or len(raw) > _MAX_LENGTH or not _ALLOWED.fullmatch(raw):
        raise _invalid(raw, field)
    digits = re.sub(r"\D", "", raw)
    international = raw.startswith("+") or digits.startswith("62")
    candidate = "+" + digits if international else digits
    try:
        number = phonenumbers.parse(candidate, "ID")
    except phonenumbers.NumberParseException:
        raise _invalid(raw, field) from None
    if (
        number.country_code != 62
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in _CALLABLE_TYPES
    ):
        raise _invalid(raw, field)
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _invalid(raw: str, field: str) -> DomainError:
    return DomainError("order.invalid_phone", field=field, params={"value": raw})
