//! visanav's domain: identifiers, the portable case file, and the curated knowledge base.
//!
//! Nothing here touches a database, the network or the clock: callers pass `today` in.

pub mod account;
pub mod calendar;
pub mod casefile;
pub mod ceac;
pub mod checklist;
pub mod consult;
pub mod date;
pub mod fit;
pub mod ids;
pub mod knowledge;
pub mod monitor;
pub mod names;
pub mod notice;
pub mod notify;
pub mod plan;
pub mod reminders;
pub mod summary;
pub mod text;
pub mod uscis;

#[cfg(test)]
mod knowledge_fact_tests;
#[cfg(test)]
mod knowledge_reference_tests;

/// Shown with every piece of guidance visanav gives.
pub const NOT_LEGAL_ADVICE: &str = "visanav gives general information, not legal advice. \
For advice about your case, talk to a licensed immigration attorney.";
