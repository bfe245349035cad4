"""`make bench`: run every benchmark and print each figure beside its baseline."""

from __future__ import annotations

from bench import audit, identity, ingest
from bench.common import report

if __name__ == "__main__":
    results = identity.run() + audit.run() + ingest.run()
    report(results)
