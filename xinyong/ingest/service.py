"""Collection use cases: ingest a file as one atomic batch; read batches and their errors."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.accounts.models import Department
from xinyong.archive import search
from xinyong.audit import service as audit
from xinyong.catalog.loader import Catalog
from xinyong.catalog.models import CatalogDataset
from xinyong.core.db import Database, utcnow
from xinyong.core.errors import Forbidden, InvalidInput, NotFound, XinyongError
from xinyong.core.prefetch import prefetch
from xinyong.core.security import Principal, Role
from xinyong.ingest.bulkload import bulk_load
from xinyong.ingest.columns import map_columns
from xinyong.ingest.models import Batch, BatchStatus, Channel
from xinyong.ingest.readers import chunks, headers, open_source
from xinyong.ingest.store import ChunkCounts, ChunkStore
from xinyong.ingest.validate import ChunkValidator
from xinyong.lists.definitions import get_lists
from xinyong.lists.service import recompute

CHUNK_ROWS = 10_000  # small enough to keep memory flat, large enough for set-based SQL
# Who may submit for a department other than their own.
CENTRAL_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.REVIEWER})

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Submission:
    """A file offered for a dataset on behalf of a department."""

    path: Path
    file_name: str
    dataset_code: str
    department_code: str
    channel: Channel
    file_format: str | None = None  # declared format; default: from the file name
    sheet: str | None = None  # XLSX sheet; default: the first


def check_submitter(
    session: Session,
    catalog: Catalog,
    principal: Principal,
    dataset_code: str,
    department_code: str,
) -> None:
    """The dataset exists and accepts data, the department is one of its sources, and the
    caller acts for that department (or for the credit centre)."""
    dataset = catalog.dataset(dataset_code)
    stored = session.get(CatalogDataset, dataset_code.upper())
    if dataset is None or stored is None or not stored.active:
        raise NotFound(f"目录中没有可归集的信息类 {dataset_code}", code="dataset_not_found")
    department = session.get(Department, department_code.upper())
    if department is None or not department.active:
        raise NotFound(f"部门 {department_code} 不存在", code="department_not_found")
    if principal.role not in CENTRAL_ROLES and principal.department_code != department.code:
        raise Forbidden("只能为本部门报送数据", code="wrong_department")
    if "*" not in dataset.source_departments and department.code not in dataset.source_departments:
        raise Forbidden(
            f"{department.name}不是信息类「{dataset.name}」的提供单位", code="not_a_source"
        )


def _failed(
    database: Database,
    submission: Submission,
    principal: Principal,
    version: int,
    error: str,
    sha256: str = "",
    size: int = 0,
    started: float | None = None,
) -> Batch:
    """Record a batch that stored nothing, so the clerk sees why."""
    with database.writing() as session:
        batch = Batch(
            dataset_code=submission.dataset_code.upper(),
            dataset_version=version,
            department_code=submission.department_code.upper(),
            submitted_by=principal.actor,
            channel=submission.channel,
            file_name=submission.file_name[:255],
            file_format=submission.file_format
            or Path(submission.file_name).suffix.lstrip(".")[:16],
            encoding=None,
            file_sha256=sha256,
            file_bytes=size,
            status=BatchStatus.FAILED,
            error=error,
            received_at=utcnow(),
            finished_at=utcnow(),
            duration_ms=int((time.monotonic() - (started or time.monotonic())) * 1000),
        )
        session.add(batch)
        session.flush()
        audit.record(
            session,
            principal,
            "batch.failed",
            target_type="batch",
            target_id=batch.id,
            detail={"dataset": batch.dataset_code, "error": error},
        )
    return batch


def ingest(
    database: Database,
    catalog: Catalog,
    principal: Principal,
    submission: Submission,
    *,
    today: date | None = None,
    chunk_rows: int = CHUNK_ROWS,
    progress: Progress | None = None,
    index: bool = True,
) -> Batch:
    """Validate, link and store a file as one batch: all of it or none of it; then, unless
    ``index`` is false, bring what derives from records up to date, each in its own
    transaction: the public search index, and the lists for this batch's records.

    Raises UnreadableFile (and records a failed batch) when the file as a whole cannot be
    read; rows that cannot be accepted are quarantined, never dropped.
    """
    started = time.monotonic()
    code = submission.dataset_code.upper()
    with database.reading() as session:
        check_submitter(session, catalog, principal, code, submission.department_code)
    dataset = catalog.datasets[code]
    with tempfile.TemporaryDirectory(prefix="xinyong-ingest-") as work:
        try:
            source = open_source(
                submission.path,
                Path(work),
                name=submission.file_name,
                declared=submission.file_format,
                sheet=submission.sheet,
            )
            columns = map_columns(headers(source), dataset)
        except XinyongError as exc:
            failed = _failed(
                database, submission, principal, dataset.version, exc.message, started=started
            )
            exc.details = {"batch_id": failed.id, "reason": exc.details}
            raise
        validator = ChunkValidator(
            dataset, catalog.code_tables, catalog.policies, columns, today or date.today()
        )
        try:
            with database.writing() as session:
                batch = Batch(
                    dataset_code=code,
                    dataset_version=dataset.version,
                    department_code=submission.department_code.upper(),
                    submitted_by=principal.actor,
                    channel=submission.channel,
                    file_name=submission.file_name[:255],
                    file_format=source.format,
                    encoding=source.encoding,
                    file_sha256=source.sha256,
                    file_bytes=source.size,
                    status=BatchStatus.COMPLETED,
                    unknown_columns=json.dumps(columns.unknown, ensure_ascii=False),
                    source_columns=json.dumps(columns.kept, ensure_ascii=False),
                    received_at=utcnow(),
                )
                session.add(batch)
                session.flush()
                store = ChunkStore(
                    session.connection(),
                    batch_id=batch.id,
                    dataset_code=code,
                    dataset_version=dataset.version,
                    department_code=batch.department_code,
                    now=batch.received_at,
                )
                totals, read = ChunkCounts(), 0
                # The next chunk is read and validated while this one is stored.
                checked = ((c.height, validator.check(c)) for c in chunks(source, chunk_rows))
                with bulk_load(session.connection(), source.lines):
                    for height, result in prefetch(checked):
                        totals.rejected += store.quarantine(result.rejected)
                        totals.add(store.store(result.accepted))
                        read += height
                        if progress:
                            progress(read)
                store.close()
                accepted = totals.new + totals.revised + totals.unchanged + totals.withdrawn
                if accepted + totals.rejected != read:
                    raise RuntimeError(
                        f"row accounting broke: {accepted} + {totals.rejected} != {read}"
                    )
                batch.rows_read, batch.rows_accepted, batch.rows_rejected = (
                    read,
                    accepted,
                    totals.rejected,
                )
                batch.rows_new, batch.rows_revised = totals.new, totals.revised
                batch.rows_unchanged, batch.rows_withdrawn = totals.unchanged, totals.withdrawn
                batch.finished_at = utcnow()
                batch.duration_ms = int((time.monotonic() - started) * 1000)
                audit.record(
                    session,
                    principal,
                    "batch.ingest",
                    target_type="batch",
                    target_id=batch.id,
                    detail={
                        "dataset": code,
                        "department": batch.department_code,
                        "sha256": source.sha256,
                        "read": read,
                        "accepted": accepted,
                        "rejected": totals.rejected,
                    },
                )
        except XinyongError as exc:
            failed = _failed(
                database,
                submission,
                principal,
                dataset.version,
                exc.message,
                source.sha256,
                source.size,
                started,
            )
            exc.details = {"batch_id": failed.id, "reason": exc.details}
            raise
        except Exception as exc:
            _failed(
                database,
                submission,
                principal,
                dataset.version,
                f"处理中断，本批次未写入任何数据（{type(exc).__name__}）",
                source.sha256,
                source.size,
                started,
            )
            raise
    if index:
        search.refresh(database, catalog)
        with database.writing() as session:  # lists follow records (lists.service)
            recompute(
                session, catalog, get_lists(catalog), today or date.today(), batch_id=batch.id
            )
    return batch


def get_batch(session: Session, batch_id: int, principal: Principal) -> Batch:
    """A batch the caller may see: the credit centre sees all, a department its own."""
    batch = session.get(Batch, batch_id)
    if batch is None or (
        principal.role not in CENTRAL_ROLES
        and principal.role is not Role.AUDITOR
        and batch.department_code != principal.department_code
    ):
        raise NotFound(f"批次 {batch_id} 不存在", code="batch_not_found")
    return batch


def list_batches(session: Session, principal: Principal, limit: int = 50) -> list[Batch]:
    """Newest batches the caller may see."""
    query = select(Batch).order_by(Batch.id.desc()).limit(limit)
    if principal.role not in CENTRAL_ROLES and principal.role is not Role.AUDITOR:
        query = query.where(Batch.department_code == principal.department_code)
    return list(session.scalars(query))


def require_file(path: Path) -> None:
    """A path that names a readable file."""
    if not path.is_file():
        raise InvalidInput(f"文件不存在：{path}", code="file_not_found")
