//! The fake USCIS Case Status API: OAuth client credentials, the case-status JSON, and its
//! errors, read with the project's own parser.

use serde_json::{Value, json};
use visanav_core::uscis::parse_case_status;

use super::{FakeServer, Reply};

fn cases(mode: &str, ttl: u64, tps: u32) -> String {
    format!(
        r#"
[uscis]
mode = "{mode}"
client_id = "test-client"
client_secret = "test-secret"
token_ttl_seconds = {ttl}
tps = {tps}
[[uscis.cases]]
receipt = "EAC9999103403"
form_type = "I-129F"
status = "Case Was Approved"
description = "On March 2, 2025, we approved your Form I-129F."
submitted = "2025-01-10T14:28:46"
modified = "2025-03-02T09:00:00"
history = [
  {{ date = "2025-01-10", text = "We received your Form I-129F." }},
  {{ date = "2025-03-02", text = "We approved your Form I-129F.", text_es = "Aprobamos su Formulario I-129F." }},
]
[[uscis.cases]]
receipt = "IOE0912345678"
form_type = "I-129F"
status = "Case Was Received"
description = "On January 10, 2025, we received your Form I-129F."
submitted = "2025-01-10T14:28:46"
modified = "2025-01-10T14:28:46"
"#
    )
}

const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

async fn token_reply(fake: &FakeServer, body: &str) -> Reply {
    fake.post("/oauth/accesstoken", &[FORM], body.as_bytes())
        .await
}

async fn token(fake: &FakeServer) -> String {
    let reply = token_reply(
        fake,
        "grant_type=client_credentials&client_id=test-client&client_secret=test-secret",
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

async fn status(fake: &FakeServer, token: &str, receipt: &str) -> Reply {
    let auth = format!("Bearer {token}");
    fake.get(
        &format!("/case-status/{receipt}"),
        &[
            ("Authorization", auth.as_str()),
            ("Accept", "application/json"),
        ],
    )
    .await
}

#[tokio::test]
async fn the_token_answer_is_apigees_and_bad_requests_are_refused() {
    let fake = FakeServer::start(&cases("normal", 1799, 5)).await;
    let reply = token_reply(
        &fake,
        "grant_type=client_credentials&client_id=test-client&client_secret=test-secret",
    )
    .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let t = reply.json();
    assert_eq!(t["token_type"], "BearerToken");
    assert_eq!(t["expires_in"], "1799", "a string, as Apigee writes it");
    assert_eq!(t["status"], "approved");
    assert_eq!(t["client_id"], "test-client");
    let issued: i64 = t["issued_at"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("ms");
    assert!(issued > 1_700_000_000_000);
    assert!(t["access_token"].as_str().is_some_and(|a| a.len() == 28));

    let wrong = token_reply(
        &fake,
        "grant_type=client_credentials&client_id=test-client&client_secret=nope",
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.json()["ErrorCode"], "invalid_client");
    let grant = token_reply(
        &fake,
        "grant_type=password&client_id=test-client&client_secret=test-secret",
    )
    .await;
    assert_eq!(grant.status, 400);
    assert_eq!(grant.json()["Error"], "Unsupported grant type : password");
    assert_eq!(fake.stats().await["uscis_tokens"], 1);
}

#[tokio::test]
async fn a_known_receipt_answers_the_documented_shape() {
    let fake = FakeServer::start(&cases("normal", 1799, 5)).await;
    let token = token(&fake).await;
    let reply = status(&fake, &token, "eac9999103403").await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["message"], "Query was successful");
    let s = &body["case_status"];
    assert_eq!(s["receiptNumber"], "EAC9999103403");
    assert_eq!(s["formType"], "I-129F");
    assert_eq!(
        s["submittedDate"], "01-10-2025 14:28:46",
        "MM-DD-YYYY HH:mm:ss"
    );
    assert_eq!(s["modifiedDate"], "03-02-2025 09:00:00");
    assert_eq!(s["current_case_status_text_en"], "Case Was Approved");
    assert_eq!(s["current_case_status_text_es"], "Case Was Approved");
    assert_eq!(
        s["hist_case_status"][1],
        json!({
            "date": "2025-03-02",
            "completed_text_en": "We approved your Form I-129F.",
            "completed_text_es": "Aprobamos su Formulario I-129F.",
        })
    );
    let parsed = parse_case_status(&reply.text()).expect("the project's parser reads it");
    assert_eq!(parsed.status, "Case Was Approved");
    assert_eq!(
        parsed.modified_on,
        Some(jiff::civil::Date::constant(2025, 3, 2))
    );
    assert_eq!(parsed.history.len(), 2);
}

#[tokio::test]
async fn ioe_receipts_have_no_dates_and_no_history_is_null() {
    let fake = FakeServer::start(&cases("normal", 1799, 5)).await;
    let token = token(&fake).await;
    let reply = status(&fake, &token, "IOE0912345678").await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    let s = body["case_status"].as_object().expect("case_status");
    assert!(!s.contains_key("submittedDate") && !s.contains_key("modifiedDate"));
    assert_eq!(
        s.get("hist_case_status"),
        Some(&Value::Null),
        "null, not []"
    );
    let parsed = parse_case_status(&reply.text()).expect("parses");
    assert_eq!((parsed.submitted_on, parsed.modified_on), (None, None));
    assert!(parsed.history.is_empty());
}

#[tokio::test]
async fn bad_tokens_receipts_and_unknown_cases_get_their_errors() {
    let fake = FakeServer::start(&cases("normal", 1799, 50)).await;
    let token = token(&fake).await;

    let none = fake.get("/case-status/EAC9999103403", &[]).await;
    assert_eq!(none.status, 401);
    assert_eq!(
        none.json(),
        json!({"code": 401, "message": "Invalid Access Token"})
    );
    assert_eq!(status(&fake, "made-up", "EAC9999103403").await.status, 401);

    let malformed = status(&fake, &token, "EAC-99991034").await;
    assert_eq!(malformed.status, 422);
    assert!(malformed.json()["message"].as_str().is_some_and(|m| {
        m.starts_with("The application receipt number is not formatted correctly")
    }));
    let unknown = status(&fake, &token, "LIN9999106498").await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.json()["message"].as_str().is_some_and(|m| {
        m.starts_with("Case Status Online does not recognize the receipt number entered.")
    }));
    let stats = fake.stats().await;
    assert_eq!(stats["uscis_status_gets"], 4);
    assert_eq!(stats["uscis_by_receipt"], json!({"LIN9999106498": 1}));
}

#[tokio::test]
async fn an_expired_token_is_invalid() {
    let fake = FakeServer::start(&cases("normal", 0, 5)).await;
    let token = token(&fake).await;
    let reply = status(&fake, &token, "EAC9999103403").await;
    assert_eq!(reply.status, 401);
}

#[tokio::test]
async fn more_than_tps_requests_in_a_second_get_spike_arrest() {
    let fake = FakeServer::start(&cases("normal", 1799, 2)).await;
    let first = token(&fake).await;
    assert_eq!(status(&fake, &first, "EAC9999103403").await.status, 200);
    assert_eq!(status(&fake, &first, "EAC9999103403").await.status, 200);
    let third = status(&fake, &first, "EAC9999103403").await;
    assert_eq!(third.status, 429);
    assert_eq!(
        third.json()["fault"]["detail"]["errorcode"],
        "policies.ratelimit.SpikeArrestViolation"
    );
    // The limit is per token (per client app).
    let second = token(&fake).await;
    assert_eq!(status(&fake, &second, "EAC9999103403").await.status, 200);
    let stats = fake.stats().await;
    assert_eq!(stats["uscis_rate_limited"], 1);
    assert_eq!(stats["uscis_by_receipt"]["EAC9999103403"], 3);
}

#[tokio::test]
async fn rate_limited_and_unavailable_modes() {
    let fake = FakeServer::start(&cases("normal", 1799, 5)).await;
    let token = token(&fake).await;
    fake.write_cases(&cases("rate_limited", 1799, 5));
    let limited = status(&fake, &token, "EAC9999103403").await;
    assert_eq!(limited.status, 429);
    assert!(
        limited.json()["fault"]["faultstring"]
            .as_str()
            .is_some_and(|f| f.starts_with("Spike arrest violation"))
    );

    fake.write_cases(&cases("unavailable", 1799, 5));
    for reply in [
        status(&fake, &token, "EAC9999103403").await,
        token_reply(
            &fake,
            "grant_type=client_credentials&client_id=test-client&client_secret=test-secret",
        )
        .await,
    ] {
        assert_eq!(reply.status, 503);
        let text = reply.text();
        assert!(text.starts_with(char::is_whitespace), "{text:?}");
        assert_eq!(reply.json()["error"]["code"], "503");
    }
    assert!(parse_case_status(&status(&fake, &token, "EAC9999103403").await.text()).is_err());
}
