//! Route tests in process: the real router, a real SQLite store in a temporary directory,
//! requests sent with tower's `oneshot`, no sockets and no binary. Tests that need the
//! binary (start-up, signals, the CLI) live in `crates/cli/tests/it`.

mod access;
mod accounts;
mod api;
mod api_tokens;
mod assisted;
mod bookmarklet;
mod calendar;
mod consult;
mod consult_api;
mod dashboard;
mod harness;
mod monitoring;
mod notices;
mod notifications;
mod pages;
mod portal;
mod routes;
mod story;
mod webhooks;
