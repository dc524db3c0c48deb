"""Configuration of the dispatch domain, read from ``ANTAR_*`` environment variables."""

from __future__ import annotations

from datetime import time

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Settings read from the environment (prefix ``ANTAR_``); build one with `get_settings`."""

    model_config = SettingsConfigDict(env_prefix="ANTAR_", extra="ignore")

    database_url: str = "sqlite:///antar.db"
    """SQLAlchemy URL; a SQLite file in the working directory unless set.
    PostgreSQL: ``postgresql+psycopg://user@host:5432/name``."""

    timezone: str = "Asia/Jakarta"
    """Local time zone of the markets (WIB); datetimes are stored in UTC."""

    runner_shift_start: time = time(5, 30)
    """Default start of a runner's shift, local time (markets open early)."""

    runner_shift_end: time = time(11, 30)
    """Default end of a runner's shift, local time."""

    runner_capacity_g: int = Field(default=40_000, gt=0)
    """Default load a runner's motorbike carries on one trip, in grams."""

    runner_cash_cap_rp: int = Field(default=1_500_000, ge=0)
    """Default cash (COD) a runner may carry at once, in whole rupiah."""

    runner_max_orders_per_trip: int | None = Field(default=None, gt=0)
    """Default limit on orders per trip; ``None`` means only the load limits a trip."""


def get_settings() -> Settings:
    """Read the settings from the environment now (nothing is cached or made at import)."""
    return Settings()
