"""search scope: department and period keys in the full-text index (archive.search)

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-21 21:00:00

Every record is indexed again, now with its ``@DEPT``, ``@YYYY@DEPT`` and ``@YYYYMM@DEPT``
keys: the batches are marked not indexed, and the next index refresh (after a batch, or
the sweep, one batch per transaction) rebuilds the entries. On SQLite the FTS5 table is made anew
with ``@`` as a token character, so a key stays one token; its search finds nothing until
the refresh has reached a batch. On PostgreSQL the entries are replaced in place.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rebuild(tokenizer: str) -> None:
    """Make SQLite's index table anew with ``tokenizer``; mark every batch to be indexed."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE record_search")
        op.execute(f"CREATE VIRTUAL TABLE record_search USING fts5(terms, tokenize = {tokenizer})")
    op.execute("UPDATE batches SET indexed_at = NULL")


def upgrade() -> None:
    """Apply this revision."""
    _rebuild("\"unicode61 tokenchars '@'\"")


def downgrade() -> None:
    """Revert this revision."""
    _rebuild("unicode61")
