//! Access tokens: short-lived HS256 JWTs naming a user and their role, so every context
//! can authenticate a request without a database round trip.
//!
//! Expiry is checked against the injected clock rather than jsonwebtoken's system-time
//! check, so the time tokens are issued at and the time they expire at come from one source
//! (and tests can expire a token by moving a `ManualClock`).

use crate::users::User;
use chrono::Duration;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use kernel::auth::{Principal, Role, TokenVerifier};
use kernel::clock::SharedClock;
use kernel::error::ApiError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How long an access token is accepted after it is issued.
pub(crate) const ACCESS_TOKEN_TTL: Duration = Duration::minutes(15);

/// The `iss` of every token; tokens from any other issuer are refused.
const ISSUER: &str = "emporium";

/// What an access token says.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The user's id.
    sub: Uuid,
    role: Role,
    /// Issued at, seconds since the epoch.
    iat: i64,
    /// Expires at, seconds since the epoch.
    exp: i64,
    iss: String,
}

/// Issues and verifies access tokens with one shared secret.
pub(crate) struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    clock: SharedClock,
}

impl Tokens {
    /// Tokens signed with `secret`, timed by `clock`.
    pub(crate) fn new(secret: &[u8], clock: SharedClock) -> Self {
        assert!(!secret.is_empty(), "an empty JWT secret would let anyone forge access tokens");
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.set_issuer(&[ISSUER]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            clock,
        }
    }

    /// A fresh access token for `user`.
    pub(crate) fn access_token(&self, user: &User) -> Result<String, ApiError> {
        let now = self.clock.now();
        let claims = Claims {
            sub: user.id,
            role: user.role,
            iat: now.timestamp(),
            exp: (now + ACCESS_TOKEN_TTL).timestamp(),
            iss: ISSUER.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|error| ApiError::internal(&error))
    }
}

impl TokenVerifier for Tokens {
    fn verify(&self, token: &str) -> Result<Principal, ApiError> {
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|error| ApiError::unauthorized(refusal(error.kind())))?
            .claims;
        if self.clock.now().timestamp() >= claims.exp {
            return Err(ApiError::unauthorized("the access token has expired: sign in again"));
        }
        Ok(Principal { user_id: claims.sub, role: claims.role })
    }
}

/// Why a token was refused, in words a client developer can act on.
fn refusal(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidSignature => "the access token's signature does not match: sign in again",
        ErrorKind::InvalidIssuer => "the access token was not issued by Emporium",
        ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm | ErrorKind::InvalidAlgorithmName => {
            "the access token must be signed with HS256"
        }
        // Claims that do not deserialise (a missing `exp`, an unknown role) surface as `Json`.
        ErrorKind::MissingRequiredClaim(_) | ErrorKind::InvalidClaimFormat(_) | ErrorKind::Json(_) => {
            "the access token does not carry the claims Emporium issues"
        }
        _ => "the access token is malformed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use kernel::clock::{Clock, ManualClock};
    use std::sync::Arc;

    const SECRET: &[u8] = b"a test secret that is long enough for hs256";

    fn user(role: Role) -> User {
        User { id: Uuid::now_v7(), email: "ada@example.com".into(), name: "Ada".into(), role, created_at: Utc::now() }
    }

    fn tokens() -> (Tokens, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(Utc::now()));
        (Tokens::new(SECRET, clock.clone()), clock)
    }

    fn token_with(claims: serde_json::Value, secret: &[u8]) -> String {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &EncodingKey::from_secret(secret)).unwrap()
    }

    fn refusal_of(tokens: &Tokens, token: &str) -> String {
        tokens.verify(token).unwrap_err().detail().to_owned()
    }

    #[test]
    fn an_issued_token_names_its_user_and_role() {
        let (tokens, _) = tokens();
        let admin = user(Role::Admin);
        let token = tokens.access_token(&admin).unwrap();
        let principal = tokens.verify(&token).unwrap();
        assert_eq!(principal, Principal { user_id: admin.id, role: Role::Admin });
    }

    #[test]
    fn a_token_is_accepted_until_fifteen_minutes_have_passed() {
        let (tokens, clock) = tokens();
        let token = tokens.access_token(&user(Role::Customer)).unwrap();
        clock.advance(Duration::minutes(15) - Duration::seconds(1));
        assert!(tokens.verify(&token).is_ok());
        clock.advance(Duration::seconds(1));
        assert_eq!(refusal_of(&tokens, &token), "the access token has expired: sign in again");
    }

    #[test]
    fn a_token_signed_with_another_secret_is_refused() {
        let (tokens, clock) = tokens();
        let now = clock.now().timestamp();
        let forged = token_with(
            serde_json::json!({ "sub": Uuid::now_v7(), "role": "admin", "iat": now, "exp": now + 900, "iss": ISSUER }),
            b"somebody else's secret",
        );
        assert!(refusal_of(&tokens, &forged).contains("signature"));
    }

    #[test]
    fn a_token_from_another_issuer_is_refused() {
        let (tokens, clock) = tokens();
        let now = clock.now().timestamp();
        let foreign = token_with(
            serde_json::json!({ "sub": Uuid::now_v7(), "role": "admin", "iat": now, "exp": now + 900, "iss": "elsewhere" }),
            SECRET,
        );
        assert_eq!(refusal_of(&tokens, &foreign), "the access token was not issued by Emporium");
    }

    #[test]
    fn a_token_without_an_expiry_is_refused() {
        let (tokens, _) = tokens();
        let endless = token_with(serde_json::json!({ "sub": Uuid::now_v7(), "role": "admin", "iss": ISSUER }), SECRET);
        assert_eq!(refusal_of(&tokens, &endless), "the access token does not carry the claims Emporium issues");
    }

    #[test]
    fn a_token_with_an_unknown_role_is_refused() {
        let (tokens, clock) = tokens();
        let now = clock.now().timestamp();
        let token = token_with(
            serde_json::json!({ "sub": Uuid::now_v7(), "role": "root", "iat": now, "exp": now + 900, "iss": ISSUER }),
            SECRET,
        );
        assert_eq!(refusal_of(&tokens, &token), "the access token does not carry the claims Emporium issues");
    }

    #[test]
    fn an_unsigned_token_is_refused() {
        let (tokens, _) = tokens();
        let genuine = tokens.access_token(&user(Role::Admin)).unwrap();
        let claims = genuine.split('.').nth(1).unwrap();
        let unsigned_header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}
        assert!(tokens.verify(&format!("{unsigned_header}.{claims}.")).is_err());
    }

    #[test]
    fn a_token_whose_claims_were_edited_is_refused() {
        let (tokens, _) = tokens();
        let genuine = tokens.access_token(&user(Role::Customer)).unwrap();
        let [header, claims, signature] = genuine.split('.').collect::<Vec<_>>()[..] else { panic!("three parts") };
        use base64::Engine as _;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let edited = String::from_utf8(engine.decode(claims).unwrap()).unwrap().replace("customer", "admin");
        let forged = format!("{header}.{}.{signature}", engine.encode(edited));
        assert!(refusal_of(&tokens, &forged).contains("signature"));
    }

    #[test]
    fn garbage_is_refused_as_malformed() {
        let (tokens, _) = tokens();
        assert_eq!(refusal_of(&tokens, "not-a-token"), "the access token is malformed");
        assert_eq!(refusal_of(&tokens, ""), "the access token is malformed");
    }

    #[test]
    #[should_panic(expected = "empty JWT secret")]
    fn an_empty_secret_is_refused() {
        let _ = Tokens::new(b"", Arc::new(ManualClock::new(Utc::now())));
    }
}
