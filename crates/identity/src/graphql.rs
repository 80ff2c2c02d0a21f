//! Identity's part of the GraphQL schema: the signed-in account (as `GET /me`).

use crate::Identity;
use crate::users::{self, User};
use async_graphql::{Context, ErrorExtensions, Object, Result};
use kernel::error::ApiError;

/// Identity's queries, merged into the platform's `Query`.
#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// The signed-in account; `UNAUTHENTICATED` without a valid access token.
    async fn me(&self, ctx: &Context<'_>) -> Result<User> {
        let principal = kernel::graphql::signed_in(ctx)?;
        let identity = kernel::graphql::state::<Identity>(ctx)?;
        users::by_id(&identity.db, principal.user_id)
            .await
            .map_err(ApiError::from)
            .and_then(|user| {
                user.ok_or_else(|| ApiError::unauthorized("the account this token was issued for no longer exists"))
            })
            .map_err(|error| error.extend())
    }
}
