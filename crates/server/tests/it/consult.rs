//! Issue 14's story, in process: an attorney offers consultations; an applicant books one
//! from a case on their own clock; the attorney reviews (conflict check) and confirms; both
//! get an email with a calendar invitation and see it in their calendar feeds in their own
//! zones. And the public booking page: nothing reaches the attorney before the visitor's
//! address is verified, and the verified visitor gets an account following the request.

use axum::http::StatusCode;
use visanav_core::consult::Availability;
use visanav_store::{AccountId, AccountKind, Actor, DuplicatePolicy, NewConsultType, Side, TxMode};

use crate::harness::{App, Browser, EXAMPLE, enc, now};

fn decoded(mail: &str) -> String {
    mail.replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

struct Firm {
    id: String,
    attorney: AccountId,
    type_id: String,
}

/// A firm whose attorney works Mon–Fri 09:00–12:00 and 13:00–17:00 in New York and offers a
/// 60-minute consultation.
async fn firm(app: &App) -> Firm {
    let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
    let atty = tx
        .create_account("atty@reyes.example", None, AccountKind::Person, now())
        .await
        .expect("account");
    tx.mark_email_verified(&atty, now())
        .await
        .expect("verified");
    let id = tx
        .create_firm("Reyes Law", &atty, now())
        .await
        .expect("firm");
    let actor = Actor::operator(atty.clone());
    let av = serde_json::to_string(&Availability::default_in("America/New_York")).expect("json");
    tx.save_offer(&actor, &id, "Ana Reyes", &av, true, now())
        .await
        .expect("offer");
    let type_id = tx
        .add_consult_type(
            &actor,
            &id,
            &NewConsultType {
                name: "First consultation".into(),
                minutes: 60,
                price_text: "$150".into(),
                location: "https://meet.example/reyes".into(),
            },
            now(),
        )
        .await
        .expect("type");
    tx.commit().await.expect("commit");
    Firm {
        id,
        attorney: atty,
        type_id,
    }
}

/// An applicant with a verified address and the example case.
async fn applicant(app: &App) -> (AccountId, visanav_store::CaseId) {
    let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
    let me = tx
        .create_account("maria@example.org", None, AccountKind::Person, now())
        .await
        .expect("account");
    tx.mark_email_verified(&me, now()).await.expect("verified");
    tx.commit().await.expect("commit");
    let case = app
        .store
        .create_case(
            &Actor::account(me.clone()),
            &app.case_file(EXAMPLE),
            now(),
            DuplicatePolicy::Allow,
        )
        .await
        .expect("case");
    (me, case)
}

/// The values of the page's slot choices, in order.
fn slot_values(body: &str) -> Vec<String> {
    body.match_indices("name=\"start\" value=\"")
        .map(|(at, m)| {
            let rest = &body[at + m.len()..];
            rest[..rest.find('"').expect("quote")].to_string()
        })
        .collect()
}

/// Runs the notification dispatcher once, mailing into the app's outbox.
async fn dispatch(app: &App) {
    use visanav_server::notify::{Dispatcher, DispatcherConfig};
    let mailer = visanav_mail::Mailer::new(visanav_mail::MailConfig {
        smtp_url: None,
        from: "visanav <noreply@visanav.example.org>".into(),
        outbox_dir: app.outbox.clone(),
    })
    .expect("mailer");
    let d = Dispatcher::new(
        app.store.clone(),
        Some(mailer),
        app.knowledge.clone(),
        visanav_server::Clock::fixed(now()),
        DispatcherConfig {
            base_url: "https://visanav.example.org".into(),
            ..DispatcherConfig::default()
        },
    );
    d.run_once().await.expect("dispatch");
}

/// The feed link the calendar page shows after making one.
async fn feed_of(app: &App, who: &Browser) -> String {
    let made = app
        .post_form_as(who, "/account/calendar", "action=make")
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let page = app.get_as(who, "/account/calendar").await;
    let at = page.body.find("/calendar/").expect("a feed link");
    let rest = &page.body[at..];
    rest[..rest.find(".ics").expect("ics") + 4].to_string()
}

#[tokio::test]
async fn an_applicant_books_the_attorney_reviews_and_confirms_and_both_calendars_show_it() {
    let app = App::new().await;
    let f = firm(&app).await;
    let (me, case) = applicant(&app).await;
    let maria = app.browser(&me, false).await;
    let ana = app.browser(&f.attorney, true).await;

    // The booking page, on Manila's clock with New York's beside it.
    let path = format!("/cases/{case}/consult?type={}&zone=Asia/Manila", f.type_id);
    let page = app.get_as(&maria, &path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("First consultation with Ana Reyes"));
    assert!(
        page.body.contains(">09:00 New York<"),
        "the attorney's clock beside each time"
    );
    let slots = slot_values(&page.body);
    assert!(slots.len() > 20, "{} slots", slots.len());
    // 2025-06-10 08:00 UTC is 04:00 in New York: with a day's notice, the first slot is the
    // next day's 09:00 there, 21:00 in Manila.
    let first = &slots[0];
    let start = jiff::Timestamp::from_millisecond(first.parse().expect("ms")).expect("ts");
    assert_eq!(start.to_string(), "2025-06-11T13:00:00Z");
    assert!(page.body.contains("21:00"), "Manila's 21:00 on the page");

    let body = format!(
        "type={}&zone=Asia%2FManila&start={first}&question={}",
        f.type_id,
        enc("Do I send the police certificate again?")
    );
    let made = app
        .post_form_as(&maria, &format!("/cases/{case}/consult"), &body)
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let location = made.headers["location"].to_str().expect("location");
    let id = location
        .trim_start_matches("/consultations/")
        .split('?')
        .next()
        .expect("id")
        .to_string();
    // The same time again: taken, said plainly.
    let again = app
        .post_form_as(&maria, &format!("/cases/{case}/consult"), &body)
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again.body.contains("just booked this time"),
        "{}",
        again.body
    );

    // The attorney's inbox and review page: intake, plan, conflict check.
    let inbox = app.get_as(&ana, "/consult").await;
    assert!(
        inbox.body.contains(&format!("/consult/requests/{id}")),
        "{}",
        inbox.body
    );
    let review = app.get_as(&ana, &format!("/consult/requests/{id}")).await;
    assert_eq!(review.status, StatusCode::OK);
    assert!(
        review
            .body
            .contains("Do I send the police certificate again?")
    );
    assert!(review.body.contains("Conflict check"));
    assert!(review.body.contains("Manila"));
    // Nobody else sees it: the applicant on the attorney's side, the attorney without the
    // second factor.
    let ana_no_2fa = app.browser(&f.attorney, false).await;
    let r = app.get_as(&maria, &format!("/consult/requests/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // Without the second factor, a firm member is sent to give it first.
    let r = app
        .get_as(&ana_no_2fa, &format!("/consult/requests/{id}"))
        .await;
    assert_ne!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!r.body.contains("Do I send the police certificate"));
    // Another applicant sees nothing of it either.
    let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
    let other = tx
        .create_account("ben@example.org", None, AccountKind::Person, now())
        .await
        .expect("account");
    tx.commit().await.expect("commit");
    let ben = app.browser(&other, false).await;
    for path in [
        format!("/consultations/{id}"),
        format!("/consult/requests/{id}"),
    ] {
        let r = app.get_as(&ben, &path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
    }
    let r = app
        .post_form_as(&ben, &format!("/consultations/{id}"), "action=cancel")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    // Confirming before the review: refused with the reason.
    let early = app
        .post_form_as(&ana, &format!("/consult/requests/{id}"), "action=confirm")
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(
        early.body.contains("record your review first"),
        "{}",
        early.body
    );
    let reviewed = app
        .post_form_as(
            &ana,
            &format!("/consult/requests/{id}"),
            "action=review&conflicts_cleared=yes&matter_accepted=yes",
        )
        .await;
    assert_eq!(reviewed.status, StatusCode::SEE_OTHER, "{}", reviewed.body);
    let confirmed = app
        .post_form_as(&ana, &format!("/consult/requests/{id}"), "action=confirm")
        .await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.body
    );

    // The applicant's page: confirmed, on their clock, with the place.
    let mine = app.get_as(&maria, &format!("/consultations/{id}")).await;
    assert!(mine.body.contains("Confirmed"), "{}", mine.body);
    assert!(
        mine.body
            .contains("Wednesday 11 June 2025, 21:00–22:00 (Manila time; 09:00 New York time)"),
        "{}",
        mine.body
    );
    assert!(mine.body.contains("https://meet.example/reyes"));

    // Both are told by email; the confirmation carries a calendar invitation.
    dispatch(&app).await;
    let to_maria: Vec<String> = app
        .mail_to("maria@example.org")
        .iter()
        .map(|m| decoded(m))
        .collect();
    let invite = to_maria
        .iter()
        .find(|m| m.contains("Consultation confirmed"))
        .expect("a confirmation to the applicant");
    assert!(invite.contains("text/calendar"), "{invite}");
    assert!(
        invite.contains("method=REQUEST") || invite.contains("method=\"REQUEST\""),
        "{invite}"
    );
    assert!(
        to_maria
            .iter()
            .any(|m| m.contains("Consultation requested"))
    );
    let to_ana: Vec<String> = app
        .mail_to("atty@reyes.example")
        .iter()
        .map(|m| decoded(m))
        .collect();
    assert!(
        to_ana
            .iter()
            .any(|m| m.contains("New consultation request")),
        "{to_ana:?}"
    );
    assert!(
        to_ana
            .iter()
            .any(|m| m.contains(&format!("/consult/requests/{id}"))),
        "the attorney's email links to the review page"
    );

    // Both calendar feeds show it, each in its owner's zone.
    let maria_feed = app
        .get_as(&Browser::default(), &feed_of(&app, &maria).await)
        .await;
    assert!(
        maria_feed.body.contains(&format!("UID:consultation.{id}@")),
        "{}",
        maria_feed.body
    );
    assert!(
        maria_feed
            .body
            .contains("DTSTART;TZID=Asia/Manila:20250611T210000"),
        "{}",
        maria_feed.body
    );
    let ana_feed = app
        .get_as(&Browser::default(), &feed_of(&app, &ana).await)
        .await;
    assert!(
        ana_feed
            .body
            .contains("DTSTART;TZID=America/New_York:20250611T090000"),
        "{}",
        ana_feed.body
    );

    // The attorney moves it: still confirmed, the applicant told with an updated invitation
    // (same UID, a higher SEQUENCE).
    let review = app.get_as(&ana, &format!("/consult/requests/{id}")).await;
    let later = slot_values(&review.body)
        .into_iter()
        .find(|v| v != first)
        .expect("another free time");
    let moved = app
        .post_form_as(
            &ana,
            &format!("/consult/requests/{id}"),
            &format!("action=move&start={later}"),
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    dispatch(&app).await;
    let to_maria: Vec<String> = app
        .mail_to("maria@example.org")
        .iter()
        .map(|m| decoded(m))
        .collect();
    let seq = |m: &str| -> u32 {
        let at = m.find("SEQUENCE:").expect("a sequence") + "SEQUENCE:".len();
        m[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .expect("n")
    };
    let moved_mail = to_maria
        .iter()
        .find(|m| m.contains("Consultation moved"))
        .expect("the applicant is told of the move");
    assert!(moved_mail.contains("METHOD:REQUEST"), "{moved_mail}");
    assert!(
        moved_mail.contains(&format!("UID:consultation.{id}@")),
        "{moved_mail}"
    );
    assert!(seq(moved_mail) > seq(invite), "SEQUENCE goes up on a move");
    let mine = app.get_as(&maria, &format!("/consultations/{id}")).await;
    assert!(mine.body.contains("Confirmed"), "{}", mine.body);

    // Cancelling frees the time and tells the attorney.
    let cancelled = app
        .post_form_as(
            &maria,
            &format!("/consultations/{id}"),
            "action=cancel&message=Sorry",
        )
        .await;
    assert_eq!(
        cancelled.status,
        StatusCode::SEE_OTHER,
        "{}",
        cancelled.body
    );
    let free_again = slot_values(&app.get_as(&maria, &path).await.body);
    assert_eq!(free_again.first(), Some(first));
    assert!(
        free_again.contains(&later),
        "the moved-to time is free again"
    );
    dispatch(&app).await;
    let to_ana: Vec<String> = app
        .mail_to("atty@reyes.example")
        .iter()
        .map(|m| decoded(m))
        .collect();
    let cancel = to_ana
        .iter()
        .find(|m| m.contains("Consultation cancelled"))
        .expect("the attorney is told");
    assert!(cancel.contains("METHOD:CANCEL"), "{cancel}");
    assert!(cancel.contains("The applicant cancelled"), "{cancel}");
    let _ = Side::Applicant;
}

#[tokio::test]
async fn the_public_page_sends_nothing_before_the_address_is_verified() {
    let app = App::new().await;
    let f = firm(&app).await;
    let page = app
        .get_as(
            &Browser::default(),
            &format!("/book/{}?type={}&zone=Europe/Berlin", f.id, f.type_id),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Book a consultation with Reyes Law"));
    let first = slot_values(&page.body).first().cloned().expect("a slot");
    let form = |email: &str, extra: &str| {
        format!(
            "type={}&zone=Europe%2FBerlin&start={first}&visa=K-1&post=MNL&status=Refused\
             &name={}&petitioner={}&question={}&email={}&notice={}{extra}",
            f.type_id,
            enc("Maria Dela Cruz"),
            enc("John Smith"),
            enc("What now?"),
            enc(email),
            enc(
                "Please submit the following: [X] Police certificate from the Philippines (NBI clearance)"
            ),
        )
    };
    let path = format!("/book/{}?type={}&zone=Europe/Berlin", f.id, f.type_id);
    // A bot filling the hidden field: told to check the email, and nothing happens.
    let bot = app
        .public_post(&path, &form("bot@example.org", "&website=spam"))
        .await;
    assert_eq!(bot.status, StatusCode::OK);
    assert!(app.mail_to("bot@example.org").is_empty());
    // A bad address: the form again, with what to fix.
    let bad = app.public_post(&path, &form("not-an-address", "")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("Give your email address"), "{}", bad.body);
    assert!(bad.body.contains("What now?"), "what was typed is kept");

    let sent = app
        .public_post(&path, &form("visitor@example.org", ""))
        .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    assert!(sent.body.contains("Check your email"));
    // Nothing reached the attorney yet.
    let ana = app.browser(&f.attorney, true).await;
    assert!(
        !app.get_as(&ana, "/consult")
            .await
            .body
            .contains("/consult/requests/")
    );
    let mail = app.mail_to("visitor@example.org");
    let text = decoded(mail.last().expect("the verification email"));
    let needle = "/book/verify?token=";
    let at = text.find(needle).expect("link") + needle.len();
    let token: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    // The link opens a page; only its button acts.
    let opened = app
        .get_as(&Browser::default(), &format!("/book/verify?token={token}"))
        .await;
    assert!(opened.body.contains("Send my request"));
    assert!(
        !app.get_as(&ana, "/consult")
            .await
            .body
            .contains("/consult/requests/")
    );
    let verified = app
        .public_post(
            &format!("/book/verify?token={token}"),
            &format!("token={token}"),
        )
        .await;
    assert_eq!(verified.status, StatusCode::SEE_OTHER, "{}", verified.body);
    let visitor = app.browser_from(&verified).await;
    let location = verified.headers["location"]
        .to_str()
        .expect("location")
        .to_string();
    let mine = app.get_as(&visitor, &location).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    assert!(
        mine.body.contains("waiting for the attorney"),
        "{}",
        mine.body
    );
    // Booked without a case: the page offers to start one from what the request said.
    let at = mine
        .body
        .find("/cases/new?")
        .expect("an 'Add my case' link");
    let start: String = mine.body[at..].chars().take_while(|c| *c != '"').collect();
    let form = app
        .get_as(&visitor, &start.replace("&#38;", "&").replace("&amp;", "&"))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("(MNL)\""), "the post is filled in");
    assert!(
        form.body.contains("value=\"Refused\" selected"),
        "the status is filled in: {start}"
    );
    // Now the attorney has it, with the notice read into the intake.
    let inbox = app.get_as(&ana, "/consult").await;
    let at = inbox.body.find("/consult/requests/").expect("the request");
    let link: String = inbox.body[at..].chars().take_while(|c| *c != '"').collect();
    let review = app.get_as(&ana, &link).await;
    assert!(review.body.contains("Maria Dela Cruz"));
    assert!(
        review.body.to_lowercase().contains("police"),
        "{}",
        review.body
    );
    // The link works once.
    let twice = app
        .public_post(
            &format!("/book/verify?token={token}"),
            &format!("token={token}"),
        )
        .await;
    assert_eq!(twice.status, StatusCode::GONE);
}

#[tokio::test]
async fn without_a_firm_the_booking_page_says_how_to_find_an_attorney() {
    let app = App::new().await;
    let (me, case) = applicant(&app).await;
    let maria = app.browser(&me, false).await;
    let page = app.get_as(&maria, &format!("/cases/{case}/consult")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("No law firm takes consultation requests")
    );
    assert!(
        page.body
            .contains("accredited by the U.S. Department of Justice")
    );
    assert!(page.body.contains("Sources:"));
}

/// Fifty people ask for the same time at once through the booking page: one request holds it,
/// and the 49 others get the page again saying the time was just taken.
async fn fifty_at_once(app: App) {
    let f = firm(&app).await;
    let mut people = Vec::new();
    for i in 0..50 {
        let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
        let who = tx
            .create_account(
                &format!("p{i}@example.org"),
                None,
                AccountKind::Person,
                now(),
            )
            .await
            .expect("account");
        tx.commit().await.expect("commit");
        let case = app
            .store
            .create_case(
                &Actor::account(who.clone()),
                &app.case_file(EXAMPLE),
                now(),
                DuplicatePolicy::Allow,
            )
            .await
            .expect("case");
        people.push((app.browser(&who, false).await, case));
    }
    let page = app
        .get_as(
            &people[0].0,
            &format!("/cases/{}/consult?type={}", people[0].1, f.type_id),
        )
        .await;
    let first = slot_values(&page.body).first().cloned().expect("a slot");
    let app = std::sync::Arc::new(app);
    let mut tasks = tokio::task::JoinSet::new();
    for (who, case) in people {
        let app = app.clone();
        let body = format!("type={}&zone=UTC&start={first}&question=Help", f.type_id);
        tasks.spawn(async move {
            app.post_form_as(&who, &format!("/cases/{case}/consult"), &body)
                .await
        });
    }
    let (mut held, mut taken) = (0, 0);
    while let Some(r) = tasks.join_next().await {
        let r = r.expect("task");
        match r.status {
            StatusCode::SEE_OTHER => held += 1,
            StatusCode::CONFLICT
                if r.body.contains("just booked this time") || r.body.contains("just taken") =>
            {
                taken += 1
            }
            other => panic!("unexpected answer {other}: {}", r.body),
        }
    }
    assert_eq!((held, taken), (1, 49));
    let ana = Actor::operator(f.attorney.clone());
    let pending = app
        .store
        .consultations(&ana, Side::Attorney)
        .await
        .expect("list");
    assert_eq!(pending.len(), 1);
}

#[tokio::test]
async fn fifty_requests_for_one_time_hold_it_once() {
    fifty_at_once(App::new().await).await;
}

#[tokio::test]
async fn fifty_requests_for_one_time_hold_it_once_on_postgresql() {
    if let Some(app) = App::on_postgres().await {
        fifty_at_once(app).await;
    }
}
