//! A string that never shows itself in `Debug` output.

use std::fmt;

/// A secret string: a sign-in link token, a session id, a recovery code.
///
/// `Debug` prints `SecretString(****)`, so a secret carried inside a struct that is logged with
/// `{:?}` (a request, an error, a tracing span) does not leak. There is no `Display`: reading the
/// value takes an explicit [`SecretString::expose`], which is easy to find in review.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a value that must not be printed.
    pub fn new(value: impl Into<String>) -> SecretString {
        SecretString(value.into())
    }

    /// The secret itself, for the one place that needs it (a link in an email, a cookie).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        let s = SecretString::new("hunter2-very-secret");
        let shown = format!("{s:?} {:?}", Some(&s));
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(s.expose(), "hunter2-very-secret");
    }
}
