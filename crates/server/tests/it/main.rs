//! Route tests in process: the real router, a real SQLite store in a temporary directory,
//! requests sent with tower's `oneshot`, no sockets and no binary. Tests that need the
//! binary (start-up, signals, the CLI) live in `crates/cli/tests/it`.

mod access;
mod accounts;
mod dashboard;
mod harness;
mod notices;
mod routes;
mod story;
