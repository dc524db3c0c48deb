"""The WhatsApp Business Cloud API webhook: ``/api/v1/whatsapp/webhook``.

``GET`` is the platform's subscription handshake: with ``hub.mode=subscribe`` and the
configured ``hub.verify_token`` it answers ``hub.challenge`` as text/plain, else 403.
``POST`` carries messages and status callbacks, signed with the app secret in
``X-Hub-Signature-256``; a missing or wrong signature answers 401 and stores nothing. A good
delivery is stored (re-deliveries change nothing) and answered 200 at once; turning messages
into drafts, orders and replies is the background worker's job
(`dispatch.whatsapp.worker`), so the platform never waits for it (it retries slow answers).
"""

from __future__ import annotations

import hmac
import json
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine

from api.deps import SettingsDep
from api.errors import error_body, request_lang
from api.guard import GuardedRoute
from api.schemas import ErrorResponse
from dispatch.db import session_scope
from dispatch.errors import DomainError
from dispatch.whatsapp.inbound import (
    Stored,
    WebhookBatch,
    read_webhook,
    signature_valid,
    store_webhook,
)

router = APIRouter(prefix="/whatsapp", tags=["whatsapp"], route_class=GuardedRoute)

#: Deepest nesting of a webhook body taken (the platform's deliveries nest 6 levels).
MAX_DEPTH = 32


class WebhookReceipt(BaseModel):
    """What a delivery stored: new messages, repeats of stored ones, status callbacks applied,
    entries ignored (other message types, unknown messages)."""

    received: int = Field(description="messages stored now")
    repeated: int = Field(description="messages stored before (re-deliveries)")
    statuses: int = Field(description="status callbacks recorded on sent messages")
    ignored: int
    refused: int = Field(
        default=0, description="messages not stored (recorded with why), the others stored"
    )


def wake_whatsapp(request: Request) -> None:
    """Ask the WhatsApp worker to run now (messages stored or replies queued); a no-op when
    the application has none (started without its lifespan)."""
    worker = getattr(request.app.state, "whatsapp", None)
    if worker is not None:
        worker.wake()


def _refusal(
    request: Request, code: str, status: int, params: dict[str, object] | None = None
) -> JSONResponse:
    error = DomainError(code, params=params)
    lang = request_lang(request)
    return JSONResponse(error_body(code, error.message(lang), None), status_code=status)


def depth(value: object, limit: int) -> int:
    """How deep ``value`` nests (a scalar is 0), counted without recursion; stops counting
    past ``limit``."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > limit:
            break
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, dict | list):
            stack.extend((child, level + 1) for child in children)
    return deepest


@router.get(
    "/webhook",
    response_model=None,
    responses={
        200: {
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "description": "the challenge, echoed",
        },
        403: {"model": ErrorResponse, "description": "wrong mode or verify token"},
    },
)
def verify_webhook(
    request: Request,
    settings: SettingsDep,
    mode: Annotated[str, Query(alias="hub.mode", max_length=40)] = "",
    verify_token: Annotated[str, Query(alias="hub.verify_token", max_length=400)] = "",
    challenge: Annotated[str, Query(alias="hub.challenge", max_length=400)] = "",
) -> Response:
    """The platform's subscription handshake."""
    expected = settings.whatsapp_verify_token
    if (
        mode == "subscribe"
        and expected
        and hmac.compare_digest(verify_token.encode(), expected.encode())
    ):
        return PlainTextResponse(challenge)
    return _refusal(request, "whatsapp.verify_failed", 403)


def _store(engine: Engine, batch: WebhookBatch) -> Stored:
    with session_scope(engine) as session:
        return store_webhook(session, batch)


@router.post(
    "/webhook",
    response_model=WebhookReceipt,
    responses={
        400: {"model": ErrorResponse, "description": "not JSON, or nested too deeply"},
        401: {"model": ErrorResponse, "description": "signature missing or wrong"},
        413: {"model": ErrorResponse, "description": "body over 1 MiB"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
async def receive_webhook(request: Request, settings: SettingsDep) -> WebhookReceipt | JSONResponse:
    """Messages and status callbacks from the platform, signed with the app secret.

    The body is read up to 1 MiB (`api.guard`), then its signature checked, then parsed:
    JSON nested deeper than the decoder allows, or than `MAX_DEPTH`, answers 400. Each
    message is stored or refused on its own (refusals recorded), so one bad message never
    blocks the others of the delivery."""
    body = await request.body()
    signature = request.headers.get("x-hub-signature-256")
    if not signature_valid(body, signature, settings.whatsapp_app_secret):
        return _refusal(request, "whatsapp.bad_signature", 401)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _refusal(request, "request.unreadable", 400)
    if depth(payload, MAX_DEPTH) > MAX_DEPTH:
        return _refusal(request, "request.too_deep", 400, {"limit": MAX_DEPTH})
    batch = read_webhook(payload)
    stored = await run_in_threadpool(_store, request.app.state.engine, batch)
    if stored.new_messages:
        wake_whatsapp(request)
    return WebhookReceipt(
        received=stored.new_messages,
        repeated=stored.repeated_messages,
        statuses=stored.statuses_applied,
        ignored=batch.ignored,
        refused=stored.refused,
    )
