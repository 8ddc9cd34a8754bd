//! The 221(g) notice reader: the text of a consulate's refusal sheet or letter in, a typed
//! [`NoticeReading`] out. Pure: no I/O, no clock.
//!
//! How it reads (details in `docs/notice-reader.md`):
//! 1. The text is cleaned: HTML tags, terminal escapes, control and invisible characters go.
//! 2. Each line is classified: checkbox items (`[X]`, `☐`, `(x)`, OCR ticks `X`/`v`/`/`...,
//!    several per line in two-column forms), list items, or narrative text, which is joined
//!    into sentences.
//! 3. Document wording from the knowledge base (`notice_terms`) is matched on folded text
//!    (case, accents, OCR look-alikes such as `0`/`O` and `l`/`I` merged; words broken by OCR
//!    rejoined), longest phrase first and on word boundaries.
//! 4. Only checked boxes, items of a "please submit the following" list, and narrative
//!    sentences that ask for something become requests. An unchecked box never does.

mod dates;
mod matcher;
mod text;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::knowledge::Knowledge;
use matcher::{Hit, Matcher};
use text::{Folded, sanitize, tidy};

/// The most text the reader takes (1 MiB). Longer input is refused, not cut.
pub const MAX_NOTICE_BYTES: usize = 1024 * 1024;

/// At most this many characters of a notice line are repeated in a reading.
const MAX_TEXT_CHARS: usize = 300;
const MAX_LIST: usize = 200;
const MAX_INSTRUCTIONS: usize = 20;
const MAX_DATES: usize = 40;
const MAX_FUZZY_UNITS: usize = 10;

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
    /// ISO code of the country the document is from, when the notice names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
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
    pub dates: Vec<FoundDate>,
    /// Submission instructions found in the notice (channel, address, deadline), cleaned.
    pub instructions: Vec<String>,
    /// Things the user should double-check (ambiguous dates, boxes that may not have scanned).
    pub warnings: Vec<String>,
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

    /// The date of the interview/refusal, or failing that the date of the letter.
    pub fn refusal_date(&self) -> Option<&FoundDate> {
        self.dates
            .iter()
            .find(|d| d.role == DateRole::Refusal)
            .or_else(|| self.dates.iter().find(|d| d.role == DateRole::Letter))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Doc(u16),
    Disp(NoticeKind),
}

// Flags: what kind of words a piece of text holds.
const CUE: u32 = 1;
const NEG: u32 = 1 << 1;
const GENERIC: u32 = 1 << 2;
const CHANNEL: u32 = 1 << 3;
const EMBASSY: u32 = 1 << 4;
const REFUSAL_WORD: u32 = 1 << 5;
const DEADLINE_WORD: u32 = 1 << 6;
const DATE_LABEL: u32 = 1 << 7;
const DOC_NOUN: u32 = 1 << 8;
const HEADING: u32 = 1 << 9;

#[rustfmt::skip]
const FLAG_WORDS: &[(u32, &[&str])] = &[
    (
        CUE,
        &[
            "submit",
            "submitted",
            "resubmit",
            "re-submit",
            "provide",
            "bring",
            "send",
            "upload",
            "present",
            "obtain",
            "furnish",
            "complete",
            "fill out",
            "fill in",
            "need",
            "needs",
            "needed",
            "required",
            "requires",
            "require",
            "missing",
            "request",
            "requested",
            "have to",
            "get",
            "take",
            "undergo",
            "redo",
            "presentar",
            "presente",
            "presenten",
            "envie",
            "enviar",
            "entregar",
            "entregue",
            "traer",
            "traiga",
            "proporcionar",
            "proporcione",
            "necesita",
            "necesitamos",
            "requiere",
            "requerido",
            "requerida",
            "requeridos",
            "falta",
            "faltan",
            "debe",
            "isumite",
            "magsumite",
            "ipasa",
            "dalhin",
            "kailangan",
            "ipadala",
            "magdala",
            "nộp",
            "gửi",
            "cung cấp",
            "bổ sung",
            "cần",
            "提交",
            "提供",
            "递交",
            "补交",
            "补充",
            "需要",
        ],
    ),
    (
        NEG,
        &[
            "if",
            "unless",
            "whether",
            "may",
            "might",
            "once",
            "when",
            "do not",
            "don't",
            "dont",
            "does not",
            "not required",
            "not needed",
            "not necessary",
            "no need",
            "no further",
            "no additional",
            "not be",
            "applicants who",
            "applicants whose",
            "some cases",
            "thank you",
            "we have received",
            "has been received",
            "have been received",
            "was received",
            "already submitted",
            "note that",
            "for example",
            "any document",
            "each document",
            "documents not in english",
            "si",
            "puede",
            "pueden",
            "podrá",
            "podría",
            "no es necesario",
            "no se requiere",
            "nếu",
            "如果",
            "kung",
            "hindi na kailangan",
        ],
    ),
    (
        GENERIC,
        &[
            "following",
            "checked",
            "marked",
            "listed",
            "below",
            "above",
            "indicated",
            "requested documents",
            "documents requested",
            "required documents",
            "these documents",
            "the documents",
            "missing documents",
            "any documents",
            "siguientes",
            "marcados",
            "sau đây",
            "以下",
        ],
    ),
    (
        CHANNEL,
        &[
            "courier",
            "2go",
            "dhl",
            "fedex",
            "mail boxes etc",
            "mailboxes etc",
            "drop off",
            "dropoff",
            "drop box",
            "email",
            "e-mail",
            "upload",
            "ceac",
            "ustraveldocs",
            "usvisa-info",
            "submission slip",
            "document submission",
            "submission form",
            "submission letter",
            "citic",
            "thailand post",
            "team stanley",
            "envelope",
            "by mail",
            "by post",
            "trackable mail",
            "in person",
            "document review",
            "address",
            "mensajeria",
            "paqueteria",
            "correo",
            "bưu điện",
            "快递",
            "中信银行",
            "邮寄",
            "within",
            "no later than",
            "deadline",
            "one year",
            "barcode",
            "this letter",
            "scan",
            "pdf",
            "attach",
            "enclose",
            "tracking",
        ],
    ),
    (
        EMBASSY,
        &[
            "embassy",
            "consulate",
            "consulate general",
            "consular section",
            "embajada",
            "consulado",
            "embaixada",
            "embahada",
            "đại sứ quán",
            "lãnh sự quán",
            "大使馆",
            "领事馆",
            "總領事館",
            "領事館",
        ],
    ),
    (
        REFUSAL_WORD,
        &[
            "interview",
            "interviewed",
            "refused",
            "refusal",
            "denied",
            "entrevista",
            "phỏng vấn",
            "面谈",
            "panayam",
        ],
    ),
    (
        DEADLINE_WORD,
        &[
            "by",
            "before",
            "no later than",
            "deadline",
            "until",
            "expire",
            "expires",
            "expiry",
            "antes",
            "hasta",
            "trước",
            "之前",
            "bago",
        ],
    ),
    (DATE_LABEL, &["date", "fecha", "ngày", "日期", "petsa"]),
    (
        DOC_NOUN,
        &[
            "document",
            "certificate",
            "letter",
            "form",
            "evidence",
            "proof",
            "record",
            "copy",
            "copies",
            "statement",
            "report",
            "clearance",
            "transcript",
            "receipt",
            "decree",
            "affidavit",
            "photo",
            "photograph",
            "documento",
            "certificado",
            "constancia",
            "carta",
            "copia",
            "comprobante",
            "giấy",
            "证明",
            "文件",
        ],
    ),
    (
        HEADING,
        &[
            "following",
            "siguientes",
            "sau đây",
            "以下",
            "sumusunod",
            "checklist",
            "documents required",
            "required documents",
        ],
    ),
];

const DISPOSITIONS: &[(NoticeKind, &[&str])] = &[
    (
        NoticeKind::AdministrativeProcessing,
        &[
            "administrative processing",
            "administratively processed",
            "administrative process",
            "procesamiento administrativo",
            "proceso administrativo",
            "tramite administrativo",
            "administratibong pagproseso",
            "xử lý hành chính",
            "行政审查",
            "行政处理",
            "行政程序",
        ],
    ),
    (
        NoticeKind::PetitionReturned,
        &[
            "returned to uscis",
            "return to uscis",
            "returning the petition",
            "returning your petition",
            "return the petition",
            "returned the petition",
            "petition has been returned",
            "petition is being returned",
            "petition will be returned",
            "sent back to uscis",
            "send the petition back",
            "forwarded to uscis",
            "consular return",
            "recommend revocation",
            "recommendation that it be revoked",
            "revocation",
            "devuelta a uscis",
            "devuelta al uscis",
            "devuelto a uscis",
            "trả hồ sơ về uscis",
            "退回移民局",
        ],
    ),
    (
        NoticeKind::InterviewReturn,
        &[
            "return for an interview",
            "return for interview",
            "return for a second interview",
            "return for another interview",
            "second interview",
            "re-interview",
            "reinterview",
            "return to the embassy",
            "return to the consulate",
            "return in person",
            "appear in person",
            "come back for an interview",
            "come back to the embassy",
            "schedule a new appointment",
            "schedule a new interview",
            "schedule another interview",
            "new interview appointment",
            "new interview date",
            "book an appointment",
            "book a new appointment",
            "category 2 appointment",
            "return appointment",
            "nueva entrevista",
            "regresar a una entrevista",
            "presentarse nuevamente",
            "phỏng vấn lại",
            "再次面谈",
        ],
    ),
];

/// A few city names notices use that differ from the CEAC post name.
const POST_ALIASES: &[(&str, &str)] = &[
    ("hcmc", "HCM"),
    ("saigon", "HCM"),
    ("sai gon", "HCM"),
    ("thành phố hồ chí minh", "HCM"),
    ("yangon", "RNG"),
    ("bombay", "BMB"),
    ("juarez", "CDJ"),
    ("ciudad de mexico", "MEX"),
    ("广州", "GUZ"),
];

/// The reader, with its phrase indexes built once from the knowledge base.
#[derive(Debug, Clone)]
pub struct NoticeReader {
    doc_ids: Vec<String>,
    terms: Matcher<Target>,
    flags: Matcher<u32>,
    countries: Matcher<u16>,
    country_codes: Vec<String>,
    posts: Matcher<u16>,
    post_codes: Vec<String>,
    post_countries: Vec<String>,
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

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mark {
    Checked { sure: bool },
    Unchecked,
}

#[derive(Debug)]
enum UnitKind {
    Box(Mark),
    ListItem,
    Sentence,
    /// An e-mail header line ("From:", "Subject:"): says who wrote, never what to send.
    Header,
}

#[derive(Debug)]
struct Unit {
    kind: UnitKind,
    text: String,
}

#[derive(Default)]
struct Acc {
    requests: Vec<Request>,
    unrecognized: Vec<String>,
    unchecked: Vec<UncheckedItem>,
    instructions: Vec<String>,
    parts: BTreeSet<NoticeKind>,
    fuzzy_left: usize,
}

impl NoticeReader {
    pub fn new(k: &Knowledge) -> NoticeReader {
        let doc_ids: Vec<String> = k.documents.iter().map(|d| d.id.clone()).collect();
        // Dispositions first: where a document term says the same ("returned to uscis"),
        // the disposition wins, so it is never read as a request for a document.
        let mut phrases: Vec<(String, Target)> = Vec::new();
        for (kind, words) in DISPOSITIONS {
            for w in *words {
                phrases.push(((*w).to_string(), Target::Disp(*kind)));
            }
        }
        for (i, d) in k.documents.iter().enumerate() {
            let Ok(i) = u16::try_from(i) else { break };
            for t in &d.notice_terms {
                phrases.push((t.clone(), Target::Doc(i)));
            }
        }
        let terms = Matcher::new(phrases);
        let mut flag_all: Vec<(String, u32)> = Vec::new();
        // A phrase can carry several flags: merge them (the matcher keeps the first value).
        for (f, words) in FLAG_WORDS {
            for w in *words {
                if let Some(e) = flag_all.iter_mut().find(|(x, _)| x == w) {
                    e.1 |= *f;
                } else {
                    flag_all.push(((*w).to_string(), *f));
                }
            }
        }
        let flags = Matcher::new(flag_all);
        let mut country_codes = Vec::new();
        let mut country_phrases = Vec::new();
        for c in &k.countries {
            if c.code == "US" {
                continue;
            }
            let Ok(i) = u16::try_from(country_codes.len()) else {
                break;
            };
            country_codes.push(c.code.clone());
            country_phrases.push((c.name.clone(), i));
            for a in &c.aliases {
                country_phrases.push((a.clone(), i));
            }
        }
        let mut post_codes = Vec::new();
        let mut post_countries = Vec::new();
        let mut post_phrases = Vec::new();
        for p in &k.posts {
            if p.country == "US" {
                continue;
            }
            let Ok(i) = u16::try_from(post_codes.len()) else {
                break;
            };
            post_codes.push(p.code.clone());
            post_countries.push(p.country.clone());
            post_phrases.push((p.name.clone(), i));
        }
        for (alias, code) in POST_ALIASES {
            if let Some(i) = post_codes.iter().position(|c| c == code)
                && let Ok(i) = u16::try_from(i)
            {
                post_phrases.push(((*alias).to_string(), i));
            }
        }
        NoticeReader {
            doc_ids,
            terms,
            flags,
            countries: Matcher::plain(country_phrases),
            country_codes,
            posts: Matcher::new(post_phrases),
            post_codes,
            post_countries,
        }
    }

    /// Reads one notice. `post_hint` (a CEAC post code) wins over what the text says.
    pub fn read(&self, input: &str, post_hint: Option<&str>) -> Result<NoticeReading, NoticeError> {
        if input.len() > MAX_NOTICE_BYTES {
            return Err(NoticeError::TooLarge {
                bytes: input.len(),
                limit: MAX_NOTICE_BYTES,
            });
        }
        let (clean, had_html) = sanitize(input);
        let lines: Vec<&str> = clean.lines().collect();
        let mut warnings = Vec::new();
        if had_html {
            warnings.push("The text held HTML markup; it was removed before reading.".to_string());
        }

        let classified: Vec<Line> = lines.iter().map(|l| classify(l)).collect();
        let marked_lines = classified
            .iter()
            .filter(|l| matches!(l, Line::Marked { .. }))
            .count();
        let form = marked_lines >= 2;
        let units = self.units(&classified, form);

        let mut acc = Acc {
            fuzzy_left: MAX_FUZZY_UNITS,
            ..Acc::default()
        };
        for unit in &units {
            self.analyse(unit, &mut acc);
        }
        for line in &lines {
            if line.trim() == "R2" {
                acc.parts.insert(NoticeKind::InterviewReturn);
            }
        }
        if form
            && !acc
                .requests
                .iter()
                .any(|r| r.source == RequestSource::CheckedBox)
            && !acc.unchecked.is_empty()
            && acc.parts.is_empty()
            && acc.unrecognized.is_empty()
        {
            warnings.push(
                "The notice has a checklist but no box was read as checked. If it is a scan or \
                 photo, the marks may not have come through: check the notice yourself."
                    .to_string(),
            );
        }

        let (post, case_number) = self.find_post(&lines, post_hint);
        let month_first = post.as_ref().and_then(|code| {
            let i = self.post_codes.iter().position(|c| c == code)?;
            Some(MONTH_FIRST_COUNTRIES.contains(&self.post_countries[i].as_str()))
        });
        let dates = self.dates(&lines, month_first, &mut warnings);
        let sections = dates::find_sections(&clean, 10);

        if !acc.requests.is_empty() || !acc.unrecognized.is_empty() {
            acc.parts.insert(NoticeKind::DocumentsRequested);
        }
        let parts: Vec<NoticeKind> = acc.parts.iter().copied().collect();
        let kind = match parts.as_slice() {
            [] => NoticeKind::Unknown,
            [one] => *one,
            _ => NoticeKind::Mixed,
        };
        Ok(NoticeReading {
            sections,
            kind,
            parts,
            post,
            case_number,
            requests: acc.requests,
            unrecognized: acc.unrecognized,
            unchecked: acc.unchecked,
            dates,
            instructions: acc.instructions,
            warnings,
        })
    }

    fn flags_of(&self, f: &Folded) -> u32 {
        self.flags.all(f).iter().fold(0, |a, h| a | h.value)
    }

    /// Groups lines into units: checkbox items (with their continuation lines), list items,
    /// and the sentences of narrative paragraphs.
    fn units(&self, lines: &[Line], form: bool) -> Vec<Unit> {
        let mut units: Vec<Unit> = Vec::new();
        let mut para = String::new();
        let mut list = false;
        // Whether the last unit may take continuation lines, and from which indent.
        let mut open: Option<(usize, bool)> = None;
        let mut i = 0;
        while i < lines.len() {
            match &lines[i] {
                Line::Blank => {
                    self.flush(&mut para, &mut units, &mut list);
                    open = None;
                    if list {
                        // A list ends at a blank line unless another item follows.
                        let next = lines[i + 1..].iter().find(|l| !matches!(l, Line::Blank));
                        let any_items = units
                            .last()
                            .is_some_and(|u| matches!(u.kind, UnitKind::ListItem));
                        if any_items && !matches!(next, Some(Line::Bullet { .. })) {
                            list = false;
                        }
                    }
                }
                Line::Marked { indent, segments } => {
                    self.flush(&mut para, &mut units, &mut list);
                    list = false;
                    for (mark, text) in segments {
                        units.push(Unit {
                            kind: UnitKind::Box(*mark),
                            text: text.clone(),
                        });
                    }
                    let last_text = segments.last().map(|s| s.1.as_str()).unwrap_or("");
                    open = Some((*indent, wants_fill_in(last_text)));
                }
                Line::Bullet { indent, text } => {
                    self.flush(&mut para, &mut units, &mut list);
                    let kind = if list && !form {
                        UnitKind::ListItem
                    } else {
                        UnitKind::Sentence
                    };
                    units.push(Unit {
                        kind,
                        text: text.clone(),
                    });
                    open = Some((*indent, false));
                }
                Line::Plain { indent, text } => {
                    if is_mail_header(text) {
                        self.flush(&mut para, &mut units, &mut list);
                        units.push(Unit {
                            kind: UnitKind::Header,
                            text: text.clone(),
                        });
                        open = None;
                        i += 1;
                        continue;
                    }
                    if let Some((open_indent, fill_in)) = open
                        && ((*indent > open_indent && continues(text)) || fill_in)
                        && let Some(last) = units.last_mut()
                    {
                        last.text.push(' ');
                        last.text.push_str(text);
                        open = Some((open_indent, false));
                        i += 1;
                        continue;
                    }
                    open = None;
                    if list && !form && para.is_empty() && text.chars().count() <= 120 {
                        units.push(Unit {
                            kind: UnitKind::ListItem,
                            text: text.clone(),
                        });
                        i += 1;
                        continue;
                    }
                    if list && !para.is_empty() {
                        list = false;
                    }
                    join_line(&mut para, text);
                    if text.trim_end().ends_with(':') {
                        self.flush(&mut para, &mut units, &mut list);
                    }
                }
            }
            i += 1;
        }
        self.flush(&mut para, &mut units, &mut list);
        units
    }

    /// Ends a paragraph: splits it into sentences, and opens a list when it ends with a
    /// heading such as "Please submit the following documents:".
    fn flush(&self, para: &mut String, units: &mut Vec<Unit>, list: &mut bool) {
        if para.trim().is_empty() {
            para.clear();
            return;
        }
        let sentences = split_sentences(para);
        if let Some(last) = sentences.last() {
            let t = last.trim_end();
            if t.ends_with(':') {
                let f = Folded::new(t);
                let fl = self.flags_of(&f);
                *list = fl & (HEADING | CUE) != 0 || fl & DOC_NOUN != 0;
            }
        }
        for s in sentences {
            units.push(Unit {
                kind: UnitKind::Sentence,
                text: s,
            });
        }
        para.clear();
    }

    fn analyse(&self, unit: &Unit, acc: &mut Acc) {
        if matches!(unit.kind, UnitKind::Header) {
            return;
        }
        let f = Folded::new(&unit.text);
        if f.is_empty() {
            return;
        }
        let hits = self.terms.longest(&f);
        let flags = self.flags_of(&f);
        let docs: Vec<&Hit<Target>> = hits
            .iter()
            .filter(|h| matches!(h.value, Target::Doc(_)))
            .collect();
        let disps: Vec<NoticeKind> = hits
            .iter()
            .filter_map(|h| match h.value {
                Target::Disp(k) => Some(k),
                Target::Doc(_) => None,
            })
            .collect();
        let text = tidy(&unit.text, MAX_TEXT_CHARS);
        let (confidence, source) = match unit.kind {
            UnitKind::Box(Mark::Unchecked) => {
                if acc.unchecked.len() < MAX_LIST {
                    acc.unchecked.push(UncheckedItem {
                        text,
                        documents: self.ids(&docs),
                    });
                }
                return;
            }
            UnitKind::Box(Mark::Checked { sure }) => {
                (if sure { 0.95 } else { 0.8 }, RequestSource::CheckedBox)
            }
            UnitKind::ListItem => {
                // An item that names its document first and then qualifies it ("Form
                // DS-5535 ... write N/A where a question does not apply") is still asked for.
                if flags & NEG != 0 {
                    let first_doc = docs.iter().map(|h| h.start).min();
                    let first_neg = self
                        .flags
                        .all(&f)
                        .iter()
                        .filter(|h| h.value & NEG != 0)
                        .map(|h| h.start)
                        .min();
                    if !matches!((first_doc, first_neg), (Some(d), Some(n)) if d < n) {
                        return;
                    }
                }
                (0.85, RequestSource::ListItem)
            }
            UnitKind::Header => return,
            UnitKind::Sentence => {
                if flags & CHANNEL != 0 {
                    push_unique(&mut acc.instructions, text.clone(), MAX_INSTRUCTIONS);
                }
                if flags & NEG != 0 {
                    return;
                }
                acc.parts.extend(disps.iter().copied());
                if flags & CUE == 0 {
                    return;
                }
                if docs.is_empty() {
                    if disps.is_empty()
                        && flags & DOC_NOUN != 0
                        && flags & (GENERIC | CHANNEL) == 0
                        && unit.text.split_whitespace().count() >= 4
                    {
                        push_unique(&mut acc.unrecognized, text, MAX_LIST);
                    }
                    return;
                }
                (0.75, RequestSource::Narrative)
            }
        };
        // Checked boxes and list items.
        acc.parts.extend(disps.iter().copied());
        let countries = self.countries_in(&unit.text);
        let mut found: Vec<(u16, f64)> = docs
            .iter()
            .filter_map(|h| match h.value {
                Target::Doc(d) => Some((d, confidence)),
                Target::Disp(_) => None,
            })
            .collect();
        let named = found.len();
        self.prune(&mut found, &unit.text, !disps.is_empty());
        if named > 0 && found.is_empty() {
            return;
        }
        if found.is_empty() && disps.is_empty() {
            if flags & CHANNEL != 0 && source != RequestSource::Narrative {
                // "Send the documents by DHL": how to submit, not what.
                push_unique(&mut acc.instructions, text.clone(), MAX_INSTRUCTIONS);
                if flags & DOC_NOUN == 0 || flags & GENERIC != 0 {
                    return;
                }
            }
            if acc.fuzzy_left > 0 {
                acc.fuzzy_left -= 1;
                if let Some(Hit {
                    value: Target::Doc(d),
                    ..
                }) = self.terms.fuzzy(&f, 8, 160)
                {
                    found.push((d, confidence * 0.7));
                }
            }
            if found.is_empty() {
                if f.chars.iter().filter(|c| c.is_alphabetic()).count() >= 3 {
                    push_unique(&mut acc.unrecognized, text, MAX_LIST);
                }
                return;
            }
        }
        for (d, conf) in found {
            let document = self.doc_ids[usize::from(d)].clone();
            let mut cs: Vec<Option<String>> = countries.iter().cloned().map(Some).collect();
            if cs.is_empty() {
                cs.push(None);
            }
            for country in cs {
                if let Some(existing) = acc
                    .requests
                    .iter_mut()
                    .find(|r| r.document == document && r.country == country)
                {
                    if conf > existing.confidence {
                        existing.confidence = conf;
                        existing.text = text.clone();
                        existing.source = source;
                    }
                    continue;
                }
                if acc.requests.len() < MAX_LIST {
                    acc.requests.push(Request {
                        document: document.clone(),
                        text: text.clone(),
                        country,
                        confidence: conf,
                        source,
                    });
                }
            }
        }
    }

    /// Drops readings the rest of the unit contradicts. "Other" comes from generic words
    /// ("additional information"): in a unit that states a disposition ("administrative
    /// processing ... if any additional information is needed") or in a title line
    /// ("ADDITIONAL INFORMATION REQUIRED") it names nothing to send, and alone in an item
    /// it would only hide what the item asks for. A passport named with the petitioner's
    /// citizenship ("the biographic page of his U.S. passport") is the petitioner's.
    fn prune(&self, found: &mut Vec<(u16, f64)>, text: &str, has_disp: bool) {
        let id_of = |d: u16| self.doc_ids[usize::from(d)].as_str();
        let has = |found: &[(u16, f64)], id: &str| found.iter().any(|(d, _)| id_of(*d) == id);
        if has(found, "other") && (has_disp || is_title(text) || found.len() > 1) {
            found.retain(|(d, _)| id_of(*d) != "other");
        }
        if has(found, "petitioner_citizenship") && has(found, "passport") {
            found.retain(|(d, _)| id_of(*d) != "passport");
        }
    }

    fn ids(&self, docs: &[&Hit<Target>]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for h in docs {
            if let Target::Doc(d) = h.value {
                let id = &self.doc_ids[usize::from(d)];
                if !out.contains(id) {
                    out.push(id.clone());
                }
            }
        }
        out
    }

    fn countries_in(&self, text: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for h in self.countries.longest(&Folded::plain(text)) {
            let code = &self.country_codes[usize::from(h.value)];
            if !out.contains(code) {
                out.push(code.clone());
            }
        }
        out
    }

    fn find_post(&self, lines: &[&str], hint: Option<&str>) -> (Option<String>, Option<String>) {
        let case_number = lines.iter().find_map(|l| case_number_in(l));
        if let Some(h) = hint {
            let h = h.trim().to_ascii_uppercase();
            return (Some(h), case_number);
        }
        // The post that wrote the letter names itself in the letterhead ("U.S. Consulate
        // General Frankfurt") or the place-and-date line ("Frankfurt am Main, 21.10.2025").
        // Case numbers keep the post where the case started, which differs when a case was
        // transferred, so the letterhead wins.
        let mut non_blank = 0;
        let mut head: Option<u16> = None;
        for line in lines {
            if line.trim().is_empty() {
                continue;
            }
            non_blank += 1;
            if non_blank > 8 {
                break;
            }
            let f = Folded::new(line);
            let fl = self.flags_of(&f);
            let dated = !dates::find_dates(line, 1).is_empty();
            if fl & EMBASSY == 0 && !dated {
                continue;
            }
            if let Some(h) = self.posts.longest(&f).first() {
                head = Some(h.value);
                break;
            }
        }
        if let Some(p) = head {
            return (Some(self.post_codes[usize::from(p)].clone()), case_number);
        }
        if let Some(cn) = &case_number
            && let Some(code) = self.post_codes.iter().find(|c| cn.starts_with(c.as_str()))
        {
            return (Some(code.clone()), case_number);
        }
        // Names in the letterhead (first lines) or next to "Embassy"/"Consulate".
        let mut best: Option<(u32, usize, u16)> = None;
        let mut non_blank = 0;
        for (i, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            non_blank += 1;
            let f = Folded::new(line);
            let embassy = self.flags_of(&f) & EMBASSY != 0;
            let score = if embassy {
                3
            } else if non_blank <= 8 {
                1
            } else {
                continue;
            };
            for h in self.posts.longest(&f) {
                if best.is_none_or(|(s, _, _)| score > s) {
                    best = Some((score, i, h.value));
                }
            }
            if best.is_some_and(|(s, _, _)| s == 3) {
                break;
            }
        }
        let post = best.map(|(_, _, p)| self.post_codes[usize::from(p)].clone());
        (post, case_number)
    }

    fn dates(
        &self,
        lines: &[&str],
        month_first: Option<bool>,
        warnings: &mut Vec<String>,
    ) -> Vec<FoundDate> {
        let mut raw: Vec<(dates::RawDate, DateRole, String)> = Vec::new();
        let mut non_blank = 0;
        let mut prev_line: Option<&str> = None;
        for line in lines {
            if line.trim().is_empty() {
                prev_line = None;
                continue;
            }
            non_blank += 1;
            let prev_line = prev_line.replace(line);
            if raw.len() >= MAX_DATES || !line.chars().any(|c| c.is_ascii_digit()) {
                continue;
            }
            let found = dates::find_dates(line, MAX_DATES - raw.len());
            if found.is_empty() {
                continue;
            }
            let f = Folded::new(line);
            let mut fl = self.flags_of(&f);
            let first_word_is_label = fl & DATE_LABEL != 0;
            // "... which was refused on\nMarch 27, 2025": the words may end the line above.
            if fl & (REFUSAL_WORD | DEADLINE_WORD) == 0
                && line
                    .trim_start()
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric)
                && let Some(prev) = prev_line
            {
                let tail: String = {
                    let chars: Vec<char> = prev.chars().collect();
                    chars[chars.len().saturating_sub(40)..].iter().collect()
                };
                fl |= self.flags_of(&Folded::new(&tail)) & (REFUSAL_WORD | DEADLINE_WORD);
            }
            let refusal = fl & REFUSAL_WORD != 0;
            let deadline = fl & DEADLINE_WORD != 0;
            let role = match (refusal, deadline) {
                (true, false) => DateRole::Refusal,
                (false, true) => DateRole::Deadline,
                (true, true) => DateRole::Other,
                (false, false) if first_word_is_label => DateRole::Letter,
                (false, false)
                    if non_blank <= 10 && found.len() == 1 && line.trim().len() <= 40 =>
                {
                    DateRole::Letter
                }
                _ => DateRole::Other,
            };
            for d in found {
                raw.push((d, role, tidy(line, MAX_TEXT_CHARS)));
            }
        }
        // If any numeric date could only be day-first, read the ambiguous ones that way too.
        // The notice's own unambiguous dates decide first, then the post's country; with
        // neither, month first (the U.S. government's usual order).
        let day_first = if raw.iter().any(|(d, _, _)| d.day_first == Some(true)) {
            true
        } else if raw.iter().any(|(d, _, _)| d.day_first == Some(false)) {
            false
        } else {
            month_first == Some(false)
        };
        let mut ambiguous = false;
        let out = raw
            .into_iter()
            .map(|(d, role, text)| {
                let (date, alt) = match d.alternative {
                    Some(alt) if day_first => (alt, Some(d.date)),
                    other => (d.date, other),
                };
                ambiguous |= alt.is_some();
                FoundDate {
                    date: date.to_string(),
                    role,
                    text,
                    alternative: alt.map(|a| a.to_string()),
                }
            })
            .collect();
        if ambiguous {
            warnings.push(
                "A date such as 04/03/2025 can be read month-first or day-first; check the \
                 dates against the notice."
                    .to_string(),
            );
        }
        out
    }
}

/// An e-mail header line: "From: ...", "Subject: ...", in English or the languages the
/// posts write in.
fn is_mail_header(text: &str) -> bool {
    let Some((label, _)) = text.split_once(':') else {
        return false;
    };
    matches!(
        label.trim().to_lowercase().as_str(),
        "from"
            | "sent"
            | "to"
            | "cc"
            | "bcc"
            | "subject"
            | "attachments"
            | "attachment"
            | "reply-to"
            | "de"
            | "para"
            | "enviado"
            | "asunto"
            | "adjuntos"
            | "objet"
            | "envoyé"
            | "à"
            | "assunto"
            | "từ"
            | "đến"
            | "tiêu đề"
            | "发件人"
            | "收件人"
            | "主题"
    )
}

/// A title line: written in capitals ("221(g) REFUSAL - ADDITIONAL INFORMATION REQUIRED").
fn is_title(text: &str) -> bool {
    let letters = text.chars().filter(|c| c.is_alphabetic());
    let (mut upper, mut all) = (0, 0);
    // A lower-case "l" is how OCR often reads a capital I ("ADDlTl0NAL"): it counts for neither.
    for c in letters.filter(|c| *c != 'l') {
        all += 1;
        if !c.is_lowercase() {
            upper += 1;
        }
    }
    all >= 8 && upper * 10 >= all * 9
}

fn push_unique(list: &mut Vec<String>, text: String, max: usize) {
    if list.len() < max && !list.contains(&text) {
        list.push(text);
    }
}

/// A CEAC immigrant-visa case number: three letters then ten digits (`MNL2025512345`),
/// possibly written with spaces or hyphens.
fn case_number_in(line: &str) -> Option<String> {
    let compact: Vec<char> = line.chars().filter(|c| *c != ' ' && *c != '-').collect();
    if compact.len() < 13 {
        return None;
    }
    for i in 0..=compact.len() - 13 {
        let w = &compact[i..i + 13];
        let before_ok = i == 0 || !compact[i - 1].is_ascii_alphanumeric();
        let after_ok = compact
            .get(i + 13)
            .is_none_or(|c| !c.is_ascii_alphanumeric());
        if before_ok
            && after_ok
            && w[..3].iter().all(|c| c.is_ascii_uppercase())
            && w[3..].iter().all(|c| c.is_ascii_digit())
        {
            return Some(w.iter().collect());
        }
    }
    None
}

#[derive(Debug)]
enum Line {
    Blank,
    Marked {
        indent: usize,
        segments: Vec<(Mark, String)>,
    },
    Bullet {
        indent: usize,
        text: String,
    },
    Plain {
        indent: usize,
        text: String,
    },
}

fn join_line(para: &mut String, text: &str) {
    let t = text.trim();
    if para.ends_with('-')
        && para.chars().rev().nth(1).is_some_and(|c| c.is_alphabetic())
        && t.chars().next().is_some_and(|c| c.is_lowercase())
    {
        para.pop();
        para.push_str(t);
        return;
    }
    if !para.is_empty() {
        para.push(' ');
    }
    para.push_str(t);
}

/// Whether an indented line reads as the rest of the item above it ("from Japan",
/// "(issued within 12 months)") rather than an item of its own whose box did not scan.
fn continues(text: &str) -> bool {
    text.trim_start()
        .chars()
        .next()
        .is_some_and(|c| c.is_lowercase() || c.is_ascii_digit() || matches!(c, '(' | '&' | ','))
}

/// Whether a checked item is only a label waiting for the officer's words on the next line
/// ("Other:", "Other: ______").
fn wants_fill_in(text: &str) -> bool {
    let letters: String = text
        .chars()
        .filter(|c| c.is_alphabetic())
        .collect::<String>()
        .to_lowercase();
    text.trim_end().ends_with(':')
        || letters.is_empty()
        || matches!(
            letters.as_str(),
            "other" | "others" | "otro" | "otros" | "iba" | "khác"
        )
}

fn split_sentences(para: &str) -> Vec<String> {
    let chars: Vec<char> = para.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..chars.len() {
        let c = chars[i];
        let end_mark = matches!(c, '.' | '!' | '?' | '。' | '！' | '？' | ';');
        if !end_mark {
            continue;
        }
        let next = chars.get(i + 1).copied();
        let cjk_end = matches!(c, '。' | '！' | '？');
        if !cjk_end && next.is_some_and(|n| !n.is_whitespace()) {
            continue;
        }
        if c == '.' {
            // Abbreviations: "U.S.", "e.g.", "No.", "Mr." stay inside the sentence.
            let word: String = chars[..i]
                .iter()
                .rev()
                .take_while(|ch| ch.is_alphanumeric() || **ch == '.')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<String>()
                .to_lowercase();
            let abbreviation = word.contains('.')
                || matches!(
                    word.as_str(),
                    "mr" | "mrs"
                        | "ms"
                        | "dr"
                        | "no"
                        | "nos"
                        | "st"
                        | "vs"
                        | "etc"
                        | "inc"
                        | "jr"
                        | "sr"
                        | "sec"
                        | "ave"
                        | "blvd"
                        | "tel"
                        | "ref"
                        | "attn"
                );
            if abbreviation {
                continue;
            }
        }
        let s: String = chars[start..=i].iter().collect();
        if !s.trim().is_empty() {
            out.push(s.trim().to_string());
        }
        start = i + 1;
    }
    let rest: String = chars[start.min(chars.len())..].iter().collect();
    if !rest.trim().is_empty() {
        out.push(rest.trim().to_string());
    }
    out
}

const CHECKED_GLYPHS: &[char] = &[
    '☒', '☑', '✔', '✓', '✗', '✘', '■', '▣', '⊠', '☓', '√', '✅', '❎', '●', '◉', '⬛',
];
const UNCHECKED_GLYPHS: &[char] = &['☐', '□', '◻', '▢', '○', '◯', '❏', '❑', '⬜', '◽', '▫'];
const BULLETS: &[char] = &['-', '•', '*', '·', '–', '—', '▪', '►', '»', '‣', '⁃'];

/// Reads a box marker at the start of `s`; returns the mark and the bytes it took.
fn marker_at(s: &str, allow_bare: bool) -> Option<(Mark, usize)> {
    let mut it = s.char_indices();
    let (_, first) = it.next()?;
    if CHECKED_GLYPHS.contains(&first) {
        return Some((Mark::Checked { sure: true }, first.len_utf8()));
    }
    if UNCHECKED_GLYPHS.contains(&first) {
        return Some((Mark::Unchecked, first.len_utf8()));
    }
    if matches!(first, '[' | '(' | '{' | '|') {
        // Up to four characters, then a closing bracket.
        let mut inner = String::new();
        for (pos, c) in it.by_ref().take(5) {
            if matches!(c, ']' | ')' | '}' | '|') {
                let t: String = inner.chars().filter(|c| !c.is_whitespace()).collect();
                let consumed = pos + c.len_utf8();
                if t.is_empty() || t.chars().all(|c| c == '_' || c == '.') {
                    if first == '(' && t.is_empty() && inner.is_empty() {
                        return None; // "()" is not a box
                    }
                    return Some((Mark::Unchecked, consumed));
                }
                let tick = t.chars().all(|c| {
                    matches!(c, 'x' | 'X' | '/' | '\\' | '*' | '+' | '#')
                        || CHECKED_GLYPHS.contains(&c)
                        || (first != '(' && matches!(c, 'v' | 'V'))
                });
                if tick && t.chars().count() <= 2 {
                    return Some((Mark::Checked { sure: true }, consumed));
                }
                return None;
            }
            inner.push(c);
        }
        return None;
    }
    if !allow_bare {
        return None;
    }
    // Marks OCR makes of handwritten ticks and empty boxes: a lone character, then spaces,
    // then the item's words.
    let word: String = s.chars().take_while(|c| !c.is_whitespace()).collect();
    let rest = &s[word.len()..];
    let spaced = rest.starts_with(' ');
    let next_is_word = rest.trim_start().chars().next().is_some_and(|c| {
        // OCR reads a leading O as 0 ("0ther:") after a mark with a stray stroke.
        c.is_alphabetic() || (word.chars().count() == 2 && c == '0')
    });
    if !spaced || !next_is_word {
        return None;
    }
    let mark = match word.as_str() {
        // A handwritten X often scans with a stray stroke beside it: "X'", "X|", "X,".
        "X" | "x" | "v" | "V" | "/" | "\\" | "XX" | "X'" | "x'" | "X|" | "x|" | "X," | "x," => {
            Mark::Checked { sure: false }
        }
        "O" | "0" | "D" | "LI" | "_" | "__" | "___" | "[]" | "|_|" => Mark::Unchecked,
        _ => return None,
    };
    Some((mark, word.len()))
}

/// Strips "1.", "1)", "(1)", "a)", "(a)" from the start of a line.
fn numbering_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    let paren = b.first() == Some(&b'(');
    if paren {
        i += 1;
    }
    let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 && digits <= 2 {
        i += digits;
    } else if b.get(i).is_some_and(|c| c.is_ascii_lowercase())
        && b.get(i + 1).is_some_and(|c| matches!(c, b'.' | b')'))
    {
        i += 1;
    } else {
        return 0;
    }
    match b.get(i) {
        Some(b')') => i += 1,
        Some(b'.') if !paren => i += 1,
        _ => return 0,
    }
    if b.get(i).is_some_and(|c| *c == b' ') {
        i
    } else {
        0
    }
}

fn classify(line: &str) -> Line {
    let trimmed = line.trim_start();
    if trimmed.trim().is_empty() {
        return Line::Blank;
    }
    let indent = line.chars().count() - trimmed.chars().count();
    // A line of table rules ("|-----|-----|") carries nothing.
    if trimmed
        .chars()
        .all(|c| matches!(c, '|' | '-' | '=' | '_' | '+' | ' ' | '—' | '─' | '│'))
    {
        return Line::Blank;
    }
    let num = numbering_len(trimmed);
    let mut segments: Vec<(Mark, String)> = Vec::new();
    let marked = marker_at(trimmed, true).map(|m| (m, trimmed)).or_else(|| {
        let after_num = trimmed[num..].trim_start();
        (num > 0).then_some(())?;
        marker_at(after_num, true).map(|m| (m, after_num))
    });
    if let Some(((mark, used), after_num)) = marked {
        let rest = &after_num[used..];
        split_segments(mark, rest, &mut segments);
        return Line::Marked { indent, segments };
    }
    // A box at the end of the line: "Police certificate ........ [X]".
    if let Some((mark, text)) = trailing_marker(trimmed) {
        segments.push((mark, text));
        return Line::Marked { indent, segments };
    }
    let first = trimmed.chars().next();
    if first.is_some_and(|c| BULLETS.contains(&c))
        && trimmed.chars().nth(1).is_some_and(char::is_whitespace)
    {
        let text = trimmed[first.map_or(0, char::len_utf8)..]
            .trim()
            .to_string();
        return Line::Bullet { indent, text };
    }
    if num > 0 {
        return Line::Bullet {
            indent,
            text: trimmed[num..].trim().to_string(),
        };
    }
    Line::Plain {
        indent,
        text: trimmed.trim_end().to_string(),
    }
}

/// Splits the rest of a marked line at further boxes (two-column forms).
fn split_segments(mark: Mark, rest: &str, out: &mut Vec<(Mark, String)>) {
    let mut mark = mark;
    let mut rest = rest;
    loop {
        let mut split: Option<(usize, Mark, usize)> = None;
        let mut spaces = 0;
        for (pos, c) in rest.char_indices() {
            if c == ' ' {
                spaces += 1;
                continue;
            }
            if spaces >= 2
                && let Some((m, used)) = marker_at(&rest[pos..], true)
            {
                split = Some((pos, m, used));
                break;
            }
            spaces = 0;
        }
        match split {
            Some((pos, m, used)) => {
                out.push((mark, rest[..pos].trim().to_string()));
                mark = m;
                rest = &rest[pos + used..];
            }
            None => {
                out.push((mark, rest.trim().to_string()));
                return;
            }
        }
        if out.len() >= 8 {
            out.push((mark, rest.trim().to_string()));
            return;
        }
    }
}

fn trailing_marker(line: &str) -> Option<(Mark, String)> {
    let mut t = line.trim_end();
    // A table cell: "| Police certificate |   [X]    |".
    if t.ends_with('|') && !t.ends_with("_|") {
        t = t.trim_end_matches(['|', ' ']);
    }
    let last = t.chars().last()?;
    let start = if CHECKED_GLYPHS.contains(&last) || UNCHECKED_GLYPHS.contains(&last) {
        t.len() - last.len_utf8()
    } else if matches!(last, ']' | ')' | '|') {
        t.char_indices()
            .rev()
            .skip(1)
            .take(5)
            .find(|(_, c)| matches!(c, '[' | '(' | '|'))?
            .0
    } else {
        return None;
    };
    let (mark, used) = marker_at(&t[start..], false)?;
    if start + used != t.len() {
        return None;
    }
    let before = &t[..start];
    let gap = before.len() - before.trim_end_matches([' ', '.', '_', '|']).len();
    if gap < 2 {
        return None;
    }
    let text = before
        .trim_end_matches([' ', '.', '_', '|'])
        .trim_start_matches(['|', ' ']);
    if text.chars().filter(|c| c.is_alphabetic()).count() < 3 {
        return None;
    }
    Some((mark, text.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k() -> Knowledge {
        Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn markers() {
        assert_eq!(
            marker_at("[X] a", true).map(|m| m.0),
            Some(Mark::Checked { sure: true })
        );
        assert_eq!(marker_at("[ ] a", true).map(|m| m.0), Some(Mark::Unchecked));
        assert_eq!(
            marker_at("(x) a", true).map(|m| m.0),
            Some(Mark::Checked { sure: true })
        );
        assert_eq!(marker_at("(a) a", true), None);
        assert_eq!(
            marker_at("X Police", true).map(|m| m.0),
            Some(Mark::Checked { sure: false })
        );
        assert_eq!(marker_at("X-ray", true), None);
        assert_eq!(
            marker_at("☐ Police", true).map(|m| m.0),
            Some(Mark::Unchecked)
        );
    }

    #[test]
    fn two_columns_and_trailing_boxes() {
        match classify("[X] Medical exam        [ ] Police certificate") {
            Line::Marked { segments, .. } => {
                assert_eq!(segments.len(), 2);
                assert_eq!(segments[1].0, Mark::Unchecked);
            }
            other => panic!("{other:?}"),
        }
        match classify("Police certificate ........ [ ]") {
            Line::Marked { segments, .. } => assert_eq!(segments[0].0, Mark::Unchecked),
            other => panic!("{other:?}"),
        }
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
    fn oversize_is_refused() {
        let big = "a".repeat(MAX_NOTICE_BYTES + 1);
        assert!(matches!(
            read_notice(&k(), &big, None),
            Err(NoticeError::TooLarge { .. })
        ));
    }

    #[test]
    fn sentences_split() {
        let s = split_sentences("Go to the U.S. Embassy. Then send it; e.g. by mail. Done");
        assert_eq!(
            s,
            vec![
                "Go to the U.S. Embassy.",
                "Then send it;",
                "e.g. by mail.",
                "Done"
            ]
        );
    }
}
