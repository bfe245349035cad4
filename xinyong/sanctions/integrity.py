"""Checks sealed in the audit trail: the digest of a group's rows, and its verification.

A check is a read of the subject's personal data, and the subject's query log lists it from
``checks``. The audit entry that logged a group of checks (``checks.logged``) keeps the
digest of their rows, so a row changed, added or removed afterwards shows when the trail is
verified, as a changed audit entry does.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain, groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from xinyong.audit.models import AuditEntry
from xinyong.identity.codes import CodeType
from xinyong.identity.models import Subject
from xinyong.sanctions.models import Check

CHECKS_LOGGED = "checks.logged"  # the audit entry of a group of checks by one asker
# What the digest covers of each check, in this order.
SEALED = (
    "id",
    "subject_ref",
    "scenario",
    "department_code",
    "purpose",
    "checked_by",
    "checked_at",
    "hits",
)
STREAM = 5000
CODE_TYPES = frozenset(t.value for t in CodeType)


AT = SEALED.index("checked_at")
_sealed = itemgetter(*SEALED)


def digest(rows: Iterable[Mapping[str, Any]]) -> str:
    """SHA-256 over the JSON array of the rows' sealed values, in the rows' order (the
    time as ISO 8601 with microseconds). One ``json.dumps`` for the lot: a batch seals
    10,000 rows."""
    values = []
    for row in rows:
        sealed = list(_sealed(row))
        sealed[AT] = sealed[AT].isoformat(timespec="microseconds")
        values.append(sealed)
    canonical = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def naming(ref: str) -> ColumnElement[bool]:
    """The audit entries that name the subject ``ref`` (``type:code``): those that name it
    themselves, and those that logged checks of it (which name their group, not each
    subject)."""
    kind, _, code = ref.partition(":")
    if kind not in CODE_TYPES:  # names no subject the platform could hold
        return AuditEntry.subject_ref == ref
    subjects = select(Subject.id).where(Subject.code_type == CodeType(kind), Subject.code == code)
    checked = select(Check.audit_seq).where(Check.subject_id.in_(subjects))
    return or_(AuditEntry.subject_ref == ref, AuditEntry.seq.in_(checked))


def _groups(session: Session) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """The logged checks grouped by their audit entry, in ``seq`` order."""
    rows = session.execute(
        select(*(getattr(Check, name) for name in SEALED), Check.audit_seq)
        .where(Check.audit_seq.is_not(None))
        .order_by(Check.audit_seq, Check.id)
        .execution_options(yield_per=STREAM)
    ).mappings()
    for seq, group in groupby(rows, key=lambda row: row["audit_seq"]):
        yield seq, [dict(row) for row in group]


def problems(session: Session) -> list[str]:
    """Each group of checks whose rows no longer match their audit entry's digest."""
    found: list[str] = []
    entries = session.execute(
        select(AuditEntry.seq, AuditEntry.detail)
        .where(AuditEntry.action == CHECKS_LOGGED)
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=STREAM)
    )
    groups = _groups(session)
    group = next(groups, None)
    # One pass over both streams, in seq order; the last entry is followed by one past all
    # seqs, so that groups beyond it are met too.
    for seq, detail in chain(entries, [(math.inf, None)]):
        while group is not None and group[0] < seq:
            found.append(
                f"checks {_ids(group[1])} name audit entry {group[0]}, which did not log them"
            )
            group = next(groups, None)
        if detail is None:
            break
        rows = group[1] if group is not None and group[0] == seq else []
        if digest(rows) != json.loads(detail).get("digest"):
            found.append(
                f"the checks logged by audit entry {seq} were changed after it was written"
            )
        if rows:
            group = next(groups, None)
    return found


def _ids(rows: list[dict[str, Any]]) -> str:
    return f"{rows[0]['id']}–{rows[-1]['id']}"
