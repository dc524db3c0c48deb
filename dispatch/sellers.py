"""The sellers (Malpro's UMKM, kuliner and IKM businesses): adding, changing, listing and
importing them, each rule in one place, as `dispatch.fleet` does for markets and runners.

Every way in goes through these functions: ``antar sellers add|import|list|update``, the
API's ``/sellers``, the console's ``/console/sellers``. So a seller is checked the same way
wherever it comes from:

- its code is a slug (lower-case letters and digits in words joined by single hyphens, at
  most 40 characters, e.g. ``keripik-tempe-sanan``), unique among sellers, and not a word
  of the console's seller paths (``new``, ``import``);
- its cluster is one of `SellerCluster` (``pasar``, ``kuliner``, ``umkm``, ``ikm``) and its
  category one of Malpro's eight (`SellerCategory`: ``makanan-minuman``...);
- its phone is an Indonesian number, stored in E.164 (`dispatch.phones.normalise_phone`);
- it has an address (the runner finds the seller by it) and lies inside Kota Malang
  (`dispatch.geo.inside_city`, as an order's door does);
- its NIB (Nomor Induk Berusaha), when given, is 13 digits;
- it is served by a market that exists; left empty, the market nearest to it;
- it opens before it closes (``HH:MM`` WIB; empty cells 07:00-17:00);
- its verification is ``pending`` (new), ``verified`` or ``suspended``; only a verified
  seller takes orders (`dispatch.validation.validate_order` refuses the others).

Texts (a CSV row, the command line's options, a console form) are read by `read_seller`,
which reports every fault of the row at once; typed values (the API's bodies) go straight to
`add_seller` and `update_seller`, which apply the same rules. None of them commits.

`SELLERS` describes them to `dispatch.kinds`, whose one import reads a sellers CSV
(`SELLER_HEADER`) row by row as it reads the markets' and runners'. A seller is known by
its code, so importing a file twice changes nothing the second time. The file carries no
verification: new sellers are ``pending`` (``verified`` when the import is told the operator
has checked them), and a stored seller's verification is kept.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import time
from functools import partial
from typing import Any, Final

import numpy as np
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from dispatch.errors import DomainError, listed, shown
from dispatch.fleet import MAX_ADDRESS, MAX_NAME, check_text, known_market, market_of
from dispatch.geo import inside_city, outside_coordinate
from dispatch.kinds import (
    Cells,
    Faults,
    ImportReport,
    Kind,
    errors_of,
    import_file,
    import_rows,
    read_clocks,
    read_place,
    texts,
)
from dispatch.models import (
    Market,
    Order,
    OrderStatus,
    Seller,
    SellerCategory,
    SellerCluster,
    SellerVerification,
    utcnow,
)
from dispatch.phones import normalise_phone
from dispatch.validation import SellerRef
from routing.matrix import great_circle_m

#: An order still to deliver: its seller stays with the order's market until it is done.
OPEN_STATUSES = (OrderStatus.PENDING, OrderStatus.ASSIGNED, OrderStatus.PICKED_UP)

#: The columns of a sellers CSV, exactly and in this order (``market``: a market's code, or
#: empty for the nearest; ``nib`` may be empty; times ``HH:MM`` WIB, empty for 07:00-17:00).
SELLER_HEADER: Final[tuple[str, ...]] = (
    "code",
    "name",
    "cluster",
    "category",
    "phone",
    "address",
    "lat",
    "lon",
    "nib",
    "market",
    "opens",
    "closes",
)
#: Words of the console's seller paths (``/console/sellers/new``...).
RESERVED_CODES: Final = frozenset({"new", "import"})
#: Opening hours a seller gets when none are given (WIB).
DEFAULT_OPENS: Final = time(7, 0)
DEFAULT_CLOSES: Final = time(17, 0)
MAX_CODE: Final = 40

_SLUG: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_NIB: Final = re.compile(r"[0-9]{13}")


# -- the rules ---------------------------------------------------------------------------------


def check_code(code: str) -> str:
    """``code`` as stored (trimmed, lower case) if it is a valid seller code.

    Raises ``seller.invalid_code`` (not a slug, or longer than 40 characters) or
    ``seller.reserved_code`` (``new``, ``import``)."""
    slug = code.strip().lower()
    if not slug:
        raise DomainError("request.required", field="code")
    if len(slug) > MAX_CODE or not _SLUG.fullmatch(slug):
        raise DomainError("seller.invalid_code", field="code", params={"value": code})
    if slug in RESERVED_CODES:
        raise DomainError("seller.reserved_code", field="code", params={"value": code})
    return slug


def _choice(name: str, value: object, kind: type[SellerCluster] | type[SellerCategory]) -> Any:
    text = value.value if isinstance(value, kind) else str(value or "").strip().lower()
    if not text:
        raise DomainError("request.required", field=name)
    try:
        return kind(text)
    except ValueError:
        allowed = listed([shown(m.value) for m in kind])
        raise DomainError(
            f"seller.invalid_{name}", field=name, params={"value": value, "allowed": allowed}
        ) from None


def check_cluster(value: object) -> SellerCluster:
    """The cluster ``value`` names (``pasar``, ``kuliner``, ``umkm``, ``ikm``; any case);
    ``seller.invalid_cluster`` otherwise."""
    return _choice("cluster", value, SellerCluster)  # type: ignore[no-any-return]


def check_category(value: object) -> SellerCategory:
    """The Malpro category ``value`` names (``makanan-minuman``...; any case);
    ``seller.invalid_category`` otherwise."""
    return _choice("category", value, SellerCategory)  # type: ignore[no-any-return]


def check_location(lat: float, lon: float) -> None:
    """A seller lies inside Kota Malang; ``seller.outside_city`` (on the coordinate at
    fault) otherwise."""
    if not inside_city(lat, lon):
        raise DomainError(
            "seller.outside_city",
            field=outside_coordinate(lat, lon),
            params={"lat": lat, "lon": lon},
        )


def check_hours(opens: time, closes: time) -> None:
    """A seller closes after it opens; ``seller.invalid_hours`` otherwise."""
    if closes <= opens:
        raise DomainError(
            "seller.invalid_hours",
            field="closes",
            params={"opens": f"{opens:%H:%M}", "closes": f"{closes:%H:%M}"},
        )


def check_nib(value: str | None) -> str | None:
    """A NIB of 13 digits (spaces and dots dropped), or ``None`` when empty;
    ``seller.invalid_nib`` otherwise."""
    text = re.sub(r"[\s.]", "", value or "")
    if not text:
        return None
    if not _NIB.fullmatch(text):
        raise DomainError("seller.invalid_nib", field="nib", params={"value": value})
    return text


def check_verification(value: object) -> SellerVerification:
    """``pending``, ``verified`` or ``suspended``; ``seller.invalid_verification``
    otherwise."""
    text = value.value if isinstance(value, SellerVerification) else str(value or "").strip()
    try:
        return SellerVerification(text.lower())
    except ValueError:
        allowed = listed([shown(v.value) for v in SellerVerification])
        raise DomainError(
            "seller.invalid_verification",
            field="verification",
            params={"value": value, "allowed": allowed},
        ) from None


def nearest_market(session: Session, lat: float, lon: float) -> Market:
    """The market nearest to (``lat``, ``lon``) as the crow flies; ``seller.no_market``
    when there is none."""
    markets = list(session.exec(select(Market).order_by(col(Market.code))).all())
    if not markets:
        raise DomainError("seller.no_market", field="market")
    metres = great_circle_m(lat, lon, [m.lat for m in markets], [m.lon for m in markets])
    return markets[int(np.argmin(metres))]


# -- reading and checking ----------------------------------------------------------------------


@dataclass(frozen=True)
class SellerInput:
    """A seller's values, typed: its market's code (``""``: the nearest market), its phone
    in any Indonesian form, hours WIB."""

    code: str
    name: str
    cluster: SellerCluster | str
    category: SellerCategory | str
    phone: str
    address: str
    lat: float
    lon: float
    nib: str | None = None
    market: str = ""
    opens: time = DEFAULT_OPENS
    closes: time = DEFAULT_CLOSES
    verification: SellerVerification | str = SellerVerification.PENDING
    generated: bool = False


#: Fields of a seller that `update_seller` may change (the code is the seller's identity).
SELLER_CHANGEABLE: Final = (*SELLER_HEADER[1:], "verification")
#: The texts `read_seller` reads: the file's columns and the verification.
SELLER_EDITS: Final = (*SELLER_HEADER, "verification")


def _seller_faults(values: Mapping[str, Any], faults: Faults) -> dict[str, Any]:
    """Every rule on a seller's typed values but its market; the values as stored."""
    checked = dict(values)
    rules = {
        "code": lambda: check_code(values["code"]),
        "name": lambda: check_text("name", values["name"] or "", MAX_NAME),
        "cluster": lambda: check_cluster(values["cluster"]),
        "category": lambda: check_category(values["category"]),
        "phone": lambda: normalise_phone(values["phone"]),
        "address": lambda: check_text("address", values["address"] or "", MAX_ADDRESS),
        "nib": lambda: check_nib(values["nib"]),
        "verification": lambda: check_verification(values["verification"]),
    }
    for name, rule in rules.items():
        if name in values:
            checked[name] = faults.attempt(rule)
    if values.get("lat") is not None and values.get("lon") is not None:
        faults.attempt(lambda: check_location(values["lat"], values["lon"]))
    if values.get("opens") is not None and values.get("closes") is not None:
        faults.attempt(lambda: check_hours(values["opens"], values["closes"]))
    return checked


def read_seller(
    cells: Mapping[str, str | None], *, only: Collection[str] | None = None
) -> dict[str, Any]:
    """A seller's texts (CSV cells, options, a form; keyed as `SELLER_HEADER`, plus
    ``verification``) read and checked: its typed values, ready for `SellerInput` or
    `update_seller`.

    ``only`` names the fields to read (an update's); by default every column, with
    ``code``, ``name``, ``cluster``, ``category``, ``phone``, ``address``, ``lat`` and
    ``lon`` required, an empty market the nearest and empty hours the defaults. Raises
    `DomainError`, or `ValidationErrors` (``seller.invalid``) with every fault of the row.
    """
    names = list(SELLER_EDITS if only is not None else SELLER_HEADER)
    if only is not None:
        names = [n for n in names if n in only]
    elif "verification" in cells:
        names.append("verification")
    faults = Faults("seller.invalid", SELLER_EDITS)
    text = texts(cells, names)
    values: dict[str, Any] = {}
    for name in ("code", "name", "cluster", "category", "address", "nib", "verification"):
        if name in text:
            values[name] = text[name]
    if "phone" in text:
        if text["phone"]:
            values["phone"] = text["phone"]
        else:
            faults.errors.append(DomainError("request.required", field="phone"))
    if "market" in text:
        values["market"] = text["market"].lower()
    read_place(text, values, faults)
    read_clocks(text, values, faults, {"opens": DEFAULT_OPENS, "closes": DEFAULT_CLOSES})
    if only is not None and "verification" in values and not values["verification"]:
        del values["verification"]
    checked = _seller_faults(values, faults)
    faults.raise_any()
    return checked


def seller_input(values: Mapping[str, Any]) -> SellerInput:
    """`read_seller`'s values of a whole seller as a `SellerInput`."""
    return SellerInput(**{f.name: values[f.name] for f in fields(SellerInput) if f.name in values})


def seller_of(session: Session, code: str) -> Seller | None:
    """The seller with ``code`` (any case), or ``None``."""
    return session.exec(select(Seller).where(Seller.code == code.strip().lower())).first()


def known_seller(session: Session, code: str) -> Seller:
    """The seller ``code`` names; ``seller.not_found`` otherwise."""
    seller = seller_of(session, code) if code.strip() else None
    if seller is None:
        raise DomainError("seller.not_found", field="code", params={"code": code})
    return seller


def _market_for(session: Session, code: str, lat: float | None, lon: float | None) -> Market:
    if code.strip():
        return known_market(session, code)
    if lat is None or lon is None:
        raise DomainError("request.required", field="market")
    return nearest_market(session, lat, lon)


def add_seller(session: Session, seller_in: SellerInput, *, market: Market | None = None) -> Seller:
    """Store a new seller (flushed, not committed) after every rule; ``seller.exists``
    (409) when its code is taken. ``market``, when given, is the market the caller has
    looked up; else the input's market code, or the nearest market."""
    faults = Faults("seller.invalid", SELLER_EDITS)
    values = _seller_faults(
        {f.name: getattr(seller_in, f.name) for f in fields(SellerInput)}, faults
    )
    # A market named is checked with the rest; the nearest needs a place that passed.
    if market is None and (seller_in.market.strip() or not faults.errors):
        market = faults.attempt(
            lambda: _market_for(session, seller_in.market, seller_in.lat, seller_in.lon)
        )
    faults.raise_any()
    assert market is not None
    if seller_of(session, values["code"]) is not None:
        raise DomainError("seller.exists", field="code", params={"code": values["code"]})
    del values["market"]
    seller = Seller(**values, market_id=market.id)
    try:
        with session.begin_nested():  # someone else may add the same code just now
            session.add(seller)
    except IntegrityError as exc:
        raise DomainError("seller.exists", field="code", params={"code": values["code"]}) from exc
    return seller


def _current(seller: Seller, name: str) -> Any:
    return seller.market.code if name == "market" else getattr(seller, name)


def update_seller(session: Session, seller: Seller, changes: Mapping[str, Any]) -> list[str]:
    """Apply ``changes`` (fields of `SELLER_CHANGEABLE`, typed; ``market`` a code, ``""``
    the nearest) to ``seller`` after every rule on the seller they make; the names of the
    fields whose value changed (flushed, not committed). ``nib: None`` clears the NIB."""
    for name, value in changes.items():
        if name not in SELLER_CHANGEABLE:
            raise DomainError("request.invalid_value", field=name)
        if value is None and name != "nib":
            raise DomainError("request.required", field=name)
    merged = {name: _current(seller, name) for name in SELLER_CHANGEABLE} | dict(changes)
    faults = Faults("seller.invalid", SELLER_EDITS)
    checked = _seller_faults(merged, faults)
    market = None
    if (merged["market"] or "").strip() or not faults.errors:
        market = faults.attempt(
            lambda: _market_for(session, merged["market"] or "", checked["lat"], checked["lon"])
        )
    faults.raise_any()
    assert market is not None
    checked["market"] = market.code
    changed = [n for n in SELLER_CHANGEABLE if checked[n] != _current(seller, n)]
    if "market" in changed:
        _no_open_orders(session, seller)
    for name in changed:
        if name == "market":
            seller.market_id = market.id
            seller.market = market
        else:
            setattr(seller, name, checked[name])
    if changed:
        seller.updated_at = utcnow()
        session.add(seller)
        session.flush()
    return changed


def _no_open_orders(session: Session, seller: Seller) -> None:
    """A seller changes market only without open orders: they are planned with the runners
    of the market they were taken for."""
    open_orders = session.exec(
        select(func.count())
        .select_from(Order)
        .where(Order.seller_id == seller.id)
        .where(col(Order.status).in_(OPEN_STATUSES))
    ).one()
    if open_orders:
        raise DomainError("seller.open_orders", field="market", params={"count": open_orders})


def list_sellers(
    session: Session,
    *,
    market_id: Any = None,
    verification: SellerVerification | None = None,
) -> list[tuple[Seller, Market]]:
    """Every seller with its market, by market code and seller code (or only
    ``market_id``'s, or only those of one ``verification``)."""
    query = select(Seller, Market).join(Market, col(Market.id) == col(Seller.market_id))
    if market_id is not None:
        query = query.where(Seller.market_id == market_id)
    if verification is not None:
        query = query.where(Seller.verification == verification)
    return list(session.exec(query.order_by(col(Market.code), col(Seller.code))).all())


def seller_refs(session: Session, codes: Iterable[str] | None = None) -> dict[str, SellerRef]:
    """What order intake needs to know of sellers (every seller's, or only ``codes``'),
    by code."""
    query = select(Seller.code, Seller.verification, Seller.name, Market.code, Seller.id).join(
        Market, col(Market.id) == col(Seller.market_id)
    )
    if codes is not None:
        wanted = sorted({c.strip().lower() for c in codes if c and c.strip()})
        if not wanted:
            return {}
        query = query.where(col(Seller.code).in_(wanted))
    return {
        code: SellerRef(
            code=code, name=name, market=market, verification=str(verification), id=seller_id
        )
        for code, verification, name, market, seller_id in session.exec(query).all()
    }


# -- imports -------------------------------------------------------------------------------------


def _read_row(session: Session, cells: Mapping[str, str | None]) -> dict[str, Any]:
    """`read_seller` of a CSV row; when the row is refused, a market it names that does not
    exist is among its faults too (every fault of a row at once)."""
    try:
        return read_seller(cells)
    except DomainError as error:
        code = (cells.get("market") or "").strip()
        if not code or market_of(session, code) is not None:
            raise
        faults = Faults("seller.invalid", SELLER_EDITS)
        faults.errors = [
            *errors_of(error),
            DomainError("market.not_found", field="market", params={"code": code}),
        ]
        faults.raise_any()
        raise


SELLERS: Final[Kind[Seller]] = Kind(
    name="seller",
    plural="sellers",
    header=SELLER_HEADER,
    edits=SELLER_EDITS,
    read=lambda cells, _settings, only: read_seller(cells, only=only),
    rows=lambda session, _settings: partial(_read_row, session),
    find=lambda session, values: seller_of(session, values["code"]),
    add=lambda session, values, _settings: add_seller(session, seller_input(values)),
    update=update_seller,
    file_fields=SELLER_HEADER[1:],
    presets={"verified": {"verification": SellerVerification.VERIFIED}},
)
"""Sellers, known by their code. A file carries no verification: new sellers are
``pending`` (``verified`` with the import's ``verified`` option: the operator has checked
them), a stored seller keeps its own."""


def import_sellers(
    session: Session, rows: Iterable[tuple[int, Cells]], *, verified: bool = False
) -> ImportReport:
    """`dispatch.kinds.import_rows` of sellers rows (`SELLER_HEADER`); new sellers are
    ``verified`` when ``verified``, else ``pending``."""
    return import_rows(session, SELLERS, rows, presets=["verified"] if verified else [])


def import_seller_file(
    session: Session, source: str | bytes | os.PathLike[str], *, verified: bool = False
) -> ImportReport:
    """`dispatch.kinds.import_file` of a sellers CSV (a path, its bytes, or its text)."""
    return import_file(session, SELLERS, source, presets=["verified"] if verified else [])


__all__ = [
    "DEFAULT_CLOSES",
    "DEFAULT_OPENS",
    "RESERVED_CODES",
    "SELLERS",
    "SELLER_CHANGEABLE",
    "SELLER_EDITS",
    "SELLER_HEADER",
    "SellerInput",
    "add_seller",
    "check_category",
    "check_cluster",
    "check_code",
    "check_hours",
    "check_location",
    "check_nib",
    "check_verification",
    "import_seller_file",
    "import_sellers",
    "known_seller",
    "list_sellers",
    "nearest_market",
    "read_seller",
    "seller_input",
    "seller_of",
    "seller_refs",
    "update_seller",
]
