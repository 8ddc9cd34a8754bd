//! The API's OpenAPI 3.1 document, `GET /api/v1/openapi.json`, generated from the handlers'
//! `#[utoipa::path]` annotations and the types they take and give. A test checks that it names
//! exactly the `/api/v1` routes of `routes()`.
//!
//! Errors every operation may answer with are added here once (`CommonErrors`) rather than
//! on each handler: 400, 401 and 404 everywhere (a case prefix that matches two cases is a
//! 400; public operations never answer 401), and 403, 413, 415 and 422 on operations that
//! take a body or change something.

use axum::Json;
use axum::http::Method;
use serde::Serialize;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::AdditionalProperties;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder, Schema};
use utoipa::{Modify, OpenApi};

use super::{Problem, cases, ceac, consult, documents, notices, status};
use crate::error::InvalidField;

/// The plan's top level (`visanav plan --json`). Its items are described in
/// `docs/api.md`; each carries its sources.
#[derive(Serialize, utoipa::ToSchema)]
pub struct PlanDoc {
    /// The day the plan is for: today at the case's post.
    pub today: jiff::civil::Date,
    /// Where the case stands: before_interview, documents_requested, administrative_processing,
    /// petition_returned, visa_issued or in_the_us.
    pub stage: String,
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<serde_json::Value>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub set_aside: Option<Vec<serde_json::Value>>,
    /// Each with its due date, days left and state (met, upcoming, due_soon, passed, …).
    #[schema(value_type = Vec<Object>)]
    pub deadlines: Vec<serde_json::Value>,
    /// Documents expired or expiring, and when to renew them.
    #[schema(value_type = Vec<Object>)]
    pub expiries: Vec<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    pub next_steps: Vec<serde_json::Value>,
    /// Whether to talk to an attorney, how urgently, and why.
    #[schema(value_type = Object)]
    pub legal_help: serde_json::Value,
    pub gaps: Option<Vec<String>>,
    /// The not-legal-advice line.
    pub disclaimer: String,
}

/// A notice reading's top level (`visanav notice read --json`).
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReadingDoc {
    /// INA sections cited, e.g. `221(g)`.
    pub sections: Vec<String>,
    /// documents_requested, administrative_processing, petition_returned, interview_return,
    /// mixed, …
    pub kind: String,
    pub parts: Vec<String>,
    /// The CEAC post code, when found.
    pub post: Option<String>,
    pub case_number: Option<String>,
    /// The documents asked for, each with the notice's words.
    #[schema(value_type = Vec<Object>)]
    pub requests: Vec<serde_json::Value>,
    pub unrecognized: Vec<String>,
    #[schema(value_type = Vec<Object>)]
    pub unchecked: Vec<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    pub mentions: Vec<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    pub dates: Vec<serde_json::Value>,
    pub instructions: Vec<String>,
    pub warnings: Vec<String>,
    #[schema(value_type = Object)]
    pub confidence: serde_json::Value,
    pub languages: Vec<String>,
    /// Always `text` here.
    pub input: String,
    /// The 221(g) deadline the notice sets, when it asks for something and gives a date.
    pub reconsideration_deadline: Option<visanav_core::checklist::NoticeDeadline>,
    pub disclaimer: String,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "visanav API",
        description = "Cases, status readings, plans, 221(g) notices, checklists and consultations of a visanav server. \
            Authenticate with a personal access token (`Authorization: Bearer TOKEN`, made on /account/tokens \
            or with `visanav user token`); tokens scoped `read` may only GET. Errors are RFC 9457 \
            application/problem+json. Not legal advice.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    paths(
        openapi_json,
        cases::list, cases::create, cases::read, cases::delete, cases::read_file, cases::replace,
        cases::plan_of,
        status::list, status::add, ceac::submit,
        documents::list, documents::update, documents::shares,
        notices::read, notices::apply, notices::list, notices::original,
        consult::firm_types, consult::slots, consult::request, consult::list, consult::read,
        consult::cancel,
    ),
    components(schemas(Problem, InvalidField)),
    modifiers(&Security, &CommonErrors, &StrictInput),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "cases", description = "Cases as case files (docs/case-file.md), and their plans"),
        (name = "status", description = "Status readings: append-only"),
        (name = "documents", description = "Documents and the 221(g) checklist"),
        (name = "notices", description = "221(g) notices: read, save, list, download"),
        (name = "shares", description = "Who else sees a case"),
        (name = "consultations", description = "Consultations with an attorney: what firms offer, free times, requests (docs/consultations.md)"),
    ),
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("visanav_…")
                    .description(Some(
                        "A personal access token from /account/tokens or `visanav user token`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "visanav",
                "The browser's session cookie (named __Host-visanav over https).",
            ))),
        );
    }
}

/// The error responses, by status, and when each applies.
const ERRORS: &[(&str, &str, Applies)] = &[
    (
        "400",
        "The request is not valid: unreadable JSON, or a case prefix that matches two cases",
        Applies::All,
    ),
    (
        "401",
        "No usable token or session (see the WWW-Authenticate header)",
        Applies::All,
    ),
    (
        "403",
        "A read-only token tried to change something, or another site tried to",
        Applies::Writes,
    ),
    (
        "404",
        "No such case among those you may see, or no such item",
        Applies::All,
    ),
    ("413", "The body is larger than 64 KiB", Applies::Writes),
    ("415", "The body is not JSON", Applies::Writes),
    (
        "422",
        "The input is wrong; `errors` names each field and what it should be",
        Applies::Writes,
    ),
    (
        "503",
        "The server took too long; nothing was saved",
        Applies::All,
    ),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Applies {
    All,
    Writes,
}

struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        for (code, description, _) in ERRORS {
            let response = ResponseBuilder::new()
                .description(*description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build();
            components
                .responses
                .insert(format!("Error{code}"), response.into());
        }
        for (path, item) in doc.paths.paths.iter_mut() {
            if path == "/api/v1/openapi.json" {
                continue;
            }
            let operations = [
                (Method::GET, item.get.as_mut()),
                (Method::POST, item.post.as_mut()),
                (Method::PUT, item.put.as_mut()),
                (Method::PATCH, item.patch.as_mut()),
                (Method::DELETE, item.delete.as_mut()),
            ];
            for (method, op) in operations {
                if let Some(op) = op {
                    add_errors(op, crate::bearer::is_write(&method));
                }
            }
        }
    }
}

/// An operation anyone may call (`security(())`): it never answers 401.
fn is_public(op: &Operation) -> bool {
    op.security
        .as_ref()
        .is_some_and(|s| s.iter().any(|r| *r == SecurityRequirement::default()))
}

fn add_errors(op: &mut Operation, write: bool) {
    let public = is_public(op);
    for (code, _, applies) in ERRORS {
        if (*applies == Applies::Writes && !write) || (public && *code == "401") {
            continue;
        }
        op.responses
            .responses
            .entry(code.to_string())
            .or_insert_with(|| Ref::new(format!("#/components/responses/Error{code}")).into());
    }
}

/// Case files are validated strictly: a field visanav does not know is refused (400), so
/// the document says so (`additionalProperties: false`) for the parts of a case file, and for
/// the request bodies a `CaseFileInput` copy of `CaseFile` (the response `Case` adds its id
/// and times to `CaseFile`, so that one stays open).
struct StrictInput;

const CLOSED: &[&str] = &["Person", "Refusal", "StatusObservation", "CaseDocument"];

fn close(schema: &mut RefOr<Schema>) {
    if let RefOr::T(Schema::Object(o)) = schema {
        o.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
    }
}

impl Modify for StrictInput {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        for name in CLOSED {
            if let Some(s) = components.schemas.get_mut(*name) {
                close(s);
            }
        }
        if let Some(mut input) = components.schemas.get("CaseFile").cloned() {
            close(&mut input);
            components.schemas.insert("CaseFileInput".into(), input);
        }
        for item in doc.paths.paths.values_mut() {
            for op in [item.post.as_mut(), item.put.as_mut()]
                .into_iter()
                .flatten()
            {
                let Some(body) = op.request_body.as_mut() else {
                    continue;
                };
                for content in body.content.values_mut() {
                    if let Some(RefOr::Ref(r)) = &content.schema
                        && r.ref_location == "#/components/schemas/CaseFile"
                    {
                        content.schema = Some(Ref::from_schema_name("CaseFileInput").into());
                    }
                }
            }
        }
    }
}

/// The document itself, as JSON.
#[utoipa::path(
    get, path = "/api/v1/openapi.json", operation_id = "openapi", tag = "meta", security(()),
    responses((status = 200, description = "This OpenAPI 3.1 document", content_type = "application/json")),
)]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
