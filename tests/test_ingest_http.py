"""The console and API doors of collection, over HTTP through the app."""

from __future__ import annotations

import io
import re
from pathlib import Path

import polars as pl
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import Factory, login
from tests.ingest_data import company_row, person_row, write_csv
from xinyong.audit.models import AuditEntry
from xinyong.core.db import Database
from xinyong.core.security import Role


def _csv(tmp_path: Path, *rows: dict[str, object]) -> bytes:
    return write_csv(tmp_path / "p.csv", list(rows)).read_bytes()


def test_a_department_system_uploads_a_file(
    client: TestClient, factory: Factory, db: Database, tmp_path: Path
) -> None:
    key = factory.api_key(Role.SUBMITTER)
    auth = {"Authorization": f"Bearer {key}"}
    body = _csv(tmp_path, company_row(1), person_row(2, 证件号码="36042619910102009X"))
    response = client.post(
        "/api/v1/datasets/XZCF/batches",
        headers=auth,
        files={"file": ("处罚.csv", body, "text/csv")},
    )
    assert response.status_code == 201, response.text
    batch = response.json()
    assert (batch["rows_read"], batch["rows_accepted"], batch["rows_rejected"]) == (2, 1, 1)
    assert batch["channel"] == "api"
    again = client.get(f"/api/v1/batches/{batch['id']}", headers=auth).json()
    assert again["file_sha256"] == batch["file_sha256"]
    errors = client.get(f"/api/v1/batches/{batch['id']}/errors", headers=auth).json()
    assert errors[0]["messages"] == ["第 3 行 证件号码: 校验位错误，应为 3"]
    assert errors[0]["original"]["证件号码"] == "36042619910102009X"
    report = client.get(f"/api/v1/batches/{batch['id']}/errors?format=csv", headers=auth)
    assert report.headers["content-type"].startswith("text/csv")
    assert "错误说明" in report.text
    workbook = client.get(f"/api/v1/batches/{batch['id']}/errors?format=xlsx", headers=auth)
    sheet = pl.read_excel(io.BytesIO(workbook.content), infer_schema_length=0)
    assert sheet.columns[-1] == "错误说明"
    assert sheet.height == 1
    with db.reading() as session:  # the rows as sent carry personal data: exports logged
        exports = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "personal_data.export")
        ).all()
    assert len(exports) == 2


def test_json_rows_are_a_batch_too(client: TestClient, factory: Factory) -> None:
    key = factory.api_key(Role.SUBMITTER)
    response = client.post(
        "/api/v1/datasets/XZCF/batches",
        headers={"Authorization": f"Bearer {key}"},
        json={"rows": [company_row(1), company_row(2)]},
    )
    assert response.status_code == 201, response.text
    assert response.json()["rows_new"] == 2


def test_an_unreadable_upload_is_a_422_naming_the_failed_batch(
    client: TestClient, factory: Factory
) -> None:
    key = factory.api_key(Role.SUBMITTER)
    response = client.post(
        "/api/v1/datasets/XZCF/batches",
        headers={"Authorization": f"Bearer {key}"},
        files={"file": ("x.xlsx", b"not a workbook", "application/octet-stream")},
    )
    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "unreadable_file"
    assert body["details"]["batch_id"] > 0


def test_other_bodies_are_refused_clearly(client: TestClient, factory: Factory) -> None:
    key = factory.api_key(Role.SUBMITTER)
    auth = {"Authorization": f"Bearer {key}"}
    assert (
        client.post("/api/v1/datasets/XZCF/batches", headers=auth, content=b"x").status_code == 415
    )
    bad = client.post("/api/v1/datasets/XZCF/batches", headers=auth, json={"rows": []})
    assert bad.status_code == 422
    assert (
        client.post(
            "/api/v1/datasets/NOPE/batches", headers=auth, json={"rows": [company_row(1)]}
        ).status_code
        == 404
    )


def test_a_department_cannot_read_another_departments_batch(
    client: TestClient, factory: Factory
) -> None:
    mine, theirs = factory.api_key(Role.SUBMITTER), factory.api_key(Role.SUBMITTER)
    created = client.post(
        "/api/v1/datasets/XZCF/batches",
        headers={"Authorization": f"Bearer {mine}"},
        json={"rows": [company_row(1)]},
    ).json()
    other = client.get(
        f"/api/v1/batches/{created['id']}", headers={"Authorization": f"Bearer {theirs}"}
    )
    assert other.status_code == 404


def test_a_clerk_uploads_in_the_console(
    client: TestClient, factory: Factory, tmp_path: Path
) -> None:
    clerk = factory.user(Role.SUBMITTER)
    token = login(client, clerk)
    page = client.get("/console/batches")
    assert "上传数据文件" in page.text
    body = _csv(tmp_path, company_row(1), company_row(2, 处罚决定日期="明天"))
    response = client.post(
        "/console/batches",
        data={"csrf_token": token, "dataset_code": "XZCF"},
        files={"file": ("处罚.csv", body, "text/csv")},
    )
    assert response.status_code == 200
    assert "1 行未通过校验" in response.text
    assert "第 3 行 处罚决定日期: 「明天」不是有效日期" in response.text
    batch_id = re.search(r"/console/batches/(\d+)/errors.xlsx", response.text)
    assert batch_id is not None
    download = client.get(f"/console/batches/{batch_id.group(1)}/errors.csv")
    assert "明天" in download.text


def test_a_console_upload_of_a_bad_file_shows_why(client: TestClient, factory: Factory) -> None:
    token = login(client, factory.user(Role.SUBMITTER))
    response = client.post(
        "/console/batches",
        data={"csrf_token": token, "dataset_code": "XZCF"},
        files={"file": ("处罚.csv", "只有一列\n1\n".encode(), "text/csv")},
    )
    assert "文件未能处理" in response.text
    assert "缺少必填列" in response.text
