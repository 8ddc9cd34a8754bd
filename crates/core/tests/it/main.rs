//! Integration tests of the pure core: plan scenarios and the notice reader's labelled sets.

mod notice_score;
mod notices;
mod plan;
mod plan_scenarios;
mod post_day;
