//! The notice-reader corpus test (see crates/core/tests/notices/).
