//! Request budgets per key (a client's address, an account), so one client cannot take
//! the server's capacity or guess passwords at speed. Each key gets a burst of requests that
//! refills evenly over the period (governor's GCRA, with no timer and no task per key); a
//! request over budget is answered 429 with `Retry-After` before it costs anything.

use crate::error::ApiError;
use axum::extract::OptionalFromRequestParts;
use axum::http::request::Parts;
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};

/// Checks between two sweeps of keys whose budget is full again: bounds the memory that
/// many distinct keys (addresses, guessed emails) can hold.
const SWEEP_EVERY: u32 = 4096;

/// A budget of requests per key; with a limit of 0 everything passes (how test suites and
/// the load driver, which send many requests from one address, turn it off).
pub struct RateLimit<K: Hash + Eq + Clone> {
    limiter: Option<DefaultKeyedRateLimiter<K>>,
    /// What the budget is for, named in the 429's detail.
    purpose: &'static str,
    checks: AtomicU32,
}

impl<K: Hash + Eq + Clone> RateLimit<K> {
    /// `limit` requests a second per key, as a burst refilled over the second.
    pub fn per_second(limit: u32, purpose: &'static str) -> Self {
        Self::new(NonZeroU32::new(limit).map(Quota::per_second), purpose)
    }

    /// `limit` requests a minute per key, as a burst refilled over the minute.
    pub fn per_minute(limit: u32, purpose: &'static str) -> Self {
        Self::new(NonZeroU32::new(limit).map(Quota::per_minute), purpose)
    }

    fn new(quota: Option<Quota>, purpose: &'static str) -> Self {
        RateLimit { limiter: quota.map(governor::RateLimiter::keyed), purpose, checks: AtomicU32::new(0) }
    }

    /// Takes one request from `key`'s budget; a 429 saying when to come back when it is spent.
    pub fn check(&self, key: &K) -> Result<(), ApiError> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        limiter.check_key(key).map_err(|spent| {
            let wait = spent.wait_time_from(limiter.clock().now());
            metrics::counter!("emporium_rate_limited_total", "limit" => self.purpose).increment(1);
            ApiError::too_many_requests(format!("too many {}: try again later", self.purpose), wait)
        })
    }
}

/// The address a request came from: the connection's peer, or, behind a trusted proxy,
/// the client that proxy names in `X-Forwarded-For`. The HTTP edge sets it; requests that
/// did not come over a socket (in-process calls) have none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientIp(pub IpAddr);

/// Read as `Option<ClientIp>`: in-process calls have no address.
impl<S: Send + Sync> OptionalFromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<ClientIp>().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;

    #[test]
    fn a_key_gets_its_burst_then_429_with_a_wait() {
        let limit = RateLimit::per_minute(3, "sign-in attempts");
        for _ in 0..3 {
            assert!(limit.check(&"ada").is_ok());
        }
        let refused = limit.check(&"ada").unwrap_err();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.detail(), "too many sign-in attempts: try again later");
        // One request refills every 20 s: the answer says so, rounded up.
        assert!((19..=20).contains(&refused.retry_after_seconds().unwrap()), "{refused:?}");
    }

    #[test]
    fn keys_have_budgets_of_their_own() {
        let limit = RateLimit::per_second(1, "requests");
        assert!(limit.check(&1).is_ok());
        assert!(limit.check(&1).is_err());
        assert!(limit.check(&2).is_ok());
    }

    #[test]
    fn a_limit_of_zero_lets_everything_through() {
        let limit = RateLimit::per_second(0, "requests");
        assert!((0..10_000).all(|_| limit.check(&"anyone").is_ok()));
    }
}
