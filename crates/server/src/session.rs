//! Sessions as the browser sees them: a cookie holding a random id (the database keeps only
//! its hash), HttpOnly and SameSite=Lax always, `Secure` with the `__Host-` prefix whenever
//! visanav is reached over https. Per-form CSRF tokens are derived from the session.

use axum::http::{HeaderMap, HeaderValue, header};
use hmac::{Hmac, Mac};
use jiff::SignedDuration;
use sha2::Sha256;
use visanav_store::{AccountId, NewSession, Session, StoreError, Tx};

/// How sessions behave on this server.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// True when people reach visanav over https (`public_url` is https): the cookie is then
    /// `Secure` and named with the `__Host-` prefix, which browsers only accept from https.
    pub secure: bool,
    /// A session unused this long ends.
    pub idle: SignedDuration,
    /// A session ends this long after it began, used or not.
    pub absolute: SignedDuration,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            secure: false,
            idle: SignedDuration::from_hours(2),
            absolute: SignedDuration::from_hours(12),
        }
    }
}

impl SessionConfig {
    pub fn cookie_name(&self) -> &'static str {
        if self.secure {
            "__Host-visanav"
        } else {
            "visanav"
        }
    }

    /// The `Set-Cookie` value that gives the browser this session id.
    pub fn set_cookie(&self, id: &str) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        let value = format!(
            "{}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            self.cookie_name(),
            self.absolute.as_secs()
        );
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    /// The `Set-Cookie` value that removes the cookie.
    pub fn clear_cookie(&self) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        let value = format!(
            "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
            self.cookie_name()
        );
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    /// The session id the request's cookie holds, if any.
    pub fn cookie_value(&self, headers: &HeaderMap) -> Option<String> {
        self.named_cookie(headers, self.cookie_name())
    }
}

/// A short reference to a session for the audit log: enough to tell sessions apart, useless
/// to take one over.
pub fn session_ref(id_hash: &str) -> String {
    id_hash.chars().take(12).collect()
}

/// A browser family for "my sessions", from the User-Agent: never the full string.
pub fn label(headers: &HeaderMap) -> String {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let family = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .into_iter()
    .find(|(needle, _)| ua.contains(needle))
    .map_or("a browser", |(_, name)| name);
    let os = [
        ("Android", "Android"),
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Windows", "Windows"),
        ("Mac OS", "macOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| format!(" on {name}"))
    .unwrap_or_default();
    format!("{family}{os}")
}

/// Starts a session for the account: a new random id every time (so a session id is never
/// carried across signing in). Returns the id for the cookie.
pub async fn start(
    tx: &mut Tx<'_>,
    config: &SessionConfig,
    account: &AccountId,
    mfa_done: bool,
    label: &str,
    now: jiff::Timestamp,
) -> Result<String, StoreError> {
    let (id, id_hash) = visanav_auth::new_session_id();
    let (csrf_secret, _) = visanav_auth::new_token();
    tx.create_session(
        NewSession {
            id_hash: &id_hash,
            account,
            csrf_secret: csrf_secret.expose(),
            label,
            mfa_done,
        },
        now,
        config.absolute,
    )
    .await?;
    Ok(id.expose().to_string())
}

/// The CSRF token every form of this session carries.
pub fn csrf_token(session: &Session) -> String {
    let mut mac = <Hmac<Sha256>>::new_from_slice(session.csrf_secret().as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(b"visanav form");
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether a form's token is this session's (compared in constant time).
pub fn csrf_ok(session: &Session, sent: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    let expected = csrf_token(session);
    expected.len() == sent.len() && bool::from(expected.as_bytes().ct_eq(sent.as_bytes()))
}

/// Forms shown before there is a session (sign in, sign up, links) carry a token that must
/// match a cookie set with the form ("double submit"): a page on another site cannot read the
/// cookie, so it cannot fill the field, on top of the same-origin check.
pub struct FormToken {
    pub value: String,
    /// The cookie to set when the browser had none yet.
    pub set_cookie: Option<HeaderValue>,
}

impl SessionConfig {
    fn form_cookie_name(&self) -> &'static str {
        if self.secure {
            "__Host-visanav-form"
        } else {
            "visanav-form"
        }
    }

    /// The browser's form token, or a new one (with the cookie that gives it).
    pub fn form_token(&self, headers: &HeaderMap) -> FormToken {
        if let Some(value) = self.named_cookie(headers, self.form_cookie_name()) {
            return FormToken {
                value,
                set_cookie: None,
            };
        }
        let (value, _) = visanav_auth::new_token();
        let secure = if self.secure { "; Secure" } else { "" };
        let cookie = format!(
            "{}={}; Path=/; HttpOnly; SameSite=Strict{secure}",
            self.form_cookie_name(),
            value.expose()
        );
        FormToken {
            value: value.expose().to_string(),
            set_cookie: HeaderValue::from_str(&cookie).ok(),
        }
    }

    /// Whether a form's token matches the browser's cookie (in constant time).
    pub fn form_token_ok(&self, headers: &HeaderMap, sent: &str) -> bool {
        use subtle::ConstantTimeEq as _;
        match self.named_cookie(headers, self.form_cookie_name()) {
            Some(c) => {
                !sent.is_empty()
                    && c.len() == sent.len()
                    && bool::from(c.as_bytes().ct_eq(sent.as_bytes()))
            }
            None => false,
        }
    }

    fn named_cookie(&self, headers: &HeaderMap, name: &str) -> Option<String> {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
            .filter(|v| !v.is_empty())
    }
}

/// Adds the form token's cookie to a response when it is new.
pub fn with_form_cookie(
    mut r: axum::response::Response,
    t: &FormToken,
) -> axum::response::Response {
    if let Some(c) = &t.set_cookie {
        r.headers_mut().append(header::SET_COOKIE, c.clone());
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_host_prefixed_and_secure_over_https() {
        let https = SessionConfig {
            secure: true,
            ..Default::default()
        };
        let c = https.set_cookie("abc");
        let c = c.to_str().expect("ascii");
        assert!(c.starts_with("__Host-visanav=abc; Path=/; HttpOnly; SameSite=Lax"));
        assert!(c.ends_with("; Secure"));
        let http = SessionConfig::default().set_cookie("abc");
        assert!(!http.to_str().expect("ascii").contains("Secure"));
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("other=1; __Host-visanav=xyz"),
        );
        assert_eq!(https.cookie_value(&h).as_deref(), Some("xyz"));
        assert_eq!(SessionConfig::default().cookie_value(&h), None);
    }

    #[test]
    fn labels_name_the_browser_not_the_whole_agent() {
        let mut h = HeaderMap::new();
        h.insert(
            header::USER_AGENT,
            HeaderValue::from_static(
                "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36",
            ),
        );
        assert_eq!(label(&h), "Chrome on Android");
    }
}
