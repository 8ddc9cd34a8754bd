//! The words of a consultation's notifications: for the applicant or for the attorney (the
//! payload says which), with the time in the reader's own zone and the other side's beside it.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::Value;

use super::Rendered;

/// A zone as people say it: "America/New_York" is "New York time".
pub fn zone_name(zone: &str) -> String {
    let city = zone.rsplit('/').next().unwrap_or(zone).replace('_', " ");
    if city.eq_ignore_ascii_case("UTC") {
        "UTC".to_string()
    } else {
        format!("{city} time")
    }
}

/// "Tuesday 16 March 2027, 10:00–11:00 (New York time; 23:00 Manila time)".
pub fn when_text(start: Timestamp, end: Timestamp, zone: &str, other_zone: Option<&str>) -> String {
    let tz = TimeZone::get(zone).unwrap_or(TimeZone::UTC);
    let (s, e) = (start.to_zoned(tz.clone()), end.to_zoned(tz));
    let mut out = format!(
        "{}, {}–{} ({}",
        s.strftime("%A %-d %B %Y"),
        s.strftime("%H:%M"),
        e.strftime("%H:%M"),
        zone_name(zone)
    );
    if let Some(other) = other_zone.filter(|o| *o != zone)
        && let Ok(otz) = TimeZone::get(other)
    {
        let o = start.to_zoned(otz);
        let day = if o.date() == s.date() {
            String::new()
        } else {
            format!(" on {}", o.strftime("%A %-d %B"))
        };
        out.push_str(&format!(
            "; {}{day} {}",
            o.strftime("%H:%M"),
            zone_name(other)
        ));
    }
    out.push(')');
    out
}

pub(super) fn render(out: &mut Rendered, kind: &str, payload: &Value) {
    let text = |key: &str| {
        payload
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let ms = |key: &str| {
        payload
            .get(key)
            .and_then(Value::as_i64)
            .and_then(|m| Timestamp::from_millisecond(m).ok())
            .unwrap_or(Timestamp::UNIX_EPOCH)
    };
    let zone = text("zone");
    let other = text("other_zone");
    let when = when_text(ms("start_ms"), ms("end_ms"), &zone, Some(other.as_str()));
    let (label, firm, attorney, kind_name) =
        (text("label"), text("firm"), text("attorney"), text("type"));
    let to_attorney = text("audience") == "attorney";
    let who = format!("{attorney} ({firm})");
    let has_message = payload
        .get("has_message")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let message_note = "There is a message for you: open visanav to read it.";
    match (kind, to_attorney) {
        ("consultation_requested", true) => {
            out.title = format!("New consultation request: {label}");
            out.what_happened =
                format!("Someone asks for a {kind_name} with you on {when}, about a {label}.");
            out.meaning = Some(
                "The request holds this time until you answer or it expires. The intake has the \
                 case's facts and the applicant's question."
                    .into(),
            );
            out.next_steps = vec![
                "Open the request, look at the intake and the conflict check, record your review, then confirm, decline or propose other times.".into(),
            ];
        }
        ("consultation_requested", false) => {
            out.title = "Consultation requested".into();
            out.what_happened = format!("You asked {who} for a {kind_name} on {when}.");
            out.meaning = Some(
                "Before confirming, the attorney checks that the firm can take your matter and \
                 has no conflict of interest. The time is held for you meanwhile."
                    .into(),
            );
            out.next_steps = vec![
                "You will hear when the attorney confirms, declines or proposes other times."
                    .into(),
            ];
        }
        ("consultation_confirmed", to_attorney) => {
            out.title = format!("Consultation confirmed: {}", short(&when));
            out.what_happened = if to_attorney {
                format!("The {kind_name} about a {label} on {when} is confirmed.")
            } else {
                format!("{who} confirmed your {kind_name} on {when}.")
            };
            let location = text("location");
            if !location.is_empty() {
                out.meaning = Some(format!("Where: {location}"));
            }
            out.next_steps = if to_attorney {
                vec!["The intake and the case's plan are on the request's page.".into()]
            } else {
                vec![
                    "Have your refusal letter, your case page and your questions ready.".into(),
                    "If you cannot come, cancel or move it from the consultation's page as early as you can.".into(),
                ]
            };
        }
        ("consultation_declined", _) => {
            out.title = "Consultation request declined".into();
            out.what_happened = format!("{who} cannot take your request for {when}.");
            if has_message {
                out.meaning = Some(message_note.into());
            }
            out.next_steps = vec![
                "You can ask another attorney: your case page's \"When to get legal help\" says how to find one.".into(),
            ];
        }
        ("consultation_proposed", _) => {
            out.title = "The attorney proposed other times".into();
            out.what_happened = format!("{who} cannot meet on {when} and proposed other times.");
            if has_message {
                out.meaning = Some(message_note.into());
            }
            out.next_steps =
                vec!["Open the request and pick one of the times before the offer expires.".into()];
        }
        ("consultation_cancelled", to_attorney) => {
            let by_me = (text("cancelled_by") == "attorney") == to_attorney;
            out.title = format!("Consultation cancelled: {}", short(&when));
            out.what_happened = match (by_me, to_attorney) {
                (true, _) => format!("You cancelled the {kind_name} on {when}."),
                (false, true) => {
                    format!("The applicant cancelled the {kind_name} about a {label} on {when}.")
                }
                (false, false) => format!("{who} cancelled your {kind_name} on {when}."),
            };
            if has_message && !by_me {
                out.meaning = Some(message_note.into());
            }
            out.next_steps = if to_attorney {
                vec!["The time is free again.".into()]
            } else {
                vec!["You can book another time from the consultation's page.".into()]
            };
        }
        ("consultation_rescheduled", to_attorney) => {
            out.title = format!("Consultation moved: {}", short(&when));
            out.what_happened = if to_attorney {
                format!("The {kind_name} about a {label} is now on {when}.")
            } else {
                format!("Your {kind_name} with {who} is now on {when}.")
            };
            out.next_steps = if text("status") == "pending" {
                vec!["The new time waits for the attorney's confirmation.".into()]
            } else {
                vec!["Nothing else changed.".into()]
            };
        }
        ("consultation_expired", to_attorney) => {
            out.title = "Consultation request expired".into();
            out.what_happened = if to_attorney {
                format!("The request about a {label} for {when} was not answered in time.")
            } else {
                format!("{who} did not answer your request for {when} in time.")
            };
            out.meaning = Some("The time is free again.".into());
            out.next_steps = if to_attorney {
                vec!["Nothing to do; the applicant was told.".into()]
            } else {
                vec!["You can request another time, or another attorney.".into()]
            };
        }
        _ => {}
    }
}

/// The first part of a time text, for a subject line: "Tuesday 16 March 2027, 10:00–11:00".
fn short(when: &str) -> &str {
    when.split(" (").next().unwrap_or(when)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("ts")
    }

    #[test]
    fn times_read_in_the_readers_zone_with_the_other_beside_it() {
        // 10:00 in New York (EDT after 14 March 2027) is 22:00 in Manila.
        let w = when_text(
            ts("2027-03-16T14:00:00Z"),
            ts("2027-03-16T15:00:00Z"),
            "America/New_York",
            Some("Asia/Manila"),
        );
        assert_eq!(
            w,
            "Tuesday 16 March 2027, 10:00–11:00 (New York time; 22:00 Manila time)"
        );
        // A different day on the other side says so.
        let w = when_text(
            ts("2027-03-16T20:00:00Z"),
            ts("2027-03-16T21:00:00Z"),
            "America/New_York",
            Some("Asia/Manila"),
        );
        assert!(
            w.ends_with("04:00 on Wednesday 17 March Manila time)"),
            "{w}"
        );
    }

    #[test]
    fn each_side_reads_its_own_words() {
        let payload = |audience: &str| {
            serde_json::json!({
                "audience": audience, "start_ms": 1_805_205_600_000_i64,
                "end_ms": 1_805_209_200_000_i64, "zone": "America/New_York",
                "other_zone": "Asia/Manila", "firm": "Reyes Law", "attorney": "Ana Reyes",
                "type": "first consultation", "label": "K-1 case, Manila",
                "cancelled_by": "applicant", "has_message": true
            })
        };
        let mut out = Rendered::blank();
        render(&mut out, "consultation_cancelled", &payload("attorney"));
        assert!(
            out.what_happened.starts_with("The applicant cancelled"),
            "{out:?}"
        );
        assert_eq!(
            out.meaning.as_deref(),
            Some("There is a message for you: open visanav to read it.")
        );
        let mut out = Rendered::blank();
        render(&mut out, "consultation_cancelled", &payload("applicant"));
        assert!(out.what_happened.starts_with("You cancelled"), "{out:?}");
        assert_eq!(out.meaning, None);
        let mut out = Rendered::blank();
        render(&mut out, "consultation_requested", &payload("attorney"));
        assert_eq!(out.title, "New consultation request: K-1 case, Manila");
    }
}
