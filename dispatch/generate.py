"""Realistic synthetic orders for demos and benchmarks (``antar orders generate``).

Rows come out in the CSV import's columns, so they go through the one intake path like any
other order. Customers live inside the city, denser near their market (80 % within a normal
spread of about 1.2 km, the rest anywhere in the city); baskets are Malang market shopping
(vegetables, spices, tofu and tempe, fish, chicken, rice), a few very heavy (a warung
restocking 50-120 kg of rice, more than any motorbike takes); 60 % want a two-hour morning
window; 80 % pay cash on delivery; about 5 % collect the goods themselves.

With sellers, a share of each market's orders (``seller_share``, 20 % by default) is goods of
one of the market's verified sellers instead (collected there by the runner, or by the
customer for a pickup order): the seller's own kind of goods (`SELLER_GOODS`). The choice is
drawn from a stream of its own, so the same seed gives the same doors, baskets and windows
with or without sellers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from dispatch.geo import inside_city

NEAR_SHARE = 0.8
NEAR_SIGMA_KM = 1.2
WINDOW_SHARE = 0.6
COD_SHARE = 0.8
PICKUP_SHARE = 0.05
HEAVY_SHARE = 0.02
SELLER_SHARE = 0.2
CITY_BOX = (-8.0516, -7.9108, 112.5689, 112.6938)  # lat min, lat max, lon min, lon max

#: (item, unit, grams per unit, price per unit in rupiah, typical quantities)
ITEMS: tuple[tuple[str, str, int, int, tuple[float, ...]], ...] = (
    ("bawang merah", "kg", 1000, 40_000, (0.25, 0.5, 1)),
    ("bawang putih", "kg", 1000, 38_000, (0.25, 0.5, 1)),
    ("cabai rawit", "kg", 1000, 60_000, (0.1, 0.25, 0.5)),
    ("tomat", "kg", 1000, 12_000, (0.5, 1, 2)),
    ("kentang", "kg", 1000, 18_000, (1, 2, 3)),
    ("wortel", "kg", 1000, 14_000, (0.5, 1)),
    ("kangkung", "ikat", 250, 3_000, (2, 3, 5)),
    ("bayam", "ikat", 250, 3_000, (2, 3)),
    ("tahu", "biji", 60, 1_000, (5, 10, 20)),
    ("tempe", "papan", 400, 5_000, (1, 2, 3)),
    ("telur ayam", "kg", 1000, 28_000, (1, 2)),
    ("ayam potong", "ekor", 1400, 45_000, (1, 2)),
    ("ikan tongkol", "kg", 1000, 35_000, (0.5, 1)),
    ("ikan lele", "kg", 1000, 30_000, (1, 2)),
    ("beras", "kg", 1000, 14_000, (5, 10, 25)),
    ("minyak goreng", "liter", 900, 18_000, (1, 2, 5)),
    ("gula pasir", "kg", 1000, 17_000, (1, 2)),
    ("pisang", "sisir", 1500, 20_000, (1, 2)),
    ("kelapa parut", "buah", 500, 8_000, (1, 2)),
    ("daging sapi", "kg", 1000, 130_000, (0.5, 1)),
)
FIRST_NAMES = (
    "Siti", "Sri", "Dewi", "Endang", "Wahyuni", "Rina", "Yuli", "Ani", "Budi", "Agus",
    "Slamet", "Joko", "Hadi", "Bambang", "Eko", "Nur", "Lilik", "Tutik", "Suparmi", "Rahayu",
)  # fmt: skip
LAST_NAMES = (
    "Wulandari", "Setyawati", "Pratama", "Santoso", "Susanto", "Hidayat", "Rahmawati",
    "Kurniawan", "Lestari", "Utomo", "Purnomo", "Handayani", "Saputra", "Wijaya",
)  # fmt: skip
STREETS = (
    "Jl. Soekarno-Hatta", "Jl. Ijen", "Jl. Kawi", "Jl. Bandung", "Jl. Sigura-gura",
    "Jl. Danau Toba", "Jl. Kolonel Sugiono", "Jl. Mayjen Panjaitan", "Jl. Bendungan Sutami",
    "Jl. Terusan Batu Bara", "Jl. Raya Langsep", "Jl. Simpang Borobudur", "Jl. Tlogomas",
)  # fmt: skip


#: A seller's goods by Malpro category: (item, unit, grams per unit, price per unit, quantities).
SELLER_GOODS: Mapping[str, tuple[tuple[str, str, int, int, tuple[float, ...]], ...]] = {
    "makanan-minuman": (
        ("keripik tempe", "bungkus", 250, 15_000, (2, 4, 10)),
        ("sari apel", "kotak", 1500, 35_000, (1, 2)),
        ("bakpao telo", "kotak", 600, 30_000, (1, 2, 3)),
        ("sambal pecel", "bungkus", 250, 12_000, (2, 5)),
    ),
    "fashion-pria": (
        ("kaos", "pcs", 250, 75_000, (1, 2, 3)),
        ("kemeja batik", "pcs", 350, 150_000, (1, 2)),
    ),
    "fashion-wanita": (
        ("kain batik", "lembar", 400, 175_000, (1, 2)),
        ("jilbab", "pcs", 150, 45_000, (1, 2, 4)),
    ),
    "peralatan": (
        ("pisau dapur", "pcs", 300, 60_000, (1, 2)),
        ("cangkul", "pcs", 2500, 90_000, (1,)),
    ),
    "kriya": (
        ("topeng malangan", "buah", 800, 250_000, (1, 2)),
        ("gerabah", "buah", 2000, 40_000, (1, 3)),
    ),
    "perlengkapan-rumah": (
        ("sapu ijuk", "buah", 600, 25_000, (1, 2, 3)),
        ("keset sabut", "buah", 900, 30_000, (1, 2)),
    ),
    "jasa": (("jahitan permak", "potong", 500, 25_000, (1, 2, 4)),),
    "wedding": (
        ("souvenir nikah", "kotak", 5000, 400_000, (1, 2)),
        ("parcel hantaran", "buah", 3000, 300_000, (1, 2)),
    ),
}


@dataclass(frozen=True)
class SellerSpot:
    """A verified seller whose goods orders may take: its code and Malpro category."""

    code: str
    category: str


@dataclass(frozen=True)
class MarketSpot:
    """Where a market is: its code and coordinates (degrees)."""

    code: str
    lat: float
    lon: float


def generate_orders(
    markets: Sequence[MarketSpot],
    per_market: int,
    seed: int,
    day: date,
    *,
    sellers: Mapping[str, Sequence[SellerSpot]] | None = None,
    seller_share: float = SELLER_SHARE,
) -> Iterator[dict[str, str]]:
    """``per_market`` order rows per market, in the order CSV's columns (``seller`` last).

    ``sellers`` are each market's verified sellers (by market code); about ``seller_share``
    of a market's orders are goods of one of them. The same markets, sellers, count, seed
    and day give the same rows; ``external_id`` embeds market, count, seed and day, so
    generating twice for one day imports nothing new.
    """
    for market in markets:
        key = sum(map(ord, market.code))
        rng = np.random.default_rng([seed, per_market, key])
        choosing = np.random.default_rng([seed, per_market, key, 1])
        own = list((sellers or {}).get(market.code, ()))
        for k in range(per_market):
            row = _order(rng, market, k, seed, day)
            row["seller"] = ""
            if own and choosing.random() < seller_share:
                seller = own[int(choosing.integers(0, len(own)))]
                items, grams, amount = _seller_basket(choosing, seller.category)
                row |= {
                    "seller": seller.code,
                    "items": items,
                    "weight_kg": f"{grams / 1000:.1f}",
                    "amount_rp": str(amount),
                }
            yield row


def _order(rng: np.random.Generator, market: MarketSpot, k: int, seed: int, day: date) -> dict:
    pickup = rng.random() < PICKUP_SHARE
    lat, lon = _door(rng, market)
    items, grams, amount = _basket(rng)
    window_start = window_end = ""
    if rng.random() < WINDOW_SHARE:
        opens = 6 * 60 + 30 + 15 * int(rng.integers(0, 15))  # 06:30 .. 10:00
        window_start = f"{opens // 60:02d}:{opens % 60:02d}"
        window_end = f"{opens // 60 + 2:02d}:{opens % 60:02d}"
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    phone = f"08{int(rng.choice([12, 13, 21, 22, 52, 53, 56, 57, 77, 78]))}"
    phone += f"-{int(rng.integers(1000, 9999))}-{int(rng.integers(1000, 9999))}"
    return {
        "market": market.code,
        "external_id": f"gen-{day.isoformat()}-{market.code}-s{seed}-{k + 1:04d}",
        "customer_name": name,
        "phone": phone,
        "address": f"{rng.choice(STREETS)} No. {int(rng.integers(1, 200))}",
        "lat": "" if pickup else f"{lat:.6f}",
        "lon": "" if pickup else f"{lon:.6f}",
        "items": items,
        "weight_kg": f"{grams / 1000:.1f}",
        "fulfilment": "pickup" if pickup else "delivery",
        "payment": "cod" if rng.random() < COD_SHARE else "cashless",
        "amount_rp": str(amount),
        "delivery_fee_rp": "0" if pickup else str(int(rng.choice([5_000, 8_000, 10_000]))),
        "window_start": window_start,
        "window_end": window_end,
        "notes": "",
    }


def _door(rng: np.random.Generator, market: MarketSpot) -> tuple[float, float]:
    """A point inside the city: near the market mostly, anywhere sometimes."""
    lat_min, lat_max, lon_min, lon_max = CITY_BOX
    near = rng.random() < NEAR_SHARE
    while True:
        if near:
            lat = market.lat + rng.normal(0.0, NEAR_SIGMA_KM / 110.574)
            lon = market.lon + rng.normal(0.0, NEAR_SIGMA_KM / 110.4)
        else:
            lat, lon = rng.uniform(lat_min, lat_max), rng.uniform(lon_min, lon_max)
        if inside_city(float(lat), float(lon)):
            return round(float(lat), 6), round(float(lon), 6)


def _seller_basket(rng: np.random.Generator, category: str) -> tuple[str, int, int]:
    """A seller's goods: items text, total grams and amount (rupiah, rounded to Rp 500)."""
    goods = SELLER_GOODS.get(category) or SELLER_GOODS["makanan-minuman"]
    chosen = rng.choice(
        len(goods), size=int(rng.integers(1, min(2, len(goods)) + 1)), replace=False
    )
    parts, grams, amount = [], 0, 0
    for index in sorted(chosen):
        name, unit, unit_g, price, quantities = goods[index]
        quantity = float(rng.choice(quantities))
        parts.append(f"{name} {quantity:g} {unit}")
        grams += int(quantity * unit_g)
        amount += int(quantity * price)
    return "; ".join(parts), max(grams, 100), int(round(amount / 500) * 500)


def _basket(rng: np.random.Generator) -> tuple[str, int, int]:
    """Items text, total grams and goods amount (rupiah, rounded to Rp 500)."""
    if rng.random() < HEAVY_SHARE:
        kg = int(rng.choice([50, 75, 100, 120]))
        return f"beras {kg} kg", kg * 1000, kg * 14_000
    chosen = rng.choice(len(ITEMS), size=int(rng.integers(1, 6)), replace=False)
    parts, grams, amount = [], 0, 0
    for index in sorted(chosen):
        name, unit, unit_g, price, quantities = ITEMS[index]
        quantity = float(rng.choice(quantities))
        parts.append(f"{name} {quantity:g} {unit}")
        grams += int(quantity * unit_g)
        amount += int(quantity * price)
    return "; ".join(parts), max(grams, 100), int(round(amount / 500) * 500)
