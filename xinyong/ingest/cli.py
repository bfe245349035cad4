"""``xinyong ingest``: submit a department's file from the command line."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from xinyong.catalog.loader import get_catalog
from xinyong.core.db import Database
from xinyong.core.errors import XinyongError
from xinyong.core.security import Principal
from xinyong.ingest.columns import MissingColumns
from xinyong.ingest.models import Batch, Channel, RejectedRow
from xinyong.ingest.readers import UnreadableFile
from xinyong.ingest.schemas import RejectedRowOut
from xinyong.ingest.service import Submission, ingest, require_file

SHOWN_ERRORS = 10


def summary(batch: Batch) -> Table:
    """The batch's counts as a table."""
    table = Table(title=f"批次 {batch.id} · {batch.dataset_code} · {batch.department_code}")
    table.add_column("项目")
    table.add_column("数量", justify="right")
    seconds = max(batch.duration_ms, 1) / 1000
    for label, value in (
        ("读取行数", batch.rows_read),
        ("接收", batch.rows_accepted),
        ("  新增", batch.rows_new),
        ("  变更", batch.rows_revised),
        ("  未变化", batch.rows_unchanged),
        ("  撤销", batch.rows_withdrawn),
        ("拒收（已隔离）", batch.rows_rejected),
    ):
        table.add_row(label, f"{value:,}")
    table.add_row("耗时", f"{seconds:.1f} s（{batch.rows_read / seconds:,.0f} 行/秒）")
    return table


def run_ingest(
    database: Database,
    principal: Principal,
    path: Path,
    dataset: str,
    department: str,
    sheet: str | None,
    file_format: str | None,
    out: Console,
    err: Console,
) -> None:
    """Ingest with a progress display; exit 0 when processed, 2 when the file is unreadable."""
    try:
        require_file(path)
    except XinyongError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from exc
    catalog = get_catalog()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,} 行"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task(f"归集 {path.name}", total=None)
        try:
            batch = ingest(
                database,
                catalog,
                principal,
                Submission(path, path.name, dataset, department, Channel.CLI, file_format, sheet),
                progress=lambda rows: progress.update(task, completed=rows),
            )
        except (UnreadableFile, MissingColumns) as exc:
            err.print(f"[red]文件无法处理：[/red]{exc.message}（已记录为失败批次，未写入任何数据）")
            raise typer.Exit(2) from exc
        except XinyongError as exc:
            err.print(f"[red]error:[/red] {exc.message}")
            raise typer.Exit(1) from exc
    out.print(summary(batch))
    if batch.unknown_columns != "[]":
        err.print(f"[yellow]未采集的列（目录中没有）：[/yellow]{batch.unknown_columns}")
    if batch.rows_rejected:
        with database.reading() as session:
            rows = session.scalars(
                select(RejectedRow)
                .where(RejectedRow.batch_id == batch.id)
                .order_by(RejectedRow.line)
                .limit(SHOWN_ERRORS)
            )
            for row in rows:
                for message in RejectedRowOut.of(row).messages:
                    err.print(message, highlight=False)
        if batch.rows_rejected > SHOWN_ERRORS:
            err.print(
                f"…… 共 {batch.rows_rejected:,} 行被拒收；完整错误报告："
                f"xinyong batches errors {batch.id}"
            )
