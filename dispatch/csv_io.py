"""CSV files: the order CSV's exact header, one reader that yields a file's rows with their
line numbers (orders here; markets, runners and sellers with `dispatch.kinds`) and refuses,
line by line, what it cannot read, one-line refusal lines, and a writer that neutralises
formulas in every CSV this service writes.

Refusals of an import are printed one per line, ``baris 12: phone: order.invalid_phone:
<reason>`` (``line 12: ...`` in English): the line number, the field, the stable code and the
reason, with any line break or other control character of the input escaped (``\n``), so a
cell can never start a line of its own (nor forge one).

CSV out follows OWASP's advice on CSV injection: a text cell that begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return is written with a leading ``'`` so a spreadsheet
shows it as text instead of running it as a formula. Numbers stay numbers: a cell that is a
plain number (``-1500``, ``12.5``) or a phone in E.164 (``+6281234567890``) is written as
it is, since a spreadsheet reads it as a number, never as a call.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final

from dispatch.errors import DomainError, Lang, escaped, listed
from dispatch.i18n import text

CSV_HEADER: Final[tuple[str, ...]] = (
    "market",
    "external_id",
    "customer_name",
    "phone",
    "address",
    "lat",
    "lon",
    "items",
    "weight_kg",
    "fulfilment",
    "payment",
    "amount_rp",
    "delivery_fee_rp",
    "window_start",
    "window_end",
    "notes",
)
"""The columns of an order CSV, exactly and in this order."""

#: Columns an order CSV may add after `CSV_HEADER`: ``seller``, the code of the seller whose
#: goods the order takes (collected there instead of bought at the market).
ORDER_OPTIONAL: Final[tuple[str, ...]] = ("seller",)
#: Every column of an order CSV, the optional ones included (what the generator writes).
ORDER_COLUMNS: Final[tuple[str, ...]] = (*CSV_HEADER, *ORDER_OPTIONAL)

BadRowHandler = Callable[[int, DomainError], object]
"""Told of a row that cannot be read: its line number and a ``csv.bad_row`` (wrong number of
cells) or ``csv.cell_too_large`` error."""

#: The largest file read, in bytes; a larger one is refused whole.
MAX_FILE_BYTES: Final = 32 * 1024 * 1024
#: The largest cell the reader takes (the csv module's own limit), in characters.
MAX_CELL_CHARS: Final = csv.field_size_limit()


def _decode(data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        line = data[:MAX_FILE_BYTES].count(b"\n") + 1
        raise DomainError("csv.too_large", params={"line": line, "limit": MAX_FILE_BYTES})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DomainError("csv.bad_encoding", params={"line": line}) from None


def _check_header(header: list[str], expected_header: tuple[str, ...]) -> None:
    if tuple(header) == expected_header:
        return
    if len(header) == 1 and ";" in header[0]:
        raise DomainError("csv.bad_delimiter")
    expected, got = Counter(expected_header), Counter(header)
    raise DomainError(
        "csv.bad_header",
        params={
            "missing": listed(list((expected - got).elements())),
            "unexpected": listed(list((got - expected).elements())),
            "expected": ",".join(expected_header),
        },
    )


def read_order_rows(
    source: str | bytes | os.PathLike[str],
    *,
    on_bad_row: BadRowHandler | None = None,
) -> Iterator[tuple[int, dict[str, str]]]:
    """The order rows of a CSV: `read_rows` with `CSV_HEADER`, and the ``seller`` column
    after it when the file has one."""
    return read_rows(source, CSV_HEADER, on_bad_row=on_bad_row, optional=ORDER_OPTIONAL)


def read_rows(
    source: str | bytes | os.PathLike[str],
    header: tuple[str, ...],
    *,
    on_bad_row: BadRowHandler | None = None,
    optional: tuple[str, ...] = (),
) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a CSV whose header is exactly ``header`` (or ``header`` then the
    ``optional`` columns; a row of a file without them has no such keys), as ``(line, row)``: the
    row's first line number (1-based, the header is line 1) and its cells keyed by
    ``header``, values as written (not stripped).

    ``source`` is a file path (``Path`` or any path-like), the file's bytes (an upload) or
    the CSV text itself (a ``str``). UTF-8, with or without a byte-order mark. Rows whose
    cells are all empty are skipped.

    Raises `DomainError` ``csv.too_large`` for a file over `MAX_FILE_BYTES`,
    ``csv.bad_encoding`` for a file that is not UTF-8, ``csv.bad_header`` (naming the missing
    and unknown columns) or ``csv.bad_delimiter`` (``;`` instead of ``,``) when the header is
    not exactly ``header``. A row with the wrong number of cells raises ``csv.bad_row`` and
    one with a cell over `MAX_CELL_CHARS` ``csv.cell_too_large``, unless ``on_bad_row`` is
    given: then it is told and the row skipped.
    """
    if isinstance(source, str):
        text = source.removeprefix("\ufeff")
    elif isinstance(source, bytes):
        text = _decode(source)
    else:
        text = _decode(Path(source).read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        first = next(reader, None)
    except csv.Error:
        first = None
    if optional and tuple(first or []) == (*header, *optional):
        header = (*header, *optional)
    _check_header(first or [], header)
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error:
            # A cell past the csv module's limit: refuse its row, read on from the next line.
            start, line = line, reader.line_num + 1
            too_large = DomainError(
                "csv.cell_too_large", params={"line": start, "limit": MAX_CELL_CHARS}
            )
            if on_bad_row is None:
                raise too_large from None
            on_bad_row(start, too_large)
            continue
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            error = DomainError(
                "csv.bad_row",
                params={"line": start, "count": len(cells), "expected": len(header)},
            )
            if on_bad_row is None:
                raise error
            on_bad_row(start, error)
            continue
        yield start, dict(zip(header, cells, strict=True))


# -- refusal lines ---------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\ud800-\udfff]")
_ESCAPES: Final = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: str) -> str:
    """``text`` on one line: line breaks and other control characters escaped (``\\n``,
    ``\\x00``)."""
    return _CONTROL.sub(lambda m: _ESCAPES.get(m.group(), escaped(m.group())), text)


def refusal_line(line: int, error: DomainError, lang: Lang = "id") -> str:
    """One refusal of an import as one line (the catalogue's ``cli.import_refused``):
    ``baris 12: phone: order.invalid_phone: ...`` (``line 12: ...`` in English)."""
    return one_line(
        text(
            "cli.import_refused",
            lang,
            line=line,
            field=error.field or "-",
            code=error.code,
            message=error.message(lang),
        )
    )


# -- CSV out -----------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?[0-9]+([.,][0-9]+)?")
_FORMULA_START: Final = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: object) -> object:
    """A cell as written to a CSV file: text that a spreadsheet would run as a formula gets a
    leading ``'``; numbers (and number-like text such as an E.164 phone) stay as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class SafeDictWriter(csv.DictWriter):  # type: ignore[type-arg]
    """`csv.DictWriter` whose rows are `neutralised` cell by cell. A carriage return inside
    a cell is written as a newline: the csv module quotes a cell holding its line
    terminator (``\\n`` here) but not a lone ``\\r``, which would break the row."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({key: _cell(value) for key, value in rowdict.items()})


def _cell(value: object) -> object:
    value = neutralised(value)
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value
