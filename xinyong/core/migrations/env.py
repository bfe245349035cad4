"""Alembic environment: the engine comes from xinyong's configuration, never a second URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from xinyong.core.db import create_db_engine, import_all_models

config = context.config
target_metadata = import_all_models()


def run_migrations_online() -> None:
    """Run migrations on the engine xinyong passed in (or one built from the URL)."""
    engine: Engine | None = config.attributes.get("engine")
    if engine is None:
        engine = create_db_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: run `xinyong db upgrade`")
run_migrations_online()
