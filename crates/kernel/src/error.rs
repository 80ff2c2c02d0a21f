//! One error type for the HTTP edge, rendered as RFC 9457 problem details.
//!
//! Client mistakes carry a clear message; server faults are logged with their cause chain
//! and answered with a generic 500 that reveals nothing internal.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One invalid field of a request.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    /// Path of the field, e.g. `lines[0].quantity`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// An error answered to an HTTP client as `application/problem+json`.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    slug: &'static str,
    title: &'static str,
    detail: String,
    code: Option<String>,
    errors: Vec<FieldError>,
    /// Seconds the client should wait before trying again (`Retry-After`); small, so
    /// every `Result<_, ApiError>` stays small.
    retry_after: Option<std::num::NonZeroU32>,
}

/// An RFC 9457 problem document: the body of every error the API answers.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Problem)]
pub struct ProblemDocument {
    /// URI naming the kind of problem.
    #[serde(rename = "type")]
    kind: String,
    /// Short summary of the kind.
    title: &'static str,
    /// The HTTP status.
    status: u16,
    /// What went wrong, for a person.
    detail: String,
    /// Machine-readable reason of a refused request (e.g. `shipping_unavailable`).
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    /// Every invalid field, on validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldError>,
}

impl ApiError {
    fn new(status: StatusCode, slug: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self { status, slug, title, detail: detail.into(), code: None, errors: Vec::new(), retry_after: None }
    }

    /// 400: the request could not be read (malformed JSON, bad path or query parameter).
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", "Malformed request", detail)
    }

    /// 401: no valid credentials.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "Authentication required", detail)
    }

    /// 403: authenticated, but the role does not allow this.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", detail)
    }

    /// 404: nothing there (also used for resources that belong to someone else).
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    /// 409: the request conflicts with the current state.
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", "Conflict", detail)
    }

    /// 413: the body, or a file in it, is larger than this endpoint takes.
    pub fn too_large(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", "Request too large", detail)
    }

    /// 415: the body is not in a media type this endpoint reads.
    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Unsupported media type", detail)
    }

    /// 422 with one message per invalid field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = errors.iter().map(|e| format!("{} {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
        Self { errors, ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", "Invalid request", detail) }
    }

    /// 422 for a well-formed request the domain refuses, with a machine-readable code.
    pub fn rejected(code: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            code: Some(code.into()),
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "rejected", "Request refused", detail)
        }
    }

    /// 429: the client spent its budget of requests; `Retry-After` says when it refills
    /// (in whole seconds, at least one).
    pub fn too_many_requests(detail: impl Into<String>, wait: std::time::Duration) -> Self {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let seconds = u32::try_from(seconds).unwrap_or(u32::MAX);
        Self {
            retry_after: Some(std::num::NonZeroU32::new(seconds).unwrap_or(std::num::NonZeroU32::MIN)),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "too-many-requests", "Too many requests", detail)
        }
    }

    /// 503: a dependency is down.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable", detail)
    }

    /// 500: logs `error` with its cause chain and hides it from the client.
    pub fn internal(error: &(dyn std::error::Error + 'static)) -> Self {
        let mut chain = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            chain.push_str(": ");
            chain.push_str(&cause.to_string());
            source = cause.source();
        }
        let trace = crate::telemetry::current_trace_id();
        tracing::error!(error = %chain, tags.trace_id = trace, "request failed");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", "something went wrong on our side")
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The seconds a 429 asks the client to wait.
    pub fn retry_after_seconds(&self) -> Option<u32> {
        self.retry_after.map(std::num::NonZeroU32::get)
    }

    /// The machine-readable reason of a refused request (`rejected`), if this is one.
    pub fn rejection_code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// Every invalid field, on validation problems.
    pub fn field_errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// The human-readable explanation.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

/// Every kind of problem the API answers, by the slug ending its `type` URI, with its title.
const KINDS: &[(&str, &str)] = &[
    ("bad-request", "Malformed request"),
    ("unauthorized", "Authentication required"),
    ("forbidden", "Not allowed"),
    ("not-found", "Not found"),
    ("conflict", "Conflict"),
    ("too-large", "Request too large"),
    ("unsupported-media-type", "Unsupported media type"),
    ("validation", "Invalid request"),
    ("rejected", "Request refused"),
    ("too-many-requests", "Too many requests"),
    ("unavailable", "Service unavailable"),
    ("internal", "Internal error"),
];

/// A problem document as read back (the fields an [`ApiError`] is made of).
#[derive(serde::Deserialize)]
struct StoredProblem {
    #[serde(rename = "type")]
    kind: String,
    status: u16,
    detail: String,
    code: Option<String>,
    #[serde(default)]
    errors: Vec<FieldError>,
}

impl ApiError {
    /// The problem document this error answers with, as JSON.
    pub(crate) fn problem_json(&self) -> String {
        let body = ProblemDocument {
            kind: format!("https://emporium.dev/problems/{}", self.slug),
            title: self.title,
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.clone(),
            errors: self.errors.clone(),
        };
        serde_json::to_string(&body).expect("problem documents serialise")
    }

    /// The error a stored problem document (from [`ApiError::problem_json`]) was made from;
    /// `None` when it is not one.
    pub(crate) fn from_problem_json(json: &str) -> Option<ApiError> {
        let stored: StoredProblem = serde_json::from_str(json).ok()?;
        let status = StatusCode::from_u16(stored.status).ok()?;
        let slug = stored.kind.rsplit('/').next()?;
        let &(slug, title) = KINDS.iter().find(|(known, _)| *known == slug)?;
        Some(Self { code: stored.code, errors: stored.errors, ..Self::new(status, slug, title, stored.detail) })
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.detail)
    }
}

impl std::error::Error for ApiError {}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        ApiError::internal(&error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let json = self.problem_json();
        let mut response = (self.status, [(header::CONTENT_TYPE, "application/problem+json")], json).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, seconds.get().into());
        }
        response
    }
}

/// Collects field errors so a client learns about every invalid field at once.
#[derive(Debug, Default)]
pub struct Validation {
    errors: Vec<FieldError>,
}

impl Validation {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `message` for `field` unless `ok`.
    pub fn check(&mut self, ok: bool, field: impl Into<String>, message: impl Into<String>) -> &mut Self {
        if !ok {
            self.errors.push(FieldError { field: field.into(), message: message.into() });
        }
        self
    }

    /// Records an error unconditionally.
    pub fn fail(&mut self, field: impl Into<String>, message: impl Into<String>) -> &mut Self {
        self.check(false, field, message)
    }

    /// `Ok` when nothing was recorded, else a 422 listing every field.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() { Ok(()) } else { Err(ApiError::validation(self.errors)) }
    }
}

/// The problem answers many operations share, declared once for the OpenAPI document:
/// name them in a path's `responses(...)` instead of spelling each one out.
pub mod problems {
    use super::ProblemDocument;

    /// 400: the body, path or query could not be read.
    #[derive(utoipa::IntoResponses)]
    #[response(status = 400, description = "Malformed request", content_type = "application/problem+json")]
    pub struct MalformedRequest(pub ProblemDocument);

    /// 401: no valid access token.
    #[derive(utoipa::IntoResponses)]
    #[response(status = 401, description = "Not signed in", content_type = "application/problem+json")]
    pub struct NotSignedIn(pub ProblemDocument);

    /// 403: signed in, but not an admin.
    #[derive(utoipa::IntoResponses)]
    #[response(status = 403, description = "Not an admin", content_type = "application/problem+json")]
    pub struct NotAnAdmin(pub ProblemDocument);

    /// 404: nothing there, or it belongs to someone else.
    #[derive(utoipa::IntoResponses)]
    #[response(status = 404, description = "Not found", content_type = "application/problem+json")]
    pub struct NotFound(pub ProblemDocument);

    /// 409: the request conflicts with the current state.
    #[derive(utoipa::IntoResponses)]
    #[response(status = 409, description = "Conflict", content_type = "application/problem+json")]
    pub struct Conflict(pub ProblemDocument);

    /// 413: the body, or a file in it, is larger than the operation takes.
    #[derive(utoipa::IntoResponses)]
    #[response(status = 413, description = "Too large", content_type = "application/problem+json")]
    pub struct TooLarge(pub ProblemDocument);

    /// 415: the body, or a file in it, is not of a type the operation takes.
    #[derive(utoipa::IntoResponses)]
    #[response(status = 415, description = "Unsupported media type", content_type = "application/problem+json")]
    pub struct UnsupportedMediaType(pub ProblemDocument);

    /// 422: well-formed, but a field is invalid or the domain refuses it.
    #[derive(utoipa::IntoResponses)]
    #[response(status = 422, description = "Invalid request", content_type = "application/problem+json")]
    pub struct InvalidRequest(pub ProblemDocument);

    /// 429: an attempt budget is spent (sign-in, registration, refresh, password change).
    #[derive(utoipa::IntoResponses)]
    #[response(status = 429, description = "Too many attempts", content_type = "application/problem+json")]
    pub struct TooManyAttempts(pub ProblemDocument);

    /// 429: the client's address spent its budget of requests (any operation).
    #[derive(utoipa::IntoResponses)]
    #[response(
        status = 429,
        description = "Too many requests from this address",
        content_type = "application/problem+json"
    )]
    pub struct TooManyRequests(pub ProblemDocument);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_problem_reads_back_as_the_error_it_was() {
        let field = FieldError { field: "reason".into(), message: "must not be empty".into() };
        let errors = [
            ApiError::bad_request("unreadable"),
            ApiError::unauthorized("no token"),
            ApiError::forbidden("admins only"),
            ApiError::not_found("no such order"),
            ApiError::conflict("already shipped"),
            ApiError::too_large("too big"),
            ApiError::unsupported_media_type("not JSON"),
            ApiError::validation(vec![field]),
            ApiError::rejected("card_rejected", "the card was declined"),
            ApiError::too_many_requests("slow down", std::time::Duration::from_secs(2)),
            ApiError::unavailable("down"),
            ApiError::internal(&std::io::Error::other("disk on fire")),
        ];
        for error in errors {
            let json = error.problem_json();
            let read = ApiError::from_problem_json(&json).unwrap_or_else(|| panic!("{json} reads back"));
            assert_eq!(read.problem_json(), json);
            assert_eq!(read.status(), error.status());
        }
        assert!(ApiError::from_problem_json("{\"type\": \"x/unknown\"}").is_none());
    }
}
