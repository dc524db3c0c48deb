"""The coordinators' review queue of WhatsApp drafts: list, accept (with corrections), reject.

Who sees what, as in `api.access`: operators every draft; a coordinator the drafts of its own
market and the drafts that have no market yet (a pickup order naming none, a text whose
location never came), since any market may take those; another market's draft answers 404
as if it did not exist. Accepting runs the same intake as ``POST /orders`` (and the draft's
WhatsApp message id stays the order's key, so accepting twice makes one order); a
coordinator can only accept into its own market.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, func, select

from api.access import market_by_code, visible_markets
from api.deps import LangDep, PlannerDep, PrincipalDep, SessionDep, SettingsDep, actor
from api.errors import error_body
from api.fields import Flag, line, number, text, whole_number
from api.guard import GuardedRoute
from api.routes.whatsapp import wake_whatsapp
from api.schemas import ErrorResponse
from dispatch.auth import Principal
from dispatch.errors import DomainError
from dispatch.intake import arrived_in
from dispatch.models import DraftStatus, Market, WhatsAppDraft
from dispatch.whatsapp.inbound import Corrections, ItemFix, mark_ordered, submit_draft
from dispatch.whatsapp.outbound import queue_message, rejected_text

router = APIRouter(prefix="/drafts", tags=["whatsapp drafts"], route_class=GuardedRoute)

CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "the draft is rejected or ordered already"}
}

Short = line(40)
Rupiah = whole_number(ge=0, le=1_000_000_000)
Kilograms = number(gt=0, le=10_000)


class DraftItemIn(BaseModel):
    """One item as the coordinator corrects it."""

    model_config = ConfigDict(extra="forbid")

    name: line(120, min_length=1, strip=True)
    quantity: number(gt=0, le=100_000) | None = None
    unit: line(20) | None = None


class DraftAcceptIn(BaseModel):
    """Corrections made while accepting; fields left out keep what the draft says. Values as
    in ``POST /orders`` (``weight_kg`` in kg, windows ``HH:MM`` WIB, whole rupiah)."""

    model_config = ConfigDict(extra="forbid")

    market: Short | None = Field(default=None, description="market code, e.g. sawojajar")
    customer_name: line(120) | None = None
    phone: line(30) | None = None
    address: text(500) | None = None
    lat: number(ge=-90, le=90) | None = None
    lon: number(ge=-180, le=180) | None = None
    items: list[DraftItemIn] | None = Field(default=None, max_length=200)
    weight_kg: Short | Kilograms | None = None
    fulfilment: Short | None = None
    payment: Short | None = None
    amount_rp: Short | Rupiah | None = None
    delivery_fee_rp: Short | Rupiah | None = None
    window_start: Short | None = Field(default=None, description="HH:MM WIB; empty clears")
    window_end: Short | None = Field(default=None, description="HH:MM WIB; empty clears")
    notes: text(1000) | None = None


class DraftRejectIn(BaseModel):
    """Why the draft is turned down; the customer is told unless ``notify_customer`` is false."""

    model_config = ConfigDict(extra="forbid")

    reason: text(500) = ""
    notify_customer: Flag = True


class DraftOut(BaseModel):
    """A WhatsApp draft order and where it stands."""

    id: uuid.UUID
    status: DraftStatus
    reason: str | None = Field(
        description="why it needs review: no_location, no_address, outside_service_area, "
        "no_market, "
        "unreadable, low_confidence, refused_by_intake"
    )
    problem: str | None = Field(description="the intake's refusal, when there was one")
    wa_message_id: str
    wa_id: str
    customer_name: str
    text: str
    reading: dict[str, Any]
    lat: float | None
    lon: float | None
    address: str
    market: str | None
    order_id: uuid.UUID | None
    decided_by: str | None
    wait_until: datetime | None
    sent_at: datetime
    created_at: datetime
    updated_at: datetime


class DraftList(BaseModel):
    data: list[DraftOut]
    count: int


def _codes(session: Session) -> dict[uuid.UUID, str]:
    return {m.id: m.code for m in session.exec(select(Market)).all()}


def draft_out(draft: WhatsAppDraft, codes: dict[uuid.UUID, str]) -> DraftOut:
    """A draft as the API shows it."""
    return DraftOut(
        id=draft.id,
        status=draft.status,
        reason=draft.reason,
        problem=draft.problem,
        wa_message_id=draft.wa_message_id,
        wa_id=draft.wa_id,
        customer_name=draft.customer_name,
        text=draft.text,
        reading=draft.reading,
        lat=draft.lat,
        lon=draft.lon,
        address=draft.address,
        market=codes.get(draft.market_id) if draft.market_id else None,
        order_id=draft.order_id,
        decided_by=draft.decided_by,
        wait_until=draft.wait_until,
        sent_at=draft.sent_at,
        created_at=draft.created_at,
        updated_at=draft.updated_at,
    )


def _may_see(principal: Principal, draft: WhatsAppDraft) -> bool:
    return draft.market_id is None or principal.may_see(draft.market_id)


def _visible_draft(session: Session, principal: Principal, draft_id: uuid.UUID) -> WhatsAppDraft:
    """The draft, locked for the change to come; 404 when missing or another market's."""
    draft = session.exec(
        select(WhatsAppDraft).where(WhatsAppDraft.id == draft_id).with_for_update()
    ).first()
    if draft is None or not _may_see(principal, draft):
        raise DomainError("draft.not_found", params={"id": str(draft_id)})
    return draft


def _closed(draft: WhatsAppDraft, lang: LangDep) -> JSONResponse:
    error = DomainError("draft.closed", field="status", params={"status": draft.status.value})
    return JSONResponse(error_body(error.code, error.message(lang), error.field), status_code=409)


@router.get("", response_model=DraftList)
def list_drafts(
    session: SessionDep,
    principal: PrincipalDep,
    market: Annotated[str | None, Query(max_length=200, description="market code")] = None,
    draft_status: Annotated[
        DraftStatus | None, Query(alias="status", description="default: review")
    ] = DraftStatus.REVIEW,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> DraftList:
    """Drafts the caller may see, oldest first (the queue's order); ``count`` before paging.

    ``market`` narrows to that market's drafts (404 for another market's code); without it a
    coordinator sees its market's drafts and those with no market yet.
    """
    query = select(WhatsAppDraft)
    if market is not None:
        chosen = market_by_code(session, principal, market)
        query = query.where(WhatsAppDraft.market_id == chosen.id)
    elif principal.market_id is not None:
        query = query.where(
            (col(WhatsAppDraft.market_id) == principal.market_id)
            | col(WhatsAppDraft.market_id).is_(None)
        )
    if draft_status is not None:
        query = query.where(WhatsAppDraft.status == draft_status)
    count = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(
        query.order_by(col(WhatsAppDraft.sent_at), col(WhatsAppDraft.id))
        .offset(offset)
        .limit(limit)
    ).all()
    codes = _codes(session)
    return DraftList(data=[draft_out(draft, codes) for draft in rows], count=count)


@router.get("/{draft_id}", response_model=DraftOut)
def get_draft(draft_id: uuid.UUID, session: SessionDep, principal: PrincipalDep) -> DraftOut:
    """One draft."""
    draft = session.get(WhatsAppDraft, draft_id)
    if draft is None or not _may_see(principal, draft):
        raise DomainError("draft.not_found", params={"id": str(draft_id)})
    return draft_out(draft, _codes(session))


def _text(value: str | int | float | None) -> str | None:
    """A JSON value as the CSV cell it stands for (``1.5`` -> ``"1.5"``, ``2.0`` -> ``"2"``)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value)


def corrections(body: DraftAcceptIn) -> Corrections:
    """The body's corrections in the domain's terms."""
    return Corrections(
        market=body.market,
        customer_name=body.customer_name,
        phone=body.phone,
        address=body.address,
        lat=body.lat,
        lon=body.lon,
        items=None
        if body.items is None
        else tuple(ItemFix(i.name, i.quantity, i.unit) for i in body.items),
        weight_kg=_text(body.weight_kg),
        fulfilment=body.fulfilment,
        payment=body.payment,
        amount_rp=_text(body.amount_rp),
        delivery_fee_rp=_text(body.delivery_fee_rp),
        window_start=body.window_start,
        window_end=body.window_end,
        notes=body.notes,
    )


@router.post(
    "/{draft_id}/accept",
    response_model=DraftOut,
    responses={
        **CONFLICT,
        422: {"model": ErrorResponse, "description": "refused by the intake"},
    },
)
def accept_draft(
    draft_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    lang: LangDep,
    planner: PlannerDep,
    body: DraftAcceptIn | None = None,
) -> DraftOut | JSONResponse:
    """Make the draft an order (with corrections); a second accept returns the same order."""
    draft = _visible_draft(session, principal, draft_id)
    if draft.status is DraftStatus.ORDERED:
        return draft_out(draft, _codes(session))
    if draft.status is DraftStatus.REJECTED:
        return _closed(draft, lang)
    fix = corrections(body or DraftAcceptIn())
    if fix.market is None and draft.market_id is None and principal.market_id is not None:
        own = session.get(Market, principal.market_id)
        fix = replace(fix, market=own.code if own else None)
    known = [m.code for m in visible_markets(session, principal)]
    submitted = submit_draft(
        session, draft, settings, known_markets=known, corrections=fix, by=actor(principal)
    )
    mark_ordered(session, draft, submitted, by=actor(principal), settings=settings)
    out = draft_out(draft, _codes(session))
    session.commit()
    # Committed: on a day with a plan, the order goes into it now (or waits for review).
    planner.orders_arrived(arrived_in(session), by=actor(principal))
    wake_whatsapp(request)
    return out


@router.post("/{draft_id}/reject", response_model=DraftOut, responses=CONFLICT)
def reject_draft(
    draft_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    lang: LangDep,
    body: DraftRejectIn | None = None,
) -> DraftOut | JSONResponse:
    """Turn the draft down (and tell the customer why, unless asked not to)."""
    draft = _visible_draft(session, principal, draft_id)
    if draft.status is DraftStatus.REJECTED:
        return draft_out(draft, _codes(session))
    if draft.status is DraftStatus.ORDERED:
        return _closed(draft, lang)
    reason = (body.reason if body else "").strip()
    draft.status = DraftStatus.REJECTED
    draft.problem = reason or None
    draft.decided_by = actor(principal)
    draft.updated_at = datetime.now(UTC)
    session.add(draft)
    if body is None or body.notify_customer:
        queue_message(
            session,
            to_wa_id=draft.wa_id,
            kind="rejected",
            body=rejected_text(reason),
            dedupe_key=f"rejected:{draft.id}",
            draft_id=draft.id,
        )
    session.flush()
    out = draft_out(draft, _codes(session))
    session.commit()
    wake_whatsapp(request)
    return out
