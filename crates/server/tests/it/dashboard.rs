//! The firm's dashboard over HTTP: a member sees the firm's cases most urgent first, filters
//! and searches them with a plain GET form, pages through them, and assigns them; anyone else
//! gets 404, and nothing outside the firm ever shows.

use axum::http::StatusCode;
use visanav_core::casefile::{CaseFile, StatusObservation};
use visanav_core::knowledge::StatusSource;
use visanav_core::summary::{summarize, urgency_rank};
use visanav_store::{AccountId, AccountKind, Actor, CaseId, DuplicatePolicy, FirmRole, TxMode};

use crate::harness::{App, Browser, EXAMPLE, now};

/// A firm with an attorney and a paralegal (both signed in with a second factor).
struct Firm {
    id: String,
    attorney: Browser,
    paralegal_id: AccountId,
    paralegal: Browser,
}

async fn firm(app: &App, name: &str) -> Firm {
    let slug = name.to_lowercase().replace(' ', "");
    let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
    let atty = tx
        .create_account(
            &format!("atty@{slug}.example"),
            None,
            AccountKind::Person,
            now(),
        )
        .await
        .expect("account");
    let para = tx
        .create_account(
            &format!("para@{slug}.example"),
            None,
            AccountKind::Person,
            now(),
        )
        .await
        .expect("account");
    let id = tx.create_firm(name, &atty, now()).await.expect("firm");
    tx.add_member(&id, &para, FirmRole::Paralegal, now())
        .await
        .expect("member");
    tx.commit().await.expect("commit");
    Firm {
        id,
        attorney: app.browser(&atty, true).await,
        paralegal: app.browser(&para, true).await,
        paralegal_id: para,
    }
}

/// Stores a case for the local account and shares it with the firm (accepted by a member).
async fn shared(app: &App, firm: &Firm, case: &CaseFile) -> CaseId {
    let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
    let id = tx
        .create_case(&Actor::local(), case, now(), DuplicatePolicy::Allow)
        .await
        .expect("case");
    let share = tx
        .offer_share(&Actor::local(), &id, Some(&firm.id), now())
        .await
        .expect("offer");
    let member = Actor::operator(firm.paralegal_id.clone());
    tx.answer_share(&member, &share, true, now())
        .await
        .expect("accept");
    tx.commit().await.expect("commit");
    id
}

/// The example case, everything 352 days earlier (refused on 2024-06-15): its 221(g) window
/// closes within days.
fn closing_soon(app: &App) -> CaseFile {
    let mut c = app.case_file(EXAMPLE);
    let earlier = |d: jiff::civil::Date| d.checked_sub(jiff::Span::new().days(352)).expect("date");
    for s in c.status.iter_mut() {
        s.on = earlier(s.on);
        s.last_updated = s.last_updated.map(earlier);
    }
    if let Some(r) = c.refusal.as_mut() {
        r.on = earlier(r.on);
    }
    c.interview_on = c.interview_on.map(earlier);
    c.petition_approved_on = c.petition_approved_on.map(earlier);
    c.ceac_case_number = visanav_core::ids::CeacCaseNumber::parse("MNL2024000777").ok();
    c.surname = Some("NUNEZ".into());
    c.beneficiary = Some(visanav_core::casefile::Person {
        given_names: Some("José María".into()),
        surname: Some("Núñez".into()),
        date_of_birth: None,
        nationality: Some("PH".into()),
    });
    c
}

/// Where `needle` first appears on the page (panics if it does not).
fn at(body: &str, needle: &str) -> usize {
    body.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} is not on the page"))
}

#[tokio::test]
async fn members_see_the_firms_cases_most_urgent_first() {
    dashboard_story(App::new().await).await;
}

#[tokio::test]
async fn the_same_on_postgresql() {
    if let Some(app) = App::on_postgres().await {
        dashboard_story(app).await;
    }
}

async fn dashboard_story(app: App) {
    let f = firm(&app, "Reyes Law").await;
    let calm = app.case_file(EXAMPLE);
    let urgent = closing_soon(&app);
    // The premise: the plan ranks one above the other.
    let k = &app.knowledge;
    assert!(
        urgency_rank(summarize(&urgent, k, now()).urgency)
            > urgency_rank(summarize(&calm, k, now()).urgency)
    );
    let calm_id = shared(&app, &f, &calm).await;
    let urgent_id = shared(&app, &f, &urgent).await;
    // A case of the same client name kept by nobody's firm, and one in another firm.
    let other = firm(&app, "Other Law").await;
    let elsewhere = shared(&app, &other, &closing_soon(&app)).await;
    app.add_case(EXAMPLE).await;

    let path = format!("/firms/{}/dashboard", f.id);
    let page = app.get_as(&f.attorney, &path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert!(at(body, &format!("/cases/{urgent_id}")) < at(body, &format!("/cases/{calm_id}")));
    assert!(!body.contains(elsewhere.as_str()), "another firm's case");
    assert_eq!(body.matches("name=\"case\"").count(), 2);
    // The columns a lawyer scans: client, post, status and since when, deadline and days
    // left, legal help in colour and words, assignee.
    for needle in [
        "José María Núñez",
        "Maria Clara Santos",
        "MNL2024000777",
        "Refused",
        "since 2025-06-02 (8 days)",
        "2025-06-15",
        "in 5 days",
        "badge badge-soon",
        "Attorney soon",
        "The officer asked for more proof of the relationship",
        "nobody",
        "method=\"get\"",
        visanav_core::NOT_LEGAL_ADVICE,
    ] {
        assert!(body.contains(needle), "{needle:?} missing");
    }
    // The firms page links to it.
    let firms = app.get_as(&f.attorney, "/firms").await;
    assert!(firms.body.contains(&path), "{}", firms.body);

    // Filters and search, as the GET form sends them.
    let only = |q: &str| format!("{path}?{q}");
    let shows = |body: &str, id: &CaseId| body.contains(&format!("/cases/{id}\""));
    for (q, want_urgent, want_calm) in [
        ("q=jose+nunez", true, false),
        ("q=N%C3%9A%C3%91EZ", true, false),
        ("q=MNL2024000777", true, false),
        ("q=santos", false, true),
        ("q=whitfield", true, true),
        ("q=nobody+at+all", false, false),
        ("urgency=soon", true, false),
        ("urgency=consider", false, true),
        ("due=10", true, false),
        ("due=400", true, true),
        ("status=Refused&post=Manila", true, true),
        ("post=BGT", false, false),
        ("assignee=none", true, true),
        ("assignee=me", false, false),
    ] {
        let r = app.get_as(&f.attorney, &only(q)).await;
        assert_eq!(r.status, StatusCode::OK, "{q}");
        assert_eq!(
            (shows(&r.body, &urgent_id), shows(&r.body, &calm_id)),
            (want_urgent, want_calm),
            "{q}"
        );
        assert!(!r.body.contains(elsewhere.as_str()), "{q}");
    }
    let bad = app.get_as(&f.attorney, &only("due=soon")).await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("number of days"), "{}", bad.body);

    // Assign both to the paralegal from the form, then unassign one.
    let assign = format!("/firms/{}/assign", f.id);
    let back = format!("{path}?urgency=soon");
    let r = app
        .post_form_as(
            &f.attorney,
            &assign,
            &format!(
                "case={urgent_id}&case={calm_id}&assignee={}&back={}",
                f.paralegal_id,
                crate::harness::enc(&back)
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.headers["location"], format!("{back}&said=assigned"));
    let mine = app.get_as(&f.paralegal, &only("assignee=me")).await;
    assert!(shows(&mine.body, &urgent_id) && shows(&mine.body, &calm_id));
    assert!(mine.body.contains("Assigned to") && mine.body.contains("you"));
    let r = app
        .post_form_as(
            &f.paralegal,
            &assign,
            &format!("case={calm_id}&assignee=&back=/elsewhere"),
        )
        .await;
    assert_eq!(r.headers["location"], format!("{path}?said=unassigned"));
    let nobody = app.get_as(&f.attorney, &only("assignee=none")).await;
    assert_eq!(
        (
            shows(&nobody.body, &urgent_id),
            shows(&nobody.body, &calm_id)
        ),
        (false, true)
    );
    // Not to someone outside the firm; not without the form's token; not a case of another firm.
    let outsider = app
        .post_form_as(
            &f.attorney,
            &assign,
            &format!("case={urgent_id}&assignee={}", AccountId::local()),
        )
        .await;
    assert_eq!(outsider.status, StatusCode::BAD_REQUEST);
    let forged = app
        .post_as(
            &f.attorney,
            &assign,
            "application/x-www-form-urlencoded",
            format!("case={urgent_id}&assignee=&csrf=wrong").into_bytes(),
            &[("sec-fetch-site", "same-origin")],
        )
        .await;
    assert_ne!(forged.status, StatusCode::SEE_OTHER);
    let theirs = app
        .post_form_as(
            &f.attorney,
            &assign,
            &format!("case={elsewhere}&assignee={}", f.paralegal_id),
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);

    // A member of another firm, and someone in no firm: this firm does not exist for them.
    let r = app.get_as(&other.attorney, &path).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("Núñez"));
    let r = app
        .post_form_as(
            &other.attorney,
            &assign,
            &format!("case={urgent_id}&assignee={}", f.paralegal_id),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
    // A member who has not given the second factor is sent to give it.
    let mut tx = app.store.begin(TxMode::Read).await.expect("begin");
    let atty = tx
        .credentials("atty@reyeslaw.example")
        .await
        .expect("read")
        .expect("account")
        .account
        .id;
    tx.commit().await.expect("commit");
    let first_factor = app.browser(&atty, false).await;
    let r = app.get_as(&first_factor, &path).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers["location"], "/sign-in/code");
}

#[tokio::test]
async fn a_status_change_moves_the_case_at_once_and_pages_hold_fifty() {
    let app = App::new().await;
    let f = firm(&app, "Paging Law").await;
    let path = format!("/firms/{}/dashboard", f.id);
    let mut ids = Vec::new();
    for i in 0..51 {
        let mut c = app.case_file(EXAMPLE);
        c.ceac_case_number =
            visanav_core::ids::CeacCaseNumber::parse(&format!("MNL20250{i:05}")).ok();
        ids.push(shared(&app, &f, &c).await);
    }
    let first = app.get_as(&f.attorney, &path).await;
    assert_eq!(first.body.matches("name=\"case\"").count(), 50);
    assert!(first.body.contains(&format!("{path}?page=2")));
    assert!(!first.body.contains("rel=\"prev\""));
    let second = app.get_as(&f.attorney, &format!("{path}?page=2")).await;
    assert_eq!(second.body.matches("name=\"case\"").count(), 1);
    assert!(second.body.contains("rel=\"prev\"") && !second.body.contains("rel=\"next\""));

    // All alike, so the latest status change decides: a fresh reading puts one case first.
    let last = ids.last().expect("a case").clone();
    let first_listed = |body: &str| {
        let start = at(body, "name=\"case\" value=\"") + "name=\"case\" value=\"".len();
        body[start..start + 36].to_string()
    };
    let top = first_listed(&first.body);
    let moved = if top == last.as_str() { &ids[0] } else { &last };
    app.store
        .append_status(
            &Actor::local(),
            moved,
            &StatusObservation {
                on: "2025-06-09".parse().expect("date"),
                status: "Administrative Processing".into(),
                last_updated: None,
                source: StatusSource::Ceac,
            },
            now(),
        )
        .await
        .expect("append");
    let after = app.get_as(&f.attorney, &path).await;
    assert_eq!(first_listed(&after.body), moved.as_str());
    assert!(after.body.contains("Administrative Processing"));
}
