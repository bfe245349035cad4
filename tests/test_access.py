"""Every route declares who may call it; walking every route × role proves the rule holds."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from tests.factories import Factory, login
from xinyong.core.security import Role
from xinyong.web.access import rules_of

# Values for path parameters: enough to reach the handler, not necessarily to find anything.
PATH_VALUES = {
    "code": "XZCF",
    "code_type": "ric",
    "user_id": "999999",
    "batch_id": "999999",
    "key_id": "999999",
    "day": "2025-10-01",
    "fmt": "csv",
    "record_id": "999999",
    "uscc": "91110000600037341L",
    "subject_id": "999999",
    "check_id": "999999",
    "entry_id": "999999",
    "case_id": "999999",
    "attachment_id": "999999",
    "number": "XY20261121-0000000000",
    "authorisation_id": "999999",
}
ANONYMOUS = "anonymous"


def _routes(app: FastAPI) -> list[tuple[str, str, APIRoute]]:
    """(method, full path, route) for every API route, including those of included routers."""
    routes = [
        (method, str(context.path), context.original_route)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        for method in sorted(context.methods or ())
    ]
    # Logging out ends the walker's session: walk it last.
    return sorted(routes, key=lambda r: r[1] == "/logout")


def test_every_route_has_exactly_one_access_rule(app: FastAPI) -> None:
    missing = [f"{m} {p}" for m, p, r in _routes(app) if len(list(rules_of(r.dependant))) != 1]
    assert not missing, f"routes without exactly one access rule: {missing}"


def test_every_route_and_role(app: FastAPI, factory: Factory) -> None:
    clients: dict[str, tuple[TestClient, str]] = {}
    for role in Role:
        client = TestClient(app)
        clients[role.value] = (client, login(client, factory.user(role)))
    anonymous = TestClient(app)
    from tests.factories import csrf_from

    clients[ANONYMOUS] = (anonymous, csrf_from(anonymous))

    failures: list[str] = []
    for method, path, route in _routes(app):
        (rule,) = rules_of(route.dependant)
        url = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)
        for who, (client, csrf) in clients.items():
            response = client.request(
                method, url, headers={"X-CSRF-Token": csrf}, follow_redirects=False
            )
            admitted = rule.public or (who != ANONYMOUS and Role(who) in (rule.roles or ()))
            status = response.status_code
            to_login = status == 303 and "/login" in response.headers.get("location", "")
            if admitted and (status in (401, 403) or to_login):
                failures.append(f"{who} refused on {method} {path}: {status}")
            if not admitted:
                expected = 401 if who == ANONYMOUS else 403
                # Pages send an anonymous visitor to the login form instead of a bare 401.
                if who == ANONYMOUS and to_login:
                    continue
                if status != expected:
                    failures.append(f"{who} got {status} on {method} {path}, expected {expected}")
            if status >= 500:
                failures.append(f"{who} caused {status} on {method} {path}")
    assert len(_routes(app)) >= 30
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", [Role.SUBMITTER, Role.CHECKER])
def test_api_keys_authenticate_department_systems(
    client: TestClient, factory: Factory, role: Role
) -> None:
    key = factory.api_key(role)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert response.json()["role"] == role.value
    assert response.json()["kind"] == "api_key"


def test_api_key_requests_need_no_csrf_token(client: TestClient, factory: Factory) -> None:
    key = factory.api_key()
    response = client.post(
        "/api/v1/identity/check",
        json={"code": "11010519491231002X"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize("header", ["Bearer xy_nope_nope", "Basic abc", "Bearer "])
def test_bad_credentials_are_401_with_the_error_shape(client: TestClient, header: str) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert set(response.json()["error"]) == {"code", "message", "details"}


def test_cookie_requests_without_csrf_token_are_refused(
    client: TestClient, factory: Factory
) -> None:
    login(client, factory.user(Role.PLATFORM_ADMIN))
    response = client.post("/api/v1/identity/check", json={"code": "11010519491231002X"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


def test_login_form_without_csrf_token_is_refused(client: TestClient, factory: Factory) -> None:
    user = factory.user(Role.AUDITOR)
    response = client.post("/login", data={"username": user.username, "password": "x"})
    assert response.status_code == 403
