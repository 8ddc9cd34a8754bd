//! Password hashing with Argon2id, stored as a PHC string.
//!
//! Parameters follow the OWASP Password Storage Cheat Sheet
//! (<https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html>, section
//! "Argon2id", as read 2026-11-30): "a minimum configuration of 19 MiB of memory, an iteration
//! count of 2, and 1 degree of parallelism" (m=19456 KiB, t=2, p=1). The sheet lists equivalent
//! trade-offs (46 MiB/t=1, 12 MiB/t=3, 9 MiB/t=4, 7 MiB/t=5); we take the 19 MiB one because a
//! sign-in then costs tens of milliseconds on a two-core server (see `docs/benchmarks.md`) while
//! a GPU attacker pays 19 MiB per guess.
//!
//! The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) records its own parameters, so
//! older hashes keep verifying after the parameters rise, and [`needs_rehash`] tells the caller
//! to store a fresh hash at the next successful sign-in.
//!
//! Passwords are normalised to Unicode NFKC before hashing, as NIST SP 800-63B rev. 4
//! (section 3.1.1.2) recommends, so the same password typed on two keyboards (a precomposed "é"
//! or "e" plus a combining accent) verifies. This normalisation is part of the stored format:
//! changing it would lock people out.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use unicode_normalization::UnicodeNormalization as _;

/// Memory cost in KiB: 19 MiB (OWASP Password Storage Cheat Sheet).
pub const MEMORY_KIB: u32 = 19 * 1024;
/// Iterations (OWASP Password Storage Cheat Sheet, with 19 MiB).
pub const ITERATIONS: u32 = 2;
/// Lanes (OWASP Password Storage Cheat Sheet: 1 degree of parallelism).
pub const PARALLELISM: u32 = 1;
/// Length of the derived hash in bytes (the argon2 crate's default, 256 bits).
pub const OUTPUT_BYTES: usize = 32;

/// Inputs longer than this many bytes are refused by [`verify_password`] without hashing: four
/// bytes for each of the policy's 256 characters. Argon2 pre-hashes its input, so length barely
/// changes its cost, but nobody has a longer password and there is no reason to hash megabytes.
pub const MAX_VERIFY_BYTES: usize = 4 * crate::policy::MAX_CHARS;

/// Hashing failed; with fixed, valid parameters this means memory could not be had.
#[derive(Debug, thiserror::Error)]
#[error("the password could not be hashed: {0}")]
pub struct PasswordHashError(String);

fn hasher() -> Argon2<'static> {
    // The constants are valid Argon2 parameters; `Params::new` only refuses out-of-range ones.
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, Some(OUTPUT_BYTES))
        .expect("the OWASP parameters are valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn normalise(password: &str) -> String {
    password.nfkc().collect()
}

/// Hashes a password with Argon2id at today's parameters and a fresh 128-bit random salt,
/// returning the PHC string to store.
///
/// Check the password against [`crate::PasswordPolicy`] first: this function hashes anything.
pub fn hash_password(password: &str) -> Result<String, PasswordHashError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(normalise(password).as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| PasswordHashError(e.to_string()))
}

/// Whether `password` matches the stored PHC string `stored`.
///
/// The comparison of the derived hashes is constant-time (the `password-hash` crate compares
/// with `subtle`). The parameters come from the stored string, so hashes made with older
/// parameters still verify. A stored string that does not parse, or an over-long input, is
/// `false`, never a panic.
pub fn verify_password(password: &str, stored: &str) -> bool {
    if password.len() > MAX_VERIFY_BYTES {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    if parsed.algorithm != Algorithm::Argon2id.ident() {
        return false;
    }
    Argon2::default()
        .verify_password(normalise(password).as_bytes(), &parsed)
        .is_ok()
}

/// Whether a stored hash was made with weaker settings than today's (another Argon2 variant or
/// version, less memory, fewer iterations, a shorter output), so the caller should re-hash the
/// password it has just verified and store the new string. An unreadable string also answers
/// `true`: whatever it is, it is not what we would write today.
pub fn needs_rehash(stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return true;
    };
    if parsed.algorithm != Algorithm::Argon2id.ident() || parsed.version != Some(0x13) {
        return true;
    }
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    let output_len = parsed.hash.map_or(0, |h| h.len());
    params.m_cost() < MEMORY_KIB || params.t_cost() < ITERATIONS || output_len < OUTPUT_BYTES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let stored = hash_password("correct horse battery staple").expect("hash");
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(verify_password("correct horse battery staple", &stored));
        assert!(!verify_password("correct horse battery stapl", &stored));
        assert!(!verify_password("", &stored));
        assert!(!needs_rehash(&stored));
    }

    #[test]
    fn salts_differ() {
        let a = hash_password("same password here").expect("hash");
        let b = hash_password("same password here").expect("hash");
        assert_ne!(a, b);
    }

    #[test]
    fn verifies_a_hash_made_by_the_reference_implementation() {
        // Made by the reference C implementation (phc-winner-argon2, Debian package `argon2`):
        // `echo -n password | argon2 somesaltsomesalt -id -t 2 -k 19456 -p 1 -l 32 -e`
        let reference = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$K13EBUiG7JV+9ZxztmHFTdb7J0WQsnj2V8bZaqyPptE";
        assert!(verify_password("password", reference));
        assert!(!verify_password("Password", reference));
        assert!(!needs_rehash(reference));
    }

    #[test]
    fn an_older_weaker_hash_still_verifies_and_asks_to_be_replaced() {
        // The parameters come from the stored string, so raising ours locks nobody out.
        // `echo -n password | argon2 somesaltsomesalt -id -t 3 -k 4096 -p 1 -l 32 -e`
        let old = "$argon2id$v=19$m=4096,t=3,p=1$c29tZXNhbHRzb21lc2FsdA$BvuA7SfebsIC3f4gSy7/Ei1s6+hsEfaOuCZMbl/y/Sg";
        assert!(verify_password("password", old));
        assert!(needs_rehash(old));
    }

    #[test]
    fn unicode_forms_verify_alike() {
        // "é" precomposed (U+00E9) and decomposed (e + U+0301) are one password after NFKC.
        let stored = hash_password("caf\u{e9} au lait, s'il vous pla\u{ee}t").expect("hash");
        assert!(verify_password(
            "cafe\u{301} au lait, s'il vous plai\u{302}t",
            &stored
        ));
    }

    #[test]
    fn garbage_and_other_algorithms_do_not_verify() {
        assert!(!verify_password("x", ""));
        assert!(!verify_password("x", "not a hash"));
        // An argon2i hash (wrong variant) is refused even if the password were right.
        assert!(!verify_password(
            "password",
            "$argon2i$v=19$m=16,t=2,p=1$c29tZXNhbHQ$L3pF8NrXw7c7SJQ3NnQnCw"
        ));
        assert!(!verify_password(
            &"a".repeat(MAX_VERIFY_BYTES + 1),
            "$argon2id$"
        ));
    }

    #[test]
    fn weaker_parameters_need_rehash() {
        // Older or weaker settings, each written as a real PHC string.
        let weak_memory =
            "$argon2id$v=19$m=4096,t=3,p=1$c29tZXNhbHQ$qLml5cbqFAO6YxVHhrSBHP0UWdxrIxkNcM8aMX3blzU";
        let weak_time = "$argon2id$v=19$m=19456,t=1,p=1$c29tZXNhbHQ$qLml5cbqFAO6YxVHhrSBHP0UWdxrIxkNcM8aMX3blzU";
        let old_version = "$argon2id$v=16$m=19456,t=2,p=1$c29tZXNhbHQ$qLml5cbqFAO6YxVHhrSBHP0UWdxrIxkNcM8aMX3blzU";
        let argon2i =
            "$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$qLml5cbqFAO6YxVHhrSBHP0UWdxrIxkNcM8aMX3blzU";
        let stronger = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$qLml5cbqFAO6YxVHhrSBHP0UWdxrIxkNcM8aMX3blzU";
        assert!(needs_rehash(weak_memory));
        assert!(needs_rehash(weak_time));
        assert!(needs_rehash(old_version));
        assert!(needs_rehash(argon2i));
        assert!(needs_rehash("$2b$12$abcdefghijklmnopqrstuv"));
        assert!(needs_rehash(""));
        assert!(!needs_rehash(stronger));
    }
}
