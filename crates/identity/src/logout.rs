//! Slice: a client signs out, revoking its refresh token and every token of the same
//! sign-in. Access tokens already issued stay valid until they expire (at most 15 minutes):
//! checking them needs no database, which is what they are for.

use crate::Identity;
use crate::refresh::RefreshToken;
use crate::refresh_tokens;
use axum::extract::State;
use axum::http::StatusCode;
use kernel::error::ApiError;
use kernel::http::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<Identity> {
    OpenApiRouter::new().routes(routes!(logout))
}

/// Sign out: the refresh token and every token of its sign-in stop working. Answers 204
/// also for a token that is unknown or already revoked, so it can be repeated safely.
#[utoipa::path(post, path = "/auth/logout", tag = "identity", request_body = RefreshToken,
    responses((status = 204, description = "Signed out"), kernel::error::problems::MalformedRequest, kernel::error::problems::InvalidRequest))]
#[tracing::instrument(skip_all)]
async fn logout(State(identity): State<Identity>, Json(input): Json<RefreshToken>) -> Result<StatusCode, ApiError> {
    identity.sign_out(&input).await?;
    Ok(StatusCode::NO_CONTENT)
}

impl Identity {
    /// Revokes the refresh token's sign-in (REST and GraphQL alike); nothing for an unknown one.
    pub(crate) async fn sign_out(&self, input: &RefreshToken) -> Result<(), ApiError> {
        let token = input.validated()?;
        let mut tx = self.db.begin().await?;
        if refresh_tokens::revoke_family_of(&mut tx, token, self.clock.now()).await? {
            tracing::info!("signed out");
        }
        tx.commit().await?;
        Ok(())
    }
}
