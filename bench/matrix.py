"""Benchmark: numpy travel matrices against a Python loop over geopy.

Run with ``python -m bench.matrix [--points 1000] [--repeat 3] [--geopy-rows 100]``.

It draws ``--points`` random points (fixed seed) inside Kota Malang's bounding box and
times :meth:`routing.matrix.GreatCircleModel.matrices` (distance and duration matrices for
every pair) against a plain Python loop calling ``geopy.distance.great_circle`` for each
pair. The loop is slow, so it only measures the first ``--geopy-rows`` rows of the matrix
(``geopy-rows x points`` pairs) and its time is scaled linearly to the full
``points x points`` matrix; the output says so. Each time is the median of ``--repeat`` runs,
in seconds (``time.perf_counter``), after one untimed warm-up run. A table goes to stdout and
the figures to ``bench/results/matrix-<UTC timestamp>.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import geopy
import numpy as np
from geopy.distance import great_circle
from numpy.typing import NDArray

from routing.matrix import GreatCircleModel, pairwise_great_circle_m

#: Kota Malang's bounding box, decimal degrees.
LON_MIN, LON_MAX = 112.5689, 112.6938
LAT_MIN, LAT_MAX = -8.0516, -7.9108
SEED = 20_240_501
TARGET_RATIO = 300.0
RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Row:
    """One measured method."""

    method: str
    pairs: int
    """Pairs in the full matrix the time stands for."""
    measured_pairs: int
    """Pairs actually computed in one timed run."""
    seconds: float
    """Median wall time for ``pairs`` (scaled when ``measured_pairs < pairs``), seconds."""
    pairs_per_s: float
    ratio: float
    """How many times slower than ``GreatCircleModel.matrices``."""


def malang_points(n: int, seed: int = SEED) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return ``n`` uniform random (lat, lon) points in decimal degrees inside the box."""
    rng = np.random.default_rng(seed)
    lat = rng.uniform(LAT_MIN, LAT_MAX, n)
    lon = rng.uniform(LON_MIN, LON_MAX, n)
    return lat, lon


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` calls of ``run``, in seconds, after one untimed warm-up."""
    run()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def geopy_rows(lat: Sequence[float], lon: Sequence[float], rows: int) -> list[list[float]]:
    """Great-circle metres from each of the first ``rows`` points to every point, by geopy."""
    points = list(zip(lat, lon, strict=True))
    return [[great_circle(points[i], q).meters for q in points] for i in range(rows)]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the table, write the JSON file; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m bench.matrix", description=__doc__)
    parser.add_argument("--points", type=int, default=1000, help="points (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per method (default 3)")
    parser.add_argument(
        "--geopy-rows", type=int, default=100, help="matrix rows the geopy loop computes"
    )
    args = parser.parse_args(argv)
    n: int = args.points
    rows = min(args.geopy_rows, n)
    if n < 1 or rows < 1 or args.repeat < 1:
        parser.error("--points, --geopy-rows and --repeat must be >= 1")

    lat, lon = malang_points(n)
    model = GreatCircleModel()
    full = n * n

    t_model = median_seconds(lambda: model.matrices(lat, lon), args.repeat)
    t_haversine = median_seconds(lambda: pairwise_great_circle_m(lat, lon), args.repeat)
    lat_list, lon_list = lat.tolist(), lon.tolist()
    t_geopy_part = median_seconds(lambda: geopy_rows(lat_list, lon_list, rows), args.repeat)
    t_geopy = t_geopy_part * full / (rows * n)

    # Both compute the same distances; say how far apart they are on the measured rows.
    reference = np.array(geopy_rows(lat_list, lon_list, rows))
    max_diff_m = float(np.max(np.abs(pairwise_great_circle_m(lat, lon)[:rows] - reference)))

    def row(method: str, measured: int, seconds: float) -> Row:
        return Row(method, full, measured, seconds, full / seconds, seconds / t_model)

    table = [
        row("GreatCircleModel.matrices (numpy)", full, t_model),
        row("pairwise_great_circle_m (numpy)", full, t_haversine),
        row(f"geopy great_circle loop ({rows} rows, scaled)", rows * n, t_geopy),
    ]
    ratio = t_geopy / t_model

    print(f"{n} points in Kota Malang, seed {SEED}, median of {args.repeat} runs")
    header = f"{'method':<44} {'pairs':>10} {'seconds':>10} {'pairs/s':>14} {'ratio':>8}"
    print(header)
    print("-" * len(header))
    for r in table:
        print(
            f"{r.method:<44} {r.pairs:>10,} {r.seconds:>10.4f} {r.pairs_per_s:>14,.0f}"
            f" {r.ratio:>7.1f}x"
        )
    print(
        f"geopy timed on {rows}x{n} = {rows * n:,} pairs "
        f"({t_geopy_part:.3f} s), scaled x{full / (rows * n):g} to the full matrix"
    )
    print(f"max |numpy - geopy| on those pairs: {max_diff_m:.3f} m")
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(
        f"speed-up of the model over geopy: {ratio:,.0f}x (target >= {TARGET_RATIO:g}x: {verdict})"
    )

    now = datetime.now(UTC)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"matrix-{now.strftime('%Y%m%dT%H%M%SZ')}.json"
    result = {
        "benchmark": "matrix",
        "utc": now.isoformat(timespec="seconds"),
        "points": n,
        "repeat": args.repeat,
        "seed": SEED,
        "bbox": {"lat": [LAT_MIN, LAT_MAX], "lon": [LON_MIN, LON_MAX]},
        "geopy_rows": rows,
        "geopy_scaled": rows < n,
        "model": asdict(model),
        "rows": [asdict(r) for r in table],
        "ratio": ratio,
        "target_ratio": TARGET_RATIO,
        "max_abs_diff_m": max_diff_m,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "geopy": geopy.__version__,
        "machine": platform.machine(),
        "platform": platform.platform(),
    }
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
