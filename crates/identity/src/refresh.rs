//! Slice: a client trades its refresh token for the next session, without the password.
//! The token is spent; offering it again revokes every token of its sign-in.

use crate::Identity;
use crate::refresh_tokens::{self, MAX_TOKEN_CHARS, Redeemed};
use crate::sessions::Session;
use crate::users;
use axum::extract::State;
use kernel::error::{ApiError, Validation};
use kernel::http::Json;
use kernel::rate_limit::ClientIp;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// A refresh token, as `POST /auth/refresh` and `POST /auth/logout` take it. Not `Debug`:
/// it is worth a sign-in.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct RefreshToken {
    #[schema(min_length = 1, max_length = 128)]
    pub(crate) refresh_token: String,
}

impl RefreshToken {
    /// The token, when it has the shape of one (a 422 otherwise).
    pub(crate) fn validated(&self) -> Result<&str, ApiError> {
        let token = self.refresh_token.as_str();
        let mut validation = Validation::new();
        validation.check(!token.is_empty(), "refresh_token", "must not be empty");
        validation.check(token.chars().count() <= MAX_TOKEN_CHARS, "refresh_token", "is too long");
        validation.finish()?;
        Ok(token)
    }
}

/// The one answer to a token that buys nothing: what is wrong with it would help a thief.
const REFUSED: &str = "the refresh token is not valid (unknown, expired or revoked): sign in again";

pub(crate) fn routes() -> OpenApiRouter<Identity> {
    OpenApiRouter::new().routes(routes!(refresh))
}

/// Trade a refresh token for a new session (access token and refresh token).
#[utoipa::path(post, path = "/auth/refresh", tag = "identity", request_body = RefreshToken,
    responses((status = 200, description = "The next session; the offered token is spent", body = Session), kernel::error::problems::MalformedRequest, (status = 401, description = "The token is not valid, or was used before (which ends every session of its sign-in)", body = kernel::error::ProblemDocument, content_type = "application/problem+json"), kernel::error::problems::InvalidRequest, kernel::error::problems::TooManyAttempts))]
#[tracing::instrument(skip_all)]
async fn refresh(
    State(identity): State<Identity>,
    client: Option<ClientIp>,
    Json(input): Json<RefreshToken>,
) -> Result<Json<Session>, ApiError> {
    Ok(Json(identity.refresh(client, &input).await?))
}

impl Identity {
    /// Trades a refresh token for the next session (REST and GraphQL alike).
    pub(crate) async fn refresh(&self, client: Option<ClientIp>, input: &RefreshToken) -> Result<Session, ApiError> {
        self.limits.check(client, None)?;
        let token = input.validated()?;
        let mut tx = self.db.begin().await?;
        match refresh_tokens::redeem(&mut tx, token, self.clock.now()).await? {
            Redeemed::Spent { family, user_id } => {
                // The account as it is now: a role changed since sign-in shows in the new token.
                let user = users::by_id(&self.db, user_id).await?.ok_or_else(|| ApiError::unauthorized(REFUSED))?;
                let session = self.session_in(&mut tx, user, family).await?;
                tx.commit().await?;
                Ok(session)
            }
            Redeemed::Reused => {
                tx.commit().await?;
                tracing::warn!("a spent refresh token was offered again; its family is revoked");
                Err(ApiError::unauthorized(
                    "this refresh token was used before, so every session of its sign-in has been ended: sign in again",
                ))
            }
            Redeemed::Refused => Err(ApiError::unauthorized(REFUSED)),
        }
    }
}
