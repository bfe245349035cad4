"""A record's status changed by a rights case (异议, 信用修复), never by editing rows
elsewhere: the change and its reason go to the audit trail and to the exchange feed for the
platforms above and below; the record's content and revision stay as collected (a
correction arrives as a new revision through collection)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from xinyong.archive.models import ExchangeEvent
from xinyong.audit import service as audit
from xinyong.core.security import Principal
from xinyong.ingest.models import Record, RecordStatus


def set_status(
    session: Session,
    principal: Principal,
    record: Record,
    status: RecordStatus,
    reason: str,
    sync_due: date,
) -> None:
    """Move ``record`` to ``status``, log why, and tell the other platforms by ``sync_due``."""
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
    session.add(
        ExchangeEvent(
            record_id=record.id,
            dataset_code=record.dataset_code,
            business_key=record.business_key,
            department_code=record.department_code,
            status_from=before.value,
            status_to=status.value,
            reason=reason,
            sync_due=sync_due,
        )
    )
