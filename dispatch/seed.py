"""The six markets of the service, three runners and four sellers each, loaded idempotently.

Markets come from ``data/malang/markets.csv`` (sources and licences in
``data/malang/SOURCES.md``). Runners are fictional: Indonesian names, made-up ``+62812``
mobile numbers, the default motorbike load, cash cap and morning shift from the settings.
Sellers are generated (marked ``generated``): Malang-style small businesses across the
clusters and Malpro's eight categories, at made-up places inside the city near their market
(a normal spread of 1.5 km), made-up ``+62813`` numbers, verified so that they take orders.
"""

from __future__ import annotations

import csv
import re
import zlib
from dataclasses import dataclass, field
from datetime import time
from importlib.resources import files

import numpy as np
from sqlmodel import Session, select

from dispatch.geo import inside_city
from dispatch.models import (
    Market,
    Runner,
    Seller,
    SellerCategory,
    SellerCluster,
    SellerVerification,
)
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


#: Generated sellers: (name, cluster, category, opens, closes, street). Each market takes
#: `SELLERS_PER_MARKET` of them in turn, so the city has every cluster and category.
_C, _G = SellerCluster, SellerCategory
SELLER_TEMPLATES: tuple[tuple[str, SellerCluster, SellerCategory, time, time, str], ...] = (
    ("Keripik Tempe Sanan", _C.KULINER, _G.MAKANAN_MINUMAN, time(7), time(17), "Jl. Sanan"),
    ("Batik Malangan Ayu", _C.UMKM, _G.FASHION_WANITA, time(8), time(16), "Jl. Tlogosari"),
    ("Topeng Malangan Pak Karim", _C.IKM, _G.KRIYA, time(8), time(16), "Jl. Prajurit Slamet"),
    ("Toko Bumbu Bu Sum", _C.PASAR, _G.MAKANAN_MINUMAN, time(5), time(12), "Jl. Pasar Besar"),
    ("Kaos Arema Jaya", _C.UMKM, _G.FASHION_PRIA, time(8), time(17), "Jl. Kawi"),
    ("Pande Besi Sumber Rejeki", _C.IKM, _G.PERALATAN, time(7), time(15), "Jl. Kolonel Sugiono"),
    ("Sapu Ijuk Makmur", _C.IKM, _G.PERLENGKAPAN_RUMAH, time(7), time(16), "Jl. Mayjen Panjaitan"),
    ("Jahit Permak Bu Ani", _C.UMKM, _G.JASA, time(8), time(17), "Jl. Bandung"),
    ("Souvenir Nikah Berkah", _C.UMKM, _G.WEDDING, time(9), time(17), "Jl. Ijen"),
    ("Bakpao Telo Malang", _C.KULINER, _G.MAKANAN_MINUMAN, time(6), time(14), "Jl. Soekarno-Hatta"),
    ("Sari Apel Bu Tin", _C.KULINER, _G.MAKANAN_MINUMAN, time(7), time(16), "Jl. Danau Toba"),
    ("Gerabah Betek", _C.IKM, _G.KRIYA, time(8), time(15), "Jl. Terusan Batu Bara"),
)  # fmt: skip
SELLERS_PER_MARKET = 4
SELLER_SIGMA_KM = 1.5


@dataclass
class SeedResult:
    """What one call of `seed` added (codes of markets and sellers, ``code/name`` of
    runners)."""

    markets: list[str] = field(default_factory=list)
    runners: list[str] = field(default_factory=list)
    sellers: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether anything was added."""
        return bool(self.markets or self.runners or self.sellers)


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


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def generated_sellers(market: Market, market_index: int) -> list[Seller]:
    """The generated sellers of ``market`` (the ``market_index``-th of the seed), unsaved:
    the same market gives the same sellers, at places inside the city near it."""
    rng = np.random.default_rng(zlib.crc32(market.code.encode()))
    sellers = []
    for k in range(SELLERS_PER_MARKET):
        name, cluster, category, opens, closes, street = SELLER_TEMPLATES[
            (market_index * SELLERS_PER_MARKET + k) % len(SELLER_TEMPLATES)
        ]
        while True:
            lat = round(float(market.lat + rng.normal(0.0, SELLER_SIGMA_KM / 110.574)), 6)
            lon = round(float(market.lon + rng.normal(0.0, SELLER_SIGMA_KM / 110.4)), 6)
            if inside_city(lat, lon):
                break
        sellers.append(
            Seller(
                code=f"{market.code}-{_slug(name)}"[:40].strip("-"),
                name=name,
                cluster=cluster,
                category=category,
                phone=f"+62813{4400 + market_index:04d}{8001 + k:04d}",
                address=f"{street} {int(rng.integers(1, 120))}",
                lat=lat,
                lon=lon,
                verification=SellerVerification.VERIFIED,
                opens=opens,
                closes=closes,
                generated=True,
                market_id=market.id,
            )
        )
    return sellers


def seed(session: Session, *, settings: Settings | None = None) -> SeedResult:
    """Add the six markets, their runners and their generated sellers that are missing, and
    commit.

    A market and a seller are known by their code, a runner by its name within its market;
    existing rows are left exactly as they are, so seeding twice changes nothing.
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
        for seller in generated_sellers(market, market_index):
            if session.exec(select(Seller.id).where(Seller.code == seller.code)).first():
                continue
            session.add(seller)
            result.sellers.append(seller.code)
    session.commit()
    return result
