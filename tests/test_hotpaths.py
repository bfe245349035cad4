"""Hot paths: the single check is answered ahead of the middleware stack, and answers
as the stack would have (security headers, errors in the stable shape, the same rule)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi import FastAPI
from fastapi.responses import Response
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.factories import Factory
from tests.public_city import make_listed
from tests.test_checks import COMPANY
from tests.test_ingest import TODAY
from xinyong.core.db import Database
from xinyong.core.security import Role
from xinyong.sanctions import desk
from xinyong.web.deps import today
from xinyong.web.guards import SECURITY_HEADERS
from xinyong.web.hotpaths import HotPathsAPI, HotRoute

BODY = {"code": COMPANY, "scenario": "PROCUREMENT", "purpose": "政府采购资格审查"}


class Seen:
    """A middleware that notes the paths of the requests that reach the stack."""

    def __init__(self, app: ASGIApp, paths: list[str]) -> None:
        self.app, self.paths = app, paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.paths.append(scope["path"])
        await self.app(scope, receive, send)


@pytest.fixture
def seen(app: FastAPI) -> list[str]:
    """Paths that went through the middleware stack."""
    paths: list[str] = []
    app.add_middleware(Seen, paths=paths)
    app.dependency_overrides[today] = lambda: TODAY
    return paths


@pytest.fixture
def key(db: Database, factory: Factory, tmp_path: Path) -> str:
    """A checker's key, in a city with one listed company."""
    make_listed(db, factory, tmp_path)
    return factory.api_key(Role.CHECKER)


def post(app: FastAPI, key: str | None, body: Any = BODY, url: str = "/api/v1/checks") -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return TestClient(app, root_path="").post(url, json=body, headers=headers)


def assert_guarded(response: Any) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value


def test_the_check_skips_the_stack_and_carries_the_security_headers(
    app: FastAPI, seen: list[str], key: str
) -> None:
    answer = post(app, key)
    assert answer.status_code == 200, answer.text
    assert answer.json()["hits"], "the listed company is hit"
    assert_guarded(answer)
    assert seen == []
    # A query string is not for the front: the stack answers, the same way.
    again = post(app, key, url="/api/v1/checks?via=stack")
    assert again.status_code == 200
    assert again.json()["hits"] == answer.json()["hits"]
    assert seen == ["/api/v1/checks"]


def test_its_errors_come_in_the_stable_shape(app: FastAPI, seen: list[str], key: str) -> None:
    anonymous = post(app, None)
    assert (anonymous.status_code, anonymous.json()["error"]["code"]) == (401, "not_authenticated")
    invalid = post(app, key, {"code": "1", "scenario": "PROCUREMENT"})
    assert (invalid.status_code, invalid.json()["error"]["code"]) == (422, "invalid_input")
    unknown = post(app, key, {**BODY, "scenario": "NOPE"})
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "scenario_not_found")
    for response in (anonymous, invalid, unknown):
        assert_guarded(response)
    assert seen == []


def test_an_unexpected_failure_is_a_logged_500_in_the_stable_shape(
    app: FastAPI, seen: list[str], key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(desk, "prepare", broken)
    answer = post(app, key)
    assert (answer.status_code, answer.json()["error"]["code"]) == (500, "internal_error")
    assert "boom" not in answer.text
    assert_guarded(answer)


def test_an_http_error_is_answered_by_the_handler_for_its_status(
    app: FastAPI, seen: list[str], key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def teapot(*_: object) -> None:
        raise HTTPException(418, "short and stout")

    async def by_status(*_: object) -> Any:
        from fastapi.responses import JSONResponse

        return JSONResponse({"status": 418}, status_code=418)

    app.add_exception_handler(418, by_status)
    monkeypatch.setattr(desk, "prepare", teapot)
    answer = post(app, key)
    assert (answer.status_code, answer.json()) == (418, {"status": 418})


def test_a_root_path_is_taken_off_before_matching(app: FastAPI, seen: list[str], key: str) -> None:
    client = TestClient(app, root_path="/credit", headers={"Authorization": f"Bearer {key}"})
    answer = client.post("/credit/api/v1/checks", json=BODY)
    assert answer.status_code == 200, answer.text
    assert seen == []


def test_hot_routes_are_fixed_once_the_app_serves(app: FastAPI, seen: list[str], key: str) -> None:
    assert isinstance(app, HotPathsAPI)
    post(app, key)
    with pytest.raises(RuntimeError):
        app.add_hot_route(app.hot_routes[0])


class Framed(HotRoute):
    """A hot route whose answer sets one of the security headers itself."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        async def handle(request: Request) -> Response:
            return Response("framed", headers={"X-Frame-Options": "SAMEORIGIN"})

        return handle


def test_only_a_hot_route_is_hot_and_a_header_it_set_is_kept() -> None:
    app = HotPathsAPI()

    @app.post("/plain")
    async def plain() -> dict[str, str]:
        return {}

    with pytest.raises(TypeError):
        app.add_hot_route(cast(HotRoute, app.router.routes[-1]))
    app.router.add_api_route("/framed", plain, methods=["POST"], route_class_override=Framed)
    app.add_hot_route(cast(HotRoute, app.router.routes[-1]))
    answer = TestClient(app).post("/framed")
    assert (answer.status_code, answer.text) == (200, "framed")
    assert answer.headers.get_list("x-frame-options") == ["SAMEORIGIN"]
    assert answer.headers["x-content-type-options"] == "nosniff"
