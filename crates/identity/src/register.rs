//! Slice: a visitor opens a customer account and is signed in straight away. The same
//! decision creates admins from the CLI and the demo seed's users.

use crate::credentials::{Email, NewUser};
use crate::sessions::Session;
use crate::users::{self, User};
use crate::{Identity, IdentityError};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::SubsecRound;
use kernel::auth::Role;
use kernel::error::ApiError;
use kernel::http::Json;
use kernel::rate_limit::ClientIp;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

/// The request body. Not `Debug`: it holds a password.
#[derive(Deserialize, utoipa::ToSchema)]
struct Registration {
    email: String,
    password: String,
    name: String,
}

pub(crate) fn routes() -> OpenApiRouter<Identity> {
    OpenApiRouter::new().routes(routes!(register))
}

/// Open a customer account; answers a signed-in session.
#[utoipa::path(post, path = "/auth/register", tag = "identity", request_body = Registration,
    responses((status = 201, description = "Registered and signed in", body = Session), kernel::error::problems::MalformedRequest, (status = 409, description = "Email taken", body = kernel::error::ProblemDocument, content_type = "application/problem+json"), kernel::error::problems::InvalidRequest, kernel::error::problems::TooManyAttempts))]
#[tracing::instrument(skip_all)]
async fn register(
    State(identity): State<Identity>,
    client: Option<ClientIp>,
    Json(input): Json<Registration>,
) -> Result<(StatusCode, Json<Session>), ApiError> {
    let session = identity.register_customer(client, &input.email, &input.password, &input.name).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

impl Identity {
    /// Opens a customer account and signs it in (REST and GraphQL alike), within the
    /// attempt budgets.
    pub(crate) async fn register_customer(
        &self,
        client: Option<ClientIp>,
        email: &str,
        password: &str,
        name: &str,
    ) -> Result<Session, ApiError> {
        self.limits.check(client, Some(&Email::normalize(email)))?;
        let user = self.create_user(email, password, name, Role::Customer).await?;
        tracing::info!(user_id = %user.id, "customer registered");
        self.open_session(user).await
    }

    /// Creates an account after validating every field; [`IdentityError::EmailTaken`] when
    /// the email (in any letter case) already has one. Used by registration and by
    /// `emporium admin create`.
    pub async fn create_user(
        &self,
        email: &str,
        password: &str,
        name: &str,
        role: Role,
    ) -> Result<User, IdentityError> {
        let new_user = NewUser::parse(email, password, name).map_err(IdentityError::Invalid)?;
        // Spares an argon2 hash when the answer is already known; the insert below still
        // decides when two registrations race.
        if users::by_email(&self.db, new_user.email.as_str()).await?.is_some() {
            return Err(IdentityError::EmailTaken);
        }
        let password_hash = self.passwords.hash(new_user.password).await?;
        let user = User {
            id: Uuid::now_v7(),
            email: new_user.email.as_str().to_owned(),
            name: new_user.name.as_str().to_owned(),
            role,
            // Stored with microseconds, so the answer equals what a later read returns.
            created_at: self.clock.now().trunc_subsecs(6),
        };
        if users::insert(&self.db, &user, &password_hash).await? { Ok(user) } else { Err(IdentityError::EmailTaken) }
    }

    /// The account with this email, created first when missing. Idempotent, because the
    /// demo seed runs on every start: an existing account is returned as it is, without
    /// checking or changing its password, name or role.
    pub async fn ensure_user(
        &self,
        email: &str,
        password: &str,
        name: &str,
        role: Role,
    ) -> Result<User, IdentityError> {
        let normalized = Email::normalize(email);
        if let Some(user) = users::by_email(&self.db, &normalized).await? {
            return Ok(user);
        }
        match self.create_user(email, password, name, role).await {
            // Another process created it in between: that account is the answer.
            Err(IdentityError::EmailTaken) => {
                users::by_email(&self.db, &normalized).await?.ok_or(IdentityError::EmailTaken)
            }
            outcome => outcome,
        }
    }
}
