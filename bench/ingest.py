"""Ingest throughput: a large 行政处罚 CSV into SQLite and PostgreSQL, beside a bare bulk insert
of the same already-parsed rows into a copy of the records table, measured in the same run.
Each run is its own process, so its peak memory is its own.

On SQLite it also shows the two halves of an ingest apart, each against the cost below it:
reading and validating the file, storing nothing, against reading it alone; and the bare
insert into a copy that keeps only the business key's unique index (the least an atomic,
idempotent store can keep) against the copy with every index. An ingest does both halves
on the machine's cores at once, so it cannot be faster than the slower of them.
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
# The bound is for a file this large (500 MB): a smaller file hid the sorter holding
# every index key of the batch (1,000,000 rows: 394 MB; 5,000,000: 571 MB).
LARGE = int(os.environ.get("BENCH_INGEST_MEMORY_ROWS", "5000000"))


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


def _halves(bare: dict[str, float], keyed: dict[str, float]) -> list[Result]:
    """Validation alone against reading alone; the keyed insert against the full one."""
    read = bare["rows_read"]
    return [
        Result(
            f"read and validate {ROWS:,} rows, nothing stored",
            "rows/s",
            read / (bare["read_seconds"] + bare["validate_seconds"]),
            "reading the same file alone",
            read / bare["read_seconds"],
        ),
        Result(
            "bare bulk insert, business-key index only, SQLite",
            "rows/s",
            keyed["rows"] / keyed["seconds"],
            "bare bulk insert, every index",
            bare["rows"] / bare["seconds"],
        ),
    ]


def run() -> list[Result]:
    """rows/s against the bare insert, and the peak memory of a large file's ingest against
    a small one's."""
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
                keyed = _run("keyed", url, big)
                results += _halves(bare, keyed)
                remove_sqlite_files(Path(tmp), "ingest.db")
                smaller = _run("ingest", url, small)
                remove_sqlite_files(Path(tmp), "ingest.db")
                larger = _run("ingest", url, penalty_file(LARGE)) if LARGE != ROWS else ingest
                results.append(
                    Result(
                        f"peak memory, ingest of {LARGE:,} rows, {label}",
                        "MB",
                        larger["max_rss_mb"],
                        f"peak memory, ingest of {SMALL:,} rows",
                        smaller["max_rss_mb"],
                    )
                )
    return results
