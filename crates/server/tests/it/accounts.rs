//! Accounts from the outside: sign up, confirm the address from the email, sign in and out,
//! a new password by email, a second factor that refuses a replayed code, recovery codes,
//! and throttling. The same answer whether an address has an account or not.

use axum::http::StatusCode;

use crate::harness::{App, Browser, enc, now};

const PASSWORD: &str = "lantern orchard velvet harbor";
const NEW_PASSWORD: &str = "copper meadow whistle tundra";

/// The token of the newest link in the newest message to `to` whose URL contains `path`.
fn link_token(app: &App, to: &str, path: &str) -> String {
    let mail = app.mail_to(to);
    let last = mail.last().expect("a message");
    let unfolded = decoded(last);
    let at = unfolded.rfind(&format!("{path}?token=")).expect("a link") + path.len() + 7;
    unfolded[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// The text part may be quoted-printable: undo soft line breaks and the escaped `=`.
fn decoded(mail: &str) -> String {
    mail.replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

async fn post_public(app: &App, path: &str, body: &str) -> crate::harness::Resp {
    app.public_post(path, body).await
}

#[tokio::test]
async fn sign_up_confirm_sign_in_and_out() {
    let app = App::new().await;
    let weak = post_public(&app, "/sign-up", "email=ana%40example.org&password=short").await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    assert!(
        weak.body.contains("15"),
        "the reason names the length: {}",
        weak.body
    );
    let common = post_public(
        &app,
        "/sign-up",
        "email=ana%40example.org&password=passwordpassword1",
    )
    .await;
    assert_eq!(common.status, StatusCode::BAD_REQUEST, "{}", common.body);

    let r = post_public(
        &app,
        "/sign-up",
        &format!("email=Ana%40Example.org&password={}", enc(PASSWORD)),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Check your email"));
    let (before, _) = app.sign_in("ana@example.org", PASSWORD).await;
    assert!(
        before.body.contains("Confirm your email address first"),
        "{}",
        before.body
    );

    let token = link_token(&app, "ana@example.org", "/verify");
    let page = app
        .get_as(&Browser::default(), &format!("/verify?token={token}"))
        .await;
    assert!(
        page.body.contains("Confirm"),
        "a button, not an action on GET"
    );
    let ok = post_public(&app, "/verify", &format!("token={token}")).await;
    assert!(ok.body.contains("Your address is confirmed"), "{}", ok.body);
    let again = post_public(&app, "/verify", &format!("token={token}")).await;
    assert_eq!(again.status, StatusCode::GONE, "a link works once");

    let (r, ana) = app.sign_in("ANA@example.org", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let cookie = r.headers["set-cookie"].to_str().expect("ascii").to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(app.get_as(&ana, "/").await.body.contains(">Sign out<"));
    assert!(
        app.get_as(&ana, "/api/v1/cases").await.json()["cases"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "a new account sees no case, not the local account's"
    );

    // The same answer for a wrong password and an unknown address.
    let (wrong, _) = app
        .sign_in("ana@example.org", "not the password at all")
        .await;
    let (unknown, _) = app
        .sign_in("nobody@example.org", "not the password at all")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let msg = |b: &str| b.contains("do not match an account");
    assert!(msg(&wrong.body) && msg(&unknown.body));

    // Signing up again with a taken address looks the same; the owner gets an email.
    let dup = post_public(
        &app,
        "/sign-up",
        &format!("email=ana%40example.org&password={}", enc(NEW_PASSWORD)),
    )
    .await;
    assert!(dup.body.contains("Check your email"));
    assert!(
        app.mail_to("ana@example.org")
            .iter()
            .any(|m| decoded(m).contains("already has one")),
        "the owner of the address is told"
    );

    // Signing out ends the session: the old cookie is worth nothing.
    let out = app.post_form_as(&ana, "/sign-out", "everywhere=no").await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get_as(&ana, "/account").await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_new_password_by_email_signs_out_everywhere() {
    let app = App::new().await;
    post_public(
        &app,
        "/sign-up",
        &format!("email=ben%40example.org&password={}", enc(PASSWORD)),
    )
    .await;
    let token = link_token(&app, "ben@example.org", "/verify");
    post_public(&app, "/verify", &format!("token={token}")).await;
    let (_, ben) = app.sign_in("ben@example.org", PASSWORD).await;
    assert!(app.get_as(&ben, "/").await.body.contains(">Sign out<"));

    let r = post_public(&app, "/reset", "email=ben%40example.org").await;
    let unknown = post_public(&app, "/reset", "email=nobody%40example.org").await;
    assert_eq!(r.body, unknown.body, "the same answer either way");
    let token = link_token(&app, "ben@example.org", "/reset/new");
    let weak = post_public(&app, "/reset/new", &format!("token={token}&password=short")).await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    let token = {
        post_public(&app, "/reset", "email=ben%40example.org").await;
        link_token(&app, "ben@example.org", "/reset/new")
    };
    let done = post_public(
        &app,
        "/reset/new",
        &format!("token={token}&password={}", enc(NEW_PASSWORD)),
    )
    .await;
    assert!(
        done.body.contains("Your password is changed"),
        "{}",
        done.body
    );
    assert!(
        !app.get_as(&ben, "/").await.body.contains(">Sign out<"),
        "signed out"
    );
    assert_eq!(
        app.sign_in("ben@example.org", PASSWORD).await.0.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.sign_in("ben@example.org", NEW_PASSWORD).await.0.status,
        StatusCode::SEE_OTHER
    );
    let reused = post_public(
        &app,
        "/reset/new",
        &format!(
            "token={token}&password={}",
            enc("another long pass phrase here")
        ),
    )
    .await;
    assert_eq!(reused.status, StatusCode::GONE);
}

/// The TOTP code for a base32 secret at the app's fixed clock, `steps` steps later.
fn code(secret_b32: &str, steps: u64) -> String {
    let bytes = visanav_auth::totp::base32_decode(secret_b32).expect("base32");
    visanav_auth::totp(&bytes, now().as_second() as u64 + steps * 30, 30, 6)
}

#[tokio::test]
async fn a_second_factor_refuses_a_replayed_code_and_takes_each_recovery_code_once() {
    let app = App::new().await;
    post_public(
        &app,
        "/sign-up",
        &format!("email=cy%40example.org&password={}", enc(PASSWORD)),
    )
    .await;
    let token = link_token(&app, "cy@example.org", "/verify");
    post_public(&app, "/verify", &format!("token={token}")).await;
    let (_, cy) = app.sign_in("cy@example.org", PASSWORD).await;
    let setup = app.get_as(&cy, "/account/second-factor").await;
    assert!(setup.body.contains("<svg"), "a QR code");
    let secret = setup.input("secret");
    let wrong = app
        .post_form_as(
            &cy,
            "/account/second-factor",
            &format!("secret={secret}&code=000000"),
        )
        .await;
    assert!(wrong.body.contains("not right"), "{}", wrong.body);
    let on = app
        .post_form_as(
            &cy,
            "/account/second-factor",
            &format!("secret={secret}&code={}", code(&secret, 0)),
        )
        .await;
    assert!(on.body.contains("Your second factor is on"), "{}", on.body);
    let recovery: Vec<String> = on
        .body
        .split("<p>")
        .filter_map(|p| p.split("</p>").next())
        .filter(|p| p.len() == 19 && p.matches('-').count() == 3)
        .map(str::to_string)
        .collect();
    assert_eq!(recovery.len(), 10, "ten recovery codes shown once");

    // Signing in again now asks for the code; the one already used is refused.
    let (r, half) = app.sign_in("cy@example.org", PASSWORD).await;
    assert_eq!(r.headers["location"], "/sign-in/code");
    let replay = app
        .post_form_as(
            &half,
            "/sign-in/code",
            &format!("code={}", code(&secret, 0)),
        )
        .await;
    assert!(replay.body.contains("already been used"), "{}", replay.body);
    let next = app
        .post_form_as(
            &half,
            "/sign-in/code",
            &format!("code={}", code(&secret, 1)),
        )
        .await;
    assert_eq!(next.status, StatusCode::SEE_OTHER, "{}", next.body);
    let full = app.browser_from(&next).await;
    assert!(app.get_as(&full, "/").await.body.contains(">Sign out<"));
    assert_eq!(
        app.get_as(&half, "/account").await.status,
        StatusCode::SEE_OTHER,
        "the first-factor session was replaced"
    );

    let (_, half) = app.sign_in("cy@example.org", PASSWORD).await;
    let rc = app
        .post_form_as(
            &half,
            "/sign-in/code",
            &format!("code={}", enc(&recovery[0])),
        )
        .await;
    assert_eq!(
        rc.status,
        StatusCode::SEE_OTHER,
        "a recovery code: {}",
        rc.body
    );
    let (_, half) = app.sign_in("cy@example.org", PASSWORD).await;
    let rc = app
        .post_form_as(
            &half,
            "/sign-in/code",
            &format!("code={}", enc(&recovery[0])),
        )
        .await;
    assert_eq!(rc.status, StatusCode::UNAUTHORIZED, "used once only");
}

#[tokio::test]
async fn a_flood_of_sign_in_attempts_gets_429_with_retry_after() {
    let app = App::new().await;
    let mut last = None;
    for _ in 0..12 {
        last = Some(
            app.sign_in("flood@example.org", "wrong wrong wrong wrong")
                .await
                .0,
        );
    }
    let last = last.expect("response");
    assert_eq!(last.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(last.headers.contains_key("retry-after"));
    assert!(last.body.contains("Too many sign-in attempts"));
}

#[tokio::test]
async fn export_all_my_data_and_delete_my_account_behind_the_password() {
    use visanav_store::{Actor, DuplicatePolicy};
    let app = App::new().await;
    post_public(
        &app,
        "/sign-up",
        &format!("email=dee%40example.org&password={}", enc(PASSWORD)),
    )
    .await;
    let token = link_token(&app, "dee@example.org", "/verify");
    post_public(&app, "/verify", &format!("token={token}")).await;
    let dee_id = app
        .store
        .credentials("dee@example.org")
        .await
        .expect("c")
        .expect("dee")
        .account
        .id;
    let dee = Actor::operator(dee_id.clone());
    let case = app
        .store
        .create_case(
            &dee,
            &app.case_file(crate::harness::EXAMPLE),
            now(),
            DuplicatePolicy::Refuse,
        )
        .await
        .expect("case");
    // Someone else's case shared with Dee: not Dee's to export or delete.
    let other = app.add_case(crate::harness::EXAMPLE).await;
    let mut tx = app
        .store
        .begin(visanav_store::TxMode::Write)
        .await
        .expect("begin");
    let share = tx
        .offer_share(&Actor::local(), &other, None, now())
        .await
        .expect("offer");
    tx.answer_share(&dee, &share, true, now())
        .await
        .expect("accept");
    tx.commit().await.expect("commit");

    let (_, b) = app.sign_in("dee@example.org", PASSWORD).await;
    let wrong = app
        .post_form_as(&b, "/account/export", "password=nope")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let zip = app
        .post_form_as(
            &b,
            "/account/export",
            &format!("password={}", enc(PASSWORD)),
        )
        .await;
    assert_eq!(zip.status, StatusCode::OK);
    assert_eq!(zip.content_type(), "application/zip");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("export.zip");
    // `Resp` reads bodies as text; a ZIP is bytes, so fetch it again as they are.
    let raw = app
        .post_raw_as(
            &b,
            "/account/export",
            &format!("password={}", enc(PASSWORD)),
        )
        .await;
    std::fs::write(&path, &raw).expect("write");
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nprint('\\n'.join(z.namelist()))\nprint(z.read([n for n in z.namelist() if n.endswith('case.json')][0]).decode())",
            path.to_str().expect("utf-8"),
        ])
        .output()
        .expect("python3");
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        listing.contains(&format!("cases/{case}/case.json")),
        "{listing}"
    );
    assert!(
        !listing.contains(&format!("cases/{other}/")),
        "a shared case is not exported"
    );
    assert!(
        listing.contains("Maria Clara") && listing.contains("README.txt"),
        "{listing}"
    );

    let kept = app
        .post_form_as(&b, "/account/delete", "password=nope")
        .await;
    assert_eq!(kept.status, StatusCode::UNAUTHORIZED);
    let gone = app
        .post_form_as(
            &b,
            "/account/delete",
            &format!("password={}", enc(PASSWORD)),
        )
        .await;
    assert!(
        gone.body.contains("Your account is deleted"),
        "{}",
        gone.body
    );
    assert!(
        app.store
            .get_case(&dee, &case)
            .await
            .expect("get")
            .is_none()
    );
    assert!(
        app.store
            .get_case(&dee, &other)
            .await
            .expect("get")
            .is_none(),
        "share ended"
    );
    assert!(
        app.store
            .get_case(&Actor::local(), &other)
            .await
            .expect("get")
            .is_some(),
        "the owner keeps theirs"
    );
    assert_eq!(
        app.sign_in("dee@example.org", PASSWORD).await.0.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        app.store
            .credentials("dee@example.org")
            .await
            .expect("c")
            .is_none(),
        "the address is gone"
    );
}

#[tokio::test]
async fn a_new_email_address_counts_once_confirmed_from_that_address() {
    let app = App::new().await;
    post_public(
        &app,
        "/sign-up",
        &format!("email=eve%40example.org&password={}", enc(PASSWORD)),
    )
    .await;
    let token = link_token(&app, "eve@example.org", "/verify");
    post_public(&app, "/verify", &format!("token={token}")).await;
    let (_, eve) = app.sign_in("eve@example.org", PASSWORD).await;
    let wrong = app
        .post_form_as(
            &eve,
            "/account/email",
            "email=eve2%40example.org&password=nope",
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    let sent = app
        .post_form_as(
            &eve,
            "/account/email",
            &format!("email=eve2%40example.org&password={}", enc(PASSWORD)),
        )
        .await;
    assert!(sent.body.contains("Check your email"), "{}", sent.body);
    // Not yet: the old address still signs in, the new one does not.
    assert_eq!(
        app.sign_in("eve2@example.org", PASSWORD).await.0.status,
        StatusCode::UNAUTHORIZED
    );
    let token = link_token(&app, "eve2@example.org", "/account/email/confirm");
    let done = post_public(&app, "/account/email/confirm", &format!("token={token}")).await;
    assert!(
        done.body.contains("Your email address is changed"),
        "{}",
        done.body
    );
    assert_eq!(
        app.sign_in("eve2@example.org", PASSWORD).await.0.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.sign_in("eve@example.org", PASSWORD).await.0.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn forms_before_sign_in_need_their_form_token() {
    let app = App::new().await;
    for path in ["/sign-in", "/sign-up", "/reset", "/verify", "/sign-in/link"] {
        let bare = app
            .post_as(
                &Browser::default(),
                path,
                "application/x-www-form-urlencoded",
                b"email=a%40example.org&password=x&token=x".to_vec(),
                &[("sec-fetch-site", "same-origin")],
            )
            .await;
        assert_eq!(bare.status, StatusCode::FORBIDDEN, "{path}");
        assert!(bare.body.contains("Please try again"), "{path}");
    }
}
