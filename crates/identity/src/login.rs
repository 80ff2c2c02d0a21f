//! Slice: a user signs in with email and password and receives an access token.
//!
//! An unknown email and a wrong password get the same answer after the same work (a full
//! argon2 verification either way), so the endpoint does not reveal who has an account.

use crate::credentials::Email;
use crate::sessions::Session;
use crate::users::{self, User};
use crate::{Identity, IdentityError};
use axum::extract::State;
use kernel::error::ApiError;
use kernel::http::Json;
use kernel::rate_limit::ClientIp;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The one answer to every failed sign-in.
pub(crate) const WRONG_CREDENTIALS: &str = "wrong email or password";

/// The request body. Not `Debug`: it holds a password.
#[derive(Deserialize, utoipa::ToSchema)]
struct Credentials {
    email: String,
    password: String,
}

pub(crate) fn routes() -> OpenApiRouter<Identity> {
    OpenApiRouter::new().routes(routes!(login))
}

#[tracing::instrument(skip_all)]
/// Sign in with email and password.
#[utoipa::path(post, path = "/auth/login", tag = "identity", request_body = Credentials,
    responses((status = 200, description = "Signed in", body = Session), kernel::error::problems::MalformedRequest, (status = 401, description = "Wrong email or password", body = kernel::error::ProblemDocument, content_type = "application/problem+json"), kernel::error::problems::TooManyAttempts))]
async fn login(
    State(identity): State<Identity>,
    client: Option<ClientIp>,
    Json(input): Json<Credentials>,
) -> Result<Json<Session>, ApiError> {
    Ok(Json(identity.sign_in(client, &input.email, input.password).await?))
}

impl Identity {
    /// Signs in with email and password (REST and GraphQL alike), within the attempt budgets.
    pub(crate) async fn sign_in(
        &self,
        client: Option<ClientIp>,
        email: &str,
        password: String,
    ) -> Result<Session, ApiError> {
        self.limits.check(client, Some(&Email::normalize(email)))?;
        match self.authenticate(email, password).await? {
            Some(user) => self.open_session(user).await,
            None => Err(ApiError::unauthorized(WRONG_CREDENTIALS)),
        }
    }

    /// The user these credentials belong to, or `None` when the email is unknown or the
    /// password does not match.
    async fn authenticate(&self, email: &str, password: String) -> Result<Option<User>, IdentityError> {
        let (user, password_hash) = users::credentials(&self.db, &Email::normalize(email)).await?.unzip();
        let matches = self.passwords.verify(password, password_hash).await?;
        Ok(user.filter(|_| matches))
    }
}
