"""The subject archive (staff and the subject themself), confidentiality holds, and signed
credit reports with their verification — over real HTTP on both engines."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from tests.factories import PASSWORD, Factory, csrf_from, login
from tests.ingest_data import company_row, person_row, write_csv
from tests.public_city import COMPANY, NUMBER, full_id_numbers, make_city, recent, rules
from tests.test_ingest import TODAY, submit
from xinyong.api.public import publication
from xinyong.archive.public import PublicQuery, search
from xinyong.audit.models import AuditEntry
from xinyong.core.db import Database
from xinyong.core.security import Role
from xinyong.identity.codes import CodeType
from xinyong.identity.models import Subject
from xinyong.ingest.models import Batch, Record
from xinyong.web.deps import today

PERSON = person_row(4)["证件号码"]


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    """The app as of the tests' fixed day."""
    app.dependency_overrides[publication] = lambda: rules()
    app.dependency_overrides[today] = lambda: TODAY
    return app


@pytest.fixture
def city(db: Database, factory: Factory, tmp_path: Path) -> str:
    """Public penalties of companies and people (see tests.public_city)."""
    return make_city(db, factory, tmp_path)


def subject_id(db: Database, code_type: CodeType, code: str) -> int:
    with db.reading() as session:
        found = session.scalar(
            select(Subject.id).where(Subject.code_type == code_type, Subject.code == code)
        )
    assert found is not None
    return found


def citizen_client(app: FastAPI, factory: Factory, code: str) -> tuple[TestClient, str]:
    """A citizen account for ``code``, logged in with the ID number as a person would."""
    factory.user(Role.CITIZEN, subject_code=code)
    client = TestClient(app)
    token = csrf_from(client)
    response = client.post(
        "/login",
        data={"username": code, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client, token


def staff_client(app: FastAPI, factory: Factory, role: Role = Role.REVIEWER) -> TestClient:
    client = TestClient(app)
    login(client, factory.user(role))
    return client


def test_a_citizen_logs_in_with_their_id_number_and_reads_only_their_own_archive(
    app: FastAPI, factory: Factory, db: Database, city: str
) -> None:
    client, _ = citizen_client(app, factory, PERSON)
    mine = subject_id(db, CodeType.RIC, PERSON)
    page = client.get("/me")
    assert page.status_code == 200
    assert "李4" in page.text
    assert "行政管理信息" in page.text
    assert not full_id_numbers(page.text)  # their own number too is masked on screen
    body = client.get(f"/api/v1/archive/{mine}").json()
    assert [s["label"] for s in body["sections"]] == ["行政管理信息"]
    assert body["history"] is None
    assert body["revisions"] is None
    company = subject_id(db, CodeType.USCC, COMPANY)
    other = client.get(f"/api/v1/archive/{company}")
    assert other.status_code == 404  # not "forbidden": existence is not theirs to learn
    assert client.get(f"/reports/{company}").status_code == 404


def test_staff_see_history_revisions_and_relations_and_every_read_is_logged(
    app: FastAPI, factory: Factory, db: Database, city: str, tmp_path: Path
) -> None:
    changed = recent(company_row(1, 处罚内容="罚款人民币六万元"))
    submit(db, write_csv(tmp_path / "again.csv", [changed]), city)
    client = staff_client(app, factory)
    company = subject_id(db, CodeType.USCC, COMPANY)
    body = client.get(f"/api/v1/archive/{company}", params={"purpose": "异议处理"}).json()
    fields = {f["name"]: f["value"] for f in body["sections"][0]["records"][0]["fields"]}
    assert fields["处罚内容"] == "罚款人民币六万元"
    assert fields["法定代表人证件号码"] == company_row(1)["法定代表人证件号码"]  # staff: in full
    assert [r["revision"] for r in body["revisions"]] == [1]
    assert [(r["role"], r["name"]) for r in body["relations"]] == [("法定代表人", "王1")]
    expired = subject_id(db, CodeType.USCC, company_row(3)["统一社会信用代码"])
    past = client.get(f"/api/v1/archive/{expired}").json()
    assert past["sections"] == []
    assert len(past["history"]) == 1
    page = client.get(f"/console/subjects/{company}", params={"purpose": "异议处理"})
    assert page.status_code == 200
    assert "修订历史" in page.text
    found = client.get("/console/subjects", params={"q": "示范贸易"})
    assert f"/console/subjects/{company}" in found.text
    with db.reading() as session:
        reads = session.execute(
            select(AuditEntry.purpose, AuditEntry.target_type).where(
                AuditEntry.action == "personal_data.read",
                AuditEntry.subject_ref == f"uscc:{COMPANY}",
            )
        ).all()
    assert ("异议处理", "archive") in reads
    assert len(reads) == 2


def test_a_checker_or_submitter_cannot_open_archives(
    app: FastAPI, factory: Factory, db: Database, city: str
) -> None:
    company = subject_id(db, CodeType.USCC, COMPANY)
    for role in (Role.CHECKER, Role.SUBMITTER, Role.AUDITOR, Role.THIRD_PARTY):
        client = staff_client(app, factory, role)
        assert client.get(f"/api/v1/archive/{company}").status_code == 403
        assert client.get(f"/reports/{company}").status_code == 403


def test_a_citizen_account_needs_a_valid_subject_code(factory: Factory, client: TestClient) -> None:
    token = login(client, factory.user(Role.PLATFORM_ADMIN))
    data = {"username": "zhangsan", "display_name": "张三", "password": "a-long-passphrase-1"}
    refused = client.post(
        "/api/v1/users", json={**data, "role": "citizen"}, headers={"X-CSRF-Token": token}
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "subject_code_required"


def test_a_report_is_issued_signed_logged_and_verifiable(
    app: FastAPI, factory: Factory, db: Database, city: str
) -> None:
    client, _ = citizen_client(app, factory, PERSON)
    mine = subject_id(db, CodeType.RIC, PERSON)
    page = client.get(f"/reports/{mine}")
    assert page.status_code == 200
    number = NUMBER.search(page.text)
    assert number, page.text[:500]
    for section in ("基础信息", "行政管理信息", "严重失信主体名单", "信用承诺", "司法判决"):
        assert section in page.text
    assert "李4" in page.text
    assert not full_id_numbers(page.text)
    verified = TestClient(app).get(f"/api/v1/public/reports/{number.group()}").json()
    assert verified["genuine"] is True
    assert verified["subject_name"] == "李4"
    assert "*" in verified["subject_code"]
    assert verified["digest"] in page.text  # printed on the report
    admin = [s for s in verified["sections"] if s["label"] == "行政管理信息"]
    assert admin[0]["count"] == 1
    assert "✔" in TestClient(app).get(f"/reports/verify/{number.group()}").text
    with db.reading() as session:
        logged = session.scalar(
            select(AuditEntry.seq).where(
                AuditEntry.target_type == "report", AuditEntry.target_id == number.group()
            )
        )
    assert logged is not None
    with db.writing() as session:  # someone edits the stored report: it no longer verifies
        session.execute(text("UPDATE issued_reports SET content = REPLACE(content, '李4', '李四')"))
    assert (
        TestClient(app).get(f"/api/v1/public/reports/{number.group()}").json()["genuine"] is False
    )
    assert TestClient(app).get("/api/v1/public/reports/XY20260101-NOSUCHREPO").status_code == 404


def test_the_report_pdf_carries_the_subject_and_its_number(
    app: FastAPI, factory: Factory, db: Database, city: str, tmp_path: Path
) -> None:
    client = staff_client(app, factory)
    company = subject_id(db, CodeType.USCC, COMPANY)
    response = client.get(f"/reports/{company}", params={"fmt": "pdf"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (make test installs poppler-utils)")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    words = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "示范贸易有限公司1" in words
    assert "公共信用信息报告" in words
    assert NUMBER.search(words)


def test_a_held_record_leaves_every_public_page_until_released(
    app: FastAPI, factory: Factory, db: Database, city: str
) -> None:
    with db.reading() as session:
        record_id = session.scalar(select(Record.id).join(Subject).where(Subject.code == COMPANY))
    public = TestClient(app)
    assert public.get(f"/api/v1/public/records/{record_id}").status_code == 200
    client = staff_client(app, factory)
    token = csrf_from(client)
    back = "/console/review"
    short = client.post(
        "/console/review/holds",
        data={"record_id": record_id, "reason": "涉密", "back": back, "csrf_token": token},
        follow_redirects=False,
    )
    assert short.status_code == 303
    assert "error=" in short.headers["location"]
    assert public.get(f"/api/v1/public/records/{record_id}").status_code == 200
    held = client.post(
        "/console/review/holds",
        data={
            "record_id": record_id,
            "reason": "含商业秘密，待部门确认",
            "back": back,
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert held.status_code == 303
    assert "error" not in held.headers["location"]
    assert public.get(f"/api/v1/public/records/{record_id}").status_code == 404
    assert public.get("/api/v1/public/records", params={"q": "贸易"}).json()["total"] == 0
    assert "含商业秘密" in client.get("/console/review").text
    released = client.post(
        f"/console/review/holds/{record_id}/release",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert released.status_code == 303
    assert public.get(f"/api/v1/public/records/{record_id}").status_code == 200


def test_review_first_publishes_a_batch_only_once_reviewed(
    app: FastAPI, factory: Factory, db: Database, city: str
) -> None:
    strict = rules(review_first=True)
    with db.reading() as session:
        assert search(session, strict, PublicQuery()).total == 0
        batch_id = session.scalar(select(Batch.id).order_by(Batch.id.desc()))
    client = staff_client(app, factory)
    queue = client.get("/console/review")
    assert f"/console/review/batches/{batch_id}" in queue.text
    assert client.get(f"/console/review/batches/{batch_id}").status_code == 200
    done = client.post(
        f"/console/review/batches/{batch_id}/done",
        data={"csrf_token": csrf_from(client)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with db.reading() as session:
        assert search(session, strict, PublicQuery()).total == 3
    assert f"/console/review/batches/{batch_id}" not in client.get("/console/review").text
