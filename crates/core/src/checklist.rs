//! From a notice reading, corrected by the person who holds the letter, to the refusal
//! episode and checklist stored with a case.

use jiff::civil::Date;

use crate::casefile::Refusal;
use crate::knowledge::Knowledge;
use crate::notice::NoticeReading;

/// What the user changed after seeing the reading.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Corrections {
    /// The refusal date, when the reader found none or found the wrong one.
    pub refused_on: Option<Date>,
    /// Document ids the reader missed.
    pub add: Vec<String>,
    /// Document ids the reader got wrong.
    pub remove: Vec<String>,
    /// When set, exactly these documents are requested (the web form sends the full list).
    pub only: Option<Vec<String>>,
}

/// Builds the refusal to store. `fallback_on` is used when neither the user nor the notice
/// gives a date (the case's interview date). Every problem is reported, naming the input.
pub fn refusal_from_reading(
    reading: &NoticeReading,
    corrections: &Corrections,
    knowledge: &Knowledge,
    fallback_on: Option<Date>,
    today: Date,
) -> Result<Refusal, Vec<String>> {
    let mut problems = Vec::new();
    let found = reading
        .refusal_date()
        .and_then(|d| d.date.parse::<Date>().ok());
    let on = corrections.refused_on.or(found).or(fallback_on);
    match on {
        None => problems.push(
            "no refusal date was found in the notice and the case has no interview date; \
             give the date on the letter (--refused-on YYYY-MM-DD)"
                .to_string(),
        ),
        Some(d) if d > today => problems.push(format!(
            "the refusal date {d} is in the future (today is {today}); check the date"
        )),
        _ => {}
    }
    let check = |id: &str, problems: &mut Vec<String>| -> bool {
        if knowledge.document(id).is_some() {
            return true;
        }
        let hint = knowledge.suggest_documents(id);
        let hint = if hint.is_empty() {
            String::new()
        } else {
            format!("; did you mean {}?", hint.join(", "))
        };
        problems.push(format!("{id:?} is not a document id in the catalogue{hint} (`visanav knowledge documents` lists them)"));
        false
    };
    let mut requested: Vec<String> = match &corrections.only {
        Some(only) => only
            .iter()
            .filter(|id| check(id, &mut problems))
            .cloned()
            .collect(),
        None => reading
            .document_ids()
            .into_iter()
            .map(str::to_string)
            .collect(),
    };
    for id in &corrections.remove {
        if check(id, &mut problems) {
            requested.retain(|r| r != id);
        }
    }
    for id in &corrections.add {
        if check(id, &mut problems) && !requested.contains(id) {
            requested.push(id.clone());
        }
    }
    requested.dedup();
    let sections = if reading.sections.is_empty() {
        vec!["221(g)".to_string()]
    } else {
        reading.sections.clone()
    };
    match (problems.is_empty(), on) {
        (true, Some(on)) => Ok(Refusal {
            on,
            sections,
            requested,
            submitted_on: None,
            notes: None,
        }),
        _ => Err(problems),
    }
}

/// What is kept with a stored notice: the reading as the reader produced it, and what the
/// person confirmed after correcting it.
pub fn confirmed_reading_json(reading: &NoticeReading, refusal: &Refusal) -> String {
    serde_json::json!({
        "reading": reading,
        "confirmed": { "refused_on": refusal.on, "requested": refusal.requested },
    })
    .to_string()
}

/// The 221(g) deadline a notice sets: the last day to send what it asks for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticeDeadline {
    /// The last day to send what was asked for without a new application (`YYYY-MM-DD`).
    pub date: String,
    /// The refusal (or letter) date it counts from.
    pub from: String,
    pub rule: String,
    /// The date has gone by (judged against `today`).
    pub passed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertain: Option<String>,
}

/// The 221(g) deadline for the notice's refusal (or letter) date, when the notice asks for
/// something; the date itself is [`crate::plan::reconsideration_deadline`].
pub fn notice_deadline(k: &Knowledge, r: &NoticeReading, today: Date) -> Option<NoticeDeadline> {
    use crate::notice::NoticeKind;
    // Only a notice that asks for something has a window to send it in.
    let asks = r.parts.iter().any(|p| {
        matches!(
            p,
            NoticeKind::DocumentsRequested | NoticeKind::InterviewReturn
        )
    });
    if !asks {
        return None;
    }
    let found = r.refusal_date()?;
    let rule = k.rule(crate::plan::RECONSIDERATION_WINDOW_RULE)?;
    let from: Date = found.date.parse().ok()?;
    let date = crate::plan::reconsideration_deadline(from, k)?;
    Some(NoticeDeadline {
        date: date.to_string(),
        from: found.date.clone(),
        rule: rule.title.clone(),
        passed: date < today,
        uncertain: rule.uncertain.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notice::{DateRole, FoundDate, NoticeKind, Request, RequestSource};

    fn reading(docs: &[&str], date: Option<&str>) -> NoticeReading {
        NoticeReading {
            sections: vec![],
            kind: NoticeKind::DocumentsRequested,
            parts: vec![NoticeKind::DocumentsRequested],
            post: Some("MNL".into()),
            case_number: None,
            requests: docs
                .iter()
                .map(|d| Request {
                    document: d.to_string(),
                    text: d.to_string(),
                    country: None,
                    country_inferred: false,
                    confidence: 1.0,
                    source: RequestSource::CheckedBox,
                })
                .collect(),
            unrecognized: vec![],
            unchecked: vec![],
            mentions: vec![],
            dates: date
                .map(|d| FoundDate {
                    date: d.into(),
                    role: DateRole::Refusal,
                    text: d.into(),
                    alternative: None,
                })
                .into_iter()
                .collect(),
            instructions: vec![],
            warnings: vec![],
            confidence: Default::default(),
            languages: vec!["en".into()],
        }
    }

    fn d(s: &str) -> Date {
        s.parse().expect("date")
    }

    #[test]
    fn reading_with_corrections_becomes_a_refusal() {
        let k = Knowledge::embedded().expect("k");
        let r = reading(
            &["police_certificate", "photos", "police_certificate"],
            Some("2025-06-02"),
        );
        let c = Corrections {
            add: vec!["i134_support".into()],
            remove: vec!["photos".into()],
            ..Default::default()
        };
        let refusal = refusal_from_reading(&r, &c, &k, None, d("2025-07-01")).expect("ok");
        assert_eq!(refusal.on, d("2025-06-02"));
        assert_eq!(refusal.sections, ["221(g)"]);
        assert_eq!(refusal.requested, ["police_certificate", "i134_support"]);
        let only = Corrections {
            only: Some(vec!["ds5535".into()]),
            refused_on: Some(d("2025-06-03")),
            ..Default::default()
        };
        let refusal = refusal_from_reading(&r, &only, &k, None, d("2025-07-01")).expect("ok");
        assert_eq!(
            (refusal.on, refusal.requested),
            (d("2025-06-03"), vec!["ds5535".to_string()])
        );
    }

    #[test]
    fn problems_name_the_input() {
        let k = Knowledge::embedded().expect("k");
        let r = reading(&["police_certificate"], None);
        let c = Corrections {
            add: vec!["police_certficate".into()],
            ..Default::default()
        };
        let errs = refusal_from_reading(&r, &c, &k, None, d("2025-07-01")).expect_err("bad");
        assert!(
            errs.iter().any(|e| e.contains("no refusal date")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.contains("\"police_certficate\"") && e.contains("police_certificate")),
            "{errs:?}"
        );
        let late = refusal_from_reading(
            &reading(&[], Some("2025-08-01")),
            &Corrections::default(),
            &k,
            None,
            d("2025-07-01"),
        );
        assert!(
            late.expect_err("future")
                .iter()
                .any(|e| e.contains("in the future"))
        );
        let fallback = refusal_from_reading(
            &r,
            &Corrections::default(),
            &k,
            Some(d("2025-05-05")),
            d("2025-07-01"),
        );
        assert_eq!(fallback.expect("fallback").on, d("2025-05-05"));
    }
}
