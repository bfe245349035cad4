#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL cluster: a temp dir, a free loopback port,
# removed afterwards whatever happens. Exports XINYONG_TEST_POSTGRES_URL for the command.
set -euo pipefail
bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$bindir/initdb" ] || { echo "PostgreSQL server binaries not found: run scripts/system-deps.sh" >&2; exit 1; }
dir="$(mktemp -d /tmp/xinyong-pg.XXXXXX)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  # initdb refuses to run as root: the cluster belongs to the postgres system user.
  chown postgres "$dir"
  as_owner=(runuser -u postgres --)
fi
cleanup() {
  "${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM
"${as_owner[@]}" "$bindir/initdb" -D "$dir/data" -U xinyong -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null
"$bindir/createdb" -h 127.0.0.1 -p "$port" -U xinyong xinyong_test
export XINYONG_TEST_POSTGRES_URL="postgresql+psycopg://xinyong@127.0.0.1:$port/xinyong_test"
echo "throwaway PostgreSQL on 127.0.0.1:$port"
"$@"
