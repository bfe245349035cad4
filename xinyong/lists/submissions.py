"""Direct submission (认定部门报送): the department that decided a record puts its subject on
a list that accepts submissions, or takes the entry back.

A submitted entry rests on a record like a rule entry does: the record must be the
department's own, about the subject named, and live. It ends with the record (repair,
revocation, expiry), at its planned exit if the department set an earlier one, or when
the department withdraws it; an organisation's entry reaches its persons as the list says.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from xinyong.archive.visibility import live
from xinyong.audit import service as audit
from xinyong.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from xinyong.core.security import Principal, Role
from xinyong.identity.codes import recognise
from xinyong.identity.models import Subject
from xinyong.ingest.models import Record
from xinyong.lists.definitions import ListDefinition, ListsFile
from xinyong.lists.models import EntrySource, ExitReason, ListEntry
from xinyong.lists.schemas import EntrySubmission, SubmittedEntry
from xinyong.lists.service import end_reached, reach_persons


def accepting(lists: ListsFile, code: str) -> ListDefinition:
    """The list with this code, if it accepts submissions."""
    found = next((d for d in lists.lists if d.code == code.upper()), None)
    if found is None:
        raise NotFound(f"没有这个名单：{code}", code="list_not_found")
    if not found.direct_submission:
        raise Conflict(f"{found.name}不接受直接报送，只由规则生成", code="submission_not_accepted")
    return found


def _basis(session: Session, submission: EntrySubmission, today: date) -> Record:
    """The record the entry will rest on, found by id or by dataset and business key."""
    if submission.record_id is not None:
        record = session.get(Record, submission.record_id)
    elif submission.dataset_code and submission.business_key:
        record = session.scalar(
            select(Record).where(
                Record.dataset_code == submission.dataset_code.upper(),
                Record.business_key == submission.business_key,
            )
        )
    else:
        raise InvalidInput(
            "请给出依据记录：record_id，或 dataset_code 与 business_key", code="basis_required"
        )
    if record is None:
        raise NotFound("依据记录不存在", code="record_not_found")
    in_force = session.scalar(select(literal(True)).where(Record.id == record.id, live(today)))
    if not in_force:
        raise Conflict("依据记录已不在公示期内，或已撤销、修复", code="record_not_live")
    return record


def _check_subject(session: Session, record: Record, code: str) -> Subject:
    subject = session.get(Subject, record.subject_id)
    assert subject is not None
    if recognise(code) != (subject.code_type, subject.code):
        raise InvalidInput("依据记录不是关于该主体的", code="record_not_of_subject")
    return subject


def submit(
    session: Session,
    principal: Principal,
    lists: ListsFile,
    code: str,
    submission: EntrySubmission,
    today: date,
) -> SubmittedEntry:
    """Enter the subject on the list on the basis of the department's own live record."""
    definition = accepting(lists, code)
    record = _basis(session, submission, today)
    if principal.role is not Role.PLATFORM_ADMIN and record.department_code != (
        principal.department_code
    ):
        raise Forbidden("只能依据本部门作出的记录报送", code="not_your_record")
    subject = _check_subject(session, record, submission.subject_code)
    if submission.planned_exit is not None and (
        submission.planned_exit < today
        or (record.display_until is not None and submission.planned_exit > record.display_until)
    ):
        raise InvalidInput(
            f"计划移出日期应在今天与依据记录的公示截止日（{record.display_until}）之间",
            code="bad_planned_exit",
        )
    listed = select(ListEntry.id).where(
        ListEntry.list_code == definition.code,
        ListEntry.record_id == record.id,
        ListEntry.subject_id == subject.id,
        ListEntry.exited_on.is_(None),
    )
    if session.scalar(listed.limit(1)) is not None:
        raise Conflict("该主体已依据此记录列入该名单", code="already_listed")
    entry = ListEntry(
        list_code=definition.code,
        subject_id=subject.id,
        record_id=record.id,
        source=EntrySource.SUBMITTED,
        entered_on=today,
        planned_exit=submission.planned_exit or record.display_until,
        submitted_by=principal.actor,
        note=submission.note.strip(),
    )
    session.add(entry)
    session.flush()
    reach_persons(session, definition, subject.id)
    audit.record(
        session,
        principal,
        "list.entry.submit",
        target_type="list_entry",
        target_id=entry.id,
        subject_ref=f"{subject.code_type.value}:{subject.code}",
        detail={"list": definition.code, "record_id": record.id},
    )
    return _view(entry)


def withdraw(
    session: Session,
    principal: Principal,
    lists: ListsFile,
    code: str,
    entry_id: int,
    reason: str,
    today: date,
) -> SubmittedEntry:
    """The submitting department takes its entry back (撤销); persons it reached leave too."""
    definition = accepting(lists, code)
    entry = session.get(ListEntry, entry_id)
    if entry is None or entry.list_code != definition.code:
        raise NotFound(f"名单条目 {entry_id} 不存在", code="entry_not_found")
    if entry.source is not EntrySource.SUBMITTED:
        raise Conflict("只有直接报送的条目可以撤回；规则生成的条目随记录变化", code="not_submitted")
    record = session.get(Record, entry.record_id) if entry.record_id else None
    mine = record is not None and record.department_code == principal.department_code
    if principal.role is not Role.PLATFORM_ADMIN and not mine:
        raise Forbidden("只能撤回本部门报送的条目", code="not_your_entry")
    if entry.exited_on is not None:
        raise Conflict("该条目已移出", code="entry_ended")
    entry.exited_on, entry.exit_reason = today, ExitReason.REVOCATION
    session.flush()
    end_reached(session, today, entry.subject_id)
    audit.record(
        session,
        principal,
        "list.entry.withdraw",
        target_type="list_entry",
        target_id=entry.id,
        detail={"list": definition.code, "reason": reason},
    )
    return _view(entry)


def _view(entry: ListEntry) -> SubmittedEntry:
    return SubmittedEntry(
        entry_id=entry.id,
        list_code=entry.list_code,
        subject_id=entry.subject_id,
        record_id=entry.record_id,
        entered_on=entry.entered_on,
        planned_exit=entry.planned_exit,
        exited_on=entry.exited_on,
        exit_reason=entry.exit_reason.value if entry.exit_reason else None,
        note=entry.note,
    )
