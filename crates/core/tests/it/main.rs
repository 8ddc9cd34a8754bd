//! Integration tests of the pure core: plan scenarios and the notice-reader corpus.

mod notices;
mod plan;
