//! Consultations with an attorney, on the web: attorneys set their availability and answer
//! requests (`attorney`, `settings`), applicants book from a case and follow their requests
//! (`applicant`), and visitors book through a firm's public page (`public`).
//!
//! What is shared lives here: turning an attorney's offer into free slots (the core computes
//! them; the store's claims have the last word), showing a time in both zones, making a
//! request, and the intake a request carries.

pub mod applicant;
pub mod attorney;
pub mod public;
pub mod settings;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use visanav_core::casefile::CaseFile;
use visanav_core::consult::{
    Availability, Booked, Slot, by_day, check_start, free_slots, occupied,
};
use visanav_core::knowledge::Knowledge;
use visanav_core::notify::{when_text, zone_name};
use visanav_core::plan::{DeadlineState, plan, today_at_post};
use visanav_core::summary::latest_status;
use visanav_store::{
    Applicant, AttorneyOffer, CaseId, ConsultType, Consultation, Intake, NewRequest, Side,
    StoreError,
};

use crate::AppState;

/// Days of free slots a booking page shows at once.
pub const DAYS_SHOWN: usize = 14;

/// An attorney's availability as stored, checked; `None` when it is not usable (never set, or
/// written by an older version): such an attorney shows no times.
pub fn availability(offer: &AttorneyOffer) -> Option<(Availability, TimeZone)> {
    let av: Availability = serde_json::from_str(&offer.availability).ok()?;
    let tz = av.validate().ok()?;
    Some((av, tz))
}

/// The consultations the attorney holds now, as the core reads them.
async fn booked(
    state: &AppState,
    offer: &AttorneyOffer,
    now: Timestamp,
) -> Result<Vec<Booked>, StoreError> {
    Ok(state
        .store
        .held_times(&[&offer.attorney_id], now)
        .await?
        .into_iter()
        .map(|h| Booked {
            start: h.start,
            end: h.end,
            occupied_from: h.occupied_from,
            occupied_until: h.occupied_until,
        })
        .collect())
}

/// The free slots of one consultation type.
pub async fn slots(
    state: &AppState,
    offer: &AttorneyOffer,
    ty: &ConsultType,
    now: Timestamp,
) -> Result<Vec<Slot>, StoreError> {
    let Some((av, tz)) = availability(offer) else {
        return Ok(Vec::new());
    };
    let held = booked(state, offer, now).await?;
    Ok(free_slots(&av, &tz, ty.minutes, &held, now))
}

/// One day of slots as the applicant sees it.
pub struct DayView {
    /// "Tuesday 16 March" in the applicant's zone.
    pub label: String,
    pub slots: Vec<SlotView>,
}

pub struct SlotView {
    /// The start as Unix milliseconds: the form's value.
    pub value: String,
    /// "10:00" in the applicant's zone.
    pub time: String,
    /// "22:00 New York" (or "Wed 22:00 New York" on another day): the attorney's clock.
    pub other: String,
}

/// Slots grouped by the applicant's days (at most [`DAYS_SHOWN`]), with the attorney's time
/// beside each.
pub fn day_views(slots: &[Slot], applicant: &TimeZone, attorney_zone: &str) -> Vec<DayView> {
    let attorney = TimeZone::get(attorney_zone).unwrap_or(TimeZone::UTC);
    let same = applicant.iana_name() == Some(attorney_zone);
    by_day(slots, applicant)
        .into_iter()
        .take(DAYS_SHOWN)
        .map(|(date, day)| DayView {
            label: date.strftime("%A %-d %B").to_string(),
            slots: day
                .iter()
                .map(|s| SlotView {
                    value: s.start.as_millisecond().to_string(),
                    time: s
                        .start
                        .to_zoned(applicant.clone())
                        .strftime("%H:%M")
                        .to_string(),
                    other: if same {
                        String::new()
                    } else {
                        let at = s.start.to_zoned(attorney.clone());
                        let day = if at.date() == date {
                            String::new()
                        } else {
                            format!("{} ", at.strftime("%a"))
                        };
                        format!("{day}{} {}", at.strftime("%H:%M"), city(attorney_zone))
                    },
                })
                .collect(),
        })
        .collect()
}

/// A zone's city, for a short label beside a time: "America/New_York" is "New York".
fn city(zone: &str) -> String {
    zone_name(zone).trim_end_matches(" time").to_string()
}

/// A time zone a person typed or picked, checked: the error says what to type.
pub fn parse_zone(text: &str) -> Result<TimeZone, String> {
    let text = text.trim();
    TimeZone::get(text).map_err(|_| {
        format!(
            "\"{text}\" is not a time zone visanav knows. Use a name like Asia/Manila or \
             America/New_York (the city your clock follows)."
        )
    })
}

/// The time of a consultation for one side: their clock first, the other's beside it.
pub fn time_for(k: &Consultation, side: Side) -> String {
    let (mine, theirs) = match side {
        Side::Applicant => (&k.applicant_zone, &k.attorney_zone),
        Side::Attorney => (&k.attorney_zone, &k.applicant_zone),
    };
    when_text(k.start, k.end, mine, Some(theirs.as_str()))
}

/// Why a request could not be made, in words for the page.
pub enum BookError {
    /// The person's mistake or a lost race: say it on the form.
    Refused(String),
    Store(StoreError),
}

impl From<StoreError> for BookError {
    fn from(e: StoreError) -> BookError {
        match e {
            StoreError::SlotTaken | StoreError::NotBookable => BookError::Refused(e.to_string()),
            StoreError::ConsultationState(m) => BookError::Refused(m),
            other => BookError::Store(other),
        }
    }
}

impl From<BookError> for crate::AppError {
    fn from(e: BookError) -> crate::AppError {
        match e {
            BookError::Refused(m) => crate::AppError::new(
                axum::http::StatusCode::CONFLICT,
                "This time cannot be booked",
                &m,
            ),
            BookError::Store(e) => e.into(),
        }
    }
}

/// The start a form sent, as a timestamp.
pub fn parse_start(text: &str) -> Result<Timestamp, BookError> {
    text.trim()
        .parse::<i64>()
        .ok()
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
        .ok_or_else(|| BookError::Refused("Pick one of the times shown.".into()))
}

/// What a request asks for, and by whom.
pub struct Ask<'a> {
    pub type_id: &'a str,
    pub start: Timestamp,
    pub applicant: Applicant<'a>,
    /// The applicant's time zone (IANA name).
    pub zone: &'a str,
    pub case: Option<&'a CaseId>,
    pub intake: &'a Intake,
    /// How long it holds its time unanswered.
    pub hold: SignedDuration,
}

/// A request, checked against the attorney's free slots and then made (the database refuses
/// it if someone else got there first).
pub async fn request(state: &AppState, ask: Ask<'_>) -> Result<String, BookError> {
    let Ask {
        type_id,
        start,
        applicant,
        zone: applicant_zone,
        case,
        intake,
        hold,
    } = ask;
    let now = state.clock.now();
    let Some((offer, ty)) = state.store.bookable_type_of(type_id).await? else {
        return Err(StoreError::NotBookable.into());
    };
    let Some((av, tz)) = availability(&offer) else {
        return Err(StoreError::NotBookable.into());
    };
    let held = booked(state, &offer, now).await?;
    let slot = check_start(&av, &tz, ty.minutes, &held, now, start)
        .map_err(|why| BookError::Refused(why.to_string()))?;
    let (occupied_from, occupied_until) = occupied(&av, slot.start, ty.minutes);
    let req = NewRequest {
        type_id,
        start: slot.start,
        end: slot.end,
        occupied_from,
        occupied_until,
        applicant_zone,
        attorney_zone: &av.zone,
        applicant,
        case,
        intake,
        hold_until: hold_until(now, hold, slot.start),
    };
    Ok(state.store.request_consultation(&req, now).await?)
}

/// A new time for an existing consultation, checked like a request.
pub async fn new_time(
    state: &AppState,
    k: &Consultation,
    start: Timestamp,
) -> Result<visanav_store::NewTime, BookError> {
    let now = state.clock.now();
    let Some((offer, ty)) = state.store.bookable_type_of(&k.type_id).await? else {
        return Err(StoreError::NotBookable.into());
    };
    let Some((av, tz)) = availability(&offer) else {
        return Err(StoreError::NotBookable.into());
    };
    // The consultation's own time does not stand in its way.
    let held: Vec<Booked> = booked(state, &offer, now)
        .await?
        .into_iter()
        .filter(|b| !(b.start == k.start && b.end == k.end))
        .collect();
    let slot = check_start(&av, &tz, ty.minutes, &held, now, start)
        .map_err(|why| BookError::Refused(why.to_string()))?;
    let (occupied_from, occupied_until) = occupied(&av, slot.start, ty.minutes);
    Ok(visanav_store::NewTime {
        start: slot.start,
        end: slot.end,
        occupied_from,
        occupied_until,
    })
}

/// What the attorney gets from a case: its facts and what its plan says, as of now.
pub fn intake_from_case(k: &Knowledge, case: &CaseFile, now: Timestamp, question: &str) -> Intake {
    let today = today_at_post(k, &case.post, now);
    let p = plan(case, k, today);
    let post_name = k
        .post(&case.post)
        .map_or_else(|| case.post.clone(), |p| p.name.clone());
    Intake {
        visa: case.visa.as_str().to_string(),
        post: case.post.clone(),
        post_name,
        ceac_status: latest_status(&case.status).map(|s| s.status),
        refusal: case
            .refusal
            .as_ref()
            .map(|r| format!("221(g) refusal on {}", r.on)),
        requested_documents: case
            .documents
            .iter()
            .map(|d| {
                k.document(&d.kind)
                    .map_or_else(|| d.kind.replace('_', " "), |doc| doc.name.clone())
            })
            .collect(),
        deadlines: p
            .deadlines
            .iter()
            .filter(|d| {
                matches!(
                    d.state,
                    DeadlineState::Upcoming
                        | DeadlineState::DueSoon
                        | DeadlineState::Running
                        | DeadlineState::Passed
                )
            })
            .map(|d| (d.title.to_string(), d.due.to_string()))
            .collect(),
        help_reasons: p
            .legal_help
            .reasons
            .iter()
            .map(|r| r.title.to_string())
            .collect(),
        help_urgency: p.legal_help.urgency.label().to_string(),
        applicant_name: case
            .beneficiary
            .as_ref()
            .map(|b| b.display_name())
            .unwrap_or_default(),
        petitioner_name: case.petitioner.as_ref().map(|b| b.display_name()),
        question: question.trim().to_string(),
    }
}

/// Until when a request holds its time: the hold, but never past the consultation's start (a
/// request nobody answered in time expires then).
pub fn hold_until(now: Timestamp, hold: SignedDuration, start: Timestamp) -> Timestamp {
    (now + hold).min(start)
}

/// How long a pending request holds its time before it expires.
pub fn hold(state: &AppState) -> SignedDuration {
    state.server.consult_hold
}
