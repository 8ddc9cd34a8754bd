//! People's names as search compares them. Names are stored encrypted; the store keeps keyed
//! hashes of these keys instead, so a firm can find "José María Núñez" by typing
//! "jose nunez" without anything decrypting every case.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The words of a name as compared: compatibility-decomposed (NFKD, so full-width letters and
/// ligatures read as plain ones), diacritics removed, lower case. Apostrophes join
/// ("O'Brien" is "obrien"); hyphens, dots, commas and white space separate. Letters that
/// carry their mark inside them rather than as a combining one (ł, ø, đ, ß, æ) are spelled
/// the way people type them without it, so "Lukasz" finds "Łukasz".
pub fn name_words(name: &str) -> Vec<String> {
    let mut folded = String::with_capacity(name.len());
    for c in name
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .filter(|c| !matches!(c, '\'' | '\u{2019}' | '\u{02bc}' | '`'))
        .flat_map(char::to_lowercase)
    {
        match c {
            'ł' => folded.push('l'),
            'ø' => folded.push('o'),
            'đ' | 'ð' => folded.push('d'),
            'ħ' => folded.push('h'),
            'ı' => folded.push('i'),
            'ß' => folded.push_str("ss"),
            'æ' => folded.push_str("ae"),
            'œ' => folded.push_str("oe"),
            'þ' => folded.push_str("th"),
            c if c.is_alphanumeric() => folded.push(c),
            _ => folded.push(' '),
        }
    }
    folded.split_whitespace().map(str::to_string).collect()
}

/// The whole name as compared: its words joined by single spaces ("" when it has none).
pub fn normalize_name(name: &str) -> String {
    name_words(name).join(" ")
}

/// What a name is found by: each of its words, and the whole name.
pub fn name_keys(name: &str) -> Vec<String> {
    let words = name_words(name);
    let mut keys = words.clone();
    if words.len() > 1 {
        keys.push(words.join(" "));
    }
    keys.sort();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diacritics_case_and_spacing_do_not_matter() {
        assert_eq!(normalize_name("  José   MARÍA\tNúñez "), "jose maria nunez");
        assert_eq!(normalize_name("Nguyễn Thị Minh"), "nguyen thi minh");
        assert_eq!(normalize_name("Ｍａｒｉａ"), "maria");
        assert_eq!(normalize_name("Anne-Marie O'Brien"), "anne marie obrien");
        assert_eq!(normalize_name("Łukasz Żółć"), "lukasz zolc");
        assert_eq!(normalize_name("Søren Weiß"), "soren weiss");
        assert_eq!(normalize_name(""), "");
    }

    #[test]
    fn keys_are_each_word_and_the_whole_name() {
        assert_eq!(
            name_keys("Maria Clara Santos"),
            ["clara", "maria", "maria clara santos", "santos"]
        );
        assert_eq!(name_keys("Madonna"), ["madonna"]);
        assert!(name_keys(" - ").is_empty());
    }
}
