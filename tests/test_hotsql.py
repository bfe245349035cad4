"""Prepared statements (core/hotsql.py) read and write what SQLAlchemy would, on both engines."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import Date, String, bindparam, insert, select

from tests.factories import Factory
from xinyong.core.db import Database, table_of
from xinyong.core.hotsql import Prepared
from xinyong.core.sql import in_json_array
from xinyong.identity.codes import CodeType
from xinyong.identity.models import Subject, SubjectKind
from xinyong.sanctions.models import Check
from xinyong.sanctions.service import CHECK_COLUMNS, INSERT_CHECKS


@pytest.fixture(autouse=True)
def department(factory: Factory) -> None:
    """The department the checks name."""
    factory.department("D1")


AT = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)  # no microseconds: the text must still carry them


def _check(check_id: int) -> dict[str, object]:
    return {
        "id": check_id,
        "subject_id": None,
        "subject_ref": f"ref-{check_id}",
        "scenario": "PROCUREMENT",
        "department_code": "D1",
        "purpose": "核查",
        "checked_by": "tester",
        "checked_at": AT,
        "hits": 0,
        "audit_seq": None,
    }


def test_rows_come_back_as_sqlalchemy_returns_them(db: Database) -> None:
    with db.writing() as session:
        INSERT_CHECKS.run(session, [_check(1), _check(2)])
        INSERT_CHECKS.run(session, [_check(3)])
        orm = session.execute(select(Check.id, Check.checked_at).order_by(Check.id)).all()
        prepared = Prepared(select(Check.id, Check.checked_at).order_by(Check.id))
        assert prepared.rows(session, {}) == [tuple(row) for row in orm]
        assert orm[0][1] == AT  # written as SQLAlchemy writes a time, so read back the same
        assert Prepared(select(Check.id).where(Check.id > bindparam("after"))).rows(
            session, {"after": 2}
        ) == [(3,)]


def test_enums_json_lists_and_dates_are_bound(db: Database) -> None:
    born = date(1990, 1, 2)
    with db.writing() as session:
        subject = Subject(
            code_type=CodeType.RIC, code="X1", name="某某", kind=SubjectKind.PERSON, birth_date=born
        )
        session.add(subject)
        session.flush()
        by_code = Prepared(
            select(Subject.id, Subject.code_type, Subject.birth_date).where(
                Subject.code_type == CodeType.RIC,
                Subject.birth_date == bindparam("born", type_=Date),
                in_json_array(Subject.code, bindparam("codes", type_=String)),
            )
        )
        found = by_code.rows(session, {"codes": '["X1", "nobody"]', "born": born})
        assert found == [(subject.id, CodeType.RIC, born)]


def test_what_cannot_be_prepared_is_refused_when_first_run(db: Database) -> None:
    expanding = Prepared(select(Check.id).where(Check.id.in_(bindparam("ids", expanding=True))))
    per_row_default = Prepared(
        insert(table_of(Check)), [c for c in CHECK_COLUMNS if c != "checked_at"]
    )
    with db.reading() as session:
        with pytest.raises(ValueError, match="expanding"):
            expanding.rows(session, {"ids": [1]})
        with pytest.raises(ValueError, match="checked_at"):
            per_row_default.run(session, [_check(1)])


def _bound(compiled: Any, parameters: Any, name: str) -> Any:
    """The value a driver is given for ``name`` (positional or named)."""
    return parameters[compiled.names.index(name)] if compiled.positional else parameters[name]


def test_a_value_repeated_on_every_row_is_converted_once(db: Database) -> None:
    compiled = INSERT_CHECKS._compiled(db.engine.dialect)
    at = compiled.names.index("checked_at")
    calls: list[object] = []

    def counted(value: object) -> object:
        calls.append(value)
        return f"converted {value}"

    counting = replace(compiled, binds=((at, counted),))
    memo: dict[tuple[int, Any], Any] = {}
    rows = [Prepared._parameters(counting, _check(i), memo) for i in (1, 2, 3)]
    assert calls == [AT]
    assert {_bound(counting, row, "checked_at") for row in rows} == {f"converted {AT}"}
    # A value that cannot be remembered (a JSON document) is converted every time.
    document = replace(counting, binds=((compiled.names.index("subject_ref"), counted),))
    for _ in range(2):
        Prepared._parameters(document, {**_check(4), "subject_ref": ["a"]}, memo)
    assert calls == [AT, ["a"], ["a"]]


def test_constant_defaults_are_filled_in(db: Database) -> None:
    some = Prepared(insert(table_of(Check)), [c for c in CHECK_COLUMNS if c != "hits"])
    with db.writing() as session:
        some.run(session, [{k: v for k, v in _check(1).items() if k != "hits"}])
        assert session.scalar(select(Check.hits)) == 0  # the column's default
