"""Checks (核查): the measures that apply to a subject in a scenario, and why.

A hit needs an active list entry whose basis record is in force, undisputed and within its
period today: a record under objection, expired or repaired produces no hit. Every check
is stored (``checks``, ``check_hits``) for the feedback loop; a single check is also a
``personal_data.read`` in the audit trail, a batch one audit entry naming its range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from xinyong.archive.visibility import within_period
from xinyong.audit import service as audit
from xinyong.catalog.loader import Catalog
from xinyong.core.db import utcnow
from xinyong.core.errors import InvalidInput, NotFound
from xinyong.core.security import Principal
from xinyong.identity.codes import CodeType, check_ric, check_uscc
from xinyong.identity.models import Subject
from xinyong.ingest.models import Record, RecordStatus
from xinyong.lists.definitions import ListsFile
from xinyong.lists.models import ListEntry
from xinyong.sanctions.definitions import MeasuresFile
from xinyong.sanctions.models import Check, CheckHit
from xinyong.sanctions.schemas import CheckResult, Hit

# A disputed record stays on show, but nothing rests on it while the objection runs.
USABLE = (RecordStatus.ACTIVE, RecordStatus.CORRECTED)
LOOKUP_CHUNK = 1000


@dataclass(frozen=True)
class CheckRules:
    """What a check reads besides the database."""

    catalog: Catalog
    lists: ListsFile
    measures: MeasuresFile


@dataclass(frozen=True)
class Asked:
    """One code as asked, normalised."""

    code: str
    code_type: CodeType

    @property
    def ref(self) -> str:
        """How the query log names the subject."""
        return f"{self.code_type.value}:{self.code}"


def parse_code(value: str) -> Asked | None:
    """A valid USCC or ID number, normalised; None otherwise."""
    for code_type, checker in ((CodeType.USCC, check_uscc), (CodeType.RIC, check_ric)):
        result = checker(value)
        if result.valid:
            return Asked(result.normalised, code_type)
    return None


def requesting_department(principal: Principal, asked: str | None) -> str:
    """A department's checker checks for its own department; credit-centre staff name one."""
    if principal.department_code:
        if asked and asked.upper() != principal.department_code:
            raise InvalidInput("只能以本部门名义核查", code="not_your_department")
        return principal.department_code
    if not asked:
        raise InvalidInput("请指明发起核查的部门（department_code）", code="department_required")
    return asked.upper()


def _subjects(session: Session, asked: list[Asked]) -> dict[Asked, tuple[int, str]]:
    """Subject id and name of each code the platform holds."""
    found: dict[Asked, tuple[int, str]] = {}
    for code_type in CodeType:
        codes = [a.code for a in asked if a.code_type is code_type]
        for start in range(0, len(codes), LOOKUP_CHUNK):
            rows = session.execute(
                select(Subject.id, Subject.code, Subject.name).where(
                    Subject.code_type == code_type,
                    Subject.code.in_(codes[start : start + LOOKUP_CHUNK]),
                )
            )
            for subject_id, code, name in rows:
                found[Asked(code, code_type)] = (subject_id, name)
    return found


def _hits(
    session: Session, rules: CheckRules, subject_ids: list[int], scenario: str, today: date
) -> dict[int, list[tuple[Hit, int]]]:
    """Hits (with their entry id) of each subject in ``scenario``."""
    applying = rules.measures.applying(scenario)
    found: dict[int, list[tuple[Hit, int]]] = {}
    if not applying or not subject_ids:
        return found
    names = {d.code: d.name for d in rules.lists.lists}
    datasets = rules.catalog.datasets
    for start in range(0, len(subject_ids), LOOKUP_CHUNK):
        rows = session.execute(
            select(
                ListEntry.id,
                ListEntry.subject_id,
                ListEntry.list_code,
                ListEntry.entered_on,
                ListEntry.record_id,
                Record.dataset_code,
            )
            .join(Record, Record.id == ListEntry.record_id)
            .where(
                ListEntry.subject_id.in_(subject_ids[start : start + LOOKUP_CHUNK]),
                ListEntry.exited_on.is_(None),
                ListEntry.list_code.in_(list(applying)),
                Record.status.in_(USABLE),
                within_period(today),
            )
            .order_by(ListEntry.entered_on.desc(), ListEntry.id)
        )
        for entry_id, subject_id, list_code, entered_on, record_id, dataset in rows:
            for measure in applying[list_code]:
                hit = Hit(
                    measure_code=measure.code,
                    measure=measure.name,
                    kind=measure.kind.value,
                    mandatory=measure.mandatory,
                    basis=measure.basis,
                    implementer=measure.implementer,
                    list_code=list_code,
                    list_name=names[list_code],
                    entered_on=entered_on,
                    record_id=record_id,
                    dataset=datasets[dataset].name if dataset in datasets else dataset,
                )
                found.setdefault(subject_id, []).append((hit, entry_id))
    return found


def _store(
    session: Session,
    principal: Principal,
    asked: list[Asked],
    subjects: dict[Asked, tuple[int, str]],
    hits: dict[int, list[tuple[Hit, int]]],
    scenario: str,
    department: str,
    purpose: str,
) -> list[int]:
    """Insert the checks and their hits in bulk; the checks' ids in the order asked."""
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for item in asked:
        subject = subjects.get(item)
        rows.append(
            {
                "subject_id": subject[0] if subject else None,
                "subject_ref": item.ref,
                "scenario": scenario,
                "department_code": department,
                "purpose": purpose,
                "checked_by": principal.actor,
                "checked_at": now,
                "hits": len(hits.get(subject[0], [])) if subject else 0,
            }
        )
    ids = list(
        session.scalars(insert(Check).returning(Check.id, sort_by_parameter_order=True), rows)
    )
    hit_rows = [
        {
            "check_id": check_id,
            "measure_code": hit.measure_code,
            "list_code": hit.list_code,
            "entry_id": entry_id,
            "record_id": hit.record_id,
            "mandatory": hit.mandatory,
        }
        for check_id, row in zip(ids, rows, strict=True)
        if row["subject_id"] is not None
        for hit, entry_id in hits.get(row["subject_id"], [])
    ]
    if hit_rows:
        session.execute(insert(CheckHit), hit_rows)
    return ids


def check_many(
    session: Session,
    principal: Principal,
    rules: CheckRules,
    codes: list[str],
    scenario: str,
    purpose: str,
    department: str | None,
    today: date,
) -> tuple[list[CheckResult], list[str]]:
    """Check each valid code; returns the results in the order asked and the invalid codes."""
    found_scenario = rules.measures.scenario(scenario)
    if found_scenario is None:
        raise NotFound(f"没有这个核查场景：{scenario}", code="scenario_not_found")
    department_code = requesting_department(principal, department)
    parsed = [(value, parse_code(value)) for value in codes]
    asked = [a for _, a in parsed if a is not None]
    invalid = [value for value, a in parsed if a is None]
    subjects = _subjects(session, asked)
    hits = _hits(
        session, rules, sorted({s for s, _ in subjects.values()}), found_scenario.code, today
    )
    ids = (
        _store(
            session, principal, asked, subjects, hits, found_scenario.code, department_code, purpose
        )
        if asked
        else []
    )
    results = [
        CheckResult(
            check_id=check_id,
            code=item.code,
            found=item in subjects,
            subject_name=subjects[item][1] if item in subjects else None,
            scenario=found_scenario.code,
            hits=[h for h, _ in hits.get(subjects[item][0], [])] if item in subjects else [],
        )
        for check_id, item in zip(ids, asked, strict=True)
    ]
    return results, invalid


def check_one(
    session: Session,
    principal: Principal,
    rules: CheckRules,
    code: str,
    scenario: str,
    purpose: str,
    department: str | None,
    today: date,
    ip: str | None = None,
) -> CheckResult:
    """Check one subject; logged as a use of personal data."""
    results, invalid = check_many(
        session, principal, rules, [code], scenario, purpose, department, today
    )
    if invalid:
        raise InvalidInput("代码不是有效的统一社会信用代码或公民身份号码", code="invalid_code")
    (result,) = results
    asked = parse_code(code)
    assert asked is not None
    audit.record_read(
        session,
        principal,
        asked.ref,
        purpose=purpose,
        target_type="check",
        target_id=result.check_id,
        ip=ip,
    )
    return result


def log_batch(
    session: Session, principal: Principal, results: list[CheckResult], purpose: str, ip: str | None
) -> None:
    """One audit entry for a batch check; each check is in ``checks`` with its subject."""
    if results:
        audit.record(
            session,
            principal,
            "checks.batch",
            target_type="checks",
            target_id=f"{results[0].check_id}-{results[-1].check_id}",
            purpose=purpose,
            detail={"count": len(results), "scenario": results[0].scenario},
            ip=ip,
        )
