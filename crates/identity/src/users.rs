//! The `users` table: one row per account, read and written with plain SQL that runs on
//! both SQLite and PostgreSQL.

use chrono::{DateTime, Utc};
use kernel::auth::Role;
use kernel::db::{Db, Migration, Tx};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;
use uuid::Uuid;

/// The users table. Emails are stored lower-cased, so the unique constraint alone keeps
/// one account per address whatever case it was typed in; the role check keeps a typo in
/// a manual update from creating a role the API cannot name.
pub const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, description: "users with argon2id password hashes", sqlite: SCHEMA, postgres: SCHEMA },
    Migration {
        version: 2,
        description: "refresh tokens, by digest, in families",
        sqlite: crate::refresh_tokens::SCHEMA,
        postgres: crate::refresh_tokens::SCHEMA,
    },
];

const SCHEMA: &str = "
    create table users (
        id text primary key,
        email text not null unique,
        name text not null,
        password_hash text not null,
        role text not null check (role in ('customer', 'admin')),
        created_at text not null
    );
";

/// A customer or admin account, as the API shows it (`{ id, email, name, role }`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema, async_graphql::SimpleObject)]
pub struct User {
    /// UUIDv7; for customers this is also their customer id in every other context.
    pub id: Uuid,
    /// Lower-cased and trimmed.
    pub email: String,
    /// Display name, trimmed.
    pub name: String,
    /// What the user may do.
    pub role: Role,
    /// When the account was created (not part of the API's `User`).
    #[serde(skip_serializing)]
    #[schema(ignore)]
    #[graphql(skip)]
    pub created_at: DateTime<Utc>,
}

fn role_text(role: Role) -> &'static str {
    match role {
        Role::Customer => "customer",
        Role::Admin => "admin",
    }
}

fn parse_role(text: &str) -> Option<Role> {
    match text {
        "customer" => Some(Role::Customer),
        "admin" => Some(Role::Admin),
        _ => None,
    }
}

fn corrupt(what: String) -> sqlx::Error {
    sqlx::Error::Decode(what.into())
}

fn user_from_row(row: &AnyRow) -> Result<User, sqlx::Error> {
    let id: String = row.try_get("id")?;
    let role: String = row.try_get("role")?;
    let created_at: String = row.try_get("created_at")?;
    Ok(User {
        id: Uuid::parse_str(&id).map_err(|_| corrupt(format!("users.id {id:?} is not a uuid")))?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        role: parse_role(&role).ok_or_else(|| corrupt(format!("users.role {role:?} is not a role")))?,
        created_at: kernel::time::parse(&created_at)
            .map_err(|_| corrupt(format!("users.created_at {created_at:?} is not a time")))?,
    })
}

/// Inserts `user` unless its email is taken; `false` means another account has it. The
/// database decides, so two registrations racing for one email cannot both succeed.
pub(crate) async fn insert(db: &Db, user: &User, password_hash: &str) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let inserted = sqlx::query(
        "insert into users (id, email, name, password_hash, role, created_at) values ($1, $2, $3, $4, $5, $6)
         on conflict (email) do nothing",
    )
    .bind(user.id.to_string())
    .bind(user.email.as_str())
    .bind(user.name.as_str())
    .bind(password_hash)
    .bind(role_text(user.role))
    .bind(kernel::time::format(user.created_at))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(inserted == 1)
}

/// The user with this (already normalised) email.
pub(crate) async fn by_email(db: &Db, email: &str) -> Result<Option<User>, sqlx::Error> {
    sqlx::query("select id, email, name, role, created_at from users where email = $1")
        .bind(email)
        .fetch_optional(db.reader())
        .await?
        .as_ref()
        .map(user_from_row)
        .transpose()
}

/// The user with this (already normalised) email and their password hash, for signing in.
pub(crate) async fn credentials(db: &Db, email: &str) -> Result<Option<(User, String)>, sqlx::Error> {
    let Some(row) = sqlx::query("select id, email, name, role, created_at, password_hash from users where email = $1")
        .bind(email)
        .fetch_optional(db.reader())
        .await?
    else {
        return Ok(None);
    };
    Ok(Some((user_from_row(&row)?, row.try_get("password_hash")?)))
}

/// The user with this id and their password hash, for a password change.
pub(crate) async fn credentials_by_id(db: &Db, id: Uuid) -> Result<Option<(User, String)>, sqlx::Error> {
    let Some(row) = sqlx::query("select id, email, name, role, created_at, password_hash from users where id = $1")
        .bind(id.to_string())
        .fetch_optional(db.reader())
        .await?
    else {
        return Ok(None);
    };
    Ok(Some((user_from_row(&row)?, row.try_get("password_hash")?)))
}

/// Replaces the password hash of the user with this id.
pub(crate) async fn set_password_hash(tx: &mut Tx, id: Uuid, password_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("update users set password_hash = $2 where id = $1")
        .bind(id.to_string())
        .bind(password_hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The user with this id.
pub(crate) async fn by_id(db: &Db, id: Uuid) -> Result<Option<User>, sqlx::Error> {
    sqlx::query("select id, email, name, role, created_at from users where id = $1")
        .bind(id.to_string())
        .fetch_optional(db.reader())
        .await?
        .as_ref()
        .map(user_from_row)
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_column_text() {
        for role in [Role::Customer, Role::Admin] {
            assert_eq!(parse_role(role_text(role)), Some(role));
        }
        assert_eq!(parse_role("root"), None);
    }

    #[test]
    fn a_user_serialises_as_the_api_user() {
        let user = User {
            id: Uuid::nil(),
            email: "ada@example.com".into(),
            name: "Ada".into(),
            role: Role::Admin,
            created_at: Utc::now(),
        };
        assert_eq!(
            serde_json::to_value(&user).unwrap(),
            serde_json::json!({
                "id": "00000000-0000-0000-0000-000000000000",
                "email": "ada@example.com",
                "name": "Ada",
                "role": "admin",
            })
        );
    }
}
