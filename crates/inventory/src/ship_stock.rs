//! Subscriber: stock leaves with the parcel. When Shipping hands an order's parcel to the
//! carrier (`ShipmentShipped`), the units held for the order stop being held and stop being
//! on hand, in one unit of work with the reservation that held them.

use crate::stock::{InventoryEvent, Reservation, StockItem, reservation_stream, stock_stream};
use async_trait::async_trait;
use contracts::shipping::ShipmentShipped;
use kernel::bus::{Envelope, Message};
use kernel::event_store::{EventStore, Metadata, StoreError};
use kernel::messaging::{HandlerError, MessageHandler, handle_once};

/// Turns an order's hold into stock that left.
pub(crate) struct ShippedStock {
    pub(crate) store: EventStore,
}

#[async_trait]
impl MessageHandler for ShippedStock {
    fn consumer(&self) -> &'static str {
        "inventory.shipments"
    }

    fn message_types(&self) -> Vec<&'static str> {
        vec![ShipmentShipped::TYPE]
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        let shipped: ShipmentShipped = envelope.decode()?;
        let (order_id, metadata) = (shipped.order_id, Metadata::caused_by(envelope));
        let metadata = &metadata;
        handle_once(&self.store, self.consumer(), envelope, |mut uow| async move {
            let stream = reservation_stream(order_id);
            let mut reservation = uow.load_aggregate::<Reservation>(&stream).await?;
            // Only a held reservation has units to send; a parcel is handed over only for a
            // completed order, whose hold is never released, so anything else is a replay.
            let Reservation::Held(lines) = reservation.state.clone() else { return Ok::<_, StoreError>((uow, ())) };
            for line in &lines {
                let stock = stock_stream(line.product_id);
                let mut item = uow.load_aggregate::<StockItem>(&stock).await?;
                let quantity = i64::from(line.quantity);
                let event = InventoryEvent::StockShipped {
                    product_id: line.product_id,
                    order_id,
                    quantity,
                    on_hand: item.state.on_hand - quantity,
                    available: item.state.available(),
                    low_stock_threshold: item.state.low_stock_threshold,
                };
                uow.append_decided(&stock, &mut item, &[event], metadata).await?;
            }
            let event = InventoryEvent::ReservationShipped { order_id, lines };
            uow.append_decided(&stream, &mut reservation, &[event], metadata).await?;
            Ok((uow, ()))
        })
        .await?;
        Ok(())
    }
}
