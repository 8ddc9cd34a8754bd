//! A small HTTP/1.1 client for the status sources, on the hyper and rustls already in the
//! build. It does what the sources need and no more: one request per connection, a
//! deadline on the whole exchange, a cap on the answer's size, and no redirects.
//!
//! It refuses to connect to private, loopback and link-local addresses unless the
//! installation allows them (`net.allow_private`): a configurable base URL must not become a
//! way to make the server probe its own network. The check is on the addresses the name
//! resolves to, and the connection goes to the checked address (no second lookup).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// The most an answer may weigh: a CEAC page is about 60 kB, a captcha 5 kB.
const MAX_BODY: usize = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("{0:?} is not a usable URL: {1}")]
    BadUrl(String, String),
    #[error(
        "{host} resolves to a private or local address ({addr}); visanav does not connect to \
         those unless `net.allow_private` (VISANAV_ALLOW_PRIVATE) is set"
    )]
    PrivateAddress { host: String, addr: IpAddr },
    #[error("cannot resolve {host}: {detail}")]
    Resolve { host: String, detail: String },
    #[error("cannot connect to {host}: {detail}")]
    Connect { host: String, detail: String },
    #[error("TLS with {host} failed: {detail}")]
    Tls { host: String, detail: String },
    #[error("{host} did not answer within {seconds} s")]
    Timeout { host: String, seconds: u64 },
    #[error("the exchange with {host} failed: {detail}")]
    Protocol { host: String, detail: String },
}

/// A request: method, absolute URL, extra headers, body.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: &'static str,
    pub url: url::Url,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn get(url: url::Url) -> Request {
        Request {
            method: "GET",
            url,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn post_form(url: url::Url, fields: &[(String, String)]) -> Request {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .finish()
            .into_bytes();
        Request {
            method: "POST",
            url,
            headers: vec![(
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            )],
            body,
        }
    }

    /// A POST with a ready body (a webhook's JSON, an ntfy message): the bytes go out as
    /// given, so a signature over them stays valid.
    pub fn post_bytes(url: url::Url, content_type: &str, body: Vec<u8>) -> Request {
        Request {
            method: "POST",
            url,
            headers: vec![("content-type".into(), content_type.to_string())],
            body,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Request {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// An answer: status, headers (lower-case names), body.
#[derive(Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl std::fmt::Debug for Response {
    // The body can hold a person's case details: never in a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (CEAC and USCIS answer in UTF-8; a stray byte must not fail a check).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// The client. Cheap to clone (the TLS configuration is shared).
#[derive(Clone)]
pub struct HttpClient {
    allow_private: bool,
    timeout: Duration,
    user_agent: String,
    tls: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient")
            .field("allow_private", &self.allow_private)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    pub fn new(allow_private: bool, timeout: Duration) -> HttpClient {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map(|b| b.with_root_certificates(roots).with_no_client_auth())
            // The ring provider supports the default versions; this cannot fail in practice,
            // and if it did an empty configuration would fail each TLS request plainly.
            .unwrap_or_else(|_| {
                rustls::ClientConfig::builder()
                    .with_root_certificates(rustls::RootCertStore::empty())
                    .with_no_client_auth()
            });
        HttpClient {
            allow_private,
            timeout,
            // A browser's User-Agent: CEAC answers scripts that announce themselves with the
            // block page (reference §1.2 step 1).
            user_agent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                         Chrome/126.0 Safari/537.36"
                .into(),
            tls: Arc::new(tls),
        }
    }

    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    /// Sends the request on a connection of its own and reads the whole answer, within the
    /// client's deadline.
    pub async fn send(&self, request: Request) -> Result<Response, NetError> {
        self.session().send(request).await
    }

    /// A session: requests to one site share a kept-alive connection, as a browser's do. A
    /// CEAC check makes three requests; one TCP (and TLS) handshake instead of three is
    /// cheaper for both sides.
    pub fn session(&self) -> Session {
        Session {
            client: self.clone(),
            open: None,
        }
    }

    /// Opens a connection to the request's site (after the private-address check).
    async fn connect(&self, url: &url::Url) -> Result<Open, NetError> {
        let host = url
            .host_str()
            .ok_or_else(|| NetError::BadUrl(url.to_string(), "no host".into()))?
            .trim_matches(['[', ']'])
            .to_string();
        let tls = match url.scheme() {
            "https" => true,
            "http" => false,
            other => {
                return Err(NetError::BadUrl(
                    url.to_string(),
                    format!("the scheme {other:?} is not http or https"),
                ));
            }
        };
        let port = url
            .port_or_known_default()
            .ok_or_else(|| NetError::BadUrl(url.to_string(), "no port".into()))?;
        let addr = self.resolve(&host, port).await?;
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| NetError::Connect {
                host: host.clone(),
                detail: e.to_string(),
            })?;
        let _ = stream.set_nodelay(true);
        let origin = (url.scheme().to_string(), host.clone(), port);
        if tls {
            let name = rustls::pki_types::ServerName::try_from(host.clone()).map_err(|e| {
                NetError::Tls {
                    host: host.clone(),
                    detail: e.to_string(),
                }
            })?;
            let stream = tokio_rustls::TlsConnector::from(self.tls.clone())
                .connect(name, stream)
                .await
                .map_err(|e| NetError::Tls {
                    host: host.clone(),
                    detail: e.to_string(),
                })?;
            handshake(stream, origin).await
        } else {
            handshake(stream, origin).await
        }
    }

    /// The first acceptable address of `host`; every address is checked, not only the first,
    /// so a name with one public and one private address cannot slip a private one through.
    async fn resolve(&self, host: &str, port: u16) -> Result<SocketAddr, NetError> {
        let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((host, port))
                .await
                .map_err(|e| NetError::Resolve {
                    host: host.to_string(),
                    detail: e.to_string(),
                })?
                .collect(),
        };
        if !self.allow_private
            && let Some(bad) = addrs.iter().find(|a| is_private(a.ip()))
        {
            return Err(NetError::PrivateAddress {
                host: host.to_string(),
                addr: bad.ip(),
            });
        }
        addrs.into_iter().next().ok_or_else(|| NetError::Resolve {
            host: host.to_string(),
            detail: "no address".into(),
        })
    }
}

fn build(
    request: &Request,
    host: &str,
    user_agent: &str,
) -> Result<hyper::Request<Full<Bytes>>, NetError> {
    let url = &request.url;
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    let host_header = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or(host)),
        None => url.host_str().unwrap_or(host).to_string(),
    };
    // A request that names itself (a webhook, a push) keeps its own User-Agent; the
    // browser's is for the status sources.
    let own_agent = request
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("user-agent"));
    let mut builder = hyper::Request::builder()
        .method(request.method)
        .uri(path)
        .header("host", host_header);
    if !own_agent {
        builder = builder
            .header("user-agent", user_agent)
            .header("accept-language", "en-US,en;q=0.9");
    }
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder
        .body(Full::new(Bytes::from(request.body.clone())))
        .map_err(|e| NetError::Protocol {
            host: host.to_string(),
            detail: e.to_string(),
        })
}

/// A kept-alive HTTP/1.1 connection and the task that drives it.
struct Open {
    /// (scheme, host, port): a request to another origin needs another connection.
    origin: (String, String, u16),
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    driver: tokio::task::JoinHandle<()>,
}

impl Drop for Open {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

async fn handshake<S>(stream: S, origin: (String, String, u16)) -> Result<Open, NetError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| NetError::Protocol {
            host: origin.1.clone(),
            detail: e.to_string(),
        })?;
    let driver = tokio::spawn(async move {
        // An error here surfaces through the request that was waiting for it.
        let _ = connection.await;
    });
    Ok(Open {
        origin,
        sender,
        driver,
    })
}

/// Requests to one site over one kept-alive connection (see [`HttpClient::session`]); a
/// closed connection is opened again. Dropping the session closes it.
pub struct Session {
    client: HttpClient,
    open: Option<Open>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("connected", &self.open.is_some())
            .finish()
    }
}

impl Session {
    /// Sends the request and reads the whole answer, within the client's deadline.
    pub async fn send(&mut self, request: Request) -> Result<Response, NetError> {
        let host = request.url.host_str().unwrap_or_default().to_string();
        let timeout = self.client.timeout;
        match tokio::time::timeout(timeout, self.exchange(request)).await {
            Ok(result) => result,
            Err(_) => {
                // A half-finished exchange leaves the connection unusable.
                self.open = None;
                Err(NetError::Timeout {
                    host,
                    seconds: timeout.as_secs(),
                })
            }
        }
    }

    async fn exchange(&mut self, request: Request) -> Result<Response, NetError> {
        let url = &request.url;
        let host = url
            .host_str()
            .unwrap_or_default()
            .trim_matches(['[', ']'])
            .to_string();
        let origin = (
            url.scheme().to_string(),
            host.clone(),
            url.port_or_known_default().unwrap_or(0),
        );
        let reusable = self
            .open
            .as_ref()
            .is_some_and(|o| o.origin == origin && !o.sender.is_closed());
        if !reusable {
            self.open = None;
            self.open = Some(self.client.connect(url).await?);
        }
        let http_request = build(&request, &host, &self.client.user_agent)?;
        let protocol = |e: &dyn std::fmt::Display| NetError::Protocol {
            host: host.clone(),
            detail: e.to_string(),
        };
        let Some(open) = self.open.as_mut() else {
            return Err(protocol(&"no connection"));
        };
        open.sender.ready().await.map_err(|e| protocol(&e))?;
        let answer = open
            .sender
            .send_request(http_request)
            .await
            .map_err(|e| protocol(&e))?;
        let status = answer.status().as_u16();
        let headers: Vec<(String, String)> = answer
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = Limited::new(answer.into_body(), MAX_BODY)
            .collect()
            .await
            .map_err(|e| protocol(&e))?
            .to_bytes()
            .to_vec();
        let closing = headers
            .iter()
            .any(|(n, v)| n == "connection" && v.eq_ignore_ascii_case("close"));
        if closing {
            self.open = None;
        }
        Ok(Response {
            status,
            headers,
            body,
        })
    }
}

/// Loopback, private (RFC 1918, unique local), link-local, carrier-grade NAT, unspecified,
/// broadcast and multicast addresses: nothing a public status source lives on.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// Cookies a site set during one flow, sent back on the next requests to it. Enough for an
/// ASP.NET session (name=value; attributes ignored; one site per jar).
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct CookieJar {
    cookies: Vec<(String, String)>,
}

impl std::fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CookieJar({} cookies)", self.cookies.len())
    }
}

impl CookieJar {
    pub fn absorb(&mut self, response: &Response) {
        for line in response.headers_named("set-cookie") {
            let Some((name, value)) = line.split(';').next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            let (name, value) = (name.trim().to_string(), value.trim().to_string());
            self.cookies.retain(|(n, _)| *n != name);
            if !value.is_empty() {
                self.cookies.push((name, value));
            }
        }
    }

    /// The `Cookie` header value, if any cookie is set.
    pub fn header(&self) -> Option<String> {
        (!self.cookies.is_empty()).then(|| {
            self.cookies
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("; ")
        })
    }

    pub fn apply(&self, request: Request) -> Request {
        match self.header() {
            Some(value) => request.header("cookie", &value),
            None => request,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_private(private.parse().expect("ip")), "{private}");
        }
        for public in ["23.45.67.89", "8.8.8.8", "2606:4700::1111"] {
            assert!(!is_private(public.parse().expect("ip")), "{public}");
        }
    }

    #[tokio::test]
    async fn refuses_loopback_unless_allowed() {
        let url = url::Url::parse("http://127.0.0.1:9/").expect("url");
        let strict = HttpClient::new(false, Duration::from_secs(2));
        assert!(matches!(
            strict.send(Request::get(url.clone())).await,
            Err(NetError::PrivateAddress { .. })
        ));
        let lax = HttpClient::new(true, Duration::from_secs(2));
        assert!(matches!(
            lax.send(Request::get(url)).await,
            Err(NetError::Connect { .. })
        ));
    }

    /// A session sends its requests over one connection while the server keeps it open.
    #[tokio::test]
    async fn a_session_reuses_its_connection() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let server = tokio::spawn(async move {
            let mut accepted = 0;
            while let Ok(Ok((mut socket, _))) =
                tokio::time::timeout(Duration::from_millis(500), listener.accept()).await
            {
                accepted += 1;
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    while let Ok(n) = socket.read(&mut buf).await {
                        if n == 0 {
                            break;
                        }
                        let _ = socket
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                            .await;
                    }
                });
            }
            accepted
        });
        let client = HttpClient::new(true, Duration::from_secs(2));
        let mut session = client.session();
        let url = url::Url::parse(&format!("http://{addr}/a")).expect("url");
        for _ in 0..3 {
            let r = session
                .send(Request::get(url.clone()))
                .await
                .expect("answer");
            assert_eq!((r.status, r.body.as_slice()), (200, &b"ok"[..]));
        }
        drop(session);
        assert_eq!(
            server.await.expect("server"),
            1,
            "one connection for three requests"
        );
    }

    #[test]
    fn cookie_jar_keeps_the_latest_value() {
        let response = |cookies: &[&str]| Response {
            status: 200,
            headers: cookies
                .iter()
                .map(|c| ("set-cookie".to_string(), c.to_string()))
                .collect(),
            body: Vec::new(),
        };
        let mut jar = CookieJar::default();
        jar.absorb(&response(&[
            "ASP.NET_SessionId=abc; path=/; HttpOnly",
            "x=1",
        ]));
        jar.absorb(&response(&["x=2; path=/"]));
        assert_eq!(jar.header().as_deref(), Some("ASP.NET_SessionId=abc; x=2"));
    }
}
