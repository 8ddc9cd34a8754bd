//! Sharing a case: the owner invites a co-applicant by email or offers the case to a firm, sees
//! who has access and revokes it at once, and reads the case's log. The firms' side is in
//! `firms`. Who may see what is decided in the store; these pages only ask.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::SignedDuration;
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_store::{NewToken, TokenProblem, TokenPurpose, TxMode};

use crate::accounts::{MessagePage, message};
use crate::auth::stale_form;
pub(crate) use crate::forms::{field, fields};
pub(crate) use crate::outbound::send;
use crate::pages::render;
use crate::request::{PageCase, SignedIn};
use crate::session::{csrf_ok, csrf_token};
use crate::{AppError, AppState};

pub(crate) const INVITE_LIFETIME: SignedDuration = SignedDuration::from_hours(24 * 7);

pub(crate) fn when(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

pub(crate) fn see_other(to: String) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
}

#[derive(Template)]
#[template(path = "sharing.html")]
struct SharingPage {
    disclaimer: &'static str,
    case_id: String,
    short_id: String,
    csrf: String,
    notice: Option<String>,
    error: Option<String>,
    /// (share id, with whom, status, can revoke)
    shares: Vec<(String, String, String, bool)>,
}

#[derive(serde::Deserialize)]
pub struct Said {
    pub(crate) said: Option<String>,
}

/// Who can see the case, for its owner (anyone else: 404, from the store).
pub async fn page(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    Query(q): Query<Said>,
) -> Result<Response, AppError> {
    let mut tx = state.store.begin(TxMode::Read).await?;
    let shares = tx.shares(&loaded.actor, &loaded.stored.id).await?;
    let mut rows = Vec::new();
    for s in shares {
        let who = match (&s.firm_name, &s.account) {
            (Some(f), _) => format!("the firm {f}"),
            (None, Some(a)) => tx
                .account(a)
                .await?
                .and_then(|a| a.email)
                .map_or("a co-applicant".into(), |e| format!("co-applicant {e}")),
            (None, None) => "a co-applicant (invitation sent)".into(),
        };
        let status = match s.status.as_str() {
            "active" => format!("has access since {}", when(s.created_ms)),
            "pending" => "invited, has not answered".into(),
            "declined" => "declined".into(),
            _ => "revoked".into(),
        };
        let live = matches!(s.status.as_str(), "active" | "pending");
        rows.push((s.id, who, status, live));
    }
    tx.commit().await?;
    Ok(render(&SharingPage {
        disclaimer: NOT_LEGAL_ADVICE,
        case_id: loaded.stored.id.to_string(),
        short_id: loaded.stored.id.short().to_string(),
        csrf: csrf_token(&loaded.session),
        notice: q.said.map(|s| match s.as_str() {
            "invited" => "Invitation sent.".to_string(),
            "offered" => "The case was offered to the firm.".to_string(),
            _ => "Access revoked. It ended at once.".to_string(),
        }),
        error: None,
        shares: rows,
    }))
}

pub async fn invite_co_applicant(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&loaded.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let email = visanav_store::normalise_email(field(&f, "email"));
    if !visanav_store::is_email_address(&email) {
        return Err(AppError::new(
            StatusCode::BAD_REQUEST,
            "Check the address",
            "That is not an email address.",
        ));
    }
    let now = state.clock.now();
    let (link, hash) = crate::outbound::new_link(&state, "/invites/case");
    let mut tx = state.store.begin(TxMode::Write).await?;
    let share = tx
        .offer_share(&loaded.actor, &loaded.stored.id, None, now)
        .await?;
    tx.create_token(
        NewToken {
            hash: &hash,
            purpose: TokenPurpose::CaseShare,
            account: None,
            email: Some(&email),
            subject: Some(&share),
            subject_secret: None,
            lifetime: INVITE_LIFETIME,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    let text = format!(
        "You are invited to see a K-1 visa case on visanav (a co-applicant's full access).\n\nSign in (or create an account) with this address, then open:\n\n{link}\n\nThe invitation works for 7 days. If you do not know why you got it, ignore it."
    );
    send(
        &state,
        "case_share_invite",
        &email,
        "An invitation to a case on visanav",
        text,
    )
    .await;
    Ok(see_other(format!(
        "/cases/{}/sharing?said=invited",
        loaded.stored.id
    )))
}

pub async fn offer_to_firm(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&loaded.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let code = field(&f, "firm").trim().to_ascii_lowercase();
    let now = state.clock.now();
    let mut tx = state.store.begin(TxMode::Write).await?;
    if tx.firm_name(&code).await?.is_none() {
        tx.rollback().await?;
        return Err(AppError::new(
            StatusCode::BAD_REQUEST,
            "No firm has this code",
            "Check the firm code with your attorney (it looks like 0199a0b1-2c3d-7e4f-8a5b-6c7d8e9f0a1b).",
        )
        .with_case(loaded.stored.id.as_str()));
    }
    tx.offer_share(&loaded.actor, &loaded.stored.id, Some(&code), now)
        .await?;
    tx.commit().await?;
    Ok(see_other(format!(
        "/cases/{}/sharing?said=offered",
        loaded.stored.id
    )))
}

pub async fn revoke(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    Path(params): Path<HashMap<String, String>>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&loaded.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let share = params.get("share").map(String::as_str).unwrap_or("");
    let mut tx = state.store.begin(TxMode::Write).await?;
    tx.revoke_share(&loaded.actor, &loaded.stored.id, share, state.clock.now())
        .await?;
    tx.commit().await?;
    Ok(see_other(format!(
        "/cases/{}/sharing?said=revoked",
        loaded.stored.id
    )))
}

#[derive(serde::Deserialize)]
pub struct TokenQuery {
    pub(crate) token: Option<String>,
}

pub(crate) fn accept_page(
    title: &str,
    text: &str,
    action: &str,
    token: &str,
    csrf: &str,
) -> Response {
    render(&MessagePage {
        disclaimer: NOT_LEGAL_ADVICE,
        title: title.into(),
        paragraphs: vec![
            text.into(),
            "Not for you, or not wanted? Ignore it, or decline it.".into(),
        ],
        action: Some((
            action.into(),
            vec![("token".into(), token.into()), ("csrf".into(), csrf.into())],
            "Accept".into(),
        )),
        link: (action == "/invites/case").then(|| {
            (
                format!("/invites/case/decline?token={token}"),
                "Decline the invitation".into(),
            )
        }),
    })
}

/// Declining a case invitation: a page with a button (acting on a GET would let a mail
/// scanner decline it).
pub async fn case_invite_decline_form(s: SignedIn, Query(q): Query<TokenQuery>) -> Response {
    render(&MessagePage {
        disclaimer: NOT_LEGAL_ADVICE,
        title: "Decline the invitation".into(),
        paragraphs: vec!["The case's owner will see that you declined.".into()],
        action: Some((
            "/invites/case/decline".into(),
            vec![
                ("token".into(), q.token.unwrap_or_default()),
                ("csrf".into(), csrf_token(&s.session)),
            ],
            "Decline".into(),
        )),
        link: None,
    })
}

pub async fn decline_case_invite(
    State(state): State<AppState>,
    s: SignedIn,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    answer_case_invite(state, s, body, false).await
}

pub async fn case_invite_form(s: SignedIn, Query(q): Query<TokenQuery>) -> Response {
    accept_page(
        "An invitation to a case",
        "Accept to see this case and work on it with its owner.",
        "/invites/case",
        &q.token.unwrap_or_default(),
        &csrf_token(&s.session),
    )
}

pub(crate) fn token_problem(p: TokenProblem) -> AppError {
    match p {
        TokenProblem::WrongAccount => AppError::new(
            StatusCode::FORBIDDEN,
            "This invitation is for another address",
            "Sign in with the address the invitation was sent to, then open the link again. \
             Nothing was changed.",
        ),
        _ => AppError::new(
            StatusCode::GONE,
            "This invitation no longer works",
            "It was used, withdrawn, or is more than 7 days old. Ask for a new one.",
        ),
    }
}

pub(crate) async fn my_email(state: &AppState, s: &SignedIn) -> Result<String, AppError> {
    Ok(state
        .store
        .account(s.actor.account_id())
        .await?
        .and_then(|a| a.email)
        .unwrap_or_default())
}

pub async fn accept_case_invite(
    State(state): State<AppState>,
    s: SignedIn,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    answer_case_invite(state, s, body, true).await
}

async fn answer_case_invite(
    state: AppState,
    s: SignedIn,
    body: axum::body::Bytes,
    accept: bool,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&s.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let email = my_email(&state, &s).await?;
    let now = state.clock.now();
    let mut tx = state.store.begin(TxMode::Write).await?;
    let used = tx
        .use_token_as(
            TokenPurpose::CaseShare,
            &visanav_auth::hash_token(field(&f, "token")),
            Some(&email),
            now,
        )
        .await?;
    let used = match used {
        Ok(u) => u,
        Err(p) => {
            tx.rollback().await?;
            return Err(token_problem(p));
        }
    };
    let share = used.subject.unwrap_or_default();
    let case = tx.answer_share(&s.actor, &share, accept, now).await?;
    tx.commit().await?;
    Ok(if accept {
        see_other(format!("/cases/{case}"))
    } else {
        message(
            "You declined the invitation",
            &["Nothing of the case was shared with you."],
            Some(("/", "Home")),
        )
    })
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    disclaimer: &'static str,
    case_id: String,
    short_id: String,
    /// (when, who, what)
    entries: Vec<(String, String, String)>,
}

pub async fn audit(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
) -> Result<Response, AppError> {
    let mut tx = state.store.begin(TxMode::Read).await?;
    let entries = tx.case_audit(&loaded.actor, &loaded.stored.id).await?;
    let mut rows = Vec::new();
    for e in entries {
        let who = match &e.account_id {
            Some(a) if a.as_str() == loaded.actor.account_id().as_str() => "you".to_string(),
            Some(a) => tx
                .account(&visanav_store::AccountId::from_stored(a.clone()))
                .await?
                .and_then(|x| x.email)
                .unwrap_or_else(|| "an account".into()),
            None => "visanav".into(),
        };
        rows.push((when(e.at_ms), who, e.action.replace('_', " ")));
    }
    tx.commit().await?;
    Ok(render(&AuditPage {
        disclaimer: NOT_LEGAL_ADVICE,
        case_id: loaded.stored.id.to_string(),
        short_id: loaded.stored.id.short().to_string(),
        entries: rows,
    }))
}
