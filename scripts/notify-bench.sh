#!/usr/bin/env bash
# Notifications under load: N invented cases (bench-seed: each shared with a firm, most
# assigned to a member with a verified address), one event per case written straight into
# the outbox, then one `visanav outbox dispatch --once` of a release build against a real
# SMTP server on loopback (Python aiosmtpd, scripts/with-smtp-sink.sh): the reminder sweep
# over every case, the fan-out (in-app entries for the client and the assignee, an email for
# the assignee) and the sending.
#
#   scripts/notify-bench.sh [sqlite|postgres]      (default: sqlite)
#   CHANNEL=webhook scripts/notify-bench.sh        each member gets a webhook endpoint (and no
#                                                  email): signed POSTs to a receiver on loopback
#                                                  (Python's threading HTTP server, answering 204)
#
# Environment: CASES (10000), EVENTS (= CASES), CHANNEL (email|webhook), CARGO_TARGET_DIR. Prints the dispatcher's
# report (reminders, fanned_out, sent, sweep_ms, deliver_ms) and its CPU time and peak memory
# from /usr/bin/time. Figures and how to read them: docs/benchmarks.md ("Notifications").
set -euo pipefail
cd "$(dirname "$0")/.."

WHICH=${1:-sqlite}
CASES=${CASES:-10000}
EVENTS=${EVENTS:-$CASES}
TARGET="${CARGO_TARGET_DIR:-target}"
cargo build --locked -q --release -p visanav
BIN="$(cd "$TARGET/release" && pwd)/visanav"

WORK=$(mktemp -d)
PGBIN=
PGDIR=
cleanup() {
  [ -n "${RECEIVER_PID:-}" ] && kill "$RECEIVER_PID" 2>/dev/null || true
  if [ -n "$PGDIR" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PGDIR"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export VISANAV_DATA_DIR="$WORK/data"
unset VISANAV_DATABASE_URL
SQL=(sqlite3 "$WORK/data/visanav.db")
if [ "$WHICH" = postgres ]; then
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PGDIR=$(mktemp -d)
  chown postgres "$PGDIR"
  runuser -u postgres -- "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U visanav >/dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w start \
    -o "-p 55498 -k $PGDIR -c listen_addresses=127.0.0.1" >/dev/null
  export VISANAV_DATABASE_URL="postgres://visanav@127.0.0.1:55498/postgres"
  SQL=(psql -q "$VISANAV_DATABASE_URL")
fi

CHANNEL=${CHANNEL:-email}
SEED_ARGS=()
RECEIVER_PID=
if [ "$CHANNEL" = webhook ]; then
  python3 - "$WORK/hooks.log" >"$WORK/receiver.out" 2>/dev/null <<'PY' &
import http.server, sys
log = open(sys.argv[1], "a", buffering=1)
class Hook(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        log.write(self.headers.get("webhook-id", "-") + "\n")
        self.send_response(204); self.send_header("content-length", "0"); self.end_headers()
    def log_message(self, *a): pass
# A listen backlog for a batch's connections at once (the default, 5, drops the rest's SYNs
# and they wait a second for TCP to retry).
http.server.ThreadingHTTPServer.request_queue_size = 256
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
  RECEIVER_PID=$!
  for _ in $(seq 50); do [ -s "$WORK/receiver.out" ] && break; sleep 0.1; done
  SEED_ARGS=(--webhook "http://127.0.0.1:$(cat "$WORK/receiver.out")/hook")
  export VISANAV_ALLOW_PRIVATE=true
fi

echo "seeding $CASES cases on $WHICH..." >&2
"$BIN" bench-seed --cases "$CASES" --members 20 "${SEED_ARGS[@]}" >/dev/null
# One "last updated" change per case, as the status checks write them.
"${SQL[@]}" <<SQL
INSERT INTO events (id, case_id, kind, payload, created_ms)
SELECT 'bench-' || id, id, 'last_updated_changed',
       '{"source":"ceac","change":{"kind":"last_updated_changed","status":"Refused","from":"2025-06-02","to":"2025-07-01"}}',
       1764000000000
FROM cases ORDER BY id LIMIT $EVENTS;
SQL

if [ "$CHANNEL" = webhook ]; then
  /usr/bin/time -f "TIME wall_s=%e user_s=%U sys_s=%S peak_rss_kb=%M" "$BIN" outbox dispatch --once 2>&1 | grep -v " INFO \| WARN " | tail -5
  echo "RECEIVED $(wc -l < "$WORK/hooks.log") webhook requests at the receiver"
  exit 0
fi
VISANAV_VENV="${VISANAV_VENV:-$HOME/.cache/visanav-venv}" scripts/with-smtp-sink.sh bash -c '
  set -euo pipefail
  export VISANAV_SMTP_URL="$VISANAV_TEST_SMTP_URL" VISANAV_SMTP_FROM="visanav <noreply@bench.example>"
  /usr/bin/time -f "TIME wall_s=%e user_s=%U sys_s=%S peak_rss_kb=%M" "$0" outbox dispatch --once
  echo "RECEIVED $(ls "$VISANAV_TEST_SMTP_DIR" | grep -c "\.eml$") messages at the SMTP server"
' "$BIN"
