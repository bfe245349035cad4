"""SQL the two engines spell differently, as SQLAlchemy constructs: a JSON field, a date
plus years; and the row count of a set-based change on either."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnExpressionArgument, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Date, String


class json_text(FunctionElement[str]):  # noqa: N801 - reads as SQL
    """``json_text(column, "KEY")``: the text under a top-level key of a JSON text column."""

    type = String()
    inherit_cache = True

    def __init__(self, column: ColumnExpressionArgument[str], key: str) -> None:
        super().__init__(column, literal(key))


def _parts(element: FunctionElement[Any], compiler: Any, **kw: Any) -> tuple[str, str]:
    """The two arguments of a two-argument construct, compiled."""
    first, second = (compiler.process(clause, **kw) for clause in element.clauses)
    return first, second


@compiles(json_text, "sqlite")
def _json_text_sqlite(element: json_text, compiler: Any, **kw: Any) -> str:
    column, key = _parts(element, compiler, **kw)
    return f"json_extract({column}, '$.' || {key})"


@compiles(json_text, "postgresql")
def _json_text_postgresql(element: json_text, compiler: Any, **kw: Any) -> str:
    column, key = _parts(element, compiler, **kw)
    return f"(CAST({column} AS JSONB) ->> CAST({key} AS TEXT))"


class add_years(FunctionElement[date]):  # noqa: N801 - reads as SQL
    """``date + n years`` on either engine."""

    type = Date()
    inherit_cache = True


@compiles(add_years, "sqlite")
def _add_years_sqlite(element: add_years, compiler: Any, **kw: Any) -> str:
    day, years = _parts(element, compiler, **kw)
    return f"date({day}, '+' || {years} || ' years')"


@compiles(add_years, "postgresql")
def _add_years_postgresql(element: add_years, compiler: Any, **kw: Any) -> str:
    day, years = _parts(element, compiler, **kw)
    return f"CAST({day} + make_interval(years => {years}) AS DATE)"


def changed_rows(session: Session, statement: Executable) -> int:
    """Run a set-based INSERT … SELECT or UPDATE; how many rows it touched."""
    result = session.execute(
        statement,
        # INSERT … SELECT keeps no rowcount unless asked; the ORM need not sync objects.
        execution_options={"preserve_rowcount": True, "synchronize_session": False},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
