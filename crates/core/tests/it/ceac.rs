//! The CEAC result parser against saved pages and copied texts: every field of a result,
//! and every kind of non-result mapped to its error.

use std::path::PathBuf;

use jiff::civil::date;
use visanav_core::ceac::{
    ApplicationKind, CeacParseError, CeacResult, parse_result, parse_result_with,
};
use visanav_core::knowledge::Knowledge;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ceac")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parsed(name: &str) -> CeacResult {
    parse_result(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn failure(name: &str) -> CeacParseError {
    match parse_result(&fixture(name)) {
        Ok(r) => panic!("{name} parsed as a result: {r:?}"),
        Err(e) => e,
    }
}

const REFUSED: &str = "A U.S. consular officer has adjudicated and refused your visa \
application. Please see the letter you received at the interview.";

#[test]
fn iv_refused_page() {
    let r = parsed("iv-refused.html");
    assert_eq!(r.case_number, "MNL2025512345");
    assert_eq!(r.application_type, "IMMIGRANT VISA APPLICATION");
    assert_eq!(r.kind, Some(ApplicationKind::Iv));
    assert_eq!(r.status, "Refused");
    assert_eq!(r.status_shown, "Refused");
    assert_eq!(r.status_slug, None, "no knowledge base given");
    assert_eq!(r.case_created, Some(date(2025, 3, 3)));
    assert_eq!(r.last_updated, Some(date(2025, 7, 15)));
    assert_eq!(r.message, REFUSED);
}

#[test]
fn niv_issued_page_with_mixed_attribute_styles() {
    let r = parsed("niv-issued.html");
    assert_eq!(r.case_number, "AA00B7QPGN");
    assert_eq!(r.application_type, "NONIMMIGRANT VISA APPLICATION");
    assert_eq!(r.kind, Some(ApplicationKind::Niv));
    assert_eq!(r.status, "Issued");
    assert_eq!(r.case_created, Some(date(2022, 8, 30)));
    assert_eq!(r.last_updated, Some(date(2022, 10, 19)));
    assert!(
        r.message.starts_with("Your visa is in final processing."),
        "{}",
        r.message
    );
    assert!(r.message.ends_with("where you submitted your application."));
}

#[test]
fn administrative_processing_page() {
    let r = parsed("iv-administrative-processing.html");
    assert_eq!(r.status, "Administrative Processing");
    assert_eq!(r.case_number, "MNL2024987654");
    assert_eq!(r.case_created, Some(date(2024, 11, 12)));
    assert_eq!(r.last_updated, Some(date(2025, 6, 2)));
    assert!(r.message.contains("administrative processing"));
}

#[test]
fn entities_nested_tags_and_whitespace() {
    let r = parsed("entities-whitespace.html");
    assert_eq!(r.application_type, "IMMIGRANT VISA APPLICATION");
    assert_eq!(r.kind, Some(ApplicationKind::Iv));
    assert_eq!(r.case_number, "MNL2025000111");
    assert_eq!(r.status, "Refused");
    assert_eq!(r.case_created, Some(date(2025, 1, 7)));
    assert_eq!(r.last_updated, Some(date(2025, 8, 21)));
    assert!(r.message.starts_with(REFUSED), "{}", r.message);
    assert!(
        r.message
            .contains("will remain refused while undergoing such processing."),
        "nested span kept: {}",
        r.message
    );
    assert!(
        r.message.ends_with(
            "once such processing is complete. Questions & answers: see the embassy's \
             \u{201c}Contact Us\u{201d} page."
        ),
        "{}",
        r.message
    );
}

#[test]
fn copied_text_reads_like_the_page() {
    let page = parsed("iv-refused.html");
    let copied = parsed("copied-refused.txt");
    assert_eq!(
        copied, page,
        "a copy of the panel gives the same result as the page"
    );

    let r = parsed("copied-niv-issued-labels-apart.txt");
    assert_eq!(r.case_number, "AA00B7QPGN");
    assert_eq!(r.kind, Some(ApplicationKind::Niv));
    assert_eq!(r.status, "Issued");
    assert_eq!(r.case_created, Some(date(2022, 8, 30)));
    assert_eq!(r.last_updated, Some(date(2022, 10, 19)));
    assert_eq!(r, parsed("niv-issued.html"));
}

#[test]
fn the_knowledge_base_spells_the_status() {
    let k = Knowledge::embedded().expect("knowledge");
    let r = parse_result_with(&fixture("iv-refused.html"), &k).expect("parses");
    assert_eq!(r.status_slug.as_deref(), Some("ceac-refused"));
    assert_eq!(
        r.status,
        k.status_by_slug("ceac-refused").expect("known").name
    );
    // A shout, as some copies give it, still finds the status.
    let shouted = fixture("copied-refused.txt").replace("\nRefused\n", "\nREFUSED\n");
    let r = parse_result_with(&shouted, &k).expect("parses");
    assert_eq!(r.status_shown, "REFUSED");
    assert_eq!(r.status, "Refused");
    assert_eq!(r.status_slug.as_deref(), Some("ceac-refused"));
}

#[test]
fn every_error_maps_to_its_variant() {
    assert_eq!(
        failure("captcha-mismatch.html"),
        CeacParseError::CaptchaMismatch
    );
    assert_eq!(
        failure("copied-captcha-mismatch.txt"),
        CeacParseError::CaptchaMismatch
    );
    assert_eq!(failure("invalid-id.html"), CeacParseError::InvalidId);
    assert_eq!(failure("no-data.html"), CeacParseError::NotFound);
    assert_eq!(
        failure("validation-summary.html"),
        CeacParseError::Validation("Passport Number is required.".into())
    );
    assert_eq!(failure("cloudflare-block.html"), CeacParseError::Blocked);
    assert_eq!(failure("form-only.html"), CeacParseError::FormNotSubmitted);
    assert_eq!(failure("not-ceac.html"), CeacParseError::NotCeac);
    assert_eq!(parse_result(""), Err(CeacParseError::NotCeac));
    assert_eq!(
        parse_result("Your order has shipped.\nThanks for shopping."),
        Err(CeacParseError::NotCeac)
    );
}

#[test]
fn error_messages_name_the_fix() {
    assert!(
        CeacParseError::FormNotSubmitted
            .to_string()
            .contains("press Submit first")
    );
    assert!(
        CeacParseError::CaptchaMismatch
            .to_string()
            .contains("Type the new code")
    );
    assert!(
        CeacParseError::Blocked
            .to_string()
            .contains("Wait a few hours")
    );
    let codes: Vec<&str> = [
        CeacParseError::CaptchaMismatch,
        CeacParseError::NotFound,
        CeacParseError::InvalidId,
        CeacParseError::Blocked,
        CeacParseError::NotCeac,
    ]
    .iter()
    .map(CeacParseError::code)
    .collect();
    assert_eq!(
        codes,
        [
            "captcha_mismatch",
            "not_found",
            "invalid_id",
            "blocked",
            "unparseable"
        ]
    );
}

#[test]
fn a_damaged_date_is_an_error_not_a_guess() {
    let page = fixture("iv-refused.html").replace("15-Jul-2025", "15-Jly-2025");
    assert_eq!(
        parse_result(&page),
        Err(CeacParseError::BadDate {
            field: "Case Last Updated",
            text: "15-Jly-2025".into()
        })
    );
}

#[test]
fn a_status_in_a_script_or_comment_is_not_the_status() {
    // The fixtures' script assigns a span with the status id; a comment can hold one too.
    let page = fixture("iv-refused.html").replace(
        "<body>",
        "<body><!-- <span id=\"ctl00_ContentPlaceHolder1_ucApplicationStatusView_lblStatus\">Ready</span> -->",
    );
    assert_eq!(parse_result(&page).expect("parses").status, "Refused");
    let form = fixture("form-only.html");
    assert!(
        form.contains("Issued</span>';"),
        "the script holds a decoy status"
    );
    assert_eq!(parse_result(&form), Err(CeacParseError::FormNotSubmitted));
}

/// A direct check posts the form as an ASP.NET AJAX partial postback: the answer is a
/// `length|type|id|content|` delta with the panel's markup inside, not a whole page.
#[test]
fn ajax_partial_postback_response() {
    let r = parsed("iv-ready-ajax-delta.txt");
    assert_eq!(r.case_number, "CDJ2025444555");
    assert_eq!(r.kind, Some(ApplicationKind::Iv));
    assert_eq!(r.status, "Ready");
    assert_eq!(r.case_created, Some(date(2025, 2, 18)));
    assert_eq!(r.last_updated, Some(date(2025, 9, 1)), "a one-digit day");
    assert!(
        r.message
            .starts_with("Your case is ready for your interview")
    );
}

#[test]
fn a_page_cut_short_keeps_only_the_span_text() {
    let page = fixture("iv-refused.html");
    let cut = &page[..page.find(">Refused</span>").expect("status span") + ">Refused".len()];
    let r = parse_result(cut).expect("the fields before the cut are there");
    assert_eq!(r.status, "Refused");
    assert_eq!(r.message, "", "the message span never arrived");
}

/// Found by `never_panics` in CI: a page cut inside its script, then stray tag characters.
#[test]
fn a_page_cut_inside_a_script_does_not_panic() {
    let page = fixture("entities-whitespace.html");
    let head = page.get(..484).unwrap_or("");
    let _ = parse_result(&format!("{head} /><->"));
}

proptest::proptest! {
    /// Whatever arrives (garbage, half a page, stray `<` and `&`), the parser answers
    /// without panicking.
    #[test]
    fn never_panics(cut in 0usize..6000, noise in "[<>&;#a-z\"'=/ !-]{0,80}") {
        let page = fixture("entities-whitespace.html");
        let head = page.get(..cut.min(page.len())).unwrap_or("");
        let _ = parse_result(&format!("{head}{noise}"));
        let _ = parse_result(&noise);
    }
}

#[test]
fn the_form_gives_every_hidden_input_and_the_captcha_image() {
    let form = visanav_core::ceac::read_form(&fixture("form-only.html")).expect("a form");
    let names: Vec<&str> = form.hidden.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"__VIEWSTATE"), "{names:?}");
    assert!(
        names.contains(&"LBD_VCID_c_status_ctl00_contentplaceholder1_defaultcaptcha"),
        "{names:?}"
    );
    assert_eq!(form.hidden.len(), 9, "every hidden input, not a fixed list");
    // The src is HTML-escaped in the page and decoded here.
    assert!(
        form.captcha_src
            .starts_with("BotDetectCaptcha.ashx?get=image&c=")
            && form
                .captcha_src
                .ends_with("&t=5d1c0f6a2b9e4e7c8a3f0b1d2c3e4f5a"),
        "{}",
        form.captcha_src
    );
    assert_eq!(
        visanav_core::ceac::read_form(&fixture("cloudflare-block.html")),
        Err(CeacParseError::Blocked)
    );
    assert_eq!(
        visanav_core::ceac::read_form(&fixture("not-ceac.html")).map(|_| ()),
        Err(CeacParseError::NotCeac)
    );
}
