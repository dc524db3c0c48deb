"""Small builders of dispatch rows for tests."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from sqlmodel import Session

from dispatch.models import Market, Order


def add_market(session: Session, code: str = "sawojajar", **fields: Any) -> Market:
    """A saved market (Pasar Sawojajar's position unless told otherwise)."""
    values: dict[str, Any] = {
        "code": code,
        "name": f"Pasar {code.title()}",
        "lat": -7.974963,
        "lon": 112.66075,
        "opens": time(5, 0),
        "closes": time(12, 0),
    }
    market = Market(**(values | fields))
    session.add(market)
    session.commit()
    session.refresh(market)
    return market


def make_order(market: Market, key: str = "wa-0001", **fields: Any) -> Order:
    """An unsaved 2 kg COD delivery order for ``market``."""
    values: dict[str, Any] = {
        "market_id": market.id,
        "idempotency_key": key,
        "customer_name": "Ibu Wulan",
        "phone": "+6281234567890",
        "address": "Jl. Danau Toba 12, Sawojajar",
        "lat": -7.9712,
        "lon": 112.6655,
        "service_date": date(2026, 11, 25),
        "weight_g": 2000,
        "amount_rp": 85_000,
        "delivery_fee_rp": 5_000,
    }
    return Order(**(values | fields))


def order_fields(**fields: Any) -> dict[str, Any]:
    """A valid sawojajar delivery order as the CSV's cells (the API's JSON fields), with
    ``fields`` over them."""
    cells: dict[str, Any] = {
        "market": "sawojajar",
        "external_id": "wa-0001",
        "customer_name": "Ibu Wulan",
        "phone": "0812-3456-7890",
        "address": "Jl. Danau Toba 12, Sawojajar",
        "lat": "-7.9712",
        "lon": "112.6655",
        "items": "bawang merah 1kg; cabai 0,5 kg; tahu 10 biji",
        "weight_kg": "1,5",
        "fulfilment": "delivery",
        "payment": "cod",
        "amount_rp": "Rp 125.000",
        "delivery_fee_rp": "5000",
        "window_start": "07:00",
        "window_end": "08:30",
        "notes": "pagar hijau",
    }
    return cells | fields
