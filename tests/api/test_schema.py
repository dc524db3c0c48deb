"""schemathesis against ``/openapi.json``: no 5xx, and every answer matches the schema.

A few generated examples per operation, sent in-process (ASGI) with an operator's token to
an application on a seeded database of its own. Path parameters are replaced by ones that
exist (an order on the runner's route, the runner, a run, a market, a valid runner link), so
generated bodies reach the code behind the lookups; unknown ids are the access tests' job.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api import create_app
from dispatch.settings import Settings
from tests.api.conftest import World
from tests.api.factories import add_order, add_plan, add_stop

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# The schema is the same for every application: read it from one that never starts.
_SCHEMA_APP = create_app(Settings(database_url="sqlite://"))
schema = schemathesis.openapi.from_dict(_SCHEMA_APP.openapi())
schema.app = _SCHEMA_APP


@pytest.fixture
def existing(engine: Engine, world: World) -> dict[str, str]:
    """Path parameters that name things that exist."""
    with Session(engine) as session:
        run = add_plan(session, world.markets["sawojajar"], world.day)
        order = add_order(session, world.markets["sawojajar"], "schema-1", world.day)
        add_stop(session, run, world.runner, order)
        return {
            "order_id": str(order.id),
            "runner_id": str(world.runner.id),
            "run_id": str(run.id),
            "code": "sawojajar",
            "link": world.link,
        }


@pytest.fixture
def served(app: FastAPI, world: World) -> Iterator[FastAPI]:
    """The test application; its lifespan (started by schemathesis) is stopped afterwards."""
    try:
        yield app
    finally:
        shutdown_lifespans()


@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(
    case: Case, served: FastAPI, world: World, existing: dict[str, str]
) -> None:
    """Generated requests never get a 5xx, and every answer is what the schema says."""
    for name in case.path_parameters or {}:
        if name in existing:
            case.path_parameters[name] = existing[name]  # type: ignore[index]
    case.call_and_validate(headers=world.auth(world.operator), checks=CHECKS, app=served)
