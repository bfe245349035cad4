"""Append to the audit trail and verify that nobody changed or removed an entry."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from xinyong.audit.models import AuditEntry, AuditHead
from xinyong.core.db import table_of, utcnow
from xinyong.core.hotsql import Prepared
from xinyong.core.security import Principal

GENESIS_HASH = "0" * 64
HEAD_ID = 1
# Any constant: serialises appenders on PostgreSQL so the chain never forks.
CHAIN_LOCK_KEY = 0x78696E79  # "xiny"

READ_PERSONAL_DATA = "personal_data.read"
CHAIN_LOCKED = "xinyong.audit.chain_locked"  # in a session's info: the transaction that holds it

HEAD = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == HEAD_ID)
HEAD_TABLE = table_of(AuditHead)
MOVE_HEAD = update(HEAD_TABLE).where(HEAD_TABLE.c.id == HEAD_ID)
# Built once and run on the driver's cursor (core/hotsql.py): the check desk appends an
# entry per group, and building or running these through SQLAlchemy cost more than the
# database took.
CHAIN_HEAD = Prepared(HEAD)
MOVE_CHAIN_HEAD = Prepared(MOVE_HEAD, ("seq", "hash"))
# What an entry's hash covers, with ``at`` (as ISO text); not ``prev_hash``, which is chained.
HASHED = (
    "seq",
    "actor",
    "role",
    "department_code",
    "action",
    "target_type",
    "target_id",
    "subject_ref",
    "purpose",
    "detail",
    "ip",
)
INSERT_ENTRIES = Prepared(insert(table_of(AuditEntry)), ("at", *HASHED, "prev_hash", "hash"))


def _canonical(values: Mapping[str, Any]) -> str:
    """The exact text an entry's hash covers."""
    covered = {name: values[name] for name in HASHED}
    covered["at"] = values["at"].isoformat(timespec="microseconds")
    return json.dumps(covered, ensure_ascii=False, sort_keys=True)


def _hash(prev_hash: str, values: Mapping[str, Any]) -> str:
    return hashlib.sha256(f"{prev_hash}\n{_canonical(values)}".encode()).hexdigest()


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    """SHA-256 over the previous hash and the entry's canonical content."""
    return _hash(prev_hash, {name: getattr(entry, name) for name in (*HASHED, "at")})


@dataclass
class _ChainTip:
    """The head as this transaction sees it."""

    seq: int
    hash: str
    stored: bool  # whether the head row exists yet


def _chain_tip(session: Session) -> _ChainTip:
    """Lock the chain (once per transaction) and read its head. Read every time, not kept:
    a savepoint rolled back since (the group writer's retry) took its entries with it."""
    transaction = session.get_transaction()
    if session.info.get(CHAIN_LOCKED) is not transaction:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
        # On SQLite the write transaction (BEGIN IMMEDIATE) already excludes other appenders.
        session.info[CHAIN_LOCKED] = transaction
    head = CHAIN_HEAD.rows(session, {})
    if not head:
        return _ChainTip(0, GENESIS_HASH, stored=False)
    seq, hash_ = head[0]
    return _ChainTip(seq, hash_, stored=True)


def _entry(
    principal: Principal, action: str, seq: int, prev_hash: str, **fields: Any
) -> dict[str, Any]:
    """The next entry of the chain, hashed: its column values."""
    detail = fields.pop("detail", None)
    target_id = fields.pop("target_id", None)
    values = {
        "seq": seq,
        "at": utcnow(),
        "actor": principal.actor,
        "role": principal.role.value if principal.role else None,
        "department_code": principal.department_code,
        "action": action,
        "target_type": None,
        "subject_ref": None,
        "purpose": None,
        "ip": None,
        **fields,
        "target_id": None if target_id is None else str(target_id),
        "detail": json.dumps(dict(detail or {}), ensure_ascii=False, sort_keys=True, default=str),
        "prev_hash": prev_hash,
    }
    values["hash"] = _hash(prev_hash, values)
    return values


def _move_head(session: Session, tip: _ChainTip, seq: int, hash_: str) -> None:
    """Point the head at the newest entry (Core statements: no ORM flush on the hot path)."""
    if tip.stored:
        MOVE_CHAIN_HEAD.run(session, [{"seq": seq, "hash": hash_}])
    else:
        session.execute(insert(HEAD_TABLE).values(id=HEAD_ID, seq=seq, hash=hash_))


def record(
    session: Session,
    principal: Principal,
    action: str,
    *,
    target_type: str | None = None,
    target_id: str | int | None = None,
    subject_ref: str | None = None,
    purpose: str | None = None,
    detail: Mapping[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Append one entry, in the caller's transaction (it commits or vanishes with the change)."""
    tip = _chain_tip(session)
    values = _entry(
        principal,
        action,
        tip.seq + 1,
        tip.hash,
        target_type=target_type,
        target_id=target_id,
        subject_ref=subject_ref,
        purpose=purpose,
        detail=detail,
        ip=ip,
    )
    entry = AuditEntry(**values)
    session.add(entry)
    _move_head(session, tip, entry.seq, entry.hash)
    return entry


@dataclass(frozen=True)
class Pending:
    """An entry to append with others: who, what, and its other columns."""

    principal: Principal
    action: str
    fields: Mapping[str, Any]


def append(session: Session, pending: Sequence[Pending]) -> list[int]:
    """Append many entries with one insert, the head moved once; their ``seq``s."""
    if not pending:
        return []
    tip = _chain_tip(session)
    seq, prev_hash = tip.seq, tip.hash
    entries = []
    for item in pending:
        seq += 1
        entry = _entry(item.principal, item.action, seq, prev_hash, **item.fields)
        entries.append(entry)
        prev_hash = entry["hash"]
    INSERT_ENTRIES.run(session, entries)
    _move_head(session, tip, seq, prev_hash)
    return [entry["seq"] for entry in entries]


def record_read(
    session: Session,
    principal: Principal,
    subject_ref: str,
    *,
    purpose: str,
    target_type: str = "subject",
    target_id: str | int | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Log a read of personal data (查询使用登记): who, what, why."""
    return record(
        session,
        principal,
        READ_PERSONAL_DATA,
        target_type=target_type,
        target_id=target_id,
        subject_ref=subject_ref,
        purpose=purpose,
        ip=ip,
    )


@dataclass
class VerifyReport:
    """The outcome of walking the chain."""

    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the chain is intact."""
        return not self.problems


def _entries(session: Session, batch: int = 5000) -> Iterator[AuditEntry]:
    """All entries in order, streamed in batches (the chain can hold millions)."""
    yield from session.scalars(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=batch)
    )


def verify(session: Session) -> VerifyReport:
    """Recompute the chain; report every changed, inserted or deleted entry."""
    report = VerifyReport()
    expected_seq, prev_hash = 1, GENESIS_HASH
    for entry in _entries(session):
        report.checked += 1
        if entry.seq != expected_seq:
            report.problems.append(
                f"entries {expected_seq}–{entry.seq - 1} are missing (deleted)"
                if entry.seq > expected_seq
                else f"entry {entry.seq} is out of order"
            )
        if entry.prev_hash != prev_hash:
            report.problems.append(f"entry {entry.seq} does not follow the entry before it")
        if entry_hash(entry.prev_hash, entry) != entry.hash:
            report.problems.append(f"entry {entry.seq} was changed after it was written")
        expected_seq, prev_hash = entry.seq + 1, entry.hash
    head = session.get(AuditHead, HEAD_ID)
    last_seq = expected_seq - 1
    if head is None and report.checked:
        report.problems.append("the chain head is missing")
    elif head is not None and (head.seq != last_seq or head.hash != prev_hash):
        report.problems.append(
            f"the chain ends at entry {last_seq} but its head says {head.seq}: "
            "the newest entries were deleted or the head was altered"
        )
    return report


def count(session: Session) -> int:
    """Number of entries."""
    return session.scalar(select(func.count()).select_from(AuditEntry)) or 0
