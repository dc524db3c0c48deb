"""The console's pages for the sellers (``/console/sellers``): list, add, edit, verify or
suspend, and import a sellers CSV by upload.

Operators manage every seller. A market's coordinator reads the sellers its runners serve
(changing a seller, above all verifying one, is the operator's). Every change goes through
`dispatch.sellers`, the rules of the command line and the API; refusals show next to their
field (a form) or by line (an import), in the page's language, without codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.access import market_by_code
from api.console.fleet import (
    Field,
    UploadDep,
    _checked_upload,
    _clock,
    _hours,
    _import_page,
    _operator,
    _own_code,
    _redirect,
)
from api.console.forms import FormErrors
from api.console.routes import (
    PREFIX,
    CheckedDep,
    ConsoleDep,
    ConsoleRoute,
    FormDep,
    ReadSessionDep,
    _page,
)
from api.console.session import ConsoleSession
from api.deps import SessionDep
from api.lang import request_lang
from dispatch import fleet, sellers
from dispatch.errors import DomainError
from dispatch.i18n import Translator
from dispatch.models import (
    Market,
    Seller,
    SellerCategory,
    SellerCluster,
    SellerVerification,
)
from dispatch.sellers import SELLER_HEADER

router = APIRouter(prefix=PREFIX, route_class=ConsoleRoute, include_in_schema=False)

#: Flash messages these pages show after a redirect (``?ok=...``).
FLASHES: Final = frozenset({"seller_added", "seller_updated", "nothing_changed"})
#: The seller form's fields: the CSV's columns (the code only when adding) and the
#: verification.
SELLER_FIELDS: Final = (*SELLER_HEADER, "verification")


def _flash(request: Request, t: Translator) -> str:
    flash = request.query_params.get("ok", "")
    return t(f"ok.{flash}") if flash in FLASHES else ""


def _seller_fields(t: Translator, markets: list[Market], *, new: bool) -> list[Field]:
    clock = 'inputmode="numeric" placeholder="07:00" pattern="[0-9]{1,2}[:.][0-9]{2}"'
    nearest = (("", t("console.nearest_market")),)
    fields = [
        Field("code", required=True, hint=t("console.seller_code_fixed"), attrs='maxlength="40"')
        if new
        else None,
        Field("name", required=True, attrs='maxlength="120"'),
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
        Field(
            "phone", kind="tel", required=True, attrs='inputmode="tel" placeholder="0812-3456-7890"'
        ),
        Field("address", kind="textarea", required=True, attrs='maxlength="300"'),
        Field("lat", required=True, attrs='inputmode="decimal" placeholder="-7.9543"'),
        Field("lon", required=True, attrs='inputmode="decimal" placeholder="112.6444"'),
        Field(
            "nib",
            hint=t("console.nib_hint"),
            attrs='inputmode="numeric" maxlength="20" placeholder="9120001234567"',
        ),
        Field(
            "market",
            kind="select",
            hint=t("console.seller_market_hint"),
            options=nearest + tuple((m.code, m.name) for m in markets),
        ),
        Field("opens", hint=t("console.default_hint", value="07.00"), attrs=clock),
        Field("closes", hint=t("console.default_hint", value="17.00"), attrs=clock),
        Field(
            "verification",
            kind="select",
            hint=t("console.verification_hint"),
            options=tuple(
                (v.value, t(f"seller_verification.{v.value}")) for v in SellerVerification
            ),
        ),
    ]
    return [f for f in fields if f is not None]


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
        "opens": _clock(seller.opens),
        "closes": _clock(seller.closes),
        "verification": seller.verification.value,
    }


def _verification(value: str) -> SellerVerification | None:
    try:
        return SellerVerification(value) if value else None
    except ValueError:
        return None


@router.get("/sellers", response_class=HTMLResponse)
def sellers_page(request: Request, console: ConsoleDep, session: ReadSessionDep) -> HTMLResponse:
    """The sellers: an operator's of every market (or of ``?pasar=CODE``, or of one
    ``?verifikasi=``) with the buttons to add, edit and import; a coordinator's own
    market's, to read."""
    t = Translator(request_lang(request))
    chosen = request.query_params.get("pasar", "").strip()
    market = market_by_code(session, console.principal, chosen) if chosen else None
    if market is None and not console.is_operator:
        market = market_by_code(session, console.principal, _own_code(session, console))
    verification = _verification(request.query_params.get("verifikasi", "").strip())
    rows = [
        {
            "seller": seller,
            "market": listed_market,
            "cluster": t(f"seller_cluster.{seller.cluster.value}"),
            "category": t(f"seller_category.{seller.category.value}"),
            "hours": _hours(seller.opens, seller.closes, t),
            "verification": t(f"seller_verification.{seller.verification.value}"),
        }
        for seller, listed_market in sellers.list_sellers(
            session, market_id=market.id if market else None, verification=verification
        )
    ]
    markets = [m.market for m in fleet.list_markets(session)] if console.is_operator else []
    verifications = [(v.value, t(f"seller_verification.{v.value}")) for v in SellerVerification]
    return _page(
        request,
        "console_fleet_sellers.html",
        console=console,
        rows=rows,
        market=market,
        markets=markets,
        verification=verification.value if verification else "",
        verifications=verifications,
        header=",".join(SELLER_HEADER),
        flash=_flash(request, t),
    )


def _seller_form(
    request: Request,
    console: ConsoleSession,
    session: Session,
    *,
    values: Mapping[str, str],
    errors: FormErrors,
    editing: Seller | None = None,
    status: int = 200,
) -> HTMLResponse:
    t = Translator(request_lang(request))
    markets = [m.market for m in fleet.list_markets(session)]
    if editing is None:
        title, subtitle, action = t("console.add_seller"), "", f"{PREFIX}/sellers/new"
    else:
        title = t("console.edit_seller", name=editing.name)
        subtitle = editing.code
        action = f"{PREFIX}/sellers/{editing.code}/edit"
    return _page(
        request,
        "console_fleet_form.html",
        status=status,
        console=console,
        title=title,
        subtitle=subtitle,
        fields=_seller_fields(t, markets, new=editing is None),
        values=values,
        errors=errors,
        action=action,
        back_url=f"{PREFIX}/sellers",
    )


@router.get("/sellers/new", response_class=HTMLResponse)
def new_seller_form(request: Request, console: ConsoleDep, session: ReadSessionDep) -> HTMLResponse:
    """The form for a new seller (``?pasar=CODE`` chooses its market)."""
    _operator(console)
    values = {"market": request.query_params.get("pasar", ""), "verification": "pending"}
    return _seller_form(request, console, session, values=values, errors=FormErrors())


@router.post("/sellers/new")
def add_seller(
    request: Request, console: CheckedDep, form: FormDep, session: SessionDep
) -> Response:
    """Add the seller through the rules of `dispatch.sellers` (the command line's and API's)."""
    _operator(console)
    lang = request_lang(request)
    try:
        values = sellers.read_seller(form)
        seller = sellers.add_seller(session, sellers.seller_input(values))
        code = seller.market.code
    except DomainError as error:
        session.rollback()
        errors = FormErrors()
        errors.add(error, lang, SELLER_FIELDS)
        return _seller_form(request, console, session, values=form, errors=errors, status=422)
    session.commit()
    return _redirect(f"{PREFIX}/sellers", pasar=code, ok="seller_added")


def _managed_seller(session: Session, console: ConsoleSession, code: str) -> Seller:
    _operator(console)
    seller = sellers.seller_of(session, code)
    if seller is None or not console.principal.may_see(seller.market_id):
        raise DomainError("seller.not_found", field="code", params={"code": code})
    return seller


@router.get("/sellers/{code}/edit", response_class=HTMLResponse)
def edit_seller_form(
    code: str, request: Request, console: ConsoleDep, session: ReadSessionDep
) -> HTMLResponse:
    """A seller's values to change (its code stays), its verification among them."""
    seller = _managed_seller(session, console, code)
    return _seller_form(
        request,
        console,
        session,
        values=_seller_values(seller),
        errors=FormErrors(),
        editing=seller,
    )


@router.post("/sellers/{code}/edit")
def edit_seller(
    code: str, request: Request, console: CheckedDep, form: FormDep, session: SessionDep
) -> Response:
    """Save the changed values by the same rules; a form that changes nothing says so."""
    seller = _managed_seller(session, console, code)
    lang = request_lang(request)
    names = [n for n in SELLER_FIELDS if n != "code"]
    try:
        changed = sellers.update_seller(session, seller, sellers.read_seller(form, only=names))
        market_code = seller.market.code
    except DomainError as error:
        session.rollback()
        errors = FormErrors()
        errors.add(error, lang, SELLER_FIELDS)
        seller = _managed_seller(session, console, code)
        return _seller_form(
            request, console, session, values=form, errors=errors, editing=seller, status=422
        )
    session.commit()
    flash = "seller_updated" if changed else "nothing_changed"
    return _redirect(f"{PREFIX}/sellers", pasar=market_code, ok=flash)


@router.post("/sellers/import", response_class=HTMLResponse)
def import_sellers(
    request: Request, console: ConsoleDep, upload: UploadDep, session: SessionDep
) -> HTMLResponse:
    """Import an uploaded sellers CSV, as ``antar sellers import`` does (``verified``
    ticked: as ``--verified``)."""
    data = _checked_upload(console, upload)
    verified = upload.fields.get("verified") == "1"
    report = sellers.import_seller_file(session, data, verified=verified)
    session.commit()
    return _import_page(
        request, console, report, filename=upload.filename, back_url=f"{PREFIX}/sellers"
    )


__all__ = ["router"]
