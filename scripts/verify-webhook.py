#!/usr/bin/env python3
"""Verifies one captured webhook request with the official Standard Webhooks library
(PyPI `standardwebhooks`), not with visanav's own code.

Reads a JSON object on standard input:
    {"secret": "whsec_...", "headers": {"webhook-id": ..., ...}, "body_base64": "..."}
and exits 0 when the library accepts the request, 1 when it rejects it (the reason on
stderr), 2 when the input is unusable. The body travels as base64 so that the bytes the
receiver got are the bytes checked, byte for byte.

Used by crates/notify/tests/it (when VISANAV_TEST_WEBHOOK_VERIFIER names a python with the
library) and by hand:  python scripts/verify-webhook.py < captured.json
"""
import base64
import json
import sys

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def main() -> int:
    try:
        captured = json.load(sys.stdin)
        secret = captured["secret"]
        headers = {str(k): str(v) for k, v in captured["headers"].items()}
        body = base64.b64decode(captured["body_base64"])
    except (ValueError, KeyError, TypeError) as e:
        print(f"verify-webhook: unusable input: {e!r}", file=sys.stderr)
        return 2
    try:
        Webhook(secret).verify(body, headers)
    except WebhookVerificationError as e:
        print(f"verify-webhook: rejected: {e}", file=sys.stderr)
        return 1
    print("verify-webhook: signature verified by standardwebhooks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
