//! The channels against a real HTTP receiver on loopback, which records every request and
//! answers as the test tells it. The webhook's signature is also checked by the official
//! Standard Webhooks library when `VISANAV_TEST_WEBHOOK_VERIFIER` names a python that has it.

// Helpers outside #[test] functions panic on a broken test set-up, as the tests do.
#![allow(clippy::unwrap_used)]

mod receiver;
mod verifier;

mod ntfy;
mod webhook;
