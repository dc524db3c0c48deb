"""The command line's API commands: tokens, runner links and ``antar serve``."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx2 as httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dispatch.auth import Role, authenticate, verify_runner_link
from dispatch.cli import main
from dispatch.settings import Settings
from tests.api.conftest import World
from tests.serving import free_port


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Settings:
    """The command line pointed at the test database and signing key."""
    monkeypatch.setenv("ANTAR_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("ANTAR_SECRET_KEY", settings.secret_key)
    return settings


def test_token_create_prints_the_token_alone(
    cli_env: Settings, world: World, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    """``tokens create`` prints one line, the token, which then authenticates."""
    assert main(["tokens", "create", "--role", "coordinator", "--market", "mergan"]) == 0
    printed = capsys.readouterr().out
    token = printed.strip()
    assert printed == token + "\n"
    with Session(engine) as session:
        principal = authenticate(session, token)
    assert principal is not None
    assert principal.role is Role.COORDINATOR
    assert principal.market_id == world.markets["mergan"].id


def test_coordinator_token_needs_a_market(cli_env: Settings, world: World) -> None:
    """A coordinator token without --market is refused (exit 2)."""
    assert main(["tokens", "create", "--role", "coordinator"]) == 2


def test_revoked_token_stops_working(
    cli_env: Settings, world: World, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    """``tokens revoke`` ends a token; revoking it again exits 1."""
    assert main(["tokens", "revoke", world.operator]) == 0
    with Session(engine) as session:
        assert authenticate(session, world.operator) is None
    assert main(["tokens", "revoke", world.operator]) == 1


def test_runner_links_are_printed_per_runner(
    cli_env: Settings, world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """``runners link`` prints each runner's name and a valid link under the public base."""
    assert main(["runners", "link", "--market", "sawojajar", "--date", str(world.day)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split("\t")[0] for line in lines] == [r.name for r in world.runners["sawojajar"]]
    for line, runner in zip(lines, world.runners["sawojajar"], strict=True):
        url = line.split("\t")[1]
        assert url.startswith("http://127.0.0.1:8000/r/")
        link = verify_runner_link(url.rsplit("/", 1)[1], cli_env)
        assert (link.runner_id, link.service_date) == (runner.id, world.day)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_runs_the_api(cli_env: Settings, world: World, workers: str) -> None:
    """``antar serve --port P --workers N`` answers /readyz on loopback until stopped."""
    port = free_port()
    command = ["serve", "--port", str(port), "--workers", workers]
    server = subprocess.Popen(
        [sys.executable, "-m", "dispatch.cli", *command],
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120  # workers import the solvers: slow when loaded
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        assert answer.status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=20)
