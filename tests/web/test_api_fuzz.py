"""Schemathesis drives every API operation with generated input: whatever comes in, never a 500."""

from __future__ import annotations

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from microcred.accounts import service, tokens
from microcred.accounts.models import Role
from microcred.accounts.principal import Actor
from microcred.store import Database
from tests.conftest import World

EXAMPLES_PER_OPERATION = 30


def test_generated_requests_never_cause_a_server_error(app: FastAPI, database: Database, world: World) -> None:
    with database.session() as db:
        organisation = service.organisation_for(db, Actor.operator(), "a")
        _token, secret = tokens.create_api_token(
            db, Actor.operator(), organisation, owner=world.users["a_org_admin"], role=Role.ORG_ADMIN, name="fuzz"
        )
    headers = {"Authorization": f"Bearer {secret}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def never_a_server_error(case) -> None:  # type: ignore[no-untyped-def]
            if "org" in (case.path_parameters or {}):
                # Mostly our own organisation, so the calls reach the code behind the access check.
                case.path_parameters["org"] = "a"
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        never_a_server_error()
