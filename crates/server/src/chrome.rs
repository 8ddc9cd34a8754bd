//! What the frame around every page (the header of `base.html`) needs to know about the
//! request: whether someone is signed in, and the CSRF token of their sign-out form.
//!
//! Every page template extends `base.html`, and there are dozens of them, written in many
//! handlers (and error pages rendered far from any request). Rather than thread a field
//! through each, one middleware resolves the session once per page request and keeps the
//! answer in a task-local for the time the handler runs; `base.html` reads it with
//! [`nav`]. Outside that scope (a template rendered in a unit test, or on another task)
//! the header simply shows the signed-out links, which is never wrong about access: the
//! handlers still check the session themselves.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;
use crate::session::csrf_token;

/// What the header shows.
#[derive(Clone, Default)]
pub struct Nav {
    /// A live session, fully signed in (second factor given where it is needed).
    pub signed_in: bool,
    /// A live session that still owes its second factor: only "Sign out" makes sense.
    pub half_signed_in: bool,
    /// The token the sign-out form carries (empty when signed out).
    pub csrf: String,
    /// Unread notifications (shown as a count beside "Notifications").
    pub unread: i64,
}

impl std::fmt::Debug for Nav {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Nav")
            .field("signed_in", &self.signed_in)
            .field("half_signed_in", &self.half_signed_in)
            .finish_non_exhaustive()
    }
}

impl Nav {
    /// True when there is a session to sign out of.
    pub fn has_session(&self) -> bool {
        self.signed_in || self.half_signed_in
    }
}

tokio::task_local! {
    static NAV: Nav;
}

/// The header's state for the page being rendered (signed out outside a page request).
pub fn nav() -> Nav {
    NAV.try_with(Clone::clone).unwrap_or_default()
}

/// Requests that never render a page: no need to look the session up for them.
fn renders_no_page(path: &str) -> bool {
    path.starts_with("/static/")
        || path.starts_with("/api/")
        || path == "/healthz"
        || path == "/favicon.ico"
}

/// Finds the request's session (only when it carries a session cookie) and runs the handler
/// with the header's state in scope.
pub async fn page_chrome(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if renders_no_page(request.uri().path()) {
        return next.run(request).await;
    }
    let nav = match state.server.sessions.cookie_value(request.headers()) {
        None => Nav::default(),
        Some(cookie) => resolve(&state, &cookie).await,
    };
    NAV.scope(nav, next.run(request)).await
}

async fn resolve(state: &AppState, cookie: &str) -> Nav {
    let id_hash = visanav_auth::hash_token(cookie);
    match state
        .store
        .live_session(&id_hash, state.clock.now(), state.server.sessions.idle)
        .await
    {
        Ok(Some((session, needs_second_factor))) => {
            let complete = !needs_second_factor || session.mfa_ms.is_some();
            let unread = if complete {
                let actor = visanav_core::account::Actor::account(session.account.clone());
                state.store.unread_notifications(&actor).await.unwrap_or(0)
            } else {
                0
            };
            Nav {
                signed_in: complete,
                half_signed_in: !complete,
                csrf: csrf_token(&session),
                unread,
            }
        }
        // No live session, or the store failed: the handler meets the same answer and deals
        // with it; the header just shows "Sign in".
        Ok(None) | Err(_) => Nav::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_a_request_the_header_is_signed_out() {
        let n = nav();
        assert!(!n.signed_in && !n.has_session() && n.csrf.is_empty());
    }

    #[tokio::test]
    async fn inside_a_request_the_header_sees_the_session() {
        let inside = Nav {
            signed_in: true,
            half_signed_in: false,
            csrf: "token-7f3a".into(),
            unread: 2,
        };
        let seen = NAV.scope(inside, async { nav() }).await;
        assert!(seen.signed_in && seen.has_session());
        assert_eq!(seen.csrf, "token-7f3a");
        assert!(
            !format!("{seen:?}").contains("token-7f3a"),
            "the token stays out of logs"
        );
    }

    #[test]
    fn assets_and_the_api_skip_the_session_lookup() {
        for p in [
            "/static/site.css",
            "/api/v1/cases",
            "/healthz",
            "/favicon.ico",
        ] {
            assert!(renders_no_page(p), "{p}");
        }
        for p in ["/", "/cases/abc", "/statuses", "/sign-in"] {
            assert!(!renders_no_page(p), "{p}");
        }
    }
}
