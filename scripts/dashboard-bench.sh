#!/usr/bin/env bash
# The firm dashboard under load: 10,000 cases shared with a firm of 50 members, a release
# build of `visanav serve`, a real session (sign-in link + TOTP code, as a member signs in),
# and Debian's wrk at about 200 requests/s against the dashboard's first page, a filtered
# dashboard, a name search and a case page. On SQLite and on PostgreSQL.
#
#   scripts/dashboard-bench.sh [sqlite|postgres|both]    (default: both)
#
# Environment: CASES (10000), MEMBERS (50), RUN_SECONDS per run (30), CONNECTIONS (23),
# DELAY_MS (think time per connection between requests, 100: 23 connections x at most 10/s,
# less the time each request takes, is about 200/s; the achieved rate is reported),
# CARGO_TARGET_DIR.
# Needs wrk (apt-get install -y wrk), python3, curl, and for PostgreSQL the server binaries.
# Figures and how to read them: docs/benchmarks.md ("Firm dashboard").
set -euo pipefail
cd "$(dirname "$0")/.."

WHICH=${1:-both}
CASES=${CASES:-10000}
MEMBERS=${MEMBERS:-50}
SECONDS_PER_RUN=${RUN_SECONDS:-30}
CONNECTIONS=${CONNECTIONS:-23}
DELAY_MS=${DELAY_MS:-100}
command -v wrk >/dev/null || { echo "dashboard-bench: wrk not found; apt-get install -y wrk" >&2; exit 1; }

TARGET="${CARGO_TARGET_DIR:-target}"
cargo build --locked -q --release -p visanav
BIN="$TARGET/release/visanav"

WORK=$(mktemp -d)
SERVER_PID=
PGBIN=
PGDIR=
PGURL=
cleanup() {
  [ -n "$SERVER_PID" ] && kill -INT "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  if [ -n "$PGDIR" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PGDIR"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

cat >"$WORK/session.lua" <<'LUA'
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
local think = tonumber(os.getenv("BENCH_DELAY_MS") or "100")
function delay() return think end
done = function(summary, latency, requests)
  local s = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.1f rate=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f errors=%d\n",
    summary.requests, s, summary.requests / s,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
LUA

# RFC 6238 code for a base32 secret (SHA-1, 6 digits, 30 s), as an authenticator app shows.
totp() {
  python3 - "$1" <<'PY'
import base64, hmac, struct, sys, time
key = base64.b32decode(sys.argv[1] + "=" * (-len(sys.argv[1]) % 8))
mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), "sha1").digest()
o = mac[-1] & 15
print("%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000))
PY
}

# A throwaway PostgreSQL server (as the `postgres` user: initdb refuses root); sets PGURL.
start_postgres() {
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$PGBIN" ] || { echo "dashboard-bench: PostgreSQL server binaries not found" >&2; exit 1; }
  PGDIR=$(mktemp -d) && chown postgres "$PGDIR"
  local port
  port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
  runuser -u postgres -- "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U visanav >/dev/null
  # Default durability settings (fsync on): the case page writes an audit row per view.
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w start \
    -o "-p $port -k $PGDIR -c listen_addresses=127.0.0.1" >/dev/null
  PGURL="postgres://visanav@127.0.0.1:$port/postgres"
}

# Runs wrk against one path; prints "name RESULT ...".
load() {
  local name=$1 path=$2
  local out shown
  shown=$(curl -s -H "Cookie: $COOKIE" "$BASE$path" | grep -c 'name="case"' || true)
  [ "$path" = "${path#/firms/}" ] || echo "$name: $shown cases on the page"
  out=$(BENCH_COOKIE="$COOKIE" BENCH_DELAY_MS="$DELAY_MS" \
    wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s "$WORK/session.lua" "$BASE$path")
  echo "$out" | grep -q "Non-2xx" && { echo "dashboard-bench: $name answered errors:"; echo "$out"; }
  echo "$name $(echo "$out" | grep '^RESULT')"
}

bench() {
  local backend=$1
  local data="$WORK/data-$backend"
  local args=(--data-dir "$data")
  if [ "$backend" = postgres ]; then
    start_postgres
    args+=(--database-url "$PGURL")
  fi
  echo "== $backend: seeding $CASES cases, $MEMBERS members"
  "$BIN" "${args[@]}" bench-seed --cases "$CASES" --members "$MEMBERS" >"$WORK/seed.out" 2>"$WORK/seed.err"
  local firm member secret sample
  firm=$(sed -n 's/^firm=//p' "$WORK/seed.out")
  member=$(sed -n 's/^member=//p' "$WORK/seed.out")
  secret=$(sed -n 's/^totp_secret=//p' "$WORK/seed.out")
  sample=$(sed -n 's/^sample_case=//p' "$WORK/seed.out")
  echo "seeded in $(sed -n 's/^seconds=//p' "$WORK/seed.out") s"

  "$BIN" "${args[@]}" serve --listen 127.0.0.1:0 >"$WORK/server.out" 2>"$WORK/server.err" &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    grep -q "summary sweep done" "$WORK/server.err" 2>/dev/null && break
    sleep 0.1
  done
  BASE=$(sed -n 's#^visanav is listening on \(http://[^ ]*\)/$#\1#p' "$WORK/server.out")
  [ -n "$BASE" ] || { echo "dashboard-bench: server did not start"; cat "$WORK/server.err"; exit 1; }
  echo "start-up sweep: $(grep -o 'cases=[0-9]* which=All ms=[0-9]*' "$WORK/server.err" | head -1)"

  # Sign in as a member: a one-time link (first factor), then the TOTP code (second).
  local token jar="$WORK/cookies-$backend" form_token csrf
  token=$("$BIN" "${args[@]}" user link "$member" | sed -n 's/.*token=\([^ ]*\).*/\1/p')
  form_token=$(curl -s -c "$jar" "$BASE/sign-in/link?token=$token" | sed -n 's/.*name="form_token" value="\([^"]*\)".*/\1/p')
  curl -s -b "$jar" -c "$jar" -o /dev/null -H 'Sec-Fetch-Site: same-origin' \
    --data-urlencode "form_token=$form_token" --data-urlencode "token=$token" "$BASE/sign-in/link"
  csrf=$(curl -s -b "$jar" "$BASE/sign-in/code" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p')
  curl -s -b "$jar" -c "$jar" -o /dev/null -H 'Sec-Fetch-Site: same-origin' \
    --data-urlencode "csrf=$csrf" --data-urlencode "code=$(totp "$secret")" "$BASE/sign-in/code"
  COOKIE="visanav=$(awk '$6 == "visanav" {print $7}' "$jar" | tail -1)"
  local dash="/firms/$firm/dashboard"
  local rows
  rows=$(curl -s -H "Cookie: $COOKIE" "$BASE$dash" | grep -c 'name="case"' || true)
  [ "$rows" = 50 ] || { echo "dashboard-bench: the signed-in dashboard shows $rows rows, not 50"; exit 1; }

  local filtered="$dash?urgency=soon&due=120&assignee=none"
  local search="$dash?q=nunez+maria"
  # Warm up (caches, connection pools), then measure.
  BENCH_COOKIE="$COOKIE" BENCH_DELAY_MS="$DELAY_MS" wrk -t2 -c"$CONNECTIONS" -d5s -s "$WORK/session.lua" "$BASE$dash" >/dev/null
  load "$backend dashboard-first-page" "$dash"
  load "$backend dashboard-filtered" "$filtered"
  load "$backend dashboard-name-search" "$search"
  load "$backend case-page" "/cases/$sample"
  echo "$backend server peak memory: $(grep VmHWM /proc/$SERVER_PID/status)"
  kill -INT "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

echo "visanav $("$BIN" --version) · $(nproc) cores · wrk -t2 -c$CONNECTIONS, ${DELAY_MS} ms think time, ${SECONDS_PER_RUN} s per run"
case "$WHICH" in
  sqlite) bench sqlite ;;
  postgres) bench postgres ;;
  both) bench sqlite; bench postgres ;;
  *) echo "usage: $0 [sqlite|postgres|both]" >&2; exit 2 ;;
esac
