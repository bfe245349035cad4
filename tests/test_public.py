"""The public side (信用门户): 双公示 search, record and organisation pages, as JSON and HTML,
through one query layer — live records of public datasets, no minors, IDs masked."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from tests.factories import ADMIN, Factory, login, make_ric
from tests.ingest_data import company_row, write_csv
from tests.public_city import COMPANY, NUMBER, full_id_numbers, make_city, rules
from tests.test_ingest import TODAY, submit
from xinyong.api.public import publication
from xinyong.archive import search as search_module
from xinyong.archive.public import PublicQuery, search
from xinyong.archive.search import (
    INDEX_SIZE,
    SEARCH_TABLE,
    compact,
    department_key,
    period_cover,
    query_terms,
    scope_terms,
    split_terms,
)
from xinyong.archive.service import sweep_with_lists
from xinyong.catalog.loader import get_catalog
from xinyong.catalog.service import migrate_and_sync
from xinyong.core.db import Database, create_db_engine
from xinyong.core.meta import get_meta
from xinyong.core.security import Role
from xinyong.identity.models import Subject
from xinyong.ingest.models import Batch


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


def test_words_within_a_departments_dates(
    client: TestClient, city: str, db: Database, factory: Factory, tmp_path: Path
) -> None:
    other = factory.department().code  # the same name, decided by another department
    rows = [company_row(6, 行政相对人名称="青山建材二厂", 处罚决定日期="2026-03-01", 公示截止期="")]
    submit(db, write_csv(tmp_path / "other.csv", rows), other)
    spans = [
        {"date_from": "2025-12-15", "date_to": "2026-03-01"},  # across a new year, to the day
        {"date_from": "2026-03-01"},  # to today
        {"date_to": "2026-03-01"},  # the department's key, the date filtered
        {},  # the department's key alone
        {"date_from": "2025-01-01", "date_to": "2026-12-31"},  # whole years
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},  # the department's key
    ]
    for span in spans:
        found = client.get(
            "/api/v1/public/records", params={"q": "建材", "department": city, **span}
        )
        assert names(found.json()) == ["青山建材厂"], span
        theirs = client.get(
            "/api/v1/public/records", params={"q": "建材", "department": other, **span}
        )
        assert names(theirs.json()) == ["青山建材二厂"], span
    misses = [
        {"date_from": "2026-03-02", "date_to": "2026-05-31"},  # the same month, later days
        {"date_from": "2026-04-01", "date_to": "2026-03-01"},  # an empty range
        {"date_to": "2025-12-31"},
        {"date_from": "9999-01-01", "date_to": "0001-12-31"},
    ]
    for span in misses:
        found = client.get(
            "/api/v1/public/records", params={"q": "建材", "department": city, **span}
        )
        assert found.json()["total"] == 0, span
    nobody = {"q": "建材", "department": "NOPE", "date_to": "2026-03-01"}
    assert client.get("/api/v1/public/records", params=nobody).json()["total"] == 0


def test_common_terms_are_checked_on_the_matches_of_the_rare_ones(
    client: TestClient, city: str, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    terms = query_terms("贸易有限公司1")
    with db.reading() as session:  # five records: each term is held by over a tenth
        assert split_terms(session, terms) == (terms, [])
    queries = ["贸易有限公司1", "有限公司", "建材厂", "示范建材", "〔2025〕2号", "青"]
    everything = [
        names(client.get("/api/v1/public/records", params={"q": q}).json()) for q in queries
    ]
    monkeypatch.setattr(search_module, "RARE", 0.3)  # held by one of the five: looked up
    with db.reading() as session:
        driving, checked = split_terms(session, query_terms("贸易有限公司1"))
    assert driving == ["司1"]
    assert set(checked) == {"贸易", "易有", "有限", "限公", "公司"}
    assert [
        names(client.get("/api/v1/public/records", params={"q": q}).json()) for q in queries
    ] == everything
    assert everything[0] == ["示范贸易有限公司1"]
    assert everything[3] == []


def test_a_period_is_covered_by_whole_years_and_the_months_at_its_ends() -> None:
    assert period_cover(date(2021, 7, 26), date(2021, 10, 24)) == [
        "202107",
        "202108",
        "202109",
        "202110",
    ]
    assert period_cover(date(2019, 11, 3), date(2022, 2, 1)) == [
        "201911",
        "201912",
        "2020",
        "2021",
        "202201",
        "202202",
    ]
    assert period_cover(date(2020, 1, 1), date(2021, 12, 31)) == ["2020", "2021"]
    assert period_cover(date(2021, 2, 1), date(2021, 1, 31)) == []
    keys = scope_terms("scjg-1", date(2021, 12, 1), date(2022, 12, 5))
    assert keys == ["@202112@SCJG1", "@2022@SCJG1"]
    assert department_key("scjg-1") == "@SCJG1"
    assert query_terms("@2021@SCJG") == ["20", "02", "21", "1S", "SC", "CJ", "JG"]  # no key


def test_the_sweep_indexes_what_the_index_lacks(
    client: TestClient, city: str, db: Database
) -> None:
    with db.writing() as session:  # as revision 0014 leaves a database: nothing indexed
        session.execute(update(Batch).values(indexed_at=None))
        session.execute(text(f"DELETE FROM {SEARCH_TABLE}"))
    assert client.get("/api/v1/public/records", params={"q": "建材"}).json()["total"] == 0
    result, _ = sweep_with_lists(db, ADMIN, get_catalog(), TODAY)
    assert result.indexed >= 3
    assert names(client.get("/api/v1/public/records", params={"q": "建材"}).json()) == [
        "青山建材厂"
    ]
    assert sweep_with_lists(db, ADMIN, get_catalog(), TODAY)[0].indexed == 0


def test_postgresql_rebuilds_the_terms_index_once_it_has_grown(empty_database_url: str) -> None:
    database = Database.from_engine(create_db_engine(empty_database_url))
    migrate_and_sync(database, get_catalog())
    postgres = database.engine.dialect.name == "postgresql"
    assert compact(database) is postgres  # first sweep: no size kept yet
    with database.reading() as session:
        kept = get_meta(session, INDEX_SIZE)
    assert (kept is not None) is postgres
    assert compact(database) is False  # not grown since
    database.engine.dispose()


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
