"""Alembic environment: the engine comes from xinyong's configuration, never a second URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from xinyong.core.db import create_db_engine, import_all_models

config = context.config
target_metadata = import_all_models()


DERIVED = "record_search"  # the search index (migration 0005): not in the models


def _include(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Leave the derived search index (and FTS5's shadow tables) out of the comparison."""
    return not (type_ == "table" and name is not None and name.startswith(DERIVED))


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
            include_object=_include,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: run `xinyong db upgrade`")
run_migrations_online()
