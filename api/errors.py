"""The one place that turns refusals into HTTP answers: ``{"error": {code, message, field}}``.

Domain errors (`dispatch.errors.DomainError`), request validation errors and HTTP errors all
leave the service in this shape, with the message in Bahasa Indonesia unless the request asks
for English (`api.lang.request_lang`: ``?lang=en`` or ``Accept-Language``). A 500 is a bug
and is not handled here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from api.fields import CONTROL_PATTERNS
from api.guard import BodyTooLarge
from api.lang import request_lang
from dispatch.csv_io import CSV_HEADER
from dispatch.errors import DomainError, Lang, ValidationErrors
from dispatch.i18n import has, text

__all__ = [
    "domain_error_response",
    "error_body",
    "http_error_response",
    "install_error_handlers",
    "request_lang",
    "status_for",
    "validation_error",
    "validation_error_response",
]

#: HTTP status per error code; codes not listed fall back by prefix (see `status_for`).
STATUS: Final[Mapping[str, int]] = {
    "auth.required": 401,
    "auth.invalid": 401,
    "auth.forbidden": 403,
    "link.invalid": 404,
    "link.expired": 410,
    "order.not_found": 404,
    "runner.not_found": 404,
    "market.not_found": 404,
    "dispatch.unknown_run": 404,
    "dispatch.unknown_market": 404,
    "order.unknown_market": 422,
    "order.invalid_transition": 409,
    "seller.open_orders": 409,
    "dispatch.market_busy": 409,
    "replan.other_market": 422,
    "replan.runner_unavailable": 409,
    "replan.no_plan": 409,
    "replan.no_orders": 409,
    "insertion.not_waiting": 409,
    "insertion.invalid_mode": 422,
    "market.exists": 409,
    "runner.exists": 409,
    "seller.exists": 409,
    "console.upload_too_large": 413,
    "dispatch.no_markets": 422,
    "http.not_found": 404,
    "http.method_not_allowed": 405,
    "service.unavailable": 503,
    "request.invalid_value": 422,
    "request.too_large": 413,
    "order.not_delivered": 409,
    "order.photo_required": 422,
    "photo.too_large": 413,
    "photo.not_image": 422,
    "photo.not_open": 409,
    "photo.not_found": 404,
    "runner.idempotency_key": 400,
}

#: Codes whose answers say how to authenticate (``WWW-Authenticate``).
_CHALLENGE: Final = {"auth.required": 'Bearer realm="antar"', "auth.invalid": "Bearer"}


def status_for(code: str) -> int:
    """The HTTP status of a refusal with ``code``: 404 for ``*.not_found``, else 422/400."""
    if code in STATUS:
        return STATUS[code]
    if code.endswith(".not_found"):
        return 404
    if code.startswith(("order.", "request.", "runner.", "market.", "seller.")):
        return 422
    return 400


def error_body(
    code: str, message: str, field: str | None, details: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """The JSON body of every 4xx answer."""
    body: dict[str, Any] = {"code": code, "message": message, "field": field}
    if details:
        body["details"] = list(details)
    return {"error": body}


def domain_error_response(error: DomainError, lang: Lang) -> JSONResponse:
    """A `DomainError` as its HTTP answer."""
    details: list[dict[str, str | None]] = []
    field = error.field
    if isinstance(error, ValidationErrors):
        details = [e.as_dict(lang) for e in error.errors]
        field = field or (error.fields[0] if error.fields else None)
    status = status_for(error.code)
    headers = {"WWW-Authenticate": _CHALLENGE[error.code]} if error.code in _CHALLENGE else None
    return JSONResponse(
        error_body(error.code, error.message(lang), field, details),
        status_code=status,
        headers=headers,
    )


# -- request validation ------------------------------------------------------------------------

#: Prefixes of a validation error's location that do not name a field.
_LOC_SOURCES: Final = {"body", "query", "path", "header", "cookie"}
#: Location parts that name a union member's type rather than a field.
_TYPE_TAGS: Final = {"str", "int", "float", "bool", "none", "date", "datetime", "uuid"}
_TYPE_TAG: Final = re.compile(r"[\[(]|^(constrained|lax|strict|function|json-or-python)-")


def _field(loc: Sequence[int | str]) -> str | None:
    """The field an error location names: ``("body", "items", 0, "name")`` -> ``items.0.name``."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOC_SOURCES:
        parts = parts[1:]
    # Union members show up as extra location parts (``str``, ``function-after[...]``); the
    # first part is always the field's own name, even one spelled like a type (``date``).
    parts = parts[:1] + [p for p in parts[1:] if p not in _TYPE_TAGS and not _TYPE_TAG.search(p)]
    return ".".join(parts) or None


def _shown(value: object) -> str:
    """A limit as a message shows it: ``0.0`` as ``0``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _reason(error: Mapping[str, Any], lang: Lang) -> str:
    """What a pydantic error type means, in words (``reason.<type>`` in the catalogue); a
    type without words of its own reads "it does not have the expected form". A refusal by
    a pattern that only keeps control characters out reads as such."""
    kind = str(error.get("type"))
    if kind == "string_pattern_mismatch" and (error.get("ctx") or {}).get("pattern") in (
        CONTROL_PATTERNS
    ):
        kind = "control_character"
    key = f"reason.{kind}"
    ctx = {k: _shown(v) for k, v in (error.get("ctx") or {}).items()}
    return text(key if has(key) else "reason.other", lang, **ctx)


#: An order's cells (the CSV's columns) refused by the schema are worded as the intake
#: words them, with the same codes: a phone, a weight, an amount, a coordinate or a time in
#: a form the intake cannot read.
_CELL_CODES: Final[Mapping[str, str]] = {
    "phone": "order.invalid_phone",
    "weight_kg": "order.invalid_weight",
    "amount_rp": "order.invalid_amount",
    "delivery_fee_rp": "order.invalid_amount",
    "lat": "order.invalid_coordinates",
    "lon": "order.invalid_coordinates",
    "window_start": "order.invalid_time",
    "window_end": "order.invalid_time",
}
_FORM_ERRORS: Final = frozenset(
    {
        "string_pattern_mismatch",
        "string_too_short",
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
    }
)


def _blank(error: Mapping[str, Any]) -> bool:
    """Whether a refused text was nothing but spaces (a name must hold more)."""
    value = error.get("input")
    return error.get("type") in ("string_pattern_mismatch", "string_too_short") and (
        isinstance(value, str) and not value.strip()
    )


def _cell_error(field: str, error: Mapping[str, Any]) -> DomainError | None:
    """A refused order cell as the intake's own refusal, when there is one."""
    kind, ctx, value = error.get("type"), error.get("ctx") or {}, error.get("input")
    if kind == "missing" or (_blank(error) and field not in _CELL_CODES):
        return DomainError("order.required", field=field)
    if kind == "string_too_long" and isinstance(value, str):
        limit = ctx.get("max_length")
        return DomainError(
            "order.too_long", field=field, params={"limit": limit, "length": len(value)}
        )
    if kind == "string_unicode" or (
        kind == "string_pattern_mismatch" and ctx.get("pattern") in CONTROL_PATTERNS
    ):
        return DomainError("order.control_character", field=field)
    if kind in _FORM_ERRORS and field in _CELL_CODES:
        return DomainError(_CELL_CODES[field], field=field, params={"value": value})
    return None


def validation_error(error: Mapping[str, Any], lang: Lang) -> DomainError:
    """One pydantic error as a `DomainError`: an order cell's as the intake words it
    (``order.*``), else ``request.required`` or ``request.invalid``."""
    field = _field(error.get("loc", ()))
    if field in CSV_HEADER:
        as_cell = _cell_error(field, error)
        if as_cell is not None:
            return as_cell
    if error.get("type") == "missing" or _blank(error):
        return DomainError("request.required", field=field or "body")
    return DomainError(
        "request.invalid", field=field or "body", params={"reason": _reason(error, lang)}
    )


def validation_error_response(exc: RequestValidationError, lang: Lang) -> JSONResponse:
    """A request that did not fit the schema: 422, the first error up front, all in details."""
    # A union's members each report the same field: keep one error per field, the intake's
    # own wording when a member has one (a weight as text, rather than "not a number").
    by_field: dict[str | None, DomainError] = {}
    for raw in exc.errors():
        error = validation_error(raw, lang)
        kept = by_field.get(error.field)
        if kept is None or (error.code.startswith("order.") and not kept.code.startswith("order.")):
            by_field[error.field] = error
    errors = list(by_field.values())
    if not errors:
        errors = [DomainError("request.invalid", field="body", params={"reason": "?"})]
    if len(errors) > 1 and all(e.code.startswith("order.") for e in errors):
        return domain_error_response(ValidationErrors(errors), lang)  # as the intake does
    first = errors[0]
    details = [e.as_dict(lang) for e in errors] if len(errors) > 1 else []
    return JSONResponse(
        error_body(first.code, first.message(lang), first.field, details), status_code=422
    )


_HTTP_CODES: Final[Mapping[int, str]] = {
    400: "request.unreadable",
    401: "auth.required",
    404: "http.not_found",
    405: "http.method_not_allowed",
    413: "request.too_large",
}


def http_error_response(exc: StarletteHTTPException, lang: Lang) -> JSONResponse:
    """An HTTP error raised by the framework (unknown path, wrong method...) in our shape."""
    code = _HTTP_CODES.get(exc.status_code, "http.error")
    params: dict[str, object] = {"status": exc.status_code, "detail": exc.detail}
    if isinstance(exc, BodyTooLarge):
        params["limit"] = exc.limit
    error = DomainError(code, params=params)
    return JSONResponse(
        error_body(code, error.message(lang), None),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


def allowed_methods(request: Request) -> list[str]:
    """Every method the request's path answers, as the OpenAPI schema lists them (with HEAD
    beside GET): a 405's ``Allow`` names them all, not only those of the first route that
    matched the path. Empty for a path outside the schema."""
    app = request.app
    table: list[tuple[re.Pattern[str], list[str]]] | None = getattr(app.state, "allow", None)
    if table is None:
        table = []
        for path, operations in app.openapi().get("paths", {}).items():
            methods = sorted(m.upper() for m in operations if m.upper() in _METHODS)
            if "GET" in methods:
                methods = sorted({*methods, "HEAD"})
            table.append((compile_path(path)[0], methods))
        app.state.allow = table
    path = request.scope.get("path", "")
    return next((methods for pattern, methods in table if pattern.match(path)), [])


_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that give every 4xx answer the ``{"error": ...}`` shape."""

    async def on_domain_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        return domain_error_response(exc, request_lang(request))

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return validation_error_response(exc, request_lang(request))

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        response = http_error_response(exc, request_lang(request))
        if exc.status_code == 405:
            allowed = allowed_methods(request)
            if allowed:
                response.headers["Allow"] = ", ".join(allowed)
        return response

    async def on_database_busy(request: Request, exc: Exception) -> JSONResponse:
        # Only a database that is overloaded or down ends up here (e.g. SQLite's write lock
        # not free within its busy timeout): tell the client to retry, not a 500.
        response = domain_error_response(DomainError("service.unavailable"), request_lang(request))
        response.headers["Retry-After"] = "1"
        return response

    async def on_bad_value(request: Request, exc: Exception) -> JSONResponse:
        # The database refused a value the schema let through (a NUL character in text on
        # PostgreSQL, a number out of a column's range): the request's fault, not a 500.
        return domain_error_response(DomainError("request.invalid_value"), request_lang(request))

    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(DataError, on_bad_value)
    app.add_exception_handler(OperationalError, on_database_busy)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
