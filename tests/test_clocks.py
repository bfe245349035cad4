"""Display periods (公示期限): computed from the catalog rule, enforced by one query layer,
marked by the sweep."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select

from tests.factories import ADMIN, Factory
from tests.ingest_data import HEADERS, company_row, write_csv
from tests.test_ingest import submit
from xinyong.archive.clocks import display_until
from xinyong.archive.service import EXPIRED, recompute_all, sweep
from xinyong.archive.visibility import live
from xinyong.audit.models import AuditEntry
from xinyong.catalog.definitions import PeriodBounds, Severity
from xinyong.catalog.loader import get_catalog
from xinyong.core.db import Database, keyset_chunks
from xinyong.ingest.models import Record, RecordStatus

CATALOG = get_catalog()


def penalty_until(
    decided: date,
    *,
    severity: str | None = None,
    types: str = "罚款",
    deadline: date | None = None,
) -> date | None:
    """The clock of one 行政处罚 row."""
    frame = pl.DataFrame(
        {
            "n:CF_JDRQ": [decided],
            "n:CF_YZCD": [severity],
            "n:CF_CFLB": [types],
            "n:CF_GSJZQ": [deadline],
        },
        schema={
            "n:CF_JDRQ": pl.Date,
            "n:CF_YZCD": pl.String,
            "n:CF_CFLB": pl.String,
            "n:CF_GSJZQ": pl.Date,
        },
    )
    expr = display_until(CATALOG.datasets["XZCF"], CATALOG.policies)
    value: date | None = frame.select(expr).item()
    return value


def test_a_general_penalty_is_shown_for_the_maximum_without_a_deadline() -> None:
    assert penalty_until(date(2025, 6, 1)) == date(2026, 6, 1)


def test_severity_in_the_row_sets_the_period() -> None:
    assert penalty_until(date(2025, 6, 1), severity="serious") == date(2028, 6, 1)
    assert penalty_until(date(2025, 6, 1), severity="special") == date(2028, 6, 1)


def test_an_explicit_deadline_wins_within_the_rule_and_is_bounded_outside_it() -> None:
    decided = date(2025, 6, 1)
    assert penalty_until(decided, deadline=date(2025, 12, 1)) == date(2025, 12, 1)
    assert penalty_until(decided, deadline=date(2025, 7, 1)) == date(2025, 9, 1)  # min 3 months
    assert penalty_until(decided, deadline=date(2030, 1, 1)) == date(2026, 6, 1)  # max 1 year


def test_the_longest_period_applies_when_a_decision_carries_several_types() -> None:
    several = "罚款；暂扣或者吊销许可证、暂扣或者吊销执照"
    assert penalty_until(date(2025, 6, 1), types=several) == date(2028, 6, 1)
    deadline = date(2025, 8, 1)  # below the serious minimum of 6 months
    assert penalty_until(date(2025, 6, 1), types=several, deadline=deadline) == date(2025, 12, 1)


def test_months_end_on_the_last_day_of_a_shorter_month() -> None:
    assert penalty_until(date(2024, 8, 31), deadline=date(2024, 9, 1)) == date(2024, 11, 30)


def test_a_licence_is_shown_while_valid_and_positive_records_for_a_fixed_term() -> None:
    licence = CATALOG.datasets["XZXK"]
    until = next(f.code for f in licence.fields if f.role == "valid_until")
    frame = pl.DataFrame({f"n:{until}": [date(2027, 3, 1), None]})
    assert frame.select(display_until(licence, CATALOG.policies)).to_series().to_list() == [
        date(2027, 3, 1),
        None,  # 长期有效: no end
    ]
    honour = CATALOG.datasets["BZRY"]
    decided = next(f.code for f in honour.fields if f.role == "decision_date")
    frame = pl.DataFrame({f"n:{decided}": [date(2024, 2, 29)]})
    assert frame.select(display_until(honour, CATALOG.policies)).item() == date(2027, 2, 28)


@pytest.fixture
def department(factory: Factory) -> str:
    return factory.department().code


def stored(db: Database) -> dict[str, tuple[date | None, RecordStatus]]:
    """Each record's clock and status by document number."""
    with db.reading() as session:
        rows = session.execute(select(Record.business_key, Record.display_until, Record.status))
        return {key.split("|")[0]: (until, status) for key, until, status in rows}


def test_ingest_stores_each_records_clock_and_the_sweep_expires_it(
    db: Database, department: str, tmp_path: Path
) -> None:
    rows = [
        company_row(1),  # deadline 2026-06-01 within the rule
        company_row(2, **{"公示截止期": ""}),  # no deadline: a year
        company_row(3, **{"处罚决定日期": "2026-01-10", "公示截止期": ""}),
    ]
    submit(db, write_csv(tmp_path / "p.csv", rows), department)
    clocks = {k: until for k, (until, _) in stored(db).items()}
    assert clocks == {
        "示市监罚〔2025〕1号": date(2026, 6, 1),
        "示市监罚〔2025〕2号": date(2026, 6, 1),
        "示市监罚〔2025〕3号": date(2027, 1, 10),
    }
    with db.reading() as session:  # the chunked reads the sweep's recomputation uses
        ids = sorted(session.scalars(select(Record.id)))
        chunks = keyset_chunks(session, select(Record.id), Record.id, 2)
        assert [[row[0] for row in rows] for rows in chunks] == [ids[:2], ids[2:]]
    today = date(2026, 6, 2)
    with db.reading() as session:  # past its last day: not live, even before the sweep
        shown = session.scalars(select(Record.business_key).where(live(today))).all()
        assert [k.split("|")[0] for k in shown] == ["示市监罚〔2025〕3号"]
        assert session.scalars(select(Record.business_key).where(live(date(2026, 6, 1)))).all()
    with db.writing() as session:
        result = sweep(session, ADMIN, today)
    assert result.expired == {"XZCF": 2}
    statuses = {k: status for k, (_, status) in stored(db).items()}
    assert list(statuses.values()).count(RecordStatus.EXPIRED) == 2
    with db.writing() as session:
        assert sweep(session, ADMIN, today).total == 0  # idempotent
    with db.reading() as session:
        logged = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == EXPIRED)
        ).all()
    assert len(logged) == 1
    assert '"XZCF": 2' in logged[0]


def test_a_change_of_policy_is_applied_by_recomputing(
    db: Database, department: str, tmp_path: Path
) -> None:
    row = company_row(1, **{"公示截止期": "", "违法行为严重程度": "严重"})
    submit(
        db, write_csv(tmp_path / "p.csv", [row], headers=[*HEADERS, "违法行为严重程度"]), department
    )
    assert stored(db)["示市监罚〔2025〕1号"][0] == date(2028, 6, 1)
    shorter = CATALOG.policies.model_copy(deep=True)
    shorter.display_periods["penalty"][Severity.SERIOUS] = PeriodBounds(min_months=6, max_months=24)
    catalog = CATALOG.__class__(**{**CATALOG.__dict__, "policies": shorter})
    with db.writing() as session:
        moved = recompute_all(session, ADMIN, catalog)
    assert moved == {"XZCF": 1}
    assert stored(db)["示市监罚〔2025〕1号"][0] == date(2027, 6, 1)
