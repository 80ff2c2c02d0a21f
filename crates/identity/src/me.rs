//! Slice: a signed-in user reads their own account.

use crate::Identity;
use crate::users::{self, User};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use kernel::auth::Principal;
use kernel::error::ApiError;
use kernel::http::Json;

pub(crate) fn routes() -> Router<Identity> {
    Router::new().route("/me", get(me))
}

async fn me(State(identity): State<Identity>, principal: Principal) -> Result<Json<User>, ApiError> {
    users::by_id(&identity.db, principal.user_id)
        .await?
        .map(Json)
        // A valid token for a deleted account: the caller must sign in (or register) again.
        .ok_or_else(|| ApiError::unauthorized("the account this token was issued for no longer exists"))
}
