"""Tests of routing.instances: Solomon and VRPLIB readers."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from routing.exceptions import InstanceFormatError
from routing.instances import dimacs_distances, instance_name, read_solomon, read_vrplib
from routing.problem import Problem, TimeWindow

DATA = Path(__file__).resolve().parent.parent / "data"
SOLOMON = DATA / "solomon"
TINY = DATA / "vrplib" / "tiny.vrp"


@pytest.fixture(scope="module")
def c101() -> Problem:
    """The Solomon instance C101 (clustered, 100 customers, 25 vehicles of 200)."""
    return read_solomon(SOLOMON / "C101.txt")


def test_solomon_files_keep_their_crlf_endings() -> None:
    """The test copies are byte for byte the published files, CRLF endings included."""
    for name in ("C101", "R102", "RC201"):
        raw = (SOLOMON / f"{name}.txt").read_bytes()
        assert raw.startswith(name.encode() + b"\r\n")


def test_solomon_counts_and_depot(c101: Problem) -> None:
    """C101 reads as 101 locations, 100 stops and 25 one-trip vehicles of 200 at the depot."""
    assert c101.num_locations == 101
    assert c101.depot == 0
    assert len(c101.stops) == 100
    assert len(c101.vehicles) == 25
    vehicle = c101.vehicles[0]
    assert (vehicle.start, vehicle.end, vehicle.capacity_g, vehicle.max_trips) == (0, 0, 200, 1)
    assert c101.reload_s == 0


def test_solomon_customer_k_is_location_k_and_stop_k_minus_1(c101: Problem) -> None:
    """Customer 1 of C101 (45, 68; demand 10; 912-967; service 90) is stops[0] at location 1."""
    stop = c101.stops[0]
    assert stop.location == 1
    assert stop.name == "1"
    assert stop.weight_g == 10
    assert stop.window == TimeWindow(9120, 9670)
    assert stop.service_s == 900
    assert [s.location for s in c101.stops] == list(range(1, 101))


def test_solomon_shift_is_the_depot_window_scaled_by_ten(c101: Problem) -> None:
    """C101's depot is open 0-1236, so every shift is 0-12360."""
    assert all(v.shift == TimeWindow(0, 12360) for v in c101.vehicles)


def test_solomon_distances_follow_the_dimacs_convention(c101: Problem) -> None:
    """Distance = duration = floor(10 * euclid): depot (40, 50) to customer 1 (45, 68) is 186."""
    assert c101.distance_m[0, 1] == math.floor(10 * math.hypot(5, 18)) == 186
    assert c101.distance_m[0, 3] == 161  # customer 3 at (42, 66): floor(10 * sqrt(260))
    assert np.array_equal(c101.distance_m, c101.duration_s)
    assert np.array_equal(c101.distance_m, c101.distance_m.T)
    assert np.all(np.diag(c101.distance_m) == 0)


@pytest.mark.parametrize(
    ("name", "vehicles", "capacity", "horizon"),
    [("R102", 25, 200, 2300), ("RC201", 25, 1000, 9600)],
)
def test_solomon_other_classes(name: str, vehicles: int, capacity: int, horizon: int) -> None:
    """R102 and RC201 read with their fleet, capacity and horizon (scaled by 10)."""
    problem = read_solomon(SOLOMON / f"{name}.txt")
    assert len(problem.stops) == 100
    assert len(problem.vehicles) == vehicles
    assert problem.vehicles[0].capacity_g == capacity
    assert problem.vehicles[0].shift.end == horizon


def test_instance_name_is_the_file_stem() -> None:
    """instance_name gives C101 for .../C101.txt and tiny for tiny.vrp."""
    assert instance_name(SOLOMON / "C101.txt") == "C101"
    assert instance_name(str(TINY)) == "tiny"


def test_dimacs_distances_are_exact_on_integer_coordinates() -> None:
    """floor(10 * euclid) is exact: 3-4-5 gives 50, not 49, and sqrt(2) gives 14."""
    distances = dimacs_distances([0, 3, 1], [0, 4, 1])
    assert distances.tolist() == [[0, 50, 14], [50, 0, 36], [14, 36, 0]]


def _with_line(tmp_path: Path, name: str, line_no: int, replacement: str) -> Path:
    """Copy C101 with line ``line_no`` (1-based) replaced, keeping CRLF endings."""
    lines = (SOLOMON / "C101.txt").read_bytes().split(b"\r\n")
    lines[line_no - 1] = replacement.encode()
    path = tmp_path / name
    path.write_bytes(b"\r\n".join(lines))
    return path


def test_solomon_bad_value_names_the_line(tmp_path: Path) -> None:
    """A non-numeric value in the customer table is an InstanceFormatError with its line."""
    path = _with_line(tmp_path, "bad.txt", 12, "    2      45         70         x")
    with pytest.raises(InstanceFormatError, match=r"line 12\b"):
        read_solomon(path)


def test_solomon_reversed_window_names_the_line(tmp_path: Path) -> None:
    """A due date before the ready time is an InstanceFormatError with its line."""
    path = _with_line(tmp_path, "late.txt", 11, "    1      45  68  10  967  912  90")
    with pytest.raises(InstanceFormatError, match=r"line 11: due date 912"):
        read_solomon(path)


def test_solomon_missing_block_or_file(tmp_path: Path) -> None:
    """A file without a VEHICLE block, or no file at all, is an InstanceFormatError."""
    path = tmp_path / "empty.txt"
    path.write_text("C999\r\n\r\nCUSTOMER\r\n")
    with pytest.raises(InstanceFormatError, match="VEHICLE"):
        read_solomon(path)
    with pytest.raises(InstanceFormatError, match="cannot read"):
        read_solomon(tmp_path / "missing.txt")


def test_vrplib_counts_depot_and_fleet() -> None:
    """tiny.vrp reads as 6 locations, depot 0, 5 stops and its 2 vehicles of capacity 10."""
    problem = read_vrplib(TINY)
    assert problem.num_locations == 6
    assert problem.depot == 0
    assert len(problem.stops) == 5
    assert [s.location for s in problem.stops] == [1, 2, 3, 4, 5]
    assert [s.name for s in problem.stops] == ["2", "3", "4", "5", "6"]
    assert [s.weight_g for s in problem.stops] == [3, 4, 2, 5, 6]
    assert len(problem.vehicles) == 2
    vehicle = problem.vehicles[0]
    assert (vehicle.start, vehicle.end, vehicle.capacity_g, vehicle.max_trips) == (0, 0, 10, 1)


def test_vrplib_computed_distances_follow_the_dimacs_convention() -> None:
    """Node 1 (0, 0) to node 2 (3, 4) is 50 and to node 5 (1, 1) is floor(10 * sqrt 2) = 14."""
    problem = read_vrplib(TINY)
    assert problem.distance_m[0, 1] == 50
    assert problem.distance_m[0, 4] == 14
    assert problem.distance_m[1, 2] == 31  # (3, 4) to (0, 5): floor(10 * sqrt(10))
    assert np.array_equal(problem.distance_m, problem.duration_s)


def test_vrplib_windows_and_service_are_scaled_by_ten() -> None:
    """With computed distances, windows and service times are scaled by 10 as well."""
    problem = read_vrplib(TINY)
    assert problem.stops[0].window == TimeWindow(100, 200)
    assert problem.stops[0].service_s == 20
    assert problem.stops[4].window == TimeWindow(300, 450)
    assert problem.vehicles[0].shift == TimeWindow(0, 1000)


def test_vrplib_explicit_weights_are_taken_as_given(tmp_path: Path) -> None:
    """An EDGE_WEIGHT_SECTION is used unscaled; without VEHICLES there is one per customer."""
    path = tmp_path / "explicit.vrp"
    path.write_text(
        "NAME : explicit\nTYPE : CVRP\nDIMENSION : 3\nCAPACITY : 5\n"
        "EDGE_WEIGHT_TYPE : EXPLICIT\nEDGE_WEIGHT_FORMAT : LOWER_ROW\n"
        "EDGE_WEIGHT_SECTION\n7\n9 4\n"
        "DEMAND_SECTION\n1 0\n2 2\n3 3\nDEPOT_SECTION\n1\n-1\nEOF\n"
    )
    problem = read_vrplib(path)
    assert problem.distance_m.tolist() == [[0, 7, 9], [7, 0, 4], [9, 4, 0]]
    assert len(problem.vehicles) == 2
    assert all(stop.window is None for stop in problem.stops)


@pytest.mark.parametrize(
    ("old", "new", "line", "what"),
    [
        ("3 0 5\n", "3 0 five\n", 11, "non-numeric"),
        ("4 -6 8\n", "4 -6\n", 12, "need 3 numbers"),
        ("5 1 1\n", "7 1 1\n", 13, "expected node 5"),
        ("DEPOT_SECTION\n", "DEPOT_SECTION\nCAPACITY : 3\n", 37, "after a data section"),
        ("6 30 45\n", "6 45 30\n", 28, "node 6 has a negative or reversed time window"),
        ("4 2\n", "4 -2\n", 19, "node 4 has a negative demand"),
        ("DIMENSION : 6\n", "DIMENSION : 7\n", 4, "DIMENSION is 7"),
        ("CAPACITY : 10\n", "CAPACITY : lots\n", 6, "CAPACITY must be a number"),
        ("NAME : tiny\n", "tiny instance\n", 1, "expected 'KEY : value'"),
    ],
)
def test_vrplib_errors_name_the_line(
    tmp_path: Path, old: str, new: str, line: int, what: str
) -> None:
    """A malformed VRPLIB file raises InstanceFormatError with the line to blame."""
    text = TINY.read_text()
    assert old in text
    path = tmp_path / "bad.vrp"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(InstanceFormatError, match=rf"line {line}: .*{what}"):
        read_vrplib(path)
