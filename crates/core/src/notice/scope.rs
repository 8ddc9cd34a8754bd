//! Where the cue words of one unit stand, so that each document named in it is judged by
//! its own clause, sentence and phrase: what stands before it, after it, and how close.

use super::MentionReason;
use super::matcher::Hit;
use super::text::{Folded, is_cjk, is_unspaced};
use super::vocab::cue::{self, Flags};

/// A document named in a unit, and where.
#[derive(Debug, Clone, Copy)]
pub(super) struct Named {
    pub doc: u16,
    pub start: usize,
    pub end: usize,
}

/// Where the cue words of one unit stand, to judge each document by its own clause.
pub(super) struct Scope<'a> {
    pub f: &'a Folded,
    cues: &'a [Hit<Flags>],
    /// Clause ranges: a unit splits at contrast words ("but", "however"), sentence ends and
    /// soft stops (a space in Thai, Lao, Khmer, Burmese).
    clauses: Vec<(usize, usize)>,
    /// The same without the soft stops.
    sentences: Vec<(usize, usize)>,
}

/// A negation after the document counts only this close ("police certificate: not
/// required"); before it, anywhere in the clause ("you do not need a new police certificate").
const NEGATION_AFTER_WORDS: usize = 4;

/// Splits `0..len` at `bounds`.
fn spans(mut bounds: Vec<usize>, len: usize) -> Vec<(usize, usize)> {
    bounds.sort_unstable();
    let mut out = Vec::new();
    let mut from = 0;
    for b in bounds {
        if b > from {
            out.push((from, b));
            from = b;
        }
    }
    out.push((from, len));
    out
}

fn span_of(spans: &[(usize, usize)], pos: usize, len: usize) -> (usize, usize) {
    spans
        .iter()
        .copied()
        .find(|(s, e)| pos >= *s && pos < *e)
        .unwrap_or((0, len))
}

impl<'a> Scope<'a> {
    /// The unit's cue words.
    pub(super) fn cues(&self) -> &'a [Hit<Flags>] {
        self.cues
    }

    pub(super) fn new(f: &'a Folded, cues: &'a [Hit<Flags>]) -> Scope<'a> {
        let hard: Vec<usize> = cues
            .iter()
            .filter(|h| h.value & cue::CONTRAST != 0)
            .map(|h| h.start)
            .chain(f.stops.iter().copied())
            .collect();
        let soft = hard.iter().chain(&f.soft_stops).copied().collect();
        Scope {
            f,
            cues,
            clauses: spans(soft, f.len()),
            sentences: spans(hard, f.len()),
        }
    }

    pub(super) fn sentence_of(&self, pos: usize) -> (usize, usize) {
        span_of(&self.sentences, pos, self.f.len())
    }

    pub(super) fn clause_of(&self, pos: usize) -> (usize, usize) {
        span_of(&self.clauses, pos, self.f.len())
    }

    /// Whether a cue of `flag` stands in `n`'s sentence part (clauses joined across soft
    /// stops): the verb that asks may end a sentence of several phrases ("ဆေးစစ်ချက် ...
    /// ထပ်မံပြုလုပ်ရန် လိုအပ်ပါသည်").
    pub(super) fn in_sentence(&self, n: &Named, flag: Flags) -> bool {
        let (s, e) = span_of(&self.sentences, n.start, self.f.len());
        self.cues
            .iter()
            .any(|h| h.value & flag != 0 && h.start >= s && h.start < e)
    }

    /// Whether `n` stands in the unit's first sentence (a ticked item's own words; a later
    /// sentence may add conditions of its own).
    pub(super) fn in_first_sentence(&self, n: &Named) -> bool {
        self.sentences
            .first()
            .is_none_or(|(s, e)| n.start >= *s && n.start < *e)
    }

    /// Whether `n`'s sentence is a question ("Do I need to send my passport again?"): a
    /// question asks about a document, it does not ask for it.
    /// Whether the sentence holding `n` asks a question. The sentence runs to its stop: a
    /// contrast word inside it ("¿el pasaporte o solo las páginas?", "... but only ...?")
    /// does not end the question.
    pub(super) fn question(&self, n: &Named) -> bool {
        let end = self
            .f
            .stops
            .iter()
            .copied()
            .find(|&s| s > n.start)
            .unwrap_or(self.f.len());
        self.f.questions.contains(&end)
    }

    pub(super) fn in_clause(&self, n: &Named, flag: Flags) -> impl Iterator<Item = &Hit<Flags>> {
        let (s, e) = self.clause_of(n.start);
        self.cues
            .iter()
            .filter(move |h| h.value & flag != 0 && h.start >= s && h.start < e)
    }

    /// Words from `from` to `to`. In scripts without spaces every character is a token, so
    /// characters are counted as words of a typical length: two for Chinese and Japanese,
    /// four for Thai, Lao, Khmer and Burmese.
    pub(super) fn words_between(&self, from: usize, to: usize) -> usize {
        if to <= from {
            return 0;
        }
        let (mut words, mut cjk, mut other) = (0usize, 0usize, 0usize);
        for i in from..to {
            if !self.f.starts[i] {
                continue;
            }
            let c = self.f.chars[i];
            if is_cjk(c) {
                cjk += 1;
            } else if is_unspaced(c) {
                other += 1;
            } else {
                words += 1;
            }
        }
        words + cjk.div_ceil(2) + other.div_ceil(4)
    }

    pub(super) fn mark_between(&self, from: usize, to: usize) -> bool {
        self.f.clause_marks.iter().any(|&m| m >= from && m <= to)
    }

    /// A clause mark, a sentence end or a soft stop between `from` and `to`.
    pub(super) fn break_between(&self, from: usize, to: usize) -> bool {
        let inside = |m: &usize| *m >= from && *m <= to;
        self.f.clause_marks.iter().any(inside)
            || self.f.stops.iter().any(inside)
            || self.f.soft_stops.iter().any(inside)
    }

    pub(super) fn negated(&self, n: &Named) -> bool {
        let after = |h: &Hit<Flags>| {
            h.start >= n.end && self.words_between(n.end, h.start) <= NEGATION_AFTER_WORDS
        };
        // Before it, or holding its start ("no translation is needed").
        self.in_clause(n, cue::NEGATION)
            .any(|h| h.start < n.start || after(h))
            // A verb-final language ends the sentence with the negation, across soft stops
            // ("ရဲထောက်ခံစာ ထပ်မံတင်ပြရန်မလိုအပ်ပါ").
            || self.cues.iter().any(|h| {
                h.value & cue::NEGATION != 0
                    && after(h)
                    && span_of(&self.sentences, h.start, self.f.len())
                        == span_of(&self.sentences, n.start, self.f.len())
            })
    }

    /// What a sentence that opens with the document goes on to say of it, when it asks for
    /// nothing first: "El acta de nacimiento ... fue aceptada y no debe enviarla de nuevo",
    /// "my fiancée's acta de nacimiento ... were ok". The first cue after the document that
    /// receives, negates or asks, in the document's own phrase, decides; one that asks, or
    /// one before the document that asks, leaves it to the other rules.
    pub(super) fn said_of_subject(&self, n: &Named) -> Option<MentionReason> {
        let (s, e) = span_of(&self.sentences, n.start, self.f.len());
        let in_sentence = |h: &&Hit<Flags>| h.start >= s && h.start < e;
        let asks_before = self
            .cues
            .iter()
            .filter(in_sentence)
            .any(|h| h.value & cue::REQUEST != 0 && h.end <= n.start);
        if asks_before {
            return None;
        }
        // In the document's own phrase, with no comma between: "..., said the rest was not
        // necessary" is about something else.
        let first = self
            .cues
            .iter()
            .filter(in_sentence)
            .filter(|h| h.start >= n.end)
            .find(|h| h.value & (cue::REQUEST | cue::RECEIVED | cue::NEGATION) != 0)
            .filter(|h| !self.break_between(n.end, h.start))?;
        if first.value & cue::REQUEST != 0 {
            None
        } else if first.value & cue::RECEIVED != 0 {
            Some(MentionReason::AlreadyReceived)
        } else {
            Some(MentionReason::Negated)
        }
    }

    /// "If you were married before, submit ..." or "submit ... if you were married before",
    /// but not "submit your passport and, if applicable, the divorce decree" for the passport.
    pub(super) fn conditional(&self, n: &Named) -> bool {
        self.in_clause(n, cue::CONDITION)
            .filter(|h| !self.given(h))
            .any(|h| h.end <= n.start || (h.start >= n.end && !self.mark_between(n.end, h.start)))
            || self.after_soft_condition(n)
            || self.after_conditional_semicolon(n)
    }

    /// A condition after `n` in its own sentence, whatever stands between ("Acta de divorcio -
    /// solo si usted contrajo matrimonio").
    pub(super) fn condition_after(&self, n: &Named) -> bool {
        let (_, e) = self.sentence_of(n.start);
        self.cues.iter().any(|h| {
            h.value & cue::CONDITION != 0 && h.start >= n.end && h.start < e && !self.given(h)
        })
    }

    /// The sentences before `n`'s that semicolons join to it, nearest first, as (start, end).
    fn joined_by_semicolons(&self, n: &Named) -> impl Iterator<Item = (usize, usize)> + '_ {
        let first = span_of(&self.sentences, n.start, self.f.len()).0;
        std::iter::successors(Some((first, first)), move |&(start, _)| {
            (start > 0 && self.f.semicolons.contains(&start))
                .then(|| (span_of(&self.sentences, start - 1, self.f.len()).0, start))
        })
        .skip(1)
    }

    /// "If Daniel was adopted, do not proceed with DNA testing; submit the adoption decree
    /// instead": a sentence that opens with a condition keeps it across its semicolons.
    fn after_conditional_semicolon(&self, n: &Named) -> bool {
        self.joined_by_semicolons(n).any(|(s, _)| {
            self.cues.iter().any(|h| {
                h.value & cue::CONDITION != 0
                    && h.start >= s
                    && self.words_between(s, h.start) == 0
                    && !self.given(h)
            })
        })
    }

    /// Whether a sentence joined to `n`'s by semicolons, before it, asks: "muni(e) de :
    /// jugement supplétif ... ; jugement d'adoption ... ; nouvelle visite médicale ..." is one
    /// list whose items each end at a semicolon.
    pub(super) fn asked_before_semicolons(&self, n: &Named) -> bool {
        self.joined_by_semicolons(n).any(|(s, e)| {
            let said = |flag: Flags| {
                self.cues
                    .iter()
                    .any(|h| h.value & flag != 0 && h.start >= s && h.start < e)
            };
            said(cue::REQUEST) && !said(cue::NEGATION)
        })
    }

    /// A condition that is no condition: "if you were issued this handout", "to determine
    /// whether", "para determinar si usted es...": a `given` phrase that covers the
    /// condition's first word.
    pub(super) fn given(&self, h: &Hit<Flags>) -> bool {
        self.cues
            .iter()
            .any(|g| g.value & cue::GIVEN != 0 && g.start <= h.start && g.end > h.start)
    }

    /// Whether `n`'s clause follows, across a soft stop, a clause that holds a condition
    /// ("หากท่านเคยสมรส กรุณายื่นใบสำคัญการหย่า": if you were married, submit the decree; in
    /// Burmese the "if" ends its clause).
    pub(super) fn after_soft_condition(&self, n: &Named) -> bool {
        let (start, _) = self.clause_of(n.start);
        if start == 0 || !self.f.soft_stops.contains(&start) {
            return false;
        }
        let (prev_start, prev_end) = self.clause_of(start - 1);
        self.cues
            .iter()
            .any(|h| h.value & cue::CONDITION != 0 && h.start >= prev_start && h.start < prev_end)
    }

    /// "You may also send ...": a hedge before the document; or, in languages that put the
    /// verb last, a hedge that follows it ("…を提出することができます").
    pub(super) fn optional(&self, n: &Named) -> bool {
        self.in_clause(n, cue::HEDGE).any(|h| h.end <= n.start)
            || self
                .in_clause(n, cue::HEDGE_AFTER)
                .any(|h| h.start >= n.end)
    }

    /// A cue of `flag` in `n`'s clause that is not a word of `n`'s own name ("Surat
    /// Keterangan Catatan Kepolisian": "catatan", a note, is part of the police certificate's
    /// name, not a general remark about it).
    pub(super) fn any_in_clause_outside(&self, n: &Named, flag: Flags) -> bool {
        self.in_clause(n, flag)
            .any(|h| !(h.start >= n.start && h.end <= n.end))
    }

    pub(super) fn any_in_clause(&self, n: &Named, flag: Flags) -> bool {
        self.in_clause(n, flag).next().is_some()
    }

    /// A cue of `flag` ending at most `words` words before `n`.
    pub(super) fn right_before(&self, n: &Named, flag: Flags, words: usize) -> bool {
        self.cues.iter().any(|h| {
            h.value & flag != 0 && h.end <= n.start && self.words_between(h.end, n.start) <= words
        })
    }

    /// A cue of `flag` starting at most `words` words after `n`.
    pub(super) fn right_after(&self, n: &Named, flag: Flags, words: usize) -> bool {
        self.cues.iter().any(|h| {
            h.value & flag != 0 && h.start >= n.end && self.words_between(n.end, h.start) <= words
        })
    }

    /// [`Scope::right_after`] in the document's own clause: "a new police certificate because
    /// hers was issued ..." does not say the new one was issued.
    pub(super) fn right_after_in_clause(&self, n: &Named, flag: Flags, words: usize) -> bool {
        let (_, e) = self.clause_of(n.start);
        self.cues.iter().any(|h| {
            h.value & flag != 0
                && h.start >= n.end
                && h.start < e
                && self.words_between(n.end, h.start) <= words
        })
    }

    pub(super) fn near(&self, n: &Named, flag: Flags, words: usize) -> bool {
        self.right_before(n, flag, words) || self.right_after(n, flag, words)
    }

    /// [`Scope::near`] without a comma or bracket between: "a new police certificate, as
    /// the one you presented expired" does not say the new one was received. A cue that
    /// holds the document itself ("yo kenbe paspò m", "giữ hộ chiếu của em") is as near as
    /// can be.
    pub(super) fn near_in_phrase(&self, n: &Named, flag: Flags, words: usize) -> bool {
        self.cues.iter().any(|h| {
            let holds = h.start < n.end && h.end > n.start;
            let before = h.end <= n.start
                && self.words_between(h.end, n.start) <= words
                && !self.break_between(h.end, n.start);
            let after = h.start >= n.end
                && self.words_between(n.end, h.start) <= words
                && !self.break_between(n.end, h.start);
            h.value & flag != 0 && (holds || before || after)
        })
    }
}
