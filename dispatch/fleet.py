"""The markets and their runners: adding, changing, listing and importing them, each rule in
one place.

Every way in goes through these functions: the ``antar markets`` and ``antar runners``
commands and their CSV imports, the API's ``/markets`` and ``/runners``, the console's pages.
So a market or a runner is checked the same way wherever it comes from:

- a market's code is a slug (`check_code`: lower-case letters and digits in words joined by
  single hyphens, at most 40 characters, e.g. ``pasar-dinoyo``), unique, and not a word the
  console uses in its paths (`RESERVED_CODES`);
- a market lies inside Kota Malang (`check_location`, `dispatch.geo.inside_city`);
- a market opens before it closes (`check_hours`, ``HH:MM`` WIB);
- a runner belongs to a market that exists; its phone is an Indonesian number, stored in
  E.164 (`dispatch.phones.normalise_phone`), and no other runner of its market has it;
- a runner carries more than 0 kg (`check_capacity`, stored in grams), at most 10 t;
- a runner's shift starts before it ends (`check_shift`, ``HH:MM`` WIB).

Texts (a CSV row, the command line's options, a console form) are read by `read_market` and
`read_runner`, which report every fault of the row at once; typed values (the API's bodies)
go straight to `add_market`, `update_market`, `add_runner` and `update_runner`, which apply
the same rules. None of them commits: the caller does, once.

`MARKETS` and `RUNNERS` describe the two to `dispatch.kinds`, whose one import reads their
CSV files (`MARKET_HEADER`, `RUNNER_HEADER`) row by row, as it reads the sellers'; the
command line's and the console's pages are made from the same descriptions. A market is
known by its code and a runner by its market and phone, so importing the same file twice
changes nothing the second time. Empty opening hours, capacity or shift cells take the
defaults (05:00-12:00; `Settings`' runner load and shift); runners' cash cap, orders per trip
and status are not in the file and are kept.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import time
from typing import Any, Final

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from dispatch.errors import DomainError
from dispatch.geo import inside_city, kelurahan_in
from dispatch.kinds import (
    Cells,
    Faults,
    ImportReport,
    Kind,
    Values,
    import_file,
    import_rows,
    read_clocks,
    read_place,
    texts,
)
from dispatch.models import Market, Runner, RunnerStatus
from dispatch.phones import normalise_phone
from dispatch.settings import Settings
from dispatch.validation import MAX_WEIGHT_G, parse_weight_g

#: The columns of a markets CSV, exactly and in this order (times ``HH:MM`` WIB).
MARKET_HEADER: Final[tuple[str, ...]] = ("code", "name", "address", "lat", "lon", "opens", "closes")
#: The columns of a runners CSV, exactly and in this order (``market`` is the market's code).
RUNNER_HEADER: Final[tuple[str, ...]] = (
    "market",
    "name",
    "phone",
    "capacity_kg",
    "shift_start",
    "shift_end",
)

#: Words of the console's own paths (``/console/markets``, ``/console/login``...): a market
#: with such a code would hide a page, or a page would hide it.
RESERVED_CODES: Final = frozenset(
    {
        "login",
        "logout",
        "markets",
        "runners",
        "sellers",
        "overview",
        "static",
        "new",
        "import",
        "api",
    }
)
#: Opening hours a market gets when none are given (WIB).
DEFAULT_OPENS: Final = time(5, 0)
DEFAULT_CLOSES: Final = time(12, 0)
#: The longest texts, in characters (the columns' limits).
MAX_CODE: Final = 40
MAX_NAME: Final = 120
MAX_ADDRESS: Final = 300

_SLUG: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


# -- the rules ---------------------------------------------------------------------------------


def check_code(code: str) -> str:
    """``code`` as stored (trimmed, lower case) if it is a valid market code.

    Raises `DomainError` ``market.invalid_code`` (not a slug, or longer than 40 characters)
    or ``market.reserved_code`` (one of `RESERVED_CODES`)."""
    slug = code.strip().lower()
    if not slug:
        raise DomainError("request.required", field="code")
    if len(slug) > MAX_CODE or not _SLUG.fullmatch(slug):
        raise DomainError("market.invalid_code", field="code", params={"value": code})
    if slug in RESERVED_CODES:
        raise DomainError("market.reserved_code", field="code", params={"value": code})
    return slug


def check_location(lat: float, lon: float) -> None:
    """A market lies inside Kota Malang; raises ``market.outside_city`` otherwise."""
    if not inside_city(lat, lon):
        raise DomainError("market.outside_city", field="lat", params={"lat": lat, "lon": lon})


def check_hours(opens: time, closes: time) -> None:
    """A market closes after it opens; raises ``market.invalid_hours`` otherwise."""
    if closes <= opens:
        raise DomainError(
            "market.invalid_hours",
            field="closes",
            params={"opens": f"{opens:%H:%M}", "closes": f"{closes:%H:%M}"},
        )


def check_shift(start: time, end: time) -> None:
    """A runner's shift ends after it starts; raises ``runner.invalid_shift`` otherwise."""
    if end <= start:
        raise DomainError(
            "runner.invalid_shift",
            field="shift_end",
            params={"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"},
        )


def check_capacity(grams: int) -> None:
    """A runner carries more than 0 g and at most 10 t; raises ``runner.invalid_capacity``."""
    if not 0 < grams <= MAX_WEIGHT_G:
        raise DomainError(
            "runner.invalid_capacity", field="capacity_kg", params={"value": f"{grams / 1000:g}"}
        )


def check_text(name: str, value: str, limit: int, *, required: bool = True) -> str:
    """``value`` trimmed; raises ``request.required`` when empty and required,
    ``order.too_long`` past ``limit`` characters."""
    trimmed = value.strip()
    if required and not trimmed:
        raise DomainError("request.required", field=name)
    if len(trimmed) > limit:
        raise DomainError(
            "order.too_long", field=name, params={"limit": limit, "length": len(trimmed)}
        )
    return trimmed


def parse_capacity_g(text: str | None) -> int:
    """A runner's load from kilograms as written (``40``, ``12,5``) to grams."""
    try:
        grams = parse_weight_g(text, field="capacity_kg")
    except DomainError:
        raise DomainError(
            "runner.invalid_capacity", field="capacity_kg", params={"value": (text or "").strip()}
        ) from None
    check_capacity(grams)
    return grams


# -- markets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarketInput:
    """A market's values, typed (``lat``/``lon`` in degrees, hours WIB)."""

    code: str
    name: str
    lat: float
    lon: float
    address: str = ""
    opens: time = DEFAULT_OPENS
    closes: time = DEFAULT_CLOSES
    kelurahan: str | None = None
    """``None``: the kelurahan the address names (`dispatch.geo.kelurahan_in`), if any."""


#: Fields of a market that `update_market` may change (the code is the market's identity).
MARKET_CHANGEABLE: Final = ("name", "address", "lat", "lon", "opens", "closes", "kelurahan")
#: Planning settings of a market (no rule beyond their types): balancing the runners' working
#: time on or off, and its weight (objective metres per second of the longest day).
MARKET_PLANNING: Final = ("balance_work", "balance_cost", "insertion")
#: How a market takes a new order on a day that has a plan: inserted into it at once, or
#: waiting for a coordinator's review with the suggested runner and place.
INSERTION_MODES: Final = ("auto", "review")
#: The texts `read_market` reads for an update: the file's columns and the insertion mode.
MARKET_EDITS: Final = (*MARKET_HEADER, "insertion")


def _market_faults(values: Mapping[str, Any], faults: Faults) -> dict[str, Any]:
    """Every rule on a market's typed values; the values as stored."""
    checked = dict(values)
    if "code" in values:
        checked["code"] = faults.attempt(lambda: check_code(values["code"]))
    if "name" in values:
        checked["name"] = faults.attempt(lambda: check_text("name", values["name"], MAX_NAME))
    if "address" in values:
        checked["address"] = faults.attempt(
            lambda: check_text("address", values["address"] or "", MAX_ADDRESS, required=False)
        )
    if values.get("lat") is not None and values.get("lon") is not None:
        faults.attempt(lambda: check_location(values["lat"], values["lon"]))
    if values.get("opens") is not None and values.get("closes") is not None:
        faults.attempt(lambda: check_hours(values["opens"], values["closes"]))
    return checked


def read_market(
    cells: Mapping[str, str | None], *, only: Collection[str] | None = None
) -> dict[str, Any]:
    """A market's texts (CSV cells, options, a form; keyed as `MARKET_HEADER`) read and
    checked: its typed values, ready for `MarketInput` or `update_market`.

    ``only`` names the fields to read (an update's, which may name ``insertion`` too: left
    empty, it stays); by default every column, with ``code``, ``name``, ``lat`` and ``lon``
    required and empty hours the defaults. Raises `DomainError`, or `ValidationErrors`
    (``market.invalid``) with every fault of the row.
    """
    names = MARKET_HEADER if only is None else [n for n in MARKET_EDITS if n in only]
    faults = Faults("market.invalid", MARKET_HEADER)
    text = texts(cells, names)
    values: dict[str, Any] = {}
    for name in ("code", "name", "address"):
        if name in text:
            values[name] = text[name]
    if text.get("insertion"):
        values["insertion"] = text["insertion"]
    read_place(text, values, faults)
    read_clocks(text, values, faults, {"opens": DEFAULT_OPENS, "closes": DEFAULT_CLOSES})
    checked = _market_faults(values, faults)
    faults.raise_any()
    return checked


def market_input(values: Mapping[str, Any]) -> MarketInput:
    """`read_market`'s values of a whole market as a `MarketInput`."""
    return MarketInput(**{f.name: values[f.name] for f in fields(MarketInput) if f.name in values})


def _kelurahan(address: str) -> str:
    found = kelurahan_in(address)
    return found.name if found else ""


def market_of(session: Session, code: str) -> Market | None:
    """The market with ``code`` (any case), or ``None``."""
    return session.exec(select(Market).where(Market.code == code.strip().lower())).first()


def add_market(session: Session, market_in: MarketInput) -> Market:
    """Store a new market (flushed, not committed) after every rule; ``market.exists`` (409)
    when its code is taken."""
    faults = Faults("market.invalid", MARKET_HEADER)
    values = _market_faults(
        {f.name: getattr(market_in, f.name) for f in fields(MarketInput)}, faults
    )
    faults.raise_any()
    if market_of(session, values["code"]) is not None:
        raise DomainError("market.exists", field="code", params={"code": values["code"]})
    if values["kelurahan"] is None:
        values["kelurahan"] = _kelurahan(values["address"])
    market = Market(**values)
    try:
        with session.begin_nested():  # someone else may add the same code just now
            session.add(market)
    except IntegrityError as exc:
        raise DomainError("market.exists", field="code", params={"code": values["code"]}) from exc
    return market


def update_market(session: Session, market: Market, changes: Mapping[str, Any]) -> list[str]:
    """Apply ``changes`` (fields of `MARKET_CHANGEABLE`, typed) to ``market`` after every rule
    on the market they make; the names of the fields whose value changed (flushed, not
    committed). A new address names the kelurahan anew unless a kelurahan is given."""
    changes = dict(changes)
    planning = {n: changes.pop(n) for n in MARKET_PLANNING if n in changes}
    for name, value in planning.items():
        if value is None:
            raise DomainError("request.required", field=name)
    if "insertion" in planning and planning["insertion"] not in INSERTION_MODES:
        raise DomainError(
            "insertion.invalid_mode", field="insertion", params={"value": planning["insertion"]}
        )
    for name, value in changes.items():
        if name not in MARKET_CHANGEABLE:
            raise DomainError("request.invalid_value", field=name)
        if value is None:  # every market field has a value; null does not clear one
            raise DomainError("request.required", field=name)
    merged = {name: getattr(market, name) for name in MARKET_CHANGEABLE} | dict(changes)
    if "address" in changes and "kelurahan" not in changes:
        merged["kelurahan"] = _kelurahan(merged["address"])
    faults = Faults("market.invalid", MARKET_HEADER)
    checked = _market_faults(merged, faults)
    faults.raise_any()
    checked |= planning
    changed = [n for n in (*MARKET_CHANGEABLE, *planning) if checked[n] != getattr(market, n)]
    for name in changed:
        setattr(market, name, checked[name])
    if changed:
        session.add(market)
        session.flush()
    return changed


@dataclass(frozen=True)
class MarketListed:
    """A market and how many runners it has."""

    market: Market
    runners: int


def list_markets(session: Session, *, market_id: Any = None) -> list[MarketListed]:
    """Every market by code (or only ``market_id``'s), with its number of runners."""
    counts = dict(
        session.exec(select(Runner.market_id, func.count()).group_by(col(Runner.market_id))).all()
    )
    query = select(Market).order_by(col(Market.code))
    if market_id is not None:
        query = query.where(Market.id == market_id)
    return [MarketListed(m, counts.get(m.id, 0)) for m in session.exec(query).all()]


# -- runners -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunnerInput:
    """A runner's values, typed: its market's code, its phone in any Indonesian form; unset
    load, cash cap, orders per trip and shift take the settings' defaults."""

    market: str
    name: str
    phone: str
    capacity_g: int | None = None
    shift_start: time | None = None
    shift_end: time | None = None
    cash_cap_rp: int | None = None
    max_orders_per_trip: int | None = None
    status: RunnerStatus = RunnerStatus.AVAILABLE


#: Fields of a runner that `update_runner` may change.
RUNNER_CHANGEABLE: Final = (
    "name",
    "phone",
    "capacity_g",
    "shift_start",
    "shift_end",
    "cash_cap_rp",
    "max_orders_per_trip",
    "status",
)

#: The texts `read_runner` reads for an update: the file's columns and the status.
RUNNER_EDITS: Final = (*RUNNER_HEADER, "status")


def _runner_status(value: str) -> RunnerStatus:
    try:
        return RunnerStatus(value)
    except ValueError:
        raise DomainError("request.invalid_value", field="status") from None


def _runner_faults(values: Mapping[str, Any], faults: Faults) -> dict[str, Any]:
    """Every rule on a runner's typed values that needs no database; the values as stored."""
    checked = dict(values)
    if "name" in values:
        checked["name"] = faults.attempt(lambda: check_text("name", values["name"], MAX_NAME))
    if "phone" in values:
        checked["phone"] = faults.attempt(lambda: normalise_phone(values["phone"]))
    if values.get("capacity_g") is not None:
        faults.attempt(lambda: check_capacity(values["capacity_g"]))
    if values.get("shift_start") is not None and values.get("shift_end") is not None:
        faults.attempt(lambda: check_shift(values["shift_start"], values["shift_end"]))
    return checked


def read_runner(
    cells: Mapping[str, str | None],
    *,
    settings: Settings,
    only: Collection[str] | None = None,
) -> dict[str, Any]:
    """A runner's texts (keyed as `RUNNER_HEADER`) read and checked: its typed values
    (``capacity_kg`` becomes ``capacity_g``), ready for `RunnerInput` or `update_runner`.

    ``only`` names the fields to read (an update's, which may name ``status`` too: left
    empty, it stays); by default every column, with ``market``, ``name`` and ``phone``
    required and an empty capacity or shift the settings' default. Raises `DomainError`, or
    `ValidationErrors` (``runner.invalid``)."""
    names = RUNNER_HEADER if only is None else [n for n in RUNNER_EDITS if n in only]
    faults = Faults("runner.invalid", (*RUNNER_HEADER, *RUNNER_CHANGEABLE))
    text = texts(cells, names)
    values: dict[str, Any] = {}
    if "market" in text:
        values["market"] = text["market"].lower()
        if not text["market"]:
            faults.errors.append(DomainError("request.required", field="market"))
    for name in ("name", "phone"):
        if name in text:
            values[name] = text[name]
            if name == "phone" and not text[name]:
                faults.errors.append(DomainError("request.required", field="phone"))
                del values[name]
    if "capacity_kg" in text:
        values["capacity_g"] = (
            faults.attempt(lambda: parse_capacity_g(text["capacity_kg"]))
            if text["capacity_kg"]
            else settings.runner_capacity_g
        )
    shift = {"shift_start": settings.runner_shift_start, "shift_end": settings.runner_shift_end}
    read_clocks(text, values, faults, shift)
    if text.get("status"):
        values["status"] = faults.attempt(lambda: _runner_status(text["status"]))
    checked = _runner_faults(values, faults)
    faults.raise_any()
    return checked


def runner_input(values: Mapping[str, Any]) -> RunnerInput:
    """`read_runner`'s values of a whole runner as a `RunnerInput`."""
    return RunnerInput(**{f.name: values[f.name] for f in fields(RunnerInput) if f.name in values})


def _same_phone(session: Session, market_id: Any, phone: str, but: Any = None) -> Runner | None:
    query = select(Runner).where(Runner.market_id == market_id).where(Runner.phone == phone)
    if but is not None:
        query = query.where(Runner.id != but)
    return session.exec(query).first()


def known_market(session: Session, code: str) -> Market:
    """The market a runner names by its code; ``market.not_found`` otherwise."""
    market = market_of(session, code) if code.strip() else None
    if market is None:
        raise DomainError("market.not_found", field="market", params={"code": code})
    return market


def add_runner(
    session: Session, runner_in: RunnerInput, *, settings: Settings, market: Market | None = None
) -> Runner:
    """Store a new runner of an existing market (flushed, not committed) after every rule;
    ``runner.exists`` (409) when a runner of that market has the phone already. ``market``,
    when given, is the market the caller has looked up (and may see)."""
    faults = Faults("runner.invalid", (*RUNNER_HEADER, *RUNNER_CHANGEABLE))
    values = _runner_faults(
        {f.name: getattr(runner_in, f.name) for f in fields(RunnerInput)}, faults
    )
    market = market or faults.attempt(lambda: known_market(session, runner_in.market))
    faults.raise_any()
    assert market is not None
    if _same_phone(session, market.id, values["phone"]) is not None:
        raise DomainError(
            "runner.exists", field="phone", params={"phone": values["phone"], "market": market.code}
        )
    runner = Runner(
        market_id=market.id,
        name=values["name"],
        phone=values["phone"],
        capacity_g=values["capacity_g"] or settings.runner_capacity_g,
        cash_cap_rp=(
            settings.runner_cash_cap_rp if values["cash_cap_rp"] is None else values["cash_cap_rp"]
        ),
        max_orders_per_trip=values["max_orders_per_trip"] or settings.runner_max_orders_per_trip,
        shift_start=values["shift_start"] or settings.runner_shift_start,
        shift_end=values["shift_end"] or settings.runner_shift_end,
        status=values["status"],
    )
    check_shift(runner.shift_start, runner.shift_end)
    session.add(runner)
    session.flush()
    return runner


def update_runner(session: Session, runner: Runner, changes: Mapping[str, Any]) -> list[str]:
    """Apply ``changes`` (fields of `RUNNER_CHANGEABLE`, typed) to ``runner`` after every rule
    on the runner they make; the names of the fields whose value changed (flushed, not
    committed). ``max_orders_per_trip: None`` lifts the limit; no other field may be null."""
    for name, value in changes.items():
        if name not in RUNNER_CHANGEABLE:
            raise DomainError("request.invalid_value", field=name)
        if value is None and name != "max_orders_per_trip":
            raise DomainError("request.required", field=name)
    merged = {name: getattr(runner, name) for name in RUNNER_CHANGEABLE} | dict(changes)
    faults = Faults("runner.invalid", (*RUNNER_HEADER, *RUNNER_CHANGEABLE))
    checked = _runner_faults(merged, faults)
    faults.raise_any()
    if checked["phone"] != runner.phone:
        other = _same_phone(session, runner.market_id, checked["phone"], but=runner.id)
        if other is not None:
            raise DomainError(
                "runner.exists",
                field="phone",
                params={"phone": checked["phone"], "market": runner.market.code},
            )
    changed = [n for n in RUNNER_CHANGEABLE if checked[n] != getattr(runner, n)]
    for name in changed:
        setattr(runner, name, checked[name])
    if changed:
        session.add(runner)
        session.flush()
    return changed


def find_runner(session: Session, key: str, market: str | None = None) -> Runner:
    """The runner ``key`` names: its id, or its phone (any Indonesian form) within
    ``market`` (a code), or within every market when the phone is unique to one.

    Raises ``runner.not_found``, or ``runner.ambiguous`` for a phone of runners of several
    markets without ``market``."""
    try:
        found = session.get(Runner, uuid.UUID(key.strip()))
    except ValueError:
        found = None
    if found is not None and (market is None or found.market.code == market.strip().lower()):
        return found
    try:
        phone = normalise_phone(key)
    except DomainError:
        raise DomainError("runner.not_found", params={"id": key}) from None
    query = select(Runner).where(Runner.phone == phone)
    if market is not None:
        query = query.where(Runner.market_id == known_market(session, market).id)
    matches = session.exec(query).all()
    if not matches:
        raise DomainError("runner.not_found", params={"id": key})
    if len(matches) > 1:
        raise DomainError("runner.ambiguous", field="market", params={"phone": phone})
    return matches[0]


def list_runners(session: Session, *, market_id: Any = None) -> list[tuple[Runner, Market]]:
    """Every runner with its market, by market code and name (or only ``market_id``'s)."""
    query = select(Runner, Market).join(Market, col(Market.id) == col(Runner.market_id))
    if market_id is not None:
        query = query.where(Runner.market_id == market_id)
    return list(session.exec(query.order_by(col(Market.code), col(Runner.name))).all())


# -- the kinds: what the command line, the console and imports know of them -------------------


def _needs(settings: Settings | None) -> Settings:
    if settings is None:
        msg = "runners are read with settings (their default load and shift)"
        raise TypeError(msg)
    return settings


def _market_changes(session: Session, market: Market, changes: Values) -> list[str]:
    """`update_market`'s changes as a person reads them: the kelurahan follows the address."""
    changed = update_market(session, market, changes)
    return [c for c in changed if c != "kelurahan"] or changed


MARKETS: Final[Kind[Market]] = Kind(
    name="market",
    plural="markets",
    header=MARKET_HEADER,
    edits=MARKET_EDITS,
    read=lambda cells, _settings, only: read_market(cells, only=only),
    rows=lambda _session, _settings: read_market,
    find=lambda session, values: market_of(session, values["code"]),
    add=lambda session, values, _settings: add_market(session, market_input(values)),
    update=_market_changes,
    file_fields=MARKET_HEADER[1:],
)
"""Markets, known by their code."""


def _runner_rows(session: Session, settings: Settings | None) -> Callable[[Cells], Values]:
    """The reader of a runners file's rows: a row's values, its market's id among them
    (each market looked up once, and kept loaded for `_add_runner`)."""
    markets: dict[str, Market] = {}

    def read(cells: Cells) -> Values:
        values = read_runner(cells, settings=_needs(settings))
        code = values["market"]
        if code not in markets:
            markets[code] = known_market(session, code)
        values["market_id"] = markets[code].id
        return values

    return read


def _add_runner(session: Session, values: Values, settings: Settings | None) -> Runner:
    market = session.get(Market, values["market_id"]) if "market_id" in values else None
    return add_runner(session, runner_input(values), settings=_needs(settings), market=market)


RUNNERS: Final[Kind[Runner]] = Kind(
    name="runner",
    plural="runners",
    header=RUNNER_HEADER,
    edits=RUNNER_EDITS,
    read=lambda cells, settings, only: read_runner(cells, settings=_needs(settings), only=only),
    rows=_runner_rows,
    label=lambda cells: (
        f"{(cells.get('market') or '').strip().lower()}/{(cells.get('name') or '').strip()}"
    ),
    unique="phone",
    key=lambda values: (values["market"], values["phone"]),
    find=lambda session, values: _same_phone(session, values["market_id"], values["phone"]),
    add=_add_runner,
    update=update_runner,
    file_fields=("name", "capacity_g", "shift_start", "shift_end"),
)
"""Runners, known by their market and phone. A file carries no cash cap, orders per trip
nor status: a new runner takes the settings' and is available, a stored one keeps its own."""


def import_markets(session: Session, rows: Iterable[tuple[int, Cells]]) -> ImportReport:
    """`dispatch.kinds.import_rows` of markets rows (`MARKET_HEADER`)."""
    return import_rows(session, MARKETS, rows)


def import_runners(
    session: Session, rows: Iterable[tuple[int, Cells]], *, settings: Settings
) -> ImportReport:
    """`dispatch.kinds.import_rows` of runners rows (`RUNNER_HEADER`)."""
    return import_rows(session, RUNNERS, rows, settings=settings)


def import_market_file(session: Session, source: str | bytes | os.PathLike[str]) -> ImportReport:
    """`dispatch.kinds.import_file` of a markets CSV (a path, its bytes, or its text)."""
    return import_file(session, MARKETS, source)


def import_runner_file(
    session: Session, source: str | bytes | os.PathLike[str], *, settings: Settings
) -> ImportReport:
    """`dispatch.kinds.import_file` of a runners CSV (a path, its bytes, or its text)."""
    return import_file(session, RUNNERS, source, settings=settings)


__all__ = [
    "DEFAULT_CLOSES",
    "DEFAULT_OPENS",
    "MARKETS",
    "MARKET_EDITS",
    "MARKET_HEADER",
    "RESERVED_CODES",
    "RUNNERS",
    "RUNNER_EDITS",
    "RUNNER_HEADER",
    "MarketInput",
    "MarketListed",
    "RunnerInput",
    "add_market",
    "add_runner",
    "check_capacity",
    "check_code",
    "check_hours",
    "check_location",
    "check_shift",
    "find_runner",
    "import_market_file",
    "import_markets",
    "import_runner_file",
    "import_runners",
    "known_market",
    "list_markets",
    "list_runners",
    "market_input",
    "market_of",
    "read_market",
    "read_runner",
    "runner_input",
    "update_market",
    "update_runner",
]
