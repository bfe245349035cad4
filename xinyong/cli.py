"""The command line: ``xinyong <group> <command>``; every command has ``--help``.

List commands print the code first on each line so scripts can cut it out.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from xinyong.core.db import Database
from xinyong.core.errors import XinyongError
from xinyong.core.security import Principal, Role
from xinyong.core.settings import Settings, get_settings

app = typer.Typer(help="xinyong 公共信用信息平台", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema: upgrade, check, status.", no_args_is_help=True)
catalog_app = typer.Typer(help="The credit information catalog.", no_args_is_help=True)
departments_app = typer.Typer(help="Departments.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
apikeys_app = typer.Typer(help="API keys of department systems.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit trail.", no_args_is_help=True)
batches_app = typer.Typer(help="Collection batches and their errors.", no_args_is_help=True)
for name, sub in (
    ("db", db_app),
    ("catalog", catalog_app),
    ("departments", departments_app),
    ("users", users_app),
    ("apikeys", apikeys_app),
    ("audit", audit_app),
    ("batches", batches_app),
):
    app.add_typer(sub, name=name)

out = Console(soft_wrap=True)
err = Console(stderr=True)


def cli_principal() -> Principal:
    """The operator at the terminal: acts as platform admin, named by their OS account."""
    return Principal(kind="cli", id=None, name=getpass.getuser(), role=Role.PLATFORM_ADMIN)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error and return the exit to raise."""
    err.print(f"[red]error:[/red] {message}")
    return typer.Exit(code)


def settings() -> Settings:
    """The configuration, or a clear error naming the bad variable."""
    try:
        return get_settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"XINYONG_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise fail(f"invalid configuration: {problems}") from exc


def database() -> Database:
    """The configured database."""
    return Database.from_settings(settings())


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Server processes: one per core (docs/operations.md).")
    ] = 1,
) -> None:
    """Serve the portal, console and API."""
    import uvicorn

    from xinyong.app import create_app

    configuration = settings()
    try:
        application = create_app(configuration)
    except XinyongError as exc:
        raise fail(exc.message) from exc
    out.print(f"xinyong on http://{host}:{port}  (database: {configuration.database_url})")
    # Several processes each build their own app from the same environment (checked above).
    uvicorn.run(
        application if workers == 1 else "xinyong.app:create_app",
        factory=workers > 1,
        workers=workers,
        host=host,
        port=port,
        proxy_headers=False,
        log_level="info",
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database to the newest schema and sync the catalog."""
    from xinyong.catalog.loader import get_catalog
    from xinyong.catalog.service import migrate_and_sync
    from xinyong.core import migrate

    db = database()
    report = migrate_and_sync(db, get_catalog(settings().catalog_dir))
    out.print(
        f"schema at {migrate.current_revision(db)}; catalog: "
        f"{len(report.added)} added, {len(report.upgraded)} upgraded, "
        f"{len(report.retired)} retired"
    )


@db_app.command("check")
def db_check() -> None:
    """Fail if the models changed without a migration, or the database is behind."""
    from alembic.util.exc import CommandError

    from xinyong.core import migrate

    db = database()
    if not migrate.is_current(db):
        raise fail("database is not at the newest revision: run `xinyong db upgrade`")
    try:
        migrate.check(db.engine)
    except CommandError as exc:
        raise fail(f"models and migrations differ: {exc}") from exc
    out.print("ok: schema matches the models")


@db_app.command("status")
def db_status() -> None:
    """Print the current and newest schema revision."""
    from xinyong.core import migrate

    db = database()
    out.print(f"current {migrate.current_revision(db)}  head {migrate.head_revision(db.engine)}")


@db_app.command("revision")
def db_revision(
    message: Annotated[str, typer.Option("--message", "-m", help="What the revision changes.")],
) -> None:
    """Autogenerate a migration from model changes (developers; run on an upgraded database)."""
    from xinyong.core import migrate

    db = database()
    if not migrate.is_current(db):
        raise fail("upgrade the database first: a revision is the difference from head")
    migrate.new_revision(db.engine, message)
    out.print("written under xinyong/core/migrations/versions: review it, then `make lint`")


@catalog_app.command("list")
def catalog_list() -> None:
    """One dataset a line: code, version, openness, name."""
    from xinyong.catalog.loader import get_catalog

    catalog = get_catalog(settings().catalog_dir)
    for dataset in catalog.datasets.values():
        typer.echo(f"{dataset.code}\tv{dataset.version}\t{dataset.openness.value}\t{dataset.name}")


@catalog_app.command("show")
def catalog_show(code: Annotated[str, typer.Argument(help="Dataset code, e.g. XZCF.")]) -> None:
    """A dataset's rules and fields."""
    from xinyong.catalog.definitions import CATEGORY_LABELS, OPENNESS_LABELS
    from xinyong.catalog.loader import get_catalog

    dataset = get_catalog(settings().catalog_dir).dataset(code)
    if dataset is None:
        raise fail(f"no dataset {code} in the catalog (see `xinyong catalog list`)")
    out.print(f"[bold]{dataset.code} {dataset.name}[/bold] ({dataset.name_en}) v{dataset.version}")
    out.print(
        f"category {CATEGORY_LABELS[dataset.category]} · openness "
        f"{OPENNESS_LABELS[dataset.openness]} · polarity {dataset.polarity.value}"
        f"{' · severity ' + dataset.severity.value if dataset.severity else ''}"
    )
    out.print(f"business key: {' + '.join(dataset.business_key)}")
    out.print(f"sources: {', '.join(dataset.source_departments)}")
    for basis in dataset.legal_basis:
        out.print(f"basis: {basis.title} {basis.article or ''}".rstrip())
    out.print("fields (code, name, type, required, code table, max length, role):")
    for f in dataset.fields:
        cells = (
            f.code,
            f.name,
            f.type.value,
            "required" if f.required else "optional",
            f.code_table or "-",
            str(f.max_length or "-"),
            f.role.value if f.role else "-",
        )
        typer.echo("\t".join(cells))


@departments_app.command("list")
def departments_list() -> None:
    """One department a line: code and name."""
    from xinyong.accounts.service import list_departments

    with database().reading() as session:
        for department in list_departments(session):
            typer.echo(f"{department.code}\t{department.name}")


@departments_app.command("load")
def departments_load(
    path: Annotated[
        Path | None, typer.Argument(help="YAML file (default: the demo city's).")
    ] = None,
) -> None:
    """Insert or update departments from a YAML file."""
    from xinyong.accounts.service import PACKAGED_DEPARTMENTS, load_departments

    try:
        with database().writing() as session:
            changed = load_departments(session, cli_principal(), path or PACKAGED_DEPARTMENTS)
    except XinyongError as exc:
        raise fail(exc.message) from exc
    out.print(f"{changed} departments added or changed")


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[Role, typer.Option(help="Role of the account.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    department: Annotated[str | None, typer.Option(help="Department code (staff roles).")] = None,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
) -> None:
    """Create a user; the password is prompted for (or read from stdin)."""
    from xinyong.accounts.schemas import UserCreate
    from xinyong.accounts.service import create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        data = UserCreate(
            username=username,
            display_name=name or username,
            password=password,
            role=role,
            department_code=department,
        )
        with database().writing() as session:
            user = create_user(session, cli_principal(), data)
            typer.echo(f"{user.id}\t{user.username}\t{user.role.value}")
    except XinyongError as exc:
        raise fail(exc.message) from exc
    except ValueError as exc:
        raise fail(str(exc)) from exc


@users_app.command("list")
def users_list() -> None:
    """One user a line: id, username, role, department, active."""
    from xinyong.accounts.service import list_users

    with database().reading() as session:
        for user in list_users(session):
            typer.echo(
                f"{user.id}\t{user.username}\t{user.role.value}\t"
                f"{user.department_code or '-'}\t{'active' if user.active else 'disabled'}"
            )


@apikeys_app.command("create")
def apikeys_create(
    department: Annotated[str, typer.Option(help="Department code the key acts for.")],
    name: Annotated[str, typer.Option(help="What system uses the key.")],
    role: Annotated[Role, typer.Option(help="submitter or checker.")] = Role.SUBMITTER,
) -> None:
    """Issue an API key; it is printed once and never again."""
    from xinyong.accounts.schemas import ApiKeyCreate
    from xinyong.accounts.tokens import issue_api_key

    try:
        with database().writing() as session:
            row, key = issue_api_key(
                session,
                cli_principal(),
                ApiKeyCreate(name=name, department_code=department, role=role),
            )
            key_id = row.id
    except XinyongError as exc:
        raise fail(exc.message) from exc
    err.print(f"API key {key_id} for {department}: store it now, it is not shown again")
    print(key)


@apikeys_app.command("list")
def apikeys_list(
    department: Annotated[str | None, typer.Option(help="Only this department.")] = None,
) -> None:
    """One key a line: id, prefix, department, role, state, name."""
    from xinyong.accounts.tokens import list_api_keys

    with database().reading() as session:
        for key in list_api_keys(session, department):
            state = "revoked" if key.revoked_at else "active"
            typer.echo(
                f"{key.id}\txy_{key.prefix}\t{key.department_code}\t{key.role.value}\t"
                f"{state}\t{key.name}"
            )


@apikeys_app.command("revoke")
def apikeys_revoke(
    key_id: Annotated[int, typer.Argument(help="Key id from `apikeys list`.")],
) -> None:
    """Revoke a key for good."""
    from xinyong.accounts.tokens import revoke_api_key

    try:
        with database().writing() as session:
            revoke_api_key(session, cli_principal(), key_id)
    except XinyongError as exc:
        raise fail(exc.message) from exc
    out.print(f"revoked {key_id}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the hash chain; exit 1 and list the problems if any entry was changed or deleted
    (or any check row its entry sealed)."""
    from xinyong.audit.service import verify
    from xinyong.sanctions import integrity

    with database().reading() as session:
        report = verify(session)
        report.problems += integrity.problems(session)
    for problem in report.problems:
        err.print(f"[red]✗[/red] {problem}")
    if not report.ok:
        raise typer.Exit(1)
    out.print(f"ok: {report.checked} entries, chain intact")


@app.command("ingest")
def ingest_file(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX or JSON Lines file.")],
    dataset: Annotated[str, typer.Option(help="Catalog dataset code, e.g. XZCF.")],
    department: Annotated[str, typer.Option(help="Submitting department's code.")],
    sheet: Annotated[str | None, typer.Option(help="XLSX sheet (default: the first).")] = None,
    file_format: Annotated[
        str | None, typer.Option("--format", help="csv, xlsx or jsonl (default: from the name).")
    ] = None,
) -> None:
    """Submit a file as one batch: every row stored or quarantined with its reason."""
    from xinyong.ingest.cli import run_ingest

    run_ingest(database(), cli_principal(), file, dataset, department, sheet, file_format, out, err)


@batches_app.command("list")
def batches_list() -> None:
    """One batch a line: id, dataset, department, status, read, accepted, rejected, file."""
    from xinyong.ingest.service import list_batches

    with database().reading() as session:
        for b in list_batches(session, cli_principal(), limit=200):
            typer.echo(
                f"{b.id}\t{b.dataset_code}\t{b.department_code}\t{b.status.value}\t"
                f"{b.rows_read}\t{b.rows_accepted}\t{b.rows_rejected}\t{b.file_name}"
            )


@batches_app.command("errors")
def batches_errors(
    batch_id: Annotated[int, typer.Argument(help="Batch id.")],
    file_format: Annotated[str, typer.Option("--format", help="csv or xlsx.")] = "csv",
    output: Annotated[
        Path | None, typer.Option(help="Write here (default: stdout for csv).")
    ] = None,
) -> None:
    """The error report: original columns plus an error column, for correction and resubmission."""
    from xinyong.ingest.report import error_csv, error_xlsx
    from xinyong.ingest.service import get_batch

    try:
        with database().reading() as session:
            get_batch(session, batch_id, cli_principal())
            if file_format == "xlsx":
                if output is None:
                    raise fail("--output is required for xlsx")
                output.write_bytes(error_xlsx(session, batch_id))
            elif output is None:
                for part in error_csv(session, batch_id):
                    sys.stdout.write(part)
            else:
                with output.open("w", encoding="utf-8", newline="") as handle:
                    handle.writelines(error_csv(session, batch_id))
    except XinyongError as exc:
        raise fail(exc.message) from exc


@app.command()
def check(
    code: Annotated[str, typer.Argument(help="USCC or ID number.")],
    scenario: Annotated[str, typer.Option(help="Scenario code, e.g. PROCUREMENT.")],
    department: Annotated[str, typer.Option(help="The requesting department's code.")],
    purpose: Annotated[str, typer.Option(help="Why (查询事由); logged.")] = "联合奖惩核查",
) -> None:
    """Check a subject before an administrative act (联合奖惩核查): the measures that apply,
    with their list, legal basis and implementer. Exit 3 when a mandatory punishment
    applies, so a script can stop."""
    from xinyong.sanctions.cli import run_check

    try:
        blocking = run_check(
            database(),
            cli_principal(),
            settings().catalog_dir,
            code,
            scenario,
            department,
            purpose,
            out,
        )
    except XinyongError as exc:
        raise fail(exc.message) from exc
    if blocking:
        raise typer.Exit(3)


@app.command()
def sweep(
    recompute: Annotated[
        bool,
        typer.Option(help="First recompute every record's clock (after the periods changed)."),
    ] = False,
    today: Annotated[
        str | None, typer.Option(help="Sweep as of this day, YYYY-MM-DD (default: today).")
    ] = None,
) -> None:
    """Mark records past their display period (公示期限) expired, and log it (the server
    also runs this daily; readers never show an expired record either way)."""
    from xinyong.archive.cli import run_sweep

    try:
        run_sweep(database(), cli_principal(), settings().catalog_dir, recompute, today, out)
    except XinyongError as exc:
        raise fail(exc.message) from exc


@app.command()
def demo(
    persons: Annotated[int, typer.Option(min=10, help="People living in the city.")] = 2000,
    orgs: Annotated[int, typer.Option(min=5, help="Organisations registered in it.")] = 600,
    records: Annotated[int, typer.Option(min=0, help="Records the departments send.")] = 10000,
    seed: Annotated[int, typer.Option(help="Same seed, same city.")] = 2026,
    files: Annotated[Path, typer.Option(help="Where the department files are written.")] = Path(
        "var/demo"
    ),
) -> None:
    """Load the demo (fresh database only): departments, one account per role, and a city
    whose departments send their files through the collection pipeline."""
    from xinyong.demo.cli import run_demo

    try:
        run_demo(
            database(),
            cli_principal(),
            files,
            persons=persons,
            orgs=orgs,
            records=records,
            seed=seed,
            out=out,
            err=err,
        )
    except XinyongError as exc:
        raise fail(exc.message) from exc


def main() -> None:
    """Entry point of the ``xinyong`` command."""
    app()
