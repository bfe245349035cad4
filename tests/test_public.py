"""The public side (信用门户): 双公示 search, record and organisation pages, as JSON and HTML,
through one query layer — live records of public datasets, no minors, IDs masked."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import Factory, login, make_ric
from tests.public_city import COMPANY, NUMBER, full_id_numbers, make_city, rules
from xinyong.api.public import publication
from xinyong.archive.public import PublicQuery, search
from xinyong.core.db import Database
from xinyong.core.security import Role
from xinyong.identity.models import Subject


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    """The app, publishing as of the tests' fixed day."""
    app.dependency_overrides[publication] = lambda: rules()
    return app


@pytest.fixture
def city(db: Database, factory: Factory, tmp_path: Path) -> str:
    """A department's penalties: companies, an adult, a minor, one past its period."""
    return make_city(db, factory, tmp_path)


def names(body: dict[str, object]) -> list[str]:
    items = body["items"]
    assert isinstance(items, list)
    return [item["subject_name"] for item in items]


def test_search_by_part_of_a_name_by_code_and_by_document_number(
    client: TestClient, city: str
) -> None:
    found = client.get("/api/v1/public/records", params={"q": "贸易"}).json()
    assert names(found) == ["示范贸易有限公司1"]  # 3 is past its period
    assert names(client.get("/api/v1/public/records", params={"q": "建材"}).json()) == [
        "青山建材厂"
    ]
    assert names(client.get("/api/v1/public/records", params={"q": "青"}).json()) == ["青山建材厂"]
    by_code = client.get("/api/v1/public/records", params={"q": COMPANY.lower()}).json()
    assert names(by_code) == ["示范贸易有限公司1"]
    by_number = client.get("/api/v1/public/records", params={"q": "〔2025〕2号"}).json()
    assert "青山建材厂" in names(by_number)
    nothing = client.get("/api/v1/public/records", params={"q": "没有这家"}).json()
    assert nothing["total"] == 0
    assert client.get("/api/v1/public/records", params={"q": "!!!"}).json()["total"] == 0


def test_filters_and_paging(client: TestClient, city: str) -> None:
    everything = client.get("/api/v1/public/records").json()
    assert everything["total"] == 3  # company 1, 青山, adult 李4
    early = {"date_from": "2026-01-01", "date_to": "2026-04-01"}
    recent = client.get("/api/v1/public/records", params=early).json()
    assert names(recent) == ["青山建材厂"]
    other = client.get("/api/v1/public/records", params={"department": "NOPE"}).json()
    assert other["total"] == 0
    own = client.get("/api/v1/public/records", params={"department": city}).json()["items"]
    decided = [item["decision_date"] for item in own]
    assert decided == sorted(decided, reverse=True)  # a department's: newest decision first
    assert len(own) == 3
    worded = {"q": "建材", "department": city, **early}  # a department's range, then words
    assert names(client.get("/api/v1/public/records", params=worded).json()) == ["青山建材厂"]
    later = {**worded, "date_from": "2026-05-01", "date_to": "2026-06-01"}
    assert client.get("/api/v1/public/records", params=later).json()["total"] == 0
    first = client.get("/api/v1/public/records", params={"size": 2}).json()
    second = client.get("/api/v1/public/records", params={"size": 2, "page": 2}).json()
    assert len(first["items"]) == 2
    assert len(second["items"]) == 1
    assert set(names(first)).isdisjoint(names(second))
    assert client.get("/api/v1/public/records", params={"size": 500}).status_code == 422


def test_a_person_is_masked_and_a_minor_never_appears(client: TestClient, city: str) -> None:
    people = [
        r
        for r in client.get("/api/v1/public/records").json()["items"]
        if r["subject_kind"] == "person"
    ]
    assert [p["subject_name"] for p in people] == ["李4"]
    assert people[0]["subject_code"].count("*") == 10
    assert all("*" in f["value"] for f in people[0]["fields"] if f["code"] == "CF_XDR_ZJHM")
    assert client.get("/api/v1/public/records", params={"q": "李5"}).json()["total"] == 0


def test_person_penalties_follow_the_setting(db: Database, city: str) -> None:
    with db.reading() as session:
        page = search(session, rules(persons=False), PublicQuery())
    assert [r.subject_kind for r in page.items] == ["organisation", "organisation"]


def test_record_and_organisation_pages_and_their_json(client: TestClient, city: str) -> None:
    item = client.get("/api/v1/public/records", params={"q": "建材"}).json()["items"][0]
    record = client.get(f"/api/v1/public/records/{item['id']}").json()
    assert record["dataset_code"] == "XZCF"
    assert "CF_FR_SFZH" not in {f["code"] for f in record["fields"]}  # a non-public field
    page = client.get(f"/records/{item['id']}")
    assert page.status_code == 200
    assert "青山建材厂" in page.text
    subject = client.get(f"/api/v1/public/subjects/{COMPANY}").json()
    assert [r["subject_name"] for r in subject["records"]] == ["示范贸易有限公司1"]
    assert "示范贸易有限公司1" in client.get(f"/subjects/{COMPANY}").text
    assert client.get("/api/v1/public/subjects/91110000600037341L").status_code == 404


def test_what_is_not_public_is_not_found(client: TestClient, city: str, db: Database) -> None:
    with db.reading() as session:
        shown = {r.id for r in search(session, rules(), PublicQuery()).items}
    hidden = [i for i in range(1, max(shown) + 3) if i not in shown]
    for record_id in hidden:  # expired, a minor's, or no such record
        response = client.get(f"/api/v1/public/records/{record_id}")
        assert response.status_code == 404
        assert client.get(f"/records/{record_id}").status_code == 404


def test_no_public_page_or_json_shows_a_full_id_number(
    app: FastAPI, client: TestClient, factory: Factory, db: Database, city: str
) -> None:
    ids = [r["id"] for r in client.get("/api/v1/public/records").json()["items"]]
    staff = TestClient(app)
    login(staff, factory.user(Role.REVIEWER))
    with db.reading() as session:
        person = session.scalar(select(Subject.id).where(Subject.name == "李4"))
    issued = NUMBER.search(staff.get(f"/reports/{person}").text)
    assert issued is not None
    paths = [
        f"/reports/verify/{issued.group()}",
        f"/api/v1/public/reports/{issued.group()}",
        "/",
        "/search",
        "/search?q=李",
        "/api/v1/public/records",
        "/api/v1/public/records?q=李",
        f"/subjects/{COMPANY}",
        f"/api/v1/public/subjects/{COMPANY}",
        *[f"/records/{i}" for i in ids],
        *[f"/api/v1/public/records/{i}" for i in ids],
    ]
    assert full_id_numbers(make_ric("19900101", sequence=4))  # the scan would see one
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert not full_id_numbers(response.text), path
