"""Pydantic shapes for batches and their errors."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from xinyong.ingest.models import Batch, BatchStatus, Channel, RejectedRow


class BatchOut(BaseModel):
    """A batch: where it came from and what became of every row."""

    id: int
    dataset_code: str
    dataset_version: int
    department_code: str
    submitted_by: str
    channel: Channel
    status: BatchStatus
    file_name: str
    file_format: str
    encoding: str | None
    file_sha256: str
    file_bytes: int
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    rows_new: int
    rows_revised: int
    rows_unchanged: int
    rows_withdrawn: int
    unknown_columns: list[str]
    error: str | None
    received_at: datetime
    finished_at: datetime | None
    duration_ms: int

    @classmethod
    def of(cls, batch: Batch) -> BatchOut:
        """Convert a batch row."""
        values = {
            name: getattr(batch, name) for name in cls.model_fields if name != "unknown_columns"
        }
        return cls(**values, unknown_columns=json.loads(batch.unknown_columns or "[]"))


class RowError(BaseModel):
    """One reason a row was refused."""

    field: str
    name: str
    value: str | None
    message: str


class RejectedRowOut(BaseModel):
    """A quarantined row: its line, the reasons, and the row as it was sent."""

    line: int
    errors: list[RowError]
    messages: list[str] = Field(description="Each reason as a clerk reads it: 第 N 行 字段: 说明")
    original: dict[str, Any]

    @classmethod
    def of(cls, row: RejectedRow) -> RejectedRowOut:
        """Convert a quarantined row."""
        errors = [RowError(**e) for e in json.loads(row.errors)]
        return cls(
            line=row.line,
            errors=errors,
            original=json.loads(row.original),
            messages=[f"第 {row.line} 行 {e.name}: {e.message}" for e in errors],
        )


class RowsIn(BaseModel):
    """Rows sent as JSON instead of a file: each row maps headers (names or codes) to values."""

    rows: list[dict[str, Any]] = Field(min_length=1, max_length=100_000)
