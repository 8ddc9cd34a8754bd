//! Small text helpers: tolerant keys, "did you mean" suggestions, and shortening prose to
//! its first sentences.

/// A key for tolerant matching: lower case, every run of non-alphanumeric characters
/// collapsed to one space, trimmed. `"  Administrative  Processing."` and
/// `"administrative processing"` give the same key.
pub fn normalize_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for ch in text.chars() {
        if ch.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(ch.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// The `limit` candidates closest to `query` (by normalised edit distance, with a bonus for
/// candidates that contain the query or share its first word), best first. Candidates that
/// are too far away to be a plausible typo are left out.
pub fn closest<'a, T: Copy>(
    query: &str,
    candidates: impl Iterator<Item = (&'a str, T)>,
    limit: usize,
) -> Vec<(&'a str, T)> {
    let q = normalize_key(query);
    if q.is_empty() {
        return Vec::new();
    }
    let mut scored: Vec<(usize, &'a str, T)> = candidates
        .filter_map(|(text, value)| {
            let c = normalize_key(text);
            let mut score = edit_distance(&q, &c);
            if c.contains(&q) || q.contains(&c) {
                score = score.min(1);
            } else if c
                .split(' ')
                .any(|w| w.len() > 3 && q.split(' ').any(|qw| qw == w))
            {
                score = score.min(2);
            }
            let allowed = (q.chars().count().max(c.chars().count()) / 2).max(2);
            (score <= allowed).then_some((score, text, value))
        })
        .collect();
    scored.sort_by_key(|(score, text, _)| (*score, text.len()));
    scored
        .into_iter()
        .take(limit)
        .map(|(_, t, v)| (t, v))
        .collect()
}

/// Words that end in a full stop without ending a sentence ("U.S. citizen", "e.g. a letter",
/// "No. 2", "et al."). Compared without their final full stop, case-insensitively.
const ABBREVIATIONS: &[&str] = &[
    "e.g", "i.e", "etc", "v", "vs", "cf", "al", "mr", "mrs", "ms", "dr", "st", "jr", "sr", "inc",
    "ltd", "corp", "approx", "sec", "no", "nos", "ave", "blvd", "tel", "ref", "attn", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
];

/// Whether `word`, the letters just before a full stop, makes that stop an abbreviation's
/// rather than a sentence's end: letters separated by full stops ("U.S", "D.C", "e.g"), a
/// single capital (an initial: "J. Smith"; a lower-case "a" is a word, as in Haitian Creole's
/// "K1 a."), or a known abbreviation ("No", "Mr", "etc").
pub fn is_abbreviation(word: &str) -> bool {
    word.contains('.')
        || (word.chars().count() == 1 && word.chars().all(char::is_uppercase))
        || ABBREVIATIONS.iter().any(|a| a.eq_ignore_ascii_case(word))
}

/// True when the full stop at byte `dot` of `text` ends a sentence: it is followed by
/// whitespace and then a capital letter, a digit, a quote or a bracket, and the word it ends
/// is not an abbreviation ("U.S.", "D.C.", "e.g.") or a single initial ("J. Smith").
fn ends_sentence(text: &str, dot: usize) -> bool {
    let after = &text[dot + 1..];
    let mut rest = after.chars();
    if !rest.next().is_some_and(char::is_whitespace) {
        return false;
    }
    let next = after.trim_start().chars().next();
    if !next.is_some_and(|c| c.is_uppercase() || c.is_ascii_digit() || "\"'(“‘[".contains(c)) {
        return false;
    }
    let word = text[..dot]
        .rsplit(|c: char| c.is_whitespace() || c == '(' || c == '"')
        .next()
        .unwrap_or("");
    let bare = word.trim_start_matches(|c: char| !c.is_alphanumeric());
    !is_abbreviation(bare)
}

/// The first `n` sentences of `text` (the whole text when it has no more), so short
/// listings stay short without cutting "U.S. citizen" after "U.S.".
pub fn first_sentences(text: &str, n: usize) -> &str {
    let mut count = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '!' | '?') && (c != '.' || ends_sentence(text, i)) {
            let after = &text[i + 1..];
            if !after.starts_with(char::is_whitespace) {
                continue;
            }
            count += 1;
            if count == n {
                return &text[..=i];
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_case_spacing_and_punctuation() {
        assert_eq!(
            normalize_key("  Administrative  Processing. "),
            "administrative processing"
        );
        assert_eq!(normalize_key("REFUSED "), "refused");
        assert_eq!(normalize_key("At-NVC"), "at nvc");
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(edit_distance("refused", "refused"), 0);
        assert_eq!(edit_distance("refsued", "refused"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn sentences_are_not_cut_at_abbreviations() {
        let t = "The U.S. citizen files Form I-129F with USCIS. Then the consulate interviews.";
        assert_eq!(
            first_sentences(t, 1),
            "The U.S. citizen files Form I-129F with USCIS."
        );
        assert_eq!(first_sentences(t, 2), t);
        assert_eq!(first_sentences(t, 5), t);
        // Never cut at an abbreviation, even when it may also end the sentence.
        let t = "Ask for help in Washington, D.C. The court decides, e.g. on delay. Then wait.";
        assert_eq!(
            first_sentences(t, 1),
            "Ask for help in Washington, D.C. The court decides, e.g. on delay."
        );
        assert_eq!(
            first_sentences("Send it (e.g. by courier). Keep a copy.", 1),
            "Send it (e.g. by courier)."
        );
        assert_eq!(
            first_sentences("Filed under INA 221(g). Next, wait.", 1),
            "Filed under INA 221(g)."
        );
        assert_eq!(
            first_sentences("Valid for 6 months. 90 days to marry.", 1),
            "Valid for 6 months."
        );
        assert_eq!(first_sentences("Done! Then more.", 1), "Done!");
        assert_eq!(first_sentences("no full stop", 1), "no full stop");
        assert_eq!(first_sentences("Ends at U.S.", 1), "Ends at U.S.");
        assert_eq!(
            first_sentences("CLINIC v. Rubio was filed. It is pending.", 1),
            "CLINIC v. Rubio was filed."
        );
        assert!(is_abbreviation("No") && is_abbreviation("J") && !is_abbreviation("a"));
    }

    #[test]
    fn closest_prefers_near_spellings() {
        let cands = [("Refused", 1), ("Issued", 2), ("Ready", 3), ("At NVC", 4)];
        let got = closest("refusd", cands.iter().map(|(t, v)| (*t, *v)), 2);
        assert_eq!(got.first().map(|g| g.1), Some(1));
        assert!(closest("zzzzzzzzzz", cands.iter().map(|(t, v)| (*t, *v)), 2).is_empty());
    }
}
