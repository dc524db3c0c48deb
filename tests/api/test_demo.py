"""`antar demo` shows the product: what it prints after the exports works on a real server.

The command prints how to serve the demo's database, the console's sign-in address with an
operator's and a coordinator's token, and each runner's route link. Here a browser's
requests follow them: sign in with each token, open the coordinator's market, open runner
links. Once with the printed ``antar serve`` command, once with ``antar demo --serve``.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from dispatch.cli import main
from tests.serving import free_port

ANTAR = Path(sys.executable).with_name("antar")
CSRF = re.compile(r'name="csrf" value="([^"]*)"')


@dataclass(frozen=True)
class Printed:
    """What `antar demo` told its reader to do next."""

    serve_command: str | None
    sign_in_url: str
    operator: str
    coordinator: str
    coordinator_market: str
    links: dict[str, str]
    """``market · runner name`` -> the runner's route link."""


def read_printed(output: str) -> Printed:
    serve = re.search(r"^\s+(ANTAR_DATABASE_URL=\S+ antar serve.*)$", output, re.MULTILINE)
    sign_in = re.search(r"(http://127\.0\.0\.1:\d+/console/login)", output)
    operator = re.search(r"operator \(semua pasar\): (antar_[\w-]+)", output)
    coordinator = re.search(r"koordinator ([\w-]+): (antar_[\w-]+)", output)
    links = dict(re.findall(r"^\s+(\S+ · [^:]+): (http://\S+/r/\S+)$", output, re.MULTILINE))
    assert sign_in, output
    assert operator, output
    assert coordinator, output
    return Printed(
        serve_command=serve.group(1) if serve else None,
        sign_in_url=sign_in.group(1),
        operator=operator.group(1),
        coordinator=coordinator.group(2),
        coordinator_market=coordinator.group(1),
        links=links,
    )


@contextmanager
def started(command: list[str], env: dict[str, str], cwd: Path) -> Iterator[subprocess.Popen[str]]:
    """A process of ours, stopped (by its pid) when the block ends."""
    process = subprocess.Popen(
        command,
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout:
            process.stdout.close()


def wait_until_up(base: str, process: subprocess.Popen[str], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server stopped"
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"no server at {base}")


def check_printed_addresses(printed: Printed) -> None:
    """Sign in with each token at the printed address, and open runners' links."""
    base = printed.sign_in_url.removesuffix("/console/login")
    for token, lands_on in (
        (printed.coordinator, f"/console/{printed.coordinator_market}"),
        (printed.operator, "/console"),
    ):
        with httpx.Client(base_url=base, timeout=20) as browser:
            form = browser.get(printed.sign_in_url)
            assert form.status_code == 200
            nonce = CSRF.search(form.text)
            assert nonce is not None
            signed = browser.post(
                "/console/login",
                data={"csrf": nonce.group(1), "token": token, "next": "/console"},
            )
            assert signed.status_code == 303, signed.text
            page = browser.get("/console", follow_redirects=True)
            assert page.status_code == 200
            assert page.url.path == lands_on
            assert "Keluar" in page.text  # signed in: the sign-out button
    assert len(printed.links) == 18
    for label, link in list(printed.links.items())[::6]:
        page = httpx.get(link, timeout=20)
        assert page.status_code == 200, (label, page.text[:300])
        assert label.split(" · ")[1] in page.text


def _demo_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTAR_")}
    return env | {"ANTAR_SECRET_KEY": "demo-test-secret-key", "COLUMNS": "400"}


def test_the_printed_serve_command_tokens_and_links_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """After `antar demo`, the printed `antar serve` command serves the demo: both tokens
    sign in at the printed address and the runners' links open their routes."""
    port = free_port()
    env = _demo_env()
    for name in [k for k in os.environ if k.startswith("ANTAR_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ANTAR_SECRET_KEY", env["ANTAR_SECRET_KEY"])
    monkeypatch.setenv("COLUMNS", "400")
    demo = tmp_path / "demo"
    args = ["--out", str(demo), "--per-market", "2", "--time-limit", "0.2", "--port", str(port)]
    code = main(["demo", *args])
    assert code == 0
    printed = read_printed(capsys.readouterr().out)
    assert printed.serve_command is not None
    assert printed.sign_in_url == f"http://127.0.0.1:{port}/console/login"
    words = shlex.split(printed.serve_command)
    assignment, command = words[0], words[1:]
    name, _, value = assignment.partition("=")
    assert command[:2] == ["antar", "serve"]
    with started([str(ANTAR), *command[1:]], env | {name: value}, tmp_path) as server:
        wait_until_up(f"http://127.0.0.1:{port}", server)
        check_printed_addresses(printed)


def test_demo_serve_starts_the_server_it_prints(tmp_path: Path) -> None:
    """`antar demo --serve` prints the same addresses and serves them on loopback."""
    port = free_port()
    command = [str(ANTAR), "demo", "--serve", "--port", str(port), "--out", str(tmp_path / "d")]
    command += ["--per-market", "2", "--time-limit", "0.2"]
    with started(command, _demo_env(), tmp_path) as demo:
        assert demo.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            assert line or demo.poll() is None, "".join(lines)
            lines.append(line)
            if "peta:" in line:  # the last line of the next steps
                break
        output = "".join(lines)
        printed = read_printed(output)
        assert f"server berjalan di http://127.0.0.1:{port}" in output
        assert printed.serve_command is None
        wait_until_up(f"http://127.0.0.1:{port}", demo)
        check_printed_addresses(printed)
