//! Slice: an admin finds an account by its email, e.g. to list that customer's orders
//! (Orders knows customers by id only).

use crate::Identity;
use crate::credentials::Email;
use crate::users::{self, User};
use axum::extract::State;
use kernel::auth::Admin;
use kernel::error::{ApiError, FieldError};
use kernel::http::{Json, Query};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `?email=`: whose account.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct UserLookup {
    /// The account's email, in any case.
    email: String,
}

pub(crate) fn routes() -> OpenApiRouter<Identity> {
    OpenApiRouter::new().routes(routes!(find_user))
}

/// The account with this email (admins); 404 when there is none.
#[utoipa::path(get, path = "/users", tag = "identity", params(UserLookup), security(("bearer" = [])),
    responses((status = 200, description = "The account", body = crate::users::User), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, kernel::error::problems::NotAnAdmin, kernel::error::problems::NotFound, kernel::error::problems::InvalidRequest))]
async fn find_user(
    State(identity): State<Identity>,
    _: Admin,
    Query(lookup): Query<UserLookup>,
) -> Result<Json<User>, ApiError> {
    user_by_email(&identity, &lookup.email).await.map(Json)
}

/// The account with `email` (REST and GraphQL alike; the caller checked the admin role).
pub(crate) async fn user_by_email(identity: &Identity, email: &str) -> Result<User, ApiError> {
    let email = Email::parse(email)
        .map_err(|message| ApiError::validation(vec![FieldError { field: "email".into(), message }]))?;
    users::by_email(&identity.db, email.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no account with the email {}", email.as_str())))
}
