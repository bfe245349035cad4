"""Every record's clock (公示期限): the last day it may be shown, from its catalog rule.

One vectorised expression serves ingestion (each chunk as it is validated) and the
recomputation after a policy changes; the periods themselves live in ``policies.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from xinyong.catalog.definitions import Dataset, FieldRole, FieldType, Policies, Severity

# How a field's normalised value is reached in the frame at hand.
Column = Callable[[str], pl.Expr]
TYPE_SEPARATORS = r"[；,，]"  # 处罚类别 lists several types (多项以分号分隔)


def normalised(code: str) -> pl.Expr:
    """The validator's column for a field's normalised value."""
    return pl.col(f"n:{code}")


def from_json(dataset: Dataset) -> Column:
    """Fields read back from a stored record's ``data`` (JSON text), dates parsed."""
    types = {f.code: f.type for f in dataset.fields}

    def column(code: str) -> pl.Expr:
        value = pl.col("data").str.json_path_match(f"$.{code}")
        return value.str.to_date(strict=False) if types[code] is FieldType.DATE else value

    return column


def _offset(day: pl.Expr, months: pl.Expr) -> pl.Expr:
    """``day`` plus whole months (31 January + 1 month = the last day of February)."""
    return day.dt.offset_by(pl.format("{}mo", months))


def _bounds(dataset: Dataset, policies: Policies, column: Column) -> tuple[pl.Expr, pl.Expr] | None:
    """Minimum and maximum months per row: the row's severity (or the dataset's), raised by
    any penalty type the policy lists — the longest period applies (standards.md)."""
    rule = dataset.display_period
    if rule.policy is None:
        return None
    periods = policies.display_periods[rule.policy]
    default = periods[dataset.severity or Severity.GENERAL]

    severity_field = dataset.field_by_role(FieldRole.SEVERITY)
    severity = column(severity_field.code) if severity_field else pl.lit(None, dtype=pl.String)
    low, high = pl.lit(default.min_months), pl.lit(default.max_months)
    for level, found in periods.items():  # a level the policy lacks keeps the default
        low = pl.when(severity == level.value).then(found.min_months).otherwise(low)
        high = pl.when(severity == level.value).then(found.max_months).otherwise(high)
    if rule.types_field is not None and policies.penalty_types:
        types = column(rule.types_field).str.replace_all(TYPE_SEPARATORS, ";").str.split(";")
        raised = types.list.eval(
            pl.element()
            .str.strip_chars()
            .replace_strict(
                {name: level.value for name, level in policies.penalty_types.items()},
                default=None,
                return_dtype=pl.String,
            )
        )
        for level in periods:
            carries = raised.list.contains(level.value).fill_null(False)
            bounds = periods[level]
            low = pl.when(carries).then(pl.max_horizontal(low, bounds.min_months)).otherwise(low)
            high = pl.when(carries).then(pl.max_horizontal(high, bounds.max_months)).otherwise(high)
    return low, high


def display_until(dataset: Dataset, policies: Policies, column: Column = normalised) -> pl.Expr:
    """The last day a row may be shown, or null where the rule sets no end (a licence with
    no expiry date). An explicit deadline in the row (公示截止期) wins when it lies within
    the rule; outside it, the nearest bound."""
    rule = dataset.display_period
    if rule.kind == "valid_until":
        until = dataset.field_by_role(FieldRole.VALID_UNTIL)
        assert until is not None, "checked when the catalog loads"
        return column(until.code).cast(pl.Date)
    decision = dataset.field_by_role(FieldRole.DECISION_DATE)
    assert decision is not None, "checked when the catalog loads"
    decided = column(decision.code).cast(pl.Date)
    bounds = _bounds(dataset, policies, column)
    assert bounds is not None, "checked when the catalog loads"
    low, high = bounds
    latest = _offset(decided, high)
    if rule.kind == "fixed" or rule.deadline_field is None:
        return latest
    earliest = _offset(decided, low)
    deadline = column(rule.deadline_field).cast(pl.Date)
    return (
        pl.when(deadline.is_null())
        .then(latest)
        .otherwise(pl.min_horizontal(pl.max_horizontal(deadline, earliest), latest))
    )


def minimum_until(dataset: Dataset, policies: Policies, column: Column = normalised) -> pl.Expr:
    """The day a row's minimum display period ends (where repair may begin, standards.md):
    the decision date plus the rule's minimum months; the decision date itself where the
    rule sets no minimum; null without a decision date."""
    decision = dataset.field_by_role(FieldRole.DECISION_DATE)
    if decision is None:
        return pl.lit(None, dtype=pl.Date)
    decided = column(decision.code).cast(pl.Date)
    bounds = _bounds(dataset, policies, column)
    return decided if bounds is None else _offset(decided, bounds[0])
