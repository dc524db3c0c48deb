"""The day as a state machine: random sequences of a market's day through the public domain
functions, with the plan's invariants checked after every step.

The actions are a coordinator's and the runners': dispatch, re-plan, picked up, delivered
(with the COD or other cash), failed, move, pin, lock, off shift, on shift, cancel, a new
order, an edit, and a dispatch run that dies (created, then abandoned: its lease lapses and
the next plan change must proceed). After each step:

- every open delivery order of the day is on exactly one runner's route of the current plan,
  or unplanned with a reason (an order that arrived since the last plan waits for the next);
- a picked-up order is on the route of the runner who picked it up;
- a done stop (delivered, failed) never changes: same runner, sequence and arrival;
- a runner off shift has no stop still to pick up;
- every reader of the plan agrees (`tests/api/readers.py`: routes API, runner JSON, console
  data, report per runner, JSON export);
- the cash each runner should hand in is the COD of its delivered and open stops.

Small market (Pasar Sawojajar's three runners, up to ten orders), a short solve with a fixed
seed, a SQLite file (and PostgreSQL with ``ANTAR_TEST_DATABASE_URL``). CI runs a few
derandomised examples; ``HYPOTHESIS_PROFILE=explore`` runs thousands (`tests.examples`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dispatch.actions import (
    FailureReason,
    cancel_order,
    mark_delivered,
    mark_failed,
    mark_picked_up,
    update_order,
)
from dispatch.db import session_scope
from dispatch.errors import DomainError
from dispatch.intake import submit_order
from dispatch.models import (
    DispatchRun,
    Fulfilment,
    Market,
    Order,
    OrderStatus,
    OrderUpdate,
    Runner,
    RunStatus,
)
from dispatch.planning import (
    create_run,
    dispatch,
    lock_sequence,
    move_order,
    pin_order,
    replan_if_planned,
    replan_market,
    runner_off_shift,
    runner_on_shift,
)
from dispatch.plans import market_plan
from dispatch.settings import Settings
from dispatch.shifts import on_shift_ids
from dispatch.validation import validate_order
from tests.api.conftest import World
from tests.api.readers import CODE, clear_market, every_reader_agrees
from tests.dispatch.factories import order_fields
from tests.examples import scaled

#: The solver's budget per plan (seconds) and its seed: short and repeatable.
TIME_LIMIT_S = 0.1
SEED = 7
#: At most this many orders in a day.
MAX_ORDERS = 10
#: Places around Pasar Sawojajar, inside the city.
NEAR = [
    (-7.9712, 112.6655),
    (-7.9781, 112.6590),
    (-7.9735, 112.6570),
    (-7.9790, 112.6650),
    (-7.9760, 112.6700),
]
BY = "day machine"
OPEN = (OrderStatus.PENDING, OrderStatus.ASSIGNED, OrderStatus.PICKED_UP)
#: Refusals a step may meet that leave everything as it was (each checked by the invariants).
EXPECTED_REFUSALS = {
    "replan.runner_unavailable",  # a move to a runner off shift
    "replan.no_plan",  # a lock on a runner with nothing to do
    "order.invalid_transition",  # an action the order's status does not allow
}


#: Examples and steps: a few in ``make test``, thousands when exploring.
MACHINE = hypothesis_settings(
    max_examples=scaled(5),
    stateful_step_count=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Done:
    """A done stop as the plan showed it when it was done."""

    runner_id: str
    sequence: int
    arrival: datetime


@dataclass
class Context:
    """What the machine works on (set by the test from its fixtures)."""

    client: TestClient
    world: World
    engine: Engine
    settings: Settings


class DayMachine(RuleBasedStateMachine):
    """One market's day, step by step (see the module's docstring)."""

    context: Context

    def __init__(self) -> None:
        super().__init__()
        self.ctx = self.context
        self.day = self.ctx.world.day
        self.market_id = self.ctx.world.markets[CODE].id
        clear_market(self.ctx.engine, self.market_id)
        self.keys = 0
        self.carrier: dict[uuid.UUID, str] = {}
        """Order -> the runner who picked it up."""
        self.done: dict[uuid.UUID, Done] = {}
        self.delivered: set[uuid.UUID] = set()
        self.fresh: set[uuid.UUID] = set()
        """Orders that arrived since the last plan change: they wait for the next one."""
        self.repinned: set[uuid.UUID] = set()
        """Orders pinned since the last plan change (a pin waits for the next plan)."""
        self.seen_run: uuid.UUID | None = None
        self.open_stops: dict[uuid.UUID, list[uuid.UUID]] = {}
        """Runner -> its stops still to pick up in the plan of ``seen_run``, in order."""

    # -- reading the day ---------------------------------------------------------------------

    def orders(self, *statuses: OrderStatus) -> list[Order]:
        with Session(self.ctx.engine) as session:
            return list(
                session.exec(
                    select(Order)
                    .where(Order.market_id == self.market_id)
                    .where(Order.service_date == self.day)
                    .where(col(Order.status).in_(statuses))
                    .order_by(col(Order.idempotency_key))
                ).all()
            )

    def working(self) -> set[uuid.UUID]:
        """The runners on shift on the machine's day."""
        with Session(self.ctx.engine) as session:
            return on_shift_ids(session, self.runners(), self.day)

    def runners(self) -> list[Runner]:
        with Session(self.ctx.engine) as session:
            return list(
                session.exec(
                    select(Runner)
                    .where(Runner.market_id == self.market_id)
                    .order_by(col(Runner.name))
                ).all()
            )

    def count(self) -> int:
        return len(self.orders(*OrderStatus))

    def has_plan(self) -> bool:
        with Session(self.ctx.engine) as session:
            market = session.get(Market, self.market_id)
            assert market is not None
            return market_plan(session, market, self.day).run_id is not None

    def planned(self) -> None:
        """A plan change went through: every order and pin known now was in it."""
        self.fresh.clear()
        self.repinned.clear()

    # -- the day's actions ---------------------------------------------------------------------

    @initialize(n=st.integers(1, 6), weights=st.lists(st.integers(1, 30), min_size=6, max_size=6))
    def orders_arrive(self, n: int, weights: list[int]) -> None:
        for k in range(n):
            self.add_order(weights[k], k % 2 == 0, k)

    def add_order(self, weight_kg: int, cod: bool, place: int) -> uuid.UUID:
        self.keys += 1
        lat, lon = NEAR[place % len(NEAR)]
        raw = order_fields(external_id=f"wa-{self.keys:03d}", lat=str(lat), lon=str(lon),
                           weight_kg=str(weight_kg), payment="cod" if cod else "cashless",
                           amount_rp=str(20_000 * self.keys), window_start="",
                           window_end="")  # fmt: skip
        draft = validate_order(raw, day=self.day, known_markets=[CODE])
        with session_scope(self.ctx.engine) as session:
            order_id = submit_order(session, draft, service_date=self.day, by=BY).order_id
        self.fresh.add(order_id)
        return order_id

    @precondition(lambda self: self.count() < MAX_ORDERS)
    @rule(weight_kg=st.integers(1, 30), cod=st.booleans(), place=st.integers(0, 4))
    def new_order(self, weight_kg: int, cod: bool, place: int) -> None:
        self.add_order(weight_kg, cod, place)

    @rule()
    def run_dispatch(self) -> None:
        outcome = dispatch(self.ctx.engine, [CODE], self.day, self.ctx.settings,
                           time_limit_s=TIME_LIMIT_S, seed=SEED, workers=1, by=BY)  # fmt: skip
        assert outcome.error is None, outcome.error
        self.planned()

    @rule()
    def replan(self) -> None:
        replan_market(self.ctx.engine, self.market_id, self.day, by=BY,
                      settings=self.ctx.settings, reason="re-plan",
                      time_limit_s=TIME_LIMIT_S, seed=SEED)  # fmt: skip
        self.planned()

    @rule(running=st.booleans())
    def a_run_dies(self, running: bool) -> None:
        """A run is created (and, ``running``, started) by a process that then dies: its
        lease lapses at once here (its clock is a second behind)."""
        behind = datetime.now(UTC) - timedelta(seconds=1)
        run_id = create_run(self.ctx.engine, [CODE], self.day, {"kind": "dispatch", "by": BY},
                            lease_s=0.001, owner="a process that died", now=behind)  # fmt: skip
        if running:  # it had started: the next plan change finds it running, its lease gone
            with session_scope(self.ctx.engine) as session:
                run = session.get(DispatchRun, run_id)
                assert run is not None
                run.status = RunStatus.RUNNING
                run.started_at = behind
                session.add(run)

    def pick(self, k: int, *statuses: OrderStatus) -> Order | None:
        orders = [o for o in self.orders(*statuses) if o.fulfilment == Fulfilment.DELIVERY]
        return orders[k % len(orders)] if orders else None

    def runner(self, k: int) -> Runner:
        runners = self.runners()
        return runners[k % len(runners)]

    @rule(k=st.integers(0, 9))
    def picked_up(self, k: int) -> None:
        order = self.pick(k, OrderStatus.ASSIGNED)
        if order is None:
            return
        with Session(self.ctx.engine) as session:
            market = session.get(Market, self.market_id)
            assert market is not None
            runner_id = market_plan(session, market, self.day).runner_of[order.id]
        with session_scope(self.ctx.engine) as session:
            mark_picked_up(session, order.id, by=BY)
        self.carrier[order.id] = str(runner_id)

    @rule(k=st.integers(0, 9), extra=st.sampled_from([0, 0, 5_000]), ok=st.booleans())
    def delivered_or_failed(self, k: int, extra: int, ok: bool) -> None:
        order = self.pick(k, OrderStatus.PICKED_UP)
        if order is None:
            return
        with session_scope(self.ctx.engine) as session:
            if ok:
                mark_delivered(session, order.id, collected_rp=order.cod_rp + extra, by=BY)
                self.delivered.add(order.id)
            else:
                mark_failed(session, order.id, reason=FailureReason.NOT_AT_HOME, by=BY)
        with Session(self.ctx.engine) as session:
            market = session.get(Market, self.market_id)
            assert market is not None
            plan = market_plan(session, market, self.day)
        route = plan.route_of(uuid.UUID(self.carrier[order.id]))
        assert route is not None
        stop = route.stop(order.id)
        assert stop is not None
        assert stop.planned_arrival is not None
        self.done[order.id] = Done(str(route.runner_id), stop.sequence, stop.planned_arrival)

    def refused(self, error: DomainError) -> None:
        assert error.code in EXPECTED_REFUSALS, error.code

    @rule(k=st.integers(0, 9), r=st.integers(0, 2))
    def move(self, k: int, r: int) -> None:
        order = self.pick(k, OrderStatus.PENDING, OrderStatus.ASSIGNED)
        if order is None or not self.has_plan():
            return
        try:
            move_order(self.ctx.engine, order.id, self.runner(r).id, by=BY,
                       settings=self.ctx.settings, time_limit_s=TIME_LIMIT_S)  # fmt: skip
        except DomainError as error:
            self.refused(error)
            return
        self.planned()

    @rule(k=st.integers(0, 9), r=st.none() | st.integers(0, 2))
    def pin(self, k: int, r: int | None) -> None:
        order = self.pick(k, OrderStatus.PENDING, OrderStatus.ASSIGNED)
        if order is None:
            return
        runner = None if r is None else self.runner(r)
        if runner is not None and runner.id not in self.working():
            return  # the console offers only runners on shift
        pin_order(self.ctx.engine, order.id, None if runner is None else runner.id, by=BY)
        self.repinned.add(order.id)

    @rule(r=st.integers(0, 2), locked=st.booleans())
    def lock(self, r: int, locked: bool) -> None:
        try:
            lock_sequence(self.ctx.engine, self.runner(r).id, locked, by=BY, day=self.day)
        except DomainError as error:
            self.refused(error)

    @rule(r=st.integers(0, 2), on=st.booleans())
    def shift(self, r: int, on: bool) -> None:
        change = runner_on_shift if on else runner_off_shift
        change(self.ctx.engine, self.runner(r).id, day=self.day, by=BY,
               settings=self.ctx.settings, time_limit_s=TIME_LIMIT_S)  # fmt: skip
        if self.count():
            self.planned()

    def after_change(self, order: Order) -> None:
        """As the API does after a cancel or an edit: re-plan the day if it has a plan."""
        outcome = replan_if_planned(self.ctx.engine, self.market_id, self.day, by=BY,
                                    settings=self.ctx.settings, reason="order changed",
                                    time_limit_s=TIME_LIMIT_S)  # fmt: skip
        if outcome is not None:
            self.planned()

    @rule(k=st.integers(0, 9))
    def cancel(self, k: int) -> None:
        order = self.pick(k, OrderStatus.PENDING, OrderStatus.ASSIGNED)
        if order is None:
            return
        with session_scope(self.ctx.engine) as session:
            cancel_order(session, order.id, by=BY)
        self.after_change(order)

    @rule(k=st.integers(0, 9), weight_kg=st.integers(1, 40), place=st.integers(0, 4))
    def edit(self, k: int, weight_kg: int, place: int) -> None:
        order = self.pick(k, OrderStatus.PENDING, OrderStatus.ASSIGNED)
        if order is None:
            return
        lat, lon = NEAR[place]
        changes = OrderUpdate(weight_g=weight_kg * 1000, lat=lat, lon=lon)
        with session_scope(self.ctx.engine) as session:
            update_order(session, order.id, changes, by=BY)
        self.after_change(order)

    # -- what holds after every step -----------------------------------------------------------

    @invariant()
    def every_open_order_is_accounted_for(self) -> None:
        with Session(self.ctx.engine) as session:
            market = session.get(Market, self.market_id)
            assert market is not None
            plan = market_plan(session, market, self.day)
        stops = [s.order_id for r in plan.routes for s in r.stops]
        assert len(stops) == len(set(stops)), "an order is on two routes"
        runner_of = plan.runner_of
        for order in self.orders(*OPEN):
            if order.fulfilment != Fulfilment.DELIVERY:
                continue
            name = order.idempotency_key
            if order.status is OrderStatus.PENDING:
                assert order.id not in runner_of, f"{name} is pending on a route"
                if order.id not in self.fresh and plan.run_id is not None:
                    assert order.id in plan.reasons, f"{name} is lost"
                    assert plan.reasons[order.id][0], f"{name} is unplanned without a reason"
            else:
                assert order.id in runner_of, f"{name} is {order.status.value} with no route"
            if order.status is OrderStatus.PICKED_UP:
                assert str(runner_of[order.id]) == self.carrier[order.id], (
                    f"{name} left the runner who carries it"
                )

    @invariant()
    def pins_and_locks_hold(self) -> None:
        """A pinned order on a route is on its pin's runner (once a plan followed the pin:
        a pin re-plans nothing by itself); a re-plan keeps the order of a
        locked runner's stops still to pick up (those still on it)."""
        with Session(self.ctx.engine) as session:
            market = session.get(Market, self.market_id)
            assert market is not None
            plan = market_plan(session, market, self.day)
        runner_of = plan.runner_of
        for order in self.orders(OrderStatus.ASSIGNED):
            if order.pinned_runner_id is not None and order.id not in self.repinned:
                assert runner_of[order.id] == order.pinned_runner_id, (
                    f"{order.idempotency_key} is not on the runner it is pinned to"
                )
        now = {
            r.runner_id: [s.order_id for s in r.stops if s.status is OrderStatus.ASSIGNED]
            for r in plan.routes
        }
        if plan.run_id != self.seen_run and self.seen_run is not None:
            locked = {r.id for r in self.runners() if r.sequence_locked}
            for runner_id in locked:
                after = now.get(runner_id, [])
                kept = [o for o in self.open_stops.get(runner_id, []) if o in after]
                assert [o for o in after if o in kept] == kept, "a locked sequence changed"
        self.seen_run, self.open_stops = plan.run_id, now

    @invariant()
    def done_stops_never_change(self) -> None:
        if not self.done:
            return
        with Session(self.ctx.engine) as session:
            market = session.get(Market, self.market_id)
            assert market is not None
            plan = market_plan(session, market, self.day)
        for order_id, was in self.done.items():
            route = plan.route_of(uuid.UUID(was.runner_id))
            assert route is not None, "a runner's done stops left the plan"
            stop = route.stop(order_id)
            assert stop is not None, "a done stop left its runner"
            assert (stop.sequence, stop.planned_arrival) == (was.sequence, was.arrival)

    @invariant()
    def readers_agree_and_cash_adds_up(self) -> None:
        ctx = self.ctx
        routes = every_reader_agrees(ctx.client, ctx.world, ctx.engine, ctx.settings, self.day)
        working = self.working()
        off = {str(r.id) for r in self.runners() if r.id not in working}
        cod = {o.id: o.cod_rp for o in self.orders(*OrderStatus)}
        open_ = ("assigned", "picked_up")
        for runner_id, seen in routes.items():
            assert seen.status is not None
            assert seen.cash is not None
            if runner_id in off:
                assert "assigned" not in seen.status, "a runner off shift has stops to pick up"
            handed_over = sum(
                cod[o] for o, r in self.carrier.items() if r == runner_id and o in self.delivered
            )
            to_collect = sum(
                cod[uuid.UUID(o)]
                for (o, *_), status in zip(seen.stops, seen.status, strict=True)
                if status in open_
            )
            assert seen.cash[2] == handed_over + to_collect, "expected cash is not its stops' COD"


@pytest.mark.explore
def test_the_day_holds_its_invariants_whatever_happens(
    client: TestClient, world: World, engine: Engine, settings: Settings
) -> None:
    """Any sequence of the day's actions keeps every order accounted for, done stops as they
    were, runners off shift free of stops, the readers in agreement and the cash right."""
    DayMachine.context = Context(client, world, engine, settings)
    run_state_machine_as_test(DayMachine, settings=MACHINE)


# -- counterexamples the explore profile found, replayed step by step ------------------------


def replay(context: Context, *steps: tuple[str, dict[str, object]]) -> DayMachine:
    """Run ``steps`` (rule name, arguments) on a fresh machine as hypothesis would, every
    invariant checked after each step."""
    DayMachine.context = context
    state = DayMachine()
    checks = [
        state.done_stops_never_change,
        state.pins_and_locks_hold,
        state.every_open_order_is_accounted_for,
        state.readers_agree_and_cash_adds_up,
    ]
    for name, arguments in steps:
        getattr(state, name)(**arguments)
        for check in checks:
            check()
    state.teardown()
    return state


def test_a_stop_done_out_of_turn_keeps_its_number_through_a_replan(
    client: TestClient, world: World, engine: Engine, settings: Settings
) -> None:
    """Found by the explore profile: a runner fails (or delivers) its fourth stop first; the
    re-plan after it renumbered that done stop 1 (its arrival kept), so the runner's page and
    the report moved a stop already done. It keeps its number now."""
    state = replay(
        Context(client, world, engine, settings),
        ("orders_arrive", {"n": 4, "weights": [1, 1, 1, 1, 1, 1]}),
        ("replan", {}),
        ("picked_up", {"k": 0}),
        ("delivered_or_failed", {"extra": 0, "k": 0, "ok": False}),
        ("replan", {}),
    )
    assert len(state.done) == 1


def test_a_runner_going_off_shift_keeps_the_stops_it_did(
    client: TestClient, world: World, engine: Engine, settings: Settings
) -> None:
    """Found by the explore profile: a runner delivers a stop, then goes off shift with
    nothing on board; the re-plan left that runner out altogether, so the delivered stop
    (and the cash collected on it) fell out of the plan and off every reader. An off-shift
    runner now keeps the stops it did."""
    state = replay(
        Context(client, world, engine, settings),
        ("orders_arrive", {"n": 5, "weights": [23, 18, 11, 8, 11, 18]}),
        ("replan", {}),
        ("replan", {}),
        ("replan", {}),
        ("picked_up", {"k": 0}),
        ("delivered_or_failed", {"extra": 0, "k": 7, "ok": True}),
        ("shift", {"on": False, "r": 0}),
    )
    assert len(state.done) == 1


def test_a_replan_after_two_pickups_beside_a_runner_off_shift_finds_a_plan(
    client: TestClient, world: World, engine: Engine, settings: Settings
) -> None:
    """Found by the explore profile: with one runner off shift, after a run that died and two
    orders picked up, the re-plan failed ("CP Solver fail") instead of planning the day."""
    replay(
        Context(client, world, engine, settings),
        ("orders_arrive", {"n": 3, "weights": [24, 1, 26, 1, 3, 14]}),
        ("shift", {"on": False, "r": 0}),
        ("replan", {}),
        ("a_run_dies", {"running": False}),
        ("replan", {}),
        ("picked_up", {"k": 0}),
        ("move", {"k": 0, "r": 0}),
        ("picked_up", {"k": 9}),
        ("replan", {}),
    )
