//! Units: what the reader judges one at a time. A checkbox item (with the lines that
//! continue it), an item of a "please submit the following" list, or one sentence of a
//! paragraph.

use super::layout::{Line, Mark, continues, join_line, wants_fill_in};
use super::text::Folded;
use super::vocab::{Langs, Vocab, cue};

#[derive(Debug)]
pub(super) enum UnitKind {
    Box(Mark),
    ListItem,
    Sentence,
    /// An e-mail header line ("From:", "Subject:"): says who wrote, never what to send.
    Header,
}

#[derive(Debug)]
pub(super) struct Unit {
    pub kind: UnitKind,
    pub text: String,
}

/// Groups lines into units: checkbox items (with their continuation lines), list items,
/// and the sentences of narrative paragraphs.
pub(super) fn units(v: &Vocab, langs: Langs, lines: &[Line], form: bool) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    let mut para = String::new();
    let mut list = false;
    // Whether the last unit may take continuation lines, and from which indent.
    let mut open: Option<(usize, bool)> = None;
    let mut i = 0;
    while i < lines.len() {
        match &lines[i] {
            Line::Blank => {
                flush(v, langs, &mut para, &mut units, &mut list);
                open = None;
                if list {
                    // A list ends at a blank line unless another item follows.
                    let next = lines[i + 1..].iter().find(|l| !matches!(l, Line::Blank));
                    let any_items = units
                        .last()
                        .is_some_and(|u| matches!(u.kind, UnitKind::ListItem));
                    if any_items && !matches!(next, Some(Line::Bullet { .. })) {
                        list = false;
                    }
                }
            }
            Line::Marked { indent, segments } => {
                flush(v, langs, &mut para, &mut units, &mut list);
                list = false;
                for (mark, text) in segments {
                    units.push(Unit {
                        kind: UnitKind::Box(*mark),
                        text: text.clone(),
                    });
                }
                let last_text = segments.last().map(|s| s.1.as_str()).unwrap_or("");
                open = Some((*indent, wants_fill_in(last_text)));
            }
            Line::Bullet { indent, text } => {
                flush(v, langs, &mut para, &mut units, &mut list);
                let kind = if list && !form {
                    UnitKind::ListItem
                } else {
                    UnitKind::Sentence
                };
                units.push(Unit {
                    kind,
                    text: text.clone(),
                });
                open = Some((*indent, false));
            }
            Line::Plain { indent, text } => {
                if v.is_mail_header(text, langs) {
                    flush(v, langs, &mut para, &mut units, &mut list);
                    units.push(Unit {
                        kind: UnitKind::Header,
                        text: text.clone(),
                    });
                    open = None;
                    i += 1;
                    continue;
                }
                if let Some((open_indent, fill_in)) = open
                    && ((*indent > open_indent && continues(text)) || fill_in)
                    && let Some(last) = units.last_mut()
                {
                    last.text.push(' ');
                    last.text.push_str(text);
                    open = Some((open_indent, false));
                    i += 1;
                    continue;
                }
                open = None;
                if list && !form && para.is_empty() && text.chars().count() <= 120 {
                    units.push(Unit {
                        kind: UnitKind::ListItem,
                        text: text.clone(),
                    });
                    i += 1;
                    continue;
                }
                if list && !para.is_empty() {
                    list = false;
                }
                join_line(&mut para, text);
                if text.trim_end().ends_with(':') {
                    flush(v, langs, &mut para, &mut units, &mut list);
                }
            }
        }
        i += 1;
    }
    flush(v, langs, &mut para, &mut units, &mut list);
    units
}

/// Ends a paragraph: splits it into sentences, and opens a list when it ends with a
/// heading such as "Please submit the following documents:".
fn flush(v: &Vocab, langs: Langs, para: &mut String, units: &mut Vec<Unit>, list: &mut bool) {
    if para.trim().is_empty() {
        para.clear();
        return;
    }
    let sentences = split_sentences(para);
    if let Some(last) = sentences.last() {
        let t = last.trim_end();
        if t.ends_with(':') {
            let f = Folded::new(t);
            let fl = v.flags(&f, langs);
            *list = fl & (cue::HEADING | cue::REQUEST | cue::DOC_NOUN) != 0;
        }
    }
    for s in sentences {
        units.push(Unit {
            kind: UnitKind::Sentence,
            text: s,
        });
    }
    para.clear();
}

pub(super) fn split_sentences(para: &str) -> Vec<String> {
    let chars: Vec<char> = para.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..chars.len() {
        let c = chars[i];
        let end_mark = matches!(c, '.' | '!' | '?' | '。' | '！' | '？' | ';');
        if !end_mark {
            continue;
        }
        let next = chars.get(i + 1).copied();
        let cjk_end = matches!(c, '。' | '！' | '？');
        if !cjk_end && next.is_some_and(|n| !n.is_whitespace()) {
            continue;
        }
        if c == '.' {
            // Abbreviations: "U.S.", "e.g.", "No.", "Mr." stay inside the sentence.
            let word: String = chars[..i]
                .iter()
                .rev()
                .take_while(|ch| ch.is_alphanumeric() || **ch == '.')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<String>()
                .to_lowercase();
            let abbreviation = word.contains('.')
                || matches!(
                    word.as_str(),
                    "mr" | "mrs"
                        | "ms"
                        | "dr"
                        | "no"
                        | "nos"
                        | "st"
                        | "vs"
                        | "etc"
                        | "inc"
                        | "jr"
                        | "sr"
                        | "sec"
                        | "ave"
                        | "blvd"
                        | "tel"
                        | "ref"
                        | "attn"
                );
            if abbreviation {
                continue;
            }
        }
        let s: String = chars[start..=i].iter().collect();
        if !s.trim().is_empty() {
            out.push(s.trim().to_string());
        }
        start = i + 1;
    }
    let rest: String = chars[start.min(chars.len())..].iter().collect();
    if !rest.trim().is_empty() {
        out.push(rest.trim().to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split() {
        let s = split_sentences("Go to the U.S. Embassy. Then send it; e.g. by mail. Done");
        assert_eq!(
            s,
            vec![
                "Go to the U.S. Embassy.",
                "Then send it;",
                "e.g. by mail.",
                "Done"
            ]
        );
    }
}
