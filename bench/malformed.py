"""Malformed input, as the audit sent it: 1,000 order bodies and a 1,000-row CSV.

    python -m bench.malformed [--bodies 1000] [--rows 1000] [--seed 7] [--postgres URL]

Serves the API under uvicorn on loopback (a fresh SQLite database, or a fresh schema on
PostgreSQL with ``--postgres`` or ``ANTAR_TEST_DATABASE_URL``) and sends ``--bodies``
``POST /api/v1/orders`` requests, each a valid order with one mutation drawn from
`BODY_MUTATIONS` (wrong types, numbers for text, ``true`` for amounts, fractions,
infinity, 5,000 nines, NUL and other control characters, lone surrogates, huge or nested
values, broken JSON...), one in ten left valid and one in twenty a repeat of an earlier
valid one. Then imports a CSV of ``--rows`` rows mutated cell by cell (`ROW_MUTATIONS`), one
in ten valid, through ``antar orders import``, twice.

Reports how each request and row ended (status or refusal code counts), that no answer was
a 5xx, that every refusal line of the import is one line with line, field and code, and that
no order was lost or duplicated: the database holds exactly one order per accepted key.
Writes ``bench/results/malformed-<UTC time>.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session, select

from bench.api import SECRET_KEY, api_server
from bench.dispatch import postgres_url, sqlite_url
from dispatch.auth import Role, create_token
from dispatch.csv_io import CSV_HEADER
from dispatch.db import make_engine, session_scope, upgrade
from dispatch.models import Order
from dispatch.seed import seed
from dispatch.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
ANTAR = Path(sys.executable).with_name("antar")
DAY = "2026-12-08"
REFUSAL = re.compile(r"^(?:line|baris) (\d+): ([a-z_]+|-): ([a-z_]+\.[a-z_]+): [^\n]+$")

Body = dict[str, Any]


def valid_order(key: str) -> Body:
    return {
        "market": "sawojajar",
        "external_id": key,
        "customer_name": "Ibu Wulan",
        "phone": "0812-3456-7890",
        "address": "Jl. Danau Toba 12, Sawojajar",
        "lat": -7.9712,
        "lon": 112.6655,
        "items": "bawang merah 1kg; cabai 0,5 kg",
        "weight_kg": "1,5",
        "fulfilment": "delivery",
        "payment": "cod",
        "amount_rp": "125.000",
        "delivery_fee_rp": 5000,
        "window_start": "07:00",
        "window_end": "08:30",
        "notes": "pagar hijau",
        "service_date": DAY,
    }


#: How a JSON value may be wrong (applied to one field of a valid order).
JUNK: list[Any] = [
    True,
    False,
    None,
    0,
    -1,
    1.5,
    1e308,
    int("9" * 5000) if sys.get_int_max_str_digits() == 0 else int("9" * 4000),
    "9" * 5000,
    "9" * 200_000,
    "",
    "   ",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\ud800",
    "\u202e\u0000",
    '=HYPERLINK("http://evil.example")',
    "a\nline 2",
    [],
    [1, 2],
    {},
    {"nested": {"deeper": [1, {"x": None}]}},
    "0",
    "1970-01-01",
    "2100-01-01T00:00:00Z",
    "-7.2575",
    "113.9",
    "+62 812 3456 7890 1234 5678",
    "x" * 101,
]

BODY_MUTATIONS: list[Callable[[Body, random.Random], bytes | Body]] = []


def mutation(function: Callable[[Body, random.Random], bytes | Body]) -> Any:
    BODY_MUTATIONS.append(function)
    return function


@mutation
def junk_in_a_field(body: Body, rng: random.Random) -> Body:
    body[rng.choice(sorted(body))] = rng.choice(JUNK)
    return body


@mutation
def a_field_missing(body: Body, rng: random.Random) -> Body:
    del body[rng.choice(sorted(body))]
    return body


@mutation
def an_unknown_field(body: Body, rng: random.Random) -> Body:
    body[rng.choice(["id", "status", "__proto__", "amount", "market_id"])] = rng.choice(JUNK)
    return body


@mutation
def broken_json(body: Body, rng: random.Random) -> bytes:
    text = json.dumps(body)
    return text[: rng.randrange(1, len(text))].encode()


@mutation
def infinity(body: Body, rng: random.Random) -> bytes:
    field = rng.choice(["amount_rp", "weight_kg", "lat", "lon", "delivery_fee_rp"])
    body[field] = 0
    return json.dumps(body).replace(f'"{field}": 0', f'"{field}": 1e999').encode()


@mutation
def deeply_nested(body: Body, rng: random.Random) -> bytes:
    depth = rng.choice([50, 1000, 20_000])
    body["notes"] = 0
    return json.dumps(body).replace('"notes": 0', '"notes": ' + "[" * depth + "]" * depth).encode()


@mutation
def not_an_object(body: Body, rng: random.Random) -> bytes:
    return rng.choice([b"[]", b"null", b"42", b'"order"', b"", b"\xff\xfe", b"{,}"])


def body_cases(n: int, rng: random.Random) -> list[tuple[str, bytes | Body, str | None]]:
    """``n`` bodies: (mutation name, body, the key of a valid one)."""
    cases: list[tuple[str, bytes | Body, str | None]] = []
    valid_keys: list[str] = []
    for k in range(n):
        key = f"mal-{k:05d}"
        if k % 20 == 19 and valid_keys:
            again = rng.choice(valid_keys)
            cases.append(("repeat", valid_order(again), again))
        elif k % 10 == 0:
            valid_keys.append(key)
            cases.append(("valid", valid_order(key), key))
        else:
            mutate = rng.choice(BODY_MUTATIONS)
            cases.append((mutate.__name__, mutate(valid_order(key), rng), None))
    return cases


def send_bodies(base: str, token: str, cases: list[Any]) -> dict[str, Any]:
    statuses: Counter[int] = Counter()
    codes: Counter[str] = Counter()
    by_mutation: dict[str, Counter[int]] = {}
    accepted: dict[str, str] = {}
    problems: list[str] = []
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for name, body, key in cases:
            content = body if isinstance(body, bytes) else json.dumps(body).encode()
            answer = client.post("/api/v1/orders", content=content)
            statuses[answer.status_code] += 1
            by_mutation.setdefault(name, Counter())[answer.status_code] += 1
            if answer.status_code >= 400:
                try:
                    error = answer.json()["error"]
                    codes[error["code"]] += 1
                    assert {"code", "message", "field"} <= set(error)
                except (ValueError, KeyError, AssertionError):
                    problems.append(f"{name}: {answer.status_code} not in the error shape")
            if answer.status_code in (200, 201):
                # A mutation may leave a valid order (an optional field left out): taken.
                order = answer.json()
                if accepted.setdefault(order["idempotency_key"], order["id"]) != order["id"]:
                    problems.append(f"{key}: a repeat answered another order")
            elif key is not None:
                problems.append(f"{name} {key}: a valid order refused: {answer.text[:200]}")
    return {
        "sent": len(cases),
        "statuses": dict(sorted(statuses.items())),
        "codes": dict(codes.most_common()),
        "by_mutation": {k: dict(sorted(v.items())) for k, v in sorted(by_mutation.items())},
        "server_errors": sum(n for s, n in statuses.items() if s >= 500),
        "accepted_keys": accepted,
        "problems": problems,
    }


# -- the CSV -------------------------------------------------------------------------------------

CELL_JUNK = [
    "",
    "   ",
    "a\x00b",
    "\x1b[2J",
    "Ibu\nline 9: phone: order.ok: forged",
    '=HYPERLINK("http://evil.example")',
    "9" * 5000,
    "x" * 140_000,
    "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    "0",
    "-1",
    "125,5",
    "1e999",
    "true",
    "25:61",
    "-7.2575",
    "113.9",
    "pasar-besar",
]


def csv_rows(n: int, rng: random.Random) -> tuple[list[list[str]], set[str]]:
    """``n`` rows (one in ten valid) and the keys of the valid ones."""
    rows: list[list[str]] = []
    valid: set[str] = set()
    for k in range(n):
        key = f"csv-{k:05d}"
        cells = [str(v) for v in {**valid_order(key), "service_date": None}.values()][:16]
        cells[5], cells[6] = "-7.9712", "112.6655"
        if k % 10 == 0:
            valid.add(key)
        elif k % 97 == 5:
            cells = cells[: rng.randrange(1, 15)]  # too few cells
        else:
            column = rng.randrange(len(CSV_HEADER))
            if CSV_HEADER[column] == "external_id":
                column += 1
            cells[column] = rng.choice(CELL_JUNK)
        rows.append(cells)
    return rows, valid


def import_csv(url: str, path: Path) -> dict[str, Any]:
    env = {**os.environ, "ANTAR_DATABASE_URL": url, "ANTAR_SECRET_KEY": SECRET_KEY}
    done = subprocess.run(
        [str(ANTAR), "orders", "import", str(path), "--date", DAY],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=600,
    )
    lines = done.stderr.splitlines()
    matched = [REFUSAL.match(line) for line in lines]
    codes = Counter(m[3] for m in matched if m)
    refused_lines = {int(m[1]) for m in matched if m}
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    counts = re.search(
        r"(\d+) (?:imported|diimpor), (\d+) (?:duplicates|ganda), (\d+) (?:refused|ditolak)",
        summary,
    )
    return {
        "exit_code": done.returncode,
        "summary": summary,
        "imported": int(counts[1]) if counts else None,
        "duplicates": int(counts[2]) if counts else None,
        "refused": int(counts[3]) if counts else None,
        "refusal_lines": len(lines),
        "malformed_refusal_lines": [line for line, m in zip(lines, matched, strict=True) if not m],
        "rows_refused": len(refused_lines),
        "codes": dict(codes.most_common()),
        "traceback": "Traceback" in done.stderr,
    }


def stored_keys(url: str) -> Counter[str]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return Counter(session.exec(select(Order.idempotency_key)).all())
    finally:
        engine.dispose()


def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    with ExitStack() as stack:
        pg = args.postgres or os.environ.get("ANTAR_TEST_DATABASE_URL")
        url = stack.enter_context(postgres_url(pg) if pg else sqlite_url())
        engine = make_engine(url)
        upgrade(engine)
        with Session(engine) as session:
            seed(session, settings=Settings(database_url=url, secret_key=SECRET_KEY))
        with session_scope(engine) as session:
            token = create_token(session, role=Role.OPERATOR, label="bench malformed")
        engine.dispose()
        base = stack.enter_context(api_server(url, workers=2))
        bodies = send_bodies(base, token, body_cases(args.bodies, rng))
        rows, valid_rows = csv_rows(args.rows, rng)
        folder = Path(stack.enter_context(_temporary_folder()))
        path = folder / "malformed.csv"
        with path.open("w", newline="", encoding="utf-8", errors="surrogatepass") as file:
            writer = csv.writer(file)
            writer.writerow(CSV_HEADER)
            writer.writerows(rows)
        first = import_csv(url, path)
        second = import_csv(url, path)
        keys = stored_keys(url)
    accepted = set(bodies.pop("accepted_keys"))
    from_csv = {k for k in keys if k.startswith("csv-")}
    lost = sorted((accepted | valid_rows) - set(keys))
    duplicated = sorted(k for k, n in keys.items() if n > 1)
    unexpected = sorted(set(keys) - accepted - from_csv)
    if first["imported"] != len(from_csv) or second["imported"] != 0:
        unexpected.append(
            f"csv: {first['imported']} imported then {second['imported']}, {len(from_csv)} stored"
        )
    return {
        "database": "postgresql" if pg else "sqlite",
        "seed": args.seed,
        "bodies": bodies,
        "csv": {
            "rows": args.rows,
            "valid_rows": len(valid_rows),
            "first_import": first,
            "second_import": second,
        },
        "orders": {
            "stored": sum(keys.values()),
            "from_api": len(accepted),
            "from_csv": len(from_csv),
            "lost": lost,
            "duplicated": duplicated,
            "unexpected": unexpected,
        },
    }


def _temporary_folder() -> Any:
    import tempfile

    return tempfile.TemporaryDirectory()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", help="PostgreSQL URL (a schema of its own is made)")
    args = parser.parse_args(argv)
    figures = run(args)
    bodies, first, second = figures["bodies"], figures["csv"]["first_import"], None
    second = figures["csv"]["second_import"]
    print(f"database: {figures['database']}")
    print(f"order bodies sent: {bodies['sent']}  statuses: {bodies['statuses']}")
    print(f"  5xx: {bodies['server_errors']}  refusal codes: {bodies['codes']}")
    for name, statuses in bodies["by_mutation"].items():
        print(f"  {name:<18} {statuses}")
    print(f"  problems: {len(bodies['problems'])}")
    for problem in bodies["problems"][:20]:
        print(f"    {problem}")
    print(f"CSV rows: {figures['csv']['rows']} ({figures['csv']['valid_rows']} valid)")
    for label, done in (("first import", first), ("second import", second)):
        print(
            f"  {label}: {done['summary']}; exit {done['exit_code']}; "
            f"{done['refusal_lines']} refusal lines on {done['rows_refused']} rows, "
            f"{len(done['malformed_refusal_lines'])} not one-line-with-code; "
            f"traceback: {done['traceback']}"
        )
    print(f"  refusal codes: {first['codes']}")
    orders = figures["orders"]
    print(
        f"orders stored {orders['stored']} ({orders['from_api']} accepted by the API, "
        f"{orders['from_csv']} imported); "
        f"lost {len(orders['lost'])}, duplicated {len(orders['duplicated'])}, "
        f"unexpected {len(orders['unexpected'])}"
    )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"malformed-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=True) + "\n")
    print(f"written to {out}")
    clean = (
        bodies["server_errors"] == 0
        and not bodies["problems"]
        and not first["malformed_refusal_lines"]
        and not first["traceback"]
        and not (orders["lost"] or orders["duplicated"] or orders["unexpected"])
    )
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
