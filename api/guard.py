"""What a route checks before it reads a request's body: who is calling, then the body's size.

FastAPI reads and parses a route's body before it solves the route's dependencies, so a
caller without credentials would make the server read whatever it sends before being told
401. A `GuardedRoute` runs its *gates* first: the authentication dependencies of the route
(the bearer token, a runner's signed link, the console session) marked with `gated`, each
of which keeps what it found on the request so the dependency itself does not ask again.
Only then does the body get read, and never more of it than the route's limit
(`BODY_LIMITS`, else `DEFAULT_BODY_LIMIT`): a ``Content-Length`` over the limit is refused
at once, and a body without one (chunked) is counted as it arrives and refused as soon as it
passes the limit. Either way the answer is 413 in the error shape (`BodyTooLarge`), and the
server holds at most the limit (plus one chunk) of the body.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping
from typing import Any, Final, TypeVar

from fastapi import Request
from fastapi import routing as fastapi_routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import Message, Receive

from dispatch.photos import PHOTO_MAX_BYTES

KIB: Final = 1024
MIB: Final = 1024 * KIB

#: The largest body a route takes unless `BODY_LIMITS` says otherwise, in bytes: an order,
#: a console form or a runner's action is a few KB.
DEFAULT_BODY_LIMIT: Final = 64 * KIB

#: Larger bodies, per route path (as declared, with its prefix). A route for photos adds its
#: own line here.
BODY_LIMITS: Final[Mapping[str, int]] = {
    "/api/v1/whatsapp/webhook": 1 * MIB,  # the platform's deliveries are a few KB
    # a proof-of-delivery photo, scaled down on the phone to at most 200 KB
    "/api/v1/runner/{link}/stops/{order_id}/photo": PHOTO_MAX_BYTES,
}

Gate = Callable[[Request], Awaitable[object]]
"""Authenticates a request from its headers and path alone (never its body), keeping what
it found on ``request.state``; raises the refusal (401, 404, a redirect to sign in)."""

F = TypeVar("F", bound=Callable[..., Any])
_GATE_ATTRIBUTE: Final = "antar_gate"


def gated(gate: Gate) -> Callable[[F], F]:
    """Mark an authentication dependency: routes that use it run ``gate`` before they read
    the body (and the dependency should then find ``gate``'s result on the request)."""

    def mark(dependency: F) -> F:
        setattr(dependency, _GATE_ATTRIBUTE, gate)
        return dependency

    return mark


def body_limit(path: str) -> int:
    """The largest body the route at ``path`` takes, in bytes."""
    return BODY_LIMITS.get(path, DEFAULT_BODY_LIMIT)


class BodyTooLarge(StarletteHTTPException):
    """A body over its route's limit: 413 (an HTTP error, so FastAPI's body reading passes it
    on untouched and the error handlers give it the error shape)."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"body over {limit} bytes")
        self.limit = limit


def _gates(dependant: Dependant) -> Iterator[Gate]:
    for dependency in dependant.dependencies:
        gate = getattr(dependency.call, _GATE_ATTRIBUTE, None)
        if gate is not None:
            yield gate
        yield from _gates(dependency)


def _counted(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises `BodyTooLarge` once the body passes ``limit`` bytes."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return counted


def limit_body(request: Request, limit: int) -> None:
    """Refuse a declared length over ``limit`` now, and count an undeclared one as it comes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            length = int(declared)
        except ValueError:
            raise StarletteHTTPException(status_code=400, detail="bad Content-Length") from None
        if length > limit:
            raise BodyTooLarge(limit)
    # Starlette's Request reads the body through its receive channel; from here on every
    # read of this request's body (FastAPI's, a route's own) goes through the counter.
    request._receive = _counted(request.receive, limit)


def _as_included(route: APIRoute) -> Any:
    """``route`` as included in the application (its path with the routers' prefixes, its
    routers' dependencies): recent FastAPI builds an included route's handler while a
    context variable holds that view of it; older versions copied the route instead."""
    variable = getattr(fastapi_routing, "_effective_route_context_var", None)
    context = variable.get() if variable is not None else None
    return context if context is not None and context.original_route is route else route


class GuardedRoute(APIRoute):
    """A route that authenticates (its gates) before it reads the body, and reads no more of
    the body than its limit."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        included = _as_included(self)
        gates = tuple(dict.fromkeys(_gates(included.dependant)))
        limit = body_limit(included.path_format)

        async def guarded(request: Request) -> Response:
            for gate in gates:
                await gate(request)
            limit_body(request, limit)
            return await handler(request)

        return guarded
