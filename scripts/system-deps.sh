#!/usr/bin/env bash
# Install the Debian packages xinyong needs when they are missing.
#   scripts/system-deps.sh run   — what serving needs: Pango (WeasyPrint's PDF reports) and
#                                  CJK fonts (reports and pages render Chinese)
#   scripts/system-deps.sh       — that, plus what the tests and benchmarks need:
#                                  PostgreSQL (server binaries; clusters are made per run),
#                                  Chromium (browser tests), poppler-utils (PDF checks),
#                                  wrk (the check benchmark's load generator)
set -euo pipefail
need=()
ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1 || need+=(fonts-noto-cjk)
if [ "${1:-all}" != "run" ]; then
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
    command -v chromium >/dev/null 2>&1 || need+=(chromium)
    command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
    command -v wrk >/dev/null 2>&1 || need+=(wrk)  # load generator of the check benchmark
fi
[ ${#need[@]} -eq 0 ] && exit 0
echo "installing system packages: ${need[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
