//! Tests of loading and checking the knowledge base.

use super::*;

#[test]
fn embedded_knowledge_loads_and_checks_clean() {
    let k = Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"));
    for id in REQUIRED_DOCUMENT_IDS {
        assert!(k.document(id).is_some(), "{id}");
    }
}

/// Every status, under every name it goes by, in the spellings people type.
#[test]
fn every_status_is_found_in_every_spelling() {
    let k = Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"));
    let mut checked = 0;
    for s in &k.statuses {
        for name in std::iter::once(&s.name).chain(&s.aliases) {
            let variants = [
                name.clone(),
                name.to_lowercase(),
                name.to_uppercase(),
                format!("  {name} "),
                name.replace(' ', "  "),
                format!("{name}."),
                name.replace(' ', "-"),
            ];
            for v in &variants {
                let found = k.find_status(v, Some(s.source)).map(|x| x.slug.as_str());
                assert_eq!(found, Some(s.slug.as_str()), "{v:?} should find {}", s.slug);
                checked += 1;
            }
        }
        assert!(!s.sources.is_empty(), "{} has sources", s.slug);
    }
    assert!(checked > 200, "checked {checked} spellings");
    assert_eq!(
        k.find_status("refused", None).map(|s| s.slug.as_str()),
        Some("ceac-refused")
    );
    assert_eq!(
        k.find_status("Administrative  Processing", None)
            .map(|s| s.slug.as_str()),
        Some("ceac-administrative-processing")
    );
    assert!(k.find_status("not a status", None).is_none());
    let suggestions = k.suggest_statuses("refsued", None);
    assert_eq!(
        suggestions.first().map(|s| s.slug.as_str()),
        Some("ceac-refused")
    );
}

/// Every text a person reads, with where it comes from.
fn human_texts(k: &Knowledge) -> Vec<(String, &str)> {
    let mut out: Vec<(String, &str)> = Vec::new();
    for r in &k.rules {
        out.push((format!("rule {}", r.id), &r.title));
        out.push((format!("rule {}", r.id), &r.text));
        out.extend(
            r.consequence
                .iter()
                .map(|c| (format!("rule {}", r.id), c.as_str())),
        );
        out.extend(
            r.exceptions
                .iter()
                .map(|c| (format!("rule {}", r.id), c.as_str())),
        );
        out.extend(
            r.uncertain
                .iter()
                .map(|c| (format!("rule {}", r.id), c.as_str())),
        );
        out.extend(
            r.post_notes
                .iter()
                .map(|n| (format!("rule {}", r.id), n.text.as_str())),
        );
    }
    for t in &k.triggers {
        out.push((format!("trigger {}", t.id), &t.title));
        out.push((format!("trigger {}", t.id), &t.reason));
        out.extend(
            t.uncertain
                .iter()
                .map(|c| (format!("trigger {}", t.id), c.as_str())),
        );
    }
    for r in &k.restrictions {
        out.push((format!("restriction {}", r.id), &r.title));
        out.push((format!("restriction {}", r.id), &r.effect));
        out.extend(
            r.uncertain
                .iter()
                .map(|c| (format!("restriction {}", r.id), c.as_str())),
        );
    }
    for d in &k.documents {
        out.push((format!("document {}", d.id), &d.description));
    }
    for s in &k.statuses {
        out.push((format!("status {}", s.slug), &s.meaning));
        out.extend(
            s.next_steps
                .iter()
                .map(|c| (format!("status {}", s.slug), c.as_str())),
        );
    }
    out
}

/// Internal ids (`k1_visa_validity`) are for the engine, never for the people reading.
#[test]
fn texts_for_people_name_no_internal_id() {
    let k = Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = k
        .rules
        .iter()
        .map(|r| r.id.as_str())
        .chain(k.triggers.iter().map(|t| t.id.as_str()))
        .chain(k.restrictions.iter().map(|r| r.id.as_str()))
        .filter(|id| id.contains('_'))
        .collect();
    for (entry, text) in human_texts(&k) {
        for id in &ids {
            assert!(!text.contains(id), "{entry} names {id}: {text}");
        }
    }
}

/// Texts shown at every post (a rule's text and consequence, a trigger's reason, a
/// restriction's effect) do not speak for one post; that goes in `post_notes`.
#[test]
fn texts_for_every_post_do_not_speak_for_one() {
    let k = Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"));
    let cities: Vec<&str> = k
        .posts
        .iter()
        .filter(|p| p.k_visas == KVisaHandling::Processed)
        .map(|p| p.name.as_str())
        .filter(|n| !k.countries.iter().any(|c| n.contains(c.name.as_str())))
        .collect();
    let general = k
        .rules
        .iter()
        .flat_map(|r| {
            std::iter::once(&r.text)
                .chain(&r.consequence)
                .map(move |t| (&r.id, t))
        })
        .chain(k.triggers.iter().map(|t| (&t.id, &t.reason)))
        .chain(k.restrictions.iter().map(|r| (&r.id, &r.effect)));
    for (id, text) in general {
        for city in &cities {
            assert!(
                !text.contains(city),
                "{id} names {city} in a text shown at every post; move it to post_notes: {text}"
            );
        }
    }
}

#[test]
fn restrictions_say_what_they_stop() {
    let k = Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"));
    for r in &k.restrictions {
        assert!(!r.restricts.is_empty(), "{}", r.id);
    }
    let dir = std::env::temp_dir().join(format!("visanav-kb-r-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in FILES {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let restrictions = FILES
        .iter()
        .find(|(n, _)| *n == "restrictions.toml")
        .unwrap()
        .1;
    let broken = restrictions
        .replacen(
            "restricts = [\"visa_issuance\", \"entry\"]",
            "restricts = []",
            1,
        )
        .replacen(
            "restricts = [\"visa_issuance\"]",
            "restricts = [\"visa_issuance\"]\nexempts_valid_visas = true\nends_on = \"2020-01-01\"",
            1,
        );
    std::fs::write(dir.join("restrictions.toml"), broken).unwrap();
    let rules = FILES.iter().find(|(n, _)| *n == "rules.toml").unwrap().1;
    std::fs::write(
        dir.join("rules.toml"),
        rules.replacen("post = \"LND\"", "post = \"ZZZ\"", 1),
    )
    .unwrap();
    let err = Knowledge::from_dir(&dir).unwrap_err().to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        err.contains("restriction pp10998-full: restricts is empty"),
        "{err}"
    );
    assert!(err.contains("exempts_valid_visas needs entry"), "{err}");
    assert!(
        err.contains("ends_on 2020-01-01 is before effective_on"),
        "{err}"
    );
    assert!(err.contains("post_notes names post \"ZZZ\""), "{err}");
}

/// A copy of the embedded files in a fresh directory, with `posts.toml` replaced.
fn dir_with_posts(tag: &str, posts: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("visanav-kb-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("notice")).unwrap();
    for (name, text) in FILES.iter().chain(NOTICE_FILES) {
        std::fs::write(dir.join(name), text).unwrap();
    }
    std::fs::write(dir.join("posts.toml"), posts).unwrap();
    dir
}

fn posts_text() -> &'static str {
    FILES.iter().find(|(n, _)| *n == "posts.toml").unwrap().1
}

/// Manila's first procedure source, as the shipped file spells it.
fn manila_first_source() -> String {
    let text = posts_text();
    let mnl = text.find("code = \"MNL\"").unwrap();
    let at = mnl + text[mnl..].find("  { url = ").unwrap();
    let end = at + text[at..].find('\n').unwrap();
    text[at..end].to_string()
}

fn load_error(tag: &str, posts: &str) -> String {
    let dir = dir_with_posts(tag, posts);
    let err = Knowledge::from_dir(&dir).unwrap_err().to_string();
    std::fs::remove_dir_all(&dir).unwrap();
    err
}

#[test]
fn procedure_source_dates_are_checked_with_clear_errors() {
    let first = manila_first_source();
    let url = first.split('"').nth(1).unwrap().to_string();

    // A date in words instead of YYYY-MM-DD.
    let bad = first.replace("seen = ", "published = \"June 2024\", seen = ");
    let err = load_error("published", &posts_text().replacen(&first, &bad, 1));
    assert!(
        err.contains("posts.toml: post MNL procedure")
            && err.contains(&url)
            && err.contains("published \"June 2024\" is not a date")
            && err.contains("YYYY-MM-DD, YYYY-MM or YYYY"),
        "{err}"
    );

    // A bare URL: loads far enough to be told what to write instead.
    let bare = format!("  \"{url}\",");
    let err = load_error("bare", &posts_text().replacen(&first, &bare, 1));
    assert!(
        err.contains("post MNL procedure")
            && err.contains("has no seen date")
            && err.contains(&format!("{{ url = \"{url}\", seen = \"YYYY-MM-DD\" }}")),
        "{err}"
    );

    // Seen after the procedure's as_of: as_of is stale.
    let late = first.replace("seen = \"2026-11-30\"", "seen = \"2027-01-05\"");
    assert_ne!(late, first, "the shipped Manila source is seen 2026-11-30");
    let err = load_error("late", &posts_text().replacen(&first, &late, 1));
    assert!(
        err.contains("was seen on 2027-01-05, after the procedure's as_of"),
        "{err}"
    );

    // Published after it was seen, and an impossible seen date.
    let future = first.replace("seen = ", "published = \"2026-12\", seen = ");
    let err = load_error("future", &posts_text().replacen(&first, &future, 1));
    assert!(
        err.contains("is published 2026-12, after it was seen on 2026-11-30"),
        "{err}"
    );
    let impossible = first.replace("seen = \"2026-11-30\"", "seen = \"2026-02-30\"");
    let err = load_error("impossible", &posts_text().replacen(&first, &impossible, 1));
    assert!(
        err.contains("seen \"2026-02-30\" is not a real calendar date"),
        "{err}"
    );

    // A misspelt field is refused, naming the field.
    let typo = first.replace("seen = ", "seeen = ");
    let err = load_error("typo", &posts_text().replacen(&first, &typo, 1));
    assert!(err.contains("posts.toml") && err.contains("seeen"), "{err}");
}

#[test]
fn procedure_freshness_is_available_to_every_display() {
    let k = Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"));
    let p = k.post("MNL").and_then(|p| p.procedure.as_ref()).unwrap();
    assert_eq!(p.newest_published(), Some("2024-09-06"));
    assert!(p.urls().iter().all(|u| u.starts_with("http")));
    let undated = p.sources.iter().find(|s| s.published.is_none()).unwrap();
    assert_eq!(undated.dates(), format!("undated, seen {}", undated.seen));
    let json = serde_json::to_value(p).unwrap();
    assert_eq!(json["sources"][2]["published"], "2024-09-06");
    assert!(json["sources"][0].get("published").is_none());
}

/// Every language file in knowledge/notice/ is compiled in: a new file cannot be forgotten.
#[test]
fn every_notice_language_file_is_embedded() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../knowledge/notice");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| format!("notice/{}", e.unwrap().file_name().to_string_lossy()))
        .filter(|n| n.ends_with(".toml"))
        .collect();
    on_disk.sort();
    let embedded: Vec<String> = NOTICE_FILES.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(on_disk, embedded);
}

#[test]
fn broken_directories_are_reported_by_file_and_entry() {
    let dir = std::env::temp_dir().join(format!("visanav-kb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(dir.join("notice")).unwrap();
    for (name, text) in FILES.iter().chain(NOTICE_FILES) {
        std::fs::write(dir.join(name), text).unwrap();
    }
    assert!(Knowledge::from_dir(&dir).is_ok());
    // A language file whose name and language disagree, and a term for two documents.
    std::fs::write(
        dir.join("notice/xx.toml"),
        "language = \"es\"\nname = \"X\"\nstopwords = [\"a\", \"b\", \"c\", \"d\", \"e\"]\n\
         sources = []\nas_of = \"2026-11-30\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("notice/yy.toml"),
        "language = \"yy\"\nname = \"Y\"\nstopwords = [\"a\", \"b\", \"c\", \"d\", \"e\"]\n\
         sources = []\nas_of = \"2026-11-30\"\n[documents]\nmedical_exam = [\"Police Certificate\"]\n",
    )
    .unwrap();
    let err = Knowledge::from_dir(&dir).unwrap_err().to_string();
    assert!(
        err.contains("notice/xx.toml: says language = \"es\""),
        "{err}"
    );
    std::fs::remove_file(dir.join("notice/xx.toml")).unwrap();
    let err = Knowledge::from_dir(&dir).unwrap_err().to_string();
    assert!(
        err.contains("notice/yy.toml") && err.contains("must be lower case"),
        "{err}"
    );
    std::fs::write(
        dir.join("notice/yy.toml"),
        "language = \"yy\"\nname = \"Y\"\nstopwords = [\"a\", \"b\", \"c\", \"d\", \"e\"]\n\
         sources = []\nas_of = \"2026-11-30\"\n[documents]\nmedical_exam = [\"police certificate\"]\n",
    )
    .unwrap();
    let err = Knowledge::from_dir(&dir).unwrap_err().to_string();
    assert!(
        err.contains("\"police certificate\" is also a term for \"police_certificate\""),
        "{err}"
    );
    // Month names: all twelve or none.
    std::fs::write(
        dir.join("notice/yy.toml"),
        "language = \"yy\"\nname = \"Y\"\nstopwords = [\"a\", \"b\", \"c\", \"d\", \"e\"]\n\
         sources = []\nas_of = \"2026-11-30\"\nmonths = [[\"enero\"], [\"pebrero\"]]\n",
    )
    .unwrap();
    let err = Knowledge::from_dir(&dir).unwrap_err().to_string();
    assert!(
        err.contains("notice/yy.toml") && err.contains("months: has 2 entries"),
        "{err}"
    );
    std::fs::remove_file(dir.join("notice/yy.toml")).unwrap();
    let docs = FILES
        .iter()
        .find(|(n, _)| *n == "documents.toml")
        .unwrap()
        .1;
    std::fs::write(
        dir.join("documents.toml"),
        docs.replace("id = \"ds5535\"", "id = \"ds5535x\""),
    )
    .unwrap();
    let rules = FILES.iter().find(|(n, _)| *n == "rules.toml").unwrap().1;
    std::fs::write(
        dir.join("rules.toml"),
        rules.replace("id = \"marriage_90_days\"", "id = \"marriage\""),
    )
    .unwrap();
    std::fs::remove_file(dir.join("countries.toml")).unwrap();
    let err = Knowledge::from_dir(&dir).unwrap_err().to_string();
    assert!(err.contains("countries.toml: cannot read"), "{err}");
    std::fs::write(dir.join("countries.toml"), FILES[0].1).unwrap();
    let err = Knowledge::from_dir(&dir).unwrap_err().to_string();
    assert!(
        err.contains("required document id \"ds5535\" is missing"),
        "{err}"
    );
    assert!(
        err.contains("required rule id \"marriage_90_days\" is missing"),
        "{err}"
    );
    std::fs::write(
        dir.join("rules.toml"),
        rules.replace("months = 24", "months = 12"),
    )
    .unwrap();
    let err = Knowledge::from_dir(&dir).unwrap_err().to_string();
    assert!(
        err.contains("rule police_certificate_validity in rules.toml says 12"),
        "{err}"
    );
    std::fs::write(dir.join("rules.toml"), "[[rule]]\nid = 1\n").unwrap();
    let err = Knowledge::from_dir(&dir).unwrap_err().to_string();
    assert!(
        err.contains("rules.toml") && err.contains("invalid type"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
