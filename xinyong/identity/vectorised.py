"""The code checks of ``codes.py`` as Polars expressions, for whole columns at once.

Ingestion validates millions of rows; these expressions do per column what ``check_ric``
and ``check_uscc`` do per value, with the same rules and the same messages (a test holds
the two to agreement). Each ``*_rules`` list says where a code breaks a rule and what the
clerk is told: ``broken`` finds the bad codes over a whole column, ``first_message`` words
them, which is worth doing only for the few that are bad.
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
# A check: where a value breaks it (boolean), and the clerk's message there.
Rule = tuple[pl.Expr, pl.Expr]


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


def ric_rules(normalised: pl.Expr, today: date) -> list[Rule]:
    """The checks of a normalised ID number, in the order ``check_ric`` makes them."""
    length = normalised.str.len_chars()
    expected = _ric_check(normalised.str.slice(0, 17))
    born = ric_birth_date(normalised)
    return [
        (length != 18, pl.format(RIC_LENGTH, length)),
        (~normalised.str.contains(r"^\d{17}[\dX]$"), pl.lit(RIC_FORMAT)),
        (normalised.str.slice(17, 1) != expected, pl.format(CHECKSUM, expected)),
        (born.is_null(), pl.format(RIC_BAD_DATE, normalised.str.slice(6, 8))),
        (
            (born > pl.lit(today)) | (born.dt.year() < EARLIEST_BIRTH_YEAR),
            pl.format(RIC_DATE_RANGE, normalised.str.slice(6, 8)),
        ),
    ]


def _uscc_check(first17: pl.Expr) -> pl.Expr:
    total = pl.sum_horizontal(
        first17.str.slice(i, 1).replace_strict(_USCC_INDEX, default=0, return_dtype=pl.Int32) * w
        for i, w in enumerate(USCC_WEIGHTS)
    )
    return ((31 - total % 31) % 31).replace_strict(
        dict(enumerate(USCC_ALPHABET)), return_dtype=pl.String
    )


def uscc_rules(normalised: pl.Expr) -> list[Rule]:
    """The checks of a normalised USCC, in the order ``check_uscc`` makes them."""
    length = normalised.str.len_chars()
    expected = _uscc_check(normalised.str.slice(0, 17))
    authorities = "".join(sorted(USCC_AUTHORITIES))
    return [
        (length != 18, pl.format(USCC_LENGTH, length)),
        (~normalised.str.contains(f"^[{USCC_ALPHABET}]{{18}}$"), pl.lit(USCC_FORMAT)),
        (
            ~normalised.str.slice(0, 1).str.contains(f"^[{authorities}]$"),
            pl.format(USCC_AUTHORITY, normalised.str.slice(0, 1)),
        ),
        (
            ~normalised.str.slice(2, 6).str.contains(r"^\d{6}$"),
            pl.format(USCC_REGION, normalised.str.slice(2, 6)),
        ),
        (normalised.str.slice(17, 1) != expected, pl.format(CHECKSUM, expected)),
    ]


def broken(rules: list[Rule]) -> pl.Expr:
    """Per value, whether any of the rules is broken (false, never null, when none is)."""
    return pl.any_horizontal(fails for fails, _ in rules).fill_null(False)


def first_message(rules: list[Rule]) -> pl.Expr:
    """Per value, the message of the first rule it breaks, or null. Every message is built
    for every value, so apply it to the few values that are ``broken``."""
    chain: pl.Expr = pl.lit(None, dtype=pl.String)
    for fails, message in reversed(rules):  # built from the last, so the first one wins
        chain = pl.when(fails).then(message).otherwise(chain)
    return chain
