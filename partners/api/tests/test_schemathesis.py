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
