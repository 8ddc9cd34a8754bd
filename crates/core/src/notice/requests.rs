//! Which documents a unit asks for, with roles: for each document a unit names, the reader
//! decides whether it is asked of this applicant, or only mentioned, and why (unticked,
//! negated, conditional, optional, a general rule, already received, kept by the post, the
//! subject of a translation, or logistics of the visit). Every decision keeps its evidence.

use std::collections::BTreeSet;

use super::layout::{Mark, is_title};
use super::matcher::Hit;
use super::scope::{Named, Scope};
use super::text::{Folded, is_unspaced, tidy};
use super::units::{Unit, UnitKind};
use super::vocab::cue::{self, Flags};
use super::vocab::{Langs, Target, Vocab};
use super::{
    MAX_TEXT_CHARS, Mention, MentionReason, NoticeKind, Request, RequestSource, UncheckedItem,
};

const MAX_LIST: usize = 200;
/// How sure a request for "other" is: the officer asked for something visanav cannot name.
const OTHER_CONFIDENCE: f64 = 0.5;
const MAX_INSTRUCTIONS: usize = 20;
/// At most this many units get the (slower) one-edit search for OCR-damaged words.
pub(super) const MAX_FUZZY_UNITS: usize = 10;

/// What the units have said so far.
#[derive(Default)]
pub(super) struct Acc {
    pub requests: Vec<Request>,
    pub unrecognized: Vec<String>,
    pub unchecked: Vec<UncheckedItem>,
    pub mentions: Vec<Mention>,
    pub instructions: Vec<String>,
    pub parts: BTreeSet<NoticeKind>,
    /// Dispositions stated only under a condition ("if you were told your case needs
    /// administrative processing ...").
    pub conditional_parts: BTreeSet<NoticeKind>,
    /// A sentence asks for documents without naming one ("you failed to present documents").
    pub generic_request: bool,
    /// A sentence says nothing more is asked ("no need to submit any documents", "不用再交任何
    /// 材料"): with no request read, the notice asks for no documents.
    pub nothing_asked: bool,
    /// A request came with a way to send it (courier, e-mail, upload): documents to send,
    /// not only to bring to a return interview.
    pub sent: bool,
    /// How many sentences ago one asked for something (for "Also two new photos." after
    /// it, or after it and a sentence saying what is not needed); `None` before any did.
    pub sentences_since_asked: Option<u8>,
    /// The last sentence asked what was requested ("What did they ask for?"): the next one
    /// answers it.
    pub answer_next: bool,
    pub fuzzy_left: usize,
}

impl Acc {
    /// Counts a sentence read, and whether it asked for something.
    fn sentence_read(&mut self, asked: bool) {
        self.sentences_since_asked = if asked {
            Some(1)
        } else {
            self.sentences_since_asked.map(|n| n.saturating_add(1))
        };
    }
}

/// An item's head noun stands within this many words of its start ("An English ...").
const HEAD_WORDS: usize = 4;
/// At most this many words join a document to a translated one before it.
/// "A translation of the police certificate and (of) the birth certificate": a document this
/// close to a translated one is translated too; one further on ("... into English and a police
/// certificate", "... на английский и решение суда") is a request of its own.
const COORDINATED_WORDS: usize = 2;
/// How close a translation cue must stand before its subject ("translation of your birth
/// certificate"), and an owner before the owned ("the petitioner's passport").
const SUBJECT_WORDS: usize = 3;
const OWNER_WORDS: usize = 2;
const TOGETHER_WORDS: usize = 6;
/// "Also two new photos": what an addition names comes within this many words of it.
const ADDED_WORDS: usize = 3;
/// "Also ..." adds to a request this many sentences back at most ("The consul asks for X.
/// The police certificate is not needed. And also two photos.").
const ADDED_AFTER_SENTENCES: u8 = 2;
/// An addition this short before a colon opens a list ("y de tu parte:").
const COLON_LIST_WORDS: usize = 5;
/// "We have received your birth certificate", "the police certificate you presented", "we
/// will keep your passport": these bind to the document they stand next to, not to every
/// document in the clause ("submit a new police certificate; the one you presented expired").
const RECEIVED_WORDS: usize = 4;
const KEPT_WORDS: usize = 4;
/// "Sellos de migración del pasaporte": how far after evidence of travel the passport that
/// holds it may be named.
const STAMPS_IN_WORDS: usize = 3;
/// "Before the Form I-129F was filed", "listed on his Form I-134": a reference stands
/// right next to the document.
const REFERENCE_WORDS: usize = 2;

pub(super) fn analyse(v: &Vocab, langs: Langs, unit: &Unit, acc: &mut Acc) {
    if matches!(unit.kind, UnitKind::Header) {
        return;
    }
    let f = Folded::new(&without_links(&unit.text));
    if f.is_empty() {
        return;
    }
    let hits = v.terms(&f);
    let cues = cues_outside_dispositions(v, &f, langs, &hits);
    let flags = cues.iter().fold(0, |a, h| a | h.value);
    let scope = Scope::new(&f, &cues);
    let text = tidy(&unit.text, MAX_TEXT_CHARS);

    let (mut named, disp) = documents_and_dispositions(unit, &scope, &hits, acc);
    assign_roles(v, &scope, &mut named);

    if let UnitKind::Box(Mark::Unchecked) = unit.kind {
        if acc.unchecked.len() < MAX_LIST {
            acc.unchecked.push(UncheckedItem {
                text,
                documents: ids(v, &named),
            });
        }
        return;
    }
    let sentence = matches!(unit.kind, UnitKind::Sentence);
    // "No need to submit any more documents" (a negation, a request word and a word for
    // documents in one sentence): with no request read elsewhere, nothing is asked.
    if sentence
        && flags & cue::NEGATION != 0
        && flags & cue::DOC_NOUN != 0
        && flags & (cue::REQUEST | cue::NEGATED_REQUEST) != 0
    {
        acc.nothing_asked = true;
    }
    if sentence && flags & (cue::CHANNEL | cue::TIMEFRAME) != 0 {
        push_unique(&mut acc.instructions, text.clone(), MAX_INSTRUCTIONS);
    }
    let (confidence, source) = match unit.kind {
        UnitKind::Box(Mark::Checked { sure }) => {
            (if sure { 0.95 } else { 0.8 }, RequestSource::CheckedBox)
        }
        UnitKind::ListItem => (0.85, RequestSource::ListItem),
        _ => (0.75, RequestSource::Narrative),
    };
    prune(v, &scope, &mut named, &unit.text, disp.any);

    // "Unsa may dad-on nimo?" (what will you bring?), "What did they ask for?": the next
    // message answers with the documents, often without a verb of its own ("ang mga
    // screenshot sa among chats ..."), unless it says what is not needed or already in.
    let answering = sentence
        && std::mem::take(&mut acc.answer_next)
        && !answers_no(&scope)
        && flags & (cue::NEGATION | cue::RECEIVED | cue::KEPT | cue::CONDITION | cue::UNTICKED)
            == 0;
    if named.is_empty() {
        // ... or, once something was asked, "anything else?", "ano pa?", "¿algo más?".
        let asks_more = flags & cue::ADDITION != 0 && acc.sentences_since_asked.is_some();
        if sentence && (flags & cue::REQUEST != 0 || asks_more) && asks_what(&unit.text) {
            acc.answer_next = true;
        }
        // "They asked me to send 3 more documents": what follows may add to it.
        if sentence {
            acc.sentence_read(flags & cue::REQUEST != 0);
        }
        unmatched(v, unit, &f, flags, &text, disp.any, acc, confidence);
        return;
    }
    let around = Around {
        comes_back: disp.comes_back,
        answering,
    };
    let mut fates = first_fates(v, unit, &scope, &named, flags, around, acc);
    spread_translation(v, unit, &scope, &named, &mut fates);
    // "[X] Your petition (Form I-129F) is being returned to USCIS": the petition is what
    // goes back, not a document to send.
    if disp.returned {
        for (n, fate) in named.iter().zip(fates.iter_mut()) {
            if v.doc_id(n.doc) == "i129f_approval" {
                *fate = Some(MentionReason::NotAsked);
            }
        }
    }
    // "Come back for another interview (they will e-mail you the date) and bring ...": the
    // e-mail is how the return is scheduled, not a way to send documents.
    let flags = if disp.comes_back && !channel_apart_from_return(&scope, &hits) {
        flags & !cue::CHANNEL
    } else {
        flags
    };
    // "o e-mail de convocação para a entrevista": a way to send inside a document's name is
    // part of the name.
    let flags = if flags & cue::CHANNEL != 0 && !channel_outside_documents(&scope, &named) {
        flags & !cue::CHANNEL
    } else {
        flags
    };
    let said = Said {
        text: &text,
        countries: v.countries_in(&unit.text),
        confidence,
        source,
        flags,
        sentence,
    };
    record(v, acc, &named, fates, &said);
}

/// A sentence that opens with a list number ("1. ", "2) ").
fn starts_numbered(text: &str) -> bool {
    let t = text.trim_start();
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    let rest = &t[digits..];
    (1..=2).contains(&digits) && (rest.starts_with(". ") || rest.starts_with(") "))
}

/// A short question about what was asked: it ends with a question mark (or opens with
/// "¿"), as chats ask it ("¿Qué te pidieron?", "Unsa may dad-on nimo?").
fn asks_what(text: &str) -> bool {
    const MAX_WORDS: usize = 8;
    // Chat questions often go without a question mark: "q te pidieron", "what dem want".
    const WHAT: &[&str] = &["q", "qué", "que", "oq", "what", "wat", "wah", "ano", "unsa"];
    let t = text.trim();
    let first = t.split_whitespace().next().map(|w| {
        w.trim_matches(|c: char| !c.is_alphanumeric())
            .to_lowercase()
    });
    (t.ends_with(['?', '？', '؟'])
        || t.starts_with('¿')
        || first.is_some_and(|w| WHAT.contains(&w.as_str())))
        && t.split_whitespace().count() <= MAX_WORDS
}

/// An answer that opens with "no" ("Non, ofisye a di I-134 la ok", "Hindi na", "Nahi"): the
/// question was whether something more is needed, and it is not. The words are each
/// language's `answer_no` list, so a word that says "no" in one language ("la" in romanised
/// Arabic) never stops an answer in another ("La carta de ...").
fn answers_no(scope: &Scope) -> bool {
    scope
        .cues()
        .iter()
        .any(|c| c.start == 0 && c.value & cue::ANSWER_NO != 0)
}

/// Whether a way-to-send cue stands outside every document named in the unit.
fn channel_outside_documents(scope: &Scope, named: &[Named]) -> bool {
    scope
        .cues()
        .iter()
        .filter(|c| c.value & cue::CHANNEL != 0)
        .any(|c| !named.iter().any(|n| c.start >= n.start && c.end <= n.end))
}

/// Whether a way to send stands apart from the return interview: not within a few words of
/// it, where it says how the return is scheduled ("come back for another interview (they will
/// e-mail you the date)").
fn channel_apart_from_return(scope: &Scope, hits: &[Hit<Target>]) -> bool {
    const NEAR: usize = 6;
    let returns: Vec<&Hit<Target>> = hits
        .iter()
        .filter(|h| matches!(h.value, Target::Disp(NoticeKind::InterviewReturn)))
        .collect();
    scope
        .cues()
        .iter()
        .filter(|c| c.value & cue::CHANNEL != 0)
        .any(|c| {
            !returns.iter().any(|r| {
                let near = if c.start >= r.end {
                    scope.words_between(r.end, c.start) <= NEAR
                } else {
                    scope.words_between(c.end, r.start) <= NEAR
                };
                near && scope.sentence_of(c.start) == scope.sentence_of(r.start)
            })
        })
}

/// The text with its web links and e-mail addresses blanked out: they name no document, but
/// their words would ("https://forms.office.com/...", "ais.usvisa-info.com/en-ph/passport",
/// "passport.requests@state.gov").
fn without_links(text: &str) -> std::borrow::Cow<'_, str> {
    let link = |w: &str| w.contains("://") || w.starts_with("www.") || w.contains('@');
    if !text.split_whitespace().any(link) {
        return std::borrow::Cow::Borrowed(text);
    }
    let words: Vec<&str> = text
        .split(' ')
        .map(|w| if link(w) { "" } else { w })
        .collect();
    std::borrow::Cow::Owned(words.join(" "))
}

/// A cue word inside a disposition's own phrase is that phrase ("hồ sơ được gửi trả về
/// USCIS": the "gửi" (send) of "sent back to USCIS" asks for nothing).
fn cues_outside_dispositions(
    v: &Vocab,
    f: &Folded,
    langs: Langs,
    hits: &[Hit<Target>],
) -> Vec<Hit<Flags>> {
    let mut cues = v.cues(f, langs);
    cues.retain(|c| {
        !hits
            .iter()
            .any(|h| matches!(h.value, Target::Disp(_)) && c.start >= h.start && c.end <= h.end)
    });
    cues
}

/// "will resume", "to resume", "can resume": the English verb spelled like "resume" (CV).
fn resume_is_a_verb(f: &Folded, start: usize) -> bool {
    const BEFORE_THE_VERB: [&str; 10] = [
        "will", "to", "can", "may", "would", "shall", "should", "cannot", "then", "and",
    ];
    let Some(from) = (0..start).rev().find(|&i| f.starts[i]) else {
        return false;
    };
    // Compared folded, as the text is ("will" folds to "wlll").
    let is = |w: &str, at: usize| {
        let w = Folded::new(w).chars;
        f.chars[at..].starts_with(&w)
    };
    is("resume", start)
        && BEFORE_THE_VERB
            .iter()
            .any(|w| is(w, from) && from + Folded::new(w).len() == start)
}

/// What the unit's dispositions say about the case.
#[derive(Default)]
struct Dispositions {
    /// The unit names a disposition at all (taken or not).
    any: bool,
    returned: bool,
    comes_back: bool,
}

/// The documents a unit names, and the parts of the notice its dispositions make (those
/// that are about this case, not negated or general).
fn documents_and_dispositions(
    unit: &Unit,
    scope: &Scope,
    hits: &[Hit<Target>],
    acc: &mut Acc,
) -> (Vec<Named>, Dispositions) {
    let mut named: Vec<Named> = Vec::new();
    let mut disp = Dispositions::default();
    for h in hits {
        let n = Named {
            doc: 0,
            start: h.start,
            end: h.end,
        };
        match h.value {
            Target::Doc(doc) => named.push(Named { doc, ..n }),
            Target::Disp(kind) => {
                disp.any = true;
                // "Administrative processing may take up to 120 days": about such cases in
                // general, not this one.
                // Only a negation before it unsays a disposition ("no further processing is
                // needed"); one after it is about the documents ("administrative processing;
                // you need not send anything").
                // ... in its own phrase: "no documents are needed, administrative processing"
                // says the case is in administrative processing.
                let negated_before = scope
                    .in_clause(&n, cue::NEGATION)
                    .any(|h| h.end <= n.start && !scope.mark_between(h.end, n.start));
                // "¿Tiene que regresar a entrevista o se envía?": a question asks whether.
                let asked = matches!(unit.kind, UnitKind::Sentence | UnitKind::ListItem)
                    && scope.question(&n);
                if unit_is_unchecked(unit)
                    || asked
                    || negated_before
                    || scope.any_in_clause(&n, cue::GENERAL)
                    || scope.right_after(&n, cue::HEDGE, 1)
                {
                    continue;
                }
                if scope.conditional(&n) {
                    acc.conditional_parts.insert(kind);
                } else {
                    acc.parts.insert(kind);
                    disp.returned |= kind == NoticeKind::PetitionReturned;
                    disp.comes_back |= kind == NoticeKind::InterviewReturn;
                }
            }
        }
    }
    (named, disp)
}

/// What stands around a unit that bears on its documents' fates.
#[derive(Clone, Copy)]
struct Around {
    /// The unit names a return interview.
    comes_back: bool,
    /// The unit answers "what did they ask for?".
    answering: bool,
}

/// Each named document's fate, judged by its own clause: `None` is a request.
fn first_fates(
    v: &Vocab,
    unit: &Unit,
    scope: &Scope,
    named: &[Named],
    flags: Flags,
    around: Around,
    acc: &mut Acc,
) -> Vec<Option<MentionReason>> {
    let Around {
        comes_back,
        answering,
    } = around;
    let sentence = matches!(unit.kind, UnitKind::Sentence);
    // "Return to the Consulate with this handout, your passport and the documents": in a
    // sentence about the return visit that sends nothing, the passport is what to carry.
    // A logistics word inside a document's own name ("suhbatga taklif xati": the letter
    // inviting to the interview) is that name, not the visit. (Only logistics: other cues
    // inside a document's name, "คำแปล" (translation of) in "คำแปลสูติบัตร", do their work.)
    let logistics_cue = scope.cues().iter().any(|h| {
        h.value & cue::LOGISTICS != 0 && !named.iter().any(|n| h.start >= n.start && h.end <= n.end)
    });
    let logistics = logistics_cue || (comes_back && sentence && flags & cue::CHANNEL == 0);
    // "Also two new photos.": a sentence that opens by adding to one that asked, asks too.
    let addition = scope
        .cues()
        .iter()
        .find(|h| h.value & cue::ADDITION != 0 && h.start == 0)
        .map(|h| h.end)
        .or_else(|| joined_and(scope.f).then_some(1));
    let recently_asked = acc
        .sentences_since_asked
        .is_some_and(|n| n <= ADDED_AFTER_SENTENCES);
    // "1. ...", "2. ...": the numbered messages of a chat that go on from a request.
    let numbered = sentence && starts_numbered(&unit.text);
    let adds_to_ask = sentence && recently_asked && (addition.is_some() || numbered);
    if sentence {
        acc.sentence_read(flags & cue::REQUEST != 0 || adds_to_ask || answering);
    }
    // "y de tu parte: ...": a few words, then a colon that opens the addition's list.
    let colon_list = unit
        .text
        .find(':')
        .is_some_and(|i| unit.text[..i].split_whitespace().count() <= COLON_LIST_WORDS);
    let translated = translated_subjects(v, scope, named);
    named
        .iter()
        .zip(translated)
        .map(|(n, translated)| {
            if translated {
                Some(MentionReason::TranslationOf)
            } else {
                // Only what the addition names right away ("also two new photos"), not what a
                // longer sentence goes on to mention; unless a colon makes the rest its list
                // ("y de tu parte: el I-134, una carta de tu trabajo y tus taxes").
                let added = answering
                    || adds_to_ask
                        && (numbered
                            || colon_list
                            || addition.is_some_and(|end| {
                                scope.words_between(end, n.start) <= ADDED_WORDS
                            }));
                judge(v, unit, scope, n, logistics, added)
            }
        })
        .collect()
}

/// A translation spreads: to documents joined to a translated one, to what an item headed
/// by a translation names, and to every naming of a translated document.
fn spread_translation(
    v: &Vocab,
    unit: &Unit,
    scope: &Scope,
    named: &[Named],
    fates: &mut [Option<MentionReason>],
) {
    // "A translation of the police certificate and (of) the birth certificate": a document
    // joined to a translated one in the same clause by a few words ("of the Judicial Record
    // No. 2 and of the birth certificate") is translated too.
    for i in 1..named.len() {
        if fates[i - 1] == Some(MentionReason::TranslationOf)
            && v.doc_id(named[i].doc) != "translation"
            && scope.words_between(named[i - 1].end, named[i].start) <= COORDINATED_WORDS
            && scope.clause_of(named[i - 1].start) == scope.clause_of(named[i].start)
        {
            fates[i] = Some(MentionReason::TranslationOf);
        }
    }
    // An item that opens with a translation asks for that translation; the documents it
    // names later are what is translated ("Yon tradiksyon an angle, ak deklarasyon siyen
    // tradiktè a, pou ekstrè achiv ou a ak pou jijman divòs ou a").
    let item = matches!(unit.kind, UnitKind::ListItem | UnitKind::Box(_));
    if item
        && named.first().is_some_and(|n| {
            v.doc_id(n.doc) == "translation" && scope.words_between(0, n.start) <= HEAD_WORDS
        })
    {
        for (n, fate) in named.iter().zip(fates.iter_mut()).skip(1) {
            if v.doc_id(n.doc) != "translation" && fate.is_none() {
                *fate = Some(MentionReason::TranslationOf);
            }
        }
    }
    // The same document named twice in one unit ("your birth certificate (Registro Civil de
    // Nacimiento)") is one item: the subject of a translation stays one.
    for i in 0..named.len() {
        let doc = named[i].doc;
        let subject = named
            .iter()
            .zip(fates.iter())
            .any(|(m, f)| m.doc == doc && *f == Some(MentionReason::TranslationOf));
        if subject {
            fates[i] = Some(MentionReason::TranslationOf);
        }
    }
}

/// How a unit said what it names.
struct Said<'a> {
    text: &'a str,
    countries: Vec<String>,
    confidence: f64,
    source: RequestSource,
    flags: Flags,
    sentence: bool,
}

/// "[X] Section 221(g)", "212(a)(4)", "■ 221(g) – Documentos faltantes / Missing documents": a
/// ticked line that names, or opens with, the section the refusal is under (read into
/// `sections`), not a document to send.
fn names_a_section(text: &str) -> bool {
    const SECTIONS: [&str; 3] = ["221(", "212(", "214("];
    let words = text.split_whitespace().count();
    if words <= 3 && SECTIONS.iter().any(|s| text.contains(s)) {
        return true;
    }
    let mut rest = text
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase();
    for label in [
        "section", "sección", "seccion", "seção", "secao", "ina", "§",
    ] {
        if let Some(r) = rest.strip_prefix(label) {
            rest = r.trim_start().to_string();
        }
    }
    let rest = rest.replace(' ', "");
    // OCR's "22l(g)" too: the section reader takes "l" and "I" for 1.
    let head: String = rest.chars().take(SECTION_CHARS).collect();
    SECTIONS.iter().any(|s| rest.starts_with(s))
        || !super::dates::find_sections(&head, 1).is_empty()
}

/// "212(a)(6)(C)(i)" and "22l(g)" fit in this many characters from where a section starts.
const SECTION_CHARS: usize = 8;

/// Adds each named document as a request or, with its reason, a mention.
fn record(
    v: &Vocab,
    acc: &mut Acc,
    named: &[Named],
    fates: Vec<Option<MentionReason>>,
    said: &Said<'_>,
) {
    let Said {
        text,
        ref countries,
        confidence,
        source,
        flags,
        sentence,
    } = *said;
    for (n, fate) in named.iter().zip(fates) {
        let document = v.doc_id(n.doc).to_string();
        match fate {
            None => {
                add_request(acc, &document, text, countries, confidence, source);
                // A way to send, in the request's own words (a heading's "schedule through
                // ustraveldocs" is how to book the return, not how to send).
                acc.sent |= flags & cue::CHANNEL != 0;
            }
            Some(reason) => {
                // "Please submit additional documents" asks for something unnamed; "please
                // do not submit additional documents" does not.
                if document == "other"
                    && sentence
                    && flags & cue::NEGATION != 0
                    && matches!(reason, MentionReason::Negated | MentionReason::NotAsked)
                {
                    acc.nothing_asked = true;
                }
                if document == "other"
                    && sentence
                    && flags & cue::REQUEST != 0
                    && flags & cue::NEGATION == 0
                    && reason == MentionReason::NotAsked
                {
                    acc.generic_request = true;
                }
                // "... asking him to complete Form DS-5535. He submitted it on March 20": a
                // later sentence says the document asked for in an earlier one was sent.
                // Not a question ("India's PCC was given, wasn't it?"), and only the same
                // country's certificate.
                if sentence
                    && reason == MentionReason::AlreadyReceived
                    && !text.trim_end().ends_with(['?', '？', '؟'])
                {
                    withdraw(acc, &document, countries);
                }
                if acc.mentions.len() < MAX_LIST
                    && !acc
                        .mentions
                        .iter()
                        .any(|m| m.document == document && m.text == text)
                {
                    acc.mentions.push(Mention {
                        document,
                        text: text.to_string(),
                        reason,
                    });
                }
            }
        }
    }
}

fn unit_is_unchecked(unit: &Unit) -> bool {
    matches!(unit.kind, UnitKind::Box(Mark::Unchecked))
}

/// Why a named document is not a request here, or `None` when it is one.
fn judge(
    v: &Vocab,
    unit: &Unit,
    scope: &Scope,
    n: &Named,
    logistics: bool,
    adds_to_ask: bool,
) -> Option<MentionReason> {
    let id = v.doc_id(n.doc);
    if id != "translation" && scope.right_before(n, cue::TRANSLATION_OF, SUBJECT_WORDS) {
        return Some(MentionReason::TranslationOf);
    }
    if scope.negated(n) || scope.in_sentence(n, cue::UNTICKED) {
        return Some(MentionReason::Negated);
    }
    if scope.near_in_phrase(n, cue::KEPT, KEPT_WORDS) {
        return Some(MentionReason::KeptByPost);
    }
    if scope.near_in_phrase(n, cue::RECEIVED, RECEIVED_WORDS) {
        return Some(MentionReason::AlreadyReceived);
    }
    // "Before the I-129F was filed", "issued in the name on your passport", "passport
    // number": named only as a reference, even inside a ticked item.
    if scope.right_after_in_clause(n, cue::REFERENCE, REFERENCE_WORDS)
        || scope.right_before(n, cue::REFERENCE_BEFORE, REFERENCE_WORDS)
    {
        return Some(MentionReason::NotAsked);
    }
    if matches!(unit.kind, UnitKind::Box(_)) {
        // The officer ticked it: conditions and general wording on the form do not matter,
        // except a condition the item adds in a later sentence of its own ("NBI clearance.
        // If it has a HIT, also submit the court disposition").
        if !scope.in_first_sentence(n) && scope.conditional(n) {
            return Some(MentionReason::Conditional);
        }
        // ... or one printed after it ("Divorce decree - only if you were married before"):
        // whether it applies is the applicant's to check, so it is shown, not counted.
        if scope.condition_after(n) {
            return Some(MentionReason::Conditional);
        }
        return None;
    }
    if matches!(unit.kind, UnitKind::Sentence)
        && let Some(reason) = scope.said_of_subject(n)
    {
        return Some(reason);
    }
    // A question asks about a document, not for it: an applicant's question quoted in an
    // e-mail thread or a forum post ("Do I need to send my passport again?"), or listed
    // ("Two questions: 1. Should I send ...?"). Posts write their requests as instructions.
    if matches!(unit.kind, UnitKind::Sentence | UnitKind::ListItem) && scope.question(n) {
        return Some(MentionReason::NotAsked);
    }
    // A list item means what its heading says: "we have received the following:".
    for (flag, reason) in [
        (cue::RECEIVED, MentionReason::AlreadyReceived),
        (cue::NEGATION, MentionReason::Negated),
        (cue::CONDITION, MentionReason::Conditional),
        (cue::GENERAL, MentionReason::General),
        (cue::REASON, MentionReason::NotAsked),
    ] {
        // "Please note, the following are required:" asks all the same; "General
        // reminders:" and "Reasons:" do not.
        let unsaid = matches!(flag, cue::GENERAL | cue::REASON) && unit.context & cue::REQUEST != 0;
        if unit.context & flag != 0 && !unsaid {
            return Some(reason);
        }
    }
    if logistics && matches!(id, "passport" | "appointment_letter") {
        return Some(MentionReason::Logistics);
    }

    // A list whose heading asks for translations: "certified translations of:" then items.
    if unit.context & cue::TRANSLATION_OF != 0 && id != "translation" {
        return Some(MentionReason::TranslationOf);
    }

    if scope.conditional(n) {
        return Some(MentionReason::Conditional);
    }
    if scope.any_in_clause_outside(n, cue::GENERAL) {
        return Some(MentionReason::General);
    }
    if scope.optional(n) {
        return Some(MentionReason::Optional);
    }
    // "Other" comes from generic words ("additional documents"): in a sentence it names
    // nothing to send.
    // A thing the catalogue has no id for, named as such ("户口本", "Aadhaar card"), is judged
    // like any document.
    let generic = || {
        scope
            .cues()
            .iter()
            .any(|c| c.value & cue::DOC_NOUN != 0 && c.start >= n.start && c.end <= n.end)
    };
    if id == "other" && matches!(unit.kind, UnitKind::Sentence) && generic() {
        return Some(MentionReason::NotAsked);
    }
    // In a sentence, the asking must be in the document's own clause: "for the birth
    // certificate, we have the original; please send its translation".
    let asked_in_list = inline_list(&unit.text) && scope.asked_before_semicolons(n);
    if matches!(unit.kind, UnitKind::Sentence)
        && !scope.in_sentence(n, cue::REQUEST)
        && !adds_to_ask
        && !asked_in_list
    {
        return Some(MentionReason::NotAsked);
    }
    None
}

/// A list written inline: a colon, then items ending at semicolons ("muni(e) de : jugement
/// ... ; jugement d'adoption ... ; nouvelle visite médicale ..."). In prose, a semicolon
/// joins clauses that each say their own thing ("... to this Embassy; samples will be taken
/// by our panel physician").
fn inline_list(text: &str) -> bool {
    text.find([':', '：'])
        .is_some_and(|colon| text[colon..].contains([';', '；']))
}

/// Documents directly followed by a translation: "birth certificate translation",
/// "出生公证书的翻译件" (one connecting character allowed in scripts without spaces), or with
/// a word or two of description between that are no function words of any language (Tamil
/// "பிறப்புச் சான்றிதழின் சான்றளிக்கப்பட்ட ஆங்கில மொழிபெயர்ப்பு", the birth certificate's
/// certified English translation; not "birth certificate with a translation").
fn translated_subjects(v: &Vocab, scope: &Scope, named: &[Named]) -> Vec<bool> {
    const DESCRIBING_WORDS: usize = 2;
    named
        .iter()
        .map(|n| {
            v.doc_id(n.doc) != "translation"
                && named.iter().any(|m| {
                    v.doc_id(m.doc) == "translation"
                        && m.start >= n.end
                        && match scope.words_between(n.end, m.start) {
                            0 => true,
                            1 if m.start - n.end == 1 && is_unspaced(scope.f.chars[n.end]) => true,
                            w => {
                                w <= DESCRIBING_WORDS
                                    && !scope.break_between(n.end, m.start)
                                    && !named.iter().any(|o| o.start >= n.end && o.end <= m.start)
                                    && !v.stopword_within_but_genitives(scope.f, n.end, m.start)
                            }
                        }
                })
        })
        .collect()
}

/// Documents named in a role: the petitioner's passport or birth certificate proves the
/// petitioner's citizenship; photos "of you together" are evidence of the relationship.
fn assign_roles(v: &Vocab, scope: &Scope, named: &mut [Named]) {
    let citizenship = v.doc_index("petitioner_citizenship");
    let relationship = v.doc_index("relationship_evidence");
    for n in named.iter_mut() {
        let id = v.doc_id(n.doc);
        // The owner stands before ("the petitioner's passport") or, in many languages,
        // right after ("el pasaporte del peticionario").
        let owned = scope.right_before(n, cue::PETITIONER, OWNER_WORDS)
            || scope.right_after(n, cue::PETITIONER, 0);
        // "For your minor daughter (K-2 applicant): her birth certificate": the owner is the
        // child named before.
        let childs = scope
            .cues()
            .iter()
            .any(|h| h.value & cue::CHILD != 0 && h.end <= n.start);
        if matches!(id, "passport" | "birth_certificate")
            && owned
            && !childs
            && let Some(c) = citizenship
        {
            n.doc = c;
        } else if id == "photos"
            && scope.near(n, cue::TOGETHER, TOGETHER_WORDS)
            && let Some(r) = relationship
        {
            n.doc = r;
        }
    }
}

/// Drops readings the rest of the unit contradicts. "Other" comes from generic words
/// ("additional information"): in a unit that states a disposition, in a title line, or
/// beside a real document it names nothing to send. A passport named with the petitioner's
/// citizenship ("the biographic page of his U.S. passport") is the petitioner's.
fn prune(v: &Vocab, scope: &Scope, named: &mut Vec<Named>, text: &str, has_disp: bool) {
    let has = |named: &[Named], id: &str| named.iter().any(|n| v.doc_id(n.doc) == id);
    if has(named, "other") && (has_disp || is_title(text) || named.len() > 1) {
        named.retain(|n| v.doc_id(n.doc) != "other");
    }
    // "Processing will resume once you submit ...": the verb, not a CV.
    named.retain(|n| v.doc_id(n.doc) != "resume" || !resume_is_a_verb(scope.f, n.start));
    if has(named, "petitioner_citizenship") && has(named, "passport") {
        named.retain(|n| v.doc_id(n.doc) != "passport");
    }
    // "los sellos de migración del pasaporte de Mike", "the stamps in his passport": the
    // passport is where the evidence of travel is, not a document asked for.
    let travel_ends: Vec<usize> = named
        .iter()
        .filter(|n| matches!(v.doc_id(n.doc), "meeting_evidence" | "immigration_history"))
        .map(|n| n.end)
        .collect();
    named.retain(|n| {
        v.doc_id(n.doc) != "passport"
            || !travel_ends
                .iter()
                .any(|&end| n.start >= end && scope.words_between(end, n.start) <= STAMPS_IN_WORDS)
    });
    // "A court decision explaining the difference in your name between your passport and
    // your birth certificate": those are the documents compared, and the court decision is
    // the proof of the name, not a criminal court record.
    if has(named, "name_change") {
        named.retain(|n| {
            !matches!(
                v.doc_id(n.doc),
                "passport" | "birth_certificate" | "court_records"
            )
        });
    }
    // "Evidence of your departure from the United States (I-94 record, boarding pass or exit
    // stamp)": the boarding pass proves the departure, not a meeting.
    if has(named, "immigration_history") {
        named.retain(|n| v.doc_id(n.doc) != "meeting_evidence");
    }
    // "Copies of the passport pages showing your entry and exit stamps": the passport is
    // where the proof of the visit is, not a request for the passport.
    let meeting: Vec<(usize, usize)> = named
        .iter()
        .filter(|n| v.doc_id(n.doc) == "meeting_evidence")
        .map(|n| (n.start, n.end))
        .collect();
    if !meeting.is_empty() {
        named.retain(|n| {
            !matches!(v.doc_id(n.doc), "passport" | "petitioner_citizenship")
                || !meeting.iter().any(|&(s, e)| {
                    n.end <= s && scope.words_between(n.end, s) <= 6
                        || n.start >= e && scope.words_between(e, n.start) <= 6
                })
        });
    }
}

/// Arabic writes "and" as a letter joined to the next word: "وتذاكر الطيران" (and the plane
/// tickets) opening a message adds to the one before, like "and" or "also" in other
/// languages.
fn joined_and(f: &Folded) -> bool {
    f.chars.first() == Some(&'و')
        && f.chars
            .get(1)
            .is_some_and(|c| ('\u{0621}'..='\u{064A}').contains(c))
        && f.ends.get(1) == Some(&false)
}

/// A unit that names no known document: a ticked box or list item may be OCR-damaged (a
/// one-edit search), or a request the catalogue lacks: shown to the user, never dropped.
#[allow(clippy::too_many_arguments)]
fn unmatched(
    v: &Vocab,
    unit: &Unit,
    f: &Folded,
    flags: Flags,
    text: &str,
    dispositions: bool,
    acc: &mut Acc,
    confidence: f64,
) {
    let negated = flags & (cue::NEGATION | cue::CONDITION) != 0;
    match unit.kind {
        UnitKind::Sentence => {
            if negated || flags & cue::REQUEST == 0 || flags & cue::RECEIVED != 0 {
                return;
            }
            // "You failed to present documents ...": a request that names nothing. Hedged
            // ("may be overcome once the missing documentation and/or administrative
            // processing ...") only where it is offered beside a disposition.
            if flags & cue::DOC_NOUN != 0
                && flags & cue::HEADING == 0
                && (flags & cue::HEDGE == 0 || dispositions)
            {
                acc.generic_request = true;
            }
            if !dispositions
                && flags & cue::DOC_NOUN != 0
                && flags & (cue::GENERAL | cue::CHANNEL | cue::HEADING | cue::HEDGE) == 0
                && !is_title(&unit.text)
                && unit.text.split_whitespace().count() >= 4
            {
                push_unique(&mut acc.unrecognized, text.to_string(), MAX_LIST);
            }
        }
        UnitKind::Box(_) | UnitKind::ListItem => {
            if dispositions || negated || names_a_section(&unit.text) {
                return;
            }
            // A reminder or a reason in a list ("Todos los documentos deben presentarse en
            // original", an item under "Reasons:") asks for nothing.
            let listed_aside = matches!(unit.kind, UnitKind::ListItem)
                && (flags & cue::GENERAL != 0
                    || (unit.context & (cue::GENERAL | cue::REASON | cue::RECEIVED) != 0
                        && unit.context & cue::REQUEST == 0));
            if listed_aside {
                return;
            }
            if flags & cue::CHANNEL != 0 {
                // "Send the documents by DHL": how to submit, not what.
                push_unique(&mut acc.instructions, text.to_string(), MAX_INSTRUCTIONS);
                if flags & cue::DOC_NOUN == 0 || flags & cue::HEADING != 0 {
                    return;
                }
            }
            if acc.fuzzy_left > 0 {
                acc.fuzzy_left -= 1;
                if let Some(d) = v.fuzzy_doc(f) {
                    let source = match unit.kind {
                        UnitKind::ListItem => RequestSource::ListItem,
                        _ => RequestSource::CheckedBox,
                    };
                    add_request(acc, v.doc_id(d), text, &[], confidence * 0.7, source);
                    return;
                }
            }
            if f.chars.iter().filter(|c| c.is_alphabetic()).count() >= 3 {
                push_unique(&mut acc.unrecognized, text.to_string(), MAX_LIST);
                // A ticked item or listed request visanav cannot name is still a request:
                // "other", shown with the officer's words and marked for the user to check.
                let heading = flags & cue::HEADING != 0 || unit.text.trim_end().ends_with(':');
                let words = f.starts.iter().filter(|s| **s).count();
                if words >= 2 && !is_title(&unit.text) && !heading {
                    let source = match unit.kind {
                        UnitKind::ListItem => RequestSource::ListItem,
                        _ => RequestSource::CheckedBox,
                    };
                    add_request(acc, "other", text, &[], OTHER_CONFIDENCE, source);
                }
            }
        }
        UnitKind::Header => {}
    }
}

/// Documents that come from a country: the country a notice names with them is kept.
const COUNTRY_DOCUMENTS: &[&str] = &["police_certificate", "court_records", "military_records"];

fn add_request(
    acc: &mut Acc,
    document: &str,
    text: &str,
    countries: &[String],
    confidence: f64,
    source: RequestSource,
) {
    let mut cs: Vec<Option<String>> = Vec::new();
    if COUNTRY_DOCUMENTS.contains(&document) {
        cs.extend(countries.iter().cloned().map(Some));
    }
    if cs.is_empty() {
        cs.push(None);
    }
    for country in cs {
        if let Some(existing) = acc
            .requests
            .iter_mut()
            .find(|r| r.document == document && r.country == country)
        {
            if confidence > existing.confidence {
                existing.confidence = confidence;
                existing.text = text.to_string();
                existing.source = source;
            }
            continue;
        }
        if acc.requests.len() < MAX_LIST {
            acc.requests.push(Request {
                document: document.to_string(),
                text: text.to_string(),
                country,
                country_inferred: false,
                confidence,
                source,
            });
        }
    }
}

fn ids(v: &Vocab, named: &[Named]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in named {
        let id = v.doc_id(n.doc);
        if !out.iter().any(|o| o == id) {
            out.push(id.to_string());
        }
    }
    out
}

/// Moves narrative requests for `document` back to mentions: a later sentence says it
/// was already sent. When that sentence names countries, only their certificates: "the
/// Indian PCC was received" leaves the UAE one asked for.
fn withdraw(acc: &mut Acc, document: &str, countries: &[String]) {
    let same_country = |r: &Request| {
        countries.is_empty() || r.country.as_ref().is_none_or(|c| countries.contains(c))
    };
    let (moved, kept): (Vec<Request>, Vec<Request>) = std::mem::take(&mut acc.requests)
        .into_iter()
        .partition(|r| {
            r.document == document && r.source == RequestSource::Narrative && same_country(r)
        });
    acc.requests = kept;
    acc.mentions.extend(moved.into_iter().map(|r| Mention {
        document: r.document,
        text: r.text,
        reason: MentionReason::AlreadyReceived,
    }));
}

/// Settles what only the whole notice shows: a petition going back to USCIS is not a
/// request for the petition's approval notice, whatever a sentence about it says.
pub(super) fn settle(acc: &mut Acc) {
    if acc.parts.contains(&NoticeKind::PetitionReturned) {
        let (moved, kept): (Vec<Request>, Vec<Request>) = std::mem::take(&mut acc.requests)
            .into_iter()
            .partition(|r| r.document == "i129f_approval" && r.source == RequestSource::Narrative);
        acc.requests = kept;
        for r in moved {
            acc.mentions.push(Mention {
                document: r.document,
                text: r.text,
                reason: MentionReason::NotAsked,
            });
        }
    }
}

pub(super) fn push_unique(list: &mut Vec<String>, text: String, max: usize) {
    if list.len() < max && !list.contains(&text) {
        list.push(text);
    }
}
