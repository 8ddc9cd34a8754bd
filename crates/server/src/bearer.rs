//! Personal access tokens on the API: `Authorization: Bearer visanav_…` names a live token
//! (found by its hash), which stands for its account with its scope.
//!
//! Why the cross-site write check does not apply to such requests: a browser never adds an
//! `Authorization` header by itself, and a page on another site cannot add one without a CORS
//! preflight, which visanav never grants. A bearer request therefore carries no ambient
//! credential a forged request could ride on, and [`crate::request`] never falls back to the
//! session cookie when the header is there (a bad token is a 401, whatever cookie comes with
//! it). See `middleware::same_origin_writes`.

use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use visanav_store::{Actor, ApiToken};

use crate::AppState;
use crate::error::AppError;
use crate::request::AuthRejection;

/// True when the request sends an `Authorization` header of the Bearer scheme.
pub fn has_bearer(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| scheme_is_bearer(v).is_some())
}

/// The token after `Bearer ` (the scheme is case-insensitive, RFC 9110 section 11.1).
fn scheme_is_bearer(value: &str) -> Option<&str> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(rest.trim())
        .filter(|t| !t.is_empty())
}

/// Methods that change something, which a `read` token may not use.
pub fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn unauthorized(title: &'static str, detail: &str) -> AuthRejection {
    AuthRejection::Token(AppError::new(StatusCode::UNAUTHORIZED, title, detail))
}

/// The actor a request's `Authorization` header stands for. `None` when the request sends
/// no such header (the caller then reads the session cookie).
pub async fn token_actor(
    parts: &Parts,
    state: &AppState,
) -> Option<Result<(Actor, ApiToken), AuthRejection>> {
    let value = parts.headers.get(header::AUTHORIZATION)?;
    Some(resolve(value.to_str().ok(), &parts.method, state).await)
}

async fn resolve(
    value: Option<&str>,
    method: &Method,
    state: &AppState,
) -> Result<(Actor, ApiToken), AuthRejection> {
    let Some(token) = value.and_then(scheme_is_bearer) else {
        return Err(unauthorized(
            "Unsupported authorization",
            "The API takes a personal access token as 'Authorization: Bearer TOKEN'.",
        ));
    };
    let hash = visanav_auth::hash_token(token);
    let found = state
        .store
        .live_api_token(&hash, state.clock.now())
        .await
        .map_err(|e| AuthRejection::Store(e.into()))?;
    let Some((token, needs_second_factor)) = found else {
        return Err(unauthorized(
            "Token not accepted",
            "This token is unknown, expired or revoked. Make a new one on your account page \
             (/account/tokens).",
        ));
    };
    if !token.scope.opens_api() {
        // The CEAC bookmarklet's token lives in a bookmark: it must open nothing if it leaks.
        return Err(unauthorized(
            "Token not accepted",
            "This is a CEAC bookmarklet token: it only sends CEAC result pages from the \
             bookmarklet. Make an API token on your account page (/account/tokens).",
        ));
    }
    if needs_second_factor && !token.second_factor {
        return Err(unauthorized(
            "Second factor needed",
            "This account must give its second factor, and this token was made before it \
             did. Sign in with your second factor and make a new token.",
        ));
    }
    if is_write(method) && !token.scope.can_write() {
        return Err(AuthRejection::Token(AppError::new(
            StatusCode::FORBIDDEN,
            "Read-only token",
            "This token may only read. Make a token with the scope 'read write' to change \
             anything.",
        )));
    }
    let reference = format!("api:{}", token.id.chars().take(13).collect::<String>());
    let actor = Actor::signed_in(token.account.clone(), reference, token.second_factor);
    Ok((actor, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_read_case_insensitively() {
        assert_eq!(scheme_is_bearer("Bearer abc"), Some("abc"));
        assert_eq!(scheme_is_bearer("bearer  abc "), Some("abc"));
        assert_eq!(scheme_is_bearer("Basic abc"), None);
        assert_eq!(scheme_is_bearer("Bearer "), None);
        assert_eq!(scheme_is_bearer("Bearer"), None);
    }

    #[test]
    fn only_reads_are_not_writes() {
        for m in [Method::GET, Method::HEAD, Method::OPTIONS] {
            assert!(!is_write(&m));
        }
        for m in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            assert!(is_write(&m));
        }
    }
}
