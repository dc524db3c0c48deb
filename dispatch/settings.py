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

    secret_key: str = "dev-only-change-me"
    """Key that signs runners' route links; set ``ANTAR_SECRET_KEY`` in production."""

    public_base_url: str = "http://127.0.0.1:8000"
    """Where runners reach the server; runner links start with it."""

    tiles_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    """Map tile server (the only other host a runner's page talks to)."""

    tiles_attribution: str = "&copy; OpenStreetMap contributors"

    geocoder: str = "off"
    """Geocoder for addresses without coordinates: ``off`` or ``nominatim`` (never in tests)."""

    door_service_s: int = Field(default=120, ge=0)
    """Time at a customer's door (handing over, collecting cash), in seconds."""

    picking_s: int = Field(default=120, ge=0)
    """Time to buy one order's goods at the stalls before a trip, in seconds."""

    reload_s: int = Field(default=300, ge=0)
    """Time to park and load at the market on each return to it, in seconds."""

    asap_minutes: int = Field(default=90, gt=0)
    """An order without a window should arrive within this many minutes of the shift start
    (or of its arrival, if later); lateness past that is charged, not forbidden."""

    circuity: float = Field(default=1.3, ge=1.0)
    """Road distance over great-circle distance."""

    speed_kmh: float = Field(default=22.0, gt=0)
    """Average motorbike speed in town."""

    parking_s: int = Field(default=60, ge=0)
    """Fixed time added to every ride (parking, finding the gate), in seconds."""


def get_settings() -> Settings:
    """Read the settings from the environment now (nothing is cached or made at import)."""
    return Settings()
