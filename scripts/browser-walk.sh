#!/usr/bin/env bash
# Issue 11's walk in a real headless Chromium at phone and desktop widths (tests/browser/walk.mjs):
# sign up with a real SMTP server, add a case, read a 221(g) letter, work the checklist, share
# with the demo firm; the demo attorney signs in with TOTP and works the dashboard.
#
#   scripts/browser-walk.sh
#
# Starts its own SMTP sink (scripts/with-smtp-sink.sh) and `visanav serve --demo` on a temporary
# data directory. Needs Debian's chromium and Node.js (playwright-core from npm, cached; never a
# browser download). Screenshots land in $VISANAV_ARTIFACTS (default: a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${VISANAV_TEST_SMTP_URL:-}" ]; then
  exec scripts/with-smtp-sink.sh "$0" "$@"
fi

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "browser-walk: $CHROMIUM not found; install Debian's chromium package" >&2; exit 1; }
NPM_DIR="${VISANAV_NPM_CACHE:-$HOME/.cache/visanav-npm}"
mkdir -p "$NPM_DIR"
if [ ! -d "$NPM_DIR/node_modules/playwright-core" ]; then
  (cd "$NPM_DIR" && npm init -y >/dev/null 2>&1 && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --silent playwright-core@1 >/dev/null)
fi

TARGET="${CARGO_TARGET_DIR:-target}"
cargo build --locked -q -p visanav
BIN="$TARGET/debug/visanav"

WORK=$(mktemp -d)
ARTIFACTS="${VISANAV_ARTIFACTS:-$WORK/screenshots}"
mkdir -p "$ARTIFACTS"
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill -INT "$SERVER_PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK/data"; }
trap cleanup EXIT

VISANAV_SMTP_URL="$VISANAV_TEST_SMTP_URL" VISANAV_SMTP_FROM="visanav@example.org" RUST_LOG=warn \
  "$BIN" --data-dir "$WORK/data" serve --demo --listen 127.0.0.1:0 >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 1 200); do
  grep -q "Press Ctrl-C" "$WORK/server.out" 2>/dev/null && break
  sleep 0.1
done
BASE=$(sed -n 's#^visanav is listening on \(http://[^ ]*\)/$#\1#p' "$WORK/server.out")
[ -n "$BASE" ] || { echo "browser-walk: server did not start"; cat "$WORK/server.err"; exit 1; }
FIRM_CODE=$(sed -n 's/^Firm code (an applicant enters it to share a case): //p' "$WORK/server.out")
ATTORNEY=$(sed -n 's#^Attorney: *\([^ ]*\) / password \(.*\)$#\1#p' "$WORK/server.out")
PASSWORD=$(sed -n 's#^Attorney: *\([^ ]*\) / password \(.*\)$#\2#p' "$WORK/server.out")
TOTP=$(sed -n 's/.*second-factor key \([A-Z2-7]*\) .*/\1/p' "$WORK/server.out")

NODE_PATH="$NPM_DIR/node_modules" CHROMIUM="$CHROMIUM" BASE="$BASE" ARTIFACTS="$ARTIFACTS" \
  SMTP_DIR="$VISANAV_TEST_SMTP_DIR" FIRM_CODE="$FIRM_CODE" ATTORNEY="$ATTORNEY" PASSWORD="$PASSWORD" TOTP="$TOTP" \
  node tests/browser/walk.mjs
echo "browser-walk: screenshots in $ARTIFACTS"
