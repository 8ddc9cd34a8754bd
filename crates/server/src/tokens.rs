//! The account's personal access tokens for the API (`/account/tokens`): listed with when
//! each was last used, made with a name, a scope and a lifetime (the token is shown once,
//! then only its hash remains), and revoked.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_store::{ApiToken, NewApiToken, TokenScope, TxMode, token_lifetime, token_name};

use crate::auth::stale_form;
use crate::forms::{field, fields};
use crate::pages::render;
use crate::request::SignedIn;
use crate::session::{csrf_ok, csrf_token};
use crate::{AppError, AppState};

/// How long a token lives unless the person says otherwise.
const DEFAULT_DAYS: i64 = 30;

/// One line of the list.
struct Line {
    id: String,
    name: String,
    scope: &'static str,
    created: String,
    expires: String,
    last_used: Option<String>,
    live: bool,
    /// "revoked" or "expired", for a token that no longer works.
    state: &'static str,
}

#[derive(Template)]
#[template(path = "account_tokens.html")]
struct TokensPage {
    disclaimer: &'static str,
    csrf: String,
    tokens: Vec<Line>,
    /// The token just made: (name, token), shown once.
    created: Option<(String, String)>,
    error: Option<String>,
    /// The form's values (kept after an error).
    name: String,
    write: bool,
    days: String,
}

fn day(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

fn line(t: ApiToken, now: Timestamp) -> Line {
    let live = t.is_live(now);
    Line {
        state: if t.revoked_ms.is_some() {
            "revoked"
        } else if live {
            "live"
        } else {
            "expired"
        },
        live,
        created: day(t.created_ms),
        expires: day(t.expires_ms),
        last_used: t.last_used_ms.map(day),
        scope: t.scope.as_str(),
        name: t.name,
        id: t.id,
    }
}

/// The page, with the list as it is now. The answer is never cached: it may hold a token.
async fn page(
    state: &AppState,
    s: &SignedIn,
    form: TokensPage,
    status: StatusCode,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let tokens = state.store.list_api_tokens(s.actor.account_id()).await?;
    let mut r = render(&TokensPage {
        tokens: tokens.into_iter().map(|t| line(t, now)).collect(),
        ..form
    });
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

fn blank(s: &SignedIn) -> TokensPage {
    TokensPage {
        disclaimer: NOT_LEGAL_ADVICE,
        csrf: csrf_token(&s.session),
        tokens: Vec::new(),
        created: None,
        error: None,
        name: String::new(),
        write: false,
        days: DEFAULT_DAYS.to_string(),
    }
}

pub async fn list(State(state): State<AppState>, s: SignedIn) -> Result<Response, AppError> {
    page(&state, &s, blank(&s), StatusCode::OK).await
}

/// Makes a token from the form and shows it once.
pub async fn create(
    State(state): State<AppState>,
    s: SignedIn,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&s.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let typed = TokensPage {
        name: field(&f, "name").to_string(),
        write: TokenScope::parse(field(&f, "scope")) == Some(TokenScope::ReadWrite),
        days: field(&f, "days").to_string(),
        ..blank(&s)
    };
    let checked = (|| {
        let name = token_name(field(&f, "name"))?;
        // The bookmarklet's scope is made on its own page only (one per person, rotated).
        let scope = TokenScope::parse(field(&f, "scope"))
            .filter(|s| *s != TokenScope::CeacSubmit)
            .ok_or("Choose what the token may do: read, or read and write.")?;
        let days = field(&f, "days")
            .trim()
            .parse::<i64>()
            .map_err(|_| "Give the number of days the token should work, such as 30.")?;
        Ok::<_, &'static str>((name, scope, token_lifetime(days)?))
    })();
    let (name, scope, lifetime) = match checked {
        Ok(c) => c,
        Err(e) => {
            let form = TokensPage {
                error: Some(e.to_string()),
                ..typed
            };
            return page(&state, &s, form, StatusCode::BAD_REQUEST).await;
        }
    };
    let (token, hash) = visanav_auth::new_api_token();
    let mut tx = state.store.begin(TxMode::Write).await?;
    tx.create_api_token(
        NewApiToken {
            hash: &hash,
            account: s.actor.account_id(),
            name: &name,
            scope,
            second_factor: s.actor.has_second_factor(),
            lifetime,
        },
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    let form = TokensPage {
        created: Some((name, token.expose().to_string())),
        ..blank(&s)
    };
    page(&state, &s, form, StatusCode::OK).await
}

/// Revokes one of the account's tokens: it stops working on the next request.
pub async fn revoke(
    State(state): State<AppState>,
    s: SignedIn,
    Path(token): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&s.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let revoked = state
        .store
        .revoke_api_token(s.actor.account_id(), &token, state.clock.now())
        .await?;
    if !revoked {
        return Err(AppError::not_found(
            "You have no such live token; it may have been revoked already.",
        ));
    }
    Ok((
        StatusCode::SEE_OTHER,
        [(header::LOCATION, "/account/tokens")],
    )
        .into_response())
}
