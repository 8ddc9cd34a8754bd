#!/usr/bin/env bash
# Fuzzes the JSON API against its own OpenAPI document with schemathesis (PyPI): no 5xx, and
# every answer must match the document (status codes, content types, headers, bodies).
#
#   scripts/api-fuzz.sh
#
# Starts visanav on a fresh SQLite database in a temporary directory, adds an account and a
# read-write token with the command line (`visanav user add`, `visanav user token`), seeds a
# case for it, and runs `schemathesis run BASE/api/v1/openapi.json -H "Authorization: Bearer
# TOKEN"`. schemathesis 4 is installed into the cached virtual environment shared with the
# other Python test helpers ($VISANAV_VENV, default ~/.cache/visanav-venv).
#
# Every check runs but positive_data_acceptance ("schema-valid input must be accepted"): the
# case-file rules (a post, status or document the knowledge base knows; dates not in the
# future and in order) cannot be written in JSON Schema without copying the knowledge base
# into it, so such input is refused with a documented 422 naming each field.
#
# API_FUZZ_MAX_EXAMPLES (default 40) bounds the test cases per operation, and API_FUZZ_SEED
# makes a run repeatable. The report (JUnit XML and the requests of failures) is left in
# $VISANAV_ARTIFACTS/api-fuzz when that is set.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${VISANAV_VENV:-$HOME/.cache/visanav-venv}"
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q 'version 4\.'; then
  echo "api-fuzz: installing schemathesis 4 into $venv" >&2
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'schemathesis>=4,<5'
fi

TARGET="${CARGO_TARGET_DIR:-target}"
cargo build --locked -q -p visanav
BIN="$TARGET/debug/visanav"

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill -INT "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

V=("$BIN" --data-dir "$WORK/data")
EMAIL=fuzz@example.org
"${V[@]}" user add "$EMAIL" >/dev/null
TOKEN=$("${V[@]}" user token "$EMAIL" --scope read,write --days 1 --name schemathesis 2>/dev/null)
[ -n "$TOKEN" ] || { echo "api-fuzz: no token was printed" >&2; exit 1; }
"${V[@]}" --as "$EMAIL" case import examples/k1-manila-221g.toml >/dev/null

"${V[@]}" serve --listen 127.0.0.1:0 >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$WORK/server.out" 2>/dev/null && break
  sleep 0.1
done
BASE=$(sed -n 's#^visanav is listening on \(http://[^ ]*\)/$#\1#p' "$WORK/server.out")
[ -n "$BASE" ] || { echo "api-fuzz: the server did not start" >&2; cat "$WORK/server.err" >&2; exit 1; }

REPORT_DIR="${VISANAV_ARTIFACTS:-$WORK}/api-fuzz"
mkdir -p "$REPORT_DIR"
seed=()
[ -n "${API_FUZZ_SEED:-}" ] && seed=(--seed "$API_FUZZ_SEED")
status=0
# From the work directory: schemathesis keeps a cache of what it found in ./.schemathesis,
# which must not land in the clone (nor replay an old run's cases in CI).
(cd "$WORK" && "$venv/bin/schemathesis" run "$BASE/api/v1/openapi.json" \
  -H "Authorization: Bearer $TOKEN" \
  --checks all \
  --exclude-checks positive_data_acceptance \
  --max-examples "${API_FUZZ_MAX_EXAMPLES:-40}" \
  --workers 2 \
  --request-timeout 30 \
  --generation-database none \
  --no-color \
  --report junit --report-dir "$REPORT_DIR" \
  "${seed[@]}") || status=$?

# A server error leaves its trace in the log; show it with the result.
if grep -q "internal error\|store error\|panicked" "$WORK/server.err"; then
  echo "api-fuzz: the server logged errors:" >&2
  grep "internal error\|store error\|panicked" "$WORK/server.err" | head -20 >&2
  status=1
fi
exit "$status"
