"""Readers for benchmark instances (Solomon, VRPLIB) that return a :class:`Problem`.

Benchmarks have no units of their own. Both readers follow the DIMACS convention used for
the published VRPTW distance-only optima (and by PyVRP's ``round_func="dimacs"``): every
Euclidean distance, time window and service time is multiplied by 10 and truncated to an
integer, and travel time equals distance. A Solomon distance of 12.34 is therefore read as
123 "metres" and 123 "seconds"; divide a total by 10 to compare it with a best-known value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import vrplib
from numpy.typing import ArrayLike, NDArray

from routing.exceptions import InstanceFormatError, ProblemError
from routing.problem import Problem, Stop, TimeWindow, Vehicle

#: Factor applied to distances, times and time windows before truncating (DIMACS).
SCALE = 10

PathLike = str | os.PathLike[str]
_LineFail = Callable[[int, str], InstanceFormatError]
_SectionFail = Callable[[str, str], InstanceFormatError]
_Lines = dict[str, int]


def instance_name(path: PathLike) -> str:
    """The instance's name: the file name without its extension (``C101`` for ``C101.txt``)."""
    return Path(path).stem


def dimacs_distances(x: ArrayLike, y: ArrayLike) -> NDArray[np.int64]:
    """Pairwise ``floor(10 * euclid)`` between points ``(x[i], y[i])``, as integers.

    With integer coordinates (every Solomon instance) this is exact, ``isqrt(100 * d2)``,
    free of floating-point error on distances like 5.0 or 12.9999...; with fractional
    coordinates it is ``floor(10 * hypot)`` in double precision.
    """
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    dx = np.subtract.outer(xa, xa)
    dy = np.subtract.outer(ya, ya)
    small = np.all(np.abs(xa) <= 1e6) and np.all(np.abs(ya) <= 1e6)
    if not (small and np.all(xa == np.round(xa)) and np.all(ya == np.round(ya))):
        return np.floor(SCALE * np.hypot(dx, dy)).astype(np.int64)
    squared = (SCALE * SCALE) * (dx.astype(np.int64) ** 2 + dy.astype(np.int64) ** 2)
    root = np.floor(np.sqrt(squared.astype(np.float64))).astype(np.int64)
    root -= root * root > squared  # integer square root: correct the float estimate
    root += (root + 1) * (root + 1) <= squared
    return root


# --- Solomon -----------------------------------------------------------------------------


def read_solomon(path: PathLike) -> Problem:
    """Read a Solomon VRPTW text file (``C101.txt``) into a :class:`Problem`.

    Location 0 is the depot; customer ``k`` is location ``k`` and ``stops[k - 1]``, with
    ``weight_g`` its demand, ``window`` ``[10 * ready, 10 * due]``, ``service_s``
    ``10 * service`` and ``name`` ``str(k)``. The fleet is the instance's vehicle count, each
    ``Vehicle(start=0, end=0)`` with the depot's window (scaled by 10) as shift, the
    instance's capacity and one trip. Distance and duration are both ``floor(10 * euclid)``.
    Raises :class:`InstanceFormatError` naming the file and line when it cannot be read.
    """
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{where}: cannot read the file ({exc})"
        raise InstanceFormatError(msg) from exc
    lines = text.splitlines()  # handles the CRLF endings of the published files

    def fail(line: int, message: str) -> InstanceFormatError:
        return InstanceFormatError(f"{where}, line {line}: {message}")

    vehicle_line = _find_line(lines, "VEHICLE")
    customer_line = _find_line(lines, "CUSTOMER")
    if vehicle_line is None:
        raise fail(len(lines), "no VEHICLE block")
    if customer_line is None or customer_line < vehicle_line:
        raise fail(len(lines), "no CUSTOMER table after the VEHICLE block")

    fleet = _integer_rows(lines, vehicle_line + 1, customer_line, 2, fail)
    if len(fleet) != 1:
        line = fleet[1][0] if fleet else customer_line
        raise fail(line, "the VEHICLE block must hold one row: number and capacity")
    fleet_line, (num_vehicles, capacity) = fleet[0]
    if num_vehicles < 1 or capacity < 0:
        raise fail(fleet_line, f"bad vehicle number {num_vehicles} or capacity {capacity}")

    rows = _integer_rows(lines, customer_line + 1, len(lines), 7, fail)
    if len(rows) < 2:
        raise fail(len(lines), "the CUSTOMER table needs the depot and at least one customer")
    for k, (line, row) in enumerate(rows):
        number, _, _, demand, ready, due, service = row
        if number != k:
            raise fail(line, f"expected customer number {k}, got {number}")
        if demand < 0 or service < 0 or ready < 0:
            raise fail(line, "demand, ready time and service time must be >= 0")
        if due < ready:
            raise fail(line, f"due date {due} is before ready time {ready}")

    table = np.array([row for _, row in rows], dtype=np.int64)
    matrix = dimacs_distances(table[:, 1], table[:, 2])
    depot_ready, depot_due = int(table[0, 4]), int(table[0, 5])
    stops = [
        Stop(
            location=int(number),
            weight_g=int(demand),
            window=TimeWindow(SCALE * int(ready), SCALE * int(due)),
            service_s=SCALE * int(service),
            name=str(int(number)),
        )
        for number, _, _, demand, ready, due, service in table[1:]
    ]
    vehicle = Vehicle(
        start=0,
        end=0,
        shift=TimeWindow(SCALE * depot_ready, SCALE * depot_due),
        capacity_g=capacity,
        max_trips=1,
    )
    return _problem(where, 0, stops, [vehicle] * num_vehicles, matrix)


def _find_line(lines: Sequence[str], keyword: str) -> int | None:
    """Index (0-based) of the first line whose only word is ``keyword``."""
    for i, line in enumerate(lines):
        if line.strip().upper() == keyword:
            return i
    return None


def _integer_rows(
    lines: Sequence[str],
    start: int,
    stop: int,
    width: int,
    fail: _LineFail,
) -> list[tuple[int, list[int]]]:
    """The rows of ``width`` integers in ``lines[start:stop]``, with 1-based line numbers.

    Blank lines and header lines (no digit at all) are skipped.
    """
    rows: list[tuple[int, list[int]]] = []
    for i in range(start, stop):
        words = lines[i].split()
        if not words or not any(ch.isdigit() for ch in lines[i]):
            continue
        try:
            values = [int(word) for word in words]
        except ValueError:
            raise fail(i + 1, f"expected {width} integers, got {lines[i].strip()!r}") from None
        if len(values) != width:
            raise fail(i + 1, f"expected {width} integers, got {len(values)}")
        rows.append((i + 1, values))
    return rows


# --- VRPLIB ------------------------------------------------------------------------------

_COLUMNS = {"node_coord": 3, "demand": 2, "time_window": 3, "service_time": 2}


def read_vrplib(path: PathLike) -> Problem:
    """Read a CVRP or VRPTW instance in VRPLIB format into a :class:`Problem`.

    Uses ``vrplib.read_instance``. Distances: an explicit ``EDGE_WEIGHT_SECTION`` is taken as
    given (rounded to integers); when the weights are computed from ``NODE_COORD_SECTION``
    they follow the DIMACS convention, ``floor(10 * euclid)``, and then time windows and
    service times are scaled by 10 too (truncated), so that time still equals distance.
    Duration equals distance. One depot (``DEPOT_SECTION``, default node 1) is the vehicles'
    start and end; every other node is a stop (``name`` its 1-based VRPLIB number) with its
    demand, window and service time. The fleet is ``VEHICLES`` if given, else one vehicle per
    customer, each with ``CAPACITY``, one trip, and the depot's window (or an unbounded one)
    as shift. Raises :class:`InstanceFormatError` naming the file and, where one is to
    blame, the line.
    """
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{where}: cannot read the file ({exc})"
        raise InstanceFormatError(msg) from exc
    sections = _check_vrplib_layout(where, text)

    def fail(name: str, message: str) -> InstanceFormatError:
        line = sections.get(name, sections.get(name.partition("[")[0]))
        at = f", line {line}" if line is not None else ""
        return InstanceFormatError(f"{where}{at}: {message}")

    try:
        data: dict[str, Any] = vrplib.read_instance(path, compute_edge_weights=False)
    except (ValueError, RuntimeError, TypeError, IndexError) as exc:
        msg = f"{where}: not a readable VRPLIB instance ({exc})"
        raise InstanceFormatError(msg) from exc

    explicit = "edge_weight" in data
    if explicit:
        weights = np.asarray(data["edge_weight"], dtype=np.float64)
        if weights.ndim != 2 or weights.shape[0] != weights.shape[1]:
            raise fail("edge_weight", f"edge weights form shape {weights.shape}, not square")
        matrix = np.rint(weights).astype(np.int64)
        scale = 1
    elif "node_coord" in data:
        coords = np.asarray(data["node_coord"], dtype=np.float64)
        if coords.ndim != 2 or coords.shape[1] != 2:
            raise fail("node_coord", "NODE_COORD_SECTION rows must be: number x y")
        matrix = dimacs_distances(coords[:, 0], coords[:, 1])
        scale = SCALE
    else:
        raise fail("", "neither EDGE_WEIGHT_SECTION nor NODE_COORD_SECTION")
    n = int(matrix.shape[0])

    dimension = data.get("dimension")
    if dimension is not None and dimension != n:
        raise fail("dimension", f"DIMENSION is {dimension!r} but the data has {n} nodes")

    depots = np.asarray(data.get("depot", [0]), dtype=np.int64).ravel()
    if depots.size != 1 or not 0 <= depots[0] < n:
        raise fail("depot", f"expected one depot among nodes 1..{n}, got {(depots + 1).tolist()}")
    depot = int(depots[0])

    capacity = data.get("capacity")
    if not isinstance(capacity, int | float) or capacity < 0:
        raise fail("capacity", f"CAPACITY must be a number >= 0, got {capacity!r}")

    demand = _column(data, "demand", n, fail, default=0)
    service = _column(data, "service_time", n, fail, default=0)
    windows = _windows(data, n, fail)

    def scaled(value: float) -> int:
        return int(np.trunc(scale * value))

    stops = []
    for node in range(n):
        if node == depot:
            continue
        window = None
        if windows is not None:
            window = TimeWindow(scaled(windows[node, 0]), scaled(windows[node, 1]))
        stops.append(
            Stop(
                location=node,
                weight_g=round(demand[node]),
                window=window,
                service_s=scaled(service[node]),
                name=str(node + 1),
            )
        )

    if windows is not None:
        shift = TimeWindow(scaled(windows[depot, 0]), scaled(windows[depot, 1]))
    else:  # no horizon given: long enough for one vehicle to serve every stop
        horizon = int(matrix.max()) * n + sum(stop.service_s for stop in stops)
        shift = TimeWindow(0, horizon)
    count = data.get("vehicles", n - 1)
    if not isinstance(count, int) or count < 1:
        raise fail("vehicles", f"VEHICLES must be an integer >= 1, got {count!r}")
    vehicle = Vehicle(start=depot, end=depot, shift=shift, capacity_g=round(capacity), max_trips=1)
    return _problem(where, depot, stops, [vehicle] * count, matrix)


def _check_vrplib_layout(where: str, text: str) -> _Lines:
    """Check the line structure and say on which (1-based) line each part is.

    Keys are lowercase names without ``_SECTION`` (``demand``, ``capacity``), as vrplib
    names them, and ``name[k]`` for the row of node ``k`` (0-based) of a known section;
    ``""`` maps to the last line. Rows of the known sections must hold the right number of
    numbers, numbered 1, 2, ... in order.
    """
    lines = text.splitlines()
    found: _Lines = {"": max(len(lines), 1)}
    section: str | None = None
    expected = 1

    def fail(line_no: int, message: str) -> InstanceFormatError:
        return InstanceFormatError(f"{where}, line {line_no}: {message}")

    for i, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "EOF" in line:
            break
        if "_SECTION" in line:
            section = line.strip(" :").removesuffix("_SECTION").lower()
            found[section] = i
            expected = 1
        elif ":" in line:
            if section is not None:
                raise fail(i, f"specification {line!r} after a data section")
            key = re.split(r"\s*:\s*", line, maxsplit=1)[0].strip().lower()
            found[key] = i
        elif section is None:
            raise fail(i, f"expected 'KEY : value' or a *_SECTION header, got {line!r}")
        else:
            words = line.split()
            try:
                numbers = [float(word) for word in words]
            except ValueError:
                raise fail(i, f"non-numeric value in {section.upper()}_SECTION: {line!r}") from None
            width = _COLUMNS.get(section)
            if width is None:
                continue
            if len(numbers) != width:
                raise fail(i, f"{section.upper()}_SECTION rows need {width} numbers, got {line!r}")
            if numbers[0] != expected:
                raise fail(i, f"expected node {expected}, got {words[0]}")
            found[f"{section}[{expected - 1}]"] = i
            expected += 1
    return found


def _column(
    data: dict[str, Any], name: str, n: int, fail: _SectionFail, *, default: float
) -> NDArray[np.float64]:
    if name not in data:
        return np.full(n, default, dtype=np.float64)
    values = np.asarray(data[name], dtype=np.float64).ravel()
    if values.size != n:
        raise fail(name, f"{name.upper()}_SECTION has {values.size} rows for {n} nodes")
    negative = np.flatnonzero(values < 0)
    if negative.size:
        node = int(negative[0])
        raise fail(f"{name}[{node}]", f"node {node + 1} has a negative {name.replace('_', ' ')}")
    return values


def _windows(data: dict[str, Any], n: int, fail: _SectionFail) -> NDArray[np.float64] | None:
    if "time_window" not in data:
        return None
    windows = np.asarray(data["time_window"], dtype=np.float64)
    if windows.shape != (n, 2):
        raise fail("time_window", f"TIME_WINDOW_SECTION has shape {windows.shape}, not ({n}, 2)")
    bad = np.flatnonzero((windows[:, 0] < 0) | (windows[:, 1] < windows[:, 0]))
    if bad.size:
        node = int(bad[0])
        start, end = windows[node]
        msg = f"node {node + 1} has a negative or reversed time window [{start:g}, {end:g}]"
        raise fail(f"time_window[{node}]", msg)
    return windows


def _problem(
    where: str,
    depot: int,
    stops: Sequence[Stop],
    vehicles: Sequence[Vehicle],
    matrix: NDArray[np.int64],
) -> Problem:
    try:
        return Problem(depot, stops, vehicles, matrix, matrix.copy())
    except ProblemError as exc:
        msg = f"{where}: the instance is not a valid problem ({exc})"
        raise InstanceFormatError(msg) from exc
