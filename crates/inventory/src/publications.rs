//! What the inventory tells other contexts.

use crate::stock::{InventoryEvent, LOW_STOCK_THRESHOLD};
use contracts::inventory::{InventoryReleased, InventoryReserved, OutOfStock, ReservationRefused, StockLevelChanged};
use kernel::bus::{Envelope, Message};
use kernel::event_store::RecordedEvent;
use kernel::messaging::{Publications, PublishError, derived_message};
use uuid::Uuid;

/// Maps reservations to saga replies and every stock change to `StockLevelChanged`.
pub(crate) struct InventoryPublications;

fn envelope<M: Message>(event: &RecordedEvent, message: &M) -> Result<Vec<Envelope>, PublishError> {
    derived_message(event, "inventory", message)
}

/// `StockLevelChanged` for `available` units, low when at or below the product's `threshold`.
fn level(
    event: &RecordedEvent,
    product_id: Uuid,
    available: i64,
    threshold: i64,
) -> Result<Vec<Envelope>, PublishError> {
    envelope(event, &StockLevelChanged { product_id, available, low_stock: available <= threshold })
}

impl Publications for InventoryPublications {
    fn messages_for(&self, event: &RecordedEvent) -> Result<Vec<Envelope>, PublishError> {
        let Some(decoded) = event.decode_known::<InventoryEvent>()? else { return Ok(Vec::new()) };
        match decoded {
            InventoryEvent::StockItemOpened { product_id, on_hand } => {
                level(event, product_id, on_hand, LOW_STOCK_THRESHOLD)
            }
            InventoryEvent::StockAdjusted { product_id, available, low_stock_threshold, .. }
            | InventoryEvent::StockReserved { product_id, available, low_stock_threshold, .. }
            | InventoryEvent::StockReleased { product_id, available, low_stock_threshold, .. }
            | InventoryEvent::StockShipped { product_id, available, low_stock_threshold, .. }
            | InventoryEvent::StockReturned { product_id, available, low_stock_threshold, .. }
            | InventoryEvent::StockSetAside { product_id, available, low_stock_threshold, .. }
            | InventoryEvent::LowStockThresholdSet { product_id, available, low_stock_threshold } => {
                level(event, product_id, available, low_stock_threshold)
            }
            // The level that set them off is published with it; alerts stay Inventory's own.
            InventoryEvent::LowStockDetected { .. }
            | InventoryEvent::StockDepleted { .. }
            | InventoryEvent::BackInStock { .. } => Ok(Vec::new()),
            InventoryEvent::InventoryReserved { order_id, lines } => {
                envelope(event, &InventoryReserved { order_id, lines })
            }
            InventoryEvent::OutOfStock { order_id, shortages } => envelope(event, &OutOfStock { order_id, shortages }),
            InventoryEvent::InventoryReleased { order_id, lines }
            | InventoryEvent::ReleaseRepeated { order_id, lines } => {
                envelope(event, &InventoryReleased { order_id, lines })
            }
            // Nobody waits on it: the parcel's own event told everyone.
            InventoryEvent::ReservationShipped { .. } | InventoryEvent::ReservationReturned { .. } => Ok(Vec::new()),
            InventoryEvent::ReservationRefused { order_id } => {
                let message = "The order's hold was released before this reservation came; nothing was held.";
                envelope(event, &ReservationRefused { order_id, message: message.to_owned() })
            }
        }
    }
}
