"""`make bench`: run every benchmark and print each figure beside its baseline."""

from __future__ import annotations

from bench import audit, checks, identity, ingest, portal
from bench.common import report

if __name__ == "__main__":
    results = identity.run() + audit.run() + ingest.run() + portal.run() + checks.run()
    report(results)
