//! The calendar feed end to end in process: the account page makes a link, the link serves
//! iCalendar without a session and without personal data, regenerating kills the old link,
//! and (when `VISANAV_TEST_ICAL_PARSER` names a Python with `icalendar`) an independent parser
//! reads the feed and checks its events.

use axum::http::{StatusCode, header};
use visanav_core::calendar::{
    Calendar, ConsultationInfo, DEFAULT_LEAD_DAYS, FeedLinks, Stamp, consultation_event,
    write_calendar,
};

use crate::harness::{App, Browser, EXAMPLE};

/// Everything personal in the example case.
const PERSONAL: &[&str] = &[
    "Maria",
    "Santos",
    "Whitfield",
    "MNL2025512345",
    "P1234567A",
    "AA00B7QPGN",
    "IOE0912345678",
    "Officer kept",
];

/// The path of the all-cases feed link shown on the page (`/calendar/….ics`).
fn feed_path(page: &str) -> String {
    let marker = "id=\"feed-all\" value=\"";
    let start = page.find(marker).expect("the link is on the page") + marker.len();
    let url = &page[start..start + page[start..].find('"').expect("quote")];
    let path = &url[url.find("/calendar/").expect("calendar path")..];
    assert!(path.ends_with(".ics"), "{path}");
    path.to_string()
}

async fn fetch(app: &App, path: &str) -> crate::harness::Resp {
    // A calendar app: no cookie, no session.
    app.get_as(&Browser::default(), path).await
}

#[tokio::test]
async fn the_account_page_makes_a_link_that_serves_the_dates_and_regenerating_kills_it() {
    let app = App::new().await;
    app.add_case(EXAMPLE).await;
    let account = app.get("/account").await;
    assert!(account.body.contains("href=\"/account/calendar\""));

    let empty = app.get("/account/calendar").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("Make my calendar link"));
    assert!(empty.body.contains("K-1 case, Manila"));
    assert!(empty.body.contains("not legal advice"));
    assert_eq!(
        empty
            .headers
            .get(header::CACHE_CONTROL)
            .map(|v| v.as_bytes()),
        Some(&b"no-store"[..])
    );

    // A form without its CSRF token changes nothing.
    let forged = app
        .post_form_as(
            &Browser {
                csrf: "wrong".into(),
                ..app.me.clone()
            },
            "/account/calendar",
            "action=make",
        )
        .await;
    assert_ne!(forged.status, StatusCode::SEE_OTHER);
    assert!(
        app.get("/account/calendar")
            .await
            .body
            .contains("Make my calendar link")
    );

    let made = app.post_form("/account/calendar", "action=make").await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let page = app.get("/account/calendar?done=made").await;
    assert!(page.body.contains("Your new link is below"));
    assert!(page.body.contains("webcal://"));
    let first = feed_path(&page.body);
    assert_eq!(
        feed_path(&app.get("/account/calendar").await.body),
        first,
        "the page shows the same link again"
    );

    let feed = fetch(&app, &first).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert_eq!(feed.content_type(), "text/calendar; charset=utf-8");
    assert_eq!(
        feed.headers
            .get(header::CACHE_CONTROL)
            .map(|v| v.as_bytes()),
        Some(&b"private, max-age=300"[..])
    );
    let text = feed.body.replace("\r\n ", "");
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(text.contains("SUMMARY:Last day: "), "{text}");
    assert!(text.contains("K-1 case\\, Manila"));
    assert!(text.contains("DTSTART;VALUE=DATE:"));
    assert!(text.contains("TRIGGER:-P29DT15H"));
    assert!(text.contains("UID:221g_reconsideration."));
    assert!(
        text.contains("@127.0.0.1\r\n"),
        "UIDs on the instance's host"
    );
    assert!(text.contains("SEQUENCE:0\r\n"));
    for p in PERSONAL {
        assert!(!text.contains(p), "{p} is in the feed");
    }
    check_with_parser(&feed.body, "account feed");
    // Serving again changes no sequence: nothing changed.
    let again = fetch(&app, &first).await.body;
    assert!(!again.contains("SEQUENCE:1"));

    // Regenerate: the old link is dead (a bare 404), the new one works.
    let regenerated = app.post_form("/account/calendar", "action=make").await;
    assert_eq!(regenerated.status, StatusCode::SEE_OTHER);
    let second = feed_path(&app.get("/account/calendar").await.body);
    assert_ne!(second, first);
    let dead = fetch(&app, &first).await;
    assert_eq!(dead.status, StatusCode::NOT_FOUND);
    assert_eq!(dead.body, "Not found", "no detail about why");
    assert_eq!(fetch(&app, &second).await.status, StatusCode::OK);

    // Unknown tokens and paths without `.ics` are the same 404.
    for path in [
        "/calendar/0000.ics".to_string(),
        second.trim_end_matches(".ics").to_string(),
    ] {
        let r = fetch(&app, &path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.body, "Not found");
    }
}

#[tokio::test]
async fn a_per_case_link_and_stopping_a_link() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let made = app
        .post_form("/account/calendar", &format!("action=make&case={id}"))
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let page = app.get("/account/calendar").await.body;
    let marker = format!("id=\"feed-{}\" value=\"", id.short());
    let start = page.find(&marker).expect("the case's link") + marker.len();
    let url = &page[start..start + page[start..].find('"').expect("quote")];
    let path = url[url.find("/calendar/").expect("path")..].to_string();
    let feed = fetch(&app, &path).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(
        feed.body
            .contains("X-WR-CALNAME:visanav: K-1 case\\, Manila\r\n")
    );

    // Someone else cannot make a link of this case.
    let stranger = app
        .post_form(
            "/account/calendar",
            "action=make&case=0199aaaa-0000-7000-8000-000000000000",
        )
        .await;
    assert_eq!(stranger.status, StatusCode::NOT_FOUND);

    let feed_id_marker = "name=\"feed\" value=\"";
    let start = page.find(feed_id_marker).expect("stop form") + feed_id_marker.len();
    let feed_id = &page[start..start + page[start..].find('"').expect("quote")];
    let stopped = app
        .post_form("/account/calendar", &format!("action=stop&feed={feed_id}"))
        .await;
    assert_eq!(stopped.status, StatusCode::SEE_OTHER);
    assert_eq!(fetch(&app, &path).await.status, StatusCode::NOT_FOUND);
}

#[test]
fn a_consultation_feed_reads_back_in_the_independent_parser() {
    let start = "2027-03-14T10:00"
        .parse::<jiff::civil::DateTime>()
        .expect("dt")
        .in_tz("America/New_York")
        .expect("tz");
    let end = start
        .checked_add(jiff::SignedDuration::from_mins(45))
        .expect("end");
    let links = FeedLinks {
        base_url: "https://visa.example.org",
        uid_domain: "visa.example.org",
    };
    let event = consultation_event(
        &ConsultationInfo {
            id: "k1",
            start,
            end,
            title: "Consultation with Ana Reyes (Reyes Law)",
            place: "Phone call",
            url: "https://visa.example.org/consultations/k1".into(),
        },
        &links,
        DEFAULT_LEAD_DAYS,
    );
    let text = write_calendar(
        &Calendar {
            prodid: "-//visanav//test//EN",
            name: "visanav",
        },
        &[(
            event,
            Stamp {
                sequence: 2,
                last_modified: None,
            },
        )],
        "2027-01-01T00:00:00Z".parse().expect("ts"),
    );
    check_with_parser(&text, "consultation");
}

/// Runs `scripts/check-ical.py` on the feed with the interpreter `VISANAV_TEST_ICAL_PARSER`
/// names. Without it the check is skipped, except under CI, where it must run.
fn check_with_parser(feed: &str, what: &str) {
    let python = match std::env::var("VISANAV_TEST_ICAL_PARSER") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "VISANAV_TEST_ICAL_PARSER is not set, and CI is: the independent iCalendar \
                 check must run in CI (a Python with `pip install icalendar`)"
            );
            eprintln!("independent iCalendar check skipped: VISANAV_TEST_ICAL_PARSER not set");
            return;
        }
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("feed.ics");
    std::fs::write(&file, feed).expect("write feed");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/check-ical.py");
    let mut cmd = std::process::Command::new(python);
    cmd.arg(script).arg(&file);
    for p in PERSONAL {
        cmd.arg("--forbid").arg(p);
    }
    let out = cmd.output().expect("run the iCalendar checker");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{what}: {stdout}");
    assert!(
        out.status.success(),
        "{what}: the independent parser refused the feed:\n{stdout}\n{stderr}"
    );
}

#[tokio::test]
async fn an_event_whose_date_changes_comes_back_with_the_next_sequence() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    app.post_form("/account/calendar", "action=make").await;
    let path = feed_path(&app.get("/account/calendar").await.body);
    let sequence_of = |feed: &str, uid_start: &str| -> String {
        let text = feed.replace("\r\n ", "");
        let event = text
            .split("BEGIN:VEVENT")
            .find(|e| e.contains(&format!("UID:{uid_start}")))
            .unwrap_or_else(|| panic!("{uid_start} in the feed"))
            .to_string();
        let seq = event.find("SEQUENCE:").expect("sequence") + "SEQUENCE:".len();
        event[seq..seq + event[seq..].find('\r').expect("line end")].to_string()
    };
    let before = fetch(&app, &path).await.body;
    assert_eq!(sequence_of(&before, "expiry-passport."), "0");

    // The passport's expiry date is corrected: that event changes, the others do not.
    let changed = EXAMPLE.replace("expires_on = 2031-07-31", "expires_on = 2030-01-31");
    assert_ne!(changed, EXAMPLE);
    app.store
        .update_case(
            &visanav_store::Actor::local(),
            &id,
            &app.case_file(&changed),
            crate::harness::now(),
        )
        .await
        .expect("update");
    let after = fetch(&app, &path).await.body;
    assert!(after.contains("DTSTART;VALUE=DATE:20300131"));
    assert_eq!(sequence_of(&after, "expiry-passport."), "1");
    assert_eq!(sequence_of(&after, "221g_reconsideration."), "0");
    assert_eq!(
        sequence_of(&fetch(&app, &path).await.body, "expiry-passport."),
        "1",
        "served again unchanged: the same sequence"
    );
    check_with_parser(&after, "changed feed");
}

#[tokio::test]
async fn the_reminders_follow_the_lead_times_chosen_in_the_settings() {
    let app = App::new().await;
    app.add_case(EXAMPLE).await;
    app.post_form("/account/calendar", "action=make").await;
    let first = feed_path(&app.get("/account/calendar").await.body);
    let thirty = fetch(&app, &first).await.body.replace("\r\n ", "");
    assert!(thirty.contains("TRIGGER:-P29DT15H"), "the defaults first");
    // The reminders follow the lead times chosen in the notification settings.
    let prefs = visanav_store::NotificationPrefs {
        lead_days: vec![7],
        ..Default::default()
    };
    app.store
        .set_notification_prefs(
            &visanav_core::account::Actor::local(),
            &prefs,
            crate::harness::now(),
        )
        .await
        .expect("prefs");
    let seven = fetch(&app, &first).await.body.replace("\r\n ", "");
    assert!(seven.contains("TRIGGER:-P6DT15H") && !seven.contains("TRIGGER:-P29DT15H"));
    assert!(
        app.get("/account/calendar")
            .await
            .body
            .contains("reminders 7 days before")
    );
}
