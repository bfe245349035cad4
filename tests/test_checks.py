"""Checks (核查) over HTTP: the measures that apply, with their basis; nothing rests on a
disputed record; batches keep their order; every check is stored and logged."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text, update

from tests.factories import ADMIN, Factory, login, make_uscc
from tests.ingest_data import company_row
from tests.public_city import make_listed
from tests.test_ingest import TODAY
from xinyong.audit.models import AuditEntry
from xinyong.catalog.loader import get_catalog
from xinyong.core.db import Database
from xinyong.core.security import Principal, Role
from xinyong.ingest.models import Record, RecordStatus
from xinyong.lists.definitions import get_lists
from xinyong.sanctions import desk, integrity, service
from xinyong.sanctions.definitions import get_measures
from xinyong.sanctions.integrity import CHECKS_LOGGED
from xinyong.sanctions.models import Check, CheckHit
from xinyong.web.deps import today

COMPANY = company_row(1)["统一社会信用代码"]
CLEAN = company_row(2)["统一社会信用代码"]
REPRESENTATIVE = company_row(1)["法定代表人证件号码"]


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    """The app as of the tests' fixed day."""
    app.dependency_overrides[today] = lambda: TODAY
    return app


@pytest.fixture
def checker(app: FastAPI, db: Database, factory: Factory, tmp_path: Path) -> TestClient:
    """A department system with a checker's API key, and a city with one listed company."""
    make_listed(db, factory, tmp_path)
    key = factory.api_key(Role.CHECKER)
    return TestClient(app, headers={"Authorization": f"Bearer {key}"})


def ask(client: TestClient, code: str, scenario: str = "PROCUREMENT") -> dict[str, Any]:
    response = client.post(
        "/api/v1/checks", json={"code": code, "scenario": scenario, "purpose": "政府采购资格审查"}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_a_listed_company_is_barred_with_the_measure_its_list_and_basis(
    checker: TestClient, db: Database
) -> None:
    body = ask(checker, COMPANY.lower())
    assert body["found"] is True
    (hit,) = body["hits"]
    assert hit["measure_code"] == "NO_PROCUREMENT"
    assert hit["mandatory"] is True
    assert hit["list_name"] == "严重失信主体名单"
    assert "政府采购法" in hit["basis"]
    assert hit["dataset"] == "行政处罚"
    assert ask(checker, CLEAN)["hits"] == []
    unknown = ask(checker, make_uscc("MA999999"))
    assert (unknown["found"], unknown["hits"]) == (False, [])
    with db.reading() as session:
        logged = session.scalar(select(func.count()).where(AuditEntry.action == CHECKS_LOGGED))
        sealed = session.scalar(select(func.count()).where(Check.audit_seq.is_not(None)))
        stored = session.scalar(select(func.count()).select_from(CheckHit))
        assert integrity.problems(session) == []
    assert (logged, sealed, stored) == (3, 3, 1)  # each check alone: no other was waiting


def test_the_legal_representative_is_reached_and_an_incentive_list_does_not_apply(
    checker: TestClient,
) -> None:
    (hit,) = ask(checker, REPRESENTATIVE, "SOE_EXECUTIVE")["hits"]
    assert hit["measure_code"] == "NO_SOE_EXECUTIVE"
    assert ask(checker, REPRESENTATIVE, "FLIGHT")["hits"] == []  # court defaulters only


def test_a_record_under_objection_produces_no_hit(checker: TestClient, db: Database) -> None:
    with db.writing() as session:
        session.execute(update(Record).values(status=RecordStatus.DISPUTED))
    assert ask(checker, COMPANY)["hits"] == []


def test_a_batch_keeps_its_order_and_names_what_it_could_not_check(
    checker: TestClient, db: Database
) -> None:
    codes = [CLEAN, "not a code", COMPANY]
    response = checker.post(
        "/api/v1/checks/batch",
        json={"codes": codes, "scenario": "procurement", "purpose": "供应商批量审查"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["code"] for r in body["results"]] == [CLEAN, COMPANY]
    assert [len(r["hits"]) for r in body["results"]] == [0, 1]
    assert body["invalid"] == ["not a code"]
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Check)) == 2
        (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == CHECKS_LOGGED))
        seqs = set(session.scalars(select(Check.audit_seq)))
        assert (seqs, entry.purpose, json.loads(entry.detail)["count"]) == (
            {entry.seq},
            "供应商批量审查",
            2,
        )


def test_bad_requests_get_clear_errors(checker: TestClient, factory: Factory) -> None:
    unknown = checker.post(
        "/api/v1/checks", json={"code": COMPANY, "scenario": "NOPE", "purpose": "核查"}
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "scenario_not_found"
    other = checker.post(
        "/api/v1/checks",
        json={"code": COMPANY, "scenario": "LICENSING", "purpose": "核查", "department_code": "X"},
    )
    assert other.json()["error"]["code"] == "not_your_department"
    bad = checker.post(
        "/api/v1/checks", json={"code": "1" * 18, "scenario": "LICENSING", "purpose": "核查"}
    )
    assert bad.status_code == 422
    short = checker.post("/api/v1/checks", json={"code": "1", "scenario": "LICENSING"})
    assert short.status_code == 422
    error = short.json()["error"]
    assert error["code"] == "invalid_input"
    assert {tuple(d["location"]) for d in error["details"]} == {
        ("body", "code"),
        ("body", "purpose"),
    }
    broken = checker.post(
        "/api/v1/checks", content=b'{"code": ', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422
    assert broken.json()["error"]["details"][0]["type"] == "json_invalid"
    anonymous = TestClient(checker.app).post("/api/v1/checks", content=b"{")
    assert anonymous.status_code == 401  # who asks is settled before the body is read
    too_many = checker.post(
        "/api/v1/checks/batch",
        json={"codes": [COMPANY] * 10_001, "scenario": "LICENSING", "purpose": "核查"},
    )
    assert too_many.status_code == 422


def test_feedback_once_per_hit_seen_by_the_source_department_and_counted(
    app: FastAPI, checker: TestClient, factory: Factory, db: Database
) -> None:
    check_id = ask(checker, COMPANY)["check_id"]
    view = checker.get(f"/api/v1/checks/{check_id}").json()
    (hit,) = view["hits"]
    assert hit["outcome"] is None
    assert view["feedback_due"] > TODAY.isoformat()
    url = f"/api/v1/checks/{check_id}/feedback"
    bare = checker.post(url, json={"items": [{"hit_id": hit["hit_id"], "outcome": "not_applied"}]})
    assert bare.json()["error"]["code"] == "reason_required"
    done = checker.post(url, json={"items": [{"hit_id": hit["hit_id"], "outcome": "applied"}]})
    assert done.status_code == 200, done.text
    assert done.json()["hits"][0]["outcome"] == "applied"
    again = checker.post(url, json={"items": [{"hit_id": hit["hit_id"], "outcome": "applied"}]})
    assert again.status_code == 409
    with db.reading() as session:
        source = session.scalar(select(Record.department_code).limit(1))
    assert source is not None
    initiator = factory.api_key(Role.SUBMITTER, department_code=source)
    seen = TestClient(app, headers={"Authorization": f"Bearer {initiator}"})
    assert seen.get(f"/api/v1/checks/{check_id}").json()["hits"][0]["outcome"] == "applied"
    stranger = TestClient(app, headers={"Authorization": f"Bearer {factory.api_key(Role.CHECKER)}"})
    assert stranger.get(f"/api/v1/checks/{check_id}").status_code == 403
    assert (
        stranger.post(url, json={"items": [{"hit_id": 1, "outcome": "applied"}]}).status_code == 403
    )
    admin = TestClient(app)
    login(admin, factory.user(Role.PLATFORM_ADMIN))
    rows = {r["measure_code"]: r for r in admin.get("/api/v1/checks/stats").json()}
    assert rows["NO_PROCUREMENT"]["feedback_rate"] == 1.0
    assert rows["NO_PROCUREMENT"]["overdue"] == 0


def test_a_clerk_checks_on_the_console_page(
    app: FastAPI, checker: TestClient, factory: Factory
) -> None:
    clerk = TestClient(app)
    token = login(clerk, factory.user(Role.CHECKER))
    assert "办理事项" in clerk.get("/console/checks").text
    form = {"code": COMPANY, "scenario": "PROCUREMENT", "purpose": "政府采购", "csrf_token": token}
    page = clerk.post("/console/checks", data=form)
    assert page.status_code == 200
    assert "限制参加政府采购活动" in page.text
    refused = clerk.post("/console/checks", data={**form, "code": "123"})
    assert refused.status_code == 422
    assert "有效" in refused.text


def test_the_clerk_answers_on_the_console_and_the_centre_reads_the_statistics(
    app: FastAPI, checker: TestClient, factory: Factory
) -> None:
    clerk = TestClient(app)
    user = factory.user(Role.CHECKER)
    token = login(clerk, user)
    form = {"code": COMPANY, "scenario": "PROCUREMENT", "purpose": "政府采购", "csrf_token": token}
    clerk.post("/console/checks", data=form)
    listing = clerk.get("/console/checks").text
    (check_id,) = {int(n) for n in re.findall(r'href="/console/checks/(\d+)"', listing)}
    page = clerk.get(f"/console/checks/{check_id}")
    assert "限制参加政府采购活动" in page.text
    hit_id = int(re.search(r'name="hit_id" value="(\d+)"', page.text).group(1))  # type: ignore[union-attr]
    url = f"/console/checks/{check_id}/feedback"
    refused = clerk.post(
        url, data={"hit_id": hit_id, "outcome": "not_applied", "csrf_token": token}
    )
    assert refused.status_code == 422
    assert "理由" in refused.text
    answered = clerk.post(url, data={"hit_id": hit_id, "outcome": "applied", "csrf_token": token})
    assert answered.status_code == 200  # redirected back to the check
    assert "已采取措施" in answered.text
    assert f'href="/console/checks/{check_id}"' not in clerk.get("/console/checks").text

    centre = TestClient(app)
    login(centre, factory.user(Role.AUDITOR))
    stats = centre.get("/console/checks/stats")
    assert stats.status_code == 200
    assert "限制参加政府采购活动" in stats.text
    assert "100%" in stats.text


def _desk_checks(department: str, asked: list[tuple[Principal, str]]) -> list[desk.SingleCheck]:
    """Checks as the desk takes them, of the listed city's department."""
    catalog = get_catalog()
    lists = get_lists(catalog)
    rules = service.CheckRules(catalog, lists, get_measures(lists))
    return [
        desk.prepare(who, rules, code, "PROCUREMENT", "核查", department, TODAY, None)
        for who, code in asked
    ]


def test_checks_looked_up_before_the_lock_answer_as_those_looked_up_under_it(
    db: Database, factory: Factory, tmp_path: Path
) -> None:
    # The group writer reads a group before it queues for the write lock; checks that join
    # while it waits are looked up in the write transaction. Either way, the same answers.
    department = make_listed(db, factory, tmp_path)
    checks = _desk_checks(
        department, [(ADMIN, c) for c in (COMPANY, REPRESENTATIVE, CLEAN, COMPANY)]
    )
    assert desk.ANSWER.read is not None
    with db.reading() as session:
        early = desk.ANSWER.read(session, checks[:2])
    with db.writing() as session:
        mixed = desk.ANSWER.work(session, [*early, *checks[2:]])
    with db.writing() as session:
        direct = desk.ANSWER.work(session, checks)
    assert [len(r.hits) for r in direct] == [1, 1, 0, 1]  # type: ignore[union-attr]
    unlogged = [r.model_copy(update={"check_id": 0}) for r in [*mixed, *direct]]  # type: ignore[union-attr]
    assert unlogged[:4] == unlogged[4:]


def _tamper_checks(db: Database, statement: str) -> list[str]:
    """Edit the checks as someone with database access would; what verification finds."""
    with db.writing() as session:
        session.execute(text(statement))
    with db.reading() as session:
        return integrity.problems(session)


def test_a_group_is_one_audit_entry_per_asker_that_seals_its_rows(
    db: Database, factory: Factory, tmp_path: Path
) -> None:
    other = Principal(kind="cli", id=None, name="other", role=Role.PLATFORM_ADMIN)
    asked = [(ADMIN, COMPANY), (other, CLEAN), (ADMIN, REPRESENTATIVE), (other, COMPANY)]
    checks = _desk_checks(make_listed(db, factory, tmp_path), asked)
    with db.writing() as session:
        answers = desk.ANSWER.work(session, checks)
    ids = [r.check_id for r in answers]  # type: ignore[union-attr]
    assert [r.code for r in answers] == [code for _, code in asked]  # type: ignore[union-attr]
    assert (ids[2] - ids[0], ids[3] - ids[1]) == (1, 1)  # each asker's checks in a row
    with db.reading() as session:
        entries = list(
            session.execute(
                select(AuditEntry.seq, AuditEntry.actor, AuditEntry.detail).where(
                    AuditEntry.action == CHECKS_LOGGED
                )
            )
        )
        sealed = {i: seq for i, seq in session.execute(select(Check.id, Check.audit_seq))}
        assert integrity.problems(session) == []
    assert [(e.actor, json.loads(e.detail)["count"]) for e in entries] == [
        (ADMIN.actor, 2),
        (other.actor, 2),
    ]
    assert sealed == {ids[0]: entries[0].seq, ids[2]: entries[0].seq} | {
        ids[1]: entries[1].seq,
        ids[3]: entries[1].seq,
    }
    changed = _tamper_checks(db, f"UPDATE checks SET purpose = '改过' WHERE id = {ids[3]}")
    assert changed == [
        f"the checks logged by audit entry {entries[1].seq} were changed after it was written"
    ]
    removed = _tamper_checks(db, f"DELETE FROM checks WHERE audit_seq = {entries[0].seq}")
    assert f"the checks logged by audit entry {entries[0].seq} were changed" in removed[0]
    moved = _tamper_checks(db, f"UPDATE checks SET audit_seq = 1 WHERE id = {ids[3]}")
    assert f"checks {ids[3]}–{ids[3]} name audit entry 1, which did not log them" in moved
