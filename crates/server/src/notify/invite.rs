//! The calendar invitation a consultation's email carries: REQUEST when it is confirmed or
//! moved while confirmed, CANCEL when it is cancelled, with the SEQUENCE the consultation
//! keeps, so calendar programs add, move and remove one event (the same UID as in the
//! calendar feed).

use jiff::Timestamp;
use jiff::tz::TimeZone;
use visanav_core::calendar::ical::{Method, write_invite};
use visanav_core::calendar::{Calendar, ConsultationInfo, FeedLinks, consultation_event};
use visanav_core::notify::Rendered;
use visanav_mail::Invite;
use visanav_store::DueDelivery;

/// The invitation for an email delivery, when its event changes what a calendar holds.
pub fn for_delivery(
    d: &DueDelivery,
    r: &Rendered,
    base: &str,
    organizer: &str,
    attendee: &str,
) -> Option<Invite> {
    let p: serde_json::Value = serde_json::from_str(&d.payload).ok()?;
    let status = p.get("status")?.as_str()?;
    let method = match (d.kind.as_str(), status) {
        ("consultation_confirmed" | "consultation_rescheduled", "confirmed") => Method::Request,
        ("consultation_cancelled", _) => Method::Cancel,
        _ => return None,
    };
    let ms = |key: &str| {
        p.get(key)
            .and_then(serde_json::Value::as_i64)
            .and_then(|m| Timestamp::from_millisecond(m).ok())
    };
    let tz = TimeZone::get(p.get("zone")?.as_str()?).unwrap_or(TimeZone::UTC);
    let title = consultation_title(&p);
    let place = p.get("location").and_then(|l| l.as_str()).unwrap_or("");
    let info = ConsultationInfo {
        id: p.get("consultation")?.as_str()?,
        start: ms("start_ms")?.to_zoned(tz.clone()),
        end: ms("end_ms")?.to_zoned(tz),
        title: &title,
        place,
        url: r.link.clone().unwrap_or_else(|| base.to_string()),
    };
    let host = base
        .split("://")
        .nth(1)
        .unwrap_or(base)
        .split(['/', ':'])
        .next()
        .unwrap_or("visanav");
    let links = FeedLinks {
        base_url: base,
        uid_domain: host,
    };
    let event = consultation_event(&info, &links, &[1, 0]);
    let sequence = p
        .get("sequence")
        .and_then(serde_json::Value::as_u64)
        .and_then(|s| u32::try_from(s).ok())
        .unwrap_or(0);
    let ics = write_invite(
        &Calendar {
            prodid: "-//visanav//visanav//EN",
            name: "visanav",
        },
        &event,
        sequence,
        method,
        organizer,
        attendee,
        Timestamp::now(),
    );
    Some(Invite {
        method: method.as_str(),
        ics,
    })
}

/// "Consultation with Ana Reyes (Reyes Law)" for the applicant; "Consultation: K-1 case,
/// Manila" for the attorney.
pub fn consultation_title(p: &serde_json::Value) -> String {
    let text = |key: &str| p.get(key).and_then(|v| v.as_str()).unwrap_or("");
    if text("audience") == "attorney" {
        format!("Consultation: {}", text("label"))
    } else {
        format!("Consultation with {} ({})", text("attorney"), text("firm"))
    }
}
