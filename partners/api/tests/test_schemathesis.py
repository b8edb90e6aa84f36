"""Property-based API testing: schemathesis generates requests from /api/v1/openapi.json and sends them
in-process (WSGI) with a Care Partner's token; no answer may be a server error or break its own schema.

Examples are bounded (``MAX_EXAMPLES`` per operation, derandomised) so the run is quick and repeatable.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

MAX_EXAMPLES = int(os.environ.get("PARTNERS_SCHEMATHESIS_EXAMPLES", 10))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}  # type: ignore[union-attr]


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Any:
    """As Django's test client does: the WSGI handler must not close the test's database connection (which
    holds the test's transaction) at the end of each request."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_token(world: Any) -> str:
    from partners.accounts.services import api_token_create

    return api_token_create(user=world.users["cp1"], name="schemathesis")


def test_every_api_operation_is_covered():
    assert len(OPERATIONS) >= 20
    assert "POST /api/v1/service-users/{person_id}/contacts" in OPERATIONS


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_api_answer_is_a_server_error_or_breaks_the_documented_schema(label, world, api_token):
    operation = OPERATIONS[label]
    in_scope = world.people["p1"].pk

    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        if "person_id" in (case.path_parameters or {}):
            case.path_parameters["person_id"] = in_scope  # in the caller's scope, so the real handlers run
        case.call_and_validate(headers={"Authorization": f"Bearer {api_token}"}, checks=CHECKS)

    check()


def test_a_nul_character_in_a_search_is_refused_or_ignored_never_a_server_error(world, api_client):
    """Found by schemathesis on PostgreSQL, whose text cannot hold NUL: that was a 500."""
    from django.db import connection

    response = api_client(world.users["cp1"]).get("/api/v1/services", {"search": "a\x00b"})
    assert response.status_code == (422 if connection.vendor == "postgresql" else 200)
