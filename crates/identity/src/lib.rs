//! Identity: customers and admins, their argon2id passwords, and the HS256 access tokens
//! that every context's endpoints accept through the kernel's `Principal` extractor.
//!
//! Identity is deliberately not one of the five event-sourced contexts. An account is
//! reference data with one current state: no other context reacts to how it came to be,
//! its history has no business meaning worth replaying, and signing in needs a unique,
//! case-insensitive email lookup that a plain `users` table with a unique column answers
//! directly (an event stream would need a uniqueness claim and a projection to do the
//! same). Other contexts learn who is calling from the token's claims, never from this
//! table, so none of them depends on Identity.
//!
//! Layout: one module per slice (`register`, which also holds [`Identity::create_user`] and
//! [`Identity::ensure_user`] for the admin CLI and the demo seed; `login`; `refresh`;
//! `logout`; `password`; `me`), plus `credentials` (parsing what people type), `passwords`
//! (argon2id), `tokens` (issuing and verifying access tokens), `sessions` and
//! `refresh_tokens` (the long-lived half of a session, rotated on every use), `limits`
//! (attempt budgets) and `users` (the table).

mod credentials;
mod find_user;
mod graphql;
mod limits;
mod login;
mod logout;
mod me;
mod password;
mod passwords;
mod refresh;
mod refresh_tokens;
mod register;
mod sessions;
mod tokens;
mod users;

use kernel::auth::SharedTokenVerifier;
use kernel::clock::SharedClock;
use kernel::db::{Db, DbError};
use kernel::error::{ApiError, FieldError};
use limits::AuthLimits;
use passwords::Passwords;
use std::sync::Arc;
use tokens::Tokens;

pub use graphql::{IdentityMutation, IdentityQuery};
pub use users::{MIGRATIONS, User};

/// Why a user could not be created. Rejections (`Invalid`, `EmailTaken`) are the caller's
/// to fix; `Hashing` and `Database` are faults on this side and may succeed on retry.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The email, password or name is not acceptable; one entry per bad field.
    #[error("invalid user: {}", describe(.0))]
    Invalid(Vec<FieldError>),
    /// Another account already uses this email (compared lower-cased).
    #[error("an account with this email already exists")]
    EmailTaken,
    /// Argon2 failed, or a stored hash is corrupt.
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// The users table could not be read or written.
    #[error("the identity database failed")]
    Database(#[from] sqlx::Error),
}

fn describe(errors: &[FieldError]) -> String {
    errors.iter().map(|e| format!("{} {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
}

impl From<IdentityError> for ApiError {
    fn from(error: IdentityError) -> Self {
        match error {
            IdentityError::Invalid(errors) => ApiError::validation(errors),
            IdentityError::EmailTaken => ApiError::conflict("an account with this email already exists"),
            IdentityError::Hashing(_) | IdentityError::Database(_) => ApiError::internal(&error),
        }
    }
}

/// Accounts, password checks and access tokens; cheap to clone (every part is shared).
#[derive(Clone)]
pub struct Identity {
    db: Db,
    clock: SharedClock,
    passwords: Passwords,
    tokens: Arc<Tokens>,
    limits: Arc<AuthLimits>,
}

impl Identity {
    /// Migrates the users table in `db` and signs tokens with `jwt_secret` (which must not
    /// be empty), timing them by `clock`. Passwords are hashed with secure argon2id costs.
    pub async fn open(db: Db, jwt_secret: impl AsRef<[u8]>, clock: SharedClock) -> Result<Self, DbError> {
        let tokens = Arc::new(Tokens::new(jwt_secret.as_ref(), clock.clone()));
        db.migrate("identity", MIGRATIONS).await?;
        let limits = Arc::new(AuthLimits::per_minute(0));
        Ok(Identity { db, clock, passwords: Passwords::secure(), tokens, limits })
    }

    /// Allows `per_minute` sign-in, registration, refresh and password-change attempts a
    /// minute from one client address, and as many for one account; beyond them the answer
    /// is 429 before any password is hashed. 0 (what [`Identity::open`] starts with) means
    /// no limit.
    #[must_use]
    pub fn with_auth_rate_limit(self, per_minute: u32) -> Self {
        Identity { limits: Arc::new(AuthLimits::per_minute(per_minute)), ..self }
    }

    /// Hashes new passwords with argon2's minimum costs. Only for tests, where creating
    /// users at the secure cost would dominate the run time; such hashes are easy to crack.
    #[must_use]
    pub fn with_fast_hashing(self) -> Self {
        Identity { passwords: Passwords::fast(), ..self }
    }

    /// `POST /auth/register`, `/auth/login`, `/auth/refresh`, `/auth/logout`,
    /// `/auth/password` and `GET /me`, to be mounted under `/api/v1`. `/me` and
    /// `/auth/password` need [`Identity::verifier`] installed as a request extension.
    pub fn router(&self) -> utoipa_axum::router::OpenApiRouter {
        utoipa_axum::router::OpenApiRouter::new()
            .merge(register::routes())
            .merge(login::routes())
            .merge(refresh::routes())
            .merge(logout::routes())
            .merge(password::routes())
            .merge(me::routes())
            .merge(find_user::routes())
            .with_state(self.clone())
    }

    /// Turns access tokens into principals; the HTTP edge installs it for every context.
    pub fn verifier(&self) -> SharedTokenVerifier {
        self.tokens.clone()
    }
}
