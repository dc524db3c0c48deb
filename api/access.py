"""Who sees what: coordinators see their own market only, and another market's resources
answer 404 exactly as if they did not exist (so their existence never leaks)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from dispatch.auth import Principal
from dispatch.errors import DomainError
from dispatch.models import Market
from dispatch.settings import Settings


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


def ensure_visible(principal: Principal, market_id: uuid.UUID, not_found: DomainError) -> None:
    """Raise ``not_found`` unless the caller may see ``market_id``'s resources."""
    if not principal.may_see(market_id):
        raise not_found
