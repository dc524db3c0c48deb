"""Domain errors: a stable code, the input field at fault, and a message in Bahasa Indonesia.

Every refusal of the dispatch domain is a `DomainError`. Its ``code`` is stable (clients and
tests match on it), ``field`` names the input field as in the CSV header (``phone``,
``weight_kg``; ``None`` when no single field is at fault) and ``params`` holds the values the
message quotes. The message is the catalogue's (`dispatch.i18n`) under the code itself, with
``{label}`` the field's name in words (``field.phone``: "Nomor telepon"): Bahasa Indonesia
by default, English on request. ``str(error)`` is the Indonesian message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final

from dispatch.i18n import Lang, Translator, has, text

__all__ = [
    "WORDED_PARAMS",
    "DomainError",
    "Lang",
    "ValidationErrors",
    "escaped",
    "listed",
    "shown",
]

#: Parameters that carry a code to be read in words: code -> {param: catalogue prefix}.
WORDED_PARAMS: Final[Mapping[str, Mapping[str, str]]] = {
    "order.invalid_transition": {"from": "status.as_state", "to": "status.as_action"},
    "draft.closed": {"status": "draft_status"},
}

_MAX_SHOWN = 60
"""Longest quoted input value in a message, in characters."""
_UNPRINTABLE: Final = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\ud800-\udfff]")
"""Characters a quoted value shows escaped (``\\x0a``): a message stays one printable line."""


def shown(value: object) -> str:
    """A user's input value as a message quotes it: in double quotes, cut at 60 characters,
    line breaks and other control characters escaped."""
    quoted = "" if value is None else str(value)
    if len(quoted) > _MAX_SHOWN:
        quoted = quoted[: _MAX_SHOWN - 1] + "…"
    quoted = _UNPRINTABLE.sub(lambda m: escaped(m.group()), quoted)
    return f'"{quoted}"'


def escaped(character: str) -> str:
    """A character as an escape: ``\\x00``, or ``\\u2028`` past ``\\xff``."""
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def listed(values: Sequence[object]) -> str:
    """Values joined for a message (``a, b, c``), or ``-`` when there are none."""
    return ", ".join(str(value) for value in values) or "-"


class DomainError(Exception):
    """A refusal by the dispatch domain, with a stable ``code`` and a message to act on.

    ``field`` is the input field at fault, named as in the CSV header (``None`` when no one
    field is); ``params`` are the values the message template quotes (``value``: the input,
    quoted; ``reason_key``: a catalogue key whose text becomes ``{reason}``).
    """

    def __init__(
        self,
        code: str,
        *,
        field: str | None = None,
        params: Mapping[str, object] | None = None,
    ) -> None:
        self.code = code
        self.field = field
        self.params: dict[str, object] = dict(params or {})
        super().__init__(self.message("id"))

    def message(self, lang: Lang = "id") -> str:
        """The message in Bahasa Indonesia (``"id"``, default) or English (``"en"``)."""
        values = dict(self.params)
        if "value" in values:
            values["value"] = shown(values["value"])
        reason_key = values.pop("reason_key", None)
        if reason_key is not None:  # a reason in words of the message's own language
            values["reason"] = text(str(reason_key), lang, **values)
        for name, prefix in WORDED_PARAMS.get(self.code, {}).items():
            key = f"{prefix}.{values.get(name)}"
            if has(key):
                values[name] = text(key, lang)
        values.setdefault("code", self.code)
        if self.field is not None:
            values.setdefault("field", self.field)
            values.setdefault("label", Translator(lang).label(self.field))
        key = self.code if has(self.code) else "error.fallback"
        return text(key, lang, **values)

    def as_dict(self, lang: Lang = "id") -> dict[str, str | None]:
        """The error as the API's JSON body carries it: ``code``, ``message``, ``field``."""
        return {"code": self.code, "message": self.message(lang), "field": self.field}

    def __str__(self) -> str:
        return self.message("id")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, field={self.field!r}, params={self.params!r})"


class ValidationErrors(DomainError):  # noqa: N818 (a list of errors, not one error)
    """Several refusals of one input (e.g. one CSV row), all reported at once.

    ``errors`` holds each `DomainError` in field order; the code is ``order.invalid``, or
    what the input is (``market.invalid``, ``runner.invalid``).
    """

    def __init__(self, errors: Sequence[DomainError], *, code: str = "order.invalid") -> None:
        if not errors:
            msg = "ValidationErrors needs at least one error"
            raise ValueError(msg)
        self.errors: list[DomainError] = list(errors)
        super().__init__(code, params={"count": len(self.errors)})

    def message(self, lang: Lang = "id") -> str:
        """All the errors' messages in one text, in the language asked for."""
        details = " ".join(error.message(lang) for error in self.errors)
        return text(self.code, lang, count=len(self.errors), details=details)

    @property
    def fields(self) -> list[str]:
        """The fields at fault, in order, without repeats."""
        return list(dict.fromkeys(e.field for e in self.errors if e.field is not None))
