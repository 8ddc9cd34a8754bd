//! Single-use link tokens (email verification, password reset, invitations) and session ids.
//!
//! The user holds the token; the database holds only its SHA-256. A copy of the database (a
//! backup, a leaked dump) then cannot be used to sign in or to follow a link. A fast hash is
//! enough because the token is 256 random bits: there is nothing to guess, so slowing the hash
//! down (as for passwords) would add cost and no safety. Looking a row up by the hash also means
//! no secret is compared byte by byte in application code, so there is no timing to leak.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::random;
use crate::secret::SecretString;

/// Bytes of randomness in a token or session id: 256 bits, far beyond guessing.
pub const TOKEN_BYTES: usize = 32;

/// A new token: what goes into the link (43 characters of URL-safe base64 without padding) and
/// the hash to store (64 lowercase hex digits, see [`hash_token`]).
pub fn new_token() -> (SecretString, String) {
    let token = URL_SAFE_NO_PAD.encode(random::bytes::<TOKEN_BYTES>());
    let hash = hash_token(&token);
    (SecretString::new(token), hash)
}

/// A new session id: the cookie value and the hash to store. The same construction as
/// [`new_token`], named apart so the two uses can diverge without touching callers.
pub fn new_session_id() -> (SecretString, String) {
    new_token()
}

/// What every API token starts with, so a token pasted where it should not be (a log, a
/// repository) is recognisable to people and to secret scanners.
pub const API_TOKEN_PREFIX: &str = "visanav_";

/// A new personal access token for the API: `visanav_` and 43 characters of URL-safe base64
/// (256 random bits), and the hash to store ([`hash_token`] of the whole token).
pub fn new_api_token() -> (SecretString, String) {
    let (random, _) = new_token();
    let token = format!("{API_TOKEN_PREFIX}{}", random.expose());
    let hash = hash_token(&token);
    (SecretString::new(token), hash)
}

/// The SHA-256 of a token (or session id) as lowercase hex: the form stored and looked up.
pub fn hash_token(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Lowercase hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shape_and_hash_match() {
        let (token, hash) = new_token();
        assert_eq!(token.expose().len(), 43);
        assert!(
            token
                .expose()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(
            URL_SAFE_NO_PAD.decode(token.expose()).map(|b| b.len()),
            Ok(32)
        );
        assert_eq!(hash, hash_token(token.expose()));
        assert_eq!(hash.len(), 64);
    }

    #[test]
    fn tokens_are_unique() {
        let (a, ha) = new_token();
        let (b, hb) = new_session_id();
        assert_ne!(a, b);
        assert_ne!(ha, hb);
    }

    #[test]
    fn api_tokens_are_prefixed_and_hashed_whole() {
        let (token, hash) = new_api_token();
        let t = token.expose();
        assert!(t.starts_with(API_TOKEN_PREFIX));
        assert_eq!(t.len(), API_TOKEN_PREFIX.len() + 43);
        assert_eq!(hash, hash_token(t));
        assert_ne!(new_api_token().1, hash);
    }

    #[test]
    fn hash_is_sha256_hex() {
        // FIPS 180-2 known answer: SHA-256("abc").
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn debug_of_a_token_hides_it() {
        let (token, _) = new_token();
        assert!(!format!("{token:?}").contains(token.expose()));
    }
}
