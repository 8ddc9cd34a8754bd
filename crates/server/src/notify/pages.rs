//! The notification pages: the list (every event that concerns the person, newest first),
//! the choices (email, time zone, quiet hours, reminder lead times), and the one-click
//! unsubscribe link every notification email carries (RFC 8058).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::notify::{Rendered, case_label, render};
use visanav_store::{NotificationPrefs, QuietHours};

use crate::accounts::{message, with_status};
use crate::auth::stale_form;
use crate::forms::{field, fields};
use crate::pages::render as render_page;
use crate::request::SignedIn;
use crate::session::{csrf_ok, csrf_token};
use crate::{AppError, AppState};

/// One entry as the list shows it.
pub struct Entry {
    pub id: String,
    pub when: String,
    pub unread: bool,
    pub message: Rendered,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct ListPage {
    disclaimer: &'static str,
    csrf: String,
    entries: Vec<Entry>,
    unread: usize,
}

#[derive(Template)]
#[template(path = "notification_prefs.html")]
struct PrefsPage {
    disclaimer: &'static str,
    csrf: String,
    prefs: NotificationPrefs,
    quiet_start: String,
    quiet_end: String,
    lead: String,
    error: Option<String>,
    saved: bool,
}

pub async fn list(State(state): State<AppState>, s: SignedIn) -> Result<Response, AppError> {
    let rows = state.store.notifications(&s.actor, 100).await?;
    let prefs = state.store.notification_prefs(&s.actor).await?;
    let zone = prefs.zone();
    let entries: Vec<Entry> = rows
        .into_iter()
        .map(|n| {
            let payload = serde_json::from_str(&n.payload).unwrap_or(serde_json::Value::Null);
            let label = case_label(n.visa.as_deref(), n.post.as_deref(), &state.knowledge);
            let link = n.case_id.as_ref().map(|id| format!("/cases/{id}"));
            let when = jiff::Timestamp::from_millisecond(n.created_ms)
                .map(|t| {
                    t.to_zoned(zone.clone())
                        .strftime("%b %-d, %Y %H:%M %Z")
                        .to_string()
                })
                .unwrap_or_default();
            Entry {
                unread: n.read_ms.is_none(),
                id: n.id,
                when,
                message: render(&n.kind, &payload, &label, link, &state.knowledge),
            }
        })
        .collect();
    let unread = entries.iter().filter(|e| e.unread).count();
    Ok(render_page(&ListPage {
        disclaimer: NOT_LEGAL_ADVICE,
        csrf: csrf_token(&s.session),
        entries,
        unread,
    }))
}

/// Marks every notification read (the "Mark all as read" button).
pub async fn mark_read(
    State(state): State<AppState>,
    s: SignedIn,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&s.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let one = Some(field(&f, "id")).filter(|id| !id.is_empty());
    state
        .store
        .mark_notifications_read(&s.actor, one, state.clock.now())
        .await?;
    // 303: the list again, with the form's POST not repeated on reload.
    Ok(Redirect::to("/notifications").into_response())
}

fn hhmm(minutes: Option<u16>) -> String {
    minutes
        .map(|m| format!("{:02}:{:02}", m / 60, m % 60))
        .unwrap_or_default()
}

fn prefs_page(
    csrf: String,
    prefs: NotificationPrefs,
    error: Option<String>,
    saved: bool,
) -> Response {
    let page = PrefsPage {
        disclaimer: NOT_LEGAL_ADVICE,
        csrf,
        quiet_start: hhmm(prefs.quiet.map(|q| q.start_min)),
        quiet_end: hhmm(prefs.quiet.map(|q| q.end_min)),
        lead: prefs
            .lead_days
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        prefs,
        error,
        saved,
    };
    render_page(&page)
}

pub async fn prefs_form(State(state): State<AppState>, s: SignedIn) -> Result<Response, AppError> {
    let prefs = state.store.notification_prefs(&s.actor).await?;
    Ok(prefs_page(csrf_token(&s.session), prefs, None, false))
}

/// Minutes after midnight from "HH:MM" (a time input's value); empty is none.
fn parse_time(text: &str) -> Result<Option<u16>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || format!("{text:?} is not a time of day; write it as 22:00");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(Some(h * 60 + m))
}

/// Reads the form into choices, or says what to fix.
fn read_prefs(f: &std::collections::HashMap<String, String>) -> Result<NotificationPrefs, String> {
    let zone = field(f, "time_zone").trim();
    let zone = if zone.is_empty() { "UTC" } else { zone };
    if jiff::tz::TimeZone::get(zone).is_err() {
        return Err(format!(
            "{zone:?} is not a time zone visanav knows; use a name like Asia/Manila or America/New_York"
        ));
    }
    let quiet = match (
        parse_time(field(f, "quiet_start"))?,
        parse_time(field(f, "quiet_end"))?,
    ) {
        (Some(s), Some(e)) if s != e => Some(QuietHours {
            start_min: s,
            end_min: e,
        }),
        (None, None) => None,
        _ => {
            return Err(
                "Give both the start and the end of your quiet hours (different times), or neither."
                    .into(),
            );
        }
    };
    let lead_days = NotificationPrefs::parse_lead_days(field(f, "lead_days"))?;
    Ok(NotificationPrefs {
        email_enabled: field(f, "email") == "on",
        time_zone: zone.to_string(),
        quiet,
        lead_days,
    })
}

pub async fn save_prefs(
    State(state): State<AppState>,
    s: SignedIn,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&s.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    match read_prefs(&f) {
        Ok(prefs) => {
            state
                .store
                .set_notification_prefs(&s.actor, &prefs, state.clock.now())
                .await?;
            Ok(prefs_page(csrf_token(&s.session), prefs, None, true))
        }
        Err(problem) => {
            let current = state.store.notification_prefs(&s.actor).await?;
            Ok(with_status(
                prefs_page(csrf_token(&s.session), current, Some(problem), false),
                StatusCode::BAD_REQUEST,
            ))
        }
    }
}

/// The unsubscribe link opened in a browser: a page with one button (a GET never changes
/// anything, so a mail scanner following the link unsubscribes no one).
pub async fn unsubscribe_form(Path(id): Path<String>) -> Response {
    let page = crate::accounts::MessagePage {
        disclaimer: NOT_LEGAL_ADVICE,
        title: "Stop notification emails?".into(),
        paragraphs: vec![
            "visanav will stop emailing you about your cases. Your notifications stay in the app, and you can turn email on again in your account's notification settings.".into(),
        ],
        action: Some((
            format!("/notifications/unsubscribe/{id}"),
            Vec::new(),
            "Stop emails".into(),
        )),
        link: None,
    };
    render_page(&page)
}

/// The one-click unsubscribe (RFC 8058: the mail client POSTs
/// `List-Unsubscribe=One-Click`), or the button above.
pub async fn unsubscribe(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    if !state
        .store
        .unsubscribe_delivery(&id, state.clock.now())
        .await?
    {
        return Ok(with_status(
            message(
                "This link does not work",
                &[
                    "It may be mistyped. You can turn notification emails off in your account's notification settings.",
                ],
                Some(("/account/notifications", "Notification settings")),
            ),
            StatusCode::NOT_FOUND,
        ));
    }
    Ok(message(
        "You will get no more notification emails",
        &[
            "Your notifications stay in the app. You can turn email on again in your account's notification settings.",
        ],
        Some(("/account/notifications", "Notification settings")),
    ))
}
