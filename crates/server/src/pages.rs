//! Server-rendered pages. askama escapes every value, so text from the knowledge base or a
//! user can never inject markup.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use visanav_core::NOT_LEGAL_ADVICE;
use visanav_core::knowledge::{KVisaHandling, Post, Status, StatusSource};

use crate::AppState;

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
