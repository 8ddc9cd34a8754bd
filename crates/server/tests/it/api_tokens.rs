//! Personal access tokens: made on the account page (shown once, stored hashed), listed with
//! their last use, revoked; accepted as `Authorization: Bearer` on the API only; a `read`
//! token cannot write; the cross-site check and the cookie never mix with a bearer token.
//! And the OpenAPI document names exactly the API routes of the route table.

use axum::http::{Method, StatusCode};
use serde_json::json;
use visanav_server::{Audience, routes};
use visanav_store::{AccountId, AccountKind, Actor, TokenScope, TxMode};

use crate::harness::{App, EXAMPLE, now};

const RW: TokenScope = TokenScope::ReadWrite;

fn problem(r: &crate::harness::Resp, status: StatusCode) -> serde_json::Value {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.content_type(), "application/problem+json", "{}", r.body);
    let v = r.json();
    assert_eq!(v["status"], status.as_u16());
    v
}

fn example_json(app: &App) -> serde_json::Value {
    serde_json::to_value(app.case_file(EXAMPLE)).expect("json")
}

#[tokio::test]
async fn a_token_made_on_the_account_page_is_shown_once_stored_hashed_and_revocable() {
    let app = App::new().await;
    let page = app.get("/account").await;
    assert!(
        page.body.contains("/account/tokens"),
        "linked from the account page"
    );
    let made = app
        .post_form(
            "/account/tokens",
            "name=laptop+script&scope=read+write&days=30",
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    assert_eq!(made.headers["cache-control"], "no-store");
    let token = made.input("token");
    assert!(token.starts_with("visanav_"), "{token}");
    assert!(made.body.contains("shown only this once"));

    // The token works on the API, as the local account, and may write.
    let list = app
        .api(Method::GET, "/api/v1/cases", Some(&token), None, &[])
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let created = app
        .api(
            Method::POST,
            "/api/v1/cases",
            Some(&token),
            Some(&example_json(&app)),
            &[],
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);

    // Listed with its use, never shown again; the database holds only its hash.
    let again = app.get("/account/tokens").await;
    assert!(!again.body.contains(&token));
    assert!(again.body.contains("laptop script") && again.body.contains("last used"));
    let tokens = app
        .store
        .list_api_tokens(&AccountId::local())
        .await
        .expect("tokens");
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].scope, RW);
    assert!(tokens[0].last_used_ms.is_some());
    assert_eq!(
        app.store
            .live_api_token(&visanav_auth::hash_token(&token), now())
            .await
            .expect("read")
            .map(|(t, _)| t.id),
        Some(tokens[0].id.clone()),
        "found by the SHA-256 of the token"
    );

    // Nobody else can revoke it: another person's request is a 404 and changes nothing.
    let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
    let eve = tx
        .create_account("eve@example.org", None, AccountKind::Person, now())
        .await
        .expect("account");
    tx.commit().await.expect("commit");
    let eve_browser = app.browser(&eve, true).await;
    let theirs = app
        .post_form_as(
            &eve_browser,
            &format!("/account/tokens/{}/revoke", tokens[0].id),
            "",
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let still = app
        .api(Method::GET, "/api/v1/cases", Some(&token), None, &[])
        .await;
    assert_eq!(still.status, StatusCode::OK);

    // Revoked by its owner: it stops at once, and the list says so.
    let revoked = app
        .post_form(&format!("/account/tokens/{}/revoke", tokens[0].id), "")
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let r = app
        .api(Method::GET, "/api/v1/cases", Some(&token), None, &[])
        .await;
    problem(&r, StatusCode::UNAUTHORIZED);
    assert!(
        r.headers["www-authenticate"]
            .to_str()
            .expect("ascii")
            .starts_with("Bearer")
    );
    assert!(app.get("/account/tokens").await.body.contains("revoked"));
}

#[tokio::test]
async fn the_token_form_says_what_is_wrong() {
    let app = App::new().await;
    for (body, says) in [
        ("name=&scope=read&days=30", "Give the token a name"),
        ("name=x&scope=admin&days=30", "Choose what the token may do"),
        ("name=x&scope=read&days=0", "1 to 366 days"),
        ("name=x&scope=read&days=many", "number of days"),
    ] {
        let r = app.post_form("/account/tokens", body).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert!(r.body.contains(says), "{body}: {}", r.body);
    }
    assert!(
        app.store
            .list_api_tokens(&AccountId::local())
            .await
            .expect("list")
            .is_empty()
    );
}

#[tokio::test]
async fn tokens_open_the_api_only_and_never_a_page() {
    let app = App::new().await;
    let token = app.token_for(&AccountId::local(), RW, true).await;
    let page = app
        .api(Method::GET, "/account", Some(&token), None, &[])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "pages take no tokens");
    let id = app.add_case(EXAMPLE).await;
    let case_page = app
        .api(
            Method::GET,
            &format!("/cases/{id}"),
            Some(&token),
            None,
            &[],
        )
        .await;
    assert_eq!(case_page.status, StatusCode::SEE_OTHER);
    let api = app
        .api(
            Method::GET,
            &format!("/api/v1/cases/{id}"),
            Some(&token),
            None,
            &[],
        )
        .await;
    assert_eq!(api.status, StatusCode::OK);
    // The browser's session keeps working on the API.
    assert_eq!(
        app.get(&format!("/api/v1/cases/{id}")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn unusable_tokens_are_401_with_a_bearer_challenge() {
    let app = App::new().await;
    let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
    let dora = tx
        .create_account("dora@example.org", None, AccountKind::Person, now())
        .await
        .expect("account");
    tx.commit().await.expect("commit");
    let dora_token = app.token_for(&dora, RW, true).await;
    let (old, old_hash) = visanav_auth::new_api_token();
    let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
    tx.create_api_token(
        visanav_store::NewApiToken {
            hash: &old_hash,
            account: &AccountId::local(),
            name: "old",
            scope: RW,
            second_factor: true,
            lifetime: jiff::SignedDuration::from_hours(24),
        },
        now() - jiff::SignedDuration::from_hours(48),
    )
    .await
    .expect("token");
    tx.set_disabled(&dora, Some(now())).await.expect("disable");
    tx.commit().await.expect("commit");
    for (label, auth) in [
        ("missing", None),
        ("unknown", Some("Bearer visanav_nope".to_string())),
        ("expired", Some(format!("Bearer {}", old.expose()))),
        ("disabled account", Some(format!("Bearer {dora_token}"))),
        ("another scheme", Some("Basic dXNlcjpwYXNz".to_string())),
    ] {
        let extra: Vec<(&str, &str)> = auth
            .as_deref()
            .map(|a| vec![("authorization", a)])
            .unwrap_or_default();
        let r = app
            .api(Method::GET, "/api/v1/cases", None, None, &extra)
            .await;
        problem(&r, StatusCode::UNAUTHORIZED);
        assert!(r.headers.contains_key("www-authenticate"), "{label}");
    }
}

#[tokio::test]
async fn a_read_token_may_not_write_on_any_route() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let read = app
        .token_for(&AccountId::local(), TokenScope::Read, true)
        .await;
    let mut writes = 0;
    for r in routes()
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/") && !r.path.contains("{*"))
    {
        for m in r.methods.iter().filter(|m| **m != Method::GET) {
            let path = r
                .path
                .replace("{id}", id.as_str())
                .replace("{index}", "0")
                .replace("{notice}", "x");
            let resp = app
                .api(m.clone(), &path, Some(&read), Some(&json!({})), &[])
                .await;
            let v = problem(&resp, StatusCode::FORBIDDEN);
            assert_eq!(v["title"], "Read-only token", "{m} {path}");
            writes += 1;
        }
    }
    assert!(writes >= 7, "sanity: {writes}");
    // Nothing changed.
    let stored = app.store.find_case(&Actor::local(), id.as_str()).await;
    assert!(stored.is_ok());
}

#[tokio::test]
async fn bearer_writes_pass_the_cross_site_check_and_never_fall_back_to_the_cookie() {
    let app = App::new().await;
    let token = app.token_for(&AccountId::local(), RW, true).await;
    let body = example_json(&app);
    let cross = [
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://evil.example"),
    ];
    // A bearer token is no ambient credential: a page on another site cannot send one.
    let r = app
        .api(
            Method::POST,
            "/api/v1/cases",
            Some(&token),
            Some(&body),
            &cross,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // The session cookie is one: a cross-site write with it is refused.
    let cookie = app.me.cookie.clone().expect("cookie");
    let mut with_cookie = cross.to_vec();
    with_cookie.push(("cookie", cookie.as_str()));
    let r = app
        .api(
            Method::POST,
            "/api/v1/cases?force=true",
            None,
            Some(&body),
            &with_cookie,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A bad token beside a good cookie is a 401: the cookie is not used instead.
    let r = app
        .api(
            Method::POST,
            "/api/v1/cases?force=true",
            Some("visanav_forged"),
            Some(&body),
            &with_cookie,
        )
        .await;
    problem(&r, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.store
            .list_cases(&Actor::local())
            .await
            .expect("list")
            .len(),
        1,
        "only the bearer write landed"
    );
}

#[tokio::test]
async fn a_firm_members_token_needs_the_second_factor_it_was_made_with() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
    let atty = tx
        .create_account("atty@firm.example", None, AccountKind::Person, now())
        .await
        .expect("account");
    let firm = tx
        .create_firm("Reyes Law", &atty, now())
        .await
        .expect("firm");
    let share = tx
        .offer_share(&Actor::local(), &id, Some(&firm), now())
        .await
        .expect("offer");
    tx.answer_share(&Actor::account(atty.clone()), &share, true, now())
        .await
        .expect("accept");
    tx.commit().await.expect("commit");
    let without = app.token_for(&atty, TokenScope::Read, false).await;
    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/cases/{id}"),
            Some(&without),
            None,
            &[],
        )
        .await;
    let v = problem(&r, StatusCode::UNAUTHORIZED);
    assert_eq!(v["title"], "Second factor needed");
    let with = app.token_for(&atty, TokenScope::Read, true).await;
    let r = app
        .api(
            Method::GET,
            &format!("/api/v1/cases/{id}"),
            Some(&with),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

#[tokio::test]
async fn another_persons_token_gets_404_on_every_case_route() {
    let app = App::new().await;
    let id = app.add_case(EXAMPLE).await;
    let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
    let ben = tx
        .create_account("ben@example.org", None, AccountKind::Person, now())
        .await
        .expect("account");
    tx.commit().await.expect("commit");
    let token = app.token_for(&ben, RW, true).await;
    let body = json!({"visa": "K-1", "post": "MNL", "kind": "passport", "status": "needed",
        "on": "2025-06-02", "text": "Section 221(g)"});
    let mut checked = 0;
    for r in routes()
        .iter()
        .filter(|r| r.audience == Audience::Case && r.path.starts_with("/api/"))
    {
        let path = r
            .path
            .replace("{id}", id.as_str())
            .replace("{index}", "0")
            .replace("{notice}", "x");
        for m in r.methods {
            let resp = app
                .api(m.clone(), &path, Some(&token), Some(&body), &[])
                .await;
            problem(&resp, StatusCode::NOT_FOUND);
            checked += 1;
        }
    }
    assert!(checked >= 10, "sanity: {checked}");
}

/// Every `/api/v1` route of the router (path and method) is in the OpenAPI document, and
/// every operation of the document is a route: neither can drift from the other.
#[tokio::test]
async fn the_openapi_document_names_exactly_the_api_routes() {
    let app = App::new().await;
    let r = app
        .api(Method::GET, "/api/v1/openapi.json", None, None, &[])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = std::collections::BTreeSet::new();
    let mut operation_ids = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            documented.insert((method.to_uppercase(), path.clone()));
            let id = op["operationId"]
                .as_str()
                .expect("an operationId")
                .to_string();
            assert!(operation_ids.insert(id.clone()), "operationId {id} twice");
            // Operations anyone may call say so (`security: [{}]`) and never answer 401.
            let public = op["security"] == serde_json::json!([{}]);
            let responses = op["responses"].as_object().expect("responses");
            assert_eq!(responses.contains_key("401"), !public, "{method} {path}");
        }
    }
    let routed: std::collections::BTreeSet<(String, String)> = routes()
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/") && !r.path.contains("{*"))
        .flat_map(|r| {
            r.methods
                .iter()
                .map(|m| (m.to_string(), r.path.to_string()))
        })
        .collect();
    assert_eq!(documented, routed);
    assert!(routed.len() >= 15, "sanity: {}", routed.len());
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(
        doc["components"]["responses"]["Error404"]["content"]["application/problem+json"]["schema"]
            ["$ref"],
        "#/components/schemas/Problem"
    );
}
