//! Where uploaded files (product pictures) live: a small blob store behind a trait, so an
//! installation can keep them in its data folder (the default) or in an object store
//! without the contexts that use them knowing which.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Bytes kept under a key. Keys are written once and never changed, so anything served
/// from here can be cached for as long as a client likes.
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync {
    /// Stores `bytes` under `key`, whole or not at all: a reader never sees half a file.
    async fn put(&self, key: &BlobKey, bytes: Vec<u8>) -> io::Result<()>;
    /// The bytes under `key`, or `None` if nothing was stored there.
    async fn get(&self, key: &BlobKey) -> io::Result<Option<Vec<u8>>>;
}

/// A shared blob store.
pub type SharedBlobStore = Arc<dyn BlobStore>;

/// A key that is safe as a path on every store: lower-case ASCII letters, digits, `-`, `.`
/// and `_` in segments separated by `/`, none empty and none made only of dots.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobKey(String);

impl BlobKey {
    /// The key `text`, if it is a safe one.
    pub fn new(text: impl Into<String>) -> Option<BlobKey> {
        let text = text.into();
        let safe_segment = |segment: &str| {
            !segment.is_empty()
                && segment.len() <= 128
                && !segment.chars().all(|c| c == '.')
                && segment.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-._".contains(c))
        };
        (text.len() <= 512 && text.split('/').all(safe_segment)).then_some(BlobKey(text))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Blobs as files under one folder (by default the data folder's `blobs`).
pub struct FsBlobStore {
    root: PathBuf,
}

impl FsBlobStore {
    /// A store in `root`, created when the first blob is written.
    pub fn new(root: impl Into<PathBuf>) -> FsBlobStore {
        FsBlobStore { root: root.into() }
    }

    fn path(&self, key: &BlobKey) -> PathBuf {
        self.root.join(key.as_str())
    }
}

#[async_trait::async_trait]
impl BlobStore for FsBlobStore {
    async fn put(&self, key: &BlobKey, bytes: Vec<u8>) -> io::Result<()> {
        let path = self.path(key);
        tokio::task::spawn_blocking(move || write_atomically(&path, &bytes)).await.map_err(io::Error::other)?
    }

    async fn get(&self, key: &BlobKey) -> io::Result<Option<Vec<u8>>> {
        match tokio::fs::read(self.path(key)).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }
}

/// Writes to a temporary file beside `path`, flushes it to disk, then renames it into place,
/// so a crash leaves either the old state or the whole new file.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write;
    let folder = path.parent().ok_or_else(|| io::Error::other("a blob path has a folder"))?;
    std::fs::create_dir_all(folder)?;
    let temporary = folder.join(format!(".{}.partial", uuid::Uuid::new_v4()));
    let written = (|| {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)?;
        std::fs::File::open(folder)?.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_could_leave_the_store_are_refused() {
        for bad in ["", "/etc/passwd", "a//b", "../secret", "a/../../b", "a/..", "A/b", "a\\b", "a b", "ü", "a/"] {
            assert!(BlobKey::new(bad).is_none(), "{bad:?} was accepted");
        }
        for good in ["images/0f/card.jpg", "a", "a.b_c-d/e"] {
            assert_eq!(BlobKey::new(good).map(|key| key.0), Some(good.to_owned()));
        }
    }

    #[tokio::test]
    async fn a_stored_blob_reads_back_and_an_unknown_one_is_none() {
        let folder = tempfile::tempdir().unwrap();
        let store = FsBlobStore::new(folder.path().join("blobs"));
        let key = BlobKey::new("images/one/card.jpg").unwrap();
        assert_eq!(store.get(&key).await.unwrap(), None);
        store.put(&key, b"first".to_vec()).await.unwrap();
        store.put(&key, b"second".to_vec()).await.unwrap();
        assert_eq!(store.get(&key).await.unwrap(), Some(b"second".to_vec()));
        let leftovers: Vec<_> = std::fs::read_dir(folder.path().join("blobs/images/one"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("card.jpg")], "no temporary file is left behind");
    }
}
