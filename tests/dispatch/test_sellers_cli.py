"""Sellers from the command line: ``antar sellers add|import|list|update``, orders CSVs
naming sellers, and ``antar orders generate --seller-share``, each refusal one line (line,
column, code, the reason in Bahasa)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlmodel import Session, select

from dispatch.csv_io import ORDER_COLUMNS
from dispatch.db import make_engine
from dispatch.models import Order, Seller, SellerVerification
from tests.dispatch.factories import order_fields
from tests.dispatch.test_city import Antar, antar_on

__all__ = ["antar_on"]

CITY = Path(__file__).resolve().parents[1] / "data" / "city"
DAY = "2026-12-10"
HEADER = "code,name,cluster,category,phone,address,lat,lon,nib,market,opens,closes\n"


def _orders_csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    """An orders CSV with the ``seller`` column: one sawojajar order per (key, seller)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=ORDER_COLUMNS)
        writer.writeheader()
        for key, seller in rows:
            writer.writerow(order_fields(external_id=key, seller=seller))
    return path


def test_sellers_import_refuses_line_by_line_and_a_reimport_changes_nothing(
    tmp_path: Path, antar_on: Antar
) -> None:
    """`antar sellers import` prints each fault of a refused row on a line of its own and
    goes on (exit 1); the city's file imports, twice without change; `--verified` makes new
    sellers verified, `antar sellers update` verifies one, `antar sellers list` shows them."""
    url = f"sqlite:///{tmp_path / 'antar.db'}"
    assert antar_on(url, "seed").returncode == 0
    bad = tmp_path / "sellers.csv"
    bad.write_text(
        HEADER
        + "batu,Keripik Batu,kuliner,makanan-minuman,0813-3300-2001,Jl. Batu,-7.8671,112.5239,,,,\n"
        + "kaos,Kaos,umkm,elektronik,12,Jl. Kawi,-7.97,112.62,,,,\n"
        + "jahit,Jahit,umkm,jasa,0813-3300-2003,Jl. Kawi,-7.97,112.62,,nowhere,,\n"
        + "sapu,Sapu,ikm,kriya,0813-3300-2004,Jl. Kawi,-7.97,112.62,123,,09:00,08:00\n"
        + "gerabah,Gerabah,ikm\n"
        + "sambal,Sambal,kuliner,makanan-minuman,0813-3300-2006,Jl. Kauman,-7.979455,"
        + "112.627384,,,06:00,14:00\n",
        encoding="utf-8",
    )
    result = antar_on(url, "sellers", "import", str(bad))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines == [
        "baris 2: lat: seller.outside_city: Lokasi penjual (-7.8671, 112.5239) di luar Kota "
        "Malang: hanya penjual di dalam kota yang bisa dilayani (periksa lat dan lon).",
        'baris 3: category: seller.invalid_category: Kategori "elektronik" bukan kategori '
        'Malpro: pilih "makanan-minuman", "fashion-pria", "fashion-wanita", "peralatan", '
        '"kriya", "perlengkapan-rumah", "jasa", "wedding".',
        'baris 3: phone: order.invalid_phone: Nomor telepon "12" tidak valid: tulis seperti '
        "0812-3456-7890 atau +62 812-3456-7890.",
        "baris 4: market: market.not_found: Pasar nowhere tidak ditemukan.",
        'baris 5: nib: seller.invalid_nib: NIB "123" tidak valid: NIB terdiri dari 13 angka '
        "(boleh dikosongkan).",
        "baris 5: closes: seller.invalid_hours: Jam tutup penjual 08:00 harus setelah jam buka "
        "09:00.",
        "baris 6: -: csv.bad_row: " + lines[-1].split("csv.bad_row: ", 1)[1],
    ]
    assert "1 ditambahkan, 0 diubah, 0 tetap, 5 ditolak" in result.stdout
    english = antar_on(url, "--lang", "en", "sellers", "import", str(bad))
    assert "line 4: market: market.not_found: Market nowhere" in english.stderr

    city = antar_on(url, "sellers", "import", str(CITY / "sellers.csv"), "--verified")
    assert city.returncode == 0, city.stderr
    assert "10 ditambahkan, 0 diubah, 0 tetap, 0 ditolak" in city.stdout
    again = antar_on(url, "--lang", "en", "sellers", "import", str(CITY / "sellers.csv"))
    assert "0 added, 0 changed, 10 unchanged, 0 refused" in again.stdout

    suspend = antar_on(url, "sellers", "update", "kaos-polehan", "--verification", "suspended")
    assert "penjual kaos-polehan diubah: Verifikasi" in suspend.stdout
    bad_update = antar_on(url, "sellers", "update", "kaos-polehan", "--lat", "-7.2")
    assert bad_update.returncode == 2
    assert "di luar Kota Malang" in bad_update.stderr
    listed = antar_on(url, "sellers", "list", "--verification", "suspended")
    assert "kaos-polehan" in listed.stdout
    assert "keripik-tempe-sanan" not in listed.stdout
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            stored = {s.code: s for s in session.exec(select(Seller)).all()}
    finally:
        engine.dispose()
    assert stored["keripik-tempe-sanan"].verification is SellerVerification.VERIFIED
    assert stored["kaos-polehan"].verification is SellerVerification.SUSPENDED
    assert stored["sambal"].verification is SellerVerification.PENDING


def test_sellers_add_needs_every_value_and_the_rules(tmp_path: Path, antar_on: Antar) -> None:
    """`antar sellers add` stores a seller at the nearest market when none is named; a bad
    value is refused (exit 2) with every fault in one message."""
    url = f"sqlite:///{tmp_path / 'antar.db'}"
    assert antar_on(url, "seed").returncode == 0
    values = [
        "--name", "Kue Lumpur", "--cluster", "kuliner", "--category", "makanan-minuman",
        "--phone", "0813-1111-2222", "--address", "Jl. Ki Ageng Gribig",
        "--lat", "-7.992491", "--lon", "112.664991",
    ]  # fmt: skip
    added = antar_on(url, "sellers", "add", "--code", "kue-lumpur", *values)
    assert added.returncode == 0, added.stderr
    assert "penjual kue-lumpur ditambahkan, dilayani pasar sawojajar" in added.stdout
    again = antar_on(url, "sellers", "add", "--code", "kue-lumpur", *values)
    assert again.returncode == 2
    assert "Penjual dengan kode kue-lumpur sudah ada." in again.stderr
    bad = antar_on(url, "sellers", "add", "--code", "Bad Code", *values, "--nib", "12")
    assert bad.returncode == 2
    assert "Penjual ditolak, 2 kesalahan" in bad.stderr


def test_an_orders_file_naming_sellers_refuses_line_by_line(
    tmp_path: Path, antar_on: Antar
) -> None:
    """`antar orders import` of a CSV with the ``seller`` column: an unknown, unverified or
    suspended seller, or one of another market, is refused on its line naming the column
    ``seller``; the others are stored with their seller."""
    url = f"sqlite:///{tmp_path / 'antar.db'}"
    assert antar_on(url, "seed").returncode == 0
    assert antar_on(url, "sellers", "import", str(CITY / "sellers.csv")).returncode == 0
    antar_on(url, "sellers", "update", "keripik-tempe-sanan", "--verification", "verified")
    antar_on(url, "sellers", "update", "kaos-polehan", "--verification", "suspended")
    orders = _orders_csv(
        tmp_path / "orders.csv",
        [
            ("s-1", "keripik-tempe-sanan"),  # 2
            ("s-2", "kaos-polehan"),  # 3
            ("s-3", "kriya-jodipan"),  # 4
            ("s-4", "nowhere"),  # 5
            ("s-5", "gadang-kaos-arema-jaya"),  # 6
            ("s-6", "sawojajar-toko-bumbu-bu-sum"),  # 7
            ("s-7", ""),  # 8
        ],
    )
    result = antar_on(url, "orders", "import", str(orders), "--date", DAY)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        'baris 3: seller: order.seller_suspended: Penjual "kaos-polehan" sedang dibekukan: '
        "pesanannya tidak diterima.",
        'baris 4: seller: order.seller_unverified: Penjual "kriya-jodipan" belum diverifikasi: '
        "pesanan dari penjual baru diterima setelah penjual diverifikasi.",
        'baris 5: seller: order.unknown_seller: Penjual "nowhere" tidak dikenal: periksa kode '
        "penjual.",
        'baris 6: seller: order.seller_other_market: Penjual "gadang-kaos-arema-jaya" dilayani '
        'pasar gadang, bukan pasar sawojajar: isi kolom "market" dengan gadang.',
    ]
    assert "3 diimpor, 0 ganda, 4 ditolak" in result.stdout
    english = antar_on(url, "--lang", "en", "orders", "import", str(orders), "--date", DAY)
    assert 'line 4: seller: order.seller_unverified: Seller "kriya-jodipan" is not verified' in (
        english.stderr
    )
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            kept = {
                o.idempotency_key: (o.seller.code if o.seller else None)
                for o in session.exec(select(Order)).all()
            }
    finally:
        engine.dispose()
    assert kept == {
        "s-1": "keripik-tempe-sanan",
        "s-6": "sawojajar-toko-bumbu-bu-sum",
        "s-7": None,
    }


def test_orders_generate_mixes_in_seller_orders(tmp_path: Path, antar_on: Antar) -> None:
    """`--seller-share` (0.2 by default) names a seeded seller of the order's market on
    about that share of the rows; the CSV written has the ``seller`` column and imports;
    a share outside 0..1 is refused by the option itself."""
    url = f"sqlite:///{tmp_path / 'antar.db'}"
    assert antar_on(url, "seed").returncode == 0
    out = tmp_path / "g.csv"
    written = antar_on(
        url, "orders", "generate", "--per-market", "40", "--seller-share", "0,5",
        "--date", DAY, "--csv", str(out),
    )  # fmt: skip
    assert written.returncode == 0, written.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert tuple(rows[0]) == ORDER_COLUMNS
    named = [r for r in rows if r["seller"]]
    assert 0.35 < len(named) / len(rows) < 0.65
    assert all(r["seller"].startswith(r["market"] + "-") for r in named)
    imported = antar_on(url, "orders", "import", str(out), "--date", DAY)
    assert imported.returncode == 0, imported.stderr
    assert "240 diimpor, 0 ganda, 0 ditolak" in imported.stdout
    share = antar_on(url, "orders", "generate", "--per-market", "2", "--date", DAY)
    assert share.returncode == 0, share.stderr
    with pytest.raises(SystemExit) as refused:
        antar_on(url, "orders", "generate", "--per-market", "2", "--seller-share", "1.5")
    assert refused.value.code == 2
