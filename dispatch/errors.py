"""Domain errors: a stable code, the input field at fault, and a message in Bahasa Indonesia.

Every refusal of the dispatch domain is a `DomainError`. Its ``code`` is stable (clients and
tests match on it), ``field`` names the input field as in the CSV header (``phone``,
``weight_kg``; ``None`` when no single field is at fault) and ``params`` holds the values the
message quotes. The message comes from `MESSAGES`, one template per code and language:
Bahasa Indonesia by default, English on request. ``str(error)`` is the Indonesian message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final, Literal

Lang = Literal["id", "en"]
"""A message language: ``"id"`` (Bahasa Indonesia, the default) or ``"en"`` (English)."""

#: Message templates per code and language; ``{name}`` placeholders are filled from
#: ``params`` plus ``field`` and ``label`` (the field's name in words, from `FIELD_LABELS`).
#: A ``value`` param (the raw input) is shown quoted and cut short, see `shown`.
MESSAGES: Final[Mapping[str, Mapping[Lang, str]]] = {
    "order.required": {
        "id": "{label} wajib diisi (kolom {field}).",
        "en": "{label} is required (column {field}).",
    },
    "order.too_long": {
        "id": "{label} terlalu panjang: paling banyak {limit} huruf (ada {length}).",
        "en": "{label} is too long: at most {limit} characters ({length} given).",
    },
    "order.address_required": {
        "id": (
            "Alamat wajib diisi untuk pesanan antar, juga bila ada titik lokasi: kurir "
            "membaca nomor rumah di depan pagar (kolom address)."
        ),
        "en": (
            "A delivery needs an address, even with a location pin: the runner reads the "
            "house number at the gate (column address)."
        ),
    },
    "order.control_character": {
        "id": (
            "{label} memuat karakter kendali (misalnya NUL atau baris baru) yang tidak "
            "boleh ada di kolom {field}: hapus karakter itu."
        ),
        "en": (
            "{label} holds a control character (such as NUL or a line break) that column "
            "{field} may not hold: remove it."
        ),
    },
    "order.unknown_market": {
        "id": "Pasar {value} tidak dikenal: pilih salah satu dari {known}.",
        "en": "Unknown market {value}: choose one of {known}.",
    },
    "order.invalid_phone": {
        "id": (
            "Nomor telepon {value} tidak valid: tulis seperti 0812-3456-7890 "
            "atau +62 812-3456-7890."
        ),
        "en": (
            "Phone number {value} is not valid: write it like 0812-3456-7890 or +62 812-3456-7890."
        ),
    },
    "order.invalid_weight": {
        "id": (
            "Berat {value} tidak valid: tulis berat dalam kg, lebih dari 0 dan paling banyak "
            "10.000, misalnya 1,5."
        ),
        "en": (
            "Weight {value} is not valid: write the weight in kg, above 0 and at most 10,000, "
            "for example 1.5."
        ),
    },
    "order.invalid_amount": {
        "id": (
            "{label} {value} tidak valid: tulis rupiah bulat dari 0 sampai 1.000.000.000, "
            "misalnya 125.000 atau 125000."
        ),
        "en": (
            "{label} {value} is not valid: write whole rupiah from 0 to 1,000,000,000, "
            "for example 125.000 or 125000."
        ),
    },
    "order.invalid_time": {
        "id": "{label} {value} tidak valid: tulis jam WIB seperti 07:30 (00:00 sampai 23:59).",
        "en": "{label} {value} is not valid: write a WIB time like 07:30 (00:00 to 23:59).",
    },
    "order.invalid_window": {
        "id": (
            "Jam antar tidak masuk akal: selesai {end} harus setelah mulai {start}. "
            "Kosongkan keduanya untuk secepatnya."
        ),
        "en": (
            "Delivery window makes no sense: end {end} must be after start {start}. "
            "Leave both empty for as soon as possible."
        ),
    },
    "order.invalid_value": {
        "id": "{label} {value} tidak dikenal: pilih {allowed}.",
        "en": "{label} {value} is not known: choose {allowed}.",
    },
    "order.invalid_coordinates": {
        "id": "{label} {value} tidak valid: tulis angka desimal, misalnya -7.9826 atau 112.6308.",
        "en": "{label} {value} is not valid: write a decimal number, e.g. -7.9826 or 112.6308.",
    },
    "order.incomplete_coordinates": {
        "id": "Koordinat tidak lengkap: isi lat dan lon bersama, atau kosongkan keduanya.",
        "en": "Incomplete coordinates: fill in both lat and lon, or leave both empty.",
    },
    "order.outside_service_area": {
        "id": (
            "Titik antar ({lat}, {lon}) di luar Kota Malang: layanan antar hanya di dalam "
            "kota. Periksa lokasi yang dibagikan pelanggan."
        ),
        "en": (
            "Delivery point ({lat}, {lon}) is outside Kota Malang: delivery is only within "
            "the city. Check the location the customer shared."
        ),
    },
    "order.cannot_locate": {
        "id": (
            "Lokasi antar tidak ditemukan: isi lat dan lon, atau sebut kelurahan di alamat "
            '(misalnya "Kel. Sawojajar").'
        ),
        "en": (
            "Cannot locate the delivery: fill in lat and lon, or name the kelurahan in the "
            'address (for example "Kel. Sawojajar").'
        ),
    },
    "dispatch.unknown_market": {
        "id": "Pasar {code} tidak dikenal.",
        "en": "Unknown market {code}.",
    },
    "dispatch.no_markets": {
        "id": "Tidak ada pasar untuk di-dispatch.",
        "en": "There are no markets to dispatch.",
    },
    "dispatch.market_busy": {
        "id": "Pasar {code} sedang di-dispatch: tunggu sampai selesai, lalu coba lagi.",
        "en": "Market {code} is being dispatched already: wait until it finishes, then retry.",
    },
    "dispatch.unknown_run": {
        "id": "Dispatch {id} tidak ditemukan.",
        "en": "Dispatch run {id} not found.",
    },
    "order.invalid": {
        "id": "Pesanan ditolak, {count} kesalahan: {details}",
        "en": "Order refused, {count} errors: {details}",
    },
    "csv.bad_header": {
        "id": (
            "Baris judul CSV tidak sesuai (kolom kurang: {missing}; kolom tidak dikenal: "
            "{unexpected}). Baris judul harus persis: {expected}"
        ),
        "en": (
            "The CSV header does not match (missing columns: {missing}; unknown columns: "
            "{unexpected}). The header must be exactly: {expected}"
        ),
    },
    "csv.bad_delimiter": {
        "id": (
            "Kolom CSV harus dipisah koma (,), bukan titik koma (;): simpan ulang berkas "
            'sebagai "CSV UTF-8 (dipisah koma)".'
        ),
        "en": (
            "CSV columns must be separated by commas (,), not semicolons (;): save the file "
            'again as "CSV UTF-8 (comma delimited)".'
        ),
    },
    "csv.bad_encoding": {
        "id": (
            'Berkas CSV bukan UTF-8 (baris {line}): simpan ulang sebagai "CSV UTF-8 '
            '(dipisah koma)".'
        ),
        "en": 'The CSV file is not UTF-8 (line {line}): save it again as "CSV UTF-8".',
    },
    "csv.bad_row": {
        "id": (
            "Baris {line} berisi {count} kolom, seharusnya {expected}: "
            "periksa koma dan tanda kutip."
        ),
        "en": "Line {line} has {count} columns instead of {expected}: check commas and quotes.",
    },
    "csv.cell_too_large": {
        "id": (
            "Baris {line} memuat sel lebih dari {limit} karakter: baris ini dilewati. "
            "Periksa tanda kutip yang tidak ditutup."
        ),
        "en": (
            "Line {line} holds a cell over {limit} characters: the row is skipped. Check for "
            "a quote that is never closed."
        ),
    },
    "csv.too_large": {
        "id": (
            "Berkas CSV lebih dari {limit} byte (batas terlewati di baris {line}): bagi "
            "menjadi beberapa berkas, lalu impor satu per satu."
        ),
        "en": (
            "The CSV file is over {limit} bytes (the limit is passed at line {line}): split it "
            "into several files and import them one by one."
        ),
    },
    "request.invalid_row": {
        "id": "Basis data menolak baris ini (nilai yang tidak bisa disimpan): baris dilewati.",
        "en": "The database refused this row (a value that cannot be stored): row skipped.",
    },
    "order.not_found": {
        "id": "Pesanan tidak ditemukan.",
        "en": "Order not found.",
    },
    "runner.not_found": {
        "id": "Kurir tidak ditemukan.",
        "en": "Runner not found.",
    },
    "replan.other_market": {
        "id": "Kurir itu bekerja di pasar lain: pilih kurir pasar pesanan ini.",
        "en": "That runner works at another market: choose one of this order's market.",
    },
    "replan.runner_unavailable": {
        "id": "Kurir itu sedang tidak bertugas: pilih kurir yang sedang bertugas.",
        "en": "That runner is not on shift: choose a runner who is.",
    },
    "order.invalid_transition": {
        "id": "Status pesanan tidak bisa berubah dari {from} ke {to}.",
        "en": "The order cannot go from {from} to {to}.",
    },
    "order.not_pickup": {
        "id": (
            "Pesanan ini diantar kurir, bukan diambil sendiri: statusnya berubah lewat "
            "tautan rute kurir."
        ),
        "en": (
            "This order is delivered by a runner, not collected by the customer: its status "
            "changes through the runner's route link."
        ),
    },
    "console.csrf_invalid": {
        "id": "Formulir kedaluwarsa atau tidak sah: muat ulang halaman, lalu coba lagi.",
        "en": "The form has expired or is not valid: reload the page, then try again.",
    },
    "console.session_expired": {
        "id": "Sesi konsol sudah berakhir: masuk lagi dengan token Anda.",
        "en": "The console session has ended: sign in again with your token.",
    },
    "console.token_revoked": {
        "id": "Token Anda sudah dicabut: minta token baru ke operator, lalu masuk lagi.",
        "en": "Your token has been revoked: ask an operator for a new one, then sign in again.",
    },
    "console.bad_form": {
        "id": "Formulir tidak bisa dibaca: kirim ulang dari halaman konsol.",
        "en": "The form cannot be read: submit it again from the console page.",
    },
    "auth.market_required": {
        "id": "Token koordinator perlu pasar: tambahkan --market KODE.",
        "en": "A coordinator token needs a market: add --market CODE.",
    },
    "auth.operator_has_no_market": {
        "id": "Token operator berlaku untuk semua pasar: jangan isi pasar.",
        "en": "An operator token covers every market: give no market.",
    },
    "link.invalid": {
        "id": "Tautan rute tidak sah. Minta tautan baru ke koordinator pasar.",
        "en": "This route link is not valid. Ask the market coordinator for a new one.",
    },
    "link.expired": {
        "id": "Tautan rute sudah kedaluwarsa (shift selesai). Minta tautan baru ke koordinator.",
        "en": "This route link has expired (the shift is over). Ask the coordinator for a new one.",
    },
    "auth.required": {
        "id": "Perlu token: kirim header Authorization: Bearer TOKEN (dari antar tokens create).",
        "en": "A token is required: send Authorization: Bearer TOKEN (from antar tokens create).",
    },
    "auth.invalid": {
        "id": "Token tidak sah atau sudah dicabut: minta token baru ke operator.",
        "en": "The token is not valid or has been revoked: ask an operator for a new one.",
    },
    "auth.forbidden": {
        "id": "Hanya operator yang boleh melakukan ini.",
        "en": "Only operators may do this.",
    },
    "market.not_found": {
        "id": "Pasar {code} tidak ditemukan.",
        "en": "Market {code} not found.",
    },
    "market.exists": {
        "id": "Pasar dengan kode {code} sudah ada.",
        "en": "A market with code {code} exists already.",
    },
    "market.invalid_hours": {
        "id": "Jam tutup {closes} harus setelah jam buka {opens}.",
        "en": "Closing time {closes} must be after opening time {opens}.",
    },
    "runner.position_time": {
        "id": (
            "Waktu posisi {value} tidak masuk akal: paling lambat {ahead} menit setelah "
            "jam server dan tidak lebih tua dari {age} jam. Periksa jam ponsel."
        ),
        "en": (
            "Position time {value} makes no sense: at most {ahead} minutes ahead of the "
            "server's clock and no older than {age} hours. Check the phone's clock."
        ),
    },
    "runner.invalid_shift": {
        "id": "Shift tidak masuk akal: selesai {end} harus setelah mulai {start}.",
        "en": "The shift makes no sense: end {end} must be after start {start}.",
    },
    "request.required": {
        "id": "Isian {field} wajib diisi.",
        "en": "Field {field} is required.",
    },
    "request.invalid": {
        "id": "Isian {field} tidak valid: {reason}.",
        "en": "Field {field} is not valid: {reason}.",
    },
    "request.unreadable": {
        "id": "Isi permintaan tidak bisa dibaca: kirim JSON UTF-8 yang sah.",
        "en": "The request body cannot be read: send valid UTF-8 JSON.",
    },
    "request.too_large": {
        "id": "Isi permintaan terlalu besar: paling banyak {limit} byte.",
        "en": "The request body is too large: at most {limit} bytes.",
    },
    "request.control_character": {
        "id": (
            "{label} memuat karakter kendali (misalnya NUL) yang tidak boleh ada: "
            "hapus karakter itu (kolom {field})."
        ),
        "en": (
            "{label} holds a control character (such as NUL) that is not allowed: remove it "
            "(column {field})."
        ),
    },
    "http.not_found": {
        "id": "Alamat ini tidak ada di API.",
        "en": "There is no such address in the API.",
    },
    "http.method_not_allowed": {
        "id": "Metode HTTP ini tidak berlaku untuk alamat ini.",
        "en": "This HTTP method is not allowed on this address.",
    },
    "http.error": {
        "id": "Permintaan ditolak (HTTP {status}).",
        "en": "Request refused (HTTP {status}).",
    },
    "request.invalid_value": {
        "id": "Ada nilai yang tidak bisa disimpan (karakter tidak sah atau angka terlalu besar).",
        "en": "A value cannot be stored (a character that is not allowed, or a number too big).",
    },
    "service.unavailable": {
        "id": "Basis data tidak bisa dihubungi: coba lagi sebentar lagi.",
        "en": "The database cannot be reached: try again shortly.",
    },
    "report.unknown_market": {
        "id": "Pasar {code} tidak dikenal: pilih salah satu dari {known}.",
        "en": "Unknown market {code}: choose one of {known}.",
    },
    "report.invalid_date": {
        "id": "Tanggal {value} tidak valid: tulis TAHUN-BULAN-TANGGAL, misalnya 2026-11-26.",
        "en": "Date {value} is not valid: write YEAR-MONTH-DAY, for example 2026-11-26.",
    },
    "settings.secret_key_public": {
        "id": (
            "ANTAR_SECRET_KEY adalah kunci contoh yang diketahui umum: hapus pengaturan itu "
            "(server membuat kunci acak sendiri) atau isi kunci acak yang panjang."
        ),
        "en": (
            "ANTAR_SECRET_KEY is a publicly known example key: unset it (the server makes a "
            "random key of its own) or set a long random key."
        ),
    },
    "settings.secret_key_short": {
        "id": "ANTAR_SECRET_KEY terlalu pendek: paling sedikit {limit} karakter acak.",
        "en": "ANTAR_SECRET_KEY is too short: at least {limit} random characters.",
    },
    # -- WhatsApp (dispatch/whatsapp, api/routes/whatsapp.py, api/routes/drafts.py) ----------
    "whatsapp.verify_failed": {
        "id": "Verifikasi webhook WhatsApp gagal: hub.mode atau hub.verify_token tidak cocok.",
        "en": "WhatsApp webhook verification failed: hub.mode or hub.verify_token do not match.",
    },
    "whatsapp.bad_signature": {
        "id": "Tanda tangan X-Hub-Signature-256 tidak ada atau tidak sah: pesan tidak disimpan.",
        "en": "The X-Hub-Signature-256 signature is missing or wrong: nothing was stored.",
    },
    "whatsapp.unreadable_text": {
        "id": "Pesan tidak bisa dibaca: kirim teks UTF-8 (antar whatsapp parse - membaca stdin).",
        "en": "The message cannot be read: send UTF-8 text (antar whatsapp parse - reads stdin).",
    },
    "whatsapp.control_character": {
        "id": (
            "Pesan WhatsApp memuat karakter kendali (misalnya NUL) di {field}: pesan ini "
            "tidak disimpan, pesan lain dari kiriman yang sama tetap disimpan."
        ),
        "en": (
            "The WhatsApp message holds a control character (such as NUL) in {field}: it is "
            "not stored; the other messages of the same delivery are."
        ),
    },
    "whatsapp.bad_message_id": {
        "id": "ID pesan WhatsApp lebih dari 100 karakter: pesan ini tidak disimpan.",
        "en": "The WhatsApp message id is longer than 100 characters: it is not stored.",
    },
    "whatsapp.unstorable": {
        "id": "Basis data menolak pesan WhatsApp ini: pesan ini tidak disimpan.",
        "en": "The database refused this WhatsApp message: it is not stored.",
    },
    "request.too_deep": {
        "id": "Isi permintaan bersarang terlalu dalam: paling banyak {limit} tingkat.",
        "en": "The request body is nested too deeply: at most {limit} levels.",
    },
    "draft.not_found": {
        "id": "Draf pesanan WhatsApp tidak ditemukan.",
        "en": "WhatsApp draft order not found.",
    },
    "draft.closed": {
        "id": "Draf pesanan ini sudah {status}: tidak bisa diubah lagi.",
        "en": "This draft order is {status} already: it cannot change any more.",
    },
    "tracking.invalid": {
        "id": "Tautan lacak pesanan tidak sah. Tanyakan ke pasar lewat WhatsApp.",
        "en": "This tracking link is not valid. Ask the market on WhatsApp.",
    },
    "tracking.expired": {
        "id": "Tautan lacak pesanan sudah kedaluwarsa (hari antar sudah lewat).",
        "en": "This tracking link has expired (the delivery day is over).",
    },
}

#: Input fields in words, per language, for messages (keys are the CSV header names).
FIELD_LABELS: Final[Mapping[Lang, Mapping[str, str]]] = {
    "id": {
        "market": "Pasar",
        "external_id": "ID pesanan",
        "customer_name": "Nama pelanggan",
        "phone": "Nomor telepon",
        "address": "Alamat",
        "lat": "Lintang (lat)",
        "lon": "Bujur (lon)",
        "items": "Barang",
        "weight_kg": "Berat",
        "fulfilment": "Cara terima",
        "payment": "Cara bayar",
        "amount_rp": "Harga barang",
        "delivery_fee_rp": "Ongkos antar",
        "window_start": "Jam mulai antar",
        "window_end": "Jam selesai antar",
        "notes": "Catatan",
    },
    "en": {
        "market": "Market",
        "external_id": "Order id",
        "customer_name": "Customer name",
        "phone": "Phone number",
        "address": "Address",
        "lat": "Latitude (lat)",
        "lon": "Longitude (lon)",
        "items": "Items",
        "weight_kg": "Weight",
        "fulfilment": "Fulfilment",
        "payment": "Payment",
        "amount_rp": "Goods amount",
        "delivery_fee_rp": "Delivery fee",
        "window_start": "Window start",
        "window_end": "Window end",
        "notes": "Notes",
    },
}

_FALLBACK: Final[Mapping[Lang, str]] = {
    "id": "Data tidak valid ({code}).",
    "en": "Invalid data ({code}).",
}

_MAX_SHOWN = 60
"""Longest quoted input value in a message, in characters."""
_UNPRINTABLE: Final = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\ud800-\udfff]")
"""Characters a quoted value shows escaped (``\\x0a``): a message stays one printable line."""


def shown(value: object) -> str:
    """A user's input value as a message quotes it: in double quotes, cut at 60 characters."""
    text = "" if value is None else str(value)
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 1] + "…"
    text = _UNPRINTABLE.sub(lambda m: escaped(m.group()), text)
    return f'"{text}"'


def escaped(character: str) -> str:
    """A character as an escape: ``\\x00``, or ``\\u2028`` past ``\\xff``."""
    code = ord(character)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def listed(values: Sequence[object]) -> str:
    """Values joined for a message (``a, b, c``), or ``-`` when there are none."""
    return ", ".join(str(value) for value in values) or "-"


class _Params(dict[str, object]):
    """Template values; a missing name shows as ``{name}`` instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class DomainError(Exception):
    """A refusal by the dispatch domain, with a stable ``code`` and a message to act on.

    ``field`` is the input field at fault, named as in the CSV header (``None`` when no one
    field is); ``params`` are the values the message template quotes.
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
        templates = MESSAGES.get(self.code, _FALLBACK)
        values = _Params(self.params)
        if "value" in values:
            values["value"] = shown(values["value"])
        values.setdefault("code", self.code)
        if self.field is not None:
            values.setdefault("field", self.field)
            values.setdefault("label", FIELD_LABELS[lang].get(self.field, self.field))
        return templates[lang].format_map(values)

    def as_dict(self, lang: Lang = "id") -> dict[str, str | None]:
        """The error as the API's JSON body carries it: ``code``, ``message``, ``field``."""
        return {"code": self.code, "message": self.message(lang), "field": self.field}

    def __str__(self) -> str:
        return self.message("id")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, field={self.field!r}, params={self.params!r})"


class ValidationErrors(DomainError):  # noqa: N818 (a list of errors, not one error)
    """Several refusals of one input (e.g. one CSV row), all reported at once.

    ``errors`` holds each `DomainError` in field order; the code is ``order.invalid``.
    """

    def __init__(self, errors: Sequence[DomainError]) -> None:
        if not errors:
            msg = "ValidationErrors needs at least one error"
            raise ValueError(msg)
        self.errors: list[DomainError] = list(errors)
        super().__init__("order.invalid", params={"count": len(self.errors)})

    def message(self, lang: Lang = "id") -> str:
        """All the errors' messages in one text, in the language asked for."""
        details = " ".join(error.message(lang) for error in self.errors)
        return MESSAGES[self.code][lang].format(count=len(self.errors), details=details)

    @property
    def fields(self) -> list[str]:
        """The fields at fault, in order, without repeats."""
        return list(dict.fromkeys(e.field for e in self.errors if e.field is not None))
