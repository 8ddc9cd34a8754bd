//! Consultations through the API, on SQLite and (when there is one) PostgreSQL: a firm's
//! offer and free times are public; a request from a case holds its time, and the same time
//! asked again is a 409 `slot_taken`; bad input is a 400 naming the field; another person
//! cannot see or cancel someone's consultation; cancelling frees the time, and the notice
//! policy is the page's.
//!
//! The harness clock stands at Tuesday 2025-06-10 08:00 UTC (04:00 in New York); with the
//! default availability (24 hours' notice, 09:00–12:00 and 13:00–17:00 on weekdays) the first
//! free hour is Wednesday 09:00 in New York, 13:00 UTC.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use visanav_core::consult::Availability;
use visanav_store::{
    AccountId, AccountKind, Actor, DuplicatePolicy, NewConsultType, TokenScope, TxMode,
};

use crate::harness::{App, Browser, EXAMPLE, Resp, now};

const FIRST_HOUR: &str = "2025-06-11T13:00:00Z";

struct Firm {
    id: String,
    attorney: Actor,
    /// The 30- and 60-minute types.
    short: String,
    long: String,
}

/// A firm whose owner offers two consultation types with the default availability in New
/// York, made in the store as the settings page makes it.
async fn firm(app: &App) -> Firm {
    let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
    let atty = tx
        .create_account("atty@firm.example", None, AccountKind::Person, now())
        .await
        .expect("account");
    let id = tx
        .create_firm("Reyes Law", &atty, now())
        .await
        .expect("firm");
    let attorney = Actor::operator(atty);
    let hours = serde_json::to_string(&Availability::default_in("America/New_York")).expect("json");
    tx.save_offer(&attorney, &id, "Ana Reyes", &hours, true, now())
        .await
        .expect("offer");
    let mut types = Vec::new();
    for (name, minutes, price) in [
        ("First consultation", 30, "Free"),
        ("Case review", 60, "$150"),
    ] {
        let new = NewConsultType {
            name: name.into(),
            minutes,
            price_text: price.into(),
            location: "https://meet.example/reyes".into(),
        };
        types.push(
            tx.add_consult_type(&attorney, &id, &new, now())
                .await
                .expect("type"),
        );
    }
    tx.commit().await.expect("commit");
    Firm {
        id,
        attorney,
        short: types[0].clone(),
        long: types[1].clone(),
    }
}

/// Another person with a case of their own, signed in in a browser.
async fn other_person(app: &App) -> Browser {
    let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
    let ben = tx
        .create_account("ben@example.org", None, AccountKind::Person, now())
        .await
        .expect("account");
    tx.create_case(
        &Actor::account(ben.clone()),
        &app.case_file(EXAMPLE),
        now(),
        DuplicatePolicy::Allow,
    )
    .await
    .expect("case");
    tx.commit().await.expect("commit");
    app.browser(&ben, true).await
}

fn ok(r: &Resp, status: StatusCode) -> Value {
    assert_eq!(r.status, status, "{}", r.body);
    assert!(r.content_type().starts_with("application/json"), "{r:?}");
    r.json()
}

fn problem(r: &Resp, status: StatusCode) -> Value {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.content_type(), "application/problem+json");
    r.json()
}

fn fields(p: &Value) -> Vec<&str> {
    p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect()
}

#[tokio::test]
async fn booking_through_the_api_on_sqlite() {
    booking_story(App::new().await).await;
}

#[tokio::test]
async fn booking_through_the_api_on_postgresql() {
    if let Some(app) = App::on_postgres().await {
        booking_story(app).await;
    }
}

async fn booking_story(app: App) {
    let f = firm(&app).await;
    offers_and_slots_are_public(&app, &f).await;
    let case = app.add_case(EXAMPLE).await;
    let token = app
        .token_for(&AccountId::local(), TokenScope::ReadWrite, true)
        .await;
    let asked = json!({"type_id": f.long, "start": FIRST_HOUR, "zone": "Asia/Manila",
        "question": "Which police certificate do I send?"});
    let made = book(&app, &token, case.as_str(), &asked).await;
    let k = ok(&made, StatusCode::CREATED);
    let id = k["id"].as_str().expect("id").to_string();
    assert_eq!(
        made.headers["location"],
        format!("/api/v1/consultations/{id}")
    );
    assert_eq!(k["status"], "pending");
    assert_eq!(k["start"], FIRST_HOUR);
    assert_eq!(k["end"], "2025-06-11T14:00:00Z");
    assert_eq!(k["local"], "2025-06-11T21:00:00+08:00");
    assert_eq!(k["attorney_local"], "2025-06-11T09:00:00-04:00");
    // Held 48 hours, but never past its own start (29 hours away).
    assert_eq!(k["hold_until"], FIRST_HOUR, "held until it starts");
    assert_eq!(k["case_id"], case.as_str());
    assert_eq!(
        k["location"],
        Value::Null,
        "the place is given once confirmed"
    );
    assert!(
        !made.body.contains("Maria"),
        "no personal data: {}",
        made.body
    );

    // The time is gone from the free times, for both types (they share the attorney).
    let free = slots(&app, &f.short, "zone=Asia/Manila").await;
    assert!(!free.contains(&FIRST_HOUR.to_string()));
    assert!(!free.contains(&"2025-06-11T13:30:00Z".to_string()));

    // Someone else asks for the same time: a clear 409, nothing held twice.
    let ben = other_person(&app).await;
    let bens_case = app
        .api_as(&ben, Method::GET, "/api/v1/cases", None)
        .await
        .json()["cases"][0]["id"]
        .as_str()
        .expect("ben's case")
        .to_string();
    let again = app
        .api_as(
            &ben,
            Method::POST,
            &format!("/api/v1/cases/{bens_case}/consultations"),
            Some(&asked),
        )
        .await;
    let p = problem(&again, StatusCode::CONFLICT);
    assert_eq!(p["code"], "slot_taken");
    assert!(
        p["detail"]
            .as_str()
            .expect("detail")
            .contains("pick another"),
        "{p}"
    );
    bad_input_names_the_field(&app, &token, &case.to_string(), &f).await;
    others_cannot_see_or_cancel(&app, &ben, &id).await;

    // The caller's list and the consultation itself.
    let mine = ok(
        &app.api(
            Method::GET,
            "/api/v1/consultations",
            Some(&token),
            None,
            &[],
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(mine["consultations"].as_array().map(Vec::len), Some(1));
    assert_eq!(mine["consultations"][0]["id"], id.as_str());
    let one = ok(
        &app.api(
            Method::GET,
            &format!("/api/v1/consultations/{id}"),
            Some(&token),
            None,
            &[],
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(one["firm"]["name"], "Reyes Law");
    assert_eq!(
        one["cancel_until"],
        Value::Null,
        "a pending request can be cancelled any time"
    );

    // Cancelled: the time is free again, and it cannot be cancelled twice.
    let why = json!({"message": "I found the answer."});
    let done = ok(&cancel(&app, &token, &id, &why).await, StatusCode::OK);
    assert_eq!(done["status"], "cancelled");
    assert_eq!(done["cancelled_by"], "applicant");
    assert_eq!(done["message"], "I found the answer.");
    assert!(
        slots(&app, &f.long, "zone=Asia/Manila")
            .await
            .contains(&FIRST_HOUR.to_string())
    );
    let twice = problem(&cancel(&app, &token, &id, &why).await, StatusCode::CONFLICT);
    assert_eq!(twice["code"], "not_open");

    too_late_to_cancel(&app, &f, &token, &case.to_string()).await;
}

/// A request for a consultation about `case`, with a token.
async fn book(app: &App, token: &str, case: &str, body: &Value) -> Resp {
    app.api(
        Method::POST,
        &format!("/api/v1/cases/{case}/consultations"),
        Some(token),
        Some(body),
        &[],
    )
    .await
}

async fn cancel(app: &App, token: &str, id: &str, body: &Value) -> Resp {
    app.api(
        Method::POST,
        &format!("/api/v1/consultations/{id}/cancel"),
        Some(token),
        Some(body),
        &[],
    )
    .await
}

/// The starts of a type's free times, asked with `query`.
async fn slots(app: &App, type_id: &str, query: &str) -> Vec<String> {
    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/consultation-types/{type_id}/slots?{query}"),
            None,
            None,
            &[],
        )
        .await;
    ok(&r, StatusCode::OK)["slots"]
        .as_array()
        .expect("slots")
        .iter()
        .map(|s| s["start"].as_str().expect("start").to_string())
        .collect()
}

async fn offers_and_slots_are_public(app: &App, f: &Firm) {
    let nobody = None;
    let offer = ok(
        &app.api(
            Method::GET,
            &format!("/api/v1/firms/{}/consultation-types", f.id),
            nobody,
            None,
            &[],
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(offer["firm"]["name"], "Reyes Law");
    assert!(
        offer["booking_page"]
            .as_str()
            .expect("link")
            .ends_with(&format!("/book/{}", f.id))
    );
    let attorney = &offer["attorneys"][0];
    assert_eq!(attorney["name"], "Ana Reyes");
    assert_eq!(attorney["zone"], "America/New_York");
    let types: Vec<&str> = attorney["types"]
        .as_array()
        .expect("types")
        .iter()
        .map(|t| t["id"].as_str().expect("id"))
        .collect();
    assert_eq!(types, [f.short.as_str(), f.long.as_str()]);
    assert_eq!(
        attorney["types"][1]["slots"],
        format!("/api/v1/consultation-types/{}/slots", f.long)
    );
    assert!(
        !offer.to_string().contains("meet.example"),
        "the place is not public"
    );
    problem(
        &app.api(
            Method::GET,
            "/api/v1/firms/no-such-firm/consultation-types",
            nobody,
            None,
            &[],
        )
        .await,
        StatusCode::NOT_FOUND,
    );

    let r = app
        .api(
            Method::GET,
            &format!(
                "/api/v1/consultation-types/{}/slots?zone=Asia/Manila&days=14",
                f.long
            ),
            nobody,
            None,
            &[],
        )
        .await;
    let list = ok(&r, StatusCode::OK);
    assert_eq!(list["zone"], "Asia/Manila");
    assert_eq!(list["attorney_zone"], "America/New_York");
    assert_eq!(list["minutes"], 60);
    let all = list["slots"].as_array().expect("slots");
    assert_eq!(all[0]["start"], FIRST_HOUR);
    assert_eq!(all[0]["local"], "2025-06-11T21:00:00+08:00");
    assert_eq!(all[0]["attorney_local"], "2025-06-11T09:00:00-04:00");
    // 14 days in Manila, from Tuesday 10 June (16:00 there) to Monday 23 June: New York's
    // seven hours a weekday from Wednesday 11 to Friday 20 (eight days), and on Monday 23
    // the three before noon (the afternoon is the 24th in Manila).
    assert_eq!(all.len(), 8 * 7 + 3, "{list}");
    let last = &all[all.len() - 1];
    assert_eq!(last["local"], "2025-06-23T23:00:00+08:00");
    assert_eq!(last["attorney_local"], "2025-06-23T11:00:00-04:00");
    // Without a zone: the attorney's; fewer days: fewer slots.
    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/consultation-types/{}/slots?days=2", f.long),
            nobody,
            None,
            &[],
        )
        .await;
    let two = ok(&r, StatusCode::OK);
    assert_eq!(two["zone"], "America/New_York");
    assert_eq!(two["slots"].as_array().map(Vec::len), Some(7));

    // A zone visanav does not know: 400 naming `zone` and saying what to send.
    let bad = app
        .api(
            Method::GET,
            &format!(
                "/api/v1/consultation-types/{}/slots?zone=Manila&days=0",
                f.long
            ),
            nobody,
            None,
            &[],
        )
        .await;
    let p = problem(&bad, StatusCode::BAD_REQUEST);
    assert_eq!(fields(&p), ["zone", "days"]);
    assert!(
        p["errors"][0]["detail"]
            .as_str()
            .expect("d")
            .contains("Asia/Manila"),
        "{p}"
    );
    problem(
        &app.api(
            Method::GET,
            "/api/v1/consultation-types/nope/slots",
            nobody,
            None,
            &[],
        )
        .await,
        StatusCode::NOT_FOUND,
    );
}

async fn bad_input_names_the_field(app: &App, token: &str, case: &str, f: &Firm) {
    let send = |body: Value| async move { book(app, token, case, &body).await };
    let p = problem(
        &send(
            json!({"type_id": f.long, "start": "tomorrow", "zone": "Asia/Manila",
            "question": "?"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
    );
    assert_eq!(fields(&p), ["start"]);
    let p = problem(&send(json!({})).await, StatusCode::BAD_REQUEST);
    assert_eq!(fields(&p), ["type_id", "start", "zone", "question"]);
    let p = problem(
        &send(
            json!({"type_id": "nope", "start": FIRST_HOUR, "zone": "Asia/Manila",
            "question": "?"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
    );
    assert_eq!(fields(&p), ["type_id"]);
    // A time that is not one of the free times: 409 with the core's reason.
    let p = problem(
        &send(
            json!({"type_id": f.long, "start": "2025-06-11T13:10:00Z", "zone": "Asia/Manila",
            "question": "?"}),
        )
        .await,
        StatusCode::CONFLICT,
    );
    assert_eq!(p["code"], "outside_hours");
    let p = problem(
        &send(
            json!({"type_id": f.long, "start": "2025-06-10T13:00:00Z", "zone": "Asia/Manila",
            "question": "?"}),
        )
        .await,
        StatusCode::CONFLICT,
    );
    assert_eq!(p["code"], "too_soon");
    // An unknown field is refused, not ignored.
    let r = send(
        json!({"type": f.long, "start": FIRST_HOUR, "zone": "Asia/Manila",
        "question": "?"}),
    )
    .await;
    assert!(
        problem(&r, StatusCode::BAD_REQUEST)["detail"]
            .as_str()
            .expect("d")
            .contains("type")
    );
}

async fn others_cannot_see_or_cancel(app: &App, ben: &Browser, id: &str) {
    let seen = app
        .api_as(
            ben,
            Method::GET,
            &format!("/api/v1/consultations/{id}"),
            None,
        )
        .await;
    assert_eq!(
        problem(&seen, StatusCode::NOT_FOUND)["title"],
        "Consultation not found"
    );
    let cancel = app
        .api_as(
            ben,
            Method::POST,
            &format!("/api/v1/consultations/{id}/cancel"),
            Some(&json!({})),
        )
        .await;
    problem(&cancel, StatusCode::NOT_FOUND);
    let list = ok(
        &app.api_as(ben, Method::GET, "/api/v1/consultations", None)
            .await,
        StatusCode::OK,
    );
    assert_eq!(list["consultations"], json!([]));
    // Not signed in at all.
    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/consultations/{id}"),
            None,
            None,
            &[],
        )
        .await;
    problem(&r, StatusCode::UNAUTHORIZED);
}

/// A confirmed consultation closer to its start than the attorney's notice: the API refuses
/// to cancel it (as the page does) and says whom to contact.
async fn too_late_to_cancel(app: &App, f: &Firm, token: &str, case: &str) {
    let start = "2025-06-12T13:00:00Z";
    let asked = json!({"type_id": f.short, "start": start, "zone": "Asia/Manila",
        "question": "Can we talk about the deadline?"});
    let made = book(app, token, case, &asked).await;
    let id = ok(&made, StatusCode::CREATED)["id"]
        .as_str()
        .expect("id")
        .to_string();
    let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
    tx.review_consultation(&f.attorney, &id, true, true, 0, now())
        .await
        .expect("review");
    tx.confirm_consultation(&f.attorney, &id, now())
        .await
        .expect("confirm");
    // The attorney now asks for three days' notice: 13:00 UTC on the 12th is too close.
    let mut hours = Availability::default_in("America/New_York");
    hours.min_notice_min = 3 * 24 * 60;
    tx.save_offer(
        &f.attorney,
        &f.id,
        "Ana Reyes",
        &serde_json::to_string(&hours).expect("json"),
        true,
        now(),
    )
    .await
    .expect("offer");
    tx.commit().await.expect("commit");
    let one = ok(
        &app.api(
            Method::GET,
            &format!("/api/v1/consultations/{id}"),
            Some(token),
            None,
            &[],
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(one["status"], "confirmed");
    assert_eq!(one["location"], "https://meet.example/reyes");
    assert_eq!(one["cancel_until"], "2025-06-09T13:00:00Z");
    let r = cancel(app, token, &id, &json!({})).await;
    let p = problem(&r, StatusCode::CONFLICT);
    assert_eq!(p["code"], "too_late");
    assert!(
        p["detail"].as_str().expect("d").contains("Reyes Law"),
        "{p}"
    );
}
