"""The routing problem of one market: plain, immutable, validated data.

Units: metres and seconds as integers, weights in grams, money in whole rupiah. Times are
seconds on one clock that the caller chooses (dispatch uses seconds after local midnight).
Locations are indices into the distance and duration matrices.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from routing.exceptions import ProblemError

#: Penalty (in objective units, i.e. metres) for leaving one stop of priority 0 unserved.
#: Far above any route a runner could drive, so a stop is only dropped when it cannot be served.
DEFAULT_DROP_PENALTY = 10_000_000


@dataclass(frozen=True)
class TimeWindow:
    """When service at a stop may start, or when a runner works.

    A hard window forbids starting after ``end``; a soft one allows it at ``lateness_cost``
    per second late. Starting before ``start`` is never allowed: the runner waits.
    """

    start: int
    """Earliest start, in seconds."""
    end: int
    """Latest start (hard) or the start after which lateness is charged (soft), in seconds."""
    soft: bool = False
    """Whether ``end`` may be exceeded at a cost."""
    lateness_cost: int = 0
    """Objective units per second late; only used when ``soft``."""

    def validate(self, where: str) -> None:
        """Raise :class:`ProblemError` when the window is inconsistent."""
        if self.start < 0:
            msg = f"start must be >= 0, got {self.start!r}"
            raise ProblemError(f"{where}.start", msg)
        if self.end < self.start:
            msg = f"end ({self.end!r}) is before start ({self.start!r})"
            raise ProblemError(f"{where}.end", msg)
        if self.lateness_cost < 0:
            msg = f"must be >= 0, got {self.lateness_cost!r}"
            raise ProblemError(f"{where}.lateness_cost", msg)


@dataclass(frozen=True)
class Pickup:
    """Where an order's goods are collected when they are not bought at the market: a seller.

    The runner rides there, collects the goods (``service_s``) while the seller is open
    (``window``), and the goods stay on board until the door, across a market visit if the
    route passes one (only the cash is handed in there).
    """

    location: int
    """Index of the seller's place in the matrices."""
    service_s: int = 0
    """Time at the seller (parking, collecting and checking the goods), in seconds."""
    window: TimeWindow | None = None
    """When the goods may be collected (the seller's opening hours), always hard; ``None``
    is any time within the runner's shift."""
    name: str = ""
    """Caller's identifier of the place (a seller's code), carried through untouched."""


@dataclass(frozen=True)
class Stop:
    """One order to deliver: goods bought at the market, or collected at a seller
    (``pickup``), and taken to ``location``."""

    location: int
    """Index of the customer's door in the matrices."""
    weight_g: int = 0
    """Load in grams; occupies the runner from the market to the door."""
    cash_rp: int = 0
    """Cash on delivery to collect at the door, in rupiah; counts against a cash cap."""
    count: int = 1
    """How many order slots it takes (for a per-trip order limit)."""
    window: TimeWindow | None = None
    """When service may start; ``None`` means any time within the runner's shift."""
    service_s: int = 0
    """Time at the door (handing over, collecting cash), in seconds."""
    picking_s: int = 0
    """Time to buy the goods at the market stalls before the trip, in seconds (goods bought
    at the market only; a seller's time is ``pickup.service_s``)."""
    max_ride_s: int | None = None
    """Longest time from leaving the market (or the seller) to arriving at the door
    (perishables)."""
    priority: int = 0
    """Higher is more important; scales the drop penalty unless ``drop_penalty`` is given."""
    drop_penalty: int | None = None
    """Cost of leaving the stop unserved; defaults to ``DEFAULT_DROP_PENALTY * (1 + priority)``."""
    vehicles: tuple[int, ...] | None = None
    """Only these vehicles may serve the stop (a coordinator's pin); ``None`` is any."""
    name: str = ""
    """Caller's identifier, carried into the solution untouched."""
    pickup: Pickup | None = None
    """Where the goods are collected, when at a seller; ``None``: bought at the market. The
    pickup and the delivery are a pair: same runner, pickup first."""

    @property
    def at_market(self) -> bool:
        """Whether the goods are bought at the market (not collected at a seller)."""
        return self.pickup is None

    @property
    def penalty(self) -> int:
        """The cost of dropping this stop, in objective units."""
        if self.drop_penalty is not None:
            return self.drop_penalty
        return DEFAULT_DROP_PENALTY * (1 + self.priority)


@dataclass(frozen=True)
class Vehicle:
    """One runner on a motorbike."""

    start: int
    """Location where the runner is: the market, or its current position mid-shift."""
    end: int | None
    """Location where the runner must finish (usually the market); ``None`` is anywhere."""
    shift: TimeWindow
    """Working hours: leaves ``start`` no earlier than ``shift.start``, done by ``shift.end``."""
    capacity_g: int
    """Load per trip, in grams."""
    cash_cap_rp: int | None = None
    """Most cash the runner may hold at once, in rupiah. It hands the cash in at the market
    on every return, so this caps the cash on delivery of one trip (plus, on its current
    trip, the cash it already holds)."""
    cash_on_hand_rp: int = 0
    """Cash already held when this plan starts; handed in at the first return to the market.
    (The OR-Tools model counts it against the cap for the whole route, which is conservative,
    unless orders collected at sellers bring cash: then it counts the cash held exactly.)"""
    max_orders_per_trip: int | None = None
    """Most order slots (``Stop.count``) on board at once."""
    max_duration_s: int | None = None
    """Longest route, from leaving ``start`` to reaching the end, in seconds."""
    max_trips: int | None = None
    """Most trips (loadings at the market; a carried load, or a first ride to a seller, counts
    as the first); ``None`` is any."""
    carried: tuple[int, ...] = ()
    """Stops (indices into ``Problem.stops``) already on board. Goods bought at the market
    are delivered before the runner loads at the market again; goods collected at a seller
    may ride on across a market visit."""
    carried_in_order: bool = False
    """Whether ``carried`` must be delivered first, exactly in the given order."""
    locked: tuple[int, ...] = ()
    """Stops this vehicle must serve, in this order (a locked sequence); others may still be
    fitted in between or after them."""
    name: str = ""
    """Caller's identifier, carried into the solution untouched."""


@dataclass(frozen=True, eq=False)
class Problem:
    """One market's orders, its runners, and the travel between every pair of locations."""

    depot: int
    """Location of the market, where goods are bought and every trip starts."""
    stops: tuple[Stop, ...]
    vehicles: tuple[Vehicle, ...]
    distance_m: npt.NDArray[np.int64] = field(repr=False)
    """Road distance in metres, ``distance_m[i, j]`` from location i to j."""
    duration_s: npt.NDArray[np.int64] = field(repr=False)
    """Travel time in seconds, parking included; service times are separate."""
    reload_s: int = 0
    """Time to park and load at the market on every return to it (not at the first start)."""
    balance_cost: int = 0
    """Objective units per second of the longest working day; evens out the runners' time."""
    previous: tuple[tuple[tuple[int, ...], ...], ...] | None = None
    """The plan being revised, when re-planning: per vehicle, its trips of stops (stops no
    longer in the problem left out; a stop collected at a seller is listed at its pickup and
    at its delivery, see :func:`routing.check.evaluate_plan`). It is the search's starting
    point, and leaving it costs:"""
    move_cost: int = 0
    """Objective units for each stop of ``previous`` served by another vehicle."""
    reorder_cost: int = 0
    """Objective units for each stop of ``previous`` that its vehicle reaches from another
    place than before (another stop, or the market instead of a stop)."""

    def __init__(
        self,
        depot: int,
        stops: Sequence[Stop],
        vehicles: Sequence[Vehicle],
        distance_m: npt.ArrayLike,
        duration_s: npt.ArrayLike,
        reload_s: int = 0,
        balance_cost: int = 0,
        previous: Sequence[Sequence[Sequence[int]]] | None = None,
        move_cost: int = 0,
        reorder_cost: int = 0,
    ) -> None:
        object.__setattr__(self, "depot", depot)
        object.__setattr__(self, "stops", tuple(stops))
        object.__setattr__(self, "vehicles", tuple(vehicles))
        object.__setattr__(self, "distance_m", _matrix("distance_m", distance_m))
        object.__setattr__(self, "duration_s", _matrix("duration_s", duration_s))
        object.__setattr__(self, "reload_s", reload_s)
        object.__setattr__(self, "balance_cost", balance_cost)
        if previous is not None:
            previous = tuple(tuple(tuple(trip) for trip in trips) for trips in previous)
        object.__setattr__(self, "previous", previous)
        object.__setattr__(self, "move_cost", move_cost)
        object.__setattr__(self, "reorder_cost", reorder_cost)
        self._validate()

    @property
    def num_locations(self) -> int:
        """How many locations the matrices cover."""
        return int(self.distance_m.shape[0])

    def carrier_of(self) -> dict[int, int]:
        """Map each carried stop to the vehicle that carries it."""
        return {s: v for v, veh in enumerate(self.vehicles) for s in veh.carried}

    def allowed_vehicles(self, stop: int) -> tuple[int, ...] | None:
        """The vehicles that may serve ``stop`` by a pin or a locked sequence (``None``: any)."""
        allowed = self.stops[stop].vehicles
        for v, veh in enumerate(self.vehicles):
            if stop in veh.locked:
                allowed = (v,) if allowed is None or v in allowed else ()
        return allowed

    def previous_vehicle(self) -> dict[int, int]:
        """Map each stop of ``previous`` to the vehicle that served it there."""
        if self.previous is None:
            return {}
        return {s: v for v, trips in enumerate(self.previous) for trip in trips for s in trip}

    def ready_at_market(self, vehicle: int) -> int:
        """Earliest time ``vehicle`` can start loading at the market, in seconds.

        A runner that is elsewhere first delivers the market goods it carries (all it carries
        when they are to go in order), each as early as its window allows, then rides back
        and parks (``reload_s``).
        """
        veh = self.vehicles[vehicle]
        time, loc = veh.shift.start, veh.start
        for s in veh.carried:
            stop = self.stops[s]
            if not (stop.at_market or veh.carried_in_order):
                continue
            time += int(self.duration_s[loc, stop.location])
            if stop.window is not None:
                time = max(time, stop.window.start)
            time += stop.service_s
            loc = stop.location
        if loc != self.depot:
            time += int(self.duration_s[loc, self.depot]) + self.reload_s
        return time

    def _validate(self) -> None:
        n = self.num_locations
        if self.duration_s.shape != self.distance_m.shape:
            msg = f"shape {self.duration_s.shape} differs from distance_m's {self.distance_m.shape}"
            raise ProblemError("duration_s", msg)
        _location("depot", self.depot, n)
        for name in ("reload_s", "balance_cost", "move_cost", "reorder_cost"):
            if getattr(self, name) < 0:
                msg = f"must be >= 0, got {getattr(self, name)!r}"
                raise ProblemError(name, msg)
        if not self.vehicles:
            raise ProblemError("vehicles", "at least one vehicle is needed")
        for i, stop in enumerate(self.stops):
            _validate_stop(f"stops[{i}]", stop, n)
        carried_by: dict[int, int] = {}
        for v, veh in enumerate(self.vehicles):
            where = f"vehicles[{v}]"
            _validate_vehicle(where, veh, n)
            for s in veh.carried:
                if not 0 <= s < len(self.stops):
                    msg = f"stop index {s!r} out of range (0..{len(self.stops) - 1})"
                    raise ProblemError(f"{where}.carried", msg)
                if s in carried_by:
                    msg = f"stop {s} is already carried by vehicles[{carried_by[s]}]"
                    raise ProblemError(f"{where}.carried", msg)
                carried_by[s] = v
        locked_by: dict[int, int] = {}
        for v, veh in enumerate(self.vehicles):
            for s in veh.locked:
                where = f"vehicles[{v}].locked"
                if not 0 <= s < len(self.stops):
                    msg = f"stop index {s!r} out of range (0..{len(self.stops) - 1})"
                    raise ProblemError(where, msg)
                if s in locked_by:
                    msg = f"stop {s} is already locked to vehicles[{locked_by[s]}]"
                    raise ProblemError(where, msg)
                locked_by[s] = v
        for i, stop in enumerate(self.stops):
            for v in stop.vehicles or ():
                if not 0 <= v < len(self.vehicles):
                    msg = f"vehicle index {v!r} out of range (0..{len(self.vehicles) - 1})"
                    raise ProblemError(f"stops[{i}].vehicles", msg)
        if self.previous is not None:
            if len(self.previous) != len(self.vehicles):
                msg = f"has {len(self.previous)} vehicles, the problem {len(self.vehicles)}"
                raise ProblemError("previous", msg)
            seen: dict[int, set[int]] = {}
            listed: dict[int, int] = {}
            for v, trips in enumerate(self.previous):
                for s in (s for trip in trips for s in trip):
                    if not 0 <= s < len(self.stops):
                        msg = f"vehicles[{v}]: stop {s!r} is out of range"
                        raise ProblemError("previous", msg)
                    seen.setdefault(s, set()).add(v)
                    listed[s] = listed.get(s, 0) + 1
            for s, count in listed.items():
                most = 1 if self.stops[s].at_market else 2
                if count > most or len(seen[s]) > 1:
                    msg = f"stop {s} is listed {count} times (at most {most}, on one vehicle)"
                    raise ProblemError("previous", msg)


def _matrix(name: str, values: npt.ArrayLike) -> npt.NDArray[np.int64]:
    raw = np.asarray(values)
    if raw.ndim != 2 or raw.shape[0] != raw.shape[1]:
        msg = f"must be a square matrix, got shape {raw.shape}"
        raise ProblemError(name, msg)
    if raw.shape[0] == 0:
        raise ProblemError(name, "must cover at least the depot")
    if raw.dtype.kind == "f" and not np.all(np.isfinite(raw)):
        raise ProblemError(name, "contains NaN or infinite values")
    if raw.dtype.kind not in "iuf":
        msg = f"must be numeric, got dtype {raw.dtype}"
        raise ProblemError(name, msg)
    matrix = np.rint(raw).astype(np.int64)
    if np.any(matrix < 0):
        raise ProblemError(name, "contains negative values")
    matrix.setflags(write=False)
    return matrix


def _location(where: str, index: int, n: int) -> None:
    if not isinstance(index, int | np.integer) or not 0 <= index < n:
        msg = f"location {index!r} is not an index of the {n}x{n} matrices"
        raise ProblemError(where, msg)


def _non_negative(where: str, value: int | None) -> None:
    if value is None:
        return
    if isinstance(value, float) and math.isnan(value):
        raise ProblemError(where, "is NaN")
    if value < 0:
        msg = f"must be >= 0, got {value!r}"
        raise ProblemError(where, msg)


def _validate_stop(where: str, stop: Stop, n: int) -> None:
    _location(f"{where}.location", stop.location, n)
    for name in ("weight_g", "cash_rp", "count", "service_s", "picking_s", "priority"):
        _non_negative(f"{where}.{name}", getattr(stop, name))
    _non_negative(f"{where}.max_ride_s", stop.max_ride_s)
    _non_negative(f"{where}.drop_penalty", stop.drop_penalty)
    if stop.window is not None:
        stop.window.validate(f"{where}.window")
    if stop.pickup is not None:
        pickup = stop.pickup
        _location(f"{where}.pickup.location", pickup.location, n)
        _non_negative(f"{where}.pickup.service_s", pickup.service_s)
        if pickup.window is not None:
            pickup.window.validate(f"{where}.pickup.window")
            if pickup.window.soft:
                raise ProblemError(f"{where}.pickup.window", "opening hours are always hard")
        if stop.picking_s:
            msg = "is for goods bought at the market; a seller's time is pickup.service_s"
            raise ProblemError(f"{where}.picking_s", msg)


def _validate_vehicle(where: str, veh: Vehicle, n: int) -> None:
    _location(f"{where}.start", veh.start, n)
    if veh.end is not None:
        _location(f"{where}.end", veh.end, n)
    veh.shift.validate(f"{where}.shift")
    if veh.shift.soft:
        raise ProblemError(f"{where}.shift", "a shift is always hard")
    for name in ("capacity_g", "cash_cap_rp", "cash_on_hand_rp", "max_orders_per_trip"):
        _non_negative(f"{where}.{name}", getattr(veh, name))
    _non_negative(f"{where}.max_duration_s", veh.max_duration_s)
    if veh.max_trips is not None and veh.max_trips < 1:
        msg = f"must be >= 1, got {veh.max_trips!r}"
        raise ProblemError(f"{where}.max_trips", msg)
