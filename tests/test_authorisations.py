"""Authorised queries (授权查询): a subject grants a named third party a code (shown once,
stored as a digest); only that party redeems it, within its days and uses, until revoked;
each use is in the subject's query log and every refused attempt in the audit trail."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import Factory, login, make_uscc
from tests.public_city import COMPANY, NUMBER, make_listed
from tests.test_ingest import TODAY
from xinyong.audit.models import AuditEntry
from xinyong.core.db import Database
from xinyong.core.security import Role
from xinyong.rights.models import Authorisation
from xinyong.web.deps import today

BANK = make_uscc("BANK0001")


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    app.dependency_overrides[today] = lambda: TODAY
    return app


class Parties:
    """The company (a subject), the bank it authorises, and another bank."""

    def __init__(self, app: FastAPI, factory: Factory) -> None:
        self.company = TestClient(app)
        self.csrf = login(self.company, factory.user(Role.CITIZEN, subject_code=COMPANY))
        self.bank = TestClient(app)
        self.bank_csrf = login(self.bank, factory.user(Role.THIRD_PARTY, subject_code=BANK))
        self.other = TestClient(app)
        self.other_csrf = login(self.other, factory.user(Role.THIRD_PARTY))

    def grant(self, **changes: Any) -> Any:
        body = {
            "grantee_name": "示范市商业银行",
            "grantee_code": BANK,
            "purpose": "贷款审批",
            "scope": "report",
            "expires_on": (TODAY + timedelta(days=30)).isoformat(),
            "max_uses": 1,
            **changes,
        }
        return self.company.post(
            "/api/v1/authorisations", json=body, headers={"X-CSRF-Token": self.csrf}
        )

    def redeem(self, code: str, client: TestClient | None = None) -> Any:
        client = client or self.bank
        csrf = self.bank_csrf if client is self.bank else self.other_csrf
        return client.post(
            "/api/v1/authorisations/redeem", json={"code": code}, headers={"X-CSRF-Token": csrf}
        )


@pytest.fixture
def parties(app: FastAPI, db: Database, factory: Factory, tmp_path: Path) -> Parties:
    make_listed(db, factory, tmp_path)
    return Parties(app, factory)


def _refusals(db: Database) -> list[str]:
    with db.reading() as session:
        rows = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "authorisation.refused")
        )
        return list(rows)


def test_the_named_party_gets_the_report_once_and_the_subject_sees_it(
    parties: Parties, db: Database
) -> None:
    granted = parties.grant()
    assert granted.status_code == 201, granted.text
    code = granted.json()["code"]
    assert granted.json()["code_hint"] == code[-4:]
    with db.reading() as session:
        stored = session.scalars(select(Authorisation.code_digest)).one()
    assert len(stored) == 64  # a digest only
    assert code.replace("-", "") not in stored
    used = parties.redeem(code.lower().replace("-", " "))  # as typed
    assert used.status_code == 200, used.text
    body = used.json()
    assert NUMBER.fullmatch(body["report_number"])
    assert body["report"]["subject"]["code"] == COMPANY
    assert body["uses_left"] == 0
    again = parties.redeem(code)
    assert (again.status_code, again.json()["error"]["code"]) == (403, "authorisation_used_up")
    reads = parties.company.get("/api/v1/me/reads").json()
    assert any("授权查询" in (r["purpose"] or "") for r in reads)
    pdf = parties.bank.get(f"/reports/issued/{body['report_number']}?fmt=pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    listed = parties.company.get("/api/v1/authorisations").json()
    assert [(a["uses"], a["state"]) for a in listed] == [(1, "used_up")]
    assert "code" not in listed[0]


def test_without_a_valid_authorisation_a_third_party_gets_nothing_and_is_logged(
    parties: Parties, db: Database
) -> None:
    code = parties.grant(max_uses=3).json()["code"]
    wrong_party = parties.redeem(code, client=parties.other)
    assert (wrong_party.status_code, wrong_party.json()["error"]["code"]) == (403, "not_grantee")
    assert "report" not in wrong_party.text
    invented = parties.redeem("SQ-0000-0000-0000")
    assert invented.json()["error"]["code"] == "authorisation_invalid"
    authorisation_id = parties.company.get("/api/v1/authorisations").json()[0]["authorisation_id"]
    revoked = parties.company.post(
        f"/api/v1/authorisations/{authorisation_id}/revoke", headers={"X-CSRF-Token": parties.csrf}
    )
    assert revoked.json()["state"] == "revoked"
    after = parties.redeem(code)
    assert after.json()["error"]["code"] == "authorisation_revoked"
    twice = parties.company.post(
        f"/api/v1/authorisations/{authorisation_id}/revoke", headers={"X-CSRF-Token": parties.csrf}
    )
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "already_revoked")
    assert len(_refusals(db)) == 3
    staff_report = parties.bank.get("/reports/1")
    assert staff_report.status_code == 403


def test_the_check_scope_tells_only_the_lists(parties: Parties) -> None:
    code = parties.grant(scope="check").json()["code"]
    body = parties.redeem(code).json()
    assert body["report"] is None
    status = body["status"]
    assert status["punishment_target"] is True
    assert [entry["name"] for entry in status["lists"]] == ["严重失信主体名单"]


def test_grants_are_bounded(parties: Parties) -> None:
    too_long = parties.grant(expires_on=(TODAY + timedelta(days=91)).isoformat())
    assert too_long.json()["error"]["code"] == "expiry_out_of_range"
    bad_code = parties.grant(grantee_code="91440100XXXXXXXXXX")
    assert bad_code.json()["error"]["code"] == "grantee_code_invalid"
    too_many = parties.grant(max_uses=11)
    assert too_many.status_code == 422
    assert (
        parties.bank.post(
            "/api/v1/authorisations",
            json={"grantee_name": "x"},
            headers={"X-CSRF-Token": parties.bank_csrf},
        ).status_code
        == 403
    )


def test_the_portal_pages_grant_show_the_code_once_and_redeem(parties: Parties) -> None:
    form = {
        "csrf_token": parties.csrf,
        "grantee_name": "示范市商业银行",
        "grantee_code": BANK,
        "purpose": "租房",
        "scope": "check",
        "expires_on": (TODAY + timedelta(days=7)).isoformat(),
        "max_uses": "2",
    }
    page = parties.company.post("/me/authorisations", data=form)
    assert page.status_code == 200
    code = re.search(r'id="authorisation-code">(SQ-[0-9A-Z-]+)<', page.text).group(1)  # type: ignore[union-attr]
    assert "<svg" in page.text  # the QR code
    listed = parties.company.get("/me/authorisations").text
    assert code not in listed
    assert code[-4:] in listed
    wrong = parties.company.post("/me/authorisations", data={**form, "expires_on": "2027-12-31"})
    assert wrong.status_code == 422
    assert "最长 90 天" in wrong.text
    status = parties.bank.post("/authorised", data={"csrf_token": parties.bank_csrf, "code": code})
    assert "列入失信惩戒名单" in status.text
    refused = parties.other.post(
        "/authorised", data={"csrf_token": parties.other_csrf, "code": code}
    )
    assert refused.status_code == 403
    assert "不是授予贵单位的" in refused.text


def test_an_auditor_finds_every_read_of_a_subject(
    parties: Parties, app: FastAPI, factory: Factory
) -> None:
    code = parties.grant(scope="check").json()["code"]
    parties.redeem(code)
    reads = parties.company.get("/api/v1/me/reads").json()
    authorised = [r for r in reads if r["basis"] == "信用主体授权"]
    assert "示范市商业银行" in authorised[0]["purpose"]
    auditor = TestClient(app)
    login(auditor, factory.user(Role.AUDITOR))
    page = auditor.get("/console/audit", params={"subject": COMPANY.lower()})
    assert page.status_code == 200
    assert "authorisation.redeem" in page.text
    assert "授权查询" in page.text
    assert auditor.get("/console/audit", params={"subject": "123"}).status_code == 422
