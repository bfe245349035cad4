"""Credit repair (信用修复): a subject whose record may be repaired applies with the evidence
its catalog rule asks for; the credit centre decides within ``repair`` working days.

Eligibility is computed per record from the dataset's repair rule (standards.md): never for
a category the rule excludes, from the end of the minimum display period (or at once) for
the rest, and only for a record still in force and within its period. Approval repairs the
record through ``archive.status``: publication, sharing, use and measures stop (the list
entries resting on it exit with reason ``repair``), the record stays in the staff history,
and the change goes out in the exchange feed.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.archive import status as record_status
from xinyong.archive.clocks import from_json, minimum_until
from xinyong.audit import service as audit
from xinyong.catalog.loader import Catalog
from xinyong.core.db import utcnow
from xinyong.core.errors import Conflict, InvalidInput, NotFound
from xinyong.core.security import Principal, Role
from xinyong.ingest.models import Record, RecordStatus
from xinyong.lists.definitions import get_lists
from xinyong.lists.service import recompute
from xinyong.rights.attachments import Upload, listed, one, store_attachments
from xinyong.rights.cases import (
    STAFF,
    CaseContext,
    record_for,
    require_staff,
    require_stage,
    require_text,
)
from xinyong.rights.models import RepairAttachment, RepairCase, RepairStage
from xinyong.rights.notices import notify
from xinyong.rights.schemas import RepairView

REPAIRABLE = (RecordStatus.ACTIVE, RecordStatus.CORRECTED)
# Why a record in another status cannot be repaired (the error code and the message).
STATUS_REASONS = {
    RecordStatus.DISPUTED: ("record_disputed", "该记录有正在处理的异议，办结后方可申请修复"),
    RecordStatus.REPAIRED: ("already_repaired", "该记录已修复"),
    RecordStatus.WITHDRAWN: ("record_withdrawn", "该记录已撤销，无需修复"),
    RecordStatus.EXPIRED: ("past_period", "该记录公示期已满，已不再公示和使用，无需修复"),
}


@dataclass(frozen=True)
class Eligibility:
    """Whether a record may be repaired, from when, on what conditions, and if not, why."""

    record_id: int
    repairable: bool  # the rule allows repair of this kind of record at all
    eligible_from: date | None  # the first day an application may be filed
    eligible_now: bool
    conditions: tuple[str, ...]
    code: str | None = None  # why not now (machine code)
    reason: str | None = None  # why not now (for people)
    note: str | None = None  # the rule's note


def _minimum_ends(catalog: Catalog, records: list[Record]) -> dict[int, date | None]:
    """When each record's minimum display period ends: one vectorised pass per dataset."""
    ends: dict[int, date | None] = {}
    by_dataset: dict[str, list[Record]] = defaultdict(list)
    for record in records:
        by_dataset[record.dataset_code].append(record)
    for code, group in by_dataset.items():
        dataset = catalog.datasets[code]
        frame = pl.DataFrame(
            {"id": [r.id for r in group], "data": [r.data for r in group]},
            schema={"id": pl.Int64, "data": pl.String},
        ).select("id", minimum_until(dataset, catalog.policies, from_json(dataset)).alias("end"))
        ends.update(zip(frame["id"].to_list(), frame["end"].to_list(), strict=True))
    return ends


def _open_cases(session: Session, record_ids: list[int]) -> dict[int, int]:
    """Records with an application under review, and its case id."""
    if not record_ids:
        return {}
    rows = session.execute(
        select(RepairCase.record_id, RepairCase.id).where(
            RepairCase.record_id.in_(record_ids), RepairCase.stage == RepairStage.RECEIVED
        )
    )
    return {record_id: case_id for record_id, case_id in rows}


def eligibility(
    session: Session, catalog: Catalog, records: list[Record], today: date
) -> dict[int, Eligibility]:
    """Each record's eligibility for repair today."""
    ends = _minimum_ends(catalog, records)
    open_cases = _open_cases(session, [r.id for r in records])
    found = {}
    for record in records:
        rule = catalog.datasets[record.dataset_code].repair
        frm = (record.decision_date or today) if rule.after == "immediately" else ends[record.id]
        repairable = rule.allowed and rule.after != "never"
        code, reason = _obstacle(record, repairable, frm, today)
        if record.id in open_cases:
            code, reason = "case_open", f"已有修复申请（{open_cases[record.id]}）正在审核"
        found[record.id] = Eligibility(
            record_id=record.id,
            repairable=repairable,
            eligible_from=frm if repairable else None,
            eligible_now=code is None,
            conditions=rule.conditions,
            code=code,
            reason=reason,
            note=rule.note,
        )
    return found


def _obstacle(
    record: Record, allowed: bool, eligible_from: date | None, today: date
) -> tuple[str | None, str | None]:
    """What stands in the way of repairing ``record`` today, if anything."""
    if not allowed:
        return "not_repairable", "该类信息不适用信用修复"
    if record.status not in REPAIRABLE:
        return STATUS_REASONS[record.status]
    if record.display_until is not None and record.display_until < today:
        return STATUS_REASONS[RecordStatus.EXPIRED]
    if eligible_from is None:
        return "no_decision_date", "该记录缺少决定日期，无法计算最短公示期，请联系信用中心"
    if eligible_from > today:
        return "not_yet_eligible", f"最短公示期满后方可申请修复（{eligible_from} 起）"
    return None, None


def _link(case: RepairCase) -> str:
    return f"/me/repairs/{case.id}"


def _log(session: Session, principal: Principal, case: RepairCase, action: str) -> None:
    audit.record(
        session,
        principal,
        action,
        target_type="repair",
        target_id=case.id,
        detail={"record_id": str(case.record_id), "stage": case.stage.value},
    )


def _conditions(required: tuple[str, ...], stated: list[str]) -> list[str]:
    """The rule's conditions, each stated as met; a clear refusal naming what is missing."""
    unknown = sorted(set(stated) - set(required))
    if unknown:
        raise InvalidInput(
            f"修复条件「{'、'.join(unknown)}」不属于该类信息的修复规则",
            code="unknown_condition",
            details={"unknown": unknown, "required": list(required)},
        )
    missing = [c for c in required if c not in stated]
    if missing:
        raise InvalidInput(
            f"尚未确认已满足的修复条件：{'、'.join(missing)}",
            code="conditions_missing",
            details={"missing": missing},
        )
    return list(required)


def apply(
    session: Session,
    principal: Principal,
    context: CaseContext,
    record_id: int,
    conditions: list[str],
    statement: str,
    uploads: list[Upload],
) -> RepairCase:
    """Apply to repair a record: eligible today, every condition stated, evidence attached."""
    record = record_for(session, principal, record_id)
    found = eligibility(session, context.catalog, [record], context.today)[record.id]
    if not found.eligible_now:
        raise Conflict(
            found.reason or "该记录不能修复",
            code=found.code or "not_eligible",
            details={"eligible_from": found.eligible_from.isoformat()}
            if found.eligible_from
            else None,
        )
    met = _conditions(found.conditions, conditions)
    if found.conditions and not uploads:
        raise InvalidInput("请上传证明材料（如缴款凭证、信用承诺书）", code="evidence_required")
    case = RepairCase(
        record_id=record.id,
        subject_id=record.subject_id,
        department_code=record.department_code,
        conditions=json.dumps(met, ensure_ascii=False),
        statement=require_text(statement, "修复申请说明"),
        filed_by=principal.actor,
        on_behalf=principal.subject_id != record.subject_id,
        record_revision=record.revision,
        stage=RepairStage.RECEIVED,
        due_on=context.due(context.deadlines.repair),
    )
    session.add(case)
    session.flush()
    store_attachments(session, RepairAttachment, case.id, uploads)
    _log(session, principal, case, "repair.apply")
    notify(
        session,
        case.subject_id,
        f"您对记录 {record.id} 的信用修复申请已提交，信用中心将在 {case.due_on} 前作出决定。",
        _link(case),
    )
    return case


def _case(session: Session, case_id: int) -> RepairCase:
    case = session.get(RepairCase, case_id)
    if case is None:
        raise NotFound(f"修复申请 {case_id} 不存在", code="case_not_found")
    return case


def _decide(
    session: Session, principal: Principal, case: RepairCase, stage: RepairStage, reason: str
) -> None:
    case.stage, case.reason, case.due_on = stage, reason, None
    case.decided_at, case.decided_by = utcnow(), principal.actor
    _log(session, principal, case, f"repair.{stage.value}")


def approve(
    session: Session, principal: Principal, context: CaseContext, case_id: int, reason: str
) -> RepairCase:
    """准予修复: the record stops being published, shared and used; its entries exit."""
    require_staff(principal, "信用修复")
    case = _case(session, case_id)
    require_stage(case, "修复申请", "准予修复", RepairStage.RECEIVED)
    record = session.get(Record, case.record_id)
    assert record is not None
    if record.status not in REPAIRABLE:  # disputed or withdrawn since the application
        code, message = STATUS_REASONS[record.status]
        raise Conflict(message, code=code)
    reason = require_text(reason, "审核意见")
    note = f"信用修复 {case.id}"
    record_status.set_status(
        session, principal, record, RecordStatus.REPAIRED, note, context.sync_due
    )
    _decide(session, principal, case, RepairStage.APPROVED, reason)
    session.flush()
    recompute(
        session, context.catalog, get_lists(context.catalog), context.today, record_id=record.id
    )
    notify(
        session,
        case.subject_id,
        f"信用修复申请 {case.id} 已准予：记录 {record.id} 不再公示、共享和作为惩戒依据。{reason}",
        _link(case),
    )
    return case


def reject(
    session: Session, principal: Principal, context: CaseContext, case_id: int, reason: str
) -> RepairCase:
    """不予修复, with the reason (the subject may apply again with what was missing)."""
    require_staff(principal, "信用修复")
    case = _case(session, case_id)
    require_stage(case, "修复申请", "不予修复", RepairStage.RECEIVED)
    _decide(session, principal, case, RepairStage.REJECTED, require_text(reason, "不予修复的理由"))
    notify(session, case.subject_id, f"信用修复申请 {case.id} 不予修复：{case.reason}", _link(case))
    return case


def withdraw(session: Session, principal: Principal, case_id: int) -> RepairCase:
    """The applicant withdraws an application still under review."""
    case = case_for(session, principal, case_id)
    require_stage(case, "修复申请", "撤回", RepairStage.RECEIVED)
    case.stage, case.due_on = RepairStage.WITHDRAWN, None
    case.decided_at, case.decided_by = utcnow(), principal.actor
    _log(session, principal, case, "repair.withdraw")
    return case


def cases_for(
    session: Session, principal: Principal, *, open_only: bool = False
) -> list[RepairCase]:
    """Staff: every application; a subject: their own. Pending ones by deadline first."""
    query = select(RepairCase)
    if principal.role not in STAFF:
        if principal.subject_id is None or principal.role is not Role.CITIZEN:
            return []
        query = query.where(RepairCase.subject_id == principal.subject_id)
    if open_only:
        query = query.where(RepairCase.stage == RepairStage.RECEIVED)
    return list(
        session.scalars(
            query.order_by(
                RepairCase.due_on.is_(None), RepairCase.due_on, RepairCase.id.desc()
            ).limit(200)
        )
    )


def case_for(session: Session, principal: Principal, case_id: int) -> RepairCase:
    """One application, for staff or its subject (others: 404)."""
    case = _case(session, case_id)
    if principal.role not in STAFF and principal.subject_id != case.subject_id:
        raise NotFound(f"修复申请 {case_id} 不存在", code="case_not_found")
    return case


def views(session: Session, cases: list[RepairCase], today: date) -> list[RepairView]:
    """The applications with their evidence listed (one query for all of them)."""
    found = listed(session, RepairAttachment, [case.id for case in cases])
    return [RepairView.of(case, found[case.id], today) for case in cases]


def view(session: Session, case: RepairCase, today: date) -> RepairView:
    """One application with its evidence listed."""
    (found,) = views(session, [case], today)
    return found


def attachment(
    session: Session, principal: Principal, case_id: int, attachment_id: int
) -> RepairAttachment:
    """One piece of evidence, for whoever may read the application."""
    case_for(session, principal, case_id)
    return one(session, RepairAttachment, case_id, attachment_id)
