//! Subscriber: Inventory's `StockLevelChanged` keeps the stock shown on product pages.

use async_trait::async_trait;
use contracts::inventory::StockLevelChanged;
use kernel::bus::{Envelope, Message};
use kernel::cache::Cache;
use kernel::event_store::{EventStore, StoreError};
use kernel::messaging::{HandlerError, MessageHandler, handle_once};
use std::sync::Arc;

/// Stores each product's latest reported availability: the one from the highest version of
/// its stock item's stream, whatever order the messages arrive in.
pub(crate) struct StockLevels {
    pub(crate) store: EventStore,
    pub(crate) cache: Arc<dyn Cache>,
    pub(crate) search: crate::search_index::SearchIndex,
}

#[async_trait]
impl MessageHandler for StockLevels {
    fn consumer(&self) -> &'static str {
        "catalog"
    }

    fn message_types(&self) -> Vec<&'static str> {
        vec![StockLevelChanged::TYPE]
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        let change: StockLevelChanged = envelope.decode()?;
        // Every delivered message carries it; without it "the latest" cannot be told apart.
        let version = envelope
            .source_version
            .ok_or_else(|| HandlerError::Permanent("StockLevelChanged without a source version".into()))?;
        let change = &change;
        handle_once(&self.store, self.consumer(), envelope, |mut uow| async move {
            sqlx::query(
                "insert into stock_levels (product_id, available, low_stock, source_version) values ($1, $2, $3, $4) \
             on conflict (product_id) do update set available = excluded.available, low_stock = excluded.low_stock, \
             source_version = excluded.source_version where stock_levels.source_version < excluded.source_version",
            )
            .bind(change.product_id.to_string())
            .bind(change.available)
            .bind(i32::from(change.low_stock))
            .bind(version)
            .execute(uow.conn())
            .await?;
            Ok::<_, StoreError>((uow, ()))
        })
        .await?;
        // After the commit, so a reader cannot re-cache the old level in between.
        self.cache.remove(&crate::get_product::cache_key(change.product_id)).await;
        self.search.stock_changed(change.product_id, change.available, change.low_stock, version);
        Ok(())
    }
}
