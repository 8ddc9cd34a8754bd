//! Calendar feeds: `GET /calendar/{token}.ics` serves the deadlines and document expiries of
//! the cases a feed's account can see as iCalendar, and `/account/calendar` shows the
//! person their links, makes them, regenerates them and stops them.
//!
//! The feed answers without a session: its token is the credential (calendar apps cannot sign
//! in). An unknown or revoked token is a bare 404, so the answer says nothing about why. The
//! request log names the route template only, never the path, so the token is not logged.
//! Events name a case only "K-1 case, Manila" (see `visanav_core::calendar::feed`): anyone
//! holding the link reads the dates, not who they belong to.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::calendar::{
    Calendar, ConsultationInfo, Event, FeedLinks, Stamp, case_events, case_label,
    consultation_event, write_calendar,
};
use visanav_core::plan::{plan, today_at_post};
use visanav_store::{
    CalendarFeed, CaseId, ConsultStatus, Consultation, FeedEvent, Side, StoredCase, TxMode,
};

use crate::auth::stale_form;
use crate::forms::{field, fields};
use crate::pages::render;
use crate::request::SignedIn;
use crate::session::{csrf_ok, csrf_token};
use crate::{AppError, AppState};

/// How long a calendar app (or a proxy on the person's side) may reuse a feed: dates change
/// at most a few times a day, and apps poll far less often than this anyway.
const FEED_CACHE: &str = "private, max-age=300";

/// `-//visanav//visanav 0.1.0//EN`: who made the calendar (RFC 5545 section 3.7.3).
fn prodid() -> String {
    format!("-//visanav//visanav {}//EN", env!("CARGO_PKG_VERSION"))
}

/// The host of the public URL, for event UIDs (`…@visa.example.org`).
fn uid_domain(base_url: &str) -> &str {
    let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => authority,
    }
}

/// The link of a feed, and the same as `webcal://`, which phones open in their calendar app.
fn links_of(base_url: &str, token: &str) -> (String, String) {
    let url = format!("{}/calendar/{token}.ics", base_url.trim_end_matches('/'));
    let webcal = match url.split_once("://") {
        Some((_, rest)) => format!("webcal://{rest}"),
        None => url.clone(),
    };
    (url, webcal)
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Not found",
    )
        .into_response()
}

/// The events of one case today (today at its post), with reminders at `lead_days` (the
/// feed owner's choice in their notification settings).
pub fn events_of(
    state: &AppState,
    stored: &StoredCase,
    lead_days: &[u32],
    now: Timestamp,
) -> Vec<Event> {
    let k = &state.knowledge;
    let links = FeedLinks {
        base_url: &state.server.base_url,
        uid_domain: uid_domain(&state.server.base_url),
    };
    let today = today_at_post(k, &stored.case.post, now);
    let p = plan(&stored.case, k, today);
    case_events(stored.id.as_str(), &stored.case, &p, k, &links, lead_days)
}

/// `GET /calendar/{token}.ics`.
pub async fn feed(
    State(state): State<AppState>,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    // The route is `/calendar/{feed}` (the router takes no suffix after a parameter); the
    // link always ends in `.ics`, which some calendar apps look for.
    let Some(token) = file.strip_suffix(".ics") else {
        return Ok(not_found());
    };
    let now = state.clock.now();
    let mut tx = state.store.begin(TxMode::Read).await?;
    let Some((feed, actor)) = tx.calendar_feed_by_token(token).await? else {
        tx.rollback().await?;
        return Ok(not_found());
    };
    let cases = tx.calendar_feed_cases(&actor, &feed).await?;
    let lead_days = tx.notification_prefs(&actor).await?.lead_days;
    let consultations = feed_consultations(&mut tx, &actor, &feed).await?;
    tx.commit().await?;

    let mut events: Vec<(CaseId, Event)> = Vec::new();
    for stored in &cases {
        for e in events_of(&state, stored, &lead_days, now) {
            events.push((stored.id.clone(), e));
        }
    }
    let fingerprints: Vec<String> = events.iter().map(|(_, e)| e.fingerprint()).collect();
    let keyed: Vec<FeedEvent<'_>> = events
        .iter()
        .zip(&fingerprints)
        .map(|((case, e), fingerprint)| FeedEvent {
            uid: &e.uid,
            case,
            fingerprint,
        })
        .collect();
    let versions = state
        .store
        .calendar_event_versions(&actor, &keyed, now)
        .await?;
    let stamped: Vec<(Event, Stamp)> = events
        .into_iter()
        .zip(versions)
        .map(|((_, e), v)| {
            let stamp = Stamp {
                sequence: v.sequence,
                last_modified: Timestamp::from_millisecond(v.updated_ms).ok(),
            };
            (e, stamp)
        })
        .collect();
    let mut stamped = stamped;
    stamped.extend(consultation_events(&state, &consultations, &lead_days));
    let name = match (&feed.case, cases.first()) {
        (Some(_), Some(one)) => format!("visanav: {}", case_label(&one.case, &state.knowledge)),
        _ => "visanav: your visa dates".to_string(),
    };
    let body = write_calendar(
        &Calendar {
            prodid: &prodid(),
            name: &name,
        },
        &stamped,
        now,
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, FEED_CACHE),
            (
                header::CONTENT_DISPOSITION,
                "inline; filename=\"visanav.ics\"",
            ),
        ],
        body,
    )
        .into_response())
}

/// The confirmed consultations a feed shows, with the side its owner is on: as applicant
/// (in a case's feed, only that case's), and as attorney (in the account's feed, only when
/// made with the second factor, like firm cases).
async fn feed_consultations(
    tx: &mut visanav_store::Tx<'_>,
    actor: &visanav_store::Actor,
    feed: &CalendarFeed,
) -> Result<Vec<(Side, Consultation)>, visanav_store::StoreError> {
    let confirmed = |k: &Consultation| k.status == ConsultStatus::Confirmed;
    let mut out: Vec<(Side, Consultation)> = tx
        .consultations(actor, Side::Applicant)
        .await?
        .into_iter()
        .filter(|k| confirmed(k))
        .filter(|k| feed.case.is_none() || k.case_id == feed.case)
        .map(|k| (Side::Applicant, k))
        .collect();
    if feed.case.is_none() {
        out.extend(
            tx.consultations(actor, Side::Attorney)
                .await?
                .into_iter()
                .filter(|k| confirmed(k))
                .map(|k| (Side::Attorney, k)),
        );
    }
    Ok(out)
}

/// Consultations as timed events on the reader's clock, with the SEQUENCE the consultation
/// keeps (the same UID and SEQUENCE as its emailed invitations).
fn consultation_events(
    state: &AppState,
    consultations: &[(Side, Consultation)],
    lead_days: &[u32],
) -> Vec<(Event, Stamp)> {
    let base = state.server.base_url.trim_end_matches('/');
    let links = FeedLinks {
        base_url: base,
        uid_domain: uid_domain(&state.server.base_url),
    };
    consultations
        .iter()
        .map(|(side, k)| {
            let (zone, title, path) = match side {
                Side::Applicant => (
                    &k.applicant_zone,
                    format!("Consultation with {} ({})", k.attorney_name, k.firm_name),
                    format!("/consultations/{}", k.id),
                ),
                Side::Attorney => (
                    &k.attorney_zone,
                    format!("Consultation: {}", crate::consult::attorney::case_label(k)),
                    format!("/consult/requests/{}", k.id),
                ),
            };
            let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
            let info = ConsultationInfo {
                id: &k.id,
                start: k.start.to_zoned(tz.clone()),
                end: k.end.to_zoned(tz),
                title: &title,
                place: &k.location,
                url: format!("{base}{path}"),
            };
            let stamp = Stamp {
                sequence: u32::try_from(k.sequence).unwrap_or(0),
                last_modified: None,
            };
            (consultation_event(&info, &links, lead_days), stamp)
        })
        .collect()
}

/// One link on the page.
struct FeedLine {
    id: String,
    url: String,
    webcal: String,
    made: String,
}

/// One of the person's cases, with its own link if it has one.
struct CaseLine {
    id: String,
    label: String,
    short: String,
    feed: Option<FeedLine>,
}

#[derive(Template)]
#[template(path = "account_calendar.html")]
struct CalendarPage {
    disclaimer: &'static str,
    csrf: String,
    all: Option<FeedLine>,
    cases: Vec<CaseLine>,
    done: &'static str,
    /// The reminder lead times, "90, 30, 14, 7, 1".
    lead: String,
}

fn day(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn done_message(done: Option<&str>) -> &'static str {
    match done {
        Some("made") => {
            "Your new link is below. If you had one before, it has stopped working: \
             add the new one to your calendar app."
        }
        Some("stopped") => "That link has stopped working.",
        _ => "",
    }
}

/// `GET /account/calendar`. Never cached: the page holds secret links.
pub async fn page(
    State(state): State<AppState>,
    s: SignedIn,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let mut tx = state.store.begin(TxMode::Read).await?;
    let feeds = tx.calendar_feeds(&s.actor).await?;
    let cases = tx.list_cases(&s.actor).await?;
    let lead = tx
        .notification_prefs(&s.actor)
        .await?
        .lead_days
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let line = |f: &CalendarFeed| {
        let (url, webcal) = links_of(&state.server.base_url, &tx.calendar_feed_token(f));
        FeedLine {
            id: f.id.clone(),
            url,
            webcal,
            made: day(f.created_ms),
        }
    };
    let all = feeds.iter().find(|f| f.case.is_none()).map(line);
    let k = &state.knowledge;
    let cases = cases
        .into_iter()
        .map(|c| CaseLine {
            feed: feeds
                .iter()
                .find(|f| f.case.as_ref() == Some(&c.id))
                .map(line),
            label: format!(
                "{} case, {}",
                c.visa,
                k.post(&c.post).map_or(c.post.as_str(), |p| p.name.as_str())
            ),
            short: c.id.short().to_string(),
            id: c.id.to_string(),
        })
        .collect();
    tx.commit().await?;
    let mut r = render(&CalendarPage {
        disclaimer: NOT_LEGAL_ADVICE,
        lead,
        csrf: csrf_token(&s.session),
        all,
        cases,
        done: done_message(query.get("done").map(String::as_str)),
    });
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// `POST /account/calendar`: `action=make` (with `case` for one case's link) makes a link and
/// stops the one it replaces (regenerating); `action=stop` with `feed` stops a link.
pub async fn change(
    State(state): State<AppState>,
    s: SignedIn,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&s.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let now = state.clock.now();
    let mut tx = state.store.begin(TxMode::Write).await?;
    let done = match field(&f, "action") {
        "make" => {
            let case = Some(field(&f, "case").trim())
                .filter(|c| !c.is_empty())
                .map(|c| CaseId::from_stored(c.to_string()));
            match tx.create_calendar_feed(&s.actor, case.as_ref(), now).await {
                Ok(_) => "made",
                Err(visanav_store::StoreError::CaseNotFound(_)) => {
                    return Err(AppError::not_found(
                        "You have no such case. Open the calendar page again and choose one of yours.",
                    ));
                }
                Err(e) => return Err(e.into()),
            }
        }
        "stop" => {
            if !tx
                .revoke_calendar_feed(&s.actor, field(&f, "feed"), now)
                .await?
            {
                return Err(AppError::not_found(
                    "You have no such link; it may have been stopped already.",
                ));
            }
            "stopped"
        }
        _ => {
            return Err(AppError::new(
                StatusCode::BAD_REQUEST,
                "Unknown action",
                "Use the buttons on the calendar page.",
            ));
        }
    };
    tx.commit().await?;
    Ok((
        StatusCode::SEE_OTHER,
        [(
            header::LOCATION,
            format!("/account/calendar?done={done}").as_str(),
        )],
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_use_the_public_host() {
        assert_eq!(uid_domain("https://visa.example.org"), "visa.example.org");
        assert_eq!(uid_domain("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(
            uid_domain("https://visa.example.org/sub/"),
            "visa.example.org"
        );
    }

    #[test]
    fn links_come_as_https_and_webcal() {
        let (url, webcal) = links_of("https://visa.example.org/", "abc");
        assert_eq!(url, "https://visa.example.org/calendar/abc.ics");
        assert_eq!(webcal, "webcal://visa.example.org/calendar/abc.ics");
    }
}
