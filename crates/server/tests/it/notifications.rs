//! The notification pages: the list with its unread count in every page's header, marking
//! read, the choices form (good and bad input), and the unsubscribe link (a GET changes
//! nothing; the POST does).

use axum::http::StatusCode;
use jiff::SignedDuration;
use visanav_core::account::Actor;
use visanav_core::monitor::{CheckSource, ObservationVia, Schedule};
use visanav_store::{CheckBy, CheckRecord, NewReading};

use crate::harness::{App, EXAMPLE, enc, now};

/// A status change the local account handed over from CEAC (Refused → Issued), fanned out.
async fn a_change(app: &App) -> visanav_core::account::CaseId {
    let id = app.add_case(EXAMPLE).await;
    let record = CheckRecord {
        source: CheckSource::Ceac,
        via: ObservationVia::Assisted,
        started: now(),
        duration_ms: 0,
        outcome: Ok(NewReading {
            status: "Issued".into(),
            last_updated: Some("2025-09-20".parse().expect("date")),
            observed_on: "2025-09-21".parse().expect("date"),
            issued: true,
            history: Vec::new(),
        }),
        detail: None,
        raw: None,
        keep_raw_until: now() + SignedDuration::from_hours(1),
    };
    let r = app
        .store
        .record_check(
            CheckBy::Person(&Actor::local()),
            &id,
            &record,
            &Schedule::default(),
            0.5,
            now(),
        )
        .await
        .expect("record");
    assert!(r.change.is_some(), "Refused → Issued is a change");
    assert_eq!(app.store.fan_out(now(), 10).await.expect("fan out"), 1);
    id
}

#[tokio::test]
async fn the_list_shows_each_event_in_plain_words_with_an_unread_count() {
    let app = App::new().await;
    let id = a_change(&app).await;
    let page = app.get("/notifications").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("K-1 case, Manila: status changed to Issued"),
        "{}",
        page.body
    );
    assert!(page.body.contains("changed from Refused to Issued"));
    assert!(page.body.contains("What it means:"));
    assert!(page.body.contains(&format!("href=\"/cases/{id}\"")));
    assert!(page.body.contains("not legal advice"));
    assert!(!page.body.contains("status_changed"), "no internal names");
    // Every page's header carries the count.
    let home = app.get("/").await;
    assert!(
        home.body.contains("aria-label=\"1 unread\""),
        "{}",
        home.body
    );
    // Without the form's token nothing is marked.
    app.post_as(
        &app.me,
        "/notifications/read",
        "application/x-www-form-urlencoded",
        b"csrf=wrong".to_vec(),
        &[("sec-fetch-site", "same-origin")],
    )
    .await;
    let local = Actor::local();
    assert_eq!(app.store.unread_notifications(&local).await.expect("n"), 1);
    let r = app
        .post_form("/notifications/read", &format!("csrf={}", app.me.csrf))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let home = app.get("/").await;
    assert!(!home.body.contains("unread\""), "read now");
}

#[tokio::test]
async fn choices_are_saved_and_bad_ones_are_explained() {
    let app = App::new().await;
    let form = app.get("/account/notifications").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("90, 30, 14, 7, 1"), "the defaults");
    let body = format!(
        "csrf={}&time_zone={}&quiet_start=22%3A00&quiet_end=07%3A00&lead_days={}",
        app.me.csrf,
        enc("Asia/Manila"),
        enc("30, 7")
    );
    let saved = app.post_form("/account/notifications", &body).await;
    assert_eq!(saved.status, StatusCode::OK);
    assert!(saved.body.contains("Saved."));
    let prefs = app
        .store
        .notification_prefs(&Actor::local())
        .await
        .expect("prefs");
    assert!(!prefs.email_enabled, "the box was not ticked");
    assert_eq!(prefs.time_zone, "Asia/Manila");
    assert_eq!(prefs.lead_days, [30, 7]);
    assert_eq!(
        prefs.quiet.map(|q| (q.start_min, q.end_min)),
        Some((22 * 60, 7 * 60))
    );
    for (bad, says) in [
        ("time_zone=Mars%2FOlympus", "not a time zone"),
        (
            "time_zone=UTC&quiet_start=22%3A00",
            "both the start and the end",
        ),
        ("time_zone=UTC&lead_days=soon", "not a number of days"),
    ] {
        let r = app
            .post_form(
                "/account/notifications",
                &format!("csrf={}&{bad}", app.me.csrf),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(r.body.contains(says), "{bad}: {}", r.body);
    }
    let kept = app
        .store
        .notification_prefs(&Actor::local())
        .await
        .expect("prefs");
    assert_eq!(kept, prefs, "a bad form changes nothing");
}

#[tokio::test]
async fn the_unsubscribe_link_asks_first_and_an_unknown_one_says_so() {
    let app = App::new().await;
    let page = app.get("/notifications/unsubscribe/0193-no-such").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Stop emails"), "a button, not an action");
    // As a mail provider sends it (RFC 8058): no cookie, from another site.
    let r = app
        .post_as(
            &crate::harness::Browser::default(),
            "/notifications/unsubscribe/0193-no-such",
            "application/x-www-form-urlencoded",
            b"List-Unsubscribe=One-Click".to_vec(),
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("This link does not work"));
}

/// Reminders come at the lead times, once each, counted at the case's post, and reach the
/// in-app list in plain words.
#[tokio::test]
async fn deadline_reminders_come_once_at_each_lead_time() {
    use visanav_server::notify::reminders::sweep;
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let found = app
        .store
        .reminder_candidates("2000-01-01", "2100-01-01")
        .await
        .expect("candidates");
    let case = found
        .iter()
        .find(|c| c.case_id == id.as_str())
        .expect("the example has an open deadline");
    let due: jiff::civil::Date = case.due.parse().expect("date");
    // Noon in Manila, ten days before: the 14-day reminder, once.
    let at = |days_before: i64| {
        due.checked_sub(jiff::Span::new().days(days_before))
            .expect("date")
            .at(12, 0, 0, 0)
            .in_tz("Asia/Manila")
            .expect("zoned")
            .timestamp()
    };
    assert_eq!(
        sweep(&app.store, &app.knowledge, at(100))
            .await
            .expect("sweep"),
        0,
        "not yet"
    );
    assert_eq!(
        sweep(&app.store, &app.knowledge, at(10))
            .await
            .expect("sweep"),
        1
    );
    assert_eq!(
        sweep(&app.store, &app.knowledge, at(9))
            .await
            .expect("sweep"),
        0,
        "once"
    );
    assert_eq!(
        sweep(&app.store, &app.knowledge, at(6))
            .await
            .expect("sweep"),
        1,
        "the 7-day one"
    );
    let events = app
        .store
        .case_events(&Actor::local(), &id)
        .await
        .expect("events");
    let leads: Vec<_> = events
        .iter()
        .filter(|e| e.kind == "deadline_approaching")
        .map(|e| {
            serde_json::from_str::<serde_json::Value>(&e.payload).expect("json")["lead_days"]
                .clone()
        })
        .collect();
    assert_eq!(leads, [serde_json::json!(14), serde_json::json!(7)]);
    app.store.fan_out(now(), 10).await.expect("fan out");
    let page = app.get("/notifications").await;
    assert!(
        page.body
            .contains(&format!("{}: due in 10 days", case.title)),
        "{}",
        page.body
    );
    // Past the deadline: no more reminders.
    assert_eq!(
        sweep(&app.store, &app.knowledge, at(-1))
            .await
            .expect("sweep"),
        0
    );
}
