//! The CEAC bookmarklet: a bookmark that, tapped on CEAC's result page, sends the result to
//! visanav. `GET /account/ceac-bookmarklet` explains it in plain words; `POST` on the same
//! address makes the person's bookmarklet (a new token of the `ceac` scope, replacing the
//! previous one) and shows it once, as a link to drag to the bookmarks bar and as text to
//! paste into a bookmark on a phone. `POST /ceac/bookmarklet` is where the bookmarklet sends
//! the page (see `static/ceac-bookmarklet.js`).
//!
//! Why `POST /ceac/bookmarklet` is exempt from the cross-site write check (and takes no CSRF
//! token): it is *meant* to be posted from ceac.state.gov. It acts only with the secret token
//! in the body (256 random bits, looked up by its SHA-256 like API tokens: no secret is
//! compared in our code), never with a cookie; a `ceac` token can do nothing but record a
//! CEAC reading for its owner's cases, and the answer is a page in its own tab that the
//! posting site cannot read. A forged post without the token records nothing. The body is
//! limited to [`super::BODY_LIMIT`]; bad tokens are throttled per address and submissions per
//! account.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::ceac::parse_result_with;
use visanav_store::{Actor, ApiToken, NewApiToken, StoredCase, TokenScope, TxMode, token_lifetime};

use super::{CaseLine, ResultPage, case_line, read_form};
use crate::auth::stale_form;
use crate::forms::{field, fields};
use crate::monitor::assisted::{Assessed, Expected, MAX_PAGE_BYTES, assess, record};
use crate::pages::render;
use crate::request::{ClientAddr, SignedIn};
use crate::session::{csrf_ok, csrf_token};
use crate::{AppError, AppState};

/// The bookmarklet's source, with `'VisanavAction'` and `'VisanavToken'` to fill in.
const SOURCE: &str = include_str!("../../static/ceac-bookmarklet.js");

/// Where people check their status (the IV side: K-1 cases use the NVC case number).
const CEAC_STATUS_URL: &str = "https://ceac.state.gov/CEACStatTracker/Status.aspx?App=IV";

/// The name the token is listed under on the tokens page.
const TOKEN_NAME: &str = "CEAC bookmarklet";

/// How long a bookmarklet works: as long as any token may.
const LIFETIME_DAYS: i64 = visanav_store::MAX_TOKEN_DAYS;

/// Pages recorded at most for one submission (cases sharing one CEAC case number).
const MAX_CASES: usize = 10;

/// The `javascript:` link for `action` (where to post) and `token`: the source with its
/// comment lines dropped, lines joined, and everything but plain characters percent-encoded
/// (quotes too, so the link reads the same in an HTML attribute and in a text box).
pub fn javascript_url(action: &str, token: &str) -> String {
    let literal = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let code = SOURCE
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .collect::<Vec<_>>()
        .join(" ")
        .replace("'VisanavAction'", &literal(action))
        .replace("'VisanavToken'", &literal(token));
    let mut url = String::from("javascript:");
    for b in code.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*();,=:/[]".contains(&b) {
            url.push(char::from(b));
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

/// visanav's address as the person's browser reaches it: the scheme the sessions use and
/// the `Host` the request came with (already checked against the configured names).
fn origin(state: &AppState, headers: &HeaderMap) -> String {
    let scheme = if state.server.sessions.secure {
        "https"
    } else {
        "http"
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    format!("{scheme}://{host}")
}

#[derive(Template)]
#[template(path = "ceac_bookmarklet.html")]
struct BookmarkletPage {
    disclaimer: &'static str,
    csrf: String,
    ceac_url: &'static str,
    /// The bookmarklet just made: its `javascript:` link, shown this once.
    made: Option<String>,
    /// The live one, if any: (made on, works until).
    current: Option<(String, String)>,
}

fn day(ms: i64) -> String {
    crate::case_page::day_of(ms)
}

async fn show(state: &AppState, s: &SignedIn, made: Option<String>) -> Result<Response, AppError> {
    let now = state.clock.now();
    let tokens = state.store.list_api_tokens(s.actor.account_id()).await?;
    let current = tokens
        .iter()
        .find(|t: &&ApiToken| t.scope == TokenScope::CeacSubmit && t.is_live(now))
        .map(|t| (day(t.created_ms), day(t.expires_ms)));
    let mut r = render(&BookmarkletPage {
        disclaimer: NOT_LEGAL_ADVICE,
        csrf: csrf_token(&s.session),
        ceac_url: CEAC_STATUS_URL,
        made,
        current,
    });
    // The page may hold the token: never kept by a cache.
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// `GET /account/ceac-bookmarklet`.
pub async fn page(State(state): State<AppState>, s: SignedIn) -> Result<Response, AppError> {
    show(&state, &s, None).await
}

/// `POST /account/ceac-bookmarklet`: makes the bookmarklet anew (the old one stops working).
pub async fn make(
    State(state): State<AppState>,
    s: SignedIn,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    if !csrf_ok(&s.session, field(&fields(&body), "csrf")) {
        return Err(stale_form());
    }
    let now = state.clock.now();
    let lifetime = token_lifetime(LIFETIME_DAYS).map_err(AppError::internal)?;
    let (token, hash) = visanav_auth::new_api_token();
    let account = s.actor.account_id();
    let mut tx = state.store.begin(TxMode::Write).await?;
    tx.revoke_api_tokens_with_scope(account, TokenScope::CeacSubmit, now)
        .await?;
    tx.create_api_token(
        NewApiToken {
            hash: &hash,
            account,
            name: TOKEN_NAME,
            scope: TokenScope::CeacSubmit,
            second_factor: s.actor.has_second_factor(),
            lifetime,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    let action = format!("{}/ceac/bookmarklet", origin(&state, &headers));
    show(&state, &s, Some(javascript_url(&action, token.expose()))).await
}

fn refused(status: StatusCode, title: &'static str, detail: &str) -> Response {
    AppError::new(status, title, detail).into_response()
}

/// The actor a bookmarklet token stands for, or the page saying why not.
async fn token_actor(state: &AppState, token: &str, addr: &ClientAddr) -> Result<Actor, Response> {
    let found = if token.is_empty() {
        None
    } else {
        let hash = visanav_auth::hash_token(token);
        let now = state.clock.now();
        state
            .store
            .live_api_token(&hash, now)
            .await
            .map_err(|e| AppError::from(e).into_response())?
    };
    let found = found.filter(|(t, _)| t.scope == TokenScope::CeacSubmit);
    if let Some((t, true)) = &found
        && !t.second_factor
    {
        return Err(refused(
            StatusCode::UNAUTHORIZED,
            "Make your bookmarklet again",
            "Your account now asks for a second factor, and this bookmarklet was made before \
             you gave it. Sign in with your second factor, make the bookmarklet again on your \
             account page and replace the old bookmark. Nothing was recorded.",
        ));
    }
    let Some((t, _)) = found else {
        let key = format!("ceac-bookmarklet-addr:{:?}", addr.0);
        if state.throttle.hit(&key).is_err() {
            return Err(refused(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                "Too many tries with a bookmarklet visanav does not know. Wait a quarter of an \
                 hour, then make your bookmarklet again on your account page.",
            ));
        }
        return Err(refused(
            StatusCode::UNAUTHORIZED,
            "This bookmarklet no longer works",
            "visanav does not know this bookmarklet: it was replaced by a newer one, it \
             expired, or it was revoked. Sign in to visanav, open Account → CEAC bookmarklet, \
             make it again and replace the old bookmark. Nothing was recorded.",
        ));
    };
    let reference = format!("ceac:{}", t.id.chars().take(13).collect::<String>());
    Ok(Actor::signed_in(t.account, reference, t.second_factor))
}

/// The cases the page is for: the one the form names, else the owner's cases whose CEAC
/// case number (or DS-160 id) the page shows. `Err` is the page to show instead.
async fn cases_for(
    state: &AppState,
    actor: &Actor,
    named: &str,
    page: &str,
) -> Result<Vec<StoredCase>, Response> {
    let store_error = |e: visanav_store::StoreError| AppError::from(e).into_response();
    if !named.trim().is_empty() {
        return match state.store.find_case(actor, named.trim()).await {
            Ok(c) => Ok(vec![c]),
            Err(e) => Err(store_error(e)),
        };
    }
    let shown = match parse_result_with(page, &state.knowledge) {
        Ok(r) => r.case_number,
        // No result on the page: nothing says which case it is about.
        Err(e) => {
            let assessed = Assessed::Refused {
                error: e.check_error(),
                detail: format!("{e} Nothing was recorded."),
            };
            return Err(ResultPage::new(state, &assessed, Vec::new()).respond());
        }
    };
    let ids = state
        .store
        .cases_with_ceac_id(actor, &shown)
        .await
        .map_err(store_error)?;
    if ids.is_empty() {
        let assessed = Assessed::Refused {
            error: visanav_core::monitor::CheckError::InvalidId,
            detail: format!(
                "None of your cases in visanav has the CEAC case number {}, so nothing was \
                 recorded. Add the number to the right case (its edit page), then tap the \
                 bookmark again.",
                shown.trim()
            ),
        };
        return Err(ResultPage::new(state, &assessed, Vec::new()).respond());
    }
    let mut cases = Vec::new();
    for id in ids.into_iter().take(MAX_CASES) {
        if let Some(c) = state
            .store
            .get_case(actor, &id)
            .await
            .map_err(store_error)?
        {
            cases.push(c);
        }
    }
    Ok(cases)
}

/// `POST /ceac/bookmarklet`: what the bookmarklet sends (token, page, optionally case).
pub async fn submit(State(state): State<AppState>, addr: ClientAddr, request: Request) -> Response {
    let mut response = match receive(&state, &addr, request).await {
        Ok(r) | Err(r) => r,
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn receive(
    state: &AppState,
    addr: &ClientAddr,
    request: Request,
) -> Result<Response, Response> {
    let form = read_form(request)
        .await
        .map_err(|(status, m)| refused(status, "Please try again", &m))?;
    let actor = token_actor(state, form.token.trim(), addr).await?;
    let key = format!("ceac-bookmarklet:{}", actor.account_id().as_str());
    if state.throttle.hit(&key).is_err() {
        return Err(refused(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many pages at once",
            "visanav received many pages from your bookmarklet in the last minutes. Wait a \
             quarter of an hour and tap it again. Nothing was recorded.",
        ));
    }
    if form.page.trim().is_empty() || form.page.len() > MAX_PAGE_BYTES {
        return Err(refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "No CEAC page received",
            "The bookmarklet sent no page visanav can read. Open CEAC's status page, submit \
             the form, and tap the bookmark when your status shows. Nothing was recorded.",
        ));
    }
    let cases = cases_for(state, &actor, &form.case, &form.page).await?;
    let now = state.clock.now();
    let schedule = &state.monitor.config.schedule;
    let mut shown = None;
    let mut lines: Vec<CaseLine> = Vec::new();
    for stored in &cases {
        let assessed = assess(
            &state.knowledge,
            Expected::of(&stored.case),
            &form.page,
            now,
        );
        let recorded = record(&state.store, schedule, &actor, &stored.id, &assessed, now)
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        if let Some(r) = &recorded {
            lines.push(case_line(&stored.id, r, assessed.error().is_none()));
        }
        shown.get_or_insert(assessed);
    }
    let Some(assessed) = shown else {
        return Err(refused(
            StatusCode::NOT_FOUND,
            "Case not found",
            "visanav found no case of yours for this page. Nothing was recorded.",
        ));
    };
    Ok(ResultPage::new(state, &assessed, lines).respond())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(url: &str) -> String {
        let body = url.strip_prefix("javascript:").expect("a javascript: link");
        let bytes = body.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ascii");
                out.push(u8::from_str_radix(hex, 16).expect("hex"));
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn the_link_carries_the_code_with_the_address_and_token_filled_in() {
        let url = javascript_url(
            "https://visa.example.org/ceac/bookmarklet",
            "visanav_abc-_1",
        );
        let body = url.strip_prefix("javascript:").expect("a javascript: link");
        assert!(
            !body.contains([' ', '"', '<', '>', '\n', '#', '&'].as_slice()),
            "nothing a bookmark or an attribute would mangle: {body}"
        );
        let code = decode(&url);
        assert!(code.contains("form.action = \"https://visa.example.org/ceac/bookmarklet\";"));
        assert!(code.contains("[['token', \"visanav_abc-_1\"], ['page', page]]"));
        assert!(!code.contains("VisanavAction") && !code.contains("VisanavToken"));
        assert!(
            !code.contains("It uses no fetch"),
            "comment lines dropped: {code}"
        );
        assert!(code.starts_with("(function () {") && code.ends_with("})();"));
    }

    #[test]
    fn quotes_in_the_address_cannot_break_out_of_the_string() {
        let code = decode(&javascript_url("http://x/'); alert(1); ('", "t"));
        assert!(code.contains(r#"form.action = "http://x/'); alert(1); ('";"#));
    }
}
