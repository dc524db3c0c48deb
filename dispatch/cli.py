"""The ``antar`` command line: what an operator drives.

    antar db upgrade                       migrate the database (ANTAR_DATABASE_URL)
    antar seed                             upgrade, then add the six markets, their runners and
                                           a few generated sellers each
    antar orders import FILE.csv [--date D]
    antar orders generate --per-market N --seed S [--date D] [--csv FILE] [--seller-share F]
    antar dispatch (--market CODE ... | --all) [--date D] [--time-limit S] [--workers N]
                   [--executor local|dask] [--scheduler ADDRESS]
    antar runs list | antar runs show ID
    antar routes show --market CODE [--date D]
    antar routes export --format json|csv|geojson|gpx --out PATH [--date D]
    antar demo [--out DIR] [--serve] [--port P]   fresh database, seed, orders, dispatch,
                                           exports, then the console's sign-in and tokens and
                                           each runner's link (--serve: and serve them)
    antar route FILE                       plan a Solomon or VRPLIB instance with the engine
    antar serve [--host H] [--port P] [--workers N]   the HTTP API (upgrades the database)
    antar tokens create --role operator|coordinator [--market CODE] [--label TEXT]
    antar tokens revoke TOKEN
    antar runners link --market CODE [--date D]   each runner's signed route link
    antar markets add --code C --name N --lat Y --lon X [--address A] [--opens T] [--closes T]
    antar markets import FILE.csv | antar markets list | antar markets update CODE [--name ...]
    antar runners add --market C --name N --phone P [--capacity-kg K] [--shift-start T]
                      [--shift-end T]
    antar runners import FILE.csv | antar runners list [--market C]
    antar runners update ID|PHONE [--market C] [--name ...] [--phone NEW] [--status S]
    antar sellers add --code C --name N --cluster K --category G --phone P --address A
                      --lat Y --lon X [--nib NIB] [--market C] [--opens T] [--closes T]
                      [--verification pending|verified|suspended]
    antar sellers import FILE.csv [--verified] | antar sellers list [--market C]
                      [--verification V] | antar sellers update CODE [--name ...]
    antar whatsapp parse "TEXT" | -         read an order message (- reads stdin), print JSON
    antar report [--date D] [--market CODE] [--format table|csv|json]   the day's report

Dates are market days in WIB (default: today). Everything the command prints is in Bahasa
Indonesia (``--lang en`` for English), from the catalogue (`dispatch.i18n`). Refusals exit with
status 2; an import with refused rows exits 1.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import json
import os
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from dispatch.auth import Role, create_token, revoke_token, runner_link_token
from dispatch.csv_io import ORDER_COLUMNS, SafeDictWriter, read_order_rows, refusal_line
from dispatch.db import current_revision, make_engine, session_scope, upgrade
from dispatch.errors import DomainError, shown
from dispatch.export import FORMATS, day_export, render
from dispatch.fleet import (
    INSERTION_MODES,
    MARKETS,
    RUNNERS,
    find_runner,
    known_market,
    list_markets,
    list_runners,
    market_of,
)
from dispatch.generate import SELLER_SHARE, MarketSpot, SellerSpot, generate_orders
from dispatch.geo import geocoder_from_setting
from dispatch.i18n import Lang, Translator, choose_lang
from dispatch.intake import RowRefusal, import_orders
from dispatch.kinds import Kind, import_file
from dispatch.models import (
    DispatchRun,
    Market,
    Order,
    Runner,
    RunnerStatus,
    SellerCategory,
    SellerCluster,
    SellerVerification,
)
from dispatch.planning import (
    MovedOrder,
    dispatch,
    fail_lapsed_runs,
    moved_orders,
    orders_arrived,
    release_reviews,
)
from dispatch.plans import list_runs, summarise
from dispatch.reasons import drop_texts, run_error_text
from dispatch.report import day_report, report_csv, report_json, report_table
from dispatch.seed import seed
from dispatch.sellers import SELLERS, check_verification, known_seller, list_sellers
from dispatch.settings import Settings, get_settings
from dispatch.signing import with_secret_key
from dispatch.whatsapp.parser import parse_order_text
from routing import (
    InstanceFormatError,
    MaxRuntime,
    Problem,
    ProblemError,
    Solution,
    SolveParams,
    VisitKind,
    check_solution,
    solve,
)
from routing.instances import SCALE, read_solomon, read_vrplib

# Piped or captured output (a file, grep, a test) is 200 columns wide, so a table's codes and
# names never wrap mid-word; a terminal keeps its own width.
_PIPED_WIDTH = None if sys.stdout.isatty() else 200
out = Console(highlight=False, width=_PIPED_WIDTH)
err = Console(stderr=True, highlight=False, width=None if sys.stderr.isatty() else 200)


# -- helpers ---------------------------------------------------------------------------------


def _today(settings: Settings) -> date:
    return datetime.now(ZoneInfo(settings.timezone)).date()


def _day(args: argparse.Namespace, settings: Settings) -> date:
    return args.date or _today(settings)


def _t(args: argparse.Namespace) -> Translator:
    """The words of the language the command was asked to speak (``--lang``)."""
    return Translator(args.lang)


#: The language of this command's messages, set by `main` before arguments are checked (so
#: argparse's refusals of a bad date or number speak it too).
_LANG: list[Lang] = ["id"]


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        msg = Translator(_LANG[0])("cli.not_a_date", value=shown(text))
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
    t, label = _t(args), _database_label(url)
    if before == after:
        out.print(t("cli.db_current", database=label, revision=after))
    else:
        was = before or t("cli.db_empty")
        out.print(t("cli.db_upgraded", database=label, before=was, revision=after))
    return 0


def _seed(args: argparse.Namespace) -> int:
    settings = args.settings
    with _database(settings) as engine, Session(engine) as session:
        result = seed(session, settings=settings)
    t = _t(args)
    if not result.changed:
        out.print(t("cli.seed_nothing"))
        return 0
    for code in result.markets:
        out.print(t("cli.seed_market", code=code))
    for runner in result.runners:
        out.print(t("cli.seed_runner", runner=runner))
    for code in result.sellers:
        out.print(t("cli.seed_seller", code=code), markup=False)
    out.print(t("cli.seed_done", markets=len(result.markets), runners=len(result.runners)))
    if result.sellers:
        out.print(t("cli.seed_sellers_done", sellers=len(result.sellers)))
    return 0


# -- markets, runners and sellers ------------------------------------------------------------


def _print_refused(refused: Iterable[tuple[int, Sequence[DomainError]]], t: Translator) -> None:
    """A refused CSV row's errors, one line each: line, field, code, message, on plain
    stderr: never wrapped, the input's line breaks escaped (a cell can never start a line of
    its own), `dispatch.csv_io.refusal_line`."""
    for line, errors in refused:
        for error in errors:
            sys.stderr.write(refusal_line(line, error, t.lang) + "\n")


def _fields_text(names: Iterable[str], t: Translator) -> str:
    return t.listed(t.label("capacity_kg" if n == "capacity_g" else n) for n in names)


def _hours(start: time, end: time, t: Translator) -> str:
    def seconds(moment: time) -> int:
        return moment.hour * 3600 + moment.minute * 60

    return f"{t.clock_of_day(seconds(start))}–{t.clock_of_day(seconds(end))}"


@dataclass(frozen=True)
class _Option:
    """An option of ``antar <kind> add|update``, named as the CSV column it fills
    (``--capacity-kg``: ``capacity_kg``); its help and metavar are catalogue keys."""

    column: str
    help: str
    metavar: str | None = None
    choices: tuple[str, ...] = ()
    required: bool = False
    """Required when adding."""
    on: tuple[str, ...] = ("add", "update")
    update_help: str | None = None
    """Its help on ``update``, where it says something else."""


@dataclass(frozen=True)
class _Commands:
    """``antar <kind> add|import|list|update`` of one `dispatch.kinds.Kind`.

    ``add`` takes the options that fill a new thing (the kind's first column among them,
    required); ``update`` names the thing by ``key`` (``locate`` finds it) and changes what
    its options give (the first column, if an option of ``update``, only helps find it)."""

    kind: Kind[Any]
    options: tuple[_Option, ...]
    key: tuple[str, str, str]
    """``update``'s positional argument: its name, metavar and help."""
    locate: Callable[[Session, argparse.Namespace], Any]
    said: Callable[[Any], dict[str, str]]
    """What the texts ``cli.<kind>_added|updated|unchanged`` say of a thing."""
    file_help: str
    filters: tuple[_Option, ...]
    """``list``'s options."""
    listed: Callable[[Session, argparse.Namespace], list[Any]]
    columns: tuple[str, ...]
    """``list``'s columns (``cli.col_<name>``)."""
    cells: Callable[[Any, Translator], tuple[str, ...]]
    follow_ups: Mapping[str, Callable[[Engine, uuid.UUID, Settings], None]] = field(
        default_factory=dict
    )
    """What an ``update`` that changed a field sets going once committed."""


def _given(args: argparse.Namespace, names: Iterable[str]) -> dict[str, str | None]:
    """The options of ``names`` given on the command line, as texts keyed by CSV column."""
    return {name: getattr(args, name) for name in names if getattr(args, name, None) is not None}


def _add(spec: _Commands, args: argparse.Namespace) -> int:
    settings, kind = args.settings, spec.kind
    cells = _given(args, [o.column for o in spec.options if "add" in o.on])
    values = kind.read(cells, settings, None)
    with _database(settings) as engine, session_scope(engine) as session:
        said = spec.said(kind.add(session, values, settings))
    out.print(_t(args)(f"cli.{kind.name}_added", **said), markup=False)
    return 0


def _update(spec: _Commands, args: argparse.Namespace) -> int:
    settings, kind, t = args.settings, spec.kind, _t(args)
    cells = _given(args, kind.edits[1:])
    values = kind.read(cells, settings, cells)
    with _database(settings) as engine:
        with session_scope(engine) as session:
            row = spec.locate(session, args)
            changed = kind.update(session, row, values)
            said, row_id = spec.said(row), row.id
        for name, follow in spec.follow_ups.items():
            if name in changed:
                follow(engine, row_id, settings)
    if not changed:
        out.print(t(f"cli.{kind.name}_unchanged", **said), markup=False)
        return 0
    fields = _fields_text(changed, t)
    out.print(t(f"cli.{kind.name}_updated", **said, fields=fields), markup=False)
    return 0


def _import(spec: _Commands, args: argparse.Namespace) -> int:
    settings, kind, t = args.settings, spec.kind, _t(args)
    presets = [name for name in kind.presets if getattr(args, name)]
    with _database(settings) as engine, session_scope(engine) as session:
        report = import_file(session, kind, args.file, settings=settings, presets=presets)
    _print_refused(((r.line, r.errors) for r in report.refused), t)
    for line, key in report.added:
        out.print(t("cli.row_added", line=line, key=key), markup=False)
    for line, key, changed in report.updated:
        fields = _fields_text(changed, t)
        out.print(t("cli.row_updated", line=line, key=key, fields=fields), markup=False)
    out.print(t("cli.fleet_import_done", **report.counts), markup=False)
    return 0 if report.ok else 1


def _list(spec: _Commands, args: argparse.Namespace) -> int:
    t = _t(args)
    with _database(args.settings) as engine, Session(engine) as session:
        rows = spec.listed(session, args)
    if not rows:
        out.print(t(f"cli.no_{spec.kind.plural}"), markup=False)
        return 0
    table = Table(title=t(f"cli.{spec.kind.plural}_title"))
    for name in spec.columns:  # a count is right-aligned
        table.add_column(t(f"cli.col_{name}"), justify="right" if name == "runners" else "left")
    for row in rows:
        table.add_row(*spec.cells(row, t))
    out.print(table)
    return 0


def _market_id(session: Session, args: argparse.Namespace) -> uuid.UUID | None:
    """The market ``--market`` names, or ``None`` without it."""
    return None if args.market is None else known_market(session, args.market).id


def _located_market(session: Session, args: argparse.Namespace) -> Market:
    market = market_of(session, args.code)
    if market is None:
        raise DomainError("market.not_found", field="code", params={"code": args.code})
    return market


def _sellers_listed(session: Session, args: argparse.Namespace) -> list[Any]:
    verification = None if args.verification is None else check_verification(args.verification)
    return list_sellers(session, market_id=_market_id(session, args), verification=verification)


_CLOCK, _DEGREES = "cli.metavar.clock", "cli.metavar.degrees"
_NAME = _Option("name", "cli.help.name", "cli.metavar.name", required=True)
_LAT = _Option("lat", "cli.help.lat", _DEGREES, required=True)
_LON = _Option("lon", "cli.help.lon", _DEGREES, required=True)
_LIST_MARKET = _Option("market", "cli.help.list_market", "cli.metavar.market")
_VERIFICATIONS = tuple(v.value for v in SellerVerification)

_MARKETS = _Commands(
    kind=MARKETS,
    options=(
        _Option("code", "cli.help.code", "cli.metavar.code", required=True, on=("add",)),
        _NAME,
        _Option("address", "cli.help.street", "cli.metavar.address"),
        _LAT,
        _LON,
        _Option("opens", "cli.help.opens", _CLOCK),
        _Option("closes", "cli.help.closes", _CLOCK),
        _Option("insertion", "cli.help.insertion", choices=INSERTION_MODES, on=("update",)),
    ),
    key=("code", "cli.metavar.code", "cli.help.market_code"),
    locate=_located_market,
    said=lambda market: {"code": market.code},
    file_help="cli.help.fleet_csv",
    filters=(),
    listed=lambda session, _args: list_markets(session),
    columns=("code", "name", "kelurahan", "location", "hours", "runners"),
    cells=lambda row, t: (
        row.market.code,
        row.market.name,
        row.market.kelurahan,
        f"{row.market.lat:.6f}, {row.market.lon:.6f}",
        _hours(row.market.opens, row.market.closes, t),
        str(row.runners),
    ),
    # Back to auto: the orders that waited for review go into their plans.
    follow_ups={"insertion": release_reviews},
)
_RUNNERS = _Commands(
    kind=RUNNERS,
    options=(
        _Option(
            "market",
            "cli.help.market",
            "cli.metavar.market",
            required=True,
            update_help="cli.help.runner_market",
        ),
        _NAME,
        _Option(
            "phone",
            "cli.help.phone",
            "cli.metavar.phone",
            required=True,
            update_help="cli.help.new_phone",
        ),
        _Option("capacity_kg", "cli.help.capacity_kg", "cli.metavar.kg"),
        _Option("shift_start", "cli.help.shift_start", _CLOCK),
        _Option("shift_end", "cli.help.shift_end", _CLOCK),
        _Option(
            "status",
            "cli.help.runner_status",
            choices=tuple(s.value for s in RunnerStatus),
            on=("update",),
        ),
    ),
    key=("runner", "cli.metavar.runner", "cli.help.runner_key"),
    locate=lambda session, args: find_runner(session, args.runner, args.market),
    said=lambda runner: {"runner": f"{runner.market.code}/{runner.name}", "phone": runner.phone},
    file_help="cli.help.fleet_csv",
    filters=(_LIST_MARKET,),
    listed=lambda session, args: list_runners(session, market_id=_market_id(session, args)),
    columns=("market", "name", "phone", "capacity", "shift", "status"),
    cells=lambda row, t: (
        row[1].code,
        row[0].name,
        row[0].phone,
        t.kg(row[0].capacity_g),
        _hours(row[0].shift_start, row[0].shift_end, t),
        t.runner_status(row[0].status),
    ),
)
_SELLERS = _Commands(
    kind=SELLERS,
    options=(
        _Option("code", "cli.help.seller_code", "cli.metavar.code", required=True, on=("add",)),
        _NAME,
        _Option(
            "cluster",
            "cli.help.cluster",
            choices=tuple(c.value for c in SellerCluster),
            required=True,
        ),
        _Option(
            "category",
            "cli.help.category",
            choices=tuple(c.value for c in SellerCategory),
            required=True,
        ),
        _Option("phone", "cli.help.seller_phone", "cli.metavar.phone", required=True),
        _Option("address", "cli.help.street", "cli.metavar.address", required=True),
        _LAT,
        _LON,
        _Option("nib", "cli.help.nib", "cli.metavar.nib"),
        _Option("market", "cli.help.seller_market", "cli.metavar.market"),
        _Option("opens", "cli.help.seller_opens", _CLOCK),
        _Option("closes", "cli.help.seller_closes", _CLOCK),
        _Option("verification", "cli.help.verification", choices=_VERIFICATIONS),
    ),
    key=("code", "cli.metavar.code", "cli.help.seller_key"),
    locate=lambda session, args: known_seller(session, args.code),
    said=lambda seller: {"code": seller.code, "market": seller.market.code},
    file_help="cli.help.sellers_csv",
    filters=(
        _LIST_MARKET,
        _Option("verification", "cli.help.verification", choices=_VERIFICATIONS),
    ),
    listed=_sellers_listed,
    columns=("code", "name", "cluster", "category", "market", "phone", "hours", "verification"),
    cells=lambda row, t: (
        row[0].code,
        row[0].name,
        t(f"seller_cluster.{row[0].cluster.value}"),
        t(f"seller_category.{row[0].category.value}"),
        row[1].code,
        row[0].phone,
        _hours(row[0].opens, row[0].closes, t),
        t(f"seller_verification.{row[0].verification.value}"),
    ),
)


# -- orders ----------------------------------------------------------------------------------


def _orders_import(args: argparse.Namespace) -> int:
    settings = args.settings
    day = _day(args, settings)
    unreadable: list[RowRefusal] = []

    def skip(line: int, error: DomainError) -> None:
        unreadable.append(RowRefusal(line, "", (error,)))

    with _database(settings) as engine:
        with session_scope(engine) as session:
            report = import_orders(
                session,
                read_order_rows(args.file, on_bad_row=skip),
                service_date=day,
                tz=ZoneInfo(settings.timezone),
                geocoder=geocoder_from_setting(settings.geocoder),
            )
        # Committed: on a day with a plan, the new orders go into it (or wait for review).
        orders_arrived(engine, [o for _, o in report.created], settings, by="csv import")
    t = _t(args)
    report.refused = sorted([*report.refused, *unreadable], key=lambda r: r.line)
    _print_refused(((refusal.line, refusal.errors) for refusal in report.refused), t)
    for line, key, _ in report.duplicates:
        out.print(t("cli.import_duplicate", line=line, key=key), markup=False)
    summary = t(
        "cli.import_done",
        created=len(report.created),
        duplicates=len(report.duplicates),
        refused=len(report.refused),
        day=day.isoformat(),
    )
    out.print(summary)
    return 0 if report.ok else 1


def _orders_generate(args: argparse.Namespace) -> int:
    settings = args.settings
    day = _day(args, settings)
    with _database(settings) as engine:
        with Session(engine) as session:
            markets = session.exec(select(Market).order_by(col(Market.code))).all()
            spots = [MarketSpot(m.code, m.lat, m.lon) for m in markets]
            sellers: dict[str, list[SellerSpot]] = {}
            verified = list_sellers(session, verification=SellerVerification.VERIFIED)
            for seller, market in verified:
                sellers.setdefault(market.code, []).append(
                    SellerSpot(seller.code, seller.category.value)
                )
        if not spots:
            err.print(f"antar: {_t(args)('cli.no_markets')}", markup=False)
            return 2
        rows = list(
            generate_orders(
                spots,
                args.per_market,
                args.seed,
                day,
                sellers=sellers,
                seller_share=args.seller_share,
            )
        )
        if args.csv:
            with Path(args.csv).open("w", newline="", encoding="utf-8") as fh:
                writer = SafeDictWriter(fh, fieldnames=ORDER_COLUMNS)
                writer.writeheader()
                writer.writerows(rows)
            out.print(_t(args).n("cli.generate_written", len(rows), count=len(rows), path=args.csv))
            return 0
        with session_scope(engine) as session:
            report = import_orders(
                session,
                ((k + 2, row) for k, row in enumerate(rows)),
                service_date=day,
                tz=ZoneInfo(settings.timezone),
                by="generator",
            )
        orders_arrived(engine, [o for _, o in report.created], settings, by="generator")
    summary = _t(args)(
        "cli.generate_done",
        created=len(report.created),
        day=day.isoformat(),
        duplicates=len(report.duplicates),
        refused=len(report.refused),
    )
    out.print(summary)
    return 0 if report.ok else 1


# -- dispatch and runs -----------------------------------------------------------------------


def _summary_table(markets: list[dict[str, Any]], title: str, t: Translator) -> Table:
    table = Table(title=title)
    for name in ("market", "orders", "routed", "dropped", "runners", "trips", "km", "wall"):
        table.add_column(t(f"cli.col_{name}"), justify="left" if name == "market" else "right")
    for m in sorted(markets, key=lambda m: m["market"]):
        table.add_row(
            m["market"],
            str(m["orders"]),
            str(m["routed"]),
            str(m["dropped"]),
            f"{m['runners_used']}/{m['runners']}",
            str(m["trips"]),
            t.number(m["distance_m"] / 1000),
            t.number(m.get("wall_s", 0), 2),
        )
    return table


def _moved_table(moved: list[MovedOrder], t: Translator) -> Table:
    """The orders a run took off runners who had them in their route (and so their link)."""
    table = Table(title=t("cli.moved_title", count=len(moved)))
    for name in ("order", "customer", "from_runner", "to_runner"):
        table.add_column(t(f"cli.col_{name}"))
    for m in moved:
        table.add_row(m.external_id, m.customer, m.from_runner, m.to_runner or t("cli.unplanned"))
    return table


def _dispatch(args: argparse.Namespace) -> int:
    settings = args.settings
    day = _day(args, settings)
    codes = None if args.all else args.market
    with _database(settings) as engine:
        from rich.progress import Progress as Bar

        t = _t(args)
        with Bar(console=err, transient=True) as bar:
            task = bar.add_task(t("cli.dispatching"), total=None)

            def tick(figures: dict[str, Any]) -> None:
                label = t("cli.market_planned", market=figures["market"])
                bar.update(task, description=label, advance=1)

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
        with Session(engine) as session:
            moved = moved_orders(session, outcome.moved)
    status = t.run_status(outcome.status)
    title = t("cli.run_title", run=outcome.run_id, day=day.isoformat(), status=status)
    out.print(_summary_table(outcome.markets, title, t))
    if moved:
        out.print(_moved_table(moved, t))
    out.print(t("cli.wall_time", seconds=t.number(outcome.wall_s, 2)))
    if outcome.error:
        failure = t("cli.dispatch_failed", error=run_error_text(outcome.error, t))
        err.print(f"antar: {failure}", markup=False)
        return 1
    return 0


def _runs_list(args: argparse.Namespace) -> int:
    with _database(args.settings) as engine, Session(engine) as session:
        runs = list_runs(session, args.limit)
    t = _t(args)
    table = Table(title=t("cli.runs_title"))
    for name in ("id", "date", "status", "markets", "routed", "dropped", "wall"):
        table.add_column(t(f"cli.col_{name}"))
    for r in runs:
        wall = "-" if r.wall_s is None else t.number(r.wall_s, 2)
        table.add_row(
            str(r.id),
            r.service_date.isoformat(),
            t.run_status(r.status),
            ",".join(r.markets),
            str(r.routed),
            str(r.dropped),
            wall,
        )
    out.print(table)
    return 0


def _runs_show(args: argparse.Namespace) -> int:
    t = _t(args)
    try:
        run_id = uuid.UUID(args.id)
    except ValueError:
        err.print(f"antar: {t('cli.not_a_run', value=shown(args.id))}", markup=False)
        return 2
    with _database(args.settings) as engine, Session(engine) as session:
        run = session.get(DispatchRun, run_id)
        if run is None:
            err.print(f"antar: {t('cli.no_run', run=run_id)}")
            return 2
        summary = summarise(run)
        markets = list((run.figures or {}).get("markets", []))
        reasons = drop_texts(
            session, [(d.order_id, d.reason_code) for d in run.dropped], args.settings, t
        )
        dropped = [
            (order.idempotency_key if order else str(d.order_id), reasons[d.order_id])
            for d in run.dropped
            for order in [session.get(Order, d.order_id)]
        ]
    status = t.run_status(summary.status)
    day = summary.service_date.isoformat()
    out.print(t("cli.run_line", run=summary.id, status=status, day=day))
    if summary.error:
        out.print(t("cli.run_error", error=run_error_text(summary.error, t)), markup=False)
    if markets:
        out.print(_summary_table(markets, t("cli.per_market"), t))
    for order, reason in dropped:
        out.print(t("cli.dropped_line", order=order, reason=reason), markup=False)
    return 0


# -- routes ----------------------------------------------------------------------------------


def _routes_show(args: argparse.Namespace) -> int:
    settings = args.settings
    day = _day(args, settings)
    t = _t(args)
    with _database(settings) as engine, Session(engine) as session:
        export = day_export(session, day, [args.market.lower()])
        dropped = [(d.order_id, d.reason_code) for m in export.markets for d in m.unplanned]
        reasons = drop_texts(session, dropped, settings, t)
    if not export.markets:
        message = t("cli.no_routes", market=args.market, day=day.isoformat())
        err.print(f"antar: {message}", markup=False)
        return 2
    market = export.markets[0]
    tz = ZoneInfo(settings.timezone)
    for route in market.routes:
        distance, duration = t.km(route.distance_m), t.duration(route.duration_s)
        table = Table(title=t("cli.route_title", runner=route.runner_name, distance=distance,
                              duration=duration))  # fmt: skip
        for name in ("seq", "trip", "arrival", "order", "kg", "cod"):
            table.add_column(t(f"cli.col_{name}"))
        for stop in route.stops:
            table.add_row(
                str(stop.sequence),
                str(stop.trip),
                t.clock(stop.planned_arrival, tz),
                stop.external_id,
                t.number(stop.weight_g / 1000, 2),
                t.number(stop.cod_rp, 0),
            )
        out.print(table)
    for d in market.unplanned:
        reason = reasons[d.order_id]
        out.print(t("cli.dropped_line", order=d.external_id, reason=reason), markup=False)
    return 0


def _routes_export(args: argparse.Namespace) -> int:
    settings = args.settings
    day = _day(args, settings)
    with _database(settings) as engine, Session(engine) as session:
        export = day_export(session, day)
    Path(args.out).write_text(render(export, args.format), encoding="utf-8")
    count = len(export.markets)
    message = _t(args).n("cli.exported", count, count=count, path=args.out, format=args.format)
    out.print(message, markup=False)
    return 0


# -- demo ------------------------------------------------------------------------------------


def _demo(args: argparse.Namespace) -> int:
    folder = Path(args.out or f"antar-demo-{datetime.now():%Y%m%d-%H%M%S}").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "antar.db"
    t = _t(args)
    if database.exists():
        err.print(f"antar: {t('cli.demo_exists', path=database)}", markup=False)
        return 2
    # The demo's own key, kept in its folder beside its database (or ANTAR_SECRET_KEY).
    settings = with_secret_key(
        args.settings.model_copy(update={"database_url": f"sqlite:///{database}"})
    )
    # Tomorrow's market morning: today's shifts may be over already.
    day = _today(settings) + timedelta(days=1)
    ns = argparse.Namespace(settings=settings, date=day, lang=args.lang)
    out.rule(t("cli.demo_step_seed"))
    _seed(ns)
    out.rule(t("cli.demo_step_orders", count=args.per_market))
    _orders_generate(
        argparse.Namespace(
            **vars(ns), per_market=args.per_market, seed=1, csv=None, seller_share=SELLER_SHARE
        )
    )
    out.rule(t("cli.demo_step_dispatch"))
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
    out.rule(t("cli.demo_step_exports"))
    for fmt in FORMATS:
        suffix = {"geojson": "geojson", "gpx": "gpx", "json": "json", "csv": "csv"}[fmt]
        _routes_export(argparse.Namespace(**vars(ns), format=fmt, out=folder / f"routes.{suffix}"))
    out.print("\n" + t("cli.demo_folder", path=folder), markup=False)
    out.rule(t("cli.demo_step_next"))
    base = (
        settings.public_base_url.rstrip("/")
        if "public_base_url" in settings.model_fields_set
        else f"http://127.0.0.1:{args.port}"
    )
    settings = settings.model_copy(update={"public_base_url": base})
    _demo_next_steps(settings, day, folder, args, t)
    if args.serve:
        # As `antar serve`: imported at run time (api imports dispatch, never the reverse).
        importlib.import_module("api.server").run("127.0.0.1", args.port, settings, 1)
    return status


#: The market whose coordinator token `antar demo` prints.
DEMO_COORDINATOR_MARKET: Final = "sawojajar"


def _demo_next_steps(
    settings: Settings, day: date, folder: Path, args: argparse.Namespace, t: Translator
) -> None:
    """What to do after `antar demo`: serve the demo's database, sign in to the console with
    an operator's or a coordinator's token (made now, in the demo's database), and each
    runner's route link for the demo day."""
    with _database(settings) as engine, session_scope(engine) as session:
        operator = create_token(session, role=Role.OPERATOR, label="antar demo")
        coordinator = create_token(
            session,
            role=Role.COORDINATOR,
            market_code=DEMO_COORDINATOR_MARKET,
            label="antar demo",
        )
        links = [
            (market.code, runner.name, runner_link_token(runner, day, settings))
            for runner, market in list_runners(session)
        ]
    base = settings.public_base_url
    if args.serve:
        out.print(t("cli.demo_serving", url=base), markup=False)
    else:
        out.print(t("cli.demo_serve_hint"), markup=False)
        port = "" if args.port == 8000 else f" --port {args.port}"
        out.print(
            f"  ANTAR_DATABASE_URL={settings.database_url} antar serve{port}",
            markup=False,
            soft_wrap=True,
        )
    out.print(t("cli.demo_console", url=f"{base}/console/login"), markup=False)
    out.print("  " + t("cli.demo_operator_token", token=operator), markup=False, soft_wrap=True)
    coordinator_line = t(
        "cli.demo_coordinator_token", market=DEMO_COORDINATOR_MARKET, token=coordinator
    )
    out.print("  " + coordinator_line, markup=False, soft_wrap=True)
    out.print(t("cli.demo_runner_links", day=day.isoformat()), markup=False)
    for code, name, token in links:
        out.print(f"  {code} · {name}: {base}/r/{token}", markup=False, soft_wrap=True)
    out.print(t("cli.demo_map_hint", path=folder / "routes.geojson"), markup=False)


# -- benchmark instances ---------------------------------------------------------------------


def read_instance(path: Path) -> Problem:
    """A Solomon text file (``.txt``) or a VRPLIB file (anything else)."""
    if path.suffix.lower() == ".txt":
        return read_solomon(path)
    return read_vrplib(path)


def format_solution(
    problem: Problem, solution: Solution, scale: int = 1, t: Translator | None = None
) -> str:
    """Routes as lines of customer names, trip by trip, with the totals."""
    t = t or Translator()
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
        distance = t.number(route.distance_m / scale)
        vehicle = f"{route.vehicle + 1:>3}"
        lines.append(t("cli.route_vehicle", vehicle=vehicle, trips=text, distance=distance))
    lines.append(
        t(
            "cli.route_totals",
            routes=sum(not r.is_empty for r in solution.routes),
            served=len(solution.served()),
            stops=len(problem.stops),
            distance=t.number(solution.distance_m / scale),
            seconds=t.number(solution.stats.wall_s, 2),
            engine=solution.stats.engine,
        )
    )
    for dropped in solution.dropped:
        reason = t.drop_reason(dropped.reason.value)
        lines.append(t("cli.route_dropped", stop=dropped.stop, reason=reason))
    return "\n".join(lines)


def _route(args: argparse.Namespace) -> int:
    t = _t(args)
    try:
        problem = read_instance(args.file)
    except OSError as exc:
        print(f"antar: {_file_error(args.file, exc, t)}", file=sys.stderr)
        return 2
    except (InstanceFormatError, ProblemError) as exc:
        if isinstance(exc.__cause__, OSError):
            print(f"antar: {_file_error(args.file, exc.__cause__, t)}", file=sys.stderr)
            return 2
        # The reader's own words, quoted whole: they name the line at fault.
        message = t("cli.bad_instance", path=args.file, detail=f'"{exc}"')
        print(f"antar: {message}", file=sys.stderr)
        return 2
    params = SolveParams(seed=args.seed, engine=args.engine)
    solution = solve(problem, MaxRuntime(args.time_limit), params)
    print(format_solution(problem, solution, scale=SCALE, t=t))
    problems = check_solution(problem, solution)
    if problems:
        print(t("cli.route_problems"), *problems, sep="\n  ", file=sys.stderr)
        return 1
    print(t("cli.route_checked"))
    return 0


def _file_error(path: object, exc: OSError, t: Translator) -> str:
    """A file that cannot be opened, and why, in words (not the system's English)."""
    reasons = {
        errno.ENOENT: "cli.file_missing",
        errno.EACCES: "cli.file_denied",
        errno.EPERM: "cli.file_denied",
    }
    key = reasons.get(exc.errno or 0)
    reason = t(key) if key else t("cli.file_other", errno=exc.errno)
    return t("cli.file_error", path=exc.filename or path, reason=reason)


# -- serving, tokens and runner links --------------------------------------------------------


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(Translator(_LANG[0])("cli.not_positive", value=value))
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
    t = _t(args)
    if not revoked:
        err.print(f"antar: {t('cli.token_unknown')}")
        return 1
    out.print(t("cli.token_revoked"))
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
        dropped = [(d.order_id, d.reason_code) for m in report.markets for d in m.dropped]
        reasons = drop_texts(session, dropped, settings, _t(args))
    if args.format == "csv":
        text = report_csv(report)
    elif args.format == "json":
        text = json.dumps(report_json(report), ensure_ascii=False, indent=2) + "\n"
    else:
        text = report_table(report, args.lang, reasons)
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


def build_parser(lang: Lang = "id") -> argparse.ArgumentParser:
    """The command line's parser, its help in ``lang``."""
    h = Translator(lang)
    parser = argparse.ArgumentParser(prog="antar", description=h("cli.help.antar"))
    parser.add_argument("--lang", choices=["id", "en"], default="id", help=h("cli.help.lang"))
    commands = parser.add_subparsers(
        dest="command", required=True, metavar=h("cli.metavar.command")
    )

    db = commands.add_parser("db", help=h("cli.help.db"))
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_commands.add_parser("upgrade", help=h("cli.help.db_upgrade")).set_defaults(run=_db_upgrade)
    commands.add_parser("seed", help=h("cli.help.seed")).set_defaults(run=_seed)

    day_help = h("cli.help.date")
    orders = commands.add_parser("orders", help=h("cli.help.orders"))
    order_commands = orders.add_subparsers(dest="orders_command", required=True)
    imp = order_commands.add_parser("import", help=h("cli.help.orders_import"))
    imp.add_argument("file", type=Path, metavar=h("cli.metavar.file"), help=h("cli.help.csv_file"))
    imp.add_argument("--date", type=_parse_date, metavar=h("cli.metavar.date"), help=day_help)
    imp.set_defaults(run=_orders_import)
    gen = order_commands.add_parser("generate", help=h("cli.help.orders_generate"))
    gen.add_argument(
        "--per-market",
        type=int,
        required=True,
        metavar=h("cli.metavar.count"),
        help=h("cli.help.per_market"),
    )
    gen.add_argument(
        "--seed",
        type=int,
        default=1,
        metavar=h("cli.metavar.number"),
        help=h("cli.help.seed_number"),
    )
    gen.add_argument("--date", type=_parse_date, metavar=h("cli.metavar.date"), help=day_help)
    gen.add_argument(
        "--csv", type=Path, metavar=h("cli.metavar.file"), help=h("cli.help.generate_csv")
    )
    gen.add_argument(
        "--seller-share",
        type=_share,
        default=SELLER_SHARE,
        metavar=h("cli.metavar.share"),
        help=h("cli.help.seller_share"),
    )
    gen.set_defaults(run=_orders_generate)

    disp = commands.add_parser("dispatch", help=h("cli.help.dispatch"))
    which = disp.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--market",
        action="append",
        metavar=h("cli.metavar.market"),
        help=h("cli.help.market_repeat"),
    )
    which.add_argument("--all", action="store_true", help=h("cli.help.all"))
    disp.add_argument("--date", type=_parse_date, metavar=h("cli.metavar.date"), help=day_help)
    disp.add_argument(
        "--time-limit",
        type=float,
        default=1.0,
        metavar=h("cli.metavar.seconds"),
        help=h("cli.help.time_limit"),
    )
    disp.add_argument(
        "--workers", type=int, default=2, metavar=h("cli.metavar.count"), help=h("cli.help.workers")
    )
    disp.add_argument(
        "--executor", choices=["local", "dask"], default="local", help=h("cli.help.executor")
    )
    disp.add_argument("--scheduler", metavar=h("cli.metavar.address"), help=h("cli.help.scheduler"))
    disp.set_defaults(run=_dispatch)

    runs = commands.add_parser("runs", help=h("cli.help.runs"))
    run_commands = runs.add_subparsers(dest="runs_command", required=True)
    lst = run_commands.add_parser("list", help=h("cli.help.runs_list"))
    lst.add_argument(
        "--limit", type=int, default=20, metavar=h("cli.metavar.count"), help=h("cli.help.limit")
    )
    lst.set_defaults(run=_runs_list)
    show = run_commands.add_parser("show", help=h("cli.help.runs_show"))
    show.add_argument("id", metavar=h("cli.metavar.id"), help=h("cli.help.run_id"))
    show.set_defaults(run=_runs_show)

    routes = commands.add_parser("routes", help=h("cli.help.routes"))
    route_commands = routes.add_subparsers(dest="routes_command", required=True)
    rshow = route_commands.add_parser("show", help=h("cli.help.routes_show"))
    rshow.add_argument(
        "--market", required=True, metavar=h("cli.metavar.market"), help=h("cli.help.market")
    )
    rshow.add_argument("--date", type=_parse_date, metavar=h("cli.metavar.date"), help=day_help)
    rshow.set_defaults(run=_routes_show)
    export = route_commands.add_parser("export", help=h("cli.help.routes_export"))
    export.add_argument("--format", choices=FORMATS, required=True, help=h("cli.help.format"))
    export.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar=h("cli.metavar.file"),
        help=h("cli.help.out_file"),
    )
    export.add_argument("--date", type=_parse_date, metavar=h("cli.metavar.date"), help=day_help)
    export.set_defaults(run=_routes_export)

    demo = commands.add_parser("demo", help=h("cli.help.demo"))
    demo.add_argument(
        "--out", type=Path, metavar=h("cli.metavar.folder"), help=h("cli.help.demo_out")
    )
    demo.add_argument(
        "--per-market",
        type=int,
        default=40,
        metavar=h("cli.metavar.count"),
        help=h("cli.help.per_market"),
    )
    demo.add_argument(
        "--time-limit",
        type=float,
        default=1.0,
        metavar=h("cli.metavar.seconds"),
        help=h("cli.help.time_limit"),
    )
    demo.add_argument("--serve", action="store_true", help=h("cli.help.demo_serve"))
    demo.add_argument(
        "--port",
        type=int,
        default=8000,
        metavar=h("cli.metavar.number"),
        help=h("cli.help.demo_port"),
    )
    demo.set_defaults(run=_demo)

    route = commands.add_parser("route", help=h("cli.help.route"))
    route.add_argument(
        "file", type=Path, metavar=h("cli.metavar.file"), help=h("cli.help.instance_file")
    )
    route.add_argument(
        "--time-limit",
        type=float,
        default=2.0,
        metavar=h("cli.metavar.seconds"),
        help=h("cli.help.route_time"),
    )
    route.add_argument(
        "--seed",
        type=int,
        default=1,
        metavar=h("cli.metavar.number"),
        help=h("cli.help.seed_number"),
    )
    route.add_argument(
        "--engine", choices=["hybrid", "ortools"], default="hybrid", help=h("cli.help.engine")
    )
    route.set_defaults(run=_route)

    serve = commands.add_parser("serve", help=h("cli.help.serve"))
    serve.add_argument(
        "--host", default="127.0.0.1", metavar=h("cli.metavar.address"), help=h("cli.help.host")
    )
    serve.add_argument(
        "--port", type=int, default=8000, metavar=h("cli.metavar.number"), help=h("cli.help.port")
    )
    serve.add_argument(
        "--workers",
        type=_positive_int,
        default=min(2, os.cpu_count() or 1),
        metavar=h("cli.metavar.count"),
        help=h("cli.help.serve_workers"),
    )
    serve.set_defaults(run=_serve)

    tokens = commands.add_parser("tokens", help=h("cli.help.tokens"))
    token_commands = tokens.add_subparsers(dest="tokens_command", required=True)
    tcreate = token_commands.add_parser("create", help=h("cli.help.tokens_create"))
    tcreate.add_argument(
        "--role", choices=[r.value for r in Role], required=True, help=h("cli.help.role")
    )
    tcreate.add_argument(
        "--market", metavar=h("cli.metavar.market"), help=h("cli.help.token_market")
    )
    tcreate.add_argument(
        "--label", default="", metavar=h("cli.metavar.text"), help=h("cli.help.label")
    )
    tcreate.set_defaults(run=_tokens_create)
    trevoke = token_commands.add_parser("revoke", help=h("cli.help.tokens_revoke"))
    trevoke.add_argument("token", metavar=h("cli.metavar.token"), help=h("cli.help.token"))
    trevoke.set_defaults(run=_tokens_revoke)

    whatsapp = commands.add_parser("whatsapp", help=h("cli.help.whatsapp"))
    whatsapp_commands = whatsapp.add_subparsers(dest="whatsapp_command", required=True)
    wparse = whatsapp_commands.add_parser("parse", help=h("cli.help.whatsapp_parse"))
    wparse.add_argument("text", metavar=h("cli.metavar.text"), help=h("cli.help.whatsapp_text"))
    wparse.set_defaults(run=_whatsapp_parse)

    runner_commands = _kind_commands(commands, RUNNERS, h)
    rlink = runner_commands.add_parser("link", help=h("cli.help.runners_link"))
    rlink.add_argument(
        "--market", required=True, metavar=h("cli.metavar.market"), help=h("cli.help.market")
    )
    rlink.add_argument("--date", type=_parse_date, metavar=h("cli.metavar.date"), help=day_help)
    rlink.set_defaults(run=_runners_link)
    _add_kind_commands(runner_commands, _RUNNERS, h)
    _add_kind_commands(_kind_commands(commands, MARKETS, h), _MARKETS, h)
    _add_kind_commands(_kind_commands(commands, SELLERS, h), _SELLERS, h)

    report = commands.add_parser("report", help=h("cli.help.report"))
    report.add_argument("--date", metavar=h("cli.metavar.date"), help=day_help)
    report.add_argument(
        "--market", metavar=h("cli.metavar.market"), help=h("cli.help.report_market")
    )
    report.add_argument(
        "--format", choices=["table", "csv", "json"], default="table", help=h("cli.help.format")
    )
    report.set_defaults(run=_report)
    return parser


def _kind_commands(commands: Any, kind: Kind[Any], h: Translator) -> Any:
    """``antar <kind>``'s subcommands."""
    parser = commands.add_parser(kind.plural, help=h(f"cli.help.{kind.plural}"))
    return parser.add_subparsers(dest=f"{kind.plural}_command", required=True)


def _add_option(
    parser: argparse.ArgumentParser, option: _Option, h: Translator, *, new: bool
) -> None:
    help_key = option.help if new or option.update_help is None else option.update_help
    parser.add_argument(
        "--" + option.column.replace("_", "-"),
        required=new and option.required,
        metavar=h(option.metavar) if option.metavar else None,
        choices=option.choices or None,
        help=h(help_key),
    )


def _add_kind_commands(kind_commands: Any, spec: _Commands, h: Translator) -> None:
    """``antar <kind> add|import|list|update`` on ``kind_commands``: options named as the
    CSV's columns (``--capacity-kg`` is ``capacity_kg``)."""
    plural = spec.kind.plural
    add = kind_commands.add_parser("add", help=h(f"cli.help.{plural}_add"))
    for option in spec.options:
        if "add" in option.on:
            _add_option(add, option, h, new=True)
    add.set_defaults(run=partial(_add, spec))
    imp = kind_commands.add_parser("import", help=h(f"cli.help.{plural}_import"))
    imp.add_argument("file", type=Path, metavar=h("cli.metavar.file"), help=h(spec.file_help))
    for preset in spec.kind.presets:
        imp.add_argument(f"--{preset}", action="store_true", help=h(f"cli.help.import_{preset}"))
    imp.set_defaults(run=partial(_import, spec))
    lst = kind_commands.add_parser("list", help=h(f"cli.help.{plural}_list"))
    for option in spec.filters:
        _add_option(lst, option, h, new=True)
    lst.set_defaults(run=partial(_list, spec))
    upd = kind_commands.add_parser("update", help=h(f"cli.help.{plural}_update"))
    name, metavar, help_key = spec.key
    upd.add_argument(name, metavar=h(metavar), help=h(help_key))
    for option in spec.options:
        if "update" in option.on:
            _add_option(upd, option, h, new=False)
    upd.set_defaults(run=partial(_update, spec))


def _share(text: str) -> float:
    """A share between 0 and 1 (``0.2``, ``0,2``)."""
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        msg = Translator(_LANG[0])("cli.not_a_share", value=shown(text))
        raise argparse.ArgumentTypeError(msg)
    return value


#: argparse's own messages (its gettext msgids) -> the catalogue's keys.
ARGPARSE_MESSAGES: Final[Mapping[str, str]] = {
    "usage: ": "cli.argparse.usage",
    "positional arguments": "cli.argparse.positional",
    "options": "cli.argparse.options",
    "show this help message and exit": "cli.argparse.help",
    "%(prog)s: error: %(message)s\n": "cli.argparse.error",
    "the following arguments are required: %s": "cli.argparse.required",
    "invalid choice: %(value)r (choose from %(choices)s)": "cli.argparse.invalid_choice",
    "unrecognized arguments: %s": "cli.argparse.unrecognized",
    "expected one argument": "cli.argparse.expected_one",
    "argument %(argument_name)s: %(message)s": "cli.argparse.argument",
    "invalid %(type)s value: %(value)r": "cli.argparse.invalid_value",
    "not allowed with argument %s": "cli.argparse.not_allowed_with",
    "one of the arguments %s is required": "cli.argparse.one_required",
    "ambiguous option: %(option)s could match %(matches)s": "cli.argparse.ambiguous",
}


@contextmanager
def _argparse_speaks(lang: Lang) -> Iterator[None]:
    """argparse's own words (usage, "error:", a missing argument...) in ``lang`` while the
    command line is read. argparse marks them for gettext (``argparse._``); this lends it
    the catalogue's words for the time of the block and gives the module its own back."""
    t = Translator(lang)

    def words(message: str) -> str:
        key = ARGPARSE_MESSAGES.get(message)
        return t(key) if key else message

    saved = argparse._  # type: ignore[attr-defined]
    argparse._ = words  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = saved  # type: ignore[attr-defined]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``antar`` console script."""
    _LANG[0] = _lang_asked(argv)
    with _argparse_speaks(_LANG[0]):
        args = build_parser(_LANG[0]).parse_args(argv)
    args.settings = get_settings()
    lang: Lang = args.lang
    t = Translator(lang)
    try:
        return int(args.run(args))
    except DomainError as exc:
        err.print(f"antar: {exc.message(lang)}", soft_wrap=True, markup=False)
        return 2
    except SQLAlchemyError as exc:
        label = _database_label(args.settings.database_url)
        cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        # The driver's own words, quoted: what a person asks for help with.
        message = t("cli.database_error", database=label, reason=shown(cause))
        err.print(f"antar: {message}", soft_wrap=True, markup=False)
        return 2
    except OSError as exc:
        err.print(f"antar: {_file_error('-', exc, t)}", soft_wrap=True, markup=False)
        return 2


def _lang_asked(argv: Sequence[str] | None) -> Lang:
    """The ``--lang`` of the command line (before argparse reads it, so that its own
    messages can speak it), else Bahasa Indonesia."""
    words = list(sys.argv[1:] if argv is None else argv)
    for k, word in enumerate(words):
        if word == "--lang" and k + 1 < len(words):
            return choose_lang(words[k + 1])
        if word.startswith("--lang="):
            return choose_lang(word.partition("=")[2])
    return "id"


__all__ = ["build_parser", "fail_lapsed_runs", "main"]


if __name__ == "__main__":
    raise SystemExit(main())
