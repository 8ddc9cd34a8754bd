//! The applicant's side: `/cases/{id}/consult` books a consultation from a case (the case's
//! facts and legal-help reasons go into the intake), `/consultations` lists a person's
//! requests and `/consultations/{consultation}` follows one: both times, where, the
//! attorney's message, and cancel, move or pick a proposed time.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::plan::{plan, post_time_zone, today_at_post};
use visanav_store::{
    Actor, Applicant, AttorneyOffer, ConsultStatus, ConsultType, Consultation, Side, StoreError,
};

use super::attorney::{Line, case_label, status_class};
use super::{BookError, DayView, availability, day_views, parse_start, parse_zone, time_for};
use crate::auth::stale_form;
use crate::forms::{field, fields};
use crate::pages::render;
use crate::request::{PageCase, SignedIn};
use crate::session::{csrf_ok, csrf_token};
use crate::{AppError, AppState};

/// A consultation type on offer, as the booking page lists it.
pub struct Choice {
    pub type_id: String,
    pub attorney: String,
    pub firm: String,
    pub name: String,
    pub minutes: u32,
    pub price: String,
}

/// The types on offer from attorneys whose availability is usable.
pub(super) fn choices(offers: &[AttorneyOffer]) -> Vec<Choice> {
    offers
        .iter()
        .filter(|o| availability(o).is_some())
        .flat_map(|o| {
            o.types.iter().map(|t| Choice {
                type_id: t.id.clone(),
                attorney: o.display_name.clone(),
                firm: o.firm_name.clone(),
                name: t.name.clone(),
                minutes: t.minutes,
                price: t.price_text.clone(),
            })
        })
        .collect()
}

/// Every type offered on this instance, with its attorney.
async fn all_offers(state: &AppState) -> Result<Vec<AttorneyOffer>, StoreError> {
    let mut all = Vec::new();
    for (firm, _) in state.store.booking_firms().await? {
        if let Some((_, offers)) = state.store.firm_offers(&firm).await? {
            all.extend(offers);
        }
    }
    Ok(all)
}

pub(super) fn find_type<'a>(
    offers: &'a [AttorneyOffer],
    type_id: &str,
) -> Option<(&'a AttorneyOffer, &'a ConsultType)> {
    offers
        .iter()
        .find_map(|o| o.types.iter().find(|t| t.id == type_id).map(|t| (o, t)))
}

#[derive(Template)]
#[template(path = "consult_book.html")]
struct BookPage {
    disclaimer: &'static str,
    csrf: String,
    case_id: String,
    label: String,
    urgency: String,
    reasons: Vec<String>,
    choices: Vec<Choice>,
    chosen: Option<Choice>,
    zone: String,
    zone_error: Option<String>,
    days: Vec<DayView>,
    question: String,
    error: Option<String>,
    /// Shown when no firm on this instance takes requests: how to find an attorney.
    find_title: String,
    find_text: String,
    find_sources: Vec<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct BookQuery {
    #[serde(rename = "type")]
    type_id: Option<String>,
    zone: Option<String>,
}

/// The zone to show times in: the one asked for, else the person's notification zone, else
/// the post's (where most applicants are).
async fn default_zone(state: &AppState, s: &visanav_core::account::Actor, post: &str) -> String {
    let prefs = state.store.notification_prefs(s).await.ok();
    match prefs.map(|p| p.time_zone) {
        Some(z) if z != "UTC" => z,
        _ => post_time_zone(&state.knowledge, post)
            .iana_name()
            .unwrap_or("UTC")
            .to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn book_page(
    state: &AppState,
    loaded: &crate::request::LoadedCase,
    type_id: Option<&str>,
    zone_text: Option<&str>,
    question: &str,
    error: Option<String>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let k = &state.knowledge;
    let c = &loaded.stored.case;
    let p = plan(c, k, today_at_post(k, &c.post, now));
    let offers = all_offers(state).await?;
    let mut all = choices(&offers);
    // One choice only: it is chosen.
    let type_id = type_id
        .map(str::to_string)
        .or_else(|| (all.len() == 1).then(|| all[0].type_id.clone()));
    let zone = match zone_text.filter(|z| !z.trim().is_empty()) {
        Some(z) => z.trim().to_string(),
        None => default_zone(state, &loaded.actor, &c.post).await,
    };
    let (tz, zone_error) = match parse_zone(&zone) {
        Ok(tz) => (tz, None),
        Err(e) => (TimeZone::UTC, Some(e)),
    };
    let mut days = Vec::new();
    let mut chosen = None;
    if let Some((offer, ty)) = type_id.as_deref().and_then(|t| find_type(&offers, t)) {
        let slots = super::slots(state, offer, ty, now).await?;
        let attorney_zone = availability(offer).map(|(a, _)| a.zone).unwrap_or_default();
        days = day_views(&slots, &tz, &attorney_zone);
        let i = all.iter().position(|c| c.type_id == ty.id);
        chosen = i.map(|i| all.remove(i));
    }
    let find = k.rule("finding_an_attorney");
    let page = BookPage {
        disclaimer: NOT_LEGAL_ADVICE,
        csrf: csrf_token(&loaded.session),
        case_id: loaded.stored.id.to_string(),
        label: format!(
            "{} case, {}",
            c.visa.as_str(),
            k.post(&c.post).map_or(c.post.as_str(), |p| p.name.as_str())
        ),
        urgency: p.legal_help.urgency.label().to_string(),
        reasons: p
            .legal_help
            .reasons
            .iter()
            .map(|r| r.title.to_string())
            .collect(),
        choices: all,
        chosen,
        zone,
        zone_error,
        days,
        question: question.to_string(),
        error,
        find_title: find.map(|r| r.title.clone()).unwrap_or_default(),
        find_text: find.map(|r| r.text.clone()).unwrap_or_default(),
        find_sources: find.map(|r| r.sources.clone()).unwrap_or_default(),
    };
    Ok(render(&page))
}

pub async fn book_form(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    Query(q): Query<BookQuery>,
) -> Result<Response, AppError> {
    book_page(
        &state,
        &loaded,
        q.type_id.as_deref(),
        q.zone.as_deref(),
        "",
        None,
    )
    .await
}

pub async fn book(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&loaded.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let (type_id, zone, question) = (field(&f, "type"), field(&f, "zone"), field(&f, "question"));
    let refused = |msg: String| {
        book_page(
            &state,
            &loaded,
            Some(type_id),
            Some(zone),
            question,
            Some(msg),
        )
    };
    if question.trim().is_empty() {
        let mut r =
            refused("Write your question for the attorney: what do you want to know?".into())
                .await?;
        *r.status_mut() = StatusCode::BAD_REQUEST;
        return Ok(r);
    }
    let tz = match parse_zone(zone) {
        Ok(tz) => tz,
        Err(e) => {
            let mut r = refused(e).await?;
            *r.status_mut() = StatusCode::BAD_REQUEST;
            return Ok(r);
        }
    };
    let now = state.clock.now();
    let intake = super::intake_from_case(&state.knowledge, &loaded.stored.case, now, question);
    let made = match parse_start(field(&f, "start")) {
        Ok(start) => {
            super::request(
                &state,
                super::Ask {
                    type_id,
                    start,
                    applicant: Applicant::Account(&loaded.actor),
                    zone: tz.iana_name().unwrap_or("UTC"),
                    case: Some(&loaded.stored.id),
                    intake: &intake,
                    hold: super::hold(&state),
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match made {
        Ok(id) => Ok(Redirect::to(&format!("/consultations/{id}?done=requested")).into_response()),
        Err(BookError::Refused(msg)) => {
            let mut r = refused(msg).await?;
            *r.status_mut() = StatusCode::CONFLICT;
            Ok(r)
        }
        Err(BookError::Store(e)) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "consultations.html")]
struct ListPage {
    disclaimer: &'static str,
    open: Vec<Line>,
    closed: Vec<Line>,
}

pub async fn list(State(state): State<AppState>, s: SignedIn) -> Result<Response, AppError> {
    let now = state.clock.now();
    state.store.expire_consultations(now).await?;
    let all = state.store.consultations(&s.actor, Side::Applicant).await?;
    let line = |k: &Consultation| Line {
        id: k.id.clone(),
        when: time_for(k, Side::Applicant),
        what: format!("{} with {} ({})", k.type_name, k.attorney_name, k.firm_name),
        status: k.status.label(),
        status_class: status_class(k.status),
        label: case_label(k),
    };
    let (open, closed): (Vec<&Consultation>, Vec<&Consultation>) =
        all.iter().partition(|k| k.status.is_open() && k.end > now);
    Ok(render(&ListPage {
        disclaimer: NOT_LEGAL_ADVICE,
        open: open.into_iter().map(line).collect(),
        closed: closed.into_iter().map(line).collect(),
    }))
}

#[derive(Template)]
#[template(path = "consultation.html")]
struct DetailPage {
    disclaimer: &'static str,
    csrf: String,
    id: String,
    when: String,
    status: &'static str,
    status_class: &'static str,
    who: String,
    type_line: String,
    location: Option<String>,
    hold_until: Option<String>,
    message: Option<String>,
    proposals: Vec<(String, String)>,
    can_change: bool,
    /// Booked without a case (from a firm's public page): the link that starts one from
    /// what the request said.
    keep_case: Option<String>,
    /// Why a change is no longer possible here, when it is not.
    too_late: Option<String>,
    days: Vec<DayView>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

fn done_text(done: Option<&str>) -> Option<String> {
    Some(match done? {
        "requested" => "Your request is sent. The attorney reviews it before confirming; you will be told either way.".into(),
        "cancelled" => "Cancelled. The attorney is told, and the time is free again.".into(),
        "moved" => "Moved. The new time waits for the attorney's confirmation.".into(),
        "accepted" => "Confirmed. It is in your calendar feed, and an invitation is on its way by email.".into(),
        _ => return None,
    })
}

/// Until when the applicant may still cancel or move it themselves: the attorney's minimum
/// notice before the start (a pending request, any time).
pub(crate) fn change_deadline(
    k: &Consultation,
    offer: Option<&AttorneyOffer>,
) -> Option<Timestamp> {
    if k.status != ConsultStatus::Confirmed {
        return None;
    }
    let notice = offer
        .and_then(availability)
        .map_or(24 * 60, |(a, _)| a.min_notice_min);
    Some(k.start - SignedDuration::from_mins(i64::from(notice)))
}

async fn detail_page(
    state: &AppState,
    s: &SignedIn,
    id: &str,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    state.store.expire_consultations(now).await?;
    let k = state
        .store
        .consultation(&s.actor, Side::Applicant, id)
        .await?;
    let offer = state.store.bookable_type_of(&k.type_id).await?;
    let tz = TimeZone::get(&k.applicant_zone).unwrap_or(TimeZone::UTC);
    let local = |t: Timestamp| {
        t.to_zoned(tz.clone())
            .strftime("%A %-d %B, %H:%M")
            .to_string()
    };
    let deadline = change_deadline(&k, offer.as_ref().map(|(o, _)| o));
    let open = matches!(k.status, ConsultStatus::Pending | ConsultStatus::Confirmed);
    let too_late = deadline.filter(|d| now >= *d).map(|_| {
        format!(
            "It is too close to the consultation to cancel or move it here. Contact {} directly.",
            k.firm_name
        )
    });
    let can_change = open && too_late.is_none();
    let days = match (&offer, can_change) {
        (Some((o, t)), true) => {
            let slots = super::slots(state, o, t, now).await?;
            day_views(&slots, &tz, &k.attorney_zone)
        }
        _ => Vec::new(),
    };
    let page = DetailPage {
        disclaimer: NOT_LEGAL_ADVICE,
        csrf: csrf_token(&s.session),
        id: k.id.clone(),
        when: time_for(&k, Side::Applicant),
        status: k.status.label(),
        status_class: status_class(k.status),
        who: format!("{} ({})", k.attorney_name, k.firm_name),
        type_line: format!("{} · {} minutes · {}", k.type_name, k.minutes, k.price_text),
        location: (k.status == ConsultStatus::Confirmed).then(|| k.location.clone()),
        hold_until: k
            .hold_until
            .filter(|_| matches!(k.status, ConsultStatus::Pending | ConsultStatus::Proposed))
            .map(local),
        message: k.message.clone(),
        proposals: if k.status == ConsultStatus::Proposed {
            k.proposals
                .iter()
                .map(|t| {
                    let end = *t + SignedDuration::from_mins(i64::from(k.minutes));
                    (
                        t.as_millisecond().to_string(),
                        visanav_core::notify::when_text(
                            *t,
                            end,
                            &k.applicant_zone,
                            Some(&k.attorney_zone),
                        ),
                    )
                })
                .collect()
        } else {
            Vec::new()
        },
        can_change,
        keep_case: k.case_id.is_none().then(|| {
            let post = state
                .knowledge
                .post(&k.intake.post)
                .map(|p| crate::new_case::post_label(&state.knowledge, p))
                .unwrap_or_default();
            format!(
                "/cases/new?visa={}&post={}&status={}",
                crate::auth::encode(&k.intake.visa),
                crate::auth::encode(&post),
                crate::auth::encode(k.intake.ceac_status.as_deref().unwrap_or(""))
            )
        }),
        too_late: too_late.filter(|_| open),
        days,
        notice,
        error,
    };
    Ok(render(&page))
}

pub async fn show(
    State(state): State<AppState>,
    s: SignedIn,
    Path(id): Path<String>,
    Query(q): Query<Done>,
) -> Result<Response, AppError> {
    detail_page(&state, &s, &id, done_text(q.done.as_deref()), None).await
}

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
    let k = state
        .store
        .consultation(&s.actor, Side::Applicant, &id)
        .await?;
    let offer = state.store.bookable_type_of(&k.type_id).await?;
    let late = change_deadline(&k, offer.as_ref().map(|(o, _)| o)).is_some_and(|d| now >= d);
    let result: Result<&str, BookError> = match field(&f, "action") {
        "cancel" if late => Err(BookError::Refused(format!(
            "It is too close to the consultation to cancel it here. Contact {} directly.",
            k.firm_name
        ))),
        "cancel" => cancel(&state, &s.actor, &id, field(&f, "message"), now).await,
        "move" if late => Err(BookError::Refused(format!(
            "It is too close to the consultation to move it here. Contact {} directly.",
            k.firm_name
        ))),
        "move" => move_to(&state, &s, &k, field(&f, "start"), now).await,
        "accept" => accept(&state, &s, &k, field(&f, "start"), now).await,
        _ => Err(BookError::Refused(
            "That form is not one of this page's; reload the page.".into(),
        )),
    };
    match result {
        Ok(done) => Ok(Redirect::to(&format!("/consultations/{id}?done={done}")).into_response()),
        Err(BookError::Refused(msg)) => {
            let mut r = detail_page(&state, &s, &id, None, Some(msg)).await?;
            *r.status_mut() = StatusCode::CONFLICT;
            Ok(r)
        }
        Err(BookError::Store(e)) => Err(e.into()),
    }
}

/// Cancels as the applicant (the notice policy is the caller's to check); also the API's.
pub(crate) async fn cancel(
    state: &AppState,
    actor: &Actor,
    id: &str,
    message: &str,
    now: Timestamp,
) -> Result<&'static str, BookError> {
    state
        .store
        .cancel_consultation(actor, Side::Applicant, id, message, now)
        .await?;
    Ok("cancelled")
}

async fn move_to(
    state: &AppState,
    s: &SignedIn,
    k: &Consultation,
    start: &str,
    now: Timestamp,
) -> Result<&'static str, BookError> {
    let time = super::new_time(state, k, parse_start(start)?).await?;
    let hold_until = super::hold_until(now, super::hold(state), time.start);
    state
        .store
        .reschedule_consultation(&s.actor, Side::Applicant, &k.id, time, hold_until, now)
        .await?;
    Ok("moved")
}

async fn accept(
    state: &AppState,
    s: &SignedIn,
    k: &Consultation,
    start: &str,
    now: Timestamp,
) -> Result<&'static str, BookError> {
    let time = super::new_time(state, k, parse_start(start)?).await?;
    state
        .store
        .accept_proposal(&s.actor, &k.id, time, now)
        .await?;
    Ok("accepted")
}
