"""A trip's shopping list: the items of its orders added up per item and unit."""

from __future__ import annotations

import uuid
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from dispatch.models import Order, OrderItem, OrderStatus
from dispatch.shopping import shopping_list


def _order(*items: tuple[str, float, str], status: OrderStatus = OrderStatus.ASSIGNED) -> Order:
    order = Order(
        market_id=uuid.uuid4(),
        idempotency_key=str(uuid.uuid4()),
        customer_name="Ibu Wulan",
        phone="+6281234567890",
        service_date=date(2026, 12, 8),
        weight_g=1000,
        status=status,
    )
    order.items = [OrderItem(name=n, quantity=q, unit=u, weight_g=0) for n, q, u in items]
    return order


def test_items_add_up_per_name_and_unit_counting_orders() -> None:
    """ "Bawang merah" in three orders is one line of 1,5 kg over 3 orders; another unit is
    another line; names compare without case or spaces."""
    lines = shopping_list(
        [
            _order(("Bawang merah", 0.5, "kg"), ("tahu", 5, "biji")),
            _order(("bawang merah ", 0.75, "kg")),
            _order(("Bawang Merah", 0.25, "kg"), ("bawang merah", 1, "ikat")),
        ]
    )
    assert [(x.name, x.unit, x.quantity, x.orders) for x in lines] == [
        ("Bawang merah", "kg", 1.5, 3),
        ("tahu", "biji", 5, 1),
        ("bawang merah", "ikat", 1, 1),
    ]


def test_failed_and_cancelled_orders_are_left_out() -> None:
    """Nothing to buy for an order that failed or was cancelled."""
    lines = shopping_list(
        [
            _order(("beras", 5, "kg")),
            _order(("beras", 10, "kg"), status=OrderStatus.CANCELLED),
            _order(("beras", 2, "kg"), status=OrderStatus.FAILED),
            _order(("beras", 1, "kg"), status=OrderStatus.DELIVERED),
        ]
    )
    assert [(x.quantity, x.orders) for x in lines] == [(6, 2)]


names = st.sampled_from(["beras", "Beras", "tahu", "cabai rawit"])
units = st.sampled_from(["kg", "biji", ""])
items = st.lists(st.tuples(names, st.integers(1, 20).map(lambda q: q / 4), units), max_size=4)


@given(st.lists(items, max_size=6))
def test_the_list_keeps_every_quantity_and_never_counts_an_order_twice(
    orders_items: list[list[tuple[str, float, str]]],
) -> None:
    """Whatever the orders, each line's quantity is the sum over the orders, and a line's
    order count is the number of orders that have the item."""
    orders = [_order(*its) for its in orders_items]
    lines = {(x.name.casefold(), x.unit): x for x in shopping_list(orders)}
    expected: dict[tuple[str, str], float] = {}
    having: dict[tuple[str, str], int] = {}
    for its in orders_items:
        for key in {(n.casefold(), u) for n, _, u in its}:
            having[key] = having.get(key, 0) + 1
        for n, q, u in its:
            expected[(n.casefold(), u)] = expected.get((n.casefold(), u), 0) + q
    assert set(lines) == set(expected)
    for key, line in lines.items():
        assert abs(line.quantity - expected[key]) < 1e-6
        assert line.orders == having[key]
