//! Phrase matching on folded text: whole words only, longest phrase first.

use std::collections::HashSet;

use rustc_hash::FxHashMap as HashMap;

use super::text::Folded;

/// A phrase in folded form.
#[derive(Debug, Clone)]
struct Phrase<T> {
    chars: Vec<char>,
    /// Word boundaries inside the phrase, as offsets from its start.
    breaks: Vec<usize>,
    /// Offsets after which a word may go on with any letters (a term word ending in `*`,
    /// for languages that inflect: "справк*" matches "справка", "справку", "справки").
    wild: Vec<usize>,
    value: T,
}

/// The most letters a `*` stands for.
const MAX_WILD_CHARS: usize = 24;

/// Folds a term, noting where its `*` wildcards stand.
fn fold_term(text: &str, ocr: bool) -> (Folded, Vec<usize>) {
    if !text.contains('*') {
        let f = if ocr {
            Folded::new(text)
        } else {
            Folded::plain(text)
        };
        return (f, Vec::new());
    }
    let mut out = Folded::default();
    out.ends.push(false);
    let mut wild = Vec::new();
    for word in text.split_whitespace() {
        let w = if ocr {
            Folded::new(word)
        } else {
            Folded::plain(word)
        };
        for i in 0..w.len() {
            out.chars.push(w.chars[i]);
            out.starts.push(w.starts[i]);
            out.ends.push(w.ends[i + 1]);
        }
        if word.ends_with('*') && !out.chars.is_empty() {
            wild.push(out.chars.len());
        }
    }
    (out, wild)
}

/// A match: `start..end` in the folded stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit<T> {
    pub start: usize,
    pub end: usize,
    pub value: T,
}

/// Phrases shorter than this must match word for word ("cv" never matches inside "c v x",
/// "pcc" never inside "p cc"); longer ones may span words broken by OCR or line wrapping.
const EXACT_BELOW: usize = 5;

#[derive(Debug, Clone)]
pub struct Matcher<T> {
    phrases: Vec<Phrase<T>>,
    /// First folded characters (see [`key`]) -> phrase indexes, longest first.
    index: HashMap<[char; KEY_CHARS], Vec<usize>>,
    /// First folded character -> phrase indexes, for the tolerant search.
    by_first: HashMap<char, Vec<usize>>,
}

impl<T: Copy + PartialEq> Matcher<T> {
    /// Builds a matcher. When two phrases fold to the same text, the first one added wins.
    pub fn new(phrases: impl IntoIterator<Item = (String, T)>) -> Matcher<T> {
        Matcher::with(phrases, true)
    }

    /// A matcher for names, to be used on [`Folded::plain`] text.
    pub fn plain(phrases: impl IntoIterator<Item = (String, T)>) -> Matcher<T> {
        Matcher::with(phrases, false)
    }

    /// Like [`Matcher::new`], but phrases that fold alike are all kept (each with its value).
    pub fn all_values(phrases: impl IntoIterator<Item = (String, T)>) -> Matcher<T> {
        Matcher::build(phrases, true, true)
    }

    fn with(phrases: impl IntoIterator<Item = (String, T)>, ocr: bool) -> Matcher<T> {
        Matcher::build(phrases, ocr, false)
    }

    fn build(
        phrases: impl IntoIterator<Item = (String, T)>,
        ocr: bool,
        keep_equal: bool,
    ) -> Matcher<T> {
        let mut out = Matcher {
            phrases: Vec::new(),
            index: HashMap::default(),
            by_first: HashMap::default(),
        };
        let mut seen: HashSet<(Vec<char>, Vec<usize>, Vec<usize>)> = HashSet::new();
        for (text, value) in phrases {
            let (f, wild) = fold_term(&text, ocr);
            if f.is_empty() {
                continue;
            }
            let breaks: Vec<usize> = f.inner_breaks(0, f.len()).collect();
            if !keep_equal && !seen.insert((f.chars.clone(), breaks.clone(), wild.clone())) {
                continue;
            }
            out.phrases.push(Phrase {
                chars: f.chars,
                breaks,
                wild,
                value,
            });
        }
        for (i, p) in out.phrases.iter().enumerate() {
            let keyed = p
                .wild
                .first()
                .map_or(p.chars.len(), |&w| w.min(p.chars.len()));
            out.index
                .entry(key(&p.chars[..keyed.min(KEY_CHARS)]))
                .or_default()
                .push(i);
            out.by_first.entry(p.chars[0]).or_default().push(i);
        }
        for list in out.index.values_mut() {
            list.sort_by_key(|&i| std::cmp::Reverse(out.phrases[i].chars.len()));
        }
        out
    }

    /// Every phrase found at word starts, overlapping or not.
    pub fn all(&self, f: &Folded) -> Vec<Hit<T>> {
        let mut hits = Vec::new();
        for start in 0..f.len() {
            if !f.starts[start] && !after_proclitic(f, start) {
                continue;
            }
            // Phrases are indexed under their first KEY_CHARS characters (fewer when shorter
            // or when a wildcard comes sooner): look up each prefix of the text here.
            let most = KEY_CHARS.min(f.len() - start);
            for len in (1..=most).rev() {
                let Some(list) = self.index.get(&key(&f.chars[start..start + len])) else {
                    continue;
                };
                for &pi in list {
                    if let Some(end) = self.match_at(f, start, &self.phrases[pi]) {
                        hits.push(Hit {
                            start,
                            end,
                            value: self.phrases[pi].value,
                        });
                    }
                }
            }
        }
        hits
    }

    /// Longest phrases first, then left to right; no two hits overlap.
    pub fn longest(&self, f: &Folded) -> Vec<Hit<T>> {
        self.longest_with(f, Vec::new())
    }

    /// [`Matcher::longest`], choosing among this matcher's hits and `extra` ones together.
    pub fn longest_with(&self, f: &Folded, extra: Vec<Hit<T>>) -> Vec<Hit<T>> {
        let mut hits = self.all(f);
        hits.extend(extra);
        hits.sort_by_key(|h| (std::cmp::Reverse(h.end - h.start), h.start));
        let mut chosen: Vec<Hit<T>> = Vec::new();
        for h in hits {
            if chosen.iter().all(|c| h.end <= c.start || h.start >= c.end) {
                chosen.push(h);
            }
        }
        chosen.sort_by_key(|h| h.start);
        chosen
    }

    fn match_at(&self, f: &Folded, start: usize, p: &Phrase<T>) -> Option<usize> {
        if !p.wild.is_empty() {
            return match_wild(f, start, p);
        }
        let n = p.chars.len();
        let end = start + n;
        if end > f.len() || f.chars[start..end] != p.chars[..] {
            return None;
        }
        if n < EXACT_BELOW {
            let breaks = f.inner_breaks(start, end).map(|b| b - start);
            if !breaks.eq(p.breaks.iter().copied()) {
                return None;
            }
        }
        // Whole words, allowing a plural "s" or "es".
        if f.ends[end] {
            return Some(end);
        }
        if n >= 3 {
            if f.chars.get(end) == Some(&'s') && f.ends.get(end + 1) == Some(&true) {
                return Some(end + 1);
            }
            if f.chars.get(end..end + 2) == Some(&['e', 's'][..])
                && f.ends.get(end + 2) == Some(&true)
            {
                return Some(end + 2);
            }
        }
        if p.chars.last().copied().is_some_and(is_hangul) {
            return korean_particle(f, end).map(|len| end + len);
        }
        None
    }

    /// A tolerant search for text that matched nothing: phrases of at least `min_len`
    /// characters within one edit of the text at a word start. Bounded by `max_chars`.
    pub fn fuzzy(&self, f: &Folded, min_len: usize, max_chars: usize) -> Option<Hit<T>> {
        let limit = f.len().min(max_chars);
        let mut best: Option<(usize, Hit<T>)> = None;
        for start in 0..limit {
            if !f.starts[start] {
                continue;
            }
            let Some(list) = self.by_first.get(&f.chars[start]) else {
                continue;
            };
            for p in list.iter().map(|&i| &self.phrases[i]) {
                let n = p.chars.len();
                if n < min_len {
                    continue;
                }
                for len in [n, n - 1, n + 1] {
                    let end = start + len;
                    if end > f.len() || !f.ends[end] {
                        continue;
                    }
                    if within_one_edit(&f.chars[start..end], &p.chars) {
                        let better = best.as_ref().is_none_or(|(bn, _)| n > *bn);
                        if better {
                            best = Some((
                                n,
                                Hit {
                                    start,
                                    end,
                                    value: p.value,
                                },
                            ));
                        }
                    }
                }
            }
        }
        best.map(|(_, h)| h)
    }
}

fn is_hangul(c: char) -> bool {
    ('\u{AC00}'..='\u{D7AF}').contains(&c)
}

/// Korean writes its particles onto the noun ("행정처리가 필요합니다", "이력서를 제출"): the
/// length of the particle that ends the word at `end`, if one does.
fn korean_particle(f: &Folded, end: usize) -> Option<usize> {
    const PARTICLES: &[&str] = &[
        "이",
        "가",
        "을",
        "를",
        "은",
        "는",
        "의",
        "에",
        "도",
        "와",
        "과",
        "로",
        "으로",
        "에서",
        "까지",
        "만",
        "이나",
        "나",
        "서",
        "와의",
        "과의",
        "에는",
        "으로는",
        "로는",
    ];
    PARTICLES.iter().find_map(|p| {
        let len = p.chars().count();
        let word = f.chars.get(end..end + len)?;
        (word.iter().copied().eq(p.chars()) && f.ends.get(end + len) == Some(&true)).then_some(len)
    })
}

/// Arabic and Hebrew write "and", "in", "to", "the" as one letter joined to the next word
/// ("بالدار البيضاء" is "in" + "الدار البيضاء"; "והדרכון" is "and the passport"). A match may
/// start right after such a letter at the start of a word, if the word goes on.
fn after_proclitic(f: &Folded, pos: usize) -> bool {
    if pos == 0 || !f.starts[pos - 1] || f.ends.get(pos + 1) != Some(&false) {
        return false;
    }
    let (prefix, next) = (f.chars[pos - 1], f.chars[pos]);
    let arabic =
        matches!(prefix, 'و' | 'ب' | 'ل' | 'ف' | 'ك') && ('\u{0600}'..='\u{06FF}').contains(&next);
    let hebrew = matches!(prefix, 'ו' | 'ה' | 'ב' | 'ל' | 'מ' | 'ש' | 'כ')
        && ('\u{05D0}'..='\u{05EA}').contains(&next);
    arabic || hebrew
}

/// At most this many words may stand in a term's gap ("letter from ... employer").
pub const MAX_GAP_WORDS: usize = 4;

/// Terms with gaps: "letter from ... employer" matches "letter from your current employer".
/// Each part is a phrase of its own; a match is every part in order, with at most
/// [`MAX_GAP_WORDS`] words between one part and the next.
#[derive(Debug, Clone)]
pub struct GapMatcher<T> {
    parts: Matcher<(u32, u8)>,
    patterns: Vec<(u8, T)>,
}

impl<T: Copy + PartialEq> GapMatcher<T> {
    /// Builds from terms holding `gap` between parts; terms without it are skipped.
    pub fn new(terms: impl IntoIterator<Item = (String, T)>, gap: &str) -> GapMatcher<T> {
        let mut parts = Vec::new();
        let mut patterns = Vec::new();
        for (text, value) in terms {
            if !text.contains(gap) {
                continue;
            }
            let pieces: Vec<&str> = text.split(gap).map(str::trim).collect();
            let (Ok(id), Ok(n)) = (u32::try_from(patterns.len()), u8::try_from(pieces.len()))
            else {
                break;
            };
            for (i, piece) in pieces.iter().enumerate() {
                let Ok(i) = u8::try_from(i) else { break };
                parts.push((piece.to_string(), (id, i)));
            }
            patterns.push((n, value));
        }
        GapMatcher {
            parts: Matcher::all_values(parts),
            patterns,
        }
    }

    /// Every match, as one hit spanning its first part to its last.
    pub fn all(&self, f: &Folded) -> Vec<Hit<T>> {
        if self.patterns.is_empty() {
            return Vec::new();
        }
        let hits = self.parts.all(f);
        let mut out = Vec::new();
        for first in hits.iter().filter(|h| h.value.1 == 0) {
            let (id, _) = first.value;
            let (n, value) = self.patterns[id as usize];
            let mut end = first.end;
            let mut complete = true;
            for part in 1..n {
                let next = hits
                    .iter()
                    .filter(|h| h.value == (id, part) && h.start >= end)
                    .filter(|h| f.inner_breaks(end, h.start).count() <= MAX_GAP_WORDS)
                    .map(|h| h.end)
                    .min();
                match next {
                    Some(e) => end = e,
                    None => {
                        complete = false;
                        break;
                    }
                }
            }
            if complete {
                out.push(Hit {
                    start: first.start,
                    end,
                    value,
                });
            }
        }
        out
    }
}

/// Matches a phrase with wildcards: each segment in turn, a wildcard running to the end of
/// the text's word, the next segment starting at the next word.
fn match_wild<T>(f: &Folded, start: usize, p: &Phrase<T>) -> Option<usize> {
    let mut pos = start;
    let mut from = 0;
    let cuts = p.wild.iter().copied().chain(std::iter::once(p.chars.len()));
    for cut in cuts {
        if cut > from {
            if from > 0 && !f.starts.get(pos).copied().unwrap_or(false) {
                return None;
            }
            let seg = &p.chars[from..cut];
            if f.chars.get(pos..pos + seg.len())? != seg {
                return None;
            }
            pos += seg.len();
        }
        if cut < p.chars.len() || p.wild.last() == Some(&cut) {
            let mut n = 0;
            while !f.ends[pos] && n < MAX_WILD_CHARS {
                pos += 1;
                n += 1;
            }
            if !f.ends[pos] {
                return None;
            }
        }
        from = cut;
    }
    f.ends[pos].then_some(pos)
}

/// How many leading characters index a phrase: enough that a lookup tries a handful of
/// phrases, not every phrase sharing two letters with thousands of others.
const KEY_CHARS: usize = 4;

/// The index key of up to [`KEY_CHARS`] characters, padded with NUL.
fn key(chars: &[char]) -> [char; KEY_CHARS] {
    let mut k = ['\0'; KEY_CHARS];
    for (slot, c) in k.iter_mut().zip(chars) {
        *slot = *c;
    }
    k
}

/// True when `a` and `b` differ by at most one insertion, deletion or substitution.
fn within_one_edit(a: &[char], b: &[char]) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let prefix = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    if short.len() == long.len() {
        short[prefix + 1.min(short.len() - prefix)..] == long[prefix + 1.min(long.len() - prefix)..]
    } else {
        short[prefix..] == long[prefix + 1..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m() -> Matcher<u8> {
        Matcher::new([
            ("passport".to_string(), 1),
            ("passport photo".to_string(), 2),
            ("cv".to_string(), 3),
            ("police certificate".to_string(), 4),
            ("ds-160".to_string(), 5),
            ("ds160".to_string(), 5),
        ])
    }

    fn values(hits: &[Hit<u8>]) -> Vec<u8> {
        hits.iter().map(|h| h.value).collect()
    }

    #[test]
    fn longest_phrase_first_on_word_boundaries() {
        let m = m();
        assert_eq!(
            values(&m.longest(&Folded::new("two passport photos"))),
            vec![2]
        );
        assert_eq!(values(&m.longest(&Folded::new("your passport"))), vec![1]);
        assert!(m.longest(&Folded::new("cvs pharmacy, c v")).is_empty());
        assert_eq!(values(&m.longest(&Folded::new("send CV."))), vec![3]);
        assert_eq!(
            values(&m.longest(&Folded::new("P0lice certif icates"))),
            vec![4]
        );
        assert_eq!(
            values(&m.longest(&Folded::new("DS 160 and DS160"))),
            vec![5, 5]
        );
        assert!(m.longest(&Folded::new("passports-office")).len() == 1);
    }

    #[test]
    fn greek_accents_and_final_sigma_fold() {
        let m = Matcher::new([("πιστοποιητικό γέννησης".to_string(), 1u8)]);
        let v = |t: &str| values(&m.longest(&Folded::new(t)));
        assert_eq!(v("ΠΙΣΤΟΠΟΙΗΤΙΚΟ ΓΕΝΝΗΣΗΣ"), vec![1]);
        assert_eq!(v("πιστοποιητικο γεννησης"), vec![1]);
    }

    #[test]
    fn korean_nouns_take_their_particles() {
        let m = Matcher::new([("행정처리".to_string(), 1u8), ("이력서".to_string(), 2)]);
        let v = |t: &str| values(&m.longest(&Folded::new(t)));
        assert_eq!(v("추가 행정처리가 필요합니다"), vec![1]);
        assert_eq!(v("이력서를 제출하십시오"), vec![2]);
        // Not any syllables after it: "이력서류" is another word.
        assert!(v("이력서류").is_empty());
    }

    #[test]
    fn wildcards_take_the_rest_of_a_word() {
        let m = Matcher::new([
            ("справк* о несудимост*".to_string(), 1u8),
            ("zaświadczeni* o niekaralności".to_string(), 2),
        ]);
        let v = |t: &str| values(&m.longest(&Folded::new(t)));
        assert_eq!(v("предоставьте справку о несудимости"), vec![1]);
        assert_eq!(v("СПРАВКИ О НЕСУДИМОСТИ"), vec![1]);
        assert_eq!(v("справ о несудимости"), Vec::<u8>::new());
        assert_eq!(v("zaświadczenie o niekaralności"), vec![2]);
        assert_eq!(v("zaświadczenia o niekaralnościach"), Vec::<u8>::new());
    }

    #[test]
    fn one_character_phrases_match_anywhere() {
        let m = Matcher::new([("的".to_string(), 1u8), ("翻译".to_string(), 2)]);
        assert_eq!(
            values(&m.all(&Folded::new("出生公证书的翻译件"))),
            vec![1, 2]
        );
    }

    #[test]
    fn fuzzy_allows_one_edit() {
        let m = m();
        let hit = m.fuzzy(&Folded::new("Polise certificate"), 8, 200);
        assert_eq!(hit.map(|h| h.value), Some(4));
        assert!(m.fuzzy(&Folded::new("nothing like it"), 8, 200).is_none());
    }

    #[test]
    fn one_edit() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert!(within_one_edit(&c("abc"), &c("abd")));
        assert!(within_one_edit(&c("abc"), &c("abxc")));
        assert!(within_one_edit(&c("abc"), &c("abc")));
        assert!(!within_one_edit(&c("abc"), &c("xbd")));
        assert!(within_one_edit(&c(""), &c("a")));
    }
}
