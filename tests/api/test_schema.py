"""schemathesis against ``/openapi.json`` with every check: the schema is the server.

A few generated examples per operation (valid and invalid ones), sent in-process (ASGI)
with an operator's token to an application on a seeded database of its own. Path
parameters are replaced by ones that exist (an order on the runner's route, the runner, a
run, a market, a valid runner link), so generated bodies reach the code behind the lookups;
unknown ids are the access tests' job. Every check schemathesis has runs (no 5xx, answers as
documented, schema-invalid requests refused, undocumented methods 405 with the right
``Allow``...); ``positive_data_acceptance`` runs as `accepts_well_formed_data`, which also
allows the domain's listed refusals of well-formed data (`tests.api.schema_rules`). The
longer run is ``python -m bench.schema``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import CHECKS as REGISTERED
from schemathesis.checks import load_all_checks
from schemathesis.core.parameters import ParameterLocation
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api import create_app
from dispatch.settings import Settings
from tests.api.conftest import World
from tests.api.factories import add_order, add_plan, add_stop
from tests.api.schema_rules import accepts_well_formed_data

load_all_checks()
#: Every check, `accepts_well_formed_data` in the place of positive_data_acceptance.
CHECKS = [check for check in REGISTERED.get_all() if check is not positive_data_acceptance]
assert accepts_well_formed_data in CHECKS

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
            "seller_code": "sawojajar-keripik-tempe-sanan",
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
    """Generated requests never get a 5xx, every answer is what the schema says, and what
    the schema forbids is refused."""
    negative = {
        location
        for location, info in (case.meta.components.items() if case.meta else ())
        if info.mode.is_negative
    }
    if ParameterLocation.PATH not in negative:
        for name in case.path_parameters or {}:
            if name in existing:
                case.path_parameters[name] = existing[name]  # type: ignore[index]
    # A case whose headers are the invalid part (e.g. no Authorization) is sent as made.
    headers = {} if ParameterLocation.HEADER in negative else world.auth(world.operator)
    case.call_and_validate(headers=headers, checks=CHECKS, app=served)
