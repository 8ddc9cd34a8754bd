//! The manual captcha strategy in the browser, for real: "check now" fetches CEAC's form and
//! picture, the picture is served as a PNG, the code read from it finishes the check; a wrong
//! code stores nothing and shows a new picture at once; a used picture cannot be used again;
//! unanswered pictures count towards the limit.

use axum::http::StatusCode;
use visanav_sources::captcha::CaptchaStrategy;
use visanav_sources::fake::read_fake_code;
use visanav_store::{Actor, CaseId};

use super::{Fake, check_now, config, follow, location};
use crate::harness::{App, EXAMPLE};

/// The picture of the challenge page at `path`, and the code hidden in it.
async fn picture(app: &App, path: &str) -> String {
    let page = app.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let src = format!("{}/captcha.png", path.split('?').next().expect("path"));
    assert!(
        page.body.contains(&format!("src=\"{src}\"")),
        "{}",
        page.body
    );
    let (status, headers, bytes) = app.get_bytes(&src).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/png");
    assert!(
        headers["cache-control"]
            .to_str()
            .expect("ascii")
            .contains("no-store")
    );
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    read_fake_code(&bytes).expect("the fake's code")
}

/// Posts `code` for the challenge at `path`.
async fn answer(app: &App, path: &str, code: &str) -> crate::harness::Resp {
    let path = path.split('?').next().expect("path");
    app.post_form(path, &format!("code={code}")).await
}

#[tokio::test]
async fn a_person_reads_the_picture_and_the_check_completes() {
    let fake = Fake::start().await;
    let app = App::with_monitor(config(&fake, CaptchaStrategy::Manual)).await;
    let id = app.add_case(EXAMPLE).await;
    fake.set("normal", "Issued", "2025-06-09");
    let me = Actor::local();

    let start = check_now(&app, &id, "ceac").await;
    let first = location(&start);
    assert!(
        first.starts_with(&format!("/cases/{id}/checks/")),
        "{first}"
    );
    let page = app.get(&first).await;
    for attribute in [
        "autocomplete=\"off\"",
        "autocapitalize=\"characters\"",
        "name=\"code\"",
    ] {
        assert!(page.body.contains(attribute), "{attribute}: {}", page.body);
    }
    assert!(page.body.contains(visanav_core::NOT_LEGAL_ADVICE));
    let code = picture(&app, &first).await;

    // A wrong code: said plainly, a new picture at once, nothing stored as a status, and the
    // case's monitoring not counted as failing.
    let wrong = answer(&app, &first, "WRONG00").await;
    let second = location(&wrong);
    assert!(second.ends_with("?miss=1"), "{second}");
    assert_ne!(second.split('?').next(), Some(first.as_str()));
    let page = app.get(&second).await;
    assert!(page.body.contains("That code did not match the picture"));
    assert_eq!(app.store.timeline(&me, &id).await.expect("t").len(), 4);
    let attempts = app.store.attempts(&me, &id, 10).await.expect("attempts");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].error.as_deref(), Some("captcha_mismatch"));
    assert!(app.store.monitors(&me, &id).await.expect("m").is_empty());
    // The first picture was used: it cannot be answered again, even with its right code.
    let used = answer(&app, &first, &code).await;
    assert_eq!(used.status, StatusCode::GONE);
    assert!(used.body.contains("This picture has expired"));
    assert!(used.body.contains("Start again with a new picture"));
    let (status, ..) = app.get_bytes(&format!("{first}/captcha.png")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // An empty answer keeps the picture.
    let empty = answer(&app, &second, "").await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.body.contains("Type the code shown in the picture."));

    // The right code, typed in small letters with a space: the check completes.
    let code = picture(&app, &second).await.to_lowercase();
    let typed = format!("{} {}", &code[..2], &code[2..]);
    let done = answer(&app, &second, &typed.replace(' ', "+")).await;
    let page = follow(&app, &done).await;
    assert!(
        page.body.contains("Changed: Refused → Issued."),
        "{}",
        page.body
    );
    let timeline = app.store.timeline(&me, &id).await.expect("timeline");
    let last = timeline.last().expect("reading");
    assert_eq!(
        (last.status.as_str(), last.via.as_str()),
        ("Issued", "direct")
    );
    let stats = fake.stats().await;
    assert_eq!(stats["ceac_posts_by_case"]["MNL2025512345"], 1);
    assert_eq!(stats["ceac_captcha_gets"], 2);
}

#[tokio::test]
async fn unanswered_pictures_count_towards_the_limit() {
    let fake = Fake::start().await;
    let app = App::with_monitor(visanav_server::monitor::MonitorConfig {
        check_now_per_hour: 2,
        ..config(&fake, CaptchaStrategy::Manual)
    })
    .await;
    let id: CaseId = app.add_case(EXAMPLE).await;
    for _ in 0..2 {
        let r = check_now(&app, &id, "ceac").await;
        assert!(location(&r).contains("/checks/"));
    }
    let before = fake.stats().await;
    let refused = check_now(&app, &id, "ceac").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(fake.stats().await, before, "no picture was fetched");
}
