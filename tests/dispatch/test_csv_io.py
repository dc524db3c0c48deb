"""The order CSV: exact header, UTF-8 with or without BOM, rows with their line numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch.csv_io import CSV_HEADER, read_order_rows
from dispatch.errors import DomainError

HEADER = ",".join(CSV_HEADER)
ROW_1 = "sawojajar,wa-1,Bu Sri,0812-3456-7890,Jl. Mawar 1,,,,1,,,125.000,,,,"
ROW_2 = 'Bareng,wa-2,Pak Budi,0812-1111-2222,"Jl. Ijen 5, Kel. Bareng",,,,"2,5",,,50000,,07:00,,'


def test_header_is_the_issue_header() -> None:
    """The sixteen columns, in the order the import format fixes."""
    assert HEADER == (
        "market,external_id,customer_name,phone,address,lat,lon,items,weight_kg,fulfilment,"
        "payment,amount_rp,delivery_fee_rp,window_start,window_end,notes"
    )


def test_rows_come_with_their_line_numbers_and_header_keys() -> None:
    """Each row is keyed by the header, values as written, with its line (header is 1)."""
    rows = list(read_order_rows(f"{HEADER}\n{ROW_1}\n{ROW_2}\n"))
    assert [line for line, _ in rows] == [2, 3]
    first, second = rows[0][1], rows[1][1]
    assert tuple(first) == CSV_HEADER
    assert (first["market"], first["amount_rp"], first["lat"]) == ("sawojajar", "125.000", "")
    assert (second["address"], second["weight_kg"]) == ("Jl. Ijen 5, Kel. Bareng", "2,5")


def test_file_with_bom_and_crlf_is_read(tmp_path: Path) -> None:
    """A UTF-8 file with a byte-order mark and Windows line ends reads like any other."""
    path = tmp_path / "orders.csv"
    path.write_bytes(("\ufeff" + HEADER + "\r\n" + ROW_1 + "\r\n").encode())
    rows = list(read_order_rows(path))
    assert [(line, row["external_id"]) for line, row in rows] == [(2, "wa-1")]


def test_text_with_bom_is_read() -> None:
    """Text that still carries a BOM is read too."""
    assert len(list(read_order_rows(f"\ufeff{HEADER}\n{ROW_1}\n"))) == 1


def test_non_ascii_text_is_kept(tmp_path: Path) -> None:
    """UTF-8 names and notes survive the round trip."""
    path = tmp_path / "orders.csv"
    path.write_text(f"{HEADER}\n{ROW_1}titip di warung Bu Ání ✓\n", encoding="utf-8")
    [(_, row)] = read_order_rows(path)
    assert row["notes"] == "titip di warung Bu Ání ✓"


def test_multi_line_cell_counts_from_its_first_line() -> None:
    """A quoted cell spanning lines gives the row's first line; the next row's is exact."""
    text = f'{HEADER}\nsawojajar,wa-1,Bu,0812,"Jl. Mawar 1\nRT 3 RW 2",,,,1,,,0,,,,\n{ROW_2}\n'
    rows = list(read_order_rows(text))
    assert [line for line, _ in rows] == [2, 4]
    assert rows[0][1]["address"] == "Jl. Mawar 1\nRT 3 RW 2"


def test_blank_and_empty_rows_are_skipped() -> None:
    """Blank lines and rows of empty cells (spreadsheet leftovers) are not orders."""
    text = f"{HEADER}\n\n{ROW_1}\n{',' * 15}\n\n{ROW_2}\n"
    assert [line for line, _ in read_order_rows(text)] == [3, 6]


def test_header_only_gives_no_rows() -> None:
    """A file with only the header holds no orders."""
    assert list(read_order_rows(HEADER + "\n")) == []


@pytest.mark.parametrize(
    ("header", "missing", "unexpected"),
    [
        (HEADER.replace(",notes", ""), "notes", "-"),
        (HEADER + ",priority", "-", "priority"),
        (HEADER.replace("phone", "telepon"), "phone", "telepon"),
        (HEADER.replace("market", "Market"), "market", "Market"),
        (HEADER + ",phone", "-", "phone"),
        ("", ",".join(CSV_HEADER).replace(",", ", "), "-"),
    ],
)
def test_header_must_match_exactly(header: str, missing: str, unexpected: str) -> None:
    """A missing, extra, renamed, re-cased or repeated column is named in the refusal."""
    with pytest.raises(DomainError) as caught:
        list(read_order_rows(f"{header}\n{ROW_1}\n"))
    error = caught.value
    assert (error.code, error.field) == ("csv.bad_header", None)
    assert (error.params["missing"], error.params["unexpected"]) == (missing, unexpected)
    assert f"kolom kurang: {missing}; kolom tidak dikenal: {unexpected}" in str(error)


def test_columns_out_of_order_are_refused() -> None:
    """The right columns in another order are refused, showing the header to use."""
    swapped = ",".join(["external_id", "market", *CSV_HEADER[2:]])
    with pytest.raises(DomainError) as caught:
        list(read_order_rows(swapped + "\n"))
    assert caught.value.code == "csv.bad_header"
    assert HEADER in str(caught.value)


def test_semicolon_separated_file_is_refused_with_a_hint() -> None:
    """A spreadsheet export with ; as separator gets its own explanation."""
    with pytest.raises(DomainError) as caught:
        list(read_order_rows(HEADER.replace(",", ";") + "\n"))
    assert caught.value.code == "csv.bad_delimiter"
    assert "titik koma" in str(caught.value)


def test_file_not_in_utf8_is_refused_with_its_line(tmp_path: Path) -> None:
    """A Windows-1252 file is refused, naming the first line that is not UTF-8."""
    path = tmp_path / "orders.csv"
    path.write_bytes(f"{HEADER}\n{ROW_1}\n{ROW_1}café\n".encode("cp1252"))
    with pytest.raises(DomainError) as caught:
        list(read_order_rows(path))
    assert (caught.value.code, caught.value.params["line"]) == ("csv.bad_encoding", 3)


def test_row_with_wrong_cell_count_is_refused_with_its_line() -> None:
    """An unquoted comma in a cell shifts the columns: the row is refused by line."""
    broken = ROW_1.replace("Jl. Mawar 1", "Jl. Mawar 1, Sawojajar")
    with pytest.raises(DomainError) as caught:
        list(read_order_rows(f"{HEADER}\n{ROW_1}\n{broken}\n"))
    assert caught.value.code == "csv.bad_row"
    assert caught.value.params == {"line": 3, "count": 17, "expected": 16}


def test_bad_rows_can_be_reported_and_skipped() -> None:
    """With ``on_bad_row`` a malformed row is reported and the reading goes on."""
    bad: list[tuple[int, str]] = []
    text = f"{HEADER}\n{ROW_1}\nsawojajar,wa-9\n{ROW_2}\n"
    rows = read_order_rows(text, on_bad_row=lambda line, error: bad.append((line, error.code)))
    assert [line for line, _ in rows] == [2, 4]
    assert bad == [(3, "csv.bad_row")]
