//! Server-rendered pages. askama escapes every value, so text from the knowledge base or a
//! user can never inject markup.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::knowledge::{KVisaHandling, Post, Status, StatusSource};
use visanav_core::plan::{DeadlineState, ExpiryStatus, Plan};

use crate::request::PageCase;
use crate::{AppError, AppState};

pub(crate) fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "page could not be rendered",
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "statuses.html")]
struct Statuses<'a> {
    disclaimer: &'static str,
    ceac: Vec<&'a Status>,
    uscis: Vec<&'a Status>,
}

pub async fn statuses(State(state): State<AppState>) -> Response {
    let k = &state.knowledge;
    let of = |src: StatusSource| {
        k.statuses
            .iter()
            .filter(|s| s.source == src)
            .collect::<Vec<_>>()
    };
    render(&Statuses {
        disclaimer: NOT_LEGAL_ADVICE,
        ceac: of(StatusSource::Ceac),
        uscis: of(StatusSource::Uscis),
    })
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage<'a> {
    disclaimer: &'static str,
    s: &'a Status,
    source_name: &'static str,
}

pub async fn status(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    match state.knowledge.status_by_slug(&slug) {
        Some(s) => render(&StatusPage {
            disclaimer: NOT_LEGAL_ADVICE,
            s,
            source_name: s.source.label(),
        }),
        None => not_found().await,
    }
}

#[derive(Template)]
#[template(path = "post.html")]
struct PostPage<'a> {
    disclaimer: &'static str,
    p: &'a Post,
    country: String,
    k_visas: String,
}

/// A post in the index: (code, city, what it does for K visas).
type PostLine = (String, String, &'static str);

#[derive(Template)]
#[template(path = "posts.html")]
struct PostsPage {
    disclaimer: &'static str,
    /// (country code, country name, its posts)
    countries: Vec<(String, String, Vec<PostLine>)>,
    /// (initial, code of the first country with it): an A–Z index, so a phone need not
    /// scroll through every country.
    initials: Vec<(char, String)>,
}

/// The first country (by name) for each initial letter.
fn initials(countries: &[(String, String, Vec<PostLine>)]) -> Vec<(char, String)> {
    let mut out: Vec<(char, String)> = Vec::new();
    for (code, name, _) in countries {
        let Some(initial) = name.chars().next().map(|c| c.to_ascii_uppercase()) else {
            continue;
        };
        if out.last().is_none_or(|(c, _)| *c != initial) {
            out.push((initial, code.clone()));
        }
    }
    out
}

/// Every post, by country (alphabetical), with what it does for K visas.
pub async fn posts(State(state): State<AppState>) -> Response {
    let k = &state.knowledge;
    let mut by_country: std::collections::BTreeMap<String, (String, Vec<_>)> =
        std::collections::BTreeMap::new();
    for p in &k.posts {
        let country = k
            .country(&p.country)
            .map_or(p.country.clone(), |c| c.name.clone());
        let k_visas = match p.k_visas {
            KVisaHandling::Processed => "interviews K-1 and K-2 applicants",
            KVisaHandling::Elsewhere => "K visas are interviewed at another post",
            KVisaHandling::NotProcessed => "does not process K visas",
            KVisaHandling::Unknown => "",
        };
        by_country
            .entry(country.clone())
            .or_insert_with(|| (p.country.clone(), Vec::new()))
            .1
            .push((p.code.clone(), p.name.clone(), k_visas));
    }
    let countries: Vec<_> = by_country
        .into_iter()
        .map(|(name, (code, mut posts))| {
            posts.sort_by(|a, b| a.1.cmp(&b.1));
            (code, name, posts)
        })
        .collect();
    render(&PostsPage {
        disclaimer: NOT_LEGAL_ADVICE,
        initials: initials(&countries),
        countries,
    })
}

pub async fn post(State(state): State<AppState>, Path(code): Path<String>) -> Response {
    let k = &state.knowledge;
    let Some(p) = k.post(&code.to_ascii_uppercase()) else {
        return not_found().await;
    };
    let k_visas = match p.k_visas {
        KVisaHandling::Processed => "This post interviews K-1 and K-2 applicants.".to_string(),
        KVisaHandling::Elsewhere => {
            let at = p.k_processed_at.as_deref().unwrap_or("another post");
            let name = k
                .post(at)
                .map(|o| format!("{} ({at})", o.name))
                .unwrap_or_else(|| at.to_string());
            format!("K-1 and K-2 cases from here are interviewed at {name}.")
        }
        KVisaHandling::NotProcessed => "This post does not process K visas.".to_string(),
        KVisaHandling::Unknown => {
            "visanav does not yet know whether this post processes K visas.".to_string()
        }
    };
    let country = k
        .country(&p.country)
        .map(|c| c.name.clone())
        .unwrap_or_else(|| p.country.clone());
    render(&PostPage {
        disclaimer: NOT_LEGAL_ADVICE,
        p,
        country,
        k_visas,
    })
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFound {
    disclaimer: &'static str,
}

pub async fn not_found() -> Response {
    let mut r = render(&NotFound {
        disclaimer: NOT_LEGAL_ADVICE,
    });
    *r.status_mut() = StatusCode::NOT_FOUND;
    r
}

/// A deadline prepared for display.
pub struct DeadlineView<'a> {
    pub due: String,
    pub title: &'a str,
    pub when: String,
    pub css: &'static str,
    pub notes: &'a [String],
    /// "If missed" before the date, "Now that it has passed" after it.
    pub consequence_label: &'static str,
    pub show_consequence: bool,
    pub consequence: &'a str,
    /// Why the date it is counted from is uncertain, with its source.
    pub counted_uncertain: Option<(&'a str, &'a str)>,
    pub due_at: &'a str,
    pub source: &'a str,
}

/// A renewal line and its main source.
pub struct RenewalView<'a> {
    pub text: String,
    pub notes: &'a [&'a str],
    pub source: &'a str,
}

pub struct PlanView<'a> {
    pub today: String,
    pub warnings: &'a [visanav_core::plan::RestrictionWarning<'a>],
    pub set_aside: &'a [visanav_core::plan::SetAside<'a>],
    pub deadlines: Vec<DeadlineView<'a>>,
    pub next_steps: &'a [visanav_core::plan::NextStep<'a>],
    pub legal_help: &'a visanav_core::plan::LegalHelp<'a>,
}

/// The main source of an item ("" when it has none).
pub fn first_source(sources: &[String]) -> &str {
    sources.first().map(String::as_str).unwrap_or("")
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage<'a> {
    disclaimer: &'static str,
    case_id: String,
    short_id: String,
    visa: &'static str,
    post_name: String,
    post_code: String,
    ceac_case_number: Option<String>,
    stage: &'static str,
    urgency: &'static str,
    plan: PlanView<'a>,
    renewals: Vec<RenewalView<'a>>,
    /// (date, source, status, slug)
    history: Vec<(String, &'static str, String, String)>,
}

fn deadline_view<'a>(d: &'a visanav_core::plan::Deadline<'a>) -> DeadlineView<'a> {
    let (when, css) = match d.state {
        DeadlineState::Met => ("done".to_string(), "met"),
        DeadlineState::Passed => (format!("passed {} days ago", -d.days_left), "passed"),
        DeadlineState::Ended => ("ended".to_string(), "ended"),
        DeadlineState::DueSoon => (format!("in {} days", d.days_left), "soon"),
        DeadlineState::Upcoming | DeadlineState::Running => {
            (format!("in {} days", d.days_left), "upcoming")
        }
    };
    DeadlineView {
        due: d.due.to_string(),
        title: d.title,
        when,
        css,
        notes: &d.notes,
        consequence_label: if d.state == DeadlineState::Passed {
            "Now that it has passed"
        } else {
            "If missed"
        },
        show_consequence: matches!(
            d.state,
            DeadlineState::DueSoon | DeadlineState::Passed | DeadlineState::Upcoming
        ),
        consequence: d.consequence,
        counted_uncertain: d
            .counted_from
            .as_ref()
            .and_then(|c| c.uncertain.map(|u| (u, first_source(c.sources)))),
        due_at: &d.due_at,
        source: first_source(d.sources),
    }
}

pub async fn case(
    State(state): State<AppState>,
    PageCase(loaded): PageCase,
) -> Result<Response, AppError> {
    let stored = loaded.stored;
    // Who viewed the case, for its owner's log.
    let mut tx = state.store.begin(visanav_store::TxMode::Write).await?;
    tx.audit(
        &loaded.actor,
        "case_viewed",
        Some(&stored.id),
        "",
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    let k = &state.knowledge;
    let c = &stored.case;
    let post = k.post(&c.post);
    let today = visanav_core::plan::today_at_post(k, &c.post, state.clock.now());
    let p: Plan<'_> = visanav_core::plan::plan(c, k, today);
    let renewals = p
        .expiries
        .iter()
        .filter(|e| e.status != ExpiryStatus::Ok)
        .map(|e| RenewalView {
            text: e.summary(),
            notes: &e.notes,
            source: first_source(e.sources),
        })
        .collect();
    let history = c
        .status
        .iter()
        .map(|o| {
            let slug = k
                .find_status(&o.status, Some(o.source))
                .map(|s| s.slug.clone())
                .unwrap_or_default();
            let source = match o.source {
                StatusSource::Ceac => "CEAC",
                StatusSource::Uscis => "USCIS",
            };
            (o.on.to_string(), source, o.status.clone(), slug)
        })
        .collect();
    let page = CasePage {
        disclaimer: NOT_LEGAL_ADVICE,
        short_id: stored.id.short().to_string(),
        case_id: stored.id.to_string(),
        visa: c.visa.as_str(),
        post_code: c.post.clone(),
        post_name: post
            .map(|x| format!("{} ({})", x.name, x.code))
            .unwrap_or_else(|| c.post.clone()),
        ceac_case_number: c.ceac_case_number.as_ref().map(|n| n.to_string()),
        stage: p.stage.label(),
        urgency: p.legal_help.urgency.label(),
        renewals,
        history,
        plan: PlanView {
            today: p.today.to_string(),
            warnings: &p.warnings,
            set_aside: &p.set_aside,
            deadlines: p.deadlines.iter().map(deadline_view).collect(),
            next_steps: &p.next_steps,
            legal_help: &p.legal_help,
        },
    };
    Ok(render(&page))
}
