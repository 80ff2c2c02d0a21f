//! What the orders context tells other contexts (saga commands are published by the
//! kernel's relay from the saga stream).

use crate::order::OrdersEvent;
use contracts::ProductQuantity;
use contracts::orders::{OrderCancellationRefused, OrderCancelled, OrderCompleted, OrderConfirmed, OrderPlaced};
use kernel::bus::{BusError, Envelope, Message};
use kernel::event_store::RecordedEvent;
use kernel::messaging::{Publications, PublishError, derived_envelope};

/// Maps order events to integration events.
pub(crate) struct OrdersPublications;

/// Puts a contract message in the envelope it travels in: one derived from a stored event
/// for the relay, or one made on the spot for a command the saga carries out in place.
pub(crate) trait Seal {
    /// The envelope of `message`.
    fn seal<M: Message>(&self, message: &M) -> Result<Envelope, BusError>;
}

/// Seals the messages of a stored event with ids derived from it, so publishing it twice
/// gives the same ids.
struct FromRecorded<'a>(&'a RecordedEvent);

impl Seal for FromRecorded<'_> {
    fn seal<M: Message>(&self, message: &M) -> Result<Envelope, BusError> {
        derived_envelope(self.0, "orders", message)
    }
}

/// The contract message `event` publishes, sealed by `seal`; `None` for an event that
/// publishes none.
pub(crate) fn message_of(event: OrdersEvent, seal: &impl Seal) -> Result<Option<Envelope>, BusError> {
    let envelope = match event {
        OrdersEvent::OrderPlaced { order_id, customer_id, lines, total, .. } => {
            let lines =
                lines.iter().map(|l| ProductQuantity { product_id: l.product_id, quantity: l.quantity }).collect();
            seal.seal(&OrderPlaced { order_id, customer_id, lines, total })
        }
        OrdersEvent::OrderConfirmed { order_id, .. } => seal.seal(&OrderConfirmed { order_id }),
        OrdersEvent::OrderCompleted { order_id, shipment_id }
        | OrdersEvent::CompletionRepeated { order_id, shipment_id } => {
            seal.seal(&OrderCompleted { order_id, shipment_id })
        }
        OrdersEvent::OrderCancelled { order_id, code, message }
        | OrdersEvent::CancellationRepeated { order_id, code, message } => {
            seal.seal(&OrderCancelled { order_id, code, message })
        }
        OrdersEvent::CancellationRefused { order_id, message } => {
            seal.seal(&OrderCancellationRefused { order_id, message })
        }
        // Shipping (or Payments, for a refund) told it; no one else needs it from Orders. A request is the cancel-order
        // saga's start, recorded with it: its commands tell the other contexts.
        OrdersEvent::OrderDelivered { .. }
        | OrdersEvent::ParcelShipped { .. }
        | OrdersEvent::ParcelInTransit { .. }
        | OrdersEvent::ParcelReturning { .. }
        | OrdersEvent::ParcelReturned { .. }
        | OrdersEvent::RefundRecorded { .. }
        | OrdersEvent::ChargeRecorded { .. }
        | OrdersEvent::CancellationRequested { .. } => return Ok(None),
    };
    envelope.map(Some)
}

impl Publications for OrdersPublications {
    fn messages_for(&self, event: &RecordedEvent) -> Result<Vec<Envelope>, PublishError> {
        let Some(decoded) = event.decode_known::<OrdersEvent>()? else { return Ok(Vec::new()) };
        Ok(message_of(decoded, &FromRecorded(event))?.into_iter().collect())
    }
}
