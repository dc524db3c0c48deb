"""Strict types for the API's input fields: what the schema says is exactly what is taken.

FastAPI validates a JSON body after ``json.loads`` in pydantic's lax Python mode, where
``true`` is the integer 1, ``"1"`` is a number, ``0`` is the date 1970-01-01 and ``1e999``
is infinity. These types take only what their JSON schema describes:

- text (`text`, `line`): a JSON string, never a number; without control characters (NUL and
  the other C0 characters; `line` refuses tabs and newlines too) and without lone
  surrogates (which no database stores), its length checked before anything else reads it;
- `WholeNumber`: a JSON integer (``1500`` or ``1500.0``), never ``true``, never a fraction,
  never infinite;
- `Number`: a finite JSON number, never ``true`` nor a string;
- `Flag`: ``true`` or ``false`` only;
- `IsoDate`, `IsoDateTime`: ISO 8601 text only (``2026-12-08``, ``2026-12-08T07:30:00+07:00``),
  never a number of seconds.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Final

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StrictBool,
    StrictStr,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

#: Text without C0 control characters other than tab, newline and carriage return, nor DEL.
TEXT_PATTERN: Final = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
#: One line of text: no C0 control character at all, nor DEL.
LINE_PATTERN: Final = r"^[^\x00-\x1f\x7f]*$"
#: One line holding at least one character that is not a space (a name).
NAME_PATTERN: Final = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
#: The patterns above: a refusal by one of them means "a control character" (or, for
#: `NAME_PATTERN`, nothing but spaces).
CONTROL_PATTERNS: Final = frozenset({TEXT_PATTERN, LINE_PATTERN, NAME_PATTERN})


def text(max_length: int, *, min_length: int = 0, strip: bool = False) -> Any:
    """A JSON string of at most ``max_length`` characters, newlines and tabs allowed."""
    return Annotated[
        StrictStr,
        StringConstraints(
            min_length=min_length,
            max_length=max_length,
            strip_whitespace=strip,
            pattern=TEXT_PATTERN,
        ),
    ]


def line(max_length: int, *, min_length: int = 0, strip: bool = False) -> Any:
    """A JSON string of one line, at most ``max_length`` characters (with ``strip``: a name,
    spaces around it dropped, and not blank)."""
    return Annotated[
        StrictStr,
        StringConstraints(
            min_length=min_length,
            max_length=max_length,
            strip_whitespace=strip,
            pattern=NAME_PATTERN if strip else LINE_PATTERN,
        ),
    ]


def _whole(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise PydanticCustomError("finite_number", "Input should be a finite number")
        if not value.is_integer():
            raise PydanticCustomError("int_from_float", "Input should be a whole number")
        return int(value)
    return value


def _number(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("float_type", "Input should be a valid number")
    return value


def whole_number(**bounds: float) -> Any:
    """A whole number (a JSON integer, also written ``1500.0``), within ``bounds`` (``ge``,
    ``gt``, ``le``, ``lt``): not a boolean, not a string, not a fraction."""
    return Annotated[int, Field(**bounds), BeforeValidator(_whole)]  # type: ignore[arg-type]


def number(**bounds: float) -> Any:
    """A finite number within ``bounds`` (``ge``, ``gt``, ``le``, ``lt``): not a boolean,
    not a string."""
    return Annotated[
        float,
        Field(allow_inf_nan=False, **bounds),  # type: ignore[arg-type]
        BeforeValidator(_number),
    ]


WholeNumber = whole_number()
"""A whole number (a JSON integer, also written ``1500.0``): not a boolean, not a string."""

Number = number()
"""A finite number: not a boolean, not a string."""

Flag = StrictBool
"""``true`` or ``false``."""

_DATE_TEXT: Final = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_DATETIME_TEXT: Final = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"([Zz]|[+-][0-9]{2}:?[0-9]{2})?"
)


def _iso_date(value: object) -> object:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not re.fullmatch(_DATE_TEXT, value):
        raise PydanticCustomError("date_type", "Input should be a date YYYY-MM-DD")
    return value


def _iso_datetime(value: object) -> object:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or len(value) > 40 or not re.fullmatch(_DATETIME_TEXT, value):
        raise PydanticCustomError("datetime_type", "Input should be an ISO 8601 time")
    return value


def _aware(value: datetime) -> datetime:
    if value.utcoffset() is None:
        raise PydanticCustomError("timezone_aware", "Input should have timezone info")
    return value


IsoDate = Annotated[
    date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": f"^{_DATE_TEXT}$"}),
]
"""A calendar date as ISO 8601 text, ``YYYY-MM-DD``."""

IsoDateTime = Annotated[
    datetime,
    BeforeValidator(_iso_datetime),
    AfterValidator(_aware),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""A moment as ISO 8601 text with its offset (``2026-12-08T07:30:00+07:00``, ``...Z``)."""
