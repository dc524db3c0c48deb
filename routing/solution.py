"""What a solve returns: routes with their schedule, dropped stops with reasons, figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class VisitKind(StrEnum):
    """What a runner does at a visit."""

    START = "start"
    """Leaves its start location (the market, or where it is mid-shift)."""
    MARKET = "market"
    """Loads at the market (buys the goods) for the next trip, and hands in the cash (with no
    stops when it only hands in cash)."""
    PICKUP = "pickup"
    """Collects one order's goods away from the market, at its seller (``Stop.pickup``)."""
    DELIVERY = "delivery"
    """Hands over one order at the customer's door."""
    END = "end"
    """Finishes its route."""


class DropReason(StrEnum):
    """Why a stop is not on any route; found by checks, never guessed."""

    EXCEEDS_CAPACITY = "exceeds_capacity"
    """Heavier (or more cash, or more slots) than any runner can take in one trip."""
    OUTSIDE_SHIFT = "outside_shift"
    """Its window lies outside every runner's shift."""
    WINDOW_UNREACHABLE = "window_unreachable"
    """No runner can reach the door from the market before its window closes."""
    RIDE_TIME_UNREACHABLE = "ride_time_unreachable"
    """The direct ride from the market (or the seller) is already longer than its maximum
    ride time."""
    PICKUP_UNREACHABLE = "pickup_unreachable"
    """No runner can reach its seller while the seller is open."""
    NO_CAPACITY_LEFT = "no_capacity_left"
    """Servable alone, but the runners' time and load are used up by other stops."""
    NOT_PLANNED = "not_planned"
    """It fits into a route, but the search ran out of time before placing it."""


@dataclass(frozen=True)
class Visit:
    """One place on a route, with its schedule (seconds) and what is on board when leaving."""

    kind: VisitKind
    location: int
    stops: tuple[int, ...]
    """The orders loaded (market), collected (pickup, one) or handed over (delivery, one);
    empty for start and end."""
    arrival: int
    start: int
    """When service starts (after any wait for the window to open)."""
    departure: int
    waiting: int
    """Idle time at this place: waiting for a window, or before leaving."""
    trip: int
    """Trip number, from 1; a market visit starts a new trip. Work before the first market
    visit (delivering goods on board, collecting at a seller) is trip 1; a runner that
    starts at the market with nothing on board is at trip 0 until it loads."""
    load_g: int
    """Weight on board when leaving."""
    cash_rp: int
    """Cash held when leaving."""
    distance_m: int
    """Distance driven from the previous visit."""


@dataclass(frozen=True)
class Route:
    """One runner's plan."""

    vehicle: int
    visits: tuple[Visit, ...]
    distance_m: int
    duration_s: int
    """From leaving the start to reaching the end."""
    lateness_s: int
    """Total time past soft window ends."""

    @property
    def trips(self) -> int:
        """How many trips the route makes (0 when the runner stays idle)."""
        return max((v.trip for v in self.visits), default=0)

    @property
    def deliveries(self) -> tuple[int, ...]:
        """Stops in the order they are delivered."""
        return tuple(v.stops[0] for v in self.visits if v.kind is VisitKind.DELIVERY)

    @property
    def pickups(self) -> tuple[int, ...]:
        """Stops collected at their seller, in the order they are collected."""
        return tuple(v.stops[0] for v in self.visits if v.kind is VisitKind.PICKUP)

    @property
    def is_empty(self) -> bool:
        """Whether the runner has nothing to do."""
        return not self.deliveries


@dataclass(frozen=True)
class Dropped:
    """A stop left off every route, and why."""

    stop: int
    reason: DropReason
    detail: str
    """A sentence for people, with the figures behind the reason."""


@dataclass(frozen=True)
class Statistics:
    """How the solve went."""

    wall_s: float
    first_solution_s: float | None
    """Seconds until the first complete plan existed; ``None`` when none was found."""
    engine: str
    """Which engines produced the plan, e.g. ``pyvrp+ortools``."""
    construction_s: float = 0.0
    """Seconds spent in the construction (warm start)."""
    improvement_s: float = 0.0
    """Seconds spent by the OR-Tools local search."""
    notes: tuple[str, ...] = field(default=())
    """What happened along the way (a warm start repaired, a fallback used, ...)."""


@dataclass(frozen=True)
class Solution:
    """The plan for one market: a route per vehicle, in vehicle order, and the dropped stops."""

    routes: tuple[Route, ...]
    dropped: tuple[Dropped, ...]
    objective: int
    """Distance plus lateness, balance and drop costs, in objective units."""
    status: str
    """``optimal``, ``feasible`` or ``infeasible`` (no plan at all)."""
    stats: Statistics

    @property
    def distance_m(self) -> int:
        """Total distance over all routes."""
        return sum(r.distance_m for r in self.routes)

    @property
    def duration_s(self) -> int:
        """Total working time over all routes."""
        return sum(r.duration_s for r in self.routes)

    @property
    def lateness_s(self) -> int:
        """Total lateness over all routes."""
        return sum(r.lateness_s for r in self.routes)

    @property
    def num_trips(self) -> int:
        """Total trips over all routes."""
        return sum(r.trips for r in self.routes)

    def served(self) -> set[int]:
        """Every stop delivered on some route."""
        return {s for r in self.routes for s in r.deliveries}
