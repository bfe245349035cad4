"""``xinyong sweep``: expire records past their display period, optionally recomputing first."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlalchemy import distinct, func, select

from xinyong.archive.service import recompute_all, sweep_with_lists
from xinyong.catalog.loader import get_catalog
from xinyong.core.db import Database
from xinyong.core.errors import InvalidInput
from xinyong.core.security import Principal
from xinyong.ingest.models import Record


def _day(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"--today 应为 YYYY-MM-DD 格式的日期：{value}") from exc


def run_sweep(
    database: Database,
    principal: Principal,
    catalog_dir: Path | None,
    recompute: bool,
    today: str | None,
    out: Console,
) -> None:
    """Recompute clocks (if asked), then sweep; print what changed by dataset."""
    day = _day(today)
    catalog = get_catalog(catalog_dir)
    if recompute:
        with database.writing() as session:
            datasets = session.scalar(select(func.count(distinct(Record.dataset_code))))
            with Progress(console=out, transient=True) as progress:
                task = progress.add_task("重新计算公示期限", total=datasets)
                moved = recompute_all(session, principal, catalog, lambda _: progress.advance(task))
        out.print(
            f"公示期限已按策略 {catalog.policies.version} 重新计算："
            f"{sum(moved.values()):,} 条记录的截止日变化"
        )
    result, lists = sweep_with_lists(database, principal, catalog, day)
    table = Table(title=f"到期清理 {day.isoformat()}")
    table.add_column("信息类")
    table.add_column("标记到期", justify="right")
    for code, count in sorted(result.expired.items()):
        table.add_row(code, f"{count:,}")
    table.add_row("合计", f"{result.total:,}")
    out.print(table)
    if result.indexed:
        out.print(f"检索索引：补建 {result.indexed:,} 条记录")
    if result.compacted:
        out.print("检索索引：已重建（PostgreSQL）")
    out.print(
        f"名单：新列入 {sum(lists.entered.values()) + sum(lists.reached.values()):,}，"
        f"移出 {sum(lists.exited.values()):,}"
    )
