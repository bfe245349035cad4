# ruff: noqa: S608 - statements are assembled from module constants only; values are bound
"""Full-text search over public records by name or document number, on either engine.

Chinese has no spaces between words, and names are searched by any part (``贸易`` finds
``示范贸易有限公司``), so text is indexed as overlapping character pairs (bigrams, as
Lucene's CJK analyser does) and a query matches when it carries all of the query's pairs.
The pairs are made here, in one vectorised expression, so both engines index and query
exactly the same tokens and neither depends on a locale or a dictionary: SQLite keeps them
in an FTS5 table, PostgreSQL in a ``tsvector`` (``array_to_tsvector``, no parser) with a
GIN index. A one-character query matches pairs that start with it (prefix).

Each record also carries scope keys, ``@DEPT``, ``@YYYY@DEPT`` and ``@YYYYMM@DEPT``: its
department, alone and with the year and month of its decision. A word searched within a
department (and its dates) matches its key (the keys covering those dates) too, so the
engine intersects the word's records with the department's inside the index (a common
word alone matches hundreds of thousands: SQLite gathered all 601,538 of 科技 to keep the
1,467 of one department's quarter).
A key starts with ``@``, which no query term can hold (queries keep letters and digits),
so a word never matches one, not even a one-character prefix.

The index is derived data: ``refresh`` adds the records of completed batches not yet
indexed (new and revised records carry their batch's id), set-based chunk by chunk, one
batch per transaction.
Whether a record may be shown is decided at query time by ``archive.public``.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import Connection, TextClause, bindparam, select, text, update
from sqlalchemy.orm import Session

from xinyong.catalog.definitions import FieldRole, Openness
from xinyong.catalog.loader import Catalog
from xinyong.core.db import Database, keyset_chunks, utcnow
from xinyong.core.meta import get_meta, set_meta
from xinyong.identity.models import Subject
from xinyong.ingest.models import Batch, BatchStatus, Record
from xinyong.ingest.store import bulk_insert, rows_source

SEARCH_TABLE = "record_search"  # derived: outside the models, made by migration 0005
TERMS_INDEX = "ix_record_search_terms"  # PostgreSQL's GIN index of the terms (0005)
TERM_COUNTS = "search_terms"  # records per term (0016): which of a query's terms drive it
ALL_RECORDS = ""  # the term every record holds: its count is the records indexed
RARE = 0.1  # share of the records: a term held by more is checked on the matches
INDEX_SIZE = "search.terms_index_bytes"  # platform meta: its size when last rebuilt
GROWTH = 1.25  # rebuilt once it has grown by a quarter since
INDEX_LOCK_KEY = 0x78797372  # any constant: one index refresh at a time on PostgreSQL
INDEX_CHUNK = 50_000
INDEXED_COLUMNS = {
    "id": pl.Int64,
    "dataset": pl.String,
    "data": pl.String,
    "name": pl.String,
    "department": pl.String,
    "decided": pl.Date,
}
SCOPE_MARK = "@"  # starts a scope key; SQLite's tokenizer keeps it inside a token (0014)
LETTERS_AND_DIGITS = r"[^\p{L}\p{N}]"


def bigrams(expr: pl.Expr) -> pl.Expr:
    """Text as space-separated overlapping character pairs (a single character stays one)."""
    chars = expr.str.to_uppercase().str.replace_all(LETTERS_AND_DIGITS, "").str.split("")
    pairs = chars.list.eval((pl.element() + pl.element().shift(-1)).drop_nulls())
    return pl.when(chars.list.len() == 1).then(chars.list.first()).otherwise(pairs.list.join(" "))


def _department(department: str | pl.Expr) -> pl.Expr:
    """A department code as keys carry it: capitals, letters and digits only."""
    code = pl.lit(department) if isinstance(department, str) else department
    return code.str.to_uppercase().str.replace_all(LETTERS_AND_DIGITS, "")


def scope_keys(department: pl.Expr, decided: pl.Expr) -> pl.Expr:
    """A record's scope keys: its department alone, with its decision's year, and with its
    month (``@DEPT @YYYY@DEPT @YYYYMM@DEPT``; the department's alone without a date)."""
    code = _department(department)
    dated = pl.concat_str(
        *(
            pl.concat_str(pl.lit(SCOPE_MARK), decided.dt.strftime(form), pl.lit(SCOPE_MARK), code)
            for form in ("%Y", "%Y%m")
        ),
        separator=" ",
    )
    alone = pl.concat_str(pl.lit(SCOPE_MARK), code)
    return pl.concat_str(alone, dated, separator=" ", ignore_nulls=True)


def department_key(department: str) -> str:
    """The scope key every record of ``department`` carries."""
    return str(pl.select(pl.concat_str(pl.lit(SCOPE_MARK), _department(department))).item())


def period_cover(first: date, last: date) -> list[str]:
    """The fewest periods covering ``first`` to ``last``: whole years as ``YYYY``, the
    months at either end as ``YYYYMM`` (the exact days are the query's own filter)."""
    periods = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        if month == 1 and (year < last.year or last.month == 12):
            periods.append(f"{year:04d}")
            year += 1
        else:
            periods.append(f"{year:04d}{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return periods


def scope_terms(department: str, first: date, last: date) -> list[str]:
    """The scope keys of a department's records decided from ``first`` to ``last``."""
    periods = period_cover(first, last)
    code = department_key(department)
    return [f"{SCOPE_MARK}{period}{code}" for period in periods]


def query_terms(query: str) -> list[str]:
    """The pairs a query must match (one character: itself, matched as a prefix)."""
    value = pl.select(bigrams(pl.lit(query.strip()))).item()
    return str(value).split() if value else []


def match_expression(dialect: str, terms: list[str], scope: list[str] | None = None) -> str:
    """The engine's full-text query for ``terms`` (all of them; quoted, never parsed),
    and when a ``scope`` is given, one of its keys."""
    prefix = len(terms) == 1 and len(terms[0]) == 1
    postgres = dialect == "postgresql"
    quote, mark = ("'", ":*") if postgres else ('"', "*")
    both, either = (" & ", " | ") if postgres else (" AND ", " OR ")
    words = both.join(f"{quote}{t}{quote}" + (mark if prefix else "") for t in terms)
    if not scope:
        return words
    return f"({words}){both}({either.join(f'{quote}{key}{quote}' for key in scope)})"


def matching_ids(dialect: str, checked: list[str]) -> TextClause:
    """A statement yielding ``record_id``, the ids of records whose terms match ``:match``
    (looked up in the index) and hold every one of ``checked`` (tested on those)."""
    if dialect == "postgresql":
        looked_up = f"SELECT record_id FROM {SEARCH_TABLE} WHERE terms @@ CAST(:match AS tsquery)"
        if not checked:
            return text(looked_up)
        # coalesce: a test the planner cannot take to the GIN index
        return text(
            f"{looked_up} AND coalesce(terms, terms) @@ CAST(:checked AS tsquery)"
        ).bindparams(checked=match_expression(dialect, checked))
    looked_up = f"SELECT rowid AS record_id FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :match"
    held = [f"instr(' ' || terms || ' ', :checked_{i}) > 0" for i in range(len(checked))]
    statement = text(" AND ".join([looked_up, *held]))
    return statement.bindparams(**{f"checked_{i}": f" {t} " for i, t in enumerate(checked)})


def public_datasets(catalog: Catalog) -> list[str]:
    """Datasets whose records are public (公开): the ones indexed and shown."""
    return [c for c, d in catalog.datasets.items() if d.openness is Openness.PUBLIC]


def _document_field(catalog: Catalog) -> dict[str, str]:
    """Each public dataset's document number field (文书号), if it has one."""
    found = {}
    for code in public_datasets(catalog):
        item = catalog.datasets[code].field_by_role(FieldRole.DOCUMENT_NUMBER)
        if item is not None:
            found[code] = item.code
    return found


def pending_batches(session: Session) -> list[int]:
    """Completed batches whose records are not yet indexed, oldest first.

    Batches are picked by their own mark, not an id watermark: on PostgreSQL a batch with
    a lower id may commit after a higher one."""
    return list(
        session.scalars(
            select(Batch.id)
            .where(Batch.status == BatchStatus.COMPLETED, Batch.indexed_at.is_(None))
            .order_by(Batch.id)
        )
    )


def index_batches(session: Session, catalog: Catalog, batch_ids: list[int]) -> int:
    """Index the public records of those of ``batch_ids`` still pending; returns the
    records indexed. Revised records are re-indexed (their old terms removed first).
    Indexers take turns on PostgreSQL (an advisory lock), so none redoes another's batch."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": INDEX_LOCK_KEY})
    pending = set(pending_batches(session)).intersection(batch_ids)
    if not pending:
        return 0
    documents = _document_field(catalog)
    statement = (
        select(
            Record.id,
            Record.dataset_code,
            Record.data,
            Subject.name,
            Record.department_code,
            Record.decision_date,
        )
        .join(Subject, Subject.id == Record.subject_id)
        .where(Record.dataset_code.in_(public_datasets(catalog)))
    )
    indexed = 0
    # Batch by batch, so that a chunk is one range of the batch index in id order: over
    # all pending batches at once, every chunk gathered and sorted all their records left.
    for batch_id in sorted(pending):
        of_batch = statement.where(Record.batch_id == batch_id)
        for rows in keyset_chunks(session, of_batch, Record.id, INDEX_CHUNK):
            frame = pl.DataFrame(rows, schema=INDEXED_COLUMNS, orient="row")
            _index_chunk(connection, frame, documents)
            indexed += frame.height
    session.execute(update(Batch).where(Batch.id.in_(pending)).values(indexed_at=utcnow()))
    return indexed


def refresh_index(session: Session, catalog: Catalog) -> int:
    """Index every pending batch in ``session``'s transaction; returns the records indexed."""
    return index_batches(session, catalog, pending_batches(session))


def _index_chunk(connection: Connection, frame: pl.DataFrame, documents: dict[str, str]) -> None:
    """Replace the index entries of one chunk of records."""
    document = pl.lit(None, dtype=pl.String)
    for dataset, field in documents.items():
        document = (
            pl.when(pl.col("dataset") == dataset)
            .then(pl.col("data").str.json_path_match(f"$.{field}"))
            .otherwise(document)
        )
    terms = frame.select(
        "id",
        pl.concat_str(
            [
                bigrams(pl.col("name")),
                bigrams(document),
                scope_keys(pl.col("department"), pl.col("decided")),
            ],
            separator=" ",
            ignore_nulls=True,
        )
        .str.replace_all(" +", " ")
        .str.strip_chars()
        .alias("terms"),
    )
    source, params = rows_source(connection, "x", terms.select("id"))
    key = "record_id" if connection.dialect.name == "postgresql" else "rowid"
    connection.execute(
        text(f"DELETE FROM {SEARCH_TABLE} WHERE {key} IN (SELECT x.id FROM {source})"), params
    )
    if connection.dialect.name == "postgresql":
        source, params = rows_source(connection, "t", terms)
        connection.execute(
            text(
                f"""INSERT INTO {SEARCH_TABLE} (record_id, terms)
                SELECT t.id, array_to_tsvector(string_to_array(t.terms, ' ')) FROM {source}"""
            ),
            params,
        )
    else:
        bulk_insert(connection, SEARCH_TABLE, ("rowid", "terms"), terms.iter_rows())
    _count_terms(connection, terms)


def _count_terms(connection: Connection, terms: pl.DataFrame) -> None:
    """Add a chunk's records to the count of each term they hold. A record indexed again
    is counted again: the counts only choose which terms drive a search, and a term
    counted high is still matched, on the matches of the others."""
    every = pl.lit([ALL_RECORDS], dtype=pl.List(pl.String))
    counts = (
        terms.select(pl.col("id"), pl.col("terms").str.split(" ").list.concat(every).alias("term"))
        .explode("term")
        .unique()
        .group_by("term")
        .agg(pl.len().cast(pl.Int64).alias("records"))
    )
    source, params = rows_source(connection, "term_counts", counts)
    connection.execute(
        text(
            f"""INSERT INTO {TERM_COUNTS} (term, records)
            SELECT term_counts.term, term_counts.records FROM {source}
            WHERE true ON CONFLICT (term)
            DO UPDATE SET records = {TERM_COUNTS}.records + excluded.records"""
        ),
        params,
    )


def split_terms(session: Session, terms: list[str]) -> tuple[list[str], list[str]]:
    """A query's terms as the ones looked up in the index (those held by at most a tenth
    of the records, rarest first; all when none is) and the ones checked on what those
    match.

    Looked up together, a term held by millions costs its whole list: 有限, 限公 and 公司
    (2.6 million records each) took a company's full name to 100 ms on SQLite, 15 ms with
    them checked on the matches of its rarer terms. The share was measured on the
    five-million-record city: at a twentieth, document numbers (digit pairs, each held by
    hundreds of thousands) checked too many matches, up to 400 ms."""
    if len(terms) < 2:
        return terms, []
    found = session.execute(
        text(f"SELECT term, records FROM {TERM_COUNTS} WHERE term IN :terms").bindparams(
            bindparam("terms", expanding=True)
        ),
        {"terms": [ALL_RECORDS, *terms]},
    ).all()
    counts = {term: int(records) for term, records in found}
    rare = RARE * counts.get(ALL_RECORDS, 0)
    driving = sorted((t for t in terms if counts.get(t, 0) <= rare), key=lambda t: counts.get(t, 0))
    if not driving:  # all common (a document number's digits): the index intersects best
        return terms, []
    return driving, [term for term in terms if term not in driving]


def refresh(database: Database, catalog: Catalog) -> int:
    """Bring the index up to date (after a batch is stored; in the sweep, whatever was left
    behind), one batch per transaction: re-indexing a whole city after a migration must not
    hold SQLite's write lock for minutes. Returns the records indexed."""
    with database.reading() as session:
        pending = pending_batches(session)
    indexed = 0
    for batch_id in pending:
        with database.writing() as session:
            indexed += index_batches(session, catalog, [batch_id])
    return indexed


def compact(database: Database) -> bool:
    """Rebuild PostgreSQL's GIN index of the terms once it has grown by a quarter since it
    was last rebuilt; whether it was. Readers and writers carry on (``CONCURRENTLY``).

    Entries added batch by batch go through GIN's pending list and leave the index loose:
    after the five-million-record city was re-indexed, it held 425 MB and a company's full
    name took 334 ms to look up; rebuilt, 189 MB and 90 ms. Not inside a test's
    transaction, which a concurrent rebuild would wait for."""
    if database.engine.dialect.name != "postgresql" or database.connection is not None:
        return False
    size = text("SELECT pg_relation_size(CAST(:name AS regclass))").bindparams(name=TERMS_INDEX)
    with database.reading() as session:
        now, last = session.scalar(size), get_meta(session, INDEX_SIZE)
    if last is not None and (now or 0) <= GROWTH * int(last):
        return False
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text(f"REINDEX INDEX CONCURRENTLY {TERMS_INDEX}"))
    with database.writing() as session:
        set_meta(session, INDEX_SIZE, str(session.scalar(size)))
    return True
