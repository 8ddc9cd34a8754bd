//! The reader's vocabulary, built once from the knowledge base's `notice/*.toml` files: the
//! document terms, the cue words that say what a sentence does with them, the disposition
//! phrases, and the names of posts and countries.

use rustc_hash::FxHashMap as HashMap;

use crate::knowledge::{GAP, Knowledge};

use super::NoticeKind;
use super::matcher::{GapMatcher, Hit, Matcher};
use super::text::Folded;
use cue::Flags;

/// What a matched phrase stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Target {
    /// A document, by index into [`Vocab::doc_ids`].
    Doc(u16),
    /// What happens to the case.
    Disp(NoticeKind),
}

/// Kinds of cue words, as bit flags (a phrase can be several at once).
pub(super) mod cue {
    /// A set of cue kinds.
    pub type Flags = u64;

    pub const REQUEST: Flags = 1;
    pub const NEGATION: Flags = 1 << 1;
    pub const CONDITION: Flags = 1 << 2;
    pub const HEDGE: Flags = 1 << 3;
    pub const GENERAL: Flags = 1 << 4;
    pub const RECEIVED: Flags = 1 << 5;
    pub const KEPT: Flags = 1 << 6;
    pub const HEADING: Flags = 1 << 7;
    pub const CHANNEL: Flags = 1 << 8;
    pub const EMBASSY: Flags = 1 << 9;
    pub const PETITIONER: Flags = 1 << 10;
    pub const TRANSLATION_OF: Flags = 1 << 11;
    pub const TOGETHER: Flags = 1 << 12;
    pub const LOGISTICS: Flags = 1 << 13;
    pub const REFUSAL: Flags = 1 << 14;
    pub const DEADLINE: Flags = 1 << 15;
    pub const DATE_LABEL: Flags = 1 << 16;
    pub const DOC_NOUN: Flags = 1 << 17;
    pub const CONTRAST: Flags = 1 << 18;
    pub const MAIL_HEADER: Flags = 1 << 19;
    pub const REFERENCE: Flags = 1 << 20;
    pub const REFERENCE_BEFORE: Flags = 1 << 21;
    pub const HEDGE_AFTER: Flags = 1 << 22;
    pub const ADDITION: Flags = 1 << 23;
    pub const TIMEFRAME: Flags = 1 << 24;
    pub const GIVEN: Flags = 1 << 25;
    pub const REASON: Flags = 1 << 26;
    /// A child of the case ("your minor daughter", "K-2"): "her birth certificate" after it
    /// is the child's, not the petitioner's.
    pub const CHILD: Flags = 1 << 27;
    /// An applicant saying a box on the slip was not ticked ("woh tick nahi hai", "the box
    /// was left blank"): nothing the sentence names is asked for.
    pub const UNTICKED: Flags = 1 << 28;
    /// A word that opens an answer saying no ("hindi", "нет"): only its place matters, first
    /// in a message that answers a question.
    pub const ANSWER_NO: Flags = 1 << 29;
    /// "Yesterday": the refusal was the day before the letter's or e-mail's date.
    pub const YESTERDAY: Flags = 1 << 30;
    /// "no", "não", "не": negates the request verb right after it (or after clitics).
    pub const NEGATION_PARTICLE: Flags = 1 << 31;
    /// "nos", "lhe", "nous": a pronoun that may stand between the particle and the verb.
    pub const CLITIC: Flags = 1 << 32;
    /// Set on a phrase written with a comma or colon in it ("wtedy, gdy"): only such a phrase
    /// may match across one.
    pub const ACROSS_MARK: Flags = 1 << 33;
    /// A request word a negation overlaps ("不用再交"): no request, but a sentence with it and
    /// a word for documents says nothing more is asked.
    pub const NEGATED_REQUEST: Flags = 1 << 34;
    /// "Today": the refusal was on the date of the letter or message that says so.
    pub const TODAY: Flags = 1 << 35;

    /// The flag for a cue list's name in the vocabulary files.
    pub fn of(name: &str) -> Flags {
        match name {
            "request" => REQUEST,
            "negation" => NEGATION,
            "condition" => CONDITION,
            "hedge" => HEDGE,
            "general" => GENERAL,
            "received" => RECEIVED,
            "kept" => KEPT,
            "heading" => HEADING,
            "channel" => CHANNEL,
            "embassy" => EMBASSY,
            "petitioner" => PETITIONER,
            "translation_of" => TRANSLATION_OF,
            "together" => TOGETHER,
            "logistics" => LOGISTICS,
            "refusal" => REFUSAL,
            "deadline" => DEADLINE,
            "date_label" => DATE_LABEL,
            "doc_noun" => DOC_NOUN,
            "contrast" => CONTRAST,
            "mail_header" => MAIL_HEADER,
            "reference" => REFERENCE,
            "reference_before" => REFERENCE_BEFORE,
            "hedge_after" => HEDGE_AFTER,
            "addition" => ADDITION,
            "timeframe" => TIMEFRAME,
            "given" => GIVEN,
            "reason" => REASON,
            "child" => CHILD,
            "unticked" => UNTICKED,
            "answer_no" => ANSWER_NO,
            "yesterday" => YESTERDAY,
            "today" => TODAY,
            "negation_particle" => NEGATION_PARTICLE,
            "clitic" => CLITIC,
            _ => 0,
        }
    }
}

/// The languages a notice is written in, as a bit set over [`Vocab::languages`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Langs(u128);

impl Langs {
    fn has(self, i: u8) -> bool {
        i < MAX_LANGUAGES && self.0 & (1 << i) != 0
    }
}

/// The most languages a notice can be detected in: the width of [`Langs`].
const MAX_LANGUAGES: u8 = 128;

/// A notice is taken to be in a language when it holds this many different stopwords of it.
const MIN_STOPWORDS: usize = 2;
/// ... or this many letters of the language's own script (for scripts other than Latin).
const MIN_SCRIPT_CHARS: usize = 6;

/// Scripts that tell a language (or a few) apart from Latin-script text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Cyrillic,
    Arabic,
    Hebrew,
    Armenian,
    Georgian,
    Devanagari,
    Bengali,
    Gurmukhi,
    Gujarati,
    Oriya,
    Telugu,
    Kannada,
    Malayalam,
    Greek,
    Tamil,
    Sinhala,
    Thai,
    Lao,
    Myanmar,
    Khmer,
    Ethiopic,
    Hangul,
    Kana,
    Han,
}

fn script_of(c: char) -> Option<Script> {
    Some(match c {
        '\u{0400}'..='\u{04FF}' => Script::Cyrillic,
        '\u{0530}'..='\u{058F}' => Script::Armenian,
        '\u{0590}'..='\u{05FF}' => Script::Hebrew,
        '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' => Script::Arabic,
        '\u{0900}'..='\u{097F}' => Script::Devanagari,
        '\u{0980}'..='\u{09FF}' => Script::Bengali,
        '\u{0A00}'..='\u{0A7F}' => Script::Gurmukhi,
        '\u{0A80}'..='\u{0AFF}' => Script::Gujarati,
        '\u{0B00}'..='\u{0B7F}' => Script::Oriya,
        '\u{0C00}'..='\u{0C7F}' => Script::Telugu,
        '\u{0C80}'..='\u{0CFF}' => Script::Kannada,
        '\u{0D00}'..='\u{0D7F}' => Script::Malayalam,
        '\u{0370}'..='\u{03FF}' | '\u{1F00}'..='\u{1FFF}' => Script::Greek,
        '\u{0B80}'..='\u{0BFF}' => Script::Tamil,
        '\u{0D80}'..='\u{0DFF}' => Script::Sinhala,
        '\u{0E00}'..='\u{0E7F}' => Script::Thai,
        '\u{0E80}'..='\u{0EFF}' => Script::Lao,
        '\u{1000}'..='\u{109F}' => Script::Myanmar,
        '\u{10A0}'..='\u{10FF}' => Script::Georgian,
        '\u{1200}'..='\u{137F}' => Script::Ethiopic,
        '\u{1780}'..='\u{17FF}' => Script::Khmer,
        '\u{1100}'..='\u{11FF}' | '\u{AC00}'..='\u{D7AF}' => Script::Hangul,
        '\u{3040}'..='\u{30FF}' => Script::Kana,
        '\u{4E00}'..='\u{9FFF}' => Script::Han,
        _ => return None,
    })
}

#[derive(Debug, Clone)]
pub(super) struct Vocab {
    pub doc_ids: Vec<String>,
    /// Document terms and disposition phrases. Dispositions are added first, so where a
    /// document term says the same ("returned to uscis") the disposition wins.
    terms: Matcher<Target>,
    gaps: GapMatcher<Target>,
    /// Cue words: (flag, language index). A phrase in several lists has several entries.
    cues: Matcher<(Flags, u8)>,
    /// Only the "yesterday" and "today" cues: the date reader asks of many sentences whether
    /// they say one, and the full cue matching is too costly there.
    day_cues: Matcher<(Flags, u8)>,
    stopwords: Matcher<u8>,
    /// Language codes, in load order.
    pub languages: Vec<String>,
    /// The scripts each language is written in (of its stopwords), for languages whose script
    /// alone tells them apart from Latin-script text.
    scripts: Vec<Vec<Script>>,
    english: u8,
    pub countries: Matcher<u16>,
    pub country_codes: Vec<String>,
    pub posts: Matcher<u16>,
    pub post_codes: Vec<String>,
    post_countries: Vec<String>,
    /// Folded month name -> (month, language index), from every language's `months`.
    months: HashMap<String, Vec<(u32, u8)>>,
}

/// Every language's month names, folded as dates are read.
fn month_names(k: &Knowledge) -> HashMap<String, Vec<(u32, u8)>> {
    let mut out: HashMap<String, Vec<(u32, u8)>> = HashMap::default();
    for (lang, l) in k.notice_languages.iter().enumerate() {
        let Ok(lang) = u8::try_from(lang) else {
            continue;
        };
        for (m, names) in (1..).zip(&l.months) {
            for name in names {
                out.entry(super::dates::fold_word(name))
                    .or_default()
                    .push((m, lang));
            }
        }
    }
    out
}

/// Disposition phrases, then document terms, of every language. Dispositions come first,
/// so where a document term says the same ("returned to uscis") the disposition wins.
fn term_phrases(k: &Knowledge, doc_ids: &[String]) -> Vec<(String, Target)> {
    let mut phrases: Vec<(String, Target)> = Vec::new();
    for l in &k.notice_languages {
        for (name, words) in l.dispositions.lists() {
            let kind = match name {
                "administrative_processing" => NoticeKind::AdministrativeProcessing,
                "petition_returned" => NoticeKind::PetitionReturned,
                _ => NoticeKind::InterviewReturn,
            };
            phrases.extend(words.iter().map(|w| (w.clone(), Target::Disp(kind))));
        }
    }
    for l in &k.notice_languages {
        for (id, words) in &l.documents {
            let Some(i) = index_of(doc_ids, id) else {
                continue;
            };
            phrases.extend(words.iter().map(|w| (w.clone(), Target::Doc(i))));
        }
    }
    phrases
}

/// Each language's code, cue words (with their flag) and stopwords, by language index.
struct LanguageWords {
    languages: Vec<String>,
    cues: Vec<(String, (Flags, u8))>,
    stopwords: Vec<(String, u8)>,
}

impl LanguageWords {
    fn new(k: &Knowledge) -> LanguageWords {
        let mut w = LanguageWords {
            languages: Vec::new(),
            cues: Vec::new(),
            stopwords: Vec::new(),
        };
        for l in &k.notice_languages {
            let Ok(li) = u8::try_from(w.languages.len()) else {
                break;
            };
            w.languages.push(l.language.clone());
            for (name, words) in l.cues.lists() {
                let flag = cue::of(name);
                w.cues.extend(words.iter().map(|x| {
                    let across = if x.contains([',', ';', ':']) {
                        cue::ACROSS_MARK
                    } else {
                        0
                    };
                    (x.clone(), (flag | across, li))
                }));
            }
            w.stopwords
                .extend(l.stopwords.iter().map(|x| (x.clone(), li)));
        }
        w
    }
}

/// Country codes (but the US) and every name for them: the catalogue's names and aliases
/// and each language's words, by code index.
fn country_names(k: &Knowledge) -> (Vec<String>, Vec<(String, u16)>) {
    let mut codes = Vec::new();
    let mut phrases = Vec::new();
    for c in &k.countries {
        if c.code == "US" {
            continue;
        }
        let Ok(i) = u16::try_from(codes.len()) else {
            break;
        };
        codes.push(c.code.clone());
        phrases.push((c.name.clone(), i));
        phrases.extend(c.aliases.iter().map(|a| (a.clone(), i)));
        for l in &k.notice_languages {
            if let Some(names) = l.countries.get(&c.code) {
                phrases.extend(names.iter().map(|n| (n.clone(), i)));
            }
        }
    }
    (codes, phrases)
}

/// Posts outside the US: codes, countries, and their names in every language.
struct PostNames {
    codes: Vec<String>,
    countries: Vec<String>,
    phrases: Vec<(String, u16)>,
}

impl PostNames {
    fn new(k: &Knowledge) -> PostNames {
        let mut p = PostNames {
            codes: Vec::new(),
            countries: Vec::new(),
            phrases: Vec::new(),
        };
        for post in &k.posts {
            if post.country == "US" {
                continue;
            }
            let Ok(i) = u16::try_from(p.codes.len()) else {
                break;
            };
            p.codes.push(post.code.clone());
            p.countries.push(post.country.clone());
            p.phrases.push((post.name.clone(), i));
        }
        for l in &k.notice_languages {
            for (code, names) in &l.posts {
                if let Some(i) = index_of(&p.codes, code) {
                    p.phrases.extend(names.iter().map(|n| (n.clone(), i)));
                }
            }
        }
        p
    }
}

/// Where `key` stands in `list`, as the compact index the matchers carry.
fn index_of(list: &[String], key: &str) -> Option<u16> {
    let i = list.iter().position(|x| x == key)?;
    u16::try_from(i).ok()
}

impl Vocab {
    pub fn new(k: &Knowledge) -> Vocab {
        let doc_ids: Vec<String> = k.documents.iter().map(|d| d.id.clone()).collect();
        let phrases = term_phrases(k, &doc_ids);
        let gaps = GapMatcher::new(phrases.iter().cloned(), GAP);
        let terms = Matcher::new(phrases.into_iter().filter(|(w, _)| !w.contains(GAP)));
        let words = LanguageWords::new(k);
        // Every script of the stopwords: Punjabi is written in Gurmukhi and in Shahmukhi.
        let scripts = k
            .notice_languages
            .iter()
            .map(|l| {
                let mut found: Vec<Script> = Vec::new();
                for sc in l
                    .stopwords
                    .iter()
                    .flat_map(|w| w.chars())
                    .filter_map(script_of)
                {
                    if !found.contains(&sc) {
                        found.push(sc);
                    }
                }
                found
            })
            .collect();
        let english = words
            .languages
            .iter()
            .position(|l| l == "en")
            .and_then(|i| u8::try_from(i).ok())
            .unwrap_or(u8::MAX);
        let (country_codes, country_phrases) = country_names(k);
        let posts = PostNames::new(k);
        Vocab {
            doc_ids,
            terms,
            gaps,
            day_cues: Matcher::all_values(
                words
                    .cues
                    .iter()
                    .filter(|(_, (flag, _))| flag & (cue::YESTERDAY | cue::TODAY) != 0)
                    .cloned()
                    .collect::<Vec<_>>(),
            ),
            cues: Matcher::all_values(words.cues),
            stopwords: Matcher::all_values(words.stopwords),
            languages: words.languages,
            scripts,
            english,
            countries: Matcher::plain(country_phrases),
            country_codes,
            posts: Matcher::new(posts.phrases),
            post_codes: posts.codes,
            post_countries: posts.countries,
            months: month_names(k),
        }
    }

    /// The month a (folded) word names. Where languages disagree ("listopad" is November in
    /// Polish, October in Croatian), the notice's own languages decide, else nobody does.
    pub fn month(&self, word: &str, langs: Langs) -> Option<u32> {
        let found = self.months.get(word)?;
        let first = found.first()?.0;
        if found.iter().all(|(m, _)| *m == first) {
            return Some(first);
        }
        let mut in_notice = found.iter().filter(|(_, l)| langs.has(*l)).map(|(m, _)| *m);
        let m = in_notice.next()?;
        in_notice.all(|o| o == m).then_some(m)
    }

    /// Whether a function word of any language ("with", "and", "y", "и") stands in
    /// `from..to` of `f`.
    pub fn stopword_within(&self, f: &Folded, from: usize, to: usize) -> bool {
        self.stopwords
            .all(f)
            .iter()
            .any(|h| h.start >= from && h.end <= to)
    }

    /// Like [`Vocab::stopword_within`], but the genitive particles that join a thing to what
    /// is made of it ("戸籍謄本の全文の英訳", the koseki's full text's translation; "出生证明的
    /// 翻译") do not count.
    pub fn stopword_within_but_genitives(&self, f: &Folded, from: usize, to: usize) -> bool {
        const GENITIVES: [char; 3] = ['の', '的', '의'];
        self.stopwords.all(f).iter().any(|h| {
            h.start >= from
                && h.end <= to
                && !(h.end - h.start == 1 && GENITIVES.contains(&f.chars[h.start]))
        })
    }

    /// The languages `f` (the whole notice) is written in; English always counts.
    pub fn detect(&self, f: &Folded) -> Langs {
        let mut seen: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.languages.len()];
        for h in self.stopwords.all(f) {
            let span = (h.end - h.start, h.start);
            let words = &mut seen[usize::from(h.value)];
            // Distinct stopwords: compare the matched characters.
            let text = &f.chars[h.start..h.end];
            if !words
                .iter()
                .any(|(len, start)| f.chars[*start..*start + *len] == *text)
            {
                words.push(span);
            }
        }
        let mut bits = 0u128;
        for (i, words) in seen.iter().enumerate() {
            if words.len() >= MIN_STOPWORDS && i < usize::from(MAX_LANGUAGES) {
                bits |= 1 << i;
            }
        }
        // A short text in Cyrillic or Thai may hold too few stopwords; its script is enough
        // to wake the languages written in it.
        let mut counts: Vec<(Script, usize)> = Vec::new();
        for c in &f.chars {
            if let Some(sc) = script_of(*c) {
                match counts.iter_mut().find(|(s, _)| *s == sc) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((sc, 1)),
                }
            }
        }
        for (i, own) in self.scripts.iter().enumerate() {
            if counts
                .iter()
                .any(|(s, n)| own.contains(s) && *n >= MIN_SCRIPT_CHARS)
                && i < usize::from(MAX_LANGUAGES)
            {
                bits |= 1 << i;
            }
        }
        if self.english < MAX_LANGUAGES {
            bits |= 1 << self.english;
        }
        Langs(bits)
    }

    /// The codes of the languages in `langs`.
    pub fn language_codes(&self, langs: Langs) -> Vec<String> {
        (0..self.languages.len())
            .filter(|&i| u8::try_from(i).is_ok_and(|i| langs.has(i)))
            .map(|i| self.languages[i].clone())
            .collect()
    }

    /// Whether `line` is the English gloss of `item` in a bilingual form written in a Latin
    /// script ("☒ Ban sao trang thong tin ho chieu ..." then "Copy of the bio-data page ..."):
    /// the item reads as another language, the line as English only.
    pub fn glosses(&self, item: &str, line: &str) -> bool {
        let english = usize::from(self.english);
        let langs_of = |t: &str| {
            let mut counts = vec![0usize; self.languages.len()];
            for h in self.stopwords.all(&Folded::new(t)) {
                counts[usize::from(h.value)] += 1;
            }
            counts
        };
        let (item_counts, line_counts) = (langs_of(item), langs_of(line));
        let item_other = item_counts
            .iter()
            .enumerate()
            .any(|(i, n)| i != english && *n >= MIN_STOPWORDS && line_counts[i] == 0);
        let line_english = line_counts
            .get(english)
            .is_some_and(|n| *n >= MIN_STOPWORDS);
        item_other && line_english
    }

    /// Document and disposition hits, longest first without overlap (gap terms included).
    pub fn terms(&self, f: &Folded) -> Vec<Hit<Target>> {
        self.terms.longest_with(f, self.gaps.all(f))
    }

    /// Cue hits in the notice's languages: one hit per position with every flag it carries.
    pub fn cues(&self, f: &Folded, langs: Langs) -> Vec<Hit<Flags>> {
        let mut hits: Vec<Hit<Flags>> = self
            .cues
            .all(f)
            .into_iter()
            .filter(|h| langs.has(h.value.1))
            // "ao seu caso, o peticionário deve": the comma parts "caso" and "o", so they are
            // not the condition "caso o" (in case the ...).
            .filter(|h| h.value.0 & cue::ACROSS_MARK != 0 || !f.marked_between(h.start, h.end))
            .map(|h| Hit {
                start: h.start,
                end: h.end,
                value: h.value.0,
            })
            .collect();
        // Left to right, longest first at each start (the matcher's own order), with equal
        // spans brought together to merge their flags.
        hits.sort_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
        let mut out: Vec<Hit<Flags>> = Vec::with_capacity(hits.len());
        for h in hits {
            match out.last_mut() {
                Some(o) if o.start == h.start && o.end == h.end => o.value |= h.value,
                _ => out.push(h),
            }
        }
        // A condition word inside a `given` phrase is no condition ("to determine whether",
        // "para determinar si usted es inadmisible"): drop the flag here, so that headings
        // and lists built on these flags do not pass it on.
        let given: Vec<(usize, usize)> = out
            .iter()
            .filter(|g| g.value & cue::GIVEN != 0)
            .map(|g| (g.start, g.end))
            .collect();
        for h in out.iter_mut().filter(|h| h.value & cue::CONDITION != 0) {
            if given.iter().any(|&(s, e)| s <= h.start && h.start < e) {
                h.value &= !cue::CONDITION;
            }
        }
        // A request word inside a longer phrase is that phrase's, not a request of its own:
        // a negation ("hindi ko gets": I don't get it; "saan nga masapul": not needed), or a
        // noun ("người bảo lãnh", the petitioner, holds "bảo", to tell), or a phrase saying
        // something was returned or received (Thai "ส่งคืน", returned, holds "ส่ง", send).
        let holders = cue::NEGATION
            | cue::PETITIONER
            | cue::EMBASSY
            | cue::DOC_NOUN
            | cue::KEPT
            | cue::RECEIVED;
        let holding: Vec<(usize, usize)> = out
            .iter()
            .filter(|n| n.value & holders != 0 && n.value & cue::REQUEST == 0)
            .map(|n| (n.start, n.end))
            .collect();
        // A request word that starts inside a negation and runs past it is negated too: Thai
        // "ไม่จำเป็น" (not needed) and "จำเป็นต้อง" (must) overlap in "ไม่จำเป็นต้องตรวจ".
        let negations: Vec<(usize, usize)> = out
            .iter()
            .filter(|n| n.value & cue::NEGATION != 0 && n.value & cue::REQUEST == 0)
            .map(|n| (n.start, n.end))
            .collect();
        for h in out.iter_mut().filter(|h| h.value & cue::REQUEST != 0) {
            let held = holding
                .iter()
                .any(|&(s, e)| s <= h.start && h.end <= e && (s, e) != (h.start, h.end));
            let overlapped = negations
                .iter()
                .any(|&(s, e)| s < h.start && h.start < e && e < h.end);
            if held {
                h.value &= !cue::REQUEST;
            } else if overlapped {
                h.value = (h.value & !cue::REQUEST) | cue::NEGATED_REQUEST;
            }
        }
        negate_after_particles(f, &mut out);
        out.retain(|h| h.value != 0);
        out
    }

    /// The "yesterday" and "today" flags of `f`.
    pub fn day_flags(&self, f: &Folded, langs: Langs) -> Flags {
        self.day_cues
            .all(f)
            .iter()
            .filter(|h| langs.has(h.value.1))
            .fold(0, |a, h| a | h.value.0)
    }

    /// Every cue flag in `f`.
    pub fn flags(&self, f: &Folded, langs: Langs) -> Flags {
        self.cues(f, langs).iter().fold(0, |a, h| a | h.value)
    }

    /// An e-mail header line ("From: ...", "Asunto: ..."): says who wrote, never what to send.
    pub fn is_mail_header(&self, text: &str, langs: Langs) -> bool {
        let Some((label, _)) = text.split_once(':') else {
            return false;
        };
        let f = Folded::new(label);
        if f.is_empty() || f.len() > 20 {
            return false;
        }
        self.cues(&f, langs)
            .iter()
            .any(|h| h.value & cue::MAIL_HEADER != 0 && h.start == 0 && h.end == f.len())
    }

    /// The country (ISO code) of the post with this CEAC code.
    pub fn post_country(&self, code: &str) -> Option<&str> {
        let i = self.post_codes.iter().position(|c| c == code)?;
        Some(self.post_countries[i].as_str())
    }

    pub fn doc_id(&self, d: u16) -> &str {
        &self.doc_ids[usize::from(d)]
    }

    pub fn doc_index(&self, id: &str) -> Option<u16> {
        index_of(&self.doc_ids, id)
    }

    /// A tolerant search for an item that matched nothing (OCR damage): a document term
    /// within one edit.
    pub fn fuzzy_doc(&self, f: &Folded) -> Option<u16> {
        match self.terms.fuzzy(f, 8, 160) {
            Some(Hit {
                value: Target::Doc(d),
                ..
            }) => Some(d),
            _ => None,
        }
    }

    /// ISO codes of the countries named in `text`.
    pub fn countries_in(&self, text: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for h in self.countries.longest(&Folded::plain(text)) {
            let code = &self.country_codes[usize::from(h.value)];
            if !out.contains(code) {
                out.push(code.clone());
            }
        }
        out
    }
}

/// "No nos envíe el I-134", "não envie", "ne nous envoyez pas", "не присылайте": a request
/// verb right after a negation particle, with nothing but clitic pronouns between, is a
/// negation. Each language lists its particle once instead of each verb with it.
fn negate_after_particles(f: &Folded, cues: &mut [Hit<Flags>]) {
    if !cues.iter().any(|h| h.value & cue::NEGATION_PARTICLE != 0) {
        return;
    }
    let marks = |at: usize| f.clause_marks.contains(&at) || f.stops.contains(&at);
    for i in 0..cues.len() {
        if cues[i].value & cue::REQUEST == 0 {
            continue;
        }
        // Walk back over the words right before the verb while they are clitics.
        let mut at = cues[i].start;
        let negated = loop {
            let before = (!marks(at))
                .then(|| cues[..i].iter().find(|c| c.end == at && c.start < at))
                .flatten();
            match before {
                Some(c) if c.value & cue::NEGATION_PARTICLE != 0 => break true,
                Some(c) if c.value & cue::CLITIC != 0 => at = c.start,
                _ => break false,
            }
        };
        if negated {
            let h = &mut cues[i];
            h.value = (h.value & !cue::REQUEST) | cue::NEGATION;
        }
    }
}
