//! What every request passes through: the host check (against DNS rebinding), the
//! cross-site write check, a request id and one log line, a time limit, security headers.

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// The host names this server answers to, and how long a request may take.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Lower-case host names (or IP literals, IPv6 without brackets) accepted in `Host`
    /// and `Origin`. Always includes `localhost`, `127.0.0.1` and `::1`.
    pub allowed_hosts: Vec<String>,
    pub request_timeout: Duration,
    pub sessions: crate::session::SessionConfig,
    /// Where people reach visanav (`https://visanav.example.org`), for links in email.
    pub base_url: String,
    /// Behind a reverse proxy: take the client's address from `X-Forwarded-For`.
    pub trust_forwarded: bool,
    /// How long a consultation request holds its time while the attorney has not answered
    /// (`consult.hold_hours`, 48 by default).
    pub consult_hold: jiff::SignedDuration,
}

impl ServerConfig {
    /// Loopback names, the listen address and the public URL's host.
    pub fn new(
        listen: std::net::SocketAddr,
        public_host: Option<&str>,
        request_timeout: Duration,
    ) -> ServerConfig {
        let mut allowed_hosts: Vec<String> = ["localhost", "127.0.0.1", "::1"]
            .into_iter()
            .map(String::from)
            .collect();
        let mut add = |h: String| {
            if !allowed_hosts.contains(&h) {
                allowed_hosts.push(h);
            }
        };
        add(listen.ip().to_string());
        if let Some(h) = public_host {
            add(h.to_ascii_lowercase());
        }
        ServerConfig {
            allowed_hosts,
            request_timeout,
            sessions: crate::session::SessionConfig::default(),
            base_url: format!("http://{listen}"),
            trust_forwarded: false,
            consult_hold: jiff::SignedDuration::from_hours(48),
        }
    }

    fn allows(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.allowed_hosts.contains(&host)
    }
}

/// The host name of a `Host` header value or an origin's authority, without the port
/// (`[::1]:8080` → `::1`).
fn host_name(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    authority.rsplit_once(':').map_or(authority, |(h, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            authority
        }
    })
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn refuse(status: StatusCode, message: &'static str) -> Response {
    (status, message).into_response()
}

/// Refuses a `Host` this server was not configured for. A web page on another name that
/// resolves to 127.0.0.1 (DNS rebinding) sends its own name as the host, so it cannot read
/// the pages even though the browser thinks it is talking to that site.
pub async fn known_hosts(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let host = header_str(request.headers(), header::HOST)
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    match host {
        Some(h) if state.server.allows(host_name(h)) => next.run(request).await,
        _ => {
            tracing::warn!("request for a host name this server does not answer to");
            refuse(
                StatusCode::MISDIRECTED_REQUEST,
                "visanav answers only to the host names it is configured for. Open it as \
                 http://localhost:PORT, or set public_url in the configuration.",
            )
        }
    }
}

/// Where the CEAC bookmarklet posts: the one write accepted from another site.
pub const BOOKMARKLET_PATH: &str = "/ceac/bookmarklet";

/// Where the one-click unsubscribe link of a notification email posts.
pub const UNSUBSCRIBE_PREFIX: &str = "/notifications/unsubscribe/";

/// Refuses state-changing requests that come from another site (cross-site request
/// forgery). Browsers say where a request comes from in `Sec-Fetch-Site`; older ones only
/// in `Origin`, which must then name this server exactly. Requests with neither are not
/// from a browser page (curl, scripts) and pass. API requests with a bearer token pass too:
/// a browser never attaches one by itself, and the API then ignores any cookie (see
/// `bearer`), so there is no ambient credential to forge a request with.
pub async fn same_origin_writes(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return next.run(request).await;
    }
    if request.uri().path().starts_with("/api/") && crate::bearer::has_bearer(request.headers()) {
        return next.run(request).await;
    }
    // The CEAC bookmarklet posts from ceac.state.gov by design. It acts only with the secret
    // token in its body, never with a cookie, and can only record a CEAC reading for the
    // token's owner; the answer opens in its own tab, unreadable to the posting site. See
    // `assisted::bookmarklet`.
    if request.uri().path() == BOOKMARKLET_PATH {
        return next.run(request).await;
    }
    // The one-click unsubscribe of RFC 8058 is a POST from the person's mail provider,
    // wherever it runs. It acts only with the secret id in its path, and can only turn that
    // person's notification email off: nothing a forger could want.
    if request.uri().path().starts_with(UNSUBSCRIBE_PREFIX) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let cross_site = match header_str(headers, header::HeaderName::from_static("sec-fetch-site")) {
        Some(site) => !matches!(site, "same-origin" | "none"),
        None => match header_str(headers, header::ORIGIN) {
            None => false,
            Some(origin) => !origin_is_this_server(origin, headers, &state),
        },
    };
    if cross_site {
        tracing::warn!("cross-site write refused");
        return refuse(
            StatusCode::FORBIDDEN,
            "Cross-site requests cannot change visanav data. Use visanav's own pages.",
        );
    }
    next.run(request).await
}

/// True when `origin` (`scheme://host[:port]`) is the host this request was sent to, and a
/// host name this server answers to. `Origin: null` (sandboxed frames, some redirects) is
/// never this server.
fn origin_is_this_server(origin: &str, headers: &HeaderMap, state: &AppState) -> bool {
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false;
    };
    let host = header_str(headers, header::HOST).unwrap_or("");
    matches!(scheme, "http" | "https")
        && authority.eq_ignore_ascii_case(host)
        && state.server.allows(host_name(authority))
}

/// API answers hold case data, personal data included: no cache (a shared proxy, the
/// browser's disk) may keep them.
pub async fn api_no_store(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    if api && !response.headers().contains_key(header::CACHE_CONTROL) {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The route template that handled a request ("/cases/{id}"), copied into the response so
/// the log line names the route, never the ids in the path.
pub async fn record_route(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// Gives each request an id (returned in `x-request-id`), limits its time, and logs one
/// line when it ends: method, route, status, milliseconds. No path, query or body: they
/// can hold case ids and personal data.
pub async fn request_log(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = uuid::Uuid::now_v7().simple().to_string();
    let method = request.method().clone();
    let mut response =
        match tokio::time::timeout(state.server.request_timeout, next.run(request)).await {
            Ok(r) => r,
            Err(_) => refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "visanav took too long to answer. Nothing was saved; please try again.",
            ),
        };
    let route = response
        .extensions()
        .get::<MatchedPath>()
        .map_or("(no route)", |r| r.as_str())
        .to_string();
    tracing::info!(
        request_id = %request_id,
        %method,
        %route,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}

pub async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    let set = |h: &mut HeaderMap, name: &'static str, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    // Scripts and styles only from visanav's own files (the vendored htmx, site.css): no
    // inline code or style attribute runs, so injected markup cannot act.
    set(
        h,
        "content-security-policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "no-referrer");
    set(h, "x-frame-options", "DENY");
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_drop_the_port() {
        assert_eq!(host_name("localhost:8080"), "localhost");
        assert_eq!(host_name("127.0.0.1"), "127.0.0.1");
        assert_eq!(host_name("[::1]:8080"), "::1");
        assert_eq!(host_name("visanav.example.org"), "visanav.example.org");
    }

    #[test]
    fn allowed_hosts_include_loopback_listen_and_public_names() {
        let c = ServerConfig::new(
            "192.168.1.5:8080".parse().expect("addr"),
            Some("Visa.Example.org"),
            Duration::from_secs(5),
        );
        for ok in [
            "localhost",
            "127.0.0.1",
            "::1",
            "192.168.1.5",
            "visa.example.org",
            "LOCALHOST",
        ] {
            assert!(c.allows(ok), "{ok}");
        }
        assert!(!c.allows("evil.example.com"));
        assert!(!c.allows("localhost.evil.example.com"));
    }
}
