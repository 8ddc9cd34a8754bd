//! "What should I do today?": the plan's answer in one sentence, for the top of a case page,
//! the dashboard and messages. It is the first open next step (the steps are already in the
//! order to do them, an attorney first when one is needed now) with its date.

use serde::Serialize;

use super::dates::days_between;
use super::{Plan, Stage};
use crate::knowledge::Urgency;

/// The one-sentence answer, and whether it cannot wait.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Today {
    pub sentence: String,
    /// True when an attorney is needed now or the step's date is within a week or past.
    pub urgent: bool,
}

impl Plan<'_> {
    /// What the person should do today, in one sentence.
    pub fn what_to_do_today(&self) -> Today {
        let Some(step) = self.next_steps.iter().find(|s| !s.done) else {
            return Today {
                sentence: nothing_to_do(self.stage).to_string(),
                urgent: false,
            };
        };
        let attorney_now = self.legal_help.urgency == Urgency::Now;
        let Some(by) = &step.by else {
            return Today {
                sentence: format!("{}.", step.step),
                urgent: attorney_now,
            };
        };
        let days = days_between(self.today, by.date);
        let when = match days {
            d if d < 0 => format!("the date for it, {}, has passed", by.date),
            0 => "today is the last day".to_string(),
            1 => format!("by tomorrow, {}", by.date),
            d => format!("by {} ({d} days left)", by.date),
        };
        Today {
            sentence: format!("{}: {when}.", step.step),
            urgent: attorney_now || days <= 7,
        }
    }
}

fn nothing_to_do(stage: Stage) -> &'static str {
    match stage {
        Stage::VisaIssued | Stage::InTheUs => {
            "Nothing needs you today: every step of this plan is done."
        }
        _ => {
            "Nothing needs you today. Check your status again in a few days, and add what it says."
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::casefile::{CaseFile, Format};
    use crate::knowledge::Knowledge;
    use crate::plan::plan;

    const EXAMPLE: &str = include_str!("../../../../examples/k1-manila-221g.toml");

    fn today_on(date: &str) -> super::Today {
        let k = Knowledge::embedded().expect("knowledge");
        let d = date.parse().expect("date");
        let case = CaseFile::parse(EXAMPLE, Format::Toml, &k, d).expect("example");
        plan(&case, &k, d).what_to_do_today()
    }

    #[test]
    fn the_first_open_step_with_its_date_and_days_left() {
        let early = today_on("2025-06-10");
        assert!(early.sentence.contains("2026-06-02"), "{early:?}");
        assert!(early.sentence.contains("days left"), "{early:?}");
        assert!(early.sentence.ends_with('.'));
    }

    #[test]
    fn a_passed_window_is_urgent_and_says_so() {
        let late = today_on("2026-11-30");
        assert!(late.urgent, "{late:?}");
        assert!(!late.sentence.contains("days left"), "{late:?}");
    }
}
