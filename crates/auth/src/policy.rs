//! Which passwords may be chosen, with a reason a person can act on when one may not.
//!
//! The rules follow NIST SP 800-63B revision 4 (August 2025), section 3.1.1.2 "Password
//! Verifiers" (<https://pages.nist.gov/800-63-4/sp800-63b.html>):
//!
//! - **Length at least 15** characters: "Verifiers and CSPs SHALL require passwords that are used
//!   as a single-factor authentication mechanism to be a minimum of 15 characters in length."
//!   A second factor would allow 8, but applicants may sign in with a password alone (their
//!   second factor is optional) and an attorney chooses a password before setting up TOTP, so
//!   the stricter single-factor minimum applies to everyone.
//! - **At most 256** characters: the standard asks to permit at least 64; the cap only bounds
//!   the work (normalising, hashing) a single request can cause.
//! - Length counts Unicode code points after NFKC normalisation ("each Unicode code point SHALL
//!   be counted as a single character").
//! - **No composition rules** (no "one digit, one symbol"): the standard forbids them.
//! - **A blocklist** of commonly used and breached passwords, and of context-specific words such
//!   as the service name and the person's email and name: the standard requires both.
//!
//! The blocklist is embedded (`data/common-passwords.txt`, its source and licence in
//! `data/common-passwords.SOURCE.md`): a password is refused when, lower-cased, it is on the list,
//! or is a listed password with only digits or punctuation around it (`password1234567`), or
//! repeats or counts through a few characters (`aaaaaaaaaaaaaaa`, `abcdefghijklmnop`).

use std::collections::HashSet;
use std::fmt;
use std::sync::LazyLock;

use unicode_normalization::UnicodeNormalization as _;

/// The minimum length for a password used alone (NIST SP 800-63B rev. 4, 3.1.1.2).
pub const MIN_CHARS: usize = 15;
/// The longest password accepted; it bounds the cost of a request, see the module comment.
pub const MAX_CHARS: usize = 256;

/// Words that identify this service, refused inside a password as NIST asks.
const SERVICE_WORDS: &[&str] = &["visanav"];

/// Context words shorter than this are ignored: "Jo" or "li" would refuse half the language.
const MIN_CONTEXT_WORD: usize = 4;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .filter(|l| !l.is_empty())
        .collect()
});

/// Why a password may not be chosen. `Display` says it in plain words, with what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordProblem {
    /// Fewer characters than the minimum.
    TooShort { min: usize, actual: usize },
    /// More characters than the maximum.
    TooLong { max: usize },
    /// On the list of common and breached passwords, or a listed one with digits or symbols
    /// added around it.
    Common,
    /// Repeats or counts through a few characters.
    Predictable,
    /// Contains the person's email address or name, or this service's name.
    ContainsPersonalInfo,
}

impl fmt::Display for PasswordProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PasswordProblem::TooShort { min, actual } => write!(
                f,
                "This password has {actual} characters; it needs at least {min}. \
                 A few ordinary words in a row make a long password that is easy to remember."
            ),
            PasswordProblem::TooLong { max } => {
                write!(
                    f,
                    "This password is longer than {max} characters; please choose a shorter one."
                )
            }
            PasswordProblem::Common => f.write_str(
                "This password is one of the most common ones, or has appeared in data breaches, \
                 so attackers try it first. Please choose another.",
            ),
            PasswordProblem::Predictable => f.write_str(
                "This password repeats or counts through the same few characters, which makes it \
                 easy to guess. Please choose another.",
            ),
            PasswordProblem::ContainsPersonalInfo => f.write_str(
                "This password contains your email address, your name or the name of this site, \
                 which are the first things an attacker tries. Please choose another.",
            ),
        }
    }
}

impl std::error::Error for PasswordProblem {}

/// The rules a new password must meet. [`PasswordPolicy::default`] is the policy to use; the
/// fields are public so a test or a future setting can name other limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Minimum length in characters (code points after NFKC).
    pub min_chars: usize,
    /// Maximum length in characters.
    pub max_chars: usize,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_chars: MIN_CHARS,
            max_chars: MAX_CHARS,
        }
    }
}

impl PasswordPolicy {
    /// Checks a new password. `context` holds what identifies the person (their email address,
    /// their name); the password may not contain any of it. The first problem found is
    /// returned, in the order of the enum: length first, since the other rules need a candidate
    /// worth checking.
    pub fn check(&self, password: &str, context: &[&str]) -> Result<(), PasswordProblem> {
        let normalised: String = password.nfkc().collect();
        let chars = normalised.chars().count();
        if chars < self.min_chars {
            return Err(PasswordProblem::TooShort {
                min: self.min_chars,
                actual: chars,
            });
        }
        if chars > self.max_chars {
            return Err(PasswordProblem::TooLong {
                max: self.max_chars,
            });
        }
        let lower = normalised.to_lowercase();
        if is_common(&lower) {
            return Err(PasswordProblem::Common);
        }
        if is_predictable(&lower) {
            return Err(PasswordProblem::Predictable);
        }
        if contains_context(&lower, context) {
            return Err(PasswordProblem::ContainsPersonalInfo);
        }
        Ok(())
    }
}

/// On the list, or a listed password with only digits, punctuation and spaces around it.
fn is_common(lower: &str) -> bool {
    if COMMON.contains(lower) {
        return true;
    }
    let core = lower.trim_matches(|c: char| !c.is_alphabetic());
    core.len() != lower.len() && COMMON.contains(core)
}

/// Three or fewer distinct characters, a short unit repeated, or a run counting up or down
/// (`123456789012345` counts as one run: 9 wraps to 0).
fn is_predictable(lower: &str) -> bool {
    let chars: Vec<char> = lower.chars().collect();
    let distinct: HashSet<char> = chars.iter().copied().collect();
    if distinct.len() <= 3 {
        return true;
    }
    let n = chars.len();
    let repeats = (1..=n / 2)
        .any(|unit| n.is_multiple_of(unit) && chars.chunks(unit).all(|c| c == &chars[..unit]));
    if repeats {
        return true;
    }
    let first = step(chars[0], chars[1]);
    (first == 1 || first == -1) && chars.windows(2).all(|w| step(w[0], w[1]) == first)
}

/// How far `b` is from `a`; digits wrap around, so 9 → 0 is +1 and 0 → 9 is −1.
fn step(a: char, b: char) -> i64 {
    match (a.to_digit(10), b.to_digit(10)) {
        (Some(a), Some(b)) => match (i64::from(b) - i64::from(a)).rem_euclid(10) {
            1 => 1,
            9 => -1,
            _ => 0,
        },
        _ => i64::from(u32::from(b)) - i64::from(u32::from(a)),
    }
}

/// Contains the service's name, or any context value or one of its words (an email's local
/// part, each part of a name) of at least four characters.
fn contains_context(lower: &str, context: &[&str]) -> bool {
    let mut words: Vec<String> = SERVICE_WORDS.iter().map(|w| w.to_string()).collect();
    for value in context {
        let value = value.nfkc().collect::<String>().to_lowercase();
        let value = value.trim();
        let local = value.split('@').next().unwrap_or(value);
        words.push(value.to_string());
        words.push(local.to_string());
        words.extend(
            local
                .split(|c: char| !c.is_alphanumeric())
                .map(str::to_string),
        );
    }
    words
        .iter()
        .filter(|w| w.chars().count() >= MIN_CONTEXT_WORD)
        .any(|w| lower.contains(w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(password: &str) -> Result<(), PasswordProblem> {
        PasswordPolicy::default().check(password, &["maria.garcia@example.com", "Maria Garcia"])
    }

    #[test]
    fn a_long_unusual_passphrase_passes() {
        assert_eq!(check("tulip orbit canal measure"), Ok(()));
        assert_eq!(check("Kettle-Harbour-Quince-71"), Ok(()));
    }

    #[test]
    fn length_is_counted_in_characters_after_normalisation() {
        assert_eq!(
            check("short one"),
            Err(PasswordProblem::TooShort { min: 15, actual: 9 })
        );
        // Fourteen characters: one short of the single-factor minimum.
        assert_eq!(
            check("fourteen chars"),
            Err(PasswordProblem::TooShort {
                min: 15,
                actual: 14
            })
        );
        // Fifteen code points, thirty bytes: passes on characters, not bytes.
        assert_eq!(check("ЖёлтыйКотикБегЗ"), Ok(()));
        assert_eq!(
            check(&"q7".repeat(129)),
            Err(PasswordProblem::TooLong { max: 256 })
        );
    }

    #[test]
    fn common_and_breached_passwords_are_refused_case_insensitively() {
        assert_eq!(check("1qaz2wsx3edc4rfv"), Err(PasswordProblem::Common));
        assert_eq!(check("PasswordPassword"), Err(PasswordProblem::Common));
        assert_eq!(check("qwerty123456789"), Err(PasswordProblem::Common));
        // A listed password with digits or symbols around it.
        assert_eq!(check("password1234567"), Err(PasswordProblem::Common));
        assert_eq!(check("!!!Baseball2024!!!"), Err(PasswordProblem::Common));
    }

    #[test]
    fn the_embedded_list_is_loaded() {
        assert!(COMMON.len() > 9_000, "{}", COMMON.len());
        assert!(COMMON.contains("password"));
        assert!(COMMON.iter().all(|p| *p == p.to_lowercase()));
    }

    #[test]
    fn repetitive_and_sequential_passwords_are_refused() {
        assert_eq!(
            check("zzzzzzzzzzzzzzzzzz"),
            Err(PasswordProblem::Predictable)
        );
        assert_eq!(check("abcdabcdabcdabcd"), Err(PasswordProblem::Predictable));
        assert_eq!(
            check("xyzxyzxyzxyzxyzxyz"),
            Err(PasswordProblem::Predictable)
        );
        assert_eq!(check("lmnopqrstuvwxyz"), Err(PasswordProblem::Predictable));
        assert_eq!(check("876543210987654"), Err(PasswordProblem::Predictable));
    }

    #[test]
    fn personal_information_is_refused() {
        assert_eq!(
            check("i am maria and i love tea"),
            Err(PasswordProblem::ContainsPersonalInfo)
        );
        assert_eq!(
            check("GARCIA family holidays"),
            Err(PasswordProblem::ContainsPersonalInfo)
        );
        assert_eq!(
            check("my visanav sign-in word"),
            Err(PasswordProblem::ContainsPersonalInfo)
        );
        // The email's domain alone is not personal, and short name parts are ignored.
        let policy = PasswordPolicy::default();
        assert_eq!(
            policy.check("example of a good passphrase", &["al@example.com", "Al Li"]),
            Ok(())
        );
    }

    #[test]
    fn every_problem_reads_as_a_sentence() {
        for problem in [
            PasswordProblem::TooShort { min: 15, actual: 3 },
            PasswordProblem::TooLong { max: 256 },
            PasswordProblem::Common,
            PasswordProblem::Predictable,
            PasswordProblem::ContainsPersonalInfo,
        ] {
            let text = problem.to_string();
            assert!(text.ends_with('.'), "{text}");
            assert!(text.starts_with("This password"), "{text}");
        }
    }
}
