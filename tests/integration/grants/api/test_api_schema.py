"""Schemathesis against the OpenAPI document, through the app itself (WSGI): every operation, with
a staff token and with a council officer's, answers valid and invalid requests without a server
error, with a status the document lists, and with a body that matches its schema. Derandomized
and small, so it is quick and the same every run."""

from __future__ import annotations

import time
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from grants.models import Role
from tests.builders.api import token_for
from tests.builders.applications import drafted
from tests.builders.rounds import expert_grant_round
from tests.builders.sharing import arrangement

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 3}


@pytest.mark.parametrize("role", [Role.PROGRAMME_OFFICER, Role.COUNCIL_OFFICER], ids=["staff", "council"])
def test_every_operation_matches_the_document(app, make_user, councils, role):  # type: ignore[no-untyped-def]
    user = make_user(role)
    officer = user if role is Role.COUNCIL_OFFICER else make_user(Role.COUNCIL_OFFICER)
    # Records to find, so that reads reach more than 404s.
    drafted(expert_grant_round(), councils["babergh"], officer)
    staff = user if role is Role.PROGRAMME_OFFICER else make_user(Role.PROGRAMME_OFFICER)
    arrangement({"programme": staff}, ["Babergh", "Ipswich"], date(2020, 6, 1), name="Shared legal", estimated=100)
    headers = {"Authorization": f"Bearer {token_for(user)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)

    calls = 0
    operations = 0
    failures: list[str] = []
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode, examples in EXAMPLES.items():

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                phases=[Phase.explicit, Phase.generate],
            )
            def run(case):  # type: ignore[no-untyped-def]
                nonlocal calls
                calls += 1
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                pass  # an operation with nothing to send has no invalid request to make
            except Exception as error:  # collect every operation's failure, not just the first
                failures.append(f"{operation.label} ({mode.value}): {error}")
    elapsed = time.monotonic() - started
    print(f"schemathesis: {operations} operations, {calls} requests, {elapsed:.1f}s")
    assert operations >= 50
    assert not failures, "\n\n".join(failures)
