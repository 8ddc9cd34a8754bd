//! What a notification says: from an event (its kind and payload, which hold no personal
//! data) and the knowledge base, a message in plain words: what happened, what it means,
//! what to do next, a link to the case, and the not-legal-advice line. Every channel (the
//! in-app list, email, push, webhooks) uses the same words.

use serde_json::Value;

mod consultation;

pub use consultation::{when_text, zone_name};

use crate::NOT_LEGAL_ADVICE;
use crate::knowledge::Knowledge;
use crate::monitor::{CheckError, CheckSource};

/// A message ready for any channel.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rendered {
    /// Short, for a subject line or a push title.
    pub title: String,
    /// What happened, in one or two sentences.
    pub what_happened: String,
    /// What it means, from the knowledge base (when it has something to say).
    pub meaning: Option<String>,
    /// What to do next.
    pub next_steps: Vec<String>,
    /// The case's page.
    pub link: Option<String>,
    pub disclaimer: &'static str,
}

/// The case a message is about, named without personal data ("K-1 case, Manila").
pub fn case_label(visa: Option<&str>, post: Option<&str>, k: &Knowledge) -> String {
    let post = post.map(|code| k.post(code).map_or(code, |p| p.name.as_str()));
    match (visa, post) {
        (Some(v), Some(p)) => format!("{v} case, {p}"),
        (Some(v), None) => format!("{v} case"),
        _ => "Your case".into(),
    }
}

/// Renders an event. `link` is the case page's absolute URL, when there is a case.
pub fn render(
    kind: &str,
    payload: &Value,
    label: &str,
    link: Option<String>,
    k: &Knowledge,
) -> Rendered {
    let text = |key: &str| payload.get(key).and_then(Value::as_str).map(str::to_string);
    let source = text("source")
        .as_deref()
        .and_then(CheckSource::parse)
        .unwrap_or(CheckSource::Ceac);
    let mut out = Rendered {
        title: format!("{label}: something changed"),
        what_happened: format!("Something changed in your {label}."),
        meaning: None,
        next_steps: vec!["Open your case in visanav to see the details.".into()],
        link,
        disclaimer: NOT_LEGAL_ADVICE,
    };
    let change = payload.get("change");
    let change_text = |key: &str| {
        change
            .and_then(|c| c.get(key))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    match kind {
        "status_changed" => {
            let from = change_text("from").unwrap_or_else(|| "unknown".into());
            let to = change_text("to").unwrap_or_else(|| "unknown".into());
            out.title = format!("{label}: status changed to {to}");
            out.what_happened = format!(
                "Your status on {} changed from {from} to {to}.",
                source.display_name()
            );
            status_guidance(&mut out, &to, source, k);
        }
        "last_updated_changed" => {
            let status = change_text("status").unwrap_or_else(|| "unknown".into());
            let to = change_text("to").unwrap_or_default();
            out.title = format!("{label}: case updated on {to}");
            out.what_happened = match change_text("from") {
                Some(from) => format!(
                    "{} shows a new \"last updated\" date for your case: {to} (it was {from}). \
                     The status is still {status}.",
                    source.display_name()
                ),
                None => format!(
                    "{} shows a new \"last updated\" date for your case: {to}. The status is still {status}.",
                    source.display_name()
                ),
            };
            out.meaning = Some(
                "A new date means someone worked on the case that day; it does not say what they \
                 decided. A change of status is what to watch for."
                    .into(),
            );
            if let Some(s) = k.find_status(&status, Some(source.status_source())) {
                out.next_steps = s.next_steps.iter().take(3).cloned().collect();
            }
        }
        "checks_failing" => {
            let error = text("error")
                .as_deref()
                .and_then(CheckError::parse)
                .unwrap_or(CheckError::Unavailable);
            let failures = payload.get("failures").and_then(Value::as_u64).unwrap_or(0);
            out.title = format!("{label}: status checks keep failing");
            out.what_happened = format!(
                "visanav could not check your case on {} {failures} times in a row. {}",
                source.display_name(),
                error.explain(source)
            );
            out.next_steps = vec![format!(
                "You can check it yourself on {} and give visanav the result on your case page.",
                source.display_name()
            )];
        }
        "deadline_approaching" => {
            let title = text("title").unwrap_or_else(|| "A deadline".into());
            let due = text("due").unwrap_or_default();
            let when = in_days(payload);
            out.title = format!("{label}: {title} {when}");
            out.what_happened = format!("{title}: due {when}, on {due}.");
            out.meaning = text("consequence");
            out.next_steps =
                vec!["Open your case's plan in visanav to see what is still missing.".into()];
        }
        "document_expiring" => document_expiring(&mut out, payload, label, k),
        "checklist_complete" => {
            let submitted = payload
                .get("all_submitted")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if submitted {
                out.title = format!("{label}: every requested document is sent");
                out.what_happened =
                    "Every document on your 221(g) checklist is marked as submitted.".into();
                out.next_steps = vec![
                    "Keep the courier or e-mail receipts. Watch your status: after the embassy receives documents, CEAC's \"last updated\" date often changes.".into(),
                ];
            } else {
                out.title = format!("{label}: your checklist is complete");
                out.what_happened =
                    "Every document on your 221(g) checklist is marked as gathered.".into();
                out.next_steps = vec![
                    "Send them the way your embassy asks (your case page shows its instructions and your letter's), before the deadline.".into(),
                ];
            }
        }
        "legal_help_recommended" => {
            let now = text("urgency").as_deref() == Some("now");
            let reasons: Vec<String> = payload
                .get("reasons")
                .and_then(Value::as_array)
                .map(|r| {
                    r.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            out.title = if now {
                format!("{label}: talk to an immigration attorney now")
            } else {
                format!("{label}: time to consider an immigration attorney")
            };
            out.what_happened = if now {
                "What is in your case now is the kind of situation where an immigration attorney should look at it without delay.".into()
            } else {
                "Your case has reached a point where advice from an immigration attorney would help soon.".into()
            };
            if !reasons.is_empty() {
                out.meaning = Some(format!("Why: {}.", reasons.join("; ")));
            }
            out.next_steps = vec![
                "Open your case in visanav: its \"When to get legal help\" section says why, and how to find an attorney.".into(),
            ];
        }
        kind if kind.starts_with("consultation_") => consultation::render(&mut out, kind, payload),
        _ => {}
    }
    out
}

/// A document's reminder: it expires, or a new one is needed by a day (it will not be valid
/// long enough for what the case still needs). Named by the catalogue's name only.
fn document_expiring(out: &mut Rendered, payload: &Value, label: &str, k: &Knowledge) {
    let text = |key: &str| payload.get(key).and_then(Value::as_str);
    let document = text("subject").and_then(|id| k.document(id));
    let name = document
        .map(|d| d.name.as_str())
        .or(text("title"))
        .unwrap_or("document")
        .to_lowercase();
    let due = text("due").unwrap_or_default();
    let when = in_days(payload);
    if text("kind") == Some("renew_by") {
        out.title = format!("{label}: have a new {name} by {due}");
        out.what_happened = format!(
            "The {name} recorded for this case will not be valid long enough for what the case \
             still needs: have a new one by {due} ({when})."
        );
    } else {
        out.title = format!("{label}: the {name} expires {when}");
        out.what_happened = format!("The {name} recorded for this case expires {when}, on {due}.");
    }
    out.meaning = document
        .and_then(|d| d.validity.as_ref())
        .map(|v| v.rule.clone());
    out.next_steps = vec![
        format!("If the {name} is still needed, apply for a new one now: it can take weeks."),
        format!("When you have it, add the new {name}'s dates to your case in visanav."),
    ];
}

/// "today", "tomorrow" or "in 12 days", from the payload's `days_left`.
fn in_days(payload: &Value) -> String {
    match payload
        .get("days_left")
        .and_then(Value::as_i64)
        .unwrap_or(0)
    {
        0 => "today".to_string(),
        1 => "tomorrow".to_string(),
        n => format!("in {n} days"),
    }
}

/// What the knowledge base says about a status: its meaning and first next steps.
fn status_guidance(out: &mut Rendered, status: &str, source: CheckSource, k: &Knowledge) {
    if let Some(s) = k.find_status(status, Some(source.status_source())) {
        out.meaning = Some(s.meaning.clone());
        out.next_steps = s.next_steps.iter().take(3).cloned().collect();
    }
}

impl Rendered {
    #[cfg(test)]
    fn blank() -> Rendered {
        Rendered {
            title: String::new(),
            what_happened: String::new(),
            meaning: None,
            next_steps: Vec::new(),
            link: None,
            disclaimer: NOT_LEGAL_ADVICE,
        }
    }

    /// The plain-text body (email, push).
    pub fn text(&self) -> String {
        let mut body = format!("{}\n", self.what_happened);
        if let Some(meaning) = &self.meaning {
            body.push_str(&format!("\nWhat it means: {meaning}\n"));
        }
        if !self.next_steps.is_empty() {
            body.push_str("\nWhat to do next:\n");
            for step in &self.next_steps {
                body.push_str(&format!("- {step}\n"));
            }
        }
        if let Some(link) = &self.link {
            let what = if link.contains("/consult") {
                "The consultation"
            } else {
                "Your case"
            };
            body.push_str(&format!("\n{what}: {link}\n"));
        }
        body.push_str(&format!("\n{}\n", self.disclaimer));
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn k() -> Knowledge {
        Knowledge::embedded().expect("knowledge")
    }

    #[test]
    fn a_status_change_says_what_it_means_and_what_to_do() {
        let k = k();
        let payload = json!({"source": "ceac", "change": {"kind": "status_changed", "from": "Refused", "to": "Issued"}});
        let label = case_label(Some("K-1"), Some("MNL"), &k);
        assert_eq!(label, "K-1 case, Manila");
        let r = render(
            "status_changed",
            &payload,
            &label,
            Some("https://v.example/cases/1".into()),
            &k,
        );
        assert_eq!(r.title, "K-1 case, Manila: status changed to Issued");
        assert!(r.what_happened.contains("from Refused to Issued"), "{r:?}");
        let issued = k.find_status("Issued", None).expect("issued");
        assert_eq!(r.meaning.as_deref(), Some(issued.meaning.as_str()));
        assert!(!r.next_steps.is_empty());
        let text = r.text();
        assert!(text.contains("https://v.example/cases/1"));
        assert!(text.contains(NOT_LEGAL_ADVICE));
        assert!(
            !text.contains("status_changed"),
            "no internal names: {text}"
        );
    }

    #[test]
    fn failing_checks_and_reminders_read_as_sentences() {
        let k = k();
        let failing = render(
            "checks_failing",
            &json!({"source": "ceac", "failures": 3, "error": "unavailable"}),
            "K-1 case, Manila",
            None,
            &k,
        );
        assert!(
            failing.what_happened.contains("3 times in a row"),
            "{failing:?}"
        );
        let reminder = render(
            "deadline_approaching",
            &json!({"title": "Send the requested documents", "due": "2026-12-30", "days_left": 30, "consequence": "The case may be terminated."}),
            "K-1 case, Manila",
            None,
            &k,
        );
        assert_eq!(
            reminder.title,
            "K-1 case, Manila: Send the requested documents in 30 days"
        );
        assert_eq!(
            reminder.meaning.as_deref(),
            Some("The case may be terminated.")
        );
    }

    #[test]
    fn a_document_reminder_says_which_document_and_what_to_do() {
        let k = k();
        let passport = k.document("passport").expect("passport");
        let expiring = render(
            "document_expiring",
            &json!({"kind": "expiry", "subject": "passport", "title": "Passport", "due": "2031-07-31", "days_left": 30, "lead_days": 30}),
            "K-1 case, Manila",
            Some("https://v.example/cases/1".into()),
            &k,
        );
        assert_eq!(
            expiring.title,
            "K-1 case, Manila: the passport expires in 30 days"
        );
        assert_eq!(
            expiring.what_happened,
            "The passport recorded for this case expires in 30 days, on 2031-07-31."
        );
        assert_eq!(
            expiring.meaning.as_deref(),
            passport.validity.as_ref().map(|v| v.rule.as_str()),
            "what it means comes from the document catalogue"
        );
        assert!(expiring.next_steps[0].contains("apply for a new one"));
        let text = expiring.text();
        assert!(text.contains("https://v.example/cases/1") && text.contains(NOT_LEGAL_ADVICE));
        assert!(!text.contains("document_expiring") && !text.contains("renew_by"));

        let renew = render(
            "document_expiring",
            &json!({"kind": "renew_by", "subject": "passport", "title": "Passport", "due": "2026-01-10", "days_left": 1, "lead_days": 1}),
            "K-1 case, Manila",
            None,
            &k,
        );
        assert_eq!(
            renew.title,
            "K-1 case, Manila: have a new passport by 2026-01-10"
        );
        assert!(
            renew
                .what_happened
                .contains("have a new one by 2026-01-10 (tomorrow)"),
            "{renew:?}"
        );
    }
}
