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

/// A word as dates compare it: lower case, without accents or vowel signs, with the digits
/// OCR puts in words read as letters ("0ct" is "oct").
pub(super) fn fold_word(word: &str) -> String {
    use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};
    if word.is_ascii() {
        return word
            .chars()
            .map(|c| match c.to_ascii_lowercase() {
                '0' => 'o',
                '1' => 'l',
                other => other,
            })
            .collect();
    }
    // Thai vowel signs tell months apart ("ม.ค." January, "มี.ค." March): they stay.
    word.nfd()
        .filter(|c| !is_combining_mark(*c) || is_thai(*c))
        .nfc()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '0' => 'o',
            '1' => 'l',
            // Greek writes a final sigma that upper case does not: ΜΑΡΤΙΟΣ, Μάρτιος.
            'ς' => 'σ',
            other => other,
        })
        .collect()
}

fn is_word_char(c: char) -> bool {
    (c.is_alphabetic() || unicode_normalization::char::is_combining_mark(c))
        && !super::text::is_cjk(c)
}

/// Where a number starts: a digit, or a letter OCR made of one, starting a token before a
/// digit ("22.l0.2025", "Date: l7-Oct-2023"). (Dropping the letter would read "l7" as 7, a
/// wrong day.)
fn starts_number(c: char, next: Option<char>) -> bool {
    c.is_ascii_digit() || (ocr_digit(c).is_some() && next.is_some_and(|n| n.is_ascii_digit()))
}

fn is_thai(c: char) -> bool {
    ('\u{0E00}'..='\u{0E7F}').contains(&c)
}

/// Thai abbreviates with a dot after each part: "มี.ค." (March), "พ.ศ." (Buddhist era).
/// Such words are joined without their dots, as the vocabulary writes them ("มีค").
fn join_thai_abbreviations(mut toks: Vec<Tok>) -> Vec<Tok> {
    let thai_part = |t: &Tok| match t {
        Tok::Word(w) => w.chars().count() <= 3 && w.chars().all(is_thai),
        _ => false,
    };
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        if i + 3 < toks.len()
            && thai_part(&toks[i])
            && toks[i + 1] == Tok::Punct('.')
            && thai_part(&toks[i + 2])
            && toks[i + 3] == Tok::Punct('.')
            && let (Tok::Word(a), Tok::Word(b)) = (&toks[i], &toks[i + 2])
        {
            out.push(Tok::Word(format!("{a}{b}")));
            i += 4;
            continue;
        }
        out.push(std::mem::replace(&mut toks[i], Tok::Punct(' ')));
        i += 1;
    }
    out
}

fn tokens(line: &str) -> Vec<Tok> {
    let toks = raw_tokens(line);
    if line.chars().any(is_thai) {
        join_thai_abbreviations(toks)
    } else {
        toks
    }
}

/// "٣ تشرين الثاني ٢٠٢٤": a month named in two words (the Levantine months, "كانون الأول")
/// becomes one word, as the vocabulary lists it. Only words next to a number are tried: a
/// month in a date stands after its day or before its year.
fn join_two_word_months(mut toks: Vec<Tok>, months: MonthOf<'_>) -> Vec<Tok> {
    let is_num = |t: Option<&Tok>| matches!(t, Some(Tok::Num(..)));
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        if let (Tok::Word(first), Some(Tok::Word(second))) = (&toks[i], toks.get(i + 1)) {
            let beside_number = is_num(out.last()) || is_num(toks.get(i + 2));
            if beside_number && months(first).is_none() {
                let both = format!("{first} {second}");
                if months(&both).is_some() {
                    out.push(Tok::Word(both));
                    i += 2;
                    continue;
                }
            }
        }
        out.push(std::mem::replace(&mut toks[i], Tok::Punct(' ')));
        i += 1;
    }
    out
}

fn raw_tokens(line: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        let next = {
            let mut ahead = chars.clone();
            ahead.next();
            ahead.next()
        };
        if starts_number(c, next) {
            out.push(number(&mut chars));
        } else if super::text::is_cjk(c) {
            out.push(Tok::Word(c.to_string()));
            chars.next();
        } else if is_word_char(c) {
            let mut w = String::new();
            while let Some(&d) = chars.peek() {
                if is_word_char(d) {
                    w.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            out.push(Tok::Word(fold_word(&w)));
        } else {
            if !c.is_whitespace() {
                out.push(Tok::Punct(c));
            }
            chars.next();
        }
    }
    out
}

/// A number, with the look-alike letters OCR puts in it ("2O25", "l7", "2l 0ct"), or a word
/// that starts with digits ("2nd" is a number, "3rd" too, "4x" a word).
fn number(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Tok {
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
        // A look-alike letter counts between digits ("2O25"), or ending a short number
        // before a space or a separator ("2l Oct"), not in "2nd".
        let Some(od) = ocr_digit(d) else { break };
        let mut ahead = chars.clone();
        ahead.next();
        let after = ahead.peek().copied();
        let inside = after.is_some_and(|a| a.is_ascii_digit());
        let ending =
            !digits.is_empty() && digits.len() < 4 && after.is_none_or(|a| !a.is_alphanumeric());
        if inside || ending {
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
        Tok::Num(n, digits.len())
    } else {
        Tok::Word(fold_word(&format!("{digits}{suffix}")))
    }
}

/// Words that follow the year and the month in dates written year first: 2025年3月14日,
/// 2025년 10월 2일, 2025 оны 9-р сарын 30.
const YEAR_MARKERS: &[&str] = &["年", "년", "оны"];
const MONTH_MARKERS: &[&str] = &["月", "월", "сарын"];

fn civil(y: u32, m: u32, d: u32) -> Option<Date> {
    // Thai documents count years from the Buddha (2568 is 2025); no date of a notice is
    // that far ahead in the common era.
    let y = if (2533..=2643).contains(&y) {
        y - 543
    } else {
        y
    };
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

/// Which month a folded word names, from the vocabulary.
pub(super) type MonthOf<'a> = &'a dyn Fn(&str) -> Option<u32>;

/// The tokens of a line, read by position.
struct Toks<'a>(Vec<Tok>, MonthOf<'a>);

impl Toks<'_> {
    fn month(&self, i: usize) -> Option<u32> {
        let w = self.word(i)?;
        // OCR reads "m" as "rn" ("rnarzo", "Novernber"): a word that names no month may name
        // one with its "rn" read back as "m".
        (self.1)(w).or_else(|| {
            w.contains("rn")
                .then(|| (self.1)(&w.replace("rn", "m")))
                .flatten()
        })
    }
    fn num(&self, i: usize) -> Option<(u32, usize)> {
        match self.0.get(i) {
            Some(Tok::Num(n, d)) => Some((*n, *d)),
            _ => None,
        }
    }
    fn word(&self, i: usize) -> Option<&str> {
        match self.0.get(i) {
            Some(Tok::Word(w)) => Some(w.as_str()),
            _ => None,
        }
    }
    fn punct(&self, i: usize) -> Option<char> {
        match self.0.get(i) {
            Some(Tok::Punct(p)) => Some(*p),
            _ => None,
        }
    }
    fn skip_punct(&self, mut i: usize, allowed: &[char]) -> usize {
        while self.punct(i).is_some_and(|p| allowed.contains(&p)) {
            i += 1;
        }
        i
    }
}

/// A date read unambiguously.
fn plain(date: Date) -> RawDate {
    RawDate {
        date,
        alternative: None,
        day_first: None,
        numeric_ambiguous: false,
    }
}

/// A date starting at token `i`, and the token after it.
type Found = Option<(RawDate, usize)>;

/// Every date in a line, at most `max`.
pub fn find_dates(line: &str, max: usize, months: MonthOf<'_>) -> Vec<RawDate> {
    let t = Toks(join_two_word_months(tokens(line), months), months);
    let mut out = Vec::new();
    let mut i = 0;
    while i < t.0.len() && out.len() < max {
        let found = bikram_sambat_numeric(&t, i)
            .or_else(|| year_first(&t, i))
            .or_else(|| year_marked(&t, i))
            .or_else(|| year_then_day_month(&t, i))
            .or_else(|| japanese_era(&t, i))
            .or_else(|| solar_hijri(&t, i))
            .or_else(|| bikram_sambat(&t, i))
            .or_else(|| ethiopian(&t, i))
            .or_else(|| vietnamese(&t, i))
            .or_else(|| numeric_year_last(&t, i))
            .or_else(|| month_name_first(&t, i))
            .or_else(|| day_first_month_name(&t, i));
        match found {
            Some((date, next)) => {
                out.push(date);
                i = next;
            }
            None => i += 1,
        }
    }
    out
}

/// 2025-03-14, 2025/03/14, 2025.03.14
fn year_first(t: &Toks, i: usize) -> Found {
    if let (Some((y, 4)), Some(s1), Some((m, _)), Some(s2), Some((d, dd))) = (
        t.num(i),
        t.punct(i + 1),
        t.num(i + 2),
        t.punct(i + 3),
        t.num(i + 4),
    ) && s1 == s2
        && matches!(s1, '-' | '/' | '.')
        && dd <= 2
        && let Some(date) = civil(y, m, d)
    {
        return Some((plain(date), i + 5));
    }
    None
}

/// 2025年3月14日, 2025년 10월 2일, 2025 оны 9-р сарын 30-ны өдөр
fn year_marked(t: &Toks, i: usize) -> Found {
    let (Some((y, 4)), Some(ym), Some((m, _))) = (t.num(i), t.word(i + 1), t.num(i + 2)) else {
        return None;
    };
    if !YEAR_MARKERS.contains(&ym) {
        return None;
    }
    // The month's marker may follow an ordinal ending: "9-р сарын".
    let mut k = i + 3;
    let mut marked = false;
    while k < i + 6 && t.num(k).is_none() && k < t.0.len() {
        marked = t.word(k).is_some_and(|w| MONTH_MARKERS.contains(&w));
        k += 1;
        if marked {
            break;
        }
    }
    let (d, _) = t.num(k).filter(|_| marked)?;
    let date = civil(y, m, d)?;
    Some((plain(date), k + 1))
}

/// Words for "of the year" that come between a year and the day in Georgian, Kazakh, Uzbek
/// and Azerbaijani dates.
const YEAR_OF: &[&str] = &[
    "წლის",
    "жылғы",
    "жылы",
    "yil",
    "yilning",
    "il",
    "ilin",
    "йил",
    // Armenian "թ." (year).
    "թ",
];

/// 2024 წლის 18 დეკემბერს, 2025 жылғы 14 наурыз, 2025-yil 21-yanvar
fn year_then_day_month(t: &Toks, i: usize) -> Found {
    let (y, 4) = t.num(i)? else {
        return None;
    };
    let j = t.skip_punct(i + 1, &['-']);
    if !t.word(j).is_some_and(|w| YEAR_OF.contains(&w)) {
        return None;
    }
    let k = t.skip_punct(j + 1, &[',', '.']);
    // Armenian puts the month before the day: "2024 թ. դեկտեմբերի 9".
    if let Some(m) = t.month(k) {
        let l = t.skip_punct(k + 1, &['-']);
        let (d, dd) = t.num(l)?;
        if dd > 2 {
            return None;
        }
        return Some((plain(civil(y, m, d)?), l + 1));
    }
    let (d, dd) = t.num(k)?;
    if dd > 2 {
        return None;
    }
    let l = t.skip_punct(k + 1, &['-', '.']);
    let m = t.month(l)?;
    let date = civil(y, m, d)?;
    Some((plain(date), l + 1))
}

/// 令和7年2月4日: a Japanese era year (Reiwa 1 is 2019, Heisei 1 is 1989); 民國113年8月20日, a
/// year of the Republic of China (Taiwan).
fn japanese_era(t: &Toks, i: usize) -> Found {
    let offset = match (t.word(i), t.word(i + 1)) {
        (Some("令"), Some("和")) => 2018,
        (Some("平"), Some("成")) => 1988,
        // 民國113年: Taiwan counts from 1912.
        (Some("民"), Some("國" | "国")) => 1911,
        _ => return None,
    };
    if let (Some((y, _)), Some("年"), Some((m, _)), Some("月"), Some((d, _))) = (
        t.num(i + 2),
        t.word(i + 3),
        t.num(i + 4),
        t.word(i + 5),
        t.num(i + 6),
    ) && let Some(date) = civil(y + offset, m, d)
    {
        return Some((plain(date), i + 7));
    }
    None
}

/// The months of the Solar Hijri calendar, as Iran names them and as Afghanistan does.
const SOLAR_HIJRI_MONTHS: [&[&str]; 12] = [
    &["فروردین", "حمل"],
    &["اردیبهشت", "ثور"],
    &["خرداد", "جوزا"],
    &["تیر", "سرطان"],
    &["مرداد", "اسد"],
    &["شهریور", "سنبله"],
    &["مهر", "میزان"],
    &["آبان", "عقرب"],
    &["آذر", "قوس"],
    &["دی", "جدی"],
    &["بهمن", "دلو"],
    &["اسفند", "حوت"],
];

/// ۲۵ دی ۱۴۰۳: a date of the Solar Hijri calendar (Iran, Afghanistan), as its Gregorian day.
fn solar_hijri(t: &Toks, i: usize) -> Found {
    let (Some((d, dd)), Some(name), Some((y, 4))) = (t.num(i), t.word(i + 1), t.num(i + 2)) else {
        return None;
    };
    let m = month_in(&SOLAR_HIJRI_FOLDED, name)?;
    if dd > 2 || !(1370..=1480).contains(&y) {
        return None;
    }
    let date = from_solar_hijri(y, u32::try_from(m).ok()? + 1, d)?;
    Some((plain(date), i + 3))
}

/// The Gregorian day of a Solar Hijri date (the arithmetic of the 33-year cycle, exact for
/// the years notices carry).
fn from_solar_hijri(jy: u32, jm: u32, jd: u32) -> Option<Date> {
    if !(1..=12).contains(&jm) || !(1..=31).contains(&jd) {
        return None;
    }
    let jy = i64::from(jy) + 1595;
    let month_days = if jm < 7 {
        (i64::from(jm) - 1) * 31
    } else {
        (i64::from(jm) - 7) * 30 + 186
    };
    let days =
        -355_668 + 365 * jy + (jy / 33) * 8 + ((jy % 33) + 3) / 4 + i64::from(jd) + month_days;
    // The count is the proleptic Gregorian day number plus 365.
    from_day_number(days - 365)
}

/// The months of the Bikram Sambat calendar (Nepal), in the spellings letters and applicants
/// use: Baisakh to Chaitra, in Devanagari (colloquial and formal) and romanised.
const BIKRAM_SAMBAT_MONTHS: [&[&str]; 12] = [
    &["बैशाख", "वैशाख", "baisakh", "baishakh", "vaishakh"],
    &["जेठ", "जेष्ठ", "jestha", "jeth", "jyeshtha"],
    &["असार", "आषाढ", "asar", "ashadh", "asadh"],
    &["साउन", "श्रावण", "shrawan", "saun", "srawan"],
    &["भदौ", "भाद्र", "bhadra", "bhadau"],
    &["असोज", "आश्विन", "asoj", "ashwin"],
    &["कात्तिक", "कार्तिक", "kartik", "kattik"],
    &["मंसिर", "मङ्सिर", "मार्ग", "mangsir", "marga"],
    &["पुस", "पौष", "poush", "push", "paush"],
    &["माघ", "magh"],
    &["फागुन", "फाल्गुन", "falgun", "fagun", "phalgun"],
    &["चैत", "चैत्र", "chaitra", "chait"],
];

/// The first year of `BIKRAM_SAMBAT_DAYS`, and the Gregorian date its first day falls on.
const BIKRAM_SAMBAT_FROM: u32 = 2070;
const BIKRAM_SAMBAT_EPOCH: (i16, i8, i8) = (2013, 4, 14);

/// The length of each month of each Bikram Sambat year from 2070 (AD 2013-14) to 2090
/// (AD 2033-34). The lengths are set by Nepal's calendar committee, not by a rule: these are
/// the published ones (as tabulated by the `nepali-datetime` library, 2026; checked on
/// known new years: 1 Baisakh 2080 = 14 April 2023, 1 Baisakh 2081 = 13 April 2024). Dates
/// outside are not converted, and the person is asked.
const BIKRAM_SAMBAT_DAYS: [[u8; 12]; 21] = [
    [31, 31, 31, 32, 31, 31, 29, 30, 30, 29, 30, 30], // 2070
    [31, 31, 32, 31, 31, 31, 30, 29, 30, 29, 30, 30], // 2071
    [31, 32, 31, 32, 31, 30, 30, 29, 30, 29, 30, 30], // 2072
    [31, 32, 31, 32, 31, 30, 30, 30, 29, 29, 30, 31], // 2073
    [31, 31, 31, 32, 31, 31, 30, 29, 30, 29, 30, 30], // 2074
    [31, 31, 32, 31, 31, 31, 30, 29, 30, 29, 30, 30], // 2075
    [31, 32, 31, 32, 31, 30, 30, 30, 29, 29, 30, 30], // 2076
    [31, 32, 31, 32, 31, 30, 30, 30, 29, 30, 29, 31], // 2077
    [31, 31, 31, 32, 31, 31, 30, 29, 30, 29, 30, 30], // 2078
    [31, 31, 32, 31, 31, 31, 30, 29, 30, 29, 30, 30], // 2079
    [31, 32, 31, 32, 31, 30, 30, 30, 29, 29, 30, 30], // 2080
    [31, 32, 31, 32, 31, 30, 30, 30, 29, 30, 29, 31], // 2081
    [31, 31, 32, 31, 31, 31, 30, 29, 30, 29, 30, 30], // 2082
    [31, 31, 32, 31, 31, 31, 30, 29, 30, 29, 30, 30], // 2083
    [31, 31, 32, 31, 31, 30, 30, 30, 29, 30, 30, 30], // 2084
    [31, 32, 31, 32, 30, 31, 30, 30, 29, 30, 30, 30], // 2085
    [30, 32, 31, 32, 31, 30, 30, 30, 29, 30, 30, 30], // 2086
    [31, 31, 32, 31, 31, 31, 30, 29, 30, 30, 30, 30], // 2087
    [30, 31, 32, 32, 30, 31, 30, 30, 29, 30, 30, 30], // 2088
    [30, 32, 31, 32, 31, 30, 30, 30, 29, 30, 30, 30], // 2089
    [30, 32, 31, 32, 31, 30, 30, 30, 29, 30, 30, 30], // 2090
];

static BIKRAM_SAMBAT_FOLDED: std::sync::LazyLock<Vec<(String, usize)>> =
    std::sync::LazyLock::new(|| folded_months(&BIKRAM_SAMBAT_MONTHS));

/// "२०८१ पुस २२ गते" (year, month, day) or "२२ पुस २०८१": a Bikram Sambat date (Nepal), as
/// its Gregorian day. (The digits are ASCII by now.)
fn bikram_sambat(t: &Toks, i: usize) -> Found {
    let bs_year = |k: usize| match t.num(k) {
        Some((y, 4)) if (BIKRAM_SAMBAT_FROM..BIKRAM_SAMBAT_FROM + 21).contains(&y) => Some(y),
        _ => None,
    };
    let day = |k: usize| match t.num(k) {
        Some((d, 1 | 2)) => Some(d),
        _ => None,
    };
    let month = |k: usize| t.word(k).and_then(|w| month_in(&BIKRAM_SAMBAT_FOLDED, w));
    let (y, m, d, next) = if let Some(y) = bs_year(i) {
        let m = month(i + 1)?;
        (y, m, day(i + 2)?, i + 3)
    } else {
        let d = day(i)?;
        let m = month(i + 1)?;
        (bs_year(i + 2)?, m, d, i + 3)
    };
    Some((plain(from_bikram_sambat(y, m, d)?), next))
}

/// "२०८१/०६/१५" (2081/06/15): a Bikram Sambat date in numbers, year first, as Nepali forms
/// write it. A year of the table's range (2070–2090) is never a Gregorian year on a refusal
/// notice, and read as one it gave a refusal date 57 years ahead.
fn bikram_sambat_numeric(t: &Toks, i: usize) -> Found {
    let y = match t.num(i) {
        Some((y, 4)) if (BIKRAM_SAMBAT_FROM..BIKRAM_SAMBAT_FROM + 21).contains(&y) => y,
        _ => return None,
    };
    let sep = t.punct(i + 1).filter(|p| matches!(p, '/' | '-' | '.'))?;
    let Some((m, 1 | 2)) = t.num(i + 2) else {
        return None;
    };
    if t.punct(i + 3) != Some(sep) {
        return None;
    }
    let Some((d, 1 | 2)) = t.num(i + 4) else {
        return None;
    };
    let month = usize::try_from(m.checked_sub(1)?).ok()?;
    Some((plain(from_bikram_sambat(y, month, d)?), i + 5))
}

/// The Gregorian day of a Bikram Sambat date in the table's years.
fn from_bikram_sambat(y: u32, m: usize, d: u32) -> Option<Date> {
    let year = BIKRAM_SAMBAT_DAYS.get(usize::try_from(y.checked_sub(BIKRAM_SAMBAT_FROM)?).ok()?)?;
    if d == 0 || d > u32::from(*year.get(m)?) {
        return None;
    }
    let before_year: u32 = BIKRAM_SAMBAT_DAYS[..usize::try_from(y - BIKRAM_SAMBAT_FROM).ok()?]
        .iter()
        .flatten()
        .map(|&n| u32::from(n))
        .sum();
    let before_month: u32 = year[..m].iter().map(|&n| u32::from(n)).sum();
    let (ey, em, ed) = BIKRAM_SAMBAT_EPOCH;
    let epoch = Date::new(ey, em, ed).ok()?;
    epoch
        .checked_add(jiff::Span::new().days(i64::from(before_year + before_month + d - 1)))
        .ok()
}

/// The Gregorian date of a proleptic Gregorian day number (0001-01-01 is day 1), the common
/// ground of the calendar conversions.
fn from_day_number(n: i64) -> Option<Date> {
    let epoch = Date::new(1, 1, 1).ok()?;
    epoch.checked_add(jiff::Span::new().days(n - 1)).ok()
}

/// The thirteen months of the Ethiopian calendar, in the spellings Amharic letters use.
const ETHIOPIAN_MONTHS: [&[&str]; 13] = [
    &["መስከረም"],
    &["ጥቅምት"],
    &["ኅዳር", "ህዳር", "ሕዳር"],
    &["ታኅሣሥ", "ታህሳስ", "ታሕሳስ"],
    &["ጥር"],
    &["የካቲት"],
    &["መጋቢት"],
    &["ሚያዝያ"],
    &["ግንቦት"],
    &["ሰኔ"],
    &["ሐምሌ", "ሃምሌ"],
    &["ነሐሴ", "ነሃሴ"],
    &["ጳጉሜ", "ጳጉሜን"],
];

/// A calendar's month names as dates fold them, with each month's index (January, or the
/// calendar's first month, is 0): folded once, not at every word of every line.
fn folded_months(months: &[&[&str]]) -> Vec<(String, usize)> {
    months
        .iter()
        .enumerate()
        .flat_map(|(i, names)| names.iter().map(move |n| (fold_word(n), i)))
        .collect()
}

static SOLAR_HIJRI_FOLDED: std::sync::LazyLock<Vec<(String, usize)>> =
    std::sync::LazyLock::new(|| folded_months(&SOLAR_HIJRI_MONTHS));
static ETHIOPIAN_FOLDED: std::sync::LazyLock<Vec<(String, usize)>> =
    std::sync::LazyLock::new(|| folded_months(&ETHIOPIAN_MONTHS));
/// Khmer writes the words for month and year before their names: ខែ កុម្ភៈ, ឆ្នាំ ២០២៤.
static KHMER_MONTH_WORD: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| fold_word("ខែ"));
/// "พ.ศ." (Buddhist era) and "ค.ศ." (Christian era) before a Thai year, joined and folded.
const THAI_ERAS: &[&str] = &["พศ", "คศ"];
static KHMER_YEAR_WORD: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| fold_word("ឆ្នាំ"));

fn month_in(folded: &[(String, usize)], word: &str) -> Option<usize> {
    folded.iter().find(|(n, _)| n == word).map(|(_, i)| *i)
}

/// ሚያዝያ 15 ቀን 2016 ዓ.ም: a date of the Ethiopian calendar (month, day, "day", year), as its
/// Gregorian day.
fn ethiopian(t: &Toks, i: usize) -> Found {
    let name = t.word(i)?;
    let m = month_in(&ETHIOPIAN_FOLDED, name)?;
    let (d, dd) = t.num(i + 1)?;
    let mut k = i + 2;
    if t.word(k) == Some("ቀን") {
        k += 1;
    }
    let (y, 4) = t.num(k)? else {
        return None;
    };
    if dd > 2 || !(1980..=2100).contains(&y) || d == 0 || d > 30 {
        return None;
    }
    // The Ethiopian day count, which trails the Gregorian day number by 2795.
    let m = i64::try_from(m).ok()?;
    let days = 365 * (i64::from(y) - 1) + i64::from(y) / 4 + 30 * m + i64::from(d);
    let date = from_day_number(days + 2795)?;
    Some((plain(date), k + 1))
}

/// ngày 14 tháng 3 năm 2025, 14 tháng 3 năm 2025
fn vietnamese(t: &Toks, i: usize) -> Found {
    let i = if t.word(i) == Some("ngay") { i + 1 } else { i };
    if let (Some((d, _)), Some("thang"), Some((m, _)), Some("nam"), Some((y, 4))) = (
        t.num(i),
        t.word(i + 1),
        t.num(i + 2),
        t.word(i + 3),
        t.num(i + 4),
    ) && let Some(date) = civil(y, m, d)
    {
        return Some((plain(date), i + 5));
    }
    None
}

/// 14/03/2025, 03-14-2025, 14.03.2025: month first unless only day first is a date; both
/// readings kept when both are.
fn numeric_year_last(t: &Toks, i: usize) -> Found {
    let (Some((a, ad)), Some(s1), Some((b, bd)), Some(s2), Some((y, 4))) = (
        t.num(i),
        t.punct(i + 1),
        t.num(i + 2),
        t.punct(i + 3),
        t.num(i + 4),
    ) else {
        return None;
    };
    if !(s1 == s2 && matches!(s1, '-' | '/' | '.') && ad <= 2 && bd <= 2) {
        return None;
    }
    // 04.03.2025: dates written with dots are day first (Bulgaria, Germany, Russia, Poland,
    // Turkey, Ukraine...); American dates never use dots.
    if s1 == '.'
        && let Some(df) = civil(y, b, a)
    {
        let found = RawDate {
            date: df,
            alternative: None,
            day_first: Some(true),
            numeric_ambiguous: false,
        };
        return Some((found, i + 5));
    }
    let mut found = match (civil(y, a, b), civil(y, b, a)) {
        (Some(mf), Some(df)) if mf != df => RawDate {
            date: mf,
            alternative: Some(df),
            day_first: None,
            numeric_ambiguous: true,
        },
        (Some(mf), _) => RawDate {
            date: mf,
            alternative: None,
            day_first: Some(false),
            numeric_ambiguous: a == b,
        },
        (None, Some(df)) => RawDate {
            date: df,
            alternative: None,
            day_first: Some(true),
            numeric_ambiguous: false,
        },
        (None, None) => return None,
    };
    found.numeric_ambiguous = found.alternative.is_some();
    Some((found, i + 5))
}

/// March 14, 2025 / Mar. 14 2025 / Marso 14, 2025
fn month_name_first(t: &Toks, i: usize) -> Found {
    let m = t.month(i)?;
    let j = t.skip_punct(i + 1, &['.']);
    let (d, dd) = t.num(j)?;
    if dd > 2 {
        return None;
    }
    let k = t.skip_punct(j + 1, &[',', '.']);
    if let Some((y, 4)) = t.num(k)
        && let Some(date) = civil(y, m, d)
    {
        return Some((plain(date), k + 1));
    }
    None
}

/// 14 March 2025 / 14-Mar-2025 / 14 de marzo de 2025
fn day_first_month_name(t: &Toks, i: usize) -> Found {
    let (d, m, after_month) = day_then_month(t, i)?;
    let (y, at) = year_after(t, after_month)?;
    Some((plain(civil(y, m, d)?), at + 1))
}

/// "14 March", "14-Mar", "14 de marzo", Khmer "១៩ ខែ កុម្ភៈ" (the word for month before its
/// name): a day, then its month's name, as (day, month, the token after the month).
fn day_then_month(t: &Toks, i: usize) -> Option<(u32, u32, usize)> {
    let (d, dd) = t.num(i)?;
    if dd > 2 {
        return None;
    }
    let mut j = t.skip_punct(i + 1, &['-', '.', ' ', '/']);
    if t.word(j)
        .is_some_and(|w| w == "de" || w == *KHMER_MONTH_WORD)
    {
        j += 1;
    }
    Some((d, t.month(j)?, j + 1))
}

/// The year written after a month, from token `k` ("de 2025", ", 2025", Khmer "ឆ្នាំ ២០២៤" with
/// the word for year, Thai "พ.ศ. 2568"), and where it stands.
fn year_after(t: &Toks, k: usize) -> Option<(u32, usize)> {
    let mut k = t.skip_punct(k, &['-', '.', ',', '/']);
    if t.word(k)
        .is_some_and(|w| w == "de" || w == "del" || w == *KHMER_YEAR_WORD || THAI_ERAS.contains(&w))
    {
        k += 1;
    }
    match t.num(k) {
        Some((y, 4)) => Some((y, k)),
        _ => None,
    }
}

/// A day and month written without a year ("ayer martes 4 de febrero", "Вчера (14 ноября)",
/// "on February 4"): the first such in `line`, as (month, day). Dates with a year are read by
/// [`find_dates`]; this is for the sentence that says when the refusal was, in a letter or
/// e-mail that gives the year elsewhere.
pub fn find_day_month(line: &str, months: MonthOf<'_>) -> Option<(u32, u32)> {
    let t = Toks(join_two_word_months(tokens(line), months), months);
    let a_day = |d: u32| (1..=31).contains(&d);
    (0..t.0.len()).find_map(|i| {
        if let Some((d, m, after_month)) = day_then_month(&t, i)
            && a_day(d)
            && year_after(&t, after_month).is_none()
        {
            return Some((m, d));
        }
        // "February 4", month first.
        let m = t.month(i)?;
        match t.num(i + 1) {
            Some((d, 1 | 2)) if a_day(d) && year_after(&t, i + 2).is_none() => Some((m, d)),
            _ => None,
        }
    })
}

/// A vowel sign or other mark that belongs to the letter before it (জি is জ + ি).
fn is_sign(c: char) -> bool {
    matches!(c, '\u{0900}'..='\u{0DFF}') && !c.is_alphanumeric()
}

/// A digit of a section number, OCR-tolerant: `l`, `I` and `|` are read as 1.
fn section_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        'l' | 'I' | '|' => Some('1'),
        _ => None,
    }
}

/// INA sections cited in the text, normalised: `221(g)`, `212(a)(6)(C)(i)`, `214(b)`.
/// OCR variants (`22l(g)`, `221 (9)`, `221g`) are recognised.
pub fn find_sections(text: &str, max: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i + 3 <= chars.len() && out.len() < max {
        let Some(num) = section_number(&chars, i) else {
            i += 1;
            continue;
        };
        let (groups, j) = groups_after(&chars, i + 3, &num);
        if groups.is_empty() {
            i += 3;
            continue;
        }
        if let Some(s) = normalised(&num, &groups)
            && !out.contains(&s)
        {
            out.push(s);
        }
        i = j.max(i + 1);
    }
    section_205(text, max, &mut out);
    out
}

/// `221`, `212` or `214` starting a word at `i` (OCR digits allowed, but at least two real
/// ones, so that words like "Ill" are not read).
fn section_number(chars: &[char], i: usize) -> Option<String> {
    // A number glued to a Chinese or Japanese character ("第221(g)条") still starts here.
    let boundary = i == 0 || !chars[i - 1].is_alphanumeric() || super::text::is_cjk(chars[i - 1]);
    if !boundary {
        return None;
    }
    let num: String = chars[i..i + 3]
        .iter()
        .map(|&c| section_digit(c))
        .collect::<Option<String>>()?;
    if !matches!(num.as_str(), "221" | "212" | "214") {
        return None;
    }
    let real = chars[i..i + 3]
        .iter()
        .filter(|c| c.is_ascii_digit())
        .count();
    (real >= 2).then_some(num)
}

/// The parenthesised groups after a section number from `j` (`(a)(6)(C)`), or the `g` of
/// `221g`; and where they end.
fn groups_after(chars: &[char], mut j: usize, num: &str) -> (Vec<String>, usize) {
    let mut groups: Vec<String> = Vec::new();
    // "第221条(g)項" (Japanese), "第221條(g)款", "제221조(g)항": the word for "section"
    // stands between the number and its letter.
    if matches!(chars.get(j), Some('条' | '條' | '조')) && chars.get(j + 1) == Some(&'(') {
        j += 1;
    }
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
    (groups, j)
}

/// The section written the usual way (`212(a)(6)(C)(i)`), if it is one the reader knows.
fn normalised(num: &str, groups: &[String]) -> Option<String> {
    let mut s = num.to_string();
    for (level, g) in groups.iter().enumerate() {
        let g = match (num, level) {
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
    let valid = match num {
        "221" => s == "221(g)",
        "214" => s == "214(b)",
        _ => s.starts_with("212(a)(") || s == "212(e)",
    };
    valid.then_some(s)
}

/// Section 205 (revocation of a petition) is cited without sub-paragraphs: only after a
/// word that says it is a section of the Act.
fn section_205(text: &str, max: usize, out: &mut Vec<String>) {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Month names as the vocabulary gives them (English, Spanish and Tagalog here).
    fn month(word: &str) -> Option<u32> {
        let m = match word {
            "january" | "มกราคม" | "มค" => 1,
            "february" | "feb" => 2,
            "มีนาคม" | "มีค" => 3,
            "april" | "apr" => 4,
            "march" | "mar" | "marzo" | "marso" => 3,
            "october" | "oct" => 10,
            // Folded: the hamza of "الأول" is a combining mark, dropped.
            "تشرين الثاني" => 11,
            "كانون الاول" => 12,
            _ => return None,
        };
        Some(m)
    }

    fn iso(line: &str) -> Vec<String> {
        find_dates(line, 10, &month)
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
        let amb = find_dates("04/03/2025", 10, &month);
        assert_eq!(
            amb[0].alternative.map(|d| d.to_string()),
            Some("2025-03-04".into())
        );
        // With dots it is day first, never the American order: 4 March, not April 3.
        let dotted = find_dates("Дата: 04.03.2025", 10, &month);
        assert_eq!(dotted[0].date.to_string(), "2025-03-04");
        assert_eq!(dotted[0].alternative, None);
        // A dotted date that can only be month first is still read.
        assert_eq!(iso("03.14.2025"), vec!["2025-03-14"]);
        // Korean and Mongolian write the year first with words after year and month.
        assert_eq!(iso("2025년 10월 2일"), vec!["2025-10-02"]);
        assert_eq!(iso("2025 оны 9-р сарын 30-ны өдөр"), vec!["2025-09-30"]);
        // Thai years count from the Buddha.
        assert_eq!(iso("13/03/2568"), vec!["2025-03-13"]);
        // OCR: a letter for a digit at a number's start or end, a digit for a letter.
        assert_eq!(iso("Data: 22.l0.2025"), vec!["2025-10-22"]);
        assert_eq!(iso("Date: 2l 0ct 2025"), vec!["2025-10-21"]);
        // Accents and case do not matter: MARZO, Marzo, marzo.
        assert_eq!(iso("14 MARZO 2025"), vec!["2025-03-14"]);
        // Year, "of the year", day, month: Georgian, Kazakh, Uzbek.
        assert_eq!(iso("2025-yil 4-october"), vec!["2025-10-04"]);
        // Other calendars: a Japanese era year, the Solar Hijri calendar.
        assert_eq!(iso("令和7年2月4日"), vec!["2025-02-04"]);
        // (Local digits are made ASCII before dates are read.)
        assert_eq!(iso("25 دی 1403"), vec!["2025-01-14"]);
        assert_eq!(iso("1 فروردین 1403"), vec!["2024-03-20"]);
        // A month named in two words (Levantine Arabic).
        assert_eq!(iso("التاريخ: 3 تشرين الثاني 2024"), vec!["2024-11-03"]);
        assert_eq!(iso("كانون الأول 12, 2024"), vec!["2024-12-12"]);
        assert_eq!(iso("15/MAR/2025"), vec!["2025-03-15"]);
        // Bikram Sambat in numbers, year first (Nepal): 2081/06/15 is 1 October 2024.
        assert_eq!(iso("मिति / Date: 2081/06/15"), vec!["2024-10-01"]);
        // OCR's "l" for 1 opening a day after a label: 17, not 7.
        assert_eq!(iso("Date: l7-Oct-2023"), vec!["2023-10-17"]);
        assert_eq!(iso("中華民國113年8月20日"), vec!["2024-08-20"]);
        assert_eq!(iso("ሚያዝያ 15 ቀን 2016 ዓ.ም"), vec!["2024-04-23"]);
        assert_eq!(iso("መስከረም 1 2016"), vec!["2023-09-12"]);
        // Nepal's Bikram Sambat, from its table of month lengths (new years 2080 and 2081,
        // a day in Poush, the last day of 2080).
        assert_eq!(iso("2080 बैशाख 1 गते"), vec!["2023-04-14"]);
        assert_eq!(iso("2081 बैशाख 1"), vec!["2024-04-13"]);
        assert_eq!(iso("मेरो अन्तर्वार्ता 2081 पुस 22 गते भएको"), vec!["2025-01-06"]);
        assert_eq!(iso("15 Asoj 2082"), vec!["2025-10-01"]);
        assert_eq!(iso("2080 चैत 30"), vec!["2024-04-12"]);
        assert_eq!(iso("2080 चैत 31"), Vec::<String>::new());
        // Thai abbreviated months and the era before the year; OCR's "O7" and "rn".
        assert_eq!(iso("12 มี.ค. 2567"), vec!["2024-03-12"]);
        assert_eq!(iso("15 มกราคม พ.ศ. 2568"), vec!["2025-01-15"]);
        assert_eq!(iso("FEB O7 2024"), vec!["2024-02-07"]);
        assert_eq!(iso("04 de rnarzo de 2025"), vec!["2025-03-04"]);
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
