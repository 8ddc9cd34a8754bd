//! The fake CEAC status tracker, walked as a browser (or the direct check) walks the real
//! one: GET the form, GET the captcha with the session cookie, POST every hidden input back.

use std::time::{Duration, Instant};

use visanav_core::ceac::{CeacForm, CeacParseError, parse_result, read_form};
use visanav_sources::fake::read_fake_code;

use super::{FakeServer, Reply};

const REFUSED_MESSAGE: &str = "A U.S. consular officer has adjudicated and refused your visa \
    application.  Please see the letter you received at the interview.";

/// One K-1 case (IV side, NVC case number) and one NIV case, in `mode`.
fn cases(mode: &str, k1_status: &str) -> String {
    format!(
        r#"
[ceac]
mode = "{mode}"
slow_ms = 300
[[ceac.cases]]
kind = "IV"
case_number = "MNL2025123456"
passport = "P1234567"
surname = "SANTOS"
status = "{k1_status}"
created = "2025-05-01"
last_updated = "2025-06-02"
message = "{REFUSED_MESSAGE}"
[[ceac.cases]]
kind = "NIV"
case_number = "AA00B7QPGN"
location = "MNL"
passport = "X7654321"
surname = "REYES"
status = "Issued"
created = "2024-12-24"
last_updated = "2025-01-09"
message = "Your visa is in final processing."
"#
    )
}

const K1: [(&str, &str); 5] = [
    ("ctl00$ContentPlaceHolder1$Visa_Application_Type", "IV"),
    ("ctl00$ContentPlaceHolder1$Location_Dropdown", ""),
    (
        "ctl00$ContentPlaceHolder1$Visa_Case_Number",
        "MNL2025123456",
    ),
    ("ctl00$ContentPlaceHolder1$Passport_Number", "P1234567"),
    ("ctl00$ContentPlaceHolder1$Surname", "santo"),
];

/// A client with a cookie jar of one cookie, as the peers' `requests.Session`.
struct Browser<'a> {
    fake: &'a FakeServer,
    cookie: Option<String>,
}

impl<'a> Browser<'a> {
    fn new(fake: &'a FakeServer) -> Browser<'a> {
        Browser { fake, cookie: None }
    }

    fn keep_cookie(&mut self, reply: &Reply) {
        if let Some(set) = reply.header("set-cookie") {
            let pair = set.split(';').next().unwrap_or_default();
            self.cookie = Some(pair.to_string());
        }
    }

    fn cookie_header(&self) -> Vec<(&str, &str)> {
        self.cookie.iter().map(|c| ("Cookie", c.as_str())).collect()
    }

    async fn form(&mut self, path: &str) -> (Reply, CeacForm) {
        let reply = self.fake.get(path, &self.cookie_header()).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        self.keep_cookie(&reply);
        let form = read_form(&reply.text()).expect("the status form");
        (reply, form)
    }

    async fn captcha(&mut self, form: &CeacForm) -> Reply {
        self.fake
            .get(&form.captcha_src, &self.cookie_header())
            .await
    }

    /// Solves the captcha by reading the code the fake hid in the image.
    async fn solve(&mut self, form: &CeacForm) -> String {
        let image = self.captcha(form).await;
        assert_eq!(image.status, 200, "{}", image.text());
        assert_eq!(image.header("content-type"), Some("image/png"));
        read_fake_code(&image.body).expect("code in the PNG")
    }

    /// Posts every hidden input back with the visible fields, as reference §1.2 step 5.
    async fn submit(
        &mut self,
        hidden: &[(String, String)],
        fields: &[(&str, &str)],
        code: &str,
        async_post: bool,
    ) -> Reply {
        let mut body = form_urlencoded::Serializer::new(String::new());
        body.append_pair(
            "ctl00$ToolkitScriptManager1",
            "ctl00$ContentPlaceHolder1$UpdatePanel1|ctl00$ContentPlaceHolder1$btnSubmit",
        );
        for (name, value) in hidden {
            let value = if name == "__EVENTTARGET" {
                "ctl00$ContentPlaceHolder1$btnSubmit"
            } else {
                value
            };
            body.append_pair(name, value);
        }
        for (name, value) in fields {
            body.append_pair(name, value);
        }
        body.append_pair("ctl00$ContentPlaceHolder1$Captcha", code);
        if async_post {
            body.append_pair("__ASYNCPOST", "true");
        }
        let mut headers = self.cookie_header();
        headers.push(("Content-Type", "application/x-www-form-urlencoded"));
        let reply = self
            .fake
            .post(
                "/ceacstattracker/status.aspx",
                &headers,
                body.finish().as_bytes(),
            )
            .await;
        self.keep_cookie(&reply);
        reply
    }

    /// The whole flow for one case.
    async fn check(&mut self, app: &str, fields: &[(&str, &str)], async_post: bool) -> Reply {
        let (_, form) = self
            .form(&format!("/ceacstattracker/status.aspx?App={app}"))
            .await;
        let code = self.solve(&form).await;
        self.submit(&form.hidden, fields, &code, async_post).await
    }
}

fn hidden_value<'a>(form: &'a CeacForm, name: &str) -> &'a str {
    form.hidden
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no hidden input {name}"))
}

#[tokio::test]
async fn the_form_is_a_webforms_page_with_fresh_state_per_request() {
    let fake = FakeServer::start(&cases("normal", "Refused")).await;
    let mut browser = Browser::new(&fake);
    // The official links' spelling of the path works as well as the peers' lower case.
    let (first, form) = browser.form("/CEACStatTracker/Status.aspx?App=IV").await;
    let set_cookie = first.header("set-cookie").expect("session cookie");
    assert!(
        set_cookie.starts_with("ASP.NET_SessionId=") && set_cookie.ends_with("; path=/; HttpOnly"),
        "{set_cookie}"
    );
    assert_eq!(first.header("server"), Some("cloudflare"));
    assert!(first.header("cf-ray").is_some_and(|r| r.ends_with("-IAD")));
    let names: Vec<&str> = form.hidden.iter().map(|(n, _)| n.as_str()).collect();
    for name in [
        "__EVENTTARGET",
        "__EVENTARGUMENT",
        "__LASTFOCUS",
        "__VIEWSTATE",
        "__VIEWSTATEGENERATOR",
        "__VIEWSTATEENCRYPTED",
        "LBD_VCID_c_status_ctl00_contentplaceholder1_defaultcaptcha",
        "LBD_BackWorkaround_c_status_ctl00_contentplaceholder1_defaultcaptcha",
        "ctl00_ToolkitScriptManager1_HiddenField",
        "ctl00$ApplicationInfo",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    assert_eq!(hidden_value(&form, "__VIEWSTATEGENERATOR"), "DBF1011F");
    let vcid = hidden_value(
        &form,
        "LBD_VCID_c_status_ctl00_contentplaceholder1_defaultcaptcha",
    );
    assert!(vcid.len() == 32 && vcid.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        form.captcha_src,
        format!(
            "/CEACStatTracker/BotDetectCaptcha.ashx?get=image&c=c_status_ctl00_contentplaceholder1_defaultcaptcha&t={vcid}"
        )
    );
    let html = first.text();
    assert!(
        html.contains("&amp;t="),
        "the src is HTML-escaped in the page"
    );
    assert!(html.contains(r#"<option selected="selected" value="IV">"#));
    assert!(html.contains(r#"<option value="MNL">PHILIPPINES, MANILA</option>"#));
    assert!(html.contains(r#"id="ctl00_ContentPlaceHolder1_btnSubmit""#));
    assert!(html.contains(r#"id="ctl00_ContentPlaceHolder1_ucApplicationStatusView_pnlStatus" class="modal-panel" style="display:none;""#));
    assert_eq!(parse_result(&html), Err(CeacParseError::FormNotSubmitted));

    // A second GET in the same session: same cookie, new VIEWSTATE and captcha instance.
    let (second, again) = browser.form("/ceacstattracker/status.aspx?App=NIV").await;
    assert_eq!(second.header("set-cookie"), None, "the session is kept");
    assert_ne!(
        hidden_value(&again, "__VIEWSTATE"),
        hidden_value(&form, "__VIEWSTATE")
    );
    assert_ne!(again.captcha_src, form.captcha_src);
    assert!(
        second
            .text()
            .contains(r#"<option selected="selected" value="NIV">"#)
    );

    // The captcha: a 200×50 grayscale PNG carrying its code.
    let image = browser.captcha(&form).await;
    assert_eq!(&image.body[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&image.body[12..16], b"IHDR");
    assert_eq!(&image.body[16..24], &[0, 0, 0, 200, 0, 0, 0, 50]);
    assert_eq!(image.body[24..26], [8, 0], "8-bit grayscale");
    let code = read_fake_code(&image.body).expect("code");
    assert!((5..=6).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric()));
    // Without the session cookie the captcha instance is not found.
    let stranger = fake.get(&form.captcha_src, &[]).await;
    assert_eq!(stranger.status, 404);
}

#[tokio::test]
async fn a_k1_case_is_read_through_the_whole_flow_as_delta_and_as_page() {
    let fake = FakeServer::start(&cases("normal", "Refused")).await;
    for async_post in [true, false] {
        let mut browser = Browser::new(&fake);
        let reply = browser.check("IV", &K1, async_post).await;
        assert_eq!(reply.status, 200);
        let body = reply.text();
        if async_post {
            assert!(body.starts_with("1|#||4|"), "{body:.80}");
            assert!(body.contains("|updatePanel|ctl00_ContentPlaceHolder1_UpdatePanel1|"));
            assert!(body.contains("|hiddenField|__VIEWSTATE|/wEP"));
        } else {
            assert!(body.contains("<html"));
        }
        let result = parse_result(&body).expect("a result");
        assert_eq!(result.case_number, "MNL2025123456");
        assert_eq!(result.application_type, "IMMIGRANT VISA APPLICATION");
        assert_eq!(result.kind.map(|k| k.as_str()), Some("IV"));
        assert_eq!(result.status, "Refused");
        assert_eq!(
            result.case_created,
            Some(jiff::civil::Date::constant(2025, 5, 1))
        );
        assert_eq!(
            result.last_updated,
            Some(jiff::civil::Date::constant(2025, 6, 2))
        );
        assert!(result.message.starts_with("A U.S. consular officer"));
        assert!(body.contains(">01-May-2025<") && body.contains(">02-Jun-2025<"));
    }
    let stats = fake.stats().await;
    assert_eq!(stats["ceac_form_gets"], 2);
    assert_eq!(stats["ceac_captcha_gets"], 2);
    assert_eq!(stats["ceac_posts"], 2);
    assert_eq!(stats["ceac_posts_by_case"]["MNL2025123456"], 2);
}

#[tokio::test]
async fn an_niv_case_is_found_only_at_its_location() {
    let fake = FakeServer::start(&cases("normal", "Refused")).await;
    let niv = |location| {
        [
            ("ctl00$ContentPlaceHolder1$Visa_Application_Type", "NIV"),
            ("ctl00$ContentPlaceHolder1$Location_Dropdown", location),
            ("ctl00$ContentPlaceHolder1$Visa_Case_Number", "aa00b7qpgn"),
            ("ctl00$ContentPlaceHolder1$Passport_Number", "X7654321"),
            ("ctl00$ContentPlaceHolder1$Surname", "REYES"),
        ]
    };
    let mut browser = Browser::new(&fake);
    let found =
        parse_result(&browser.check("NIV", &niv("MNL"), true).await.text()).expect("a result");
    assert_eq!(
        (found.status.as_str(), found.case_number.as_str()),
        ("Issued", "AA00B7QPGN")
    );
    assert_eq!(found.application_type, "NONIMMIGRANT VISA APPLICATION");
    let elsewhere = browser.check("NIV", &niv("BEJ"), true).await;
    assert_eq!(
        parse_result(&elsewhere.text()),
        Err(CeacParseError::NotFound)
    );
}

#[tokio::test]
async fn a_wrong_code_is_a_mismatch_and_a_captcha_serves_once() {
    let fake = FakeServer::start(&cases("normal", "Refused")).await;
    let mut browser = Browser::new(&fake);
    let (_, form) = browser.form("/ceacstattracker/status.aspx?App=IV").await;
    let code = browser.solve(&form).await;
    let wrong = browser.submit(&form.hidden, &K1, "ZZZZZZZ", true).await;
    assert_eq!(
        parse_result(&wrong.text()),
        Err(CeacParseError::CaptchaMismatch)
    );
    assert!(
        wrong
            .text()
            .contains("The code entered does not match the code displayed on the page.")
    );
    // The right code, too late: the instance was spent by the wrong attempt.
    let replay = browser.submit(&form.hidden, &K1, &code, true).await;
    assert_eq!(
        parse_result(&replay.text()),
        Err(CeacParseError::CaptchaMismatch)
    );
    // A solved captcha cannot be replayed either.
    let (_, form) = browser.form("/ceacstattracker/status.aspx?App=IV").await;
    let code = browser.solve(&form).await;
    let first = browser
        .submit(&form.hidden, &K1, &code.to_lowercase(), false)
        .await;
    assert_eq!(
        parse_result(&first.text()).map(|r| r.status),
        Ok("Refused".to_string()),
        "codes compare without case"
    );
    let second = browser.submit(&form.hidden, &K1, &code, false).await;
    assert_eq!(
        parse_result(&second.text()),
        Err(CeacParseError::CaptchaMismatch)
    );
    // A spent instance's image is gone too.
    assert_eq!(browser.captcha(&form).await.status, 404);
    let stats = fake.stats().await;
    assert_eq!(stats["ceac_posts"], 4);
    assert_eq!(stats["ceac_posts_by_case"]["MNL2025123456"], 1);
}

#[tokio::test]
async fn a_postback_missing_a_hidden_input_or_with_a_foreign_viewstate_is_refused() {
    let fake = FakeServer::start(&cases("normal", "Refused")).await;
    let mut browser = Browser::new(&fake);
    for missing in ["__VIEWSTATE", "ctl00$ApplicationInfo", "__LASTFOCUS"] {
        let (_, form) = browser.form("/ceacstattracker/status.aspx?App=IV").await;
        let code = browser.solve(&form).await;
        let hidden: Vec<(String, String)> = form
            .hidden
            .iter()
            .filter(|(n, _)| n != missing)
            .cloned()
            .collect();
        let page = browser.submit(&hidden, &K1, &code, false).await;
        assert_eq!(page.status, 500, "without {missing}");
        assert!(!page.text().contains("ValidationSummary1"));
        let err = parse_result(&page.text()).expect_err("not a result");
        assert_eq!(err.code(), "unparseable", "{err:?}");
        let delta = browser.submit(&hidden, &K1, &code, true).await;
        assert!(delta.text().contains("|error|500|"), "{}", delta.text());
        assert!(parse_result(&delta.text()).is_err());
    }
    // A VIEWSTATE issued to another session is refused as well.
    let mut other = Browser::new(&fake);
    let (_, theirs) = other.form("/ceacstattracker/status.aspx?App=IV").await;
    let (_, mine) = browser.form("/ceacstattracker/status.aspx?App=IV").await;
    let code = browser.solve(&mine).await;
    let mixed: Vec<(String, String)> = mine
        .hidden
        .iter()
        .map(|(n, v)| match n.as_str() {
            "__VIEWSTATE" => (n.clone(), hidden_value(&theirs, n).to_string()),
            _ => (n.clone(), v.clone()),
        })
        .collect();
    let page = browser.submit(&mixed, &K1, &code, false).await;
    assert_eq!(page.status, 500);
    assert_eq!(
        fake.stats().await["ceac_posts_by_case"]["MNL2025123456"],
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn without_the_session_cookie_the_captcha_cannot_match() {
    let fake = FakeServer::start(&cases("normal", "Refused")).await;
    let mut browser = Browser::new(&fake);
    let (_, form) = browser.form("/ceacstattracker/status.aspx?App=IV").await;
    let code = browser.solve(&form).await;
    browser.cookie = None;
    let reply = browser.submit(&form.hidden, &K1, &code, true).await;
    assert_eq!(
        parse_result(&reply.text()),
        Err(CeacParseError::CaptchaMismatch)
    );
    assert!(reply.header("set-cookie").is_some(), "a new session begins");
}

#[tokio::test]
async fn lookup_errors_are_ceacs_own_texts() {
    let fake = FakeServer::start(&cases("normal", "Refused")).await;
    let mut browser = Browser::new(&fake);
    let with = |number: &'static str, passport: &'static str| {
        let mut fields = K1;
        fields[2].1 = number;
        fields[3].1 = passport;
        fields
    };
    let cases_and_errors = [
        (with("MNL2025999999", "P1234567"), CeacParseError::NotFound),
        (with("MNL2025123456", "P0000000"), CeacParseError::NotFound),
        (with("MNL-2025-1234", "P1234567"), CeacParseError::InvalidId),
        (with("AA00B7QPGN", "P1234567"), CeacParseError::InvalidId),
        (
            with("MNL2025123456", ""),
            CeacParseError::Validation("Passport Number is required.".to_string()),
        ),
    ];
    for (fields, expected) in cases_and_errors {
        let reply = browser.check("IV", &fields, true).await;
        assert_eq!(
            parse_result(&reply.text()),
            Err(expected.clone()),
            "{fields:?}"
        );
    }
    let stats = fake.stats().await;
    // Only well-formed, complete submits reach the lookup.
    assert_eq!(stats["ceac_posts"], 5);
    assert_eq!(stats["ceac_posts_by_case"]["MNL2025999999"], 1);
    assert_eq!(stats["ceac_posts_by_case"]["MNL2025123456"], 1);
    assert_eq!(
        stats["ceac_posts_by_case"].as_object().map(|m| m.len()),
        Some(2)
    );
}

#[tokio::test]
async fn a_status_changed_in_the_file_shows_on_the_next_check() {
    let fake = FakeServer::start(&cases("normal", "Refused")).await;
    let mut browser = Browser::new(&fake);
    let before = parse_result(&browser.check("IV", &K1, true).await.text()).expect("result");
    assert_eq!(before.status, "Refused");
    fake.write_cases(&cases("normal", "Issued"));
    let after = parse_result(&browser.check("IV", &K1, true).await.text()).expect("result");
    assert_eq!(after.status, "Issued");
}

#[tokio::test]
async fn cloudflare_and_challenge_modes_block_every_request() {
    let fake = FakeServer::start(&cases("cloudflare", "Refused")).await;
    for path in [
        "/ceacstattracker/status.aspx?App=IV",
        "/CEACStatTracker/BotDetectCaptcha.ashx?get=image&t=0",
    ] {
        let reply = fake.get(path, &[]).await;
        assert_eq!(reply.status, 403);
        assert_eq!(reply.header("server"), Some("cloudflare"));
        let ray = reply.header("cf-ray").expect("cf-ray");
        assert!(ray.ends_with("-IAD") && ray.len() == 20, "{ray}");
        assert!(
            reply
                .text()
                .contains("<title>Attention Required! | Cloudflare</title>")
        );
        assert!(
            reply.text().contains(&ray[..16]),
            "the page shows the ray id"
        );
        assert_eq!(parse_result(&reply.text()), Err(CeacParseError::Blocked));
        assert_eq!(read_form(&reply.text()), Err(CeacParseError::Blocked));
    }
    let post = fake
        .post("/ceacstattracker/status.aspx", &[], b"__VIEWSTATE=x")
        .await;
    assert_eq!(post.status, 403);

    fake.write_cases(&cases("challenge", "Refused"));
    let reply = fake.get("/ceacstattracker/status.aspx?App=IV", &[]).await;
    assert_eq!(reply.status, 403);
    assert_eq!(reply.header("cf-mitigated"), Some("challenge"));
    assert!(reply.text().contains("Just a moment..."));
    assert_eq!(parse_result(&reply.text()), Err(CeacParseError::Blocked));

    fake.write_cases(&cases("unavailable", "Refused"));
    let reply = fake.get("/ceacstattracker/status.aspx?App=IV", &[]).await;
    assert_eq!(reply.status, 503);
    assert!(
        reply
            .text()
            .contains("HTTP Error 503. The service is unavailable.")
    );
    assert_eq!(parse_result(&reply.text()), Err(CeacParseError::NotCeac));

    let stats = fake.stats().await;
    assert_eq!(stats["ceac_blocked"], 5);
    assert_eq!(stats["ceac_form_gets"], 0, "the site itself saw nothing");
}

#[tokio::test]
async fn garbled_answers_never_read_as_results() {
    let fake = FakeServer::start(&cases("garbled", "Refused")).await;
    let mut browser = Browser::new(&fake);
    // Each damage in turn (cut short, nonsense dates, noise), as delta and as page.
    for async_post in [true, false, true, false, true, false] {
        let reply = browser.check("IV", &K1, async_post).await;
        assert_eq!(reply.status, 200);
        let err = parse_result(&reply.text()).expect_err("damaged, not a result");
        assert_eq!(err.code(), "unparseable", "{err:?}");
    }
}

#[tokio::test]
async fn captcha_always_wrong_mode_refuses_even_the_right_code() {
    let fake = FakeServer::start(&cases("captcha_always_wrong", "Refused")).await;
    let mut browser = Browser::new(&fake);
    let reply = browser.check("IV", &K1, true).await;
    assert_eq!(
        parse_result(&reply.text()),
        Err(CeacParseError::CaptchaMismatch)
    );
    assert_eq!(fake.stats().await["ceac_captcha_gets"], 1);
}

#[tokio::test]
async fn slow_mode_waits_before_answering() {
    let fake = FakeServer::start(&cases("slow", "Refused")).await;
    let started = Instant::now();
    let reply = fake.get("/ceacstattracker/status.aspx?App=IV", &[]).await;
    assert_eq!(reply.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn a_missing_cases_file_is_a_500_naming_it_and_the_fake_keeps_serving() {
    let fake = FakeServer::start(&cases("normal", "Refused")).await;
    std::fs::remove_file(&fake.cases_file).expect("remove");
    for path in ["/ceacstattracker/status.aspx", "/case-status/EAC9999103403"] {
        let reply = fake.get(path, &[]).await;
        assert_eq!(reply.status, 500);
        assert!(
            reply
                .text()
                .contains(&fake.cases_file.display().to_string()),
            "{}",
            reply.text()
        );
    }
    fake.write_cases("[ceac]\nmode = \"sometimes\"\n");
    let reply = fake.get("/ceacstattracker/status.aspx", &[]).await;
    assert_eq!(reply.status, 500);
    assert!(reply.text().contains("is not valid"), "{}", reply.text());
    fake.write_cases(&cases("normal", "Refused"));
    let reply = fake.get("/ceacstattracker/status.aspx", &[]).await;
    assert_eq!(reply.status, 200);
}

#[tokio::test]
async fn the_type_select_postback_renders_the_other_form() {
    let fake = FakeServer::start(&cases("normal", "Refused")).await;
    let mut browser = Browser::new(&fake);
    let (_, form) = browser.form("/ceacstattracker/status.aspx").await;
    assert!(form.captcha_src.contains("&t="));
    let hidden: Vec<(String, String)> = form
        .hidden
        .iter()
        .map(|(n, v)| match n.as_str() {
            "__EVENTTARGET" => (
                n.clone(),
                "ctl00$ContentPlaceHolder1$Visa_Application_Type".to_string(),
            ),
            _ => (n.clone(), v.clone()),
        })
        .collect();
    let mut body = form_urlencoded::Serializer::new(String::new());
    body.extend_pairs(hidden.iter());
    body.append_pair("ctl00$ContentPlaceHolder1$Visa_Application_Type", "IV");
    let cookie = browser.cookie.clone().expect("cookie");
    let reply = fake
        .post(
            "/ceacstattracker/status.aspx",
            &[("Cookie", cookie.as_str())],
            body.finish().as_bytes(),
        )
        .await;
    assert_eq!(reply.status, 200);
    let page = reply.text();
    assert!(page.contains(r#"<option selected="selected" value="IV">"#));
    let again = read_form(&page).expect("the form again");
    assert_ne!(again.captcha_src, form.captcha_src);
    assert_eq!(fake.stats().await["ceac_form_gets"], 2);
}

#[tokio::test]
async fn reset_zeroes_the_counters() {
    let fake = FakeServer::start(&cases("normal", "Refused")).await;
    let mut browser = Browser::new(&fake);
    browser.check("IV", &K1, true).await;
    assert_eq!(fake.stats().await["ceac_posts"], 1);
    let reply = fake.post("/__fake/reset", &[], b"").await;
    assert_eq!(reply.status, 204);
    let stats: visanav_sources::fake::Stats =
        serde_json::from_value(fake.stats().await).expect("the Stats shape");
    assert_eq!(stats, visanav_sources::fake::Stats::default());
}

#[tokio::test]
async fn the_example_cases_file_serves_its_k1_case() {
    let fake = FakeServer::start(visanav_sources::fake::EXAMPLE_CASES).await;
    let mut browser = Browser::new(&fake);
    let reply = browser.check("IV", &K1, true).await;
    let result = parse_result(&reply.text()).expect("a result");
    assert_eq!(result.status, "Refused");
}
