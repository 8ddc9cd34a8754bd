//! The layout of a notice's lines: checkbox items (with their marks), bullet and numbered
//! items, and plain text. OCR'd marks are read here too.

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Mark {
    Checked { sure: bool },
    Unchecked,
}

#[derive(Debug)]
pub(super) enum Line {
    Blank,
    /// A table's rule ("|------|------|"): below a header row, above the rows.
    Rule,
    Marked {
        indent: usize,
        segments: Vec<(Mark, String)>,
        /// The box stands at the end of the line ("Police certificate ....... [X]"); an item
        /// that wraps then starts on the lines above.
        trailing: bool,
    },
    Bullet {
        indent: usize,
        text: String,
    },
    Plain {
        indent: usize,
        text: String,
    },
}

impl Line {
    /// A line of boxes none of which is ticked.
    pub(super) fn all_unchecked(&self) -> bool {
        matches!(self, Line::Marked { segments, .. }
            if segments.iter().all(|(m, _)| *m == Mark::Unchecked))
    }
}

/// Removes what follows an unticked box in the middle of a line ("... Act.   [ ] Section
/// 212(a)(4)"), for reading the grounds a notice cites.
pub(super) fn cut_unchecked(line: &str) -> &str {
    let mut spaces = 0;
    for (pos, c) in line.char_indices() {
        if c == ' ' {
            spaces += 1;
            continue;
        }
        if spaces >= 2 && matches!(marker_at(&line[pos..], false), Some((Mark::Unchecked, _))) {
            return &line[..pos];
        }
        spaces = 0;
    }
    line
}

pub(super) fn join_line(para: &mut String, text: &str) {
    let t = text.trim();
    if para.ends_with('-')
        && para.chars().rev().nth(1).is_some_and(|c| c.is_alphabetic())
        && t.chars().next().is_some_and(|c| c.is_lowercase())
    {
        para.pop();
        para.push_str(t);
        return;
    }
    if !para.is_empty() {
        para.push(' ');
    }
    para.push_str(t);
}

/// Whether an indented line reads as the rest of the item above it ("from Japan",
/// "(issued within 12 months)") rather than an item of its own whose box did not scan.
pub(super) fn continues(text: &str) -> bool {
    text.trim_start()
        .chars()
        .next()
        .is_some_and(|c| c.is_lowercase() || c.is_ascii_digit() || matches!(c, '(' | '&' | ','))
}

/// Whether a line starts with a letter of a script without case (Arabic, Hebrew, Indic,
/// Ethiopic, Thai...), where "starts in lower case" cannot tell a continuation.
pub(super) fn caseless(text: &str) -> bool {
    text.trim_start()
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() && !c.is_uppercase() && !c.is_lowercase())
}

/// Whether a checked item is only a label waiting for the officer's words on the next line
/// ("Other:", "Other: ______").
pub(super) fn wants_fill_in(text: &str) -> bool {
    let letters: String = text
        .chars()
        .filter(|c| c.is_alphabetic())
        .collect::<String>()
        .to_lowercase();
    text.trim_end().ends_with(':')
        || letters.is_empty()
        || matches!(
            letters.as_str(),
            "other" | "others" | "otro" | "otros" | "iba" | "khác"
        )
}

/// A title line: written in capitals ("221(g) REFUSAL - ADDITIONAL INFORMATION REQUIRED").
pub(super) fn is_title(text: &str) -> bool {
    // Only letters that have a case count: a line in Arabic or Chinese is never a "title".
    let letters = text
        .chars()
        .filter(|c| c.is_uppercase() || c.is_lowercase());
    let (mut upper, mut all) = (0, 0);
    // A lower-case "l" is how OCR often reads a capital I ("ADDlTl0NAL"): it counts for neither.
    for c in letters.filter(|c| *c != 'l') {
        all += 1;
        if !c.is_lowercase() {
            upper += 1;
        }
    }
    all >= 8 && upper * 10 >= all * 9
}

const CHECKED_GLYPHS: &[char] = &[
    '☒', '☑', '✔', '✓', '✗', '✘', '■', '▣', '⊠', '☓', '√', '✅', '❎', '●', '◉', '⬛', '█',
];
const UNCHECKED_GLYPHS: &[char] = &['☐', '□', '◻', '▢', '○', '◯', '❏', '❑', '⬜', '◽', '▫'];
const BULLETS: &[char] = &['-', '•', '*', '·', '–', '—', '▪', '►', '»', '‣', '⁃'];

/// The text after a bullet ("- ", "• ", "— ") that opens `trimmed`.
pub(super) fn bulleted(trimmed: &str) -> Option<&str> {
    let first = trimmed.chars().next()?;
    (BULLETS.contains(&first) && trimmed.chars().nth(1).is_some_and(char::is_whitespace))
        .then(|| trimmed[first.len_utf8()..].trim())
}

/// Reads a box marker at the start of `s`; returns the mark and the bytes it took.
pub(super) fn marker_at(s: &str, allow_bare: bool) -> Option<(Mark, usize)> {
    let first = s.chars().next()?;
    if CHECKED_GLYPHS.contains(&first) {
        return Some((Mark::Checked { sure: true }, first.len_utf8()));
    }
    if UNCHECKED_GLYPHS.contains(&first) {
        return Some((Mark::Unchecked, first.len_utf8()));
    }
    // OCR reads an empty square as the Chinese character 口 ("mouth"): a box only when a
    // space follows, so the words that begin with it (户口, 口岸) stay words.
    if first == '口' && s[first.len_utf8()..].starts_with([' ', '\u{3000}']) {
        return Some((Mark::Unchecked, first.len_utf8()));
    }
    // ... and a crossed box ☒ as 区 ("district") or 図: a tick when a space follows.
    if matches!(first, '区' | '図') && s[first.len_utf8()..].starts_with([' ', '\u{3000}']) {
        return Some((Mark::Checked { sure: false }, first.len_utf8()));
    }
    if matches!(first, '[' | '(' | '{' | '|')
        && let Some(decided) = bracketed(s, first)
    {
        return decided;
    }
    // No closing bracket: perhaps "[X" with its "]" lost, read below as a bare mark.
    if !allow_bare {
        return None;
    }
    bare_mark(s)
}

/// A box drawn with brackets: up to four characters, then a closing bracket. `None` when no
/// closing bracket comes; otherwise the box, or `Some(None)` when the brackets hold no mark.
fn bracketed(s: &str, first: char) -> Option<Option<(Mark, usize)>> {
    let mut inner = String::new();
    for (pos, c) in s.char_indices().skip(1).take(5) {
        // OCR reads a closing bracket as "l" ("[Xl", "[ l"): after a tick or a blank; and
        // after a tick as "J" or "1" too ("(xJ", "[x1").
        let spaced = s[pos + c.len_utf8()..].starts_with(' ');
        let crosses = |t: &str| t.chars().all(|i| i == ' ' || matches!(i, 'x' | 'X'));
        let ticked = !inner.trim().is_empty() && crosses(&inner);
        let ocr_close = spaced
            && ((first == '[' && matches!(c, 'l' | 'I' | '1') && crosses(&inner))
                || (matches!(first, '[' | '(') && matches!(c, 'l' | 'I' | 'J' | '1') && ticked));
        if matches!(c, ']' | ')' | '}' | '|') || ocr_close {
            return Some(inside_brackets(first, &inner, pos + c.len_utf8()));
        }
        inner.push(c);
    }
    None
}

/// What a pair of brackets holds: blank (or underscores, dots), a tick, or no mark at all.
fn inside_brackets(first: char, inner: &str, consumed: usize) -> Option<(Mark, usize)> {
    let t: String = inner.chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() || t.chars().all(|c| c == '_' || c == '.') {
        if first == '(' && t.is_empty() && inner.is_empty() {
            return None; // "()" is not a box
        }
        return Some((Mark::Unchecked, consumed));
    }
    // A tick mark scans as "J" or "v" as often as as a glyph; a cross in a Cyrillic
    // form may come out as the letter Х, a ☒ as "K", a drawn cross as "><". A tick's tail
    // scans as an apostrophe ("[v']", "[x`]").
    let t: String = t.trim_end_matches(['\'', '`', '´', '’']).to_string();
    if t.is_empty() {
        return None;
    }
    let tick = t == "><"
        || t.chars().all(|c| {
            matches!(
                c,
                'x' | 'X' | '/' | '\\' | '*' | '+' | '#' | 'J' | 'Х' | 'х'
            ) || CHECKED_GLYPHS.contains(&c)
                || (first != '(' && matches!(c, 'v' | 'V'))
                || (first == '[' && c == 'K')
        });
    if tick && t.chars().count() <= 2 {
        return Some((Mark::Checked { sure: true }, consumed));
    }
    None
}

/// Marks OCR makes of handwritten ticks and empty boxes: a lone character, then spaces,
/// then the item's words.
fn bare_mark(s: &str) -> Option<(Mark, usize)> {
    // "I ] Submit the documents below": an empty "[ ]" whose "[" OCR read as a letter.
    for open in ["I ]", "l ]", "| ]", "I  ]", "l  ]"] {
        if let Some(rest) = s.strip_prefix(open)
            && rest.starts_with(' ')
        {
            return Some((Mark::Unchecked, open.len()));
        }
    }
    let word: String = s.chars().take_while(|c| !c.is_whitespace()).collect();
    let rest = &s[word.len()..];
    let spaced = rest.starts_with(' ');
    let bracket_like = word.chars().count() == 3;
    let next_is_word = rest.trim_start().chars().next().is_some_and(|c| {
        // OCR reads a leading O as 0 ("0ther:") after a mark with a stray stroke; a box read
        // as letters ("IXI") may be followed by a number ("IXI 2 photos").
        c.is_alphabetic()
            || (word.chars().count() == 2 && c == '0')
            || (bracket_like && c.is_ascii_digit())
    });
    if !spaced || !next_is_word {
        return None;
    }
    // A blank to fill with a cross, filled: "_X_", "__x__", "_✓_".
    let inner = word.trim_matches('_');
    if word.starts_with('_')
        && word.ends_with('_')
        && matches!(inner, "X" | "x" | "✓" | "✔" | "v" | "V" | "/")
    {
        return Some((Mark::Checked { sure: true }, word.len()));
    }
    let mark = match word.as_str() {
        // A handwritten X often scans with a stray stroke beside it: "X'", "X|", "X,".
        "X" | "x" | "v" | "V" | "/" | "\\" | "XX" | "X'" | "x'" | "X|" | "x|" | "X," | "x,"
        | "v'" | "V'" | "\\/" => Mark::Checked { sure: false },
        // "[X]" with its brackets read as letters.
        "IXI" | "lXl" | "IxI" | "lxl" | "[XI" | "IX]" | "[Xl" | "lX]" => {
            Mark::Checked { sure: true }
        }
        // "[X]" with one bracket lost.
        "[X" | "[x" | "X]" | "x]" => Mark::Checked { sure: false },
        "O" | "0" | "D" | "LI" | "_" | "__" | "___" | "[]" | "|_|" | "|]" | "[|" => Mark::Unchecked,
        _ => return None,
    };
    Some((mark, word.len()))
}

/// Strips "1.", "1)", "(1)", "a)", "(a)" from the start of a line.
fn numbering_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    let paren = b.first() == Some(&b'(');
    if paren {
        i += 1;
    }
    let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 && digits <= 2 {
        i += digits;
    } else if b.get(i).is_some_and(|c| c.is_ascii_lowercase())
        && b.get(i + 1).is_some_and(|c| matches!(c, b'.' | b')'))
    {
        i += 1;
    } else {
        return 0;
    }
    match b.get(i) {
        Some(b')') => i += 1,
        Some(b'.') if !paren => i += 1,
        // "1- letter from my fiance": a hyphen after a number, then a space (not "1-2 weeks").
        Some(b'-') if !paren && digits > 0 && b.get(i + 1) == Some(&b' ') => i += 1,
        // "1۔" (Urdu full stop), "1、" and "1．" (Chinese and Japanese).
        _ if !paren => match s[i..].chars().next() {
            Some(c @ ('۔' | '、' | '．' | '।')) => i += c.len_utf8(),
            _ => return 0,
        },
        _ => return 0,
    }
    if s[i..].starts_with(' ') || s[i..].starts_with(|c: char| !c.is_ascii() && c.is_alphabetic()) {
        i
    } else {
        0
    }
}

/// Two columns run together by OCR put a box in the middle of a line that does not open
/// with one: "ule a Category 2 appointment.  O Birth certificate  [ ] Ph0tographs (2x2)".
/// Such a line is read as two: the words before the box (the end of the item above) and the
/// box with its item, so the item never joins a sentence that asks for something.
pub(super) fn split_inline_boxes(lines: Vec<&str>) -> Vec<&str> {
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        match inline_box_at(line) {
            Some(at) => {
                out.push(&line[..at]);
                out.push(&line[at..]);
            }
            None => out.push(line),
        }
    }
    out
}

/// Where a drawn box stands after a gap of two spaces or more, with words after it, in a
/// line that opens with words.
fn inline_box_at(line: &str) -> Option<usize> {
    let trimmed = line.trim_start();
    if !line.contains("  ")
        || trimmed.starts_with('|')
        || marker_at(trimmed, true).is_some()
        || numbering_len(trimmed) > 0
    {
        return None;
    }
    let bytes = line.as_bytes();
    let at = line.char_indices().find_map(|(i, c)| {
        let gap = i >= 2 && bytes[i - 1] == b' ' && bytes[i - 2] == b' ';
        if !gap || c == ' ' {
            return None;
        }
        let (_, used) = marker_at(&line[i..], false)?;
        let after = line[i + used..].trim_start();
        after
            .chars()
            .next()
            .is_some_and(char::is_alphabetic)
            .then_some(i)
    })?;
    let before = &line[..at];
    (before.chars().filter(|c| c.is_alphabetic()).count() >= 3).then_some(at)
}

/// Classifies every line. "(v)" is a roman numeral in a numbered list, but a tick on a form
/// whose other boxes are "( )" and "(x)": it counts as a tick only there.
pub(super) fn classify_all(lines: &[&str]) -> Vec<Line> {
    let paren_boxes = lines.iter().any(|l| {
        let t = l.trim_start();
        t.starts_with("( )") || t.starts_with("(x)") || t.starts_with("(X)")
    });
    // A scanned table ticks its rows with a bare "X" at the end of the line; with two or more
    // such rows, a lone X there is a tick.
    let bare_ticks = lines
        .iter()
        .filter(|l| bare_trailing_tick(l).is_some())
        .count()
        >= 2;
    // A form whose rows end in a dot leader ("Police certificate ........ v'"): what follows
    // the dots is the box; dots running to the end of the line are an empty one.
    let leader_rows = lines.iter().filter(|l| leader_row(l).is_some()).count() >= 2;
    // A table whose cells hold a lone "X" per applicant ("| Passport |   X   |   X   |").
    let tick_table = lines
        .iter()
        .filter(|l| matches!(table_row(l), Some(TableRow::Item(Mark::Checked { .. }, _))))
        .count()
        >= 2;
    // "O" is an OCR'd empty box, and the article of Portuguese, Italian and Romanian ("O
    // consulado pediu..."): it is a box only where the text draws boxes otherwise.
    let article_o = |l: &str| l.trim_start().starts_with("O ");
    // (Only looked for when a line opens with "O": classifying every line twice is not free.)
    let other_boxes = !lines.iter().any(|l| article_o(l))
        || lines
            .iter()
            .any(|l| !article_o(l) && matches!(classify(l), Line::Marked { .. }));
    lines
        .iter()
        .map(|l| {
            if article_o(l) && !other_boxes {
                return plain(l);
            }
            let t = l.trim_start();
            if paren_boxes && (t.starts_with("(v) ") || t.starts_with("(V) ")) {
                let indent = &l[..l.len() - t.len()];
                return classify(&format!("{indent}(x){}", &t[3..]));
            }
            // ... and "()" is an empty one whose space OCR lost.
            if paren_boxes && t.starts_with("() ") {
                let indent = &l[..l.len() - t.len()];
                return classify(&format!("{indent}( ){}", &t[2..]));
            }
            if tick_table && let Some(row) = table_row(l) {
                let indent = l.len() - t.len();
                return match row {
                    TableRow::Item(mark, text) => Line::Marked {
                        indent,
                        segments: vec![(mark, text)],
                        trailing: true,
                    },
                    // Indented in its cell: the item's words go on from the row above.
                    TableRow::Continued(depth, text) => Line::Plain {
                        indent: indent + 1 + depth,
                        text,
                    },
                };
            }
            let line = classify(l);
            let Line::Plain { indent, .. } = &line else {
                return line;
            };
            let row = if leader_rows { leader_row(l) } else { None };
            let tick = if bare_ticks {
                bare_trailing_tick(l).map(|t| (Mark::Checked { sure: false }, t))
            } else {
                None
            };
            match row.or(tick) {
                Some((mark, text)) => Line::Marked {
                    indent: *indent,
                    segments: vec![(mark, text)],
                    trailing: true,
                },
                None => line,
            }
        })
        .collect()
}

/// A row of a table drawn with bars whose last cells are marks, one per applicant: an item
/// ticked in any column, an item with every cell empty, or the item's words going on in a
/// cell indented under it.
enum TableRow {
    Item(Mark, String),
    Continued(usize, String),
}

fn table_row(line: &str) -> Option<TableRow> {
    let t = line.trim();
    let piped = t.len() > 1 && t.starts_with('|') && t.ends_with('|');
    let mut cells: Vec<&str> = if piped {
        t[1..t.len() - 1].split('|').collect()
    } else {
        // " 1  | ✔ | Police clearance ...": a table drawn without outer bars, which only
        // counts when its first column numbers the rows (blank where an item goes on).
        // A box drawn with bars ("    | | Judicial Record", "|X| Divorce decree") is no
        // table: its cell is one character wide, a table's mark column wider.
        let cells: Vec<&str> = line.trim_end().split('|').collect();
        if cells.len() < 3 || !is_row_number(cells[0]) || cells[1].chars().count() < 2 {
            return None;
        }
        cells
    };
    // "| 3 | Police certificate | ✓ |": a numbering column before the item's words (its
    // digits often OCR'd as letters: "l", "I", "O"); blank where the item's words go on.
    let numbered = cells.len() >= 3 && is_row_number(cells[0]);
    let blank_number = numbered && cells[0].trim().is_empty();
    if numbered {
        cells.remove(0);
    }
    // "| 1 | ✔ | Police clearance |": the mark column may come before the item's words.
    let letters = |c: &str| c.chars().filter(|ch| ch.is_alphabetic()).count();
    if cells.len() >= 2 && letters(cells[0]) < 3 && letters(cells[cells.len() - 1]) >= 3 {
        cells.rotate_right(1);
    }
    let (first, marks) = cells.split_first()?;
    // A handwritten tick as OCR reads it: "v", "/", "J", "v'".
    let tick = |c: &str| {
        matches!(
            c.trim(),
            "X" | "x"
                | "✓"
                | "✔"
                | "√"
                | "v"
                | "V"
                | "■"
                | "☒"
                | "☑"
                | "✗"
                | "✘"
                | "/"
                | "J"
                | "v'"
                | "V'"
                | "X'"
                | "x'"
        )
    };
    if marks.is_empty() || !marks.iter().all(|c| c.trim().is_empty() || tick(c)) {
        return None;
    }
    let text = first.trim();
    if text.chars().filter(|c| c.is_alphabetic()).count() < 3 {
        return None;
    }
    let depth = first.len() - first.trim_start().len();
    if marks.iter().all(|c| c.trim().is_empty()) && (depth >= 3 || blank_number) {
        return Some(TableRow::Continued(depth.max(3), text.to_string()));
    }
    let mark = if marks.iter().any(|c| tick(c)) {
        Mark::Checked { sure: true }
    } else {
        Mark::Unchecked
    };
    Some(TableRow::Item(mark, text.to_string()))
}

/// A numbering cell: blank, or a number of at most three characters, OCR'd or not ("1",
/// "l2", "O", "3.").
fn is_row_number(cell: &str) -> bool {
    let c = cell.trim().trim_end_matches(['.', ')']);
    c.chars().count() <= 3
        && c.chars()
            .all(|ch| ch.is_ascii_digit() || matches!(ch, 'l' | 'I' | 'O' | 'o' | 'i'))
}

/// A row with a dot (or underscore) leader: the item's words, and the box after the leader:
/// an OCR'd tick ("v'", "J", "/", "X", "✓") is ticked, nothing is an empty box.
fn leader_row(line: &str) -> Option<(Mark, String)> {
    let t = line.trim_end();
    let start = t.find("....").or_else(|| t.find("____"))?;
    let text = t[..start].trim();
    if text.chars().filter(|c| c.is_alphabetic()).count() < 3 {
        return None;
    }
    let after = t[start..].trim_start_matches(['.', '_', ' ', '…']);
    let mark = match after {
        "" | "口" | "□" | "☐" | "[ ]" | "[]" | "( )" => Mark::Unchecked,
        "☑" | "☒" | "✅" | "■" | "[X]" | "[x]" | "(x)" | "(X)" => {
            Mark::Checked { sure: true }
        }
        "v'" | "v" | "V" | "J" | "/" | "X" | "x" | "✓" | "✔" | "√" | "V'" | "x'" | "X'" => {
            Mark::Checked { sure: false }
        }
        _ => return None,
    };
    Some((mark, text.to_string()))
}

/// "Completed Form DS-5535 X": the item's words before a lone X (or ✓) ending the line.
fn bare_trailing_tick(line: &str) -> Option<String> {
    let t = line.trim_end();
    let (before, last) = t.rsplit_once(' ')?;
    if !matches!(last, "X" | "x" | "✓" | "✔" | "V") {
        return None;
    }
    let text = before.trim_end_matches([' ', '.', '_']).trim();
    (text.chars().filter(|c| c.is_alphabetic()).count() >= 3 && !text.ends_with('='))
        .then(|| text.to_string())
}

pub(super) fn classify(line: &str) -> Line {
    let trimmed = line.trim_start();
    if trimmed.trim().is_empty() {
        return Line::Blank;
    }
    let indent = line.chars().count() - trimmed.chars().count();
    // A line of table rules ("|-----|-----|") carries nothing, but it does not end a table.
    if trimmed
        .chars()
        .all(|c| matches!(c, '|' | '-' | '=' | '_' | '+' | ' ' | '—' | '─' | '│' | ':'))
    {
        return Line::Rule;
    }
    let num = numbering_len(trimmed);
    let mut segments: Vec<(Mark, String)> = Vec::new();
    let marked = marker_at(trimmed, true).map(|m| (m, trimmed)).or_else(|| {
        let after_num = trimmed[num..].trim_start();
        (num > 0).then_some(())?;
        marker_at(after_num, true).map(|m| (m, after_num))
    });
    // "  / Birth certificate issued by RENAP ....... [  ]": a line that ends with a drawn
    // box has its mark there; a bare "/" or "X" opening it is a gloss separator or a word,
    // not a second tick (read as one, it ticked the item and pushed the box onto the next).
    let bare = || marker_at(trimmed, false).is_none() && numbering_len(trimmed) == 0;
    let marked = marked.filter(|_| !(bare() && trailing_box(trimmed)));
    if let Some(((mark, used), after_num)) = marked {
        let rest = &after_num[used..];
        split_segments(mark, rest, &mut segments);
        return Line::Marked {
            indent,
            segments,
            trailing: false,
        };
    }
    // A label, then the box: "Traiga/Bring: (x) proof you met in person".
    if let Some((label, rest)) = trimmed.split_once(": ")
        && label.chars().count() <= 30
        && !label.contains(['[', '(', '☐', '☒'])
    {
        let rest = rest.trim_start();
        if let Some((mark, used)) = marker_at(rest, false) {
            split_segments(mark, &rest[used..], &mut segments);
            return Line::Marked {
                indent,
                segments,
                trailing: false,
            };
        }
    }
    // A box at the end of the line: "Police certificate ........ [X]".
    if let Some((mark, text)) = trailing_marker(trimmed) {
        segments.push((mark, text));
        return Line::Marked {
            indent,
            segments,
            trailing: true,
        };
    }
    if let Some(text) = bulleted(trimmed) {
        return Line::Bullet {
            indent,
            text: text.to_string(),
        };
    }
    if num > 0 {
        return Line::Bullet {
            indent,
            text: trimmed[num..].trim().to_string(),
        };
    }
    Line::Plain {
        indent,
        text: trimmed.trim_end().to_string(),
    }
}

/// A line read as text, whatever it starts with.
fn plain(line: &str) -> Line {
    let trimmed = line.trim_start();
    Line::Plain {
        indent: line.chars().count() - trimmed.chars().count(),
        text: trimmed.trim_end().to_string(),
    }
}

/// Splits the rest of a marked line at further boxes (two-column forms).
fn split_segments(mark: Mark, rest: &str, out: &mut Vec<(Mark, String)>) {
    let mut mark = mark;
    let mut rest = rest;
    loop {
        let mut split: Option<(usize, Mark, usize)> = None;
        let mut spaces = 0;
        for (pos, c) in rest.char_indices() {
            if c == ' ' {
                spaces += 1;
                continue;
            }
            // A drawn box ("[ ]", "☐") starts an item after one space (two columns run
            // together by OCR: "... is required. The [ ] Interview appointment letter"); a
            // bare mark ("X") only after a wider gap.
            let found = match spaces {
                0 => None,
                1 => marker_at(&rest[pos..], false),
                _ => marker_at(&rest[pos..], true),
            };
            if let Some((m, used)) = found {
                split = Some((pos, m, used));
                break;
            }
            spaces = 0;
        }
        match split {
            Some((pos, m, used)) => {
                out.push((mark, rest[..pos].trim().to_string()));
                mark = m;
                rest = &rest[pos + used..];
            }
            None => {
                out.push((mark, rest.trim().to_string()));
                return;
            }
        }
        if out.len() >= 8 {
            out.push((mark, rest.trim().to_string()));
            return;
        }
    }
}

/// Whether the line ends with a drawn box ("[X]", "[  ]", "☐"), not a bare tick.
fn trailing_box(line: &str) -> bool {
    let t = line.trim_end();
    let drawn = t.ends_with([']', ')'])
        || t.chars()
            .last()
            .is_some_and(|c| CHECKED_GLYPHS.contains(&c) || UNCHECKED_GLYPHS.contains(&c));
    drawn && trailing_marker(t).is_some()
}

fn trailing_marker(line: &str) -> Option<(Mark, String)> {
    let mut t = line.trim_end();
    // A note written after the mark ("Terjemahan resmi ...... ✓  (tulisan tangan: utk akta
    // cerai)"): the mark ends the item, and the note goes with it.
    if t.ends_with(')')
        && let Some(open) = t.rfind("  (")
        && t[open..].chars().count() > 8
        && let Some((mark, item)) = trailing_marker(&t[..open])
    {
        return Some((mark, format!("{item} {}", t[open..].trim())));
    }
    // A table cell: "| Police certificate |   [X]    |".
    if t.ends_with('|') && !t.ends_with("_|") {
        t = t.trim_end_matches(['|', ' ']);
    }
    let last = t.chars().last()?;
    let start = if CHECKED_GLYPHS.contains(&last) || UNCHECKED_GLYPHS.contains(&last) {
        t.len() - last.len_utf8()
    } else if matches!(last, ']' | ')' | '|') {
        t.char_indices()
            .rev()
            .skip(1)
            .take(5)
            .find(|(_, c)| matches!(c, '[' | '(' | '|'))?
            .0
    } else {
        return None;
    };
    let (mark, used) = marker_at(&t[start..], false)?;
    if start + used != t.len() {
        return None;
    }
    let before = &t[..start];
    let gap = before.len() - before.trim_end_matches([' ', '.', '_', '|']).len();
    if gap < 2 {
        return None;
    }
    let text = before
        .trim_end_matches([' ', '.', '_', '|'])
        .trim_start_matches(['|', ' ']);
    if text.chars().filter(|c| c.is_alphabetic()).count() < 3 {
        return None;
    }
    // One box per column ("| ☒ | ☐" for the K-1 and the K-2): asked of someone in the case
    // when any column is ticked.
    if let Some((other, item)) = trailing_marker(text) {
        let mark = match (mark, other) {
            (Mark::Checked { sure }, _) | (_, Mark::Checked { sure }) => Mark::Checked { sure },
            _ => Mark::Unchecked,
        };
        return Some((mark, item));
    }
    Some((mark, text.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        assert_eq!(
            marker_at("[X] a", true).map(|m| m.0),
            Some(Mark::Checked { sure: true })
        );
        assert_eq!(marker_at("[ ] a", true).map(|m| m.0), Some(Mark::Unchecked));
        assert_eq!(
            marker_at("[v'] Detailed resume", true).map(|m| m.0),
            Some(Mark::Checked { sure: true })
        );
        assert_eq!(
            marker_at("(x) a", true).map(|m| m.0),
            Some(Mark::Checked { sure: true })
        );
        assert_eq!(marker_at("(a) a", true), None);
        assert_eq!(
            marker_at("X Police", true).map(|m| m.0),
            Some(Mark::Checked { sure: false })
        );
        assert_eq!(marker_at("X-ray", true), None);
        // A typed form's blanks: "_X_" filled, "___" left empty.
        assert_eq!(
            marker_at("_X_ Police record", true).map(|m| m.0),
            Some(Mark::Checked { sure: true })
        );
        assert_eq!(
            marker_at("___ Medical", true).map(|m| m.0),
            Some(Mark::Unchecked)
        );
        assert_eq!(marker_at("_Xavier_ said", true), None);
        // An empty box whose "[" OCR read as "I"; "I" alone is a word.
        assert_eq!(
            marker_at("I ] Submit the documents below:", true).map(|m| m.0),
            Some(Mark::Unchecked)
        );
        assert_eq!(marker_at("I have a question", true), None);
        assert_eq!(
            marker_at("☐ Police", true).map(|m| m.0),
            Some(Mark::Unchecked)
        );
    }

    #[test]
    fn ocr_marks_of_many_forms() {
        let mark = |l: &str| match classify(l) {
            Line::Marked { segments, .. } => Some(segments[0].0),
            _ => None,
        };
        assert_eq!(mark("口 出生公证书"), Some(Mark::Unchecked));
        assert_eq!(
            mark("户口簿原件"),
            None,
            "a word that starts with 口 stays a word"
        );
        assert_eq!(mark("IXI 2 photos"), Some(Mark::Checked { sure: true }));
        assert_eq!(mark("[Х] Справка"), Some(Mark::Checked { sure: true }));
        assert_eq!(
            mark("v'  Police report"),
            Some(Mark::Checked { sure: false })
        );
        assert_eq!(
            mark("Traiga/Bring: (x) proof you met"),
            Some(Mark::Checked { sure: true })
        );
        assert_eq!(
            mark("█ Military service certificate"),
            Some(Mark::Checked { sure: true })
        );
        assert_eq!(
            mark("(xJ Giay xac nhan"),
            Some(Mark::Checked { sure: true })
        );
        assert_eq!(mark("[x1 Birth record"), Some(Mark::Checked { sure: true }));
        assert_eq!(mark("(1 year) visa"), None);
        assert_eq!(mark("[X Dogum kaydi"), Some(Mark::Checked { sure: false }));
        assert_eq!(
            mark("X] Bosanma karari"),
            Some(Mark::Checked { sure: false })
        );
        assert_eq!(mark("[ 1 Adli sicil"), Some(Mark::Unchecked));
    }

    #[test]
    fn dot_leader_rows_and_bare_ticks_in_tables() {
        let lines = [
            "Police certificate ........ v'",
            "Birth certificate ......... J",
            "Medical exam ...............",
        ];
        let marks: Vec<Option<Mark>> = classify_all(&lines)
            .iter()
            .map(|l| match l {
                Line::Marked { segments, .. } => Some(segments[0].0),
                _ => None,
            })
            .collect();
        assert_eq!(
            marks,
            vec![
                Some(Mark::Checked { sure: false }),
                Some(Mark::Checked { sure: false }),
                Some(Mark::Unchecked)
            ]
        );
        // One line ending in X is not a table; two are.
        let one = classify_all(&["Case number MNL2024 class K1 X"]);
        assert!(matches!(one[0], Line::Plain { .. }));
        let two = classify_all(&[
            "Completed Form DS-5535 X",
            "Bank statements",
            "Proof of departure X",
        ]);
        assert!(matches!(two[0], Line::Marked { .. }) && matches!(two[1], Line::Plain { .. }));
        // "O" opens a Portuguese sentence where the text draws no boxes.
        let prose = classify_all(&["O consulado pediu a certidão de nascimento."]);
        assert!(matches!(prose[0], Line::Plain { .. }), "{prose:?}");
        let form = classify_all(&["[X] Police certificate", "O Birth certificate"]);
        assert!(matches!(form[1], Line::Marked { .. }), "{form:?}");
    }

    #[test]
    fn a_numbered_table_with_ocr_ticks_in_its_mark_column() {
        let lines = [
            "| l  | Return for a second interview. Schedule    |  ✓  |",
            "|    | through the link on the back.              |     |",
            "| 2  | Birth certificate, online version          |  v  |",
            "| 3  | Police clearance certificate               |  /  |",
            "| 4  | Talaqnama for previous marriage            |  J  |",
            "| 5  | Photographs of you and the petitioner      |     |",
        ];
        let read = classify_all(&lines);
        let mark = |i: usize| match &read[i] {
            Line::Marked { segments, .. } => Some(segments[0].0),
            _ => None,
        };
        for i in [0, 2, 3, 4] {
            assert_eq!(mark(i), Some(Mark::Checked { sure: true }), "{:?}", read[i]);
        }
        assert_eq!(mark(5), Some(Mark::Unchecked));
        assert!(matches!(read[1], Line::Plain { .. }), "{:?}", read[1]);
    }

    #[test]
    fn a_table_without_outer_bars_with_its_mark_column_first() {
        let lines = [
            " 1  | ✔ | Police clearance from the Royal Thai Police",
            "    |   | หนังสือรับรองความประพฤติจากสำนักงานตำรวจแห่งชาติ",
            " 3  |   | Form I-134, Declaration of Financial Support",
            "    | | Phieu ly lich tu phap so 2 / Judicial Record No. 2",
            " 4  | ✔ | Petitioner's IRS tax transcript",
        ];
        let read = classify_all(&lines);
        let mark = |i: usize| match &read[i] {
            Line::Marked { segments, .. } => Some(segments[0].0),
            _ => None,
        };
        assert_eq!(mark(0), Some(Mark::Checked { sure: true }), "{:?}", read[0]);
        assert_eq!(mark(2), Some(Mark::Unchecked), "{:?}", read[2]);
        // A box drawn with bars is a box, not a table's blank row.
        assert_eq!(mark(3), Some(Mark::Unchecked), "{:?}", read[3]);
    }

    #[test]
    fn two_columns_and_trailing_boxes() {
        match classify("[X] Medical exam        [ ] Police certificate") {
            Line::Marked { segments, .. } => {
                assert_eq!(segments.len(), 2);
                assert_eq!(segments[1].0, Mark::Unchecked);
            }
            other => panic!("{other:?}"),
        }
        match classify("Police certificate ........ [ ]") {
            Line::Marked { segments, .. } => assert_eq!(segments[0].0, Mark::Unchecked),
            other => panic!("{other:?}"),
        }
    }
}
