#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server, then removes the server.
#
#   scripts/with-postgres.sh cargo test --workspace
#
# The server listens on a free port on 127.0.0.1 only, trusts local connections, and lives in
# a temporary directory that is deleted on exit. The command sees its URL in
# VISANAV_TEST_POSTGRES_URL (the storage contract tests and the CLI tests read it).
# Needs the PostgreSQL server binaries (Debian: apt-get install postgresql); as root, the
# server runs as the `postgres` user because initdb refuses to run as root.
set -euo pipefail

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$PGBIN" ] && command -v initdb >/dev/null; then PGBIN=$(dirname "$(command -v initdb)"); fi
if [ -z "$PGBIN" ]; then
  echo "with-postgres: PostgreSQL server binaries not found; install them (Debian: apt-get install postgresql)" >&2
  exit 1
fi

PGDIR=$(mktemp -d)
as_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
  chown postgres "$PGDIR"
  as_pg() { runuser -u postgres -- "$@"; }
fi
PGPORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')

cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PGDIR"
}
trap cleanup EXIT

as_pg "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U visanav >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w start \
  -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off" >/dev/null

export VISANAV_TEST_POSTGRES_URL="postgres://visanav@127.0.0.1:$PGPORT/postgres"
echo "with-postgres: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT" >&2
"$@"
