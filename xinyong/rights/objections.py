"""Objections (异议): a subject contests a record; the record is marked disputed at once and
nothing rests on it until the case is closed.

Stages and who moves them (deadlines in working days, configurable):
received → accepted (平台受理, ``accept_days``) or refused → platform check (``check_days``)
→ sent to the source department (``verify_days``) → answered → decided: corrected,
withdrawn or upheld. The platform may decide straight from its own check. A decision
changes the record only through the archive's services (a correction arrives as a new
revision through collection; a withdrawal or a restored status by ``archive.status``),
then the lists are recomputed for that record and the subject is told.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.archive import status as record_status
from xinyong.audit import service as audit
from xinyong.core.db import utcnow
from xinyong.core.errors import Conflict, Forbidden, NotFound
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
from xinyong.rights.models import Ground, ObjectionAttachment, ObjectionCase, Outcome, Stage
from xinyong.rights.notices import notify
from xinyong.rights.schemas import CaseView

OUTCOME_STATUS = {
    Outcome.WITHDRAWN: RecordStatus.WITHDRAWN,
    Outcome.CORRECTED: RecordStatus.CORRECTED,
}
CONTESTABLE = (RecordStatus.ACTIVE, RecordStatus.CORRECTED)


def file_objection(
    session: Session,
    principal: Principal,
    context: CaseContext,
    record_id: int,
    ground: Ground,
    statement: str,
    uploads: list[Upload],
) -> ObjectionCase:
    """File an objection: the record is disputed from this moment."""
    record = record_for(session, principal, record_id)
    if record.status is RecordStatus.DISPUTED:
        raise Conflict("该记录已有正在处理的异议", code="case_open")
    if record.status not in CONTESTABLE:
        raise Conflict(
            f"该记录状态为「{record.status.label}」，不能提出异议", code="record_not_contestable"
        )
    case = ObjectionCase(
        record_id=record.id,
        subject_id=record.subject_id,
        department_code=record.department_code,
        ground=ground,
        statement=require_text(statement, "异议理由"),
        filed_by=principal.actor,
        on_behalf=principal.subject_id != record.subject_id,
        record_revision=record.revision,
        status_before=record.status,
        stage=Stage.RECEIVED,
        due_on=context.due(context.deadlines.accept),
    )
    session.add(case)
    session.flush()
    store_attachments(session, ObjectionAttachment, case.id, uploads)
    record_status.set_status(
        session, principal, record, RecordStatus.DISPUTED, f"异议 {case.id}", context.sync_due
    )
    _log(session, principal, case, "objection.file", {"ground": ground.value})
    notify(
        session,
        case.subject_id,
        f"您对记录 {record.id} 提出的异议已提交（{ground.label}），"
        f"平台将在 {case.due_on} 前决定是否受理；核实期间该记录暂不作为奖惩依据。",
        link(case),
    )
    return case


def link(case: ObjectionCase) -> str:
    """The subject's page for the case."""
    return f"/me/objections/{case.id}"


def _case(session: Session, case_id: int) -> ObjectionCase:
    case = session.get(ObjectionCase, case_id)
    if case is None:
        raise NotFound(f"异议 {case_id} 不存在", code="case_not_found")
    return case


def _log(
    session: Session, principal: Principal, case: ObjectionCase, action: str, detail: dict[str, str]
) -> None:
    audit.record(
        session,
        principal,
        action,
        target_type="objection",
        target_id=case.id,
        detail={"record_id": str(case.record_id), **detail},
    )


def _staff_step(
    session: Session, principal: Principal, case_id: int, action: str, *stages: Stage
) -> ObjectionCase:
    """The case, if the caller is staff and its stage allows ``action``."""
    require_staff(principal, "异议")
    case = _case(session, case_id)
    require_stage(case, "异议", action, *stages)
    return case


def _advance(context: CaseContext, case: ObjectionCase, stage: Stage, days: int) -> None:
    case.stage = stage
    case.due_on = context.due(days)


def accept(
    session: Session, principal: Principal, context: CaseContext, case_id: int
) -> ObjectionCase:
    """受理: the platform takes the case and checks its own processing."""
    case = _staff_step(session, principal, case_id, "受理", Stage.RECEIVED)
    _advance(context, case, Stage.CHECKING, context.deadlines.check)
    case.accepted_at = utcnow()
    _log(session, principal, case, "objection.accept", {})
    notify(session, case.subject_id, f"异议 {case.id} 已受理，平台正在核查。", link(case))
    return case


def refuse(
    session: Session, principal: Principal, context: CaseContext, case_id: int, reason: str
) -> ObjectionCase:
    """不予受理 (with the reason): the record is as it was before."""
    case = _staff_step(session, principal, case_id, "不予受理", Stage.RECEIVED)
    _close(session, principal, context, case, None, require_text(reason, "不予受理的理由"))
    return case


def send(
    session: Session, principal: Principal, context: CaseContext, case_id: int
) -> ObjectionCase:
    """转信息提供单位核实: the source department must answer within ``verify`` days."""
    case = _staff_step(session, principal, case_id, "转部门核实", Stage.CHECKING)
    _advance(context, case, Stage.VERIFYING, context.deadlines.verify)
    case.sent_at = utcnow()
    _log(session, principal, case, "objection.send", {"department": case.department_code})
    return case


def answer(
    session: Session,
    principal: Principal,
    context: CaseContext,
    case_id: int,
    finding: Outcome,
    text: str,
) -> ObjectionCase:
    """The source department's finding (核实结果); the platform then closes the case."""
    case = _case(session, case_id)
    if principal.role is not Role.PLATFORM_ADMIN and principal.department_code != (
        case.department_code
    ):
        raise Forbidden("只有信息提供单位可以答复核实", code="not_source_department")
    require_stage(case, "异议", "答复核实", Stage.VERIFYING)
    _advance(context, case, Stage.ANSWERED, context.deadlines.check)
    case.answered_at, case.answered_by = utcnow(), principal.actor
    case.answer = f"{finding.label}：{require_text(text, '核实说明')}"
    _log(session, principal, case, "objection.answer", {"finding": finding.value})
    return case


def decide(
    session: Session,
    principal: Principal,
    context: CaseContext,
    case_id: int,
    outcome: Outcome,
    reason: str,
) -> ObjectionCase:
    """办结: corrected (a corrected revision must have arrived), withdrawn or upheld."""
    case = _staff_step(session, principal, case_id, "办结", Stage.CHECKING, Stage.ANSWERED)
    _close(session, principal, context, case, outcome, require_text(reason, "办结意见"))
    return case


def _close(
    session: Session,
    principal: Principal,
    context: CaseContext,
    case: ObjectionCase,
    outcome: Outcome | None,
    reason: str,
) -> None:
    """End the case and put the record where the outcome says, through the archive."""
    record = session.get(Record, case.record_id)
    assert record is not None
    if outcome is Outcome.CORRECTED and record.revision <= case.record_revision:
        raise Conflict(
            "尚未收到信息提供单位报送的更正记录：请其通过数据归集重新报送该条记录",
            code="correction_not_received",
        )
    target = OUTCOME_STATUS.get(outcome, case.status_before) if outcome else case.status_before
    note = f"异议 {case.id}：{outcome.label if outcome else '不予受理'}"
    # A corrected revision arriving through collection has already put the record back in
    # force; upheld or refused, only a record still disputed goes back to where it was.
    if record.status is RecordStatus.DISPUTED or outcome in OUTCOME_STATUS:
        record_status.set_status(session, principal, record, target, note, context.sync_due)
    case.stage = Stage.DECIDED if outcome else Stage.REFUSED
    case.outcome, case.reason, case.due_on = outcome, reason, None
    case.closed_at, case.closed_by = utcnow(), principal.actor
    session.flush()
    recompute(
        session,
        context.catalog,
        get_lists(context.catalog),
        context.today,
        record_id=record.id,
    )
    _log(session, principal, case, "objection.close", {"outcome": outcome or "refused"})
    notify(session, case.subject_id, f"异议 {case.id} 已办结：{note}。{reason}", link(case))


def cases_for(
    session: Session, principal: Principal, *, open_only: bool = False
) -> list[ObjectionCase]:
    """The cases the caller handles or filed: staff all, a department the ones sent to it,
    a subject their own; open ones by deadline, then the latest."""
    query = select(ObjectionCase)
    if principal.role in STAFF:
        pass
    elif principal.role is Role.SUBMITTER and principal.department_code:
        query = query.where(
            ObjectionCase.department_code == principal.department_code,
            ObjectionCase.stage.in_((Stage.VERIFYING, Stage.ANSWERED, Stage.DECIDED)),
        )
    elif principal.subject_id is not None:
        query = query.where(ObjectionCase.subject_id == principal.subject_id)
    else:
        raise Forbidden("无权查看异议", code="forbidden")
    if open_only:
        query = query.where(ObjectionCase.stage.in_([s for s in Stage if s.open]))
    return list(
        session.scalars(
            query.order_by(
                ObjectionCase.due_on.is_(None), ObjectionCase.due_on, ObjectionCase.id.desc()
            ).limit(200)
        )
    )


def case_for(session: Session, principal: Principal, case_id: int) -> ObjectionCase:
    """One case, for staff, its source department, or its subject (others: 404)."""
    case = _case(session, case_id)
    allowed = (
        principal.role in STAFF
        or principal.subject_id == case.subject_id
        or (
            principal.department_code is not None
            and principal.department_code == case.department_code
        )
    )
    if not allowed:
        raise NotFound(f"异议 {case_id} 不存在", code="case_not_found")
    return case


def views(session: Session, cases: list[ObjectionCase], today: date) -> list[CaseView]:
    """The cases with their attachments listed (one query for all of them)."""
    found = listed(session, ObjectionAttachment, [case.id for case in cases])
    return [CaseView.of(case, found[case.id], today) for case in cases]


def view(session: Session, case: ObjectionCase, today: date) -> CaseView:
    """One case with its attachments listed."""
    (found,) = views(session, [case], today)
    return found


def attachment(
    session: Session, principal: Principal, case_id: int, attachment_id: int
) -> ObjectionAttachment:
    """One attached file, for whoever may read the case."""
    case_for(session, principal, case_id)
    return one(session, ObjectionAttachment, case_id, attachment_id)
