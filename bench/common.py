"""Timing helpers and the result line every benchmark prints."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text

from xinyong.core.db import create_db_engine

POSTGRES_ENV = "XINYONG_TEST_POSTGRES_URL"


@dataclass(frozen=True)
class Result:
    """One measured figure and its baseline in the same unit: a rate (units per second), or
    a time when ``lower_is_better`` (then the ratio says how many times longer it takes)."""

    name: str
    unit: str
    value: float
    baseline_name: str
    baseline: float
    lower_is_better: bool = False
    # The lowest and highest of its rounds, when the figure is their median.
    spread: tuple[float, float] | None = None

    @property
    def ratio(self) -> float:
        """The figure as a share of its baseline."""
        return self.value / self.baseline if self.baseline else 0.0

    def number(self, value: float) -> str:
        """A value of this figure, without its unit (times with two decimals)."""
        return f"{value:,.2f}" if self.lower_is_better else f"{value:,.0f}"

    def shown(self, value: float) -> str:
        """A value of this figure with its unit."""
        return f"{self.number(value)} {self.unit}"

    def shown_with_spread(self) -> str:
        """The figure, and the range of its rounds when it is their median."""
        if self.spread is None:
            return self.shown(self.value)
        low, high = self.spread
        return f"{self.shown(self.value)} (rounds {self.number(low)}-{self.number(high)})"


def rate(count: int, work: Callable[[], object], repeat: int = 3) -> float:
    """Best of ``repeat`` runs of ``work`` (which handles ``count`` items), in items/s."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return count / best


def percentile(samples: list[float], share: float) -> float:
    """The value below which ``share`` of the samples lie (nearest rank)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def postgres_url() -> str | None:
    """The throwaway cluster's URL when `make bench` started one."""
    return os.environ.get(POSTGRES_ENV)


def report(results: list[Result]) -> None:
    """Print every figure beside its baseline."""
    table = Table(title="xinyong benchmarks")
    for column in ("benchmark", "figure", "baseline (same run)", "ratio"):
        table.add_column(column)
    for r in results:
        table.add_row(
            r.name,
            r.shown_with_spread(),
            f"{r.shown(r.baseline)} ({r.baseline_name})",
            f"{r.ratio:.2f}",
        )
    Console(width=140).print(table)


def fresh_engine(url: str) -> Engine:
    """An engine on an empty schema (PostgreSQL's public schema dropped and recreated)."""
    engine = create_db_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    return engine


def remove_sqlite_files(folder: Path, name: str) -> None:
    """Delete a SQLite database and its WAL/SHM files, so the next run starts empty."""
    for leftover in folder.glob(f"{name}*"):
        leftover.unlink()
