//! The firm's dashboard: every case shared with the firm, most urgent first (legal-help
//! urgency, then the nearest open deadline, then the latest status change), with filters, a
//! search by case number or client name, pages of 50, and assignment to a member. A plain GET
//! form and links, so it works without JavaScript.
//!
//! The store does the ordering, filtering and searching over the summaries it keeps beside
//! each case; this module only turns the query string into a filter and the rows into words.
//! Names are decrypted for the rows on the page only. Days left are counted here, from today
//! at each case's post.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use jiff::civil::Date;
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::knowledge::{KVisaHandling, Knowledge, StatusSource};
use visanav_core::plan::{latest_date_anywhere, today_at_post};
use visanav_store::{
    AccountId, Assignee, CaseId, DashboardFilter, DashboardRow, FirmMember, PENDING_RANK,
    StoreError, TxMode,
};

use crate::auth::stale_form;
use crate::pages::render;
use crate::request::SignedIn;
use crate::session::{csrf_ok, csrf_token};
use crate::sharing::see_other;
use crate::{AppError, AppState};

/// Cases per page.
pub const PER_PAGE: u32 = 50;
/// The longest "deadline within N days" accepted (ten years).
const MAX_DUE_DAYS: i64 = 3660;

/// The dashboard's query string, every field optional and read leniently.
#[derive(Debug, Default, serde::Deserialize)]
pub struct DashboardQuery {
    q: Option<String>,
    post: Option<String>,
    status: Option<String>,
    urgency: Option<String>,
    due: Option<String>,
    assignee: Option<String>,
    /// "failing": only cases whose status checks keep failing.
    checks: Option<String>,
    page: Option<String>,
    said: Option<String>,
}

/// Urgency in the query string: the value, the stored rank, and the words the filter shows.
const URGENCIES: &[(&str, i64, &str)] = &[
    ("now", 3, "Attorney recommended now"),
    ("soon", 2, "Attorney recommended soon"),
    ("consider", 1, "Attorney worth considering"),
    ("none", 0, "No attorney needed now"),
    ("pending", PENDING_RANK, "Not summarised yet"),
];

/// One case as the table shows it.
pub struct RowView {
    case_id: String,
    client: String,
    case_number: String,
    visa: String,
    post: String,
    status: String,
    /// "since 2025-04-02 (69 days)"
    since: String,
    /// (date, title, "in 12 days", css)
    deadline: Option<(String, String, String, &'static str)>,
    /// (badge class, words)
    urgency: (&'static str, &'static str),
    reasons: Vec<String>,
    assignee: String,
    /// Its status checks keep failing.
    checks_failing: bool,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    disclaimer: &'static str,
    firm_id: String,
    firm_name: String,
    csrf: String,
    said: Option<&'static str>,
    problems: Vec<String>,
    // The filter as typed, to fill the form again.
    q: String,
    post: String,
    status: String,
    urgency: String,
    due: String,
    assignee: String,
    checks: String,
    posts: Vec<String>,
    /// (group label, statuses)
    statuses: Vec<(&'static str, Vec<String>)>,
    urgencies: &'static [(&'static str, i64, &'static str)],
    /// (value, label) for the assignee filter and the assign form
    members: Vec<(String, String)>,
    rows: Vec<RowView>,
    page: u32,
    prev_link: Option<String>,
    next_link: Option<String>,
    /// This page's address, to come back to after assigning.
    back: String,
}

/// `/firms/{firm}/dashboard`: for the firm's members (anyone else: not found).
pub async fn dashboard(
    State(state): State<AppState>,
    s: SignedIn,
    Path(firm): Path<String>,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, AppError> {
    let k = &state.knowledge;
    let now = state.clock.now();
    let me = s.actor.account_id().clone();
    let (mut filter, problems) = filter_of(&q, k, &me, latest_date_anywhere(now));
    // "Failing" is when the person is told, by this installation's schedule.
    filter.failing_after = state.monitor.config.schedule.failures_before_notice;
    let page = state
        .store
        .firm_dashboard(&s.actor, &firm, &filter)
        .await
        .map_err(firm_error)?;
    let members = &page.members;

    let label = |id: &AccountId| member_label(members, id, &me);
    let rows = page
        .rows
        .iter()
        .map(|r| row_view(r, k, now, &label))
        .collect();
    let base = format!("/firms/{firm}/dashboard");
    let link_to = |p: u32| format!("{base}{}", query_string(&q, Some(p)));
    let shown = filter.page + 1;
    Ok(render(&DashboardPage {
        disclaimer: NOT_LEGAL_ADVICE,
        csrf: csrf_token(&s.session),
        said: q.said.as_deref().and_then(said),
        problems,
        q: text(&q.q),
        post: text(&q.post),
        status: text(&q.status),
        urgency: text(&q.urgency),
        due: text(&q.due),
        assignee: text(&q.assignee),
        checks: text(&q.checks),
        posts: post_labels(k),
        statuses: status_groups(k),
        urgencies: URGENCIES,
        members: members
            .iter()
            .map(|m| (m.account.to_string(), label(&m.account)))
            .collect(),
        rows,
        page: shown,
        prev_link: (filter.page > 0).then(|| link_to(shown - 1)),
        next_link: page.has_more.then(|| link_to(shown + 1)),
        back: format!("{base}{}", query_string(&q, Some(shown))),
        firm_name: page.firm_name.clone(),
        firm_id: firm,
    }))
}

fn text(v: &Option<String>) -> String {
    v.as_deref().unwrap_or("").trim().to_string()
}

/// Another firm's dashboard looks exactly like one that does not exist.
fn firm_error(e: StoreError) -> AppError {
    match e {
        StoreError::FirmNotFound => AppError::not_found("There is no such firm among yours."),
        other => other.into(),
    }
}

/// The query string as a filter, and what in it could not be used (said on the page).
fn filter_of(
    q: &DashboardQuery,
    k: &Knowledge,
    me: &AccountId,
    latest_today: Date,
) -> (DashboardFilter, Vec<String>) {
    let mut problems = Vec::new();
    let post = q
        .post
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            crate::new_case::resolve_post(k, p).unwrap_or_else(|e| {
                problems.push(e);
                p.to_ascii_uppercase()
            })
        });
    let urgency = q
        .urgency
        .as_deref()
        .filter(|u| !u.is_empty())
        .and_then(|u| URGENCIES.iter().find(|(v, ..)| *v == u).map(|(_, r, _)| *r));
    // "Within N days" counts from the latest date anywhere, so no case is left out at a post
    // where today is still yesterday.
    let due_by = q.due.as_deref().map(str::trim).filter(|d| !d.is_empty()).and_then(|d| {
        match d.parse::<i64>() {
            Ok(n) if (0..=MAX_DUE_DAYS).contains(&n) => latest_today
                .checked_add(jiff::Span::new().days(n))
                .ok(),
            _ => {
                problems.push(format!(
                    "\"Deadline within\" takes a number of days from 0 to {MAX_DUE_DAYS}; {d:?} was left out."
                ));
                None
            }
        }
    });
    let assignee = match q.assignee.as_deref().unwrap_or("") {
        "" => Assignee::Anyone,
        "none" => Assignee::Nobody,
        "me" => Assignee::Member(me.clone()),
        id => Assignee::Member(AccountId::from_stored(id.to_string())),
    };
    let page = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap_or(1)
        .clamp(1, 100_000);
    let filter = DashboardFilter {
        post,
        status: q.status.clone().filter(|s| !s.trim().is_empty()),
        urgency,
        due_by,
        assignee,
        checks_failing: q.checks.as_deref().map(str::trim) == Some("failing"),
        failing_after: DashboardFilter::default().failing_after,
        search: q.q.clone().filter(|s| !s.trim().is_empty()),
        page: page - 1,
        per_page: PER_PAGE,
    };
    (filter, problems)
}

/// The query string of this dashboard with another page (`?` included; "" when empty).
fn query_string(q: &DashboardQuery, page: Option<u32>) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("q", &q.q),
        ("post", &q.post),
        ("status", &q.status),
        ("urgency", &q.urgency),
        ("due", &q.due),
        ("assignee", &q.assignee),
        ("checks", &q.checks),
    ] {
        if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            s.append_pair(name, v);
        }
    }
    if let Some(p) = page.filter(|p| *p > 1) {
        s.append_pair("page", &p.to_string());
    }
    let s = s.finish();
    if s.is_empty() { s } else { format!("?{s}") }
}

fn said(code: &str) -> Option<&'static str> {
    match code {
        "assigned" => Some("Assigned."),
        "unassigned" => Some("Unassigned."),
        "nothing" => Some("Tick the cases to assign first."),
        _ => None,
    }
}

/// How a member is shown: their address, or "you".
fn member_label(members: &[FirmMember], id: &AccountId, me: &AccountId) -> String {
    if id == me {
        return "you".into();
    }
    members
        .iter()
        .find(|m| &m.account == id)
        .and_then(|m| m.email.clone())
        .unwrap_or_else(|| "a former member".into())
}

fn post_labels(k: &Knowledge) -> Vec<String> {
    k.posts
        .iter()
        .filter(|p| p.k_visas == KVisaHandling::Processed)
        .map(|p| crate::new_case::post_label(k, p))
        .collect()
}

fn status_groups(k: &Knowledge) -> Vec<(&'static str, Vec<String>)> {
    let of = |src: StatusSource| {
        k.statuses
            .iter()
            .filter(|s| s.source == src)
            .map(|s| s.name.clone())
            .collect::<Vec<_>>()
    };
    vec![
        ("State Department (CEAC)", of(StatusSource::Ceac)),
        ("USCIS", of(StatusSource::Uscis)),
    ]
}

/// Urgency by colour and words: the badge class and what it says.
fn urgency_badge(rank: i64) -> (&'static str, &'static str) {
    match rank {
        3 => ("badge badge-urgent", "Attorney now"),
        2 => ("badge badge-soon", "Attorney soon"),
        1 => ("badge badge-ok", "Worth considering"),
        0 => ("badge badge-done", "Not needed now"),
        _ => ("badge badge-soon", "Not summarised yet"),
    }
}

fn days(n: i64) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

fn row_view(
    r: &DashboardRow,
    k: &Knowledge,
    now: jiff::Timestamp,
    label: &dyn Fn(&AccountId) -> String,
) -> RowView {
    let today = today_at_post(k, &r.post, now);
    let between = |a: Date, b: Date| b.since(a).map(|s| i64::from(s.get_days())).unwrap_or(0);
    let deadline = r.next_deadline.as_ref().map(|(due, title)| {
        let left = between(today, *due);
        let (when, css) = match left {
            n if n < 0 => (format!("passed {} ago", days(-n)), "passed"),
            0 => ("today".to_string(), "soon"),
            n if n <= 30 => (format!("in {}", days(n)), "soon"),
            n => (format!("in {}", days(n)), "upcoming"),
        };
        (due.to_string(), title.clone(), when, css)
    });
    let since = r
        .status_since
        .map(|d| format!("since {d} ({})", days(between(d, today).max(0))))
        .unwrap_or_default();
    RowView {
        case_id: r.case_id.to_string(),
        client: r.client.clone().unwrap_or_else(|| "(no name given)".into()),
        case_number: r.ceac_case_number.clone().unwrap_or_default(),
        visa: r.visa.clone(),
        post: r.post.clone(),
        status: r
            .latest_status
            .clone()
            .unwrap_or_else(|| "no status yet".into()),
        since,
        deadline,
        urgency: urgency_badge(r.urgency_rank),
        reasons: r.help_reasons.clone(),
        assignee: r.assignee.as_ref().map(label).unwrap_or_default(),
        checks_failing: r.checks_failing,
    }
}

/// `POST /firms/{firm}/assign`: the ticked cases (`case`, repeated) to a member, or to nobody
/// (`assignee` empty), in one transaction; back to the dashboard page it came from.
pub async fn assign(
    State(state): State<AppState>,
    s: SignedIn,
    Path(firm): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, AppError> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let one = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    };
    if !csrf_ok(&s.session, one("csrf")) {
        return Err(stale_form());
    }
    let base = format!("/firms/{firm}/dashboard");
    let back = Some(one("back"))
        .filter(|b| *b == base || b.starts_with(&format!("{base}?")))
        .unwrap_or(&base)
        .to_string();
    let cases: Vec<CaseId> = pairs
        .iter()
        .filter(|(n, v)| n == "case" && !v.is_empty())
        .map(|(_, v)| CaseId::from_stored(v.clone()))
        .collect();
    let with_said = |code: &str| {
        let sep = if back.contains('?') { '&' } else { '?' };
        see_other(format!("{back}{sep}said={code}"))
    };
    if cases.is_empty() {
        return Ok(with_said("nothing"));
    }
    let assignee = match one("assignee") {
        "" => None,
        id => Some(AccountId::from_stored(id.to_string())),
    };
    let now = state.clock.now();
    let mut tx = state.store.begin(TxMode::Write).await?;
    for case in &cases {
        if let Err(e) = tx
            .assign_case(&s.actor, &firm, case, assignee.as_ref(), now)
            .await
        {
            tx.rollback().await?;
            return Err(match e {
                StoreError::AccountNotFound => AppError::new(
                    StatusCode::BAD_REQUEST,
                    "Check the form",
                    "Cases can be assigned only to members of the firm. Pick one from the list.",
                ),
                other => other.into(),
            });
        }
    }
    tx.commit().await?;
    Ok(with_said(if assignee.is_some() {
        "assigned"
    } else {
        "unassigned"
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> DashboardQuery {
        let s: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        serde_urlencoded_like(&s)
    }

    /// Parses a query string the way axum's `Query` does (serde over url-encoded pairs).
    fn serde_urlencoded_like(s: &str) -> DashboardQuery {
        let uri: axum::http::Uri = format!("/x?{s}").parse().expect("uri");
        Query::<DashboardQuery>::try_from_uri(&uri)
            .expect("query")
            .0
    }

    #[test]
    fn the_query_string_becomes_a_filter_and_back() {
        let k = Knowledge::embedded().expect("knowledge");
        let me = AccountId::from_stored("me".into());
        let today: Date = "2025-06-10".parse().expect("date");
        let q = query(&[
            ("q", " santos "),
            ("post", "Manila"),
            ("urgency", "soon"),
            ("due", "30"),
            ("assignee", "me"),
            ("page", "2"),
        ]);
        let (f, problems) = filter_of(&q, &k, &me, today);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(f.post.as_deref(), Some("MNL"));
        assert_eq!(f.urgency, Some(2));
        assert_eq!(f.due_by, Some("2025-07-10".parse().expect("date")));
        assert_eq!(f.assignee, Assignee::Member(me.clone()));
        assert_eq!(f.page, 1);
        assert_eq!(f.search.as_deref(), Some(" santos "));
        assert_eq!(
            query_string(&q, Some(3)),
            "?q=santos&post=Manila&urgency=soon&due=30&assignee=me&page=3"
        );
        assert_eq!(query_string(&DashboardQuery::default(), Some(1)), "");

        let bad = query(&[("due", "soon"), ("post", "Atlantis"), ("page", "-1")]);
        let (f, problems) = filter_of(&bad, &k, &me, today);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(f.due_by, None);
        assert_eq!(f.page, 0);
    }

    #[test]
    fn urgency_shows_in_colour_and_words() {
        for rank in 0..=PENDING_RANK {
            let (class, words) = urgency_badge(rank);
            assert!(class.starts_with("badge badge-"), "{class}");
            assert!(!words.is_empty());
        }
        assert_eq!(urgency_badge(3).0, "badge badge-urgent");
    }
}
