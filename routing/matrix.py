"""Travel models: distance and duration between every pair of locations.

Every model answers one question through :class:`TravelModel`: given the latitude and
longitude (decimal degrees, WGS 84) of ``n`` locations, return two ``n x n`` integer
matrices, road distance in metres and travel time in seconds, where entry ``[i, j]`` is the
travel from location ``i`` to location ``j``.

- :class:`GreatCircleModel` estimates road travel from the great-circle distance, computed
  with numpy over whole arrays (no Python loop per pair).
- :class:`PrecomputedModel` hands back matrices computed elsewhere, for example by a
  road-network router or an OSRM ``table`` request; this is how OSRM plugs in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from routing.exceptions import ProblemError

#: Mean Earth radius (IUGG), in metres.
EARTH_RADIUS_M = 6_371_008.8


class TravelModel(Protocol):
    """Anything that turns coordinates into distance and duration matrices."""

    def matrices(
        self, lat: ArrayLike, lon: ArrayLike
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Return ``(distance_m, duration_s)`` for the given points.

        ``lat`` and ``lon`` are one-dimensional, of equal length ``n``, in decimal degrees.
        Both results are ``n x n`` integer matrices: distance in metres, duration in
        seconds, with ``[i, j]`` the travel from point ``i`` to point ``j``.
        """
        ...


def great_circle_m(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> NDArray[np.float64]:
    """Great-circle distance in metres between points given in decimal degrees.

    Uses the haversine formula on a sphere of radius :data:`EARTH_RADIUS_M`. The four
    arguments broadcast against each other like any numpy operation, so one call can measure
    one pair, one point against many, or (with ``lat1[:, None]`` and ``lat2[None, :]``) a
    whole matrix. Inputs are not validated; NaN propagates.
    """
    phi1 = np.radians(np.asarray(lat1, dtype=np.float64))
    phi2 = np.radians(np.asarray(lat2, dtype=np.float64))
    half_dphi = (phi2 - phi1) / 2.0
    half_dlam = (
        np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64)) / 2.0
    )
    h = np.sin(half_dphi) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(half_dlam) ** 2
    return np.asarray(2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0))))


def pairwise_great_circle_m(lat: ArrayLike, lon: ArrayLike) -> NDArray[np.float64]:
    """Great-circle distance in metres between every pair of one set of points.

    ``lat`` and ``lon`` are one-dimensional, of equal length ``n``, in decimal degrees.
    Returns an ``n x n`` float matrix, exactly symmetric with an exactly zero diagonal.

    The same haversine as :func:`great_circle_m`, written so that the trigonometry is done
    once per point rather than once per pair: with ``u`` the unit vector of a point,
    ``haversine(d / R) = (|u_i - u_j| / 2) ** 2``, so ``d = 2 R arcsin(|u_i - u_j| / 2)``.
    The squared chord is summed from coordinate differences (no ``1 - cos`` cancellation),
    which keeps short distances exact to well under a millimetre. Whole-array numpy
    operations only; about ten passes over an ``n x n`` array. Inputs are not validated.
    """
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    lam = np.radians(np.asarray(lon, dtype=np.float64))
    cos_phi = np.cos(phi)
    x, y, z = cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)

    chord = np.subtract.outer(x, x)
    np.square(chord, out=chord)
    part = np.subtract.outer(y, y)
    np.square(part, out=part)
    chord += part
    np.subtract.outer(z, z, out=part)
    np.square(part, out=part)
    chord += part
    del part

    np.sqrt(chord, out=chord)
    chord *= 0.5
    np.minimum(chord, 1.0, out=chord)  # rounding could push antipodes past 1
    np.arcsin(chord, out=chord)
    chord *= 2.0 * EARTH_RADIUS_M
    return chord


def validate_coordinates(
    lat: ArrayLike, lon: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Check coordinates in decimal degrees and return them as float arrays.

    Raises :class:`ProblemError` naming the offending field (``lat``, ``lon[3]``) when an
    array is not one-dimensional numbers, when the lengths differ, when a value is NaN or
    infinite, or when a latitude is outside [-90, 90] or a longitude outside [-180, 180].
    """
    lat_a = _coordinate_array("lat", lat)
    lon_a = _coordinate_array("lon", lon)
    if lat_a.shape != lon_a.shape:
        msg = f"has {lon_a.size} values but lat has {lat_a.size}"
        raise ProblemError("lon", msg)
    _check_range("lat", lat_a, 90.0)
    _check_range("lon", lon_a, 180.0)
    return lat_a, lon_a


def _coordinate_array(name: str, values: ArrayLike) -> NDArray[np.float64]:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"must be numbers in decimal degrees ({exc})"
        raise ProblemError(name, msg) from exc
    if array.ndim != 1:
        msg = f"must be one-dimensional, got shape {array.shape}"
        raise ProblemError(name, msg)
    return array


def _check_range(name: str, values: NDArray[np.float64], limit: float) -> None:
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        i = int(bad[0])
        msg = f"must be a finite number of degrees, got {float(values[i])!r}"
        raise ProblemError(f"{name}[{i}]", msg)
    bad = np.flatnonzero(np.abs(values) > limit)
    if bad.size:
        i = int(bad[0])
        msg = f"must lie in [-{limit:g}, {limit:g}] degrees, got {float(values[i])!r}"
        raise ProblemError(f"{name}[{i}]", msg)


@dataclass(frozen=True)
class GreatCircleModel:
    """Road travel estimated from the great-circle distance, at a constant speed.

    ``distance_m = round(great_circle * circuity)`` and, between two different locations,
    ``duration_s = round(distance_m / speed) + parking_s``; a location to itself is 0 m and
    0 s. Rounding is to the nearest integer (halves to even).
    """

    circuity: float = 1.3
    """Road distance per metre of great-circle distance (>= 1); 1.3 suits Malang's streets."""
    speed_kmh: float = 22.0
    """Average riding speed in km/h (> 0); 22 km/h is a motorbike in city traffic."""
    parking_s: int = 60
    """Seconds added to every trip between two different locations (parking, finding the
    door, starting off again); >= 0."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.circuity) and self.circuity >= 1.0):
            msg = f"must be a finite number >= 1, got {self.circuity!r}"
            raise ProblemError("circuity", msg)
        if not (math.isfinite(self.speed_kmh) and self.speed_kmh > 0.0):
            msg = f"must be a finite number > 0 km/h, got {self.speed_kmh!r}"
            raise ProblemError("speed_kmh", msg)
        if not (math.isfinite(self.parking_s) and self.parking_s >= 0):
            msg = f"must be >= 0 seconds, got {self.parking_s!r}"
            raise ProblemError("parking_s", msg)

    @property
    def speed_ms(self) -> float:
        """The riding speed in metres per second."""
        return self.speed_kmh / 3.6

    def matrices(
        self, lat: ArrayLike, lon: ArrayLike
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Return ``(distance_m, duration_s)``, ``n x n`` integer matrices (metres, seconds).

        ``lat`` and ``lon`` are in decimal degrees; see :func:`validate_coordinates` for the
        :class:`ProblemError` raised on bad input.
        """
        lat_a, lon_a = validate_coordinates(lat, lon)
        road = pairwise_great_circle_m(lat_a, lon_a)
        road *= self.circuity
        np.rint(road, out=road)
        distance = road.astype(np.int64)
        road /= self.speed_ms  # the duration follows the rounded distance
        np.rint(road, out=road)
        road += self.parking_s
        duration = road.astype(np.int64)
        np.fill_diagonal(duration, 0)
        return distance, duration


@dataclass(frozen=True, eq=False)
class PrecomputedModel:
    """Matrices computed elsewhere (a road network, an OSRM ``table``), handed back as is.

    The matrices are checked once, on construction: square, the same shape, finite and
    non-negative. Non-integer values are rounded to the nearest integer. :meth:`matrices`
    only checks that it is asked about as many points as the matrices cover; the points must
    be given in the order the matrices were computed for.
    """

    distance_m: NDArray[np.int64] = field(repr=False)
    """Road distance in metres, ``[i, j]`` from point i to point j."""
    duration_s: NDArray[np.int64] = field(repr=False)
    """Travel time in seconds, ``[i, j]`` from point i to point j."""

    def __init__(self, distance_m: ArrayLike, duration_s: ArrayLike) -> None:
        distance = _integer_matrix("distance_m", distance_m)
        duration = _integer_matrix("duration_s", duration_s)
        if duration.shape != distance.shape:
            msg = f"shape {duration.shape} differs from distance_m's {distance.shape}"
            raise ProblemError("duration_s", msg)
        object.__setattr__(self, "distance_m", distance)
        object.__setattr__(self, "duration_s", duration)

    @property
    def size(self) -> int:
        """How many points the matrices cover."""
        return int(self.distance_m.shape[0])

    def matrices(
        self, lat: ArrayLike, lon: ArrayLike
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Return the stored ``(distance_m, duration_s)`` (metres, seconds), read-only.

        Raises :class:`ProblemError` when the coordinates are invalid (see
        :func:`validate_coordinates`) or their number differs from the matrix size.
        """
        lat_a, _ = validate_coordinates(lat, lon)
        if lat_a.size != self.size:
            msg = f"{lat_a.size} points given but the matrices are {self.size}x{self.size}"
            raise ProblemError("lat", msg)
        return self.distance_m, self.duration_s


def _integer_matrix(name: str, values: ArrayLike) -> NDArray[np.int64]:
    raw = np.asarray(values)
    if raw.dtype.kind not in "iuf":
        msg = f"must be a numeric matrix, got dtype {raw.dtype}"
        raise ProblemError(name, msg)
    if raw.ndim != 2 or raw.shape[0] != raw.shape[1]:
        msg = f"must be a square matrix, got shape {raw.shape}"
        raise ProblemError(name, msg)
    if raw.dtype.kind == "f" and not np.all(np.isfinite(raw)):
        raise ProblemError(name, "contains NaN or infinite values")
    if np.any(raw < 0):
        raise ProblemError(name, "contains negative values")
    matrix = raw.astype(np.int64) if raw.dtype.kind in "iu" else np.rint(raw).astype(np.int64)
    matrix.setflags(write=False)
    return matrix
