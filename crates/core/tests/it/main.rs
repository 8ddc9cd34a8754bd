//! Integration tests of the pure core: plan scenarios and the notice reader's labelled sets.

mod ceac;
mod notice_lessons;
mod notice_score;
mod notices;
mod plan;
mod plan_scenarios;
mod post_day;
