"""Markets: everyone reads (coordinators only their own); operators create and edit."""

from __future__ import annotations

from datetime import time

from fastapi import APIRouter, status
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from api.access import market_by_code, visible_markets
from api.deps import OperatorDep, PrincipalDep, SessionDep
from api.guard import GuardedRoute
from api.schemas import ErrorResponse, MarketCreateIn, MarketList, MarketOut, MarketUpdateIn
from dispatch.errors import DomainError
from dispatch.models import Market

router = APIRouter(prefix="/markets", tags=["markets"], route_class=GuardedRoute)


@router.get("", response_model=MarketList)
def list_markets(session: SessionDep, principal: PrincipalDep) -> MarketList:
    """The markets the caller may see, by code."""
    markets = [MarketOut.model_validate(m) for m in visible_markets(session, principal)]
    return MarketList(data=markets, count=len(markets))


@router.get("/{code}", response_model=MarketOut)
def get_market(code: str, session: SessionDep, principal: PrincipalDep) -> MarketOut:
    """One market by its code."""
    return MarketOut.model_validate(market_by_code(session, principal, code))


@router.post(
    "",
    response_model=MarketOut,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"model": ErrorResponse, "description": "the code is taken"}},
)
def create_market(body: MarketCreateIn, session: SessionDep, _: OperatorDep) -> MarketOut:
    """A new market (operators only); its code must be new."""
    exists = session.exec(select(Market.id).where(Market.code == body.code)).first()
    if exists is not None:
        raise DomainError("market.exists", field="code", params={"code": body.code})
    _check_hours(body.opens, body.closes)
    market = Market.model_validate(body.model_dump())
    session.add(market)
    try:
        session.commit()
    except IntegrityError as exc:  # created by someone else just now
        session.rollback()
        raise DomainError("market.exists", field="code", params={"code": body.code}) from exc
    session.refresh(market)
    return MarketOut.model_validate(market)


@router.patch("/{code}", response_model=MarketOut)
def update_market(
    code: str, body: MarketUpdateIn, session: SessionDep, principal: OperatorDep
) -> MarketOut:
    """Change a market's name, place or hours (operators only)."""
    market = market_by_code(session, principal, code)
    changes = body.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None:  # every market field has a value; null does not clear one
            raise DomainError("request.required", field=name)
    _check_hours(changes.get("opens", market.opens), changes.get("closes", market.closes))
    market.sqlmodel_update(changes)
    session.add(market)
    session.commit()
    session.refresh(market)
    return MarketOut.model_validate(market)


def _check_hours(opens: time, closes: time) -> None:
    if closes <= opens:
        raise DomainError(
            "market.invalid_hours", field="closes", params={"opens": opens, "closes": closes}
        )
