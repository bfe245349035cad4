"""Collection: files departments send, validated, linked and stored, on both engines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.factories import ADMIN, Factory, make_ric
from tests.ingest_data import HEADERS, company_row, person_row, write_csv, write_jsonl, write_xlsx
from xinyong.catalog.loader import get_catalog
from xinyong.core.db import Database
from xinyong.core.errors import Forbidden, NotFound
from xinyong.core.security import Principal, Role
from xinyong.identity.models import Subject, SubjectRelation
from xinyong.ingest import bulkload, service
from xinyong.ingest.columns import MissingColumns
from xinyong.ingest.models import Batch, BatchStatus, Channel, Record, RecordRevision, RejectedRow
from xinyong.ingest.provenance import original_row
from xinyong.ingest.readers import UnreadableFile
from xinyong.ingest.schemas import RejectedRowOut
from xinyong.ingest.service import Submission, ingest
from xinyong.ingest.store import ChunkStore

TODAY = date(2026, 11, 21)


@pytest.fixture
def department(factory: Factory) -> str:
    """A department (XZCF accepts any department as source)."""
    return factory.department().code


def submit(
    db: Database,
    path: Path,
    department: str,
    dataset: str = "XZCF",
    principal: Principal = ADMIN,
    **options: Any,
) -> Batch:
    return ingest(
        db,
        get_catalog(),
        principal,
        Submission(
            path,
            path.name,
            dataset,
            department,
            Channel.CLI,
            options.pop("file_format", None),
            options.pop("sheet", None),
        ),
        today=TODAY,
        **options,
    )


def count(db: Database, model: type[Any]) -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def messages(db: Database, batch: Batch) -> list[str]:
    with db.reading() as session:
        rows = session.scalars(
            select(RejectedRow).where(RejectedRow.batch_id == batch.id).order_by(RejectedRow.line)
        )
        return [m for row in rows for m in RejectedRowOut.of(row).messages]


def test_a_clean_file_is_stored_with_subjects_and_representatives(
    db: Database, department: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "p.csv", [company_row(1), company_row(2), person_row(3)])
    batch = submit(db, path, department)
    assert (batch.rows_read, batch.rows_accepted, batch.rows_new, batch.rows_rejected) == (
        3,
        3,
        3,
        0,
    )
    assert batch.status is BatchStatus.COMPLETED
    assert len(batch.file_sha256) == 64
    with db.reading() as session:
        record = session.scalars(select(Record).order_by(Record.line)).first()
        assert record is not None
        assert record.department_code == department
        assert record.batch_id == batch.id
        assert original_row(session, record) == {k: v or None for k, v in company_row(1).items()}
        assert json.loads(record.data)["CF_XDR_LB"] == "1"
        assert "CF_XDR_ZJHM" not in json.loads(record.data)  # blank fields are left out
        assert record.decision_date == date(2025, 6, 1)
        kinds = dict(
            session.execute(
                select(Subject.code_type, func.count()).group_by(Subject.code_type)
            ).all()
        )
        assert kinds == {"uscc": 2, "ric": 3}  # two companies, two representatives, one person
        assert session.scalar(select(func.count()).select_from(SubjectRelation)) == 2


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "gb18030"])
def test_encodings_are_detected(
    db: Database, department: str, tmp_path: Path, encoding: str
) -> None:
    path = write_csv(tmp_path / "p.csv", [company_row(1), person_row(2)], encoding=encoding)
    batch = submit(db, path, department)
    assert batch.rows_new == 2, messages(db, batch)
    assert (
        batch.encoding
        == {"utf-8-sig": "UTF-8 (BOM)", "gbk": "GB18030", "gb18030": "GB18030"}[encoding]
    )


def test_headers_by_code_in_any_order_with_stray_spaces(
    db: Database, department: str, tmp_path: Path
) -> None:
    dataset = get_catalog().datasets["XZCF"]
    by_name = {f.name: f.code for f in dataset.fields}
    row = {f" {by_name[k].lower()} ": v for k, v in reversed(list(company_row(1).items()))}
    batch = submit(db, write_csv(tmp_path / "p.csv", [row]), department)
    assert batch.rows_new == 1, messages(db, batch)


@pytest.mark.parametrize(
    "value", ["2025-06-01", "2025/6/1", "20250601", "2025年6月1日", "２０２５-06-01"]
)
def test_dates_as_people_write_them(
    db: Database, department: str, tmp_path: Path, value: str
) -> None:
    batch = submit(
        db, write_csv(tmp_path / "p.csv", [company_row(1, 处罚决定日期=value)]), department
    )
    assert batch.rows_new == 1, messages(db, batch)
    with db.reading() as session:
        assert session.scalar(select(Record.decision_date)) == date(2025, 6, 1)


def test_xlsx_with_date_cells_on_a_named_sheet(
    db: Database, department: str, tmp_path: Path
) -> None:
    path = write_xlsx(tmp_path / "p.xlsx", [company_row(1), person_row(2)], sheet="处罚")
    batch = submit(db, path, department, sheet="处罚")
    assert batch.rows_new == 2, messages(db, batch)
    assert batch.file_format == "xlsx"


def test_xlsx_first_sheet_with_text_and_serial_dates(
    db: Database, department: str, tmp_path: Path
) -> None:
    rows = [company_row(1, 处罚决定日期="45809"), company_row(2)]  # 45809 = 2025-06-01
    batch = submit(db, write_xlsx(tmp_path / "p.xlsx", rows, date_cells=False), department)
    assert batch.rows_new == 2, messages(db, batch)


def test_json_lines_with_field_codes(db: Database, department: str, tmp_path: Path) -> None:
    dataset = get_catalog().datasets["XZCF"]
    by_name = {f.name: f.code for f in dataset.fields}
    rows = [{by_name[k]: v for k, v in company_row(n).items()} for n in (1, 2)]
    batch = submit(db, write_jsonl(tmp_path / "p.jsonl", rows), department)
    assert batch.rows_new == 2, messages(db, batch)


def test_rejected_rows_are_kept_with_reasons_a_clerk_can_act_on(
    db: Database, department: str, tmp_path: Path
) -> None:
    rows = [
        company_row(1),
        person_row(2, 证件号码="36042619910102009X"),
        company_row(3, 处罚决定日期="2099-01-01", **{"罚款金额（万元）": "五万"}),
        company_row(4, 公示截止期="2024-01-01"),
        person_row(5, 行政相对人类别="法人"),
        company_row(6, 统一社会信用代码=""),
        company_row(7, 处罚决定日期="32/13/2025"),
    ]
    batch = submit(db, write_csv(tmp_path / "p.csv", rows), department)
    assert batch.rows_read == 7
    assert batch.rows_accepted + batch.rows_rejected == batch.rows_read
    assert batch.rows_rejected == 6
    found = messages(db, batch)
    assert "第 3 行 证件号码: 校验位错误，应为 3" in found
    assert "第 4 行 处罚决定日期: 日期 2099-01-01 晚于今天" in found
    assert "第 4 行 罚款金额（万元）: 「五万」不是有效的数字" in found
    assert "第 5 行 公示截止期: 不能早于处罚决定日期（2025-06-01）" in found
    assert any(
        m.startswith("第 6 行 行政相对人类别: 「法人」不是有效的行政相对人类别") for m in found
    )
    assert "第 7 行 统一社会信用代码: 法人及非法人组织必须填写统一社会信用代码" in found
    assert any(m.startswith("第 8 行 处罚决定日期: 「32/13/2025」不是有效日期") for m in found)


def test_the_original_row_comes_back_exactly_as_sent(
    db: Database, department: str, tmp_path: Path
) -> None:
    """Records store only what differs from their normalised data; the row as sent,
    spaces, full width, other date formats and the control column included, is rebuilt."""
    messy = company_row(
        1,
        行政相对人名称=" 示范贸易有限公司１ ",
        处罚决定日期="2025年6月1日",
        公示截止期="20260601",
        **{"罚款金额（万元）": "5", "操作类型": "新增", "违法事实": 'a "quoted"\\ fact'},
    )
    submit(db, write_csv(tmp_path / "a.csv", [messy]), department)
    revised = company_row(1, **{"罚款金额（万元）": " 8 "})
    submit(db, write_csv(tmp_path / "b.csv", [revised]), department)
    with db.reading() as session:
        record = session.scalars(select(Record)).one()
        old = session.scalars(select(RecordRevision)).one()
        assert original_row(session, old) == {k: v or None for k, v in messy.items()}
        assert original_row(session, record) == {k: v or None for k, v in revised.items()}
        assert json.loads(old.original) == {
            "行政相对人名称": " 示范贸易有限公司１ ",
            "行政相对人类别": "法人及非法人组织",
            "处罚决定日期": "2025年6月1日",
            "公示截止期": "20260601",
            "操作类型": "新增",
        }


def test_unknown_columns_are_reported_not_kept(
    db: Database, department: str, tmp_path: Path
) -> None:
    row = {**company_row(1), "内部备注": "不应入库"}
    batch = submit(db, write_csv(tmp_path / "p.csv", [row]), department)
    assert json.loads(batch.unknown_columns) == ["内部备注"]
    with db.reading() as session:
        record = session.scalars(select(Record)).one()
        assert "内部备注" not in record.data + record.original
        assert "内部备注" not in original_row(session, record)


def test_missing_required_columns_refuse_the_file(
    db: Database, department: str, tmp_path: Path
) -> None:
    row = {k: v for k, v in company_row(1).items() if k != "处罚决定日期"}
    with pytest.raises(MissingColumns, match="处罚决定日期"):
        submit(db, write_csv(tmp_path / "p.csv", [row]), department)
    with db.reading() as session:
        failed = session.scalars(select(Batch)).one()
        assert failed.status is BatchStatus.FAILED
        assert "缺少必填列" in (failed.error or "")
    assert count(db, Record) == 0


def test_an_unreadable_file_is_refused_and_recorded(
    db: Database, department: str, tmp_path: Path
) -> None:
    path = tmp_path / "p.xlsx"
    path.write_bytes(b"this is not a workbook")
    with pytest.raises(UnreadableFile):
        submit(db, path, department)
    assert count(db, Batch) == 1
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(UnreadableFile, match="文件为空"):
        submit(db, empty, department)


def test_resubmitting_the_same_rows_changes_nothing(
    db: Database, department: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "p.csv", [company_row(1), person_row(2)])
    submit(db, path, department)
    again = submit(db, path, department)
    assert (again.rows_new, again.rows_unchanged, again.rows_revised) == (0, 2, 0)
    assert count(db, Record) == 2
    assert count(db, RecordRevision) == 0


def test_a_changed_row_is_a_new_revision_and_the_old_one_is_kept(
    db: Database, department: str, tmp_path: Path
) -> None:
    submit(db, write_csv(tmp_path / "a.csv", [company_row(1)]), department)
    changed = submit(
        db, write_csv(tmp_path / "b.csv", [company_row(1, **{"罚款金额（万元）": "8"})]), department
    )
    assert changed.rows_revised == 1
    with db.reading() as session:
        record = session.scalars(select(Record)).one()
        old = session.scalars(select(RecordRevision)).one()
        assert record.revision == 2
        assert json.loads(record.data)["CF_NR_FK"] == "8"
        assert json.loads(old.data)["CF_NR_FK"] == "5"
        assert old.superseded_by_batch == changed.id


def test_a_row_marked_for_withdrawal_withdraws_the_record(
    db: Database, department: str, tmp_path: Path
) -> None:
    submit(db, write_csv(tmp_path / "a.csv", [company_row(1), company_row(2)]), department)
    key_only = {
        "行政处罚决定书文号": "示市监罚〔2025〕1号",
        "处罚机关统一社会信用代码": company_row(1)["处罚机关统一社会信用代码"],
        "操作类型": "撤销",
    }
    unknown = {**key_only, "行政处罚决定书文号": "不存在的文号"}
    batch = submit(
        db,
        write_csv(tmp_path / "b.csv", [key_only, unknown], headers=[*HEADERS, "操作类型"]),
        department,
    )
    assert (batch.rows_withdrawn, batch.rows_rejected) == (1, 1)
    assert "第 3 行 业务主键: 要撤销的记录不存在（按业务主键未找到）" in messages(db, batch)
    with db.reading() as session:
        statuses = dict(session.execute(select(Record.line, Record.status)).all())
        assert sorted(s.value for s in statuses.values()) == ["active", "withdrawn"]
        assert session.scalar(select(func.count()).select_from(RecordRevision)) == 1
        withdrawn = session.scalars(select(Record).where(Record.status == "withdrawn")).one()
        assert json.loads(withdrawn.data)["CF_NR_FK"] == "5"  # what was withdrawn stays readable
        sent = original_row(session, withdrawn)
        assert sent == {h: key_only.get(h) for h in [*HEADERS, "操作类型"]}


def test_new_and_known_keys_mixed_across_chunks_are_each_stored_right(
    db: Database, department: str, tmp_path: Path
) -> None:
    submit(db, write_csv(tmp_path / "a.csv", [company_row(1), company_row(2)]), department)
    rows = [
        company_row(3),
        company_row(4),
        company_row(1, **{"罚款金额（万元）": "9"}),  # a known key after a chunk of new ones
        company_row(5),
        company_row(2),
        company_row(6),
    ]
    batch = submit(db, write_csv(tmp_path / "b.csv", rows), department, chunk_rows=2)
    counts = (batch.rows_new, batch.rows_revised, batch.rows_unchanged, batch.rows_rejected)
    assert counts == (4, 1, 1, 0)
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Record)) == 6
        assert session.scalar(select(func.count()).select_from(RecordRevision)) == 1
        orphans = select(func.count()).select_from(Record).where(Record.subject_id.is_(None))
        assert session.scalar(orphans) == 0


def test_duplicates_within_a_batch_are_caught_across_chunks(
    db: Database, department: str, tmp_path: Path
) -> None:
    rows = [
        company_row(1),
        company_row(2),
        company_row(3),
        company_row(1, **{"罚款金额（万元）": "9"}),
    ]
    batch = submit(db, write_csv(tmp_path / "p.csv", rows), department, chunk_rows=2)
    assert (batch.rows_new, batch.rows_rejected) == (3, 1)
    assert "第 5 行 业务主键: 业务主键与第 2 行重复" in messages(db, batch)


def test_a_failure_mid_batch_leaves_nothing_behind(
    db: Database, department: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    original = ChunkStore.store

    def failing(self: ChunkStore, accepted: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return original(self, accepted)

    monkeypatch.setattr(ChunkStore, "store", failing)
    rows = [company_row(n) for n in range(1, 6)]
    with pytest.raises(RuntimeError):
        submit(db, write_csv(tmp_path / "p.csv", rows), department, chunk_rows=2)
    assert count(db, Record) == 0
    assert count(db, Subject) == 0
    with db.reading() as session:
        failed = session.scalars(select(Batch)).one()
        assert failed.status is BatchStatus.FAILED
        assert "未写入任何数据" in (failed.error or "")


def _indexes(db: Database) -> list[tuple[str, str]]:
    with db.connect() as connection:
        return bulkload.secondary_indexes(connection)


@pytest.fixture
def bulk_loads(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every batch counts as large; records whether each took the bulk-load path."""
    monkeypatch.setattr(bulkload, "BULK_MIN_ROWS", 1)
    taken: list[bool] = []

    @contextmanager
    def spy(connection: Any, expected: int | None) -> Iterator[bool]:
        with bulkload.bulk_load(connection, expected) as took:
            taken.append(took)
            yield took

    monkeypatch.setattr(service, "bulk_load", spy)
    return taken


def test_a_large_first_load_rebuilds_the_indexes_it_dropped(
    db: Database, department: str, tmp_path: Path, bulk_loads: list[bool]
) -> None:
    sqlite = db.engine.dialect.name == "sqlite"
    before = _indexes(db) if sqlite else []
    rows = [company_row(n) for n in range(1, 6)]
    batch = submit(db, write_csv(tmp_path / "p.csv", rows), department, chunk_rows=2)
    assert batch.rows_new == 5
    assert bulk_loads == [sqlite]  # PostgreSQL never drops an index readers wait on
    if sqlite:
        assert _indexes(db) == before
        assert len(before) == 4
        with db.connect() as connection:  # the table now holds more than a small batch
            assert bulkload.worth_it(connection, 5)
            assert not bulkload.worth_it(connection, 4)
    with db.reading() as session:
        assert session.scalar(select(func.count()).where(Record.batch_id == batch.id)) == 5


def test_a_failed_bulk_load_keeps_the_indexes(
    db: Database,
    department: str,
    tmp_path: Path,
    bulk_loads: list[bool],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = _indexes(db) if db.engine.dialect.name == "sqlite" else []

    def failing(self: ChunkStore, accepted: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(ChunkStore, "store", failing)
    with pytest.raises(RuntimeError):
        submit(db, write_csv(tmp_path / "p.csv", [company_row(1)]), department)
    assert count(db, Record) == 0
    if before:
        assert _indexes(db) == before


def test_only_listed_source_departments_may_submit(
    db: Database, factory: Factory, tmp_path: Path
) -> None:
    other = factory.department().code
    path = write_csv(tmp_path / "p.csv", [company_row(1)])
    with pytest.raises(Forbidden, match="不是信息类「经营异常名录」的提供单位"):
        submit(db, path, other, dataset="JYYCML")
    with pytest.raises(NotFound):
        submit(db, path, other, dataset="NOPE")


def test_a_clerk_submits_only_for_their_own_department(
    db: Database, factory: Factory, tmp_path: Path
) -> None:
    own, other = factory.department().code, factory.department().code
    clerk = Principal(kind="user", id=1, name="clerk", role=Role.SUBMITTER, department_code=own)
    path = write_csv(tmp_path / "p.csv", [company_row(1)])
    with pytest.raises(Forbidden, match="只能为本部门报送数据"):
        submit(db, path, other, principal=clerk)
    assert submit(db, path, own, principal=clerk).rows_new == 1


def test_student_records_of_minors_are_refused(
    db: Database, factory: Factory, tmp_path: Path
) -> None:
    education = factory.department("JYJ").code
    row = {
        "学生姓名": "小明",
        "证件类型": "身份证",
        "学校名称": "示范大学",
        "记录类型": "考试作弊",
        "事项描述": "期末考试作弊",
        "认定日期": "2025-06-01",
        "认定单位": "示范大学",
        "认定单位统一社会信用代码": company_row(1)["处罚机关统一社会信用代码"],
    }
    rows = [
        {**row, "证件号码": make_ric("20090101", sequence=1), "记录编号": "A1"},
        {**row, "证件号码": make_ric("20010101", sequence=2), "记录编号": "A2"},
    ]
    batch = submit(db, write_csv(tmp_path / "s.csv", rows), education, dataset="XSCX")
    assert (batch.rows_new, batch.rows_rejected) == (1, 1)
    assert "第 2 行 证件号码: 信息主体未满 18 周岁，不得采集" in messages(db, batch)


def test_the_error_report_can_be_corrected_and_sent_back(
    db: Database, department: str, tmp_path: Path
) -> None:
    from xinyong.ingest.report import error_csv

    batch = submit(
        db,
        write_csv(
            tmp_path / "p.csv", [company_row(1), company_row(2, **{"罚款金额（万元）": "x"})]
        ),
        department,
    )
    with db.reading() as session:
        text = "".join(error_csv(session, batch.id))
    assert text.startswith("\ufeff原行号,行政相对人名称")
    assert "罚款金额（万元）: 「x」不是有效的数字" in text
    corrected = text.replace(",x,", ",2,")
    fixed = tmp_path / "fixed.csv"
    fixed.write_text(corrected, encoding="utf-8")
    again = submit(db, fixed, department)
    assert (again.rows_new, again.rows_rejected) == (1, 0)
    assert json.loads(again.unknown_columns) == []


def test_a_quoted_field_may_span_lines_and_lines_are_counted_right(
    db: Database, department: str, tmp_path: Path
) -> None:
    rows = [company_row(1, 违法事实="第一行\n第二行"), person_row(2, 证件号码="36042619910102009X")]
    batch = submit(db, write_csv(tmp_path / "p.csv", rows), department)
    assert (batch.rows_new, batch.rows_rejected) == (1, 1)
    # The first record spans lines 2-3, so the second starts on line 4.
    assert messages(db, batch) == ["第 4 行 证件号码: 校验位错误，应为 3"]
    with db.reading() as session:
        assert json.loads(session.scalar(select(Record.data)) or "{}")["CF_SY"] == "第一行\n第二行"


def test_an_unbalanced_quote_makes_the_file_unreadable(
    db: Database, department: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "p.csv", [company_row(1)])
    path.write_text(path.read_text(encoding="utf-8") + '"未闭合的引号,x\n', encoding="utf-8")
    with pytest.raises(UnreadableFile):
        submit(db, path, department)
    assert count(db, Record) == 0
