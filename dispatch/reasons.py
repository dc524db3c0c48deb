"""Why an order was left out of a plan (or a run failed), in words, with the figures behind.

The routing engine records a reason code (`routing.DropReason`: ``exceeds_capacity``,
``outside_shift``, ``window_unreachable``, ``ride_time_unreachable``...) and an English
sentence for developers. What a coordinator reads is the code in words plus the figures that
matter, worked out here from the order, the market and its runners (the same checks the
engine makes for one order alone): "Melebihi kapasitas kurir: berat 120 kg, kurir paling
banyak membawa 40 kg". Nothing of the engine's sentence is shown.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, time
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from dispatch.errors import shown
from dispatch.i18n import Translator
from dispatch.models import Market, Order, Runner, RunnerStatus
from dispatch.settings import Settings
from routing.matrix import GreatCircleModel

#: Reasons whose figures are worked out here; the others are words only.
WITH_FIGURES: Final = frozenset(
    {"exceeds_capacity", "outside_shift", "window_unreachable", "ride_time_unreachable"}
)


class OrderFigures(Protocol):
    """What a reason's figures read of an order (an `Order`, or a reader's lighter row)."""

    @property
    def weight_g(self) -> int: ...
    @property
    def cod_rp(self) -> int: ...
    @property
    def window_start(self) -> datetime | None: ...
    @property
    def window_end(self) -> datetime | None: ...
    @property
    def lat(self) -> float | None: ...
    @property
    def lon(self) -> float | None: ...


def _crew(runners: Sequence[Runner]) -> Sequence[Runner]:
    """The runners on duty, or every runner when none is."""
    on_duty = [r for r in runners if r.status is RunnerStatus.AVAILABLE]
    return on_duty or runners


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60


def _window(order: OrderFigures, tz: ZoneInfo, t: Translator) -> str:
    start = t.clock(order.window_start, tz) if order.window_start else ""
    end = t.clock(order.window_end, tz) if order.window_end else ""
    return f"{start}–{end}".strip("–")


def _ride(order: OrderFigures, market: Market, settings: Settings) -> tuple[int, int]:
    """Road metres and seconds from the market to the order's door, as the planner counts."""
    model = GreatCircleModel(settings.circuity, settings.speed_kmh, settings.parking_s)
    assert order.lat is not None
    assert order.lon is not None
    distance, duration = model.matrices([market.lat, order.lat], [market.lon, order.lon])
    return int(distance[0, 1]), int(duration[0, 1])


def drop_detail(
    code: str,
    order: OrderFigures,
    market: Market,
    runners: Sequence[Runner],
    settings: Settings,
    t: Translator,
) -> str:
    """The figures behind drop reason ``code`` for ``order``, in ``t``'s language ("" when
    the reason has none, or the figures no longer show it)."""
    crew = _crew(runners)
    tz = ZoneInfo(settings.timezone)
    if code == "exceeds_capacity" and crew:
        capacity = max(r.capacity_g for r in crew)
        if order.weight_g > capacity:
            return t("drop.detail.weight", weight=t.kg(order.weight_g), capacity=t.kg(capacity))
        cash_cap = max(r.cash_cap_rp for r in crew)
        if order.cod_rp > cash_cap:
            return t("drop.detail.cash", cash=t.rupiah(order.cod_rp), cap=t.rupiah(cash_cap))
        return ""
    if code == "outside_shift" and crew:
        start = min(_seconds(r.shift_start) for r in crew)
        end = max(_seconds(r.shift_end) for r in crew)
        shift = f"{t.clock_of_day(start)}–{t.clock_of_day(end)}"
        if order.window_start or order.window_end:
            local = [m.astimezone(tz) for m in (order.window_start, order.window_end) if m]
            if _after(local[0], end) or (order.window_end and _before(local[-1], start)):
                return t("drop.detail.window_shift", window=_window(order, tz, t), shift=shift)
        return t("drop.detail.shift_end", end=t.clock_of_day(end))
    if order.lat is None or order.lon is None:
        return ""
    if code == "window_unreachable" and order.window_end is not None:
        _, seconds = _ride(order, market, settings)
        return t(
            "drop.detail.window_end",
            end=t.clock(order.window_end, tz),
            ride=t.duration(seconds),
        )
    if code == "ride_time_unreachable":
        metres, seconds = _ride(order, market, settings)
        return t("drop.detail.ride", distance=t.km(metres), ride=t.duration(seconds))
    return ""


def _after(moment: datetime, seconds: int) -> bool:
    return moment.hour * 3600 + moment.minute * 60 > seconds


def _before(moment: datetime, seconds: int) -> bool:
    return moment.hour * 3600 + moment.minute * 60 < seconds


def drop_text(
    code: str,
    order: OrderFigures,
    market: Market,
    runners: Sequence[Runner],
    settings: Settings,
    t: Translator,
) -> str:
    """Why the plan left ``order`` out, in words with its figures: "Melebihi kapasitas
    kurir: berat 120 kg, kurir paling banyak membawa 40 kg"."""
    detail = drop_detail(code, order, market, runners, settings, t) if code in WITH_FIGURES else ""
    return t.drop_reason(code, detail)


def drop_texts(
    session: Session,
    dropped: Iterable[tuple[uuid.UUID, str]],
    settings: Settings,
    t: Translator,
) -> dict[uuid.UUID, str]:
    """Order id -> why the plan left it out, in words with its figures, for ``(order id,
    reason code)`` pairs (read from the database: the orders, their markets' runners)."""
    texts: dict[uuid.UUID, str] = {}
    crews: dict[uuid.UUID, tuple[Market | None, Sequence[Runner]]] = {}
    for order_id, code in dropped:
        order = session.get(Order, order_id)
        if order is None:
            texts[order_id] = t.drop_reason(code)
            continue
        if order.market_id not in crews:
            runners = session.exec(select(Runner).where(Runner.market_id == order.market_id))
            crews[order.market_id] = (session.get(Market, order.market_id), list(runners.all()))
        market, runners = crews[order.market_id]
        if market is None:
            texts[order_id] = t.drop_reason(code)
            continue
        texts[order_id] = drop_text(code, order, market, runners, settings, t)
    return texts


#: What `dispatch.planning` records when a run's lease lapsed (its process stopped).
INTERRUPTED: Final = "interrupted:"


def run_error_text(error: str, t: Translator) -> str:
    """Why a dispatch run failed, in words; a program's own error text is quoted after it
    (what a person reports to the operator)."""
    if error.startswith(INTERRUPTED):
        return t("console.run_interrupted")
    return t("console.run_error", detail=shown(error))
