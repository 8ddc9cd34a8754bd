//! Accounts people make and look after themselves: sign up with an email address confirmed
//! by a single-use link, a new password by an expiring link, a changed password, and the
//! second factor (TOTP with recovery codes). Answers never tell whether an address has an
//! account; the email does.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiff::SignedDuration;
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_store::{AccountKind, NewToken, StoreError, TokenPurpose, TxMode};

use crate::auth::stale_form;
use crate::pages::render;
use crate::request::{FirstFactor, SignedIn};
use crate::session::{FormToken, csrf_ok, csrf_token, with_form_cookie};
use crate::{AppError, AppState};

const VERIFY_LIFETIME: SignedDuration = SignedDuration::from_hours(48);
const RESET_LIFETIME: SignedDuration = SignedDuration::from_hours(1);

fn fields(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn field<'a>(f: &'a HashMap<String, String>, name: &str) -> &'a str {
    f.get(name).map(String::as_str).unwrap_or("")
}

/// A one-button form: (action, hidden fields, button label).
pub type OneButton = (String, Vec<(String, String)>, String);

/// A page that says something, with an optional one-button form and a link.
#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage {
    pub disclaimer: &'static str,
    pub title: String,
    pub paragraphs: Vec<String>,
    pub action: Option<OneButton>,
    /// (href, text)
    pub link: Option<(String, String)>,
}

pub fn message(title: &str, paragraphs: &[&str], link: Option<(&str, &str)>) -> Response {
    render(&MessagePage {
        disclaimer: NOT_LEGAL_ADVICE,
        title: title.to_string(),
        paragraphs: paragraphs.iter().map(|p| p.to_string()).collect(),
        action: None,
        link: link.map(|(h, t)| (h.to_string(), t.to_string())),
    })
}

/// Refuses a public form whose token does not match the browser's form cookie.
fn check_form(
    state: &AppState,
    headers: &HeaderMap,
    f: &HashMap<String, String>,
) -> Result<(), AppError> {
    if state
        .server
        .sessions
        .form_token_ok(headers, field(f, "form_token"))
    {
        Ok(())
    } else {
        Err(stale_form())
    }
}

fn with_status(mut r: Response, status: StatusCode) -> Response {
    *r.status_mut() = status;
    r
}

/// Hashes a password off the async workers (Argon2id takes tens of milliseconds and 19 MiB).
async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || visanav_auth::hash_password(&password))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)
}

async fn verify(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || visanav_auth::verify_password(&password, &stored))
        .await
        .unwrap_or(false)
}

/// Sends a message; without a mailer configured, says so in the log. Never fails the request:
/// the person is told to check their email either way, and an operator sees the log line.
async fn send(state: &AppState, kind: &'static str, to: &str, subject: &str, text: String) {
    let Some(mailer) = &state.mailer else {
        tracing::warn!(kind, "no mailer configured: message not sent");
        return;
    };
    let html = format!("<p>{}</p>", escape_html(&text).replace("\n\n", "</p><p>"));
    let message = visanav_mail::Message {
        kind,
        to: to.to_string(),
        subject: subject.to_string(),
        text,
        html,
    };
    if let Err(e) = mailer.send(&message).await {
        tracing::error!(kind, error = %e, "message not sent");
    }
}

async fn link_token(
    state: &AppState,
    purpose: TokenPurpose,
    account: &visanav_store::AccountId,
    email: &str,
    lifetime: SignedDuration,
) -> Result<String, AppError> {
    let (token, hash) = visanav_auth::new_token();
    let mut tx = state.store.begin(TxMode::Write).await?;
    tx.create_token(
        NewToken {
            hash: &hash,
            purpose,
            account: Some(account),
            email: Some(email),
            subject: None,
            subject_secret: None,
            lifetime,
        },
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(token.expose().to_string())
}

#[derive(Template)]
#[template(path = "sign_up.html")]
struct SignUpPage {
    disclaimer: &'static str,
    form_token: String,
    email: String,
    error: Option<String>,
}

pub async fn sign_up_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = state.server.sessions.form_token(&headers);
    let page = render(&SignUpPage {
        disclaimer: NOT_LEGAL_ADVICE,
        form_token: token.value.clone(),
        email: String::new(),
        error: None,
    });
    with_form_cookie(page, &token)
}

const CHECK_EMAIL: &str = "Check your email";

pub async fn sign_up(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    check_form(&state, &headers, &f)?;
    let email = visanav_store::normalise_email(field(&f, "email"));
    let password = field(&f, "password").to_string();
    let again = |e: String| {
        with_status(
            render(&SignUpPage {
                disclaimer: NOT_LEGAL_ADVICE,
                form_token: field(&f, "form_token").to_string(),
                email: email.clone(),
                error: Some(e),
            }),
            StatusCode::BAD_REQUEST,
        )
    };
    if !looks_like_email(&email) {
        return Ok(again(
            "That is not an email address; type one such as ana@example.org.".into(),
        ));
    }
    if let Err(problem) = visanav_auth::PasswordPolicy::default().check(&password, &[&email]) {
        return Ok(again(problem.to_string()));
    }
    if let Err(wait) = state.throttle.hit(&format!("sign-up:{email}")) {
        return Ok(again(format!(
            "Too many attempts for this address; wait {} minute(s).",
            wait.div_ceil(60)
        )));
    }
    let hashed = hash(password).await?;
    let now = state.clock.now();
    let mut tx = state.store.begin(TxMode::Write).await?;
    let created = tx
        .create_account(&email, Some(&hashed), AccountKind::Person, now)
        .await;
    match created {
        Ok(account) => {
            tx.audit_account(&account, None, "account_created", "sign-up", now)
                .await?;
            tx.commit().await?;
            let token = link_token(
                &state,
                TokenPurpose::VerifyEmail,
                &account,
                &email,
                VERIFY_LIFETIME,
            )
            .await?;
            let link = format!("{}/verify?token={token}", state.server.base_url);
            let text = format!(
                "Confirm your email address for visanav by opening this link (it works once, for 48 hours):\n\n{link}\n\nIf you did not ask for a visanav account, ignore this message."
            );
            send(
                &state,
                "verify_email",
                &email,
                "Confirm your email for visanav",
                text,
            )
            .await;
        }
        Err(StoreError::Conflict { .. }) => {
            tx.rollback().await?;
            // The same page as for a new address; the email tells the owner what happened.
            let text = format!(
                "Someone asked to create a visanav account with this address, which already has one.\n\nIf it was you, sign in at {}/sign-in, or ask for a new password at {}/reset.\n\nIf it was not you, ignore this message: nothing was changed.",
                state.server.base_url, state.server.base_url
            );
            send(
                &state,
                "sign_up_existing",
                &email,
                "Your visanav account",
                text,
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(message(
        CHECK_EMAIL,
        &[
            "We sent a message to the address you gave. Open the link in it to confirm your address, then sign in.",
            "Nothing arrived after a few minutes? Look in the spam folder, or create the account again.",
        ],
        Some(("/sign-in", "Go to sign in")),
    ))
}

fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn looks_like_email(e: &str) -> bool {
    e.len() <= 254
        && !e.contains(char::is_whitespace)
        && e.split_once('@').is_some_and(|(u, d)| {
            !u.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
        })
}

#[derive(serde::Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// A link's page acts only when its button is pressed (mail scanners follow links).
fn confirm_page(
    form: &FormToken,
    title: &str,
    text: &str,
    action: &str,
    token: &str,
    button: &str,
) -> Response {
    let page = render(&MessagePage {
        disclaimer: NOT_LEGAL_ADVICE,
        title: title.to_string(),
        paragraphs: vec![text.to_string()],
        action: Some((
            action.to_string(),
            vec![
                ("token".to_string(), token.to_string()),
                ("form_token".to_string(), form.value.clone()),
            ],
            button.to_string(),
        )),
        link: None,
    });
    with_form_cookie(page, form)
}

pub async fn verify_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
) -> Response {
    confirm_page(
        &state.server.sessions.form_token(&headers),
        "Confirm your email address",
        "Press the button to confirm this address for your visanav account.",
        "/verify",
        &q.token.unwrap_or_default(),
        "Confirm",
    )
}

fn link_problem() -> AppError {
    AppError::new(
        StatusCode::GONE,
        "This link no longer works",
        "Links work once and for a limited time. Ask for a new one (create the account again, \
         or ask for a new password) and use the newest message.",
    )
}

pub async fn verify_email(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    check_form(&state, &headers, &f)?;
    let now = state.clock.now();
    let mut tx = state.store.begin(TxMode::Write).await?;
    let used = tx
        .use_token(
            TokenPurpose::VerifyEmail,
            &visanav_auth::hash_token(field(&f, "token")),
            now,
        )
        .await?;
    let Some(account) = used.ok().and_then(|u| u.account) else {
        tx.rollback().await?;
        return Err(link_problem());
    };
    tx.mark_email_verified(&account, now).await?;
    tx.audit_account(&account, None, "email_verified", "", now)
        .await?;
    tx.commit().await?;
    Ok(message(
        "Your address is confirmed",
        &["Thank you. You can sign in now."],
        Some(("/sign-in", "Sign in")),
    ))
}

pub async fn reset_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = state.server.sessions.form_token(&headers);
    with_form_cookie(reset_page(&token.value, None), &token)
}

fn reset_page(form_token: &str, error: Option<&str>) -> Response {
    #[derive(Template)]
    #[template(
        source = r#"{% extends "base.html" %}
{% block title %}Forgot your password? · visanav{% endblock %}
{% block content %}
<h1>Forgot your password?</h1>
{% match error %}{% when Some with (e) %}<p class="warn" role="alert">{{ e }}</p>{% when None %}{% endmatch %}
<form method="post" action="/reset">
<input type="hidden" name="form_token" value="{{ form_token }}">
<p><label for="email"><strong>Your email address</strong></label><br>
<input id="email" name="email" type="email" autocomplete="email" required></p>
<p><button type="submit">Send me a link</button></p>
</form>
{% endblock %}"#,
        ext = "html"
    )]
    struct ResetPage<'a> {
        disclaimer: &'static str,
        form_token: &'a str,
        error: Option<&'a str>,
    }
    render(&ResetPage {
        disclaimer: NOT_LEGAL_ADVICE,
        form_token,
        error,
    })
}

pub async fn reset(
    State(state): State<AppState>,
    addr: crate::request::ClientAddr,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    check_form(&state, &headers, &f)?;
    let email = visanav_store::normalise_email(field(&f, "email"));
    let client = addr.0.map_or("unknown".to_string(), |ip| ip.to_string());
    let limited = state
        .throttle
        .hit(&format!("addr:{client}"))
        .and_then(|_| state.throttle.hit(&format!("reset:{email}")));
    if let Err(wait) = limited {
        return Ok(with_status(
            reset_page(
                field(&f, "form_token"),
                Some(&format!(
                    "Too many requests for this address; wait {} minute(s).",
                    wait.div_ceil(60)
                )),
            ),
            StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    if let Some(creds) = state.store.credentials(&email).await?
        && !creds.account.disabled
    {
        let token = link_token(
            &state,
            TokenPurpose::ResetPassword,
            &creds.account.id,
            &email,
            RESET_LIFETIME,
        )
        .await?;
        let link = format!("{}/reset/new?token={token}", state.server.base_url);
        let text = format!(
            "Choose a new password for visanav with this link (it works once, for one hour):\n\n{link}\n\nIf you did not ask for this, ignore this message: your password stays as it is."
        );
        send(
            &state,
            "reset_password",
            &email,
            "A new visanav password",
            text,
        )
        .await;
    }
    Ok(message(
        CHECK_EMAIL,
        &[
            "If an account has this address, we sent it a link to choose a new password. It works for one hour.",
        ],
        Some(("/sign-in", "Back to sign in")),
    ))
}

#[derive(Template)]
#[template(path = "new_password.html")]
struct NewPasswordPage {
    disclaimer: &'static str,
    action: String,
    hidden: Vec<(String, String)>,
    ask_current: bool,
    error: Option<String>,
}

pub async fn reset_new_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
) -> Response {
    let form = state.server.sessions.form_token(&headers);
    let page = render(&NewPasswordPage {
        disclaimer: NOT_LEGAL_ADVICE,
        action: "/reset/new".into(),
        hidden: vec![
            ("token".into(), q.token.unwrap_or_default()),
            ("form_token".into(), form.value.clone()),
        ],
        ask_current: false,
        error: None,
    });
    with_form_cookie(page, &form)
}

pub async fn reset_new(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    check_form(&state, &headers, &f)?;
    let token = field(&f, "token").to_string();
    let password = field(&f, "password").to_string();
    let now = state.clock.now();
    let token_hash = visanav_auth::hash_token(&token);
    // Check the password before using the link up, so a refused password can be retried.
    let mut tx = state.store.begin(TxMode::Write).await?;
    let used = tx
        .use_token(TokenPurpose::ResetPassword, &token_hash, now)
        .await?;
    let Some(account) = used.ok().and_then(|u| u.account) else {
        tx.rollback().await?;
        return Err(link_problem());
    };
    let email = tx
        .account(&account)
        .await?
        .and_then(|a| a.email)
        .unwrap_or_default();
    if let Err(problem) = visanav_auth::PasswordPolicy::default().check(&password, &[&email]) {
        tx.rollback().await?;
        return Ok(with_status(
            render(&NewPasswordPage {
                disclaimer: NOT_LEGAL_ADVICE,
                action: "/reset/new".into(),
                hidden: vec![
                    ("token".into(), token),
                    ("form_token".into(), field(&f, "form_token").to_string()),
                ],
                ask_current: false,
                error: Some(problem.to_string()),
            }),
            StatusCode::BAD_REQUEST,
        ));
    }
    let hashed = hash(password).await?;
    tx.set_password(&account, &hashed).await?;
    // The address received the link, so it is the person's.
    tx.mark_email_verified(&account, now).await?;
    tx.delete_sessions(&account, None).await?;
    tx.audit_account(&account, None, "password_reset", "", now)
        .await?;
    tx.commit().await?;
    Ok(message(
        "Your password is changed",
        &["Every session of your account was signed out. Sign in with the new password."],
        Some(("/sign-in", "Sign in")),
    ))
}

pub async fn password_form(s: SignedIn) -> Response {
    render(&NewPasswordPage {
        disclaimer: NOT_LEGAL_ADVICE,
        action: "/account/password".into(),
        hidden: vec![("csrf".into(), csrf_token(&s.session))],
        ask_current: true,
        error: None,
    })
}

pub async fn change_password(
    State(state): State<AppState>,
    s: SignedIn,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&s.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let again = |e: String| {
        with_status(
            render(&NewPasswordPage {
                disclaimer: NOT_LEGAL_ADVICE,
                action: "/account/password".into(),
                hidden: vec![("csrf".into(), csrf_token(&s.session))],
                ask_current: true,
                error: Some(e),
            }),
            StatusCode::BAD_REQUEST,
        )
    };
    let creds = {
        let mut tx = state.store.begin(TxMode::Read).await?;
        let c = tx.credentials_by_id(s.actor.account_id()).await?;
        tx.commit().await?;
        c.ok_or_else(|| AppError::not_found("This account no longer exists."))?
    };
    if let Some(stored) = creds.password_hash.clone()
        && !verify(field(&f, "current").to_string(), stored).await
    {
        return Ok(again("Your current password is not right.".into()));
    }
    let email = creds.account.email.clone().unwrap_or_default();
    let password = field(&f, "password").to_string();
    if let Err(problem) = visanav_auth::PasswordPolicy::default().check(&password, &[&email]) {
        return Ok(again(problem.to_string()));
    }
    let hashed = hash(password).await?;
    let now = state.clock.now();
    let mut tx = state.store.begin(TxMode::Write).await?;
    tx.set_password(s.actor.account_id(), &hashed).await?;
    tx.delete_sessions(s.actor.account_id(), Some(&s.session.id_hash))
        .await?;
    tx.audit(&s.actor, "password_changed", None, "", now)
        .await?;
    tx.commit().await?;
    Ok(message(
        "Your password is changed",
        &["Your other sessions were signed out; this one stays signed in."],
        Some(("/account", "Back to your account")),
    ))
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SecondFactorPage {
    disclaimer: &'static str,
    csrf: String,
    secret: String,
    /// Generated by visanav-auth from the secret and fixed labels: no outside text.
    qr_svg: String,
    manual_key: String,
    error: Option<String>,
}

fn second_factor_page(
    s: &crate::request::SignedIn,
    secret: &visanav_auth::TotpSecret,
    label: &str,
    error: Option<String>,
) -> Result<Response, AppError> {
    let setup = secret
        .setup(
            "visanav",
            label,
            "QR code to add visanav to your authenticator app",
        )
        .map_err(AppError::internal)?;
    Ok(render(&SecondFactorPage {
        disclaimer: NOT_LEGAL_ADVICE,
        csrf: csrf_token(&s.session),
        secret: secret.to_base32().expose().to_string(),
        qr_svg: setup.qr_svg,
        manual_key: setup.manual_key.expose().to_string(),
        error,
    }))
}

/// Sets up the second factor. Reachable with the first factor only: an account that must
/// have one but has none sets it up here before anything else.
pub async fn second_factor_form(
    State(state): State<AppState>,
    FirstFactor(s): FirstFactor,
) -> Result<Response, AppError> {
    let label = state
        .store
        .account(s.actor.account_id())
        .await?
        .and_then(|a| a.email)
        .unwrap_or_else(|| "local account".into());
    let secret = visanav_auth::TotpSecret::generate();
    second_factor_page(&s, &secret, &label, None)
}

pub async fn second_factor(
    State(state): State<AppState>,
    FirstFactor(s): FirstFactor,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&s.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let now = state.clock.now();
    let mut tx = state.store.begin(TxMode::Write).await?;
    let creds = tx
        .credentials_by_id(s.actor.account_id())
        .await?
        .ok_or_else(|| AppError::not_found("This account no longer exists."))?;
    // Someone with a second factor already must give it before replacing it.
    if creds.account.totp_enabled && !s.actor.has_second_factor() {
        tx.rollback().await?;
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "Give your current code first",
            "Sign in with your current second factor before setting up a new one.",
        ));
    }
    let secret = visanav_auth::TotpSecret::from_base32(field(&f, "secret"))
        .map_err(|e| AppError::new(StatusCode::BAD_REQUEST, "Start again", e.to_string()))?;
    let step = match visanav_auth::verify_totp(
        &secret,
        field(&f, "code"),
        now.as_second().max(0) as u64,
        None,
    ) {
        Ok(step) => step,
        Err(e) => {
            tx.rollback().await?;
            let label = creds.account.email.unwrap_or_default();
            return second_factor_page(&s, &secret, &label, Some(e.to_string()));
        }
    };
    tx.set_totp(s.actor.account_id(), Some(secret.as_bytes()))
        .await?;
    tx.accept_totp_step(s.actor.account_id(), step).await?;
    let codes = visanav_auth::RecoveryCodes::generate();
    tx.set_recovery_codes(s.actor.account_id(), &codes.hashes)
        .await?;
    tx.mark_session_mfa(&s.session.id_hash, now).await?;
    tx.audit(&s.actor, "second_factor_set_up", None, "", now)
        .await?;
    tx.commit().await?;
    let mut paragraphs = vec![
        "From now on, signing in asks for the code your app shows. Keep these ten recovery codes somewhere safe (print them): each one signs you in once if you lose your phone. They are shown only now.".to_string(),
    ];
    paragraphs.extend(codes.codes.iter().map(|c| c.expose().to_string()));
    Ok(render(&MessagePage {
        disclaimer: NOT_LEGAL_ADVICE,
        title: "Your second factor is on".into(),
        paragraphs,
        action: None,
        link: Some(("/".into(), "Continue".into())),
    }))
}

#[derive(Template)]
#[template(
    source = r#"{% extends "base.html" %}
{% block title %}Change your email address · visanav{% endblock %}
{% block content %}
<h1>Change your email address</h1>
{% match error %}{% when Some with (e) %}<p class="warn" role="alert">{{ e }}</p>{% when None %}{% endmatch %}
<p>We send a link to the new address; the change happens when you open it.</p>
<form method="post" action="/account/email">
<input type="hidden" name="csrf" value="{{ csrf }}">
<p><label for="email"><strong>New email address</strong></label><br>
<input id="email" name="email" type="email" autocomplete="email" required></p>
<p><label for="password"><strong>Your password</strong></label><br>
<input id="password" name="password" type="password" autocomplete="current-password"></p>
<p><button type="submit">Send the link</button></p>
</form>
{% endblock %}"#,
    ext = "html"
)]
struct EmailPage {
    disclaimer: &'static str,
    csrf: String,
    error: Option<String>,
}

pub async fn email_form(s: SignedIn) -> Response {
    render(&EmailPage {
        disclaimer: NOT_LEGAL_ADVICE,
        csrf: csrf_token(&s.session),
        error: None,
    })
}

/// Sends a link to the new address; the address changes only when it is opened there.
pub async fn change_email(
    State(state): State<AppState>,
    s: SignedIn,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&s.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let again = |e: &str| {
        with_status(
            render(&EmailPage {
                disclaimer: NOT_LEGAL_ADVICE,
                csrf: csrf_token(&s.session),
                error: Some(e.to_string()),
            }),
            StatusCode::BAD_REQUEST,
        )
    };
    let email = visanav_store::normalise_email(field(&f, "email"));
    if !looks_like_email(&email) {
        return Ok(again("That is not an email address."));
    }
    let stored = {
        let mut tx = state.store.begin(TxMode::Read).await?;
        let c = tx.credentials_by_id(s.actor.account_id()).await?;
        tx.commit().await?;
        c.and_then(|c| c.password_hash)
    };
    if let Some(stored) = stored
        && !verify(field(&f, "password").to_string(), stored).await
    {
        return Ok(again("Your password is not right."));
    }
    let (token, hash) = visanav_auth::new_token();
    let mut tx = state.store.begin(TxMode::Write).await?;
    tx.create_token(
        NewToken {
            hash: &hash,
            purpose: TokenPurpose::ChangeEmail,
            account: Some(s.actor.account_id()),
            email: Some(&email),
            subject: None,
            subject_secret: Some(&email),
            lifetime: VERIFY_LIFETIME,
        },
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    let link = format!(
        "{}/account/email/confirm?token={}",
        state.server.base_url,
        token.expose()
    );
    let text = format!(
        "Confirm this address as the new email address of your visanav account (the link works once, for 48 hours):\n\n{link}\n\nIf you did not ask for this, ignore this message."
    );
    send(
        &state,
        "change_email",
        &email,
        "Confirm your new email for visanav",
        text,
    )
    .await;
    Ok(message(
        CHECK_EMAIL,
        &["We sent a link to the new address. Your address changes when you open it."],
        Some(("/account", "Back to your account")),
    ))
}

pub async fn confirm_email_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
) -> Response {
    confirm_page(
        &state.server.sessions.form_token(&headers),
        "Confirm your new email address",
        "Press the button to use this address for your visanav account.",
        "/account/email/confirm",
        &q.token.unwrap_or_default(),
        "Confirm",
    )
}

pub async fn confirm_email(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    check_form(&state, &headers, &f)?;
    let now = state.clock.now();
    let mut tx = state.store.begin(TxMode::Write).await?;
    let used = tx
        .use_token(
            TokenPurpose::ChangeEmail,
            &visanav_auth::hash_token(field(&f, "token")),
            now,
        )
        .await?;
    let Some((account, email)) = used
        .ok()
        .and_then(|u| Some((u.account?, u.subject_secret?)))
    else {
        tx.rollback().await?;
        return Err(link_problem());
    };
    match tx.set_email(&account, &email, now).await {
        Err(StoreError::Conflict { .. }) => {
            tx.rollback().await?;
            return Err(AppError::new(
                StatusCode::CONFLICT,
                "This address is taken",
                "Another account uses this address. Nothing was changed.",
            ));
        }
        other => other?,
    }
    tx.audit_account(&account, None, "email_changed", "", now)
        .await?;
    tx.commit().await?;
    Ok(message(
        "Your email address is changed",
        &["Sign in with the new address from now on."],
        Some(("/account", "Your account")),
    ))
}
