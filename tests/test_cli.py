"""The command line, against a fresh database on each engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from tests.ingest_data import company_row, write_csv
from xinyong.catalog.loader import load_catalog
from xinyong.cli import app
from xinyong.core.db import create_db_engine
from xinyong.core.settings import get_settings


@pytest.fixture
def cli(empty_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A runner whose commands use a fresh, migrated database."""
    monkeypatch.setenv("XINYONG_DATABASE_URL", empty_database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    yield runner
    get_settings.cache_clear()


def run(runner: CliRunner, *args: str, input: str | None = None, code: int = 0) -> str:
    result = runner.invoke(app, list(args), input=input)
    assert result.exit_code == code, result.output
    return result.output


def test_db_check_passes_on_a_migrated_database(cli: CliRunner) -> None:
    assert "ok" in run(cli, "db", "check")
    status = run(cli, "db", "status").split()
    assert status[1] == status[3]  # current == head


def test_catalog_list_prints_the_code_first(cli: CliRunner) -> None:
    lines = run(cli, "catalog", "list").splitlines()
    assert [line.split("\t")[0] for line in lines] == list(load_catalog().datasets)


def test_catalog_show(cli: CliRunner) -> None:
    output = run(cli, "catalog", "show", "XZCF")
    assert "行政处罚" in output
    assert "CF_WSH\t行政处罚决定书文号" in output
    assert "no dataset" in run(cli, "catalog", "show", "NOPE", code=1)


def test_departments_load_and_list(cli: CliRunner) -> None:
    assert "36 departments" in run(cli, "departments", "load")
    lines = run(cli, "departments", "list").splitlines()
    assert len(lines) >= 30
    assert "SCJG\t示范市市场监督管理局" in lines
    assert "0 departments" in run(cli, "departments", "load")  # idempotent


def test_users_and_api_keys(cli: CliRunner) -> None:
    run(cli, "departments", "load")
    output = run(
        cli,
        "users",
        "create",
        "clerk",
        "--role",
        "submitter",
        "--department",
        "SCJG",
        "--password-stdin",
        input="a long passphrase\n",
    )
    assert "clerk\tsubmitter" in output
    refused = run(
        cli,
        "users",
        "create",
        "weak",
        "--role",
        "auditor",
        "--password-stdin",
        input="short\n",
        code=1,
    )
    assert "密码至少" in refused
    key_output = run(cli, "apikeys", "create", "--department", "SCJG", "--name", "执法系统")
    key = key_output.strip().splitlines()[-1]
    assert key.startswith("xy_")
    listed = run(cli, "apikeys", "list")
    assert key not in listed
    key_id = listed.split("\t")[0]
    assert "revoked" in run(cli, "apikeys", "revoke", key_id)
    assert "\trevoked\t" in run(cli, "apikeys", "list")


def test_audit_verify_detects_tampering(cli: CliRunner, empty_database_url: str) -> None:
    run(cli, "departments", "load")
    assert "chain intact" in run(cli, "audit", "verify")
    engine = create_db_engine(empty_database_url)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
        else:
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        connection.execute(text("UPDATE audit_log SET detail = '{}' WHERE seq = 1"))
    engine.dispose()
    assert "entry 1 was changed" in run(cli, "audit", "verify", code=1)


def test_demo_loads_once_and_only_into_a_fresh_database(cli: CliRunner, tmp_path: Path) -> None:
    small = ("--persons", "40", "--orgs", "15", "--records", "200", "--files", str(tmp_path))
    output = run(cli, "demo", *small)
    assert "admin\tplatform_admin" in output
    assert "218" in output  # rows read: 200, and 18 of the demo's own citizen and companies
    assert "already loaded" in run(cli, "demo", *small)


def test_demo_refuses_a_database_in_real_use(cli: CliRunner) -> None:
    run(
        cli,
        "users",
        "create",
        "root",
        "--role",
        "platform_admin",
        "--password-stdin",
        input="a long passphrase\n",
    )
    assert "not a demo database" in run(cli, "demo", "--records", "0", code=1)


def test_serve_refuses_to_start_without_a_secret_key(
    cli: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XINYONG_SECRET_KEY", raising=False)
    monkeypatch.delenv("XINYONG_DEMO", raising=False)
    get_settings.cache_clear()
    assert "XINYONG_SECRET_KEY is not set" in run(cli, "serve", code=1)


@pytest.mark.parametrize("group", ["db", "catalog", "departments", "users", "apikeys", "audit"])
def test_every_command_has_help(group: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, [group, "--help"]).exit_code == 0


def test_invalid_configuration_is_named(cli: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XINYONG_SESSION_HOURS", "eight")
    get_settings.cache_clear()
    assert "XINYONG_SESSION_HOURS" in run(cli, "serve", code=1)


def total_line(output: str) -> str:
    """The 合计 row of a sweep's table."""
    return next(line for line in output.splitlines() if "合计" in line)


def test_sweep_recomputes_and_expires_and_says_what(cli: CliRunner, tmp_path: Path) -> None:
    run(cli, "departments", "load")
    path = write_csv(tmp_path / "p.csv", [company_row(1), company_row(2, 公示截止期="")])
    run(cli, "ingest", str(path), "--dataset", "XZCF", "--department", "SCJG")
    output = run(cli, "sweep", "--recompute", "--today", "2026-06-02")
    assert "0 条记录的截止日变化" in output
    assert total_line(output).split("│")[-2].strip() == "2"  # both past 2026-06-01
    assert total_line(run(cli, "sweep", "--today", "2026-06-02")).split("│")[-2].strip() == "0"
    assert "YYYY-MM-DD" in run(cli, "sweep", "--today", "tomorrow", code=1)
