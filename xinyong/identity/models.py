"""Subjects (信用主体) and the relations between organisations and people."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from xinyong.core.db import Base, UTCDateTime, str_enum, utcnow
from xinyong.identity.codes import CodeType


class SubjectKind(StrEnum):
    """Whether a subject is a natural person or an organisation."""

    PERSON = "person"  # 自然人
    ORGANISATION = "organisation"  # 法人及非法人组织（含个体工商户）


class RelationRole(StrEnum):
    """How a person stands to an organisation (落实到人 follows these)."""

    LEGAL_REPRESENTATIVE = "legal_representative"  # 法定代表人
    PRINCIPAL = "principal"  # 主要负责人
    RESPONSIBLE_PERSON = "responsible_person"  # 直接责任人

    @property
    def label(self) -> str:
        """The Chinese name of the role."""
        return {
            RelationRole.LEGAL_REPRESENTATIVE: "法定代表人",
            RelationRole.PRINCIPAL: "主要负责人",
            RelationRole.RESPONSIBLE_PERSON: "直接责任人",
        }[self]


class Subject(Base):
    """A credit subject, keyed by (code type, code)."""

    __tablename__ = "subjects"
    __table_args__ = (UniqueConstraint("code_type", "code"), Index("ix_subjects_name", "name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code_type: Mapped[CodeType] = mapped_column(str_enum(CodeType))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[SubjectKind] = mapped_column(str_enum(SubjectKind))
    legacy_code: Mapped[str | None] = mapped_column(String(64), default=None)
    birth_date: Mapped[date | None] = mapped_column(Date, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    representatives: Mapped[list[SubjectRelation]] = relationship(
        foreign_keys="SubjectRelation.organisation_id",
        back_populates="organisation",
        viewonly=True,
    )
    organisations: Mapped[list[SubjectRelation]] = relationship(
        foreign_keys="SubjectRelation.person_id",
        back_populates="person",
        viewonly=True,
    )


class SubjectRelation(Base):
    """A person's role at an organisation, over a period, with where we learnt it."""

    __tablename__ = "subject_relations"
    __table_args__ = (
        UniqueConstraint("organisation_id", "person_id", "role", "valid_from"),
        Index("ix_subject_relations_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="RESTRICT"))
    person_id: Mapped[int] = mapped_column(ForeignKey("subjects.id", ondelete="RESTRICT"))
    role: Mapped[RelationRole] = mapped_column(str_enum(RelationRole))
    valid_from: Mapped[date | None] = mapped_column(Date, default=None)
    valid_to: Mapped[date | None] = mapped_column(Date, default=None)
    source: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organisation: Mapped[Subject] = relationship(
        foreign_keys=[organisation_id], back_populates="representatives"
    )
    person: Mapped[Subject] = relationship(foreign_keys=[person_id], back_populates="organisations")
