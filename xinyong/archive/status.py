"""A record's status changed by a rights case (异议, 信用修复), never by editing rows
elsewhere: the change and its reason go to the audit trail; the record's content and
revision stay as collected (a correction arrives as a new revision through collection)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from xinyong.audit import service as audit
from xinyong.core.security import Principal
from xinyong.ingest.models import Record, RecordStatus


def set_status(
    session: Session, principal: Principal, record: Record, status: RecordStatus, reason: str
) -> None:
    """Move ``record`` to ``status`` and log why."""
    before = record.status
    if before is status:
        return
    record.status = status
    audit.record(
        session,
        principal,
        "record.status",
        target_type="record",
        target_id=record.id,
        detail={"from": before.value, "to": status.value, "reason": reason},
    )
