"""Order intake over HTTP: throughput, latency, and exactly-once under repeats.

    python -m bench.api [--orders 2000] [--repeats 400] [--concurrency 32] [--rate 200]
                        [--seconds 10] [--postgres URL]

Runs the API under uvicorn (``--workers`` processes, 2 by default) on loopback, and from
this process sends ``POST /api/v1/orders`` with an operator token:

1. throughput: ``--orders`` new orders plus ``--repeats`` resubmissions of some of them
   (same ``Idempotency-Key``), ``--concurrency`` requests in flight; requests per second,
   p50/p99 latency, and a check that the database holds exactly ``--orders`` orders;
2. latency at a steady ``--rate`` requests per second for ``--seconds`` (open loop).

3. with ``wrk`` on the PATH (Debian's ``wrk`` package), the same intake from ``wrk``
   (``--wrk-connections`` connections for ``--wrk-seconds``; every fifth request repeats an
   earlier key): a load generator in C, so the figure is the server's and not the Python
   client's (which needs most of a core of its own on this 2-core machine);
4. with ``wrk``, beside the intake (orders posted from 8 connections, for ``--wrk-seconds``):
   a market's order list read from 24 connections, then runners' positions posted from 8:
   what the consoles and the phones ask while orders arrive.

``--reads [--base COMMIT] [--intake same|others|dispatch] [--intake-rate R]``: instead, a
dispatched morning's reads (`READS`: the runner's route and page, a market's order list, the
console's market page), each read beside the intake and then all at once, on this tree and
on ``COMMIT`` (target p50 <= 30 ms, p99 <= 150 ms); ``--intake others`` posts the orders
into the five other markets instead of the market read, ``--intake dispatch`` runs "Dispatch
semua" back to back instead of posting orders; ``--intake-rate`` posts about R orders a
second (a morning: a market takes about one a minute) instead of as fast as answered.
``--reads-cpu``: the server's CPU per answer of each
read alone and of the intake (this tree with its kept reads, and with none kept).
``--reads-medians FILES``: the medians of several ``--reads`` runs.

Targets: >= 500 req/s; p99 <= 50 ms at 200 req/s. On SQLite, and on PostgreSQL when
``--postgres`` (or ``ANTAR_TEST_DATABASE_URL``) is given. Prints a table and writes
``bench/results/api-<UTC time>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import httpx
from sqlmodel import Session, col, func, select

from bench.dispatch import postgres_url, sqlite_url
from bench.trees import base_tree
from dispatch.auth import Role, create_token, runner_link_token
from dispatch.db import make_engine, session_scope, upgrade
from dispatch.generate import MarketSpot, generate_orders
from dispatch.models import Market, Order, Runner
from dispatch.seed import seed
from dispatch.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
SECRET_KEY = "bench-secret-key-0123456789"
DAY = date(2026, 12, 2)


@contextmanager
def api_server(url: str, workers: int, tree: Path | None = None) -> Iterator[str]:
    """uvicorn serving ``create_app`` on ``url``'s database, in a process of its own (from
    the source tree ``tree`` instead of this one when given, e.g. an older commit's)."""
    with api_process(url, workers, tree) as (base, _):
        yield base


@contextmanager
def api_process(
    url: str, workers: int, tree: Path | None = None, extra_env: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`api_server`, and the server's process (with one worker, the worker itself);
    ``extra_env``: more settings for the server."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "ANTAR_DATABASE_URL": url, "ANTAR_SECRET_KEY": SECRET_KEY}
    env |= extra_env or {}
    command = [sys.executable, "-m", "uvicorn", "--factory", "api.main:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    command += ["--workers", str(workers)]
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    process = subprocess.Popen(command, env=env, cwd=tree)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90  # a busy machine imports slowly
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the API server did not become ready")
        yield base, process
    finally:
        process.terminate()
        try:  # the server waits up to 30 s for dispatch runs still executing
            process.wait(timeout=45)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def prepare(url: str) -> tuple[str, list[MarketSpot]]:
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        seed(session, settings=Settings())
    with session_scope(engine) as session:
        token = create_token(session, role=Role.OPERATOR, label="bench")
        spots = [
            MarketSpot(m.code, m.lat, m.lon)
            for m in session.exec(select(Market).order_by(col(Market.code))).all()
        ]
    engine.dispose()
    return token, spots


def bodies(spots: list[MarketSpot], n: int, tag: str) -> list[dict[str, Any]]:
    per_market = n // len(spots) + 1
    rows = list(generate_orders(spots, per_market, seed=11, day=DAY))[:n]
    out = []
    for k, row in enumerate(rows):
        body: dict[str, Any] = dict(row)
        body["external_id"] = f"{tag}-{k:06d}"
        body["service_date"] = DAY.isoformat()
        out.append(body)
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def throughput(
    base: str, token: str, requests: list[dict[str, Any]], concurrency: int
) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for body in requests:
        queue.put_nowait(body)
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits) as client:

        async def worker() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                started = time.perf_counter()
                response = await client.post(
                    "/api/v1/orders",
                    json=body,
                    headers={"Idempotency-Key": body["external_id"]},
                    timeout=30,
                )
                latencies.append(time.perf_counter() - started)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    return {
        "requests": len(requests),
        "wall_s": round(wall, 3),
        "rps": round(len(requests) / wall, 1),
        "p50_ms": round(1000 * percentile(latencies, 50), 2),
        "p99_ms": round(1000 * percentile(latencies, 99), 2),
        "statuses": statuses,
    }


async def steady(
    base: str, token: str, requests: list[dict[str, Any]], rate: float
) -> dict[str, Any]:
    """Open loop: one order posted every 1/rate seconds, whatever the answers' speed."""
    return await open_loop(
        base,
        {"Authorization": f"Bearer {token}"},
        len(requests),
        rate,
        lambda client, k: client.post("/api/v1/orders", json=requests[k], timeout=60),
    )


async def open_loop(
    base: str,
    headers: dict[str, str],
    count: int,
    rate: float,
    send: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]],
) -> dict[str, Any]:
    """``send`` ``count`` times, the k-th at k/rate seconds whatever the answers' speed
    (an answer late by a slow one before it counts from when it was due)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    limits = httpx.Limits(max_connections=1000, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits) as client:

        async def one(k: int, due: float) -> None:
            response = await send(client, k)
            latencies.append(time.perf_counter() - due)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        tasks = []
        t0 = time.perf_counter()
        for k in range(count):
            due = t0 + k / rate
            if due > time.perf_counter():
                await asyncio.sleep(due - time.perf_counter())
            tasks.append(asyncio.create_task(one(k, due)))
        await asyncio.gather(*tasks)
    return {
        "requests": count,
        "rate": rate,
        "rps": round(count / (time.perf_counter() - t0), 2),
        "p50_ms": round(1000 * statistics.median(latencies), 2),
        "p99_ms": round(1000 * percentile(latencies, 99), 2),
        "statuses": statuses,
        "timeouts": 0,
    }


WRK_SCRIPT = """
-- POST /api/v1/orders: a new Idempotency-Key each time, every fifth a repeat of an earlier one
-- (BODIES, when set: the bodies to post in turn, e.g. one per market; DELAY_MS, when set: the
-- pause of each connection between two orders, for a steady rate)
local counter, sent = 0, {}
if DELAY_MS then function delay() return DELAY_MS end end
function setup(thread) thread:set("tag", tostring(math.random(1, 1e9))) end
function request()
  counter = counter + 1
  if BODIES then BODY = BODIES[counter % #BODIES + 1] end
  local key
  if counter % 5 == 0 and #sent > 0 then
    key = sent[math.random(1, #sent)]
  else
    key = "wrk-" .. tag .. "-" .. counter
    table.insert(sent, key)
  end
  return wrk.format("POST", "/api/v1/orders", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. TOKEN,
    ["Idempotency-Key"] = key,
  }, BODY)
end
"""


def wrk_throughput(
    base: str, token: str, body: dict[str, Any], seconds: float, connections: int
) -> dict[str, Any] | None:
    """Requests per second and latency percentiles from ``wrk``; ``None`` without it."""
    script = f"TOKEN = {json.dumps(token)}\nBODY = {json.dumps(json.dumps(body))}\n"
    return _wrk(base, script + WRK_SCRIPT, seconds, connections)


#: What ``wrk_beside_intake`` runs beside the intake: a market's order list read by the
#: coordinators' consoles (24 connections), or runners' phones reporting where they are (8).
BESIDE = ("reads", "positions")


def wrk_beside_intake(
    base: str,
    token: str,
    body: dict[str, Any],
    load: str,
    *,
    market: str,
    runner_link: str,
    seconds: float,
) -> dict[str, Any] | None:
    """``wrk`` posting orders (8 connections) while a second ``wrk`` runs ``load`` (one of
    `BESIDE`); the figures of each. ``None`` without ``wrk``."""
    if shutil.which("wrk") is None:
        return None
    posts: dict[str, Any] = {}
    script = f"TOKEN = {json.dumps(token)}\nBODY = {json.dumps(json.dumps(body))}\n"
    writer = threading.Thread(
        target=lambda: posts.update(_wrk(base, script + WRK_SCRIPT, seconds, 8) or {})
    )
    writer.start()
    if load == "reads":
        url = f"{base}/api/v1/orders?market={market}&limit=20"
        other = _wrk(url, f'wrk.headers["Authorization"] = "Bearer {token}"\n', seconds, 24)
    else:
        url = f"{base}/api/v1/runner/{runner_link}/position"
        position = (
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
            'wrk.body = \'{"lat": -7.9797, "lon": 112.6304}\'\n'
        )
        other = _wrk(url, position, seconds, 8)
    writer.join()
    return {"load": load, load: other, "intake": posts}


def runner_link(url: str) -> str:
    """A link of the first runner's, valid now (for tomorrow's shift), signed with the key the
    benchmark's server runs with."""
    engine = make_engine(url)
    with Session(engine) as session:
        runner = session.exec(select(Runner).order_by(col(Runner.name))).first()
        assert runner is not None
        day = datetime.now(UTC).date() + timedelta(days=1)
        link = runner_link_token(runner, day, Settings(secret_key=SECRET_KEY))
    engine.dispose()
    return link


def _wrk(url: str, script: str, seconds: float, connections: int) -> dict[str, Any] | None:
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        command = [wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
        output = subprocess.run(
            [*command, "-s", handle.name, url], capture_output=True, text=True, check=True
        ).stdout
    finally:
        os.unlink(handle.name)
    timeouts = re.search(r"timeout (\d+)", output)
    return {
        "connections": connections,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        "p50_ms": _wrk_ms(output, "50%"),
        "p99_ms": _wrk_ms(output, "99%"),
        "timeouts": int(timeouts.group(1)) if timeouts else 0,
        "errors": "Non-2xx" in output or "Socket errors" in output,
    }


def _wrk_ms(output: str, percentile: str) -> float:
    match = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)\b", output)
    assert match is not None, output
    value, unit = float(match.group(1)), match.group(2)
    return round(value * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], 2)


def run(name: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    token, spots = prepare(url)
    fresh = bodies(spots, args.orders, "tp")
    repeats = [fresh[(k * 7) % len(fresh)] for k in range(args.repeats)]
    mixed = fresh + repeats
    mixed.sort(key=lambda b: hash(b["external_id"]) % 997)  # repeats interleaved with firsts
    link = runner_link(url)
    with api_server(url, args.workers) as base:
        burst = asyncio.run(throughput(base, token, mixed, args.concurrency))
        print(f"{name}: throughput {burst}", file=sys.stderr)
        steady_bodies = bodies(spots, int(args.rate * args.seconds), "st")
        paced = asyncio.run(steady(base, token, steady_bodies, args.rate))
        from_wrk = wrk_throughput(base, token, fresh[0], args.wrk_seconds, args.wrk_connections)
        print(f"{name}: wrk {from_wrk}", file=sys.stderr)
        beside = {
            load: wrk_beside_intake(
                base,
                token,
                fresh[0],
                load,
                market=spots[0].code,
                runner_link=link,
                seconds=args.wrk_seconds,
            )
            for load in BESIDE
        }
        print(f"{name}: beside the intake {beside}", file=sys.stderr)
    engine = make_engine(url)
    with Session(engine) as session:
        stored = session.exec(
            select(func.count()).select_from(Order).where(col(Order.idempotency_key).like("tp-%"))
        ).one()
    engine.dispose()
    return {
        "setup": name,
        "throughput": burst,
        "steady": paced,
        "wrk": from_wrk,
        "beside_intake": beside,
        "orders_sent": len(fresh),
        "repeats_sent": len(repeats),
        "orders_stored": stored,
        "exactly_once": stored == len(fresh),
    }


# -- reads beside the intake: the runner's route, a market's order list, the console --------

#: What a morning's phones and consoles read while orders arrive (``{link}``: the first
#: runner's link, ``{market}``, ``{day}``); the console's page needs a signed-in cookie.
READS: dict[str, str] = {
    "runner_route": "/api/v1/runner/{link}/route",
    "runner_page": "/r/{link}",
    "order_list": "/api/v1/orders?market={market}&date={day}&limit=50",
    "console_market": "/console/{market}?tanggal={day}",
}
READ_MARKET = "sawojajar"


def _cli(tree: Path | None, url: str, *argv: str) -> str:
    """``antar ARGV`` of ``tree`` (this tree when ``None``) on ``url``'s database; stdout."""
    env = {**os.environ, "ANTAR_DATABASE_URL": url, "ANTAR_SECRET_KEY": SECRET_KEY}
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    command = [sys.executable, "-c", "from dispatch.cli import main; raise SystemExit(main())"]
    done = subprocess.run(
        [*command, *argv], env=env, cwd=tree, capture_output=True, text=True, check=True
    )
    return done.stdout


def morning(tree: Path | None, url: str, day: date, per_market: int) -> dict[str, str]:
    """A morning on a fresh database, through ``tree``'s own command line (so its own
    migrations): the six markets seeded, ``per_market`` orders each, every market dispatched;
    an operator token and the first runner's link of `READ_MARKET`."""
    when = day.isoformat()
    _cli(tree, url, "seed")
    _cli(tree, url, "orders", "generate", "--per-market", str(per_market), "--seed", "7",
         "--date", when)  # fmt: skip
    _cli(tree, url, "dispatch", "--all", "--date", when, "--time-limit", "1", "--workers", "1")
    token = _cli(tree, url, "tokens", "create", "--role", "operator").strip().splitlines()[-1]
    links = _cli(tree, url, "runners", "link", "--market", READ_MARKET, "--date", when)
    link = links.strip().splitlines()[0].split("\t")[-1].rsplit("/r/", 1)[-1]
    return {"token": token, "link": link, "day": when, "market": READ_MARKET}


def other_spots(url: str, market: str) -> list[MarketSpot]:
    """Every seeded market but ``market``, where the intake's orders go with ``--intake
    others``."""
    engine = make_engine(url)
    with Session(engine) as session:
        rows = session.exec(select(Market).where(Market.code != market).order_by(Market.code))
        spots = [MarketSpot(m.code, m.lat, m.lon) for m in rows.all()]
    engine.dispose()
    return spots


def console_cookie(base: str, token: str) -> str:
    """A signed-in console session's ``Cookie`` header (through the sign-in form)."""
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as client:
        form = client.get("/console/login")
        nonce = re.search(r'name="csrf" value="([^"]*)"', form.text)
        assert nonce is not None, form.text[:500]
        answer = client.post(
            "/console/login", data={"csrf": nonce.group(1), "token": token, "next": "/console"}
        )
        assert answer.status_code == 303, answer.text[:500]
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def _read_script(path: str, headers: dict[str, str]) -> str:
    lines = [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    return "\n".join([f"wrk.path = {json.dumps(path)}", *lines]) + "\n"


def reads_beside_intake(
    base: str,
    setup: dict[str, str],
    cookie: str,
    body: dict[str, Any],
    loads: Sequence[str],
    *,
    seconds: float,
    connections: int,
    intake_connections: int,
    others: Sequence[dict[str, Any]] = (),
    dispatching: bool = False,
    rate: float | None = None,
    read_rate: float | None = None,
) -> dict[str, Any]:
    """``wrk`` posting orders (``intake_connections``; ``body`` each time, or ``others`` in
    turn when given; about ``rate`` a second when given, else as fast as answered), or
    ``dispatching`` every market back to back (`dispatch_all`), while one ``wrk`` per load of
    ``loads`` (`READS`) reads with ``connections`` (or, given ``read_rate``, a steady
    ``read_rate`` a second each, `open_loop`): the figures of each."""
    results: dict[str, Any] = {}
    script = f"TOKEN = {json.dumps(setup['token'])}\nBODY = {json.dumps(json.dumps(body))}\n"
    if others:
        script += "BODIES = {" + ", ".join(json.dumps(json.dumps(b)) for b in others) + "}\n"
    if rate:
        script += f"DELAY_MS = {round(1000 * intake_connections / rate)}\n"

    def intake() -> None:
        if dispatching:
            results["intake"] = dispatch_all(base, setup, seconds)
        else:
            results["intake"] = _wrk(base, script + WRK_SCRIPT, seconds, intake_connections)

    headers = {"Authorization": f"Bearer {setup['token']}", "Cookie": cookie}

    def read(load: str) -> None:
        path = READS[load].format(**setup)
        results[load] = _wrk(base + path, _read_script(path, headers), seconds, connections)

    async def paced(rate: float) -> None:
        # One event loop for every load: the client's own work stays small beside the server.
        def get(path: str) -> Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]:
            return lambda client, k: client.get(path, timeout=30)

        count = round(rate * seconds)
        found = await asyncio.gather(
            *(
                open_loop(base, headers, count, rate, get(READS[load].format(**setup)))
                for load in loads
            )
        )
        results.update(zip(loads, found, strict=True))

    threads = [threading.Thread(target=intake)] * (intake_connections > 0)
    if read_rate:
        threads.append(threading.Thread(target=asyncio.run, args=(paced(read_rate),)))
    else:
        threads += [threading.Thread(target=read, args=(load,)) for load in loads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


#: A "Dispatch semua" of ``--intake dispatch``: seconds each market's solve takes at most.
DISPATCH_LIMIT_S = 2.0


def dispatch_all(base: str, setup: dict[str, str], seconds: float) -> dict[str, Any]:
    """The operator's "Dispatch semua" (a run of every market, `DISPATCH_LIMIT_S` each)
    again as soon as the last ends, for ``seconds``: runs a second, as wrk's ``rps``."""
    headers = {"Authorization": f"Bearer {setup['token']}"}
    body = {"date": setup["day"], "time_limit_s": DISPATCH_LIMIT_S}
    started, runs = time.monotonic(), 0
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        while time.monotonic() - started < seconds:
            run = client.post("/api/v1/dispatch-runs", json=body)
            assert run.status_code == 202, run.text[:300]
            while client.get(f"/api/v1/dispatch-runs/{run.json()['id']}").json()["status"] in (
                "queued",
                "running",
            ):
                time.sleep(0.1)
            runs += 1
    return {"rps": runs / (time.monotonic() - started), "runs": runs}


def reads_run(tree: Path | None, name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Every read of `READS` alone beside the intake, then all of them at once, on ``tree``."""
    day = datetime.now(UTC).date() + timedelta(days=1)  # the runner's link is valid for it
    load_before = os.getloadavg()  # the machine is shared: what else ran beside the bench
    with sqlite_url() as url:
        setup = morning(tree, url, day, args.per_market)
        market = setup["market"]
        spot = [MarketSpot(market, -7.974963, 112.66075)]
        body = dict(bodies(spot, 1, "reads")[0]) | {"service_date": setup["day"]}
        # --intake others: a morning of many markets, the orders posted to the five others
        others = [
            dict(b) | {"service_date": setup["day"]}
            for b in bodies(other_spots(url, market), 5, "reads")
        ] if args.intake == "others" else []  # fmt: skip
        with api_server(url, args.workers, tree) as base:
            cookie = console_cookie(base, setup["token"])
            for load in READS:  # every page answers, and is warm
                path = READS[load].format(**setup)
                headers = {"Authorization": f"Bearer {setup['token']}", "Cookie": cookie}
                answer = httpx.get(base + path, headers=headers, timeout=30)
                assert answer.status_code == 200, (load, answer.status_code, answer.text[:300])
            figures: dict[str, Any] = {}
            for load in READS:
                figures[load] = reads_beside_intake(
                    base, setup, cookie, body, [load], seconds=args.wrk_seconds,
                    connections=args.read_connections,
                    intake_connections=args.intake_connections, others=others,
                    dispatching=args.intake == "dispatch", rate=args.intake_rate,
                    read_rate=args.read_rate,
                )  # fmt: skip
                print(f"{name} {load}: {figures[load]}", file=sys.stderr)
            figures["all"] = reads_beside_intake(
                base, setup, cookie, body, list(READS), seconds=args.wrk_seconds,
                connections=args.read_connections, intake_connections=args.intake_connections,
                others=others, dispatching=args.intake == "dispatch", rate=args.intake_rate,
                read_rate=args.read_rate,
            )  # fmt: skip
            print(f"{name} all at once: {figures['all']}", file=sys.stderr)
    return {
        "tree": name,
        "intake": args.intake,
        "per_market": args.per_market,
        "figures": figures,
        "load_average": {"before": load_before, "after": os.getloadavg()},
        "cpus": os.cpu_count(),
    }


def reads_table(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    """The reads' p50/p99 per tree, alone beside the intake and all at once."""
    head = f"{'tree':<16}{'read':<16}{'alone: req/s':>13}{'p50 ms':>8}{'p99 ms':>8}{'t/o':>5}"
    head += f"{'all: req/s':>12}{'p50 ms':>8}{'p99 ms':>8}{'t/o':>5}{'orders/s':>10}"
    lines = [
        f"SQLite, {args.workers} workers; {args.per_market} orders a market dispatched; reads "
        + (
            f"{args.read_rate:g} a second each, steadily (latency from when each was due)"
            if args.read_rate
            else f"from {args.read_connections} connections each"
        )
        + (
            f"; {INTAKE['dispatch']}"
            if args.intake == "dispatch"
            else f", orders posted from {args.intake_connections} ({INTAKE[args.intake]}"
            f"{f', about {args.intake_rate:g} a second' if args.intake_rate else ''})"
        )
        + f"; wrk {args.wrk_seconds:g} s. "
        "Target p50 <= 30 ms, "
        "p99 <= 150 ms. t/o: requests wrk gave up on after 2 s (not in p50/p99; a read with "
        "none answered shows p50 0).",
        head,
        "-" * len(head),
    ]
    for row in rows:
        figures = row["figures"]
        for load in READS:
            alone, together = figures[load][load], figures["all"][load]
            lines.append(
                f"{row['tree']:<16}{load:<16}{alone['rps']:>13.0f}{alone['p50_ms']:>8.1f}"
                f"{alone['p99_ms']:>8.1f}{alone['timeouts']:>5}{together['rps']:>12.0f}"
                f"{together['p50_ms']:>8.1f}{together['p99_ms']:>8.1f}{together['timeouts']:>5}"
                f"{figures['all']['intake']['rps']:>10.2f}"
            )
    for row in rows:
        if "load_average" in row:
            before, after = row["load_average"]["before"], row["load_average"]["after"]
            lines.append(
                f"{row['tree']}: load average (1 min) {before[0]:.1f} before, {after[0]:.1f} "
                f"after, on {row['cpus']} CPUs"
            )
    return "\n".join(lines)


def reads_medians(files: Sequence[Path]) -> str:
    """The median req/s, p50 and p99 of each read over several ``--reads --base`` runs (the
    first tree of each run is the base, the last this tree), alone and all at once."""
    loaded = [json.loads(f.read_text()) for f in files]
    runs = [data["rows"] for data in loaded]
    modes = sorted({data["args"].get("intake", "same") for data in loaded})
    rates = sorted(
        {f"{data['args'].get('intake_rate') or 'as fast as answered'}" for data in loaded}
    )
    reads = sorted({f"{data['args'].get('read_rate') or 'wrk'}" for data in loaded})
    head = f"{'tree':<6}{'read':<16}{'alone: req/s':>13}{'p50 ms':>8}{'p99 ms':>8}"
    head += f"{'all: req/s':>12}{'p50 ms':>8}{'p99 ms':>8}"
    lines = [
        f"Medians of {len(runs)} runs ({', '.join(f.name for f in files)}), intake "
        f"{' and '.join(INTAKE[m] for m in modes)} (orders a second: {', '.join(rates)}; "
        f"reads a second each: {', '.join(reads)}); "
        "trees: " + "; ".join(" vs ".join(row["tree"] for row in rows) for rows in runs),
        head,
        "-" * len(head),
    ]
    for label, index in (("base", 0), ("this", -1)):
        for load in READS:
            cells = []
            for part in ("alone", "all"):
                figures = [
                    rows[index]["figures"][load if part == "alone" else "all"][load]
                    for rows in runs
                ]
                cells += [statistics.median(f[key] for f in figures) for key in KEYS]
            lines.append(
                f"{label:<6}{load:<16}{cells[0]:>13.0f}{cells[1]:>8.1f}{cells[2]:>8.1f}"
                f"{cells[3]:>12.0f}{cells[4]:>8.1f}{cells[5]:>8.1f}"
            )
    lines.append("p50 0.0: most runs had no read answered within wrk's 2 s (all timed out).")
    return "\n".join(lines)


KEYS = ("rps", "p50_ms", "p99_ms")
#: Where ``--intake`` posts the orders: the market read (each order changes what is read,
#: and goes into its plan), or the five other markets (a morning of many markets).
INTAKE: Final = {
    "same": f"into {READ_MARKET}, the market read",
    "others": f"into the five markets other than {READ_MARKET}",
    "dispatch": f"none: Dispatch semua back to back, {DISPATCH_LIMIT_S:g} s a market; "
    "orders/s: runs/s",
}


def process_cpu_s(root: int) -> float:
    """CPU seconds (user and system) of process ``root`` and its descendants (a server's
    workers and their planning processes, those ended included), from ``/proc``."""
    pids, pending = [], [root]
    while pending:  # the workers, their planning processes, theirs
        pid = pending.pop()
        pids.append(pid)
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                pending += [int(p) for p in task.read_text().split()]
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += sum(int(f) for f in fields[11:15]) / tick  # its own and its reaped children's
    return total


#: The passes of ``--reads-cpu``: the base tree as it is; this tree with its kept reads (each
#: read answered from what the worker rendered), and with none kept (each rendered anew).
CPU_PASSES: Final = {"kept": {}, "anew": {"ANTAR_READ_CACHE_MIB": "0"}}


def reads_cpu_run(
    tree: Path | None, name: str, args: argparse.Namespace, extra_env: dict[str, str]
) -> dict[str, Any]:
    """Each read of `READS` alone (no intake) for ``--wrk-seconds`` from
    ``--read-connections``: the server's CPU per answer, its rate and latency; then the
    intake alone (orders into the market read) the same way."""
    day = datetime.now(UTC).date() + timedelta(days=1)
    figures: dict[str, Any] = {}
    with sqlite_url() as url:
        setup = morning(tree, url, day, args.per_market)
        spot = [MarketSpot(setup["market"], -7.974963, 112.66075)]
        body = dict(bodies(spot, 1, "reads")[0]) | {"service_date": setup["day"]}
        with api_process(url, args.workers, tree, extra_env) as (base, process):
            cookie = console_cookie(base, setup["token"])
            headers = {"Authorization": f"Bearer {setup['token']}", "Cookie": cookie}
            loads = {
                load: (base + READS[load].format(**setup), _read_script(
                    READS[load].format(**setup), headers
                ), args.read_connections)
                for load in READS
            }  # fmt: skip
            script = (
                f"TOKEN = {json.dumps(setup['token'])}\nBODY = {json.dumps(json.dumps(body))}\n"
            )
            loads["intake"] = (base, script + WRK_SCRIPT, args.intake_connections)
            for load, (target, lua, connections) in loads.items():
                if load != "intake":
                    _wrk(target, lua, 1, 2)  # warm
                before = process_cpu_s(process.pid)
                found = _wrk(target, lua, args.wrk_seconds, connections)
                spent = process_cpu_s(process.pid) - before
                assert found is not None
                answers = max(1.0, found["rps"] * args.wrk_seconds)
                figures[load] = found | {"cpu_ms": round(1000 * spent / answers, 2)}
                print(f"{name} {load}: {figures[load]}", file=sys.stderr)
    return {"tree": name, "per_market": args.per_market, "figures": figures,
            "load_average": os.getloadavg(), "cpus": os.cpu_count()}  # fmt: skip


def _wrk_and_head(flag: str) -> str | None:
    """This tree's short commit, or ``None`` (said on stderr) when ``wrk`` is missing."""
    if shutil.which("wrk") is None:
        print(f"bench.api {flag} needs wrk (apt-get install wrk)", file=sys.stderr)
        return None
    root = Path(__file__).resolve().parent.parent
    return subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip


def reads_cpu_main(args: argparse.Namespace) -> int:
    """``--reads-cpu``: the server's CPU per read, base tree against this one (kept, anew)."""
    head = _wrk_and_head("--reads-cpu")
    if head is None:
        return 2
    rows = []
    if args.base:
        with base_tree(args.base) as tree:
            rows.append(reads_cpu_run(tree, args.base[:10], args, {}))
    for label, env in CPU_PASSES.items():
        rows.append(reads_cpu_run(None, f"{head} {label}", args, env))
    head_line = f"{'tree':<18}{'read':<16}{'CPU ms/answer':>14}{'req/s':>8}{'p50 ms':>8}"
    head_line += f"{'p99 ms':>8}"
    lines = [
        f"SQLite, {args.workers} workers, {args.per_market} orders a market dispatched; each "
        f"read alone from {args.read_connections} connections, then the intake alone (orders "
        f"into {READ_MARKET}) from {args.intake_connections}, wrk {args.wrk_seconds:g} s. CPU: "
        "the server's processes' user and system time over the answers. kept: this tree's "
        "reads answered from what the worker rendered; anew: ANTAR_READ_CACHE_MIB=0.",
        head_line,
        "-" * len(head_line),
    ]
    for row in rows:
        for load, f in row["figures"].items():
            lines.append(
                f"{row['tree']:<18}{load:<16}{f['cpu_ms']:>14.2f}{f['rps']:>8.0f}"
                f"{f['p50_ms']:>8.1f}{f['p99_ms']:>8.1f}"
            )
    for row in rows:
        lines.append(f"{row['tree']}: load average (1 min) {row['load_average'][0]:.1f} after")
    table = "\n".join(lines)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"api-reads-cpu-{stamp}.json"
    out.write_text(json.dumps({"args": vars(args), "rows": rows, "table": table}, indent=2) + "\n")
    print(f"\nresults: {out}")
    return 0


def reads_main(args: argparse.Namespace) -> int:
    head = _wrk_and_head("--reads")
    if head is None:
        return 2
    rows = []
    if args.base:
        with base_tree(args.base) as tree:
            rows.append(reads_run(tree, args.base[:10], args))
    rows.append(reads_run(None, f"{head} (this)", args))
    table = reads_table(rows, args)
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"api-reads-{stamp}.json"
    out.write_text(json.dumps({"args": vars(args), "rows": rows, "table": table}, indent=2) + "\n")
    print(f"\nresults: {out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--wrk-seconds", type=float, default=10.0)
    parser.add_argument("--wrk-connections", type=int, default=32)
    parser.add_argument("--postgres", default=os.environ.get("ANTAR_TEST_DATABASE_URL"))
    parser.add_argument(
        "--reads",
        action="store_true",
        help="instead: the runner's route and page, a market's order list and the console's "
        "market page read beside the intake (SQLite), p50/p99",
    )
    parser.add_argument(
        "--reads-cpu",
        action="store_true",
        help="instead: the server's CPU per answer of each read alone (no intake), this tree "
        "with its kept reads and with none kept (and --base's)",
    )
    parser.add_argument("--base", help="with --reads: also measure this commit, first")
    parser.add_argument("--per-market", type=int, default=40, help="with --reads")
    parser.add_argument("--read-connections", type=int, default=8, help="with --reads")
    parser.add_argument("--intake-connections", type=int, default=8, help="with --reads")
    parser.add_argument(
        "--read-rate",
        type=float,
        help="with --reads: each read this many times a second, steadily (open loop), "
        "instead of wrk's as fast as answered from --read-connections",
    )
    parser.add_argument(
        "--intake-rate",
        type=float,
        help="with --reads: orders a second, about (default: as fast as they are answered)",
    )
    parser.add_argument(
        "--intake",
        choices=sorted(INTAKE),
        default="same",
        help="with --reads: post the orders into the market read (same) or the others",
    )
    parser.add_argument(
        "--reads-medians",
        nargs="+",
        metavar="JSON",
        help="instead: the medians of earlier --reads --base runs (their results files)",
    )
    args = parser.parse_args(argv)
    if args.reads_medians:
        print(reads_medians([Path(p) for p in args.reads_medians]))
        return 0
    if args.reads:
        return reads_main(args)
    if args.reads_cpu:
        return reads_cpu_main(args)
    rows = []
    with sqlite_url() as url:
        rows.append(run("sqlite", url, args))
    if args.postgres:
        with postgres_url(args.postgres) as url:
            rows.append(run("postgresql", url, args))
    head = f"{'database':<12}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}   {'at rate':>8}"
    head += f"{'p50 ms':>8}{'p99 ms':>8}   {'wrk req/s':>9}{'p50 ms':>8}{'p99 ms':>8}  exactly once"
    lines = [head, "-" * len(head)]
    for r in rows:
        t, s = r["throughput"], r["steady"]
        lines.append(
            f"{r['setup']:<12}{t['rps']:>8.0f}{t['p50_ms']:>8.1f}{t['p99_ms']:>8.1f}   "
            f"{s['rate']:>8.0f}{s['p50_ms']:>8.1f}{s['p99_ms']:>8.1f}   "
            + (
                f"{w['rps']:>9.0f}{w['p50_ms']:>8.1f}{w['p99_ms']:>8.1f}  "
                if (w := r["wrk"])
                else f"{'no wrk':>9}{'':>16}  "
            )
            + f"{r['orders_stored']}/{r['orders_sent']} after {r['repeats_sent']} repeats"
        )
    lines += [
        "",
        "beside the intake (orders posted from 8 connections): a market's order list read from",
        "24 connections (reads), or runners' positions posted from 8 (positions)",
        f"{'database':<12}{'load':<11}{'req/s':>7}{'p50 ms':>8}{'p99 ms':>8}{'timeouts':>9}"
        f"{'orders/s':>10}{'p50 ms':>8}{'p99 ms':>8}",
    ]
    for r in rows:
        for load, figures in r["beside_intake"].items():
            if figures is None:
                continue
            o, w = figures[load], figures["intake"]
            lines.append(
                f"{r['setup']:<12}{load:<11}{o['rps']:>7.0f}{o['p50_ms']:>8.1f}"
                f"{o['p99_ms']:>8.1f}{o['timeouts']:>9}{w.get('rps', 0):>10.0f}"
                f"{w.get('p50_ms', 0):>8.1f}{w.get('p99_ms', 0):>8.1f}"
            )
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"api-{stamp}.json"
    out.write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2) + "\n")
    print(f"\nresults: {out}")
    return 0 if all(r["exactly_once"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
