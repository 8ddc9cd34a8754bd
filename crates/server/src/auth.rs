//! Signing in and out: email and password, then the second factor when the account has one
//! (or must have one), or a single-use sign-in link made on the command line. Every answer
//! to a failed attempt is the same whether the address exists or not, and attempts are
//! throttled per address and per client.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_store::{TokenPurpose, TxMode};

use crate::forms::fields;
use crate::pages::render;
use crate::request::{ClientAddr, FirstFactor, SignedIn};
use crate::session::{self, csrf_ok, csrf_token};
use crate::{AppError, AppState};

/// Percent-encodes a value for a query string.
pub fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Only paths on this site may be a `next` (never `//other.site` or a full URL).
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        "/".to_string()
    }
}

/// Attempts allowed per key in a window, then 429 until the window ends.
pub struct Throttle {
    window: Duration,
    limit: u32,
    seen: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Throttle {
    pub fn new(limit: u32, window: Duration) -> Throttle {
        Throttle {
            window,
            limit,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt for `key`; `Err(seconds to wait)` once over the limit.
    pub fn hit(&self, key: &str) -> Result<(), u64> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        seen.retain(|_, (_, start)| now.duration_since(*start) < self.window);
        let entry = seen.entry(key.to_string()).or_insert((0, now));
        entry.0 += 1;
        if entry.0 > self.limit {
            let wait = self.window.saturating_sub(now.duration_since(entry.1));
            return Err(wait.as_secs().max(1));
        }
        Ok(())
    }
}

fn too_many(wait: u64) -> Response {
    let mut r = AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many attempts",
        format!(
            "Too many sign-in attempts. For your safety, wait {} minute(s) and try again.",
            wait.div_ceil(60)
        ),
    )
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    disclaimer: &'static str,
    form_token: String,
    next: String,
    email: String,
    error: Option<String>,
}

fn sign_in_page(
    token: &session::FormToken,
    next: &str,
    email: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let mut r = render(&SignInPage {
        disclaimer: NOT_LEGAL_ADVICE,
        form_token: token.value.clone(),
        next: safe_next(next),
        email: email.to_string(),
        error: error.map(str::to_string),
    });
    *r.status_mut() = status;
    session::with_form_cookie(r, token)
}

#[derive(serde::Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn sign_in_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    let token = state.server.sessions.form_token(&headers);
    sign_in_page(
        &token,
        q.next.as_deref().unwrap_or("/"),
        "",
        None,
        StatusCode::OK,
    )
}

const WRONG: &str = "That email address and password do not match an account. Check both, \
                     or ask for a new password.";

/// A redirect that also sets the new session's cookie.
fn signed_in_redirect(state: &AppState, id: &str, to: &str) -> Response {
    let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, state.server.sessions.set_cookie(id));
    r
}

pub(crate) fn client(addr: &ClientAddr) -> String {
    addr.0.map_or("unknown".to_string(), |ip| ip.to_string())
}

pub async fn sign_in(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    let email = f.get("email").map(String::as_str).unwrap_or("").trim();
    let password = f.get("password").map(String::as_str).unwrap_or("");
    let next = safe_next(f.get("next").map(String::as_str).unwrap_or("/"));
    if !state.server.sessions.form_token_ok(
        &headers,
        f.get("form_token").map(String::as_str).unwrap_or(""),
    ) {
        return Err(stale_form());
    }
    let token = state.server.sessions.form_token(&headers);
    let address_key = format!("addr:{}", client(&addr));
    let email_key = format!("email:{}", visanav_store::normalise_email(email));
    if let Err(wait) = state
        .throttle
        .hit(&address_key)
        .and_then(|_| state.throttle.hit(&email_key))
    {
        return Ok(too_many(wait));
    }
    let creds = state.store.credentials(email).await?;
    // Hash even when there is no such account, so the answer takes as long either way.
    let stored = match &creds {
        Some(c) if !c.account.disabled => c.password_hash.clone(),
        _ => None,
    };
    let ok = {
        let password = password.to_string();
        tokio::task::spawn_blocking(move || match stored {
            Some(h) => visanav_auth::verify_password(&password, &h),
            None => {
                visanav_auth::verify_password(&password, DUMMY_HASH.as_str());
                false
            }
        })
        .await
        .unwrap_or(false)
    };
    let Some(creds) = creds.filter(|_| ok) else {
        return Ok(sign_in_page(
            &token,
            &next,
            email,
            Some(WRONG),
            StatusCode::UNAUTHORIZED,
        ));
    };
    if creds.account.email.is_some() && !creds.account.email_verified {
        return Ok(crate::accounts::message(
            "Confirm your email address first",
            &[
                "We sent a link to your address when you created the account. Open it, then sign in. No message? Create the account again to get a new link.",
            ],
            Some(("/sign-in", "Back to sign in")),
        ));
    }
    let mut tx = state.store.begin(TxMode::Write).await?;
    let r = first_factor_given(
        &state,
        &mut tx,
        &creds.account,
        &headers,
        "sign_in_password",
        &next,
    )
    .await?;
    tx.commit().await?;
    Ok(r)
}

/// The first factor is given (a password, or a sign-in link): a new session, and on to `next`,
/// or to the second factor when the account has or needs one. The session counts as
/// second-factor only once a code is given, whatever the account needs today: joining a firm
/// later must not find a session that skipped it.
pub(crate) async fn first_factor_given(
    state: &AppState,
    tx: &mut visanav_store::Tx<'_>,
    account: &visanav_store::Account,
    headers: &HeaderMap,
    how: &str,
    next: &str,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let needs_code = account.totp_enabled || tx.requires_second_factor(&account.id).await?;
    let label = session::label(headers);
    let id = session::start(tx, &state.server.sessions, &account.id, false, &label, now).await?;
    tx.audit_account(&account.id, None, how, "", now).await?;
    let to = if needs_code { "/sign-in/code" } else { next };
    Ok(signed_in_redirect(state, &id, to))
}

/// A valid Argon2id hash of a random password, checked against when an address has no
/// account, so both answers cost the same.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let (random, _) = visanav_auth::new_token();
    visanav_auth::hash_password(random.expose()).unwrap_or_default()
});

#[derive(Template)]
#[template(path = "sign_in_code.html")]
struct CodePage {
    disclaimer: &'static str,
    csrf: String,
    error: Option<String>,
}

pub async fn code_form(
    State(state): State<AppState>,
    FirstFactor(s): FirstFactor,
) -> Result<Response, AppError> {
    let has_totp = state
        .store
        .account(s.actor.account_id())
        .await?
        .is_some_and(|a| a.totp_enabled);
    if !has_totp {
        // An account that must have a second factor sets it up before anything else.
        return Ok((
            StatusCode::SEE_OTHER,
            [(header::LOCATION, "/account/second-factor".to_string())],
        )
            .into_response());
    }
    Ok(render(&CodePage {
        disclaimer: NOT_LEGAL_ADVICE,
        csrf: csrf_token(&s.session),
        error: None,
    }))
}

/// The second factor: a TOTP code (each accepted once) or a recovery code (each once).
pub async fn code(
    State(state): State<AppState>,
    FirstFactor(s): FirstFactor,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&s.session, f.get("csrf").map(String::as_str).unwrap_or("")) {
        return Err(stale_form());
    }
    let again = |message: &str, status: StatusCode| {
        let mut r = render(&CodePage {
            disclaimer: NOT_LEGAL_ADVICE,
            csrf: csrf_token(&s.session),
            error: Some(message.to_string()),
        });
        *r.status_mut() = status;
        Ok(r)
    };
    if let Err(wait) = state
        .throttle
        .hit(&format!("code:{}", s.actor.account_id()))
    {
        return Ok(too_many(wait));
    }
    let now = state.clock.now();
    let typed = f.get("code").map(String::as_str).unwrap_or("").trim();
    let mut tx = state.store.begin(TxMode::Write).await?;
    let creds = tx
        .credentials_by_id(s.actor.account_id())
        .await?
        .ok_or_else(|| AppError::not_found("This account no longer exists."))?;
    let Some(secret) = creds.totp_secret.as_deref() else {
        tx.rollback().await?;
        // The account must have a second factor but has none yet: an operator sets it up
        // (`visanav user` prints how); signing in stops here.
        return again(
            "This account needs a second factor, and none is set up yet. Ask the person who \
             runs visanav to set one up for you.",
            StatusCode::FORBIDDEN,
        );
    };
    let accepted = match visanav_auth::hash_recovery_code(typed) {
        Some(hash) if typed.contains('-') || typed.len() > 8 => {
            tx.use_recovery_code(s.actor.account_id(), &hash, now)
                .await?
        }
        _ => {
            let secret: [u8; 20] = secret.try_into().unwrap_or([0; 20]);
            let secret = visanav_auth::TotpSecret::from_bytes(secret);
            match visanav_auth::verify_totp(
                &secret,
                typed,
                now.as_second().max(0) as u64,
                creds.totp_last_step,
            ) {
                Ok(step) => tx.accept_totp_step(s.actor.account_id(), step).await?,
                Err(e) => {
                    tx.rollback().await?;
                    return again(&e.to_string(), StatusCode::UNAUTHORIZED);
                }
            }
        }
    };
    if !accepted {
        tx.rollback().await?;
        return again(
            "That code was already used or is not one of yours. Type the code shown now.",
            StatusCode::UNAUTHORIZED,
        );
    }
    // A new session id now that the second factor is given; the old one ends.
    let label = s.session.label.clone();
    tx.delete_session(&s.session.id_hash).await?;
    let id = session::start(
        &mut tx,
        &state.server.sessions,
        s.actor.account_id(),
        true,
        &label,
        now,
    )
    .await?;
    tx.audit_account(s.actor.account_id(), None, "sign_in_second_factor", "", now)
        .await?;
    tx.commit().await?;
    Ok(signed_in_redirect(&state, &id, "/"))
}

pub fn stale_form() -> AppError {
    AppError::new(
        StatusCode::FORBIDDEN,
        "Please try again",
        "This form was opened in an earlier session, or from somewhere else. Go back, reload \
         the page and send it again.",
    )
}

pub async fn sign_out(
    State(state): State<AppState>,
    FirstFactor(s): FirstFactor,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&s.session, f.get("csrf").map(String::as_str).unwrap_or("")) {
        return Err(stale_form());
    }
    let everywhere = f.get("everywhere").is_some_and(|v| v == "yes");
    let mut tx = state.store.begin(TxMode::Write).await?;
    if everywhere {
        tx.delete_sessions(s.actor.account_id(), None).await?;
    } else {
        tx.delete_session(&s.session.id_hash).await?;
    }
    tx.audit(
        &s.actor,
        "sign_out",
        None,
        if everywhere { "everywhere" } else { "" },
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, "/".to_string())]).into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, state.server.sessions.clear_cookie());
    Ok(r)
}

#[derive(Template)]
#[template(path = "sign_in_link.html")]
struct LinkPage {
    disclaimer: &'static str,
    token: String,
    form_token: String,
}

#[derive(serde::Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// The page a sign-in link opens: a button, so that mail scanners following links cannot
/// use the link up.
pub async fn link_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
) -> Response {
    let form = state.server.sessions.form_token(&headers);
    let page = render(&LinkPage {
        disclaimer: NOT_LEGAL_ADVICE,
        token: q.token.unwrap_or_default(),
        form_token: form.value.clone(),
    });
    session::with_form_cookie(page, &form)
}

pub async fn link(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !state.server.sessions.form_token_ok(
        &headers,
        f.get("form_token").map(String::as_str).unwrap_or(""),
    ) {
        return Err(stale_form());
    }
    let token = f.get("token").map(String::as_str).unwrap_or("");
    let now = state.clock.now();
    let mut tx = state.store.begin(TxMode::Write).await?;
    let used = tx
        .use_token(TokenPurpose::SignIn, &visanav_auth::hash_token(token), now)
        .await?;
    let found = match used.ok().and_then(|u| u.account) {
        Some(id) => tx.account(&id).await?.filter(|a| !a.disabled),
        None => None,
    };
    let Some(found) = found else {
        tx.rollback().await?;
        return Err(AppError::new(
            StatusCode::GONE,
            "This link no longer works",
            "Sign-in links work once and for a short time. Ask for a new one.",
        ));
    };
    let r = first_factor_given(&state, &mut tx, &found, &headers, "sign_in_link", "/").await?;
    tx.commit().await?;
    Ok(r)
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    disclaimer: &'static str,
    email: Option<String>,
    /// (label, since, this one)
    sessions: Vec<(String, String, bool)>,
    csrf: String,
}

pub async fn account(State(state): State<AppState>, s: SignedIn) -> Result<Response, AppError> {
    let now = state.clock.now();
    let mut tx = state.store.begin(TxMode::Read).await?;
    let account = tx.account(s.actor.account_id()).await?;
    let sessions = tx.list_sessions(s.actor.account_id(), now).await?;
    tx.commit().await?;
    let sessions = sessions
        .into_iter()
        .map(|x| {
            let since = jiff::Timestamp::from_millisecond(x.created_ms)
                .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
                .unwrap_or_default();
            let this = x.id_hash == s.session.id_hash;
            (x.label, since, this)
        })
        .collect();
    Ok(render(&AccountPage {
        disclaimer: NOT_LEGAL_ADVICE,
        email: account.and_then(|a| a.email),
        sessions,
        csrf: csrf_token(&s.session),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/cases/abc"), "/cases/abc");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "\\\\evil",
            "/\\evil",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad}");
        }
    }

    #[test]
    fn throttle_counts_per_key_and_says_how_long() {
        let t = Throttle::new(2, Duration::from_secs(60));
        assert!(t.hit("a").is_ok() && t.hit("a").is_ok());
        assert!(matches!(t.hit("a"), Err(s) if (1..=60).contains(&s)));
        assert!(t.hit("b").is_ok(), "other keys are not affected");
    }
}
