"""What the OpenAPI schema cannot say: the domain's rules over well-formed data.

schemathesis' ``positive_data_acceptance`` check expects every request the schema allows to
be accepted. The schema says every type, length, pattern and range the server checks; what
it cannot say is a rule across fields or against the world (a window's end after its
start, a phone number that exists in Indonesia's numbering plan, a point inside Kota
Malang's boundary, a market that exists, a runner of the order's own market, a position
time near the server's clock). `DOMAIN_REFUSALS` lists, per operation, the refusals (422
with these codes) that such a request may get; `accepts_well_formed_data` is
``positive_data_acceptance`` with those, and only those, allowed.

Loaded by the schema test (``tests/api/test_schema.py``) and, as a schemathesis hook
(``SCHEMATHESIS_HOOKS=tests.api.schema_rules``), by ``bench/schema.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

#: The intake's refusals of well-formed order cells (the same for the API, CSV, WhatsApp).
_INTAKE: Final = frozenset(
    {
        "order.invalid",  # several of the below at once
        "order.unknown_market",
        "order.invalid_phone",
        "order.invalid_weight",
        "order.invalid_amount",
        "order.invalid_time",
        "order.invalid_window",
        "order.invalid_value",
        "order.invalid_coordinates",
        "order.incomplete_coordinates",
        "order.outside_service_area",
        "order.cannot_locate",
        "order.address_required",
        "order.required",  # a cell of spaces only
        "order.too_long",  # an item name longer than its column, inside the list's text
        "order.unknown_seller",
        "order.seller_unverified",
        "order.seller_suspended",
        "order.seller_other_market",
    }
)
#: A seller's rules over well-formed values (`dispatch.sellers`).
_SELLER: Final = frozenset(
    {
        "seller.invalid_hours",
        "seller.outside_city",
        "seller.reserved_code",
        "seller.invalid_nib",
        "order.invalid_phone",
        "request.required",  # an address of spaces only
    }
)

#: (method, path) -> the 422 codes a schema-valid request may get, and why.
DOMAIN_REFUSALS: Final[Mapping[tuple[str, str], frozenset[str]]] = {
    ("POST", "/api/v1/orders"): _INTAKE,
    ("POST", "/api/v1/drafts/{draft_id}/accept"): _INTAKE,
    ("PATCH", "/api/v1/orders/{order_id}"): frozenset(
        {
            "order.invalid_phone",
            "order.invalid_window",
            "order.incomplete_coordinates",
            "order.outside_service_area",
            "order.address_required",
        }
    ),
    ("POST", "/api/v1/markets"): frozenset(
        {"market.invalid_hours", "market.outside_city", "market.reserved_code"}
    ),
    ("PATCH", "/api/v1/markets/{code}"): frozenset({"market.invalid_hours", "market.outside_city"}),
    ("POST", "/api/v1/runners"): frozenset({"order.invalid_phone", "runner.invalid_shift"}),
    ("PATCH", "/api/v1/runners/{runner_id}"): frozenset(
        {"order.invalid_phone", "runner.invalid_shift"}
    ),
    ("POST", "/api/v1/sellers"): _SELLER,
    ("PATCH", "/api/v1/sellers/{seller_code}"): _SELLER,
    ("POST", "/api/v1/runner/{link}/position"): frozenset({"runner.position_time"}),
    # any bytes fit the schema's binary body; only a real picture is kept
    ("POST", "/api/v1/runner/{link}/stops/{order_id}/photo"): frozenset({"photo.not_image"}),
    ("PUT", "/api/v1/orders/{order_id}/pin"): frozenset({"replan.other_market"}),
    ("POST", "/api/v1/orders/{order_id}/move"): frozenset({"replan.other_market"}),
    ("POST", "/api/v1/dispatch-runs"): frozenset({"dispatch.no_markets"}),
}


#: Codes that only gather several refusals (their details carry the codes that count).
_AGGREGATES: Final = frozenset(
    {"order.invalid", "market.invalid", "runner.invalid", "seller.invalid"}
)


def refusal_codes(body: Any) -> set[str]:
    """The codes of an error body: its own, and each of its details'."""
    error = body.get("error", {}) if isinstance(body, dict) else {}
    details = error.get("details") or []
    return {str(error.get("code")), *(str(d.get("code")) for d in details if isinstance(d, dict))}


@schemathesis.check
def accepts_well_formed_data(ctx: Any, response: Any, case: Any) -> bool | None:
    """``positive_data_acceptance``, but a 422 whose codes are all among the operation's
    `DOMAIN_REFUSALS` is the domain speaking, not the schema being wrong."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except Exception:
        if response.status_code == 422:
            allowed = DOMAIN_REFUSALS.get((case.method.upper(), case.operation.path), frozenset())
            try:
                codes = refusal_codes(response.json())
            except ValueError:
                codes = set()
            codes -= _AGGREGATES
            if codes and codes <= allowed:
                return None
        raise
