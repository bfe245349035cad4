"""Credit repair (信用修复): eligibility per record from the catalog rule, the application
with its conditions and evidence, the decision within its deadline; approval ends
publication, use and measures (list entries exit with ``repair``) and reaches the exchange
feed; every illegal step is a clear 409."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import Factory, login
from tests.ingest_data import company_row, write_csv
from tests.public_city import COLUMNS, SEVERITY, recent
from tests.test_ingest import TODAY, submit
from xinyong.core.db import Database
from xinyong.core.security import Role
from xinyong.identity.models import Subject
from xinyong.ingest.models import Record, RecordStatus
from xinyong.lists.models import ListEntry
from xinyong.web.deps import today

PDF = b"%PDF-1.4\n% fine paid\n"
# A serious penalty decided in March: its 6-month minimum ended in September (eligible).
ELIGIBLE = {**recent(company_row(1)), "处罚决定日期": "2026-03-02", SEVERITY: "严重"}
# A serious penalty decided in June: eligible from 2026-12-01 only.
TOO_EARLY = {**recent(company_row(2)), SEVERITY: "严重"}
CONDITIONS = ["履行行政处罚决定（缴纳罚款等）", "签署信用承诺书", "参加信用修复培训"]


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    app.dependency_overrides[today] = lambda: TODAY
    return app


class Parties:
    """Two companies with their accounts, the credit centre, a checker, an exchange node."""

    def __init__(self, app: FastAPI, factory: Factory) -> None:
        self.company = TestClient(app)
        self.csrf = login(
            self.company,
            factory.user(Role.CITIZEN, subject_code=ELIGIBLE["统一社会信用代码"]),
        )
        self.late = TestClient(app)
        self.late_csrf = login(
            self.late, factory.user(Role.CITIZEN, subject_code=TOO_EARLY["统一社会信用代码"])
        )
        self.centre = TestClient(app)
        self.centre_csrf = login(self.centre, factory.user(Role.REVIEWER))
        checker = factory.api_key(Role.CHECKER)
        self.checker = TestClient(app, headers={"Authorization": f"Bearer {checker}"})
        node = factory.api_key(Role.EXCHANGE)
        self.exchange = TestClient(app, headers={"Authorization": f"Bearer {node}"})

    def apply(
        self,
        record_id: int,
        conditions: list[str] | None = None,
        files: list[tuple[str, bytes]] | None = None,
        client: TestClient | None = None,
    ) -> Any:
        client = client or self.company
        csrf = self.csrf if client is self.company else self.late_csrf
        return client.post(
            "/api/v1/repairs",
            data={
                "record_id": record_id,
                "statement": "罚款已缴清，已签署信用承诺书",
                "conditions": CONDITIONS if conditions is None else conditions,
            },
            files=[
                ("files", (n, b)) for n, b in ([("receipt.pdf", PDF)] if files is None else files)
            ],
            headers={"X-CSRF-Token": csrf},
        )

    def decide(self, case_id: int, step: str, reason: str = "材料齐全，准予修复") -> Any:
        return self.centre.post(
            f"/api/v1/repairs/{case_id}/{step}",
            json={"reason": reason},
            headers={"X-CSRF-Token": self.centre_csrf},
        )

    def hits(self) -> list[dict[str, Any]]:
        body = {
            "code": ELIGIBLE["统一社会信用代码"],
            "scenario": "PROCUREMENT",
            "purpose": "政府采购资格审查",
        }
        response = self.checker.post("/api/v1/checks", json=body)
        hits: list[dict[str, Any]] = response.json()["hits"]
        return hits


@pytest.fixture
def parties(app: FastAPI, db: Database, factory: Factory, tmp_path: Path) -> Parties:
    department = factory.department().code
    submit(db, write_csv(tmp_path / "p.csv", [ELIGIBLE, TOO_EARLY], headers=COLUMNS), department)
    return Parties(app, factory)


def _record(db: Database, row: dict[str, str]) -> tuple[int, RecordStatus]:
    with db.reading() as session:
        found = session.execute(
            select(Record.id, Record.status)
            .join(Subject, Subject.id == Record.subject_id)
            .where(Subject.code == row["统一社会信用代码"])
        ).one()
    return found[0], found[1]


def test_eligibility_follows_the_rule_and_the_minimum_period(
    parties: Parties, db: Database
) -> None:
    record_id, _ = _record(db, ELIGIBLE)
    now = parties.company.get(f"/api/v1/repairs/eligibility/{record_id}").json()
    assert (now["eligible_now"], now["eligible_from"]) == (True, "2026-09-02")
    assert now["conditions"] == CONDITIONS
    late_id, _ = _record(db, TOO_EARLY)
    later = parties.late.get(f"/api/v1/repairs/eligibility/{late_id}").json()
    assert (later["eligible_now"], later["code"]) == (False, "not_yet_eligible")
    assert later["eligible_from"] == "2026-12-01"
    refused = parties.apply(late_id, client=parties.late)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "not_yet_eligible"
    assert refused.json()["error"]["details"] == {"eligible_from": "2026-12-01"}
    page = parties.late.get("/me").text
    assert "2026-12-01 起可申请信用修复" in page
    assert parties.company.get(f"/api/v1/repairs/eligibility/{late_id}").status_code == 404


def test_an_application_needs_every_condition_and_evidence(parties: Parties, db: Database) -> None:
    record_id, _ = _record(db, ELIGIBLE)
    partial = parties.apply(record_id, conditions=CONDITIONS[:1])
    assert partial.status_code == 422
    assert partial.json()["error"]["details"]["missing"] == CONDITIONS[1:]
    unknown = parties.apply(record_id, conditions=[*CONDITIONS, "捐款"])
    assert unknown.json()["error"]["code"] == "unknown_condition"
    bare = parties.apply(record_id, files=[])
    assert bare.json()["error"]["code"] == "evidence_required"
    fake = parties.apply(record_id, files=[("receipt.pdf", b"<html>")])
    assert fake.json()["error"]["code"] == "file_type_not_allowed"
    assert parties.company.get("/api/v1/repairs").json() == []  # nothing half-stored


def test_approval_ends_publication_use_and_measures(parties: Parties, db: Database) -> None:
    record_id, _ = _record(db, ELIGIBLE)
    assert parties.hits()  # serious penalty: on the serious dishonesty list
    filed = parties.apply(record_id)
    assert filed.status_code == 201, filed.text
    case = filed.json()
    assert (case["stage"], case["due_on"]) == ("received", "2026-12-04")  # 10 working days
    again = parties.apply(record_id)
    assert again.json()["error"]["code"] == "case_open"
    queue = parties.centre.get("/api/v1/repairs?open_only=true").json()
    assert [c["case_id"] for c in queue] == [case["case_id"]]

    approved = parties.decide(case["case_id"], "approve")
    assert approved.json()["stage"] == "approved", approved.text
    assert _record(db, ELIGIBLE)[1] is RecordStatus.REPAIRED
    assert parties.hits() == []
    with db.reading() as session:
        reasons = {e.exit_reason.value for e in session.scalars(select(ListEntry)) if e.exit_reason}
    assert reasons == {"repair"}
    public = parties.company.get(f"/api/v1/public/records/{record_id}")
    assert public.status_code == 404
    events = parties.exchange.get("/api/v1/exchange/events").json()
    assert [(e["record_id"], e["status_to"], e["sync_due"]) for e in events] == [
        (record_id, "repaired", "2026-11-25")  # 3 working days
    ]
    assert parties.exchange.get(f"/api/v1/exchange/events?after={events[-1]['id']}").json() == []
    assert "已准予" in parties.company.get("/me").text


def test_steps_out_of_order_are_refused_clearly(parties: Parties, db: Database) -> None:
    record_id, _ = _record(db, ELIGIBLE)
    case_id = parties.apply(record_id).json()["case_id"]
    rejected = parties.decide(case_id, "reject", "缴款凭证不清晰，请补充")
    assert rejected.json()["stage"] == "rejected"
    for step in ("approve", "reject"):
        late = parties.decide(case_id, step)
        assert (late.status_code, late.json()["error"]["code"]) == (409, "illegal_transition")
        assert late.json()["error"]["details"]["stage"] == "rejected"
    withdraw = parties.company.post(
        f"/api/v1/repairs/{case_id}/withdraw", headers={"X-CSRF-Token": parties.csrf}
    )
    assert withdraw.json()["error"]["code"] == "illegal_transition"
    second = parties.apply(record_id).json()["case_id"]  # may apply again with more
    withdrawn = parties.company.post(
        f"/api/v1/repairs/{second}/withdraw", headers={"X-CSRF-Token": parties.csrf}
    )
    assert withdrawn.json()["stage"] == "withdrawn"
    assert parties.decide(second, "approve").json()["error"]["code"] == "illegal_transition"
    self_approval = parties.company.post(
        f"/api/v1/repairs/{second}/approve",
        json={"reason": "我批准我自己"},
        headers={"X-CSRF-Token": parties.csrf},
    )
    assert self_approval.status_code == 403
    assert _record(db, ELIGIBLE)[1] is RecordStatus.ACTIVE


def test_a_repaired_or_disputed_record_cannot_be_repaired(parties: Parties, db: Database) -> None:
    record_id, _ = _record(db, ELIGIBLE)
    objection = parties.company.post(
        "/api/v1/objections",
        data={"record_id": record_id, "ground": "wrong", "statement": "处罚对象认定错误"},
        headers={"X-CSRF-Token": parties.csrf},
    )
    assert objection.status_code == 201
    assert parties.apply(record_id).json()["error"]["code"] == "record_disputed"
    events = parties.exchange.get("/api/v1/exchange/events").json()
    assert [e["status_to"] for e in events] == ["disputed"]
