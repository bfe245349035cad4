"""Pydantic shapes for code checks and subjects over the API."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from xinyong.identity.codes import CodeCheck, CodeType
from xinyong.identity.models import RelationRole, Subject, SubjectKind, SubjectRelation


class CodeCheckIn(BaseModel):
    """A code to check; the type is guessed when omitted."""

    code: str = Field(min_length=1, max_length=100)
    code_type: CodeType | None = None


class IssueOut(BaseModel):
    """One problem found with a code."""

    code: str
    message: str


class CodeCheckOut(BaseModel):
    """The outcome of checking a code."""

    code_type: CodeType
    valid: bool
    normalised: str
    upgraded_from: str | None
    birth_date: date | None
    sex: str | None
    errors: list[IssueOut]
    warnings: list[IssueOut]

    @classmethod
    def of(cls, result: CodeCheck) -> CodeCheckOut:
        """Convert a check result."""
        return cls(
            code_type=result.code_type,
            valid=result.valid,
            normalised=result.normalised,
            upgraded_from=result.upgraded_from,
            birth_date=result.birth_date,
            sex=result.sex,
            errors=[IssueOut(code=i.code, message=i.message) for i in result.errors],
            warnings=[IssueOut(code=i.code, message=i.message) for i in result.warnings],
        )


class SubjectRef(BaseModel):
    """A subject named in a relation."""

    code_type: CodeType
    code: str
    name: str


class RelationOut(BaseModel):
    """A relation between an organisation and a person."""

    role: RelationRole
    role_label: str
    other: SubjectRef
    valid_from: date | None
    valid_to: date | None
    source: str

    @classmethod
    def of(cls, relation: SubjectRelation, other: Subject) -> RelationOut:
        """Describe ``relation`` from the point of view opposite ``other``."""
        return cls(
            role=relation.role,
            role_label=relation.role.label,
            other=SubjectRef(code_type=other.code_type, code=other.code, name=other.name),
            valid_from=relation.valid_from,
            valid_to=relation.valid_to,
            source=relation.source,
        )


class SubjectOut(BaseModel):
    """A subject and its relations, for staff."""

    code_type: CodeType
    code: str
    name: str
    kind: SubjectKind
    legacy_code: str | None
    representatives: list[RelationOut]
    organisations: list[RelationOut]

    @classmethod
    def of(cls, subject: Subject) -> SubjectOut:
        """Convert a subject with its relations loaded."""
        return cls(
            code_type=subject.code_type,
            code=subject.code,
            name=subject.name,
            kind=subject.kind,
            legacy_code=subject.legacy_code,
            representatives=[RelationOut.of(r, r.person) for r in subject.representatives],
            organisations=[RelationOut.of(r, r.organisation) for r in subject.organisations],
        )
