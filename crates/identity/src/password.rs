//! Slice: a signed-in user changes their password. Every refresh token they hold is
//! revoked (each device must sign in again) and the device that made the change gets a
//! fresh session.

use crate::Identity;
use crate::credentials::Password;
use crate::sessions::Session;
use crate::users;
use axum::extract::State;
use kernel::auth::Principal;
use kernel::error::{ApiError, FieldError};
use kernel::http::Json;
use kernel::rate_limit::ClientIp;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The request body (REST), or `input` of `changePassword` (GraphQL). Not `Debug`: it
/// holds passwords.
#[derive(Deserialize, utoipa::ToSchema, async_graphql::InputObject)]
pub(crate) struct PasswordChange {
    current_password: String,
    new_password: String,
}

pub(crate) fn routes() -> OpenApiRouter<Identity> {
    OpenApiRouter::new().routes(routes!(change_password))
}

/// Change the signed-in user's password; answers a new session and ends every other one.
#[utoipa::path(post, path = "/auth/password", tag = "identity", request_body = PasswordChange, security(("bearer" = [])),
    responses((status = 200, description = "Changed; the new session", body = Session), kernel::error::problems::MalformedRequest, kernel::error::problems::NotSignedIn, (status = 422, description = "The current password does not match, or the new one is not acceptable", body = kernel::error::ProblemDocument, content_type = "application/problem+json"), kernel::error::problems::TooManyAttempts))]
async fn change_password(
    State(identity): State<Identity>,
    principal: Principal,
    client: Option<ClientIp>,
    Json(input): Json<PasswordChange>,
) -> Result<Json<Session>, ApiError> {
    change(&identity, client, principal, input).await.map(Json)
}

/// Changes `principal`'s password as `input` asks, within the sign-in budgets, and answers a
/// new session: what `POST /auth/password` and GraphQL's `changePassword` both do.
#[tracing::instrument(skip_all, fields(user_id = %principal.user_id))]
pub(crate) async fn change(
    identity: &Identity,
    client: Option<ClientIp>,
    principal: Principal,
    input: PasswordChange,
) -> Result<Session, ApiError> {
    // A stolen access token must not become a way to guess the password at speed.
    identity.limits.check(client, Some(&principal.user_id.to_string()))?;
    let invalid = |message: &str| {
        ApiError::validation(vec![FieldError { field: "new_password".into(), message: message.into() }])
    };
    let new_password = Password::parse(&input.new_password).map_err(|message| invalid(&message))?;
    if input.new_password == input.current_password {
        return Err(invalid("must differ from the current password"));
    }
    let (user, stored_hash) = users::credentials_by_id(&identity.db, principal.user_id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("the account this token was issued for no longer exists"))?;
    if !identity.passwords.verify(input.current_password, Some(stored_hash)).await? {
        return Err(ApiError::validation(vec![FieldError {
            field: "current_password".into(),
            message: "does not match your current password".into(),
        }]));
    }
    let new_hash = identity.passwords.hash(new_password).await?;
    let mut tx = identity.db.begin().await?;
    users::set_password_hash(&mut tx, user.id, &new_hash).await?;
    crate::refresh_tokens::revoke_all_of(&mut tx, user.id, identity.clock.now()).await?;
    let session = identity.open_session_in(&mut tx, user).await?;
    tx.commit().await?;
    tracing::info!("password changed; every other session ended");
    Ok(session)
}
