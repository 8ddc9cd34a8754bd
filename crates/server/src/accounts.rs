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
pub(crate) use crate::forms::{field, fields};
use crate::outbound::new_link;
pub(crate) use crate::outbound::send;
use crate::pages::render;
use crate::session::{FormToken, with_form_cookie};
use crate::{AppError, AppState};

pub(crate) const VERIFY_LIFETIME: SignedDuration = SignedDuration::from_hours(48);
const RESET_LIFETIME: SignedDuration = SignedDuration::from_hours(1);

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
pub(crate) fn check_form(
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

pub(crate) fn with_status(mut r: Response, status: StatusCode) -> Response {
    *r.status_mut() = status;
    r
}

/// Hashes a password off the async workers (Argon2id takes tens of milliseconds and 19 MiB).
pub(crate) async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || visanav_auth::hash_password(&password))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)
}

/// Whether `typed` is the actor's password, checked off the async workers. Accounts without a
/// password (made from the command line, signing in by link) have nothing to type: true.
pub(crate) async fn password_matches(
    state: &AppState,
    actor: &visanav_store::Actor,
    typed: &str,
) -> Result<bool, AppError> {
    let stored = {
        let mut tx = state.store.begin(TxMode::Read).await?;
        let c = tx.credentials_by_id(actor.account_id()).await?;
        tx.commit().await?;
        c.and_then(|c| c.password_hash)
    };
    Ok(match stored {
        Some(stored) => verify(typed.to_string(), stored).await,
        None => true,
    })
}

pub(crate) async fn verify(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || visanav_auth::verify_password(&password, &stored))
        .await
        .unwrap_or(false)
}

/// Stores a single-use link for the account, sent to `email`; returns its URL.
async fn email_link(
    state: &AppState,
    path: &str,
    purpose: TokenPurpose,
    account: &visanav_store::AccountId,
    email: &str,
    lifetime: SignedDuration,
) -> Result<String, AppError> {
    let (link, hash) = new_link(state, path);
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
    Ok(link)
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

pub(crate) const CHECK_EMAIL: &str = "Check your email";

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
    if !visanav_store::is_email_address(&email) {
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
            let link = email_link(
                &state,
                "/verify",
                TokenPurpose::VerifyEmail,
                &account,
                &email,
                VERIFY_LIFETIME,
            )
            .await?;
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

#[derive(serde::Deserialize)]
pub struct TokenQuery {
    pub(crate) token: Option<String>,
}

/// A link's page acts only when its button is pressed (mail scanners follow links).
pub(crate) fn confirm_page(
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

pub(crate) fn link_problem() -> AppError {
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
<div class="narrow">
<h1>Forgot your password?</h1>
<p>We email you a link to choose a new one.</p>
{% match error %}{% when Some with (e) %}<div class="error-summary" role="alert"><p>{{ e }}</p></div>{% when None %}{% endmatch %}
<form method="post" action="/reset" class="card">
<input type="hidden" name="form_token" value="{{ form_token }}">
<div class="field">
<label for="email">Your email address</label>
<input id="email" name="email" type="email" autocomplete="email" required>
</div>
<p class="actions"><button type="submit" class="btn-primary">Send me a link</button></p>
</form>
</div>
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
        let link = email_link(
            &state,
            "/reset/new",
            TokenPurpose::ResetPassword,
            &creds.account.id,
            &email,
            RESET_LIFETIME,
        )
        .await?;
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
pub(crate) struct NewPasswordPage {
    pub(crate) disclaimer: &'static str,
    pub(crate) action: String,
    pub(crate) hidden: Vec<(String, String)>,
    pub(crate) ask_current: bool,
    pub(crate) error: Option<String>,
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
