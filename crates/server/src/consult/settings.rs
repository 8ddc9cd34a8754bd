//! `/consult/settings`: an attorney's availability at a firm (the name applicants see, time
//! zone, weekly hours, date overrides, buffers, notice, horizon, most per day, whether they
//! take requests) and their consultation types. Everything typed is checked by the core with
//! errors that name the field; nothing is saved until all of it is right.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::civil::Date;
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::consult::{
    Availability, AvailabilityError, DayOverride, check_length, format_hours, parse_hours,
};
use visanav_store::{AttorneyOffer, ConsultType, NewConsultType, StoreError, TxMode};

use crate::auth::stale_form;
use crate::forms::{Fields, field, fields};
use crate::pages::render;
use crate::request::SignedIn;
use crate::session::{csrf_ok, csrf_token};
use crate::{AppError, AppState};

const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

#[derive(Template)]
#[template(path = "consult_settings.html")]
struct SettingsPage {
    disclaimer: &'static str,
    csrf: String,
    firm_id: String,
    firm_name: String,
    /// (id, name) of the person's other firms where they are an attorney.
    other_firms: Vec<(String, String)>,
    booking_link: String,
    display_name: String,
    zone: String,
    accepting: bool,
    /// (day name, field name, hours as typed)
    days: Vec<(&'static str, String, String)>,
    overrides: String,
    buffer_before: String,
    buffer_after: String,
    notice_hours: String,
    horizon_days: String,
    max_per_day: String,
    types: Vec<ConsultType>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct Which {
    firm: Option<String>,
}

/// The firm the page is about: the one asked for, else the person's first firm where they
/// are an attorney.
async fn firm_of(
    state: &AppState,
    s: &SignedIn,
    wanted: Option<&str>,
) -> Result<(String, String, Vec<(String, String)>), AppError> {
    let mut tx = state.store.begin(TxMode::Read).await?;
    let mut mine = Vec::new();
    for f in tx.my_firms(&s.actor).await? {
        if tx.is_firm_attorney(&s.actor, &f.id).await? {
            mine.push((f.id, f.name));
        }
    }
    tx.commit().await?;
    let chosen = wanted
        .and_then(|w| mine.iter().find(|(id, _)| id == w))
        .or_else(|| mine.first())
        .cloned()
        .ok_or_else(|| {
            AppError::new(
                StatusCode::NOT_FOUND,
                "No firm to set up",
                "Consultations are offered by attorneys of a firm (owner or attorney role), signed in with their second factor.",
            )
        })?;
    let others = mine.into_iter().filter(|(id, _)| *id != chosen.0).collect();
    Ok((chosen.0, chosen.1, others))
}

fn page_from(
    state: &AppState,
    s: &SignedIn,
    (firm_id, firm_name, other_firms): (String, String, Vec<(String, String)>),
    offer: Option<&AttorneyOffer>,
) -> SettingsPage {
    let av = offer
        .and_then(|o| serde_json::from_str::<Availability>(&o.availability).ok())
        .unwrap_or_else(|| Availability::default_in("America/New_York"));
    SettingsPage {
        disclaimer: NOT_LEGAL_ADVICE,
        csrf: csrf_token(&s.session),
        booking_link: format!("{}/book/{firm_id}", state.server.base_url),
        firm_id,
        firm_name,
        other_firms,
        display_name: offer.map(|o| o.display_name.clone()).unwrap_or_default(),
        zone: av.zone.clone(),
        accepting: offer.is_none_or(|o| o.accepting),
        days: DAYS
            .iter()
            .enumerate()
            .map(|(i, d)| (*d, format!("day{i}"), format_hours(&av.weekly.days[i])))
            .collect(),
        overrides: av
            .overrides
            .iter()
            .map(|(date, o)| match o {
                DayOverride::Off => format!("{date} off"),
                DayOverride::Hours(h) => format!("{date} {}", format_hours(h)),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        buffer_before: av.buffer_before_min.to_string(),
        buffer_after: av.buffer_after_min.to_string(),
        notice_hours: (av.min_notice_min / 60).to_string(),
        horizon_days: av.horizon_days.to_string(),
        max_per_day: av.max_per_day.map(|n| n.to_string()).unwrap_or_default(),
        types: offer.map(|o| o.types.clone()).unwrap_or_default(),
        notice: None,
        error: None,
    }
}

pub async fn show(
    State(state): State<AppState>,
    s: SignedIn,
    Query(q): Query<Which>,
) -> Result<Response, AppError> {
    let firm = firm_of(&state, &s, q.firm.as_deref()).await?;
    let offer = state.store.my_offer_of(&s.actor, &firm.0).await?;
    Ok(render(&page_from(&state, &s, firm, offer.as_ref())))
}

pub async fn save(
    State(state): State<AppState>,
    s: SignedIn,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&s.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let firm = firm_of(&state, &s, Some(field(&f, "firm"))).await?;
    let firm_id = firm.0.clone();
    let now = state.clock.now();
    let mut tx = state.store.begin(TxMode::Write).await?;
    let outcome: Result<String, String> = match field(&f, "action") {
        "save" => match availability_from(&f) {
            Ok(av) => {
                let name = field(&f, "display_name").trim();
                if name.is_empty() {
                    Err("Your name as applicants see it: type it (for example \"Ana Reyes, immigration attorney\").".into())
                } else {
                    let json = serde_json::to_string(&av)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                    tx.save_offer(
                        &s.actor,
                        &firm_id,
                        name,
                        &json,
                        field(&f, "accepting") == "yes",
                        now,
                    )
                    .await?;
                    Ok("Saved. Applicants see the new times at once.".into())
                }
            }
            Err(e) => Err(e.to_string()),
        },
        "add-type" => match type_from(&f) {
            Ok(new) => {
                if tx.my_offer(&s.actor, &firm_id).await?.is_none() {
                    Err("Save your availability first, then add consultation types.".into())
                } else {
                    tx.add_consult_type(&s.actor, &firm_id, &new, now).await?;
                    Ok(format!("Added \"{}\".", new.name))
                }
            }
            Err(e) => Err(e),
        },
        action @ ("type-off" | "type-on") => {
            let changed = tx
                .set_consult_type_active(&s.actor, field(&f, "type"), action == "type-on")
                .await?;
            if changed {
                Ok(if action == "type-on" {
                    "Offered again.".into()
                } else {
                    "No longer offered. Requests already made for it stay as they are.".into()
                })
            } else {
                Err("That consultation type is not one of yours.".into())
            }
        }
        _ => Err("That form is not one of this page's; reload the page.".into()),
    };
    let offer = tx.my_offer(&s.actor, &firm_id).await?;
    match outcome {
        Ok(notice) => {
            tx.commit().await?;
            let mut page = page_from(&state, &s, firm, offer.as_ref());
            page.notice = Some(notice);
            Ok(render(&page))
        }
        Err(error) => {
            tx.rollback().await?;
            // Show what they typed, so nothing is lost.
            let mut page = page_from(&state, &s, firm, offer.as_ref());
            keep_typed(&mut page, &f);
            page.error = Some(error);
            let mut r = render(&page);
            *r.status_mut() = StatusCode::BAD_REQUEST;
            Ok(r)
        }
    }
}

fn keep_typed(page: &mut SettingsPage, f: &Fields) {
    if field(f, "action") != "save" {
        return;
    }
    page.display_name = field(f, "display_name").to_string();
    page.zone = field(f, "zone").to_string();
    page.accepting = field(f, "accepting") == "yes";
    for (_, name, value) in &mut page.days {
        *value = field(f, name).to_string();
    }
    page.overrides = field(f, "overrides").to_string();
    page.buffer_before = field(f, "buffer_before").to_string();
    page.buffer_after = field(f, "buffer_after").to_string();
    page.notice_hours = field(f, "notice_hours").to_string();
    page.horizon_days = field(f, "horizon_days").to_string();
    page.max_per_day = field(f, "max_per_day").to_string();
}

fn number(f: &Fields, name: &str, label: &str) -> Result<u32, AvailabilityError> {
    let text = field(f, name).trim();
    text.parse::<u32>().map_err(|_| {
        AvailabilityError::new(
            label,
            format!("\"{text}\" is not a whole number. Type one, like 15."),
        )
    })
}

/// The availability the form describes, checked.
fn availability_from(f: &Fields) -> Result<Availability, AvailabilityError> {
    let mut av = Availability::default_in(field(f, "zone").trim());
    for (i, day) in DAYS.iter().enumerate() {
        av.weekly.days[i] = parse_hours(field(f, &format!("day{i}")))
            .map_err(|e| e.in_field(format!("{day}'s hours")))?;
    }
    av.overrides.clear();
    for line in field(f, "overrides")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        let (date, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let date: Date = date.parse().map_err(|_| {
            AvailabilityError::new(
                "date overrides",
                format!(
                    "\"{line}\": start the line with a date like 2026-12-24, then \"off\" or hours."
                ),
            )
        })?;
        let hours = parse_hours(rest).map_err(|e| e.in_field(format!("the hours for {date}")))?;
        let o = if hours.is_empty() {
            DayOverride::Off
        } else {
            DayOverride::Hours(hours)
        };
        av.overrides.insert(date, o);
    }
    av.buffer_before_min = number(f, "buffer_before", "buffer before")?;
    av.buffer_after_min = number(f, "buffer_after", "buffer after")?;
    av.min_notice_min = number(f, "notice_hours", "minimum notice")?.saturating_mul(60);
    av.horizon_days = number(f, "horizon_days", "booking horizon")?;
    av.max_per_day = match field(f, "max_per_day").trim() {
        "" => None,
        _ => Some(number(f, "max_per_day", "most consultations a day")?),
    };
    av.validate()?;
    Ok(av)
}

fn type_from(f: &Fields) -> Result<NewConsultType, String> {
    let name = field(f, "name").trim();
    if name.is_empty() {
        return Err("Name the consultation type (for example \"First consultation\").".into());
    }
    let minutes: u32 = field(f, "minutes")
        .trim()
        .parse()
        .map_err(|_| "Length: type the minutes as a whole number, like 30 or 60.".to_string())?;
    check_length(minutes).map_err(|e| e.to_string())?;
    let location = field(f, "location").trim();
    if location.is_empty() {
        return Err("Where: give a video link, \"Phone call\" or an address.".into());
    }
    Ok(NewConsultType {
        name: name.to_string(),
        minutes,
        price_text: field(f, "price").trim().to_string(),
        location: location.to_string(),
    })
}
