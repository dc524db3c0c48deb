"""Tests of routing.matrix: great-circle distances and the travel models."""

from __future__ import annotations

import math

import numpy as np
import pytest
from geopy.distance import great_circle
from hypothesis import given
from hypothesis import strategies as st

from routing.exceptions import ProblemError
from routing.matrix import (
    GreatCircleModel,
    PrecomputedModel,
    TravelModel,
    great_circle_m,
    pairwise_great_circle_m,
)

#: A few Kota Malang places (lat, lon): Pasar Sawojajar, Gadang Lama, Oro-oro Dowo, Bareng,
#: Mergan, Tawangmangu (approximate), and a customer at the edge of the city.
MALANG = np.array(
    [
        (-7.9722, 112.6630),
        (-8.0235, 112.6293),
        (-7.9703, 112.6281),
        (-7.9774, 112.6191),
        (-7.9908, 112.6155),
        (-7.9530, 112.6380),
        (-7.9108, 112.5689),
    ]
)
LAT, LON = MALANG[:, 0], MALANG[:, 1]


def test_haversine_matches_geopy_within_a_metre() -> None:
    """great_circle_m agrees with geopy's great_circle to within 1 m on Malang points."""
    for a in MALANG:
        for b in MALANG:
            expected = great_circle(tuple(a), tuple(b)).meters
            assert abs(float(great_circle_m(a[0], a[1], b[0], b[1])) - expected) < 1.0


def test_haversine_broadcasts_one_point_against_many() -> None:
    """great_circle_m broadcasts a single point against arrays of points."""
    distances = great_circle_m(LAT[0], LON[0], LAT, LON)
    assert distances.shape == (len(LAT),)
    assert distances[0] == 0.0
    assert distances[1] == pytest.approx(great_circle(MALANG[0], MALANG[1]).meters, abs=1.0)


def test_pairwise_matrix_equals_broadcast_haversine() -> None:
    """pairwise_great_circle_m gives the same matrix as broadcasting great_circle_m."""
    broadcast = great_circle_m(LAT[:, None], LON[:, None], LAT[None, :], LON[None, :])
    np.testing.assert_allclose(pairwise_great_circle_m(LAT, LON), broadcast, atol=1e-6)


def test_pairwise_matrix_is_symmetric_with_zero_diagonal() -> None:
    """The pairwise great-circle matrix is exactly symmetric and zero on the diagonal."""
    matrix = pairwise_great_circle_m(LAT, LON)
    assert np.array_equal(matrix, matrix.T)
    assert np.all(np.diag(matrix) == 0.0)


def test_pairwise_matrix_handles_antipodes_and_tiny_distances() -> None:
    """Antipodal points are half the circumference apart; points 1e-6 degrees apart ~0.11 m."""
    matrix = pairwise_great_circle_m([0.0, 0.0, 0.0], [0.0, 180.0, 1e-6])
    assert matrix[0, 1] == pytest.approx(math.pi * 6_371_008.8)
    assert matrix[0, 2] == pytest.approx(math.radians(1e-6) * 6_371_008.8, rel=1e-6)


def test_model_matrices_have_zero_diagonal_and_are_symmetric() -> None:
    """GreatCircleModel returns square int64 matrices, symmetric, with a zero diagonal."""
    distance, duration = GreatCircleModel().matrices(LAT, LON)
    n = len(LAT)
    for matrix in (distance, duration):
        assert matrix.shape == (n, n)
        assert matrix.dtype == np.int64
        assert np.array_equal(matrix, matrix.T)
        assert np.all(np.diag(matrix) == 0)


def test_parking_is_added_only_between_different_locations() -> None:
    """parking_s is added off the diagonal only, also between two points at one place."""
    lat, lon = [LAT[0], LAT[0], LAT[1]], [LON[0], LON[0], LON[1]]
    with_parking = GreatCircleModel(parking_s=90).matrices(lat, lon)[1]
    without = GreatCircleModel(parking_s=0).matrices(lat, lon)[1]
    off_diagonal = ~np.eye(3, dtype=bool)
    assert np.all((with_parking - without)[off_diagonal] == 90)
    assert np.all(np.diag(with_parking) == 0)
    assert with_parking[0, 1] == 90  # same place, different locations: parking only


def test_distance_and_duration_follow_circuity_and_speed() -> None:
    """distance = round(great-circle * circuity); duration = round(distance / speed) + parking."""
    model = GreatCircleModel(circuity=1.5, speed_kmh=18.0, parking_s=30)
    distance, duration = model.matrices(LAT, LON)
    straight = pairwise_great_circle_m(LAT, LON)
    i, j = 0, 1
    assert distance[i, j] == round(straight[i, j] * 1.5)
    assert duration[i, j] == round(distance[i, j] / (18.0 / 3.6)) + 30


def test_one_kilometre_at_36_kmh_takes_100_seconds() -> None:
    """A 1000 m road distance at 36 km/h (10 m/s) with no parking is 100 s."""
    lat_step = math.degrees(1000.0 / 6_371_008.8)  # 1000 m due north on the sphere
    distance, duration = GreatCircleModel(1.0, 36.0, 0).matrices([0.0, lat_step], [0.0, 0.0])
    assert distance[0, 1] == 1000
    assert duration[0, 1] == 100


def test_empty_and_single_point_matrices() -> None:
    """No point gives 0x0 matrices; one point gives a single zero."""
    distance, duration = GreatCircleModel().matrices([], [])
    assert distance.shape == duration.shape == (0, 0)
    distance, duration = GreatCircleModel().matrices([LAT[0]], [LON[0]])
    assert distance.tolist() == duration.tolist() == [[0]]


@pytest.mark.parametrize(
    ("lat", "lon", "field"),
    [
        ([-7.97, math.nan], [112.6, 112.6], "lat[1]"),
        ([-7.97, -7.98], [112.6, math.inf], "lon[1]"),
        ([-7.97, -7.98, 91.0], [112.6, 112.6, 112.6], "lat[2]"),
        ([-7.97, -7.98], [112.6, -180.5], "lon[1]"),
        ([-7.97, -7.98], [112.6], "lon"),
        ([[-7.97]], [[112.6]], "lat"),
        (["pasar", "x"], [112.6, 112.6], "lat"),
    ],
)
def test_bad_coordinates_raise_problem_error_naming_the_field(
    lat: list[object], lon: list[object], field: str
) -> None:
    """NaN, infinite, out-of-range, mismatched or non-numeric coordinates name the field."""
    with pytest.raises(ProblemError) as info:
        GreatCircleModel().matrices(lat, lon)  # type: ignore[arg-type]
    assert info.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"circuity": 0.9}, "circuity"),
        ({"circuity": math.nan}, "circuity"),
        ({"speed_kmh": 0.0}, "speed_kmh"),
        ({"speed_kmh": -5.0}, "speed_kmh"),
        ({"parking_s": -1}, "parking_s"),
    ],
)
def test_bad_model_parameters_raise_problem_error(kwargs: dict[str, float], field: str) -> None:
    """circuity < 1, speed <= 0 and negative parking are refused, naming the parameter."""
    with pytest.raises(ProblemError) as info:
        GreatCircleModel(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


def test_precomputed_model_returns_its_matrices() -> None:
    """PrecomputedModel hands back the given matrices as read-only int64 arrays."""
    distance = [[0, 1200, 800], [1250, 0, 900], [790, 910, 0]]
    duration = [[0, 200.4, 150], [210, 0, 160.6], [140, 170, 0]]
    model = PrecomputedModel(distance, duration)
    got_distance, got_duration = model.matrices(LAT[:3], LON[:3])
    assert got_distance.tolist() == distance
    assert got_duration.tolist() == [[0, 200, 150], [210, 0, 161], [140, 170, 0]]
    assert got_distance.dtype == got_duration.dtype == np.int64
    assert not got_distance.flags.writeable


def test_precomputed_model_refuses_a_different_number_of_points() -> None:
    """Asking a 3x3 PrecomputedModel about 4 points raises ProblemError on lat."""
    model = PrecomputedModel(np.zeros((3, 3)), np.zeros((3, 3)))
    with pytest.raises(ProblemError) as info:
        model.matrices(LAT[:4], LON[:4])
    assert info.value.field == "lat"


@pytest.mark.parametrize(
    ("distance", "duration", "field"),
    [
        (np.zeros((2, 3)), np.zeros((2, 3)), "distance_m"),
        (np.zeros((3, 3)), np.zeros((2, 2)), "duration_s"),
        (np.full((2, 2), math.nan), np.zeros((2, 2)), "distance_m"),
        (np.zeros((2, 2)), -np.ones((2, 2)), "duration_s"),
    ],
)
def test_precomputed_model_checks_its_matrices(
    distance: np.ndarray, duration: np.ndarray, field: str
) -> None:
    """Non-square, mismatched, NaN or negative matrices raise ProblemError naming which."""
    with pytest.raises(ProblemError) as info:
        PrecomputedModel(distance, duration)
    assert info.value.field == field


def test_both_models_are_travel_models() -> None:
    """GreatCircleModel and PrecomputedModel satisfy the TravelModel protocol."""
    models: list[TravelModel] = [GreatCircleModel(), PrecomputedModel([[0]], [[0]])]
    for model in models:
        distance, duration = model.matrices([LAT[0]], [LON[0]])
        assert distance.shape == duration.shape == (1, 1)


latitudes = st.floats(min_value=-90.0, max_value=90.0)
longitudes = st.floats(min_value=-180.0, max_value=180.0)
points = st.tuples(latitudes, longitudes)


@given(points, points, points)
def test_great_circle_obeys_the_triangle_inequality(
    a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]
) -> None:
    """d(a, c) <= d(a, b) + d(b, c), up to floating-point rounding (under a metre)."""
    # arcsin is ill-conditioned near 1: nearly antipodal points lose about R * sqrt(eps),
    # a few decimetres; everywhere else the error is far below a millimetre.
    tolerance = 1.0
    lat = np.array([a[0], b[0], c[0]])
    lon = np.array([a[1], b[1], c[1]])
    d = great_circle_m(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    assert d[0, 2] <= d[0, 1] + d[1, 2] + tolerance
    pairwise = pairwise_great_circle_m(lat, lon)
    assert pairwise[0, 2] <= pairwise[0, 1] + pairwise[1, 2] + tolerance


malang_points = st.tuples(
    st.floats(min_value=-8.0516, max_value=-7.9108),
    st.floats(min_value=112.5689, max_value=112.6938),
)


@given(st.lists(malang_points, min_size=3, max_size=3))
def test_rounded_model_distances_obey_the_triangle_inequality_within_rounding(
    pts: list[tuple[float, float]],
) -> None:
    """Rounded road distances break the triangle inequality by at most 1 m (two roundings)."""
    lat, lon = zip(*pts, strict=True)
    distance, _ = GreatCircleModel().matrices(lat, lon)
    assert distance[0, 2] <= distance[0, 1] + distance[1, 2] + 1
