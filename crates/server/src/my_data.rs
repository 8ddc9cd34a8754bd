//! "Export all my data" and "delete my account", both behind the password: an export holds
//! every case the person owns (as case files), their saved notices as received, and the case
//! logs; deleting removes the cases and the person's access everywhere.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_store::TxMode;

use crate::accounts::message;
use crate::auth::stale_form;
use crate::pages::render;
use crate::request::SignedIn;
use crate::session::{csrf_ok, csrf_token};
use crate::{AppError, AppState};

#[derive(Template)]
#[template(path = "confirm_password.html")]
struct ConfirmPage {
    disclaimer: &'static str,
    title: &'static str,
    paragraphs: Vec<&'static str>,
    action: &'static str,
    button: &'static str,
    /// The button destroys something: shown in the danger colour.
    danger: bool,
    csrf: String,
    error: Option<String>,
}

const EXPORT_TEXT: &[&str] = &[
    "You get a ZIP file with every case you own (as case files you can import again), the notices you saved as you uploaded them, and each case's log. Keep it safe: it holds names, passport numbers and dates of birth.",
];
const DELETE_TEXT: &[&str] = &[
    "This deletes your account and every case you own, with its history, notices and notes. People and firms you shared a case with lose it at once, and you lose access to cases others shared with you. It cannot be undone.",
    "Export your data first if you want to keep it.",
];

fn page(s: &SignedIn, export: bool, error: Option<String>) -> Response {
    let (title, paragraphs, action, button) = if export {
        (
            "Export all my data",
            EXPORT_TEXT,
            "/account/export",
            "Download my data",
        )
    } else {
        (
            "Delete my account",
            DELETE_TEXT,
            "/account/delete",
            "Delete my account for good",
        )
    };
    let mut r = render(&ConfirmPage {
        disclaimer: NOT_LEGAL_ADVICE,
        title,
        paragraphs: paragraphs.to_vec(),
        action,
        button,
        danger: !export,
        csrf: csrf_token(&s.session),
        error: error.clone(),
    });
    if error.is_some() {
        *r.status_mut() = StatusCode::UNAUTHORIZED;
    }
    r
}

pub async fn export_form(s: SignedIn) -> Response {
    page(&s, true, None)
}

pub async fn delete_form(s: SignedIn) -> Response {
    page(&s, false, None)
}

/// Checks the form's CSRF token and the password typed again.
async fn confirmed(state: &AppState, s: &SignedIn, body: &[u8]) -> Result<bool, AppError> {
    let f = crate::forms::fields(body);
    if !csrf_ok(&s.session, crate::forms::field(&f, "csrf")) {
        return Err(stale_form());
    }
    crate::accounts::password_matches(state, &s.actor, crate::forms::field(&f, "password")).await
}

pub async fn export(
    State(state): State<AppState>,
    s: SignedIn,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    if !confirmed(&state, &s, &body).await? {
        return Ok(page(&s, true, Some("That password is not right.".into())));
    }
    let now = state.clock.now();
    let mut entries = Vec::new();
    let mut tx = state.store.begin(TxMode::Read).await?;
    let summaries = tx.list_cases(&s.actor).await?;
    for summary in summaries {
        let Some(stored) = tx.get_case(&s.actor, &summary.id).await? else {
            continue;
        };
        if stored.owner != *s.actor.account_id() {
            continue; // shared with me, not mine to export
        }
        let id = stored.id.to_string();
        let case_json = serde_json::to_vec_pretty(&stored.case).map_err(AppError::internal)?;
        entries.push((format!("cases/{id}/case.json"), case_json));
        for (i, n) in tx
            .list_notices(&s.actor, &stored.id)
            .await?
            .into_iter()
            .enumerate()
        {
            let ext = match n.media_type.as_str() {
                "application/pdf" => "pdf",
                "image/png" => "png",
                "image/jpeg" => "jpg",
                "image/tiff" => "tiff",
                _ => "txt",
            };
            entries.push((format!("cases/{id}/notices/{}.{ext}", i + 1), n.original));
            entries.push((
                format!("cases/{id}/notices/{}-reading.json", i + 1),
                n.reading_json.into_bytes(),
            ));
        }
        let log = tx.case_audit(&s.actor, &stored.id).await?;
        entries.push((
            format!("cases/{id}/log.json"),
            serde_json::to_vec_pretty(&log).map_err(AppError::internal)?,
        ));
    }
    tx.commit().await?;
    let mut tx = state.store.begin(TxMode::Write).await?;
    tx.audit(
        &s.actor,
        "data_exported",
        None,
        &format!("{} files", entries.len()),
        now,
    )
    .await?;
    tx.commit().await?;
    entries.push((
        "README.txt".into(),
        format!(
            "Your visanav data, exported {now}.\n\nEach folder under cases/ is one case: case.json \
             (import it again with `visanav case import case.json`), the notices you saved as you \
             uploaded them, and the case's log.\n\n{NOT_LEGAL_ADVICE}\n"
        )
        .into_bytes(),
    ));
    let zip = crate::zip::archive(&entries);
    let mut r = zip.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"visanav-export.zip\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

pub async fn delete(
    State(state): State<AppState>,
    s: SignedIn,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    if !confirmed(&state, &s, &body).await? {
        return Ok(page(&s, false, Some("That password is not right.".into())));
    }
    if s.actor.account_id().as_str() == visanav_store::AccountId::LOCAL {
        return Err(AppError::new(
            StatusCode::BAD_REQUEST,
            "This is the machine's own account",
            "The local account cannot be deleted from the browser. Delete its cases with \
             `visanav case delete`.",
        ));
    }
    let now = state.clock.now();
    let mut tx = state.store.begin(TxMode::Write).await?;
    let cases = tx.delete_account(&s.actor, now).await?;
    tx.audit(
        &s.actor,
        "account_deleted",
        None,
        &format!("{cases} cases"),
        now,
    )
    .await?;
    tx.commit().await?;
    let mut r = message(
        "Your account is deleted",
        &[
            "Your cases and everything in them are gone, and you are signed out. Thank you for using visanav.",
        ],
        Some(("/", "Home")),
    );
    r.headers_mut()
        .append(header::SET_COOKIE, state.server.sessions.clear_cookie());
    Ok(r)
}
