"""联合奖惩核查 on the big city (bench/city.py): the lists recomputed over every record, then
single checks over HTTP on loopback under load (wrk, several connections) beside a bare
endpoint of the same server in the same run, and a 10,000-code batch check beside the
bare SQL lookup of the same codes."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import func, select, text

from bench.city import ACTOR, log, sqlite_city
from bench.common import Result
from xinyong.accounts import service as accounts
from xinyong.accounts import tokens
from xinyong.accounts.models import ApiKey
from xinyong.accounts.schemas import ApiKeyCreate
from xinyong.audit import service as audit
from xinyong.catalog.loader import get_catalog
from xinyong.core.db import Database, create_db_engine, refresh_statistics
from xinyong.core.security import Role
from xinyong.identity.models import Subject
from xinyong.lists.definitions import get_lists
from xinyong.lists.models import ListEntry
from xinyong.lists.service import recompute
from xinyong.sanctions.models import Check, CheckHit

DURATION = os.environ.get("XINYONG_BENCH_CHECK_SECONDS", "10")
# Check and bare endpoint alternate, and each figure is the median of its rounds: on this
# shared machine the same code measured 946 and 1,854 checks/s an hour apart.
ROUNDS = int(os.environ.get("XINYONG_BENCH_CHECK_ROUNDS", "3"))
# Not counted: a new server's first seconds read the city from disk into its caches. Its
# first round was mostly the worst (p99 15-19 ms against 9-13 ms after, in A/B runs), which
# made the median of three the worse of the two warm rounds.
WARMUP = os.environ.get("XINYONG_BENCH_CHECK_WARMUP_SECONDS", "5")
CONNECTIONS = 8
# One process, and one per core as docs/operations.md advises (or only the count given).
CORES = os.cpu_count() or 1
PROCESSES = (
    [int(os.environ["XINYONG_BENCH_CHECK_WORKERS"])]
    if os.environ.get("XINYONG_BENCH_CHECK_WORKERS")
    else sorted({1, CORES})
)
SAMPLE = 2000
BATCH = 10_000
WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {key}"
local codes = {{{codes}}}
local i = 0
request = function()
  i = i % #codes + 1
  local body = '{{"code":"' .. codes[i] .. '","scenario":"PROCUREMENT","purpose":"bench"}}'
  return wrk.format(nil, nil, nil, body)
end
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


SERIOUS_EVERY = 50  # one penalty in fifty decided as serious (严重): those subjects are listed


def _scan(database: Database) -> float:
    """Seconds for a bare pass over the same records reading the same JSON field."""
    start = time.perf_counter()
    with database.reading() as session:
        session.execute(
            text(
                "SELECT COUNT(*) FROM records WHERE dataset_code IN ('XZCF', 'YZSXZT', 'SXBZXR') "
                "AND json_extract(data, '$.CF_YZCD') = 'serious'"
            )
        ).scalar()
    return time.perf_counter() - start


def _lists(database: Database) -> tuple[float, int]:
    """Mark a share of penalties serious (idempotent), then recompute every list over the
    whole city: seconds, and entries now active."""
    catalog = get_catalog()
    with database.writing() as session:
        session.execute(
            text(
                "UPDATE records SET data = json_set(data, '$.CF_YZCD', 'serious') "
                "WHERE dataset_code = 'XZCF' AND id % :every = 0 "
                "AND json_extract(data, '$.CF_YZCD') IS NOT 'serious'"
            ),
            {"every": SERIOUS_EVERY},
        )
    start = time.perf_counter()
    with database.writing() as session:
        recompute(session, catalog, get_lists(catalog), date.today())
    elapsed = time.perf_counter() - start
    with database.writing() as session:
        refresh_statistics(session)  # as the sweep does after the lists
    with database.reading() as session:
        active = session.scalar(
            select(func.count()).select_from(ListEntry).where(ListEntry.exited_on.is_(None))
        )
    return elapsed, int(active or 0)


def _codes(database: Database) -> list[str]:
    """Codes to check: the listed subjects first (hits), the rest drawn at random."""
    with database.reading() as session:
        listed = list(
            session.scalars(
                select(Subject.code)
                .join(ListEntry, ListEntry.subject_id == Subject.id)
                .where(ListEntry.exited_on.is_(None))
                .limit(SAMPLE // 2)
            )
        )
        top = session.scalar(select(func.max(Subject.id))) or 1
        rng = random.Random(7)
        ids = [rng.randint(1, top) for _ in range(BATCH)]
        others = list(session.scalars(select(Subject.code).where(Subject.id.in_(ids))))
    return listed + others


@dataclass(frozen=True)
class _Mark:
    """Where the city's check log, audit trail and API keys ended before a run."""

    check: int
    hit: int
    key: int
    audit_seq: int
    audit_hash: str


def _mark(database: Database) -> _Mark:
    """Where the logs end now."""
    with database.reading() as session:
        check, hit, key = (
            session.scalar(select(func.max(column))) or 0
            for column in (Check.id, CheckHit.id, ApiKey.id)
        )
        head = session.execute(audit.HEAD).one()
    return _Mark(check, hit, key, head.seq, head.hash)


def _undo(database: Database, mark: _Mark) -> None:
    """Remove what a run wrote after ``mark`` (its checks, their hits and audit entries, its
    API key), in one transaction: the audit trail stays whole, ending where it ended."""
    with database.writing() as session:
        for table, last in (
            ("check_hits", mark.hit),
            ("checks", mark.check),
            ("api_keys", mark.key),
        ):
            session.execute(text(f"DELETE FROM {table} WHERE id > :last"), {"last": last})
        # The trail is append-only for everyone else: its trigger is lifted for this
        # transaction alone, then put back as the migration made it.
        trigger = session.scalar(
            text("SELECT sql FROM sqlite_master WHERE name = 'audit_log_no_delete'")
        )
        session.execute(text("DROP TRIGGER audit_log_no_delete"))
        session.execute(text("DELETE FROM audit_log WHERE seq > :last"), {"last": mark.audit_seq})
        session.execute(text(trigger))
        session.execute(audit.MOVE_HEAD, {"seq": mark.audit_seq, "hash": mark.audit_hash})


@contextmanager
def _leaving_the_city_as_found(database: Database) -> Iterator[None]:
    """Every run measured on the same city. The kept city had logged 10 million checks
    over 86 runs, twice its records, and each check's log landed on cold index pages:
    1,117-1,278 checks/s at a p99 of 14-15 ms, and 1,387-1,790 at 9.7-11.9 ms minutes
    later, once they were removed."""
    mark = _mark(database)
    try:
        yield
    finally:
        _undo(database, mark)


def _warn_of_old_checks(database: Database) -> None:
    """Say so when the city's check log is not empty: a server started on the city by hand
    leaves its checks behind (the bench removes its own), and they slow every later run."""
    with database.reading() as session:
        logged = session.scalar(select(func.count()).select_from(Check)) or 0
    if logged:
        log(
            f"check bench: the city already holds {logged:,} logged checks from runs outside "
            "the bench, and checks are logged onto colder index pages the more it holds (see "
            "_leaving_the_city_as_found): compare runs on an empty log"
        )


def _api_key(database: Database) -> str:
    """A checker's key for the busiest department (made once per run)."""
    with database.writing() as session:
        department = accounts.list_departments(session)[0].code
        _, key = tokens.issue_api_key(
            session,
            ACTOR,
            ApiKeyCreate(name="bench checks", department_code=department, role=Role.CHECKER),
        )
    return key


def _wrk(url: str, script: Path, seconds: str = DURATION) -> tuple[float, float]:
    """Requests per second and p99 latency (ms) of ``url`` under wrk."""
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return rps, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _serve(url: str, port: int, processes: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.check_server", url, str(port), str(processes)]
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return server
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("check server did not start")


def _batch(port: int, key: str, codes: list[str]) -> float:
    """Seconds for a batch check of ``codes``: the median of three (the first of them pays
    for cold pages after the load test)."""
    return statistics.median(_batch_once(port, key, codes) for _ in range(3))


def _batch_once(port: int, key: str, codes: list[str]) -> float:
    """Seconds for one batch check of ``codes``."""
    body = {"codes": codes, "scenario": "PROCUREMENT", "purpose": "bench batch"}
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/checks/batch",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
    return time.perf_counter() - start


def _bare_lookup(url: str, codes: list[str]) -> float:
    """Seconds for the bare SQL lookup of the same codes' subjects and list entries."""
    engine = create_db_engine(url)
    start = time.perf_counter()
    with engine.connect() as connection:
        for at in range(0, len(codes), 1000):
            chunk = codes[at : at + 1000]
            marks = ",".join(f":c{i}" for i in range(len(chunk)))
            connection.execute(
                text(
                    f"SELECT s.id, e.list_code FROM subjects s LEFT JOIN list_entries e "
                    f"ON e.subject_id = s.id AND e.exited_on IS NULL "
                    f"WHERE s.code_type IN ('ric', 'uscc') AND s.code IN ({marks})"
                ),
                {f"c{i}": c for i, c in enumerate(chunk)},
            ).all()
    elapsed = time.perf_counter() - start
    engine.dispose()
    return elapsed


def _singles(port: int, key: str, codes: list[str], processes: int) -> list[Result]:
    """Single checks and the bare endpoint under wrk, on a server of ``processes``."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "check.lua"
        quoted = ",".join(json.dumps(c) for c in codes[:SAMPLE])
        script.write_text(WRK_SCRIPT.format(key=key, codes=quoted))
        check, bare = (
            f"http://127.0.0.1:{port}{path}" for path in ("/api/v1/checks", "/bench/bare")
        )
        for url in (check, bare):
            _wrk(url, script, WARMUP)
        rounds = [(_wrk(check, script), _wrk(bare, script)) for _ in range(ROUNDS)]
    checks, bares = zip(*rounds, strict=True)
    served = f"{processes} process{'es' if processes > 1 else ''}"
    return [
        _median_of_rounds(
            f"single check over HTTP, {CONNECTIONS} connections, {served}, SQLite",
            "req/s",
            [rps for rps, _ in checks],
            "bare endpoint, same server",
            [rps for rps, _ in bares],
        ),
        _median_of_rounds(
            f"single check p99, {served}, SQLite",
            "ms",
            [p99 for _, p99 in checks],
            "bare endpoint p99",
            [p99 for _, p99 in bares],
            lower_is_better=True,
        ),
    ]


def _median_of_rounds(
    name: str,
    unit: str,
    values: list[float],
    baseline_name: str,
    baselines: list[float],
    lower_is_better: bool = False,
) -> Result:
    """A figure measured in rounds: the medians, with the figure's range."""
    return Result(
        f"{name}, median of {len(values)}",
        unit,
        statistics.median(values),
        baseline_name,
        statistics.median(baselines),
        lower_is_better,
        (min(values), max(values)),
    )


def _served(url: str, key: str, codes: list[str]) -> tuple[list[Result], float]:
    """Single checks on a server of each size, and the batch on the last."""
    singles: list[Result] = []
    batch = 0.0
    for processes in PROCESSES:
        port = _free_port()
        server = _serve(url, port, processes)
        try:
            singles += _singles(port, key, codes, processes)
            if processes == PROCESSES[-1]:
                batch = _batch(port, key, codes[:BATCH])
        finally:
            server.terminate()
            server.wait(timeout=30)
    return singles, batch


def run() -> list[Result]:
    """The check figures on the SQLite city."""
    if shutil.which("wrk") is None:
        print("wrk is not installed (scripts/system-deps.sh installs it): check bench skipped")
        return []
    city = sqlite_city()
    database = Database.from_engine(create_db_engine(city.url))
    _warn_of_old_checks(database)
    seconds, active = _lists(database)
    scan = _scan(database)
    records = int(city.figures.get("records", 0)) or 1
    codes = _codes(database)
    with _leaving_the_city_as_found(database):
        key = _api_key(database)
        database.engine.dispose()  # the servers alone use the city while they are measured
        singles, batch = _served(city.url, key, codes)
    database.engine.dispose()
    bare_batch = _bare_lookup(city.url, codes[:BATCH])
    return [
        Result(
            f"lists recomputed over {records:,} records ({active:,} active entries), SQLite",
            "records/s",
            records / seconds,
            "one bare scan of the penalties' severity",
            records / scan,
        ),
        *singles,
        Result(
            f"batch check of {len(codes[:BATCH]):,} codes, SQLite",
            "s",
            batch,
            "bare SQL lookup of the same codes",
            bare_batch,
            lower_is_better=True,
        ),
    ]
