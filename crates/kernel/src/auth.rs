//! Who is calling: the authenticated principal every context's endpoints extract.
//!
//! The kernel knows nothing of passwords or token formats; the composition root installs
//! a [`TokenVerifier`] (Identity's JWT verifier) as a request extension.

use crate::error::ApiError;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use uuid::Uuid;

/// What a principal may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, async_graphql::Enum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Shops and sees only their own orders, payments and shipments.
    Customer,
    /// Manages the catalog and stock and sees everything.
    Admin,
}

/// An authenticated caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    /// The user's id (the customer id for customers).
    pub user_id: Uuid,
    /// The user's role.
    pub role: Role,
}

impl Principal {
    /// Whether this principal may see a resource owned by `owner`.
    pub fn can_see(&self, owner: Uuid) -> bool {
        self.role == Role::Admin || self.user_id == owner
    }
}

/// Turns a bearer token into a principal.
pub trait TokenVerifier: Send + Sync + 'static {
    /// The principal the token names, or why it is not accepted.
    fn verify(&self, token: &str) -> Result<Principal, ApiError>;
}

/// The verifier as installed in request extensions.
pub type SharedTokenVerifier = Arc<dyn TokenVerifier>;

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let verifier = installed_verifier(parts)?;
        bearer_principal(&parts.headers, verifier.as_ref())?
            .ok_or_else(|| ApiError::unauthorized("sign in: send Authorization: Bearer <token>"))
    }
}

fn installed_verifier(parts: &Parts) -> Result<SharedTokenVerifier, ApiError> {
    parts
        .extensions
        .get::<SharedTokenVerifier>()
        .cloned()
        .ok_or_else(|| ApiError::internal(&std::io::Error::other("no token verifier installed")))
}

/// Read as `Option<Principal>` where signing in is optional (a product page shows drafts to
/// an admin): `None` without a token, 401 for a token that is not acceptable.
impl<S: Send + Sync> OptionalFromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Self::Rejection> {
        let verifier = installed_verifier(parts)?;
        bearer_principal(&parts.headers, verifier.as_ref())
    }
}

/// The principal the request's `Authorization: Bearer` token names; `None` without the
/// header, an error when the header or its token is not acceptable.
pub fn bearer_principal(
    headers: &axum::http::HeaderMap,
    verifier: &dyn TokenVerifier,
) -> Result<Option<Principal>, ApiError> {
    let Some(header) = headers.get(AUTHORIZATION) else { return Ok(None) };
    let token = header
        .to_str()
        .ok()
        .and_then(|value| value.strip_prefix("Bearer "))
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be 'Bearer <token>'"))?;
    verifier.verify(token.trim()).map(Some)
}

/// A principal with the admin role; anyone else gets 403.
#[derive(Debug, Clone, Copy)]
pub struct Admin(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let principal = <Principal as FromRequestParts<S>>::from_request_parts(parts, state).await?;
        if principal.role == Role::Admin {
            Ok(Admin(principal))
        } else {
            Err(ApiError::forbidden("this needs the admin role"))
        }
    }
}
