//! Subscriber: stock leaves with the parcel, and comes back with a returned one. When
//! Shipping hands an order's parcel to the carrier (`ShipmentShipped`), the units held for
//! the order stop being held and stop being on hand; when a parcel called back after its
//! order was cancelled is back at the warehouse (`ShipmentReturned`), its units are on hand
//! again and can be promised. Each in one unit of work with the reservation that held them.
//! One consumer takes both, so a parcel's return is never handled before its departure.

use crate::stock::{InventoryEvent, Reservation, StockItem, reservation_stream, stock_stream, with_alerts};
use async_trait::async_trait;
use contracts::ProductQuantity;
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
        let (order_id, parcel) = match envelope.message_type.as_str() {
            ShipmentReturned::TYPE => (envelope.decode::<ShipmentReturned>()?.order_id, Parcel::CameBack),
            _ => (envelope.decode::<ShipmentShipped>()?.order_id, Parcel::Left),
        };
        let metadata = Metadata::caused_by(envelope);
        let metadata = &metadata;
        handle_once(&self.store, self.consumer(), envelope, |mut uow| async move {
            move_units(&mut uow, order_id, parcel, metadata).await?;
            Ok::<_, StoreError>((uow, ()))
        })
        .await?;
        Ok(())
    }
}

/// Which way an order's parcel moved, and so its units.
#[derive(Debug, Clone, Copy)]
enum Parcel {
    /// Handed to the carrier: the held units leave.
    Left,
    /// Back at the warehouse after a return to sender: the units that left are on hand again.
    CameBack,
}

impl Parcel {
    /// The lines that move, if the reservation is where this move starts from. Anything else
    /// is a replay: a parcel is handed over only for a completed order, whose hold is never
    /// released, and a second report of a return finds its units back already.
    fn lines(self, reservation: &Reservation) -> Option<Vec<ProductQuantity>> {
        match (self, reservation) {
            (Parcel::Left, Reservation::Held(lines)) | (Parcel::CameBack, Reservation::Shipped(lines)) => {
                Some(lines.clone())
            }
            _ => None,
        }
    }

    /// What `quantity` units of `product_id` moving this way records on its stock `item`.
    fn stock_events(self, item: &StockItem, product_id: Uuid, order_id: Uuid, quantity: i64) -> Vec<InventoryEvent> {
        let low_stock_threshold = item.low_stock_threshold;
        match self {
            // Held units leave: on hand and held drop together, what can be promised stays.
            Parcel::Left => vec![InventoryEvent::StockShipped {
                product_id,
                order_id,
                quantity,
                on_hand: item.on_hand - quantity,
                available: item.available(),
                low_stock_threshold,
            }],
            Parcel::CameBack => {
                let returned = InventoryEvent::StockReturned {
                    product_id,
                    order_id,
                    quantity,
                    on_hand: item.on_hand + quantity,
                    available: item.available() + quantity,
                    low_stock_threshold,
                };
                with_alerts(item, product_id, returned)
            }
        }
    }

    /// What the order's reservation records once its `lines` moved.
    fn reservation_event(self, order_id: Uuid, lines: Vec<ProductQuantity>) -> InventoryEvent {
        match self {
            Parcel::Left => InventoryEvent::ReservationShipped { order_id, lines },
            Parcel::CameBack => InventoryEvent::ReservationReturned { order_id, lines },
        }
    }
}

/// Moves the units of `order_id`'s parcel the way `parcel` went, on each product's stock
/// and on the order's reservation, in `uow`.
async fn move_units(
    uow: &mut UnitOfWork,
    order_id: Uuid,
    parcel: Parcel,
    metadata: &Metadata,
) -> Result<(), StoreError> {
    let stream = reservation_stream(order_id);
    let mut reservation = uow.load_aggregate::<Reservation>(&stream).await?;
    let Some(lines) = parcel.lines(&reservation.state) else { return Ok(()) };
    for line in &lines {
        let stock = stock_stream(line.product_id);
        let mut item = uow.load_aggregate::<StockItem>(&stock).await?;
        let events = parcel.stock_events(&item.state, line.product_id, order_id, i64::from(line.quantity));
        uow.append_decided(&stock, &mut item, &events, metadata).await?;
    }
    let event = parcel.reservation_event(order_id, lines);
    uow.append_decided(&stream, &mut reservation, &[event], metadata).await?;
    Ok(())
}
