"""Configuration of the dispatch domain, read from ``ANTAR_*`` environment variables."""

from __future__ import annotations

from datetime import time
from pathlib import Path

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

    secret_key: str | None = Field(default=None, repr=False)
    """Key that signs runners' route links, customers' tracking links and console sessions.
    Unset: ``antar serve`` uses the key it generated on first start and keeps in the data
    folder (``secret.key``, mode 0600); see `dispatch.signing.with_secret_key`."""

    data_dir: Path | None = None
    """Folder of the server's own files (the generated secret key). Unset: the SQLite
    database's folder, or the working directory with another database."""

    link_grace_s: int = Field(default=7_200, ge=0)
    """How long a runner's link stays valid after its shift ends, in seconds (deliveries run
    late)."""

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

    seller_service_s: int = Field(default=180, ge=0)
    """Time at a seller to collect one order's goods (parking, collecting, checking), in
    seconds."""

    reload_s: int = Field(default=300, ge=0)
    """Time to park and load at the market on each return to it, in seconds."""

    position_stale_s: int = Field(default=600, gt=0)
    """A runner's reported position older than this is stale: re-planning starts the runner
    from where its plan says it is instead, and pages show the position's age as stale."""

    read_cache_mib: int = Field(default=64, ge=0)
    """Mebibytes of rendered reads (a runner's route and page, order lists, console boards)
    each server worker keeps while their market is unchanged (`api.read_cache`); 0 keeps
    none: every read is rendered anew."""

    replan_move_cost_m: int = Field(default=3_000, ge=0)
    """Re-planning charges moving an order to another runner like this many metres of riding."""

    replan_reorder_cost_m: int = Field(default=1_000, ge=0)
    """... and reaching one of a runner's stops from another place than before like this many."""

    run_lease_s: float = Field(default=30.0, gt=0)
    """A dispatch run holds its markets this many seconds past its process's last renewal
    (renewed every third of it while it works); a run whose lease lapsed is failed by
    whoever next needs its markets."""

    asap_minutes: int = Field(default=90, gt=0)
    """An order without a window should arrive within this many minutes of the shift start
    (or of its arrival, if later); lateness past that is charged, not forbidden."""

    circuity: float = Field(default=1.3, ge=1.0)
    """Road distance over great-circle distance."""

    speed_kmh: float = Field(default=22.0, gt=0)
    """Average motorbike speed in town."""

    parking_s: int = Field(default=60, ge=0)
    """Fixed time added to every ride (parking, finding the gate), in seconds."""

    # -- WhatsApp Business Cloud API (dispatch/whatsapp) ---------------------------------------

    whatsapp_app_secret: str = ""
    """App secret that signs webhook deliveries (``X-Hub-Signature-256``); while empty every
    delivery is refused, since anyone could sign with an empty key."""

    whatsapp_verify_token: str = ""
    """Token the platform echoes in the webhook handshake; while empty the handshake fails."""

    whatsapp_access_token: str = ""
    """Bearer token for sending; while empty (or without a phone number id) replies are
    recorded as ``skipped`` and nothing is sent."""

    whatsapp_phone_number_id: str = ""
    """The business phone number's id at the Cloud API (sender of every reply)."""

    whatsapp_graph_base_url: str = "https://graph.facebook.com"
    """Base URL of the Graph API (tests point it at a fake on loopback)."""

    whatsapp_api_version: str = "v21.0"
    """Graph API version in the path, e.g. ``v21.0``."""

    whatsapp_timeout_s: float = Field(default=10.0, gt=0)
    """Timeout of one request to the Graph API, in seconds."""

    whatsapp_max_attempts: int = Field(default=4, ge=1, le=10)
    """Attempts per reply when the platform answers 5xx/429 or cannot be reached."""

    whatsapp_backoff_s: float = Field(default=1.0, ge=0)
    """First wait before a retry, in seconds; doubled after each further failure."""

    whatsapp_location_gap_s: int = Field(default=600, ge=0)
    """How far apart a customer's order text and shared location may be (either order) and
    still make one draft, in seconds."""

    whatsapp_tick_s: float = Field(default=30.0, gt=0)
    """How often the WhatsApp worker looks for drafts whose wait for a location is over."""


def get_settings() -> Settings:
    """Read the settings from the environment now (nothing is cached or made at import)."""
    return Settings()
