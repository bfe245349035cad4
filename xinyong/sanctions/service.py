"""Checks (核查): the measures that apply to a subject in a scenario, and why.

A hit needs an active list entry whose basis record is in force, undisputed and within its
period today: a record under objection, expired or repaired produces no hit. Every check
is stored (``checks``, ``check_hits``) for the feedback loop and the subject's query log;
the checks of one request, or of one asker in a group of single checks, are one audit
entry (``checks.logged``) that seals their rows with a digest (sanctions/integrity.py).

Finding reads only; logging writes. Single checks are both, for a group at a time, in the
check desk (sanctions/desk.py); a batch is found in the request's read-only session and
logged through the group writer (core/groupwrite.py), so that it never holds the write
lock while it reads.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, String, and_, bindparam, func, insert, or_, select
from sqlalchemy.orm import Session

from xinyong.accounts import tokens
from xinyong.archive.visibility import within_period
from xinyong.audit import service as audit
from xinyong.catalog.loader import Catalog
from xinyong.core.db import table_of, utcnow
from xinyong.core.errors import InvalidInput, NotFound
from xinyong.core.hotsql import Prepared
from xinyong.core.security import Principal
from xinyong.core.sql import in_json_array
from xinyong.identity.codes import CodeType, recognise
from xinyong.identity.models import Subject
from xinyong.identity.service import subject_ref
from xinyong.ingest.models import Record, RecordStatus
from xinyong.lists.definitions import ListsFile, get_lists
from xinyong.lists.models import ListEntry
from xinyong.sanctions.definitions import MeasuresFile, get_measures
from xinyong.sanctions.integrity import CHECKS_LOGGED, SEALED, digest
from xinyong.sanctions.models import Check, CheckHit
from xinyong.sanctions.schemas import CheckResult, Hit

# A disputed record stays on show, but nothing rests on it while the objection runs.
USABLE = (RecordStatus.ACTIVE, RecordStatus.CORRECTED)


@dataclass(frozen=True)
class CheckRules:
    """What a check reads besides the database."""

    catalog: Catalog
    lists: ListsFile
    measures: MeasuresFile

    @classmethod
    def of(cls, catalog: Catalog) -> CheckRules:
        """The packaged lists and measures checked against ``catalog``."""
        lists = get_lists(catalog)
        return cls(catalog, lists, get_measures(lists))


@dataclass(frozen=True)
class Asked:
    """One code as asked, normalised."""

    code: str
    code_type: CodeType

    @property
    def ref(self) -> str:
        """How the query log names the subject."""
        return subject_ref(self.code_type, self.code)


def parse_code(value: str) -> Asked | None:
    """A valid USCC or ID number, normalised; None otherwise."""
    found = recognise(value)
    return Asked(found[1], found[0]) if found else None


def requesting_department(principal: Principal, asked: str | None) -> str:
    """A department's checker checks for its own department; credit-centre staff name one."""
    if principal.department_code:
        if asked and asked.upper() != principal.department_code:
            raise InvalidInput("只能以本部门名义核查", code="not_your_department")
        return principal.department_code
    if not asked:
        raise InvalidInput("请指明发起核查的部门（department_code）", code="department_required")
    return asked.upper()


# Built once and run on the driver's cursor (core/hotsql.py): the check is the hottest
# path, and building a statement, or running it through SQLAlchemy, cost more than the
# database took to answer it.
CHECKED_TYPES = (CodeType.USCC, CodeType.RIC)  # what a check takes (``recognise``)
SUBJECTS_BY_CODE = Prepared(
    select(Subject.id, Subject.code_type, Subject.code, Subject.name).where(
        or_(*(Subject.code_type == kind for kind in CHECKED_TYPES)),
        in_json_array(Subject.code, bindparam("codes", type_=String)),
    )
)
ENTRIES_IN_FORCE = Prepared(
    select(
        ListEntry.id,
        ListEntry.subject_id,
        ListEntry.list_code,
        ListEntry.entered_on,
        ListEntry.record_id,
        Record.dataset_code,
    )
    .outerjoin(Record, Record.id == ListEntry.record_id)
    .where(
        in_json_array(ListEntry.subject_id, bindparam("subjects", type_=String)),
        ListEntry.exited_on.is_(None),
        in_json_array(ListEntry.list_code, bindparam("lists", type_=String)),
        or_(
            ListEntry.record_id.is_(None),  # a derived entry rests on no record
            and_(
                or_(*(Record.status == status for status in USABLE)),
                within_period(bindparam("today", type_=Date)),
            ),
        ),
    )
    .order_by(ListEntry.entered_on.desc(), ListEntry.id)
    # Asked for several subjects, SQLite (no statistics) chose the list-code index and read
    # every entry of the list: 8 codes took 28 ms instead of 0.2 ms.
    .with_hint(ListEntry, "INDEXED BY ix_list_entries_subject", "sqlite")
)

CHECK_COLUMNS = (*SEALED, "subject_id", "audit_seq")
HIT_COLUMNS = ("check_id", "measure_code", "list_code", "entry_id", "record_id", "mandatory")
INSERT_CHECKS = Prepared(insert(table_of(Check)), CHECK_COLUMNS)
INSERT_HITS = Prepared(insert(table_of(CheckHit)), HIT_COLUMNS)
LAST_CHECK_ID = Prepared(select(func.max(Check.id)))
NEXT_CHECK_IDS = Prepared(
    select(func.nextval(func.pg_get_serial_sequence("checks", "id"))).select_from(
        func.generate_series(1, bindparam("count"))
    )
)


def _subjects(session: Session, asked: list[Asked]) -> dict[Asked, tuple[int, str]]:
    """Subject id and name of each code the platform holds (one query for both kinds of
    code: a code of the other kind that happens to match is not what was asked)."""
    wanted = set(asked)
    codes = json.dumps(sorted({a.code for a in wanted}))
    rows = SUBJECTS_BY_CODE.rows(session, {"codes": codes})
    found = {
        Asked(code, code_type): (subject_id, name) for subject_id, code_type, code, name in rows
    }
    return {key: value for key, value in found.items() if key in wanted}


def _hits(
    session: Session, rules: CheckRules, subject_ids: list[int], scenario: str, today: date
) -> dict[int, list[tuple[Hit, int]]]:
    """Hits (with their entry id) of each subject in ``scenario``."""
    applying = rules.measures.applying(scenario)
    found: dict[int, list[tuple[Hit, int]]] = {}
    if not applying or not subject_ids:
        return found
    names = {d.code: d.name for d in rules.lists.lists}
    rows = ENTRIES_IN_FORCE.rows(
        session,
        {"subjects": json.dumps(subject_ids), "lists": json.dumps(list(applying)), "today": today},
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
                dataset=_basis_name(rules, list_code, dataset),
            )
            found.setdefault(subject_id, []).append((hit, entry_id))
    return found


def _basis_name(rules: CheckRules, list_code: str, dataset: str | None) -> str:
    """What an entry rests on: its record's dataset, or the rule of a derived list."""
    if dataset is None:
        return rules.lists.basis_of(list_code)
    found = rules.catalog.datasets.get(dataset)
    return found.name if found else dataset


# A code's subject (id, name), if the platform holds it, and its hits with their entry ids.
Answer = tuple[tuple[int, str] | None, list[tuple[Hit, int]]]


@dataclass(frozen=True)
class Found:
    """What a check found, before it is logged: the codes asked (valid and not), the
    subjects the platform holds and their hits."""

    scenario: str
    department: str
    asked: list[Asked]
    invalid: list[str]
    subjects: dict[Asked, tuple[int, str]]
    hits: dict[int, list[tuple[Hit, int]]]

    def answers(self) -> list[Answer]:
        """Each code asked, in order: its subject (id, name), if held, and its hits."""
        answers = []
        for item in self.asked:
            subject = self.subjects.get(item)
            answers.append((subject, self.hits.get(subject[0], []) if subject else []))
        return answers


def merge(founds: Sequence[Found], asked: list[Asked]) -> Found:
    """One ``Found`` for ``asked`` out of the lookups that found them (of one scenario,
    department and day; checks read together share one)."""
    distinct = list({id(f): f for f in founds}.values())
    subjects: dict[Asked, tuple[int, str]] = {}
    hits: dict[int, list[tuple[Hit, int]]] = {}
    for found in distinct:
        subjects.update(found.subjects)
        hits.update(found.hits)
    first = distinct[0]
    return Found(first.scenario, first.department, asked, [], subjects, hits)


def scenario_code(rules: CheckRules, scenario: str) -> str:
    """The scenario's code, or a 404 naming what was asked."""
    found = rules.measures.scenario(scenario)
    if found is None:
        raise NotFound(f"没有这个核查场景：{scenario}", code="scenario_not_found")
    return found.code


def lookup(
    session: Session,
    rules: CheckRules,
    asked: list[Asked],
    scenario: str,
    department: str,
    today: date,
    invalid: list[str] | None = None,
) -> Found:
    """The subjects of the codes asked and their hits in ``scenario`` (reads only)."""
    subjects = _subjects(session, asked)
    hits = _hits(session, rules, sorted({s for s, _ in subjects.values()}), scenario, today)
    return Found(scenario, department, asked, invalid or [], subjects, hits)


def find(
    session: Session,
    principal: Principal,
    rules: CheckRules,
    codes: list[str],
    scenario: str,
    department: str | None,
    today: date,
) -> Found:
    """Check the request, then look up each valid code's subject and hits (reads only)."""
    code = scenario_code(rules, scenario)
    department_code = requesting_department(principal, department)
    parsed = [(value, parse_code(value)) for value in codes]
    asked = [a for _, a in parsed if a is not None]
    invalid = [value for value, a in parsed if a is None]
    return lookup(session, rules, asked, code, department_code, today, invalid)


@dataclass(frozen=True)
class Asker:
    """Who checks, why, from where: what the query log keeps of each check."""

    principal: Principal
    purpose: str
    ip: str | None


def _store(
    session: Session, found: Found, askers: Sequence[Asker], answers: list[Answer]
) -> list[int]:
    """Insert the checks and their hits in bulk, logged in the audit trail by one entry per
    asker that seals its checks' rows; the checks' ids in the order asked."""
    runs: dict[Asker, list[int]] = {}  # each asker's checks, by position
    for position, asker in enumerate(askers):
        runs.setdefault(asker, []).append(position)
    ids = _ids_by_asker(session, runs)
    rows = _check_rows(found, askers, ids, answers)
    logged = audit.append(
        session, [_logged(asker, [rows[i] for i in positions]) for asker, positions in runs.items()]
    )
    for seq, positions in zip(logged, runs.values(), strict=True):
        for position in positions:
            rows[position]["audit_seq"] = seq
    INSERT_CHECKS.run(session, rows)
    hit_rows = [
        {
            "check_id": check_id,
            "measure_code": hit.measure_code,
            "list_code": hit.list_code,
            "entry_id": entry_id,
            "record_id": hit.record_id,
            "mandatory": hit.mandatory,
        }
        for check_id, (_, hits) in zip(ids, answers, strict=True)
        for hit, entry_id in hits
    ]
    INSERT_HITS.run(session, hit_rows)
    for principal in {asker.principal for asker in runs}:
        tokens.note_api_key_use(session, principal)
    return ids


def _ids_by_asker(session: Session, runs: dict[Asker, list[int]]) -> list[int]:
    """New ids for the checks at the positions ``runs`` gives, each asker's in a row (so
    that its audit entry names their range); the ids by position."""
    order = [position for positions in runs.values() for position in positions]
    ids = [0] * len(order)
    for check_id, position in zip(_new_ids(session, len(order)), order, strict=True):
        ids[position] = check_id
    return ids


def _check_rows(
    found: Found, askers: Sequence[Asker], ids: list[int], answers: list[Answer]
) -> list[dict[str, Any]]:
    """The ``checks`` rows of what was found, one per code asked."""
    now = utcnow()
    return [
        {
            "id": check_id,
            "subject_id": subject[0] if subject else None,
            "subject_ref": item.ref,
            "scenario": found.scenario,
            "department_code": found.department,
            "purpose": asker.purpose,
            "checked_by": asker.principal.actor,
            "checked_at": now,
            "hits": len(hits),
        }
        for check_id, item, asker, (subject, hits) in zip(
            ids, found.asked, askers, answers, strict=True
        )
    ]


def _logged(asker: Asker, rows: list[dict[str, Any]]) -> audit.Pending:
    """The audit entry of one asker's checks in a group: a ``personal_data.read`` of each
    subject, kept in ``checks`` and sealed here by the rows' digest."""
    return audit.Pending(
        asker.principal,
        CHECKS_LOGGED,
        {
            "target_type": "checks",
            "target_id": f"{rows[0]['id']}-{rows[-1]['id']}",
            "purpose": asker.purpose,
            "ip": asker.ip,
            "detail": {"count": len(rows), "scenario": rows[0]["scenario"], "digest": digest(rows)},
        },
    )


def _new_ids(session: Session, count: int) -> list[int]:
    """Ids for ``count`` new checks, ascending."""
    if session.get_bind().dialect.name != "sqlite":
        return sorted(row[0] for row in NEXT_CHECK_IDS.rows(session, {"count": count}))
    # SQLite cannot promise RETURNING's order for a multi-row insert, so SQLAlchemy sent one
    # statement per row (10,000 codes: half a second). This transaction holds SQLite's write
    # lock, so the next ids are ours to give, and the rows go in as multi-row inserts.
    start = int(LAST_CHECK_ID.scalar(session) or 0) + 1
    return list(range(start, start + count))


def _results(found: Found, ids: list[int], answers: list[Answer]) -> list[CheckResult]:
    return [
        CheckResult(
            check_id=check_id,
            code=item.code,
            found=subject is not None,
            subject_name=subject[1] if subject else None,
            scenario=found.scenario,
            hits=[hit for hit, _ in hits],
        )
        for check_id, item, (subject, hits) in zip(ids, found.asked, answers, strict=True)
    ]


def log_each(session: Session, found: Found, askers: Sequence[Asker]) -> list[CheckResult]:
    """Store checks asked one by one and answer them with their ids."""
    answers = found.answers()
    return _results(found, _store(session, found, askers, answers), answers)


def log(
    session: Session, principal: Principal, found: Found, purpose: str, ip: str | None
) -> list[int]:
    """Store the checks of one request; their ids in the order asked."""
    askers = [Asker(principal, purpose, ip)] * len(found.asked)
    return _store(session, found, askers, found.answers())


def batch_json(found: Found, ids: list[int]) -> bytes:
    """A batch's answer as ``BatchCheckResult`` JSON, written straight from what was found:
    10,000 result models built, validated and serialised cost a third of a second."""
    hits = {
        subject_id: [hit.model_dump(mode="json") for hit, _ in subject_hits]
        for subject_id, subject_hits in found.hits.items()
    }
    results = []
    for check_id, item in zip(ids, found.asked, strict=True):
        subject = found.subjects.get(item)
        results.append(
            {
                "check_id": check_id,
                "code": item.code,
                "found": subject is not None,
                "subject_name": subject[1] if subject else None,
                "scenario": found.scenario,
                "hits": hits.get(subject[0], []) if subject else [],
            }
        )
    answer = {"scenario": found.scenario, "results": results, "invalid": found.invalid}
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode()
