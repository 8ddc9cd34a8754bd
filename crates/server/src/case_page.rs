//! The case page: "what should I do today?" first, then the status, deadlines, the 221(g)
//! checklist, next steps, legal help, documents, saved notices and the timeline. A firm
//! member sees the same page with the legal-help reasons and the firm's notes first.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::knowledge::StatusSource;
use visanav_core::plan::{Plan, plan, today_at_post};
use visanav_store::TxMode;

use crate::case_view::{
    self, DeadlineView, DocumentView, HistoryRow, LegalHelpView, RenewalView, StatusView, StepView,
    WarningView,
};
use crate::checks::{self, view::ChecksView};
use crate::pages::render;
use crate::request::PageCase;
use crate::session::csrf_token;
use crate::{AppError, AppState};

/// A saved notice, as a line of the case page.
pub struct NoticeLine {
    pub id: String,
    pub saved_on: String,
    pub kind: String,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    disclaimer: &'static str,
    csrf: String,
    case_id: String,
    short_id: String,
    visa: &'static str,
    post_name: String,
    post_code: String,
    ceac_case_number: Option<String>,
    today: String,
    today_urgent: bool,
    plan_date: String,
    stage: &'static str,
    status: Option<StatusView>,
    warnings: Vec<WarningView>,
    deadlines: Vec<DeadlineView>,
    checklist: Vec<DocumentView>,
    checklist_ready: usize,
    has_refusal: bool,
    steps: Vec<StepView>,
    legal_help: LegalHelpView,
    documents: Vec<DocumentView>,
    renewals: Vec<RenewalView>,
    notices: Vec<NoticeLine>,
    history: Vec<HistoryRow>,
    /// CEAC statuses for the "add today's status" form.
    statuses: Vec<String>,
    /// The viewer works for a firm the case is shared with: legal help and notes first.
    firm_view: bool,
    firm_notes: Vec<(String, String)>,
    /// What was just saved, confirmed at the top of the page.
    saved: &'static str,
    /// Status checks: each source, the latest checks, the one just asked for.
    checks: ChecksView,
}

/// The confirmation for `?saved=…` after a form sends the person back to the case.
fn saved_message(what: Option<&str>) -> &'static str {
    match what {
        Some("status") => "The status is added.",
        Some("notice") => {
            "The letter is saved with your case, and what it asks for is in your checklist below."
        }
        Some("details" | "people" | "refusal" | "documents") => "Your changes are saved.",
        Some("monitoring-on") => {
            "Automatic status checks are on. The first one runs within a few minutes."
        }
        Some("monitoring-off") => {
            "Automatic status checks are off. The status history and past checks are kept."
        }
        _ => "",
    }
}

/// "2026-11-30" for a stored instant (UTC).
pub fn day_of(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
        .unwrap_or_default()
}

pub async fn case(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let saved = saved_message(query.get("saved").map(String::as_str));
    let stored = loaded.stored;
    let actor = loaded.actor;
    let now = state.clock.now();
    let mut tx = state.store.begin(TxMode::Write).await?;
    // Who viewed the case, for its owner's log.
    tx.audit(&actor, "case_viewed", Some(&stored.id), "", now)
        .await?;
    let notices = tx.notice_headers(&actor, &stored.id).await?;
    let firm_view = stored.owner != *actor.account_id() && !tx.my_firms(&actor).await?.is_empty();
    let firm_notes = if firm_view {
        tx.firm_notes(&actor, &stored.id).await?
    } else {
        Vec::new()
    };
    let checks = checks::view::section(
        &mut tx,
        &state.monitor,
        &actor,
        &stored,
        query.get("checked").map(String::as_str),
        now,
    )
    .await?;
    let timeline = tx.timeline(&actor, &stored.id).await?;
    tx.commit().await?;

    let k = &state.knowledge;
    let c = &stored.case;
    let post = k.post(&c.post);
    let today = today_at_post(k, &c.post, now);
    let p: Plan<'_> = plan(c, k, today);
    let answer = p.what_to_do_today();
    let (checklist, documents) = case_view::documents(k, c);
    let page = CasePage {
        disclaimer: NOT_LEGAL_ADVICE,
        csrf: csrf_token(&loaded.session),
        short_id: stored.id.short().to_string(),
        case_id: stored.id.to_string(),
        visa: c.visa.as_str(),
        post_code: c.post.clone(),
        post_name: post
            .map(|x| format!("{} ({})", x.name, x.code))
            .unwrap_or_else(|| c.post.clone()),
        ceac_case_number: c.ceac_case_number.as_ref().map(|n| n.to_string()),
        today: answer.sentence,
        today_urgent: answer.urgent,
        plan_date: p.today.to_string(),
        stage: p.stage.label(),
        status: case_view::latest_status(k, c, post),
        warnings: case_view::warnings(&p, post),
        deadlines: p
            .deadlines
            .iter()
            .map(|d| case_view::deadline(d, post))
            .collect(),
        checklist_ready: checklist.iter().filter(|d| d.status != "needed").count(),
        checklist,
        has_refusal: c.refusal.is_some(),
        steps: case_view::steps(&p, post),
        legal_help: case_view::legal_help(&p, post),
        documents,
        renewals: case_view::renewals(&p, post),
        notices: notices
            .into_iter()
            .rev()
            .map(|n| NoticeLine {
                id: n.id,
                saved_on: day_of(n.created_ms),
                kind: n.kind.replace('_', " "),
            })
            .collect(),
        history: case_view::history(k, &timeline),
        statuses: ceac_statuses(k),
        firm_view,
        firm_notes: firm_notes
            .into_iter()
            .map(|n| (day_of(n.created_ms), n.body))
            .collect(),
        saved,
        checks,
    };
    Ok(render(&page))
}

/// The CEAC statuses a person can pick from, in the knowledge base's order.
pub fn ceac_statuses(k: &visanav_core::knowledge::Knowledge) -> Vec<String> {
    k.statuses
        .iter()
        .filter(|s| s.source == StatusSource::Ceac)
        .map(|s| s.name.clone())
        .collect()
}
