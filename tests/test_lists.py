"""Lists follow records, set-based: a serious penalty puts a company (and its legal
representative, 落实到人) on the serious dishonesty list; correction, withdrawal, repair
and the end of the period take them off with the reason; public lists are masked."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from tests.factories import Factory
from tests.ingest_data import write_csv
from tests.public_city import COLUMNS, SERIOUS, SEVERITY, full_id_numbers, make_listed, rules
from tests.test_ingest import TODAY, submit
from xinyong.api.public import publication
from xinyong.catalog.loader import get_catalog
from xinyong.core.db import Database
from xinyong.identity.models import Subject
from xinyong.ingest.models import Record, RecordStatus
from xinyong.lists.definitions import get_lists
from xinyong.lists.models import EntrySource, ListEntry
from xinyong.lists.service import recompute

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    """The app, publishing as of the tests' fixed day."""
    app.dependency_overrides[publication] = lambda: rules()
    return app


@pytest.fixture
def listed(db: Database, factory: Factory, tmp_path: Path) -> str:
    """A serious penalty of company 1 and a general one of company 2."""
    return make_listed(db, factory, tmp_path)


def entries(db: Database) -> list[tuple[str, str, str, str | None]]:
    """(list, subject name, source, exit reason) of every entry that rests on a record (the
    derived list has tests of its own: test_list_sources)."""
    with db.reading() as session:
        rows = session.execute(
            select(ListEntry.list_code, Subject.name, ListEntry.source, ListEntry.exit_reason)
            .join(Subject, Subject.id == ListEntry.subject_id)
            .where(ListEntry.record_id.is_not(None))
            .order_by(ListEntry.id)
        ).all()
    return [(c, n, s.value, r.value if r else None) for c, n, s, r in rows]


def test_a_serious_penalty_lists_the_company_and_reaches_its_representative(
    db: Database, listed: str
) -> None:
    assert entries(db) == [
        ("SERIOUS", "示范贸易有限公司1", "rule", None),
        ("SERIOUS", "王1", "reached", None),
    ]
    with db.writing() as session:  # recomputing changes nothing: set-based and idempotent
        assert recompute(session, get_catalog(), get_lists(get_catalog()), TODAY).total == 0


def test_a_correction_withdrawal_or_repair_ends_the_entries_with_its_reason(
    db: Database, listed: str, tmp_path: Path
) -> None:
    corrected = {**SERIOUS, SEVERITY: "一般"}
    submit(db, write_csv(tmp_path / "c.csv", [corrected], headers=COLUMNS), listed)
    assert [e[3] for e in entries(db)] == ["correction", "correction"]
    submit(db, write_csv(tmp_path / "again.csv", [SERIOUS], headers=COLUMNS), listed)
    assert [e[3] for e in entries(db)][2:] == [None, None]  # listed again, new entries
    catalog = get_catalog()
    with db.writing() as session:  # what an approved repair (rights issue) does to a record
        session.execute(update(Record).values(status=RecordStatus.REPAIRED))
        recompute(session, catalog, get_lists(catalog), TODAY)
    assert [e[3] for e in entries(db)][2:] == ["repair", "repair"]


def test_an_entry_ends_when_its_record_runs_out(db: Database, listed: str) -> None:
    with db.reading() as session:
        last_day = session.scalar(
            select(ListEntry.planned_exit).where(ListEntry.source == EntrySource.RULE)
        )
    assert last_day is not None
    catalog = get_catalog()
    with db.writing() as session:
        recompute(session, catalog, get_lists(catalog), last_day)
    assert [e[3] for e in entries(db)] == [None, None]  # shown through its last day
    with db.writing() as session:
        recompute(session, catalog, get_lists(catalog), last_day + timedelta(days=1))
    assert [e[3] for e in entries(db)] == ["expiry", "expiry"]


def test_published_lists_are_masked_and_only_public_lists_are_shown(
    client: TestClient, listed: str
) -> None:
    found = {item["code"]: item["count"] for item in client.get("/api/v1/public/lists").json()}
    assert found == {"SERIOUS": 2, "DEFAULTER": 0, "RED": 0}
    page = client.get("/api/v1/public/lists/serious").json()
    people = [e for e in page["items"] if e["subject_kind"] == "person"]
    assert [p["reached_via"] for p in people] == ["示范贸易有限公司1"]
    assert "*" in people[0]["subject_code"]
    assert client.get("/api/v1/public/lists/ATTENTION").status_code == 404
    for path in ("/lists", "/lists/SERIOUS", "/api/v1/public/lists/SERIOUS"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert not full_id_numbers(response.text), path
    assert "王1" in client.get("/lists/SERIOUS").text


def test_the_atom_feed_tells_entries_and_exits(
    client: TestClient, db: Database, listed: str, tmp_path: Path
) -> None:
    corrected = {**SERIOUS, SEVERITY: "一般"}
    submit(db, write_csv(tmp_path / "c.csv", [corrected], headers=COLUMNS), listed)
    response = client.get("/lists/SERIOUS/feed")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert "示范贸易有限公司1 移出（更正）" in titles
    assert "王1 列入" in titles
    assert not full_id_numbers(response.text)
    assert client.get("/lists/ATTENTION/feed").status_code == 404
