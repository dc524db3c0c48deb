"""The console's pages for the city's markets and runners (``/console/markets``,
``/console/runners``), as `api.console.kinds` makes them: list, add, edit, and import the
two CSV files by upload.

Operators manage both. A coordinator sees its own market's runners, read-only (changing a
runner's load, shift or phone is the operator's; a coordinator's day-to-day changes, a
runner off shift or a locked sequence, are on the market page).
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from fastapi import Request
from sqlmodel import Session

from api.access import market_by_code, visible_row
from api.console.kinds import (
    NAME_FIELD,
    PHONE_FIELD,
    Field,
    Pages,
    clock,
    clock_input,
    code_field,
    hours,
    hours_fields,
    market_choices,
    operator,
    pages_router,
    place_fields,
)
from api.console.session import ConsoleSession
from dispatch import fleet
from dispatch.errors import DomainError
from dispatch.i18n import Translator
from dispatch.models import Market, Runner, RunnerStatus
from dispatch.planning import release_reviews
from dispatch.settings import Settings


def _market_fields(t: Translator, _settings: Settings, _session: Session) -> list[Field]:
    return [
        code_field(t("console.code_fixed")),
        NAME_FIELD,
        Field("address", kind="textarea", attrs='maxlength="300"'),
        *place_fields("-7.9446", "112.6460"),
        *hours_fields(t, fleet.DEFAULT_OPENS, fleet.DEFAULT_CLOSES),
        Field(
            "insertion",
            kind="select",
            options=(
                ("auto", t("console.insertion_auto")),
                ("review", t("console.insertion_review")),
            ),
            on=("edit",),
        ),
    ]


def _market_values(market: Market) -> dict[str, str]:
    return {
        "code": market.code,
        "name": market.name,
        "address": market.address,
        "lat": repr(market.lat),
        "lon": repr(market.lon),
        "opens": clock(market.opens),
        "closes": clock(market.closes),
        "insertion": market.insertion,
    }


def _market_rows(
    session: Session, t: Translator, _market: Market | None, _request: Request
) -> list[dict[str, Any]]:
    return [
        {
            "market": listed.market,
            "hours": hours(listed.market.opens, listed.market.closes, t),
            "runners": t.n("console.runner_count", listed.runners, count=listed.runners),
            "location": f"{listed.market.lat:.5f}, {listed.market.lon:.5f}",
        }
        for listed in fleet.list_markets(session)
    ]


def _managed_market(session: Session, console: ConsoleSession, code: str) -> Market:
    operator(console)
    return market_by_code(session, console.principal, code)


MARKET_PAGES: Final = Pages(
    kind=fleet.MARKETS,
    fields=_market_fields,
    values=_market_values,
    locate=_managed_market,
    rows=_market_rows,
    manage="runners",
    per_market=False,
    # Back to auto: the orders that waited for review go into their plans.
    follow_ups={"insertion": release_reviews},
)


def _runner_fields(t: Translator, settings: Settings, session: Session) -> list[Field]:
    clock_attrs = clock_input("05:30")
    shift = hours(settings.runner_shift_start, settings.runner_shift_end, t)
    return [
        Field("market", kind="select", required=True, options=market_choices(session), on=("add",)),
        Field("name", required=True, attrs='maxlength="120" autocomplete="off"'),
        PHONE_FIELD,
        Field(
            "capacity_kg",
            hint=t("console.default_hint", value=t.kg(settings.runner_capacity_g)),
            attrs='inputmode="decimal" placeholder="40"',
        ),
        Field("shift_start", hint=t("console.default_hint", value=shift), attrs=clock_attrs),
        Field("shift_end", attrs=clock_attrs),
        Field(
            "status",
            kind="select",
            options=tuple((s.value, t.runner_status(s)) for s in RunnerStatus),
            on=("edit",),
        ),
    ]


def _runner_values(runner: Runner) -> dict[str, str]:
    return {
        "name": runner.name,
        "phone": runner.phone,
        "capacity_kg": f"{runner.capacity_g / 1000:g}".replace(".", ","),
        "shift_start": clock(runner.shift_start),
        "shift_end": clock(runner.shift_end),
        "status": runner.status.value,
    }


def _runner_rows(
    session: Session, t: Translator, market: Market | None, _request: Request
) -> list[dict[str, Any]]:
    return [
        {
            "runner": runner,
            "market": listed_market,
            "load": t.kg(runner.capacity_g),
            "shift": hours(runner.shift_start, runner.shift_end, t),
            "status": t.runner_status(runner.status),
        }
        for runner, listed_market in fleet.list_runners(
            session, market_id=market.id if market else None
        )
    ]


def _managed_runner(session: Session, console: ConsoleSession, key: str) -> Runner:
    try:
        runner_id = uuid.UUID(key)
    except ValueError:
        raise DomainError("http.not_found") from None  # a path that names nothing
    operator(console)
    return visible_row(session, console.principal, Runner, runner_id, "runner.not_found")


RUNNER_PAGES: Final = Pages(
    kind=fleet.RUNNERS,
    fields=_runner_fields,
    values=_runner_values,
    locate=_managed_runner,
    path=lambda runner: str(runner.id),
    subtitle=lambda runner: runner.market.name,
    rows=_runner_rows,
    manage="markets",
)

router = pages_router(MARKET_PAGES, RUNNER_PAGES)

__all__ = ["MARKET_PAGES", "RUNNER_PAGES", "router"]
