"""Statements of the hottest path run on the driver's cursor (热路径语句).

A check desk's group runs about ten statements; through SQLAlchemy's execution layer
(compiled-cache lookup, parameter construction, events, result processing) each cost two to
three times what the database took to answer it (a group's subjects: 89 µs against 32 µs
on SQLite). A ``Prepared`` statement is still written with SQLAlchemy Core, so that it reads
and ports like every other; it is compiled once per dialect, and run with the values
converted as SQLAlchemy converts them (dates as ISO text on SQLite, enums as their values),
on the cursor of the session's own connection, inside its transaction.

No expanding parameters (``IN`` a list bound per execution): bind the list as one JSON
array (``core.sql.in_json_array``), and write a constant set as ``or_`` of equalities.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement, Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.schema import ScalarElementColumnDefault

# The values SQLAlchemy converts (parameters or result columns), by position, each with its
# conversion.
Conversions = tuple[tuple[int, Callable[[Any], Any]], ...]


def _conversions(processors: Iterable[Callable[[Any], Any] | None]) -> Conversions:
    """The positions that have a conversion, with it."""
    return tuple((i, p) for i, p in enumerate(processors) if p is not None)


@dataclass(frozen=True)
class _Compiled:
    """A statement as one dialect's driver takes it."""

    sql: str
    names: tuple[str, ...]  # the parameters, in the order a positional driver takes them
    # The parameters SQLAlchemy converts for the driver, by position in ``names``.
    binds: Conversions
    positional: bool
    given: Mapping[str, Any]  # values bound in the statement itself
    columns: Conversions


def _compile(statement: ClauseElement, dialect: Dialect, keys: Sequence[str] | None) -> _Compiled:
    compiled = statement.compile(dialect=dialect, column_keys=list(keys) if keys else None)
    if not isinstance(compiled, SQLCompiler):
        raise TypeError(f"not a SQL statement: {statement}")
    if "POSTCOMPILE" in compiled.string:
        raise ValueError(f"an expanding parameter cannot be prepared: {compiled.string}")
    names = tuple(compiled.positiontup or compiled.binds)
    binds = _conversions(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    given = {
        name: compiled.binds[name].effective_value
        for name in names
        if not compiled.binds[name].required and compiled.binds[name].callable is None
    }
    given |= _scalar_defaults(compiled)
    columns: Conversions = ()
    if isinstance(statement, Select):
        columns = _conversions(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in statement.selected_columns
        )
    return _Compiled(compiled.string, names, binds, compiled.positional, given, columns)


def _scalar_defaults(compiled: SQLCompiler) -> dict[str, Any]:
    """The values of columns not given whose default is a constant (SQLAlchemy fills them
    in at each execution); a default computed per row must be given by the caller."""
    found = {}
    for column in (*compiled.insert_prefetch, *compiled.update_prefetch):
        default = column.onupdate if column in compiled.update_prefetch else column.default
        if not isinstance(default, ScalarElementColumnDefault):
            raise ValueError(f"give {column.key}: its default is computed per row")
        found[column.key] = default.arg
    return found


def _converted(row: Sequence[Any], columns: Conversions) -> tuple[Any, ...]:
    """A row with the values of ``columns`` converted (None stays None)."""
    values = list(row)
    for position, processor in columns:
        value = values[position]
        if value is not None:
            values[position] = processor(value)
    return tuple(values)


def _convert(
    memo: dict[tuple[int, Any], Any], position: int, processor: Callable[[Any], Any], value: Any
) -> Any:
    """``processor(value)``, from ``memo`` when the same value was converted before."""
    try:
        key = (position, value)
        found = memo.get(key)
    except TypeError:  # unhashable (a JSON document): converted every time
        return processor(value)
    if found is None:
        found = memo[key] = processor(value)
    return found


class Prepared:
    """A Core statement compiled once per dialect and run on the driver's cursor."""

    def __init__(self, statement: ClauseElement, column_keys: Sequence[str] | None = None):
        self.statement = statement
        self.column_keys = column_keys
        self._by_dialect: dict[str, _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = _compile(
                self.statement, dialect, self.column_keys
            )
        return found

    @staticmethod
    def _parameters(
        compiled: _Compiled, values: Mapping[str, Any], memo: dict[tuple[int, Any], Any]
    ) -> Any:
        """The driver's parameters for ``values``; ``memo`` keeps the conversions of one
        call's rows (a value repeated on every row, as a group's time is, is converted once)."""
        if compiled.given:
            values = {**compiled.given, **values}
        converted = [values[name] for name in compiled.names]
        for position, processor in compiled.binds:
            value = converted[position]
            if value is not None:
                converted[position] = _convert(memo, position, processor, value)
        # A positional driver takes a parameter used twice twice; a named one takes it once.
        if compiled.positional:
            return converted
        return dict(zip(compiled.names, converted, strict=True))

    def _cursor(self, session: Session) -> tuple[_Compiled, Any]:
        """This dialect's statement, and a new cursor of the session's connection (inside
        its transaction), for the caller to close."""
        connection = session.connection()
        return self._compiled(connection.dialect), connection.connection.cursor()

    def rows(self, session: Session, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """The rows of a query, each value as SQLAlchemy would have returned it."""
        compiled, cursor = self._cursor(session)
        with closing(cursor):
            cursor.execute(compiled.sql, self._parameters(compiled, values, {}))
            fetched = cursor.fetchall()
        if not compiled.columns:
            return [tuple(row) for row in fetched]
        return [_converted(row, compiled.columns) for row in fetched]

    def scalar(self, session: Session, values: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row, or None."""
        found = self.rows(session, values or {})
        return found[0][0] if found else None

    def run(self, session: Session, values: Sequence[Mapping[str, Any]]) -> None:
        """Run a statement that returns nothing, once per set of values (one call to the
        driver: ``executemany``)."""
        if not values:
            return
        compiled, cursor = self._cursor(session)
        memo: dict[tuple[int, Any], Any] = {}
        with closing(cursor):
            if len(values) == 1:
                cursor.execute(compiled.sql, self._parameters(compiled, values[0], memo))
            else:
                cursor.executemany(
                    compiled.sql, [self._parameters(compiled, row, memo) for row in values]
                )
