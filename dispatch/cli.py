"""The ``antar`` command line.

antar db upgrade          migrate the configured database (ANTAR_DATABASE_URL) to the newest schema
antar seed                upgrade, then add the six markets and their runners (idempotent)
antar route FILE [--time-limit S] [--seed N] [--engine hybrid|ortools]
antar demo                plan the bundled Solomon instance RC101
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from dispatch.db import current_revision, make_engine, upgrade
from dispatch.seed import seed
from dispatch.settings import get_settings
from routing import (
    InstanceFormatError,
    Problem,
    ProblemError,
    Solution,
    SolveParams,
    VisitKind,
    check_solution,
    solve,
)
from routing.instances import SCALE, read_solomon, read_vrplib

#: The instance ``antar demo`` plans: Solomon's RC101 (mixed clusters, tight windows).
DEMO_INSTANCE = Path(__file__).resolve().parent / "data" / "RC101.txt"


def read_instance(path: Path) -> Problem:
    """A Solomon text file (``.txt``) or a VRPLIB file (anything else)."""
    if path.suffix.lower() == ".txt":
        return read_solomon(path)
    return read_vrplib(path)


def format_solution(problem: Problem, solution: Solution, scale: int = 1) -> str:
    """Routes as lines of customer names, trip by trip, with the totals."""
    lines = []
    for route in solution.routes:
        if route.is_empty:
            continue
        trips: list[list[str]] = []
        for visit in route.visits:
            if visit.kind is VisitKind.MARKET or (visit.kind is VisitKind.DELIVERY and not trips):
                trips.append([])
            if visit.kind is VisitKind.DELIVERY:
                trips[-1].append(problem.stops[visit.stops[0]].name or str(visit.stops[0]))
        text = " | ".join(" ".join(t) for t in trips)
        lines.append(f"vehicle {route.vehicle + 1:>3}: {text}  ({route.distance_m / scale:.1f})")
    served = len(solution.served())
    lines.append(
        f"{sum(not r.is_empty for r in solution.routes)} routes, {served}/{len(problem.stops)} "
        f"served, distance {solution.distance_m / scale:.1f}, "
        f"{solution.stats.wall_s:.2f} s ({solution.stats.engine})"
    )
    for dropped in solution.dropped:
        lines.append(f"dropped {dropped.stop}: {dropped.reason.value} ({dropped.detail})")
    return "\n".join(lines)


def _route(args: argparse.Namespace) -> int:
    try:
        problem = read_instance(args.file)
    except (OSError, InstanceFormatError, ProblemError) as exc:
        print(f"antar: cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    params = SolveParams(time_limit_s=args.time_limit, seed=args.seed, engine=args.engine)
    solution = solve(problem, params)
    print(format_solution(problem, solution, scale=SCALE))
    problems = check_solution(problem, solution)
    if problems:
        print("checker found problems:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    print("checked: every constraint holds")
    return 0


def _database_label(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _db_upgrade(_args: argparse.Namespace) -> int:
    url = get_settings().database_url
    engine = make_engine(url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    except SQLAlchemyError as exc:
        print(f"antar: cannot upgrade {_database_label(url)}: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if before == after:
        print(f"{_database_label(url)}: already at revision {after}")
    else:
        print(f"{_database_label(url)}: upgraded from {before or 'empty'} to revision {after}")
    return 0


def _seed(_args: argparse.Namespace) -> int:
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        with Session(engine) as session:
            result = seed(session, settings=settings)
    except SQLAlchemyError as exc:
        print(
            f"antar: cannot seed {_database_label(settings.database_url)}: {exc}", file=sys.stderr
        )
        return 2
    finally:
        engine.dispose()
    if not result.changed:
        print("nothing changed: every market and runner is already there")
        return 0
    for code in result.markets:
        print(f"created market {code}")
    for runner in result.runners:
        print(f"created runner {runner}")
    print(f"{len(result.markets)} markets and {len(result.runners)} runners created")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="antar", description="Pasar Antar runner dispatch")
    commands = parser.add_subparsers(dest="command", required=True)
    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="migrate to the newest schema").set_defaults(
        run=_db_upgrade
    )
    commands.add_parser("seed", help="upgrade, then add the markets and runners").set_defaults(
        run=_seed
    )
    route = commands.add_parser("route", help="plan a Solomon or VRPLIB instance")
    route.add_argument("file", type=Path)
    route.add_argument("--time-limit", type=float, default=2.0, help="seconds (default 2)")
    route.add_argument("--seed", type=int, default=1)
    route.add_argument("--engine", choices=["hybrid", "ortools"], default="hybrid")
    route.set_defaults(run=_route)
    demo = commands.add_parser("demo", help="plan the bundled Solomon instance RC101")
    demo.add_argument("--time-limit", type=float, default=2.0)
    demo.set_defaults(
        run=lambda a: _route(
            argparse.Namespace(file=DEMO_INSTANCE, time_limit=a.time_limit, seed=1, engine="hybrid")
        )
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``antar`` console script."""
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    raise SystemExit(main())
