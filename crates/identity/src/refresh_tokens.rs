//! The `refresh_tokens` table: every refresh token issued, kept by its SHA-256 digest (the
//! token itself is shown once, to its holder). Tokens descend from one sign-in in a
//! *family*: each refresh spends a token and issues its successor in the same family, so a
//! spent token offered again means two parties hold the family (one of them a thief) and the
//! whole family is revoked.
//!
//! A digest rather than argon2: the token is 256 random bits, so nobody can guess it from
//! its digest, and a refresh must not cost a password hash.

use chrono::{DateTime, Utc};
use kernel::db::Tx;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;
use uuid::Uuid;

/// The table; rows of a deleted account go with it.
pub(crate) const SCHEMA: &str = "
    create table refresh_tokens (
        token_hash text primary key,
        family_id text not null,
        user_id text not null references users (id) on delete cascade,
        issued_at text not null,
        expires_at text not null,
        used_at text,
        revoked_at text
    );
    create index refresh_tokens_by_family on refresh_tokens (family_id);
    create index refresh_tokens_by_user on refresh_tokens (user_id);
";

/// Longest text accepted as a refresh token (issued ones are 64 hex digits).
pub(crate) const MAX_TOKEN_CHARS: usize = 128;

/// What a refresh token offered for redemption turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Redeemed {
    /// Valid and now spent: issue its successor in `family` for `user_id`.
    Spent { family: Uuid, user_id: Uuid },
    /// Spent before: its family has just been revoked.
    Reused,
    /// Unknown, expired or revoked.
    Refused,
}

/// A new random token (64 hex digits) and the digest it is stored under.
fn generate() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    let hash = digest(&token);
    (token, hash)
}

/// The digest a token is stored and looked up under.
pub(crate) fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Stores a new token of `family` for `user_id`, valid until `expires_at`; returns it.
/// The user's expired tokens are forgotten on the way (they can no longer be redeemed, so
/// they no longer need remembering).
pub(crate) async fn issue(
    tx: &mut Tx,
    user_id: Uuid,
    family: Uuid,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<String, sqlx::Error> {
    let now = kernel::time::format(now);
    sqlx::query("delete from refresh_tokens where user_id = $1 and expires_at <= $2")
        .bind(user_id.to_string())
        .bind(&now)
        .execute(&mut **tx)
        .await?;
    let (token, hash) = generate();
    sqlx::query(
        "insert into refresh_tokens (token_hash, family_id, user_id, issued_at, expires_at) values ($1, $2, $3, $4, $5)",
    )
    .bind(hash)
    .bind(family.to_string())
    .bind(user_id.to_string())
    .bind(now)
    .bind(kernel::time::format(expires_at))
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// Spends `token` if it is valid. Two redemptions of one token racing each other cannot
/// both spend it: the update only takes an unspent row, and the loser counts as a reuse.
pub(crate) async fn redeem(tx: &mut Tx, token: &str, now: DateTime<Utc>) -> Result<Redeemed, sqlx::Error> {
    let hash = digest(token);
    let now = kernel::time::format(now);
    let Some(row) = sqlx::query(
        "select family_id, user_id, expires_at, used_at, revoked_at from refresh_tokens where token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(Redeemed::Refused);
    };
    let family: String = row.try_get("family_id")?;
    let user_id: String = row.try_get("user_id")?;
    let expires_at: String = row.try_get("expires_at")?;
    let used_at: Option<String> = row.try_get("used_at")?;
    let revoked_at: Option<String> = row.try_get("revoked_at")?;
    if revoked_at.is_some() || expires_at <= now {
        return Ok(Redeemed::Refused);
    }
    let spent = used_at.is_none()
        && sqlx::query("update refresh_tokens set used_at = $2 where token_hash = $1 and used_at is null")
            .bind(&hash)
            .bind(&now)
            .execute(&mut **tx)
            .await?
            .rows_affected()
            == 1;
    if !spent {
        sqlx::query("update refresh_tokens set revoked_at = $2 where family_id = $1 and revoked_at is null")
            .bind(&family)
            .bind(&now)
            .execute(&mut **tx)
            .await?;
        return Ok(Redeemed::Reused);
    }
    let corrupt = |what: String| sqlx::Error::Decode(what.into());
    Ok(Redeemed::Spent {
        family: Uuid::parse_str(&family).map_err(|_| corrupt(format!("refresh_tokens.family_id {family:?}")))?,
        user_id: Uuid::parse_str(&user_id).map_err(|_| corrupt(format!("refresh_tokens.user_id {user_id:?}")))?,
    })
}

/// Revokes the family `token` belongs to (nothing when it is unknown); returns whether
/// there was one.
pub(crate) async fn revoke_family_of(tx: &mut Tx, token: &str, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    let revoked = sqlx::query(
        "update refresh_tokens set revoked_at = $2 where revoked_at is null and family_id = \
         (select family_id from refresh_tokens where token_hash = $1)",
    )
    .bind(digest(token))
    .bind(kernel::time::format(now))
    .execute(&mut **tx)
    .await?;
    Ok(revoked.rows_affected() > 0)
}

/// Revokes every token of `user_id`: each device must sign in again.
pub(crate) async fn revoke_all_of(tx: &mut Tx, user_id: Uuid, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("update refresh_tokens set revoked_at = $2 where user_id = $1 and revoked_at is null")
        .bind(user_id.to_string())
        .bind(kernel::time::format(now))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_fresh_and_stored_only_as_their_digest() {
        let (first, first_hash) = generate();
        let (second, _) = generate();
        assert_ne!(first, second);
        assert_eq!(first.len(), 64);
        assert!(first.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(first_hash, digest(&first));
        assert_ne!(first_hash, first);
    }
}
