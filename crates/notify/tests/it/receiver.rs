//! A tiny HTTP receiver on 127.0.0.1: it keeps each request (method, path, headers, body)
//! and answers with the status and headers it was given.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;

#[derive(Debug, Clone)]
pub struct Captured {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Captured {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone)]
struct State {
    seen: Arc<Mutex<Vec<Captured>>>,
    status: u16,
    headers: Vec<(&'static str, String)>,
}

pub struct Receiver {
    pub base: String,
    seen: Arc<Mutex<Vec<Captured>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Receiver {
    /// A receiver answering every request with `status` and `headers`.
    pub async fn start(status: u16, headers: &[(&'static str, &str)]) -> Receiver {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = State {
            seen: seen.clone(),
            status,
            headers: headers.iter().map(|(n, v)| (*n, v.to_string())).collect(),
        };
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move { record(state, method, uri, headers, body) }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { base, seen, server }
    }

    pub fn url(&self, path: &str) -> url::Url {
        url::Url::parse(&format!("{}{path}", self.base)).unwrap()
    }

    pub fn requests(&self) -> Vec<Captured> {
        self.seen.lock().unwrap().clone()
    }

    /// The one request received (fails if there were none or several).
    pub fn only(&self) -> Captured {
        let all = self.requests();
        assert_eq!(all.len(), 1, "expected one request, got {}", all.len());
        all.into_iter().next().unwrap()
    }
}

fn record(
    state: State,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    state.seen.lock().unwrap().push(Captured {
        method: method.to_string(),
        path: uri.path().to_string(),
        headers: headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: body.to_vec(),
    });
    let mut answer = HeaderMap::new();
    for (name, value) in &state.headers {
        answer.insert(*name, value.parse().unwrap());
    }
    (StatusCode::from_u16(state.status).unwrap(), answer, "ok")
}

/// A client that may reach loopback (the receiver), as an installation with
/// `net.allow_private` would.
pub fn loopback_client() -> visanav_sources::net::HttpClient {
    visanav_sources::net::HttpClient::new(true, Duration::from_secs(5))
}

/// The installation's default: private and loopback addresses refused.
pub fn public_only_client() -> visanav_sources::net::HttpClient {
    visanav_sources::net::HttpClient::new(false, Duration::from_secs(5))
}
