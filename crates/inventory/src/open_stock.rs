//! Subscriber: a new catalog product gets a stock item with its initial stock.

use crate::stock::{InventoryEvent, StockItem, stock_stream};
use async_trait::async_trait;
use contracts::catalog::ProductCreated;
use kernel::bus::{Envelope, Message};
use kernel::event_store::{EventStore, Metadata, StoreError};
use kernel::messaging::{HandlerError, MessageHandler, handle_once};

/// Opens stock items from `ProductCreated`.
pub(crate) struct OpenStock {
    pub(crate) store: EventStore,
}

#[async_trait]
impl MessageHandler for OpenStock {
    fn consumer(&self) -> &'static str {
        "inventory.open_stock"
    }

    fn message_types(&self) -> Vec<&'static str> {
        vec![ProductCreated::TYPE]
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        let product: ProductCreated = envelope.decode()?;
        let metadata = Metadata::caused_by(envelope);
        let (product, metadata) = (&product, &metadata);
        handle_once(&self.store, self.consumer(), envelope, |mut uow| async move {
            let stream = stock_stream(product.product_id);
            let mut item = uow.load_aggregate::<StockItem>(&stream).await?;
            if !item.state.opened {
                let opened = InventoryEvent::StockItemOpened {
                    product_id: product.product_id,
                    on_hand: i64::from(product.initial_stock),
                };
                uow.append_decided(&stream, &mut item, &[opened], metadata).await?;
            }
            Ok::<_, StoreError>((uow, ()))
        })
        .await?;
        Ok(())
    }
}
