"""The hash-chained audit trail detects changed and deleted entries."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.factories import ADMIN
from xinyong.audit import service as audit
from xinyong.core.db import Database

DROP_GUARD = {
    "sqlite": ["DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"],
    "postgresql": ["ALTER TABLE audit_log DISABLE TRIGGER USER"],
}


def _write(db: Database, n: int) -> None:
    with db.writing() as session:
        for i in range(n):
            audit.record(
                session,
                ADMIN,
                "test.write",
                target_type="thing",
                target_id=i,
                detail={"n": i, "名称": "测试"},
            )


def _tamper(db: Database, *statements: str) -> None:
    """What an intruder with database access would do: lift the guard, then edit."""
    with db.writing() as session:
        for statement in [*DROP_GUARD[session.get_bind().dialect.name], *statements]:
            session.execute(text(statement))


def _verify(db: Database) -> audit.VerifyReport:
    with db.reading() as session:
        return audit.verify(session)


def test_intact_chain_verifies(db: Database) -> None:
    _write(db, 5)
    report = _verify(db)
    assert report.ok, report.problems
    assert report.checked == 5


def test_entries_link_to_their_predecessor(db: Database) -> None:
    _write(db, 3)
    with db.reading() as session:
        rows = session.execute(
            text("SELECT seq, prev_hash, hash FROM audit_log ORDER BY seq")
        ).all()
    assert rows[0].prev_hash == audit.GENESIS_HASH
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]


def test_changed_entry_is_detected(db: Database) -> None:
    _write(db, 5)
    _tamper(db, "UPDATE audit_log SET actor = 'someone:else' WHERE seq = 3")
    report = _verify(db)
    assert not report.ok
    assert any("entry 3 was changed" in p for p in report.problems)


def test_deleted_entry_is_detected(db: Database) -> None:
    _write(db, 5)
    _tamper(db, "DELETE FROM audit_log WHERE seq = 2")
    report = _verify(db)
    assert any("missing" in p for p in report.problems)


def test_deleted_newest_entries_are_detected(db: Database) -> None:
    _write(db, 5)
    _tamper(db, "DELETE FROM audit_log WHERE seq >= 4")
    report = _verify(db)
    assert any("newest entries" in p for p in report.problems)


def test_a_rolled_back_change_leaves_no_entry(db: Database) -> None:
    _write(db, 1)
    session: Session
    try:
        with db.writing() as session:
            audit.record(session, ADMIN, "test.write")
            raise RuntimeError("the change fails")
    except RuntimeError:
        pass
    with db.reading() as session:
        assert audit.count(session) == 1
    assert _verify(db).ok


def test_reads_of_personal_data_are_recorded(db: Database) -> None:
    with db.writing() as session:
        entry = audit.record_read(session, ADMIN, "ric:11010519491231002X", purpose="行政许可审查")
    assert entry.action == audit.READ_PERSONAL_DATA
    assert entry.subject_ref == "ric:11010519491231002X"
    assert entry.purpose == "行政许可审查"


def test_reads_logged_many_at_once_extend_the_same_chain(db: Database) -> None:
    _write(db, 2)
    with db.writing() as session:
        seqs = audit.append(
            session,
            [
                audit.Pending(ADMIN, "test.many", {"target_id": i, "ip": "127.0.0.1"})
                for i in range(5)
            ],
        )
        audit.record(session, ADMIN, "test.after", target_type="thing", target_id=9)
    assert seqs == [3, 4, 5, 6, 7]
    report = _verify(db)
    assert report.ok, report.problems
    assert report.checked == 8


def test_a_savepoint_rolled_back_takes_its_entries_with_it(db: Database) -> None:
    # The group writer retries a failed group item by item, each in a savepoint: an item
    # that fails must not leave the chain pointing at entries that were never kept.
    with db.writing() as session:
        audit.record(session, ADMIN, "test.kept")
        nested = session.begin_nested()
        audit.append(session, [audit.Pending(ADMIN, "test.lost", {"target_id": 1})] * 2)
        nested.rollback()
        audit.record(session, ADMIN, "test.kept")
    report = _verify(db)
    assert report.ok, report.problems
    assert report.checked == 2
