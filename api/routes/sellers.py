"""Sellers (Malpro's UMKM, kuliner and IKM businesses): operators read and manage every
seller; a market's coordinator reads the sellers its runners serve."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from sqlmodel import Session

from api.access import market_by_code
from api.deps import OperatorDep, PrincipalDep, SessionDep
from api.guard import GuardedRoute
from api.schemas import ErrorResponse, SellerCreateIn, SellerList, SellerOut, SellerUpdateIn
from dispatch import sellers
from dispatch.auth import Principal
from dispatch.errors import DomainError
from dispatch.models import Seller, SellerPublic, SellerVerification
from dispatch.sellers import SellerInput

router = APIRouter(prefix="/sellers", tags=["sellers"], route_class=GuardedRoute)

#: A code another seller has already.
CODE_TAKEN: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "a seller with that code exists"}
}

#: A change of market while the seller has open orders.
OPEN_ORDERS: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "the seller has open orders at its market"}
}


def seller_out(seller: Seller) -> SellerOut:
    """A seller as the API shows it."""
    return SellerOut(**SellerPublic.model_validate(seller).model_dump(), market=seller.market.code)


def _seller(session: Session, principal: Principal, code: str) -> Seller:
    """The seller ``code`` names if the caller may see its market; else 404, the same
    whether it is missing or another market's."""
    seller = sellers.seller_of(session, code)
    if seller is None or not principal.may_see(seller.market_id):
        raise DomainError("seller.not_found", field="code", params={"code": code})
    return seller


@router.get("", response_model=SellerList)
def list_sellers(
    session: SessionDep,
    principal: PrincipalDep,
    market: Annotated[str | None, Query(max_length=200, description="market code")] = None,
    verification: SellerVerification | None = None,
) -> SellerList:
    """Sellers of every market the caller may see (a coordinator: its own market's), or of
    one market, by market and code."""
    market_id = principal.market_id
    if market is not None:
        market_id = market_by_code(session, principal, market).id
    rows = sellers.list_sellers(session, market_id=market_id, verification=verification)
    data = [seller_out(seller) for seller, _ in rows]
    return SellerList(data=data, count=len(data))


@router.get("/{seller_code}", response_model=SellerOut)
def get_seller(seller_code: str, session: SessionDep, principal: PrincipalDep) -> SellerOut:
    """One seller by its code."""
    return seller_out(_seller(session, principal, seller_code))


@router.post(
    "", response_model=SellerOut, status_code=status.HTTP_201_CREATED, responses=CODE_TAKEN
)
def create_seller(body: SellerCreateIn, session: SessionDep, principal: OperatorDep) -> SellerOut:
    """A new seller (operators only): its code new, inside Kota Malang, open before it
    closes, served by the market named (default: the nearest), ``pending`` unless said
    otherwise (`dispatch.sellers`)."""
    values = body.model_dump()
    market = None
    if values["market"]:
        market = market_by_code(session, principal, values["market"])
    values["market"] = values["market"] or ""
    seller = sellers.add_seller(session, SellerInput(**values), market=market)
    session.commit()
    session.refresh(seller)
    return seller_out(seller)


@router.patch("/{seller_code}", response_model=SellerOut, responses=OPEN_ORDERS)
def update_seller(
    seller_code: str, body: SellerUpdateIn, session: SessionDep, principal: OperatorDep
) -> SellerOut:
    """Change a seller (operators only) by the same rules; ``verification`` verifies or
    suspends it, ``market: ""`` gives it the nearest market, ``nib: null`` clears the NIB."""
    seller = _seller(session, principal, seller_code)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("market"):
        market_by_code(session, principal, changes["market"])
    sellers.update_seller(session, seller, changes)
    session.commit()
    session.refresh(seller)
    return seller_out(seller)
