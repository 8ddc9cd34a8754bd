//! Dates in the forms notices use, and the INA sections they cite.

use jiff::civil::Date;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A number and how many digits it was written with.
    Num(u32, usize),
    Word(String),
    Punct(char),
}

/// A letter OCR reads for a digit inside a number ("2O25", "l7"), as that digit.
fn ocr_digit(c: char) -> Option<char> {
    match c {
        'O' | 'o' => Some('0'),
        'l' | 'I' => Some('1'),
        _ => None,
    }
}

fn tokens(line: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut digits = String::new();
            while let Some(&d) = chars.peek() {
                if digits.len() >= 9 {
                    break;
                }
                if d.is_ascii_digit() {
                    digits.push(d);
                    chars.next();
                    continue;
                }
                // A look-alike letter counts only between digits: "2O25", not "2nd".
                let Some(od) = ocr_digit(d) else { break };
                let mut ahead = chars.clone();
                ahead.next();
                if ahead.peek().is_some_and(char::is_ascii_digit) {
                    digits.push(od);
                    chars.next();
                } else {
                    break;
                }
            }
            // Ordinals: 14th, 1st, 2nd, 3rd.
            let mut suffix = String::new();
            while let Some(&s) = chars.peek() {
                if s.is_ascii_alphabetic() && suffix.len() < 3 {
                    suffix.push(s);
                    chars.next();
                } else {
                    break;
                }
            }
            let n = digits.parse::<u32>().unwrap_or(0);
            if suffix.is_empty()
                || matches!(
                    suffix.to_ascii_lowercase().as_str(),
                    "st" | "nd" | "rd" | "th"
                )
            {
                out.push(Tok::Num(n, digits.len()));
            } else {
                out.push(Tok::Word(format!("{digits}{suffix}")));
            }
        } else if super::text::is_cjk(c) {
            out.push(Tok::Word(c.to_string()));
            chars.next();
        } else if c.is_alphabetic() {
            let mut w = String::new();
            while let Some(&d) = chars.peek() {
                if d.is_alphabetic() && !super::text::is_cjk(d) {
                    w.extend(d.to_lowercase());
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(Tok::Word(w));
        } else {
            if !c.is_whitespace() {
                out.push(Tok::Punct(c));
            }
            chars.next();
        }
    }
    out
}

fn month(word: &str) -> Option<u32> {
    let m = match word {
        // English, Spanish, Tagalog, French, Portuguese.
        "january" | "jan" | "enero" | "ene" | "janvier" | "janv" | "janeiro" => 1,
        "february" | "feb" | "febrero" | "pebrero" | "février" | "fevrier" | "févr"
        | "fevereiro" | "fev" => 2,
        "march" | "mar" | "marzo" | "marso" | "mars" | "março" | "marco" => 3,
        "april" | "apr" | "abril" | "abr" | "avril" | "avr" => 4,
        "may" | "mayo" | "mai" | "maio" => 5,
        "june" | "jun" | "junio" | "hunyo" | "juin" | "junho" => 6,
        "july" | "jul" | "julio" | "hulyo" | "juillet" | "juil" | "julho" => 7,
        "august" | "aug" | "agosto" | "ago" | "août" | "aout" => 8,
        "september" | "sep" | "sept" | "septiembre" | "setiembre" | "setyembre" | "septembre"
        | "setembro" => 9,
        "october" | "oct" | "octubre" | "oktubre" | "octobre" | "outubro" => 10,
        "november" | "nov" | "noviembre" | "nobyembre" | "novembre" | "novembro" => 11,
        "december" | "dec" | "diciembre" | "dic" | "disyembre" | "décembre" | "decembre"
        | "dezembro" | "dez" => 12,
        _ => return None,
    };
    Some(m)
}

fn civil(y: u32, m: u32, d: u32) -> Option<Date> {
    if !(1990..=2100).contains(&y) {
        return None;
    }
    Date::new(
        i16::try_from(y).ok()?,
        i8::try_from(m).ok()?,
        i8::try_from(d).ok()?,
    )
    .ok()
}

/// A date found in a line: the date, the other reading when day and month could be swapped,
/// and whether the day/month order was decided by the numbers themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct RawDate {
    pub date: Date,
    /// For `03/04/2025`: the day-first reading when month-first was chosen (or the reverse).
    pub alternative: Option<Date>,
    /// `Some(true)` when the numbers showed day-first (`14/03/2025`), `Some(false)` when they
    /// showed month-first (`03/14/2025`), `None` when not numeric-ambiguous-format at all.
    pub day_first: Option<bool>,
    pub numeric_ambiguous: bool,
}

/// Every date in a line, at most `max`.
pub fn find_dates(line: &str, max: usize) -> Vec<RawDate> {
    let t = tokens(line);
    let mut out = Vec::new();
    let mut i = 0;
    let num = |i: usize| match t.get(i) {
        Some(Tok::Num(n, d)) => Some((*n, *d)),
        _ => None,
    };
    let word = |i: usize| match t.get(i) {
        Some(Tok::Word(w)) => Some(w.as_str()),
        _ => None,
    };
    let punct = |i: usize| match t.get(i) {
        Some(Tok::Punct(p)) => Some(*p),
        _ => None,
    };
    let skip_punct = |mut i: usize, allowed: &[char]| {
        while punct(i).is_some_and(|p| allowed.contains(&p)) {
            i += 1;
        }
        i
    };
    while i < t.len() && out.len() < max {
        let plain = |date: Date| RawDate {
            date,
            alternative: None,
            day_first: None,
            numeric_ambiguous: false,
        };
        // 2025-03-14, 2025/03/14, 2025.03.14
        if let (Some((y, 4)), Some(s1), Some((m, _)), Some(s2), Some((d, dd))) =
            (num(i), punct(i + 1), num(i + 2), punct(i + 3), num(i + 4))
            && s1 == s2
            && matches!(s1, '-' | '/' | '.')
            && dd <= 2
            && let Some(date) = civil(y, m, d)
        {
            out.push(plain(date));
            i += 5;
            continue;
        }
        // 2025年3月14日
        if let (Some((y, 4)), Some("年"), Some((m, _)), Some("月"), Some((d, _))) =
            (num(i), word(i + 1), num(i + 2), word(i + 3), num(i + 4))
            && let Some(date) = civil(y, m, d)
        {
            out.push(plain(date));
            i += 5;
            continue;
        }
        // ngày 14 tháng 3 năm 2025
        if let (Some("ngày"), Some((d, _)), Some("tháng"), Some((m, _)), Some("năm"), Some((y, 4))) = (
            word(i),
            num(i + 1),
            word(i + 2),
            num(i + 3),
            word(i + 4),
            num(i + 5),
        ) && let Some(date) = civil(y, m, d)
        {
            out.push(plain(date));
            i += 6;
            continue;
        }
        // 14/03/2025, 03-14-2025, 14.03.2025
        if let (Some((a, ad)), Some(s1), Some((b, bd)), Some(s2), Some((y, 4))) =
            (num(i), punct(i + 1), num(i + 2), punct(i + 3), num(i + 4))
            && s1 == s2
            && matches!(s1, '-' | '/' | '.')
            && ad <= 2
            && bd <= 2
        {
            let month_first = civil(y, a, b);
            let day_first = civil(y, b, a);
            let found = match (month_first, day_first) {
                (Some(mf), Some(df)) if mf != df => Some(RawDate {
                    date: mf,
                    alternative: Some(df),
                    day_first: None,
                    numeric_ambiguous: true,
                }),
                (Some(mf), _) => Some(RawDate {
                    date: mf,
                    alternative: None,
                    day_first: Some(false),
                    numeric_ambiguous: a == b,
                }),
                (None, Some(df)) => Some(RawDate {
                    date: df,
                    alternative: None,
                    day_first: Some(true),
                    numeric_ambiguous: false,
                }),
                (None, None) => None,
            };
            if let Some(found) = found {
                let mut found = found;
                found.numeric_ambiguous = found.alternative.is_some();
                out.push(found);
                i += 5;
                continue;
            }
        }
        // March 14, 2025 / Mar. 14 2025 / Marso 14, 2025
        if let Some(m) = word(i).and_then(month) {
            let j = skip_punct(i + 1, &['.']);
            if let Some((d, dd)) = num(j)
                && dd <= 2
            {
                let k = skip_punct(j + 1, &[',', '.']);
                if let Some((y, 4)) = num(k)
                    && let Some(date) = civil(y, m, d)
                {
                    out.push(plain(date));
                    i = k + 1;
                    continue;
                }
            }
        }
        // 14 March 2025 / 14-Mar-2025 / 14 de marzo de 2025
        if let Some((d, dd)) = num(i)
            && dd <= 2
        {
            let mut j = skip_punct(i + 1, &['-', '.', ' ']);
            if word(j) == Some("de") {
                j += 1;
            }
            if let Some(m) = word(j).and_then(month) {
                let mut k = skip_punct(j + 1, &['-', '.', ',']);
                if word(k) == Some("de") || word(k) == Some("del") {
                    k += 1;
                }
                if let Some((y, 4)) = num(k)
                    && let Some(date) = civil(y, m, d)
                {
                    out.push(plain(date));
                    i = k + 1;
                    continue;
                }
            }
        }
        i += 1;
    }
    out
}

/// INA sections cited in the text, normalised: `221(g)`, `212(a)(6)(C)(i)`, `214(b)`.
/// OCR variants (`22l(g)`, `221 (9)`, `221g`) are recognised.
/// A vowel sign or other mark that belongs to the letter before it (জি is জ + ি).
fn is_sign(c: char) -> bool {
    matches!(c, '\u{0900}'..='\u{0DFF}') && !c.is_alphanumeric()
}

pub fn find_sections(text: &str, max: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    let digit = |c: char| -> Option<char> {
        match c {
            '0'..='9' => Some(c),
            'l' | 'I' | '|' => Some('1'),
            _ => None,
        }
    };
    while i + 3 <= chars.len() && out.len() < max {
        // A number glued to a Chinese or Japanese character ("第221(g)条") still starts here.
        let boundary =
            i == 0 || !chars[i - 1].is_alphanumeric() || super::text::is_cjk(chars[i - 1]);
        let num: Option<String> = if boundary {
            chars[i..i + 3].iter().map(|&c| digit(c)).collect()
        } else {
            None
        };
        let Some(num) = num.filter(|n| matches!(n.as_str(), "221" | "212" | "214")) else {
            i += 1;
            continue;
        };
        // Require at least one real digit pair to avoid reading words like "Ill".
        if chars[i..i + 3]
            .iter()
            .filter(|c| c.is_ascii_digit())
            .count()
            < 2
        {
            i += 1;
            continue;
        }
        let mut j = i + 3;
        let mut groups: Vec<String> = Vec::new();
        loop {
            let mut k = j;
            while k < chars.len() && chars[k] == ' ' && k - j < 2 {
                k += 1;
            }
            if chars.get(k) != Some(&'(') {
                break;
            }
            let close = (k + 1..(k + 7).min(chars.len())).find(|&c| chars[c] == ')');
            let Some(close) = close else { break };
            let inner: String = chars[k + 1..close]
                .iter()
                .filter(|c| !c.is_whitespace())
                .collect();
            // "221(জি)", "221(ز)", "221(გ)": the (g) written in the notice's own script.
            let inner = if num == "221" && groups.is_empty() && !inner.is_ascii() {
                "g".to_string()
            } else {
                inner
            };
            if inner.is_empty()
                || inner.chars().count() > 4
                || !inner.chars().all(|c| c.is_alphanumeric() || is_sign(c))
            {
                break;
            }
            groups.push(inner);
            j = close + 1;
            if groups.len() == 5 {
                break;
            }
        }
        if groups.is_empty() {
            // "221g" / "221 g" without parentheses.
            let mut k = j;
            if chars.get(k) == Some(&' ') {
                k += 1;
            }
            if num == "221"
                && matches!(chars.get(k), Some('g' | 'G'))
                && chars.get(k + 1).is_none_or(|c| !c.is_alphanumeric())
            {
                groups.push("g".into());
                j = k + 1;
            }
        }
        if groups.is_empty() {
            i += 3;
            continue;
        }
        let mut s = num.clone();
        for (level, g) in groups.iter().enumerate() {
            let g = match (num.as_str(), level) {
                // OCR reads the g as 9 or q.
                ("221", 0) if matches!(g.as_str(), "9" | "q" | "g" | "G") => "g".to_string(),
                (_, 0) | (_, 3) => g.to_lowercase(),
                (_, 2) | (_, 4) => g.to_uppercase(),
                _ => g.clone(),
            };
            s.push('(');
            s.push_str(&g);
            s.push(')');
        }
        let valid = match num.as_str() {
            "221" => s == "221(g)",
            "214" => s == "214(b)",
            _ => s.starts_with("212(a)(") || s == "212(e)",
        };
        if valid && !out.contains(&s) {
            out.push(s);
        }
        i = j.max(i + 1);
    }
    // Section 205 (revocation of a petition) is cited without sub-paragraphs: only
    // after a word that says it is a section of the Act.
    let lower: String = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    for cue in [
        "section 205",
        "sections 205",
        "ina 205",
        "ina § 205",
        "§ 205",
        "sección 205",
        "seccion 205",
        "article 205",
        "artículo 205",
        "artigo 205",
    ] {
        if out.len() >= max || out.iter().any(|s| s == "205") {
            break;
        }
        let mut from = 0;
        while let Some(pos) = lower[from..].find(cue) {
            let end = from + pos + cue.len();
            let before_ok = lower[..from + pos]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric());
            let after_ok = lower[end..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric() && c != '(');
            if before_ok && after_ok {
                out.push("205".to_string());
                break;
            }
            from = end;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(line: &str) -> Vec<String> {
        find_dates(line, 10)
            .into_iter()
            .map(|d| d.date.to_string())
            .collect()
    }

    #[test]
    fn date_forms() {
        assert_eq!(iso("Date: 2025-03-14"), vec!["2025-03-14"]);
        assert_eq!(
            iso("on March 14, 2025 and 2 Apr 2025"),
            vec!["2025-03-14", "2025-04-02"]
        );
        assert_eq!(iso("14-Mar-2025"), vec!["2025-03-14"]);
        assert_eq!(iso("14/03/2025"), vec!["2025-03-14"]);
        assert_eq!(iso("03/14/2025"), vec!["2025-03-14"]);
        assert_eq!(iso("14 de marzo de 2025"), vec!["2025-03-14"]);
        assert_eq!(iso("2025年3月14日"), vec!["2025-03-14"]);
        assert_eq!(iso("ngày 14 tháng 3 năm 2025"), vec!["2025-03-14"]);
        assert_eq!(iso("Marso 14, 2025"), vec!["2025-03-14"]);
        assert_eq!(iso("the 14th of nothing 2025-02-30"), Vec::<String>::new());
        let amb = find_dates("04/03/2025", 10);
        assert_eq!(
            amb[0].alternative.map(|d| d.to_string()),
            Some("2025-03-04".into())
        );
    }

    #[test]
    fn sections() {
        assert_eq!(
            find_sections("refused under Section 221(g) and INA 212(a)(6)(c)(i).", 10),
            vec!["221(g)", "212(a)(6)(C)(i)"]
        );
        assert_eq!(find_sections("22l (9) ... 221g", 10), vec!["221(g)"]);
        assert_eq!(find_sections("роздiлу 221(q) Закону", 10), vec!["221(g)"]);
        assert_eq!(
            find_sections("212(a)(9)(B)(i)(II)", 10),
            vec!["212(a)(9)(B)(i)(II)"]
        );
        assert!(find_sections("1221(g) 2210 Ill", 10).is_empty());
    }
}
