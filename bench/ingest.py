"""Ingest throughput: a large 行政处罚 CSV into SQLite and PostgreSQL, beside a bare bulk insert
of the same already-parsed rows into a copy of the records table, measured in the same run.
Each run is its own process, so its peak memory is its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import Result, postgres_url, remove_sqlite_files
from bench.penalties import penalty_file

ROWS = int(os.environ.get("BENCH_INGEST_ROWS", "1000000"))
SMALL = 200_000


def _run(mode: str, url: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.ingest_run", mode, url, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _engines(tmp: Path) -> list[tuple[str, str]]:
    engines = [("SQLite", f"sqlite:///{tmp / 'ingest.db'}")]
    url = postgres_url()
    if url:
        engines.append(("PostgreSQL", url))
    return engines


def run() -> list[Result]:
    """rows/s against the bare insert, and peak memory against a smaller file."""
    big, small = penalty_file(ROWS), penalty_file(SMALL)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, url in _engines(Path(tmp)):
            remove_sqlite_files(Path(tmp), "ingest.db")
            ingest = _run("ingest", url, big)
            remove_sqlite_files(Path(tmp), "ingest.db")
            bare = _run("bare", url, big)
            results.append(
                Result(
                    f"ingest {ROWS:,} 行政处罚 rows, {label}",
                    "rows/s",
                    ingest["rows"] / ingest["seconds"],
                    "bare bulk insert of the same parsed rows",
                    bare["rows"] / bare["seconds"],
                )
            )
            if label == "SQLite":
                remove_sqlite_files(Path(tmp), "ingest.db")
                smaller = _run("ingest", url, small)
                results.append(
                    Result(
                        f"peak memory, ingest of {ROWS:,} rows, {label}",
                        "MB",
                        ingest["max_rss_mb"],
                        f"peak memory, ingest of {SMALL:,} rows",
                        smaller["max_rss_mb"],
                    )
                )
    return results
