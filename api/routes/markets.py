"""Markets: everyone reads (coordinators only their own); operators create and edit."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.access import market_by_code, visible_markets
from api.deps import OperatorDep, PlannerDep, PrincipalDep, SessionDep, SettingsDep
from api.guard import GuardedRoute
from api.schemas import ErrorResponse, MarketCreateIn, MarketList, MarketOut, MarketUpdateIn
from dispatch import fleet
from dispatch.fleet import MarketInput, add_market
from dispatch.planning import release_reviews

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
    """A new market (operators only): its code new, its place inside Kota Malang, open
    before it closes (`dispatch.fleet`)."""
    fields = body.model_dump()
    kelurahan = fields.pop("kelurahan") or None
    market = add_market(session, MarketInput(**fields, kelurahan=kelurahan))
    session.commit()
    session.refresh(market)
    return MarketOut.model_validate(market)


@router.patch("/{code}", response_model=MarketOut)
def update_market(
    code: str,
    body: MarketUpdateIn,
    session: SessionDep,
    principal: OperatorDep,
    planner: PlannerDep,
    settings: SettingsDep,
) -> MarketOut:
    """Change a market's name, place, hours, whether its deliveries need a photo, or its
    planning settings (operators only), by the same rules. ``insertion`` back to ``auto``
    inserts the orders that waited for review."""
    market = market_by_code(session, principal, code)
    changes = body.model_dump(exclude_unset=True)
    photo_required = changes.pop("photo_required", None)
    fleet.update_market(session, market, changes)
    if photo_required is not None:
        market.photo_required = photo_required
        session.add(market)
    session.commit()
    session.refresh(market)
    out = MarketOut.model_validate(market)
    if body.insertion == "auto":
        session.close()  # its transaction ends first: on SQLite it would hold the write lock
        planner.call(release_reviews, market.id, settings)
    return out
