//! Identity's part of the GraphQL schema: the signed-in account (as `GET /me`), and signing
//! up, in and out through the same functions as the REST slices, within the same budgets.

use crate::Identity;
use crate::password::{PasswordChange, change};
use crate::refresh::RefreshToken;
use crate::sessions::Session;
use crate::users::{self, User};
use async_graphql::{Context, ErrorExtensions, Object, Result, ResultExt};
use kernel::error::ApiError;
use kernel::graphql::state;
use kernel::rate_limit::ClientIp;

/// Identity's queries, merged into the platform's `Query`.
#[derive(Default)]
pub struct IdentityQuery;

#[Object]
impl IdentityQuery {
    /// The account with this email (admins); `NOT_FOUND` when there is none.
    async fn user_by_email(&self, ctx: &Context<'_>, email: String) -> Result<User> {
        kernel::graphql::admin(ctx)?;
        crate::find_user::user_by_email(state::<Identity>(ctx)?, &email).await.extend()
    }

    /// The signed-in account; `UNAUTHENTICATED` without a valid access token.
    async fn me(&self, ctx: &Context<'_>) -> Result<User> {
        let principal = kernel::graphql::signed_in(ctx)?;
        let identity = state::<Identity>(ctx)?;
        users::by_id(&identity.db, principal.user_id)
            .await
            .map_err(ApiError::from)
            .and_then(|user| {
                user.ok_or_else(|| ApiError::unauthorized("the account this token was issued for no longer exists"))
            })
            .map_err(|error| error.extend())
    }
}

/// Identity's mutations, merged into the platform's `Mutation`.
#[derive(Default)]
pub struct IdentityMutation;

/// The caller's address, when the request came over a socket (for the attempt budgets).
fn client(ctx: &Context<'_>) -> Option<ClientIp> {
    ctx.data_opt::<ClientIp>().copied()
}

#[Object]
impl IdentityMutation {
    /// Open a customer account; answers a signed-in session.
    async fn register(&self, ctx: &Context<'_>, email: String, password: String, name: String) -> Result<Session> {
        state::<Identity>(ctx)?.register_customer(client(ctx), &email, &password, &name).await.extend()
    }

    /// Sign in with email and password.
    async fn login(&self, ctx: &Context<'_>, email: String, password: String) -> Result<Session> {
        state::<Identity>(ctx)?.sign_in(client(ctx), &email, password).await.extend()
    }

    /// Trade a refresh token for the next session; the token is spent.
    async fn refresh(&self, ctx: &Context<'_>, refresh_token: String) -> Result<Session> {
        state::<Identity>(ctx)?.refresh(client(ctx), &RefreshToken { refresh_token }).await.extend()
    }

    /// Change the signed-in account's password: every other session ends, and this answers
    /// a new one. `BAD_USER_INPUT` names the field at fault: `current_password` when it does
    /// not match, `new_password` when the new one is not acceptable.
    async fn change_password(&self, ctx: &Context<'_>, input: PasswordChange) -> Result<Session> {
        let principal = kernel::graphql::signed_in(ctx)?;
        change(state::<Identity>(ctx)?, client(ctx), principal, input).await.extend()
    }

    /// Sign out: the refresh token and every token of its sign-in stop working.
    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> Result<bool> {
        state::<Identity>(ctx)?.sign_out(&RefreshToken { refresh_token }).await.extend()?;
        Ok(true)
    }
}
