"""What a runner buys at the market for a trip: the trip's shopping list.

A trip is the stops between two returns to the market (`dispatch.plans.TripPlan`). Its
shopping list adds up the items of the trip's orders per item and unit ("bawang merah
1,5 kg, 3 pesanan"); names and units are compared without case or surrounding spaces, and the
first spelling seen is kept. A failed order has nothing left to buy and is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from dispatch.models import OrderStatus


class _Item(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def quantity(self) -> float: ...
    @property
    def unit(self) -> str: ...


class _Stop(Protocol):
    @property
    def status(self) -> OrderStatus: ...
    @property
    def items(self) -> Sequence[_Item]: ...


#: Orders whose goods are still to buy, or were bought on the trip.
_CARRIED = frozenset({OrderStatus.ASSIGNED, OrderStatus.PICKED_UP, OrderStatus.DELIVERED})


@dataclass(frozen=True)
class ShoppingLine:
    """One line of a trip's shopping list: ``quantity`` of ``name`` in ``unit`` over
    ``orders`` orders."""

    name: str
    unit: str
    quantity: float
    orders: int


def shopping_list(stops: Iterable[_Stop]) -> tuple[ShoppingLine, ...]:
    """The items of ``stops`` (a trip's orders) added up per item name and unit, in
    first-seen order; failed and cancelled orders left out."""
    spelling: dict[tuple[str, str], tuple[str, str]] = {}
    quantity: dict[tuple[str, str], float] = {}
    count: dict[tuple[str, str], int] = {}
    for stop in stops:
        if stop.status not in _CARRIED:
            continue
        keys = set()
        for item in stop.items:
            key = (item.name.strip().casefold(), item.unit.strip().casefold())
            spelling.setdefault(key, (item.name.strip(), item.unit.strip()))
            quantity[key] = quantity.get(key, 0.0) + item.quantity
            keys.add(key)
        for key in keys:
            count[key] = count.get(key, 0) + 1
    return tuple(
        ShoppingLine(name, unit, round(quantity[key], 3), count[key])
        for key, (name, unit) in spelling.items()
    )
