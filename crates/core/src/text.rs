//! Small text helpers shared by lookups: tolerant keys and "did you mean" suggestions.

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
    fn closest_prefers_near_spellings() {
        let cands = [("Refused", 1), ("Issued", 2), ("Ready", 3), ("At NVC", 4)];
        let got = closest("refusd", cands.iter().map(|(t, v)| (*t, *v)), 2);
        assert_eq!(got.first().map(|g| g.1), Some(1));
        assert!(closest("zzzzzzzzzz", cands.iter().map(|(t, v)| (*t, *v)), 2).is_empty());
    }
}
