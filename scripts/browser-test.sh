#!/usr/bin/env bash
# Drives visanav's pages in a real headless Chromium at phone size, with Playwright, and runs
# the CEAC bookmarklet on a copy of CEAC's result page served from another origin.
#
#   scripts/browser-test.sh
#
# Needs Debian's chromium (/usr/bin/chromium) and Node.js; installs playwright-core from npm
# into a cache outside the clone (never a browser download). Builds visanav if needed.
# Screenshots land in $VISANAV_ARTIFACTS (default: a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "browser-test: $CHROMIUM not found; install Debian's chromium package" >&2; exit 1; }

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
FAKE_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill -INT "$SERVER_PID" 2>/dev/null
  [ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null
  wait 2>/dev/null || true; rm -rf "$WORK/data"
}
trap cleanup EXIT

# The fake CEAC status tracker (`visanav fake-upstream`), where the example case has moved
# from Refused to Issued: the server checks CEAC there, a person reading the captcha.
cat >"$WORK/fake-cases.toml" <<'TOML'
[ceac]
mode = "normal"
[[ceac.cases]]
kind = "IV"
case_number = "MNL2025512345"
passport = "P1234567A"
surname = "SANTOS"
status = "Issued"
created = "2025-05-01"
last_updated = "2025-06-09"
message = "Your visa is in final processing."
TOML
"$BIN" fake-upstream serve --cases "$WORK/fake-cases.toml" >"$WORK/fake.out" 2>"$WORK/fake.err" &
FAKE_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$WORK/fake.out" 2>/dev/null && break
  sleep 0.1
done
FAKE_URL=$(sed -n 's#^fake upstream listening on \(http://[^ ]*\)$#\1#p' "$WORK/fake.out")
[ -n "$FAKE_URL" ] || { echo "browser-test: the fake upstream did not start"; cat "$WORK/fake.err"; exit 1; }

CASE_ID=$("$BIN" --data-dir "$WORK/data" case import examples/k1-manila-221g.toml --json 2>/dev/null | sed 's/.*"id":"\([^"]*\)".*/\1/')
VISANAV_CEAC_BASE_URL="$FAKE_URL" VISANAV_ALLOW_PRIVATE=true VISANAV_CAPTCHA=manual \
  "$BIN" --data-dir "$WORK/data" serve --listen 127.0.0.1:0 >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$WORK/server.out" 2>/dev/null && break
  sleep 0.1
done
BASE=$(sed -n 's#^visanav is listening on \(http://[^ ]*\)/$#\1#p' "$WORK/server.out")
[ -n "$BASE" ] || { echo "browser-test: server did not start"; cat "$WORK/server.err"; exit 1; }

# A one-time sign-in link for the local account, as `visanav user link` prints it.
TOKEN=$("$BIN" --data-dir "$WORK/data" user link | sed -n 's/.*token=\([^ ]*\).*/\1/p')
SIGN_IN_LINK="$BASE/sign-in/link?token=$TOKEN"

NODE_PATH="$NPM_DIR/node_modules" CHROMIUM="$CHROMIUM" BASE="$BASE" ARTIFACTS="$ARTIFACTS" CASE_ID="$CASE_ID" \
  SIGN_IN_LINK="$SIGN_IN_LINK" \
  node tests/browser/pages.mjs

# The CEAC bookmarklet, run on a copy of CEAC's result page from another origin (pages.mjs
# signed out, so a fresh one-time link signs in again).
TOKEN=$("$BIN" --data-dir "$WORK/data" user link | sed -n 's/.*token=\([^ ]*\).*/\1/p')
NODE_PATH="$NPM_DIR/node_modules" CHROMIUM="$CHROMIUM" BASE="$BASE" ARTIFACTS="$ARTIFACTS" CASE_ID="$CASE_ID" \
  SIGN_IN_LINK="$BASE/sign-in/link?token=$TOKEN" CEAC_FIXTURES=crates/core/tests/fixtures/ceac \
  node tests/browser/bookmarklet.mjs
# A manual CEAC check in the browser (pages.mjs signed out: a new link).
TOKEN=$("$BIN" --data-dir "$WORK/data" user link | sed -n 's/.*token=\([^ ]*\).*/\1/p')
NODE_PATH="$NPM_DIR/node_modules" CHROMIUM="$CHROMIUM" BASE="$BASE" ARTIFACTS="$ARTIFACTS" CASE_ID="$CASE_ID" \
  SIGN_IN_LINK="$BASE/sign-in/link?token=$TOKEN" BIN="$BIN" \
  node tests/browser/checks.mjs
echo "browser-test: screenshots in $ARTIFACTS"
