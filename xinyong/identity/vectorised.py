"""The code checks of ``codes.py`` as Polars expressions, for whole columns at once.

Ingestion validates millions of rows; these expressions do per column what ``check_ric``
and ``check_uscc`` do per value, with the same rules and the same messages (a test holds
the two to agreement). Each ``*_problem`` expression yields the message, or null when the
code is fine.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from xinyong.identity.codes import (
    CHECKSUM,
    EARLIEST_BIRTH_YEAR,
    RIC_BAD_DATE,
    RIC_CHECK,
    RIC_DATE_RANGE,
    RIC_FORMAT,
    RIC_LENGTH,
    RIC_WEIGHTS,
    USCC_ALPHABET,
    USCC_AUTHORITIES,
    USCC_AUTHORITY,
    USCC_FORMAT,
    USCC_LENGTH,
    USCC_REGION,
    USCC_WEIGHTS,
)

_USCC_INDEX = {c: i for i, c in enumerate(USCC_ALPHABET)}
_SEPARATORS = r"[\s\-_.·]+"


def clean(expr: pl.Expr) -> pl.Expr:
    """Full-width to half-width, no spaces or separators, upper case (as ``codes.clean``)."""
    return expr.str.normalize("NFKC").str.replace_all(_SEPARATORS, "").str.to_uppercase()


def _ric_check(first17: pl.Expr) -> pl.Expr:
    total = pl.sum_horizontal(
        first17.str.slice(i, 1).cast(pl.Int32, strict=False) * w for i, w in enumerate(RIC_WEIGHTS)
    )
    return (total % 11).replace_strict(dict(enumerate(RIC_CHECK)), return_dtype=pl.String)


def ric_normalised(expr: pl.Expr) -> pl.Expr:
    """Cleaned ID numbers, 15-digit legacy numbers upgraded to 18."""
    value = clean(expr)
    body = value.str.slice(0, 6) + pl.lit("19") + value.str.slice(6, 9)
    legacy = (value.str.len_chars() == 15) & value.str.contains(r"^\d{15}$")
    return pl.when(legacy).then(body + _ric_check(body)).otherwise(value)


def ric_birth_date(normalised: pl.Expr) -> pl.Expr:
    """The birth date read off a normalised ID number (null when not a date)."""
    return normalised.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)


def ric_problem(normalised: pl.Expr, today: date) -> pl.Expr:
    """The clerk-facing message for a bad ID number, or null."""
    length = normalised.str.len_chars()
    expected = _ric_check(normalised.str.slice(0, 17))
    born = ric_birth_date(normalised)
    return (
        pl.when(length != 18)
        .then(pl.format(RIC_LENGTH, length))
        .when(~normalised.str.contains(r"^\d{17}[\dX]$"))
        .then(pl.lit(RIC_FORMAT))
        .when(normalised.str.slice(17, 1) != expected)
        .then(pl.format(CHECKSUM, expected))
        .when(born.is_null())
        .then(pl.format(RIC_BAD_DATE, normalised.str.slice(6, 8)))
        .when((born > pl.lit(today)) | (born.dt.year() < EARLIEST_BIRTH_YEAR))
        .then(pl.format(RIC_DATE_RANGE, normalised.str.slice(6, 8)))
        .otherwise(None)
    )


def _uscc_check(first17: pl.Expr) -> pl.Expr:
    total = pl.sum_horizontal(
        first17.str.slice(i, 1).replace_strict(_USCC_INDEX, default=0, return_dtype=pl.Int32) * w
        for i, w in enumerate(USCC_WEIGHTS)
    )
    return ((31 - total % 31) % 31).replace_strict(
        dict(enumerate(USCC_ALPHABET)), return_dtype=pl.String
    )


def uscc_problem(normalised: pl.Expr) -> pl.Expr:
    """The clerk-facing message for a bad USCC, or null."""
    length = normalised.str.len_chars()
    expected = _uscc_check(normalised.str.slice(0, 17))
    authorities = "".join(sorted(USCC_AUTHORITIES))
    return (
        pl.when(length != 18)
        .then(pl.format(USCC_LENGTH, length))
        .when(~normalised.str.contains(f"^[{USCC_ALPHABET}]{{18}}$"))
        .then(pl.lit(USCC_FORMAT))
        .when(~normalised.str.slice(0, 1).str.contains(f"^[{authorities}]$"))
        .then(pl.format(USCC_AUTHORITY, normalised.str.slice(0, 1)))
        .when(~normalised.str.slice(2, 6).str.contains(r"^\d{6}$"))
        .then(pl.format(USCC_REGION, normalised.str.slice(2, 6)))
        .when(normalised.str.slice(17, 1) != expected)
        .then(pl.format(CHECKSUM, expected))
        .otherwise(None)
    )
