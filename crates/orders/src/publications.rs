//! What the orders context tells other contexts (saga commands are published by the
//! kernel's relay from the saga stream).

use crate::order::OrdersEvent;
use contracts::ProductQuantity;
use contracts::orders::{OrderCancelled, OrderCompleted, OrderConfirmed, OrderPlaced};
use kernel::bus::{Envelope, Message};
use kernel::event_store::RecordedEvent;
use kernel::messaging::{Publications, PublishError, derived_message};

/// Maps order events to integration events.
pub(crate) struct OrdersPublications;

fn envelope<M: Message>(event: &RecordedEvent, message: &M) -> Result<Vec<Envelope>, PublishError> {
    derived_message(event, "orders", message)
}

impl Publications for OrdersPublications {
    fn messages_for(&self, event: &RecordedEvent) -> Result<Vec<Envelope>, PublishError> {
        let Some(decoded) = event.decode_known::<OrdersEvent>()? else { return Ok(Vec::new()) };
        match decoded {
            OrdersEvent::OrderPlaced { order_id, customer_id, lines, total, .. } => {
                let lines =
                    lines.iter().map(|l| ProductQuantity { product_id: l.product_id, quantity: l.quantity }).collect();
                envelope(event, &OrderPlaced { order_id, customer_id, lines, total })
            }
            OrdersEvent::OrderConfirmed { order_id, .. } => envelope(event, &OrderConfirmed { order_id }),
            OrdersEvent::OrderCompleted { order_id, shipment_id }
            | OrdersEvent::CompletionRepeated { order_id, shipment_id } => {
                envelope(event, &OrderCompleted { order_id, shipment_id })
            }
            OrdersEvent::OrderCancelled { order_id, code, message }
            | OrdersEvent::CancellationRepeated { order_id, code, message } => {
                envelope(event, &OrderCancelled { order_id, code, message })
            }
        }
    }
}
