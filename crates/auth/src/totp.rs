//! The TOTP second factor (RFC 6238) that any authenticator app understands.
//!
//! Parameters are the ones every app supports and most support only: HMAC-SHA1, 6 digits,
//! 30-second steps, a 160-bit secret (RFC 4226 section 4 recommends 160 bits; SHA-1's weaknesses
//! do not touch HMAC-SHA1 as a pseudo-random function). The caller stores the secret
//! (encrypted) and the last step that signed in, and passes both back to [`verify_totp`], which
//! refuses a code from that step or an earlier one: a code seen over someone's shoulder cannot
//! be used again within its window.

use std::fmt;

use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use qrcodegen::{QrCode, QrCodeEcc};
use sha1::Sha1;
use subtle::ConstantTimeEq as _;

use crate::random;
use crate::secret::SecretString;

/// Seconds per time step (RFC 6238's default; what apps assume when `period` is absent).
pub const STEP_SECONDS: u64 = 30;
/// Digits in a code.
pub const DIGITS: u32 = 6;
/// Steps of clock difference accepted either side of now: RFC 6238 section 5.2 recommends "at
/// most one time step" of network delay and drift.
pub const DRIFT_STEPS: u64 = 1;
/// Bytes in a secret: 160 bits (RFC 4226 section 4).
pub const SECRET_BYTES: usize = 20;

/// A TOTP shared secret. `Debug` prints `****`.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret([u8; SECRET_BYTES]);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(****)")
    }
}

/// What a TOTP code or secret was refused for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    /// Not six digits (spaces are allowed and ignored).
    #[error("The code should be the 6 digits your authenticator app shows.")]
    Malformed,
    /// Six digits, but not the code for now (or a step either side).
    #[error("That code is not right. Check the time on your phone and type the code shown now.")]
    Wrong,
    /// The code for a step that has already been used to sign in.
    #[error("That code has already been used. Wait for the next one and type it.")]
    Replayed,
    /// A secret that is not base32 or not 160 bits long.
    #[error("The secret is not a valid 32-character base32 key.")]
    BadSecret,
    /// Too much text for a QR code (a very long issuer or account name).
    #[error("The setup link is too long for a QR code.")]
    TooLongForQr,
}

/// What the setup page shows: the QR code, the link it holds, the key for typing by hand.
#[derive(Debug, Clone)]
pub struct TotpSetup {
    /// The `otpauth://` URI (it contains the secret).
    pub uri: SecretString,
    /// The QR code of `uri` as an inline `<svg>` element.
    pub qr_svg: String,
    /// The base32 secret in groups of four, for apps where the camera is not an option.
    pub manual_key: SecretString,
}

impl TotpSecret {
    /// A new random secret.
    pub fn generate() -> TotpSecret {
        TotpSecret(random::bytes::<SECRET_BYTES>())
    }

    /// A secret from its stored bytes.
    pub fn from_bytes(bytes: [u8; SECRET_BYTES]) -> TotpSecret {
        TotpSecret(bytes)
    }

    /// The raw bytes, to store (encrypted).
    pub fn as_bytes(&self) -> &[u8; SECRET_BYTES] {
        &self.0
    }

    /// A secret from base32 (as typed or stored as text); case, spaces and `=` padding ignored.
    pub fn from_base32(text: &str) -> Result<TotpSecret, TotpError> {
        let bytes = base32_decode(text).ok_or(TotpError::BadSecret)?;
        bytes
            .try_into()
            .map(TotpSecret)
            .map_err(|_| TotpError::BadSecret)
    }

    /// The secret in base32 without padding: 32 characters.
    pub fn to_base32(&self) -> SecretString {
        SecretString::new(base32_encode(&self.0))
    }

    /// The base32 secret in groups of four separated by spaces (`ABCD EFGH …`), easier to copy
    /// by hand; apps ignore the spaces.
    pub fn grouped(&self) -> SecretString {
        let plain = base32_encode(&self.0);
        let groups: Vec<&str> = plain
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        SecretString::new(groups.join(" "))
    }

    /// The `otpauth://totp/ISSUER:ACCOUNT?…` URI of Google Authenticator's key URI format
    /// (<https://github.com/google/google-authenticator/wiki/Key-Uri-Format>), with issuer and
    /// account percent-encoded and every parameter spelled out, so no app has to guess.
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> SecretString {
        let issuer = utf8_percent_encode(issuer, URI_COMPONENT);
        let account = utf8_percent_encode(account, URI_COMPONENT);
        SecretString::new(format!(
            "otpauth://totp/{issuer}:{account}?secret={}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
            base32_encode(&self.0)
        ))
    }

    /// Everything the setup page needs. `aria_label` describes the QR code to screen readers
    /// (the words live with the page, not here).
    pub fn setup(
        &self,
        issuer: &str,
        account: &str,
        aria_label: &str,
    ) -> Result<TotpSetup, TotpError> {
        let uri = self.otpauth_uri(issuer, account);
        let qr_svg = qr_svg(uri.expose(), aria_label).ok_or(TotpError::TooLongForQr)?;
        Ok(TotpSetup {
            uri,
            qr_svg,
            manual_key: self.grouped(),
        })
    }
}

/// Characters left as they are in a URI component: RFC 3986 "unreserved".
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The TOTP code for `unix_time` (RFC 6238 with HMAC-SHA1): the HOTP value (RFC 4226) of the
/// step counter `unix_time / step`, as `digits` decimal digits with leading zeros.
pub fn totp(secret: &[u8], unix_time: u64, step: u64, digits: u32) -> String {
    hotp(secret, unix_time / step.max(1), digits)
}

/// RFC 4226 HOTP: HMAC-SHA1 of the big-endian counter, dynamic truncation, modulo 10^digits.
fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha1>>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let value = u64::from(
        u32::from_be_bytes([
            digest[offset],
            digest[offset + 1],
            digest[offset + 2],
            digest[offset + 3],
        ]) & 0x7fff_ffff,
    );
    let value = match 10u64.checked_pow(digits) {
        Some(modulus) => value % modulus,
        None => value,
    };
    format!("{value:0width$}", width = digits as usize)
}

/// Checks a code typed at Unix time `now` against the current step and one step either side.
///
/// Returns the step that matched, which the caller stores as `last_used_step`. A code for a
/// step at or before `last_used_step` is [`TotpError::Replayed`], even if it is otherwise
/// right: each step signs in once. Spaces in the code are ignored (`123 456`). Codes are compared
/// in constant time.
pub fn verify_totp(
    secret: &TotpSecret,
    code: &str,
    now: u64,
    last_used_step: Option<u64>,
) -> Result<u64, TotpError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TotpError::Malformed);
    }
    let current = now / STEP_SECONDS;
    let mut replayed = false;
    // Check every candidate step without stopping early, so timing does not say which matched.
    let mut matched = None;
    for s in current.saturating_sub(DRIFT_STEPS)..=current.saturating_add(DRIFT_STEPS) {
        let expected = hotp(&secret.0, s, DIGITS);
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            if last_used_step.is_some_and(|last| s <= last) {
                replayed = true;
            } else if matched.is_none() {
                matched = Some(s);
            }
        }
    }
    match matched {
        Some(s) => Ok(s),
        None if replayed => Err(TotpError::Replayed),
        None => Err(TotpError::Wrong),
    }
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding (authenticator apps do not need it).
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    for chunk in bytes.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let bits = buf.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..chars {
            let index = (bits >> (35 - 5 * i)) & 0x1f;
            out.push(BASE32[index as usize] as char);
        }
    }
    out
}

/// RFC 4648 base32, case-insensitive, ignoring spaces, hyphens and `=` padding. `None` on any
/// other character or on trailing bits that could not have come from encoding whole bytes.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut bits: u32 = 0;
    let mut count = 0u32;
    for c in text.chars() {
        if c.is_whitespace() || c == '-' || c == '=' {
            continue;
        }
        let c = c.to_ascii_uppercase();
        let value = BASE32.iter().position(|&b| char::from(b) == c)?;
        bits = (bits << 5) | value as u32;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    // Leftover bits are padding: fewer than 5 of them, all zero.
    (count < 5 && bits == 0).then_some(out)
}

/// A QR code of `text` as an inline SVG: black modules on white, a four-module quiet zone (the
/// QR standard's minimum), a `viewBox` so it scales with CSS, `role="img"` and `aria_label`.
/// Error correction level M (15 %), which survives a glare or a smudge on a screen. `None` when
/// the text does not fit in a QR code.
pub fn qr_svg(text: &str, aria_label: &str) -> Option<String> {
    const QUIET: i32 = 4;
    let qr = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let size = qr.size();
    let mut path = String::new();
    for y in 0..size {
        let mut x = 0;
        while x < size {
            if qr.get_module(x, y) {
                let start = x;
                while x < size && qr.get_module(x, y) {
                    x += 1;
                }
                let run = x - start;
                path.push_str(&format!("M{} {}h{run}v1h-{run}z", start + QUIET, y + QUIET));
            } else {
                x += 1;
            }
        }
    }
    let full = size + 2 * QUIET;
    Some(format!(
        concat!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {full} {full}" "#,
            r#"role="img" aria-label="{label}" shape-rendering="crispEdges">"#,
            r##"<rect width="{full}" height="{full}" fill="#fff"/>"##,
            r##"<path d="{path}" fill="#000"/></svg>"##
        ),
        full = full,
        label = escape_attribute(aria_label),
        path = path,
    ))
}

fn escape_attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B: the SHA-1 seed is the ASCII string "12345678901234567890".
    const RFC_SEED: &[u8; 20] = b"12345678901234567890";

    #[test]
    fn rfc6238_appendix_b_sha1_vectors() {
        for (time, expected) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(totp(RFC_SEED, time, 30, 8), expected, "T = {time}");
        }
    }

    #[test]
    fn rfc4226_appendix_d_hotp_vectors() {
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(
                hotp(RFC_SEED, counter as u64, 6),
                *code,
                "counter {counter}"
            );
        }
    }

    #[test]
    fn rfc4648_base32_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32_encode(plain.as_bytes()), encoded);
            assert_eq!(base32_decode(encoded).as_deref(), Some(plain.as_bytes()));
        }
        // With the RFC's padding, lower case, spaces.
        assert_eq!(
            base32_decode("mzxw 6ytb oi======").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(base32_decode("MZXW1"), None, "1 is not base32");
        assert_eq!(base32_decode("MZ"), None, "non-zero leftover bits");
    }

    #[test]
    fn secret_round_trips_through_base32() {
        let secret = TotpSecret::generate();
        let text = secret.to_base32();
        assert_eq!(text.expose().len(), 32);
        assert_eq!(TotpSecret::from_base32(text.expose()), Ok(secret.clone()));
        assert_eq!(
            TotpSecret::from_base32(secret.grouped().expose()),
            Ok(secret)
        );
        assert_eq!(
            TotpSecret::from_base32("MZXW6YTBOI"),
            Err(TotpError::BadSecret)
        );
        assert_eq!(
            TotpSecret::from_base32("not base32!"),
            Err(TotpError::BadSecret)
        );
    }

    #[test]
    fn grouped_in_fours() {
        let secret = TotpSecret::from_bytes(*RFC_SEED);
        assert_eq!(
            secret.grouped().expose(),
            "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ"
        );
    }

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(*RFC_SEED)
    }

    #[test]
    fn accepts_the_current_step_and_one_either_side() {
        let secret = rfc_secret();
        let now: u64 = 1_111_111_111; // step 37037037
        let step = now / 30;
        for (offset, expect) in [(-1i64, true), (0, true), (1, true), (-2, false), (2, false)] {
            let s = step.checked_add_signed(offset).expect("step");
            let code = hotp(RFC_SEED, s, 6);
            let result = verify_totp(&secret, &code, now, None);
            if expect {
                assert_eq!(result, Ok(s), "offset {offset}");
            } else {
                assert_eq!(result, Err(TotpError::Wrong), "offset {offset}");
            }
        }
    }

    #[test]
    fn a_used_step_is_refused_as_a_replay() {
        let secret = rfc_secret();
        let now = 1_234_567_890;
        let code = totp(RFC_SEED, now, 30, 6);
        let step = verify_totp(&secret, &code, now, None).expect("first use");
        assert_eq!(
            verify_totp(&secret, &code, now, Some(step)),
            Err(TotpError::Replayed)
        );
        // Still refused ten seconds later, within the same window.
        assert_eq!(
            verify_totp(&secret, &code, now + 10, Some(step)),
            Err(TotpError::Replayed)
        );
        // The previous step's code after a later step signed in: also a replay.
        let earlier = hotp(RFC_SEED, step - 1, 6);
        assert_eq!(
            verify_totp(&secret, &earlier, now, Some(step)),
            Err(TotpError::Replayed)
        );
        // The next step's code is fine.
        let next = totp(RFC_SEED, now + 30, 30, 6);
        assert_eq!(
            verify_totp(&secret, &next, now + 30, Some(step)),
            Ok(step + 1)
        );
    }

    #[test]
    fn malformed_codes() {
        let secret = rfc_secret();
        for code in ["", "12345", "1234567", "12a456", "１２３４５６"] {
            assert_eq!(
                verify_totp(&secret, code, 59, None),
                Err(TotpError::Malformed),
                "{code}"
            );
        }
        let code = totp(RFC_SEED, 59, 30, 6);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(verify_totp(&secret, &spaced, 59, None), Ok(1));
    }

    #[test]
    fn otpauth_uri_is_complete_and_encoded() {
        let secret = rfc_secret();
        let uri = secret.otpauth_uri("visanav (Smith & Co)", "maria+k1@example.com");
        assert_eq!(
            uri.expose(),
            "otpauth://totp/visanav%20%28Smith%20%26%20Co%29:maria%2Bk1%40example.com\
             ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=visanav%20%28Smith%20%26%20Co%29\
             &algorithm=SHA1&digits=6&period=30"
        );
        assert!(!format!("{uri:?}").contains("GEZD"));
    }

    /// Checked once by hand with real readers (2026-11-30): this setup's SVG, rasterised with
    /// `rsvg-convert -w 400` and read by `zbarimg --raw`, gives back exactly the URI.
    #[test]
    fn qr_svg_is_a_labelled_scalable_image() {
        let setup = rfc_secret()
            .setup(
                "visanav",
                "maria@example.com",
                "QR code \"for\" <setup> & more",
            )
            .expect("fits");
        let svg = &setup.qr_svg;
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "));
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"aria-label="QR code &quot;for&quot; &lt;setup&gt; &amp; more""#));
        assert!(svg.contains(r##"fill="#fff""##) && svg.contains(r##"fill="#000""##));
        assert!(svg.ends_with("</svg>"));
        // Version 6 or so (41 modules) plus 8 of quiet zone.
        let qr = QrCode::encode_text(setup.uri.expose(), QrCodeEcc::Medium).expect("qr");
        let full = qr.size() + 8;
        assert!(svg.contains(&format!("viewBox=\"0 0 {full} {full}\"")));
        // The top-left finder pattern starts at the quiet zone's edge: a run of 7 at (4, 4).
        assert!(svg.contains("M4 4h7v1h-7z"), "{svg}");
        assert!(!svg.contains("GEZD"), "the secret is only in the picture");
    }

    #[test]
    fn debug_hides_the_secret() {
        assert_eq!(format!("{:?}", rfc_secret()), "TotpSecret(****)");
    }
}
