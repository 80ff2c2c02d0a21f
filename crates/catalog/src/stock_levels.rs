//! Subscriber: Inventory's `StockLevelChanged` keeps the stock shown on product pages.

use async_trait::async_trait;
use contracts::inventory::StockLevelChanged;
use kernel::bus::{Envelope, Message};
use kernel::cache::Cache;
use kernel::event_store::EventStore;
use kernel::messaging::{HandlerError, MessageHandler};
use std::sync::Arc;

/// Stores each product's latest reported availability.
pub(crate) struct StockLevels {
    pub(crate) store: EventStore,
    pub(crate) cache: Arc<dyn Cache>,
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
        let mut uow = self.store.begin().await?;
        if !uow.claim_message(self.consumer(), envelope).await? {
            return Ok(());
        }
        // Messages from one stream arrive in order, so the latest one wins.
        sqlx::query(
            "insert into stock_levels (product_id, available, low_stock) values ($1, $2, $3) \
             on conflict (product_id) do update set available = excluded.available, low_stock = excluded.low_stock",
        )
        .bind(change.product_id.to_string())
        .bind(change.available)
        .bind(i32::from(change.low_stock))
        .execute(uow.conn())
        .await?;
        uow.commit().await?;
        // After the commit, so a reader cannot re-cache the old level in between.
        self.cache.remove(&crate::get_product::cache_key(change.product_id)).await;
        Ok(())
    }
}
