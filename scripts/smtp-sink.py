#!/usr/bin/env python3
"""A real SMTP server for tests: accepts every message and keeps it in a directory.

    smtp-sink.py --port PORT --dir DIR [--ready FILE]

Listens on 127.0.0.1:PORT (aiosmtpd, no TLS, no authentication: loopback tests only). Each
message received becomes two files in DIR, named by arrival order:

    000001.eml   the message exactly as received (after DATA)
    000001.json  the envelope: {"mail_from": "...", "rcpt_tos": ["..."], "smtputf8": bool}

Both appear whole (written beside, then renamed; the .json last, so a reader that sees the
.json can read both). When listening, it writes FILE (if given). Stops on SIGTERM or SIGINT.
Started by scripts/with-smtp-sink.sh, which also installs aiosmtpd.
"""

import argparse
import json
import os
import signal
import threading

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0
        self.lock = threading.Lock()

    def _write(self, name, data):
        tmp = os.path.join(self.directory, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(self.directory, name))

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        self._write(f"{n:06d}.eml", envelope.original_content or envelope.content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "smtputf8": bool(envelope.smtp_utf8),
        }
        self._write(f"{n:06d}.json", json.dumps(meta, ensure_ascii=False).encode("utf-8"))
        return "250 Message accepted for delivery"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--ready")
    a = p.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    controller = Controller(
        Keep(a.dir), hostname="127.0.0.1", port=a.port, enable_SMTPUTF8=True
    )
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if a.ready:
        with open(a.ready, "w") as f:
            f.write(f"{a.port}\n")
    try:
        stop.wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
