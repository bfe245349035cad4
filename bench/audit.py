"""Audit appends (hash chain, lock, head update) against a bare insert of the same rows."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import Engine, insert

from bench.common import Result, fresh_engine, postgres_url, rate
from xinyong.audit import service as audit
from xinyong.audit.models import AuditEntry
from xinyong.core import migrate
from xinyong.core.db import Database, utcnow
from xinyong.core.security import Principal, Role

COUNT = 5_000
ACTOR = Principal(kind="cli", id=None, name="bench", role=Role.PLATFORM_ADMIN)


def _appends(database: Database) -> None:
    with database.writing() as session:
        for i in range(COUNT):
            audit.record_read(session, ACTOR, f"ric:{i:018d}", purpose="基准测试")


def _bare(database: Database, offset: list[int]) -> None:
    start = offset[0]
    offset[0] += COUNT
    rows = [
        {
            "seq": 10_000_000 + start + i,
            "at": utcnow(),
            "actor": "cli:bench",
            "role": "platform_admin",
            "department_code": None,
            "action": "personal_data.read",
            "target_type": "subject",
            "target_id": None,
            "subject_ref": f"ric:{i:018d}",
            "purpose": "基准测试",
            "detail": "{}",
            "ip": None,
            "prev_hash": "0" * 64,
            "hash": f"{start + i:064d}",
        }
        for i in range(COUNT)
    ]
    with database.writing() as session:
        session.execute(insert(AuditEntry), rows)


def _measure(label: str, engine: Engine) -> Result:
    migrate.upgrade(engine)
    database = Database.from_engine(engine)
    offset = [0]
    baseline = rate(COUNT, lambda: _bare(database, offset))
    figure = rate(COUNT, lambda: _appends(database))
    engine.dispose()
    return Result(
        f"audit append, {label} (one transaction)",
        "entries/s",
        figure,
        "bare INSERT of the same rows",
        baseline,
    )


def run() -> list[Result]:
    """Audit appends per second on SQLite and (when available) PostgreSQL."""
    with tempfile.TemporaryDirectory() as tmp:
        results = [_measure("SQLite", fresh_engine(f"sqlite:///{Path(tmp) / 'bench.db'}"))]
    url = postgres_url()
    if url:
        results.append(_measure("PostgreSQL", fresh_engine(url)))
    return results
