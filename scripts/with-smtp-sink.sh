#!/usr/bin/env bash
# Runs a command with a real SMTP server (Python aiosmtpd) that keeps every message it receives,
# then stops the server.
#
#   scripts/with-smtp-sink.sh cargo test -p visanav-mail --test it
#
# The server listens on a free port on 127.0.0.1 only, without TLS or authentication. The
# command sees:
#   VISANAV_TEST_SMTP_URL  smtp://127.0.0.1:PORT?tls=none   (usable as visanav's smtp.url)
#   VISANAV_TEST_SMTP_DIR  where each message lands: NNNNNN.eml (the raw message) and
#                          NNNNNN.json (envelope sender and recipients), see scripts/smtp-sink.py
# It composes with the other wrappers, e.g. for end-to-end tests that need both servers:
#   scripts/with-postgres.sh scripts/with-smtp-sink.sh cargo test -p visanav --test it
# The directory is deleted on exit unless SMTP_SINK_KEEP=1 (then its path is printed).
# Needs python3 with venv; aiosmtpd is installed from PyPI into a cached virtual environment
# ($VISANAV_VENV, default ~/.cache/visanav-venv), shared with the other Python test helpers.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${VISANAV_VENV:-$HOME/.cache/visanav-venv}"
if ! "$venv/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
  echo "with-smtp-sink: installing aiosmtpd into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q aiosmtpd
fi

SINKDIR=$(mktemp -d)
mkdir "$SINKDIR/mail"
SINKPID=
cleanup() {
  if [ -n "$SINKPID" ]; then
    kill "$SINKPID" 2>/dev/null || true
    wait "$SINKPID" 2>/dev/null || true
  fi
  if [ "${SMTP_SINK_KEEP:-0}" = 1 ]; then
    echo "with-smtp-sink: messages kept in $SINKDIR/mail" >&2
  else
    rm -rf "$SINKDIR"
  fi
}
trap cleanup EXIT

SMTPPORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
"$venv/bin/python" "$root/scripts/smtp-sink.py" --port "$SMTPPORT" --dir "$SINKDIR/mail" \
  --ready "$SINKDIR/ready" 2>"$SINKDIR/log" &
SINKPID=$!
for _ in $(seq 1 100); do
  [ -s "$SINKDIR/ready" ] && break
  if ! kill -0 "$SINKPID" 2>/dev/null; then
    echo "with-smtp-sink: the SMTP server did not start:" >&2
    cat "$SINKDIR/log" >&2
    exit 1
  fi
  sleep 0.1
done
if [ ! -s "$SINKDIR/ready" ]; then
  echo "with-smtp-sink: the SMTP server did not start within 10 seconds:" >&2
  cat "$SINKDIR/log" >&2
  exit 1
fi

export VISANAV_TEST_SMTP_URL="smtp://127.0.0.1:$SMTPPORT?tls=none"
export VISANAV_TEST_SMTP_DIR="$SINKDIR/mail"
echo "with-smtp-sink: aiosmtpd on 127.0.0.1:$SMTPPORT, messages in $VISANAV_TEST_SMTP_DIR" >&2
"$@"
