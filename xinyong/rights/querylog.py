"""The subject's own query log (查询使用登记): who read their personal data, when, for what —
the staff view of their archive, a check, a credit report, an identity lookup. Taken from
the hash-chained audit trail, where every such read is written before it is answered, and
from the checks that the trail's entries seal (sanctions/integrity.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.audit.models import AuditEntry
from xinyong.audit.service import READ_PERSONAL_DATA
from xinyong.core.security import Role
from xinyong.identity.models import Subject
from xinyong.identity.service import subject_ref
from xinyong.sanctions.models import Check

PAGE = 50
ROLE_NAMES = {role.value: role.label for role in Role}
WHAT = {
    "archive": "查看信用档案",
    "report": "出具信用报告",
    "check": "联合奖惩核查",  # a check logged alone (before migration 0017)
    "checks": "联合奖惩核查",  # a group's entry (sanctions/integrity.py)
    "subject": "查询主体信息",
    "status": "核验信用状况",
}
AUTHORISED = "授权查询"  # how an authorised read's purpose begins (rights.authorisations)


class ReadView(BaseModel):
    """One read of the subject's data, as the subject sees it."""

    seq: int = Field(description="Position in the audit trail (page with ``before``)")
    at: datetime
    who: str = Field(description="The department and role, or 本人")
    what: str
    purpose: str | None
    basis: str = Field(description="本人, 信用主体授权, or 依法履职 (the reader's duty)")


# What the log shows of a read: its audit entry.
READ_COLUMNS = (
    AuditEntry.seq,
    AuditEntry.at,
    AuditEntry.actor,
    AuditEntry.role,
    AuditEntry.department_code,
    AuditEntry.target_type,
    AuditEntry.purpose,
)


def reads_of(
    session: Session, subject: Subject, principal_actor: str, before: int | None = None
) -> list[ReadView]:
    """The latest reads of the subject's data, newest first (``PAGE`` at a time): the
    audit trail's reads that name the subject, and the checks of the subject, each shown
    by the audit entry that logged it with the rest of its group."""
    reads = (
        select(*READ_COLUMNS)
        .where(
            AuditEntry.subject_ref == subject_ref(subject.code_type, subject.code),
            AuditEntry.action == READ_PERSONAL_DATA,
        )
        .order_by(AuditEntry.seq.desc())
        .limit(PAGE)
    )
    checks = (
        select(*READ_COLUMNS)
        .join(Check, Check.audit_seq == AuditEntry.seq)
        .where(Check.subject_id == subject.id)
        .distinct()  # the same subject twice in one group is one read
        .order_by(AuditEntry.seq.desc())
        .limit(PAGE)
    )
    if before is not None:
        reads = reads.where(AuditEntry.seq < before)
        checks = checks.where(Check.audit_seq < before)
    both = [*session.execute(reads), *session.execute(checks)]
    entries = sorted(both, key=lambda entry: entry.seq, reverse=True)[:PAGE]
    codes = {e.department_code for e in entries if e.department_code}
    rows = session.execute(
        select(Department.code, Department.name).where(Department.code.in_(codes))
    )
    names = {code: name for code, name in rows}
    return [
        ReadView(
            seq=e.seq,
            at=e.at,
            who=_who(e, names, principal_actor),
            what=WHAT.get(e.target_type or "", e.target_type or "查询"),
            purpose=e.purpose,
            basis=_basis(e, principal_actor),
        )
        for e in entries
    ]


def _basis(entry: Row[Any], own_actor: str) -> str:
    """On what footing the read was made: the subject themself, their authorisation, or the
    reader's legal duty (a department's check, the centre's administration)."""
    if entry.actor == own_actor:
        return "本人"
    if (entry.purpose or "").startswith(AUTHORISED):
        return "信用主体授权"
    return "依法履职"


def _who(entry: Row[Any], names: dict[str, str], own_actor: str) -> str:
    """The reader as an organisation and a role: the subject learns which body looked and
    in what capacity, not a clerk's account name."""
    if entry.actor == own_actor:
        return "本人"
    role = ROLE_NAMES.get(entry.role or "", entry.role or "系统")
    if entry.department_code:
        return f"{names.get(entry.department_code, entry.department_code)}（{role}）"
    return role


def own_reads(session: Session, subject_id: int, actor: str, before: int | None) -> list[ReadView]:
    """``reads_of`` for the logged-in subject."""
    subject = session.get(Subject, subject_id)
    assert subject is not None
    return reads_of(session, subject, actor, before)
