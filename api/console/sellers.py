"""The console's pages for the sellers (``/console/sellers``), as `api.console.kinds` makes
them: list, add, edit (verify or suspend), and import a sellers CSV by upload.

Operators manage every seller. A market's coordinator reads the sellers its runners serve
(changing a seller, above all verifying one, is the operator's).
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import Request
from sqlmodel import Session

from api.console.kinds import (
    NAME_FIELD,
    PHONE_FIELD,
    Field,
    Filter,
    Pages,
    clock,
    code_field,
    hours,
    hours_fields,
    market_choices,
    operator,
    pages_router,
    place_fields,
)
from api.console.session import ConsoleSession
from dispatch import sellers
from dispatch.errors import DomainError
from dispatch.i18n import Translator
from dispatch.models import Market, Seller, SellerCategory, SellerCluster, SellerVerification
from dispatch.settings import Settings


def _seller_fields(t: Translator, _settings: Settings, session: Session) -> list[Field]:
    nearest = (("", t("console.nearest_market")),)
    return [
        code_field(t("console.seller_code_fixed")),
        NAME_FIELD,
        Field(
            "cluster",
            kind="select",
            required=True,
            options=tuple((c.value, t(f"seller_cluster.{c.value}")) for c in SellerCluster),
        ),
        Field(
            "category",
            kind="select",
            required=True,
            options=tuple((c.value, t(f"seller_category.{c.value}")) for c in SellerCategory),
        ),
        PHONE_FIELD,
        Field("address", kind="textarea", required=True, attrs='maxlength="300"'),
        *place_fields("-7.9543", "112.6444"),
        Field(
            "nib",
            hint=t("console.nib_hint"),
            attrs='inputmode="numeric" maxlength="20" placeholder="9120001234567"',
        ),
        Field(
            "market",
            kind="select",
            hint=t("console.seller_market_hint"),
            options=nearest + market_choices(session),
        ),
        *hours_fields(t, sellers.DEFAULT_OPENS, sellers.DEFAULT_CLOSES),
        Field(
            "verification",
            kind="select",
            hint=t("console.verification_hint"),
            options=tuple(
                (v.value, t(f"seller_verification.{v.value}")) for v in SellerVerification
            ),
        ),
    ]


def _seller_values(seller: Seller) -> dict[str, str]:
    return {
        "code": seller.code,
        "name": seller.name,
        "cluster": seller.cluster.value,
        "category": seller.category.value,
        "phone": seller.phone,
        "address": seller.address,
        "lat": repr(seller.lat),
        "lon": repr(seller.lon),
        "nib": seller.nib or "",
        "market": seller.market.code,
        "opens": clock(seller.opens),
        "closes": clock(seller.closes),
        "verification": seller.verification.value,
    }


def _verification(request: Request) -> SellerVerification | None:
    """The verification ``?verifikasi=`` chooses (none when empty or unknown)."""
    value = request.query_params.get("verifikasi", "").strip()
    try:
        return SellerVerification(value) if value else None
    except ValueError:
        return None


def _verification_filter(t: Translator, request: Request) -> list[Filter]:
    chosen = _verification(request)
    options = [(v.value, t(f"seller_verification.{v.value}")) for v in SellerVerification]
    every = t("console.all_verifications")
    value = chosen.value if chosen else ""
    return [Filter("verifikasi", t.label("verification"), every, options, value)]


def _seller_rows(
    session: Session, t: Translator, market: Market | None, request: Request
) -> list[dict[str, Any]]:
    return [
        {
            "seller": seller,
            "market": listed_market,
            "cluster": t(f"seller_cluster.{seller.cluster.value}"),
            "category": t(f"seller_category.{seller.category.value}"),
            "hours": hours(seller.opens, seller.closes, t),
            "verification": t(f"seller_verification.{seller.verification.value}"),
        }
        for seller, listed_market in sellers.list_sellers(
            session,
            market_id=market.id if market else None,
            verification=_verification(request),
        )
    ]


def _managed_seller(session: Session, console: ConsoleSession, code: str) -> Seller:
    operator(console)
    seller = sellers.seller_of(session, code)
    if seller is None or not console.principal.may_see(seller.market_id):
        raise DomainError("seller.not_found", field="code", params={"code": code})
    return seller


SELLER_PAGES: Final = Pages(
    kind=sellers.SELLERS,
    fields=_seller_fields,
    values=_seller_values,
    locate=_managed_seller,
    rows=_seller_rows,
    manage="markets",
    filters=_verification_filter,
    defaults={"verification": SellerVerification.PENDING.value},
)

router = pages_router(SELLER_PAGES)

__all__ = ["SELLER_PAGES", "router"]
