//! `/account/webhooks`: a person's signed webhook endpoints and their ntfy phone push, on
//! one page. Endpoints are added (the secret is shown once), rotated (the new secret is
//! shown once; the old one keeps signing for a day), deleted and tested; the ntfy
//! subscription is set, tested and removed. Every test goes through the same channel code
//! the dispatcher uses (visanav-notify), so what the page says is what real notifications do.
//!
//! One route: the POST's `action` field says which form was sent, as each form is a button
//! on the same page, and every form carries the session's CSRF token.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use jiff::Timestamp;
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_notify::{
    NtfyTarget, NtfyToken, WebhookSecret, describe, send_ntfy, send_webhook, test_message_id,
    test_payload, test_push,
};
use visanav_sources::net::HttpClient;
use visanav_store::{MAX_WEBHOOK_ENDPOINTS, StoreError, WebhookEndpoint};

use crate::auth::stale_form;
use crate::forms::{field, fields};
use crate::pages::render;
use crate::request::SignedIn;
use crate::session::{csrf_ok, csrf_token};
use crate::{AppError, AppState};

/// A test waits at most this long for the receiver: the person is looking at a spinner.
const TEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Longer URLs are refused: nobody types them, and they bloat every delivery log line.
const MAX_URL_CHARS: usize = 2000;

struct EndpointLine {
    id: String,
    url: String,
    enabled: bool,
    disabled_reason: Option<String>,
    /// Until when the previous secret also signs (after a rotation).
    rotating_until: Option<String>,
    created: String,
    /// The latest deliveries to it: (when, what, how it went).
    log: Vec<(String, String, String)>,
}

struct NtfyLine {
    server_url: String,
    topic: String,
    has_token: bool,
    enabled: bool,
    disabled_reason: Option<String>,
}

#[derive(Template)]
#[template(path = "account_webhooks.html")]
struct WebhooksPage {
    disclaimer: &'static str,
    csrf: String,
    endpoints: Vec<EndpointLine>,
    max: usize,
    allow_private: bool,
    /// A secret just made: (the endpoint's URL, `whsec_…`), shown once.
    secret_shown: Option<(String, String)>,
    /// What happened (a test's result, a deletion).
    notice: Option<String>,
    /// Whether the notice reports a failure (shown as a warning).
    notice_failed: bool,
    error: Option<String>,
    /// The add form's value, kept after an error.
    url: String,
    ntfy: Option<NtfyLine>,
    ntfy_server: String,
    ntfy_topic: String,
}

fn when(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

fn line(e: WebhookEndpoint, now: Timestamp) -> EndpointLine {
    EndpointLine {
        rotating_until: e
            .previous_until_ms
            .filter(|until| *until > now.as_millisecond())
            .map(when),
        created: when(e.created_ms),
        id: e.id,
        url: e.url,
        enabled: e.enabled,
        disabled_reason: e.disabled_reason,
        log: Vec::new(),
    }
}

/// One line of an endpoint's delivery log, in plain words.
fn log_line(d: visanav_store::DeliveryView) -> (String, String, String) {
    let what = match d.kind.as_str() {
        "status_changed" => "status changed".to_string(),
        "last_updated_changed" => "case updated".to_string(),
        "checks_failing" => "checks failing".to_string(),
        "deadline_approaching" => "deadline reminder".to_string(),
        // Every other kind in words: "consultation_confirmed" is "consultation confirmed".
        other => other.replace('_', " "),
    };
    let how = match (d.state.as_str(), d.last_error) {
        ("sent", _) => "delivered".to_string(),
        ("dead", Some(e)) => format!("given up: {e}"),
        ("dead", None) => "given up".to_string(),
        (_, Some(e)) => format!("will try again ({} tries so far): {e}", d.attempts),
        _ => "waiting to be sent".to_string(),
    };
    (when(d.sent_ms.unwrap_or(d.created_ms)), what, how)
}

fn blank(state: &AppState, s: &SignedIn) -> WebhooksPage {
    WebhooksPage {
        disclaimer: NOT_LEGAL_ADVICE,
        csrf: csrf_token(&s.session),
        endpoints: Vec::new(),
        max: MAX_WEBHOOK_ENDPOINTS,
        allow_private: state.monitor.config.allow_private,
        secret_shown: None,
        notice: None,
        notice_failed: false,
        error: None,
        url: String::new(),
        ntfy: None,
        ntfy_server: String::new(),
        ntfy_topic: String::new(),
    }
}

/// The page with the lists as they are now. Never cached: it may show a secret.
async fn page(
    state: &AppState,
    s: &SignedIn,
    form: WebhooksPage,
    status: StatusCode,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let endpoints = state.store.list_webhook_endpoints(&s.actor).await?;
    let ntfy = state.store.ntfy_subscription(&s.actor).await?;
    let (ntfy_server, ntfy_topic) = match (&ntfy, form.ntfy_server.is_empty()) {
        (Some(n), true) => (n.server_url.clone(), n.topic.clone()),
        _ => (form.ntfy_server.clone(), form.ntfy_topic.clone()),
    };
    let mut lines = Vec::with_capacity(endpoints.len());
    for e in endpoints {
        let channel = format!("webhook:{}", e.id);
        let mut l = line(e, now);
        l.log = state
            .store
            .my_deliveries(&s.actor, &channel, 10)
            .await?
            .into_iter()
            .map(log_line)
            .collect();
        lines.push(l);
    }
    let mut r = render(&WebhooksPage {
        endpoints: lines,
        ntfy: ntfy.map(|n| NtfyLine {
            server_url: n.server_url,
            topic: n.topic,
            has_token: n.has_token,
            enabled: n.enabled,
            disabled_reason: n.disabled_reason,
        }),
        ntfy_server,
        ntfy_topic,
        ..form
    });
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

pub async fn show(State(state): State<AppState>, s: SignedIn) -> Result<Response, AppError> {
    let form = blank(&state, &s);
    page(&state, &s, form, StatusCode::OK).await
}

/// One of the page's forms, by its `action`.
pub async fn act(
    State(state): State<AppState>,
    s: SignedIn,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&s.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let endpoint = field(&f, "endpoint");
    let outcome = match field(&f, "action") {
        "add" => add(&state, &s, field(&f, "url")).await?,
        "rotate" => rotate(&state, &s, endpoint).await?,
        "delete" => delete(&state, &s, endpoint).await?,
        "test" => test_endpoint(&state, &s, endpoint).await?,
        "ntfy-set" => {
            set_ntfy(
                &state,
                &s,
                field(&f, "server"),
                field(&f, "topic"),
                field(&f, "token"),
            )
            .await?
        }
        "ntfy-test" => test_ntfy(&state, &s).await?,
        "ntfy-clear" => {
            state.store.clear_ntfy(&s.actor, state.clock.now()).await?;
            Outcome::said("Phone push is off. visanav will not send to that topic again.")
        }
        _ => Outcome::refused("That form is not one of this page's; reload the page."),
    };
    let status = if outcome.form.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let form = outcome.form.into_page(blank(&state, &s));
    page(&state, &s, form, status).await
}

/// What an action leaves on the page.
#[derive(Default)]
struct Outcome {
    form: Partial,
}

#[derive(Default)]
struct Partial {
    secret_shown: Option<(String, String)>,
    notice: Option<String>,
    notice_failed: bool,
    error: Option<String>,
    url: String,
    ntfy_server: String,
    ntfy_topic: String,
}

impl Partial {
    fn into_page(self, blank: WebhooksPage) -> WebhooksPage {
        WebhooksPage {
            secret_shown: self.secret_shown,
            notice: self.notice,
            notice_failed: self.notice_failed,
            error: self.error,
            url: self.url,
            ntfy_server: self.ntfy_server,
            ntfy_topic: self.ntfy_topic,
            ..blank
        }
    }
}

impl Outcome {
    fn said(text: impl Into<String>) -> Outcome {
        Outcome {
            form: Partial {
                notice: Some(text.into()),
                ..Partial::default()
            },
        }
    }

    fn refused(text: impl Into<String>) -> Outcome {
        Outcome {
            form: Partial {
                error: Some(text.into()),
                ..Partial::default()
            },
        }
    }

    fn tested(result: &Result<visanav_notify::Delivered, visanav_notify::ChannelError>) -> Outcome {
        Outcome {
            form: Partial {
                notice: Some(describe(result)),
                notice_failed: result.is_err(),
                ..Partial::default()
            },
        }
    }
}

/// A webhook URL people may add: http(s), https unless private addresses are allowed (a
/// test installation), no private address literal unless allowed. The HTTP client checks the
/// resolved addresses again at every send.
fn check_url(text: &str, allow_private: bool) -> Result<url::Url, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Give the address that should receive the notifications.".into());
    }
    if text.chars().count() > MAX_URL_CHARS {
        return Err(format!(
            "That address is longer than {MAX_URL_CHARS} characters; give a shorter one."
        ));
    }
    let url = url::Url::parse(text).map_err(|e| {
        format!("{text:?} is not a web address ({e}). It looks like https://example.org/hooks.")
    })?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => {
            return Err(format!(
                "{text} is not https. Notifications carry your case's news, so visanav sends \
                 them only over https: give the https address of your receiver."
            ));
        }
        _ => return Err(format!("{text} is not a web address (https://…).")),
    }
    let private_literal = match url.host() {
        Some(url::Host::Ipv4(ip)) => visanav_sources::net::is_private(ip.into()),
        Some(url::Host::Ipv6(ip)) => visanav_sources::net::is_private(ip.into()),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => return Err(format!("{text} names no host.")),
    };
    if private_literal && !allow_private {
        return Err(format!(
            "{text} is a private or local address. visanav does not send there unless its \
             operator allows private addresses (net.allow_private)."
        ));
    }
    Ok(url)
}

fn client(state: &AppState) -> HttpClient {
    let config = &state.monitor.config;
    HttpClient::new(
        config.allow_private,
        config.request_timeout.min(TEST_TIMEOUT),
    )
}

async fn add(state: &AppState, s: &SignedIn, url: &str) -> Result<Outcome, AppError> {
    let checked = match check_url(url, state.monitor.config.allow_private) {
        Ok(u) => u,
        Err(e) => {
            let mut o = Outcome::refused(e);
            o.form.url = url.to_string();
            return Ok(o);
        }
    };
    let secret = WebhookSecret::generate().map_err(AppError::internal)?;
    let added = state
        .store
        .add_webhook_endpoint(
            &s.actor,
            checked.as_str(),
            &secret.expose(),
            state.clock.now(),
        )
        .await;
    match added {
        Ok(_) => Ok(Outcome {
            form: Partial {
                secret_shown: Some((checked.to_string(), secret.expose())),
                ..Partial::default()
            },
        }),
        Err(e @ StoreError::WebhookLimit { .. }) => Ok(Outcome::refused(e.to_string())),
        Err(e) => Err(e.into()),
    }
}

async fn rotate(state: &AppState, s: &SignedIn, id: &str) -> Result<Outcome, AppError> {
    let secret = WebhookSecret::generate().map_err(AppError::internal)?;
    let now = state.clock.now();
    if !state
        .store
        .rotate_webhook_secret(&s.actor, id, &secret.expose(), now)
        .await?
    {
        return Err(no_such_endpoint());
    }
    let url = state
        .store
        .webhook_target_for(&s.actor, id, now)
        .await?
        .map(|t| t.url)
        .unwrap_or_default();
    Ok(Outcome {
        form: Partial {
            secret_shown: Some((url, secret.expose())),
            ..Partial::default()
        },
    })
}

async fn delete(state: &AppState, s: &SignedIn, id: &str) -> Result<Outcome, AppError> {
    if !state
        .store
        .delete_webhook_endpoint(&s.actor, id, state.clock.now())
        .await?
    {
        return Err(no_such_endpoint());
    }
    Ok(Outcome::said(
        "The endpoint is deleted. visanav will not send to it again.",
    ))
}

async fn test_endpoint(state: &AppState, s: &SignedIn, id: &str) -> Result<Outcome, AppError> {
    let now = state.clock.now();
    let Some(target) = state.store.webhook_target_for(&s.actor, id, now).await? else {
        return Err(no_such_endpoint());
    };
    let secrets = target
        .secrets
        .iter()
        .map(|t| WebhookSecret::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| AppError::internal("a stored webhook secret is not a whsec_ secret"))?;
    let url = match url::Url::parse(&target.url) {
        Ok(u) => u,
        Err(e) => {
            return Ok(Outcome::refused(format!(
                "The stored address is unusable: {e}."
            )));
        }
    };
    let result = send_webhook(
        &client(state),
        &url,
        &secrets,
        &test_message_id(),
        now.as_second(),
        &test_payload(now),
    )
    .await;
    let mut o = Outcome::tested(&result);
    if let Some(n) = &mut o.form.notice {
        let signatures = if secrets.len() > 1 {
            "two signatures (the new secret's and the previous one's)"
        } else {
            "one signature"
        };
        *n = format!(
            "Sent a test event to {} with webhook-id, webhook-timestamp and {signatures} in \
             webhook-signature. {n}",
            target.url
        );
    }
    Ok(o)
}

async fn set_ntfy(
    state: &AppState,
    s: &SignedIn,
    server: &str,
    topic: &str,
    token: &str,
) -> Result<Outcome, AppError> {
    let keep = |e: String| {
        let mut o = Outcome::refused(e);
        o.form.ntfy_server = server.to_string();
        o.form.ntfy_topic = topic.to_string();
        o
    };
    let server_url = match check_url(server, state.monitor.config.allow_private) {
        Ok(u) => u,
        Err(e) => return Ok(keep(format!("The ntfy server: {e}"))),
    };
    let target = match NtfyTarget::new(server_url.as_str(), topic) {
        Ok(t) => t,
        Err(e) => return Ok(keep(e)),
    };
    let token = match token.trim() {
        "" => None,
        t => match NtfyToken::new(t) {
            Ok(t) => Some(t),
            Err(e) => return Ok(keep(e)),
        },
    };
    state
        .store
        .set_ntfy(
            &s.actor,
            target.server().as_str(),
            target.topic(),
            token.as_ref().map(NtfyToken::expose),
            state.clock.now(),
        )
        .await?;
    Ok(Outcome::said(
        "Phone push is set. Send a test to see it arrive on your phone.",
    ))
}

async fn test_ntfy(state: &AppState, s: &SignedIn) -> Result<Outcome, AppError> {
    let Some(dest) = state.store.ntfy_target(s.actor.account_id()).await? else {
        return Ok(Outcome::refused(
            "Set up phone push first (or turn it on again by saving it).",
        ));
    };
    let target = NtfyTarget::new(&dest.server_url, &dest.topic).map_err(AppError::internal)?;
    let token = dest
        .token
        .as_deref()
        .map(NtfyToken::new)
        .transpose()
        .map_err(AppError::internal)?;
    let click = url::Url::parse(&state.server.base_url).ok();
    let result = send_ntfy(&client(state), &target, token.as_ref(), &test_push(click)).await;
    Ok(Outcome::tested(&result))
}

fn no_such_endpoint() -> AppError {
    AppError::not_found("You have no such webhook endpoint; it may have been deleted already.")
}

#[cfg(test)]
mod tests {
    use super::check_url;

    #[test]
    fn urls_need_https_and_a_public_host_unless_private_addresses_are_allowed() {
        assert!(check_url("https://hooks.example.org/in", false).is_ok());
        let e = check_url("http://hooks.example.org/in", false).unwrap_err();
        assert!(e.contains("https"), "{e}");
        assert!(check_url("http://hooks.example.org/in", true).is_ok());
        for private in [
            "https://127.0.0.1/x",
            "https://10.0.0.8/x",
            "https://[::1]/x",
            "https://localhost/x",
        ] {
            let e = check_url(private, false).unwrap_err();
            assert!(e.contains("private or local"), "{private}: {e}");
            assert!(check_url(private, true).is_ok(), "{private}");
        }
        assert!(check_url("", false).is_err());
        assert!(check_url("hooks.example.org", false).is_err());
        assert!(check_url("ftp://hooks.example.org", true).is_err());
    }
}
