"""The kinds of things an operator keeps in CSV files (markets, runners, sellers) and the one
import of such a file.

A `Kind` describes one of them: its file's header, how a row of texts is read and checked,
what a row is called in a report, which rows of one file are the same thing, how the stored
one is found, added and changed. `dispatch.fleet` describes markets and runners
(`fleet.MARKETS`, `fleet.RUNNERS`), `dispatch.sellers` the sellers (`sellers.SELLERS`); the
command line (``antar markets|runners|sellers add|update|import|list``) and the console's
pages are made from these descriptions, so the three behave alike and one fix serves all.

`import_file` reads a file row by row: a row with the wrong number of cells, or one the kind
refuses, is refused with its line and every fault (`RowRefusal`), and the import goes on. A
thing the file names twice (its `Kind.key`) is refused on its second line
(``market.duplicate_row``...). A row of a thing that is stored changes the values that differ
and names them; one that matches changes nothing, so importing a file twice changes nothing
the second time. Nothing here commits: the caller commits what was taken.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any, Generic, TypeVar

from sqlmodel import Session

from dispatch.csv_io import read_rows
from dispatch.errors import DomainError, ValidationErrors
from dispatch.settings import Settings
from dispatch.validation import parse_clock, parse_coordinate

T = TypeVar("T")
Row = TypeVar("Row")

Cells = Mapping[str, str | None]
"""One input as texts, keyed by its file's columns: a CSV row, options, a form."""
Values = dict[str, Any]
"""One input's values, read and checked: typed, as stored."""


class Faults:
    """The faults of one input, collected so that all of them are reported at once."""

    def __init__(self, code: str, order: tuple[str, ...]) -> None:
        self.code = code
        self.order: dict[str, int] = {}
        for k, name in enumerate(order):
            self.order.setdefault(name, k)
        self.errors: list[DomainError] = []

    def attempt(self, work: Callable[[], T]) -> T | None:
        """``work()``, or ``None`` with its faults kept."""
        try:
            return work()
        except ValidationErrors as many:
            self.errors.extend(many.errors)
        except DomainError as error:
            self.errors.append(error)
        return None

    def raise_any(self) -> None:
        """Raise the faults found, in the order of the input's fields."""
        self.errors.sort(key=lambda e: self.order.get(e.field or "", len(self.order)))
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise ValidationErrors(self.errors, code=self.code)


def texts(cells: Cells, names: Iterable[str]) -> dict[str, str]:
    """The cells of ``names``, trimmed (a missing one empty)."""
    return {name: (cells.get(name) or "").strip() for name in names}


def read_place(text: Mapping[str, str], values: Values, faults: Faults) -> None:
    """``lat`` and ``lon`` of ``text`` (those it has) into ``values``, in degrees; both are
    required."""
    for name in ("lat", "lon"):
        if name in text:
            if not text[name]:
                faults.errors.append(DomainError("request.required", field=name))
                values[name] = None
                continue
            values[name] = faults.attempt(lambda n=name: parse_coordinate(text[n], field=n))


def read_clocks(
    text: Mapping[str, str], values: Values, faults: Faults, defaults: Mapping[str, time]
) -> None:
    """The times of ``defaults``' names in ``text`` (those it has; ``HH:MM`` WIB) into
    ``values``; an empty one is its default."""
    for name, default in defaults.items():
        if name in text:
            moment = faults.attempt(lambda n=name: parse_clock(text[n], field=n))
            values[name] = moment if moment is not None or text[name] else default


def errors_of(error: DomainError) -> tuple[DomainError, ...]:
    """Each fault ``error`` reports: itself, or those of a `ValidationErrors`."""
    return tuple(error.errors) if isinstance(error, ValidationErrors) else (error,)


@dataclass(frozen=True)
class Kind(Generic[Row]):
    """What the command line, the console and an import need to know of one kind of thing
    (by default, one known by its code).

    ``settings`` reach the functions that need them (a runner's default load and shift);
    ``None`` where the kind needs none."""

    name: str
    """The word of its codes and texts: ``market`` (``market.duplicate_row``,
    ``cli.market_added``, ``console.add_market``)."""
    plural: str
    """Its commands' and pages' word: ``markets`` (``antar markets``, ``/console/markets``)."""
    header: tuple[str, ...]
    """The columns of its CSV, exactly and in this order. The first one names a new thing
    (a market's code, a runner's market) and is not changed afterwards."""
    edits: tuple[str, ...]
    """The texts `read` takes: the columns, and what may change that a file does not carry
    (a runner's ``status``). Every one but the first for an update."""
    read: Callable[[Cells, Settings | None, Collection[str] | None], Values]
    """Texts (options, a form) read and checked, every fault at once: all the columns, or
    only those of `edits` named (an update's). Raises `DomainError` or `ValidationErrors`."""
    rows: Callable[[Session, Settings | None], Callable[[Cells], Values]]
    """The reader of one file's rows, made once per import: a row read as `read` does, and
    what it names checked (a runner's market, looked up once per file)."""
    find: Callable[[Session, Values], Row | None]
    """The stored thing a row's values are of, if any."""
    add: Callable[[Session, Values, Settings | None], Row]
    """Store a new thing (flushed, not committed) after every rule."""
    update: Callable[[Session, Row, Values], list[str]]
    """Change a stored thing after every rule; the fields changed, as a person reads them."""
    file_fields: tuple[str, ...]
    """The values a file's row changes on a stored thing."""
    label: Callable[[Cells], str] = lambda cells: (cells.get("code") or "").strip().lower()
    """What a report calls a row: its code, a runner's ``market/name``."""
    unique: str = "code"
    """The column a file names a thing by (its code, a runner's ``phone``): the
    ``duplicate_row`` refusal's field."""
    key: Callable[[Values], Hashable] = lambda values: values["code"]
    """A row's values -> the same key for every row of the same thing."""
    presets: Mapping[str, Values] = field(default_factory=dict)
    """An import's options (``verified``): the values each gives the things it adds."""


@dataclass(frozen=True)
class RowRefusal:
    """A CSV row that was not imported: its line, what it named and why."""

    line: int
    key: str
    errors: tuple[DomainError, ...]


@dataclass
class ImportReport:
    """What an import did, row by row (``key``: what the row named, `Kind.label`)."""

    added: list[tuple[int, str]] = field(default_factory=list)
    updated: list[tuple[int, str, tuple[str, ...]]] = field(default_factory=list)
    """Rows that changed a stored thing: line, key, the fields changed."""
    unchanged: list[tuple[int, str]] = field(default_factory=list)
    refused: list[RowRefusal] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether no row was refused."""
        return not self.refused

    @property
    def changed(self) -> bool:
        """Whether the import added or changed anything."""
        return bool(self.added or self.updated)

    @property
    def counts(self) -> dict[str, int]:
        """How many rows were added, updated, unchanged and refused (the summary's figures)."""
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "refused": len(self.refused),
        }


def import_rows(
    session: Session,
    kind: Kind[Any],
    rows: Iterable[tuple[int, Cells]],
    *,
    settings: Settings | None = None,
    presets: Collection[str] = (),
) -> ImportReport:
    """Add or update the things of numbered rows (keyed by ``kind.header``); a thing seen on
    an earlier line is refused (``<kind>.duplicate_row``). Things added take the values of
    the ``presets`` named (`Kind.presets`). Flushed, not committed."""
    preset: Values = {}
    for name in presets:
        preset |= kind.presets[name]
    report = ImportReport()
    seen: dict[Hashable, int] = {}
    read_row = kind.rows(session, settings)
    for line, cells in rows:
        label = kind.label(cells)
        try:
            values = read_row(cells)
            key = kind.key(values)
            if key in seen:
                unique = values[kind.unique]
                raise DomainError(
                    f"{kind.name}.duplicate_row",
                    field=kind.unique,
                    params={kind.unique: unique, "line": seen[key]},
                )
            seen[key] = line
            stored = kind.find(session, values)
            if stored is None:
                kind.add(session, values | preset, settings)
                report.added.append((line, label))
                continue
            changes = {name: values[name] for name in kind.file_fields}
            changed = kind.update(session, stored, changes)
        except DomainError as error:
            report.refused.append(RowRefusal(line, label, errors_of(error)))
            continue
        if changed:
            report.updated.append((line, label, tuple(changed)))
        else:
            report.unchanged.append((line, label))
    return report


def file_rows(
    source: str | bytes | os.PathLike[str], header: tuple[str, ...], refused: list[RowRefusal]
) -> Iterator[tuple[int, dict[str, str]]]:
    """A CSV's rows; a row with the wrong number of cells is refused, the others go on."""

    def bad_row(line: int, error: DomainError) -> None:
        refused.append(RowRefusal(line, "", (error,)))

    return read_rows(source, header, on_bad_row=bad_row)


def import_file(
    session: Session,
    kind: Kind[Any],
    source: str | bytes | os.PathLike[str],
    *,
    settings: Settings | None = None,
    presets: Collection[str] = (),
) -> ImportReport:
    """`import_rows` of a CSV (a path, its bytes, or the CSV's text): its header must be
    ``kind.header`` exactly (``csv.bad_header`` refuses the whole file); a row with the
    wrong number of cells is refused and the import goes on."""
    bad: list[RowRefusal] = []
    rows = file_rows(source, kind.header, bad)
    report = import_rows(session, kind, rows, settings=settings, presets=presets)
    report.refused = sorted([*report.refused, *bad], key=lambda refusal: refusal.line)
    return report


__all__ = [
    "Cells",
    "Faults",
    "ImportReport",
    "Kind",
    "RowRefusal",
    "Values",
    "errors_of",
    "file_rows",
    "import_file",
    "import_rows",
    "read_clocks",
    "read_place",
    "texts",
]
