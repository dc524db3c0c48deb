"""The console's words, in Bahasa Indonesia first and English, and how a page picks its language.

A page speaks the language of ``?lang=`` (remembered in a cookie), else of that cookie, else of
``Accept-Language`` (as the API's error messages do). Field labels of the order form come from
`dispatch.errors.FIELD_LABELS`, so a form and its error messages name a field the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from fastapi import Request

from api.errors import request_lang
from dispatch.errors import FIELD_LABELS, Lang
from dispatch.models import Fulfilment, OrderStatus, RunnerStatus, RunStatus

#: The cookie that remembers the language chosen with ``?lang=``.
LANG_COOKIE: Final = "antar_lang"

TEXTS: Final[Mapping[str, tuple[str, str]]] = {
    # layout
    "console": ("Konsol koordinator", "Coordinator console"),
    "switch_language": ("English", "Bahasa Indonesia"),
    "sign_out": ("Keluar", "Sign out"),
    "back": ("Kembali", "Back"),
    "markets": ("Pasar", "Markets"),
    "report_title": ("Laporan hari ini", "The day's report"),
    "report_order": ("Pesanan", "Order"),
    "day": ("Tanggal", "Day"),
    "show": ("Tampilkan", "Show"),
    "operator": ("Operator", "Operator"),
    "coordinator": ("Koordinator", "Coordinator"),
    # sign-in
    "sign_in": ("Masuk", "Sign in"),
    "sign_in_title": ("Masuk ke konsol", "Sign in to the console"),
    "sign_in_help": (
        "Tempel token koordinator atau operator (dari antar tokens create).",
        "Paste a coordinator or operator token (from antar tokens create).",
    ),
    "token": ("Token", "Token"),
    "signed_out": ("Anda sudah keluar dari konsol.", "You have signed out of the console."),
    "choose_market": ("Pilih pasar", "Choose a market"),
    # market page
    "map": ("Peta", "Map"),
    "orders": ("Pesanan", "Orders"),
    "runners": ("Kurir", "Runners"),
    "new_order": ("Pesanan baru", "New order"),
    "dispatch": ("Dispatch", "Dispatch"),
    "run_dispatch": ("Jalankan dispatch", "Run dispatch"),
    "time_limit": ("Waktu hitung (detik)", "Solver time (seconds)"),
    "last_run": ("Dispatch terakhir", "Last dispatch"),
    "no_run": ("Belum ada dispatch untuk hari ini.", "No dispatch for this day yet."),
    "see_result": ("Lihat hasil", "See the result"),
    "filter_status": ("Status", "Status"),
    "search": ("Cari nama, telepon, alamat", "Search name, phone, address"),
    "filter": ("Saring", "Filter"),
    "status_open": ("Belum selesai", "Open"),
    "status_all": ("Semua", "All"),
    "orders_shown": ("{shown} dari {count} pesanan", "{shown} of {count} orders"),
    "no_orders": ("Tidak ada pesanan yang cocok.", "No matching orders."),
    "customer": ("Pelanggan", "Customer"),
    "goods": ("Barang", "Goods"),
    "payment": ("Bayar", "Payment"),
    "window": ("Jam antar", "Window"),
    "status": ("Status", "Status"),
    "runner": ("Kurir", "Runner"),
    "actions": ("Tindakan", "Actions"),
    "asap": ("secepatnya", "as soon as possible"),
    "edit": ("Ubah", "Edit"),
    "cancel": ("Batalkan", "Cancel"),
    "cancel_confirm": ("Batalkan pesanan ini?", "Cancel this order?"),
    "cancel_reason": ("Alasan batal (opsional)", "Reason (optional)"),
    "mark_ready": ("Siap diambil", "Ready for collection"),
    "mark_collected": ("Sudah diambil", "Collected"),
    "collected_rp": ("Uang diterima (Rp)", "Cash received (Rp)"),
    "dropped_because": ("Tidak terjadwal", "Not planned"),
    "approximate": ("lokasi perkiraan", "approximate location"),
    "runner_load": (
        "{orders} pesanan, {kg} kg · selesai {done}, sisa {remaining}",
        "{orders} orders, {kg} kg · done {done}, remaining {remaining}",
    ),
    "no_route": ("Belum ada rute", "No route yet"),
    "last_seen": ("Posisi terakhir", "Last position"),
    "never_seen": ("belum pernah melapor", "never reported"),
    "open_runner": ("Rute & tautan", "Route & link"),
    # re-planning
    "replan_title": ("Rencana ulang", "Re-planning"),
    "replan": ("Rencanakan ulang", "Re-plan"),
    "replan_help": (
        "Hitung ulang rute hari ini dari posisi kurir sekarang. Pesanan yang disematkan tetap "
        "pada kurirnya, urutan yang dikunci tetap, dan rute berubah sesedikit mungkin.",
        "Work the day's routes out again from where the runners are now. Pinned orders stay "
        "with their runner, locked sequences stay, and routes change as little as they can.",
    ),
    "replan_time_limit": (
        "Waktu hitung (detik, paling lama 10)",
        "Solver time (seconds, 10 at most)",
    ),
    "move_to": ("Pindahkan ke", "Move to"),
    "move": ("Pindahkan", "Move"),
    "pin": ("Sematkan ke kurir ini", "Pin to this runner"),
    "unpin": ("Lepas sematan", "Unpin"),
    "pinned_to": ("Disematkan ke {name}", "Pinned to {name}"),
    "lock_sequence": ("Kunci urutan", "Lock the sequence"),
    "unlock_sequence": ("Buka kunci urutan", "Unlock the sequence"),
    "sequence_locked": ("urutan terkunci", "sequence locked"),
    "off_shift": ("Selesai shift", "End of shift"),
    "on_shift": ("Mulai shift lagi", "Back on shift"),
    "off_shift_confirm": (
        "{name} selesai shift? Pesanan yang belum diambil dipindahkan ke kurir lain.",
        "End {name}'s shift? Orders not picked up yet go to the other runners.",
    ),
    "runner_replan_help": (
        "Kunci urutan bila kurir sudah berangkat dengan urutan ini: rencana ulang tidak "
        "mengubah urutannya. Selesai shift memindahkan pesanan yang belum diambil ke kurir lain.",
        "Lock the sequence once the runner has set off with it: re-plans keep its order. "
        "End of shift gives the orders not picked up yet to the other runners.",
    ),
    "stale": ("usang", "stale"),
    "stale_hint": (
        "posisi lebih lama dari {minutes} menit: rencana ulang memakai rute, bukan posisi ini",
        "position older than {minutes} min: re-plans go by the route, not by this position",
    ),
    "replan_result": ("Hasil rencana ulang", "Re-plan result"),
    "replan_summary": (
        "{moved} pesanan pindah kurir, {dropped} tidak terjadwal.",
        "{moved} orders changed runner, {dropped} not planned.",
    ),
    "replan_why": ("Alasan: {reason} · oleh {by}", "Why: {reason} · by {by}"),
    "replan_reason.order moved": ("pesanan dipindahkan", "an order was moved"),
    "replan_reason.runner off shift": ("kurir selesai shift", "a runner's shift ended"),
    "replan_reason.requested": ("diminta koordinator", "asked for"),
    "moved_orders": ("Pindah kurir", "Changed runner"),
    "no_moves": ("Tidak ada pesanan yang pindah kurir.", "No order changed runner."),
    "from_to": ("{source} → {target}", "{source} → {target}"),
    # an order's page and history
    "order_title": ("Pesanan {name}", "Order of {name}"),
    "details": ("Rincian", "Details"),
    "history": ("Riwayat", "History"),
    "when": ("Waktu", "When"),
    "who": ("Oleh", "By"),
    "what": ("Apa", "What"),
    "no_history": ("Belum ada catatan.", "Nothing recorded yet."),
    "event.status": ("Status", "Status"),
    "event.moved": ("Dipindahkan ke kurir", "Moved to a runner"),
    "event.pinned": ("Disematkan ke kurir", "Pinned to a runner"),
    "event.unpinned": ("Sematan dilepas", "Unpinned"),
    "event.replanned": ("Rencana ulang mengganti kurir", "A re-plan changed its runner"),
    # flash messages after an action
    "ok.order_created": ("Pesanan tercatat.", "Order recorded."),
    "ok.order_exists": (
        "Pesanan ini sudah tercatat sebelumnya (tidak dibuat dua kali).",
        "This order was recorded already (not created twice).",
    ),
    "ok.order_updated": ("Pesanan diubah.", "Order changed."),
    "ok.order_cancelled": ("Pesanan dibatalkan.", "Order cancelled."),
    "ok.order_ready": ("Pesanan siap diambil.", "Order ready for collection."),
    "ok.order_collected": ("Pesanan sudah diambil.", "Order collected."),
    "ok.order_pinned": ("Pesanan disematkan ke kurir.", "Order pinned to the runner."),
    "ok.order_unpinned": ("Sematan pesanan dilepas.", "Order unpinned."),
    "ok.sequence_locked": ("Urutan kurir dikunci.", "The runner's sequence is locked."),
    "ok.sequence_unlocked": ("Kunci urutan kurir dibuka.", "The runner's sequence is unlocked."),
    # order form
    "new_order_title": ("Pesanan baru (lewat telepon)", "New order (taken by phone)"),
    "edit_order_title": ("Ubah pesanan", "Edit order"),
    "save": ("Simpan", "Save"),
    "form_has_errors": (
        "Pesanan belum disimpan: perbaiki isian yang ditandai.",
        "The order was not saved: correct the marked fields.",
    ),
    "service_date": ("Tanggal pasar", "Market day"),
    "weight_hint": ("kg, misalnya 1,5", "kg, e.g. 1.5"),
    "items_hint": (
        "pisahkan dengan titik koma: bawang merah 1kg; cabai 0,5 kg",
        "separate with semicolons: shallots 1kg; chillies 0.5 kg",
    ),
    "coordinates_hint": (
        "kosongkan bila tidak tahu: lokasi dicari dari kelurahan di alamat",
        "leave empty if unknown: the kelurahan in the address locates it",
    ),
    "window_hint": ("kosongkan keduanya untuk secepatnya", "leave both empty for asap"),
    "priority": ("Prioritas", "Priority"),
    "location_approximate": ("Lokasi perkiraan", "Approximate location"),
    "fulfilment.delivery": ("Diantar kurir", "Delivered by a runner"),
    "fulfilment.pickup": ("Diambil sendiri", "Collected by the customer"),
    "payment.cod": ("Bayar di tempat (COD)", "Cash on delivery (COD)"),
    "payment.cashless": ("Sudah bayar (LinkAja/QRIS)", "Paid beforehand (LinkAja/QRIS)"),
    "paid": ("Lunas", "Paid"),
    "collect": ("Tagih {amount}", "Collect {amount}"),
    # dispatch run page
    "run_title": ("Dispatch {market}", "Dispatch {market}"),
    "run_status": ("Status", "Status"),
    "run_progress": (
        "Halaman ini diperbarui sendiri sampai dispatch selesai.",
        "This page updates itself until the dispatch is finished.",
    ),
    "run_failed": ("Dispatch gagal: {error}", "Dispatch failed: {error}"),
    "routes": ("Rute", "Routes"),
    "stops": ("Pemberhentian", "Stops"),
    "distance": ("Jarak", "Distance"),
    "duration": ("Lama", "Duration"),
    "dropped": ("Tidak terjadwal", "Not planned"),
    "no_dropped": ("Semua pesanan terjadwal.", "Every order is planned."),
    "run_counts": ("{routed} terjadwal, {dropped} tidak", "{routed} planned, {dropped} not"),
    "started": ("Dimulai", "Started"),
    "finished": ("Selesai", "Finished"),
    # runner page
    "route_of": ("Rute {name}", "Route of {name}"),
    "arrival": ("Tiba", "Arrival"),
    "trip": ("Perjalanan", "Trip"),
    "cash_collected": ("Uang COD sudah diterima", "COD cash collected"),
    "cash_to_collect": ("Uang COD masih ditagih", "COD cash still to collect"),
    "cash_to_hold": ("Uang yang dipegang kurir", "Cash the runner should hold"),
    "cash_cap": ("batas {cap}", "limit {cap}"),
    "over_cap": ("melebihi batas uang kurir", "over the runner's cash limit"),
    "runner_link": ("Tautan rute untuk kurir", "The runner's route link"),
    "send_whatsapp": ("Kirim lewat WhatsApp", "Send by WhatsApp"),
    "link_valid_until": ("berlaku sampai {until}", "valid until {until}"),
    "link_expired": (
        "sudah kedaluwarsa: shift hari itu sudah selesai",
        "expired: that day's shift is over",
    ),
    "no_stops": (
        "Kurir ini belum punya antaran untuk hari ini: jalankan dispatch dulu.",
        "This runner has no deliveries for this day yet: run dispatch first.",
    ),
    "phone": ("Telepon", "Phone"),
    "shift": ("Shift", "Shift"),
    # ages
    "age.now": ("baru saja", "just now"),
    "age.minutes": ("{n} menit lalu", "{n} min ago"),
    "age.hours": ("{n} jam lalu", "{n} h ago"),
    "age.days": ("{n} hari lalu", "{n} days ago"),
    # error page
    "error_title": ("Tidak bisa", "Not possible"),
}

ORDER_STATUS: Final[Mapping[OrderStatus, tuple[str, str]]] = {
    OrderStatus.PENDING: ("Menunggu", "Pending"),
    OrderStatus.ASSIGNED: ("Ditugaskan", "Assigned"),
    OrderStatus.PICKED_UP: ("Dalam perjalanan", "On the way"),
    OrderStatus.DELIVERED: ("Terkirim", "Delivered"),
    OrderStatus.FAILED: ("Gagal", "Failed"),
    OrderStatus.CANCELLED: ("Dibatalkan", "Cancelled"),
}

#: Where a pickup order's statuses read differently (no runner carries it).
PICKUP_STATUS: Final[Mapping[OrderStatus, tuple[str, str]]] = {
    OrderStatus.PICKED_UP: ("Siap diambil", "Ready for collection"),
    OrderStatus.DELIVERED: ("Sudah diambil", "Collected"),
}

RUNNER_STATUS: Final[Mapping[RunnerStatus, tuple[str, str]]] = {
    RunnerStatus.AVAILABLE: ("Siap", "Available"),
    RunnerStatus.OFF_DUTY: ("Libur", "Off duty"),
    RunnerStatus.INACTIVE: ("Tidak aktif", "Inactive"),
}

RUN_STATUS: Final[Mapping[RunStatus, tuple[str, str]]] = {
    RunStatus.QUEUED: ("Antre", "Queued"),
    RunStatus.RUNNING: ("Sedang dihitung", "Running"),
    RunStatus.DONE: ("Selesai", "Done"),
    RunStatus.FAILED: ("Gagal", "Failed"),
}

#: Why the solver left an order out (`routing.DropReason` values).
DROP_REASONS: Final[Mapping[str, tuple[str, str]]] = {
    "exceeds_capacity": ("Melebihi kapasitas kurir", "More than a runner can carry"),
    "outside_shift": ("Di luar shift kurir", "Outside the runners' shifts"),
    "window_unreachable": ("Jam antar tidak terkejar", "Window cannot be reached"),
    "ride_time_unreachable": ("Terlalu jauh dari pasar", "Too far from the market"),
    "no_capacity_left": ("Kurir sudah penuh", "Runners are fully booked"),
    "not_planned": ("Belum sempat dijadwalkan", "Not placed in the time given"),
    "no_runner": ("Tidak ada kurir yang bertugas", "No runner on duty"),
}

#: Labels of the order form's fields that are not CSV columns.
EXTRA_LABELS: Final[Mapping[str, tuple[str, str]]] = {
    "service_date": TEXTS["service_date"],
    "priority": TEXTS["priority"],
    "location_approximate": TEXTS["location_approximate"],
    "collected_rp": TEXTS["collected_rp"],
    "time_limit_s": TEXTS["time_limit"],
    "token": TEXTS["token"],
}


def pick(pair: tuple[str, str], lang: Lang) -> str:
    """The Indonesian or English member of ``pair``."""
    return pair[1] if lang == "en" else pair[0]


class Translator:
    """``t("key", name=value)`` in one language; an unknown key shows as itself."""

    def __init__(self, lang: Lang) -> None:
        self.lang: Lang = lang

    def __call__(self, key: str, /, **params: object) -> str:
        pair = TEXTS.get(key)
        text = key if pair is None else pick(pair, self.lang)
        return text.format(**params) if params else text

    def label(self, field: str) -> str:
        """A form field's name in words."""
        if field in EXTRA_LABELS:
            return pick(EXTRA_LABELS[field], self.lang)
        return FIELD_LABELS[self.lang].get(field, field)

    def order_status(self, status: OrderStatus, fulfilment: Fulfilment) -> str:
        if fulfilment == Fulfilment.PICKUP and status in PICKUP_STATUS:
            return pick(PICKUP_STATUS[status], self.lang)
        return pick(ORDER_STATUS[status], self.lang)

    def runner_status(self, status: RunnerStatus) -> str:
        return pick(RUNNER_STATUS[status], self.lang)

    def run_status(self, status: RunStatus) -> str:
        return pick(RUN_STATUS[status], self.lang)

    def drop_reason(self, code: str) -> str:
        pair = DROP_REASONS.get(code)
        return code if pair is None else pick(pair, self.lang)

    def event_kind(self, kind: str) -> str:
        """What a change to an order was (``moved``: "Dipindahkan ke kurir"); an unknown
        kind shows as itself."""
        pair = TEXTS.get(f"event.{kind}")
        return kind if pair is None else pick(pair, self.lang)

    def age(self, seconds: float) -> str:
        """How long ago, in words: ``5 menit lalu``."""
        if seconds < 60:
            return self("age.now")
        if seconds < 3600:
            return self("age.minutes", n=int(seconds // 60))
        if seconds < 86400:
            return self("age.hours", n=int(seconds // 3600))
        return self("age.days", n=int(seconds // 86400))


def console_lang(request: Request) -> Lang:
    """``?lang=`` if given, else the remembered choice, else ``Accept-Language``."""
    for choice in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if choice in ("id", "en"):
            return "en" if choice == "en" else "id"
    return request_lang(request)
