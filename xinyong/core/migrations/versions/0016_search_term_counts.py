"""search term counts: how many records hold each term of the search index (derived)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-21 22:30:00

A search looks up its rare terms in the index and checks its common ones on what those
match (archive.search.split_terms). The counts are filled here from the index itself (FTS5's
vocabulary on SQLite, ``ts_stat`` on PostgreSQL) and kept up by every index refresh.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.execute("CREATE TABLE search_terms (term VARCHAR(64) PRIMARY KEY, records BIGINT NOT NULL)")
    # The empty term: every record holds it (archive.search.ALL_RECORDS).
    op.execute("INSERT INTO search_terms (term, records) SELECT '', count(*) FROM record_search")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "INSERT INTO search_terms (term, records) "
            "SELECT word, ndoc FROM ts_stat('SELECT terms FROM record_search')"
        )
        return
    # FTS5 keeps terms case-folded: counted under the capitals the indexer writes.
    op.execute(
        "CREATE VIRTUAL TABLE temp.search_vocabulary USING fts5vocab(main, record_search, row)"
    )
    op.execute(
        "INSERT INTO search_terms (term, records) "
        "SELECT upper(term), sum(doc) FROM temp.search_vocabulary GROUP BY upper(term)"
    )
    op.execute("DROP TABLE temp.search_vocabulary")


def downgrade() -> None:
    """Revert this revision."""
    op.execute("DROP TABLE search_terms")
