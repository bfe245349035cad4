"""``xinyong demo``: accounts, departments and the demo city, with progress on the terminal."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from xinyong.accounts.models import Department
from xinyong.catalog.loader import get_catalog
from xinyong.core.db import Database
from xinyong.core.meta import get_meta, set_meta
from xinyong.core.security import Principal
from xinyong.demo import DEMO_CITY, DEMO_PASSWORD, load_demo
from xinyong.demo.city import build_city, demo_subjects, load_city


def run_demo(
    database: Database,
    principal: Principal,
    files: Path,
    *,
    persons: int,
    orgs: int,
    records: int,
    seed: int,
    out: Console,
    err: Console,
) -> None:
    """Load the demo once; a second run says so and changes nothing."""
    with database.writing() as session:
        created = load_demo(session, principal)
        city = get_meta(session, DEMO_CITY)
        departments = {d.code: (d.name, d.uscc) for d in session.scalars(select(Department))}
    for account in created:
        typer.echo(f"{account.username}\t{account.role.value}\t{account.department_code or '-'}")
    if created:
        err.print(f"demo accounts created; password for all: {DEMO_PASSWORD}")
    if city is not None:
        err.print(f"demo city already loaded ({city})")
        return
    catalog = get_catalog()
    made = build_city(
        catalog,
        departments,
        files,
        persons=persons,
        organisations=orgs,
        records=records,
        seed=seed,
        featured=demo_subjects(),
    )
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("各部门报送", total=len(made))
        batches = load_city(
            database, catalog, principal, made, progress=lambda _: progress.advance(task)
        )
    table = Table(title=f"示范城市：{persons:,} 人，{orgs:,} 家单位，{len(made)} 个报送文件")
    for column in ("读取", "接收", "拒收"):
        table.add_column(column, justify="right")
    table.add_row(
        *(
            f"{sum(getattr(b, n) for b in batches):,}"
            for n in ("rows_read", "rows_accepted", "rows_rejected")
        )
    )
    out.print(table)
    with database.writing() as session:
        set_meta(
            session,
            DEMO_CITY,
            json.dumps({"persons": persons, "orgs": orgs, "records": records, "seed": seed}),
        )
