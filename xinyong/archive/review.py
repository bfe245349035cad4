"""Confidentiality review (保密审查): a reviewer holds records back from publication.

Batches of public datasets queue for review oldest first. A hold takes a record off every
public page and response at once (``Publication.condition``); releasing it puts it back.
With ``XINYONG_REVIEW_FIRST`` a batch's records are published only once it is reviewed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.archive.models import PublicationHold
from xinyong.archive.presenting import Audience, project
from xinyong.archive.schemas import PublicRecord
from xinyong.archive.search import public_datasets
from xinyong.audit import service as audit
from xinyong.catalog.loader import Catalog
from xinyong.core.db import utcnow
from xinyong.core.errors import Conflict, InvalidInput, NotFound
from xinyong.core.security import Principal
from xinyong.identity.models import Subject
from xinyong.ingest.models import Batch, BatchStatus, Record

MIN_REASON = 4  # characters: a reason another reviewer can act on
PAGE_SIZE = 50


@dataclass(frozen=True)
class HeldRecord:
    """A record on hold and why."""

    record: PublicRecord
    reason: str
    held_by: str
    held_at: datetime


def queue(session: Session, catalog: Catalog, limit: int = 100) -> list[Batch]:
    """Completed batches of public datasets not yet reviewed, oldest first."""
    return list(
        session.scalars(
            select(Batch)
            .where(
                Batch.reviewed_at.is_(None),
                Batch.status == BatchStatus.COMPLETED,
                Batch.rows_accepted > 0,
                Batch.dataset_code.in_(public_datasets(catalog)),
            )
            .order_by(Batch.received_at, Batch.id)
            .limit(limit)
        )
    )


def batch_records(
    session: Session, catalog: Catalog, batch_id: int, page: int = 1
) -> tuple[Batch, list[tuple[PublicRecord, bool]], int]:
    """A batch, one page of its records as the public would see them (with held flags), and
    how many records it has."""
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFound(f"批次 {batch_id} 不存在", code="batch_not_found")
    held = select(PublicationHold.record_id).where(PublicationHold.record_id == Record.id)
    rows = session.execute(
        select(Record, Subject, Department.name, held.exists())
        .join(Subject, Subject.id == Record.subject_id)
        .join(Department, Department.code == Record.department_code)
        .where(Record.batch_id == batch_id)
        .order_by(Record.line)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    total = session.scalar(select(func.count()).where(Record.batch_id == batch_id)) or 0
    return (
        batch,
        [(project(catalog, r, s, d, Audience.PUBLIC), h) for r, s, d, h in rows],
        total,
    )


def hold(session: Session, principal: Principal, record_id: int, reason: str) -> None:
    """Hold a record back from publication, with the reason."""
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise InvalidInput(
            f"请填写暂缓公示的理由（至少 {MIN_REASON} 个字）", code="reason_required"
        )
    if session.get(Record, record_id) is None:
        raise NotFound(f"记录 {record_id} 不存在", code="record_not_found")
    if session.get(PublicationHold, record_id) is not None:
        raise Conflict("该记录已暂缓公示", code="already_held")
    session.add(PublicationHold(record_id=record_id, reason=reason, held_by=principal.actor))
    session.flush()
    audit.record(
        session,
        principal,
        "record.hold",
        target_type="record",
        target_id=record_id,
        detail={"reason": reason},
    )


def release(session: Session, principal: Principal, record_id: int) -> None:
    """Let a held record be published again."""
    gone = session.execute(
        delete(PublicationHold).where(PublicationHold.record_id == record_id)
    ).rowcount  # type: ignore[attr-defined]
    if not gone:
        raise NotFound("该记录没有暂缓公示", code="not_held")
    audit.record(session, principal, "record.release", target_type="record", target_id=record_id)


def mark_reviewed(session: Session, principal: Principal, batch_id: int) -> None:
    """Record that a batch's confidentiality review is done."""
    done = session.execute(
        update(Batch)
        .where(Batch.id == batch_id, Batch.reviewed_at.is_(None))
        .values(reviewed_at=utcnow(), reviewed_by=principal.actor)
    ).rowcount  # type: ignore[attr-defined]
    if not done:
        raise Conflict("该批次不存在或已审查", code="already_reviewed")
    audit.record(session, principal, "batch.reviewed", target_type="batch", target_id=batch_id)


def held_records(session: Session, catalog: Catalog, limit: int = 200) -> list[HeldRecord]:
    """Records on hold, most recent hold first."""
    rows = session.execute(
        select(Record, Subject, Department.name, PublicationHold)
        .join(PublicationHold, PublicationHold.record_id == Record.id)
        .join(Subject, Subject.id == Record.subject_id)
        .join(Department, Department.code == Record.department_code)
        .order_by(PublicationHold.held_at.desc())
        .limit(limit)
    ).all()
    return [
        HeldRecord(project(catalog, r, s, d, Audience.PUBLIC), h.reason, h.held_by, h.held_at)
        for r, s, d, h in rows
    ]
