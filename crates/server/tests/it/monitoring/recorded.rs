//! What visanav shows of checks already recorded: what a source said (as escaped text, never
//! as markup), and the firm dashboard's "checks failing" flag and filter.

use axum::http::StatusCode;
use jiff::SignedDuration;
use visanav_core::monitor::{CheckError, CheckSource, ObservationVia, Schedule};
use visanav_store::{AccountKind, Actor, CheckBy, CheckRecord, NewReading, TxMode};

use crate::harness::{App, EXAMPLE, now};

#[tokio::test]
async fn what_a_source_said_is_shown_as_text_never_as_markup() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let me = Actor::local();
    let record = CheckRecord {
        source: CheckSource::Ceac,
        via: ObservationVia::Assisted,
        started: now(),
        duration_ms: 5,
        outcome: Ok(NewReading {
            history: Vec::new(),
            status: "Issued".into(),
            last_updated: Some("2025-06-09".parse().expect("date")),
            observed_on: "2025-06-10".parse().expect("date"),
            issued: true,
        }),
        detail: None,
        raw: Some("<script>alert('x')</script><b id=\"lblStatus\">Issued</b>".into()),
        keep_raw_until: now() + SignedDuration::from_hours(24),
    };
    let recorded = app
        .store
        .record_check(
            CheckBy::Person(&me),
            &id,
            &record,
            &Schedule::default(),
            0.0,
            now(),
        )
        .await
        .expect("record");
    let page = app
        .get(&format!(
            "/cases/{id}/checks/{}/answer",
            recorded.attempt_id
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("<script>alert"), "{}", page.body);
    assert!(!page.body.contains("<b id="));
    assert!(
        page.body
            .contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;"),
        "{}",
        page.body
    );
    assert!(page.body.contains("from the CEAC page you saved"));
    assert!(page.body.contains("<strong>Issued</strong>"));
    assert!(page.body.contains("Added as Issued, seen on 2025-06-10"));
    // An attempt that does not exist (or whose answer is gone) says so.
    let gone = app
        .get(&format!("/cases/{id}/checks/{}/answer", uuid_like()))
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(gone.body.contains("kept for 90 days"));
}

fn uuid_like() -> &'static str {
    "01900000-0000-7000-8000-000000000000"
}

#[tokio::test]
async fn the_dashboard_flags_cases_whose_checks_keep_failing() {
    let app = App::new().await;
    let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
    let atty = tx
        .create_account("atty@failing.example", None, AccountKind::Person, now())
        .await
        .expect("account");
    let firm = tx
        .create_firm("Failing Law", &atty, now())
        .await
        .expect("firm");
    tx.commit().await.expect("commit");
    let attorney = app.browser(&atty, true).await;
    let mut cases = Vec::new();
    for _ in 0..2 {
        let id = app.add_case(EXAMPLE).await;
        let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
        let share = tx
            .offer_share(&Actor::local(), &id, Some(&firm), now())
            .await
            .expect("offer");
        tx.answer_share(&Actor::operator(atty.clone()), &share, true, now())
            .await
            .expect("accept");
        tx.commit().await.expect("commit");
        app.store
            .set_monitoring(&Actor::local(), &id, CheckSource::Ceac, true, now(), now())
            .await
            .expect("monitor");
        cases.push(id);
    }
    // The first case's checks fail as often as it takes to tell the person; the second's once.
    let failures = Schedule::default().failures_before_notice;
    for (id, n) in [(&cases[0], failures), (&cases[1], 1)] {
        for _ in 0..n {
            let record = CheckRecord {
                source: CheckSource::Ceac,
                via: ObservationVia::Direct,
                started: now(),
                duration_ms: 5,
                outcome: Err(CheckError::Unavailable),
                detail: Some("503".into()),
                raw: None,
                keep_raw_until: now(),
            };
            app.store
                .record_check(
                    CheckBy::Person(&Actor::local()),
                    id,
                    &record,
                    &Schedule::default(),
                    0.0,
                    now(),
                )
                .await
                .expect("record");
        }
    }
    let dashboard = format!("/firms/{firm}/dashboard");
    let page = app.get_as(&attorney, &dashboard).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let flag = format!("href=\"/cases/{}#checks\">Checks failing", cases[0]);
    assert!(page.body.contains(&flag), "{}", page.body);
    assert_eq!(page.body.matches(">Checks failing</a>").count(), 1);
    let only = app
        .get_as(&attorney, &format!("{dashboard}?checks=failing"))
        .await;
    assert!(only.body.contains(&format!("/cases/{}\"", cases[0])));
    assert!(!only.body.contains(&format!("/cases/{}\"", cases[1])));
    assert!(only.body.contains("value=\"failing\" selected"));
    // The person's own page says it too.
    let case_page = app.get(&format!("/cases/{}", cases[0])).await;
    assert!(
        case_page.body.contains(&format!(
            "The last {failures} checks in a row did not get a status."
        )),
        "{}",
        case_page.body
    );
}
