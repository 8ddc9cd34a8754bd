//! The firms that work cases: an admin adds a firm by inviting its owner attorney; owners and
//! attorneys invite colleagues; members accept or decline cases offered to the firm and keep
//! notes only the firm sees; admins see sign-in events.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_store::{FirmRole, NewToken, TokenPurpose, TxMode};

use crate::accounts::message;
use crate::auth::stale_form;
use crate::pages::render;
use crate::request::{PageCase, SignedIn};
use crate::session::{csrf_ok, csrf_token};
use crate::sharing::{
    INVITE_LIFETIME, Said, TokenQuery, accept_page, field, fields, my_email, see_other, send,
    token_problem, when,
};
use crate::{AppError, AppState};

#[derive(Template)]
#[template(path = "firms.html")]
struct FirmsPage {
    disclaimer: &'static str,
    csrf: String,
    notice: Option<String>,
    /// (firm id, name, my role, members, may invite)
    firms: Vec<(String, String, String, Vec<String>, bool)>,
    /// (share id, case short id, firm name)
    /// (share, short case id, firm, "K-1 · Manila (MNL) · case number …")
    offers: Vec<(String, String, String, String)>,
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
    let k = &state.knowledge;
    let offers = tx
        .offered_cases(&s.actor)
        .await?
        .into_iter()
        .map(|o| {
            let post = k
                .post(&o.post)
                .map_or(o.post.clone(), |p| format!("{} ({})", p.name, p.code));
            let case_number = o
                .case_number
                .map(|n| format!(" · case number {n}"))
                .unwrap_or_default();
            (
                o.share.id,
                o.share.case_id.short().to_string(),
                o.share.firm_name.unwrap_or_default(),
                format!("{} · {post}{case_number}", o.visa),
            )
        })
        .collect();
    let is_admin = tx.is_admin(s.actor.account_id()).await?;
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
    let (link, hash) = crate::outbound::new_link(state, "/invites/firm");
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
    let admin = state.store.is_admin(s.actor.account_id()).await?;
    if !admin {
        return Err(AppError::not_found("There is nothing here."));
    }
    let name = field(&f, "name").trim().to_string();
    let owner = visanav_store::normalise_email(field(&f, "owner"));
    if name.is_empty() || !visanav_store::is_email_address(&owner) {
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
#[template(
    source = r#"{% extends "base.html" %}
{% block title %}Sign-in events · visanav{% endblock %}
{% block content %}
<h1>Sign-in events</h1>
<p class="muted">The latest 200, newest first. Admins see these; nobody sees case data through this page.</p>
<table class="cards"><thead><tr><th>When (UTC)</th><th>Account</th><th>What</th></tr></thead><tbody>
{% for e in events %}<tr><td data-label="When (UTC)">{{ e.0 }}</td><td data-label="Account">{{ e.1 }}</td><td data-label="What">{{ e.2 }}</td></tr>
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
    let admin = tx.is_admin(s.actor.account_id()).await?;
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
