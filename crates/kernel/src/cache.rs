//! A cache for read models (cache-aside): in-process by default, Redis when configured.
//!
//! The cache is an optimisation, never a source of truth: a cache failure is logged and the
//! caller reads the database instead; entries expire after a TTL even if an invalidation
//! is missed.

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What a cache read found.
pub enum Lookup {
    /// The cached value.
    Hit(String),
    /// Nothing usable: read the source, then offer what was read to [`Cache::fill`] with
    /// this ticket.
    Miss(FillTicket),
}

/// Taken at a miss, before the source is read, and voided by any [`Cache::remove`] of the
/// key after it. Without it a reader that read the old row before a change, but stored it
/// after the change's invalidation, would serve the old row until its TTL ran out.
pub struct FillTicket {
    /// The key's invalidation epoch when it missed; `None` when the cache could not be
    /// read, so nothing is stored.
    epoch: Option<u64>,
}

/// A key–value cache of serialised read-model entries.
#[async_trait]
pub trait Cache: Send + Sync + 'static {
    /// The cached value, or a ticket to fill the key.
    async fn get(&self, key: &str) -> Lookup;
    /// Stores `value` for `ttl`, unless `key` was removed since `ticket` was taken.
    async fn fill(&self, key: &str, ticket: FillTicket, value: String, ttl: Duration);
    /// Forgets `key` (after the data behind it changed) and voids every ticket taken for it.
    async fn remove(&self, key: &str);
}

/// How many invalidation epochs keys share. Keys are spread over a fixed number, not given
/// one each, so the epochs take bounded space and never expire; two keys sharing one only
/// means a removal of one occasionally voids a fill of the other.
const EPOCH_SLOTS: u64 = 1024;

/// The epoch slot of `key`: the same in every process, so Redis-backed processes agree.
fn epoch_slot(key: &str) -> u64 {
    let digest = Sha256::digest(key.as_bytes());
    u64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 digest has 8 bytes")) % EPOCH_SLOTS
}

/// Counts a read of cache `backend` as a hit or a miss (`emporium_cache_reads_total`), so
/// the hit ratio can be watched.
fn count_read(backend: &'static str, lookup: Lookup) -> Lookup {
    let result = if matches!(lookup, Lookup::Hit(_)) { "hit" } else { "miss" };
    metrics::counter!("emporium_cache_reads_total", "backend" => backend, "result" => result).increment(1);
    lookup
}

/// The embedded cache: bounded, in this process's memory.
pub struct InProcessCache {
    entries: moka::future::Cache<String, (String, Instant)>,
    epochs: Box<[AtomicU64]>,
}

impl InProcessCache {
    /// A cache holding at most `capacity` entries.
    pub fn new(capacity: u64) -> Self {
        let epochs = (0..EPOCH_SLOTS).map(|_| AtomicU64::new(0)).collect();
        InProcessCache { entries: moka::future::Cache::new(capacity), epochs }
    }

    fn epoch(&self, key: &str) -> &AtomicU64 {
        let slot = usize::try_from(epoch_slot(key)).expect("a slot fits in usize");
        &self.epochs[slot]
    }
}

#[async_trait]
impl Cache for InProcessCache {
    async fn get(&self, key: &str) -> Lookup {
        // The ticket's epoch is read before the entry: a removal between the two voids it.
        let epoch = self.epoch(key).load(Ordering::SeqCst);
        let lookup = match self.entries.get(key).await {
            Some((value, expires)) if Instant::now() < expires => Lookup::Hit(value),
            Some(_) => {
                self.entries.invalidate(key).await;
                Lookup::Miss(FillTicket { epoch: Some(epoch) })
            }
            None => Lookup::Miss(FillTicket { epoch: Some(epoch) }),
        };
        count_read("memory", lookup)
    }

    async fn fill(&self, key: &str, ticket: FillTicket, value: String, ttl: Duration) {
        let epoch = self.epoch(key);
        if ticket.epoch != Some(epoch.load(Ordering::SeqCst)) {
            return;
        }
        self.entries.insert(key.to_owned(), (value, Instant::now() + ttl)).await;
        // A removal that bumped the epoch after the check above may have invalidated
        // before this insert landed; looking again after it catches exactly that case
        // (a removal after this look invalidates the insert itself).
        if ticket.epoch != Some(epoch.load(Ordering::SeqCst)) {
            self.entries.invalidate(key).await;
        }
    }

    async fn remove(&self, key: &str) {
        self.epoch(key).fetch_add(1, Ordering::SeqCst);
        self.entries.invalidate(key).await;
    }
}

/// Stores a value only while its key's epoch is still the ticket's, in one atomic step.
const FILL_UNLESS_REMOVED: &str = r"
if (tonumber(redis.call('GET', KEYS[2])) or 0) == tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 0
";

/// A Redis-backed cache shared by every process of an installation.
pub struct RedisCache {
    connection: redis::aio::ConnectionManager,
    prefix: String,
    fill_unless_removed: redis::Script,
}

impl RedisCache {
    /// Connects to `url`; every key is stored under `prefix` (one installation, one prefix).
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let connection = redis::aio::ConnectionManager::new(client).await?;
        Ok(RedisCache {
            connection,
            prefix: prefix.to_owned(),
            fill_unless_removed: redis::Script::new(FILL_UNLESS_REMOVED),
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn epoch_key(&self, key: &str) -> String {
        format!("{}cache-epoch:{}", self.prefix, epoch_slot(key))
    }
}

#[async_trait]
impl Cache for RedisCache {
    async fn get(&self, key: &str) -> Lookup {
        let mut connection = self.connection.clone();
        let read: Result<(Option<String>, Option<u64>), _> =
            redis::cmd("MGET").arg(self.key(key)).arg(self.epoch_key(key)).query_async(&mut connection).await;
        let lookup = match read {
            Ok((Some(value), _)) => Lookup::Hit(value),
            Ok((None, epoch)) => Lookup::Miss(FillTicket { epoch: Some(epoch.unwrap_or(0)) }),
            Err(error) => {
                tracing::warn!(%error, "cache read failed; reading the database");
                Lookup::Miss(FillTicket { epoch: None })
            }
        };
        count_read("redis", lookup)
    }

    async fn fill(&self, key: &str, ticket: FillTicket, value: String, ttl: Duration) {
        let Some(epoch) = ticket.epoch else { return };
        let mut connection = self.connection.clone();
        let millis = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let stored: Result<(), _> = self
            .fill_unless_removed
            .key(self.key(key))
            .key(self.epoch_key(key))
            .arg(epoch)
            .arg(value)
            .arg(millis)
            .invoke_async(&mut connection)
            .await;
        if let Err(error) = stored {
            tracing::warn!(%error, "cache write failed");
        }
    }

    async fn remove(&self, key: &str) {
        let mut connection = self.connection.clone();
        let removed: Result<(), _> = redis::pipe()
            .atomic()
            .incr(self.epoch_key(key), 1)
            .ignore()
            .del(self.key(key))
            .ignore()
            .query_async(&mut connection)
            .await;
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
        for (key, value, ttl) in [("a", "1", Duration::from_secs(60)), ("b", "2", Duration::from_millis(1))] {
            let ticket = missed(&cache, key).await;
            cache.fill(key, ticket, value.into(), ttl).await;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert_eq!(cached(&cache, "a").await.as_deref(), Some("1"));
        assert_eq!(cached(&cache, "b").await, None, "expired");
        cache.remove("a").await;
        assert_eq!(cached(&cache, "a").await, None);
    }

    /// The value held for `key`, if any.
    async fn cached(cache: &dyn Cache, key: &str) -> Option<String> {
        match cache.get(key).await {
            Lookup::Hit(value) => Some(value),
            Lookup::Miss(_) => None,
        }
    }

    /// The ticket of a read of `key` that must miss.
    async fn missed(cache: &dyn Cache, key: &str) -> FillTicket {
        match cache.get(key).await {
            Lookup::Hit(value) => panic!("{key} should not be cached, but holds {value}"),
            Lookup::Miss(ticket) => ticket,
        }
    }

    /// A reader misses and reads the old row; the row changes and the key is invalidated;
    /// only then does the reader store what it read. The next reader must not be served it,
    /// while a reader that missed after the change fills the key as usual.
    async fn a_page_read_before_a_change_is_not_kept_after_it(cache: &dyn Cache) {
        let before_the_change = missed(cache, "page").await;
        cache.remove("page").await;
        cache.fill("page", before_the_change, "old".into(), Duration::from_secs(60)).await;
        assert_eq!(cached(cache, "page").await, None, "the old page outlived its invalidation");
        let after_the_change = missed(cache, "page").await;
        cache.fill("page", after_the_change, "new".into(), Duration::from_secs(60)).await;
        assert_eq!(cached(cache, "page").await.as_deref(), Some("new"));
    }

    #[tokio::test]
    async fn in_process_fills_read_before_an_invalidation_are_dropped() {
        a_page_read_before_a_change_is_not_kept_after_it(&InProcessCache::new(10)).await;
    }

    #[tokio::test]
    async fn redis_fills_read_before_an_invalidation_are_dropped() {
        let Some(url) = testkit::redis_url() else { return };
        let prefix = format!("test:{}:", uuid::Uuid::new_v4().simple());
        let cache = RedisCache::connect(&url, &prefix).await.expect("Redis");
        a_page_read_before_a_change_is_not_kept_after_it(&cache).await;
    }
}
