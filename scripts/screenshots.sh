#!/usr/bin/env bash
# Takes the README's pictures: the main pages at a phone's width (360×800) and a desktop's
# (1280×900), signed out and signed in with a sample case, into docs/screenshots/.
#
#   scripts/screenshots.sh            # writes docs/screenshots/*.png
#   FULL=1 scripts/screenshots.sh     # also whole-page pictures in $OUT/full/ (for review)
#
# Same tools as scripts/browser-test.sh: Debian's chromium driven by npm playwright-core
# (never a browser download). The sample case is examples/k1-manila-221g.toml with its dates
# moved so that the refusal was a month ago: the pictures show a case in progress, not one
# whose deadline passed while the example file aged. It also fails when a page scrolls
# sideways on the phone.
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "screenshots: $CHROMIUM not found; install Debian's chromium package" >&2; exit 1; }

NPM_DIR="${VISANAV_NPM_CACHE:-$HOME/.cache/visanav-npm}"
mkdir -p "$NPM_DIR"
if [ ! -d "$NPM_DIR/node_modules/playwright-core" ]; then
  (cd "$NPM_DIR" && npm init -y >/dev/null 2>&1 && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --silent playwright-core@1 >/dev/null)
fi

TARGET="${CARGO_TARGET_DIR:-target}"
cargo build --locked -q -p visanav
BIN="$TARGET/debug/visanav"

OUT="${OUT:-docs/screenshots}"
mkdir -p "$OUT"
WORK=$(mktemp -d)
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill -INT "$SERVER_PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# The example case, every date moved by the same number of days: refused 30 days ago.
python3 - examples/k1-manila-221g.toml "$WORK/case.toml" <<'PY'
import datetime, re, sys
text = open(sys.argv[1]).read()
refused = datetime.date(2025, 6, 2)
shift = (datetime.date.today() - datetime.timedelta(days=30)) - refused
def moved(m):
    return (datetime.date.fromisoformat(m.group(0)) + shift).isoformat()
open(sys.argv[2], "w").write(re.sub(r"\b\d{4}-\d{2}-\d{2}\b", moved, text))
PY

CASE_ID=$("$BIN" --data-dir "$WORK/data" case import "$WORK/case.toml" --json 2>/dev/null | sed 's/.*"id":"\([^"]*\)".*/\1/')
"$BIN" --data-dir "$WORK/data" serve --listen 127.0.0.1:0 >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$WORK/server.out" 2>/dev/null && break
  sleep 0.1
done
BASE=$(sed -n 's#^visanav is listening on \(http://[^ ]*\)/$#\1#p' "$WORK/server.out")
[ -n "$BASE" ] || { echo "screenshots: server did not start"; cat "$WORK/server.err"; exit 1; }
TOKEN=$("$BIN" --data-dir "$WORK/data" user link | sed -n 's/.*token=\([^ ]*\).*/\1/p')

NODE_PATH="$NPM_DIR/node_modules" CHROMIUM="$CHROMIUM" BASE="$BASE" OUT="$OUT" CASE_ID="$CASE_ID" \
  SIGN_IN_LINK="$BASE/sign-in/link?token=$TOKEN" FULL="${FULL:-}" \
  node tests/browser/screenshots.mjs

# The attorney's dashboard, on the demo database (a server of its own).
kill -INT "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true
RUST_LOG=warn "$BIN" --data-dir "$WORK/demo" serve --demo --listen 127.0.0.1:0 >"$WORK/demo.out" 2>"$WORK/demo.err" &
SERVER_PID=$!
for _ in $(seq 1 200); do
  grep -q "Press Ctrl-C" "$WORK/demo.out" 2>/dev/null && break
  sleep 0.1
done
DEMO_BASE=$(sed -n 's#^visanav is listening on \(http://[^ ]*\)/$#\1#p' "$WORK/demo.out")
NODE_PATH="$NPM_DIR/node_modules" CHROMIUM="$CHROMIUM" BASE="$DEMO_BASE" OUT="$OUT" \
  ATTORNEY=$(sed -n 's#^Attorney: *\([^ ]*\) / password .*$#\1#p' "$WORK/demo.out") \
  PASSWORD=$(sed -n 's#^Attorney: *[^ ]* / password \(.*\)$#\1#p' "$WORK/demo.out") \
  TOTP=$(sed -n 's/.*second-factor key \([A-Z2-7]*\) .*/\1/p' "$WORK/demo.out") \
  node tests/browser/dashboard-shots.mjs
# The first demo applicant's status checks (the demo checks a fake CEAC and USCIS).
NODE_PATH="$NPM_DIR/node_modules" CHROMIUM="$CHROMIUM" BASE="$DEMO_BASE" OUT="$OUT" \
  APPLICANT_LINK=$(sed -n 's#^ *sign in as this applicant: \(http[^ ]*\)$#\1#p' "$WORK/demo.out" | head -1) \
  node tests/browser/checks-shots.mjs
