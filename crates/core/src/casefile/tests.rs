//! Tests of reading, validating and showing case files.

use super::privacy::without_quoted_values;
use super::validate::normalize_section;
use super::*;

#[test]
fn sections_normalise() {
    assert_eq!(normalize_section("221g").as_deref(), Some("221(g)"));
    assert_eq!(normalize_section("INA 221(g)").as_deref(), Some("221(g)"));
    assert_eq!(
        normalize_section("212(a)(6)(C)(i)").as_deref(),
        Some("212(a)(6)(C)(i)")
    );
    assert_eq!(normalize_section("214(b)").as_deref(), Some("214(b)"));
    assert_eq!(normalize_section("lost"), None);
    assert_eq!(normalize_section("221(g"), None);
}

const EXAMPLE: &str = include_str!("../../../../examples/k1-manila-221g.toml");

fn knowledge() -> Knowledge {
    Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"))
}

fn today() -> Date {
    "2026-01-01".parse().expect("date")
}

/// Every personal value the example case file holds.
const PERSONAL: &[&str] = &[
    "SANTOS",
    "Santos",
    "Maria",
    "Clara",
    "Daniel",
    "Whitfield",
    "P1234567A",
    "1996-04-12",
    "1993-09-30",
];

#[test]
fn debug_of_a_case_file_shows_no_personal_value() {
    let mut case = CaseFile::parse(EXAMPLE, Format::Toml, &knowledge(), today())
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(r) = case.refusal.as_mut() {
        r.notes = Some("Officer Whitfield kept Maria's passport".into());
    }
    for shown in [format!("{case:?}"), format!("{case:#?}")] {
        for value in PERSONAL {
            assert!(!shown.contains(value), "{value} in {shown}");
        }
        // Not personal, and useful: the post, the dates, the documents, id prefixes.
        for useful in ["MNL", "2025-06-02", "police_certificate", "<redacted>"] {
            assert!(shown.contains(useful), "{useful} missing from {shown}");
        }
        assert!(!shown.contains("MNL2025512345") && !shown.contains("IOE0912345678"));
        assert!(!shown.contains("AA00B7QPGN"));
    }
    let person = case.beneficiary.as_ref().expect("beneficiary");
    assert_eq!(
        format!("{person:?}"),
        "Person { given_names: <redacted>, surname: <redacted>, date_of_birth: <redacted>, nationality: Some(\"PH\") }"
    );
    // Serialising (for the encrypted store) still gives the values.
    assert!(case.to_toml().contains("P1234567A"));
}

#[test]
fn problems_and_syntax_errors_do_not_repeat_personal_values() {
    let k = knowledge();
    // The example's passport number is also the format's example in the message.
    let example = EXAMPLE.replace("P1234567A", "ZX9876543");
    let broken = [
        example.replace("ZX9876543", "ZX98765#3"),
        example.replace("1996-04-12", "1996-14-12"),
        example.replace(
            "date_of_birth = 1996-04-12",
            "date_of_birth = \"2096-04-12\"",
        ),
        example.replace("nationality = \"PH\"", "nationality = \"Santos\""),
        // TOML syntax: an unquoted name (the toml crate prints the line).
        example.replace("surname = \"Santos\"", "surname = Santos"),
        // serde quotes a value of the wrong type.
        example.replace(
            "[beneficiary]\n",
            "beneficiary = \"Maria Clara Santos\"\n[x]\n",
        ),
        example.replace(
            "given_names = \"Maria Clara\"",
            "given_names = [\"Maria Clara\"]",
        ),
    ];
    for text in &broken {
        let e = CaseFile::parse(text, Format::Toml, &k, today())
            .expect_err("the file is broken")
            .to_string();
        for value in PERSONAL.iter().filter(|v| **v != "P1234567A").chain(&[
            "ZX9876543",
            "ZX98765#3",
            "1996-14-12",
            "2096-04-12",
        ]) {
            assert!(!e.contains(value), "{value} in {e}");
        }
    }
    let json = r#"{"visa": "K-1", "post": "MNL", "surname": ["Santos"], "beneficiary": "Maria"}"#;
    let e = CaseFile::parse(json, Format::Json, &k, today())
        .expect_err("wrong types")
        .to_string();
    assert!(!e.contains("Santos") && !e.contains("Maria"), "{e}");
    assert!(e.contains("line 1"), "{e}");
}

#[test]
fn quoted_values_are_cut_from_serde_messages() {
    assert_eq!(
        without_quoted_values(r#"invalid type: string "Ma\"ria", expected `visa` at line 2"#),
        r#"invalid type: string "…", expected `visa` at line 2"#
    );
    assert_eq!(
        without_quoted_values("expected `\"`, `'`"),
        "expected `\"`, `'`"
    );
}

#[test]
fn visa_classes() {
    assert_eq!(VisaClass::parse("k1"), Ok(VisaClass::K1));
    assert_eq!(VisaClass::parse("K-2"), Ok(VisaClass::K2));
    assert!(VisaClass::parse("H-1B").unwrap_err().contains("K-1, K-2"));
}

#[test]
fn a_status_reading_alone_is_checked_like_one_in_a_case_file() {
    let k = knowledge();
    let ok = StatusObservation::parse_json(
        r#"{"on": "2025-06-02", "status": "administrative processing"}"#,
        &k,
        today(),
    )
    .expect("valid");
    assert_eq!(ok.status, "Administrative Processing");
    assert_eq!(ok.source, StatusSource::Ceac);
    let Err(CaseFileError::Invalid(problems)) = StatusObservation::parse_json(
        r#"{"on": "2030-01-01", "status": "Flying", "source": "ceac"}"#,
        &k,
        today(),
    ) else {
        panic!("two problems expected");
    };
    let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(fields, ["on", "status"]);
    assert!(matches!(
        StatusObservation::parse_json(r#"{"on": "2025-06-02"}"#, &k, today()),
        Err(CaseFileError::Syntax { .. })
    ));
}
