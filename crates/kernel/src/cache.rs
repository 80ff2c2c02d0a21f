//! A cache for read models (cache-aside): in-process by default, Redis when configured.
//!
//! The cache is an optimisation, never a source of truth: a cache failure is logged and the
//! caller reads the database instead; entries expire after a TTL even if an invalidation
//! is missed.

use async_trait::async_trait;
use std::time::Duration;

/// A key–value cache of serialised read-model entries.
#[async_trait]
pub trait Cache: Send + Sync + 'static {
    /// The cached value, if present and fresh.
    async fn get(&self, key: &str) -> Option<String>;
    /// Stores `value` for `ttl`.
    async fn set(&self, key: &str, value: String, ttl: Duration);
    /// Forgets `key` (after the data behind it changed).
    async fn remove(&self, key: &str);
}

/// Counts a read of cache `backend` as a hit or a miss (`emporium_cache_reads_total`), so
/// the hit ratio can be watched.
fn count_read(backend: &'static str, value: Option<String>) -> Option<String> {
    let result = if value.is_some() { "hit" } else { "miss" };
    metrics::counter!("emporium_cache_reads_total", "backend" => backend, "result" => result).increment(1);
    value
}

/// The embedded cache: bounded, in this process's memory.
pub struct InProcessCache {
    entries: moka::future::Cache<String, (String, std::time::Instant)>,
}

impl InProcessCache {
    /// A cache holding at most `capacity` entries.
    pub fn new(capacity: u64) -> Self {
        InProcessCache { entries: moka::future::Cache::new(capacity) }
    }
}

#[async_trait]
impl Cache for InProcessCache {
    async fn get(&self, key: &str) -> Option<String> {
        let value = match self.entries.get(key).await {
            Some((value, expires)) if std::time::Instant::now() < expires => Some(value),
            Some(_) => {
                self.entries.invalidate(key).await;
                None
            }
            None => None,
        };
        count_read("memory", value)
    }

    async fn set(&self, key: &str, value: String, ttl: Duration) {
        self.entries.insert(key.to_owned(), (value, std::time::Instant::now() + ttl)).await;
    }

    async fn remove(&self, key: &str) {
        self.entries.invalidate(key).await;
    }
}

/// A Redis-backed cache shared by every process of an installation.
pub struct RedisCache {
    connection: redis::aio::ConnectionManager,
    prefix: String,
}

impl RedisCache {
    /// Connects to `url`; every key is stored under `prefix` (one installation, one prefix).
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let connection = redis::aio::ConnectionManager::new(client).await?;
        Ok(RedisCache { connection, prefix: prefix.to_owned() })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> Option<String> {
        let mut connection = self.connection.clone();
        let value: Result<Option<String>, _> = redis::cmd("GET").arg(self.key(key)).query_async(&mut connection).await;
        let value = value.unwrap_or_else(|error| {
            tracing::warn!(%error, "cache read failed; reading the database");
            None
        });
        count_read("redis", value)
    }

    async fn set(&self, key: &str, value: String, ttl: Duration) {
        let mut connection = self.connection.clone();
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let stored: Result<(), _> =
            redis::cmd("SET").arg(self.key(key)).arg(value).arg("PX").arg(millis).query_async(&mut connection).await;
        if let Err(error) = stored {
            tracing::warn!(%error, "cache write failed");
        }
    }

    async fn remove(&self, key: &str) {
        let mut connection = self.connection.clone();
        let removed: Result<(), _> = redis::cmd("DEL").arg(self.key(key)).query_async(&mut connection).await;
        if let Err(error) = removed {
            tracing::warn!(%error, "cache invalidation failed; the entry expires with its TTL");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn entries_expire_and_can_be_removed() {
        let cache = InProcessCache::new(10);
        cache.set("a", "1".into(), Duration::from_secs(60)).await;
        cache.set("b", "2".into(), Duration::from_millis(1)).await;
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert_eq!(cache.get("a").await.as_deref(), Some("1"));
        assert_eq!(cache.get("b").await, None, "expired");
        cache.remove("a").await;
        assert_eq!(cache.get("a").await, None);
    }
}
