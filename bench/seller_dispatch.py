"""Seller orders through the whole pipeline: the six seeded markets' mornings with a share of
orders collected at the markets' generated sellers, dispatched as ``antar dispatch --all``
does, against the same mornings with every order bought at the market.

    python -m bench.seller_dispatch [--per-market 30 60] [--seller-share 0.2]
                                    [--time-limit 1] [--seeds 1 2]

Per size and seed: a fresh SQLite database, `antar seed` (six markets, three runners and four
verified sellers each), the generator's morning (the same doors, baskets and windows with and
without sellers: `dispatch.generate`), one dispatch of all markets with one worker. Prints per
size the orders, the seller orders and how many of them were routed (each with its pickup
before its delivery on one runner, checked here), dropped orders, trips and planned km,
with sellers and without; writes ``bench/results/seller-dispatch-<UTC time>.{jsonl,txt}``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from dispatch.db import make_engine, session_scope, upgrade
from dispatch.generate import MarketSpot, SellerSpot, generate_orders
from dispatch.intake import import_orders
from dispatch.models import Market, Order, Seller
from dispatch.planning import dispatch
from dispatch.plans import market_plans
from dispatch.seed import seed
from dispatch.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
DAY = date(2026, 12, 10)
WIB = ZoneInfo("Asia/Jakarta")


def morning(per_market: int, seed_: int, share: float, time_limit: float) -> dict[str, Any]:
    """One morning of the six markets, dispatched; its figures."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'antar.db'}"
        settings = Settings(database_url=url, secret_key="bench-seller-dispatch")
        engine = make_engine(url)
        upgrade(engine)
        with Session(engine) as session:
            seed(session, settings=settings)
        with session_scope(engine) as session:
            markets = session.exec(select(Market).order_by(Market.code)).all()  # type: ignore[arg-type]
            sellers: dict[str, list[SellerSpot]] = {}
            for seller in session.exec(select(Seller)).all():
                code = next(m.code for m in markets if m.id == seller.market_id)
                sellers.setdefault(code, []).append(SellerSpot(seller.code, seller.category.value))
            rows = generate_orders(
                [MarketSpot(m.code, m.lat, m.lon) for m in markets],
                per_market,
                seed_,
                DAY,
                sellers=sellers,
                seller_share=share,
            )
            report = import_orders(session, enumerate(rows, start=2), service_date=DAY, tz=WIB)
            assert report.ok, report.refused[:3]
        outcome = dispatch(engine, None, DAY, settings, time_limit_s=time_limit, workers=1)
        with Session(engine) as session:
            markets = session.exec(select(Market)).all()
            plans = market_plans(session, markets, DAY)
            routed = 0
            for plan in plans:
                for route in plan.routes:
                    pickups = {s.order_id: s for s in route.pickups}
                    for stop in route.stops:
                        if stop.seller is None:
                            continue
                        routed += 1
                        pickup = pickups[stop.order_id]  # on the same runner
                        assert pickup.sequence < stop.sequence
            seller_orders = len(
                session.exec(select(Order).where(Order.seller_id != None)).all()  # noqa: E711
            )
        engine.dispose()
    totals = {
        k: sum(int(m.get(k, 0)) for m in outcome.markets)
        for k in ("orders", "routed", "dropped", "trips", "distance_m")
    }
    return {
        "per_market": per_market,
        "seed": seed_,
        "seller_share": share,
        "time_limit_s": time_limit,
        **totals,
        "seller_orders": seller_orders,
        "seller_orders_routed": routed,
        "status": outcome.status.value,
        "wall_s": round(outcome.wall_s, 2),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.seller_dispatch", description=__doc__)
    parser.add_argument("--per-market", type=int, nargs="+", default=[30, 60])
    parser.add_argument("--seller-share", type=float, default=0.2)
    parser.add_argument("--time-limit", type=float, default=1.0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    rows = []
    for n in args.per_market:
        for seed_ in args.seeds:
            for share in (args.seller_share, 0.0):
                rows.append(morning(n, seed_, share, args.time_limit))
                print(json.dumps(rows[-1]), flush=True)
    lines = [
        f"six markets, seller share {args.seller_share}, {args.time_limit} s per market, "
        f"seeds {args.seeds}; sums over the seeds",
        f"{'orders/market':>13} {'sellers':>8} {'orders':>7} {'seller':>7} {'s.routed':>8} "
        f"{'routed':>7} {'dropped':>7} {'trips':>6} {'km':>8}",
    ]
    for n in args.per_market:
        for share in (args.seller_share, 0.0):
            mine = [r for r in rows if r["per_market"] == n and r["seller_share"] == share]
            total = {
                k: sum(r[k] for r in mine)
                for k in (
                    "orders",
                    "seller_orders",
                    "seller_orders_routed",
                    "routed",
                    "dropped",
                    "trips",
                    "distance_m",
                )
            }
            lines.append(
                f"{n:>13} {share:>8.2f} {total['orders']:>7} {total['seller_orders']:>7} "
                f"{total['seller_orders_routed']:>8} {total['routed']:>7} {total['dropped']:>7} "
                f"{total['trips']:>6} {total['distance_m'] / 1000:>8.1f}"
            )
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"seller-dispatch-{stamp}.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
    )
    (RESULTS / f"seller-dispatch-{stamp}.txt").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
