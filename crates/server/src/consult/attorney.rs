//! The attorney's side: `/consult`, the requests inbox and the calendar of what is confirmed,
//! and `/consult/requests/{consultation}`, one request's review page (intake, the plan's
//! deadlines and legal-help reasons, the conflict check) where the attorney records the
//! review and confirms, declines, proposes other times or cancels. Every action is a POST
//! with the session's CSRF token: a link in an email only opens the page.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_store::{ConflictHit, ConsultStatus, Consultation, Side, StoreError, TxMode};

use super::{DayView, day_views, parse_start, time_for};
use crate::auth::stale_form;
use crate::forms::{all_values, field, fields};
use crate::pages::render;
use crate::request::SignedIn;
use crate::session::{csrf_ok, csrf_token};
use crate::{AppError, AppState};

/// How many other times an attorney may propose at once.
const MAX_PROPOSALS: usize = 3;

pub struct Line {
    pub id: String,
    pub when: String,
    pub what: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub label: String,
}

pub fn status_class(s: ConsultStatus) -> &'static str {
    match s {
        ConsultStatus::Pending | ConsultStatus::Proposed | ConsultStatus::Unverified => {
            "badge-soon"
        }
        ConsultStatus::Confirmed => "badge-ok",
        ConsultStatus::Declined | ConsultStatus::Cancelled | ConsultStatus::Expired => "badge-info",
    }
}

pub fn case_label(k: &Consultation) -> String {
    match (k.intake.visa.as_str(), k.intake.post_name.as_str()) {
        ("", _) => "A case".to_string(),
        (v, "") => format!("{v} case"),
        (v, p) => format!("{v} case, {p}"),
    }
}

fn line(k: &Consultation, side: Side) -> Line {
    Line {
        id: k.id.clone(),
        when: time_for(k, side),
        what: format!("{} ({} min)", k.type_name, k.minutes),
        status: k.status.label(),
        status_class: status_class(k.status),
        label: case_label(k),
    }
}

#[derive(Template)]
#[template(path = "consult_inbox.html")]
struct InboxPage {
    disclaimer: &'static str,
    waiting: Vec<Line>,
    upcoming: Vec<Line>,
    closed: Vec<Line>,
    /// (firm name, public booking link) for the firms where the person offers consultations.
    firms: Vec<(String, String)>,
    is_attorney: bool,
}

pub async fn inbox(State(state): State<AppState>, s: SignedIn) -> Result<Response, AppError> {
    let now = state.clock.now();
    let mut tx = state.store.begin(TxMode::Write).await?;
    // Lapsed holds are released before they are shown as waiting.
    tx.expire_consultations(now).await?;
    let all = tx.consultations(&s.actor, Side::Attorney).await?;
    let mut firms = Vec::new();
    for f in tx.my_firms(&s.actor).await? {
        if tx.is_firm_attorney(&s.actor, &f.id).await? {
            let link = format!("{}/book/{}", state.server.base_url, f.id);
            firms.push((f.name, link));
        }
    }
    tx.commit().await?;
    let is_attorney = !firms.is_empty();
    let pick = |want: &[ConsultStatus]| {
        all.iter()
            .filter(|k| want.contains(&k.status))
            .map(|k| line(k, Side::Attorney))
            .collect::<Vec<_>>()
    };
    let upcoming = all
        .iter()
        .filter(|k| k.status == ConsultStatus::Confirmed && k.end > now)
        .map(|k| line(k, Side::Attorney))
        .collect();
    let closed = all
        .iter()
        .filter(|k| !k.status.is_open() || (k.status == ConsultStatus::Confirmed && k.end <= now))
        .map(|k| line(k, Side::Attorney))
        .collect();
    Ok(render(&InboxPage {
        disclaimer: NOT_LEGAL_ADVICE,
        waiting: pick(&[ConsultStatus::Pending, ConsultStatus::Proposed]),
        upcoming,
        closed,
        firms,
        is_attorney,
    }))
}

#[derive(Template)]
#[template(path = "consult_request.html")]
struct RequestPage {
    disclaimer: &'static str,
    csrf: String,
    id: String,
    when: String,
    status: &'static str,
    status_class: &'static str,
    waiting: bool,
    pending: bool,
    confirmed: bool,
    type_line: String,
    location: String,
    hold_until: Option<String>,
    applicant_zone: String,
    label: String,
    k: Consultation,
    /// The case's page, when the firm can see the case.
    case_link: Option<String>,
    conflicts: Vec<ConflictHit>,
    review_cleared: bool,
    review_line: Option<String>,
    proposals: Vec<String>,
    message: Option<String>,
    free: Vec<DayView>,
    notice: Option<String>,
    error: Option<String>,
}

fn attorney_time(t: Timestamp, zone: &str) -> String {
    t.to_zoned(TimeZone::get(zone).unwrap_or(TimeZone::UTC))
        .strftime("%A %-d %B, %H:%M")
        .to_string()
}

async fn request_page(
    state: &AppState,
    s: &SignedIn,
    id: &str,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let mut tx = state.store.begin(TxMode::Write).await?;
    tx.expire_consultations(now).await?;
    let k = tx.consultation(&s.actor, Side::Attorney, id).await?;
    let conflicts = tx.conflict_check(&s.actor, id).await?;
    let case_link = match &k.case_id {
        Some(case) if tx.get_case(&s.actor, case).await?.is_some() => {
            Some(format!("/cases/{case}"))
        }
        _ => None,
    };
    tx.audit(&s.actor, "consultation_viewed", None, id, now)
        .await?;
    tx.commit().await?;
    let waiting = matches!(k.status, ConsultStatus::Pending | ConsultStatus::Proposed);
    let free = if matches!(k.status, ConsultStatus::Pending | ConsultStatus::Confirmed) {
        match state.store.bookable_type_of(&k.type_id).await? {
            Some((offer, ty)) => {
                let slots = super::slots(state, &offer, &ty, now).await?;
                let tz = TimeZone::get(&k.attorney_zone).unwrap_or(TimeZone::UTC);
                day_views(&slots, &tz, &k.applicant_zone)
            }
            None => Vec::new(),
        }
    } else {
        Vec::new()
    };
    let review_line = k.review.as_ref().map(|r| {
        format!(
            "Reviewed {}: conflict check {}, matter {}.",
            attorney_time(
                Timestamp::from_millisecond(r.at_ms).unwrap_or(now),
                &k.attorney_zone
            ),
            if r.conflicts_cleared {
                "cleared"
            } else {
                "NOT cleared"
            },
            if r.matter_accepted {
                "accepted"
            } else {
                "NOT accepted"
            },
        )
    });
    let page = RequestPage {
        disclaimer: NOT_LEGAL_ADVICE,
        csrf: csrf_token(&s.session),
        id: k.id.clone(),
        when: time_for(&k, Side::Attorney),
        status: k.status.label(),
        status_class: status_class(k.status),
        waiting,
        pending: k.status == ConsultStatus::Pending,
        confirmed: k.status == ConsultStatus::Confirmed,
        type_line: format!("{} · {} minutes · {}", k.type_name, k.minutes, k.price_text),
        location: k.location.clone(),
        hold_until: k
            .hold_until
            .filter(|_| waiting)
            .map(|t| attorney_time(t, &k.attorney_zone)),
        applicant_zone: k.applicant_zone.clone(),
        label: case_label(&k),
        case_link,
        review_cleared: k.review.as_ref().is_some_and(|r| r.clears()),
        review_line,
        proposals: k
            .proposals
            .iter()
            .map(|t| attorney_time(*t, &k.attorney_zone))
            .collect(),
        message: k.message.clone(),
        conflicts,
        free,
        notice,
        error,
        k,
    };
    Ok(render(&page))
}

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    request_page(&state, &s, &id, q.done, None).await
}

/// One of the review page's forms, by its `action`.
pub async fn act(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&s.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let now = state.clock.now();
    let action = field(&f, "action");
    let mut tx = state.store.begin(TxMode::Write).await?;
    let done = match action {
        "review" => {
            let shown = tx.conflict_check(&s.actor, &id).await?.len();
            let cleared = field(&f, "conflicts_cleared") == "yes";
            let accepted = field(&f, "matter_accepted") == "yes";
            tx.review_consultation(&s.actor, &id, cleared, accepted, shown, now)
                .await
                .map(|r| {
                    if r.clears() {
                        "Review recorded. You can confirm now.".to_string()
                    } else {
                        "Review recorded. Confirming needs both boxes ticked; you can still decline.".to_string()
                    }
                })
        }
        "confirm" => tx
            .confirm_consultation(&s.actor, &id, now)
            .await
            .map(|()| "Confirmed. The applicant is told, with a calendar invitation.".to_string()),
        "decline" => tx
            .decline_consultation(&s.actor, &id, field(&f, "message"), now)
            .await
            .map(|()| "Declined. The applicant is told; the time is free again.".to_string()),
        "cancel" => tx
            .cancel_consultation(&s.actor, Side::Attorney, &id, field(&f, "message"), now)
            .await
            .map(|()| "Cancelled. The applicant is told; the time is free again.".to_string()),
        "move" => match parse_start(field(&f, "start")) {
            Ok(start) => {
                let k = tx.consultation(&s.actor, Side::Attorney, &id).await?;
                match super::new_time(&state, &k, start).await {
                    Ok(time) => tx
                        .reschedule_consultation(&s.actor, Side::Attorney, &id, time, now, now)
                        .await
                        .map(|()| {
                            "Moved. The applicant is told, with an updated calendar invitation."
                                .to_string()
                        }),
                    Err(super::BookError::Refused(m)) => Err(StoreError::ConsultationState(m)),
                    Err(super::BookError::Store(e)) => Err(e),
                }
            }
            Err(_) => Err(StoreError::ConsultationState(
                "Pick one of the free times.".into(),
            )),
        },
        "propose" => {
            let starts: Vec<Timestamp> = all_values(&body, "start")
                .iter()
                .filter_map(|v| parse_start(v).ok())
                .collect();
            if starts.len() > MAX_PROPOSALS {
                Err(StoreError::ConsultationState(format!(
                    "Propose at most {MAX_PROPOSALS} times."
                )))
            } else {
                tx.propose_times(
                    &s.actor,
                    &id,
                    &starts,
                    field(&f, "message"),
                    super::hold_until(
                        now,
                        super::hold(&state),
                        starts.iter().min().copied().unwrap_or(now),
                    ),
                    now,
                )
                .await
                .map(|()| "Proposed. The applicant is told and picks one of them.".to_string())
            }
        }
        _ => Err(StoreError::ConsultationState(
            "That form is not one of this page's; reload the page.".into(),
        )),
    };
    match done {
        Ok(notice) => {
            tx.commit().await?;
            Ok(Redirect::to(&format!(
                "/consult/requests/{id}?done={}",
                crate::auth::encode(&notice)
            ))
            .into_response())
        }
        Err(
            e @ (StoreError::ReviewMissing
            | StoreError::ConsultationState(_)
            | StoreError::SlotTaken),
        ) => {
            tx.rollback().await?;
            let mut r = request_page(&state, &s, &id, None, Some(e.to_string())).await?;
            *r.status_mut() = StatusCode::CONFLICT;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}
