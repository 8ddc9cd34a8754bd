#!/usr/bin/env bash
# Status monitoring under load: N invented K-1 cases watched on CEAC (bench-seed --monitor),
# the fake CEAC status tracker on loopback (`visanav fake-upstream serve`, one wildcard case
# that answers for every case number), and one `visanav worker --once` of a release build
# with the rate limit lifted (sources.ceac.spacing_secs = 0): every check is the whole flow
# (GET the form, GET the captcha, the captcha command, POST, parse, validate, store).
#
#   scripts/monitor-bench.sh [sqlite|postgres]     (default: sqlite)
#
# Environment: CASES (10000), CARGO_TARGET_DIR. The worker reports its own CPU time, its
# children's (the captcha command, run once per check: an external program, not visanav's
# work), its peak resident memory and the wall time; the script divides by the checks done.
# For the memory of a worker tracking 100,000 cases: CASES=100000 CYCLES="first steady"
# (CYCLES picks the cycles to run; the command cycle spawns a process per check).
# Figures and how to read them: docs/benchmarks.md ("Status monitoring").
set -euo pipefail
cd "$(dirname "$0")/.."

WHICH=${1:-sqlite}
CASES=${CASES:-10000}
TARGET="${CARGO_TARGET_DIR:-target}"
cargo build --locked -q --release -p visanav
BIN="$(cd "$TARGET/release" && pwd)/visanav"

WORK=$(mktemp -d)
FAKE_PID=
PGBIN=
PGDIR=
cleanup() {
  [ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null || true
  if [ -n "$PGDIR" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PGDIR"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export VISANAV_DATA_DIR="$WORK/data"
unset VISANAV_DATABASE_URL
if [ "$WHICH" = postgres ]; then
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PGDIR=$(mktemp -d)
  chown postgres "$PGDIR"
  runuser -u postgres -- "$PGBIN/initdb" -D "$PGDIR/data" -A trust -U visanav >/dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w start \
    -o "-p 55499 -k $PGDIR -c listen_addresses=127.0.0.1" >/dev/null
  export VISANAV_DATABASE_URL="postgres://visanav@127.0.0.1:55499/postgres"
fi

cat >"$WORK/cases.toml" <<'TOML'
[ceac]
mode = "normal"
[[ceac.cases]]
kind = "IV"
case_number = "*"
passport = "*"
surname = "*"
status = "Refused"
created = "2025-05-01"
last_updated = "2025-06-02"
message = "A U.S. consular officer has adjudicated and refused your visa application.  Please see the letter you received at the interview."
TOML

"$BIN" fake-upstream serve --cases "$WORK/cases.toml" >"$WORK/fake.out" &
FAKE_PID=$!
for _ in $(seq 50); do grep -q http "$WORK/fake.out" 2>/dev/null && break; sleep 0.1; done
URL=$(grep -o 'http://[0-9.:]*' "$WORK/fake.out")

echo "seeding $CASES watched cases on $WHICH..." >&2
SEED_START=$(date +%s)
"$BIN" bench-seed --cases "$CASES" --members 2 --monitor >/dev/null
echo "seeded in $(( $(date +%s) - SEED_START )) s" >&2

# An interval of 0 makes every case due again for the second cycle (allowed only off the
# real CEAC): the first cycle finds the invented histories out of date (a change per case:
# reading, event, summary), the second finds nothing new, which is the usual case.
#
# The captcha: "fake-upstream" reads the fake's hidden code in process, so the figures are
# visanav's own work (GET, captcha fetch, POST, parse, store); the last cycle uses the
# "command" strategy with `visanav fake-upstream solve` as the external program, to show
# what one process per check adds (reported apart, as the children's CPU).
export VISANAV_CEAC_BASE_URL="$URL" VISANAV_ALLOW_PRIVATE=true VISANAV_CEAC_SPACING_SECS=0 \
  VISANAV_MONITOR_CEAC_EVERY_MINUTES=0 VISANAV_CAPTCHA_COMMAND="$BIN fake-upstream solve"
for CYCLE in ${CYCLES:-first steady steady-command}; do
  case $CYCLE in
    steady-command) export VISANAV_CAPTCHA=command ;;
    *) export VISANAV_CAPTCHA=fake-upstream ;;
  esac
  REPORT=$("$BIN" worker --once)
  echo "$REPORT" >&2
  python3 - "$REPORT" "$CASES" "$WHICH" "$CYCLE" <<'PY'
import json, sys
r = json.loads(sys.argv[1]); n = r["checked"] or 1
print(f"RESULT backend={sys.argv[3]} cycle={sys.argv[4]} cases={sys.argv[2]} checked={r['checked']} "
      f"changes={r['changes']} failures={r['failures']} "
      f"worker_cpu_per_check_ms={r['cpu_ms']/n:.3f} captcha_command_cpu_per_check_ms={r['children_cpu_ms']/n:.3f} "
      f"cpu_sys_share={r['cpu_sys_ms']/max(r['cpu_ms'],1):.2f} "
      f"checks_per_s={r['checked']/(r['wall_ms']/1000):.0f} peak_rss_mb={r['peak_rss_kb']/1024:.1f}")
PY
done
