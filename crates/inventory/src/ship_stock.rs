//! Subscriber: stock leaves with the parcel, and comes back with a returned one. When
//! Shipping hands an order's parcel to the carrier (`ShipmentShipped`), the units held for
//! the order stop being held and stop being on hand; when a parcel called back after its
//! order was cancelled is back at the warehouse (`ShipmentReturned`), its units are on hand
//! again and can be promised. Each in one unit of work with the reservation that held them.
//! One consumer takes both, so a parcel's return is never handled before its departure.

use crate::stock::{InventoryEvent, Reservation, StockItem, reservation_stream, stock_stream, with_alerts};
use async_trait::async_trait;
use contracts::shipping::{ShipmentReturned, ShipmentShipped};
use kernel::bus::{Envelope, Message};
use kernel::event_store::{EventStore, Metadata, StoreError, UnitOfWork};
use kernel::messaging::{HandlerError, MessageHandler, handle_once};
use uuid::Uuid;

/// Turns an order's hold into stock that left, and stock that left into stock on hand
/// again when its parcel is returned.
pub(crate) struct ShippedStock {
    pub(crate) store: EventStore,
}

#[async_trait]
impl MessageHandler for ShippedStock {
    fn consumer(&self) -> &'static str {
        "inventory.shipments"
    }

    fn message_types(&self) -> Vec<&'static str> {
        vec![ShipmentShipped::TYPE, ShipmentReturned::TYPE]
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        let (order_id, returned) = match envelope.message_type.as_str() {
            ShipmentReturned::TYPE => (envelope.decode::<ShipmentReturned>()?.order_id, true),
            _ => (envelope.decode::<ShipmentShipped>()?.order_id, false),
        };
        let metadata = Metadata::caused_by(envelope);
        let metadata = &metadata;
        handle_once(&self.store, self.consumer(), envelope, |mut uow| async move {
            if returned {
                restock_returned(&mut uow, order_id, metadata).await?;
            } else {
                ship_held(&mut uow, order_id, metadata).await?;
            }
            Ok::<_, StoreError>((uow, ()))
        })
        .await?;
        Ok(())
    }
}

/// The units held for `order_id` leave with its parcel.
async fn ship_held(uow: &mut UnitOfWork, order_id: Uuid, metadata: &Metadata) -> Result<(), StoreError> {
    let stream = reservation_stream(order_id);
    let mut reservation = uow.load_aggregate::<Reservation>(&stream).await?;
    // Only a held reservation has units to send; a parcel is handed over only for a
    // completed order, whose hold is never released, so anything else is a replay.
    let Reservation::Held(lines) = reservation.state.clone() else { return Ok(()) };
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
    Ok(())
}

/// The units that left with `order_id`'s parcel are back on hand, and for sale.
async fn restock_returned(uow: &mut UnitOfWork, order_id: Uuid, metadata: &Metadata) -> Result<(), StoreError> {
    let stream = reservation_stream(order_id);
    let mut reservation = uow.load_aggregate::<Reservation>(&stream).await?;
    // Only units that left can come back; a second report of the same return finds them
    // back already.
    let Reservation::Shipped(lines) = reservation.state.clone() else { return Ok(()) };
    for line in &lines {
        let stock = stock_stream(line.product_id);
        let mut item = uow.load_aggregate::<StockItem>(&stock).await?;
        let quantity = i64::from(line.quantity);
        let event = InventoryEvent::StockReturned {
            product_id: line.product_id,
            order_id,
            quantity,
            on_hand: item.state.on_hand + quantity,
            available: item.state.available() + quantity,
            low_stock_threshold: item.state.low_stock_threshold,
        };
        let events = with_alerts(&item.state, line.product_id, event);
        uow.append_decided(&stock, &mut item, &events, metadata).await?;
    }
    let event = InventoryEvent::ReservationReturned { order_id, lines };
    uow.append_decided(&stream, &mut reservation, &[event], metadata).await?;
    Ok(())
}
