"""Time wishes in an order message: a delivery window in WIB, or "as soon as possible".

House conventions (what a coordinator would book):

- ``jam 8`` (one time) -> 08:00 to 09:00: an hour from the named time, so the routing has a
  window it can honour; ``jam setengah 8`` is 07:30 (Indonesian counts half *to* the hour).
- ``sebelum jam 10`` / ``paling lambat`` / ``maks`` -> only an end; ``setelah`` / ``mulai`` /
  ``lewat`` -> only a start; ``antara jam 7-9``, ``jam 7 sampai 9`` -> both.
- Hours 1-5 without ``pagi`` mean the afternoon (markets do not deliver at 3 a.m.); ``siang``,
  ``sore``, ``malam`` move 1-11 o'clock to the afternoon or evening.
- ``pagi ini`` / ``nanti pagi`` with no clock time -> until 11:00; ``siang ini`` -> 11:00 to
  14:00; ``sore ini`` / ``nanti sore`` -> 15:00 to 17:00. A bare greeting (``selamat pagi``)
  is not a wish.
- ``secepatnya``, ``segera``, ``sekarang``, ``asap``... -> ``asap``; ``transfer sekarang`` is
  about paying, not about delivering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time

_PART = r"(?:pagi|siang|sore|malam|malem)"
_PREFIX = r"(?:jam|jm|pukul|pkl)\.?\s*"
_CLOCK = (
    r"(?:(?P<{n}half>setengah|stgh|stengah)\s+)?(?P<{n}h>\d{{1,2}})"
    r"(?:[.:](?P<{n}m>\d{{2}}))?(?:\s?an\b)?(?:\s+(?P<{n}part>" + _PART + r")\b)?"
)


def _clock(name: str, *, prefixed: bool) -> str:
    lead = rf"(?:(?P<{name}pre>{_PART})\s+)?" + (_PREFIX if prefixed else rf"(?:{_PREFIX})?")
    return lead + _CLOCK.format(n=name)


_RANGE = re.compile(
    r"\b(?:antara\s+)?"
    + _clock("a", prefixed=True)
    + r"\s*(?:-|–|sampai|sampe|smp|sd|s/d|s\.d\.?|hingga|sampai dengan)\s*"
    + _clock("b", prefixed=False)
    + r"(?![\d/])"
)
_BEFORE = re.compile(
    r"\b(?:sebelum|sblm|sblum|sebelom|paling\s+lambat|plg\s+lambat|paling\s+telat|"
    r"maksimal|maks|max|sampai|sampe|smp)\s+" + _clock("a", prefixed=True)
)
_AFTER = re.compile(
    r"\b(?:setelah|stlh|sesudah|habis|abis|lewat|di\s*atas|mulai|dari)\s+"
    + _clock("a", prefixed=True)
)
_POINT = re.compile(r"\b" + _clock("a", prefixed=True) + r"(?![\d/])")
_BARE_COLON = re.compile(r"(?<![\d.:/])\b(?P<ah>\d{1,2}):(?P<am>\d{2})\b(?![\d:])")
_DAY_PART = re.compile(
    r"\b(?:(?:pagi|siang|sore)\s+(?:ini|iki)|(?:nanti|ntar|nti|mangke|besok|bsk)\s+"
    r"(?:pagi|siang|sore))\b"
)
_DAY_PART_WINDOWS: dict[str, tuple[time | None, time | None]] = {
    "pagi": (None, time(11, 0)),
    "siang": (time(11, 0), time(14, 0)),
    "sore": (time(15, 0), time(17, 0)),
}
_ASAP = re.compile(
    r"\b(?:secepatnya|secepetnya|scepatnya|scpatnya|secepat\s*nya|secepat\s+mungkin|"
    r"sesegera|segera|sgera|sekarang|skrg|skrng|skg|sekarng|asap|cepet(?:an)?|cepat|"
    r"buruan|gercep)\b"
)
_NOT_ASAP_BEFORE = re.compile(r"\b(?:transfer|tf|bayar|harga|trf)\s+(?:\w+\s+)?$")
_FUTURE_DAY = re.compile(r"\b(?:besok|bsk|lusa|minggu depan|senin|selasa|rabu|kamis|jumat|sabtu)\b")


@dataclass
class TimeWish:
    """What a message says about when; ``problems`` counts what could not be made sense of."""

    start: time | None = None
    end: time | None = None
    asap: bool = False
    future_day: bool = False
    problems: int = 0
    spans: list[tuple[int, int]] = field(default_factory=list)


def _hour(match: re.Match[str], name: str) -> time | None:
    """The clock time of group ``name``, or ``None`` when it is not a real time of day."""
    hour = int(match.group(f"{name}h"))
    minute = int(match.group(f"{name}m") or 0)
    half = match.groupdict().get(f"{name}half")
    part = match.groupdict().get(f"{name}part") or match.groupdict().get(f"{name}pre")
    if half:
        hour, minute = hour - 1, 30
    if part in ("siang", "sore", "malam", "malem"):
        if (part == "siang" and hour < 11) or (part != "siang" and hour < 12):
            hour += 12
    elif part is None and 1 <= hour <= 5:
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def _plus_hour(value: time) -> time:
    return time(min(value.hour + 1, 23), value.minute if value.hour < 23 else 59)


def read_time_wish(text: str) -> TimeWish:
    """Find the window and urgency in ``text`` (lower case); ``spans`` are the parts used."""
    wish = TimeWish()
    taken = [False] * len(text)

    def free(match: re.Match[str]) -> bool:
        return not any(taken[match.start() : match.end()])

    def take(match: re.Match[str]) -> None:
        for k in range(match.start(), match.end()):
            taken[k] = True
        wish.spans.append((match.start(), match.end()))

    ranges: list[tuple[time, time]] = []
    for match in _RANGE.finditer(text):
        start, end = _hour(match, "a"), _hour(match, "b")
        if start is not None and end is not None and end <= start and end.hour + 12 <= 23:
            end = time(end.hour + 12, end.minute)
        take(match)
        if start is None or end is None or end <= start:
            wish.problems += 1
            continue
        ranges.append((start, end))

    def hours(*patterns: re.Pattern[str]) -> list[time]:
        """The times the not yet used matches of ``patterns`` name (a bad one is a problem)."""
        found: list[time] = []
        for pattern in patterns:
            for match in pattern.finditer(text):
                if not free(match):
                    continue
                take(match)
                value = _hour(match, "a")
                if value is None:
                    wish.problems += 1
                else:
                    found.append(value)
        return found

    befores = hours(_BEFORE)
    afters = hours(_AFTER)
    points = hours(_POINT, _BARE_COLON)
    kinds = sum(bool(found) for found in (ranges, befores, afters, points))
    if len(ranges) + len(befores) + len(afters) + len(points) > kinds:
        wish.problems += 1  # two different times of one kind: which one?
    if ranges:
        wish.start, wish.end = ranges[0]
    else:
        if afters:
            wish.start = afters[0]
        elif points:
            wish.start = points[0]
        if befores:
            wish.end = befores[0]
        elif points and not afters:
            wish.end = _plus_hour(points[0])
        if wish.start is not None and wish.end is not None and wish.end <= wish.start:
            wish.problems += 1
            wish.end = None
    for match in _DAY_PART.finditer(text):
        take(match)
        if wish.start is None and wish.end is None:
            part = next(p for p in _DAY_PART_WINDOWS if p in match.group(0))
            wish.start, wish.end = _DAY_PART_WINDOWS[part]
    for match in _ASAP.finditer(text):
        if not free(match):
            continue
        take(match)
        if _NOT_ASAP_BEFORE.search(text[: match.start()]):
            continue
        wish.asap = True
    wish.future_day = _FUTURE_DAY.search(text) is not None
    return wish
