//! The notice vocabulary: for each language, the words 221(g) notices use for documents,
//! for asking, for not asking, and for what happens to the case. One file per language in
//! `knowledge/notice/`. The notice reader is built from these files and nothing else, so a
//! reviewer (or a translator) can correct how a letter is read without touching code.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::Problem;

/// Words of one language.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NoticeLanguage {
    /// ISO 639-1 code (`es`), or ISO 639-3 where there is none.
    pub language: String,
    /// The language's English name.
    pub name: String,
    /// Short, frequent words of the language ("the", "and", "your"). A notice is taken to be
    /// written in a language when several of them occur; the language's cue words only apply
    /// then, so a short word of one language ("si") never changes how another is read.
    /// English cue words always apply.
    pub stopwords: Vec<String>,
    #[serde(default)]
    pub cues: NoticeCues,
    #[serde(default)]
    pub dispositions: NoticeDispositions,
    /// Document id -> the words notices use for it. A term may hold `...` between words to
    /// allow up to four other words there ("letter from ... employer"). In every list, a
    /// word may end in `*` to take any ending ("справк*" for справка, справку, справки).
    #[serde(default)]
    pub documents: BTreeMap<String, Vec<String>>,
    /// Post code -> names notices use for the city that differ from its CEAC name
    /// ("Saigon" for Ho Chi Minh City).
    #[serde(default)]
    pub posts: BTreeMap<String, Vec<String>>,
    /// ISO country code -> the country's names and adjectives in this language ("Australian",
    /// "España", "России"), for "a police certificate from ...".
    #[serde(default)]
    pub countries: BTreeMap<String, Vec<String>>,
    /// The months' names, January first, each with the forms notices write (full, short,
    /// inflected: "января", "янв"), for reading dates like "14 января 2025". Empty, or all
    /// twelve.
    #[serde(default)]
    pub months: Vec<Vec<String>>,
    /// Where the wording was seen (posts' pages in this language, forms, glossaries).
    pub sources: Vec<String>,
    pub as_of: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertain: Option<String>,
}

/// Words that change what a sentence or an item means. All lower case.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NoticeCues {
    /// Asking for something: "submit", "provide", "bring", "pending receipt of".
    #[serde(default)]
    pub request: Vec<String>,
    /// Opens a sentence that adds to the one before: "also", "and also", "plus". Such a
    /// sentence with no verb of its own ("Also two new photos.") asks if the one before did.
    #[serde(default)]
    pub addition: Vec<String>,
    /// Saying something is not needed: "do not need", "not required", "do not send".
    #[serde(default)]
    pub negation: Vec<String>,
    /// A condition the notice does not settle: "if", "unless", "in case".
    #[serde(default)]
    pub condition: Vec<String>,
    /// Optional or possible, not asked: "may", "can", "might".
    #[serde(default)]
    pub hedge: Vec<String>,
    /// Optional, written after the document in languages that put the verb last: "…を提出
    /// することができます" (can submit), "… 제출할 수 있습니다".
    #[serde(default)]
    pub hedge_after: Vec<String>,
    /// Rules for everyone, not a request to this applicant: "all documents", "any document".
    #[serde(default)]
    pub general: Vec<String>,
    /// Already in the post's hands: "we have received", "already submitted".
    #[serde(default)]
    pub received: Vec<String>,
    /// The post keeps something: "will keep your passport", "retain".
    #[serde(default)]
    pub kept: Vec<String>,
    /// Right after a document, says it is named only as a past event or a point in time:
    /// "before the I-129F was filed", "the decree you presented".
    #[serde(default)]
    pub reference: Vec<String>,
    /// Right before a document, says it is only the place where something was written or
    /// seen: "listed on his Form I-134", "between your passport and".
    #[serde(default)]
    pub reference_before: Vec<String>,
    /// A line that opens a list of requested items: "the following documents".
    #[serde(default)]
    pub heading: Vec<String>,
    /// How or where to send: "courier", "e-mail", "upload", "drop box".
    #[serde(default)]
    pub channel: Vec<String>,
    /// When things are due, for the notice's submission instructions: "within", "no later
    /// than", "one year". (Unlike `channel`, it does not say the documents are to be sent.)
    #[serde(default)]
    pub timeframe: Vec<String>,
    /// Makes a condition no condition: "if you were issued this handout" is true of everyone
    /// reading it.
    #[serde(default)]
    pub given: Vec<String>,
    /// Opens a list of the officer's reasons, not of things to send: "reasons:", "grounds
    /// for the decision:". Documents named under it are not requests.
    #[serde(default)]
    pub reason: Vec<String>,
    /// A child of the case ("your minor daughter", "K-2 applicant", "hija"): the owner a
    /// pronoun after it refers to ("her birth certificate" is the child's).
    #[serde(default)]
    pub child: Vec<String>,
    /// An applicant saying a box on the slip was not ticked ("woh tick nahi hai", "the box
    /// was left blank"): nothing in that sentence is asked for.
    #[serde(default)]
    pub unticked: Vec<String>,
    /// The words that open an answer saying no ("no", "hindi", "нет"): a chat message that
    /// answers "what else did they ask for?" with one of them lists nothing asked.
    #[serde(default)]
    pub answer_no: Vec<String>,
    /// "Yesterday" ("ayer", "ontem", "вчера"): a refusal said to be yesterday, in an e-mail or
    /// letter whose own date is known, was the day before that date.
    #[serde(default)]
    pub yesterday: Vec<String>,
    /// "Today" ("hoy", "hoje", "сегодня"): a refusal said to be today was on the date of the
    /// letter or message that says it (in a thread, the message's own header date).
    #[serde(default)]
    pub today: Vec<String>,
    /// A word that negates the verb right after it, or after the pronouns of `clitic` ("no",
    /// "não", "ne", "не"): "no nos envíe", "не присылайте" ask for nothing. Listed as single
    /// words, so that a language's every verb need not be written with its negation.
    #[serde(default)]
    pub negation_particle: Vec<String>,
    /// The unstressed pronouns that stand between a negation particle and its verb ("nos",
    /// "lhe", "nous"): only these, so that "no olvide enviar" (do not forget to send) and "no
    /// deje de enviar" still ask.
    #[serde(default)]
    pub clitic: Vec<String>,
    /// "embassy", "consulate": a line naming the post.
    #[serde(default)]
    pub embassy: Vec<String>,
    /// The petitioner or sponsor as the owner of a document: "petitioner's", "your fiancé's".
    #[serde(default)]
    pub petitioner: Vec<String>,
    /// Introduces the thing translated: "translation of", "translated". The document after it
    /// is the translation's subject, not a request of its own.
    #[serde(default)]
    pub translation_of: Vec<String>,
    /// Makes a photo a photo of the couple: "together", "of you and your fiancé".
    #[serde(default)]
    pub together: Vec<String>,
    /// The notice itself or the visit, in logistics: "this letter", "this notice".
    #[serde(default)]
    pub logistics: Vec<String>,
    /// The interview or refusal, for dating: "interview", "refused".
    #[serde(default)]
    pub refusal: Vec<String>,
    /// A due date follows: "by", "before", "no later than".
    #[serde(default)]
    pub deadline: Vec<String>,
    /// "Date:" labels.
    #[serde(default)]
    pub date_label: Vec<String>,
    /// Generic document nouns ("certificate", "letter", "copy"): a line asking for one of them
    /// that names nothing known is shown to the user rather than dropped.
    #[serde(default)]
    pub doc_noun: Vec<String>,
    /// Starts a new clause whose meaning stands apart: "but", "however".
    #[serde(default)]
    pub contrast: Vec<String>,
    /// E-mail header labels ("from", "subject"), without the colon.
    #[serde(default)]
    pub mail_header: Vec<String>,
}

/// Phrases that say what happens to the case.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NoticeDispositions {
    #[serde(default)]
    pub administrative_processing: Vec<String>,
    #[serde(default)]
    pub petition_returned: Vec<String>,
    #[serde(default)]
    pub interview_return: Vec<String>,
}

impl NoticeCues {
    /// Every cue list with its name, for checks and for building the reader.
    pub fn lists(&self) -> [(&'static str, &[String]); 34] {
        [
            ("request", &self.request),
            ("addition", &self.addition),
            ("negation", &self.negation),
            ("condition", &self.condition),
            ("hedge", &self.hedge),
            ("hedge_after", &self.hedge_after),
            ("general", &self.general),
            ("received", &self.received),
            ("kept", &self.kept),
            ("reference", &self.reference),
            ("reference_before", &self.reference_before),
            ("heading", &self.heading),
            ("channel", &self.channel),
            ("timeframe", &self.timeframe),
            ("given", &self.given),
            ("reason", &self.reason),
            ("child", &self.child),
            ("unticked", &self.unticked),
            ("answer_no", &self.answer_no),
            ("yesterday", &self.yesterday),
            ("today", &self.today),
            ("negation_particle", &self.negation_particle),
            ("clitic", &self.clitic),
            ("embassy", &self.embassy),
            ("petitioner", &self.petitioner),
            ("translation_of", &self.translation_of),
            ("together", &self.together),
            ("logistics", &self.logistics),
            ("refusal", &self.refusal),
            ("deadline", &self.deadline),
            ("date_label", &self.date_label),
            ("doc_noun", &self.doc_noun),
            ("contrast", &self.contrast),
            ("mail_header", &self.mail_header),
        ]
    }
}

impl NoticeDispositions {
    pub fn lists(&self) -> [(&'static str, &[String]); 3] {
        [
            ("administrative_processing", &self.administrative_processing),
            ("petition_returned", &self.petition_returned),
            ("interview_return", &self.interview_return),
        ]
    }
}

/// The gap marker inside a document term.
pub const GAP: &str = "...";

/// Where the problems go.
struct Out<'a>(&'a mut Vec<Problem>);

impl Out<'_> {
    fn add(&mut self, file: &str, entry: &str, message: String) {
        self.0.push(Problem {
            file: file.into(),
            entry: entry.into(),
            message,
        })
    }
}

/// The codes a language file may refer to.
pub(super) struct Known<'a> {
    pub document_ids: &'a BTreeSet<&'a str>,
    pub post_codes: &'a BTreeSet<&'a str>,
    pub country_codes: &'a BTreeSet<&'a str>,
}

/// Checks the language files against each other and the rest of the knowledge base.
pub(super) fn check(languages: &[NoticeLanguage], known: &Known<'_>, problems: &mut Vec<Problem>) {
    let mut out = Out(problems);
    if !languages.iter().any(|l| l.language == "en") {
        out.add(
            "notice/",
            "",
            "there is no English vocabulary (notice/en.toml); copy knowledge/notice/ from the \
             visanav release"
                .into(),
        );
    }
    let mut seen = BTreeSet::new();
    // Folded term -> (document, language): one wording names one document only.
    let mut owners: BTreeMap<String, (String, String)> = BTreeMap::new();
    for l in languages {
        let file = format!("notice/{}.toml", l.language);
        check_header(l, &file, &mut seen, &mut out);
        for (entry, words) in word_lists(l) {
            for w in words {
                check_word(&file, &entry, w, &mut out);
            }
        }
        check_references(l, &file, known, &mut owners, &mut out);
    }
}

/// The language code, once; enough stopwords; sources and `as_of`.
fn check_header(l: &NoticeLanguage, file: &str, seen: &mut BTreeSet<String>, out: &mut Out<'_>) {
    let ok_code =
        (2..=3).contains(&l.language.len()) && l.language.bytes().all(|b| b.is_ascii_lowercase());
    if !ok_code {
        out.add(
            file,
            "",
            format!(
                "language {:?} is not an ISO 639 code (two or three lower-case letters)",
                l.language
            ),
        );
    }
    if !seen.insert(l.language.clone()) {
        out.add(file, "", "duplicate language".into());
    }
    if l.stopwords.len() < 5 {
        out.add(
            file,
            "stopwords",
            "needs at least 5 frequent words of the language, to recognise it".into(),
        );
    }
    if l.sources.iter().any(|s| !s.starts_with("http")) {
        out.add(file, "sources", "every source must be a URL".into());
    }
    if crate::date::parse_date(&l.as_of).is_err() {
        out.add(
            file,
            "",
            format!("as_of {:?} is not a YYYY-MM-DD date", l.as_of),
        );
    }
    if !matches!(l.months.len(), 0 | 12) || l.months.iter().any(Vec::is_empty) {
        out.add(
            file,
            "months",
            format!(
                "has {} entries: give all twelve months, January first, each with at least \
                 one name (or leave `months` out)",
                l.months.len()
            ),
        );
    }
}

/// Every list of words in a language file, named as its entry.
fn word_lists(l: &NoticeLanguage) -> Vec<(String, &[String])> {
    l.cues
        .lists()
        .into_iter()
        .map(|(n, v)| (format!("cues.{n}"), v))
        .chain(
            l.dispositions
                .lists()
                .into_iter()
                .map(|(n, v)| (format!("dispositions.{n}"), v)),
        )
        .chain(
            l.documents
                .iter()
                .map(|(id, v)| (format!("documents.{id}"), v.as_slice())),
        )
        .chain(
            l.posts
                .iter()
                .map(|(code, v)| (format!("posts.{code}"), v.as_slice())),
        )
        .chain(
            l.countries
                .iter()
                .map(|(code, v)| (format!("countries.{code}"), v.as_slice())),
        )
        .chain(
            l.months
                .iter()
                .enumerate()
                .map(|(i, v)| (format!("months[{}]", i + 1), v.as_slice())),
        )
        .chain(std::iter::once((
            "stopwords".to_string(),
            l.stopwords.as_slice(),
        )))
        .collect()
}

/// One word or phrase: trimmed, lower case, gaps and wildcards where they may stand.
fn check_word(file: &str, entry: &str, w: &str, out: &mut Out<'_>) {
    if w.trim().is_empty() || w.trim() != w {
        out.add(
            file,
            entry,
            format!("{w:?} is empty or has spaces around it"),
        );
    }
    if w.to_lowercase() != *w {
        out.add(
            file,
            entry,
            format!("{w:?} must be lower case (matching ignores case)"),
        );
    }
    if w.starts_with(GAP) || w.ends_with(GAP) {
        out.add(
            file,
            entry,
            format!("{w:?}: \"...\" may only stand between words"),
        );
    }
    let bad_wildcard = w.split_whitespace().any(|word| {
        let stars = word.matches('*').count();
        let stem = word.trim_end_matches('*');
        // Three letters of a Latin stem, or two syllables of Hangul, kana or
        // another script whose letters carry more.
        let min = if stem.is_ascii() { 3 } else { 2 };
        stars > 1 || (stars == 1 && (!word.ends_with('*') || stem.chars().count() < min))
    });
    if bad_wildcard || (w.contains('*') && entry == "stopwords") {
        out.add(
            file,
            entry,
            format!(
                "{w:?}: \"*\" may only end a word of at least 3 letters (2 outside \
                     the Latin alphabet), and not in stopwords"
            ),
        );
    }
    if w.contains(GAP) && !(entry.starts_with("documents.") || entry.starts_with("dispositions.")) {
        out.add(
            file,
            entry,
            format!("{w:?}: \"...\" is only allowed in document terms and dispositions"),
        );
    }
}

/// Document, country and post codes exist; no wording names two documents.
fn check_references(
    l: &NoticeLanguage,
    file: &str,
    known: &Known<'_>,
    owners: &mut BTreeMap<String, (String, String)>,
    out: &mut Out<'_>,
) {
    for (id, terms) in &l.documents {
        if !known.document_ids.contains(id.as_str()) {
            out.add(
                file,
                &format!("documents.{id}"),
                format!("{id:?} is not a document id in documents.toml"),
            );
        }
        for t in terms {
            let key = crate::notice::fold_key(t);
            match owners.get(&key) {
                Some((other, lang)) if other != id => out.add(
                    file,
                    &format!("documents.{id}"),
                    format!(
                        "{t:?} is also a term for {other:?} (in notice/{lang}.toml); a \
                         wording must name one document only"
                    ),
                ),
                _ => {
                    owners.insert(key, (id.clone(), l.language.clone()));
                }
            }
        }
    }
    for code in l.countries.keys() {
        if !known.country_codes.contains(code.as_str()) {
            out.add(
                file,
                &format!("countries.{code}"),
                format!("{code:?} is not a country code in countries.toml"),
            );
        }
    }
    for code in l.posts.keys() {
        if !known.post_codes.contains(code.as_str()) {
            out.add(
                file,
                &format!("posts.{code}"),
                format!("{code:?} is not a post code in posts.toml"),
            );
        }
    }
}
