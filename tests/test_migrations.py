"""Migrations run forward and back on an empty database of each engine."""

from __future__ import annotations

from sqlalchemy import inspect

from xinyong.core import migrate
from xinyong.core.db import create_db_engine, import_all_models


def test_upgrade_downgrade_upgrade(empty_database_url: str) -> None:
    engine = create_db_engine(empty_database_url)
    migrate.upgrade(engine)
    assert set(import_all_models().tables) <= set(inspect(engine).get_table_names())
    migrate.check(engine)
    from alembic import command

    command.downgrade(migrate.alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    migrate.check(engine)
    engine.dispose()
