//! Extractors: who is acting, and the case a route names, loaded once for every handler.
//!
//! A handler that shows or changes a case takes a [`PageCase`] (or [`ApiCase`] under
//! `/api`): the case id from the path is resolved among the actor's cases and the case is
//! loaded, or the request ends with a 404 in the client's format. No handler repeats those
//! lines, and none names an account.

use std::collections::HashMap;
use std::convert::Infallible;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use visanav_store::{Actor, StoredCase};

use crate::AppState;
use crate::error::{ApiError, AppError};

/// The account the request acts for. Until sign-in exists (the accounts issue) this is the
/// local account: the server listens on loopback only and answers only to its own host
/// names, so the person at this machine is the only one who can reach it.
#[derive(Debug, Clone)]
pub struct CurrentActor(pub Actor);

impl<S: Send + Sync> FromRequestParts<S> for CurrentActor {
    type Rejection = Infallible;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(CurrentActor(Actor::local()))
    }
}

/// The actor and the case named by the route's `{id}` (a case id, its short form, or the
/// CEAC case number), loaded for the actor.
#[derive(Debug)]
pub struct LoadedCase {
    pub actor: Actor,
    pub stored: StoredCase,
}

async fn load(parts: &mut Parts, state: &AppState) -> Result<LoadedCase, AppError> {
    let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .map_err(|_| AppError::not_found("This address does not name a case."))?;
    let query = params
        .get("id")
        .ok_or_else(|| AppError::not_found("This address does not name a case."))?;
    let Ok(CurrentActor(actor)) = CurrentActor::from_request_parts(parts, state).await;
    let stored = state.store.find_case(&actor, query).await?;
    Ok(LoadedCase { actor, stored })
}

/// A case for a page: a missing case is an HTML "Case not found" page.
#[derive(Debug)]
pub struct PageCase(pub LoadedCase);

impl FromRequestParts<AppState> for PageCase {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        load(parts, state).await.map(PageCase)
    }
}

/// A case for the API: a missing case is a problem+json 404.
#[derive(Debug)]
pub struct ApiCase(pub LoadedCase);

impl FromRequestParts<AppState> for ApiCase {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        load(parts, state).await.map(ApiCase).map_err(ApiError)
    }
}
