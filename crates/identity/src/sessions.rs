//! A session: a short-lived access token for every request, and a long-lived refresh token
//! that buys the next access token without the password (see [`crate::refresh_tokens`]).

use crate::Identity;
use crate::refresh_tokens;
use crate::users::User;
use chrono::Duration;
use kernel::db::Tx;
use kernel::error::ApiError;
use serde::Serialize;
use uuid::Uuid;

/// How long a refresh token may be redeemed after it is issued. Each refresh issues a new
/// one, so a shopper who comes back within this time stays signed in.
pub(crate) const REFRESH_TOKEN_TTL: Duration = Duration::days(30);

/// What registering, signing in or refreshing answers: the API's `Session`.
#[derive(Debug, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
pub(crate) struct Session {
    access_token: String,
    token_type: &'static str,
    /// Seconds until the access token expires.
    expires_in: i64,
    /// Opaque; redeem it once at `POST /auth/refresh` for the next session. Keep it secret:
    /// it is worth a sign-in.
    refresh_token: String,
    /// Seconds until the refresh token expires.
    refresh_expires_in: i64,
    user: User,
}

impl Identity {
    /// Signs `user` in: a session of a new refresh-token family.
    pub(crate) async fn open_session(&self, user: User) -> Result<Session, ApiError> {
        let mut tx = self.db.begin().await?;
        let session = self.open_session_in(&mut tx, user).await?;
        tx.commit().await?;
        Ok(session)
    }

    /// [`Identity::open_session`] inside `tx`, with whatever else `tx` changes.
    pub(crate) async fn open_session_in(&self, tx: &mut Tx, user: User) -> Result<Session, ApiError> {
        self.session_in(tx, user, Uuid::now_v7()).await
    }

    /// A session for `user` whose refresh token belongs to `family`, stored in `tx`.
    pub(crate) async fn session_in(&self, tx: &mut Tx, user: User, family: Uuid) -> Result<Session, ApiError> {
        let now = self.clock.now();
        let refresh_token = refresh_tokens::issue(tx, user.id, family, now, now + REFRESH_TOKEN_TTL).await?;
        Ok(Session {
            access_token: self.tokens.access_token(&user)?,
            token_type: "Bearer",
            expires_in: crate::tokens::ACCESS_TOKEN_TTL.num_seconds(),
            refresh_token,
            refresh_expires_in: REFRESH_TOKEN_TTL.num_seconds(),
            user,
        })
    }
}
