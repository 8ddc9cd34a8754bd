//! Extractors: who is signed in, and the case a route names, loaded once for every handler.
//!
//! [`SignedIn`] reads the session cookie and finds the live session; without one a page is
//! redirected to sign-in and the API answers 401. On the API only (`/api/…`), [`CurrentActor`]
//! and [`ApiCase`] also take a personal access token (`Authorization: Bearer`): when that
//! header is there it alone decides (never the cookie beside it), and a token scoped `read`
//! may not write (`POST`, `PUT`, `PATCH`, `DELETE` answer 403). Accounts that must give a second factor
//! (admins, firm members) are sent to give it before anything else. [`PageCase`] and
//! [`ApiCase`] then resolve the route's `{id}` among the cases the actor may see and load it,
//! or answer 404 in the client's format: another person's case looks exactly like one that
//! does not exist. No handler repeats those lines, and none names an account.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use visanav_store::{Actor, Session, StoredCase};

use crate::AppState;
use crate::error::{ApiError, AppError};
use crate::session::session_ref;

/// True for API requests (the router nests `/api/v1`, so the path seen inside it has lost
/// its prefix: the original URI tells).
fn is_api(parts: &Parts) -> bool {
    parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(parts.uri.path(), |u| u.0.path())
        .starts_with("/api/")
}

/// A live session and the actor it stands for.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub actor: Actor,
    pub session: Session,
    /// Whether the account must give a second factor (admins and firm members).
    pub needs_second_factor: bool,
}

/// Why a request has no usable session.
#[derive(Debug)]
pub enum AuthRejection {
    /// Not signed in (or the session ended): sign in, then come back to `next`.
    SignIn {
        next: String,
        api: bool,
    },
    /// Signed in with a password, but this account must give its second factor first.
    SecondFactor {
        api: bool,
    },
    /// A bearer token that cannot be used, or may not do this (`status` 401 or 403).
    Token(AppError),
    Store(AppError),
}

/// What a 401 from the API tells a client about how to authenticate (RFC 6750, section 3).
const BEARER_CHALLENGE: &str = "Bearer realm=\"visanav\"";

fn with_challenge(mut r: Response) -> Response {
    if r.status() == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static(BEARER_CHALLENGE),
        );
    }
    r
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            AuthRejection::SignIn { api: true, .. } => with_challenge(
                ApiError(AppError::new(
                    StatusCode::UNAUTHORIZED,
                    "Sign in first",
                    "This needs a personal access token (Authorization: Bearer TOKEN; make one \
                     on your account page) or a signed-in session.",
                ))
                .into_response(),
            ),
            AuthRejection::SecondFactor { api: true } => with_challenge(
                ApiError(AppError::new(
                    StatusCode::UNAUTHORIZED,
                    "Second factor needed",
                    "This account must give its second factor before it can see cases.",
                ))
                .into_response(),
            ),
            AuthRejection::Token(e) => with_challenge(ApiError(e).into_response()),
            AuthRejection::SignIn { next, api: false } => {
                let to = format!("/sign-in?next={}", crate::auth::encode(&next));
                (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
            }
            AuthRejection::SecondFactor { api: false } => (
                StatusCode::SEE_OTHER,
                [(header::LOCATION, "/sign-in/code".to_string())],
            )
                .into_response(),
            AuthRejection::Store(e) => e.into_response(),
        }
    }
}

/// The session the request's cookie names, live, with its actor — whether or not the second
/// factor was given yet (the second-factor pages need that).
#[derive(Debug, Clone)]
pub struct FirstFactor(pub SignedIn);

async fn signed_in(parts: &Parts, state: &AppState) -> Result<SignedIn, AuthRejection> {
    let api = is_api(parts);
    let next = parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(&parts.uri, |u| &u.0)
        .path_and_query()
        .map_or("/".to_string(), |p| p.as_str().to_string());
    let no = || AuthRejection::SignIn {
        next: next.clone(),
        api,
    };
    let cookie = state
        .server
        .sessions
        .cookie_value(&parts.headers)
        .ok_or_else(no)?;
    let id_hash = visanav_auth::hash_token(&cookie);
    let found = state
        .store
        .live_session(&id_hash, state.clock.now(), state.server.sessions.idle)
        .await
        .map_err(|e| AuthRejection::Store(e.into()))?;
    let (session, needs_second_factor) = found.ok_or_else(no)?;
    let actor = Actor::signed_in(
        session.account.clone(),
        session_ref(&session.id_hash),
        session.mfa_ms.is_some(),
    );
    Ok(SignedIn {
        actor,
        session,
        needs_second_factor,
    })
}

impl FromRequestParts<AppState> for FirstFactor {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        signed_in(parts, state).await.map(FirstFactor)
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let s = signed_in(parts, state).await?;
        if s.needs_second_factor && !s.actor.has_second_factor() {
            return Err(AuthRejection::SecondFactor { api: is_api(parts) });
        }
        Ok(s)
    }
}

/// The actor of a fully signed-in session, or (on the API) of a personal access token.
#[derive(Debug, Clone)]
pub struct CurrentActor(pub Actor);

/// The API's caller: a bearer token when the request sends one (never then the cookie), else
/// the session cookie. Pages never take tokens.
async fn api_or_session_actor(parts: &mut Parts, state: &AppState) -> Result<Actor, AuthRejection> {
    if is_api(parts)
        && let Some(found) = crate::bearer::token_actor(parts, state).await
    {
        return found.map(|(actor, _)| actor);
    }
    SignedIn::from_request_parts(parts, state)
        .await
        .map(|s| s.actor)
}

impl FromRequestParts<AppState> for CurrentActor {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        api_or_session_actor(parts, state).await.map(CurrentActor)
    }
}

/// The signed-in actor and the case named by the route's `{id}` (a case id, its short form,
/// or the CEAC case number), loaded for the actor.
#[derive(Debug)]
pub struct LoadedCase {
    pub actor: Actor,
    pub session: Session,
    pub stored: StoredCase,
}

/// The case the route's `{id}` names, among those `actor` may see; 404 in the client's
/// format otherwise.
async fn case_for(
    parts: &mut Parts,
    state: &AppState,
    actor: &Actor,
) -> Result<StoredCase, Response> {
    let api = is_api(parts);
    let fail = |e: AppError| {
        if api {
            ApiError(e).into_response()
        } else {
            e.into_response()
        }
    };
    let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .map_err(|_| fail(AppError::not_found("This address does not name a case.")))?;
    let query = params
        .get("id")
        .ok_or_else(|| fail(AppError::not_found("This address does not name a case.")))?;
    state
        .store
        .find_case(actor, query)
        .await
        .map_err(|e| fail(e.into()))
}

async fn load(parts: &mut Parts, state: &AppState) -> Result<LoadedCase, Response> {
    let signed = SignedIn::from_request_parts(parts, state)
        .await
        .map_err(IntoResponse::into_response)?;
    let stored = case_for(parts, state, &signed.actor).await?;
    Ok(LoadedCase {
        actor: signed.actor,
        session: signed.session,
        stored,
    })
}

/// A case for a page: a missing case is an HTML "Case not found" page.
#[derive(Debug)]
pub struct PageCase(pub LoadedCase);

impl FromRequestParts<AppState> for PageCase {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        load(parts, state).await.map(PageCase)
    }
}

/// The caller (a token or a session) and the case the API route names.
#[derive(Debug)]
pub struct CaseFor {
    pub actor: Actor,
    pub stored: StoredCase,
}

/// A case for the API: a missing case is a problem+json 404.
#[derive(Debug)]
pub struct ApiCase(pub CaseFor);

impl FromRequestParts<AppState> for ApiCase {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let actor = api_or_session_actor(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let stored = case_for(parts, state, &actor).await?;
        Ok(ApiCase(CaseFor { actor, stored }))
    }
}

/// The client's address, for throttling (never logged): the connection's peer, or — only when
/// the operator says visanav sits behind a reverse proxy (`trust_forwarded`) — the address
/// the proxy puts last in `X-Forwarded-For`. Trusting that header without a proxy would let
/// anyone pick their own address and dodge the throttle.
#[derive(Debug, Clone)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.server.trust_forwarded
            && let Some(ip) = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| v.trim().parse().ok())
        {
            return Ok(ClientAddr(Some(ip)));
        }
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}
