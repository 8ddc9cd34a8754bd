//! Issue 10's story, in process: an admin adds a firm and invites its attorney (who sets up
//! a second factor); an applicant signs up, confirms the address from the email, has a case,
//! shares it with the firm; the attorney sees it and keeps a firm note the applicant cannot
//! see; the applicant revokes and the attorney's next request is a 404.

use axum::http::StatusCode;
use visanav_store::{AccountKind, Actor, DuplicatePolicy, TxMode};

use crate::harness::{App, Browser, EXAMPLE, enc, now};

const PW: &str = "lantern orchard velvet harbor";

fn decoded(mail: &str) -> String {
    mail.replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

fn token_in(app: &App, to: &str, path: &str) -> String {
    let needle = format!("{path}?token=");
    let text = app
        .mail_to(to)
        .iter()
        .rev()
        .map(|m| decoded(m))
        .find(|m| m.contains(&needle))
        .expect("a message with the link");
    let at = text.rfind(&needle).expect("a link") + needle.len();
    text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

async fn public_post(app: &App, path: &str, body: &str) -> crate::harness::Resp {
    app.public_post(path, body).await
}

async fn sign_up(app: &App, email: &str) {
    let r = public_post(
        app,
        "/sign-up",
        &format!("email={}&password={}", enc(email), enc(PW)),
    )
    .await;
    assert!(r.body.contains("Check your email"), "{}", r.body);
    let token = token_in(app, email, "/verify");
    let r = public_post(app, "/verify", &format!("token={token}")).await;
    assert!(r.body.contains("confirmed"), "{}", r.body);
}

/// Sets up TOTP from the setup page, returning the fully signed-in browser.
async fn set_up_second_factor(app: &App, b: &Browser) -> Browser {
    let page = app.get_as(b, "/account/second-factor").await;
    let secret = page.input("secret");
    let bytes = visanav_auth::totp::base32_decode(&secret).expect("base32");
    let code = visanav_auth::totp(&bytes, now().as_second() as u64, 30, 6);
    let r = app
        .post_form_as(
            b,
            "/account/second-factor",
            &format!("secret={secret}&code={code}"),
        )
        .await;
    assert!(r.body.contains("Your second factor is on"), "{}", r.body);
    b.clone()
}

#[tokio::test]
async fn admin_firm_attorney_applicant_share_note_revoke() {
    let app = App::new().await;
    // The first admin, as `visanav user add … --role admin` makes it (with a password here).
    let mut tx = app.store.begin(TxMode::Write).await.expect("begin");
    let admin = tx
        .create_account(
            "admin@example.org",
            Some(&visanav_auth::hash_password(PW).expect("hash")),
            AccountKind::Admin,
            now(),
        )
        .await
        .expect("admin");
    tx.mark_email_verified(&admin, now())
        .await
        .expect("verified");
    tx.commit().await.expect("commit");
    let (r, admin_b) = app.sign_in("admin@example.org", PW).await;
    assert_eq!(
        r.headers["location"], "/sign-in/code",
        "an admin gives a second factor"
    );
    let setup = app.get_as(&admin_b, "/sign-in/code").await;
    assert_eq!(
        setup.headers["location"], "/account/second-factor",
        "…after setting one up"
    );
    let admin_b = set_up_second_factor(&app, &admin_b).await;
    let r = app
        .post_form_as(
            &admin_b,
            "/firms",
            "name=Reyes+Law&owner=atty%40firm.example",
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // The attorney signs up, accepts the invitation, and must set up a second factor.
    sign_up(&app, "atty@firm.example").await;
    let invite = token_in(&app, "atty@firm.example", "/invites/firm");
    let (_, atty) = app.sign_in("atty@firm.example", PW).await;
    // Someone else signed in cannot use the attorney's invitation.
    sign_up(&app, "ana@example.org").await;
    let (_, ana) = app.sign_in("ana@example.org", PW).await;
    let wrong = app
        .post_form_as(&ana, "/invites/firm", &format!("token={invite}"))
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN, "{}", wrong.body);
    assert!(wrong.body.contains("another address"));
    let joined = app
        .post_form_as(&atty, "/invites/firm", &format!("token={invite}"))
        .await;
    assert_eq!(joined.status, StatusCode::SEE_OTHER, "{}", joined.body);
    assert_eq!(
        app.get_as(&atty, "/firms").await.headers["location"],
        "/sign-in/code",
        "a firm member sees nothing before the second factor"
    );
    let atty = set_up_second_factor(&app, &atty).await;
    let firms = app.get_as(&atty, "/firms").await;
    assert!(
        firms.body.contains("Reyes Law") && firms.body.contains("owner"),
        "{}",
        firms.body
    );
    let marker = "Firm code for clients: <code>";
    let code_at = firms.body.find(marker).expect("firm code") + marker.len();
    let firm_code: String = firms.body[code_at..].chars().take(36).collect();

    // The applicant has a case (imported from the command line with --as) and shares it.
    let ana_id = app
        .store
        .credentials("ana@example.org")
        .await
        .expect("c")
        .expect("ana")
        .account
        .id;
    let case = app
        .store
        .create_case(
            &Actor::operator(ana_id),
            &app.case_file(EXAMPLE),
            now(),
            DuplicatePolicy::Refuse,
        )
        .await
        .expect("case");
    assert_eq!(
        app.get_as(&atty, &format!("/cases/{case}")).await.status,
        StatusCode::NOT_FOUND
    );
    let offered = app
        .post_form_as(
            &ana,
            &format!("/cases/{case}/sharing/firm"),
            &format!("firm={firm_code}"),
        )
        .await;
    assert_eq!(offered.status, StatusCode::SEE_OTHER, "{}", offered.body);
    let firms = app.get_as(&atty, "/firms").await;
    // The firm sees what it is asked to take (for its conflict check), and no name.
    assert!(
        firms
            .body
            .contains("K-1 · Manila (MNL) · case number MNL2025512345"),
        "{}",
        firms.body
    );
    assert!(!firms.body.contains("Santos"));
    let marker = "action=\"/firms/offers/";
    let at = firms.body.find(marker).expect("an offer") + marker.len();
    let share: String = firms.body[at..].chars().take_while(|c| *c != '"').collect();
    let accepted = app
        .post_form_as(&atty, &format!("/firms/offers/{share}"), "answer=accept")
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.get_as(&atty, &format!("/cases/{case}")).await.status,
        StatusCode::OK
    );

    // A firm note: the firm sees it, the applicant does not.
    let firm_id = firm_code.clone();
    let noted = app
        .post_form_as(
            &atty,
            &format!("/cases/{case}/firm-notes"),
            &format!("firm={firm_id}&body=Conflict+check+clear%3B+matter+accepted"),
        )
        .await;
    assert_eq!(noted.status, StatusCode::SEE_OTHER, "{}", noted.body);
    let notes = app
        .get_as(&atty, &format!("/cases/{case}/firm-notes"))
        .await;
    assert!(notes.body.contains("Conflict check clear"));
    let theirs = app.get_as(&ana, &format!("/cases/{case}/firm-notes")).await;
    assert!(!theirs.body.contains("Conflict check"), "{}", theirs.body);
    let log = app.get_as(&ana, &format!("/cases/{case}/log")).await;
    assert!(
        log.body.contains("atty@firm.example") && log.body.contains("case viewed"),
        "{}",
        log.body
    );

    // The applicant revokes; the attorney's very next request is a 404.
    let sharing = app.get_as(&ana, &format!("/cases/{case}/sharing")).await;
    assert!(sharing.body.contains("the firm Reyes Law"));
    let revoked = app
        .post_form_as(&ana, &format!("/cases/{case}/sharing/{share}/revoke"), "")
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER, "{}", revoked.body);
    assert_eq!(
        app.get_as(&atty, &format!("/cases/{case}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_as(&atty, &format!("/api/v1/cases/{case}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Admins see sign-in events; nobody else does.
    let events = app.get_as(&admin_b, "/admin/sign-ins").await;
    assert!(
        events.body.contains("atty@firm.example") && events.body.contains("sign in"),
        "{}",
        events.body
    );
    assert_eq!(
        app.get_as(&ana, "/admin/sign-ins").await.status,
        StatusCode::NOT_FOUND
    );
    // The admin runs the instance but sees no case that is not shared with them.
    assert_eq!(
        app.get_as(&admin_b, &format!("/cases/{case}")).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_co_applicant_accepts_or_declines_an_invitation_sent_to_them() {
    let app = App::new().await;
    let case = app.add_case(EXAMPLE).await;
    let invite = |to: &'static str| {
        let app = &app;
        let case = case.clone();
        async move {
            let r = app
                .post_form(
                    &format!("/cases/{case}/sharing/co-applicant"),
                    &format!("email={}", enc(to)),
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            token_in(app, to, "/invites/case")
        }
    };
    sign_up(&app, "dan@example.org").await;
    sign_up(&app, "fay@example.org").await;
    let (_, dan) = app.sign_in("dan@example.org", PW).await;
    let (_, fay) = app.sign_in("fay@example.org", PW).await;

    let for_dan = invite("dan@example.org").await;
    let wrong = app
        .post_form_as(&fay, "/invites/case", &format!("token={for_dan}"))
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::FORBIDDEN,
        "only the invited address"
    );
    let page = app
        .get_as(&dan, &format!("/invites/case?token={for_dan}"))
        .await;
    assert!(page.body.contains("Decline the invitation"));
    let ok = app
        .post_form_as(&dan, "/invites/case", &format!("token={for_dan}"))
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(
        app.get_as(&dan, &format!("/cases/{case}")).await.status,
        StatusCode::OK
    );

    let for_fay = invite("fay@example.org").await;
    let no = app
        .post_form_as(&fay, "/invites/case/decline", &format!("token={for_fay}"))
        .await;
    assert!(no.body.contains("You declined"), "{}", no.body);
    assert_eq!(
        app.get_as(&fay, &format!("/cases/{case}")).await.status,
        StatusCode::NOT_FOUND
    );
    let sharing = app.get(&format!("/cases/{case}/sharing")).await;
    assert!(
        sharing.body.contains("co-applicant dan@example.org") && sharing.body.contains("declined"),
        "{}",
        sharing.body
    );
}
