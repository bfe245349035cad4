"""The JSON API over real HTTP through the ASGI app."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import Factory, login, make_ric
from xinyong.audit.models import AuditEntry
from xinyong.core import migrate
from xinyong.core.db import Database
from xinyong.core.security import Role
from xinyong.identity import service as identity
from xinyong.identity.codes import CodeType
from xinyong.identity.models import RelationRole, SubjectKind


def assert_error_shape(body: dict[str, object], code: str) -> None:
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error, dict)
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code


def test_healthz(client: TestClient, db: Database) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["schema_revision"] == migrate.head_revision(db.engine)


def test_openapi_spec_is_served(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/catalog/datasets/{code}" in spec["paths"]
    assert not any(path.startswith("/console") for path in spec["paths"])


def test_unknown_api_path_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert_error_shape(response.json(), "not_found")


def test_validation_errors_say_what_was_wrong(client: TestClient) -> None:
    response = client.get("/api/v1/calendar/deadline", params={"start": "yesterday"})
    assert response.status_code == 422
    body = response.json()
    assert_error_shape(body, "invalid_input")
    locations = [d["location"] for d in body["error"]["details"]]
    assert ["query", "start"] in locations
    assert ["query", "working_days"] in locations


def test_catalog_api(client: TestClient) -> None:
    catalog = client.get("/api/v1/catalog").json()
    assert len(catalog["datasets"]) >= 14
    penalty = client.get("/api/v1/catalog/datasets/xzcf").json()
    assert penalty["dataset"]["code"] == "XZCF"
    assert {t["code"] for t in penalty["code_tables"]} >= {"subject_category", "id_type"}
    missing = client.get("/api/v1/catalog/datasets/NOPE")
    assert missing.status_code == 404
    assert_error_shape(missing.json(), "dataset_not_found")


def test_departments_are_listed(client: TestClient, factory: Factory) -> None:
    department = factory.department()
    codes = [d["code"] for d in client.get("/api/v1/departments").json()]
    assert department.code in codes


def test_code_check_explains_the_problem(client: TestClient, factory: Factory) -> None:
    csrf = login(client, factory.user(Role.SUBMITTER))
    response = client.post(
        "/api/v1/identity/check",
        json={"code": "36042619910102009X"},
        headers={"X-CSRF-Token": csrf},
    )
    body = response.json()
    assert body["code_type"] == "ric"
    assert body["valid"] is False
    assert body["errors"][0]["message"] == "校验位错误，应为 3"


def test_reading_a_subject_is_logged_with_its_purpose(
    client: TestClient, factory: Factory, db: Database
) -> None:
    ric = make_ric("19850315")
    with db.writing() as session:
        company = identity.register_subject(
            session, CodeType.USCC, "91110000600037341L", "测试公司", SubjectKind.ORGANISATION
        )
        person = identity.register_subject(session, CodeType.RIC, ric, "王五", SubjectKind.PERSON)
        identity.relate(session, company, person, RelationRole.LEGAL_REPRESENTATIVE, source="t")
    login(client, factory.user(Role.REVIEWER))
    response = client.get("/api/v1/subjects/uscc/91110000600037341L", params={"purpose": "核查"})
    assert response.status_code == 200
    body = response.json()
    assert body["representatives"][0]["other"]["name"] == "王五"
    assert body["representatives"][0]["role_label"] == "法定代表人"
    with db.reading() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.subject_ref == "uscc:91110000600037341L")
        ).one()
        assert entry.purpose == "核查"
        assert entry.action == "personal_data.read"


def test_a_subject_read_needs_a_purpose(client: TestClient, factory: Factory) -> None:
    login(client, factory.user(Role.REVIEWER))
    response = client.get("/api/v1/subjects/ric/11010519491231002X")
    assert response.status_code == 422


def test_a_nul_character_is_a_clear_400_on_either_engine(
    client: TestClient, factory: Factory
) -> None:
    login(client, factory.user(Role.REVIEWER))
    for path in (
        "/api/v1/subjects/foreign_pr/ABC123?purpose=%E6%A0%B8%00%E6%9F%A5",
        "/api/v1/subjects/foreign_pr/ABC%00123?purpose=check",
    ):
        response = client.get(path)
        assert response.status_code == 400, path
        assert_error_shape(response.json(), "bad_request")


def test_an_unknown_subject_lookup_is_still_logged(
    client: TestClient, factory: Factory, db: Database
) -> None:
    login(client, factory.user(Role.CHECKER))
    response = client.get("/api/v1/subjects/ric/11010519491231002X", params={"purpose": "核查"})
    assert response.status_code == 404
    with db.reading() as session:
        refs = session.scalars(select(AuditEntry.subject_ref)).all()
    assert "ric:11010519491231002X" in refs


def test_invalid_subject_code_is_a_422_with_the_reason(
    client: TestClient, factory: Factory
) -> None:
    login(client, factory.user(Role.REVIEWER))
    response = client.get("/api/v1/subjects/ric/36042619910102009X", params={"purpose": "核查"})
    assert response.status_code == 422
    assert "校验位错误" in response.json()["error"]["message"]


def test_admin_manages_users_and_keys_over_the_api(client: TestClient, factory: Factory) -> None:
    csrf = login(client, factory.user(Role.PLATFORM_ADMIN))
    headers = {"X-CSRF-Token": csrf}
    department = factory.department().code
    created = client.post(
        "/api/v1/users",
        headers=headers,
        json={
            "username": "checker_a",
            "display_name": "核查员甲",
            "password": "a long passphrase",
            "role": "checker",
            "department_code": department,
        },
    )
    assert created.status_code == 201, created.text
    duplicate = client.post(
        "/api/v1/users",
        headers=headers,
        json={
            "username": "checker_a",
            "display_name": "x",
            "password": "a long passphrase",
            "role": "checker",
            "department_code": department,
        },
    )
    assert duplicate.status_code == 409
    assert_error_shape(duplicate.json(), "username_taken")

    issued = client.post(
        "/api/v1/api-keys",
        headers=headers,
        json={"name": "执法系统", "department_code": department},
    )
    assert issued.status_code == 201
    key = issued.json()["key"]
    listed = client.get("/api/v1/api-keys").json()
    assert all("key" not in k for k in listed)  # shown once only
    system = TestClient(client.app)
    assert system.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    revoked = client.delete(f"/api/v1/api-keys/{issued.json()['id']}", headers=headers)
    assert revoked.json()["revoked_at"] is not None
    assert system.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_deadline_api(client: TestClient) -> None:
    body = client.get(
        "/api/v1/calendar/deadline", params={"start": "2025-09-30", "working_days": 2}
    ).json()
    assert body == {
        "start": "2025-09-30",
        "working_days": 2,
        "deadline": "2025-10-10",
        "provisional": False,
    }
    day = client.get("/api/v1/calendar/days/2025-10-01").json()
    assert day["holiday"] == "国庆节"
    beyond = client.get(
        "/api/v1/calendar/deadline", params={"start": "9999-12-30", "working_days": 5}
    )
    assert beyond.status_code == 422  # past the last date a deadline can fall on, not a 500
    assert beyond.json()["error"]["code"] == "date_out_of_range"
    assert day["working_day"] is False
