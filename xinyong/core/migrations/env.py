"""Alembic environment: the engine comes from xinyong's configuration, never a second URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine

from xinyong.core.db import create_db_engine, import_all_models

config = context.config
target_metadata = import_all_models()


# The search index (0005) and its term counts (0016): derived, not in the models.
DERIVED = ("record_search", "search_terms")


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
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
                compare_type=True,
                include_object=_include,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("a migration left rows whose foreign keys do not match")
        finally:
            if sqlite:
                _foreign_keys(connection, on=True)


def _foreign_keys(connection: Connection, *, on: bool) -> None:
    """SQLite alters a table by rebuilding it (batch mode), and with foreign keys on,
    dropping the old table checks each of its rows against every child table — the new
    copy included, which has no index yet: hours on a city of millions. SQLite's own
    procedure for schema changes is: keys off (outside any transaction), change, check
    (``foreign_key_check``, above), keys on."""
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported: run `xinyong db upgrade`")
run_migrations_online()
