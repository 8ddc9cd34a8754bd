//! Does a notice fit the case it is about to be saved to? Both the web flow and
//! `visanav notice apply` ask the same two questions before saving, and answer them here.

use jiff::civil::Date;

use crate::casefile::CaseFile;
use crate::ids::CeacCaseNumber;
use crate::notice::NoticeReading;

/// Ways a notice looks like it belongs to another case: shown to the person, who decides.
pub fn other_case_signs(reading: &NoticeReading, case: &CaseFile) -> Vec<String> {
    let mut signs = Vec::new();
    if let (Some(read), Some(own)) = (&reading.case_number, &case.ceac_case_number) {
        let same = CeacCaseNumber::parse(read).is_ok_and(|r| r == *own);
        if !same {
            signs.push(format!(
                "The notice gives case number {read}; this case's number is {own}."
            ));
        }
    }
    if let Some(post) = &reading.post
        && !post.eq_ignore_ascii_case(&case.post)
    {
        signs.push(format!(
            "The notice is from post {post}; this case is at post {}.",
            case.post
        ));
    }
    signs
}

/// The refusal the case records and the date a notice is being saved with, when they
/// differ: the same refusal with a corrected date, or a new refusal? Only the person knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateConflict {
    pub recorded: Date,
    pub notice: Date,
}

pub fn date_conflict(case: &CaseFile, notice_date: Date) -> Option<DateConflict> {
    let recorded = case.refusal.as_ref()?.on;
    (recorded != notice_date).then_some(DateConflict {
        recorded,
        notice: notice_date,
    })
}
