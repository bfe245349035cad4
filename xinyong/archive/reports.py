"""Credit reports (公共信用信息报告): issue a signed snapshot, read it back, verify it."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.archive.models import IssuedReport
from xinyong.archive.presenting import Audience
from xinyong.archive.profile import audience_for, get_subject, live_sections, relations, subject_ref
from xinyong.archive.schemas import ArchiveRecord, ReportSectionCount, ReportVerification
from xinyong.archive.signing import Signer, canonical, digest
from xinyong.audit import service as audit
from xinyong.catalog.definitions import FieldRole
from xinyong.catalog.loader import Catalog
from xinyong.core.db import utcnow
from xinyong.core.errors import NotFound
from xinyong.core.security import Principal
from xinyong.identity.masking import mask_code
from xinyong.identity.models import Subject
from xinyong.lists.definitions import ListKind, get_lists
from xinyong.lists.service import subject_entries

# Crockford-style alphabet: no I, L, O, U to misread on paper.
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_RANDOM = 10  # 50 bits: a number cannot be guessed to read someone's verification
REPORT_PURPOSE = "信用报告"
SUBJECT_ROLES = frozenset(
    {
        FieldRole.SUBJECT_NAME,
        FieldRole.SUBJECT_CATEGORY,
        FieldRole.SUBJECT_USCC,
        FieldRole.SUBJECT_ID_TYPE,
        FieldRole.SUBJECT_ID_NUMBER,
    }
)


@dataclass(frozen=True)
class Issuer:
    """What issuing a report needs beyond the database: the catalog, the key, the name."""

    catalog: Catalog
    signer: Signer
    platform: str


def new_number(today: date) -> str:
    """``XY20261121-4F7K2M9QXA``: the issue day, then random characters."""
    tail = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_RANDOM))
    return f"XY{today:%Y%m%d}-{tail}"


def subject_fields(catalog: Catalog, dataset_code: str) -> frozenset[str]:
    """A dataset's fields that name the subject: the report says that once, at the top."""
    dataset = catalog.datasets[dataset_code]
    return frozenset(f.code for f in dataset.fields if f.role in SUBJECT_ROLES)


def report_record(catalog: Catalog, record: ArchiveRecord) -> dict[str, Any]:
    """One record as a report lists it, without the fields that repeat the subject."""
    repeated = subject_fields(catalog, record.dataset_code)
    return {
        "dataset": record.dataset_name,
        "decision_date": record.decision_date.isoformat() if record.decision_date else None,
        "display_until": record.display_until.isoformat() if record.display_until else None,
        "department": record.department,
        "status": record.status_label,
        "fields": [[f.name, f.value] for f in record.fields if f.code not in repeated],
    }


def report_content(
    session: Session,
    issuer: Issuer,
    subject: Subject,
    *,
    number: str,
    issued_at: datetime,
    today: date,
) -> dict[str, Any]:
    """What a report says, as plain JSON: the national sections, each with its records."""
    sections = live_sections(
        session, issuer.catalog, subject, today, Audience.SUBJECT, keep_empty=True
    )
    counts = {s.category: len(s.records) for s in sections}
    entries = subject_entries(session, issuer.catalog, get_lists(issuer.catalog), subject.id)
    return {
        "number": number,
        "platform": issuer.platform,
        "issued_at": issued_at.isoformat(timespec="seconds"),
        "as_of": today.isoformat(),
        "subject": {
            "name": subject.name,
            "kind": subject.kind.value,
            "code_type": subject.code_type.value,
            "code": mask_code(subject.code_type, subject.code),
        },
        "summary": {
            "punishment_target": any(e.kind == ListKind.PUNISHMENT for e in entries),
            "incentive_target": any(e.kind == ListKind.INCENTIVE for e in entries),
            "counts": counts,
        },
        "lists": [
            {
                "name": e.list_name,
                "entered_on": e.entered_on.isoformat(),
                "planned_exit": e.planned_exit.isoformat() if e.planned_exit else None,
                "basis": e.basis,
                "reached_via": e.reached_via,
            }
            for e in entries
        ],
        "relations": [
            {"role": r.role, "name": r.name, "code": r.code}
            for r in relations(session, subject, Audience.SUBJECT)
        ],
        "sections": [
            {
                "category": s.category,
                "label": s.label,
                "records": [report_record(issuer.catalog, r) for r in s.records],
            }
            for s in sections
        ],
    }


def issue_report(
    session: Session,
    principal: Principal,
    issuer: Issuer,
    subject_id: int,
    today: date,
    *,
    purpose: str = REPORT_PURPOSE,
    ip: str | None = None,
) -> IssuedReport:
    """Issue, sign and keep a report for the subject themself or staff; logged as a read."""
    audience_for(principal, subject_id)
    return issue(
        session, principal, issuer, get_subject(session, subject_id), today, purpose=purpose, ip=ip
    )


def issue(
    session: Session,
    principal: Principal,
    issuer: Issuer,
    subject: Subject,
    today: date,
    *,
    purpose: str,
    ip: str | None = None,
) -> IssuedReport:
    """Issue, sign and keep a report on ``subject`` for a caller whose right to it has been
    established (their own, staff, an authorisation); the issue is logged as a read."""
    number, issued_at = new_number(today), utcnow()
    content = report_content(
        session, issuer, subject, number=number, issued_at=issued_at, today=today
    )
    text = canonical(content)
    hex_digest = digest(text)
    report = IssuedReport(
        number=number,
        subject_id=subject.id,
        issued_at=issued_at,
        as_of=today,
        issued_by=principal.actor,
        purpose=purpose,
        content=text,
        digest=hex_digest,
        signature=issuer.signer.sign(hex_digest),
        key_id=issuer.signer.key_id,
    )
    session.add(report)
    session.flush()
    audit.record_read(
        session,
        principal,
        subject_ref(subject),
        purpose=purpose,
        target_type="report",
        target_id=number,
        ip=ip,
    )
    return report


def get_issued(session: Session, number: str) -> IssuedReport:
    """An issued report by its number, or NotFound."""
    report = session.get(IssuedReport, number.strip().upper())
    if report is None:
        raise NotFound("未找到该编号的信用报告", code="report_not_found")
    return report


def read_issued(
    session: Session, principal: Principal, number: str, *, ip: str | None = None
) -> IssuedReport:
    """An issued report again (e.g. as PDF), for whoever may read its subject or was issued
    it (a third party, on an authorisation); logged."""
    report = get_issued(session, number)
    if report.issued_by != principal.actor:
        audience_for(principal, report.subject_id)
    subject = get_subject(session, report.subject_id)
    audit.record_read(
        session,
        principal,
        subject_ref(subject),
        purpose=report.purpose,
        target_type="report",
        target_id=report.number,
        ip=ip,
    )
    return report


def content_of(report: IssuedReport) -> dict[str, Any]:
    """The stored content of an issued report."""
    content: dict[str, Any] = json.loads(report.content)
    return content


def verify(session: Session, signer: Signer, number: str) -> ReportVerification:
    """Whether the report with this number is genuine and unchanged, and what it said."""
    report = get_issued(session, number)
    content = content_of(report)
    intact = digest(report.content) == report.digest and content.get("number") == report.number
    signed = report.key_id == signer.key_id and signer.verify(report.digest, report.signature)
    subject = content["subject"]
    return ReportVerification(
        number=report.number,
        genuine=intact and signed,
        digest=report.digest,
        signature=report.signature,
        key_id=report.key_id,
        public_key=signer.public_key if report.key_id == signer.key_id else None,
        platform=content["platform"],
        issued_at=content["issued_at"],
        as_of=content["as_of"],
        subject_name=subject["name"],
        subject_code=subject["code"],
        sections=[
            ReportSectionCount(
                label=s["label"],
                count=len(s["records"]),
                items=[f"{r['dataset']} {r['decision_date'] or ''}".strip() for r in s["records"]],
            )
            for s in content["sections"]
        ],
    )


def reports_of(session: Session, subject_id: int, limit: int = 20) -> list[IssuedReport]:
    """The reports issued for a subject, newest first."""
    return list(
        session.scalars(
            select(IssuedReport)
            .where(IssuedReport.subject_id == subject_id)
            .order_by(IssuedReport.issued_at.desc())
            .limit(limit)
        )
    )
