//! Units: what the reader judges one at a time. A checkbox item (with the lines that
//! continue it), an item of a "please submit the following" list, or one sentence of a
//! paragraph.

use super::layout::{Line, Mark, bulleted, caseless, continues, join_line, wants_fill_in};
use super::text::Folded;
use super::vocab::cue::{self, Flags};
use super::vocab::{Langs, Vocab};

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
    /// For a list item: the cue flags of the heading that opened its list.
    pub context: Flags,
}

/// What ends a line that opens a list: a colon, and the Ethiopic and Khmer colons.
const LIST_OPENERS: [char; 4] = [':', '：', '፦', '៖'];

/// A line at least this long that stops without punctuation was wrapped, not ended.
const WRAPPED_LINE: usize = 60;
/// ... and the rest of a wrapped sentence on the next line is shorter than this.
const WRAPPED_TAIL: usize = 40;

/// An open list: the heading that opened it ("Please submit the following documents:") and
/// what its words say, which every item inherits ("We have received the following:").
#[derive(Debug, Clone, Copy)]
struct List {
    /// Cue flags of the heading.
    flags: Flags,
    /// The heading asks for something or names documents, so plain lines after it are items
    /// too (not only bullets).
    cued: bool,
    /// Items so far came as bullets or numbers: then a plain line is text after the list.
    bullets: bool,
}

struct Builder<'v> {
    v: &'v Vocab,
    langs: Langs,
    form: bool,
    units: Vec<Unit>,
    para: String,
    list: Option<List>,
    /// Whether the last unit may take continuation lines, and from which indent.
    open: Option<(usize, bool)>,
    /// The last physical line of the open unit stopped mid-sentence in a long line: it
    /// wrapped, so an indented line below continues it whatever its first letter.
    wrapped: bool,
    /// The line above was a row of the checklist (a box, or a row without one).
    in_rows: bool,
    /// The plain lines of the paragraph being built: (indent, text, length of the paragraph
    /// before the line), so an item whose box ends its last line can take them back.
    pending: Vec<(usize, String, usize)>,
    /// A copied chat or message thread (message timestamps): each line is a message of its
    /// own, punctuated or not, so a line break ends a sentence.
    chat: bool,
    /// The form shows its blank boxes ("( )", "☐"), so a row without a box is no row.
    blank_boxes_show: bool,
}

/// Groups lines into units: checkbox items (with their continuation lines), list items,
/// and the sentences of narrative paragraphs.
pub(super) fn units(v: &Vocab, langs: Langs, lines: &[Line], form: bool) -> Vec<Unit> {
    let mut b = Builder {
        v,
        langs,
        form,
        units: Vec::new(),
        para: String::new(),
        list: None,
        open: None,
        wrapped: false,
        in_rows: false,
        pending: Vec::new(),
        chat: !form && is_chat(lines),
        blank_boxes_show: lines.iter().any(|l| {
            matches!(l, Line::Marked { segments, .. }
                if segments.iter().any(|(m, _)| *m == Mark::Unchecked))
        }),
    };
    let by_hand = if form {
        Vec::new()
    } else {
        ends_by_hand(v, lines)
    };
    for (i, line) in lines.iter().enumerate() {
        let was_rows = b.in_rows;
        b.in_rows = matches!(line, Line::Marked { .. });
        match line {
            Line::Rule => {
                // The row above a table's rule is its header ("| No. | Document | Note |"):
                // labels, not a request.
                if let Some(last) = b.units.last_mut()
                    && last.text.trim_start().starts_with('|')
                    && !matches!(last.kind, UnitKind::Box(_))
                {
                    last.kind = UnitKind::Header;
                }
                b.flush();
                b.open = None;
            }
            Line::Blank => {
                b.flush();
                b.open = None;
                // A list ends at a blank line unless another item follows.
                let next = lines[i + 1..].iter().find(|l| !matches!(l, Line::Blank));
                let any_items = b
                    .units
                    .last()
                    .is_some_and(|u| matches!(u.kind, UnitKind::ListItem));
                if any_items && !matches!(next, Some(Line::Bullet { .. })) {
                    b.list = None;
                }
            }
            Line::Marked {
                indent,
                segments,
                trailing,
            } => {
                let wrapped = if *trailing {
                    b.take_wrapped(*indent, segments.first().map_or("", |s| s.1.as_str()))
                } else {
                    String::new()
                };
                b.flush();
                b.list = None;
                for (k, (mark, text)) in segments.iter().enumerate() {
                    let text = if b.form { left_column(text) } else { text };
                    if k == 0 && !wrapped.is_empty() {
                        b.push(UnitKind::Box(*mark), &format!("{wrapped} {text}"), 0);
                    } else {
                        b.push(UnitKind::Box(*mark), text, 0);
                    }
                }
                let last_text = segments.last().map(|s| s.1.as_str()).unwrap_or("");
                b.open = Some((*indent, wants_fill_in(last_text)));
                b.wrapped = wraps(last_text);
            }
            Line::Bullet { indent, text } => {
                b.flush();
                match b.list.as_mut() {
                    Some(l) if !b.form => {
                        l.bullets = true;
                        let flags = l.flags;
                        b.push(UnitKind::ListItem, text, flags);
                    }
                    _ => b.push(UnitKind::Sentence, text, 0),
                }
                b.open = Some((*indent, false));
                b.wrapped = wraps(text);
            }
            Line::Plain { indent, text } => {
                let text = if b.form { left_column(text) } else { text };
                b.plain(*indent, text, was_rows);
                if by_hand.get(i) == Some(&true) {
                    b.flush();
                }
            }
        }
    }
    b.flush();
    b.units
}

impl Builder<'_> {
    fn push(&mut self, kind: UnitKind, text: &str, context: Flags) {
        self.units.push(Unit {
            kind,
            text: text.to_string(),
            context,
        });
    }

    /// The lines above a box that ends its line, which are the start of that box's item
    /// ("Libreta militar o certificado ... /" above "  Military card ......... ✔"): each one
    /// the line below continues (more indented, or starting in lower case). They leave the
    /// paragraph being built.
    fn take_wrapped(&mut self, indent: usize, text: &str) -> String {
        let (mut below_indent, mut below) = (indent, text.to_string());
        let mut take = 0;
        for (ind, line, _) in self.pending.iter().rev() {
            if below_indent > *ind || continues(&below) || open_ended(line) {
                take += 1;
                below_indent = *ind;
                below = line.clone();
            } else {
                break;
            }
        }
        if take == 0 {
            return String::new();
        }
        let first = self.pending.len() - take;
        let cut = self.pending[first].2;
        let taken: Vec<String> = self.pending.drain(first..).map(|p| p.1).collect();
        self.para.truncate(cut);
        taken.join(" ")
    }

    fn plain(&mut self, indent: usize, text: &str, after_row: bool) {
        if self.v.is_mail_header(text, self.langs) {
            self.flush();
            self.push(UnitKind::Header, text, 0);
            self.open = None;
            return;
        }
        if self.continues_open_item(indent, text) || self.joins_broken_word(text) {
            return;
        }
        self.open = None;
        if self.blank_row(text, after_row) || self.wrapped_tail(text) || self.cued_list_item(text) {
            return;
        }
        if self.list.is_some() && !self.para.is_empty() {
            self.list = None;
        }
        self.pending
            .push((indent, text.to_string(), self.para.len()));
        if self.chat {
            // One message: without its "[time] Name:" so that it starts with its own words.
            let message = strip_message_prefix(text);
            // "Jasur: — harbiy biletimning nusxasi": an item of the list the message before
            // opened ("... qog'ozda quyidagilar yozilgan:", the paper lists the following:).
            if let Some(item) = bulleted(message)
                && let Some(l) = self.list.as_mut()
            {
                l.bullets = true;
                let flags = l.flags;
                self.flush();
                self.push(UnitKind::ListItem, item, flags);
                return;
            }
            if !message.is_empty() {
                join_line(&mut self.para, message);
            }
            self.flush();
            return;
        }
        join_line(&mut self.para, text);
        if text.trim_end().ends_with(LIST_OPENERS) {
            self.flush();
        }
    }

    /// A line that goes on with the open item (indented under it, a gloss, a fill-in),
    /// joined to it.
    fn continues_open_item(&mut self, indent: usize, text: &str) -> bool {
        // Only asked when an item is open: the vocabulary check reads both lines again.
        let glossed = || {
            self.units.last().is_some_and(|u| {
                glosses(&u.text, text) || open_ended(&u.text) || self.v.glosses(&u.text, text)
            })
        };
        // In a script without case, a line indented past the box's own text continues it, and
        // so does an indented line that closes the item's unfinished sentence ("... የልደት
        // ምስክር" then "ወረቀት (...)።").
        let closes = |t: &str| t.trim_end().ends_with(SENTENCE_ENDS);
        // A line indented to the item's words, past its box or number, goes on with it: in a
        // script without case, under a numbered or bulleted item, and whatever its case where
        // the form's blank boxes show (the English under a Spanish item: "(x) Disposición
        // final ... Texas." / "    Court-certified final disposition ..."). Where no blank
        // box shows, such a line under a box may be a row whose box did not scan.
        let under_bullet = self
            .units
            .last()
            .is_some_and(|u| !matches!(u.kind, UnitKind::Box(_)));
        let deep = |open_indent: usize| {
            (indent >= open_indent + 3 && (self.blank_boxes_show || under_bullet || caseless(text)))
                || (caseless(text)
                    && indent > open_indent
                    && closes(text)
                    && self.units.last().is_some_and(|u| !closes(&u.text)))
        };
        if let Some((open_indent, fill_in)) = self.open
            && ((indent > open_indent && (continues(text) || self.wrapped || glossed()))
                || deep(open_indent)
                || fill_in)
            && let Some(last) = self.units.last_mut()
        {
            last.text.push(' ');
            last.text.push_str(text);
            self.in_rows = matches!(last.kind, UnitKind::Box(_));
            self.open = Some((open_indent, false));
            self.wrapped = wraps(text);
            return true;
        }
        false
    }

    /// A word broken at the line's end ("перевiр-" / "ки.") goes on, whatever the indent.
    fn joins_broken_word(&mut self, text: &str) -> bool {
        if let Some(last) = self.units.last_mut()
            && self.para.is_empty()
            && broken_word(&last.text)
            && continues(text)
        {
            last.text.pop();
            last.text.push_str(text.trim_start());
            return true;
        }
        false
    }

    /// In a checklist whose blank boxes do not show, a line between rows that is not a
    /// sentence is a row whose box is blank or did not scan: never a request. (Where blank
    /// boxes show, such a line goes on with the text above it.)
    fn blank_row(&mut self, text: &str, after_row: bool) -> bool {
        let sentence_like = text.trim_end().ends_with(['.', '!', '?', '。', ':', '：']);
        if self.form && after_row && !sentence_like && !self.blank_boxes_show {
            self.flush();
            self.push(UnitKind::Box(Mark::Unchecked), text, 0);
            self.in_rows = true;
            return true;
        }
        false
    }

    /// The tail of a listed item that wrapped, joined to it.
    fn wrapped_tail(&mut self, text: &str) -> bool {
        // The tail of a listed item that wrapped: the line before is long and stops
        // mid-sentence, this one is short and ends it ("... após a sua chegada aos" /
        // "Estados Unidos."). Items of a list without punctuation stay apart.
        let ends = |t: &str| {
            t.trim_end()
                .ends_with(['.', ';', ':', '!', '?', '。', '；', '：'])
        };
        if self.list.is_some()
            && self.para.is_empty()
            && ends(text)
            && text.chars().count() < WRAPPED_TAIL
            && let Some(last) = self.units.last_mut()
            && matches!(last.kind, UnitKind::ListItem)
            && last.text.chars().count() >= WRAPPED_LINE
            && !ends(&last.text)
        {
            last.text.push(' ');
            last.text.push_str(text);
            return true;
        }
        false
    }

    /// A line of a list a cue opened (not bullets, not a form): an item of its own.
    fn cued_list_item(&mut self, text: &str) -> bool {
        if let Some(l) = self.list
            && l.cued
            && !l.bullets
            && !self.form
            && self.para.is_empty()
            && text.chars().count() <= 120
            // A court opinion's '... handed her a letter which read:' then '"Your visa
            // application has been refused ...': a quotation opens, whose lines wrap.
            && !text.trim_start().starts_with(['"', '“', '«', '„', '「'])
        {
            self.push(UnitKind::ListItem, text, l.flags);
            return true;
        }
        false
    }

    /// Ends a paragraph: splits it into sentences, and opens a list when it ends with a
    /// colon ("Please submit the following documents:").
    fn flush(&mut self) {
        self.pending.clear();
        if self.para.trim().is_empty() {
            self.para.clear();
            return;
        }
        let sentences = split_sentences(&self.para);
        if let Some(last) = sentences.last() {
            let t = last.trim_end();
            if t.ends_with(LIST_OPENERS) {
                let flags = self.v.flags(&Folded::new(t), self.langs);
                self.list = Some(List {
                    flags,
                    cued: flags & (cue::HEADING | cue::REQUEST | cue::DOC_NOUN) != 0,
                    bullets: false,
                });
            } else if let Some(flags) = sentences
                .iter()
                .map(|s| self.v.flags(&Folded::new(s), self.langs))
                .find(|f| f & cue::HEADING != 0 && f & cue::REQUEST != 0)
            {
                // "... pending receipt of the items below. This e-mail repeats them." then a
                // numbered list: the numbers are its items, though no colon opened them.
                // Only the asking carries over: a condition or a "received" elsewhere in the
                // paragraph is about something else.
                self.list = Some(List {
                    flags: flags
                        & (cue::HEADING | cue::REQUEST | cue::CHANNEL | cue::TRANSLATION_OF),
                    cued: false,
                    bullets: false,
                });
            }
        }
        for s in sentences {
            self.push(UnitKind::Sentence, &s, 0);
        }
        self.para.clear();
    }
}

/// Every line with its quote marks taken off: an earlier message of the thread still says
/// when the interview was and what section it was refused under.
pub(super) fn dequote<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    lines.into_iter().map(without_quote_marks).collect()
}

/// A line without the "> " marks of an e-mail quote; any other line as it is.
fn without_quote_marks(line: &str) -> &str {
    let t = line.trim_start();
    if t.starts_with('>') {
        t.trim_start_matches(['>', ' '])
    } else {
        line
    }
}

/// E-mail replies quote earlier messages with "> ". When the notice has text of its own, the
/// quoted lines (and the "On ... wrote:" line above them) are someone's earlier words, often
/// the applicant's own, and are left out; when everything is quoted (a forwarded notice), the
/// marks are taken off and all of it is read.
pub(super) fn unquote(lines: Vec<&str>) -> Vec<&str> {
    let lines = without_own_earlier_messages(lines);
    let quoted = |l: &str| l.trim_start().starts_with('>');
    let own_words: usize = lines
        .iter()
        .filter(|l| !quoted(l))
        .map(|l| l.split_whitespace().count())
        .sum();
    if lines.iter().all(|l| !quoted(l)) {
        return lines;
    }
    // A forum post that quotes the slip ("textual decía: > ...") keeps the quote: it is the
    // notice. Only an e-mail thread (an "... wrote:" line, or quoted mail headers) quotes
    // earlier messages.
    let thread = lines.iter().enumerate().any(|(i, l)| {
        let t = l.trim_start().trim_start_matches(['>', ' ']).to_lowercase();
        let attribution = l.trim_end().ends_with(':')
            && lines[i + 1..]
                .iter()
                .find(|n| !n.trim().is_empty())
                .is_some_and(|n| quoted(n))
            && WROTE.iter().any(|w| t.contains(w));
        let header = quoted(l)
            && [
                "from:", "de:", "date:", "sent:", "subject:", "dari:", "tanggal:", "von:", "от:",
            ]
            .iter()
            .any(|h| t.starts_with(h));
        attribution || header
    });
    if own_words >= 20 && thread {
        // A quoted message the post sent ("> De: Consulado ... <RioIV@state.gov>", "On ...,
        // U.S. Embassy wrote:") is the notice the applicant forwards or answers: it stays.
        let mut from_post = false;
        let mut out: Vec<&str> = Vec::with_capacity(lines.len());
        for (i, l) in lines.iter().enumerate() {
            let next_quoted = lines[i + 1..]
                .iter()
                .find(|n| !n.trim().is_empty())
                .is_some_and(|n| quoted(n));
            let attribution = next_quoted && l.trim_end().ends_with(':') && l.len() <= 200;
            let bare = without_quote_marks(l);
            let says_wrote = || {
                let t = bare.to_lowercase();
                t.trim_end().ends_with(':') && WROTE.iter().any(|w| t.contains(w))
            };
            if let Some(sender) =
                sender_of(bare).or_else(|| says_wrote().then(|| bare.to_lowercase()))
            {
                from_post = names_the_post(&sender);
            }
            if !quoted(l) && !attribution {
                out.push(l);
            } else if quoted(l) && from_post {
                out.push(bare);
            }
        }
        return out;
    }
    dequote(lines)
}

/// Mail programs put an earlier message under a line of their own ("-----Original
/// Message-----", "-----Mensaje original-----") with its headers. When the sender of that
/// earlier message is no embassy or consulate, it is the applicant's own, and its questions
/// and offers ("I would like to know whether I must send my birth certificate again") ask
/// nothing: it is left out, when the reply above has words of its own. (A forwarded message
/// is the substance, and stays.)
fn without_own_earlier_messages(lines: Vec<&str>) -> Vec<&str> {
    const ORIGINAL: &[&str] = &[
        "original message",
        "mensaje original",
        "message d'origine",
        "mensagem original",
        "ursprüngliche nachricht",
        "исходное сообщение",
        "pesan asli",
    ];

    let separator = |l: &str| {
        let t = l.trim().trim_matches(['-', '_', ' ']).to_lowercase();
        ORIGINAL.contains(&t.as_str())
    };
    let Some(first) = lines.iter().position(|l| separator(l)) else {
        return lines;
    };
    let own_words: usize = lines[..first]
        .iter()
        .map(|l| l.split_whitespace().count())
        .sum();
    if own_words < 20 {
        return lines;
    }
    let mut out = Vec::with_capacity(lines.len());
    let mut dropping = false;
    for (i, l) in lines.iter().enumerate() {
        if separator(l) {
            let sender = lines[i + 1..].iter().take(6).find_map(|h| sender_of(h));
            dropping = sender.is_some_and(|from| !names_the_post(&from));
        }
        if !dropping {
            out.push(*l);
        }
    }
    out
}

/// The verb of a reply's attribution line ("On 3 May, Ana <ana@...> wrote:").
const WROTE: &[&str] = &[
    "wrote",
    "escribió",
    "a écrit",
    "escreveu",
    "schrieb",
    "написал",
    "viết",
];

/// Words in a sender's name or address that say the message came from the post.
const POST: &[&str] = &[
    "state.gov",
    "embassy",
    "consulate",
    "embajada",
    "consulado",
    "ambassade",
    "consulat",
    "embaixada",
    "botschaft",
    "konsulat",
    "посольство",
    "консульство",
    "kedutaan",
    "consular",
    "visa",
];

/// Whether a sender (a "From:" value or an "On ..., X wrote:" line) is the embassy or
/// consulate.
fn names_the_post(sender: &str) -> bool {
    POST.iter().any(|p| sender.contains(p))
}

/// The lowercased sender of a mail header line ("From: ...", "De: ...", "От: ..."), if the
/// line is one.
fn sender_of(line: &str) -> Option<String> {
    let (name, value) = line.trim().split_once(':')?;
    let name = name.trim().to_lowercase();
    ["from", "de", "von", "от", "dari", "da"]
        .contains(&name.as_str())
        .then(|| value.to_lowercase())
}

/// A form printed in two columns ("[X] Police clearance ...    Deliver all items in ONE
/// envelope ..."): the items are on the left; what stands after a gap of four spaces is the
/// other column, and is left out of the item.
fn left_column(text: &str) -> &str {
    match text.find("    ") {
        Some(i)
            if text[..i]
                .trim()
                .chars()
                .filter(|c| c.is_alphabetic())
                .count()
                >= 3 =>
        {
            text[..i].trim_end()
        }
        _ => text,
    }
}

/// How much room a line must leave for the next word before its break counts as the
/// writer's own (see `ends_by_hand`).
const HAND_WRAP_MARGIN: usize = 6;
/// A line this much shorter than its paragraph's longest is short (see `ends_by_hand`).
const RAGGED_BY: usize = 15;

/// A line this long that stops without closing punctuation was wrapped by the printer.
const WRAPS_AT: usize = 55;

/// Whether a line of an item was cut by the line length rather than ended: long, and not
/// closed by punctuation ("... sello de entrada a" / "México, recibos de renta ...").
pub(super) fn wraps(line: &str) -> bool {
    let t = line.trim_end();
    t.chars().count() >= WRAPS_AT && !t.ends_with(['.', ';', ':', '!', '?', ')', '。', '；', '：'])
}

/// Which lines of a text that is not a form end where their writer pressed Enter rather than
/// where the text wrapped: the next line's first word would have fitted on the line (the
/// paragraph's longest line is its width), and the line does not stop on a word that needs
/// what follows ("of", "y", a comma). A chat or SMS typed without punctuation ("o cônsul
/// pediu a certidão ... 2021" / "e tenho q entregar tudo no CASV") is a run of such lines,
/// one message each; a wrapped paragraph has none, since a printer or an editor fills lines.
fn ends_by_hand(v: &Vocab, lines: &[Line]) -> Vec<bool> {
    let width_of = |l: &Line| match l {
        Line::Plain { indent, text } => Some(indent + text.trim_end().chars().count()),
        _ => None,
    };
    let mut by_hand = vec![false; lines.len()];
    let mut start = 0;
    while start < lines.len() {
        let end = (start..lines.len())
            .find(|&k| width_of(&lines[k]).is_none())
            .unwrap_or(lines.len());
        let width = (start..end)
            .filter_map(|k| width_of(&lines[k]))
            .max()
            .unwrap_or(0);
        // A ragged paragraph (most lines far short of the longest) was typed line by line; a
        // paragraph of filled lines was wrapped, and only a line that leaves a clear margin
        // ends by hand (a writer wraps less evenly than a printer, and a paragraph in two
        // languages wraps each a little differently).
        let inner = start..end.saturating_sub(1);
        let short = inner
            .clone()
            .filter(|&k| width_of(&lines[k]).is_some_and(|w| w + RAGGED_BY <= width))
            .count();
        let margin = if short * 2 >= inner.len() {
            0
        } else {
            HAND_WRAP_MARGIN
        };
        for k in inner {
            let (Line::Plain { text, .. }, Line::Plain { text: next, .. }) =
                (&lines[k], &lines[k + 1])
            else {
                continue;
            };
            let next_word = next.split_whitespace().next().unwrap_or("");
            let room =
                width >= width_of(&lines[k]).unwrap_or(0) + 1 + next_word.chars().count() + margin;
            by_hand[k] = room && !needs_what_follows(v, text);
        }
        start = end + 1;
    }
    by_hand
}

/// Whether a line stops on a word or a mark that the next line must complete: a comma, a
/// hyphen, a slash, or a function word of any language ("of", "and", "de", "и").
fn needs_what_follows(v: &Vocab, line: &str) -> bool {
    let t = line.trim_end();
    if t.ends_with([',', '-', '/', '&', '(', '+']) {
        return true;
    }
    let last = t.split_whitespace().next_back().unwrap_or("");
    let f = Folded::new(last);
    v.stopword_within(&f, 0, f.len()) && !f.is_empty()
}

/// Whether the text is a copied chat or message thread: some of its lines are message
/// timestamps ("Tue 10:42 AM", "[11/07/24, 4:18 pm] Priya: ..."). (An emoji alone is no
/// sign: forum posts that quote a whole slip have them too.)
fn is_chat(lines: &[Line]) -> bool {
    let texts = || {
        lines.iter().filter_map(|l| match l {
            Line::Plain { text, .. } | Line::Bullet { text, .. } => Some(text.as_str()),
            _ => None,
        })
    };
    if texts().any(starts_with_message_time) {
        return true;
    }
    // Or a thread copied without times: one sender's name opens several lines ("Jessa: ...",
    // "Ate Lorna: ...", "Jessa: ...").
    let speakers: Vec<&str> = texts().filter_map(speaker).collect();
    speakers
        .iter()
        .enumerate()
        .any(|(i, s)| speakers[i + 1..].contains(s))
}

/// The sender's name that opens a message line: one to three words written as a name, then
/// a colon and the message. Mail headers ("From:", "Subject:") are not senders.
fn speaker(text: &str) -> Option<&str> {
    let (name, message) = split_at_colon(text.trim_start())?;
    let words: Vec<&str> = name.split_whitespace().collect();
    // A name opens with a capital, or is written in a script without case ("小雨：...").
    let capital = |c: char| c.is_uppercase() || (!c.is_lowercase() && c.is_alphabetic());
    let named = (1..=3).contains(&words.len())
        && name.chars().count() <= 24
        && words
            .iter()
            .all(|w| w.chars().all(char::is_alphabetic) && w.chars().next().is_some_and(capital));
    let header = matches!(
        name.trim().to_lowercase().as_str(),
        "from" | "to" | "cc" | "subject" | "date" | "sent" | "re" | "fw" | "fwd" | "note"
    );
    (named && !header && !message.trim().is_empty()).then_some(name.trim())
}

/// Splits at the first colon, ASCII or full-width ("妈妈：那护照呢？").
fn split_at_colon(text: &str) -> Option<(&str, &str)> {
    let at = text.find([':', '：'])?;
    let colon = text[at..].chars().next()?.len_utf8();
    Some((&text[..at], &text[at + colon..]))
}

/// "[11/07/24, 4:18 pm]", "Tue 10:42 AM", "10:42": a time of day near the line's start,
/// before any word of the message.
pub(super) fn starts_with_message_time(text: &str) -> bool {
    let head: String = text.trim_start().chars().take(24).collect();
    let Some(colon) = head.find(':') else {
        return false;
    };
    let before = &head[..colon];
    let after = &head[colon + 1..];
    let hour = before
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()
        .is_some_and(|h| (1..=2).contains(&h.len()));
    let minutes = after.len() >= 2 && after.as_bytes()[..2].iter().all(u8::is_ascii_digit);
    // Only dates, weekday names and brackets may come before the time.
    let prefix_ok = before
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .all(|w| w.chars().all(|c| c.is_ascii_digit()) || w.len() <= 3);
    hour && minutes && prefix_ok
}

/// A chat line without its timestamp and sender: "[11/07/24, 4:18 pm] Priya: officer ne
/// bola ..." is "officer ne bola ...", and "Tue 10:42 AM" alone is nothing.
fn strip_message_prefix(text: &str) -> &str {
    let t = text.trim();
    if !starts_with_message_time(t) {
        // "Jessa: Dili na day": a sender without a time.
        return match speaker(t) {
            Some(_) => split_at_colon(t).map_or(t, |(_, m)| m.trim()),
            None => t,
        };
    }
    // The time ends at "]" when bracketed, else after its minutes and an AM/PM.
    let rest = match (t.find(']'), t.find(':')) {
        (Some(i), _) if i < 30 => &t[i + 1..],
        (_, Some(colon)) => {
            let after = t[colon + 1..]
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .trim_start();
            ["a.m.", "p.m.", "am", "pm"]
                .iter()
                .find_map(|m| {
                    let head = after.get(..m.len())?;
                    let tail = &after[m.len()..];
                    (head.eq_ignore_ascii_case(m) && !tail.starts_with(char::is_alphabetic))
                        .then_some(tail)
                })
                .unwrap_or(after)
        }
        _ => t,
    };
    let rest = rest.trim_start_matches([' ', '-', '–']).trim();
    // A sender's name of a few words, then a colon.
    match rest.split_once(':') {
        Some((name, message))
            if name.split_whitespace().count() <= 3 && name.chars().count() <= 30 =>
        {
            message.trim()
        }
        _ => rest,
    }
}

/// Marks that close a sentence, in the scripts of the vocabulary. A semicolon does not: the
/// clause after it goes on the sentence ("If Daniel was adopted, do not proceed with DNA
/// testing; submit the adoption decree instead"), and the reader's scope still stops cue
/// words at it.
const SENTENCE_ENDS: &[char] = &[
    '.', '!', '?', '。', '！', '？', '।', '॥', '။', '។', '።', '۔', '؟', '։',
];

/// Whether an item's text ends with a word cut by a hyphen: a letter, then "-".
fn broken_word(text: &str) -> bool {
    let mut rev = text.chars().rev();
    rev.next() == Some('-') && rev.next().is_some_and(char::is_alphabetic)
}

/// An item whose text stops mid-phrase ("... of the petitioner," or "(issued by"): the next
/// indented line is its continuation, whatever letter it starts with.
fn open_ended(item: &str) -> bool {
    item.trim_end().ends_with([',', '(', '-', '–', '&'])
}

/// Whether `next`, indented under an item, is that item's translation: a bilingual form
/// prints the English under the local text ("☒ የልደት ምስክር ወረቀት" then "Birth certificate"),
/// or ends the local text with " /" before it. A capitalised line under an item is otherwise
/// taken as an item of its own whose box did not scan.
fn glosses(item: &str, next: &str) -> bool {
    let latin_share = |t: &str| {
        let letters: Vec<char> = t.chars().filter(|c| c.is_alphabetic()).collect();
        let latin = letters.iter().filter(|c| c.is_ascii_alphabetic()).count();
        (latin, letters.len())
    };
    let (item_latin, item_all) = latin_share(item);
    let (next_latin, next_all) = latin_share(next);
    let local_item = item_all >= 3 && item_latin * 2 < item_all;
    let english_next = next_all >= 3 && next_latin * 10 >= next_all * 9;
    item.trim_end().ends_with('/') || (local_item && english_next)
}

/// Whether the text ends with a court's citation word, written as courts write it ("Id.",
/// "Ex.", "Compl."): "ID." at the end of a sentence is an identity card.
fn court_citation(before: &[char]) -> bool {
    let word: String = before
        .iter()
        .rev()
        .take_while(|c| c.is_alphabetic())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    matches!(word.as_str(), "Id" | "Ex" | "Compl")
}

pub(super) fn split_sentences(para: &str) -> Vec<String> {
    let chars: Vec<char> = para.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    for i in 0..chars.len() {
        let c = chars[i];
        let end_mark = SENTENCE_ENDS.contains(&c);
        if !end_mark {
            continue;
        }
        let next = chars.get(i + 1).copied();
        // These marks end a sentence with no space after them.
        let cjk_end = matches!(c, '。' | '！' | '？' | '।' | '။' | '។' | '።' | '۔');
        if !cjk_end && next.is_some_and(|n| !n.is_whitespace()) {
            continue;
        }
        if c == '.' {
            // Abbreviations ("U.S.", "e.g.", "No.", "Mr."), initials ("Laura J. Whitcomb") and
            // court citations ("Id.", "Ex. D", "Compl. ¶ 14") stay inside the sentence.
            let word: String = chars[..i]
                .iter()
                .rev()
                .take_while(|ch| ch.is_alphanumeric() || **ch == '.')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let abbreviation = crate::text::is_abbreviation(&word) || court_citation(&chars[..i]);
            // A list number opening the text ("1. a new police certificate") stays with it.
            let list_number = chars[start..i]
                .iter()
                .all(|ch| ch.is_whitespace() || ch.is_ascii_digit())
                && chars[start..i].iter().any(char::is_ascii_digit);
            if abbreviation || list_number {
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
    fn initials_and_court_citations_do_not_end_sentences() {
        let s = split_sentences(
            "She must submit the decree ending his marriage to Laura J. Whitcomb. Id. Ex. 4. \
             Bring your photo ID. Then wait.",
        );
        assert_eq!(
            s,
            vec![
                "She must submit the decree ending his marriage to Laura J. Whitcomb.",
                "Id. Ex. 4.",
                "Bring your photo ID.",
                "Then wait."
            ]
        );
    }

    #[test]
    fn chat_lines_lose_their_time_and_sender() {
        assert_eq!(
            strip_message_prefix("[11/07/24, 4:18 pm] Priya: officer ne bola"),
            "officer ne bola"
        );
        assert_eq!(strip_message_prefix("Tue 10:42 AM"), "");
        assert_eq!(strip_message_prefix("[10:43] Sreyneang: គេថា"), "គេថា");
        assert_eq!(strip_message_prefix("sis tapos na"), "sis tapos na");
        assert_eq!(
            strip_message_prefix("Ate Lorna: Unsay kulang?"),
            "Unsay kulang?"
        );
        assert_eq!(strip_message_prefix("Subject: 221(g)"), "Subject: 221(g)");
        assert_eq!(strip_message_prefix("妈妈：那护照呢？"), "那护照呢？");
        assert_eq!(
            strip_message_prefix("Tue  10:42  pm   ขอบคุณ ค่ะ"),
            "ขอบคุณ ค่ะ"
        );
        assert_eq!(strip_message_prefix("10:42 amor ya salí"), "amor ya salí");
    }

    #[test]
    fn message_times_mark_a_chat() {
        assert!(starts_with_message_time("Tue 10:42 AM"));
        assert!(starts_with_message_time(
            "[11/07/24, 4:18 pm] Priya: officer ne bola"
        ));
        assert!(starts_with_message_time("10:42"));
        assert!(!starts_with_message_time("Note: bring your passport"));
        assert!(!starts_with_message_time("Section 221(g): refused"));
        assert!(!starts_with_message_time("Office hours 8:00 to 11:00"));
    }

    #[test]
    fn sentences_split() {
        let s = split_sentences("Go to the U.S. Embassy. Then send it; e.g. by mail. Done");
        assert_eq!(
            s,
            vec![
                "Go to the U.S. Embassy.",
                "Then send it; e.g. by mail.",
                "Done"
            ]
        );
    }
}
