//! The 221(g) notice reader: the text of a consulate's refusal sheet or letter in, a typed
//! [`NoticeReading`] out. Pure: no I/O, no clock. Details in `docs/notice-reader.md`.
//!
//! The reading runs in stages, one module each:
//! 1. [`text`]: clean hostile or noisy input; fold text for matching (case, accents, OCR
//!    look-alikes, scripts without spaces).
//! 2. [`layout`]: classify each line (checkbox item with its mark, list item, plain text).
//! 3. [`units`]: group lines into units (an item with its continuation, a list item under a
//!    "please submit the following" heading, a sentence).
//! 4. [`requests`]: in each unit, find the documents named (vocabulary from
//!    `knowledge/notice/*.toml`, [`vocab`]) and decide, with roles, whether each is asked of
//!    this applicant or only mentioned, and why.
//! 5. [`kind`], [`post`], [`date_roles`]: what the notice says overall, which post wrote it
//!    and the dates it holds.

mod date_roles;
mod dates;
mod kind;
mod layout;
mod matcher;
mod post;
mod requests;
mod scope;
mod text;
mod units;
mod vocab;

use serde::{Deserialize, Serialize};

use crate::knowledge::Knowledge;
use layout::{Line, classify_all, split_inline_boxes};
use requests::Acc;
use text::{Folded, sanitize};
use vocab::Vocab;

/// The most text the reader takes (1 MiB). Longer input is refused, not cut.
pub const MAX_NOTICE_BYTES: usize = 1024 * 1024;

/// At most this many characters of a notice line are repeated in a reading.
const MAX_TEXT_CHARS: usize = 300;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum NoticeError {
    #[error(
        "the notice text is {bytes} bytes, more than the {limit} bytes the reader takes; \
         a 221(g) notice is one or two pages: paste only the notice's own text"
    )]
    TooLarge { bytes: usize, limit: usize },
}

/// What a notice says overall.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// The applicant must send or bring documents.
    DocumentsRequested,
    /// The case is in administrative processing.
    AdministrativeProcessing,
    /// The petition goes back to USCIS (a "consular return").
    PetitionReturned,
    /// The applicant must come back for another interview.
    InterviewReturn,
    /// More than one of the above.
    Mixed,
    /// Nothing recognisable: not a notice, or too garbled to read.
    Unknown,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::DocumentsRequested => "documents_requested",
            NoticeKind::AdministrativeProcessing => "administrative_processing",
            NoticeKind::PetitionReturned => "petition_returned",
            NoticeKind::InterviewReturn => "interview_return",
            NoticeKind::Mixed => "mixed",
            NoticeKind::Unknown => "unknown",
        }
    }

    /// The kind in words, for people: "documents requested".
    pub fn label(self) -> &'static str {
        match self {
            NoticeKind::DocumentsRequested => "documents requested",
            NoticeKind::AdministrativeProcessing => "administrative processing",
            NoticeKind::PetitionReturned => "petition returned to USCIS",
            NoticeKind::InterviewReturn => "return for another interview",
            NoticeKind::Mixed => "several things at once",
            NoticeKind::Unknown => "not recognised as a 221(g) notice",
        }
    }
}

/// Where in the notice a request was read.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RequestSource {
    /// A checked box.
    CheckedBox,
    /// An item of a "please submit the following" list.
    ListItem,
    /// A sentence of a letter that asks for the document.
    Narrative,
}

/// One document the notice asks for.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Request {
    /// A document id from the knowledge base's catalogue.
    pub document: String,
    /// The notice's own words for it (the item or sentence), cleaned.
    pub text: String,
    /// ISO code of the country the document is from, when the notice names one (or, for a
    /// police certificate that names none, the post's country: see `country_inferred`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The notice names no country: `country` is the country of the post that wrote it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub country_inferred: bool,
    /// 0 to 1: how sure the reader is (a clearly checked box is surer than a sentence).
    pub confidence: f64,
    pub source: RequestSource,
}

/// A box the officer left unchecked: shown so the reading can be checked, never a request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct UncheckedItem {
    pub text: String,
    pub documents: Vec<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DateRole {
    /// The interview / refusal date.
    Refusal,
    /// The date the letter is dated.
    Letter,
    /// A date something is due by.
    Deadline,
    Other,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FoundDate {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub role: DateRole,
    /// The line it was found in, cleaned.
    pub text: String,
    /// For a numeric date such as `04/03/2025` that reads both ways: the other reading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alternative: Option<String>,
}

/// Everything read from one notice.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct NoticeReading {
    /// INA sections cited, e.g. `["221(g)", "212(a)(4)"]`.
    pub sections: Vec<String>,
    pub kind: NoticeKind,
    /// The parts `kind` was made from (more than one when `kind` is `mixed`).
    pub parts: Vec<NoticeKind>,
    /// CEAC post code, from `--post`, the case number or the embassy's name.
    pub post: Option<String>,
    /// The CEAC case number, when printed on the notice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_number: Option<String>,
    pub requests: Vec<Request>,
    /// Lines that look like requests but name no document the reader knows. Never dropped:
    /// show them to the user.
    pub unrecognized: Vec<String>,
    pub unchecked: Vec<UncheckedItem>,
    /// Documents the notice names without asking for them here, each with the reason: the
    /// evidence for what the reader left out. Conditional and optional ones are for the
    /// user to check.
    #[serde(default)]
    pub mentions: Vec<Mention>,
    pub dates: Vec<FoundDate>,
    /// Submission instructions found in the notice (channel, address, deadline), cleaned.
    pub instructions: Vec<String>,
    /// Things the user should double-check (ambiguous dates, boxes that may not have scanned).
    pub warnings: Vec<String>,
    /// How sure the reading is as a whole, and why.
    #[serde(default)]
    pub confidence: Confidence,
    /// The languages the notice was read as being written in (ISO 639 codes).
    #[serde(default)]
    pub languages: Vec<String>,
}

/// Why a document the notice names is not among its requests.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MentionReason {
    /// "You do not need a new police certificate."
    Negated,
    /// "If you were married before, also submit ...": only in a case the notice does not
    /// settle. The user should check.
    Conditional,
    /// "You may also send ...": optional. The user should check.
    Optional,
    /// A rule for everyone: "all documents in a foreign language must be translated".
    General,
    /// "We have received your birth certificate."
    AlreadyReceived,
    /// "The embassy will keep your passport."
    KeptByPost,
    /// "A translation of your birth certificate": the translation is asked for, not the
    /// document.
    TranslationOf,
    /// "Bring this letter and your passport to the interview": what to carry to the visit.
    Logistics,
    /// Named in a sentence that asks for nothing.
    NotAsked,
}

impl MentionReason {
    /// Whether the user should decide (the notice asks for it only in some cases).
    pub fn needs_check(self) -> bool {
        matches!(self, MentionReason::Conditional | MentionReason::Optional)
    }

    /// Plain words for the preview: why this was not put on the checklist.
    pub fn explain(self) -> &'static str {
        match self {
            MentionReason::Negated => "the notice says it is not needed",
            MentionReason::Conditional => {
                "asked for only in some cases: check whether yours is one"
            }
            MentionReason::Optional => "the notice says you may send it: it is optional",
            MentionReason::General => "a general rule, not a request for this document",
            MentionReason::AlreadyReceived => {
                "the notice says the post already has it, or that yours is still valid"
            }
            MentionReason::KeptByPost => "the notice says the post keeps it",
            MentionReason::TranslationOf => {
                "a translation of it is asked for, not the document itself"
            }
            MentionReason::Logistics => "what to bring to the visit, not a missing document",
            MentionReason::NotAsked => "named, but not asked for",
        }
    }
}

/// A document named but not requested, with the line that says so.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Mention {
    pub document: String,
    pub text: String,
    pub reason: MentionReason,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ConfidenceLevel {
    Low,
    #[default]
    Medium,
    High,
}

impl ConfidenceLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            ConfidenceLevel::Low => "low",
            ConfidenceLevel::Medium => "medium",
            ConfidenceLevel::High => "high",
        }
    }
}

/// How sure the reader is of a whole reading.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Confidence {
    pub level: ConfidenceLevel,
    /// Why it is not higher, in plain words.
    pub reasons: Vec<String>,
}

impl NoticeReading {
    /// The document ids requested, without repeats, in order.
    pub fn document_ids(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in &self.requests {
            if !out.contains(&r.document.as_str()) {
                out.push(&r.document);
            }
        }
        out
    }

    /// Documents asked for only in some cases, or optional: for the user to check.
    pub fn please_check(&self) -> impl Iterator<Item = &Mention> {
        self.mentions.iter().filter(|m| m.reason.needs_check())
    }

    /// [`NoticeReading::please_check`] without the documents the notice also asks for
    /// outright: what a person is shown to tick or not.
    pub fn to_check(&self) -> impl Iterator<Item = &Mention> {
        self.please_check()
            .filter(|m| !self.is_requested(&m.document))
    }

    /// Documents named but not asked for, with why, leaving out those the notice asks for
    /// elsewhere and those the user is to check.
    pub fn not_asked(&self) -> impl Iterator<Item = &Mention> {
        self.mentions
            .iter()
            .filter(|m| !m.reason.needs_check() && !self.is_requested(&m.document))
    }

    fn is_requested(&self, document: &str) -> bool {
        self.requests.iter().any(|r| r.document == document)
    }

    /// What the notice is, in words: its parts' labels, e.g. "documents requested,
    /// administrative processing" (the kind's own label when it has no parts). The CLI and
    /// the preview page show this.
    pub fn kind_label(&self) -> String {
        if self.parts.is_empty() {
            return self.kind.label().to_string();
        }
        self.parts
            .iter()
            .map(|p| p.label())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The date of the interview/refusal, or failing that the date of the letter.
    pub fn refusal_date(&self) -> Option<&FoundDate> {
        self.dates
            .iter()
            .find(|d| d.role == DateRole::Refusal)
            .or_else(|| self.dates.iter().find(|d| d.role == DateRole::Letter))
    }
}

/// The reader, with its phrase indexes built once from the knowledge base.
#[derive(Debug, Clone)]
pub struct NoticeReader {
    vocab: Vocab,
}

/// Countries whose documents write numeric dates month first (03/14/2025). Elsewhere,
/// `04/03/2025` is read day first.
const MONTH_FIRST_COUNTRIES: &[&str] = &["US", "PH", "FM", "PW", "MH", "BZ", "CA"];

/// Reads a notice with a reader built for this call. Build a [`NoticeReader`] once to read
/// many notices.
pub fn read_notice(
    knowledge: &Knowledge,
    text: &str,
    post_hint: Option<&str>,
) -> Result<NoticeReading, NoticeError> {
    NoticeReader::new(knowledge).read(text, post_hint)
}

/// A term as the reader compares it (folded), for checks that two wordings are the same.
pub fn fold_key(term: &str) -> String {
    let f = Folded::new(&term.replace(crate::knowledge::GAP, " "));
    let mut out = String::with_capacity(f.chars.len() + 4);
    for (i, c) in f.chars.iter().enumerate() {
        if i > 0 && f.starts[i] {
            out.push(' ');
        }
        out.push(*c);
    }
    out
}

/// What the notice's units ask for and name, and the parts of the notice they show.
fn requests_in(
    v: &Vocab,
    langs: vocab::Langs,
    lines: &[&str],
    classified: &[Line],
    form: bool,
) -> Acc {
    let units = units::units(v, langs, classified, form);
    let mut acc = Acc {
        fuzzy_left: requests::MAX_FUZZY_UNITS,
        ..Acc::default()
    };
    for unit in &units {
        requests::analyse(v, langs, unit, &mut acc);
    }
    requests::settle(&mut acc);
    // Ho Chi Minh City prints "R2" at the top of the sheet for a return appointment.
    if lines.iter().any(|line| line.trim() == "R2") {
        acc.parts.insert(NoticeKind::InterviewReturn);
    }
    acc
}

/// A checklist where no box was read as checked: the marks may not have scanned.
fn unread_checklist(acc: &Acc, form: bool) -> Option<String> {
    let nothing_read = !acc
        .requests
        .iter()
        .any(|r| r.source == RequestSource::CheckedBox)
        && !acc.unchecked.is_empty()
        && acc.parts.is_empty()
        && acc.unrecognized.is_empty();
    (form && nothing_read).then(|| {
        "The notice has a checklist but no box was read as checked. If it is a scan or \
         photo, the marks may not have come through: check the notice yourself."
            .to_string()
    })
}

/// A police certificate with no country named is, by default, the one from the country
/// the applicant is interviewed in; the reading says it was inferred.
fn police_country_from_post(requests: &mut [Request], country: &str) {
    for r in requests
        .iter_mut()
        .filter(|r| r.document == "police_certificate" && r.country.is_none())
    {
        r.country = Some(country.to_string());
        r.country_inferred = true;
    }
}

/// The INA sections the notice cites. A ground next to an unticked box ("[ ] Section
/// 212(a)(4)") is not cited.
fn cited_sections(lines: &[&str], classified: &[Line]) -> Vec<String> {
    let cited: Vec<&str> = lines
        .iter()
        .zip(classified)
        .filter(|(_, c)| !c.all_unchecked())
        .map(|(l, _)| layout::cut_unchecked(l))
        .collect();
    dates::find_sections(&cited.join("\n"), 10)
}

impl NoticeReader {
    pub fn new(k: &Knowledge) -> NoticeReader {
        NoticeReader {
            vocab: Vocab::new(k),
        }
    }

    /// Reads one notice. `post_hint` (a CEAC post code) wins over what the text says.
    /// Reads a notice for a known case: the post the notice names wins, so that a notice
    /// from another post shows as such; the case's post serves when the notice names none.
    pub fn read_for_case(
        &self,
        input: &str,
        case_post: &str,
    ) -> Result<NoticeReading, NoticeError> {
        let own = self.read(input, None)?;
        if own.post.is_some() {
            return Ok(own);
        }
        self.read(input, Some(case_post))
    }

    pub fn read(&self, input: &str, post_hint: Option<&str>) -> Result<NoticeReading, NoticeError> {
        if input.len() > MAX_NOTICE_BYTES {
            return Err(NoticeError::TooLarge {
                bytes: input.len(),
                limit: MAX_NOTICE_BYTES,
            });
        }
        let v = &self.vocab;
        let (clean, had_html) = sanitize(input);
        let lines: Vec<&str> = split_inline_boxes(units::unquote(clean.lines().collect()));
        // The whole text, folded once: for its languages and its refusal words.
        let whole = Folded::new(&clean);
        let langs = v.detect(&whole);
        let mut warnings = Vec::new();
        if had_html {
            warnings.push("The text held HTML markup; it was removed before reading.".to_string());
        }

        let classified: Vec<Line> = classify_all(&lines);
        let marked_lines = classified
            .iter()
            .filter(|l| matches!(l, Line::Marked { .. }))
            .count();
        let form = marked_lines >= 2;
        let mut acc = requests_in(v, langs, &lines, &classified, form);
        if let Some(w) = unread_checklist(&acc, form) {
            warnings.push(w);
        }

        let (post, case_number) = post::find_post(v, langs, &lines, post_hint);
        let post_country = post.as_deref().and_then(|code| v.post_country(code));
        if let Some(country) = post_country {
            police_country_from_post(&mut acc.requests, country);
        }
        let month_first = post_country.map(|c| MONTH_FIRST_COUNTRIES.contains(&c));
        // Dates and sections from the whole thread, quoted messages included.
        let all = units::dequote(clean.lines());
        let whole_flags = v.flags(&whole, langs);
        let says_day = whole_flags & (vocab::cue::YESTERDAY | vocab::cue::TODAY) != 0;
        let dates = date_roles::read_dates(v, langs, says_day, &all, month_first, &mut warnings);
        // The same lines, already classified, unless quoted messages were left out of them.
        let sections = if all.len() == lines.len() {
            cited_sections(&lines, &classified)
        } else {
            cited_sections(&all, &classify_all(&all))
        };
        let refusal_words = whole_flags & vocab::cue::REFUSAL != 0;
        let (kind, parts, guessed) = kind::decide(&acc, &sections, refusal_words);
        let confidence = kind::confidence(&acc, kind, guessed, warnings.len());
        Ok(NoticeReading {
            sections,
            kind,
            parts,
            post,
            case_number,
            requests: acc.requests,
            unrecognized: acc.unrecognized,
            unchecked: acc.unchecked,
            mentions: acc.mentions,
            dates,
            instructions: acc.instructions,
            warnings,
            confidence,
            languages: v.language_codes(langs),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k() -> Knowledge {
        Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn kind_labels_are_words_for_every_part() {
        let r = read_notice(
            &k(),
            "Refused under Section 221(g).\n[X] Police certificate\n\
             [X] Your case requires further administrative processing.\n",
            None,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.kind, NoticeKind::Mixed, "{r:?}");
        assert_eq!(
            r.kind_label(),
            "documents requested, administrative processing"
        );
        let none = NoticeReading {
            parts: vec![],
            kind: NoticeKind::Unknown,
            ..r
        };
        assert_eq!(none.kind_label(), "not recognised as a 221(g) notice");
        assert_eq!(
            NoticeKind::PetitionReturned.label(),
            "petition returned to USCIS"
        );
    }

    fn requested(text: &str) -> Vec<String> {
        let r = read_notice(&k(), text, None).unwrap_or_else(|e| panic!("{e}"));
        let mut ids: Vec<String> = r.requests.iter().map(|q| q.document.clone()).collect();
        ids.sort();
        ids
    }

    #[test]
    fn a_question_asks_about_a_document_not_for_it() {
        let thread = "Refused under Section 221(g).\n\
            Please send a police certificate issued within the last six months.\n\n\
            -----Original Message-----\n\
            Do I need to send my passport and my birth certificate again?\n";
        assert_eq!(requested(thread), ["police_certificate"]);
    }

    #[test]
    fn a_passport_that_remains_at_the_post_is_not_asked_for() {
        let text = "Refused under Section 221(g). Your case is in administrative processing. \
            Your passport will remain at the Consulate until processing is complete.";
        assert!(requested(text).is_empty());
    }

    #[test]
    fn a_ticked_item_may_add_a_condition_of_its_own_even_through_ocr() {
        // OCR reads the capital I of "If" as a small L; the condition still starts a sentence.
        let slip = "Refused under Section 221(g).\n\
            [X] NBl clearance, issued within the last 12 months. lf your clearance has a \
            HIT, also submit the court records of the case.\n";
        let r = read_notice(&k(), slip, None).unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<&str> = r.requests.iter().map(|q| q.document.as_str()).collect();
        assert_eq!(ids, ["police_certificate"], "{r:?}");
        assert!(
            r.mentions
                .iter()
                .any(|m| m.document == "court_records" && m.reason == MentionReason::Conditional),
            "{r:?}"
        );
    }

    #[test]
    fn saying_nothing_more_is_asked_settles_the_kind() {
        // CEAC's "Refused" text offers documents or administrative processing; the applicant's
        // own words say nothing is asked.
        let pasted = "Application Receipt Status: Refused\n\
            A U.S. consular officer has adjudicated and refused your visa application. Please \
            follow any instructions provided by the consular officer. If you were informed by \
            the consular officer that your case was refused for administrative processing, your \
            case will remain refused while undergoing such processing.\n\
            The officer said there is no need to submit any more documents.\n";
        let r = read_notice(&k(), pasted, None).unwrap_or_else(|e| panic!("{e}"));
        assert!(r.requests.is_empty(), "{r:?}");
        assert_eq!(r.kind, NoticeKind::AdministrativeProcessing, "{r:?}");
    }

    #[test]
    fn a_ticked_section_is_not_a_document() {
        let slip = "Your application is refused under:\n[X] Section 221(g)\n\
            [ ] Section 214(b)\nPlease submit:\n[X] Police Clearance\n";
        assert_eq!(requested(slip), ["police_certificate"]);
    }

    #[test]
    fn a_question_in_brackets_does_not_end_the_request() {
        // A chat: "they ask for an I-134 from a joint sponsor (can your mum?) with her tax
        // return and bank statements".
        let chat = "[14/05/25 11:42] Vale: amor ya salí, me dieron la hoja del 221(g)\n\
            [14/05/25 11:43] Vale: piden un I-134 de un copatrocinador (tu mamá puede?) con \
            la declaración de impuestos de ella del último año y extractos bancarios de los \
            últimos 6 meses\n";
        // Without the bracket rule the sentence "ended" at the question mark, and the I-134
        // before it read as asked about, not for.
        assert!(requested(chat).contains(&"i134_support".to_string()));
    }

    #[test]
    fn a_cue_word_inside_a_documents_name_is_the_name() {
        // "Catatan" (a note: a general remark) is part of the Indonesian police certificate's
        // name.
        let letter = "Permohonan visa K-1 Anda ditolak berdasarkan Pasal 221(g). Mohon serahkan:\n\
            1. SKCK (Surat Keterangan Catatan Kepolisian) dari Mabes Polri untuk keperluan ke \
            luar negeri.\n";
        assert_eq!(requested(letter), ["police_certificate"]);
    }

    #[test]
    fn a_return_interview_date_is_not_the_refusal_date() {
        let letter = "Kinshasa, le 25 septembre 2025\n\
            À l'issue de votre entretien de ce jour, votre demande de visa a été refusée au \
            titre de la section 221(g). Vous êtes convoquée à un second entretien le 30 octobre \
            2025 à 8 h 00.\n";
        let r = read_notice(&k(), letter, None).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(
            r.refusal_date().map(|d| d.date.as_str()),
            Some("2025-10-30"),
            "{:?}",
            r.dates
        );
    }

    #[test]
    fn only_checked_boxes_are_requests() {
        let r = read_notice(
            &k(),
            "Section 221(g)\n[X] Police certificate from Japan\n[ ] Birth certificate\n",
            None,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.document_ids(), vec!["police_certificate"]);
        assert_eq!(r.requests[0].country.as_deref(), Some("JP"));
        assert_eq!(r.unchecked[0].documents, vec!["birth_certificate"]);
        assert_eq!(r.kind, NoticeKind::DocumentsRequested);
        assert_eq!(r.sections, vec!["221(g)"]);
    }

    #[test]
    fn what_to_check_and_what_was_left_out_skip_requested_documents() {
        let r = read_notice(
            &k(),
            "Refused under Section 221(g).\n[X] Police certificate\n\n\
             If you were married before, also submit the divorce decree. You do not need a new \
             medical exam. A police certificate is not needed from Canada.\n",
            None,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let check: Vec<&str> = r.to_check().map(|m| m.document.as_str()).collect();
        assert_eq!(check, vec!["prior_marriage_termination"]);
        let left: Vec<&str> = r.not_asked().map(|m| m.document.as_str()).collect();
        assert_eq!(left, vec!["medical_exam"], "{:?}", r.mentions);
    }

    #[test]
    fn oversize_is_refused() {
        let big = "a".repeat(MAX_NOTICE_BYTES + 1);
        assert!(matches!(
            read_notice(&k(), &big, None),
            Err(NoticeError::TooLarge { .. })
        ));
    }
}
