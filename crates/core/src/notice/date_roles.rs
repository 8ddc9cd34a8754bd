//! The roles of the dates a notice holds: the refusal (interview) date, the letter's date,
//! a deadline, or another date.

use jiff::civil::Date;

use super::dates;
use super::text::{Folded, tidy};
use super::units::wraps;
use super::vocab::{Langs, Vocab, cue};
use super::{DateRole, FoundDate, MAX_TEXT_CHARS};

const MAX_DATES: usize = 40;
/// How much of a sentence wrapped from the lines above is kept to give a date its role.
const MAX_CARRY: usize = 300;

/// What stands above a date's line that may give it its role.
#[derive(Clone, Copy)]
enum Above<'a> {
    /// The opening of the date's sentence, wrapped from the lines above.
    Sentence(&'a str),
    /// The line above, of which only its end counts ("refused on" / "March 27, 2025").
    Line(&'a str),
    Nothing,
}

/// Every date in the notice with its role, read from its line (or the end of the line above).
/// A numeric date that reads both ways keeps the other reading in `alternative`.
pub(super) fn read_dates(
    v: &Vocab,
    langs: Langs,
    says_day: bool,
    lines: &[&str],
    month_first: Option<bool>,
    warnings: &mut Vec<String>,
) -> Vec<FoundDate> {
    let mut raw: Vec<(dates::RawDate, DateRole, String)> = Vec::new();
    let mut non_blank = 0;
    let mut prev_line: Option<&str> = None;
    // The unfinished sentence of the wrapped lines above: "... was refused under Section
    // 221(g) of the Immigration and" / "Nationality Act on January 23, 2024."
    let mut carry = String::new();
    // "Ayer martes 4 de febrero tuve la entrevista ... me la negaron": a refusal's day and
    // month with no year, to date from the letter's own date.
    // With it, the letter's or message's date above it (in a thread, each message has its own
    // header date).
    let mut yearless: Option<(Undated, String, Option<usize>)> = None;
    let mut last_letter: Option<usize> = None;
    for (at, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            prev_line = None;
            carry.clear();
            continue;
        }
        non_blank += 1;
        let prev_line = prev_line.replace(line);
        let above_sentence = std::mem::take(&mut carry);
        let in_line = sentences(line);
        let wrapped = wraps(line);
        // The opening sentence of the line below, when this one wraps into it.
        let below = lines
            .get(at + 1)
            .filter(|n| wrapped && !n.trim().is_empty())
            .and_then(|n| sentences(n).first().copied());
        if wrapped {
            carry = match in_line.as_slice() {
                [whole] => format!("{above_sentence} {whole}"),
                [.., last] => last.to_string(),
                [] => String::new(),
            };
            if carry.len() > MAX_CARRY {
                let cut = carry.ceil_char_boundary(carry.len() - MAX_CARRY);
                carry.drain(..cut);
            }
        }
        if raw.len() >= MAX_DATES || !line.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        // Each sentence has its own role: "... your application was refused. You are
        // invited to a second interview on 30 October 2025." holds no refusal date.
        let last = in_line.len() - 1;
        for (k, sentence) in in_line.iter().copied().enumerate() {
            if raw.len() >= MAX_DATES {
                break;
            }
            let found = dates::find_dates(sentence, MAX_DATES - raw.len(), &|w| v.month(w, langs));
            if found.is_empty() {
                if yearless.is_none()
                    && let Some(undated) = undated(v, langs, sentence, says_day)
                    && role_of(v, langs, sentence, Above::Nothing, non_blank, 1)
                        == DateRole::Refusal
                {
                    yearless = Some((undated, tidy(line, MAX_TEXT_CHARS), last_letter));
                }
                continue;
            }
            let above = match k {
                0 if !above_sentence.is_empty() => Above::Sentence(&above_sentence),
                0 => prev_line.map_or(Above::Nothing, Above::Line),
                _ => Above::Nothing,
            };
            // "Dakar, le 3 décembre 2024 / December 3, 2024" is one date, written twice.
            let distinct = found
                .iter()
                .enumerate()
                .filter(|(i, d)| found[..*i].iter().all(|e| e.date != d.date))
                .count();
            let mut role = role_of(v, langs, sentence, above, non_blank, distinct);
            // "On March 2, 2021, the fiancée appeared for" / "her visa interview.": the words
            // that give the date its role may come in the rest of its sentence, below.
            if role == DateRole::Other
                && k == last
                && let Some(next) = below
            {
                let whole = format!("{sentence} {next}");
                let below = role_of(v, langs, &whole, above, non_blank, distinct);
                if matches!(below, DateRole::Refusal | DateRole::Deadline) {
                    role = below;
                }
            }
            // "[21/01/2025 08:05] Grâce: ... l'interview était le 20 janvier 2025": the
            // message's time says when it was sent; the date in its words is the one meant.
            let stamped = k == 0 && found.len() > 1 && super::units::starts_with_message_time(line);
            let header = v.is_mail_header(line, langs);
            for (i, d) in found.into_iter().enumerate() {
                let role = if stamped && i == 0 {
                    DateRole::Other
                } else {
                    role
                };
                if role == DateRole::Letter || header && i == 0 {
                    last_letter = Some(raw.len());
                }
                raw.push((d, role, tidy(line, MAX_TEXT_CHARS)));
            }
        }
        if let (Some(end), Some(start)) = (in_line.last(), below)
            && raw.len() < MAX_DATES
        {
            raw.extend(straddling_dates(v, langs, end, start, non_blank));
        }
    }
    if let Some(refusal) =
        yearless.and_then(|(undated, text, above)| dated_by_letter(&raw, above, undated, text))
    {
        raw.push(refusal);
    }
    let day_first = reads_day_first(&raw, month_first);
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

/// A refusal's day said without its year: a day and month, "yesterday" or "today".
#[derive(Debug, Clone, Copy)]
enum Undated {
    DayMonth(u32, u32),
    Yesterday,
    Today,
}

/// The refusal's day a sentence gives without a year. "Yesterday" is looked for only where
/// the notice says it somewhere (`says_day`): matching every dateless sentence's cue
/// words would cost every notice for the few that say it.
fn undated(v: &Vocab, langs: Langs, sentence: &str, says_day: bool) -> Option<Undated> {
    if let Some((month, day)) = dates::find_day_month(sentence, &|w| v.month(w, langs)) {
        return Some(Undated::DayMonth(month, day));
    }
    if !says_day {
        return None;
    }
    let flags = v.day_flags(&Folded::new(sentence), langs);
    if flags & cue::YESTERDAY != 0 {
        Some(Undated::Yesterday)
    } else if flags & cue::TODAY != 0 {
        Some(Undated::Today)
    } else {
        None
    }
}

/// The refusal's date when a sentence gives only its day and month ("yesterday (14
/// November)", or just "yesterday") and no dated sentence says when the refusal was: the year
/// is the letter's or e-mail's, or the one before when the day would come after the letter.
/// Without it the letter's own date (the day after, here) was taken for the refusal's.
fn dated_by_letter(
    raw: &[(dates::RawDate, DateRole, String)],
    above: Option<usize>,
    undated: Undated,
    text: String,
) -> Option<(dates::RawDate, DateRole, String)> {
    if raw.iter().any(|(_, role, _)| *role == DateRole::Refusal) {
        return None;
    }
    let is_letter = |r: &&(dates::RawDate, DateRole, String)| r.1 == DateRole::Letter;
    // The letter's or message's date above the sentence; else the letter's date.
    let letter = &above
        .and_then(|i| raw.get(i))
        .or_else(|| raw.iter().find(is_letter))?
        .0;
    // "Today" is the letter's date, read both ways when it is numeric ("10/09/2024"), so
    // that the notice's day order settles it as it does the letter's.
    if let Undated::Today = undated {
        return Some((letter.clone(), DateRole::Refusal, text));
    }
    let letter = letter.date;
    let date = match undated {
        Undated::DayMonth(month, day) => {
            let in_year =
                |y: i16| Date::new(y, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok();
            match in_year(letter.year())? {
                d if d <= letter => d,
                _ => in_year(letter.year() - 1)?,
            }
        }
        Undated::Yesterday => letter.yesterday().ok()?,
        Undated::Today => letter,
    };
    let raw_date = dates::RawDate {
        date,
        alternative: None,
        day_first: None,
        numeric_ambiguous: false,
    };
    Some((raw_date, DateRole::Refusal, text))
}

/// A date the line break cuts in two ("... at the U.S. Consulate General on March 2," /
/// "2023."), read from the last sentence of a line (`end`) joined to the first of the next
/// (`start`), with the role of that joined sentence.
fn straddling_dates(
    v: &Vocab,
    langs: Langs,
    end: &str,
    start: &str,
    non_blank: usize,
) -> Vec<(dates::RawDate, DateRole, String)> {
    let month = |w: &str| v.month(w, langs);
    if !start.trim_start().starts_with(|c: char| c.is_ascii_digit()) {
        return Vec::new();
    }
    let joined = format!("{end} {start}");
    let apart: Vec<_> = dates::find_dates(end, 4, &month)
        .into_iter()
        .chain(dates::find_dates(start, 4, &month))
        .map(|d| d.date)
        .collect();
    let across: Vec<_> = dates::find_dates(&joined, 4, &month)
        .into_iter()
        .filter(|d| !apart.contains(&d.date))
        .collect();
    if across.is_empty() {
        return Vec::new();
    }
    let role = role_of(v, langs, &joined, Above::Nothing, non_blank, across.len());
    let text = tidy(&joined, MAX_TEXT_CHARS);
    across
        .into_iter()
        .map(|d| (d, role, text.clone()))
        .collect()
}

/// A line cut into its sentences: at a full stop, question or exclamation mark followed by a
/// space and a capital letter, after a word of three or more letters or digits (so "U.S.
/// Embassy" and "No. 5" stay whole, and "... 2024. Your case" does not).
fn sentences(line: &str) -> Vec<&str> {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut out = Vec::new();
    let mut from = 0;
    for (i, &(at, c)) in chars.iter().enumerate() {
        if !matches!(c, '.' | '?' | '!' | '。') {
            continue;
        }
        // Letters or digits: "... on August 12, 2024. Your case is also ..." ends at the
        // year (else the next sentence's "before" made the refusal date a deadline's).
        let word = chars[..i]
            .iter()
            .rev()
            .take_while(|(_, w)| w.is_alphanumeric())
            .count();
        let next_capital = chars.get(i + 1).is_some_and(|(_, n)| n.is_whitespace())
            && chars[i + 1..]
                .iter()
                .find(|(_, n)| !n.is_whitespace())
                .is_some_and(|(_, n)| n.is_uppercase());
        // After an emoji or a closing bracket ("... con 221g 😔. Me entregaron") too: no
        // abbreviation ends so.
        let symbol = word == 0
            && i > 0
            && !chars[i - 1].1.is_whitespace()
            && !matches!(chars[i - 1].1, '.' | '?' | '!');
        if (word >= 3 || symbol) && next_capital {
            let end = at + c.len_utf8();
            out.push(&line[from..end]);
            from = end;
        }
    }
    out.push(&line[from..]);
    out
}

/// The role of the dates on `line`: from its words, or the end of the line above; a lone
/// short date near the top is the letter's.
fn role_of(
    v: &Vocab,
    langs: Langs,
    line: &str,
    above: Above,
    non_blank: usize,
    dates_on_line: usize,
) -> DateRole {
    if never_the_refusal(line) {
        return DateRole::Other;
    }
    let f = Folded::new(line);
    let mut fl = v.flags(&f, langs);
    let first_word_is_label = fl & cue::DATE_LABEL != 0;
    let mut cites_section = false;
    // "... which was refused on\nMarch 27, 2025": the words may end the line above, or open
    // the sentence a wrapped paragraph carries down to the date.
    if fl & (cue::REFUSAL | cue::DEADLINE) == 0
        && line
            .trim_start()
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric)
    {
        let context: String = match above {
            Above::Sentence(s) => {
                cites_section = !dates::find_sections(s, 1).is_empty();
                s.to_string()
            }
            Above::Line(prev) => {
                let chars: Vec<char> = prev.chars().collect();
                chars[chars.len().saturating_sub(40)..].iter().collect()
            }
            Above::Nothing => String::new(),
        };
        fl |= v.flags(&Folded::new(&context), langs) & (cue::REFUSAL | cue::DEADLINE);
    }
    // "Vous êtes convoquée à un second entretien le 30 octobre": the date of a return
    // interview is not the date of the refusal, though both are interviews.
    // Only a return named before the date: "fui a mi entrevista el 9 de enero de 2024 ... me
    // dijo que tengo que regresar a otra entrevista" dates the first interview.
    let names_return = |f: &Folded| {
        v.terms(f).iter().any(|h| {
            matches!(
                h.value,
                super::vocab::Target::Disp(super::NoticeKind::InterviewReturn)
            )
        })
    };
    let return_visit = names_return(&f) && {
        let before_date = &line[..first_year(line).unwrap_or(line.len())];
        names_return(&Folded::new(before_date))
    };
    // A sentence that cites the refusal's section ("me dieron la hoja del 221g en la embajada
    // el 15/11/2023") dates the refusal too. (Read here, not as a cue word: a cue of digits
    // slows every line's matching.)
    let cites_section = cites_section || !dates::find_sections(line, 1).is_empty();
    let refusal = (fl & cue::REFUSAL != 0 || cites_section) && !return_visit;
    let deadline = fl & cue::DEADLINE != 0;
    match (refusal, deadline) {
        (true, false) => DateRole::Refusal,
        (false, true) => DateRole::Deadline,
        // Both: the deadline's word stands right before its date ("submit by 5 May 2025",
        // "до 15 березня"); one further off ("refused on 14 листопада 2019 ... відповідно
        // до статті 221(g)", "refused on March 3, 2025; you have one year to ...") leaves
        // the refusal's date.
        (true, true) => match deadline_right_before_date(v, langs, line) {
            Some(true) => DateRole::Deadline,
            Some(false) => DateRole::Refusal,
            None => DateRole::Other,
        },
        (false, false) if first_word_is_label => DateRole::Letter,
        (false, false) if non_blank <= 10 && dates_on_line == 1 && stands_apart(v, langs, line) => {
            DateRole::Letter
        }
        _ => DateRole::Other,
    }
}

/// Fields whose dates are never the refusal's. The CEAC status page's ("Case Created:
/// 05-Dec-2023", "Case Last Updated: 18-Jan-2024"): the case is created before the
/// interview, and it is updated again after the refusal (administrative processing,
/// documents received), so the page cannot say when the refusal was and the person is asked
/// for the date on their letter (the page is in English at every post). A chat export's
/// ("Saved on: 2025/03/13"): the day it was copied.
fn never_the_refusal(line: &str) -> bool {
    let t = line.trim_start().to_lowercase();
    [
        "case created",
        "case last updated",
        "last updated",
        "saved on",
    ]
    .iter()
    .any(|field| t.starts_with(field))
}

/// Whether a deadline's word ("by", "before", "до", "hasta") stands among the few words
/// before the line's first date; `None` when no year shows where that date is.
fn deadline_right_before_date(v: &Vocab, langs: Langs, line: &str) -> Option<bool> {
    // The date's own day and month, and two words before them.
    const WORDS: usize = 4;
    let year = first_year(line)?;
    let words: Vec<&str> = line[..year].split_whitespace().collect();
    let f = Folded::new(&words[words.len().saturating_sub(WORDS)..].join(" "));
    Some(v.flags(&f, langs) & cue::DEADLINE != 0)
}

/// Where the first year is written in `line` (four digits, 1990–2100, a Buddhist-era year,
/// or an era's year marked 年): the end of the first date, near enough, whatever order it is
/// written in.
fn first_year(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let run = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
        if run == 4
            && let Ok(y) = line[i..i + 4].parse::<u32>()
            && ((1990..=2100).contains(&y) || (2533..=2643).contains(&y))
        {
            return Some(i);
        }
        // An era's year, marked as a year: "令和7年1月17日", "민국 113년".
        if line[i + run..].starts_with(['年', '년']) {
            return Some(i);
        }
        i += run;
    }
    None
}

/// A date near the top that stands in a short cell of its own: a short line ("Manila, 3 June
/// 2025"), or set apart by a wide gap or a dash from the letterhead beside it ("Consular
/// Section        05 FEB 2026", "U.S. Embassy Dhaka – 10 Sept 2025").
fn stands_apart(v: &Vocab, langs: Langs, line: &str) -> bool {
    const SHORT: usize = 40;
    cells(line).into_iter().any(|cell| {
        cell.chars().count() <= SHORT
            && !dates::find_dates(cell, 1, &|w| v.month(w, langs)).is_empty()
    })
}

/// A line cut where a form or a letterhead separates its fields: three or more spaces, a
/// tab, or a dash, bar or slash with spaces around it (a date and its translation: "le 3
/// décembre 2024 / December 3, 2024").
fn cells(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !line.is_char_boundary(i) {
            i += 1;
            continue;
        }
        let gap = bytes[i..].iter().take_while(|b| **b == b' ').count();
        let sep = [" – ", " — ", " | ", " - ", " / "]
            .iter()
            .find(|s| line[i..].starts_with(**s))
            .map(|s| s.len());
        let cut = if gap >= 3 {
            Some(gap)
        } else if bytes[i] == b'\t' {
            Some(1)
        } else {
            sep
        };
        match cut {
            Some(len) => {
                out.push(line[from..i].trim());
                i += len;
                from = i;
            }
            None => i += 1,
        }
    }
    out.push(line[from..].trim());
    out.retain(|c| !c.is_empty());
    out
}

/// If any numeric date could only be day-first, the ambiguous ones are read that way too.
/// The notice's own unambiguous dates decide first, then the post's country; with neither,
/// month first (the U.S. government's usual order).
fn reads_day_first(raw: &[(dates::RawDate, DateRole, String)], month_first: Option<bool>) -> bool {
    if raw.iter().any(|(d, _, _)| d.day_first == Some(true)) {
        true
    } else if raw.iter().any(|(d, _, _)| d.day_first == Some(false)) {
        false
    } else {
        month_first == Some(false)
    }
}

#[cfg(test)]
mod tests {
    use super::{cells, sentences};

    #[test]
    fn letterhead_lines_split_into_cells() {
        assert_eq!(
            cells("Consular Section - Immigrant Visa Unit        05 FEB 2026"),
            ["Consular Section", "Immigrant Visa Unit", "05 FEB 2026"]
        );
        assert_eq!(
            cells("U.S. Embassy Dhaka – Immigrant Visa Unit – 10 Sept 2025"),
            ["U.S. Embassy Dhaka", "Immigrant Visa Unit", "10 Sept 2025"]
        );
        assert_eq!(cells("Manila, 3 June 2025"), ["Manila, 3 June 2025"]);
    }

    #[test]
    fn lines_split_into_sentences_but_not_at_abbreviations() {
        assert_eq!(
            sentences("Votre demande a été refusée. Vous êtes convoquée le 30 octobre 2025."),
            [
                "Votre demande a été refusée.",
                " Vous êtes convoquée le 30 octobre 2025."
            ]
        );
        assert_eq!(
            sentences("Refused by the U.S. Embassy on March 3, 2025."),
            ["Refused by the U.S. Embassy on March 3, 2025."]
        );
        assert_eq!(
            sentences("Refused on August 12, 2024. It must be completed before a decision."),
            [
                "Refused on August 12, 2024.",
                " It must be completed before a decision."
            ]
        );
    }
}
