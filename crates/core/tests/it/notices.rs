//! The notice reader against its labelled sets (tests/notices/*/), fuzzing and hostile input.
//!
//! Each set is a folder of notices with an `expected.json` (see tests/notices/README.md).
//! The tests print precision, recall, kind accuracy and the traps for every set; run with
//! `--nocapture` to see them:
//! `cargo test -p visanav-core --test it notices:: -- --nocapture`

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use proptest::prelude::*;
use visanav_core::notice::{
    ConfidenceLevel, MAX_NOTICE_BYTES, NoticeError, NoticeReader, NoticeReading, RequestSource,
};

use crate::notice_score::{self, Misses, Score};

fn reader() -> &'static NoticeReader {
    static READER: OnceLock<NoticeReader> = OnceLock::new();
    READER.get_or_init(notice_score::reader)
}

fn set_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("notices")
        .join(name)
}

pub(crate) fn read(text: &str) -> NoticeReading {
    reader().read(text, None).expect("reading")
}

/// What a set must keep: its size, the precision and recall floors, and the mismatches it
/// may have in each labelled field.
struct Floors {
    min_notices: usize,
    precision: f64,
    recall: f64,
    allowed: Misses,
}

impl Floors {
    /// Every label holds: no mismatch in any field.
    fn exact(min_notices: usize) -> Floors {
        Floors {
            min_notices,
            precision: 1.0,
            recall: 1.0,
            allowed: Misses::default(),
        }
    }
}

/// Scores one set, prints its figures and checks the floors every set must keep and the
/// set's own floors, field by field.
fn check_set(name: &str, floors: &Floors) -> Score {
    let cases = notice_score::load_set(&set_dir(name)).unwrap_or_else(|e| panic!("{e}"));
    let s = notice_score::score(reader(), &cases);
    s.report(name);
    println!("{name}: {:?}", s.misses());
    assert!(
        s.notices >= floors.min_notices,
        "{name}: {} notices",
        s.notices
    );
    assert_eq!(
        s.from_unchecked_line, 0,
        "{name}: requests read from unchecked boxes"
    );
    assert_eq!(
        s.unticked_requested, 0,
        "{name}: unticked items read as requested"
    );
    assert_eq!(
        s.conditional_requested, 0,
        "{name}: conditional requests counted as requests"
    );
    assert!(
        s.precision() >= floors.precision,
        "{name}: precision {:.3} < {}",
        s.precision(),
        floors.precision
    );
    assert!(
        s.recall() >= floors.recall,
        "{name}: recall {:.3} < {}",
        s.recall(),
        floors.recall
    );
    let over = s.misses().over(&floors.allowed);
    assert!(
        over.is_empty(),
        "{name}: more mismatches than allowed:\n  {}\n{}",
        over.join("\n  "),
        s.failures.join("\n")
    );
    s
}

/// The corpus written with the reader: a regression suite, not a measurement. Every
/// labelled field holds, the refusal date (the deadline's start) included.
#[test]
fn corpus() {
    check_set("corpus", &Floors::exact(34));
}

/// Written blind on 2026-11-23; the reader was tuned on it afterwards. One known miss: a
/// document named but not asked for is read as requested.
#[test]
fn heldout_2026_11_23() {
    check_set(
        "heldout-2026-11-23",
        &Floors {
            min_notices: 15,
            precision: 0.95,
            recall: 0.95,
            allowed: Misses {
                extra_documents: 1,
                named_not_requested: 1,
                ..Misses::default()
            },
        },
    );
}

/// Quoted or constructed from real public sources (shared/notices-real-world). Known
/// misses: one request not read, two countries not read.
#[test]
fn real_world_2026_11() {
    check_set(
        "real-world-2026-11",
        &Floors {
            min_notices: 21,
            precision: 0.95,
            recall: 0.9,
            allowed: Misses {
                missing_documents: 1,
                countries: 2,
                ..Misses::default()
            },
        },
    );
}

/// A blind batch's floors: precision and recall, and today's mismatches in each field.
fn blind(min_notices: usize, precision: f64, recall: f64, allowed: Misses) -> Floors {
    Floors {
        min_notices,
        precision,
        recall,
        allowed,
    }
}

/// The batches written blind on 2026-11-30 (tests/notices/README.md). Each one's blind
/// first read is recorded in docs/notice-reader.md; the reader was tuned on each afterwards,
/// so these floors guard the tuned state, not an estimate of accuracy. The allowed
/// mismatches are the figures of 2026-11-30: a regression in any field fails, an
/// improvement should lower them. (A–I label no refusal dates.)
#[test]
fn blind_batches_after_tuning() {
    let m =
        |extra_documents, missing_documents, kind, post, countries, named_not_requested| Misses {
            extra_documents,
            missing_documents,
            kind,
            post,
            countries,
            named_not_requested,
            ..Misses::default()
        };
    check_set("blind-a", &blind(32, 0.95, 0.95, m(1, 0, 0, 0, 0, 0)));
    check_set("blind-b", &blind(32, 0.95, 0.88, m(2, 8, 0, 0, 1, 0)));
    check_set("blind-c", &blind(32, 0.95, 0.95, m(1, 0, 0, 0, 0, 0)));
    check_set("blind-d", &blind(34, 0.98, 0.93, m(0, 5, 1, 0, 2, 0)));
    check_set("blind-e", &blind(40, 0.95, 0.85, m(1, 6, 0, 0, 1, 0)));
    check_set("blind-f", &blind(40, 0.95, 0.95, m(0, 0, 0, 0, 0, 0)));
    check_set("blind-g", &blind(40, 0.97, 0.93, m(2, 5, 1, 1, 2, 1)));
    check_set("blind-h", &blind(40, 0.95, 0.95, m(1, 3, 0, 0, 2, 0)));
    check_set("blind-i", &blind(40, 0.95, 0.94, m(4, 5, 3, 3, 3, 3)));
    // Batch J labels refusal dates (20); five are not read yet.
    check_set(
        "blind-j",
        &blind(
            40,
            0.97,
            0.94,
            Misses {
                refusal_date: 0,
                ..m(2, 4, 1, 0, 2, 0)
            },
        ),
    );
    // Batch L (2026-12-01), weighted like the K-1 population: half of it from Manila.
    check_set(
        "blind-l",
        &blind(
            40,
            0.98,
            0.98,
            Misses {
                refusal_date: 0,
                ..m(1, 1, 0, 1, 0, 0)
            },
        ),
    );
    // Batch M (2026-12-01): 37 posts, 32 languages, K-2 children, petitioners' documents and
    // administrative processing in many forms.
    check_set(
        "blind-m",
        &blind(
            40,
            0.94,
            0.90,
            Misses {
                refusal_date: 1,
                sections: 1,
                ..m(4, 8, 2, 0, 1, 2)
            },
        ),
    );
    // Batches N (K-1 population, 23 of 40 in the applicants' own words) and O (the posts'
    // own forms, letters and e-mails, 38 posts, 7 calendars), 2026-12-01.
    check_set(
        "blind-n",
        &blind(
            40,
            0.93,
            0.79,
            Misses {
                sections: 1,
                ..m(5, 18, 1, 1, 7, 3)
            },
        ),
    );
    check_set(
        "blind-o",
        &blind(
            40,
            0.89,
            0.93,
            Misses {
                sections: 1,
                ..m(10, 6, 4, 1, 1, 2)
            },
        ),
    );
    // Batch P, the session's last measure (K-1 population, half in the applicants' words).
    check_set(
        "blind-p",
        &blind(
            40,
            0.87,
            0.84,
            Misses {
                sections: 1,
                refusal_date: 3,
                ..m(8, 11, 0, 0, 4, 4)
            },
        ),
    );
    // Batches Q–T (session of 2026-12-01): Q and R tuned on together, then S, then T, each
    // read once before its own tuning.
    check_set(
        "blind-q",
        &blind(
            40,
            0.88,
            0.93,
            Misses {
                refusal_date: 1,
                ..m(8, 4, 4, 1, 0, 3)
            },
        ),
    );
    check_set(
        "blind-r",
        &blind(
            40,
            0.90,
            0.86,
            Misses {
                sections: 1,
                refusal_date: 1,
                ..m(6, 9, 3, 1, 1, 3)
            },
        ),
    );
    check_set(
        "blind-s",
        &blind(
            40,
            0.95,
            0.84,
            Misses {
                sections: 1,
                refusal_date: 3,
                ..m(3, 12, 4, 3, 2, 1)
            },
        ),
    );
    check_set(
        "blind-t",
        &blind(
            40,
            0.89,
            0.84,
            Misses {
                refusal_date: 0,
                ..m(8, 13, 2, 0, 3, 1)
            },
        ),
    );
    // Read blind on 2026-12-01 (session 8): U at 1955037, V at f8bf376.
    check_set(
        "blind-u",
        &blind(
            40,
            0.92,
            0.85,
            Misses {
                refusal_date: 2,
                ..m(6, 12, 2, 2, 2, 2)
            },
        ),
    );
    check_set(
        "blind-v",
        &blind(
            40,
            0.91,
            0.91,
            Misses {
                sections: 1,
                refusal_date: 0,
                ..m(10, 9, 5, 1, 3, 7)
            },
        ),
    );
    // Read blind on 2026-12-01 (session 8): W at c90379c, X at e03e477 (X tuned only for
    // its unticked item, its refusal date and its kinds).
    check_set(
        "blind-w",
        &blind(
            40,
            0.93,
            0.85,
            Misses {
                refusal_date: 1,
                ..m(7, 16, 5, 0, 5, 6)
            },
        ),
    );
    check_set(
        "blind-x",
        &blind(
            40,
            0.90,
            0.88,
            Misses {
                sections: 0,
                refusal_date: 1,
                ..m(10, 13, 6, 0, 2, 6)
            },
        ),
    );
    // Read blind at 57d084f, the session's last measure; tuned only for one refusal date
    // ("ontem") and one ticked item with a condition printed after it.
    check_set(
        "blind-y",
        &blind(
            40,
            0.90,
            0.87,
            Misses {
                sections: 1,
                refusal_date: 5,
                ..m(7, 10, 1, 2, 1, 4)
            },
        ),
    );
    check_set(
        "blind-z",
        &blind(
            40,
            0.91,
            0.80,
            Misses {
                sections: 2,
                refusal_date: 2,
                ..m(12, 21, 11, 1, 5, 8)
            },
        ),
    );
    // Read blind on 2026-12-02: AD-AF at b4f622f, AG-AI at 7a2172f (docs/notice-reader.md),
    // then tuned for their classes.
    let dated = |sections, refusal_date, misses: Misses| Misses {
        sections,
        refusal_date,
        ..misses
    };
    check_set(
        "blind-ad",
        &blind(20, 0.97, 0.90, dated(1, 1, m(1, 4, 0, 0, 0, 0))),
    );
    check_set(
        "blind-ae",
        &blind(20, 0.95, 0.95, dated(0, 1, m(2, 2, 0, 0, 0, 1))),
    );
    check_set(
        "blind-af",
        &blind(20, 1.00, 0.98, dated(0, 1, m(0, 1, 0, 0, 0, 0))),
    );
    check_set(
        "blind-ag",
        &blind(25, 0.89, 0.85, dated(0, 1, m(6, 9, 2, 0, 2, 4))),
    );
    check_set(
        "blind-ah",
        &blind(25, 0.84, 0.85, dated(0, 2, m(8, 7, 5, 2, 2, 4))),
    );
    check_set(
        "blind-ai",
        &blind(25, 0.87, 0.87, dated(0, 3, m(7, 7, 3, 0, 1, 5))),
    );
    // Batch K: 17 of its 33 languages had no vocabulary file when it was read (they have now).
    check_set(
        "blind-k",
        &blind(
            40,
            0.95,
            0.95,
            Misses {
                refusal_date: 0,
                sections: 1,
                ..m(3, 3, 2, 1, 4, 1)
            },
        ),
    );
}

/// Written with the vocabulary of each language (by the people who wrote it), to check that
/// every file reads: not a measurement. Every labelled field holds.
#[test]
fn languages() {
    check_set("languages-1", &Floors::exact(33));
    check_set("languages-2", &Floors::exact(36));
    check_set("languages-3", &Floors::exact(13));
    // One extra: "the consulate's letter, in Telugu:" opens a list (a line ending in a colon
    // that names a letter), so the next line, the interview's date, is read as an item.
    check_set(
        "languages-4",
        &Floors {
            precision: 0.97,
            allowed: Misses {
                extra_documents: 1,
                ..Misses::default()
            },
            ..Floors::exact(17)
        },
    );
    check_set("languages-6", &Floors::exact(10));
    // Macedonian, Azerbaijani and Twi (2026-12-02).
    check_set("languages-7", &Floors::exact(6));
    check_set("languages-5", &Floors::exact(22));
    // Chats and forum posts in the applicants' own words. Known misses, from the reader's
    // code, not its words: "ya recibieron los papeles q mande, X y Y" binds "received" only
    // to the words next to it, and unaccented "mande" (I sent) is the imperative (es-07:
    // two extra requests, kind mixed). (The Portuguese article "O" read as an empty box and
    // a Cebuano "Dili" opening a line read as the post are fixed.)
    check_set(
        "colloquial-1",
        &Floors {
            min_notices: 64,
            precision: 0.97,
            recall: 1.0,
            allowed: Misses {
                extra_documents: 2,
                kind: 1,
                named_not_requested: 2,
                ..Misses::default()
            },
        },
    );
    // Chats, SMS and forum posts in Russian, Ukrainian, Arabic (four dialects), Persian,
    // Urdu, Hindi, Bengali, Nepali (both scripts and romanised), French, Haitian Creole,
    // Amharic, Swahili, Chinese, Korean, Uzbek and Kazakh. Known miss, from the reader's
    // code: a country named in a chat's first line ("من الكويت", where the certificate comes
    // from) is taken for the post (post 1). (A translation reaching the next document across
    // a case ending, a verb or a new article is fixed: it reaches only a document joined by
    // two words or fewer.)
    check_set(
        "colloquial-2",
        &Floors {
            allowed: Misses {
                post: 1,
                ..Misses::default()
            },
            ..Floors::exact(93)
        },
    );
}

#[test]
fn readings_serialize_with_the_documented_fields() {
    let r = read("Section 221(g)\n[X] Police certificate from Japan\n[ ] Medical exam\n");
    let v = serde_json::to_value(&r).expect("json");
    for field in [
        "sections",
        "kind",
        "post",
        "requests",
        "unrecognized",
        "dates",
        "instructions",
    ] {
        assert!(v.get(field).is_some(), "{field} missing");
    }
    assert_eq!(v["kind"], "documents_requested");
    assert_eq!(v["requests"][0]["document"], "police_certificate");
    assert_eq!(v["requests"][0]["country"], "JP");
    assert_eq!(v["requests"][0]["source"], "checked_box");
}

#[test]
fn post_hint_wins() {
    let r = reader()
        .read("U.S. Embassy Manila\n[X] Medical exam", Some("hcm"))
        .expect("reading");
    assert_eq!(r.post.as_deref(), Some("HCM"));
}

#[test]
fn hostile_html_and_scripts_never_come_through() {
    let text = "<script>document.write('<img src=x onerror=alert(1)>')</script>\
                <p onclick=\"steal()\">[X] Police certificate <b>from</b> Japan</p>\
                <style>body{display:none}</style><p>[ ] Medical exam</p>";
    let r = read(text);
    assert_eq!(r.document_ids(), vec!["police_certificate"]);
    let json = serde_json::to_string(&r).expect("json");
    for bad in ["<script", "onerror", "onclick", "<p", "<b>", "display:none"] {
        assert!(!json.contains(bad), "{bad} came through: {json}");
    }
    assert!(r.warnings.iter().any(|w| w.contains("HTML")));
}

#[test]
fn control_characters_and_escapes_are_removed() {
    let text = "Section 221(g)\n\x1b[2J\x1b[31m[X] Police\x07 certificate\u{202e}\u{200b}\r\n\
                [ ] Birth certificate\x00\x08\n";
    let r = read(text);
    assert_eq!(r.document_ids(), vec!["police_certificate"]);
    let json = serde_json::to_string(&r).expect("json");
    assert!(
        !json
            .chars()
            .any(|c| c.is_control() || c == '\u{202e}' || c == '\u{200b}')
    );
    assert!(!json.contains("\\u001b") && !json.contains("\\u0007"));
}

#[test]
fn oversize_input_gets_a_clear_size_error() {
    let big = "[X] Police certificate\n".repeat(MAX_NOTICE_BYTES / 20);
    match reader().read(&big, None) {
        Err(e @ NoticeError::TooLarge { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("bytes") && msg.contains("paste only"), "{msg}");
        }
        other => panic!("expected a size error, got {other:?}"),
    }
    // Just under the limit is read, in bounded time.
    let ok = "[X] Police certificate from Japan and a very long line of text\n"
        .repeat(MAX_NOTICE_BYTES / 70);
    assert!(ok.len() <= MAX_NOTICE_BYTES);
    let r = reader().read(&ok, None).expect("reading");
    assert_eq!(r.document_ids(), vec!["police_certificate"]);
}

#[test]
fn roles_found_in_blind_batch_k() {
    // A translation after its document with describing words between is the translation's
    // subject; "with" between means both are asked for.
    let r = read(
        "Refused under 221(g). Please submit your birth certificate sworn English translation.",
    );
    assert_eq!(r.document_ids(), vec!["translation"], "{r:?}");
    let r = read(
        "Refused under 221(g). Please submit your birth certificate with an English translation.",
    );
    assert_eq!(
        r.document_ids(),
        vec!["birth_certificate", "translation"],
        "{r:?}"
    );
    // A cue that holds the document: "they kept my passport" in Haitian Creole.
    let r = read(
        "Yo refize m 221g. Yo kenbe paspò m, yo di m voye papye tribinal la pou yo kontinye dosye a.",
    );
    assert!(!r.document_ids().contains(&"passport"), "{r:?}");
    // Korean particles on nouns: "추가 행정처리가 필요합니다" is administrative processing.
    let r = read(
        "귀하의 비자 신청은 221(g)에 의거하여 거절되었습니다. 귀하의 신청은 추가 행정처리가 필요합니다.",
    );
    assert_eq!(
        r.kind,
        visanav_core::notice::NoticeKind::AdministrativeProcessing,
        "{r:?}"
    );
}

#[test]
fn lines_that_ask_for_nothing_from_batches_g_and_j() {
    // A ticked line that opens with the section is the ground of the refusal.
    let r = read(
        "Sección de la ley aplicable:\n■ 221(g) – Documentos faltantes / Missing documents\n\
         □ 212(a)(4) – Carga pública\nDocumentos requeridos:\n■ Acta de nacimiento\n",
    );
    assert_eq!(r.document_ids(), vec!["birth_certificate"], "{r:?}");
    // What the officer noted is a list of findings, not of things to send.
    let r = read(
        "Refused under 221(g).\nAt your interview the officer noted the following:\n  \
         1. Your account of how you met differed from the account in the I-129F petition.\n\
         Please send the following:\n  - Evidence of your ongoing relationship.\n",
    );
    assert_eq!(r.document_ids(), vec!["relationship_evidence"], "{r:?}");
    // A short stem of one language is not a word of another: Tagalog "tapusin" (finish) is
    // not Turkish "tapu" (title deed).
    let r = read("221g. Kailangan ninyong tapusin ang inyong medical examination.");
    assert_eq!(r.document_ids(), vec!["medical_exam"], "{r:?}");
}

#[test]
fn lessons_of_blind_batch_l() {
    // A sentence that opens with a condition keeps it across its semicolon.
    let r = read(
        "Refused under 221(g). Please submit Daniel's birth certificate.\nIf Daniel was \
         adopted by you, do not proceed with DNA testing; submit the final adoption decree \
         instead.",
    );
    assert_eq!(r.document_ids(), vec!["birth_certificate"], "{r:?}");
    assert!(
        r.please_check().any(|m| m.document == "adoption_documents"),
        "{r:?}"
    );
    // A short post name that opens a chat message is a word ("Dili na" is Cebuano).
    let r = read("Jessa: 221g ko\nJessa: Dili na day, wala gyud silay gipangayo nga dokumento");
    assert_eq!(r.post, None, "{r:?}");
    // "No need to go back to the embassy" is no return interview; a passport given back is
    // not asked for.
    let r = read(
        "[4/3/25, 11:02] Mía: Mi amor ya salí de la embajada, me dieron una hoja rosada\n\
         [4/3/25, 11:04] Mía: el cónsul dice que tienes que mandar copia de tu certificado de \
         naturalización\n\
         [4/3/25, 11:05] Mía: el pasaporte me lo devolvieron\n\
         [4/3/25, 11:05] Mía: eso se manda por Mail Boxes, no hay que volver a la embajada",
    );
    assert_eq!(
        r.kind,
        visanav_core::notice::NoticeKind::DocumentsRequested,
        "{r:?}"
    );
    assert_eq!(r.document_ids(), vec!["petitioner_citizenship"], "{r:?}");
    // "Received" withdraws only the same country's certificate, and never in a question.
    let r = read(
        "Refused under 221(g). Please submit a police certificate from the United Arab \
         Emirates. The police certificate from India was received.",
    );
    assert_eq!(r.document_ids(), vec!["police_certificate"], "{r:?}");
    assert_eq!(r.requests[0].country.as_deref(), Some("AE"), "{r:?}");
    let r = read(
        "Refused under 221(g). Please submit a police certificate from the United Arab \
         Emirates. The police certificate was received already?",
    );
    assert_eq!(r.document_ids(), vec!["police_certificate"], "{r:?}");
    // A negation in the phrase before a comma does not unsay the disposition after it.
    let r = read("221(g) today. They asked for no documents, administrative processing daw.");
    assert_eq!(
        r.kind,
        visanav_core::notice::NoticeKind::AdministrativeProcessing,
        "{r:?}"
    );
    // The embassy's name may run onto the next line of a court opinion.
    let r = read(
        "Plaintiff sat for an interview at the U.S. Embassy in Abu\nDhabi. The consular \
         officer refused the application under INA 221(g).",
    );
    assert_eq!(r.post.as_deref(), Some("ABD"), "{r:?}");
}

#[test]
fn lessons_of_blind_batch_m() {
    // A reply's own date is not the refusal date; the interview date in the quoted message
    // is. (The reply asks only for the translations; the quoted list does not count.)
    let r = read(
        "From: Jakarta IV <JakartaIV@state.gov>\nDate: 02/09/2024\n\nDear Ms. Dewi,\n\
         No need to send the originals again; we have received them. We only need the sworn \
         English translations of both documents.\n\n\
         > From: Jakarta IV\n> Date: 22/08/2024\n> Following your interview on 20 August \
         2024, your K-1 visa application was refused under Section 221(g).\n",
    );
    assert_eq!(
        r.refusal_date().map(|d| d.date.as_str()),
        Some("2024-08-20"),
        "{r:?}"
    );
    assert_eq!(r.sections, vec!["221(g)"], "{r:?}");
    // A web link names no document: "https://forms.office.com/..." is no form to send.
    let r = read(
        "Refused under 221(g). Please submit the following:\n- Medical exam\n\
         - https://example.org/passport-photos\n",
    );
    assert_eq!(r.document_ids(), vec!["medical_exam"], "{r:?}");
    // A translation reaches a document joined to its subject by "and (of) the", not one a
    // few words on ("... into English and a police certificate").
    let r = read(
        "Refused under 221(g). Please submit a certified translation of the birth \
         certificate into English and a police certificate.",
    );
    assert_eq!(
        r.document_ids(),
        vec!["translation", "police_certificate"],
        "{r:?}"
    );
    // An applicant saying which boxes were blank is not asking for them.
    let r = read(
        "Mine said: \"Please submit: Original letter from the petitioner stating he still \
         intends to marry you within 90 days of your arrival.\" Only that was checked, the NBI \
         and medical boxes were blank.",
    );
    assert_eq!(r.document_ids(), vec!["intent_to_marry"], "{r:?}");
    // "(they will email him the date)" schedules the return; it is no way to send documents,
    // so the items to bring belong to the return interview.
    let r = read(
        "He got a 221g. The officer wants him to come back for another interview (they will \
         email him the date) and to bring the court papers showing how the case ended.",
    );
    assert_eq!(
        r.kind,
        visanav_core::notice::NoticeKind::InterviewReturn,
        "{r:?}"
    );
    // A date before a return interview named later in the same run-on sentence is the first
    // interview's.
    let r = read(
        "fui a mi entrevista K1 el 9 de enero de 2024 en la embajada, me dio el 221g y me dijo \
         q tengo q regresar a otra entrevista con mi prometido",
    );
    assert_eq!(
        r.refusal_date().map(|d| d.date.as_str()),
        Some("2024-01-09"),
        "{r:?}"
    );
    // Dates in other calendars and orders: Solar Hijri, a Japanese era, Georgian.
    for (text, want) in [
        ("من ۲۵ دی ۱۴۰۳ مصاحبه داشتم و ریجکت 221g شدم", "2025-01-14"),
        (
            "令和7年2月4日の面接で、221(g)により拒否されました。",
            "2025-02-04",
        ),
        (
            "2024 წლის 18 დეკემბერს გასაუბრების შემდეგ 221(g)",
            "2024-12-18",
        ),
    ] {
        let r = read(text);
        assert!(
            r.dates.iter().any(|d| d.date == want),
            "{text}: {:?}",
            r.dates
        );
    }
}

#[test]
fn chat_lines_typed_without_punctuation_are_messages_of_their_own() {
    // Each line ends where the writer pressed Enter (the next line's first word would have
    // fitted), so the negation of one message does not reach the request in the next.
    let r = read(
        "amor saí do consulado no Rio agora, fui 221g 😭😭\n\
         o cônsul pediu a certidão de antecedentes criminais da Polícia Federal pq morei lá\n\
         ele disse q não precisa tradução pq tá tudo em português, blz\n\
         e tenho q entregar tudo no CASV junto com meu passaporte e a folha do 221g\n\
         vc me liga qdo acordar? te amo\n",
    );
    assert_eq!(
        r.document_ids(),
        vec!["police_certificate", "passport"],
        "{r:?}"
    );
    // A wrapped paragraph keeps its sentence across the line break.
    let r = read(
        "Your visa application was refused under section 221(g). Before we can continue, you\n\
         must send us a new police certificate from the National Police of Colombia and the\n\
         civil registry copy of your birth certificate.\n",
    );
    assert_eq!(
        r.document_ids(),
        vec!["police_certificate", "birth_certificate"],
        "{r:?}"
    );
    // A typed form's "_X_" is a ticked blank and "___" an empty one.
    let r = read(
        "The following must be submitted:\n_X_ Police record from the Criminal Records Office\n\
         ___ Medical examination\n_X_ Copy of your interview appointment letter\n",
    );
    assert_eq!(
        r.document_ids(),
        vec!["police_certificate", "appointment_letter"],
        "{r:?}"
    );
}

#[test]
fn refusal_dates_from_blind_batches_q_and_r() {
    let refusal = |text: &str| read(text).refusal_date().map(|d| d.date.clone());
    // The refusal's sentence wraps from the lines above; the e-mail's own date is later.
    assert_eq!(
        refusal(
            "From: Immigrant Visa Unit, U.S. Embassy Manila\nDate: Fri, 2 Feb 2024 09:14:22 +0800\n\n\
             Thank you for your inquiry. As stated on the sheet you received, your K-1\n\
             visa application was refused under Section 221(g) of the Immigration and\n\
             Nationality Act on January 23, 2024. Based on the financial evidence you\n\
             presented, please arrange for a second financial sponsor.\n"
        )
        .as_deref(),
        Some("2024-01-23")
    );
    // ... or in the rest of its sentence, below.
    assert_eq!(
        refusal(
            "USCIS approved the petition and sent it to the U.S. Embassy in Manila. On March 2,\n\
             2021, the fiancée appeared for her visa interview. That same day the officer\n\
             refused the visa under INA 221(g) and handed her a written notice.\n"
        )
        .as_deref(),
        Some("2021-03-02")
    );
    assert_eq!(
        refusal(
            "The petition was approved in 2020. On March 2, 2021, the fiancée appeared for\n\
             her visa interview at the Embassy, and the officer handed her a 221(g) notice.\n"
        )
        .as_deref(),
        Some("2021-03-02")
    );
    // The CEAC page's dates are the case's, not the refusal's: the person is asked.
    assert_eq!(
        refusal(
            "Refused\n\nCase Created: 05-Dec-2023\nCase Last Updated: 18-Jan-2024\n\n\
             A U.S. consular officer has adjudicated and refused your visa application.\n"
        ),
        None
    );
    // A Bikram Sambat date in a Nepali note wins over the forwarded e-mail's date.
    assert_eq!(
        refusal(
            "प्रिय जेम्स, मेरो अन्तर्वार्ता २०८१ पुस २२ गते भएको थियो, त्यही दिन 221(g) को कागज दिएका थिए।\n\n\
             ---------- Forwarded message ---------\nFrom: Kathmandu IV <KathmanduIV@state.gov>\n\
             Date: Mon, Jan 13, 2025 at 11:20 AM\nSubject: Return interview\n"
        )
        .as_deref(),
        Some("2025-01-06")
    );
    // A letterhead date written twice, in French and in English.
    assert_eq!(
        refusal(
            "Dakar, le 3 décembre 2024 / December 3, 2024\nAmbassade des États-Unis\n\
             Votre demande de visa a fait l'objet d'un refus en vertu de la section 221(g).\n"
        )
        .as_deref(),
        Some("2024-12-03")
    );
}

#[test]
fn lessons_of_blind_batches_q_and_r() {
    // A row with one box per applicant's column is asked for when any column is ticked.
    let r = read(
        "ITEMS REQUIRED                                     | K1 | K2\n\
         Petitioner's final divorce decree, certified copy  | ☒  | ☐\n\
         PSA birth certificate                              | ☐  | ☐\n\
         Medical examination                                | ☐  | ☐\n",
    );
    assert_eq!(
        r.document_ids(),
        vec!["prior_marriage_termination"],
        "{r:?}"
    );
    // Where the form's blank boxes show, a line indented to an item's words is its English.
    let r = read(
        "Presente los siguientes documentos / Submit the following documents:\n\
         (x) Disposición final certificada por la corte de su arresto de 2012.\n\
         \x20   Court-certified final disposition of your 2012 arrest.\n\
         ( ) Acta de nacimiento / Birth certificate\n",
    );
    assert_eq!(r.document_ids(), vec!["court_records"], "{r:?}");
    assert!(
        r.unchecked
            .iter()
            .all(|u| !u.text.contains("Court-certified")),
        "{r:?}"
    );
    // "Her birth certificate" after "your minor daughter" is the child's, not the petitioner's.
    let r = read(
        "[X] For your minor daughter (K-2 applicant): her certified birth certificate.\n\
         [ ] Medical examination\n",
    );
    assert_eq!(r.document_ids(), vec!["birth_certificate"], "{r:?}");
    // A request word inside a negation phrase asks nothing: "hindi ko gets" (I don't get it).
    let r = read(
        "Binigyan siya ng 221(g) letter, wala daw silang hinihinging documents. Nag-visit ako 3x \
         sa PH, may photos and chats kami, hindi ko gets bakit.",
    );
    assert!(r.document_ids().is_empty(), "{r:?}");
    // "And also two photos" adds to the request two sentences back, past a "not needed".
    let r = read(
        "Консул просить військовий квиток. Довідку про несудимість нову не треба, стара ще \
         дійсна. І ще дві фотографії 5х5, бо на моїх старих я в окулярах.",
    );
    assert_eq!(
        r.document_ids(),
        vec!["military_records", "photos"],
        "{r:?}"
    );
    // "The one I brought does not serve": a new one is asked for.
    let r = read(
        "Me dieron la 221g. El acta de nacimiento inextensa legalizada por la Junta, porque la \
         que yo llevé era la extracto y el cónsul dijo que esa no sirve.",
    );
    assert_eq!(r.document_ids(), vec!["birth_certificate"], "{r:?}");
    // OCR reads a crossed box as 区; where blank boxes show, the line under a two-column
    // item goes on with it rather than being a row whose box did not scan.
    let r = read(
        "区 El menor debe regresar con su madre      区 The child must return with his\n\
         para una segunda entrevista.                 mother for a second interview.\n\
         Al regresar traiga / When you return bring:\n\
         区 Pasaporte vigente del menor / Child's valid passport\n\
         □ Examen médico / Medical exam\n",
    );
    assert_eq!(
        r.kind,
        visanav_core::notice::NoticeKind::InterviewReturn,
        "{r:?}"
    );
    assert!(r.document_ids().contains(&"passport"), "{r:?}");
    assert!(!r.document_ids().contains(&"medical_exam"), "{r:?}");
    // The English under a numbered item is that item's, and the list goes on after it.
    let r = read(
        "Preséntese en la ventanilla 7 y traiga:\n\
         \x201. Copia del aviso de aprobación I-797 de la petición I-129F.\n\
         \x20   A copy of the I-797 approval notice for the I-129F petition.\n\
         \x202. Boletos, pases de abordar y sellos de pasaporte de cada visita del\n\
         \x20   peticionario a la República Dominicana.\n\
         \x20   Tickets, boarding passes and passport stamps for each of the\n\
         \x20   petitioner's visits to the Dominican Republic.\n\
         \x203. Historial de comunicación continua desde 2022 (llamadas, WhatsApp).\n",
    );
    assert_eq!(
        r.document_ids(),
        vec![
            "i129f_approval",
            "meeting_evidence",
            "relationship_evidence"
        ],
        "{r:?}"
    );
    // "Người bảo lãnh" (the petitioner) holds "bảo" (to tell): no request in a list of
    // reasons.
    let r = read(
        "Viên chức lãnh sự không tin rằng mối quan hệ giữa quý vị và người bảo lãnh là có thật, \
         vì những lý do sau:\n - Bằng chứng về mối quan hệ cho thấy quý vị chỉ ở cùng nhau vài \
         ngày.\n",
    );
    assert!(r.document_ids().is_empty(), "{r:?}");
    // What stays with the embassy is kept, not asked for; "interview you again" is a return.
    let r = read(
        "The consular officer would like to interview you again. Your passports will stay with \
         us while the case is pending.",
    );
    assert!(r.document_ids().is_empty(), "{r:?}");
    assert_eq!(
        r.kind,
        visanav_core::notice::NoticeKind::InterviewReturn,
        "{r:?}"
    );
}

#[test]
fn lessons_of_blind_batch_s() {
    // An applicant saying a box was not ticked: what the sentence names is not asked for,
    // even quoted and in Hinglish; questions listed to a lawyer ask nothing either.
    let r = read(
        "Slip pe sirf \"Your case is undergoing administrative processing\" wala box tick hai. \
         Uske neeche ek aur box hai \"Please complete Form DS-5535 and e-mail it to the address \
         below\" – woh tick nahi hai.\nDo sawaal:\n1. Kya woh apna latest tax return aur bank \
         statement bhej dein?\n2. Kya mujhe DS-5535 phir bhi fill karke bhej dena chahiye?\n",
    );
    assert!(r.document_ids().is_empty(), "{r:?}");
    // A quotation that ends its sentence ends it: the blank boxes after it are other boxes.
    let r = read(
        "Mine said verbatim: \"Please submit: Original letter from the petitioner stating he \
         still intends to marry you within 90 days of your arrival, dated within the last 30 \
         days.\" Yun lang naka-check, the \
         NBI and medical boxes were blank.",
    );
    assert_eq!(r.document_ids(), vec!["intent_to_marry"], "{r:?}");
    // A table with a column per applicant and a lone X in the cells; an item's words go on
    // in a cell indented under it, and a row with every cell empty is an unticked item.
    let r = read(
        "Submit the documents marked X for each applicant.\n\
         +------------------------------------+---------+---------+\n\
         | Document                           | (K-1)   | (K-2)   |\n\
         +------------------------------------+---------+---------+\n\
         | Passport                           |    X    |    X    |\n\
         | Police certificate (National       |    X    |         |\n\
         |   Police Headquarters)             |         |         |\n\
         | DNA test through an accredited lab |         |         |\n\
         | Birth certificate                  |         |    X    |\n\
         +------------------------------------+---------+---------+\n",
    );
    assert_eq!(
        r.document_ids(),
        vec!["passport", "police_certificate", "birth_certificate"],
        "{r:?}"
    );
    assert!(
        r.unchecked.iter().any(|u| u.documents == ["dna_test"]),
        "{r:?}"
    );
    // Questions listed under "a few questions" ask nothing, even where one sentence of the
    // item is a statement.
    let r = read(
        "A few questions before we talk:\n1. We forgot to bring the album of photos of us \
         together. Should we mail it to the embassy anyway?\n2. My I-134 is from last April. \
         Should I redo it now?\n",
    );
    assert!(r.document_ids().is_empty(), "{r:?}");
    // "What will you bring?" is answered by the next message, unless it answers "no".
    let r = read(
        "Lorna: unsa may dad-on nimo inig balik?\nJessa: ang mga screenshot sa among chats ug \
         call logs ni Kevin sukad 2022, i-print daw.\nLorna: kinahanglan pa ba ug I-134?\n\
         Jessa: dili, ok na daw ang I-134.\n",
    );
    assert_eq!(r.document_ids(), vec!["relationship_evidence"], "{r:?}");
    // "No" is a word of one language: Spanish "La" (the) opening an answer is no "la" (no).
    let r = read(
        "[3/11/24, 9:02 pm] Carmen: ¿y qué te pidieron hoy en la entrevista?\n[3/11/24, 9:04 pm] \
         Luis: la constancia de trabajo de mi jefe, original y con sello del mes pasado\n",
    );
    assert_eq!(r.document_ids(), vec!["employment_letter"], "{r:?}");
    // The applicant's own earlier message under "-----Original Message-----" asks nothing;
    // an earlier one from the embassy is the substance.
    let reply = "Your visa application was refused on September 4, 2024 under section 221(g) of \
                 the Immigration and Nationality Act. Please see the message below and reply to \
                 this e-mail.\n\n";
    let earlier = |from: &str| {
        format!(
            "-----Original Message-----\nFrom: {from}\nSubject: Case SDO2024571920\n\n\
             Please send your birth certificate and your passport by DHL.\n"
        )
    };
    let r = read(&format!(
        "{reply}{}",
        earlier("Yeimy Castillo <yeimy@correo.example>")
    ));
    assert!(r.document_ids().is_empty(), "{r:?}");
    let r = read(&format!(
        "{reply}{}",
        earlier("Consulado <SDOIV@state.gov>")
    ));
    assert!(r.document_ids().contains(&"birth_certificate"), "{r:?}");
    // Numbered messages go on from the request before them.
    let r = read(
        "10:45 Nok: They asked me to send 3 more documents\n\
         10:45 Nok: 1. a new police certificate from the Royal Thai Police\n\
         10:46 Nok: 2. the original name change certificate\n\
         10:46 Nok: 3. your bank statements for 6 months\n",
    );
    assert_eq!(
        r.document_ids(),
        vec!["police_certificate", "name_change", "bank_statements"],
        "{r:?}"
    );
    // Two columns run together by OCR: a drawn box after one space starts its own item.
    let r = read(
        "[X] Administrative processing is required. The [ ] Interview appointment letter\n\
         [X] Submit the items marked in the right [x] 2 photos, 2x2 in, white background\n",
    );
    assert!(!r.document_ids().contains(&"appointment_letter"), "{r:?}");
    assert!(r.document_ids().contains(&"photos"), "{r:?}");
    // A chat message that opens with "and" goes on with the request of the one before.
    let r = read(
        "[4/3/25, 18:49:40] Fer: Que faltan tus W-2 del 2023 y del 2024.\n\
         [4/3/25, 18:50:12] Fer: y una carta de tu trabajo que diga cuánto ganas, con tus \
         últimos talones de pago\n",
    );
    assert_eq!(
        r.document_ids(),
        vec!["tax_documents", "employment_letter"],
        "{r:?}"
    );
    // Documents named with nothing read about them, no request read, in a notice that should
    // ask for something: the reading is not "high".
    let r = read(
        "Tapos na interview, 221g daw. Pinababalik ako for second interview. Yung boarding \
         passes ni Mark at yung photos naming dalawa.",
    );
    assert!(r.document_ids().is_empty(), "{r:?}");
    assert_ne!(r.confidence.level, ConfidenceLevel::High, "{r:?}");
    assert!(
        r.confidence.reasons.iter().any(|x| x.contains("named but")),
        "{r:?}"
    );
    // "No translation is needed for your birth certificate."
    let r = read("Please send the deed poll. No translation is needed for your birth certificate.");
    assert_eq!(r.document_ids(), vec!["name_change"], "{r:?}");
}

#[test]
fn unchecked_boxes_in_every_style_are_never_requests() {
    let styles = [
        "[ ]", "[]", "[_]", "( )", "☐", "□", "○", "O ", "0 ", "D ", "|_|", "[  ]",
    ];
    for s in styles {
        let text = format!(
            "Refused under 221(g)\n[X] Medical exam\n{s} Police certificate\n{s} Court records\n\
             Please submit the following documents:\n{s} Birth certificate\n"
        );
        let r = read(&text);
        assert_eq!(r.document_ids(), vec!["medical_exam"], "style {s:?}: {r:?}");
    }
    let checked = [
        "[X]", "[x]", "☒", "☑", "✔", "✓", "■", "(x)", "(X)", "[v]", "[/]", "X ", "v ", "/ ",
    ];
    for s in checked {
        let text = format!("[ ] Medical exam\n{s} Police certificate\n[ ] Court records\n");
        let r = read(&text);
        assert_eq!(
            r.document_ids(),
            vec!["police_certificate"],
            "style {s:?}: {r:?}"
        );
        assert_eq!(r.requests[0].source, RequestSource::CheckedBox);
    }
}

/// Classes found on the blind batches, each in a small made-up notice.
#[test]
fn items_broken_across_lines_and_lists_that_ask_for_nothing() {
    // A ticked item whose word is cut by a hyphen at the line's end, in OCR'd Ukrainian
    // with Latin "i" mixed in.
    let r = read(
        "Вашу заяву вiдмовлено вiдповiдно до роздiлу 221(q).\n\
         [Х] Ваша справа потребує додаткової адмiнiстративної перевiр-\n\
         ки. Ми повiдомимо вас.\n\
         [ ] Медичний огляд\n",
    );
    assert_eq!(r.sections, vec!["221(g)"], "{r:?}");
    assert!(r.document_ids().is_empty(), "{r:?}");
    assert!(r.unrecognized.is_empty(), "{r:?}");

    // Reasons are not requests, nor are general reminders; the request list still is.
    let r = read(
        "Your application was refused under Section 221(g).\n\
         Reasons:\n\
         - The photos of you together were all taken on one trip.\n\
         - The petitioner has not visited you for a year.\n\n\
         Please submit the following:\n\
         1. A new police certificate.\n\n\
         General reminders:\n\
         - All documents must be originals or certified copies.\n",
    );
    assert_eq!(r.document_ids(), vec!["police_certificate"], "{r:?}");

    // A caseless item that wraps before its sentence ends, then its English gloss.
    let r = read(
        "221(g)\n\
         ■ ከአዲስ አበባ ከተማ አስተዳደር የወሳኝ ኩነቶች ምዝገባ ኤጀንሲ የተሰጠ የልደት ምስክር\n  \
         ወረቀት።\n  \
         Birth certificate issued by the Vital Events Registration Agency.\n\
         □ የሕክምና ምርመራ / Medical examination\n",
    );
    assert_eq!(r.document_ids(), vec!["birth_certificate"], "{r:?}");

    // A sentence that opens with the document and says it was accepted or is not needed.
    let r = read(
        "Your application was refused under Section 221(g).\n\
         Please send a new police certificate.\n\
         The birth certificate you presented was accepted and you do not need to send it again.\n\
         The officer asked for our photos together and our phone records, said the rest was \
         not necessary.\n",
    );
    assert_eq!(
        r.document_ids(),
        vec!["police_certificate", "relationship_evidence"],
        "{r:?}"
    );

    // An item whose head is a translation asks for the translation only.
    let r = read(
        "Please submit:\n\
         1. An English translation, with the translator's signed statement, for your birth \
         certificate and for your divorce judgment.\n\
         2. A police certificate.\n",
    );
    assert_eq!(
        r.document_ids(),
        vec!["translation", "police_certificate"],
        "{r:?}"
    );
}

fn arbitrary_notice() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("[X] ".to_string()),
        Just("[ ] ".to_string()),
        Just("☒ ".to_string()),
        Just("☐ ".to_string()),
        Just("Police certificate ".to_string()),
        Just("please submit the following:\n".to_string()),
        Just("221(g) 212(a)(".to_string()),
        Just("March 14, 2025 03/04/2025 ".to_string()),
        Just("<script>".to_string()),
        Just("\n".to_string()),
        Just("    ".to_string()),
        Just("\u{1b}[".to_string()),
        "[a-zA-Z0-9 ().:/-]{0,40}",
        any::<String>(),
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_notice_like_input(text in arbitrary_notice()) {
        let r = reader().read(&text, None);
        prop_assert!(r.is_ok());
        let r = r.expect("reading");
        let json = serde_json::to_string(&r).expect("json");
        prop_assert!(!json.contains("<script"));
    }

    #[test]
    fn never_panics_on_arbitrary_strings(text in any::<String>()) {
        prop_assert!(reader().read(&text, None).is_ok());
    }
}

proptest! {
    // Large inputs (up to the 1 MiB limit): few cases, to keep debug builds fast.
    #![proptest_config(ProptestConfig { cases: 4, ..ProptestConfig::default() })]

    #[test]
    fn bounded_work_on_large_input(seed in "[\\[\\]Xx ☒☐a-z0-9().:\n-]{64,256}", reps in 1usize..4096) {
        let mut text = seed.repeat(reps);
        while text.len() > MAX_NOTICE_BYTES {
            text.pop();
        }
        let started = std::time::Instant::now();
        let r = reader().read(&text, None);
        prop_assert!(r.is_ok());
        // Not a speed assertion (see the benchmark): only a guard against runaway work.
        prop_assert!(started.elapsed().as_secs() < 60);
    }
}

/// Classes from blind batches U and V (2026-12-01), each as the smallest text that shows it.
#[test]
fn lessons_of_blind_batches_u_v() {
    // Ticks at the end of dotted lines, with the English on a line of its own opened by "/":
    // the "/" is no tick, and each box belongs to the item it ends.
    let r = read(
        "Su solicitud de visa ha sido rechazada bajo la Sección 221(g).\n\
         DOCUMENTOS A PRESENTAR / DOCUMENTS TO PRESENT\n\
         Certificado de nacimiento emitido por el RENAP\n\
         \x20 / Birth certificate issued by RENAP ........................ [  ]\n\
         Carta del empleador del peticionario con salario anual y fecha\n\
         \x20 de inicio / Letter from the petitioner's employer .............. [X]\n\
         Examen médico / Medical examination ................................ [  ]\n",
    );
    assert_eq!(r.document_ids(), vec!["employment_letter"], "{r:?}");
    assert!(
        r.unchecked
            .iter()
            .any(|u| u.documents == ["birth_certificate"]),
        "{r:?}"
    );
    // A question runs to its question mark, past "o solo" (or only).
    let r = read(
        "Me negaron la visa con 221g.\nPreguntas:\n1. ¿Tiene que mandar copia de todo el \
         pasaporte o solo las páginas con los sellos?\n",
    );
    assert!(!r.document_ids().contains(&"passport"), "{r:?}");
    // "The consular officer needs the documents below." opens the numbered list that follows,
    // though no colon ends it.
    let r = read(
        "Your K-1 visa application was refused under Section 221(g). The consular officer \
         needs the documents below.\n\n1. An updated Form I-134 signed by the petitioner.\n\
         2. The petitioner's 2023 IRS tax return transcript, with W-2 forms.\n",
    );
    assert_eq!(
        r.document_ids(),
        vec!["i134_support", "tax_documents"],
        "{r:?}"
    );
    // An applicant's "two things ticked: ..."; "because hers was issued ..." is about the
    // old one, not the new one asked for.
    let r = read(
        "She got the blue 221(g) slip at the London embassy. Two things ticked: a new ACRO \
         police certificate because hers was issued more than 12 months ago, and a police \
         certificate from Australia.\n",
    );
    assert_eq!(r.document_ids(), vec!["police_certificate"], "{r:?}");
    // A list written inline after a colon, its items ending at semicolons.
    let r = read(
        "Votre demande a été refusée au titre de la section 221(g). Présentez-vous à un second \
         entretien muni(e) de : jugement d'adoption définitif ; nouvelle visite médicale chez \
         le médecin agréé ; deux photos d'identité.\n",
    );
    for id in ["adoption_documents", "medical_exam", "photos"] {
        assert!(r.document_ids().contains(&id), "{id}: {r:?}");
    }
    // ... but a semicolon in prose joins clauses that each say their own thing.
    let r = read(
        "Your visa was refused under 221(g). Please choose an accredited laboratory and ask it \
         to send the kits to this Embassy; samples will be taken by our panel physician.\n",
    );
    assert!(!r.document_ids().contains(&"medical_exam"), "{r:?}");
    // The K-1's own words for the intent to marry: marrying within 90 days.
    let r = read(
        "Ihr Visumantrag wurde nach Abschnitt 221(g) abgelehnt. Bitte reichen Sie ein: eine \
         unterschriebene Erklärung Ihres Verlobten, dass er Sie innerhalb von 90 Tagen nach \
         Ihrer Einreise heiraten wird.\n",
    );
    assert_eq!(r.document_ids(), vec!["intent_to_marry"], "{r:?}");
    // A Ukrainian message opening with "І" (and) adds to the request before it.
    let r = read(
        "[10:01] Оля: Дали 221(g). Сказали принести докази стосунків: наші спільні фото.\n\
         [10:02] Оля: І квитки, посадкові талони, коли Джейк прилітав до мене у 2023-му.\n",
    );
    assert!(r.document_ids().contains(&"meeting_evidence"), "{r:?}");
    // "Anything else?" after a request is answered by the next message, as "what did they
    // ask for?" is; a Vietnamese message opening with "với" (and) adds to the one before.
    let r = read(
        "Jhen: babe tapos na interview ko. 221g they gave me white paper\nMark: oh no. what \
         do they need??\nJhen: yung divorce decree mo daw, certified copy.\nMark: ok. anything \
         else?\nJhen: letter from ur employer na nakalagay salary mo\nMark: ok love\n",
    );
    assert_eq!(
        r.document_ids(),
        vec!["prior_marriage_termination", "employment_letter"],
        "{r:?}"
    );
    let r = read(
        "Thảo: LSQ Sài Gòn đưa em giấy xanh R1, kêu bổ sung lý lịch tư pháp số 2 mới\n\
         Thảo: với giấy xác nhận tình trạng hôn nhân ở phường, xin bản mới\n",
    );
    assert!(
        r.document_ids().contains(&"prior_marriage_termination"),
        "{r:?}"
    );
    // "O e-mail de convocação" is a document's name, not a way to send: the notice stays a
    // return interview.
    let r = read(
        "Os pedidos de visto foram recusados com base na Seção 221(g). Será necessária uma \
         nova entrevista.\nNo dia da nova entrevista, apresente:\n  - certidão de nascimento \
         do menor em inteiro teor;\n  - esta carta e o e-mail de convocação para a entrevista \
         original.\n",
    );
    assert_eq!(
        r.kind,
        visanav_core::notice::NoticeKind::InterviewReturn,
        "{r:?}"
    );
    assert!(r.document_ids().contains(&"appointment_letter"), "{r:?}");
    // The passport that holds the stamps is where the evidence is, not a document asked for.
    let r = read(
        "Me negaron la visa con 221g. El cónsul necesita los pasabordos, los tiquetes o los \
         sellos de migración del pasaporte de Mike de esos viajes.\n",
    );
    assert_eq!(r.document_ids(), vec!["meeting_evidence"], "{r:?}");
    // Two columns run together by OCR: a box in the middle of a line that opens with words
    // starts its own item; the unticked items never join the sentence that says "Submit".
    let r = read(
        "Your applicati0n is refused under secti0n 221(g).\n\
         [V] Administrative processing.       [ ] Police Clearance Certificate\n\
         [ ] Return f0r interview - sched       [] Medical examinati0n\n\
         ule a Category 2 appointment.  O Birth certificate  [ ] Ph0tographs (2x2)\n\
         [v'] Submit the d0cuments marked at    [V] New DS-160 confirmation page\n",
    );
    for id in [
        "birth_certificate",
        "photos",
        "medical_exam",
        "police_certificate",
    ] {
        assert!(!r.document_ids().contains(&id), "{id}: {r:?}");
    }
    assert!(r.document_ids().contains(&"ds160_confirmation"), "{r:?}");
    // A return interview asked about is not one: "¿Tiene que regresar a entrevista o se
    // envía?" answered "se manda por DHL".
    let r = read(
        "Karla: me dieron el 221g, piden la constancia de antecedentes penales de Canadá\n\
         Lic. Treviño: ¿Tiene que regresar a entrevista o se envía?\n\
         Karla: se manda por DHL, no tengo que regresar\n",
    );
    assert_ne!(
        r.kind,
        visanav_core::notice::NoticeKind::InterviewReturn,
        "{r:?}"
    );
    // A chat whose senders end in a full-width colon, names in a script without case: each
    // line is a message, so the mother's question does not swallow the answer before it.
    let r = read(
        "小雨：妈，今天在广州总领馆面签K1，没过，给了一张221(g)的纸\n妈妈：怎么回事？要补什么材料吗？\n\
         小雨：不用补材料。纸上只勾了“行政审查”那一项，其他都没勾\n妈妈：那护照呢？\n\
         小雨：护照被领馆留下了\n",
    );
    assert_eq!(
        r.kind,
        visanav_core::notice::NoticeKind::AdministrativeProcessing,
        "{r:?}"
    );
    // On a form of "(x)" boxes, "()" is an empty one (its section is not cited), and a ticked
    // OCR'd "Seccion 22l(g)" is the ground of refusal, not a document to send.
    let r = read(
        "(x) Seccion 22l(g) de la Ley de lnmigracion y Nacionalidad\n\
         () Seccion 212(a)(6)(C)(i) - fraude o tergiversacion\n\
         (x) Certificado de nacimiento reciente emitido por el RENAP\n",
    );
    assert_eq!(r.sections, vec!["221(g)"], "{r:?}");
    assert_eq!(r.document_ids(), vec!["birth_certificate"], "{r:?}");
    // A ticked item whose printed text adds a condition after it is shown to check, not
    // counted: whether it applies is the applicant's to say.
    let r = read(
        "Su solicitud fue rechazada bajo la sección 221(g).\n(x) Examen médico vigente\n\
         (x) Acta de divorcio o sentencia ejecutoriada - solo si usted contrajo matrimonio civil \
         anteriormente\n",
    );
    assert_eq!(r.document_ids(), vec!["medical_exam"], "{r:?}");
    let refusal = |text: &str| read(text).refusal_date().map(|d| d.date.clone());
    // "Yesterday (14 November)": the year from the e-mail, the day from the sentence, not
    // the e-mail's own date; and a sentence ending after an emoji.
    assert_eq!(
        refusal(
            "Date: Wed, 5 Feb 2025 07:48:12 -0500\n\nLe escribo porque ayer martes 4 de \
             febrero tuve la entrevista y me la negaron con 221g 😔. Me entregaron una hoja \
             que dice que tengo que enviar pruebas de antes de la petición.\n"
        )
        .as_deref(),
        Some("2025-02-04")
    );
    // A deadline's word far from the date ("відповідно до статті") leaves the refusal's.
    assert_eq!(
        refusal(
            "За результатами співбесіди 14 листопада 2019 року консульський службовець \
             відмовив у видачі візи K-1 відповідно до статті 221(g).\n"
        )
        .as_deref(),
        Some("2019-11-14")
    );
    // "... on August 12, 2024. ... before a final decision": the sentence ends at the year.
    assert_eq!(
        refusal(
            "Your case was refused under INA section 221(g) on August 12, 2024. Your case is \
             also undergoing administrative processing, which must be completed before a \
             final decision can be made.\n"
        )
        .as_deref(),
        Some("2024-08-12")
    );
    // A chat message's time is when it was sent; the date in its words is the interview's.
    assert_eq!(
        refusal(
            "[21/01/2025 08:05] Grâce: l'interview était le 20 janvier 2025 à l'ambassade, \
             refus 221(g).\n[21/01/2025 08:06] Patrick: Eh!\n"
        )
        .as_deref(),
        Some("2025-01-20")
    );
    // A Bikram Sambat date in numbers is never read as a Gregorian year 2081.
    assert_eq!(
        refusal(
            "मिति / Date: २०८१/०६/१५\nYour visa application has been refused under Section \
             221(g).\n"
        )
        .as_deref(),
        Some("2024-10-01")
    );
    // A Japanese era date in the refusal's sentence, though the sentence also asks to come
    // back: the return is named after the date, and the e-mail's own date is later.
    assert_eq!(
        refusal(
            "日付: 2025年1月20日 10:42\n\n令和7年1月17日の面接の結果、貴殿のK-1ビザ申請は移民国籍法第\
             221(g)条に基づき却下されました。下記の書類をご用意のうえ、再度面接にお越しください。\n"
        )
        .as_deref(),
        Some("2025-01-17")
    );
    // "Fui negada ontem" (yesterday) in an e-mail dated 9 October: the 8th, not the 9th.
    assert_eq!(
        refusal(
            "Data: qua., 9 de out. de 2024 às 21:37\n\nBoa noite, Dra. Fui negada ontem na \
             entrevista do K1 no Consulado Geral do Rio de Janeiro, com aquela carta 221(g). O \
             cônsul me entregou um papel pedindo a certidão de nascimento e também a certidão \
             da Polícia Federal, porque a minha já está vencida.\n"
        )
        .as_deref(),
        Some("2024-10-08")
    );
}
