"""A worker's memory under 100 MiB request bodies: body limits and authentication first.

    python -m bench.limits [--size-mib 100] [--base COMMIT]

For each case a fresh ``uvicorn`` worker (one process, SQLite) serves the API on loopback;
the client offers a body of ``--size-mib`` MiB over a raw socket and stops sending as soon
as the server answers. The table gives the answer, how much of the body the client got out
before it, and the worker's resident memory (``VmRSS``) before and after and its peak
(``VmHWM``) growth. Target: <= 5 MiB growth. With ``--base COMMIT`` the same cases run
first against that commit (a temporary git worktree), for the figures side by side.
Writes ``bench/results/limits-<UTC time>.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from bench.api import api_process
from dispatch.auth import Role, create_token
from dispatch.db import make_engine
from tests.serving import send_body

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024
JSON = {"Content-Type": "application/json"}

#: (name, method, path, authenticated, chunked)
CASES = (
    ("order, no token", "/api/v1/orders", False, False),
    ("order, token, Content-Length", "/api/v1/orders", True, False),
    ("order, token, chunked", "/api/v1/orders", True, True),
    ("webhook, unsigned, chunked", "/api/v1/whatsapp/webhook", False, True),
    ("webhook, unsigned, Content-Length", "/api/v1/whatsapp/webhook", False, False),
)


def memory_kib(pid: int) -> dict[str, int]:
    """``VmRSS`` and ``VmHWM`` of process ``pid``, in KiB."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            figures[name] = int(value.split()[0])
    return figures


@contextmanager
def worker(tree: Path | None) -> Iterator[tuple[str, int, str]]:
    """A one-process server on a fresh SQLite file: its URL, pid and an operator token."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'antar.db'}"
        with api_process(url, workers=1, tree=tree) as (base, process):
            pid = process.pid
            engine = make_engine(url)
            with Session(engine) as session:
                token = create_token(session, role=Role.OPERATOR, label="bench limits")
                session.commit()
            engine.dispose()
            yield base, pid, token


def run_case(tree: Path | None, case: tuple[str, str, bool, bool], size: int) -> dict[str, Any]:
    name, path, authenticated, chunked = case
    with worker(tree) as (base, pid, token):
        time.sleep(0.5)  # let the worker settle after its start
        before = memory_kib(pid)
        headers = JSON | ({"Authorization": f"Bearer {token}"} if authenticated else {})
        started = time.perf_counter()
        answer = send_body(base, "POST", path, size, headers=headers, chunked=chunked)
        seconds = time.perf_counter() - started
        time.sleep(0.5)
        after = memory_kib(pid)
    return {
        "case": name,
        "status": answer.status,
        "code": _code(answer.body),
        "sent_mib": round(answer.sent / MIB, 2),
        "seconds": round(seconds, 3),
        "rss_before_mib": round(before["VmRSS"] / 1024, 1),
        "rss_after_mib": round(after["VmRSS"] / 1024, 1),
        "rss_growth_mib": round((after["VmRSS"] - before["VmRSS"]) / 1024, 1),
        "peak_growth_mib": round((after["VmHWM"] - before["VmHWM"]) / 1024, 1),
    }


def _code(body: bytes) -> str:
    try:
        return str(json.loads(body)["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "-"


@contextmanager
def base_tree(commit: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "base"
        git = ["git", "-C", str(ROOT), "worktree"]
        subprocess.run([*git, "add", "--detach", "-q", str(tree), commit], check=True)
        try:
            yield tree
        finally:
            subprocess.run([*git, "remove", "--force", str(tree)], check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=100)
    parser.add_argument("--base", help="also measure this commit, first")
    args = parser.parse_args(argv)
    size = args.size_mib * MIB
    rows: list[dict[str, Any]] = []
    trees: list[tuple[str, Path | None]] = []
    with ExitStack() as stack:
        if args.base:
            trees.append((args.base, stack.enter_context(base_tree(args.base))))
        trees.append(("this tree", None))
        for label, tree in trees:
            for case in CASES:
                row = {"tree": label, **run_case(tree, case, size)}
                rows.append(row)
                print(json.dumps(row), file=sys.stderr)
    header = (
        f"{'tree':<11}{'case':<36}{'status':>7} {'code':<20}{'sent MiB':>9}{'s':>7}"
        f"{'RSS before':>11}{'after':>8}{'growth':>8}{'peak +':>8}"
    )
    print(f"body offered: {args.size_mib} MiB; memory in MiB")
    print(header)
    for r in rows:
        print(
            f"{r['tree']:<11}{r['case']:<36}{r['status']:>7} {r['code']:<20}{r['sent_mib']:>9}"
            f"{r['seconds']:>7}{r['rss_before_mib']:>11}{r['rss_after_mib']:>8}"
            f"{r['rss_growth_mib']:>8}{r['peak_growth_mib']:>8}"
        )
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"limits-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.write_text(json.dumps({"size_mib": args.size_mib, "rows": rows}, indent=2) + "\n")
    print(f"written to {out}")
    worst = max(r["peak_growth_mib"] for r in rows if r["tree"] == "this tree")
    return 0 if worst <= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
