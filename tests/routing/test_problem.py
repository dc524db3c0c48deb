"""Bad problems are refused before any solve, naming the field."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from routing import Pickup, Problem, ProblemError, Stop, TimeWindow
from tests.routing.factories import line_matrices, line_problem, runner


def test_negative_demand_names_the_stop() -> None:
    """A negative weight is refused as stops[1].weight_g."""
    stops = [Stop(location=1, weight_g=1_000), Stop(location=2, weight_g=-5)]
    with pytest.raises(ProblemError) as caught:
        line_problem([1000, 2000], stops)
    assert caught.value.field == "stops[1].weight_g"


def test_window_ending_before_it_starts_is_refused() -> None:
    """A window whose end is before its start is refused as stops[0].window.end."""
    stops = [Stop(location=1, window=TimeWindow(9 * 3600, 8 * 3600))]
    with pytest.raises(ProblemError) as caught:
        line_problem([1000], stops)
    assert caught.value.field == "stops[0].window.end"


def test_matrix_must_be_square() -> None:
    """A distance matrix that is not square is refused."""
    with pytest.raises(ProblemError) as caught:
        Problem(0, [], [runner()], np.zeros((2, 3)), np.zeros((2, 3)))
    assert caught.value.field == "distance_m"


def test_matrices_must_match_each_other() -> None:
    """Distance and duration matrices of different sizes are refused."""
    distance, _ = line_matrices([0, 100])
    _, duration = line_matrices([0, 100, 200])
    with pytest.raises(ProblemError) as caught:
        Problem(0, [], [runner()], distance, duration)
    assert caught.value.field == "duration_s"


def test_stop_location_must_be_in_the_matrix() -> None:
    """A stop pointing past the matrices is refused."""
    with pytest.raises(ProblemError) as caught:
        line_problem([1000], [Stop(location=5)])
    assert caught.value.field == "stops[0].location"


def test_nan_in_matrix_is_refused() -> None:
    """NaN travel times (e.g. from NaN coordinates) are refused."""
    distance, duration = line_matrices([0, 100])
    bad = duration.astype(float)
    bad[0, 1] = np.nan
    with pytest.raises(ProblemError) as caught:
        Problem(0, [], [runner()], distance, bad)
    assert caught.value.field == "duration_s"


def test_a_stop_carried_twice_is_refused() -> None:
    """Two runners cannot both carry the same order."""
    with pytest.raises(ProblemError) as caught:
        line_problem([1000], None, [runner(carried=(0,)), runner(carried=(0,))])
    assert caught.value.field == "vehicles[1].carried"


def test_a_valid_problem_is_accepted() -> None:
    """A well-formed problem builds, and its matrices are read-only integers."""
    problem = line_problem([1000, 2000])
    assert problem.distance_m.dtype == np.int64
    assert not problem.distance_m.flags.writeable


@pytest.mark.parametrize(
    ("pickup", "picking_s", "field"),
    [
        (Pickup(location=9), 0, "stops[0].pickup.location"),
        (Pickup(location=2, service_s=-1), 0, "stops[0].pickup.service_s"),
        (
            Pickup(location=2, window=TimeWindow(8 * 3600, 9 * 3600, soft=True)),
            0,
            "stops[0].pickup.window",
        ),
        (Pickup(location=2), 300, "stops[0].picking_s"),
    ],
)
def test_a_bad_pickup_at_a_seller_names_its_field(
    pickup: Pickup, picking_s: int, field: str
) -> None:
    """A seller outside the matrices, a negative time there, soft opening hours or a picking
    time (which is for the market) are refused, naming the field."""
    stops = [Stop(location=1, picking_s=picking_s, pickup=pickup)]
    with pytest.raises(ProblemError) as caught:
        line_problem([1000], stops, extra_points=[500])
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("previous", "refused"),
    [
        ((((0, 1, 1),),), False),  # the seller order at its pickup and its delivery
        ((((0, 0, 1),),), True),  # a market order listed twice
        ((((1,), (1, 1)),), True),  # a seller order listed three times
    ],
)
def test_a_previous_plan_lists_seller_orders_at_most_twice(
    previous: tuple[tuple[tuple[int, ...], ...], ...], refused: bool
) -> None:
    """In a previous plan a seller order may appear twice, any other order once."""
    stops = [Stop(location=1), Stop(location=2, pickup=Pickup(location=3))]
    base = line_problem([1000, 2000], stops, extra_points=[500])

    if refused:
        with pytest.raises(ProblemError) as caught:
            replace(base, previous=previous)
        assert caught.value.field == "previous"
    else:
        assert replace(base, previous=previous).previous == previous
