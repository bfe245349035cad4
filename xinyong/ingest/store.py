# ruff: noqa: S608 - statements are assembled from module constants only; values are bound
"""Set-based storage of a validated chunk: subjects, records, revisions, relations, quarantine.

Each step is one statement per chunk over the chunk's rows bound as a single parameter
(``unnest`` of arrays on PostgreSQL, an in-memory temporary table on SQLite): create the
subjects the chunk names and remember their ids, relate legal representatives. Records
are first inserted optimistically as new — nearly every row of a first load — in one bulk
insert, so the wide data is written once; rows whose key exists already are looked up,
staged in full and applied (revision, withdrawal) by SQL.
No per-row ORM objects, no Python loop over the records table.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl
from psycopg.errors import UniqueViolation
from sqlalchemy import Connection, text

from xinyong.ingest.readers import LINE
from xinyong.ingest.validate import as_sent

CHANGES = "ingest_changes"
ROWS_TABLE = "ingest_rows_"  # prefix of the tables rows_source loads on SQLite
# Who a row is about (and what it does): the subjects a chunk names.
SUBJECT_COLUMNS = (
    "action",
    "code_type",
    "code",
    "subject_name",
    "subject_kind",
    "legacy_code",
    "birth_date",
)
# The narrow columns the lookups work on.
KEY_COLUMNS = ("line", "business_key", *SUBJECT_COLUMNS, "rep_name", "rep_code")
REJECTED_COLUMNS = ("batch_id", "line", "original", "errors")
RECORD_KEY = "dataset_code, business_key"  # a record's identity (unique)
CHANGE_COLUMNS = (
    "line",
    "record_id",
    "subject_id",
    "action",
    "decision_date",
    "display_until",
    "data",
    "original",
)
RECORD_COLUMNS = (
    "dataset_code",
    "dataset_version",
    "business_key",
    "subject_id",
    "status",
    "revision",
    "decision_date",
    "display_until",
    "data",
    "original",
    "department_code",
    "batch_id",
    "line",
    "received_at",
)
CHANGES_TABLE = f"""CREATE TEMPORARY TABLE {CHANGES} (
    line BIGINT PRIMARY KEY, record_id BIGINT NOT NULL, subject_id BIGINT,
    action VARCHAR(16) NOT NULL, decision_date DATE, display_until DATE, data TEXT NOT NULL,
    original TEXT NOT NULL, old_data TEXT, old_status VARCHAR(32))"""
MISSING_RECORD = "要撤销的记录不存在（按业务主键未找到）"
DUPLICATE_IN_BATCH = "业务主键与第 {} 行重复"
PG_TYPES = {pl.String: "TEXT", pl.Int64: "BIGINT", pl.Date: "DATE", pl.Boolean: "BOOLEAN"}
# Subject ids (and representative pairs) a batch remembers (~40 MB) before starting over.
MAX_KNOWN_SUBJECTS = 500_000

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
    connection: Connection,
    table: str,
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    *,
    skip_conflicts_on: str | None = None,
) -> int:
    """The fastest plain insert each engine offers: COPY on PostgreSQL, executemany on SQLite
    (which may skip rows whose ``skip_conflicts_on`` key exists). Returns the rows inserted."""
    raw = connection.connection.driver_connection
    assert raw is not None, "a live DBAPI connection"
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        assert skip_conflicts_on is None, "COPY cannot skip rows"
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return int(cursor.rowcount)
    marks = ", ".join("?" for _ in columns)
    skip = f" ON CONFLICT ({skip_conflicts_on}) DO NOTHING" if skip_conflicts_on else ""
    cursor = raw.cursor()
    try:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks}){skip}", rows)
        return int(cursor.rowcount)
    finally:
        cursor.close()


def dbapi_rows(connection: Connection, frame: pl.DataFrame) -> Iterator[tuple[Any, ...]]:
    """A frame's rows for the DBAPI; SQLite gets dates as the ISO text SQLAlchemy stores."""
    if connection.dialect.name == "sqlite":
        frame = frame.with_columns(pl.col(pl.Date).cast(pl.String))
    return frame.iter_rows()


def rows_source(
    connection: Connection, name: str, frame: pl.DataFrame
) -> tuple[str, dict[str, Any]]:
    """A frame as a derived table ``name`` for one statement, and the parameters that carry it.

    PostgreSQL gets the columns as arrays for ``unnest``: one round trip, however many rows.
    SQLite, in process, gets a temporary table loaded by executemany (in memory): binding
    values is ~10x cheaper than parsing them out of ``json_each`` text."""
    columns = frame.columns
    if connection.dialect.name == "postgresql":
        arrays = ", ".join(
            f"CAST(:{name}_{i} AS {PG_TYPES[frame.schema[c].base_type()]}[])"
            for i, c in enumerate(columns)
        )
        params = {f"{name}_{i}": frame.get_column(c).to_list() for i, c in enumerate(columns)}
        return f"unnest({arrays}) AS {name} ({', '.join(columns)})", params
    # Named by its columns too: two callers may give the same name to frames of other shapes.
    table = f"{ROWS_TABLE}{name}__{'_'.join(columns)}"
    # Made once per connection and emptied for each use: DDL would re-prepare statements.
    connection.execute(text(f"CREATE TEMPORARY TABLE IF NOT EXISTS {table} ({', '.join(columns)})"))
    connection.execute(text(f"DELETE FROM {table}"))
    bulk_insert(connection, table, columns, dbapi_rows(connection, frame))
    return f"{table} AS {name}", {}


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
        connection.execute(text(f"DROP TABLE IF EXISTS {CHANGES}"))
        connection.execute(text(CHANGES_TABLE))
        self.known_subjects = pl.DataFrame(
            schema={"code_type": pl.String, "code": pl.String, "subject_id": pl.Int64}
        )
        self.related = pl.DataFrame(schema={"org": pl.Int64, "person": pl.Int64})
        self.optimistic = True  # insert rows as new until a key turns out to exist

    def close(self) -> None:
        """Drop the staging tables."""
        tables = [CHANGES]
        if self.connection.dialect.name == "sqlite":
            tables += self.connection.execute(
                text("SELECT name FROM sqlite_temp_master WHERE type = 'table' AND name LIKE :p"),
                {"p": f"{ROWS_TABLE}%"},
            ).scalars()
        for table in tables:
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
        bulk_insert(self.connection, "rejected_rows", REJECTED_COLUMNS, rows)
        return rejected.height

    def store(self, accepted: pl.DataFrame) -> ChunkCounts:
        """Store a chunk's accepted rows; returns what they did."""
        counts = ChunkCounts()
        if accepted.is_empty():
            return counts
        frame = accepted.rename({LINE: "line"})
        if self.optimistic:
            frame = self._insert_unseen(frame, counts)
            if frame.is_empty():
                return counts
        # Lookups work on the narrow key columns; the wide row is gathered once, at the end.
        keys = self._match_records(frame.select(KEY_COLUMNS))
        duplicate = pl.col("first_line").is_not_null()
        missing = (pl.col("action") == "withdraw") & pl.col("record_id").is_null()
        counts.rejected = self._reject(frame, keys.filter(duplicate), DUPLICATE_IN_BATCH)
        counts.rejected += self._reject(frame, keys.filter(missing & ~duplicate), MISSING_RECORD)
        kept = keys.select(~duplicate & ~missing).to_series()
        keys = self._link_subjects(keys.filter(kept))
        frame = frame.filter(kept).hstack(keys.select("record_id", "subject_id").get_columns())
        fresh = frame.filter(pl.col("record_id").is_null())
        counts.new += self._insert_new(fresh)
        known = frame.filter(pl.col("record_id").is_not_null())
        if not known.is_empty():
            counts.revised, counts.withdrawn = self._apply_known(known)
            counts.unchanged = known.height - counts.revised - counts.withdrawn
        self._relate_representatives(keys)
        return counts

    def _insert_unseen(self, frame: pl.DataFrame, counts: ChunkCounts) -> pl.DataFrame:
        """Insert every row as a new record unless its key exists; returns the rows left over
        — existing keys and withdrawals — for the lookup path. A first load leaves none.

        SQLite skips an existing key row by row (the insert probes the unique index anyway).
        PostgreSQL's COPY cannot skip a row: the chunk is copied under a savepoint and, on a
        duplicate key, rolled back whole and left to the lookup path, as is the rest of the
        batch (a resubmission or an update conflicts throughout)."""
        keys = self._link_subjects(frame.select(KEY_COLUMNS))
        linked = frame.hstack([keys.get_column("subject_id")])
        upserts = linked.filter(pl.col("action") == "upsert")
        stored = pl.col("action") == "upsert"
        if self.connection.dialect.name == "postgresql":
            try:
                with self.connection.begin_nested():
                    counts.new = self._insert_new(upserts)
            except UniqueViolation:
                self.optimistic = False
                return frame
        else:
            before = self._sql("SELECT COALESCE(MAX(id), 0) FROM records").scalar_one()
            counts.new = self._insert_new(upserts, skip_existing=True)
            if counts.new < upserts.height:
                lines = self._sql("SELECT line FROM records WHERE id > :before", before=before)
                stored = pl.col("line").is_in(lines.scalars().all())
        self._relate_representatives(keys.filter(stored))
        return frame.filter(~stored)

    def _match_records(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Attach each row's existing record, and the line of this batch that stored it, if any.

        Each key probes the records' unique index (a scalar subquery is never turned into a
        join): records grows inside the batch's transaction, and a join planned on its
        stale statistics hashes the whole table for every chunk (PostgreSQL) or scans it
        once per key (SQLite)."""
        source, params = rows_source(
            self.connection, "k", frame.select(pl.col("business_key").unique())
        )
        ids = self._sql(
            f"""SELECT k.business_key, (
                SELECT r.id FROM records r
                WHERE r.dataset_code = :ds AND r.business_key = k.business_key)
            FROM {source}""",
            **params,
        ).all()
        matches = pl.DataFrame(
            ids, schema={"business_key": pl.String, "record_id": pl.Int64}, orient="row"
        ).drop_nulls()
        firsts = pl.DataFrame(schema={"record_id": pl.Int64, "first_line": pl.Int64})
        if not matches.is_empty():  # which of them this batch stored (a repeated key)
            source, params = rows_source(self.connection, "f", matches.select("record_id"))
            firsts = pl.DataFrame(
                self._sql(
                    f"""SELECT f.record_id, (
                        SELECT r.line FROM records r
                        WHERE r.id = f.record_id AND r.batch_id = :batch)
                    FROM {source}""",
                    **params,
                ).all(),
                schema=firsts.schema,
                orient="row",
            )
        matches = matches.join(firsts, on="record_id", how="left")
        return frame.join(matches, on="business_key", how="left", maintain_order="left")

    def _reject(self, frame: pl.DataFrame, refused: pl.DataFrame, message: str) -> int:
        """Quarantine rows refused for their key (``message`` may name the first line)."""
        if refused.is_empty():
            return 0
        refused = frame.join(refused.select("line", "first_line"), on="line", how="inner")
        batch = self.params["batch"]
        rows = refused.select("line", "first_line", as_sent(refused).alias("original"))
        bulk_insert(
            self.connection,
            "rejected_rows",
            REJECTED_COLUMNS,
            (
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
                                "message": message.format(first),
                            }
                        ],
                        ensure_ascii=False,
                    ),
                )
                for line, first, original in rows.iter_rows()
            ),
        )
        return refused.height

    def _link_subjects(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Create the subjects (and legal representatives) a chunk names; attach their ids.

        Subjects recur across a file (a company's many penalties, its representative on
        each): ids found once in a batch are remembered, so a chunk only creates and fetches
        the codes it is the first to name."""
        representatives = frame.filter(self._has_representative()).select(
            pl.lit("ric").alias("code_type"),
            pl.col("rep_code").alias("code"),
            pl.col("rep_name").alias("subject_name"),
            pl.lit("person").alias("subject_kind"),
            pl.lit(None, dtype=pl.String).alias("legacy_code"),
            pl.lit(None, dtype=pl.Date).alias("birth_date"),
        )
        named = pl.concat(
            [
                frame.select(SUBJECT_COLUMNS).with_columns(
                    creates=pl.col("action") == "upsert"
                ),  # a withdrawal names its subject but creates none
                representatives.with_columns(creates=pl.lit(True)),
            ],
            how="diagonal",
        ).drop("action")
        # The chunk's share of what the batch knows: joins against all of it (up to
        # MAX_KNOWN_SUBJECTS) hashed the whole of it again for every chunk (5 s per million).
        codes = named.get_column("code").drop_nulls().unique()
        ids = self.known_subjects.filter(pl.col("code").is_in(codes))
        unknown = (
            named.filter(pl.col("code").is_not_null() & pl.col("code_type").is_not_null())
            .join(ids, on=["code_type", "code"], how="anti")
            .group_by("code_type", "code", maintain_order=True)
            .agg(pl.all().min())
        )
        if not unknown.is_empty():
            self._create_subjects(unknown)
            ids = self.known_subjects.filter(pl.col("code").is_in(codes))
        reps = ids.filter(pl.col("code_type") == "ric").select(
            pl.col("code").alias("rep_code"), pl.col("subject_id").alias("rep_id")
        )
        return frame.join(ids, on=["code_type", "code"], how="left", maintain_order="left").join(
            reps, on="rep_code", how="left", maintain_order="left"
        )

    def _create_subjects(self, unknown: pl.DataFrame) -> None:
        """Insert the subjects not yet in the table; remember the ids of all of them.

        The insert returns the ids it made; only codes that were there already (a later
        batch, a representative named before) are looked up."""
        source, params = rows_source(self.connection, "n", unknown)
        schema = self.known_subjects.schema
        created = pl.DataFrame(
            self._sql(
                f"""INSERT INTO subjects (code_type, code, name, kind, legacy_code, birth_date,
                                          created_at, updated_at)
                SELECT n.code_type, n.code, n.subject_name, n.subject_kind, n.legacy_code,
                       n.birth_date, :now, :now
                FROM {source} WHERE n.creates
                ON CONFLICT (code_type, code) DO NOTHING
                RETURNING code_type, code, id""",
                **params,
            ).all(),
            schema=schema,
            orient="row",
        )
        existing = unknown.select("code_type", "code").join(
            created, on=["code_type", "code"], how="anti"
        )
        found = [created]
        if not existing.is_empty():
            source, params = rows_source(self.connection, "e", existing)
            rows = self._sql(
                f"""SELECT e.code_type, e.code, (
                    SELECT s.id FROM subjects s
                    WHERE s.code_type = e.code_type AND s.code = e.code)
                FROM {source}""",
                **params,
            ).all()
            found.append(pl.DataFrame(rows, schema=schema, orient="row"))
        if self.known_subjects.height > MAX_KNOWN_SUBJECTS:  # memory stays flat
            self.known_subjects = self.known_subjects.clear()
        self.known_subjects = pl.concat([self.known_subjects, *found])

    @staticmethod
    def _has_representative() -> pl.Expr:
        """An organisation's row that names its legal representative (落实到人)."""
        return (
            (pl.col("subject_kind") == "organisation")
            & pl.col("rep_code").is_not_null()
            & pl.col("rep_name").is_not_null()
        )

    def _insert_new(self, fresh: pl.DataFrame, *, skip_existing: bool = False) -> int:
        """New records straight into the table: the wide data is written once. Returns how
        many went in (fewer than offered when ``skip_existing`` met existing keys)."""
        p = self.params
        now: datetime | str = self.now
        if self.connection.dialect.name == "sqlite":  # as UTCDateTime stores it
            now = self.now.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        values = fresh.filter(pl.col("action") == "upsert").select(
            "business_key",
            "subject_id",
            "decision_date",
            "display_until",
            "data",
            "original",
            "line",
        )
        rows = dbapi_rows(self.connection, values)
        return bulk_insert(
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
                    until,
                    data,
                    original,
                    p["dept"],
                    p["batch"],
                    line,
                    now,
                )
                for key, subject, decided, until, data, original, line in rows
            ),
            skip_conflicts_on=RECORD_KEY if skip_existing else None,
        )

    def _apply_known(self, known: pl.DataFrame) -> tuple[int, int]:
        """Revisions and withdrawals of existing records; returns (revised, withdrawn)."""
        changes = dbapi_rows(self.connection, known.select(*CHANGE_COLUMNS))
        bulk_insert(self.connection, CHANGES, CHANGE_COLUMNS, changes)
        self._sql(f"""
            UPDATE {CHANGES} SET old_data = r.data, old_status = r.status
            FROM records r WHERE r.id = {CHANGES}.record_id""")
        revised, withdrawn = self._sql(f"""
            SELECT SUM(CASE WHEN ch.action = 'upsert' AND {CHANGED} THEN 1 ELSE 0 END),
                   SUM(CASE WHEN ch.action = 'withdraw' AND {CHANGED} THEN 1 ELSE 0 END)
            FROM {CHANGES} ch""").one()
        self._sql(f"""
            INSERT INTO record_revisions (record_id, revision, status, dataset_version,
                decision_date, display_until, data, original, department_code, batch_id, line,
                received_at, superseded_by_batch)
            SELECT r.id, r.revision, r.status, r.dataset_version, r.decision_date,
                   r.display_until, r.data,
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
                display_until = CASE WHEN ch.action = 'withdraw' THEN records.display_until
                                     ELSE ch.display_until END,
                status = CASE WHEN ch.action = 'withdraw' THEN 'withdrawn' ELSE 'active' END,
                revision = records.revision + 1, dataset_version = :version,
                department_code = :dept, batch_id = :batch, line = ch.line, received_at = :now
            FROM {CHANGES} ch
            WHERE records.id = ch.record_id AND {CHANGED}""")
        self._sql(f"DELETE FROM {CHANGES}")
        return int(revised or 0), int(withdrawn or 0)

    def _relate_representatives(self, frame: pl.DataFrame) -> None:
        """An organisation's legal representative becomes a relation (落实到人)."""
        pairs = (
            frame.filter(self._has_representative() & pl.col("subject_id").is_not_null())
            .select(pl.col("subject_id").alias("org"), pl.col("rep_id").alias("person"))
            .unique()
            .join(self.related, on=["org", "person"], how="anti")  # done by an earlier chunk
        )
        if pairs.is_empty():
            return
        if self.related.height > MAX_KNOWN_SUBJECTS:
            self.related = self.related.clear()
        self.related = pl.concat([self.related, pairs])
        source, params = rows_source(self.connection, "p", pairs)
        self._sql(
            f"""INSERT INTO subject_relations (organisation_id, person_id, role, source,
                                               created_at)
            SELECT p.org, p.person, 'legal_representative', :source, :now FROM {source}
            WHERE (  -- a scalar subquery: probed by index per pair, never made a join
                SELECT COUNT(*) FROM subject_relations x
                WHERE x.organisation_id = p.org AND x.person_id = p.person
                  AND x.role = 'legal_representative' AND x.valid_to IS NULL) = 0""",
            **params,
        )
