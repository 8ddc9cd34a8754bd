//! What the notice says overall, and how sure the reading is.

use std::collections::BTreeSet;

use super::requests::Acc;
use super::{Confidence, ConfidenceLevel, MentionReason, NoticeKind, RequestSource};

/// The kind and the parts it was made from.
pub(super) fn decide(
    acc: &Acc,
    sections: &[String],
    refusal_words: bool,
) -> (NoticeKind, Vec<NoticeKind>, bool) {
    let mut parts: BTreeSet<NoticeKind> = acc.parts.clone();
    if !acc.requests.is_empty() || !acc.unrecognized.is_empty() || acc.generic_request {
        parts.insert(NoticeKind::DocumentsRequested);
    }
    // Items to bring to a return interview are part of the return, not a second action;
    // documents to send as well (R1 and R2 on one sheet) make it mixed.
    if parts.contains(&NoticeKind::InterviewReturn) && !acc.sent {
        parts.remove(&NoticeKind::DocumentsRequested);
    }
    // "No need to submit any documents", and none read: whatever else it is, it asks for
    // nothing.
    let nothing = acc.nothing_asked && acc.requests.is_empty() && acc.unrecognized.is_empty();
    if nothing {
        parts.remove(&NoticeKind::DocumentsRequested);
    }
    let mut guessed = false;
    if parts.is_empty() && !acc.conditional_parts.is_empty() {
        // "Follow the officer's instructions ... if you were told your case needs
        // administrative processing ...": alternatives the text does not settle, unless it
        // says elsewhere that nothing is asked.
        if !nothing {
            parts.insert(NoticeKind::DocumentsRequested);
        }
        parts.extend(acc.conditional_parts.iter().copied());
        guessed = true;
    }
    if parts.is_empty() && (sections.iter().any(|s| s == "221(g)") || refusal_words) {
        // A 221(g) refusal that says nothing more: most of them ask for documents.
        parts.insert(NoticeKind::DocumentsRequested);
        guessed = true;
    }
    let parts: Vec<NoticeKind> = parts.into_iter().collect();
    let kind = match parts.as_slice() {
        [] => NoticeKind::Unknown,
        [one] => *one,
        _ => NoticeKind::Mixed,
    };
    (kind, parts, guessed)
}

/// How sure the reading is, with the reasons a person should look again.
pub(super) fn confidence(
    acc: &Acc,
    kind: NoticeKind,
    kind_guessed: bool,
    warnings: usize,
) -> Confidence {
    let mut reasons = Vec::new();
    if kind == NoticeKind::Unknown {
        reasons.push("The text does not read as a 221(g) notice.".to_string());
    } else if kind_guessed {
        reasons.push(
            "The notice does not say clearly what happens next; the kind is a best guess."
                .to_string(),
        );
    }
    let please_check = acc
        .mentions
        .iter()
        .filter(|m| {
            matches!(
                m.reason,
                MentionReason::Conditional | MentionReason::Optional
            )
        })
        .count();
    if !acc.unrecognized.is_empty() {
        reasons.push(match acc.unrecognized.len() {
            1 => "1 line looks like a request but names no document visanav knows.".to_string(),
            n => format!("{n} lines look like requests but name no document visanav knows."),
        });
    }
    if please_check > 0 {
        reasons.push(match please_check {
            1 => "1 document is asked for only in some cases or is optional.".to_string(),
            n => format!("{n} documents are asked for only in some cases or are optional."),
        });
    }
    let weak = acc
        .requests
        .iter()
        .filter(|r| r.source == RequestSource::Narrative || r.confidence < 0.8)
        .count();
    if weak > 0 {
        reasons.push(match weak {
            1 => "1 request was read from a sentence or from a mark that did not scan cleanly, \
                  not from a clearly ticked box."
                .to_string(),
            n => format!(
                "{n} requests were read from sentences or from marks that did not scan \
                 cleanly, not from clearly ticked boxes."
            ),
        });
    }
    // Documents named with nothing read about them, and no request read at all, in a notice
    // that should ask for something: the asking may be in words visanav does not know.
    let named_only = acc
        .mentions
        .iter()
        .filter(|m| m.reason == MentionReason::NotAsked)
        .count();
    let asks = matches!(
        kind,
        NoticeKind::DocumentsRequested | NoticeKind::InterviewReturn | NoticeKind::Mixed
    );
    if acc.requests.is_empty() && asks && named_only > 0 {
        reasons.push(match named_only {
            1 => "1 document is named but not read as asked for: check it against the notice."
                .to_string(),
            n => format!(
                "{n} documents are named but none is read as asked for: check them against \
                 the notice."
            ),
        });
    }
    if warnings > 0 {
        reasons.push("See the warnings below.".to_string());
    }
    let level = if kind == NoticeKind::Unknown
        || (kind_guessed && acc.requests.is_empty())
        || acc.unrecognized.len() > acc.requests.len()
    {
        ConfidenceLevel::Low
    } else if reasons.is_empty() {
        ConfidenceLevel::High
    } else {
        ConfidenceLevel::Medium
    };
    Confidence { level, reasons }
}
