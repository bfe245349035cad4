"""``xinyong check``: one subject's hits in a scenario, as a table."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from xinyong.catalog.loader import get_catalog
from xinyong.core.db import Database
from xinyong.core.security import Principal
from xinyong.sanctions.desk import check_one
from xinyong.sanctions.service import CheckRules


def run_check(
    database: Database,
    principal: Principal,
    catalog_dir: Path | None,
    code: str,
    scenario: str,
    department: str,
    purpose: str,
    out: Console,
) -> int:
    """Check, print the hits; the number of mandatory punishments (0: nothing blocks)."""
    rules = CheckRules.of(get_catalog(catalog_dir))
    with database.writing() as session:
        result = check_one(
            session, principal, rules, code, scenario, purpose, department, date.today()
        )
    who = result.subject_name or "平台无此主体的信息"
    table = Table(
        title=f"核查 {result.code}（{who}）· 场景 {result.scenario} · 编号 {result.check_id}"
    )
    for column in ("措施", "类别", "强制", "名单", "列入日期", "依据", "实施单位"):
        table.add_column(column)
    for hit in result.hits:
        table.add_row(
            hit.measure,
            "惩戒" if hit.kind == "punishment" else "激励",
            "是" if hit.mandatory else "否",
            hit.list_name,
            hit.entered_on.isoformat(),
            hit.basis,
            hit.implementer,
        )
    out.print(table if result.hits else f"{who}：在场景 {result.scenario} 中没有适用的措施")
    return sum(1 for h in result.hits if h.mandatory and h.kind == "punishment")
