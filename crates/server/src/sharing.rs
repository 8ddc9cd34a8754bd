//! Sharing a case and the firms that work cases: the owner invites a co-applicant by email or
//! offers the case to a firm, sees who has access and revokes it at once; firm members accept
//! offers, keep firm-only notes, and invite colleagues; an admin adds a firm by inviting its
//! owner attorney. Who may see what is decided in the store; these pages only ask.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use jiff::SignedDuration;
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_store::{AccountKind, FirmRole, NewToken, TokenProblem, TokenPurpose, TxMode};

use crate::accounts::{MessagePage, message};
use crate::auth::stale_form;
use crate::pages::render;
use crate::request::{PageCase, SignedIn};
use crate::session::{csrf_ok, csrf_token};
use crate::{AppError, AppState};

const INVITE_LIFETIME: SignedDuration = SignedDuration::from_hours(24 * 7);

fn fields(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

fn field<'a>(f: &'a HashMap<String, String>, name: &str) -> &'a str {
    f.get(name).map(String::as_str).unwrap_or("")
}

fn when(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn see_other(to: String) -> Response {
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
    said: Option<String>,
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

async fn send(state: &AppState, kind: &'static str, to: &str, subject: &str, text: String) {
    if let Some(mailer) = &state.mailer {
        let message = visanav_mail::Message {
            kind,
            to: to.to_string(),
            subject: subject.to_string(),
            html: format!(
                "<p>{}</p>",
                text.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace("\n\n", "</p><p>")
            ),
            text,
        };
        if let Err(e) = mailer.send(&message).await {
            tracing::error!(kind, error = %e, "message not sent");
        }
    }
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
    if !email.contains('@') {
        return Err(AppError::new(
            StatusCode::BAD_REQUEST,
            "Check the address",
            "That is not an email address.",
        ));
    }
    let now = state.clock.now();
    let (token, hash) = visanav_auth::new_token();
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
    let link = format!(
        "{}/invites/case?token={}",
        state.server.base_url,
        token.expose()
    );
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
    token: Option<String>,
}

fn accept_page(title: &str, text: &str, action: &str, token: &str, csrf: &str) -> Response {
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

fn token_problem(p: TokenProblem) -> AppError {
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

async fn my_email(state: &AppState, s: &SignedIn) -> Result<String, AppError> {
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
#[template(path = "firms.html")]
struct FirmsPage {
    disclaimer: &'static str,
    csrf: String,
    notice: Option<String>,
    /// (firm id, name, my role, members, may invite)
    firms: Vec<(String, String, String, Vec<String>, bool)>,
    /// (share id, case short id, firm name)
    offers: Vec<(String, String, String)>,
    is_admin: bool,
}

pub async fn firms(
    State(state): State<AppState>,
    s: SignedIn,
    Query(q): Query<Said>,
) -> Result<Response, AppError> {
    let mut tx = state.store.begin(TxMode::Read).await?;
    let mine = tx.my_firms(&s.actor).await?;
    let mut firms = Vec::new();
    for f in mine {
        let members = tx.firm_members(&s.actor, &f.id).await?;
        let mut names = Vec::new();
        for (account, role) in members {
            let email = tx.account(&account).await?.and_then(|a| a.email);
            names.push(format!(
                "{} ({})",
                email.unwrap_or_else(|| "an account".into()),
                role.as_str()
            ));
        }
        let may_invite = matches!(f.role, FirmRole::Owner | FirmRole::Attorney);
        firms.push((f.id, f.name, f.role.as_str().to_string(), names, may_invite));
    }
    let offers = tx
        .offers_for_me(&s.actor)
        .await?
        .into_iter()
        .map(|o| {
            (
                o.id,
                o.case_id.short().to_string(),
                o.firm_name.unwrap_or_default(),
            )
        })
        .collect();
    let is_admin = tx
        .account(s.actor.account_id())
        .await?
        .is_some_and(|a| a.kind == AccountKind::Admin);
    tx.commit().await?;
    Ok(render(&FirmsPage {
        disclaimer: NOT_LEGAL_ADVICE,
        csrf: csrf_token(&s.session),
        notice: q.said.map(|_| "Done.".to_string()),
        firms,
        offers,
        is_admin,
    }))
}

async fn send_firm_invite(
    state: &AppState,
    firm: &str,
    firm_name: &str,
    role: FirmRole,
    email: &str,
) -> Result<(), AppError> {
    let (token, hash) = visanav_auth::new_token();
    let subject = format!("{firm}:{}", role.as_str());
    let mut tx = state.store.begin(TxMode::Write).await?;
    tx.create_token(
        NewToken {
            hash: &hash,
            purpose: TokenPurpose::FirmInvite,
            account: None,
            email: Some(email),
            subject: Some(&subject),
            subject_secret: None,
            lifetime: INVITE_LIFETIME,
        },
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    let link = format!(
        "{}/invites/firm?token={}",
        state.server.base_url,
        token.expose()
    );
    let text = format!(
        "You are invited to join {firm_name} on visanav as {}.\n\nSign in (or create an account) with this address, then open:\n\n{link}\n\nMembers of a firm set up a second factor (an authenticator app) before they see any case. The invitation works for 7 days.",
        role.as_str()
    );
    send(
        state,
        "firm_invite",
        email,
        "An invitation to a firm on visanav",
        text,
    )
    .await;
    Ok(())
}

/// An admin adds a firm and invites its owner attorney.
pub async fn create_firm(
    State(state): State<AppState>,
    s: SignedIn,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&s.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let admin = state
        .store
        .account(s.actor.account_id())
        .await?
        .is_some_and(|a| a.kind == AccountKind::Admin);
    if !admin {
        return Err(AppError::not_found("There is nothing here."));
    }
    let name = field(&f, "name").trim().to_string();
    let owner = visanav_store::normalise_email(field(&f, "owner"));
    if name.is_empty() || !owner.contains('@') {
        return Err(AppError::new(
            StatusCode::BAD_REQUEST,
            "Check the form",
            "Give the firm's name and its owner's email address.",
        ));
    }
    let now = state.clock.now();
    let mut tx = state.store.begin(TxMode::Write).await?;
    let firm = tx.create_empty_firm(&name, now).await?;
    tx.audit(&s.actor, "firm_created", None, &firm, now).await?;
    tx.commit().await?;
    send_firm_invite(&state, &firm, &name, FirmRole::Owner, &owner).await?;
    Ok(see_other("/firms?said=firm".into()))
}

pub async fn invite_member(
    State(state): State<AppState>,
    s: SignedIn,
    Path(firm): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&s.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let mut tx = state.store.begin(TxMode::Read).await?;
    let role = tx.firm_role(&s.actor, &firm).await?;
    let name = tx.firm_name(&firm).await?.unwrap_or_default();
    tx.commit().await?;
    if !matches!(role, Some(FirmRole::Owner | FirmRole::Attorney)) {
        return Err(AppError::not_found("There is no such firm among yours."));
    }
    let invited = match field(&f, "role") {
        "paralegal" => FirmRole::Paralegal,
        _ => FirmRole::Attorney,
    };
    let email = visanav_store::normalise_email(field(&f, "email"));
    send_firm_invite(&state, &firm, &name, invited, &email).await?;
    Ok(see_other("/firms?said=invited".into()))
}

pub async fn firm_invite_form(s: SignedIn, Query(q): Query<TokenQuery>) -> Response {
    accept_page(
        "An invitation to a firm",
        "Accept to join the firm. You will see the cases its clients share with it.",
        "/invites/firm",
        &q.token.unwrap_or_default(),
        &csrf_token(&s.session),
    )
}

/// Joining a firm needs only the first factor: the second is set up right after, before any
/// case is visible.
pub async fn accept_firm_invite(
    State(state): State<AppState>,
    crate::request::FirstFactor(s): crate::request::FirstFactor,
    body: axum::body::Bytes,
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
            TokenPurpose::FirmInvite,
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
    let subject = used.subject.unwrap_or_default();
    let (firm, role) = subject.split_once(':').unwrap_or((&subject, "paralegal"));
    let role = FirmRole::parse(role).unwrap_or(FirmRole::Paralegal);
    tx.add_member(firm, s.actor.account_id(), role, now).await?;
    tx.audit(&s.actor, "firm_joined", None, firm, now).await?;
    tx.commit().await?;
    Ok(see_other("/firms?said=joined".into()))
}

pub async fn answer_offer(
    State(state): State<AppState>,
    s: SignedIn,
    Path(share): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&s.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let accept = field(&f, "answer") == "accept";
    let mut tx = state.store.begin(TxMode::Write).await?;
    let case = tx
        .answer_share(&s.actor, &share, accept, state.clock.now())
        .await?;
    tx.commit().await?;
    Ok(if accept {
        see_other(format!("/cases/{case}"))
    } else {
        see_other("/firms?said=declined".into())
    })
}

#[derive(Template)]
#[template(path = "firm_notes.html")]
struct NotesPage {
    disclaimer: &'static str,
    case_id: String,
    short_id: String,
    csrf: String,
    /// (when, text)
    notes: Vec<(String, String)>,
    /// (firm id, name) of the actor's firms that work this case
    firms: Vec<(String, String)>,
}

pub async fn firm_notes(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
) -> Result<Response, AppError> {
    let mut tx = state.store.begin(TxMode::Read).await?;
    let notes = tx.firm_notes(&loaded.actor, &loaded.stored.id).await?;
    let firms = tx.my_firms(&loaded.actor).await?;
    tx.commit().await?;
    if firms.is_empty() {
        return Ok(message(
            "Firm notes",
            &[
                "Firm notes are kept by the law firms a case is shared with. You are not a member of a firm.",
            ],
            Some((&format!("/cases/{}", loaded.stored.id), "Back to the case")),
        ));
    }
    Ok(render(&NotesPage {
        disclaimer: NOT_LEGAL_ADVICE,
        case_id: loaded.stored.id.to_string(),
        short_id: loaded.stored.id.short().to_string(),
        csrf: csrf_token(&loaded.session),
        notes: notes
            .into_iter()
            .map(|n| (when(n.created_ms), n.body))
            .collect(),
        firms: firms.into_iter().map(|f| (f.id, f.name)).collect(),
    }))
}

pub async fn add_firm_note(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let f = fields(&body);
    if !csrf_ok(&loaded.session, field(&f, "csrf")) {
        return Err(stale_form());
    }
    let text = field(&f, "body").trim();
    if text.is_empty() || text.len() > 20_000 {
        return Err(AppError::new(
            StatusCode::BAD_REQUEST,
            "Check the note",
            "A note needs some text, up to 20,000 characters.",
        ));
    }
    let mut tx = state.store.begin(TxMode::Write).await?;
    tx.add_firm_note(
        &loaded.actor,
        &loaded.stored.id,
        field(&f, "firm"),
        text,
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(see_other(format!("/cases/{}/firm-notes", loaded.stored.id)))
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

#[derive(Template)]
#[template(
    source = r#"{% extends "base.html" %}
{% block title %}Sign-in events · visanav{% endblock %}
{% block content %}
<h1>Sign-in events</h1>
<p class="hint">The latest 200, newest first. Admins see these; nobody sees case data through this page.</p>
<table><thead><tr><th>When (UTC)</th><th>Account</th><th>What</th></tr></thead><tbody>
{% for e in events %}<tr><td>{{ e.0 }}</td><td>{{ e.1 }}</td><td>{{ e.2 }}</td></tr>
{% endfor %}</tbody></table>
{% endblock %}"#,
    ext = "html"
)]
struct EventsPage {
    disclaimer: &'static str,
    events: Vec<(String, String, String)>,
}

/// Sign-in events, for admins only (anyone else: not found).
pub async fn sign_in_events(
    State(state): State<AppState>,
    s: SignedIn,
) -> Result<Response, AppError> {
    let mut tx = state.store.begin(TxMode::Read).await?;
    let admin = tx
        .account(s.actor.account_id())
        .await?
        .is_some_and(|a| a.kind == AccountKind::Admin);
    if !admin {
        tx.rollback().await?;
        return Err(AppError::not_found("There is nothing here."));
    }
    let mut events = Vec::new();
    for e in tx.sign_in_events(200).await? {
        let who = match &e.account_id {
            Some(a) => tx
                .account(&visanav_store::AccountId::from_stored(a.clone()))
                .await?
                .and_then(|x| x.email)
                .unwrap_or_else(|| "the local account".into()),
            None => "unknown".into(),
        };
        events.push((when(e.at_ms), who, e.action.replace('_', " ")));
    }
    tx.commit().await?;
    Ok(render(&EventsPage {
        disclaimer: NOT_LEGAL_ADVICE,
        events,
    }))
}
