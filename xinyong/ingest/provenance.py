"""A record's original row (原始报送数据), rebuilt exactly from what is stored.

A record keeps its normalised values (``data``) and only the columns whose value as sent
differs from them (``original``); its batch keeps the file's catalogued columns in order.
Together they give back the row as the department sent it, without a second full copy of
every row (half the bytes an ingest writes).
"""

from __future__ import annotations

import json
from typing import Protocol

from sqlalchemy.orm import Session

from xinyong.ingest.models import Batch


class Stored(Protocol):
    """A record or a revision: what was stored from one row."""

    batch_id: int
    data: str
    original: str


def rebuild_row(columns: str | None, data: str, differences: str) -> dict[str, str | None]:
    """The row as sent: each column's differing value, else the value ``data`` holds."""
    sent = json.loads(differences)
    if columns is None:  # stored before revision 0003: the whole row as sent
        return dict(sent)
    values = json.loads(data)
    return {
        header: sent[header] if header in sent else (values.get(code) if code else None)
        for header, code in json.loads(columns)
    }


def original_row(session: Session, stored: Stored) -> dict[str, str | None]:
    """The row a record (or a revision of it) was stored from, as the department sent it."""
    batch = session.get(Batch, stored.batch_id)
    assert batch is not None, "a record's batch is kept (foreign key)"
    return rebuild_row(batch.source_columns, stored.data, stored.original)
