"""Mornings with orders collected at sellers: our engine against plain OR-Tools and against the
same morning with every order bought at the market.

Usage::

    python -m bench.sellers [--sizes 30 60 120] [--markets sawojajar ...] [--seeds 1 2 3]
        [--time-limits 1 10] [--variant-limits 1] [--seller-share 0.2]
        [--solvers ours shipments staged insertion ortools market market-base]
        [--base REV] [--out RESULT.jsonl] [--shared DIR]

Each morning is :mod:`bench.mornings`'s (doors, baskets, windows, three runners), with a
share of its orders (``--seller-share``, 20 %) collected at a seller instead of bought at the
market: six sellers per market at generated places inside the city near it (normal around the
market, 1.5 km spread), open 06:00-12:00, 07:00-12:00 or 08:00-11:00, 180 s to collect.

Solvers, each checked by :func:`routing.check_solution`:

- ``ours``: :func:`routing.solve` as it is (``SolveParams(sellers="auto")``: PyVRP with the
  seller orders as shipments, falling back on ``staged`` when PyVRP has no feasible plan by
  70 % of its time; then OR-Tools);
- the construction variants, at ``--variant-limits`` only: ``shipments`` (PyVRP shipments
  alone), ``staged`` (PyVRP on the market orders, then the shipments inserted into that
  plan by PyVRP) and ``insertion`` (PyVRP on the market orders, the seller orders left for
  OR-Tools to insert);
- ``ortools``: OR-Tools alone on the same model (its own first plan, guided local search);
- ``market``: our engine on the same morning with every order bought at the market;
- ``market-base``: the engine of ``--base`` (a commit, default ``main``) on that market-only
  morning, run by that commit's own ``bench.market`` in a temporary git worktree, one
  instance at a time beside ours; its routes are checked here. Market-only mornings should
  be exactly as fast and as good as before.

Prints per size and time limit the share of complete feasible plans and the medians over the
mornings (markets x seeds) of the distance ratios; writes one JSON line per solve to
``--out`` (default ``bench/results/sellers-<UTC time>.jsonl``) and the table beside it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.baselines import SolverRun
from bench.instance import MarketInstance, write_instance
from bench.market import check_run
from bench.mornings import (
    _KM_PER_DEG_LAT,
    _KM_PER_DEG_LON_EQUATOR,
    DEFAULT_SHARED,
    SIZES,
    TRAVEL,
    Boundary,
    Market,
    make_morning,
    read_boundary,
    read_markets,
)
from bench.trees import base_tree
from routing import (
    MaxRuntime,
    Pickup,
    Problem,
    Solution,
    SolveParams,
    Stop,
    TimeWindow,
    check_solution,
    solve,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
SOLVERS = ("ours", "shipments", "staged", "insertion", "ortools", "market", "market-base")
#: The construction variants, run only at ``--variant-limits``.
VARIANTS = ("shipments", "staged", "insertion")

SELLERS_PER_MARKET = 6
SELLER_SIGMA_KM = 1.5
SELLER_SERVICE_S = 180
#: Opening hours (seconds after midnight) and how often each occurs.
HOURS = (((6 * 3600, 12 * 3600), 0.5), ((7 * 3600, 12 * 3600), 0.25), ((8 * 3600, 11 * 3600), 0.25))
SELLER_SHARE = 0.2


@dataclass(frozen=True)
class Seller:
    """A generated seller near a market."""

    code: str
    lat: float
    lon: float
    opens_s: int
    closes_s: int


@dataclass(frozen=True, eq=False)
class SellerMorning:
    """A market morning in which some orders are collected at a seller."""

    instance: MarketInstance
    """The morning as :mod:`bench.mornings` makes it (every order bought at the market)."""
    sellers: tuple[Seller, ...]
    seller_of: dict[int, int]
    """Client id -> index of its seller, for the orders collected at a seller."""
    distance_m: npt.NDArray[np.int64] = field(repr=False)
    """The market, the doors (as in ``instance``), then the sellers."""
    duration_s: npt.NDArray[np.int64] = field(repr=False)

    @property
    def name(self) -> str:
        return self.instance.name

    def problem(self) -> Problem:
        """The routing problem: the market-only one, with pickups at the sellers."""
        base = self.instance.to_problem()
        first_seller = self.instance.size + 1
        stops = []
        for client, stop in zip(self.instance.clients, base.stops, strict=True):
            k = self.seller_of.get(client.id)
            if k is not None:
                seller = self.sellers[k]
                hours = TimeWindow(seller.opens_s, seller.closes_s)
                pickup = Pickup(first_seller + k, SELLER_SERVICE_S, hours, seller.code)
                stop = Stop(
                    location=stop.location,
                    weight_g=stop.weight_g,
                    window=stop.window,
                    service_s=stop.service_s,
                    name=stop.name,
                    pickup=pickup,
                )
            stops.append(stop)
        return Problem(
            base.depot,
            stops,
            base.vehicles,
            self.distance_m,
            self.duration_s,
            reload_s=base.reload_s,
        )


def make_sellers(market: Market, boundary: Boundary, seed: int) -> tuple[Seller, ...]:
    """``SELLERS_PER_MARKET`` sellers inside the city near ``market``; deterministic."""
    rng = np.random.default_rng([seed, zlib.crc32(f"sellers:{market.code}".encode())])
    km_per_deg_lon = _KM_PER_DEG_LON_EQUATOR * np.cos(np.radians(market.lat))
    places: list[tuple[float, float]] = []
    while len(places) < SELLERS_PER_MARKET:
        lat = market.lat + rng.normal(0.0, SELLER_SIGMA_KM / _KM_PER_DEG_LAT)
        lon = market.lon + rng.normal(0.0, SELLER_SIGMA_KM / km_per_deg_lon)
        if boundary.contains(np.array([lat]), np.array([lon]))[0]:
            places.append((round(lat, 6), round(lon, 6)))
    hours = [h for h, _ in HOURS]
    chosen = rng.choice(len(hours), size=SELLERS_PER_MARKET, p=[w for _, w in HOURS])
    return tuple(
        Seller(f"{market.code}-umkm-{k + 1}", lat, lon, *hours[int(chosen[k])])
        for k, (lat, lon) in enumerate(places)
    )


def make_seller_morning(
    market: Market, boundary: Boundary, size: int, seed: int, share: float
) -> SellerMorning:
    """The morning of :func:`bench.mornings.make_morning`, ``share`` of it from sellers."""
    instance = make_morning(market, boundary, size, seed)
    sellers = make_sellers(market, boundary, seed)
    rng = np.random.default_rng([seed, zlib.crc32(f"orders:{market.code}".encode()), size])
    picked = rng.random(size) < share
    which = rng.integers(0, len(sellers), size)
    seller_of = {c.id: int(which[k]) for k, c in enumerate(instance.clients) if picked[k]}
    lat = np.concatenate(
        [[instance.depot_lat], [c.lat for c in instance.clients], [s.lat for s in sellers]]
    )
    lon = np.concatenate(
        [[instance.depot_lon], [c.lon for c in instance.clients], [s.lon for s in sellers]]
    )
    distance, duration = TRAVEL.matrices(lat, lon)
    distance = np.asarray(distance, dtype=np.int64)
    duration = np.asarray(duration, dtype=np.int64)
    n = size + 1
    assert np.array_equal(distance[:n, :n], instance.distance_m), "same travel model"
    return SellerMorning(instance, sellers, seller_of, distance, duration)


def make_seller_mornings(
    shared: Path,
    sizes: Sequence[int],
    markets: Sequence[str] | None,
    seeds: Sequence[int],
    share: float,
) -> list[SellerMorning]:
    """Mornings for the chosen markets (codes; ``None``: all six), sizes and seeds."""
    every = read_markets(shared)
    chosen = [m for m in every if markets is None or m.code in markets]
    boundary = read_boundary(shared)
    return [
        make_seller_morning(m, boundary, size, seed, share)
        for seed in seeds
        for size in sizes
        for m in chosen
    ]


# -- solving and checking ----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """One solve, checked."""

    instance: str
    size: int
    seed: int
    solver: str
    time_limit_s: float
    distance_m: int | None
    served: int
    feasible: bool
    wall_s: float
    note: str = ""

    @property
    def complete(self) -> bool:
        """Feasible and serving every order: the only plans that are compared."""
        return self.feasible and self.served == self.size

    def to_json(self) -> dict[str, Any]:
        """The JSON line of this outcome."""
        return asdict(self) | {"wall_s": round(self.wall_s, 3)}


def _ours(problem: Problem, limit: float, params: SolveParams) -> tuple[Solution, float]:
    began = time.perf_counter()
    solution = solve(problem, MaxRuntime(limit), params)
    return solution, time.perf_counter() - began


def run_ours(morning: SellerMorning, solver: str, limit: float, seed: int) -> Outcome:
    """Solve with this tree's engine (every solver but ``market-base``)."""
    params = {
        "ours": SolveParams(seed=seed),
        "shipments": SolveParams(seed=seed, sellers="shipments"),
        "staged": SolveParams(seed=seed, sellers="staged"),
        "insertion": SolveParams(seed=seed, sellers="insertion"),
        "ortools": SolveParams(seed=seed, engine="ortools"),
        "market": SolveParams(seed=seed),
    }[solver]
    problem = morning.instance.to_problem() if solver == "market" else morning.problem()
    solution, wall_s = _ours(problem, limit, params)
    violations = check_solution(problem, solution)
    return Outcome(
        instance=morning.name,
        size=morning.instance.size,
        seed=seed,
        solver=solver,
        time_limit_s=limit,
        distance_m=solution.distance_m if solution.routes else None,
        served=len(solution.served()),
        feasible=not violations and solution.status != "infeasible",
        wall_s=wall_s,
        note="; ".join(violations[:2]) or solution.stats.engine,
    )


def run_base(tree: Path, morning: SellerMorning, limit: float, seed: int) -> Outcome:
    """The base commit's engine on the market-only morning, through its own bench.market."""
    instance = morning.instance
    with tempfile.TemporaryDirectory(prefix="sellers-run-") as tmp:
        path = write_instance(instance, Path(tmp))
        out = Path(tmp) / "out.jsonl"
        command = [
            sys.executable,
            "-m",
            "bench.market",
            "--instances",
            str(path),
            "--solvers",
            "ours",
            "--time-limits",
            f"{limit:g}",
            "--seed",
            str(seed),
            "--out",
            str(out),
        ]
        env = {"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"}
        done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
        if done.returncode != 0 or not out.exists():
            return Outcome(
                morning.name,
                instance.size,
                seed,
                "market-base",
                limit,
                None,
                0,
                False,
                0.0,
                f"base failed: {done.stderr.strip()[-200:]}",
            )
        line = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    run = SolverRun(routes=line["routes"], wall_s=float(line["wall_s"]), note=line["note"])
    result = check_run(instance, instance.to_problem(), "market-base", limit, run)
    return Outcome(
        instance=morning.name,
        size=instance.size,
        seed=seed,
        solver="market-base",
        time_limit_s=limit,
        distance_m=result.distance_m,
        served=result.served,
        feasible=result.feasible,
        wall_s=result.wall_s,
        note="; ".join(result.violations[:2]) or result.note,
    )


# -- the table ---------------------------------------------------------------------------------


def _median(values: Sequence[float]) -> str:
    return f"{statistics.median(values):.3f}" if values else "-"


def format_table(outcomes: Sequence[Outcome], solvers: Sequence[str]) -> str:
    """Per size and limit: complete feasible shares and median distance ratios."""
    by: dict[tuple[str, float, str], Outcome] = {
        (o.instance, o.time_limit_s, o.solver): o for o in outcomes
    }

    def ratios(size: int, limit: float, top: str, bottom: str) -> list[float]:
        out = []
        for o in outcomes:
            if o.size != size or o.time_limit_s != limit or o.solver != top:
                continue
            other = by.get((o.instance, limit, bottom))
            if o.complete and other is not None and other.complete and other.distance_m:
                assert o.distance_m is not None
                out.append(o.distance_m / other.distance_m)
        return out

    def group(size: int, limit: float, solver: str) -> list[Outcome]:
        return [
            o for o in outcomes if o.size == size and o.time_limit_s == limit and o.solver == solver
        ]

    comparisons = [
        ("ours/ortools", "ours", "ortools"),
        ("ours/market", "ours", "market"),
        ("ship/ours", "shipments", "ours"),
        ("staged/ours", "staged", "ours"),
        ("insert/ours", "insertion", "ours"),
        ("mkt/base", "market", "market-base"),
    ]
    comparisons = [c for c in comparisons if c[1] in solvers and c[2] in solvers]
    sizes = sorted({o.size for o in outcomes})
    limits = sorted({o.time_limit_s for o in outcomes})
    head = f"{'size':>4} {'limit':>5} " + " ".join(f"{s:>11}" for s in solvers)
    head += " " + " ".join(f"{name:>12}" for name, _, _ in comparisons)
    lines = [
        "complete feasible plans (served all, checked) per solver, and median distance ratios",
        "over the mornings where both plans are complete (n in brackets)",
        head,
        "-" * len(head),
    ]
    for size in sizes:
        for limit in limits:
            cells = []
            for solver in solvers:
                runs = group(size, limit, solver)
                cells.append(f"{sum(o.complete for o in runs)}/{len(runs)}".rjust(11))
            for _, top, bottom in comparisons:
                values = ratios(size, limit, top, bottom)
                cells.append(f"{_median(values)} ({len(values)})".rjust(12))
            lines.append(f"{size:>4} {limit:>5g} " + " ".join(cells))
    if "market" in solvers and "market-base" in solvers:
        lines += ["", "market-only mornings, this tree against the base: median ratio per morning"]
        for size in sizes:
            for limit in limits:
                pairs = [
                    (o, by[(o.instance, limit, "market-base")])
                    for o in group(size, limit, "market")
                    if (o.instance, limit, "market-base") in by
                ]
                walls = [o.wall_s / b.wall_s for o, b in pairs if b.wall_s > 0]
                same = sum(o.distance_m == b.distance_m for o, b in pairs)
                lines.append(
                    f"{size:>4} {limit:>5g}  wall {_median(walls)}, same distance in "
                    f"{same}/{len(pairs)}, complete {sum(o.complete for o, _ in pairs)} vs "
                    f"{sum(b.complete for _, b in pairs)}"
                )
    lines += ["", "medians per solver: distance of complete plans, share served, wall time"]
    for size in sizes:
        for limit in limits:
            cells = []
            for solver in solvers:
                every = group(size, limit, solver)
                if not every:
                    continue
                runs = [o for o in every if o.complete]
                km = _median([o.distance_m / 1000 for o in runs if o.distance_m])
                wall = _median([o.wall_s for o in every])
                served = _median([o.served / o.size for o in every])
                cells.append(f"{solver} {km} km, {served} served, {wall} s")
            lines.append(f"{size:>4} {limit:>5g}  " + "; ".join(cells))
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.sellers", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--markets", nargs="+", default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--time-limits", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--variant-limits", type=float, nargs="*", default=[1.0])
    parser.add_argument("--seller-share", type=float, default=SELLER_SHARE)
    parser.add_argument("--solvers", nargs="+", choices=SOLVERS, default=list(SOLVERS))
    parser.add_argument("--base", default="main", help="commit whose engine is market-base")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    mornings = make_seller_mornings(
        args.shared, args.sizes, args.markets, args.seeds, args.seller_share
    )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out: Path = args.out or RESULTS_DIR / f"sellers-{stamp}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    outcomes: list[Outcome] = []
    with (
        base_tree(args.base, prefix="sellers-base-") as tree,
        out.open("w", encoding="utf-8") as fh,
    ):
        for limit in args.time_limits:
            for morning in mornings:
                seed = int(morning.name.rsplit("-s", 1)[1])
                for solver in args.solvers:
                    if solver in VARIANTS and limit not in args.variant_limits:
                        continue
                    if solver == "market-base":
                        outcome = run_base(tree, morning, limit, seed)
                    else:
                        outcome = run_ours(morning, solver, limit, seed)
                    outcomes.append(outcome)
                    fh.write(json.dumps(outcome.to_json(), separators=(",", ":")) + "\n")
                    fh.flush()
                    dist = "-" if outcome.distance_m is None else f"{outcome.distance_m} m"
                    print(
                        f"{morning.name} {solver} {limit:g}s: {dist}, "
                        f"{outcome.served}/{outcome.size}, "
                        f"{'ok' if outcome.feasible else 'INFEASIBLE'}, {outcome.wall_s:.2f} s",
                        file=sys.stderr,
                    )
    head = (
        f"bench.sellers: {len(mornings)} mornings (sizes {args.sizes}, seeds {args.seeds}), "
        f"{args.seller_share:.0%} seller orders, base {args.base}\n\n"
    )
    table = head + format_table(outcomes, args.solvers)
    out.with_suffix(".txt").write_text(table, encoding="utf-8")
    print(table, end="")
    print(f"results: {out} and {out.with_suffix('.txt')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
