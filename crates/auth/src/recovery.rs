//! Single-use recovery codes for when the authenticator app is lost.
//!
//! Ten codes of 16 characters from Crockford's base32 alphabet (digits and lower-case letters
//! without i, l, o and u), shown as `xxxx-xxxx-xxxx-xxxx`: 80 random bits each. Reading them
//! back forgives what people get wrong when copying from paper: case, spaces and hyphens, and
//! `o`/`i`/`l` typed for `0`/`1`.
//!
//! The database keeps only each code's SHA-256, and using a code deletes its row. A fast hash is
//! enough here, unlike for passwords: Argon2 exists to slow down guessing of secrets that people
//! choose, which come from a small space. These codes are chosen by the machine from 2^80
//! possibilities; even at a trillion SHA-256 guesses a second, finding one code from a stolen
//! database would take more than 19,000 years on average, and online guessing is throttled by
//! the sign-in limits. Hashing them with Argon2 would make each sign-in with a code (which
//! must try the stored codes) slower for no gain.

use sha2::{Digest, Sha256};

use crate::random;
use crate::secret::SecretString;
use crate::token::hex;

/// How many codes a person gets at once.
pub const CODE_COUNT: usize = 10;
/// Characters in a code, without hyphens: 16 × 5 bits = 80 bits.
pub const CODE_CHARS: usize = 16;
/// Crockford's base32 alphabet, lower case: no i, l, o or u to misread.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A fresh set of recovery codes: the codes to show once, and the hashes to store.
#[derive(Debug, Clone)]
pub struct RecoveryCodes {
    /// The codes as shown to the person (`xxxx-xxxx-xxxx-xxxx`), in the order of `hashes`.
    pub codes: Vec<SecretString>,
    /// SHA-256 of each normalised code, lowercase hex: what the database keeps.
    pub hashes: Vec<String>,
}

impl RecoveryCodes {
    /// Ten new codes.
    pub fn generate() -> RecoveryCodes {
        let codes: Vec<SecretString> = (0..CODE_COUNT).map(|_| new_code()).collect();
        let hashes = codes
            .iter()
            .map(|c| hash_normalised(&normalize_recovery_code(c.expose()).unwrap_or_default()))
            .collect();
        RecoveryCodes { codes, hashes }
    }
}

fn new_code() -> SecretString {
    // 80 bits: ten random bytes read as sixteen 5-bit groups, so every character is uniform.
    let bytes = random::bytes::<10>();
    let bits = bytes
        .iter()
        .fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
    let mut code = String::with_capacity(CODE_CHARS + 3);
    for i in 0..CODE_CHARS {
        if i > 0 && i % 4 == 0 {
            code.push('-');
        }
        let index = (bits >> (75 - 5 * i)) & 0x1f;
        code.push(char::from(ALPHABET[index as usize]));
    }
    SecretString::new(code)
}

/// The canonical form of a code as typed: lower case, spaces and hyphens removed, `o` read as
/// `0` and `i`/`l` as `1`. `None` if what is left is not 16 characters of the alphabet, so the
/// caller can say "that is not a recovery code" without a database lookup.
pub fn normalize_recovery_code(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(CODE_CHARS);
    for c in typed.chars() {
        let c = match c.to_ascii_lowercase() {
            ' ' | '-' | '\t' => continue,
            'o' => '0',
            'i' | 'l' => '1',
            c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
            _ => return None,
        };
        out.push(c);
    }
    (out.len() == CODE_CHARS).then_some(out)
}

/// The hash to look a typed code up by, or `None` if it is not a well-formed code.
pub fn hash_recovery_code(typed: &str) -> Option<String> {
    normalize_recovery_code(typed).map(|c| hash_normalised(&c))
}

fn hash_normalised(code: &str) -> String {
    hex(&Sha256::digest(code.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ten_distinct_codes_in_groups_of_four() {
        let set = RecoveryCodes::generate();
        assert_eq!(set.codes.len(), 10);
        assert_eq!(set.hashes.len(), 10);
        let unique: HashSet<&str> = set.codes.iter().map(|c| c.expose()).collect();
        assert_eq!(unique.len(), 10);
        for code in &set.codes {
            let code = code.expose();
            assert_eq!(code.len(), 19, "{code}");
            let groups: Vec<&str> = code.split('-').collect();
            assert_eq!(groups.len(), 4);
            assert!(groups.iter().all(|g| g.len() == 4));
            assert!(!code.contains(['i', 'l', 'o', 'u']));
        }
    }

    #[test]
    fn hashes_match_what_is_typed_back() {
        let set = RecoveryCodes::generate();
        for (code, hash) in set.codes.iter().zip(&set.hashes) {
            let code = code.expose();
            assert_eq!(hash_recovery_code(code).as_ref(), Some(hash));
            let sloppy = format!(" {} ", code.to_uppercase().replace('-', " "));
            assert_eq!(hash_recovery_code(&sloppy).as_ref(), Some(hash));
        }
    }

    #[test]
    fn normaliser_forgives_lookalikes_and_refuses_non_codes() {
        assert_eq!(
            normalize_recovery_code("O1IL-abcd-EFGH-jkmn").as_deref(),
            Some("0111abcdefghjkmn")
        );
        assert_eq!(normalize_recovery_code("abcd-efgh-jkmn"), None, "too short");
        assert_eq!(
            normalize_recovery_code("abcd-efgh-jkmn-pqrs-t"),
            None,
            "too long"
        );
        assert_eq!(normalize_recovery_code("abcd-efgh-jkmn-pqr!"), None);
        assert_eq!(
            normalize_recovery_code("abcd-efgh-jkmn-pqru"),
            None,
            "u is not used"
        );
        assert_eq!(hash_recovery_code("123456"), None);
    }

    #[test]
    fn debug_hides_the_codes() {
        let set = RecoveryCodes::generate();
        let shown = format!("{set:?}");
        assert!(set.codes.iter().all(|c| !shown.contains(c.expose())));
    }
}
