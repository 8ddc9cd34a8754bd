//! The ways ceac.state.gov fails, as the peers report them (reference §1.3, §1.8): the
//! Cloudflare block page, the Cloudflare challenge interstitial, IIS's 503, and damaged
//! answers.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::super::random;

/// A Cloudflare ray id as the `cf-ray` header carries it: 16 hex digits and the data centre.
pub fn ray_id() -> String {
    format!("{}-IAD", random::hex(16))
}

/// Headers every answer from the site carries: it sits behind Cloudflare (a client must not
/// take `server: cloudflare` alone for a block; the block is the 403 with the block page).
pub fn cloudflare_headers(response: &mut Response) {
    let h = response.headers_mut();
    h.insert(header::SERVER, HeaderValue::from_static("cloudflare"));
    if let Ok(ray) = HeaderValue::from_str(&ray_id()) {
        h.insert("cf-ray", ray);
    }
}

fn html(status: StatusCode, body: String) -> Response {
    let mut r = (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        body,
    )
        .into_response();
    cloudflare_headers(&mut r);
    r
}

/// Cloudflare's "Sorry, you have been blocked" page (403), as in
/// `crates/core/tests/fixtures/ceac/cloudflare-block.html`.
pub fn blocked() -> Response {
    let ray = random::hex(16);
    let body = format!(
        "<!DOCTYPE html>\n<!--[if lt IE 7]> <html class=\"no-js ie6 oldie\" lang=\"en-US\"> <![endif]-->\n\
         <!--[if gt IE 8]><!--> <html class=\"no-js\" lang=\"en-US\"> <!--<![endif]-->\n<head>\n\
         <title>Attention Required! | Cloudflare</title>\n<meta charset=\"UTF-8\" />\n\
         <meta name=\"robots\" content=\"noindex, nofollow\" />\n</head>\n<body>\n\
         <div id=\"cf-wrapper\">\n<div id=\"cf-error-details\" class=\"cf-error-details-wrapper\">\n\
         <div class=\"cf-wrapper cf-header cf-error-overview\">\n\
         <h1 data-translate=\"block_headline\">Sorry, you have been blocked</h1>\n\
         <h2 class=\"cf-subheadline\"><span data-translate=\"unable_to_access\">You are unable to access</span> ceac.state.gov</h2>\n\
         </div>\n<div class=\"cf-section cf-wrapper\">\n\
         <h2 data-translate=\"blocked_why_headline\">Why have I been blocked?</h2>\n\
         <p data-translate=\"blocked_why_detail\">This website is using a security service to protect itself from online attacks. The action you just performed triggered the security solution.</p>\n\
         </div>\n<div class=\"cf-error-footer cf-wrapper\">\n\
         <p><span class=\"cf-footer-item\">Cloudflare Ray ID: <strong class=\"font-semibold\">{ray}</strong></span></p>\n\
         </div>\n</div>\n</div>\n</body>\n</html>\n"
    );
    let mut r = html(StatusCode::FORBIDDEN, body);
    if let Ok(v) = HeaderValue::from_str(&format!("{ray}-IAD")) {
        r.headers_mut().insert("cf-ray", v);
    }
    r
}

/// Cloudflare's managed challenge ("Just a moment…", "Performing security verification"):
/// a 403 with `cf-mitigated: challenge` that only a real browser gets past.
pub fn challenge() -> Response {
    let body = "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title>\
        <meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\">\
        <meta name=\"robots\" content=\"noindex,nofollow\"></head><body>\
        <div class=\"main-wrapper\" role=\"main\"><div class=\"main-content\">\
        <h1 class=\"zone-name-title h1\">ceac.state.gov</h1>\
        <h2 class=\"h2\" id=\"challenge-running\">Performing security verification</h2>\
        <p>This website uses a security service to protect against malicious bots. This page is \
        displayed while the website verifies you are not a bot.</p>\
        <noscript><div class=\"h2\">Enable JavaScript and cookies to continue</div></noscript>\
        </div></div></body></html>\n"
        .to_string();
    let mut r = html(StatusCode::FORBIDDEN, body);
    r.headers_mut()
        .insert("cf-mitigated", HeaderValue::from_static("challenge"));
    r
}

/// IIS's own 503 (HTTP.sys, when the application pool is down).
pub fn unavailable() -> Response {
    let body = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"\"http://www.w3.org/TR/html4/strict.dtd\">\r\n\
        <HTML><HEAD><TITLE>Service Unavailable</TITLE>\r\n\
        <META HTTP-EQUIV=\"Content-Type\" Content=\"text/html; charset=us-ascii\"></HEAD>\r\n\
        <BODY><h2>Service Unavailable</h2>\r\n<hr><p>HTTP Error 503. The service is unavailable.</p>\r\n\
        </BODY></HTML>\r\n"
        .to_string();
    html(StatusCode::SERVICE_UNAVAILABLE, body)
}

/// Damages the answer to a submit, in turn (by `nth`): cut short before the status, with
/// nonsense dates, or replaced by binary noise. None of them may read as a result.
pub fn garble(body: &str, nth: u64) -> Vec<u8> {
    match nth % 3 {
        0 => cut_before_status(body).into_bytes(),
        1 => nonsense_dates(body).into_bytes(),
        _ => random::bytes(600)
            .into_iter()
            // No `<`: noise must not look like markup by chance.
            .map(|b| if b == b'<' { b'?' } else { b })
            .collect(),
    }
}

/// The body cut in the middle of the status span's opening tag (or at half length when the
/// answer has no status span), as a connection dropped mid-transfer leaves it.
fn cut_before_status(body: &str) -> String {
    let at = body
        .find("ucApplicationStatusView_lblStatus\"")
        .unwrap_or(body.len() / 2);
    body[..floor_char_boundary(body, at)].to_string()
}

fn floor_char_boundary(s: &str, mut at: usize) -> usize {
    while at > 0 && !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The dates of the result panel replaced with ones CEAC never writes.
fn nonsense_dates(body: &str) -> String {
    let mut out = body.to_string();
    for id in ["lblSubmitDate\">", "lblStatusDate\">"] {
        if let Some(start) = out.find(id).map(|i| i + id.len())
            && let Some(len) = out[start..].find('<')
        {
            out.replace_range(start..start + len, "3?-Zzz-2O2x");
        }
    }
    if out == body {
        // No result panel to damage: cut it instead.
        return cut_before_status(body);
    }
    out
}
