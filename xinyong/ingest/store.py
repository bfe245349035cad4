# ruff: noqa: S608 - statements are assembled from module constants only; values are bound
"""Set-based storage of a validated chunk: subjects, records, revisions, relations, quarantine.

The keys of a chunk are bulk-loaded into a narrow staging table (COPY on PostgreSQL,
executemany on SQLite) and linked to subjects and existing records by a few SQL
statements, the same on both engines. New records — nearly every row of a first load —
then go straight into ``records`` in one bulk insert, so the wide data is written once.
Rows whose key exists already are staged in full and applied (revision, withdrawal) by SQL.
No per-row ORM objects, no Python loop over the records table.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, text

from xinyong.ingest.readers import LINE

STAGE = "ingest_stage"
CHANGES = "ingest_changes"
KEY_COLUMNS = (
    "line",
    "business_key",
    "code_type",
    "code",
    "subject_name",
    "subject_kind",
    "legacy_code",
    "birth_date",
    "action",
    "rep_name",
    "rep_code",
)
CHANGE_COLUMNS = ("line", "record_id", "subject_id", "action", "decision_date", "data", "original")
RECORD_COLUMNS = (
    "dataset_code",
    "dataset_version",
    "business_key",
    "subject_id",
    "status",
    "revision",
    "decision_date",
    "data",
    "original",
    "department_code",
    "batch_id",
    "line",
    "received_at",
)
TABLES = {
    STAGE: f"""CREATE TEMPORARY TABLE {STAGE} (
        line BIGINT PRIMARY KEY, business_key TEXT NOT NULL, code_type VARCHAR(32),
        code VARCHAR(64), subject_name TEXT, subject_kind VARCHAR(32), legacy_code VARCHAR(64),
        birth_date DATE, action VARCHAR(16) NOT NULL, rep_name TEXT, rep_code VARCHAR(64),
        subject_id BIGINT, record_id BIGINT, first_line BIGINT)""",
    CHANGES: f"""CREATE TEMPORARY TABLE {CHANGES} (
        line BIGINT PRIMARY KEY, record_id BIGINT NOT NULL, subject_id BIGINT,
        action VARCHAR(16) NOT NULL, decision_date DATE, data TEXT NOT NULL,
        original TEXT NOT NULL, old_data TEXT, old_status VARCHAR(32))""",
}
MISSING_RECORD = "要撤销的记录不存在（按业务主键未找到）"
DUPLICATE_IN_BATCH = "业务主键与第 {} 行重复"

# A row changes its record when its data differ, or it revives or withdraws it.
CHANGED = """(
    (ch.action = 'upsert' AND (ch.data <> ch.old_data OR ch.old_status = 'withdrawn'))
    OR (ch.action = 'withdraw' AND ch.old_status <> 'withdrawn')
)"""


@dataclass
class ChunkCounts:
    """What a chunk did."""

    new: int = 0
    revised: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    rejected: int = 0

    def add(self, other: ChunkCounts) -> None:
        """Accumulate another chunk's counts."""
        for name in ("new", "revised", "unchanged", "withdrawn", "rejected"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def bulk_insert(
    connection: Connection, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """The fastest plain insert each engine offers: COPY on PostgreSQL, executemany on SQLite."""
    raw = connection.connection.driver_connection
    assert raw is not None, "a live DBAPI connection"
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    cursor = raw.cursor()
    try:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
    finally:
        cursor.close()


class ChunkStore:
    """Writes chunks of one batch inside the batch's transaction."""

    def __init__(
        self,
        connection: Connection,
        *,
        batch_id: int,
        dataset_code: str,
        dataset_version: int,
        department_code: str,
        now: datetime,
    ) -> None:
        self.connection = connection
        self.now = now
        self.params = {
            "batch": batch_id,
            "ds": dataset_code,
            "version": dataset_version,
            "dept": department_code,
            "now": now,
            "source": f"batch:{batch_id}",
        }
        for table, ddl in TABLES.items():
            connection.execute(text(f"DROP TABLE IF EXISTS {table}"))
            connection.execute(text(ddl))

    def close(self) -> None:
        """Drop the staging tables."""
        for table in TABLES:
            self.connection.execute(text(f"DROP TABLE IF EXISTS {table}"))

    def _sql(self, statement: str, **extra: Any) -> Any:
        return self.connection.execute(text(statement), {**self.params, **extra})

    def quarantine(self, rejected: pl.DataFrame) -> int:
        """Keep rejected rows with their reasons."""
        if rejected.is_empty():
            return 0
        batch = self.params["batch"]
        rows = (
            (batch, line, original, errors)
            for line, original, errors in rejected.select(LINE, "original", "errors").iter_rows()
        )
        bulk_insert(
            self.connection, "rejected_rows", ("batch_id", "line", "original", "errors"), rows
        )
        return rejected.height

    def store(self, accepted: pl.DataFrame) -> ChunkCounts:
        """Store a chunk's accepted rows; returns what they did."""
        counts = ChunkCounts()
        if accepted.is_empty():
            return counts
        keys = accepted.select(pl.col(LINE).alias("line"), *KEY_COLUMNS[1:])
        bulk_insert(self.connection, STAGE, KEY_COLUMNS, self._rows(keys))
        self._match_records()
        counts.rejected = self._reject_duplicates(accepted) + self._reject_missing(accepted)
        self._link_subjects()
        links = pl.DataFrame(
            self._sql(f"SELECT line, subject_id, record_id FROM {STAGE}").all(),
            schema={"line": pl.Int64, "subject_id": pl.Int64, "record_id": pl.Int64},
            orient="row",
        )
        frame = accepted.rename({LINE: "line"}).join(links, on="line", how="inner")
        fresh = frame.filter(pl.col("record_id").is_null())
        counts.new = fresh.height
        self._insert_new(fresh)
        known = frame.filter(pl.col("record_id").is_not_null())
        if not known.is_empty():
            counts.revised, counts.withdrawn = self._apply_known(known)
            counts.unchanged = known.height - counts.revised - counts.withdrawn
        self._relate_representatives()
        self._sql(f"DELETE FROM {STAGE}")
        return counts

    def _match_records(self) -> None:
        """Attach the existing record of each staged key; note keys this batch stored already.

        Correlated lookups, not joins: records grows inside the batch's transaction while
        PostgreSQL's statistics still call it small, and a join plan then scans all of it
        for every chunk (28 s of a 1,000,000-row load); a lookup always probes the index."""
        self._sql(f"""
            UPDATE {STAGE} SET (record_id, first_line) = (
                SELECT r.id, CASE WHEN r.batch_id = :batch THEN r.line END FROM records r
                WHERE r.dataset_code = :ds AND r.business_key = {STAGE}.business_key)""")

    def _link_subjects(self) -> None:
        """Create missing subjects and attach each staged row's subject."""
        self._sql(f"""
            INSERT INTO subjects (code_type, code, name, kind, legacy_code, birth_date,
                                  created_at, updated_at)
            SELECT code_type, code, MIN(subject_name), MIN(subject_kind), MIN(legacy_code),
                   MIN(birth_date), :now, :now
            FROM {STAGE} WHERE action = 'upsert'
            GROUP BY code_type, code
            ON CONFLICT (code_type, code) DO NOTHING""")
        self._sql(f"""
            UPDATE {STAGE} SET subject_id = s.id FROM subjects s
            WHERE s.code_type = {STAGE}.code_type AND s.code = {STAGE}.code""")

    def _reject(self, accepted: pl.DataFrame, where: str, message: str) -> int:
        """Quarantine the staged rows matching ``where`` (``message`` may name first_line)."""
        rows = self._sql(f"SELECT st.line, st.first_line FROM {STAGE} st WHERE {where}").all()
        if not rows:
            return 0
        firsts = dict(rows)
        originals = accepted.filter(pl.col(LINE).is_in(list(firsts))).select(LINE, "original")
        batch = self.params["batch"]
        bulk_insert(
            self.connection,
            "rejected_rows",
            ("batch_id", "line", "original", "errors"),
            [
                (
                    batch,
                    line,
                    original,
                    json.dumps(
                        [
                            {
                                "field": "_key",
                                "name": "业务主键",
                                "value": None,
                                "message": message.format(firsts[line]),
                            }
                        ],
                        ensure_ascii=False,
                    ),
                )
                for line, original in originals.iter_rows()
            ],
        )
        self._sql(
            f"DELETE FROM {STAGE} WHERE line IN (SELECT st.line FROM {STAGE} st WHERE {where})"
        )
        return len(rows)

    def _reject_duplicates(self, accepted: pl.DataFrame) -> int:
        """A key an earlier chunk of this batch stored or revised is a duplicate. (A repeat of
        a row that changed nothing is simply unchanged again.)"""
        return self._reject(accepted, "st.first_line IS NOT NULL", DUPLICATE_IN_BATCH)

    def _reject_missing(self, accepted: pl.DataFrame) -> int:
        """A withdrawal must name a record that exists."""
        return self._reject(
            accepted, "st.action = 'withdraw' AND st.record_id IS NULL", MISSING_RECORD
        )

    def _rows(self, frame: pl.DataFrame) -> Iterator[tuple[Any, ...]]:
        """A frame's rows for the DBAPI; SQLite gets dates as the ISO text SQLAlchemy stores."""
        if self.connection.dialect.name == "sqlite":
            frame = frame.with_columns(pl.col(pl.Date).cast(pl.String))
        return frame.iter_rows()

    def _insert_new(self, fresh: pl.DataFrame) -> None:
        """New records straight into the table: the wide data is written once."""
        p = self.params
        now: datetime | str = self.now
        if self.connection.dialect.name == "sqlite":  # as UTCDateTime stores it
            now = self.now.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        values = fresh.filter(pl.col("action") == "upsert").select(
            "business_key", "subject_id", "decision_date", "data", "original", "line"
        )
        bulk_insert(
            self.connection,
            "records",
            RECORD_COLUMNS,
            (
                (
                    p["ds"],
                    p["version"],
                    key,
                    subject,
                    "active",
                    1,
                    decided,
                    data,
                    original,
                    p["dept"],
                    p["batch"],
                    line,
                    now,
                )
                for key, subject, decided, data, original, line in self._rows(values)
            ),
        )

    def _apply_known(self, known: pl.DataFrame) -> tuple[int, int]:
        """Revisions and withdrawals of existing records; returns (revised, withdrawn)."""
        bulk_insert(
            self.connection, CHANGES, CHANGE_COLUMNS, self._rows(known.select(*CHANGE_COLUMNS))
        )
        self._sql(f"""
            UPDATE {CHANGES} SET old_data = r.data, old_status = r.status
            FROM records r WHERE r.id = {CHANGES}.record_id""")
        revised, withdrawn = self._sql(f"""
            SELECT SUM(CASE WHEN ch.action = 'upsert' AND {CHANGED} THEN 1 ELSE 0 END),
                   SUM(CASE WHEN ch.action = 'withdraw' AND {CHANGED} THEN 1 ELSE 0 END)
            FROM {CHANGES} ch""").one()
        self._sql(f"""
            INSERT INTO record_revisions (record_id, revision, status, dataset_version,
                decision_date, data, original, department_code, batch_id, line, received_at,
                superseded_by_batch)
            SELECT r.id, r.revision, r.status, r.dataset_version, r.decision_date, r.data,
                   r.original, r.department_code, r.batch_id, r.line, r.received_at, :batch
            FROM records r JOIN {CHANGES} ch ON ch.record_id = r.id
            WHERE {CHANGED}""")
        self._sql(f"""
            UPDATE records SET
                data = CASE WHEN ch.action = 'withdraw' THEN records.data ELSE ch.data END,
                original = ch.original,
                subject_id = COALESCE(ch.subject_id, records.subject_id),
                decision_date = CASE WHEN ch.action = 'withdraw' THEN records.decision_date
                                     ELSE ch.decision_date END,
                status = CASE WHEN ch.action = 'withdraw' THEN 'withdrawn' ELSE 'active' END,
                revision = records.revision + 1, dataset_version = :version,
                department_code = :dept, batch_id = :batch, line = ch.line, received_at = :now
            FROM {CHANGES} ch
            WHERE records.id = ch.record_id AND {CHANGED}""")
        self._sql(f"DELETE FROM {CHANGES}")
        return int(revised or 0), int(withdrawn or 0)

    def _relate_representatives(self) -> None:
        """An organisation's legal representative becomes a subject and a relation (落实到人)."""
        self._sql(f"""
            INSERT INTO subjects (code_type, code, name, kind, created_at, updated_at)
            SELECT 'ric', rep_code, MIN(rep_name), 'person', :now, :now
            FROM {STAGE}
            WHERE rep_code IS NOT NULL AND rep_name IS NOT NULL AND subject_kind = 'organisation'
            GROUP BY rep_code
            ON CONFLICT (code_type, code) DO NOTHING""")
        self._sql(f"""
            INSERT INTO subject_relations (organisation_id, person_id, role, source, created_at)
            SELECT DISTINCT st.subject_id, p.id, 'legal_representative', :source, :now
            FROM {STAGE} st JOIN subjects p ON p.code_type = 'ric' AND p.code = st.rep_code
            WHERE st.subject_kind = 'organisation' AND st.rep_name IS NOT NULL
              AND NOT EXISTS (
                SELECT 1 FROM subject_relations x
                WHERE x.organisation_id = st.subject_id AND x.person_id = p.id
                  AND x.role = 'legal_representative' AND x.valid_to IS NULL)""")
