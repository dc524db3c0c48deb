"""The OpenAPI schema against the running server: schemathesis with ``--checks all``.

    python -m bench.schema [--max-examples 50] [--postgres URL] [--seed 1]

Serves the API under uvicorn on loopback (a fresh SQLite database, or a fresh schema on
PostgreSQL with ``--postgres`` or ``ANTAR_TEST_DATABASE_URL``), seeded with the six markets,
an operator token, an order on a runner's route and that runner's link; path parameters are
pinned to those (so generated bodies reach the code behind the lookups). Then runs
``schemathesis run --checks all`` over every operation, every phase (examples, coverage,
fuzzing, stateful), and prints the cases, failures and errors per check. The one change to
``all``: ``positive_data_acceptance`` runs as ``accepts_well_formed_data``
(`tests.api.schema_rules`), which also allows the domain's listed refusals of well-formed
data (a window ending before it starts, a phone outside the numbering plan, ...); with
``--plain`` schemathesis' own check runs and those refusals count as failures.
Writes ``bench/results/schema-<UTC time>.json`` (figures) and keeps schemathesis' report in
``bench/results/schema-<UTC time>/``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from bench.api import api_server
from bench.dispatch import postgres_url, sqlite_url
from dispatch.auth import Role, create_token, runner_link_token
from dispatch.db import make_engine, session_scope, upgrade
from dispatch.models import Market, Runner
from dispatch.seed import seed
from dispatch.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = RESULTS.parent.parent
SECRET_KEY = "bench-secret-key-0123456789"


def prepare(url: str) -> dict[str, str]:
    """Seed the database; the operator's token and path parameters that exist."""
    from tests.api.factories import add_order, add_plan, add_stop

    settings = Settings(database_url=url, secret_key=SECRET_KEY)
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        seed(session, settings=settings)
    day = datetime.now(UTC).date() + timedelta(days=1)
    with session_scope(engine) as session:
        token = create_token(session, role=Role.OPERATOR, label="bench schema")
    with Session(engine) as session:
        market = session.exec(select(Market).where(Market.code == "sawojajar")).one()
        runner = session.exec(
            select(Runner).where(Runner.market_id == market.id).order_by(col(Runner.name))
        ).first()
        assert runner is not None
        run = add_plan(session, market, day)
        order = add_order(session, market, "schema-1", day)
        add_stop(session, run, runner, order)
        params = {
            "order_id": str(order.id),
            "runner_id": str(runner.id),
            "run_id": str(run.id),
            "code": "sawojajar",
            "link": runner_link_token(runner, day, settings),
        }
    engine.dispose()
    return {"token": token, **params}


def run(args: argparse.Namespace) -> dict[str, Any]:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report_dir = RESULTS / f"schema-{stamp}"
    with ExitStack() as stack:
        pg = args.postgres or os.environ.get("ANTAR_TEST_DATABASE_URL")
        url = stack.enter_context(postgres_url(pg) if pg else sqlite_url())
        seeded = prepare(url)
        env_key = {"ANTAR_SECRET_KEY": SECRET_KEY}
        os.environ.update(env_key)
        base = stack.enter_context(api_server(url, workers=1))
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        config = folder / "schemathesis.toml"
        pinned = {k: v for k, v in seeded.items() if k != "token"}
        config.write_text(
            "[parameters]\n" + "".join(f'"path.{k}" = "{v}"\n' for k, v in pinned.items())
        )
        command = [
            str(Path(sys.executable).with_name("schemathesis")),
            "--config-file",
            str(config),
            "run",
            f"{base}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            str(args.max_examples),
            "--seed",
            str(args.seed),
            "--workers",
            "1",
            "-H",
            f"Authorization: Bearer {seeded['token']}",
            "--report",
            "ndjson",
            "--report-dir",
            str(report_dir),
            "--no-shrink",
            "--request-timeout",
            "30",
            # A re-plan waits for its solver (time_limit_s, up to 10 s) by design.
            "--max-response-time",
            "30",
        ]
        if not args.plain:
            # The domain's rules beyond the schema (tests/api/schema_rules.py) replace
            # positive_data_acceptance; every other check runs as schemathesis ships it.
            command += ["--exclude-checks", "positive_data_acceptance"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        if not args.plain:
            env["SCHEMATHESIS_HOOKS"] = "tests.api.schema_rules"
        done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    log = report_dir / "schemathesis.log"
    log.write_text(done.stdout + done.stderr)
    figures = _figures(report_dir, done)
    for events in report_dir.glob("*.ndjson"):  # megabytes of events: the log is kept
        events.unlink()
    figures.update(
        checks="all" if args.plain else "all, positive_data_acceptance with the domain rules",
        database="postgresql" if pg else "sqlite",
        max_examples=args.max_examples,
        seed=args.seed,
        exit_code=done.returncode,
        report_dir=str(report_dir.relative_to(RESULTS.parent.parent)),
    )
    return figures


def _figures(report_dir: Path, done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """Cases and failures from schemathesis' summary; failing checks per name (and the
    operation they failed on) from its NDJSON event stream."""
    failures: Counter[str] = Counter()
    where: set[str] = set()
    for path in report_dir.glob("*.ndjson"):
        for line in path.read_text().splitlines():
            scenario = json.loads(line).get("ScenarioFinished")
            if not scenario:
                continue
            recorder = scenario.get("recorder") or {}
            for checks in (recorder.get("checks") or {}).values():
                for check in checks:
                    if check.get("status") == "failure":
                        failures[check.get("name", "?")] += 1
                        where.add(f"{check.get('name')}: {recorder.get('label')}")
    text = done.stdout
    operations = re.search(r"Operations:\s+(\d+) selected / (\d+) total", text)
    cases = re.search(
        r"(\d+) generated, (?:(\d+) found (\d+) unique failures|(\d+) passed)?"
        r"(?:, (\d+) errored)?(?:, (\d+) skipped)?",
        text,
    )
    summary = [line for line in text.splitlines() if line.strip()][-14:]
    return {
        "operations": int(operations.group(1)) if operations else None,
        "cases": int(cases.group(1)) if cases else None,
        "unique_failures": int(cases.group(3)) if cases and cases.group(3) else 0,
        "errored": int(cases.group(5)) if cases and cases.group(5) else 0,
        "failing_checks": dict(failures),
        "failing": sorted(where),
        "summary": summary,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", help="PostgreSQL URL (a schema of its own is made)")
    parser.add_argument(
        "--plain",
        action="store_true",
        help="schemathesis' own positive_data_acceptance (no domain rules allowed)",
    )
    args = parser.parse_args(argv)
    figures = run(args)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"schema-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"database       {figures['database']}")
    print(f"operations     {figures['operations']}")
    print(f"cases          {figures['cases']}")
    print(f"unique failures {figures['unique_failures']}  {figures['failing_checks']}")
    for where in figures["failing"]:
        print(f"  - {where}")
    print(f"errored        {figures['errored']}")
    for line in figures["summary"]:
        print(f"  | {line}")
    print(f"written to {out}")
    return 0 if figures["unique_failures"] == 0 and not figures["errored"] else 1


if __name__ == "__main__":
    sys.exit(main())
