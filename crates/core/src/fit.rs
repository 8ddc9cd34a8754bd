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

/// Which refusal a notice is about, as the person answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Episode {
    /// The refusal the case records (its date corrected to the notice's; notes kept).
    Same,
    /// A new refusal (for example a second 221(g) after resubmitting).
    New,
}

/// The person's answers to the two questions asked before a notice is saved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Answers {
    /// "This notice is for this case", despite signs that it is another's.
    pub this_case: bool,
    /// Which refusal it is about; needed only when the dates differ.
    pub episode: Option<Episode>,
}

/// A question still unanswered, which stops the notice from being saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unanswered {
    /// The notice may be another case's: these signs say so.
    OtherCase(Vec<String>),
    /// The notice's date differs from the recorded refusal's: same refusal or a new one?
    WhichRefusal(DateConflict),
}

/// Whether a notice saved with refusal date `refused_on` may be saved to `case` with these
/// answers, and if so into which episode. The web pages, the API and `visanav notice read
/// --apply` all ask here, each in its own words.
pub fn check_answers(
    reading: &NoticeReading,
    case: &CaseFile,
    refused_on: Date,
    answers: Answers,
) -> Result<Episode, Unanswered> {
    let signs = other_case_signs(reading, case);
    if !signs.is_empty() && !answers.this_case {
        return Err(Unanswered::OtherCase(signs));
    }
    match (date_conflict(case, refused_on), answers.episode) {
        (_, Some(e)) => Ok(e),
        (None, None) => Ok(Episode::Same),
        (Some(c), None) => Err(Unanswered::WhichRefusal(c)),
    }
}
