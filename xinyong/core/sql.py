"""SQL the two engines spell differently, as SQLAlchemy constructs: a JSON field, a date
plus years, membership in a list bound as one JSON parameter; and the row count of a
set-based change on either."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnExpressionArgument, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Date, Integer, String


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


class in_json_array(FunctionElement[bool]):  # noqa: N801 - reads as SQL
    """``column IN (the values of a JSON array)``: the whole list bound as one parameter.

    An expanding ``IN`` of 10,000 values cost SQLAlchemy more time naming and binding the
    parameters than the query took to run; the engine unpacks one JSON text for free."""

    # Not Boolean: SQLite has no boolean type, and SQLAlchemy would compare a Boolean
    # function with 1 (``… IN (…) = 1``), which keeps the planner off the index.
    inherit_cache = True


@compiles(in_json_array, "sqlite")
def _in_json_array_sqlite(element: in_json_array, compiler: Any, **kw: Any) -> str:
    column, values = _parts(element, compiler, **kw)
    return f"{column} IN (SELECT value FROM json_each({values}))"  # noqa: S608 - compiled parts


@compiles(in_json_array, "postgresql")
def _in_json_array_postgresql(element: in_json_array, compiler: Any, **kw: Any) -> str:
    column, values = _parts(element, compiler, **kw)
    first = next(iter(element.clauses))
    kind = "BIGINT" if isinstance(getattr(first, "type", None), Integer) else "TEXT"
    return (
        f"{column} IN (SELECT CAST(value AS {kind}) "  # noqa: S608 - compiled parts
        f"FROM jsonb_array_elements_text(CAST({values} AS JSONB)))"
    )


def changed_rows(session: Session, statement: Executable) -> int:
    """Run a set-based INSERT … SELECT or UPDATE; how many rows it touched."""
    result = session.execute(
        statement,
        # INSERT … SELECT keeps no rowcount unless asked; the ORM need not sync objects.
        execution_options={"preserve_rowcount": True, "synchronize_session": False},
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
