"""The six markets of the service and three runners each, loaded idempotently.

Markets come from ``data/malang/markets.csv`` (sources and licences in
``data/malang/SOURCES.md``). Runners are fictional: Indonesian names, made-up ``+62812``
mobile numbers, the default motorbike load, cash cap and morning shift from the settings.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from importlib.resources import files

from sqlmodel import Session, select

from dispatch.models import Market, Runner
from dispatch.settings import Settings, get_settings

#: The market code (slug) for each ``name`` in ``markets.csv``.
MARKET_CODES: dict[str, str] = {
    "Pasar Sawojajar": "sawojajar",
    "Pasar Gadang (Gadang Lama)": "gadang",
    "Pasar Oro-oro Dowo": "oro-oro-dowo",
    "Pasar Bareng (Pasar Rakyat Bareng)": "bareng",
    "Pasar Mergan": "mergan",
    "Pasar Tawangmangu": "tawangmangu",
}

#: Three runners per market (fictional people).
RUNNER_NAMES: dict[str, tuple[str, str, str]] = {
    "sawojajar": ("Budi Santoso", "Agus Setiawan", "Siti Rahmawati"),
    "gadang": ("Eko Prasetyo", "Dwi Lestari", "Rudi Hartono"),
    "oro-oro-dowo": ("Joko Susilo", "Sri Wahyuni", "Andi Kurniawan"),
    "bareng": ("Bambang Sugiarto", "Nur Hidayah", "Yusuf Maulana"),
    "mergan": ("Slamet Riyadi", "Rina Marlina", "Hendra Wijaya"),
    "tawangmangu": ("Teguh Prasetya", "Ayu Puspitasari", "Fajar Nugroho"),
}


@dataclass
class SeedResult:
    """What one call of `seed` added (codes of markets, ``code/name`` of runners)."""

    markets: list[str] = field(default_factory=list)
    runners: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether anything was added."""
        return bool(self.markets or self.runners)


def read_markets() -> list[Market]:
    """The six markets of ``markets.csv`` as unsaved `Market` rows (in file order)."""
    text = (files("dispatch") / "data" / "malang" / "markets.csv").read_text(encoding="utf-8")
    markets = []
    for row in csv.DictReader(text.splitlines()):
        name = row["name"]
        if name not in MARKET_CODES:
            msg = f"markets.csv: unknown market {name!r}; add its code to MARKET_CODES"
            raise ValueError(msg)
        markets.append(
            Market(
                code=MARKET_CODES[name],
                name=name,
                lat=float(row["latitude"]),
                lon=float(row["longitude"]),
                address=row["street_address"],
                kelurahan=row["kelurahan"],
            )
        )
    return markets


def runner_phone(market_index: int, runner_index: int) -> str:
    """A made-up, well-formed Telkomsel number (E.164) for runner ``runner_index`` of a market."""
    return f"+62812{3300 + market_index:04d}{7001 + runner_index:04d}"


def seed(session: Session, *, settings: Settings | None = None) -> SeedResult:
    """Add the six markets and their runners that are missing, and commit.

    A market is known by its code, a runner by its name within its market; existing rows are
    left exactly as they are, so seeding twice changes nothing.
    """
    settings = settings or get_settings()
    result = SeedResult()
    for market_index, market in enumerate(read_markets()):
        existing = session.exec(select(Market).where(Market.code == market.code)).first()
        if existing is None:
            session.add(market)
            session.flush()
            result.markets.append(market.code)
        else:
            market = existing
        known = set(session.exec(select(Runner.name).where(Runner.market_id == market.id)))
        for runner_index, name in enumerate(RUNNER_NAMES[market.code]):
            if name in known:
                continue
            session.add(
                Runner(
                    market_id=market.id,
                    name=name,
                    phone=runner_phone(market_index, runner_index),
                    capacity_g=settings.runner_capacity_g,
                    cash_cap_rp=settings.runner_cash_cap_rp,
                    max_orders_per_trip=settings.runner_max_orders_per_trip,
                    shift_start=settings.runner_shift_start,
                    shift_end=settings.runner_shift_end,
                )
            )
            result.runners.append(f"{market.code}/{name}")
    session.commit()
    return result
