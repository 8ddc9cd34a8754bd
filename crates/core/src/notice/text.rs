//! Cleaning hostile or noisy text, and the folded character stream the matchers work on.

use unicode_normalization::UnicodeNormalization;

/// Removes what must never reach a terminal or a page unescaped, and what only hides text:
/// HTML tags (script and style contents dropped), terminal escape sequences, control
/// characters, bidirectional overrides and zero-width characters. Line structure is kept.
/// Returns the cleaned text and whether HTML tags were removed.
pub fn sanitize(input: &str) -> (String, bool) {
    let (text, had_html) = strip_html(input);
    // One form for every way of writing the same letter: composed Hangul, full-width Latin
    // and digits, ligatures, decomposed accents. Then local digits as ASCII digits, so dates,
    // case numbers and "२२१(जी)" read like their Latin forms.
    let text = repair_mojibake(&text);
    let text: String = text.nfkc().map(ascii_digit).collect();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\n' => out.push('\n'),
            '\t' => out.push_str("    "),
            '\u{0c}' | '\u{0b}' | '\u{2028}' | '\u{2029}' | '\u{85}' => out.push('\n'),
            '\u{1b}' => {
                // ESC [ params final-byte: a terminal control sequence. Drop it whole.
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for _ in 0..32 {
                        match chars.next() {
                            Some(f) if ('\u{40}'..='\u{7e}').contains(&f) => break,
                            Some(_) => {}
                            None => break,
                        }
                    }
                }
            }
            '\u{a0}' | '\u{2000}'..='\u{200a}' | '\u{202f}' | '\u{3000}' => out.push(' '),
            // "2 × 2 inch", "5×5 cm": the multiplication sign as the letter people type.
            '×' => out.push('x'),
            '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' => {}
            '\u{feff}' | '\u{fffe}' | '\u{ffff}' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    (out, had_html)
}

/// An e-mail header's "<IVMexicoCity@state.gov>" or a pasted "<https://...>" is an
/// address in angle brackets, not markup.
fn address_at(input: &str, i: usize) -> bool {
    let bytes = input.as_bytes();
    let limit = (i + 320).min(bytes.len());
    bytes[i + 1..limit]
        .iter()
        .position(|&b| b == b'>')
        .map(|rel| &input[i + 1..i + 1 + rel])
        .is_some_and(|inner| {
            !inner.contains(char::is_whitespace) && (inner.contains('@') || inner.contains("://"))
        })
}

/// A `<` at `i` that opens a tag: a letter, `/` or `!` follows, and it is no address.
fn tag_at(input: &str, i: usize) -> bool {
    let bytes = input.as_bytes();
    bytes[i] == b'<'
        && bytes
            .get(i + 1)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'/' || *b == b'!')
        && !address_at(input, i)
}

/// The tag's name, lower case, and whether it closes (`</p>`).
fn tag_name(tag: &str) -> (String, bool) {
    let name = tag
        .trim_start_matches('/')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    (name, tag.starts_with('/'))
}

/// What a removed tag leaves in the text: a line break for a block, else a space.
fn tag_separator(name: &str) -> char {
    let block = matches!(
        name,
        "br" | "p"
            | "div"
            | "li"
            | "tr"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "ul"
            | "ol"
            | "table"
            | "pre"
    );
    if block { '\n' } else { ' ' }
}

/// A linear, bounded tag stripper. Only `<` followed by a letter, `/` or `!` starts a tag;
/// a `<` with no `>` within 2,000 bytes is kept as text.
fn strip_html(input: &str) -> (String, bool) {
    let bytes = input.as_bytes();
    if !(0..bytes.len()).any(|i| tag_at(input, i)) {
        return (input.to_string(), false);
    }
    let mut out = String::with_capacity(input.len());
    let mut i = 0;
    let mut skip_until: Option<&'static str> = None;
    let mut removed = false;
    while i < bytes.len() {
        if tag_at(input, i) {
            let limit = (i + 2000).min(bytes.len());
            if let Some(rel) = bytes[i..limit].iter().position(|&b| b == b'>') {
                let tag = &input[i + 1..i + rel];
                let (name, closing) = tag_name(tag);
                removed = true;
                i += rel + 1;
                if let Some(end) = skip_until {
                    if closing && name == end {
                        skip_until = None;
                    }
                    continue;
                }
                if !closing && (name == "script" || name == "style") && !tag.ends_with('/') {
                    skip_until = Some(if name == "script" { "script" } else { "style" });
                    continue;
                }
                if name == "li" && !closing {
                    out.push_str("\n- ");
                    continue;
                }
                out.push(tag_separator(&name));
                continue;
            }
        }
        // Advance one UTF-8 character.
        let ch_len = utf8_len(bytes[i]);
        let end = (i + ch_len).min(bytes.len());
        if skip_until.is_none() {
            out.push_str(&input[i..end]);
        }
        i = end;
    }
    let out = out
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .replace("&#39;", "'")
        .replace("&quot;", "\"");
    (out, removed)
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

/// Collapses runs of whitespace, trims, and cuts to `max` characters (adding "…").
pub fn tidy(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
            count += 1;
        }
        for c in word.chars() {
            if count >= max {
                out.push('…');
                return out;
            }
            out.push(c);
            count += 1;
        }
    }
    out
}

/// The Cyrillic letter a Latin one looks like (for OCR that mixes them), or the letter itself.
fn cyrillic_twin(c: char) -> char {
    match c {
        'a' => 'а',
        'A' => 'А',
        'c' => 'с',
        'C' => 'С',
        'e' => 'е',
        'E' => 'Е',
        'o' => 'о',
        'O' => 'О',
        'p' => 'р',
        'P' => 'Р',
        'x' => 'х',
        'X' => 'Х',
        'y' => 'у',
        'K' => 'К',
        'M' => 'М',
        'T' => 'Т',
        'H' => 'Н',
        'B' => 'В',
        // Ukrainian, Belarusian and Kazakh і.
        'i' => 'і',
        'I' => 'І',
        c => c,
    }
}

/// Text that went through a wrong encoding ("amÃ©ricain" for "américain", "â€™" for "’"):
/// each word made only of Latin-1 characters that holds such a pair is read back as the
/// UTF-8 it was.
fn repair_mojibake(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['Ã', 'Â', 'â']) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let latin1 = word.chars().all(|c| (c as u32) < 0x100);
        let suspicious = word.contains(['Ã', 'Â', 'â']);
        let repaired = (latin1 && suspicious)
            .then(|| {
                let bytes: Vec<u8> = word.chars().map(|c| c as u32 as u8).collect();
                String::from_utf8(bytes).ok()
            })
            .flatten();
        out.push_str(repaired.as_deref().unwrap_or(word));
        word.clear();
    };
    for c in text.chars() {
        if c.is_whitespace() {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    std::borrow::Cow::Owned(out)
}

/// A digit of another script (Arabic-Indic, Persian, Devanagari, Bengali, Thai, ...) as its
/// ASCII digit; any other character unchanged.
fn ascii_digit(c: char) -> char {
    if c.is_ascii() || !c.is_numeric() {
        return c;
    }
    c.to_digit(10)
        .or_else(|| {
            // char::to_digit only knows ASCII: find the zero of the script's digit block.
            const ZEROS: &[u32] = &[
                0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66,
                0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810,
                0x1946, 0x19D0, 0xFF10,
            ];
            let u = c as u32;
            ZEROS
                .iter()
                .find(|z| (**z..**z + 10).contains(&u))
                .map(|z| u - z)
        })
        .and_then(|d| char::from_digit(d, 10))
        .unwrap_or(c)
}

/// Chinese and Japanese characters.
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}'
        | '\u{f900}'..='\u{faff}' | '\u{ff66}'..='\u{ff9f}')
}

/// True for scripts written without spaces between words (Chinese, Japanese, Thai, Lao,
/// Khmer, Burmese): each character is its own token, so a term matches wherever it occurs.
pub fn is_unspaced(c: char) -> bool {
    (is_cjk(c)
        || matches!(c,
            '\u{0e00}'..='\u{0e7f}' | '\u{0e80}'..='\u{0eff}' | '\u{1780}'..='\u{17ff}'
            | '\u{1000}'..='\u{109f}'))
        && !is_break_mark(c)
        && !c.is_numeric()
}

/// Combining marks and vowel signs of Indic, Southeast Asian, Hebrew and Arabic scripts,
/// which `char::is_alphanumeric` does not count as letters: they belong to their word.
fn is_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036f}' | '\u{0483}'..='\u{0489}' | '\u{0591}'..='\u{05bd}'
        | '\u{05bf}' | '\u{05c1}'..='\u{05c2}' | '\u{05c4}'..='\u{05c7}'
        | '\u{0610}'..='\u{061a}' | '\u{064b}'..='\u{065f}' | '\u{0670}'
        | '\u{06d6}'..='\u{06ed}' | '\u{0900}'..='\u{0dff}' | '\u{0e00}'..='\u{0eff}'
        | '\u{1000}'..='\u{109f}' | '\u{1780}'..='\u{17ff}' | '\u{135d}'..='\u{135f}')
        && !is_break_mark(c)
}

/// Sentence and word marks inside those blocks (Devanagari danda, Thai and Khmer signs).
fn is_break_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0964}' | '\u{0965}' | '\u{0e2f}' | '\u{0e5a}' | '\u{0e5b}' | '\u{17d4}'..='\u{17da}'
    )
}

/// Between an ASCII letter or digit and a letter of a script that is not written mixed
/// with Latin letters (Cyrillic and Greek are: OCR mixes their look-alikes into one word).
fn script_change(prev: char, c: char) -> bool {
    let foreign = |c: char| {
        c.is_alphabetic()
            && !c.is_ascii()
            && !matches!(c, '\u{00C0}'..='\u{052F}' | '\u{1E00}'..='\u{1FFF}')
    };
    (prev.is_ascii_alphanumeric() && foreign(c)) || (foreign(prev) && c.is_ascii_alphanumeric())
}

/// Whether the mark at `src[i]` ends a sentence or clause: ";", "!", "?", "。", or a period
/// after a word of three or more letters that is followed by a space and a capital letter
/// (or the end of the text).
fn ends_sentence(src: &[char], i: usize, short_word: bool) -> bool {
    match src[i] {
        // "(tu mamá puede?)": a question or an exclamation inside brackets ends nothing.
        '!' | '?' | '！' | '？' if matches!(src.get(i + 1), Some(')' | '）')) => false,
        ';' | '!' | '?' | '。' | '！' | '？' | '；' | '።' | '।' | '॥' | '။' | '។' | '۔' | '؟'
        | '։' | '؛' => true,
        '.' => {
            if short_word {
                return false;
            }
            let mut rest = src[i + 1..].iter().peekable();
            // A quotation that ends with its sentence: `... last 30 days." Yun lang ...`.
            rest.next_if(|c| matches!(c, '"' | '”' | '»' | '’' | '\''));
            match rest.next() {
                None => true,
                Some(c) if c.is_whitespace() => {
                    let next: Vec<char> = rest
                        .skip_while(|c| c.is_whitespace())
                        .take_while(|c| c.is_alphanumeric())
                        .copied()
                        .collect();
                    next.first().is_none_or(|c| !c.is_lowercase()) || ocr_capital_i(&next)
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// "lf", "lt", "ln", "ls", "l": OCR's reading of "If", "It", "In", "Is", "I" (a capital I
/// read as a small L), which start a sentence.
fn ocr_capital_i(word: &[char]) -> bool {
    matches!(word, ['l'] | ['l', 'f' | 't' | 'n' | 's'])
}

/// Punctuation that ends a clause inside a sentence; the reader keeps where it stood.
fn is_clause_mark(c: char) -> bool {
    matches!(
        c,
        ',' | ';'
            | ':'
            | '('
            | ')'
            | '—'
            | '–'
            | '、'
            | '，'
            | '；'
            | '：'
            | '（'
            | '）'
            | '،'
            | '؛'
            | '።'
            | '፣'
            | '፤'
            | '।'
    )
}

/// Folds a lower-cased letter: Latin accents removed, and OCR look-alikes merged (`i` and
/// `l` read the same; so do `1`/`l`/`i` inside words, handled by the caller).
fn fold_char(c: char) -> Option<char> {
    Some(match c {
        // Latin: accents go (Vietnamese written without its marks still matches).
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ả' | 'ạ' | 'ấ' | 'ầ' | 'ẩ' | 'ẫ'
        | 'ậ' | 'ắ' | 'ằ' | 'ẳ' | 'ẵ' | 'ặ' => 'a',
        'ç' | 'ć' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' | 'ẻ' | 'ẽ' | 'ẹ' | 'ế' | 'ề' | 'ể' | 'ễ' | 'ệ' => {
            'e'
        }
        'ğ' => 'g',
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' | 'ỉ' | 'ĩ' | 'ị' => 'i',
        'ł' | 'ľ' => 'l',
        'ñ' | 'ń' | 'ň' | 'ṅ' => 'n',
        // Hausa's hooked letters are written plain on most keyboards.
        'ɗ' => 'd',
        'ƙ' => 'k',
        'ɓ' => 'b',
        'ƴ' => 'y',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' | 'ơ' | 'ỏ' | 'ọ' | 'ố' | 'ồ' | 'ổ' | 'ỗ'
        | 'ộ' | 'ớ' | 'ờ' | 'ở' | 'ỡ' | 'ợ' => 'o',
        'ř' => 'r',
        'ś' | 'š' | 'ş' | 'ș' | 'ṣ' => 's',
        'ť' | 'ţ' | 'ț' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ư' | 'ủ' | 'ũ' | 'ụ' | 'ứ' | 'ừ' | 'ử' | 'ữ'
        | 'ự' => 'u',
        'ý' | 'ÿ' | 'ỳ' | 'ỷ' | 'ỹ' | 'ỵ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        // Combining accents (text in decomposed form) go too.
        '\u{0300}'..='\u{036f}' => return None,
        // Arabic and Persian: vowel marks and the elongation stroke go; letter variants that
        // writers and keyboards mix are merged.
        '\u{064b}'..='\u{065f}' | '\u{0670}' | '\u{0640}' => return None,
        'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
        'ى' | 'ی' | 'ئ' => 'ي',
        'ة' => 'ه',
        'ک' => 'ك',
        'ؤ' => 'و',
        // Hebrew points go.
        '\u{0591}'..='\u{05c7}' => return None,
        // Cyrillic ё is written е by most.
        'ё' => 'е',
        // Greek: accents go, and the final sigma is a sigma (upper case has only Σ).
        'ά' | 'ᾶ' => 'α',
        'έ' => 'ε',
        'ή' => 'η',
        'ί' | 'ϊ' | 'ΐ' => 'ι',
        'ό' => 'ο',
        'ύ' | 'ϋ' | 'ΰ' => 'υ',
        'ώ' => 'ω',
        'ς' => 'σ',
        c => c,
    })
}

/// The numbers of the USCIS forms a notice names ("I-134", "I-864", "I-797"): after an "I"
/// typed without its hyphen ("I134"), the "I" is the form's letter, not an OCR'd "1".
const USCIS_FORM_NUMBERS: &[&str] = &[
    "134", "864", "130", "129", "129F", "797", "485", "765", "131", "601", "212", "751", "94", "20",
];

/// Text as one folded character stream with word boundaries marked: punctuation and spaces
/// vanish, so "DS-160", "DS 160" and "ds160" differ only in their boundaries, and a word
/// broken by OCR ("certif icate") still reads as one.
#[derive(Debug, Default, Clone)]
pub struct Folded {
    pub chars: Vec<char>,
    /// `starts[i]`: a word starts at `i`.
    pub starts: Vec<bool>,
    /// `ends[i]`: a word ends just before `i` (so `ends` has `chars.len() + 1` entries).
    pub ends: Vec<bool>,
    /// Positions (into `chars`) where a clause mark (comma, semicolon, colon, bracket, dash)
    /// stood before the next word, in order.
    pub clause_marks: Vec<usize>,
    /// Positions where a sentence or clause ended (". ", ";", "!", "?", "。"): a negation or a
    /// condition does not reach across them. A period after a short word ("U.S.", "e.g.",
    /// "No.") or before a lower-case word is not one.
    pub stops: Vec<usize>,
    /// Where a space stood between two letters of Thai, Lao, Khmer or Burmese: a clause ends
    /// there, but a condition before it ("หากท่านเคยสมรส ...") still governs the next clause.
    pub soft_stops: Vec<usize>,
    /// The stops that were question marks: the sentence before each asks something.
    pub questions: Vec<usize>,
    /// The stops that were semicolons: the clause after one goes on the sentence before it
    /// ("If Daniel was adopted, do not test; submit the adoption decree instead").
    pub semicolons: Vec<usize>,
}

impl Folded {
    /// Whether a clause mark or a stop stands inside `start..end` (not at its ends).
    pub fn marked_between(&self, start: usize, end: usize) -> bool {
        let inside = |&m: &usize| m > start && m < end;
        self.clause_marks.iter().any(inside) || self.stops.iter().any(inside)
    }

    /// Folded for OCR: look-alike letters and digits merged.
    pub fn new(text: &str) -> Folded {
        Folded::with(text, true)
    }

    /// Folded for names (countries): case and accents only, so "Mali" is not "mail".
    pub fn plain(text: &str) -> Folded {
        Folded::with(text, false)
    }

    fn with(text: &str, ocr: bool) -> Folded {
        let normal: String;
        let text = if text.is_ascii() {
            text
        } else {
            normal = text.nfkc().collect();
            normal.as_str()
        };
        let mut f = Folded {
            chars: Vec::with_capacity(text.len()),
            starts: Vec::with_capacity(text.len()),
            ends: Vec::with_capacity(text.len() + 1),
            clause_marks: Vec::new(),
            stops: Vec::new(),
            soft_stops: Vec::new(),
            questions: Vec::new(),
            semicolons: Vec::new(),
        };
        f.ends.push(false);
        let mut word: Vec<char> = Vec::new();
        let src: Vec<char> = text.chars().collect();
        for (i, &c) in src.iter().enumerate() {
            let letterish = c.is_alphanumeric()
                || (c == '|'
                    && (src
                        .get(i.wrapping_sub(1))
                        .is_some_and(|p| p.is_alphabetic())
                        || src.get(i + 1).is_some_and(|n| n.is_alphabetic())));
            if is_unspaced(c) {
                f.push_word(&mut word, ocr);
                f.push_word(&mut vec![c], ocr);
            } else if letterish || is_mark(c) {
                // "የDS-160", "الـI-134", "I-134를": a form's Latin name glued to another
                // script's prefix or particle is a word of its own.
                if word.last().is_some_and(|&p| script_change(p, c)) {
                    f.push_word(&mut word, ocr);
                }
                word.push(if c == '|' { 'l' } else { c });
            } else {
                f.push_word(&mut word, ocr);
                // The word the mark follows ("U.S.", "No.": short; "Amerika Serikat".": long).
                let short_word = f.last_word_len() <= 2;
                if is_clause_mark(c) && f.clause_marks.last() != Some(&f.chars.len()) {
                    f.clause_marks.push(f.chars.len());
                }
                // Thai, Lao, Khmer and Burmese put a space where other scripts put a comma
                // or a full stop: between two of their letters it ends a clause.
                let spaced_unspaced = c == ' '
                    && i > 0
                    && is_unspaced(src[i - 1])
                    && !is_cjk(src[i - 1])
                    && src
                        .get(i + 1)
                        .is_some_and(|n| is_unspaced(*n) && !is_cjk(*n));
                if ends_sentence(&src, i, short_word) && f.stops.last() != Some(&f.chars.len()) {
                    f.stops.push(f.chars.len());
                    if matches!(c, '?' | '？' | '؟') {
                        f.questions.push(f.chars.len());
                    }
                    if matches!(c, ';' | '；' | '؛') {
                        f.semicolons.push(f.chars.len());
                    }
                } else if spaced_unspaced && f.soft_stops.last() != Some(&f.chars.len()) {
                    f.soft_stops.push(f.chars.len());
                }
            }
        }
        f.push_word(&mut word, ocr);
        f
    }

    fn push_word(&mut self, word: &mut Vec<char>, ocr: bool) {
        if word.is_empty() {
            return;
        }
        let letters = word.iter().filter(|c| c.is_alphabetic()).count();
        let digits = word.iter().filter(|c| c.is_ascii_digit()).count();
        // OCR reads letters as digits inside words: "P0LICE", "certi1icate".
        // Two-letter words too when the digit is a zero ("H0 CHI MINH", "0F").
        let fix_digits = ocr
            && digits > 0
            && ((letters >= 3
                && digits < letters
                && word
                    .iter()
                    .all(|c| !c.is_ascii_digit() || matches!(c, '0' | '1' | '5')))
                || (letters >= 1
                    && digits == 1
                    && word.len() == 2
                    && word.contains(&'0')
                    && word.iter().all(|c| *c == '0' || c.is_ascii_uppercase())));
        // And digits as letters inside numbers: "DS-5S35", "2O25"; but not the "I" of a
        // form's name typed without its hyphen ("I134", "I864"), which is no digit.
        let form_name = matches!(word.first(), Some('I' | 'l'))
            && USCIS_FORM_NUMBERS
                .iter()
                .any(|n| word[1..].iter().copied().eq(n.chars()));
        let fix_letters = ocr
            && !form_name
            && digits >= 2
            && letters > 0
            && letters < digits
            && word
                .iter()
                .all(|c| c.is_ascii_digit() || matches!(c, 'O' | 'o' | 'l' | 'I' | 'S'));
        // "5х5" typed with the Cyrillic letter: a size, read as "5x5".
        let size = digits >= 2 && letters == 1 && word.iter().any(|c| matches!(c, 'х' | 'Х'));
        // OCR mixes Latin letters into Cyrillic words ("cогласие", "pешение"): in a word that is
        // mostly Cyrillic, a Latin look-alike is read as its Cyrillic twin.
        let cyrillic = word
            .iter()
            .filter(|c| matches!(c, '\u{0400}'..='\u{04FF}'))
            .count();
        let mixed = ocr && cyrillic > 0 && cyrillic * 2 > letters;
        let mut folded: Vec<char> = Vec::with_capacity(word.len());
        for &c in word.iter() {
            let c = if size && matches!(c, 'х' | 'Х') {
                'x'
            } else {
                c
            };
            let c = if mixed { cyrillic_twin(c) } else { c };
            let c = if fix_letters {
                match c {
                    'O' | 'o' => '0',
                    'l' | 'I' => '1',
                    'S' => '5',
                    c => c,
                }
            } else if fix_digits {
                match c {
                    '0' => 'o',
                    '1' => 'l',
                    '5' => 's',
                    c => c,
                }
            } else {
                c
            };
            for lc in c.to_lowercase() {
                let Some(lc) = fold_char(lc) else { continue };
                // OCR reads "l" for "I" and "rn" for "m": merge them.
                let lc = if ocr && lc == 'i' { 'l' } else { lc };
                if ocr && lc == 'n' && folded.last() == Some(&'r') {
                    folded.pop();
                    folded.push('m');
                } else {
                    folded.push(lc);
                }
            }
        }
        for (j, c) in folded.iter().enumerate() {
            self.chars.push(*c);
            self.starts.push(j == 0);
            self.ends.push(false);
        }
        if let Some(last) = self.ends.last_mut() {
            *last = true;
        }
        word.clear();
    }

    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// The length of the last word in the stream.
    fn last_word_len(&self) -> usize {
        self.starts
            .iter()
            .rev()
            .position(|s| *s)
            .map_or(0, |p| p + 1)
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// Word boundaries strictly inside `from..to`.
    pub fn inner_breaks(&self, from: usize, to: usize) -> impl Iterator<Item = usize> + '_ {
        (from + 1..to).filter(|&i| self.starts[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_merges_ocr_lookalikes() {
        let a = Folded::new("P0LICE Certif-icate");
        let b = Folded::new("police certificate");
        assert_eq!(a.chars, b.chars);
        assert_eq!(Folded::new("I-134").chars, Folded::new("l-134").chars);
        assert_eq!(Folded::new("rnedical").chars, Folded::new("medical").chars);
        assert_eq!(Folded::new("Résumé").chars, Folded::new("resume").chars);
    }

    #[test]
    fn addresses_in_angle_brackets_are_not_markup() {
        let (out, html) =
            strip_html("De: Visas <IVMexicoCity@state.gov>\nSee <https://ceac.state.gov/x>");
        assert!(!html);
        assert!(out.contains("<IVMexicoCity@state.gov>"));
        let (out, html) = strip_html("<p>Dear applicant,</p> write to <a@b.org>");
        assert!(html);
        assert_eq!(out.trim(), "Dear applicant,\n write to <a@b.org>");
    }

    #[test]
    fn sanitize_removes_markup_and_controls() {
        let (t, html) = sanitize("<p>Hi<script>alert(1)</script></p>\x1b[31mred\x07\u{202e}x");
        assert!(html);
        assert!(!t.contains("script") && !t.contains('\x1b') && !t.contains('\u{202e}'));
        assert!(t.contains("Hi") && t.contains("red"));
    }

    #[test]
    fn mojibake_is_read_back() {
        let (t, _) = sanitize("Copie du passeport amÃ©ricain du pÃ©titionnaire / جواز");
        assert!(t.contains("américain du pétitionnaire"), "{t}");
        let (t, _) = sanitize("Ãrea (a word that is just Latin-1)");
        assert!(t.contains("Ãrea"), "{t}");
    }

    #[test]
    fn tidy_cuts_on_char_boundaries() {
        assert_eq!(tidy("  a   b ", 10), "a b");
        assert_eq!(tidy("ééééé", 3), "ééé…");
    }
}
