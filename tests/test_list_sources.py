"""Entries that do not come from a rule: the deciding department's submission (认定部门报送)
and the derived list of subjects with three clean years (三年无不良信用记录)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import Factory
from tests.ingest_data import company_row, write_csv
from tests.public_city import COLUMNS, SEVERITY, make_listed, recent
from tests.test_ingest import TODAY, submit
from xinyong.catalog.loader import get_catalog
from xinyong.core.db import Database
from xinyong.core.security import Role
from xinyong.identity.models import Subject
from xinyong.ingest.models import Record
from xinyong.lists.definitions import get_lists
from xinyong.lists.derived import years_before
from xinyong.lists.models import ListEntry
from xinyong.lists.service import recompute
from xinyong.web.deps import today

GENERAL = company_row(2)["统一社会信用代码"]  # a general penalty: on no list by rule
REPRESENTATIVE = company_row(2)["法定代表人"]
OLD = {
    **company_row(3),
    "行政处罚决定书文号": "示市监罚〔2022〕3号",
    "处罚决定日期": "2022-06-01",
    "处罚有效期": "2022-12-01",
    "公示截止期": "2023-06-01",
    SEVERITY: "一般",
}
CLEAN = company_row(3)["统一社会信用代码"]


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    app.dependency_overrides[today] = lambda: TODAY
    return app


def _entries(db: Database, code: str) -> list[tuple[str, str, str | None]]:
    """(subject name, source, exit reason) of the list's entries."""
    with db.reading() as session:
        rows = session.execute(
            select(Subject.name, ListEntry.source, ListEntry.exit_reason)
            .join(Subject, Subject.id == ListEntry.subject_id)
            .where(ListEntry.list_code == code)
            .order_by(ListEntry.id)
        ).all()
    return [(n, s.value, r.value if r else None) for n, s, r in rows]


def _record_of(db: Database, code: str) -> int:
    with db.reading() as session:
        found = session.scalar(
            select(Record.id)
            .join(Subject, Subject.id == Record.subject_id)
            .where(Subject.code == code)
        )
    assert found is not None
    return found


@pytest.fixture
def clerk(app: FastAPI, db: Database, factory: Factory, tmp_path: Path) -> TestClient:
    """The department that decided the city's penalties, with a submitter's key."""
    department = make_listed(db, factory, tmp_path)
    key = factory.api_key(Role.SUBMITTER, department)
    return TestClient(app, headers={"Authorization": f"Bearer {key}"})


def _submit(client: TestClient, code: str = "SERIOUS", **body: Any) -> Any:
    payload = {"subject_code": GENERAL, "note": "认定文书：示市监信〔2026〕1号", **body}
    return client.post(f"/api/v1/lists/{code}/entries", json=payload)


def test_the_deciding_department_lists_a_subject_and_takes_it_back(
    clerk: TestClient, db: Database
) -> None:
    record_id = _record_of(db, GENERAL)
    response = _submit(clerk, record_id=record_id)
    assert response.status_code == 201, response.text
    entry = response.json()
    assert entry["record_id"] == record_id
    assert _entries(db, "SERIOUS")[2:] == [
        ("示范贸易有限公司2", "submitted", None),
        (REPRESENTATIVE, "reached", None),  # 落实到人, as for a rule entry
    ]
    assert _submit(clerk, record_id=record_id).json()["error"]["code"] == "already_listed"
    with db.writing() as session:  # the rules leave a submitted entry alone
        assert recompute(session, get_catalog(), get_lists(get_catalog()), TODAY).total == 0

    withdrawn = clerk.post(
        f"/api/v1/lists/SERIOUS/entries/{entry['entry_id']}/withdraw",
        json={"reason": "复议撤销认定"},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert _entries(db, "SERIOUS")[2:] == [
        ("示范贸易有限公司2", "submitted", "revocation"),
        (REPRESENTATIVE, "reached", "revocation"),
    ]
    again = clerk.post(
        f"/api/v1/lists/SERIOUS/entries/{entry['entry_id']}/withdraw", json={"reason": "再次撤销"}
    )
    assert again.json()["error"]["code"] == "entry_ended"


def test_submissions_that_cannot_stand_are_refused_clearly(
    clerk: TestClient, app: FastAPI, db: Database, factory: Factory
) -> None:
    record_id = _record_of(db, GENERAL)
    refusals = {
        "RED": ({"record_id": record_id}, 409, "submission_not_accepted"),
        "NOPE": ({"record_id": record_id}, 404, "list_not_found"),
        "SERIOUS": ({}, 422, "basis_required"),
    }
    for code, (body, status, error) in refusals.items():
        response = _submit(clerk, code, **body)
        assert (response.status_code, response.json()["error"]["code"]) == (status, error)
    wrong_subject = _submit(clerk, record_id=record_id, subject_code=CLEAN)
    assert wrong_subject.json()["error"]["code"] == "record_not_of_subject"
    late = _submit(clerk, record_id=record_id, planned_exit="2030-01-01")
    assert late.json()["error"]["code"] == "bad_planned_exit"
    by_key = _submit(clerk, dataset_code="XZCF", business_key="nothing")
    assert by_key.json()["error"]["code"] == "record_not_found"

    other = factory.api_key(Role.SUBMITTER, factory.department().code)
    stranger = TestClient(app, headers={"Authorization": f"Bearer {other}"})
    assert _submit(stranger, record_id=record_id).json()["error"]["code"] == "not_your_record"


def test_three_clean_years_list_a_company_until_a_bad_record_arrives(
    db: Database, factory: Factory, tmp_path: Path, app: FastAPI
) -> None:
    department = make_listed(db, factory, tmp_path)
    old = submit(db, write_csv(tmp_path / "old.csv", [OLD], headers=COLUMNS), department)
    assert old.rows_accepted == 1
    with db.writing() as session:
        recompute(session, get_catalog(), get_lists(get_catalog()), TODAY)
    # Company 3 was last penalised in 2022; companies 1 and 2 this year; persons never.
    assert _entries(db, "CLEAN3") == [("示范贸易有限公司3", "derived", None)]

    key = factory.api_key(Role.CHECKER)
    checker = TestClient(app, headers={"Authorization": f"Bearer {key}"})
    body = {"code": CLEAN, "scenario": "LICENSING", "purpose": "行政许可审查"}
    hits = checker.post("/api/v1/checks", json=body).json()["hits"]
    assert {h["measure_code"] for h in hits} == {"GREEN_CHANNEL", "ACCEPT_PENDING"}
    assert {(h["list_code"], h["record_id"], h["dataset"]) for h in hits} == {
        ("CLEAN3", None, "派生：3 年内无不良信用记录")
    }

    fresh = {
        **recent(company_row(3)),
        "行政处罚决定书文号": "示市监罚〔2026〕77号",
        SEVERITY: "一般",
    }
    new = submit(db, write_csv(tmp_path / "new.csv", [fresh], headers=COLUMNS), department)
    assert new.rows_accepted == 1
    assert _entries(db, "CLEAN3") == [("示范贸易有限公司3", "derived", "ineligible")]
    assert checker.post("/api/v1/checks", json=body).json()["hits"] == []


def test_years_before_keeps_the_day() -> None:
    assert str(years_before(TODAY, 3)) == "2023-11-21"
    assert str(years_before(TODAY.replace(year=2028, month=2, day=29), 3)) == "2025-02-28"
