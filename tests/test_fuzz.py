"""No input a caller can send makes the API fail with a 500 (schemathesis, from the spec)."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import Case

from tests.factories import Factory, login
from xinyong.core.security import Role

EXAMPLES_PER_OPERATION = 25


def test_no_input_makes_a_server_error(app: FastAPI, factory: Factory) -> None:
    # Logged in as an administrator (with CSRF token) so every operation is reachable.
    browser = TestClient(app)
    token = login(browser, factory.user(Role.PLATFORM_ADMIN))
    cookies = dict(browser.cookies.items())
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 15

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def probe(case: Case[Any]) -> None:
            response = case.call(cookies=cookies, headers={"X-CSRF-Token": token})
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")

        probe()
    assert not failures, "\n".join(sorted(set(failures)))
