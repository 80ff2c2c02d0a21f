//! Budgets for the endpoints that check a secret (sign-in, registration, refresh, password
//! change): per client address, so one client cannot try passwords or tokens at speed, and
//! per account, so many addresses together cannot either. Both are spent before any hash
//! is computed, so a refused attempt costs the server almost nothing.

use kernel::error::ApiError;
use kernel::rate_limit::{ClientIp, RateLimit};
use std::net::IpAddr;

/// Longest account key kept: an email's longest (254) or a user id.
const MAX_ACCOUNT_KEY: usize = 254;

/// The two budgets, each `per_minute` attempts a minute (0: unlimited).
pub(crate) struct AuthLimits {
    by_address: RateLimit<IpAddr>,
    by_account: RateLimit<String>,
}

impl AuthLimits {
    pub(crate) fn per_minute(limit: u32) -> AuthLimits {
        AuthLimits {
            by_address: RateLimit::per_minute(limit, "sign-in attempts from this address"),
            by_account: RateLimit::per_minute(limit, "sign-in attempts for this account"),
        }
    }

    /// Spends one attempt of `client`'s budget (when the request came over a socket) and of
    /// `account`'s (when the attempt names one: a normalised email or a user id).
    pub(crate) fn check(&self, client: Option<ClientIp>, account: Option<&str>) -> Result<(), ApiError> {
        if let Some(ClientIp(address)) = client {
            self.by_address.check(&address)?;
        }
        // No account has a longer name, so there is nothing to protect, and a key that long
        // would only take memory.
        if let Some(account) = account.filter(|account| account.len() <= MAX_ACCOUNT_KEY) {
            self.by_account.check(&account.to_owned())?;
        }
        Ok(())
    }
}
