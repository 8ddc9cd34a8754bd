//! Fake upstreams (filled in by the fake-upstream work).
