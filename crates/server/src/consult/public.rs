//! A firm's public booking page, `/book/{firm}`, which the firm links from its own website: a
//! visitor with no account describes their situation (visa, post, what CEAC shows, optionally
//! the pasted 221(g) notice, read into the intake), picks a time and gives an email address.
//! Nothing reaches the attorney until the address is verified: the request holds its time
//! for [`UNVERIFIED_HOLD_MINUTES`] only, and `/book/verify` (a page whose button acts, so mail
//! scanners cannot) sends it on and gives the visitor an account to follow it.
//!
//! Abuse: the form's token (cross-site posts fail), a hidden field bots fill, the sign-in
//! throttle per client address and per address given, and at most
//! [`MAX_REQUESTS_PER_DAY`] requests per email address a day.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use jiff::SignedDuration;
use jiff::tz::TimeZone;
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_store::{
    Applicant, AttorneyOffer, Intake, TxMode, UNVERIFIED_HOLD_MINUTES, is_email_address,
};

use super::applicant::{Choice, choices, find_type};
use super::{BookError, DayView, availability, day_views, parse_start, parse_zone};
use crate::accounts::{TokenQuery, confirm_page, link_problem, message, send};
use crate::auth::{client, first_factor_given, stale_form};
use crate::forms::{Fields, field, fields};
use crate::pages::render;
use crate::request::ClientAddr;
use crate::{AppError, AppState};

/// Requests one email address may make in a day.
pub const MAX_REQUESTS_PER_DAY: i64 = 3;

#[derive(Template)]
#[template(path = "book.html")]
struct BookPage {
    disclaimer: &'static str,
    form_token: String,
    firm_id: String,
    firm_name: String,
    choices: Vec<Choice>,
    chosen: Option<Choice>,
    zone: String,
    /// The zone was guessed (the attorney's): the page's script replaces it with the
    /// browser's own.
    zone_guessed: bool,
    zone_error: Option<String>,
    days: Vec<DayView>,
    visas: Vec<&'static str>,
    posts: Vec<(String, String)>,
    statuses: Vec<String>,
    f: Typed,
    error: Option<String>,
}

/// What the visitor typed, kept across an error.
#[derive(Default)]
struct Typed {
    visa: String,
    post: String,
    status: String,
    notice: String,
    name: String,
    petitioner: String,
    question: String,
    email: String,
}

impl Typed {
    fn from(f: &Fields) -> Typed {
        Typed {
            visa: field(f, "visa").to_string(),
            post: field(f, "post").to_string(),
            status: field(f, "status").to_string(),
            notice: field(f, "notice").to_string(),
            name: field(f, "name").trim().to_string(),
            petitioner: field(f, "petitioner").trim().to_string(),
            question: field(f, "question").trim().to_string(),
            email: field(f, "email").trim().to_string(),
        }
    }
}

#[derive(serde::Deserialize, Default)]
pub struct BookQuery {
    #[serde(rename = "type")]
    type_id: Option<String>,
    zone: Option<String>,
}

fn not_found() -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        "No such booking page",
        "Check the link the firm gave you.",
    )
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    headers: &HeaderMap,
    firm: &str,
    type_id: Option<&str>,
    zone_text: Option<&str>,
    typed: Typed,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let Some((firm_name, offers)) = state.store.firm_offers(firm).await? else {
        return Err(not_found());
    };
    let offers: Vec<AttorneyOffer> = offers
        .into_iter()
        .filter(|o| availability(o).is_some())
        .collect();
    let mut all = choices(&offers);
    let type_id = type_id
        .map(str::to_string)
        .or_else(|| (all.len() == 1).then(|| all[0].type_id.clone()));
    let found = type_id.as_deref().and_then(|id| find_type(&offers, id));
    let attorney_zone = found
        .and_then(|(o, _)| availability(o))
        .or_else(|| offers.first().and_then(availability))
        .map_or_else(|| "UTC".to_string(), |(a, _)| a.zone);
    let zone_guessed = zone_text.is_none_or(|z| z.trim().is_empty());
    let zone = if zone_guessed {
        attorney_zone.clone()
    } else {
        zone_text.unwrap_or_default().trim().to_string()
    };
    let (tz, zone_error) = match parse_zone(&zone) {
        Ok(tz) => (tz, None),
        Err(e) => (TimeZone::UTC, Some(e)),
    };
    let mut days = Vec::new();
    let mut chosen = None;
    if let Some((offer, ty)) = found {
        let slots = super::slots(state, offer, ty, now).await?;
        days = day_views(&slots, &tz, &attorney_zone);
        chosen = all
            .iter()
            .position(|c| c.type_id == ty.id)
            .map(|i| all.remove(i));
    }
    let k = &state.knowledge;
    let form = state.server.sessions.form_token(headers);
    let mut r = render(&BookPage {
        disclaimer: NOT_LEGAL_ADVICE,
        form_token: form.value.clone(),
        firm_id: firm.to_string(),
        firm_name,
        choices: all,
        chosen,
        zone,
        zone_guessed,
        zone_error,
        days,
        visas: vec!["K-1", "K-2"],
        posts: k
            .posts
            .iter()
            .map(|p| (p.code.clone(), format!("{} ({})", p.name, p.code)))
            .collect(),
        statuses: crate::case_page::ceac_statuses(k),
        f: typed,
        error,
    });
    *r.status_mut() = status;
    Ok(crate::session::with_form_cookie(r, &form))
}

pub async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(firm): Path<String>,
    Query(q): Query<BookQuery>,
) -> Result<Response, AppError> {
    page(
        &state,
        &headers,
        &firm,
        q.type_id.as_deref(),
        q.zone.as_deref(),
        Typed::default(),
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn request(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    Path(firm): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !state
        .server
        .sessions
        .form_token_ok(&headers, field(&f, "form_token"))
    {
        return Err(stale_form());
    }
    let typed = Typed::from(&f);
    let (type_id, zone) = (field(&f, "type").to_string(), field(&f, "zone").to_string());
    // Filled only by programs that fill every field.
    if !field(&f, "website").is_empty() {
        return Ok(message(
            "Check your email",
            &["If the address is right, a message with a link is on its way."],
            None,
        ));
    }
    let problem = check(&state, &addr, &typed).await?;
    let outcome = match problem {
        Some(p) => Err(BookError::Refused(p)),
        None => make_request(&state, &f, &typed, &type_id, &zone).await,
    };
    match outcome {
        Ok(()) => Ok(message(
            "Check your email to send your request",
            &[
                &format!(
                    "We sent a link to {}. Open it and press the button within {UNVERIFIED_HOLD_MINUTES} minutes: \
                     until then the time is held for you, and nothing reaches the attorney.",
                    typed.email
                ),
                "No message? Look in the spam folder, or make the request again with the right address.",
            ],
            None,
        )),
        Err(BookError::Refused(msg)) => {
            page(
                &state,
                &headers,
                &firm,
                Some(&type_id),
                Some(&zone),
                typed,
                Some(msg),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(BookError::Store(e)) => Err(e.into()),
    }
}

/// What is wrong with the form or the visitor's pace, if anything.
async fn check(state: &AppState, addr: &ClientAddr, t: &Typed) -> Result<Option<String>, AppError> {
    if !is_email_address(&t.email) {
        return Ok(Some(
            "Give your email address, like name@example.org: the link to send your request goes there.".into(),
        ));
    }
    if t.name.is_empty() {
        return Ok(Some("Give your name (the applicant's).".into()));
    }
    if t.question.is_empty() {
        return Ok(Some("Write your question for the attorney.".into()));
    }
    if !matches!(t.visa.as_str(), "K-1" | "K-2") {
        return Ok(Some("Choose your visa: K-1 or K-2.".into()));
    }
    if state.knowledge.post(&t.post).is_none() {
        return Ok(Some(
            "Choose the embassy or consulate of your interview.".into(),
        ));
    }
    let keys = [
        format!("book-addr:{}", client(addr)),
        format!("book-email:{}", visanav_store::normalise_email(&t.email)),
    ];
    for key in keys {
        if let Err(wait) = state.throttle.hit(&key) {
            return Ok(Some(format!(
                "Too many requests. Wait {} minute(s) and try again.",
                wait.div_ceil(60)
            )));
        }
    }
    let since = state.clock.now() - SignedDuration::from_hours(24);
    let mut tx = state.store.begin(TxMode::Read).await?;
    let made = tx.public_requests_since(&t.email, since).await?;
    tx.commit().await?;
    if made >= MAX_REQUESTS_PER_DAY {
        return Ok(Some(format!(
            "This address made {made} requests today, the most one address may. Follow them \
             from your account, or try again tomorrow."
        )));
    }
    Ok(None)
}

async fn make_request(
    state: &AppState,
    f: &Fields,
    t: &Typed,
    type_id: &str,
    zone: &str,
) -> Result<(), BookError> {
    let tz = parse_zone(zone).map_err(BookError::Refused)?;
    let start = parse_start(field(f, "start"))?;
    let intake = intake_from_form(state, t);
    let (link, hash) = crate::outbound::new_link(state, "/book/verify");
    super::request(
        state,
        super::Ask {
            type_id,
            start,
            applicant: Applicant::Unverified {
                email: &t.email,
                verify_hash: &hash,
            },
            zone: tz.iana_name().unwrap_or("UTC"),
            case: None,
            intake: &intake,
            hold: SignedDuration::from_mins(UNVERIFIED_HOLD_MINUTES),
        },
    )
    .await?;
    send(
        state,
        "consultation-verify",
        &t.email,
        "Confirm your consultation request",
        format!(
            "You asked for a consultation through visanav.\n\n\
             To send the request to the attorney, open this link and press the button within \
             {UNVERIFIED_HOLD_MINUTES} minutes:\n{link}\n\n\
             If you did not ask for this, ignore this message: nothing is sent.\n\n{NOT_LEGAL_ADVICE}"
        ),
    )
    .await;
    Ok(())
}

/// The intake from the form; a pasted notice is read into the refusal's kind and the
/// documents it asks for.
fn intake_from_form(state: &AppState, t: &Typed) -> Intake {
    let k = &state.knowledge;
    let reading = (!t.notice.trim().is_empty())
        .then(|| state.notice_reader.read(&t.notice, Some(&t.post)).ok())
        .flatten();
    Intake {
        visa: t.visa.clone(),
        post: t.post.clone(),
        post_name: k
            .post(&t.post)
            .map_or_else(|| t.post.clone(), |p| p.name.clone()),
        ceac_status: Some(t.status.clone()).filter(|s| !s.is_empty()),
        refusal: reading
            .as_ref()
            .map(|r| format!("221(g) notice read by visanav: {}", r.kind.label())),
        requested_documents: reading
            .map(|r| {
                r.requests
                    .iter()
                    .map(|q| {
                        k.document(&q.document)
                            .map_or_else(|| q.text.clone(), |d| d.name.clone())
                    })
                    .collect()
            })
            .unwrap_or_default(),
        deadlines: Vec::new(),
        help_reasons: Vec::new(),
        help_urgency: "not assessed (booked from the firm's public page, without a case)".into(),
        applicant_name: t.name.clone(),
        petitioner_name: Some(t.petitioner.clone()).filter(|p| !p.is_empty()),
        question: t.question.clone(),
    }
}

pub async fn verify_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<TokenQuery>,
) -> Response {
    confirm_page(
        &state.server.sessions.form_token(&headers),
        "Send your consultation request",
        "Press the button to confirm your email address and send your request to the attorney.",
        "/book/verify",
        q.token.as_deref().unwrap_or_default(),
        "Send my request",
    )
}

pub async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !state
        .server
        .sessions
        .form_token_ok(&headers, field(&f, "form_token"))
    {
        return Err(stale_form());
    }
    let now = state.clock.now();
    let hash = visanav_auth::hash_token(field(&f, "token"));
    let mut tx = state.store.begin(TxMode::Write).await?;
    let Some(v) = tx
        .verify_consultation_request(&hash, now + super::hold(&state), now)
        .await?
    else {
        tx.commit().await?;
        return Err(link_problem());
    };
    let next = format!("/consultations/{}?done=requested", v.consultation_id);
    if v.new_account {
        // A new account whose address was just proven: signed in, to follow the request.
        let account = tx.account(&v.account).await?.ok_or(link_problem())?;
        let r = first_factor_given(
            &state,
            &mut tx,
            &account,
            &headers,
            "consultation_link",
            &next,
        )
        .await?;
        tx.commit().await?;
        return Ok(r);
    }
    tx.commit().await?;
    Ok(message(
        "Your request is sent",
        &[
            "The attorney reviews it before confirming; you will be told by email either way.",
            "This address already has a visanav account: sign in to follow the request.",
        ],
        Some((
            &format!("/sign-in?next={}", crate::auth::encode(&next)),
            "Sign in",
        )),
    ))
}
