//! Slice: a signed-in user reads their own account.

use crate::Identity;
use crate::users::{self, User};
use axum::extract::State;
use kernel::auth::Principal;
use kernel::error::ApiError;
use kernel::http::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(crate) fn routes() -> OpenApiRouter<Identity> {
    OpenApiRouter::new().routes(routes!(me))
}

/// The signed-in account.
#[utoipa::path(get, path = "/me", tag = "identity", security(("bearer" = [])),
    responses((status = 200, description = "The account", body = crate::users::User), kernel::error::problems::NotSignedIn))]
async fn me(State(identity): State<Identity>, principal: Principal) -> Result<Json<User>, ApiError> {
    users::by_id(&identity.db, principal.user_id)
        .await?
        .map(Json)
        // A valid token for a deleted account: the caller must sign in (or register) again.
        .ok_or_else(|| ApiError::unauthorized("the account this token was issued for no longer exists"))
}
