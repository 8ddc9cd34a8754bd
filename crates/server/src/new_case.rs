//! Adding a case in the browser: the visa, the post (found by city, country or code), the
//! case number, the interview date and today's status. The answers become a case file and
//! go through the same validation as `visanav case import`, with the same clear messages.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::casefile::{CaseFile, CaseFileError, Format};
use visanav_core::knowledge::Knowledge;
use visanav_store::{DuplicatePolicy, StoreError};

use crate::auth::stale_form;
use crate::pages::render;
use crate::request::SignedIn;
use crate::session::{csrf_ok, csrf_token};
use crate::{AppError, AppState};

#[derive(Template)]
#[template(path = "new_case.html")]
struct NewCasePage {
    disclaimer: &'static str,
    csrf: String,
    problems: Vec<String>,
    visa: String,
    post: String,
    case_number: String,
    interview_on: String,
    status: String,
    /// "Manila, Philippines (MNL)" for every post, for the search list.
    posts: Vec<String>,
    statuses: Vec<String>,
    /// A pasted case file, and what is wrong with it.
    case_file: String,
    import_problems: Vec<String>,
}

pub(crate) fn post_label(k: &Knowledge, p: &visanav_core::knowledge::Post) -> String {
    let country = k
        .country(&p.country)
        .map_or(p.country.clone(), |c| c.name.clone());
    format!("{}, {country} ({})", p.name, p.code)
}

fn page(
    state: &AppState,
    s: &SignedIn,
    f: &HashMap<String, String>,
    problems: Vec<String>,
) -> Response {
    page_with_import(state, s, f, problems, Vec::new())
}

fn page_with_import(
    state: &AppState,
    s: &SignedIn,
    f: &HashMap<String, String>,
    problems: Vec<String>,
    import_problems: Vec<String>,
) -> Response {
    let k = &state.knowledge;
    let get = |name: &str| f.get(name).cloned().unwrap_or_default();
    let mut r = render(&NewCasePage {
        disclaimer: NOT_LEGAL_ADVICE,
        csrf: csrf_token(&s.session),
        visa: get("visa"),
        post: get("post"),
        case_number: get("case_number"),
        interview_on: get("interview_on"),
        status: get("status"),
        posts: k.posts.iter().map(|p| post_label(k, p)).collect(),
        statuses: crate::case_page::ceac_statuses(k),
        problems: problems.clone(),
        case_file: get("case_file"),
        import_problems: import_problems.clone(),
    });
    if !problems.is_empty() || !import_problems.is_empty() {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    r
}

/// The form, empty or started from a link (`?visa=K-1&post=MNL&status=Refused`, as a
/// consultation booked without a case offers): only those three are taken from the link.
pub async fn form(
    State(state): State<AppState>,
    s: SignedIn,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
) -> Response {
    let start: HashMap<String, String> = q
        .into_iter()
        .filter(|(k, _)| matches!(k.as_str(), "visa" | "post" | "status"))
        .collect();
    page(&state, &s, &start, Vec::new())
}

/// The post a person typed: a code, "City, Country (CODE)" from the list, or a city or
/// country with exactly one post.
pub(crate) fn resolve_post(k: &Knowledge, typed: &str) -> Result<String, String> {
    let t = typed.trim();
    let code = t
        .rsplit_once('(')
        .and_then(|(_, r)| r.strip_suffix(')'))
        .unwrap_or(t)
        .trim()
        .to_ascii_uppercase();
    if k.post(&code).is_some() {
        return Ok(code);
    }
    let matches: Vec<&str> = k
        .posts
        .iter()
        .filter(|p| {
            p.name.eq_ignore_ascii_case(t)
                || k.country(&p.country)
                    .is_some_and(|c| c.name.eq_ignore_ascii_case(t))
        })
        .map(|p| p.code.as_str())
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.to_string()),
        [] => {
            let hints = k.suggest_posts(t);
            Err(if hints.is_empty() {
                format!(
                    "No embassy or consulate matches {t:?}. Type the city, or pick one from the list."
                )
            } else {
                format!(
                    "No embassy or consulate matches {t:?}. Did you mean {}?",
                    hints.join(", ")
                )
            })
        }
        many => Err(format!(
            "{t:?} has several posts ({}); pick the one that interviewed you from the list.",
            many.join(", ")
        )),
    }
}

/// The form's answers as a case file (TOML), for the same validation the CLI applies.
fn case_file_text(
    f: &HashMap<String, String>,
    post: &str,
    today: jiff::civil::Date,
) -> Result<String, String> {
    let get = |name: &str| f.get(name).map(|v| v.trim()).unwrap_or("");
    let mut table = toml::Table::new();
    table.insert("visa".into(), get("visa").into());
    table.insert("post".into(), post.into());
    if !get("case_number").is_empty() {
        table.insert("ceac_case_number".into(), get("case_number").into());
    }
    if !get("interview_on").is_empty() {
        table.insert("interview_on".into(), get("interview_on").into());
    }
    if !get("status").is_empty() {
        let mut obs = toml::Table::new();
        obs.insert("on".into(), today.to_string().into());
        obs.insert("status".into(), get("status").into());
        obs.insert("source".into(), "ceac".into());
        table.insert("status".into(), toml::Value::Array(vec![obs.into()]));
    }
    toml::to_string(&table).map_err(|e| e.to_string())
}

/// The form's answers as a validated case file, or the problems in the person's words.
fn validate(
    k: &Knowledge,
    f: &HashMap<String, String>,
    now: jiff::Timestamp,
) -> Result<CaseFile, Vec<String>> {
    let post =
        resolve_post(k, f.get("post").map(String::as_str).unwrap_or("")).map_err(|p| vec![p])?;
    let today = visanav_core::plan::today_at_post(k, &post, now);
    let text = case_file_text(f, &post, today).map_err(|e| vec![e])?;
    let latest = visanav_core::plan::latest_date_anywhere(now);
    CaseFile::parse(&text, Format::Toml, k, latest).map_err(|e| match e {
        CaseFileError::Invalid(problems) => {
            let labels = [
                ("ceac_case_number", "Case number"),
                ("interview_on", "Interview date"),
                ("status", "Status"),
                ("visa", "Visa"),
                ("post", "Embassy or consulate"),
            ];
            problems
                .into_iter()
                .map(|p| {
                    let label = labels
                        .iter()
                        .find(|(k, _)| p.field.starts_with(k))
                        .map_or(p.field.as_str(), |(_, l)| l);
                    format!("{label}: {}", p.message)
                })
                .collect()
        }
        other => vec![other.to_string()],
    })
}

pub async fn create(
    State(state): State<AppState>,
    s: SignedIn,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = crate::forms::fields(&body);
    if !csrf_ok(&s.session, f.get("csrf").map(String::as_str).unwrap_or("")) {
        return Err(stale_form());
    }
    let now = state.clock.now();
    // The knowledge base is not shared across threads: read it before any await.
    let case = match validate(&state.knowledge, &f, now) {
        Ok(c) => c,
        Err(problems) => return Ok(page(&state, &s, &f, problems)),
    };
    match state
        .store
        .create_case(&s.actor, &case, now, DuplicatePolicy::Refuse)
        .await
    {
        Ok(id) => Ok((
            StatusCode::SEE_OTHER,
            [(header::LOCATION, format!("/cases/{id}"))],
        )
            .into_response()),
        Err(StoreError::DuplicateCase { existing, .. }) => Ok(page(
            &state,
            &s,
            &f,
            vec![format!(
                "You already have a case with this case number: open it from the home page (case {}).",
                existing.short()
            )],
        )),
        Err(e) => Err(e.into()),
    }
}

/// A case file pasted in the browser (TOML or JSON), checked exactly as `visanav case
/// import` checks one.
pub async fn import(
    State(state): State<AppState>,
    s: SignedIn,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = crate::forms::fields(&body);
    if !csrf_ok(&s.session, f.get("csrf").map(String::as_str).unwrap_or("")) {
        return Err(stale_form());
    }
    let text = f.get("case_file").map(String::as_str).unwrap_or("");
    let now = state.clock.now();
    let latest = visanav_core::plan::latest_date_anywhere(now);
    let case = match CaseFile::parse(text, Format::sniff(text), &state.knowledge, latest) {
        Ok(c) => c,
        Err(CaseFileError::Invalid(problems)) => {
            let lines = problems.iter().map(ToString::to_string).collect();
            return Ok(page_with_import(&state, &s, &f, Vec::new(), lines));
        }
        Err(other) => {
            return Ok(page_with_import(
                &state,
                &s,
                &f,
                Vec::new(),
                vec![other.to_string()],
            ));
        }
    };
    match state
        .store
        .create_case(&s.actor, &case, now, DuplicatePolicy::Refuse)
        .await
    {
        Ok(id) => Ok((
            StatusCode::SEE_OTHER,
            [(header::LOCATION, format!("/cases/{id}"))],
        )
            .into_response()),
        Err(e @ StoreError::DuplicateCase { .. }) => Ok(page_with_import(
            &state,
            &s,
            &f,
            Vec::new(),
            vec![e.to_string().replace(" (--force)", "")],
        )),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_are_found_by_code_list_label_city_or_country() {
        let k = Knowledge::embedded().expect("knowledge");
        assert_eq!(resolve_post(&k, "mnl").as_deref(), Ok("MNL"));
        assert_eq!(
            resolve_post(&k, "Manila, Philippines (MNL)").as_deref(),
            Ok("MNL")
        );
        assert_eq!(resolve_post(&k, "manila").as_deref(), Ok("MNL"));
        assert!(resolve_post(&k, "Atlantis").is_err());
    }
}
