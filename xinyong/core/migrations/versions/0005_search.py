"""search: the full-text index of public records (derived; bigrams, see archive.search)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 15:05:00

SQLite keeps the index in an FTS5 table (rowid = record id), PostgreSQL in a tsvector
column with a GIN index. The models do not declare it (alembic's comparison skips it); it
fills on the next ``refresh_index`` (after each batch), which indexes the completed
batches whose ``indexed_at`` is still null.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from xinyong.core.db import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE record_search (record_id BIGINT PRIMARY KEY, terms TSVECTOR NOT NULL)"
        )
        op.execute("CREATE INDEX ix_record_search_terms ON record_search USING gin (terms)")
    else:
        op.execute("CREATE VIRTUAL TABLE record_search USING fts5(terms)")
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("indexed_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_column("indexed_at")
    op.execute("DROP TABLE record_search")
