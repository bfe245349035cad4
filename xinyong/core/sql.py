"""SQL the two engines spell differently, as SQLAlchemy constructs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnExpressionArgument, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import String


class json_text(FunctionElement[str]):  # noqa: N801 - reads as SQL
    """``json_text(column, "KEY")``: the text under a top-level key of a JSON text column."""

    type = String()
    inherit_cache = True

    def __init__(self, column: ColumnExpressionArgument[str], key: str) -> None:
        super().__init__(column, literal(key))


def _parts(element: json_text, compiler: Any, **kw: Any) -> tuple[str, str]:
    column, key = (compiler.process(clause, **kw) for clause in element.clauses)
    return column, key


@compiles(json_text, "sqlite")
def _json_text_sqlite(element: json_text, compiler: Any, **kw: Any) -> str:
    column, key = _parts(element, compiler, **kw)
    return f"json_extract({column}, '$.' || {key})"


@compiles(json_text, "postgresql")
def _json_text_postgresql(element: json_text, compiler: Any, **kw: Any) -> str:
    column, key = _parts(element, compiler, **kw)
    return f"(CAST({column} AS JSONB) ->> CAST({key} AS TEXT))"
