"""CSV files: the order CSV's exact header, and one reader that yields a file's rows with
their line numbers (orders here; markets and runners with `dispatch.fleet`'s headers)."""

from __future__ import annotations

import csv
import io
import os
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

from dispatch.errors import DomainError, listed

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

BadRowHandler = Callable[[int, DomainError], object]
"""Told of a row with the wrong number of cells: its line number and a ``csv.bad_row`` error."""


def _decode(data: bytes) -> str:
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
    """The order rows of a CSV: `read_rows` with `CSV_HEADER`."""
    return read_rows(source, CSV_HEADER, on_bad_row=on_bad_row)


def read_rows(
    source: str | bytes | os.PathLike[str],
    header: tuple[str, ...],
    *,
    on_bad_row: BadRowHandler | None = None,
) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a CSV whose header is exactly ``header``, as ``(line, row)``: the row's
    first line number (1-based, the header is line 1) and its cells keyed by ``header``,
    values as written (not stripped).

    ``source`` is a file path (``Path`` or any path-like), the file's bytes (an upload) or
    the CSV text itself (a ``str``). UTF-8, with or without a byte-order mark. Rows whose
    cells are all empty are skipped.

    Raises `DomainError` ``csv.bad_encoding`` for a file that is not UTF-8, ``csv.bad_header``
    (naming the missing and unknown columns) or ``csv.bad_delimiter`` (``;`` instead of ``,``)
    when the header is not exactly ``header``. A row with the wrong number of cells raises
    ``csv.bad_row``, unless ``on_bad_row`` is given: then it is told and the row skipped.
    """
    if isinstance(source, str):
        text = source.removeprefix("\ufeff")
    elif isinstance(source, bytes):
        text = _decode(source)
    else:
        text = _decode(Path(source).read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""))
    _check_header(next(reader, None) or [], header)
    line = reader.line_num + 1
    for cells in reader:
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
