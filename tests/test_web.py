"""Pages: login, console, portal, errors, headers, and the start-up refusals."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from tests.conftest import TEST_SECRET
from tests.factories import PASSWORD, Factory, csrf_from, login
from xinyong.accounts.models import User
from xinyong.app import create_app
from xinyong.core import migrate
from xinyong.core.db import Database, create_db_engine
from xinyong.core.errors import ConfigurationError
from xinyong.core.meta import DEMO_LOADED, set_meta
from xinyong.core.security import Principal, Role
from xinyong.core.settings import Settings
from xinyong.web.access import PUBLIC


@pytest.mark.parametrize(("role", "home"), [(Role.REVIEWER, "/console"), (Role.CITIZEN, "/me")])
def test_login_goes_home(client: TestClient, factory: Factory, role: Role, home: str) -> None:
    user = factory.user(role)
    token = csrf_from(client)
    response = client.post(
        "/login",
        data={"username": user.username, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == home
    assert "HttpOnly" in response.headers["set-cookie"]
    assert user.display_name in client.get(home).text


def test_wrong_password_shows_the_form_again(client: TestClient, factory: Factory) -> None:
    user = factory.user(Role.AUDITOR)
    token = csrf_from(client)
    response = client.post(
        "/login", data={"username": user.username, "password": "nope nope", "csrf_token": token}
    )
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text


def test_repeated_failures_lock_the_account(client: TestClient, factory: Factory) -> None:
    user = factory.user(Role.AUDITOR)
    token = csrf_from(client)
    for _ in range(5):
        client.post(
            "/login",
            data={"username": user.username, "password": "wrong password", "csrf_token": token},
        )
    response = client.post(
        "/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token}
    )
    assert "锁定" in response.text


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_login_never_redirects_off_site(client: TestClient, factory: Factory, target: str) -> None:
    user = factory.user(Role.REVIEWER)
    token = csrf_from(client)
    response = client.post(
        "/login",
        data={"username": user.username, "password": PASSWORD, "csrf_token": token, "next": target},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/console"


def test_logout_ends_the_session(client: TestClient, factory: Factory) -> None:
    token = login(client, factory.user(Role.REVIEWER))
    cookie = client.cookies.get("xinyong_session")
    client.post("/logout", data={"csrf_token": token})
    stale = TestClient(client.app, cookies={"xinyong_session": cookie or ""})
    response = stale.get("/console", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_anonymous_console_visit_goes_to_login(client: TestClient) -> None:
    response = client.get("/console/users", follow_redirects=False)
    assert response.headers["location"] == "/login?next=/console/users"


def test_citizen_gets_a_friendly_403_page(client: TestClient, factory: Factory) -> None:
    login(client, factory.user(Role.CITIZEN))
    response = client.get("/console")
    assert response.status_code == 403
    assert "没有权限" in response.text


def test_pages_for_each_staff_role(client: TestClient, factory: Factory) -> None:
    login(client, factory.user(Role.PLATFORM_ADMIN))
    for path in [
        "/console",
        "/console/departments",
        "/console/users",
        "/console/api-keys",
        "/console/audit",
    ]:
        assert client.get(path).status_code == 200, path


def test_admin_creates_a_user_from_the_form(
    client: TestClient, factory: Factory, db: Database
) -> None:
    token = login(client, factory.user(Role.PLATFORM_ADMIN))
    department = factory.department().code
    form = {
        "csrf_token": token,
        "username": "clerk_z",
        "display_name": "报送员乙",
        "password": "a long passphrase",
        "role": "submitter",
        "department_code": department,
    }
    response = client.post("/console/users", data=form)
    assert response.status_code == 200
    assert "已创建用户 clerk_z" in response.text
    again = client.post("/console/users", data=form)
    assert again.status_code == 422
    assert "已存在" in again.text
    weak = client.post("/console/users", data={**form, "username": "clerk_y", "password": "x"})
    assert "密码至少" in weak.text
    odd = client.post("/console/users", data={**form, "username": "有 空格"})
    assert odd.status_code == 422
    assert "以下内容格式不正确：用户名" in odd.text
    with db.reading() as session:
        assert session.scalar(select(User.username).where(User.username == "clerk_y")) is None


def test_api_key_is_shown_once_and_revoked_with_htmx(client: TestClient, factory: Factory) -> None:
    token = login(client, factory.user(Role.PLATFORM_ADMIN))
    department = factory.department().code
    page = client.post(
        "/console/api-keys",
        data={"csrf_token": token, "name": "执法系统", "department_code": department},
    )
    assert page.headers["cache-control"] == "no-store"
    key = re.search(r'<pre class="secret" id="issued-key">(xy_[^<]+)</pre>', page.text)
    assert key is not None
    assert key.group(1) not in client.get("/console/api-keys").text
    key_id = re.search(r'id="key-(\d+)"', page.text)
    assert key_id is not None
    row = client.post(
        f"/console/api-keys/{key_id.group(1)}/revoke",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert row.text.strip().startswith("<tr")
    assert "已吊销" in row.text


def test_auditor_verifies_the_chain(client: TestClient, factory: Factory) -> None:
    login(client, factory.user(Role.AUDITOR))
    assert "哈希链完整" in client.get("/console/audit/verify").text


def test_public_pages(client: TestClient) -> None:
    home = client.get("/")
    assert home.status_code == 200
    assert "信用信息目录" in home.text
    assert "htmx.min.js" in home.text
    assert client.get("/catalog").status_code == 200
    dataset = client.get("/catalog/XZCF")
    assert "行政处罚决定书文号" in dataset.text
    assert "最短 3 个月、最长 12 个月" in dataset.text
    assert client.get("/catalog/NOPE").status_code == 404
    assert client.get("/static/vendor/htmx.min.js").status_code == 200


def test_pages_load_nothing_from_elsewhere(client: TestClient) -> None:
    for path in ["/", "/catalog", "/catalog/XZCF", "/login"]:
        assert not re.search(r'(src|href)="(https?:)?//', client.get(path).text), path


def test_security_headers_and_csrf_cookie(client: TestClient) -> None:
    response = client.get("/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert "xinyong_csrf" in response.headers["set-cookie"]
    api = client.get("/api/v1/catalog")
    assert api.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in api.headers  # the API's clients are systems, not forms


def test_unknown_page_is_a_friendly_404(client: TestClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "页面不存在" in response.text


@pytest.mark.parametrize("key", [None, "secret", "too-short-key"])
def test_no_start_without_a_real_secret_key(db: Database, key: str | None) -> None:
    settings = Settings(secret_key=SecretStr(key) if key else None, demo=False)
    with pytest.raises(ConfigurationError, match="refusing to start"):
        create_app(settings, database=db)


def test_demo_mode_starts_without_a_key(db: Database) -> None:
    create_app(Settings(demo=True), database=db)


def test_no_start_on_a_demo_database_outside_demo_mode(db: Database) -> None:
    with db.writing() as session:
        set_meta(session, DEMO_LOADED, "2026-11-21")
    with pytest.raises(ConfigurationError, match="demo"):
        create_app(Settings(secret_key=SecretStr(TEST_SECRET), demo=False), database=db)


def test_logged_in_requests_on_sqlite_never_wait_on_themselves(tmp_path: Path) -> None:
    # On a real file database (no shared test connection), a request holding the write lock
    # must not open a second connection that queues behind it (it would time out).
    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = create_db_engine(url, busy_timeout_ms=200)
    migrate.upgrade(engine)
    database = Database.from_engine(engine)
    app = create_app(
        Settings(database_url=url, secret_key=SecretStr(TEST_SECRET)), database=database
    )
    with TestClient(app) as browser:
        login(browser, Factory(database).user(Role.REVIEWER))
        for path in ["/healthz", "/console", "/", "/api/v1/me"]:
            assert browser.get(path).status_code == 200, path


def test_a_database_held_by_another_writer_answers_503_not_500(app: FastAPI) -> None:
    """SQLite's one writer held past the busy timeout (a long sweep): retry later."""

    @app.get("/busy-probe")
    def busy(_: Principal = PUBLIC) -> None:
        raise OperationalError(
            "BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked")
        )

    response = TestClient(app).get("/busy-probe")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
