//! What the storage tests share.

/// The test PostgreSQL server (`VISANAV_TEST_POSTGRES_URL`, set by scripts/with-postgres.sh).
/// Without it the PostgreSQL legs are skipped with a note, except under CI (`CI=true`), where a
/// skipped leg would let a broken PostgreSQL path pass unseen: there it is a failure.
pub fn test_postgres_url() -> Option<String> {
    if let Ok(url) = std::env::var("VISANAV_TEST_POSTGRES_URL")
        && !url.is_empty()
    {
        return Some(url);
    }
    if std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1") {
        panic!(
            "VISANAV_TEST_POSTGRES_URL is not set, and CI=true: the PostgreSQL tests must run in CI. \
             Run the tests under scripts/with-postgres.sh (for example \
             `scripts/with-postgres.sh cargo test -p visanav-store`), which starts a throwaway \
             PostgreSQL and sets VISANAV_TEST_POSTGRES_URL"
        );
    }
    eprintln!(
        "VISANAV_TEST_POSTGRES_URL not set: PostgreSQL leg skipped \
         (run under scripts/with-postgres.sh; CI requires it)"
    );
    None
}
