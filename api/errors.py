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

from api.lang import request_lang
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
    "dispatch.market_busy": 409,
    "replan.other_market": 422,
    "replan.runner_unavailable": 409,
    "market.exists": 409,
    "runner.exists": 409,
    "console.upload_too_large": 413,
    "dispatch.no_markets": 422,
    "http.not_found": 404,
    "http.method_not_allowed": 405,
    "service.unavailable": 503,
    "request.invalid_value": 422,
}

#: Codes whose answers say how to authenticate (``WWW-Authenticate``).
_CHALLENGE: Final = {"auth.required": 'Bearer realm="antar"', "auth.invalid": "Bearer"}


def status_for(code: str) -> int:
    """The HTTP status of a refusal with ``code``: 404 for ``*.not_found``, else 422/400."""
    if code in STATUS:
        return STATUS[code]
    if code.endswith(".not_found"):
        return 404
    if code.startswith(("order.", "request.", "runner.", "market.")):
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
    type without words of its own reads "it does not have the expected form"."""
    key = f"reason.{error.get('type')}"
    ctx = {k: _shown(v) for k, v in (error.get("ctx") or {}).items()}
    return text(key if has(key) else "reason.other", lang, **ctx)


def validation_error(error: Mapping[str, Any], lang: Lang) -> DomainError:
    """One pydantic error as a `DomainError` (``request.required`` or ``request.invalid``)."""
    field = _field(error.get("loc", ()))
    if error.get("type") == "missing":
        return DomainError("request.required", field=field or "body")
    return DomainError(
        "request.invalid", field=field or "body", params={"reason": _reason(error, lang)}
    )


def validation_error_response(exc: RequestValidationError, lang: Lang) -> JSONResponse:
    """A request that did not fit the schema: 422, the first error up front, all in details."""
    errors: list[DomainError] = []
    seen: set[str | None] = set()
    for raw in exc.errors():
        error = validation_error(raw, lang)
        if error.field not in seen:  # a union's members each report the same field
            seen.add(error.field)
            errors.append(error)
    if not errors:
        errors = [DomainError("request.invalid", field="body", params={"reason": "?"})]
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
}


def http_error_response(exc: StarletteHTTPException, lang: Lang) -> JSONResponse:
    """An HTTP error raised by the framework (unknown path, wrong method...) in our shape."""
    code = _HTTP_CODES.get(exc.status_code, "http.error")
    error = DomainError(code, params={"status": exc.status_code, "detail": exc.detail})
    return JSONResponse(
        error_body(code, error.message(lang), None),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


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
        return http_error_response(exc, request_lang(request))

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
