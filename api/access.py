"""Who sees what: coordinators see their own market only, and another market's resources
answer 404 exactly as if they did not exist (so their existence never leaks)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from dispatch.auth import Principal
from dispatch.changes import owner_version
from dispatch.errors import DomainError
from dispatch.models import Market
from dispatch.settings import Settings

T = TypeVar("T", bound="MarketOwned")


def today(settings: Settings) -> date:
    """Today's market day in the markets' time zone (WIB)."""
    return datetime.now(ZoneInfo(settings.timezone)).date()


def visible_markets(session: Session, principal: Principal) -> list[Market]:
    """Every market the caller may see, by code."""
    query = select(Market).order_by(col(Market.code))
    if principal.market_id is not None:
        query = query.where(Market.id == principal.market_id)
    return list(session.exec(query).all())


def market_by_code(session: Session, principal: Principal, code: str) -> Market:
    """The market with ``code`` (case-insensitive) if the caller may see it; else 404."""
    market = session.exec(select(Market).where(Market.code == code.strip().lower())).first()
    if market is None or not principal.may_see(market.id):
        raise DomainError("market.not_found", field="market", params={"code": code})
    return market


def visible_version(
    session: Session, principal: Principal, code: str
) -> tuple[uuid.UUID, tuple[int, int]]:
    """`market_by_code`'s market id, and where its change feed stands
    (`dispatch.changes.market_version`), in one statement: a kept read's look-up."""
    found = owner_version(session, Market.code, code.strip().lower())
    if found is None or not principal.may_see(found[0]):
        raise DomainError("market.not_found", field="market", params={"code": code})
    return found


class MarketOwned(Protocol):
    """A row that belongs to one market (an order, a runner)."""

    market_id: uuid.UUID


def visible_row(
    session: Session, principal: Principal, model: type[T], row_id: uuid.UUID, not_found: str
) -> T:
    """The ``model`` row ``row_id`` if it exists and the caller may see its market; otherwise
    the error ``not_found`` (404), the same whether it is missing or another market's."""
    row = session.get(model, row_id)
    if row is None or not principal.may_see(row.market_id):
        raise DomainError(not_found, params={"id": str(row_id)})
    return row
