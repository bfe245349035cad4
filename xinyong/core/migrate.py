"""Alembic, driven from code: upgrade, check for model changes without a migration, status."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from xinyong.core.db import Database

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to ``engine`` (no alembic.ini needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    command.upgrade(alembic_config(engine), revision)


def check(engine: Engine) -> None:
    """Raise if the models differ from the migrated schema (a change without a migration)."""
    command.check(alembic_config(engine))


def head_revision(engine: Engine) -> str | None:
    """The newest revision in the migrations directory."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(database: Database) -> str | None:
    """The revision the database is at (None when never migrated)."""
    with database.connect() as connection:
        return revision_of(connection)


def revision_of(connection: Connection) -> str | None:
    """The revision recorded in the database behind ``connection``."""
    return MigrationContext.configure(connection).get_current_revision()


def is_current(database: Database) -> bool:
    """Whether the database is migrated to head."""
    return current_revision(database) == head_revision(database.engine)


def new_revision(engine: Engine, message: str) -> None:
    """Autogenerate a revision from the model changes (for developers), numbered after the
    newest one (0001, 0002, ...) so the files read in order."""
    head = head_revision(engine)
    number = int(head) + 1 if head and head.isdigit() else 1
    command.revision(
        alembic_config(engine),
        message=message,
        autogenerate=True,
        rev_id=f"{number:04d}",
    )
