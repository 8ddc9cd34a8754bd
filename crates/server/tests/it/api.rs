//! The API's resources with a read-write token: cases as case files (validated as `case
//! import` does, every problem named), status readings, the plan, notices, the checklist and
//! shares. The story runs on SQLite and, when there is one, on PostgreSQL.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use visanav_store::{AccountId, Actor, TokenScope};

use crate::harness::{App, EXAMPLE, Resp};

const NOTICE: &str = "U.S. Embassy Manila\nCase Number: MNL2025512345\nDate: 2025-06-02\n\
    Your visa application is refused under Section 221(g).\nPlease submit:\n\
    [X] Police certificate (NBI clearance)\n";

struct Client<'a> {
    app: &'a App,
    token: String,
}

impl Client<'_> {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        self.app
            .api(method, path, Some(&self.token), body.as_ref(), &[])
            .await
    }
}

fn ok(r: &Resp, status: StatusCode) -> Value {
    assert_eq!(r.status, status, "{}", r.body);
    assert!(
        r.content_type().starts_with("application/json"),
        "{}",
        r.content_type()
    );
    r.json()
}

fn problem(r: &Resp, status: StatusCode) -> Value {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.content_type(), "application/problem+json");
    r.json()
}

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field").to_string())
        .collect()
}

#[tokio::test]
async fn the_api_story_on_sqlite() {
    api_story(App::new().await).await;
}

#[tokio::test]
async fn the_api_story_on_postgresql() {
    if let Some(app) = App::on_postgres().await {
        api_story(app).await;
    }
}

async fn api_story(app: App) {
    let token = app
        .token_for(&AccountId::local(), TokenScope::ReadWrite, true)
        .await;
    let c = Client { app: &app, token };
    let example = serde_json::to_value(app.case_file(EXAMPLE)).expect("json");
    let id = create_and_read(&c, &example).await;
    replace_and_refusal_guard(&c, &id, &example).await;
    status_readings(&c, &id).await;
    plan_is_the_cli_plan(&c, &id).await;
    notices(&c, &id).await;
    checklist(&c, &id).await;
    let shares = ok(
        &c.call(Method::GET, &format!("/api/v1/cases/{id}/shares"), None)
            .await,
        StatusCode::OK,
    );
    assert_eq!(shares["shares"], json!([]));
    let gone = c
        .call(Method::DELETE, &format!("/api/v1/cases/{id}"), None)
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    problem(
        &c.call(Method::GET, &format!("/api/v1/cases/{id}"), None)
            .await,
        StatusCode::NOT_FOUND,
    );
}

async fn create_and_read(c: &Client<'_>, example: &Value) -> String {
    let created = c
        .call(Method::POST, "/api/v1/cases", Some(example.clone()))
        .await;
    let v = ok(&created, StatusCode::CREATED);
    let id = v["id"].as_str().expect("id").to_string();
    assert_eq!(created.headers["location"], format!("/api/v1/cases/{id}"));
    assert_eq!(created.headers["cache-control"], "no-store");
    // No personal data unless the case file is asked for.
    assert!(!created.body.contains("Maria") && !created.body.contains("P1234567A"));
    let file = ok(
        &c.call(Method::GET, &format!("/api/v1/cases/{id}/file"), None)
            .await,
        StatusCode::OK,
    );
    assert_eq!(file["beneficiary"]["given_names"], "Maria Clara");
    assert_eq!(&file, example, "the case file comes back as it was sent");
    // The same case number again: 409, unless forced.
    let again = c
        .call(Method::POST, "/api/v1/cases", Some(example.clone()))
        .await;
    assert!(
        problem(&again, StatusCode::CONFLICT)["detail"]
            .as_str()
            .expect("d")
            .contains("force=true")
    );
    // Every field problem is named, with what is expected; nothing is stored.
    let mut bad = example.clone();
    bad["ceac_case_number"] = json!("MNL12");
    bad["interview_on"] = json!("2025-02-30");
    bad["documents"][0]["kind"] = json!("police_certifcate");
    let r = c
        .call(Method::POST, "/api/v1/cases?force=true", Some(bad))
        .await;
    let p = problem(&r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        fields(&p),
        ["ceac_case_number", "interview_on", "documents[0].kind"]
    );
    assert!(
        p["errors"][2]["detail"]
            .as_str()
            .expect("d")
            .contains("police_certificate")
    );
    let syntax = c
        .call(
            Method::POST,
            "/api/v1/cases",
            Some(json!({"visa": "K-1", "colour": 1})),
        )
        .await;
    problem(&syntax, StatusCode::BAD_REQUEST);
    let list = ok(
        &c.call(Method::GET, "/api/v1/cases", None).await,
        StatusCode::OK,
    );
    assert_eq!(list["cases"].as_array().map(Vec::len), Some(1));
    assert_eq!(list["cases"][0]["latest_status"], "Refused");
    assert!(!list.to_string().contains("Maria"), "no names in the list");
    let read = ok(
        &c.call(Method::GET, &format!("/api/v1/cases/{}", &id[..13]), None)
            .await,
        StatusCode::OK,
    );
    assert_eq!(read["id"], id);
    assert_eq!(read["refusal"]["requested"][0], "police_certificate");
    id
}

async fn replace_and_refusal_guard(c: &Client<'_>, id: &str, example: &Value) {
    let path = format!("/api/v1/cases/{id}/file");
    let mut edited = example.clone();
    edited["interview_on"] = json!("2025-06-03");
    edited["refusal"]["on"] = json!("2025-06-03");
    edited["status"] = json!([]);
    let v = ok(
        &c.call(Method::PUT, &path, Some(edited.clone())).await,
        StatusCode::OK,
    );
    assert_eq!(v["interview_on"], "2025-06-03");
    assert_eq!(
        v["status"].as_array().map(Vec::len),
        Some(4),
        "history stays"
    );
    let mut no_refusal = edited.clone();
    no_refusal.as_object_mut().expect("obj").remove("refusal");
    let r = c.call(Method::PUT, &path, Some(no_refusal.clone())).await;
    problem(&r, StatusCode::CONFLICT);
    // Put it back as it was (the refusal stays).
    let v = ok(
        &c.call(Method::PUT, &path, Some(example.clone())).await,
        StatusCode::OK,
    );
    assert_eq!(v["refusal"]["on"], "2025-06-02");
}

async fn status_readings(c: &Client<'_>, id: &str) {
    let path = format!("/api/v1/cases/{id}/status");
    let added = c
        .call(
            Method::POST,
            &path,
            Some(json!({"on": "2025-06-09", "status": "administrative processing"})),
        )
        .await;
    let v = ok(&added, StatusCode::CREATED);
    let last = v["status"]
        .as_array()
        .and_then(|a| a.last())
        .cloned()
        .expect("one");
    assert_eq!(last["status"], "Administrative Processing");
    assert_eq!(last["source"], "ceac");
    let bad = c
        .call(
            Method::POST,
            &path,
            Some(json!({"on": "2031-01-01", "status": "Flying"})),
        )
        .await;
    assert_eq!(
        fields(&problem(&bad, StatusCode::UNPROCESSABLE_ENTITY)),
        ["on", "status"]
    );
    let listed = ok(&c.call(Method::GET, &path, None).await, StatusCode::OK);
    assert_eq!(listed["status"].as_array().map(Vec::len), Some(5));
}

async fn plan_is_the_cli_plan(c: &Client<'_>, id: &str) {
    let v = ok(
        &c.call(Method::GET, &format!("/api/v1/cases/{id}/plan"), None)
            .await,
        StatusCode::OK,
    );
    let stored = c
        .app
        .store
        .find_case(&Actor::local(), id)
        .await
        .expect("case");
    let k = &c.app.knowledge;
    let today = visanav_core::plan::today_at_post(k, &stored.case.post, crate::harness::now());
    let expected =
        serde_json::to_value(visanav_core::plan::plan(&stored.case, k, today)).expect("plan");
    assert_eq!(v, expected);
    assert!(v["disclaimer"].as_str().is_some_and(|d| !d.is_empty()));
}

async fn notices(c: &Client<'_>, id: &str) {
    let read = c
        .call(
            Method::POST,
            "/api/v1/notice-readings",
            Some(json!({"text": NOTICE})),
        )
        .await;
    let v = ok(&read, StatusCode::OK);
    assert_eq!(v["post"], "MNL");
    assert_eq!(v["requests"][0]["document"], "police_certificate");
    assert_eq!(v["reconsideration_deadline"]["from"], "2025-06-02");
    let bad_post = c
        .call(
            Method::POST,
            "/api/v1/notice-readings",
            Some(json!({"text": NOTICE, "post": "XXX"})),
        )
        .await;
    assert_eq!(
        fields(&problem(&bad_post, StatusCode::UNPROCESSABLE_ENTITY)),
        ["post"]
    );
    let path = format!("/api/v1/cases/{id}/notices");
    assert_eq!(
        ok(&c.call(Method::GET, &path, None).await, StatusCode::OK)["notices"],
        json!([]),
        "reading saved nothing"
    );
    let unknown = c
        .call(
            Method::POST,
            &path,
            Some(json!({"text": NOTICE, "add": ["nbi"]})),
        )
        .await;
    assert_eq!(
        fields(&problem(&unknown, StatusCode::UNPROCESSABLE_ENTITY)),
        ["add[0]"]
    );
    // A date other than the recorded refusal's asks which refusal it is.
    let other_date = NOTICE.replace("2025-06-02", "2025-06-05");
    let asks = c
        .call(Method::POST, &path, Some(json!({"text": other_date})))
        .await;
    assert!(
        problem(&asks, StatusCode::CONFLICT)["detail"]
            .as_str()
            .expect("d")
            .contains("episode")
    );
    let saved = c
        .call(Method::POST, &path, Some(json!({"text": NOTICE})))
        .await;
    let applied = ok(&saved, StatusCode::CREATED);
    assert_eq!(applied["new_episode"], false);
    let twice = c
        .call(Method::POST, &path, Some(json!({"text": NOTICE})))
        .await;
    problem(&twice, StatusCode::CONFLICT);
    let list = ok(&c.call(Method::GET, &path, None).await, StatusCode::OK);
    assert_eq!(list["notices"].as_array().map(Vec::len), Some(1));
    let notice = list["notices"][0]["id"].as_str().expect("id").to_string();
    let original = c
        .call(Method::GET, &format!("{path}/{notice}/original"), None)
        .await;
    assert_eq!(original.status, StatusCode::OK);
    assert_eq!(original.content_type(), "text/plain");
    assert_eq!(original.body, NOTICE);
    problem(
        &c.call(Method::GET, &format!("{path}/nope/original"), None)
            .await,
        StatusCode::NOT_FOUND,
    );
}

async fn checklist(c: &Client<'_>, id: &str) {
    let path = format!("/api/v1/cases/{id}/documents");
    let v = ok(&c.call(Method::GET, &path, None).await, StatusCode::OK);
    assert_eq!(v["documents"][0]["kind"], "police_certificate");
    assert_eq!(v["documents"][0]["requested"], true);
    assert_eq!(v["documents"][0]["status"], "needed");
    let set = c
        .call(
            Method::PATCH,
            &format!("{path}/0"),
            Some(json!({"kind": "police_certificate",
            "status": "gathered", "on": "2025-06-08", "note": "NBI clearance picked up"})),
        )
        .await;
    let v = ok(&set, StatusCode::OK);
    assert_eq!(v["documents"][0]["status"], "gathered");
    assert_eq!(v["documents"][0]["status_on"], "2025-06-08");
    assert_eq!(v["documents"][0]["has_note"], true);
    let file = ok(
        &c.call(Method::GET, &format!("/api/v1/cases/{id}/file"), None)
            .await,
        StatusCode::OK,
    );
    assert_eq!(file["documents"][0]["note"], "NBI clearance picked up");
    let changed = c
        .call(
            Method::PATCH,
            &format!("{path}/0"),
            Some(json!({"kind": "passport", "status": "gathered"})),
        )
        .await;
    problem(&changed, StatusCode::CONFLICT);
    let future = c
        .call(
            Method::PATCH,
            &format!("{path}/0"),
            Some(json!({"kind": "police_certificate",
            "status": "submitted", "on": "2031-01-01"})),
        )
        .await;
    assert_eq!(
        fields(&problem(&future, StatusCode::UNPROCESSABLE_ENTITY)),
        ["on"]
    );
    let needed_with_date = c
        .call(
            Method::PATCH,
            &format!("{path}/0"),
            Some(json!({"kind": "police_certificate",
            "status": "needed", "on": "2025-06-01"})),
        )
        .await;
    problem(&needed_with_date, StatusCode::UNPROCESSABLE_ENTITY);
    let not_json = c
        .app
        .api(
            Method::PATCH,
            &format!("{path}/0"),
            Some(&c.token),
            None,
            &[("content-type", "text/plain")],
        )
        .await;
    problem(&not_json, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}
