"""Objections (异议): filing marks the record disputed and stops the measures at once; every
stage moves only from where it may, with its deadline in working days; the decision
changes the record through the archive, recomputes the lists and tells the subject."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import Factory, login
from tests.ingest_data import company_row
from tests.public_city import make_listed
from tests.test_ingest import TODAY
from xinyong.core.db import Database
from xinyong.core.security import Role
from xinyong.identity.models import Subject
from xinyong.ingest.models import Record, RecordStatus
from xinyong.lists.models import ListEntry
from xinyong.web.deps import today

COMPANY = company_row(1)["统一社会信用代码"]
PDF = b"%PDF-1.4\n% proof\n"


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    app.dependency_overrides[today] = lambda: TODAY
    return app


class People:
    """The company (a citizen account of the organisation), the centre, the department."""

    def __init__(self, app: FastAPI, factory: Factory, department: str) -> None:
        self.company = TestClient(app)
        self.company_csrf = login(self.company, factory.user(Role.CITIZEN, subject_code=COMPANY))
        self.centre = TestClient(app)
        self.centre_csrf = login(self.centre, factory.user(Role.REVIEWER))
        key = factory.api_key(Role.SUBMITTER, department)
        self.department = TestClient(app, headers={"Authorization": f"Bearer {key}"})
        checker = factory.api_key(Role.CHECKER)
        self.checker = TestClient(app, headers={"Authorization": f"Bearer {checker}"})

    def file(self, record_id: int, files: list[tuple[str, bytes]] | None = None) -> Any:
        return self.company.post(
            "/api/v1/objections",
            data={"record_id": record_id, "ground": "wrong", "statement": "处罚对象认定错误"},
            files=[("files", (name, body)) for name, body in files or []],
            headers={"X-CSRF-Token": self.company_csrf},
        )

    def staff(self, case_id: int, step: str, **body: str) -> Any:
        return self.centre.post(
            f"/api/v1/objections/{case_id}/{step}",
            json=body or None,
            headers={"X-CSRF-Token": self.centre_csrf},
        )

    def hits(self) -> list[dict[str, Any]]:
        body = {"code": COMPANY, "scenario": "PROCUREMENT", "purpose": "政府采购资格审查"}
        hits: list[dict[str, Any]] = self.checker.post("/api/v1/checks", json=body).json()["hits"]
        return hits


@pytest.fixture
def people(app: FastAPI, db: Database, factory: Factory, tmp_path: Path) -> People:
    return People(app, factory, make_listed(db, factory, tmp_path))


def _record(db: Database) -> tuple[int, RecordStatus]:
    with db.reading() as session:
        row = session.execute(
            select(Record.id, Record.status)
            .join(Subject, Subject.id == Record.subject_id)
            .where(Subject.code == COMPANY)
        ).one()
    return row[0], row[1]


def test_filing_disputes_the_record_and_stops_its_measures_at_once(
    people: People, db: Database
) -> None:
    record_id, _ = _record(db)
    assert people.hits()  # on the serious dishonesty list: barred from procurement
    filed = people.file(record_id, [("proof.pdf", PDF)])
    assert filed.status_code == 201, filed.text
    case = filed.json()
    assert (case["stage"], case["due_on"]) == ("received", "2026-11-24")  # 2 working days
    assert case["attachments"][0]["media_type"] == "application/pdf"
    assert _record(db)[1] is RecordStatus.DISPUTED
    assert people.hits() == []
    again = people.file(record_id)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "case_open")
    download = people.company.get(
        f"/api/v1/objections/{case['case_id']}/attachments/{case['attachments'][0]['attachment_id']}"
    )
    assert download.content == PDF
    assert "attachment" in download.headers["content-disposition"]


def test_attachments_are_checked_by_content_and_size(people: People, db: Database) -> None:
    record_id, _ = _record(db)
    fake = people.file(record_id, [("proof.pdf", b"MZ\x90\x00 not a pdf")])
    assert fake.json()["error"]["code"] == "file_type_not_allowed"
    big = people.file(record_id, [("big.pdf", PDF + b"0" * (5 * 1024 * 1024))])
    assert big.json()["error"]["code"] == "file_too_large"
    assert _record(db)[1] is RecordStatus.ACTIVE  # nothing half-done


def test_upheld_after_the_department_verifies_puts_the_record_back_in_force(
    people: People, db: Database
) -> None:
    record_id, _ = _record(db)
    case_id = people.file(record_id).json()["case_id"]
    assert people.staff(case_id, "accept").json()["due_on"] == "2026-11-24"
    sent = people.staff(case_id, "send")
    assert (sent.json()["stage"], sent.json()["due_on"]) == ("verifying", "2026-12-04")
    queue = people.department.get("/api/v1/objections").json()
    assert [c["case_id"] for c in queue] == [case_id]
    answered = people.department.post(
        f"/api/v1/objections/{case_id}/answer",
        json={"finding": "upheld", "text": "经核实，处罚决定无误"},
    )
    assert answered.json()["stage"] == "answered", answered.text
    decided = people.staff(case_id, "decide", outcome="upheld", reason="维持原处罚信息")
    assert decided.json()["stage"] == "decided"
    assert _record(db)[1] is RecordStatus.ACTIVE
    assert people.hits()  # live again
    notices = people.company.get("/me").text
    assert f"异议 {case_id} 已办结" in notices


def test_withdrawn_ends_the_record_and_its_list_entries(people: People, db: Database) -> None:
    record_id, _ = _record(db)
    case_id = people.file(record_id).json()["case_id"]
    people.staff(case_id, "accept")
    decided = people.staff(case_id, "decide", outcome="withdrawn", reason="处罚决定已被撤销")
    assert decided.status_code == 200, decided.text
    assert _record(db)[1] is RecordStatus.WITHDRAWN
    with db.reading() as session:
        reasons = set(session.scalars(select(ListEntry.exit_reason)))
    assert {r.value if r else None for r in reasons} == {"revocation"}
    assert people.hits() == []


def test_steps_out_of_order_are_refused_clearly(people: People, db: Database) -> None:
    record_id, _ = _record(db)
    case_id = people.file(record_id).json()["case_id"]
    early = people.staff(case_id, "decide", outcome="upheld", reason="直接办结")
    assert early.status_code == 409
    assert early.json()["error"]["code"] == "illegal_transition"
    assert early.json()["error"]["details"]["stage"] == "received"
    assert people.staff(case_id, "send").json()["error"]["code"] == "illegal_transition"
    refused = people.staff(case_id, "refuse", reason="理由与记录无关")
    assert refused.json()["stage"] == "refused"
    assert _record(db)[1] is RecordStatus.ACTIVE  # as before the objection
    for step, body in (("accept", {}), ("decide", {"outcome": "upheld", "reason": "再次办结"})):
        late = people.staff(case_id, step, **body)
        assert (late.status_code, late.json()["error"]["code"]) == (409, "illegal_transition")
    not_yet = people.staff(people.file(record_id).json()["case_id"], "accept")
    corrected = people.staff(
        not_yet.json()["case_id"], "decide", outcome="corrected", reason="已经更正"
    )
    assert corrected.json()["error"]["code"] == "correction_not_received"
    stranger = people.department.post(
        f"/api/v1/objections/{case_id}/answer", json={"finding": "upheld", "text": "越权答复"}
    )
    assert stranger.json()["error"]["code"] == "illegal_transition"
    assert (
        people.company.post(
            f"/api/v1/objections/{case_id}/accept", headers={"X-CSRF-Token": people.company_csrf}
        ).status_code
        == 403
    )


def test_a_subject_cannot_contest_another_subjects_record(
    app: FastAPI, people: People, db: Database, factory: Factory
) -> None:
    record_id, _ = _record(db)
    other = TestClient(app)
    csrf = login(other, factory.user(Role.CITIZEN))
    response = other.post(
        "/api/v1/objections",
        data={"record_id": record_id, "ground": "wrong", "statement": "不是我的记录"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 404
