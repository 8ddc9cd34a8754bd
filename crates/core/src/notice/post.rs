//! Which post wrote the notice, and its CEAC case number.

use super::dates;
use super::matcher::Hit;
use super::text::Folded;
use super::vocab::{Langs, Vocab, cue};

/// The post that wrote the notice, and the CEAC case number printed on it. `hint` (a post
/// code the user gave) wins.
pub(super) fn find_post(
    v: &Vocab,
    langs: Langs,
    lines: &[&str],
    hint: Option<&str>,
) -> (Option<String>, Option<String>) {
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
        let fl = v.flags(&f, langs);
        let dated = !dates::find_dates(line, 1, &|w| v.month(w, langs)).is_empty();
        if fl & cue::EMBASSY == 0 && !dated {
            continue;
        }
        if let Some(h) = post_names(v, line, &f).first() {
            head = Some(h.value);
            break;
        }
    }
    if let Some(p) = head {
        return (Some(v.post_codes[usize::from(p)].clone()), case_number);
    }
    if let Some(cn) = &case_number
        && let Some(code) = v.post_codes.iter().find(|c| cn.starts_with(c.as_str()))
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
        let embassy = v.flags(&f, langs) & cue::EMBASSY != 0;
        let score = if embassy {
            3
        } else if non_blank <= 8 {
            1
        } else {
            continue;
        };
        let mut names = post_names(v, line, &f);
        // "... at the U.S. Embassy in Abu\nDhabi": the name may run onto the next line.
        if embassy
            && names.is_empty()
            && let Some(next) = lines.get(i + 1)
        {
            let joined = format!("{} {}", line.trim_end(), next.trim_start());
            names = post_names(v, &joined, &Folded::new(&joined));
        }
        for h in names {
            if best.is_none_or(|(s, _, _)| score > s) {
                best = Some((score, i, h.value));
            }
        }
        if best.is_some_and(|(s, _, _)| s == 3) {
            break;
        }
    }
    let post = best.map(|(_, _, p)| v.post_codes[usize::from(p)].clone());
    (post, case_number)
}

/// The post names in `line`. A short one-word name must be written as a name, even on a
/// line that names the Embassy (a chat is often one long line): "dili" is Cebuano for "not",
/// "Dili" the capital of Timor-Leste; "lima" is a file in Spanish. Longer names ("manila")
/// are names however they are written.
fn post_names(v: &Vocab, line: &str, f: &Folded) -> Vec<Hit<u16>> {
    let mut hits = v.posts.longest(f);
    hits.retain(|h| {
        let short =
            h.end - h.start <= SHORT_NAME && f.inner_breaks(h.start, h.end).next().is_none();
        !short || written_as_name(line, f, h.start)
    });
    hits
}

/// Post names this short may be ordinary words in some language.
const SHORT_NAME: usize = 5;

/// Whether the word of `line` that folds to the word at `start` of `f` begins with a
/// capital (or a letter of a script without case).
/// A capital that only opens a sentence or a chat message ("Jessa: Dili na day", Cebuano
/// "not any more") says nothing; one at the start of the line may open a place-and-date
/// line ("Dili, 3 March 2025").
fn written_as_name(line: &str, f: &Folded, start: usize) -> bool {
    let end = (start + 1..=f.len())
        .find(|&i| f.ends[i])
        .unwrap_or(f.len());
    let word = &f.chars[start..end];
    let mut from = 0;
    line.split(|c: char| !c.is_alphanumeric()).any(|w| {
        let at = line[from..].find(w).map_or(from, |i| from + i);
        from = at + w.len();
        let opens_sentence = line[..at].trim_end().ends_with([':', '.', '!', '?']);
        // At the line's start only as a place heading a line: "Dili, 3 March 2025", "DILI",
        // not "Dili na kinahanglan ang NBI" (Cebuano: the NBI is no longer needed).
        let opens_line = line[..at].trim().is_empty();
        let after = line[at + w.len()..].trim_start();
        let heading = after.is_empty()
            || after.starts_with([',', '-', '–', '('])
            || line.split_whitespace().count() <= 4;
        Folded::new(w).chars == word
            && w.chars().next().is_some_and(|c| !c.is_lowercase())
            && !opens_sentence
            && (!opens_line || heading)
    })
}

/// A CEAC immigrant-visa case number: three letters then ten digits (`MNL2025512345`),
/// possibly written with spaces or hyphens.
fn case_number_in(line: &str) -> Option<String> {
    let chars: Vec<char> = line.chars().collect();
    for i in 0..chars.len() {
        if i > 0 && chars[i - 1].is_ascii_alphanumeric() {
            continue;
        }
        let mut got = String::new();
        let mut j = i;
        while j < chars.len() && got.len() < 13 {
            let c = chars[j];
            // Spaces and hyphens may split the digits: "MNL 2025-512345".
            if got.len() >= 3 && matches!(c, ' ' | '-') {
                j += 1;
                continue;
            }
            let fits = if got.len() < 3 {
                c.is_ascii_uppercase()
            } else {
                c.is_ascii_digit()
            };
            if !fits {
                break;
            }
            got.push(c);
            j += 1;
        }
        if got.len() < 13 || chars.get(j).is_some_and(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        // "MNL-2025-512345-6" has a digit too many: not a case number.
        let next = chars[j..].iter().find(|c| !matches!(c, ' ' | '-'));
        if next.is_some_and(|c| c.is_ascii_digit()) {
            continue;
        }
        return Some(got);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_name_in_lower_case_is_a_word() {
        let at = |line: &str| {
            let folded: String = Folded::new(line).chars.iter().collect();
            let dili: String = Folded::new("Dili").chars.iter().collect();
            folded.find(&dili).map(|b| folded[..b].chars().count())
        };
        let line = "Babe 221g ko, dili pa approved.";
        let start = at(line).expect("found");
        assert!(!written_as_name(line, &Folded::new(line), start));
        let line = "Interview in Dili today";
        let start = at(line).expect("found");
        assert!(written_as_name(line, &Folded::new(line), start));
        let line = "Jessa: Dili na day, wala silay gipangayo";
        let start = at(line).expect("found");
        assert!(!written_as_name(line, &Folded::new(line), start));
        let line = "Dili, 3 March 2025";
        let start = at(line).expect("found");
        assert!(written_as_name(line, &Folded::new(line), start));
        let line = "Dili na kinahanglan ang bag-ong NBI clearance";
        let start = at(line).expect("found");
        assert!(!written_as_name(line, &Folded::new(line), start));
    }

    #[test]
    fn case_numbers() {
        assert_eq!(
            case_number_in("Case number: MNL2025512345.").as_deref(),
            Some("MNL2025512345")
        );
        assert_eq!(
            case_number_in("Case No. MNL-2025-512345-6").as_deref(),
            None
        );
        assert_eq!(case_number_in("XMNL2025512345"), None);
        assert_eq!(
            case_number_in("HCM2025079902 - Yêu cầu bổ sung").as_deref(),
            Some("HCM2025079902")
        );
        assert_eq!(
            case_number_in("Case: MNL 2025 512345").as_deref(),
            Some("MNL2025512345")
        );
    }
}
