//! Consultations on the API: what a firm offers and its free times (public, as the firm's
//! booking page is), requesting a consultation from a case, and following or cancelling
//! one's own requests.
//!
//! The work is the pages' (`crate::consult`): the same free slots, the same request (checked
//! against the slots, then claimed in the database, which refuses a time someone else got
//! first), the same intake from the case and the same notice policy for cancelling. These
//! handlers only read JSON and translate. Times are RFC 3339 instants; each also comes as the
//! local time in the asker's zone and in the attorney's, so neither side converts.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use visanav_core::consult::{MAX_HORIZON_DAYS, Unbookable};
use visanav_store::{Applicant, ConsultStatus, Consultation, Side, StoreError};

use super::{ApiQuery, JsonText};
use crate::AppState;
use crate::consult::{BookError, availability, parse_zone, time_for};
use crate::error::{ApiError, AppError, InvalidField};
use crate::request::{ApiCase, CurrentActor};

/// Days of slots `…/slots` gives unless asked.
const DEFAULT_DAYS: u32 = 14;

/// What a firm offers: the attorneys taking requests and their consultation types.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FirmOffer {
    pub firm: FirmRef,
    /// The firm's public booking page, for people.
    pub booking_page: String,
    /// Attorneys taking requests (only those with usable working hours).
    pub attorneys: Vec<AttorneyView>,
    /// The not-legal-advice line.
    pub disclaimer: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FirmRef {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AttorneyView {
    pub name: String,
    /// The IANA zone the attorney works in.
    pub zone: String,
    pub types: Vec<TypeView>,
}

/// A kind of consultation: its id is what `…/slots` and a request name.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TypeView {
    pub id: String,
    pub name: String,
    pub minutes: u32,
    /// The attorney's words: "Free", "$150".
    pub price: String,
    /// Where its free times are.
    pub slots: String,
}

#[utoipa::path(
    get, path = "/api/v1/firms/{firm}/consultation-types", operation_id = "firm_consultation_types",
    tag = "consultations", security(()),
    params(("firm" = String, Path, description = "The firm's id, as in its booking page's address /book/{firm}")),
    responses((status = 200, description = "The attorneys taking requests and their consultation types", body = FirmOffer)),
)]
pub async fn firm_types(
    State(state): State<AppState>,
    Path(firm): Path<String>,
) -> Result<Json<FirmOffer>, ApiError> {
    let Some((name, offers)) = state.store.firm_offers(&firm).await? else {
        return Err(ApiError(AppError::new(
            StatusCode::NOT_FOUND,
            "No such firm",
            "No firm has this id. Check the booking link the firm gave you: its last part is \
             the id.",
        )));
    };
    let attorneys = offers
        .iter()
        .filter_map(|o| {
            let (av, _) = availability(o)?;
            Some(AttorneyView {
                name: o.display_name.clone(),
                zone: av.zone,
                types: o
                    .types
                    .iter()
                    .map(|t| TypeView {
                        id: t.id.clone(),
                        name: t.name.clone(),
                        minutes: t.minutes,
                        price: t.price_text.clone(),
                        slots: format!("/api/v1/consultation-types/{}/slots", t.id),
                    })
                    .collect(),
            })
        })
        .collect();
    Ok(Json(FirmOffer {
        booking_page: format!("{}/book/{firm}", state.server.base_url),
        firm: FirmRef { id: firm, name },
        attorneys,
        disclaimer: visanav_core::NOT_LEGAL_ADVICE.to_string(),
    }))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlotParams {
    /// The IANA time zone to show local times in (`Asia/Manila`); the attorney's if not given.
    pub zone: Option<String>,
    /// How many days, today (in `zone`) the first, to give free times for: 1 to 365, 14 if
    /// not given.
    pub days: Option<String>,
}

/// Free times of one consultation type.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SlotList {
    pub type_id: String,
    pub name: String,
    pub minutes: u32,
    pub price: String,
    pub attorney: String,
    pub firm: FirmRef,
    /// The zone `local` times are in.
    pub zone: String,
    /// The attorney's zone: `attorney_local` times are in it.
    pub attorney_zone: String,
    /// In time order. A time can still be taken by someone else before you request it: the
    /// request then answers 409 `slot_taken`.
    pub slots: Vec<SlotView>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SlotView {
    /// When it starts and ends (RFC 3339, UTC). Send `start` back to request it.
    pub start: Timestamp,
    pub end: Timestamp,
    /// The start on the asker's clock, RFC 3339 with that zone's offset.
    #[schema(example = "2026-01-21T22:00:00+08:00")]
    pub local: String,
    /// The start on the attorney's clock.
    #[schema(example = "2026-01-21T09:00:00-05:00")]
    pub attorney_local: String,
}

/// `t` as RFC 3339 with the offset `tz` has then.
fn local(t: Timestamp, tz: &TimeZone) -> String {
    t.display_with_offset(tz.to_offset(t)).to_string()
}

fn bad_input(problems: Vec<InvalidField>) -> ApiError {
    let detail = problems
        .iter()
        .map(|p| format!("{}: {}", p.field, p.detail))
        .collect::<Vec<_>>()
        .join(" ");
    ApiError(AppError::invalid(
        StatusCode::BAD_REQUEST,
        "Invalid input",
        detail,
        problems,
    ))
}

fn problem(field: &str, detail: impl Into<String>) -> InvalidField {
    InvalidField {
        field: field.to_string(),
        detail: detail.into(),
    }
}

fn parse_days(text: Option<&str>) -> Result<u32, InvalidField> {
    let Some(text) = text else {
        return Ok(DEFAULT_DAYS);
    };
    match text.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_HORIZON_DAYS).contains(&n) => Ok(n),
        _ => Err(problem(
            "days",
            format!(
                "\"{text}\" is not a number of days from 1 to {MAX_HORIZON_DAYS}; send e.g. days=14"
            ),
        )),
    }
}

fn no_such_type() -> ApiError {
    ApiError(AppError::new(
        StatusCode::NOT_FOUND,
        "No such consultation type",
        "No attorney offers a consultation type with this id now. \
         GET /api/v1/firms/{firm}/consultation-types lists what a firm offers.",
    ))
}

#[utoipa::path(
    get, path = "/api/v1/consultation-types/{type_id}/slots", operation_id = "consultation_slots",
    tag = "consultations", security(()),
    params(("type_id" = String, Path, description = "A consultation type's id (from …/consultation-types)"), SlotParams),
    responses(
        (status = 200, description = "Its free times", body = SlotList),
        (status = 400, description = "`zone` or `days` is not usable; `errors` names it and says what to send", body = super::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn slots(
    State(state): State<AppState>,
    Path(type_id): Path<String>,
    ApiQuery(params): ApiQuery<SlotParams>,
) -> Result<Json<SlotList>, ApiError> {
    let asked_zone = params.zone.as_deref().filter(|z| !z.trim().is_empty());
    let mut problems = Vec::new();
    let zone = match asked_zone.map(parse_zone) {
        Some(Err(e)) => {
            problems.push(problem("zone", e));
            None
        }
        Some(Ok(tz)) => Some(tz),
        None => None,
    };
    let days = match parse_days(params.days.as_deref()) {
        Ok(days) => days,
        Err(p) => {
            problems.push(p);
            DEFAULT_DAYS
        }
    };
    if !problems.is_empty() {
        return Err(bad_input(problems));
    }
    let Some((offer, ty)) = state.store.bookable_type_of(&type_id).await? else {
        return Err(no_such_type());
    };
    let Some((av, attorney_tz)) = availability(&offer) else {
        return Err(no_such_type());
    };
    let tz = zone.unwrap_or_else(|| attorney_tz.clone());
    let now = state.clock.now();
    let last = now
        .to_zoned(tz.clone())
        .date()
        .checked_add(i64::from(days - 1).days())
        .unwrap_or(jiff::civil::Date::MAX);
    let free = crate::consult::slots(&state, &offer, &ty, now).await?;
    Ok(Json(SlotList {
        slots: free
            .iter()
            .filter(|s| tz.to_datetime(s.start).date() <= last)
            .map(|s| SlotView {
                start: s.start,
                end: s.end,
                local: local(s.start, &tz),
                attorney_local: local(s.start, &attorney_tz),
            })
            .collect(),
        type_id: ty.id,
        name: ty.name,
        minutes: ty.minutes,
        price: ty.price_text,
        attorney: offer.display_name,
        firm: FirmRef {
            id: offer.firm_id,
            name: offer.firm_name,
        },
        zone: tz.iana_name().unwrap_or("UTC").to_string(),
        attorney_zone: av.zone,
    }))
}

/// A request for a consultation about a case. Every field is required.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConsultation {
    /// The consultation type (from …/consultation-types).
    pub type_id: Option<String>,
    /// One of the free times' `start` (RFC 3339).
    #[schema(example = "2026-01-21T14:00:00Z")]
    pub start: Option<String>,
    /// The applicant's IANA time zone, for the times in messages and pages.
    #[schema(example = "Asia/Manila")]
    pub zone: Option<String>,
    /// What the applicant wants to ask; the case's facts go with it.
    pub question: Option<String>,
}

/// A request read and checked: everything the store needs.
struct Checked {
    type_id: String,
    start: Timestamp,
    zone: String,
    question: String,
}

fn check_request(body: NewConsultation) -> Result<Checked, ApiError> {
    let mut problems = Vec::new();
    let type_id = body.type_id.unwrap_or_default().trim().to_string();
    if type_id.is_empty() {
        problems.push(problem(
            "type_id",
            "name the consultation type: GET /api/v1/firms/{firm}/consultation-types lists them",
        ));
    }
    let start_text = body.start.unwrap_or_default();
    let start = start_text.trim().parse::<Timestamp>().ok();
    if start.is_none() {
        problems.push(problem(
            "start",
            format!(
                "\"{start_text}\" is not an RFC 3339 time; send one of the free times' start, \
                 e.g. 2026-01-21T14:00:00Z"
            ),
        ));
    }
    let zone_text = body.zone.unwrap_or_default();
    let zone = match parse_zone(&zone_text) {
        Ok(tz) => tz.iana_name().map(str::to_string),
        Err(e) => {
            problems.push(problem("zone", e));
            None
        }
    };
    let question = body.question.unwrap_or_default().trim().to_string();
    if question.is_empty() {
        problems.push(problem(
            "question",
            "write the question for the attorney: what do you want to know?",
        ));
    }
    match (start, zone) {
        (Some(start), Some(zone)) if problems.is_empty() => Ok(Checked {
            type_id,
            start,
            zone,
            question,
        }),
        _ => Err(bad_input(problems)),
    }
}

/// The word a refusal of a request or change goes by, for programs. The pages' shared code
/// gives refusals as sentences (the core's [`Unbookable`] and the store's errors, written
/// out), so the sentence is matched against those it can be.
fn refusal_code(message: &str) -> &'static str {
    let unbookable = [
        (Unbookable::Taken, "slot_taken"),
        (Unbookable::TooSoon, "too_soon"),
        (Unbookable::BeyondHorizon, "beyond_horizon"),
        (Unbookable::OutsideHours, "outside_hours"),
        (Unbookable::DayFull, "day_full"),
    ];
    if let Some((_, code)) = unbookable.iter().find(|(u, _)| u.to_string() == message) {
        return code;
    }
    if message == StoreError::SlotTaken.to_string() {
        "slot_taken"
    } else if message == StoreError::NotBookable.to_string() {
        "not_bookable"
    } else {
        "not_open"
    }
}

/// A sentence as a problem's detail: it starts with a capital.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn refused(e: BookError, title: &'static str) -> ApiError {
    match e {
        BookError::Refused(message) => ApiError(
            AppError::new(StatusCode::CONFLICT, title, sentence(&message))
                .with_code(refusal_code(&message)),
        ),
        BookError::Store(e) => ApiError::from(e),
    }
}

/// A consultation as its applicant sees it (the intake sent with it is not repeated).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsultationView {
    pub id: String,
    /// unverified, pending (waiting for the attorney; holds its time), proposed (the attorney
    /// proposed other times: `proposals`), confirmed, declined, cancelled or expired.
    #[schema(example = "pending")]
    pub status: String,
    /// The status in words.
    pub status_text: String,
    pub firm: FirmRef,
    pub attorney: String,
    pub type_id: String,
    pub type_name: String,
    pub minutes: u32,
    pub price: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// The applicant's zone and the start on that clock (RFC 3339 with its offset).
    pub zone: String,
    pub local: String,
    pub attorney_zone: String,
    pub attorney_local: String,
    /// Both times in words: "Wednesday 21 January, 22:00–23:00 Manila time (09:00 New York
    /// time)".
    pub when_text: String,
    /// Where it happens (a video link or a place), once confirmed.
    pub location: Option<String>,
    /// Until when a pending request holds its time before it expires.
    pub hold_until: Option<Timestamp>,
    /// The times the attorney proposed, when `proposed`.
    pub proposals: Vec<Timestamp>,
    /// The attorney's message (declining, proposing) or the reason given for cancelling.
    pub message: Option<String>,
    /// Who cancelled it: applicant or attorney.
    pub cancelled_by: Option<String>,
    /// The last moment it may be cancelled here (the attorney's minimum notice before a
    /// confirmed consultation); none while it is pending or proposed.
    pub cancel_until: Option<Timestamp>,
    /// The case it is about.
    pub case_id: Option<String>,
    pub created: Timestamp,
    /// Its page, for people.
    pub page: String,
}

async fn view(state: &AppState, k: Consultation) -> Result<ConsultationView, ApiError> {
    let offer = state.store.bookable_type_of(&k.type_id).await?;
    let deadline = crate::consult::applicant::change_deadline(&k, offer.as_ref().map(|(o, _)| o));
    let tz = |name: &str| TimeZone::get(name).unwrap_or(TimeZone::UTC);
    Ok(ConsultationView {
        status: k.status.as_str().to_string(),
        status_text: k.status.label().to_string(),
        firm: FirmRef {
            id: k.firm_id.clone(),
            name: k.firm_name.clone(),
        },
        attorney: k.attorney_name.clone(),
        type_id: k.type_id.clone(),
        type_name: k.type_name.clone(),
        minutes: k.minutes,
        price: k.price_text.clone(),
        start: k.start,
        end: k.end,
        local: local(k.start, &tz(&k.applicant_zone)),
        attorney_local: local(k.start, &tz(&k.attorney_zone)),
        when_text: time_for(&k, Side::Applicant),
        location: (k.status == ConsultStatus::Confirmed).then(|| k.location.clone()),
        hold_until: k
            .hold_until
            .filter(|_| matches!(k.status, ConsultStatus::Pending | ConsultStatus::Proposed)),
        proposals: if k.status == ConsultStatus::Proposed {
            k.proposals.clone()
        } else {
            Vec::new()
        },
        message: k.message.clone(),
        cancelled_by: k.cancelled_by.clone(),
        cancel_until: deadline,
        case_id: k.case_id.as_ref().map(|c| c.as_str().to_string()),
        created: k.created,
        page: format!("{}/consultations/{}", state.server.base_url, k.id),
        zone: k.applicant_zone,
        attorney_zone: k.attorney_zone,
        id: k.id,
    })
}

#[utoipa::path(
    post, path = "/api/v1/cases/{id}/consultations", operation_id = "request_consultation",
    tag = "consultations",
    params(("id" = String, Path, description = "The case the consultation is about; its facts and plan go to the attorney", example = "MNL2025512345")),
    request_body(content = NewConsultation, content_type = "application/json"),
    responses(
        (status = 201, description = "Requested: pending until the attorney answers; `Location` names it", body = ConsultationView,
            headers(("location" = String, description = "/api/v1/consultations/{consultation}"))),
        (status = 400, description = "A field is missing or wrong; `errors` names each", body = super::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The time cannot be booked; `code` says why: slot_taken (someone else has it), too_soon, beyond_horizon, outside_hours, day_full, not_bookable (the type is no longer offered)", body = super::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn request(
    State(state): State<AppState>,
    ApiCase(found): ApiCase,
    body: JsonText,
) -> Result<Response, ApiError> {
    let asked = check_request(body.parse::<NewConsultation>()?)?;
    if state
        .store
        .bookable_type_of(&asked.type_id)
        .await?
        .is_none()
    {
        return Err(bad_input(vec![problem(
            "type_id",
            format!(
                "no attorney offers a consultation type \"{}\" now; GET \
                 /api/v1/firms/{{firm}}/consultation-types lists what a firm offers",
                asked.type_id
            ),
        )]));
    }
    let now = state.clock.now();
    let intake = crate::consult::intake_from_case(
        &state.knowledge,
        &found.stored.case,
        now,
        &asked.question,
    );
    let ask = crate::consult::Ask {
        type_id: &asked.type_id,
        start: asked.start,
        applicant: Applicant::Account(&found.actor),
        zone: &asked.zone,
        case: Some(&found.stored.id),
        intake: &intake,
        hold: crate::consult::hold(&state),
    };
    let id = crate::consult::request(&state, ask)
        .await
        .map_err(|e| refused(e, "This time cannot be booked"))?;
    let k = state
        .store
        .consultation(&found.actor, Side::Applicant, &id)
        .await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/consultations/{id}"))],
        Json(view(&state, k).await?),
    )
        .into_response())
}

/// The caller's consultations.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConsultationList {
    /// Open ones first, soonest first; then the others, latest first.
    pub consultations: Vec<ConsultationView>,
}

#[utoipa::path(
    get, path = "/api/v1/consultations", operation_id = "list_consultations", tag = "consultations",
    responses((status = 200, description = "The consultations the caller requested", body = ConsultationList)),
)]
pub async fn list(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
) -> Result<Json<ConsultationList>, ApiError> {
    state.store.expire_consultations(state.clock.now()).await?;
    let mut consultations = Vec::new();
    for k in state.store.consultations(&actor, Side::Applicant).await? {
        consultations.push(view(&state, k).await?);
    }
    Ok(Json(ConsultationList { consultations }))
}

#[utoipa::path(
    get, path = "/api/v1/consultations/{consultation}", operation_id = "read_consultation",
    tag = "consultations",
    params(("consultation" = String, Path, description = "The consultation's id")),
    responses((status = 200, description = "One of the caller's consultations", body = ConsultationView)),
)]
pub async fn read(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
) -> Result<Json<ConsultationView>, ApiError> {
    state.store.expire_consultations(state.clock.now()).await?;
    let k = state
        .store
        .consultation(&actor, Side::Applicant, &id)
        .await?;
    Ok(Json(view(&state, k).await?))
}

/// Why the applicant cancels (optional; the attorney reads it).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cancel {
    #[serde(default)]
    pub message: String,
}

#[utoipa::path(
    post, path = "/api/v1/consultations/{consultation}/cancel", operation_id = "cancel_consultation",
    tag = "consultations",
    params(("consultation" = String, Path, description = "The consultation's id")),
    request_body(content = Cancel, content_type = "application/json"),
    responses(
        (status = 200, description = "Cancelled: its time is free again and the attorney is told", body = ConsultationView),
        (status = 409, description = "It cannot be cancelled here; `code` says why: too_late (closer to its start than the attorney's notice allows: contact the firm), not_open (it is not pending, proposed or confirmed)", body = super::Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn cancel(
    State(state): State<AppState>,
    CurrentActor(actor): CurrentActor,
    Path(id): Path<String>,
    body: JsonText,
) -> Result<Json<ConsultationView>, ApiError> {
    let reason = body.parse::<Cancel>()?;
    let now = state.clock.now();
    let k = state
        .store
        .consultation(&actor, Side::Applicant, &id)
        .await?;
    let offer = state.store.bookable_type_of(&k.type_id).await?;
    let deadline = crate::consult::applicant::change_deadline(&k, offer.as_ref().map(|(o, _)| o));
    if deadline.is_some_and(|d| now >= d) {
        return Err(ApiError(
            AppError::new(
                StatusCode::CONFLICT,
                "Too late to cancel here",
                format!(
                    "It is too close to the consultation to cancel it here. Contact {} directly.",
                    k.firm_name
                ),
            )
            .with_code("too_late"),
        ));
    }
    crate::consult::applicant::cancel(&state, &actor, &id, &reason.message, now)
        .await
        .map_err(|e| refused(e, "This consultation cannot be cancelled"))?;
    let k = state
        .store
        .consultation(&actor, Side::Applicant, &id)
        .await?;
    Ok(Json(view(&state, k).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_has_its_own_code() {
        for (message, code) in [
            (Unbookable::Taken.to_string(), "slot_taken"),
            (StoreError::SlotTaken.to_string(), "slot_taken"),
            (Unbookable::TooSoon.to_string(), "too_soon"),
            (Unbookable::BeyondHorizon.to_string(), "beyond_horizon"),
            (Unbookable::OutsideHours.to_string(), "outside_hours"),
            (Unbookable::DayFull.to_string(), "day_full"),
            (StoreError::NotBookable.to_string(), "not_bookable"),
            ("this consultation is cancelled now".to_string(), "not_open"),
        ] {
            assert_eq!(refusal_code(&message), code, "{message}");
        }
    }

    #[test]
    fn days_are_checked_and_named() {
        assert_eq!(parse_days(None), Ok(DEFAULT_DAYS));
        assert_eq!(parse_days(Some("7")), Ok(7));
        for bad in ["0", "-1", "many", "366"] {
            let p = parse_days(Some(bad)).expect_err(bad);
            assert_eq!(p.field, "days");
            assert!(p.detail.contains("days=14"), "{}", p.detail);
        }
    }

    #[test]
    fn a_request_names_every_bad_field() {
        let Err(e) = check_request(NewConsultation {
            type_id: None,
            start: Some("tomorrow at ten".into()),
            zone: Some("Mars/Olympus".into()),
            question: Some("  ".into()),
        }) else {
            panic!("a request with four bad fields was accepted");
        };
        let fields: Vec<&str> = e.0.invalid.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["type_id", "start", "zone", "question"]);
        assert_eq!(e.0.status, StatusCode::BAD_REQUEST);
        let Ok(ok) = check_request(NewConsultation {
            type_id: Some("t".into()),
            start: Some("2026-01-21T09:00:00-05:00".into()),
            zone: Some(" Asia/Manila ".into()),
            question: Some("What do I send?".into()),
        }) else {
            panic!("a good request was refused");
        };
        assert_eq!(ok.start.to_string(), "2026-01-21T14:00:00Z");
        assert_eq!(ok.zone, "Asia/Manila");
    }

    #[test]
    fn local_times_carry_their_offset() {
        let t: Timestamp = "2026-01-21T14:00:00Z".parse().expect("ts");
        let manila = TimeZone::get("Asia/Manila").expect("zone");
        assert_eq!(local(t, &manila), "2026-01-21T22:00:00+08:00");
        let ny = TimeZone::get("America/New_York").expect("zone");
        assert_eq!(local(t, &ny), "2026-01-21T09:00:00-05:00");
    }
}
