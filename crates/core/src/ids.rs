//! Validated identifiers. Each parses tolerantly (spaces, hyphens and case are ignored) and
//! explains the expected form when the input does not fit.
//!
//! `Debug` never prints a whole identifier. A passport number identifies a person: `Debug`
//! and parse errors show nothing of it. Case numbers, DS-160 ids and receipt numbers name a
//! case, not a person, but each alone is enough to look the case's status up, so `Debug`
//! shows only the leading letters (the post or service centre); their parse errors quote
//! the text, which the person typed and needs to see to fix. `Display` and serde give the
//! value itself, for the places that must send it (CEAC, USCIS, the encrypted store).

use std::fmt;

use serde::{Deserialize, Serialize};

/// Upper-cases and drops spaces and hyphens: people copy identifiers with both.
fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

fn letters_then_digits(s: &str, letters: usize, digits: usize) -> bool {
    s.len() == letters + digits
        && s.bytes().take(letters).all(|b| b.is_ascii_uppercase())
        && s.bytes().skip(letters).all(|b| b.is_ascii_digit())
}

/// How much of an identifier `Debug` and error messages may show.
#[derive(Clone, Copy)]
enum Shown {
    /// The leading letters (a post or service centre, or the DS-160 `AA`), the rest masked:
    /// enough to tell ids apart in a log, not enough to look the case up.
    Prefix(usize),
    /// Nothing: the value identifies a person (a passport number).
    Nothing,
}

impl Shown {
    fn debug(self, name: &str, value: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Prefix(n) => {
                let head: String = value.chars().take(n).collect();
                let masked = "*".repeat(value.chars().count().saturating_sub(n));
                write!(f, "{name}(\"{head}{masked}\")")
            }
            Shown::Nothing => write!(f, "{name}(<redacted>)"),
        }
    }

    /// The error for text that does not parse: it quotes the text unless the kind of id is
    /// personal, and always says what was expected.
    fn invalid(self, text: &str, what: &str, expected: &str) -> String {
        match self {
            Shown::Prefix(_) => format!("{text:?} is not a valid {what}; expected {expected}"),
            Shown::Nothing => format!(
                "the {what} given ({} characters) is not valid; expected {expected}",
                text.chars().count()
            ),
        }
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal, $expected:literal, $shown:expr, $check:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const WHAT: &'static str = $what;
            pub const EXPECTED: &'static str = $expected;
            const SHOWN: Shown = $shown;

            pub fn parse(text: &str) -> Result<Self, String> {
                let s = compact(text);
                let check: fn(&str) -> bool = $check;
                if check(&s) {
                    Ok(Self(s))
                } else {
                    Err(Self::SHOWN.invalid(text, $what, $expected))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                Self::SHOWN.debug(stringify!($name), &self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// A CEAC immigrant-visa (NVC) case number, as K cases use: the post's three letters and
    /// ten digits, e.g. `MNL2024512345`.
    CeacCaseNumber,
    "CEAC case number",
    "3 letters followed by 10 digits, e.g. MNL2024512345",
    Shown::Prefix(3),
    |s| letters_then_digits(s, 3, 10)
);

id_type!(
    /// A DS-160 confirmation (application) id: `AA` and eight letters or digits.
    Ds160Id,
    "DS-160 confirmation id",
    "AA followed by 8 letters or digits, e.g. AA00B7QPGN",
    Shown::Prefix(2),
    |s| s.len() == 10 && s.starts_with("AA") && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
);

id_type!(
    /// A USCIS receipt number: three letters (the service centre) and ten digits.
    ReceiptNumber,
    "USCIS receipt number",
    "3 letters followed by 10 digits, e.g. IOE0912345678",
    Shown::Prefix(3),
    |s| letters_then_digits(s, 3, 10)
);

id_type!(
    /// A passport number. Formats differ by country, so only the shape is checked: 5 to 20
    /// letters and digits.
    PassportNumber,
    "passport number",
    "5 to 20 letters or digits as printed in the passport, e.g. P1234567A",
    Shown::Nothing,
    |s| (5..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerant_parsing() {
        assert_eq!(
            CeacCaseNumber::parse(" mnl-2024512345 ").map(|c| c.0),
            Ok("MNL2024512345".into())
        );
        assert_eq!(
            Ds160Id::parse("aa00 20 akax").map(|c| c.0),
            Ok("AA0020AKAX".into())
        );
        assert_eq!(
            ReceiptNumber::parse("IOE0912345678").map(|c| c.0),
            Ok("IOE0912345678".into())
        );
    }

    #[test]
    fn errors_name_the_value_and_the_form() {
        let e = CeacCaseNumber::parse("MNL12").unwrap_err();
        assert!(
            e.contains("\"MNL12\"") && e.contains("3 letters followed by 10 digits"),
            "{e}"
        );
        assert!(Ds160Id::parse("AB00B7QPGN").is_err());
        assert!(Ds160Id::parse("AA00B7QPG").is_err());
        assert!(ReceiptNumber::parse("EAC12345678").is_err());
        assert!(PassportNumber::parse("P12").is_err());
        assert!(PassportNumber::parse("P12#4567").is_err());
    }

    #[test]
    fn passport_numbers_never_show_in_errors_or_debug() {
        let e = PassportNumber::parse("ZW98#7654").unwrap_err();
        assert!(!e.contains("ZW98") && !e.contains("7654"), "{e}");
        assert!(
            e.contains("passport number") && e.contains("9 characters"),
            "{e}"
        );
        let p = PassportNumber::parse("XQ1234567").expect("passport");
        assert_eq!(format!("{p:?}"), "PassportNumber(<redacted>)");
        assert_eq!(
            format!("{:?}", Some(&p)),
            "Some(PassportNumber(<redacted>))"
        );
        assert_eq!(p.to_string(), "XQ1234567", "Display is the value, for CEAC");
    }

    #[test]
    fn case_ids_show_only_their_prefix_in_debug() {
        let c = CeacCaseNumber::parse("MNL2024512345").expect("case number");
        assert_eq!(format!("{c:?}"), "CeacCaseNumber(\"MNL**********\")");
        let r = ReceiptNumber::parse("IOE0912345678").expect("receipt");
        assert_eq!(format!("{r:?}"), "ReceiptNumber(\"IOE**********\")");
        let d = Ds160Id::parse("AA00B7QPGN").expect("ds160");
        assert_eq!(format!("{d:?}"), "Ds160Id(\"AA********\")");
    }
}
