//! Editing a case in the browser, one section at a time (dates and numbers, people, the
//! refusal, documents), and adding a status reading. The form's answers are applied to the
//! case file and validated exactly as `visanav case import` validates a file; an edit that
//! would remove something asks first.

mod fields;
mod paths;

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::casefile::{CaseFile, CaseFileError, Format, StatusObservation};
use visanav_core::knowledge::Knowledge;
use visanav_core::plan::latest_date_anywhere;

use crate::auth::stale_form;
use crate::pages::render;
use crate::request::PageCase;
use crate::session::{csrf_ok, csrf_token};
use crate::sharing::see_other;
use crate::{AppError, AppState};
use fields::{Group, Input, SECTIONS, Source};

#[derive(Template)]
#[template(path = "case_edit.html")]
struct EditPage {
    disclaimer: &'static str,
    csrf: String,
    case_id: String,
    short_id: String,
    section: String,
    title: &'static str,
    groups: Vec<Group>,
    /// Problems not tied to one field, and a summary of the rest.
    problems: Vec<(String, String)>,
    /// What saving would remove; shown with a confirmation box.
    losses: Vec<String>,
    posts: Vec<String>,
}

fn not_found() -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        "Page not found",
        "There is no such part of a case to edit.",
    )
}

fn title_of(section: &str) -> Option<&'static str> {
    SECTIONS
        .iter()
        .find(|(s, _)| *s == section)
        .map(|(_, t)| *t)
}

fn case_json(c: &CaseFile) -> Value {
    serde_json::to_value(c).unwrap_or(Value::Null)
}

#[allow(clippy::too_many_arguments)]
fn page(
    state: &AppState,
    loaded: &crate::request::LoadedCase,
    section: &str,
    mut groups: Vec<Group>,
    from: Source<'_>,
    problems: Vec<(String, String)>,
    losses: Vec<String>,
    status: StatusCode,
) -> Response {
    let k = &state.knowledge;
    let errors: HashMap<String, String> = problems.iter().cloned().collect();
    fields::fill(&mut groups, from, &errors);
    // The post as a person recognises it ("Manila, Philippines (MNL)"), not only its code.
    for f in groups.iter_mut().flat_map(|g| g.fields.iter_mut()) {
        if f.input == Input::Post
            && let Some(p) = k.post(&f.value)
        {
            f.value = crate::new_case::post_label(k, p);
        }
    }
    // The summary links each problem to its field.
    let problems = problems
        .into_iter()
        .map(|(path, m)| {
            let anchor = if path.is_empty() {
                path
            } else {
                fields::field_id(&path)
            };
            (anchor, m)
        })
        .collect();
    let mut r = render(&EditPage {
        disclaimer: NOT_LEGAL_ADVICE,
        csrf: csrf_token(&loaded.session),
        case_id: loaded.stored.id.to_string(),
        short_id: loaded.stored.id.short().to_string(),
        section: section.to_string(),
        title: title_of(section).unwrap_or(""),
        groups,
        problems,
        losses,
        posts: k
            .posts
            .iter()
            .map(|p| crate::new_case::post_label(k, p))
            .collect(),
    });
    *r.status_mut() = status;
    r
}

pub async fn form(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    Path((_, section)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let current = case_json(&loaded.stored.case);
    let groups = fields::section(&state.knowledge, &section, &current).ok_or_else(not_found)?;
    Ok(page(
        &state,
        &loaded,
        &section,
        groups,
        Source::Case(&current),
        Vec::new(),
        Vec::new(),
        StatusCode::OK,
    ))
}

/// The answers of a section applied to the case file, or problems (field path, message).
fn apply(
    k: &Knowledge,
    groups: &[Group],
    current: &Value,
    pairs: &[(String, String)],
) -> Result<Value, Vec<(String, String)>> {
    let mut v = current.clone();
    let mut problems = Vec::new();
    let sent = |name: &str| -> Vec<&str> {
        pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .collect()
    };
    let mut removed_rows = Vec::new();
    for f in groups.iter().flat_map(|g| g.fields.iter()) {
        let values = sent(&f.name);
        let one = values.last().copied().unwrap_or("");
        let new = match f.input {
            Input::Flag => {
                if !one.is_empty() {
                    removed_rows.push(f.name.clone());
                }
                continue;
            }
            Input::Checkboxes => Some(Value::from(
                values
                    .iter()
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::from(*s))
                    .collect::<Vec<_>>(),
            )),
            Input::List => {
                let items: Vec<Value> = one
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(Value::from)
                    .collect();
                (!items.is_empty()).then(|| Value::from(items))
            }
            Input::Post if !one.is_empty() => match crate::new_case::resolve_post(k, one) {
                Ok(code) => Some(Value::from(code)),
                Err(e) => {
                    problems.push((f.name.clone(), e));
                    continue;
                }
            },
            _ => (!one.is_empty()).then(|| Value::from(one)),
        };
        paths::set(&mut v, &f.name, new);
    }
    tidy(&mut v, &removed_rows, &mut problems);
    if problems.is_empty() {
        Ok(v)
    } else {
        Err(problems)
    }
}

/// After the fields are set: rows marked for removal go, an empty new document row is
/// dropped, and a refusal left without a date is removed or reported.
fn tidy(v: &mut Value, removed: &[String], problems: &mut Vec<(String, String)>) {
    if removed.iter().any(|r| r == "refusal.remove")
        && let Some(map) = v.as_object_mut()
    {
        map.remove("refusal");
    }
    if let Some(r) = v.get("refusal").and_then(Value::as_object) {
        let only_defaults = r
            .iter()
            .all(|(k, val)| k == "requested" && val.as_array().is_some_and(Vec::is_empty));
        if !r.contains_key("on") {
            if only_defaults || r.is_empty() {
                if let Some(map) = v.as_object_mut() {
                    map.remove("refusal");
                }
            } else {
                problems.push((
                    "refusal.on".into(),
                    "Give the date of the refusal, or tick \"There was no refusal\".".into(),
                ));
            }
        }
    }
    let Some(docs) = v.get_mut("documents").and_then(Value::as_array_mut) else {
        return;
    };
    let mut keep = Vec::with_capacity(docs.len());
    for (i, d) in docs.drain(..).enumerate() {
        if removed.contains(&format!("documents[{i}].remove")) {
            continue;
        }
        let empty = d.as_object().is_none_or(|m| m.is_empty());
        if empty {
            continue;
        }
        if d.get("kind").is_none() {
            problems.push((
                format!("documents[{i}].kind"),
                "Choose which document this is.".into(),
            ));
        }
        keep.push(d);
    }
    *docs = keep;
}

/// What saving `new` over `old` would remove, in the person's words. Status readings are
/// never removed by an edit, so they are left out.
fn losses(k: &Knowledge, groups: &[Group], old: &Value, new: &Value) -> Vec<String> {
    let kinds = |v: &Value| -> Vec<String> {
        v.get("documents")
            .and_then(Value::as_array)
            .map(|d| {
                d.iter()
                    .map(|x| {
                        x.get("kind")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string()
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let (old_kinds, mut new_kinds) = (kinds(old), kinds(new));
    let mut out = Vec::new();
    for kind in &old_kinds {
        match new_kinds.iter().position(|n| n == kind) {
            Some(i) => {
                new_kinds.remove(i);
            }
            None => out.push(format!(
                "The document \"{}\" and what is recorded about it",
                k.document(kind).map_or(kind.as_str(), |d| d.name.as_str())
            )),
        }
    }
    if old.get("refusal").is_some() && new.get("refusal").is_none() {
        out.push("The refusal, with its date, requested documents and notes".into());
    }
    let new_leaves: HashMap<String, String> = paths::leaves(new).into_iter().collect();
    let same_docs = old_kinds == kinds(new);
    for (path, _) in paths::leaves(old) {
        let skip = path.starts_with("status")
            || (path.starts_with("refusal") && new.get("refusal").is_none())
            || (path.starts_with("documents") && !same_docs);
        if !skip && !new_leaves.contains_key(&path) {
            out.push(fields::label_of(groups, &path));
        }
    }
    out
}

fn problems_of(e: CaseFileError) -> Vec<(String, String)> {
    match e {
        CaseFileError::Invalid(ps) => ps.into_iter().map(|p| (p.field, p.message)).collect(),
        other => vec![(String::new(), other.to_string())],
    }
}

pub async fn save(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    Path((_, section)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let csrf = pairs
        .iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v);
    if !csrf_ok(&loaded.session, csrf) {
        return Err(stale_form());
    }
    let k = &state.knowledge;
    let now = state.clock.now();
    let current = case_json(&loaded.stored.case);
    let groups = fields::section(k, &section, &current).ok_or_else(not_found)?;
    let again = |problems, losses, status| {
        let groups = fields::section(k, &section, &current).unwrap_or_default();
        page(
            &state,
            &loaded,
            &section,
            groups,
            Source::Form(&pairs),
            problems,
            losses,
            status,
        )
    };
    let edited = match apply(k, &groups, &current, &pairs) {
        Ok(v) => v,
        Err(problems) => return Ok(again(problems, Vec::new(), StatusCode::BAD_REQUEST)),
    };
    let text = edited.to_string();
    let case = match CaseFile::parse(&text, Format::Json, k, latest_date_anywhere(now)) {
        Ok(c) => c,
        Err(e) => return Ok(again(problems_of(e), Vec::new(), StatusCode::BAD_REQUEST)),
    };
    let confirmed = pairs.iter().any(|(k, v)| k == "confirm" && v == "yes");
    let lost = losses(k, &groups, &current, &case_json(&case));
    if !lost.is_empty() && !confirmed {
        return Ok(again(Vec::new(), lost, StatusCode::OK));
    }
    let id = loaded.stored.id.clone();
    state
        .store
        .update_case(&loaded.actor, &id, &case, now)
        .await
        .map_err(|e| AppError::from(e).with_case(id.as_str()))?;
    Ok(see_other(format!("/cases/{id}?saved={section}")))
}

/// Adds the status the person sees today (an observation like any other).
pub async fn add_status(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = crate::forms::fields(&body);
    if !csrf_ok(&loaded.session, crate::forms::field(&f, "csrf")) {
        return Err(stale_form());
    }
    let k = &state.knowledge;
    let now = state.clock.now();
    let id = loaded.stored.id.clone();
    let mut obs = serde_json::Map::new();
    let today = visanav_core::plan::today_at_post(k, &loaded.stored.case.post, now);
    let on = crate::forms::field(&f, "on").trim();
    obs.insert(
        "on".into(),
        Value::from(if on.is_empty() {
            today.to_string()
        } else {
            on.to_string()
        }),
    );
    obs.insert(
        "status".into(),
        Value::from(crate::forms::field(&f, "status").trim()),
    );
    let updated = crate::forms::field(&f, "last_updated").trim();
    if !updated.is_empty() {
        obs.insert("last_updated".into(), Value::from(updated));
    }
    obs.insert("source".into(), Value::from("ceac"));
    let text = Value::Object(obs).to_string();
    // One reading, checked by the rules a case file's readings follow.
    let new = StatusObservation::parse_json(&text, k, latest_date_anywhere(now)).map_err(|e| {
        let detail = problems_of(e)
            .into_iter()
            .map(|(field, m)| {
                let label = match field.as_str() {
                    "on" => "Day you saw it",
                    "last_updated" => "Case Last Updated",
                    "status" => "Status",
                    _ => "The status",
                };
                format!("{label}: {m}")
            })
            .collect::<Vec<_>>()
            .join(" ");
        AppError::new(StatusCode::BAD_REQUEST, "Please check the status", detail)
            .with_case(id.as_str())
    })?;
    state
        .store
        .append_status(&loaded.actor, &id, &new, now)
        .await
        .map_err(|e| AppError::from(e).with_case(id.as_str()))?;
    Ok(see_other(format!("/cases/{id}?saved=status")).into_response())
}
