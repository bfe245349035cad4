"""Who looked at my record (查询使用登记): the subject sees every read of their data — a
check, a staff view of the archive, their own — as the body and role that read it and why."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import Factory, login
from tests.ingest_data import company_row
from tests.public_city import make_listed
from xinyong.accounts.models import Department
from xinyong.core.db import Database
from xinyong.core.security import Role

COMPANY = company_row(1)["统一社会信用代码"]


def _checker(app: FastAPI, factory: Factory, department: Department) -> TestClient:
    """A client with a checker's key of ``department``."""
    key = factory.api_key(Role.CHECKER, department.code)
    return TestClient(app, headers={"Authorization": f"Bearer {key}"})


def test_the_subject_sees_who_read_their_data_and_why(
    app: FastAPI, db: Database, factory: Factory, tmp_path: Path
) -> None:
    make_listed(db, factory, tmp_path)
    department = factory.department()
    checker = _checker(app, factory, department)
    body = {"code": COMPANY, "scenario": "PROCUREMENT", "purpose": "供应商资格审查"}
    assert checker.post("/api/v1/checks", json=body).status_code == 200

    company = TestClient(app)
    login(company, factory.user(Role.CITIZEN, subject_code=COMPANY))
    assert company.get("/me").status_code == 200  # their own look is logged too
    reads = company.get("/api/v1/me/reads").json()
    assert [(r["who"], r["what"], r["purpose"]) for r in reads] == [
        ("本人", "查看信用档案", "本人查询"),
        (f"{department.name}（部门核查员）", "联合奖惩核查", "供应商资格审查"),
    ]
    page = company.get("/me/reads").text
    assert "供应商资格审查" in page
    assert "api_key:" not in page  # the body and role, not a clerk's account
    older = company.get(f"/api/v1/me/reads?before={reads[-1]['seq']}").json()
    assert older == []

    stranger = TestClient(app)
    login(stranger, factory.user(Role.CITIZEN))
    assert stranger.get("/api/v1/me/reads").json() == []


def test_a_batch_check_is_in_the_query_log_once_per_request(
    app: FastAPI, db: Database, factory: Factory, tmp_path: Path
) -> None:
    make_listed(db, factory, tmp_path)
    checker = _checker(app, factory, factory.department())
    body = {"codes": [COMPANY, COMPANY], "scenario": "PROCUREMENT", "purpose": "批量资格审查"}
    assert checker.post("/api/v1/checks/batch", json=body).status_code == 200
    company = TestClient(app)
    login(company, factory.user(Role.CITIZEN, subject_code=COMPANY))
    reads = company.get("/api/v1/me/reads").json()
    assert [(r["what"], r["purpose"], r["basis"]) for r in reads] == [
        ("联合奖惩核查", "批量资格审查", "依法履职")
    ]
    auditor = TestClient(app)
    login(auditor, factory.user(Role.AUDITOR))
    found = auditor.get("/api/v1/audit", params={"subject_ref": f"uscc:{COMPANY}"}).json()
    assert [(e["action"], e["purpose"]) for e in found] == [("checks.logged", "批量资格审查")]
    assert auditor.get("/api/v1/audit", params={"subject_ref": "nonsense:1"}).json() == []
