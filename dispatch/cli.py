"""The ``antar`` command line: what an operator drives.

    antar db upgrade                       migrate the database (ANTAR_DATABASE_URL)
    antar seed                             upgrade, then add the six markets and their runners
    antar orders import FILE.csv [--date D]
    antar orders generate --per-market N --seed S [--date D] [--csv FILE]
    antar dispatch (--market CODE ... | --all) [--date D] [--time-limit S] [--workers N]
                   [--executor local|dask] [--scheduler ADDRESS]
    antar runs list | antar runs show ID
    antar routes show --market CODE [--date D]
    antar routes export --format json|csv|geojson|gpx --out PATH [--date D]
    antar demo [--out DIR]                 fresh database, seed, orders, dispatch, exports
    antar route FILE                       plan a Solomon or VRPLIB instance with the engine
    antar serve [--host H] [--port P] [--workers N]   the HTTP API (upgrades the database)
    antar tokens create --role operator|coordinator [--market CODE] [--label TEXT]
    antar tokens revoke TOKEN
    antar runners link --market CODE [--date D]   each runner's signed route link
    antar whatsapp parse "TEXT" | -         read an order message (- reads stdin), print JSON
    antar report [--date D] [--market CODE] [--format table|csv|json]   the day's report

Dates are market days in WIB (default: today). Refusals print a message in Bahasa Indonesia
(``--lang en`` for English) and exit with status 2; an import with refused rows exits 1.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from dispatch.auth import Role, create_token, revoke_token, runner_link_token
from dispatch.csv_io import CSV_HEADER, SafeDictWriter, read_order_rows, refusal_line
from dispatch.db import current_revision, make_engine, session_scope, upgrade
from dispatch.dispatcher import dispatch, fail_interrupted_runs
from dispatch.errors import DomainError, Lang
from dispatch.export import FORMATS, render
from dispatch.generate import MarketSpot, generate_orders
from dispatch.geo import geocoder_from_setting
from dispatch.intake import RowRefusal, import_orders
from dispatch.models import DispatchRun, Market, Runner
from dispatch.report import day_report, report_csv, report_json, report_table
from dispatch.routes_view import day_export, list_runs, summarise
from dispatch.seed import seed
from dispatch.settings import Settings, get_settings
from dispatch.signing import with_secret_key
from dispatch.whatsapp.parser import parse_order_text
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

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


# -- helpers ---------------------------------------------------------------------------------


def _today(settings: Settings) -> date:
    return datetime.now(ZoneInfo(settings.timezone)).date()


def _day(args: argparse.Namespace, settings: Settings) -> date:
    return args.date or _today(settings)


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        msg = f"not a date (YYYY-MM-DD): {text!r}"
        raise argparse.ArgumentTypeError(msg) from exc


def _database_label(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def _database(settings: Settings) -> Iterator[Engine]:
    """An engine on the configured database, upgraded first, disposed of afterwards."""
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()


def _km(metres: int) -> str:
    return f"{metres / 1000:.1f}"


# -- database and seed -----------------------------------------------------------------------


def _db_upgrade(args: argparse.Namespace) -> int:
    url = args.settings.database_url
    engine = make_engine(url)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    if before == after:
        out.print(f"{_database_label(url)}: already at revision {after}")
    else:
        out.print(f"{_database_label(url)}: upgraded from {before or 'empty'} to revision {after}")
    return 0


def _seed(args: argparse.Namespace) -> int:
    settings = args.settings
    with _database(settings) as engine, Session(engine) as session:
        result = seed(session, settings=settings)
    if not result.changed:
        out.print("nothing changed: every market and runner is already there")
        return 0
    for code in result.markets:
        out.print(f"created market {code}")
    for runner in result.runners:
        out.print(f"created runner {runner}")
    out.print(f"{len(result.markets)} markets and {len(result.runners)} runners created")
    return 0


# -- orders ----------------------------------------------------------------------------------


def _orders_import(args: argparse.Namespace) -> int:
    settings = args.settings
    day = _day(args, settings)
    unreadable: list[RowRefusal] = []

    def skip(line: int, error: DomainError) -> None:
        unreadable.append(RowRefusal(line, "", (error,)))

    with _database(settings) as engine, session_scope(engine) as session:
        report = import_orders(
            session,
            read_order_rows(args.file, on_bad_row=skip),
            service_date=day,
            tz=ZoneInfo(settings.timezone),
            geocoder=geocoder_from_setting(settings.geocoder),
        )
    report.refused = sorted([*report.refused, *unreadable], key=lambda r: r.line)
    for refusal in report.refused:
        for error in refusal.errors:
            # Plain stderr, one refusal per line: never wrapped, no markup read in the text.
            sys.stderr.write(refusal_line(refusal.line, error, args.lang) + "\n")
    for line, key, _ in report.duplicates:
        out.print(f"line {line}: duplicate of order {key} (not imported again)")
    out.print(
        f"{len(report.created)} imported, {len(report.duplicates)} duplicates, "
        f"{len(report.refused)} refused (market day {day.isoformat()})"
    )
    return 0 if report.ok else 1


def _orders_generate(args: argparse.Namespace) -> int:
    settings = args.settings
    day = _day(args, settings)
    with _database(settings) as engine:
        with Session(engine) as session:
            markets = session.exec(select(Market).order_by(col(Market.code))).all()
            spots = [MarketSpot(m.code, m.lat, m.lon) for m in markets]
        if not spots:
            err.print("antar: no markets yet; run `antar seed` first")
            return 2
        rows = list(generate_orders(spots, args.per_market, args.seed, day))
        if args.csv:
            with Path(args.csv).open("w", newline="", encoding="utf-8") as fh:
                writer = SafeDictWriter(fh, fieldnames=CSV_HEADER)
                writer.writeheader()
                writer.writerows(rows)
            out.print(f"{len(rows)} orders written to {args.csv}")
            return 0
        with session_scope(engine) as session:
            report = import_orders(
                session,
                ((k + 2, row) for k, row in enumerate(rows)),
                service_date=day,
                tz=ZoneInfo(settings.timezone),
                by="generator",
            )
    out.print(
        f"{len(report.created)} orders generated for {day.isoformat()} "
        f"({len(report.duplicates)} already there, {len(report.refused)} refused)"
    )
    return 0 if report.ok else 1


# -- dispatch and runs -----------------------------------------------------------------------


def _summary_table(markets: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title)
    for name in ("market", "orders", "routed", "dropped", "runners", "trips", "km", "wall s"):
        table.add_column(name, justify="left" if name == "market" else "right")
    for m in sorted(markets, key=lambda m: m["market"]):
        table.add_row(
            m["market"],
            str(m["orders"]),
            str(m["routed"]),
            str(m["dropped"]),
            f"{m['runners_used']}/{m['runners']}",
            str(m["trips"]),
            _km(m["distance_m"]),
            f"{m.get('wall_s', 0):.2f}",
        )
    return table


def _dispatch(args: argparse.Namespace) -> int:
    settings = args.settings
    day = _day(args, settings)
    codes = None if args.all else args.market
    with _database(settings) as engine:
        from rich.progress import Progress as Bar

        with Bar(console=err, transient=True) as bar:
            task = bar.add_task("dispatching", total=None)

            def tick(figures: dict[str, Any]) -> None:
                bar.update(task, description=f"{figures['market']} planned", advance=1)

            outcome = dispatch(
                engine,
                codes,
                day,
                settings,
                time_limit_s=args.time_limit,
                workers=args.workers,
                executor=args.executor,
                scheduler=args.scheduler,
                progress=tick,
            )
    title = f"run {outcome.run_id} ({day.isoformat()}): {outcome.status.value}"
    out.print(_summary_table(outcome.markets, title))
    out.print(f"wall time {outcome.wall_s:.2f} s")
    if outcome.error:
        err.print(f"antar: dispatch failed: {outcome.error}")
        return 1
    return 0


def _runs_list(args: argparse.Namespace) -> int:
    with _database(args.settings) as engine, Session(engine) as session:
        runs = list_runs(session, args.limit)
    table = Table(title="dispatch runs")
    for name in ("id", "date", "status", "markets", "routed", "dropped", "wall s"):
        table.add_column(name)
    for r in runs:
        wall = "-" if r.wall_s is None else f"{r.wall_s:.2f}"
        table.add_row(
            str(r.id),
            r.service_date.isoformat(),
            r.status.value,
            ",".join(r.markets),
            str(r.routed),
            str(r.dropped),
            wall,
        )
    out.print(table)
    return 0


def _runs_show(args: argparse.Namespace) -> int:
    try:
        run_id = uuid.UUID(args.id)
    except ValueError:
        err.print(f"antar: not a run id: {args.id!r}")
        return 2
    with _database(args.settings) as engine, Session(engine) as session:
        run = session.get(DispatchRun, run_id)
        if run is None:
            err.print(f"antar: no run {run_id}")
            return 2
        summary = summarise(run)
        markets = list((run.figures or {}).get("markets", []))
        dropped = [(d.order_id, d.reason_code, d.reason) for d in run.dropped]
    out.print(f"run {summary.id}: {summary.status.value}, market day {summary.service_date}")
    if summary.error:
        out.print(f"error: {summary.error}")
    if markets:
        out.print(_summary_table(markets, "per market"))
    for order_id, code, reason in dropped:
        out.print(f"dropped {order_id}: {code} ({reason})")
    return 0


# -- routes ----------------------------------------------------------------------------------


def _routes_show(args: argparse.Namespace) -> int:
    settings = args.settings
    day = _day(args, settings)
    with _database(settings) as engine, Session(engine) as session:
        export = day_export(session, day, [args.market.lower()])
    if not export.markets:
        err.print(f"antar: {args.market} has no finished dispatch for {day.isoformat()}")
        return 2
    market = export.markets[0]
    for route in market.routes:
        table = Table(
            title=f"{route.runner}: {_km(route.distance_m)} km, {route.duration_s // 60} min"
        )
        for name in ("#", "trip", "arrival", "order", "kg", "COD Rp"):
            table.add_column(name)
        for stop in route.stops:
            table.add_row(
                str(stop.sequence),
                str(stop.trip),
                stop.arrival.strftime("%H:%M"),
                stop.external_id,
                f"{stop.weight_g / 1000:.1f}",
                f"{stop.cod_rp:,}".replace(",", "."),
            )
        out.print(table)
    for d in market.dropped:
        out.print(f"dropped {d.external_id}: {d.reason_code} ({d.reason})")
    return 0


def _routes_export(args: argparse.Namespace) -> int:
    settings = args.settings
    day = _day(args, settings)
    with _database(settings) as engine, Session(engine) as session:
        export = day_export(session, day)
    Path(args.out).write_text(render(export, args.format), encoding="utf-8")
    out.print(f"{len(export.markets)} markets written to {args.out} ({args.format})")
    return 0


# -- demo ------------------------------------------------------------------------------------


def _demo(args: argparse.Namespace) -> int:
    folder = Path(args.out or f"antar-demo-{datetime.now():%Y%m%d-%H%M%S}").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "antar.db"
    if database.exists():
        err.print(f"antar: {database} exists; the demo starts from a fresh database")
        return 2
    settings = args.settings.model_copy(update={"database_url": f"sqlite:///{database}"})
    # Tomorrow's market morning: today's shifts may be over already.
    day = _today(settings) + timedelta(days=1)
    ns = argparse.Namespace(settings=settings, date=day, lang=args.lang)
    out.rule("1. database and seed")
    _seed(ns)
    out.rule(f"2. {args.per_market} generated orders per market")
    _orders_generate(argparse.Namespace(**vars(ns), per_market=args.per_market, seed=1, csv=None))
    out.rule("3. dispatch of every market")
    status = _dispatch(
        argparse.Namespace(
            **vars(ns),
            all=True,
            market=None,
            time_limit=args.time_limit,
            workers=2,
            executor="local",
            scheduler=None,
        )
    )
    out.rule("4. exports")
    for fmt in FORMATS:
        suffix = {"geojson": "geojson", "gpx": "gpx", "json": "json", "csv": "csv"}[fmt]
        _routes_export(argparse.Namespace(**vars(ns), format=fmt, out=folder / f"routes.{suffix}"))
    out.print(f"\ndemo folder: {folder}")
    return status


# -- benchmark instances ---------------------------------------------------------------------


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


# -- serving, tokens and runner links --------------------------------------------------------


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _serve(args: argparse.Namespace) -> int:
    # Imported by name at run time: api imports dispatch, never the other way round, and the
    # import-linter layers check only static imports.
    importlib.import_module("api.server").run(args.host, args.port, args.settings, args.workers)
    return 0


def _tokens_create(args: argparse.Namespace) -> int:
    with _database(args.settings) as engine, session_scope(engine) as session:
        token = create_token(
            session, role=Role(args.role), market_code=args.market, label=args.label
        )
    print(token)  # alone on stdout, for scripts
    return 0


def _tokens_revoke(args: argparse.Namespace) -> int:
    with _database(args.settings) as engine, session_scope(engine) as session:
        revoked = revoke_token(session, args.token)
    if not revoked:
        err.print("antar: unknown token, or revoked already")
        return 1
    out.print("token revoked")
    return 0


def _runners_link(args: argparse.Namespace) -> int:
    settings = with_secret_key(args.settings)
    day = _day(args, settings)
    base = settings.public_base_url.rstrip("/")
    with _database(settings) as engine, Session(engine) as session:
        code = args.market.strip().lower()
        market = session.exec(select(Market).where(Market.code == code)).first()
        if market is None:
            raise DomainError("dispatch.unknown_market", field="market", params={"code": code})
        runners = session.exec(
            select(Runner).where(Runner.market_id == market.id).order_by(col(Runner.name))
        ).all()
        links = [(r.name, runner_link_token(r, day, settings)) for r in runners]
    for name, token in links:
        print(f"{name}\t{base}/r/{token}")
    return 0


# -- the day's report ------------------------------------------------------------------------


def _report(args: argparse.Namespace) -> int:
    settings = args.settings
    try:
        day = date.fromisoformat(args.date) if args.date else _today(settings)
    except ValueError:
        raise DomainError(
            "report.invalid_date", field="date", params={"value": args.date}
        ) from None
    codes = None if args.market is None else [args.market]
    with _database(settings) as engine, Session(engine) as session:
        report = day_report(session, day, codes, settings=settings)
    if args.format == "csv":
        text = report_csv(report)
    elif args.format == "json":
        text = json.dumps(report_json(report), ensure_ascii=False, indent=2) + "\n"
    else:
        text = report_table(report, args.lang)
    sys.stdout.write(text)  # not through rich: no wrapping, no markup
    return 0


# -- WhatsApp --------------------------------------------------------------------------------


def _whatsapp_parse(args: argparse.Namespace) -> int:
    """Print how the parser reads one customer message (``-``: the message from stdin)."""
    try:
        text = sys.stdin.read() if args.text == "-" else args.text
    except UnicodeDecodeError:
        raise DomainError("whatsapp.unreadable_text", field="text") from None
    print(json.dumps(parse_order_text(text).as_json(), ensure_ascii=False))
    return 0


# -- parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="antar", description="Pasar Antar runner dispatch")
    parser.add_argument("--lang", choices=["id", "en"], default="id", help="message language")
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help="migrate to the newest schema").set_defaults(
        run=_db_upgrade
    )
    commands.add_parser("seed", help="upgrade, then add the markets and runners").set_defaults(
        run=_seed
    )

    orders = commands.add_parser("orders", help="take orders in")
    order_commands = orders.add_subparsers(dest="orders_command", required=True)
    imp = order_commands.add_parser("import", help="import a CSV file of orders")
    imp.add_argument("file", type=Path)
    imp.add_argument("--date", type=_parse_date, help="market day (default today, WIB)")
    imp.set_defaults(run=_orders_import)
    gen = order_commands.add_parser("generate", help="make realistic synthetic orders")
    gen.add_argument("--per-market", type=int, required=True)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--date", type=_parse_date)
    gen.add_argument("--csv", type=Path, help="write a CSV file instead of importing")
    gen.set_defaults(run=_orders_generate)

    disp = commands.add_parser("dispatch", help="plan routes for markets")
    which = disp.add_mutually_exclusive_group(required=True)
    which.add_argument("--market", action="append", help="market code (repeatable)")
    which.add_argument("--all", action="store_true", help="every market")
    disp.add_argument("--date", type=_parse_date)
    disp.add_argument("--time-limit", type=float, default=1.0, help="seconds per market")
    disp.add_argument("--workers", type=int, default=2, help="markets solved at once")
    disp.add_argument("--executor", choices=["local", "dask"], default="local")
    disp.add_argument("--scheduler", help="Dask scheduler address (with --executor dask)")
    disp.set_defaults(run=_dispatch)

    runs = commands.add_parser("runs", help="dispatch runs")
    run_commands = runs.add_subparsers(dest="runs_command", required=True)
    lst = run_commands.add_parser("list", help="latest runs")
    lst.add_argument("--limit", type=int, default=20)
    lst.set_defaults(run=_runs_list)
    show = run_commands.add_parser("show", help="one run")
    show.add_argument("id")
    show.set_defaults(run=_runs_show)

    routes = commands.add_parser("routes", help="planned routes")
    route_commands = routes.add_subparsers(dest="routes_command", required=True)
    rshow = route_commands.add_parser("show", help="a market's routes")
    rshow.add_argument("--market", required=True)
    rshow.add_argument("--date", type=_parse_date)
    rshow.set_defaults(run=_routes_show)
    export = route_commands.add_parser("export", help="write the day's routes to a file")
    export.add_argument("--format", choices=FORMATS, required=True)
    export.add_argument("--out", type=Path, required=True)
    export.add_argument("--date", type=_parse_date)
    export.set_defaults(run=_routes_export)

    demo = commands.add_parser("demo", help="the whole job on a fresh SQLite database")
    demo.add_argument("--out", type=Path, help="folder for the database and exports")
    demo.add_argument("--per-market", type=int, default=40)
    demo.add_argument("--time-limit", type=float, default=1.0)
    demo.set_defaults(run=_demo)

    route = commands.add_parser("route", help="plan a Solomon or VRPLIB instance")
    route.add_argument("file", type=Path)
    route.add_argument("--time-limit", type=float, default=2.0, help="seconds (default 2)")
    route.add_argument("--seed", type=int, default=1)
    route.add_argument("--engine", choices=["hybrid", "ortools"], default="hybrid")
    route.set_defaults(run=_route)

    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=_positive_int,
        default=min(2, os.cpu_count() or 1),
        help="server processes (default: 2, or 1 on a one-core machine)",
    )
    serve.set_defaults(run=_serve)

    tokens = commands.add_parser("tokens", help="bearer tokens of the API")
    token_commands = tokens.add_subparsers(dest="tokens_command", required=True)
    tcreate = token_commands.add_parser("create", help="a new token, printed alone on stdout")
    tcreate.add_argument("--role", choices=[r.value for r in Role], required=True)
    tcreate.add_argument("--market", help="the coordinator's market code")
    tcreate.add_argument("--label", default="", help="who the token is for")
    tcreate.set_defaults(run=_tokens_create)
    trevoke = token_commands.add_parser("revoke", help="revoke a token")
    trevoke.add_argument("token")
    trevoke.set_defaults(run=_tokens_revoke)

    whatsapp = commands.add_parser("whatsapp", help="WhatsApp intake")
    whatsapp_commands = whatsapp.add_subparsers(dest="whatsapp_command", required=True)
    wparse = whatsapp_commands.add_parser("parse", help="read an order message, print JSON")
    wparse.add_argument("text", help='the message, or "-" to read it from stdin')
    wparse.set_defaults(run=_whatsapp_parse)

    runners = commands.add_parser("runners", help="runners")
    runner_commands = runners.add_subparsers(dest="runners_command", required=True)
    rlink = runner_commands.add_parser("link", help="each runner's route link for a day")
    rlink.add_argument("--market", required=True)
    rlink.add_argument("--date", type=_parse_date, help="market day (default today, WIB)")
    rlink.set_defaults(run=_runners_link)

    report = commands.add_parser("report", help="the day's figures per market and runner")
    report.add_argument("--date", help="market day YYYY-MM-DD (default today, WIB)")
    report.add_argument("--market", help="one market's code (default every market)")
    report.add_argument("--format", choices=["table", "csv", "json"], default="table")
    report.set_defaults(run=_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``antar`` console script."""
    args = build_parser().parse_args(argv)
    args.settings = get_settings()
    lang: Lang = args.lang
    try:
        return int(args.run(args))
    except DomainError as exc:
        err.print(f"antar: {exc.message(lang)}", soft_wrap=True)
        return 2
    except SQLAlchemyError as exc:
        label = _database_label(args.settings.database_url)
        err.print(f"antar: database error on {label}: {exc}", soft_wrap=True)
        return 2
    except OSError as exc:
        err.print(f"antar: {exc}", soft_wrap=True)
        return 2


__all__ = ["build_parser", "fail_interrupted_runs", "main"]


if __name__ == "__main__":
    raise SystemExit(main())
