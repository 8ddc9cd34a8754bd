//! The home page. Signed out, it tells a worried applicant what visanav does for them and
//! how to start; signed in, it is "My cases".

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::knowledge::Knowledge;

use crate::pages::render;
use crate::request::{AuthRejection, CurrentActor};
use crate::{AppError, AppState};

/// One case on "My cases".
pub struct CaseCard {
    pub id: String,
    pub visa: String,
    /// "Manila, Philippines" (or the code when the post is unknown).
    pub post: String,
    /// The case number, else the short id: what the person recognises the case by.
    pub label: String,
    /// The latest status, its date and the slug of its explanation ("" when unknown).
    pub status: Option<(String, String, String)>,
}

/// Statuses an applicant most often meets after the interview, linked from the home page.
const COMMON_STATUSES: [&str; 4] = [
    "ceac-refused",
    "ceac-administrative-processing",
    "ceac-ready",
    "ceac-issued",
];

/// The rule whose title explains the deadline visanav watches (words from the knowledge
/// base, so the page never states a legal period of its own).
const WINDOW_RULE: &str = "221g_reconsideration_window";

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    disclaimer: &'static str,
    signed_in: bool,
    cases: Vec<CaseCard>,
    /// (slug, name) of the common statuses.
    statuses: Vec<(String, String)>,
    window_title: String,
}

fn post_label(k: &Knowledge, code: &str) -> String {
    match k.post(code) {
        Some(p) => match k.country(&p.country) {
            Some(c) => format!("{}, {}", p.name, c.name),
            None => p.name.clone(),
        },
        None => code.to_string(),
    }
}

pub async fn home(
    State(state): State<AppState>,
    signed: Result<CurrentActor, AuthRejection>,
) -> Result<Response, AppError> {
    let actor = match signed {
        Ok(CurrentActor(actor)) => Some(actor),
        Err(AuthRejection::SignIn { .. }) => None,
        Err(other) => return Ok(other.into_response()),
    };
    let k = &state.knowledge;
    let cases = match &actor {
        Some(a) => state.store.list_cases(a).await?,
        None => Vec::new(),
    };
    let cases = cases
        .into_iter()
        .map(|c| CaseCard {
            label: c
                .ceac_case_number
                .clone()
                .unwrap_or_else(|| c.id.short().to_string()),
            id: c.id.to_string(),
            post: post_label(k, &c.post),
            visa: c.visa,
            status: c.latest_status.map(|s| {
                let slug = k
                    .find_status(&s, None)
                    .map(|st| st.slug.clone())
                    .unwrap_or_default();
                (s, c.latest_status_on.unwrap_or_default(), slug)
            }),
        })
        .collect();
    let statuses = COMMON_STATUSES
        .iter()
        .filter_map(|slug| k.status_by_slug(slug))
        .map(|s| (s.slug.clone(), s.name.clone()))
        .collect();
    let window_title = k
        .rule(WINDOW_RULE)
        .map(|r| r.title.clone())
        .unwrap_or_default();
    Ok(render(&Home {
        disclaimer: NOT_LEGAL_ADVICE,
        signed_in: actor.is_some(),
        cases,
        statuses,
        window_title,
    }))
}
