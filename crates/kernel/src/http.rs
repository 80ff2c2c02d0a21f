//! Request extractors that answer malformed input with problem+json instead of axum's
//! plain-text rejections, and the cursor pagination every list endpoint shares.

use crate::error::ApiError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, OptionalFromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// A JSON body; a malformed or mistyped body is a 400 problem naming what is wrong.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// An optional JSON body (`Option<Json<T>>`): none when the request has no `Content-Type`,
/// and malformed or mistyped as for [`Json`].
impl<T, S> OptionalFromRequest<S> for Json<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Option<Self>, ApiError> {
        let body = <axum::Json<T> as OptionalFromRequest<S>>::from_request(request, state).await?;
        Ok(body.map(|axum::Json(value)| Json(value)))
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::bad_request(rejection.body_text())
    }
}

/// Path parameters; an unparsable id is a 400 problem.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        use axum::extract::path::ErrorKind;
        if let PathRejection::FailedToDeserializePathParams(error) = &rejection
            && let ErrorKind::ParseErrorAtKey { key, value, .. } | ErrorKind::DeserializeError { key, value, .. } =
                error.kind()
        {
            return ApiError::bad_request(format!("{key} `{value}` is not a valid id"));
        }
        ApiError::bad_request(rejection.body_text())
    }
}

/// Query parameters; an unparsable value is a 400 problem.
#[derive(Debug, Clone, Copy, Default, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request(rejection.body_text())
    }
}

/// `?limit=&cursor=` as every list endpoint accepts them.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageRequest {
    /// Items per page, 1..=100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    /// Opaque cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

impl PageRequest {
    /// Largest page a client may ask for.
    pub const MAX_LIMIT: i64 = 100;

    /// The page size, refusing values outside 1..=100.
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(20),
            Some(limit) if (1..=Self::MAX_LIMIT).contains(&limit) => Ok(limit),
            Some(_) => Err(ApiError::bad_request("limit must be between 1 and 100")),
        }
    }

    /// The cursor decoded as the id it wraps; a cursor that is not one is a 400. An empty
    /// `?cursor=` (a form that sends every field) means the first page.
    pub fn cursor_id(&self) -> Result<Option<uuid::Uuid>, ApiError> {
        self.cursor
            .as_deref()
            .filter(|cursor| !cursor.is_empty())
            .map(|c| uuid::Uuid::parse_str(c).map_err(|_| ApiError::bad_request("cursor is not one this API issued")))
            .transpose()
    }
}

/// One page of a list and the cursor of the next.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The items, in the list's order.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows: the extra row only proves a next page exists.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, cursor_of: impl Fn(&T) -> String) -> Self {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(&cursor_of)
        } else {
            None
        };
        Page { items: rows, next_cursor }
    }
}
