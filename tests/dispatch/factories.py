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
