//! Civil dates (`YYYY-MM-DD`), as the case file and the store keep them.

use jiff::civil::Date;

/// Parses a `YYYY-MM-DD` date, rejecting impossible dates such as 2025-02-30.
pub fn parse_date(text: &str) -> Result<Date, String> {
    let t = text.trim();
    let well_formed = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !well_formed {
        return Err(format!(
            "{text:?} is not a date; expected YYYY-MM-DD, e.g. 2025-06-02"
        ));
    }
    t.parse::<Date>()
        .map_err(|_| format!("{text:?} is not a real calendar date"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        assert_eq!(parse_date("2024-02-29").map(|d| d.day()), Ok(29));
        assert!(
            parse_date("2025-02-29")
                .unwrap_err()
                .contains("not a real calendar date")
        );
        assert!(parse_date("02/03/2025").unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_date("2025-1-02").is_err());
    }
}
