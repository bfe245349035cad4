"""Subjects and relations: find, register, link, and the profile staff read."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from xinyong.core.errors import InvalidInput, NotFound
from xinyong.identity.codes import CodeCheck, CodeType, check_code
from xinyong.identity.models import RelationRole, Subject, SubjectKind, SubjectRelation

PERSON_CODE_TYPES = frozenset(CodeType) - {CodeType.USCC}


def subject_ref(code_type: CodeType, code: str) -> str:
    """How the audit trail and logs name a subject: ``type:code``."""
    return f"{code_type.value}:{code}"


def checked_code(code_type: CodeType, code: str) -> CodeCheck:
    """A checked code, or InvalidInput with the clerk-facing reason."""
    result = check_code(code_type, code)
    if not result.valid:
        raise InvalidInput(
            f"{code_type.label} {code}: {result.errors[0].message}",
            code=f"invalid_{code_type.value}",
            details=[{"code": e.code, "message": e.message} for e in result.errors],
        )
    return result


def get_subject(session: Session, code_type: CodeType, code: str) -> Subject:
    """The subject with this code, relations loaded; NotFound otherwise."""
    normalised = checked_code(code_type, code).normalised
    subject = session.scalar(
        select(Subject)
        .where(Subject.code_type == code_type, Subject.code == normalised)
        .options(
            selectinload(Subject.representatives).selectinload(SubjectRelation.person),
            selectinload(Subject.organisations).selectinload(SubjectRelation.organisation),
        )
    )
    if subject is None:
        raise NotFound("未找到该信用主体", code="subject_not_found")
    return subject


def register_subject(
    session: Session, code_type: CodeType, code: str, name: str, kind: SubjectKind
) -> Subject:
    """Find or create a subject; the code decides identity, the name is refreshed."""
    result = checked_code(code_type, code)
    if (kind is SubjectKind.PERSON) != (code_type in PERSON_CODE_TYPES):
        raise InvalidInput(
            f"{code_type.label}不能标识{'自然人' if kind is SubjectKind.PERSON else '组织'}",
            code="kind_mismatch",
        )
    subject = session.scalar(
        select(Subject).where(Subject.code_type == code_type, Subject.code == result.normalised)
    )
    if subject is None:
        subject = Subject(
            code_type=code_type,
            code=result.normalised,
            name=name.strip(),
            kind=kind,
            legacy_code=result.upgraded_from,
            birth_date=result.birth_date,
        )
        session.add(subject)
        session.flush()
    elif name.strip() and subject.name != name.strip():
        subject.name = name.strip()
    return subject


def relate(
    session: Session,
    organisation: Subject,
    person: Subject,
    role: RelationRole,
    *,
    source: str,
    valid_from: date | None = None,
) -> SubjectRelation:
    """Record that ``person`` holds ``role`` at ``organisation`` (idempotent)."""
    if organisation.kind is not SubjectKind.ORGANISATION or person.kind is not SubjectKind.PERSON:
        raise InvalidInput("关联关系必须是组织与自然人之间", code="bad_relation")
    existing = session.scalar(
        select(SubjectRelation).where(
            SubjectRelation.organisation_id == organisation.id,
            SubjectRelation.person_id == person.id,
            SubjectRelation.role == role,
            SubjectRelation.valid_to.is_(None),
        )
    )
    if existing is not None:
        return existing
    relation = SubjectRelation(
        organisation_id=organisation.id,
        person_id=person.id,
        role=role,
        source=source,
        valid_from=valid_from,
    )
    session.add(relation)
    session.flush()
    return relation
