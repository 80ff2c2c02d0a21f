//! What the shipping context tells other contexts.

use crate::events::ShippingEvent;
use contracts::shipping::{
    ShipmentCancellationRefused, ShipmentCancelled, ShipmentCreated, ShipmentDelivered, ShipmentInTransit,
    ShipmentRefused, ShipmentReturnRequested, ShipmentReturned, ShipmentShipped, ShippingUnavailable,
};
use kernel::bus::{Envelope, Message};
use kernel::event_store::RecordedEvent;
use kernel::messaging::{Publications, PublishError, derived_message};

/// Maps shipment outcomes to saga replies, and a parcel's journey to integration events.
pub(crate) struct ShippingPublications;

fn envelope<M: Message>(event: &RecordedEvent, message: &M) -> Result<Vec<Envelope>, PublishError> {
    derived_message(event, "shipping", message)
}

impl Publications for ShippingPublications {
    fn messages_for(&self, event: &RecordedEvent) -> Result<Vec<Envelope>, PublishError> {
        match event.decode_known::<ShippingEvent>()? {
            Some(ShippingEvent::ShipmentCreated { shipment_id, order_id, zone, cost, .. }) => {
                envelope(event, &ShipmentCreated { shipment_id, order_id, zone, cost })
            }
            Some(ShippingEvent::ShippingUnavailable { order_id, country, message }) => {
                envelope(event, &ShippingUnavailable { order_id, country, message })
            }
            Some(ShippingEvent::ShipmentCancelled { order_id, shipment_id }) => {
                envelope(event, &ShipmentCancelled { order_id, shipment_id })
            }
            Some(ShippingEvent::ShipmentRefused { order_id }) => {
                let message = "The order's shipment was cancelled before this booking came; nothing was booked.";
                envelope(event, &ShipmentRefused { order_id, message: message.to_owned() })
            }
            Some(ShippingEvent::ShipmentCancellationRefused { shipment_id, order_id, stage }) => {
                let message = format!(
                    "The parcel has left with the carrier (it is {}); its shipment can no longer be cancelled.",
                    stage.replace('_', " ")
                );
                envelope(event, &ShipmentCancellationRefused { order_id, shipment_id, stage, message })
            }
            Some(ShippingEvent::ShipmentShipped { shipment_id, order_id, carrier, tracking_number }) => {
                envelope(event, &ShipmentShipped { shipment_id, order_id, carrier, tracking_number })
            }
            Some(ShippingEvent::ShipmentInTransit { shipment_id, order_id, location }) => {
                envelope(event, &ShipmentInTransit { shipment_id, order_id, location })
            }
            Some(ShippingEvent::ShipmentDelivered { shipment_id, order_id }) => {
                envelope(event, &ShipmentDelivered { shipment_id, order_id })
            }
            Some(
                ShippingEvent::ShipmentReturnRequested { shipment_id, order_id }
                | ShippingEvent::ReturnRequestRepeated { shipment_id, order_id },
            ) => envelope(event, &ShipmentReturnRequested { order_id, shipment_id }),
            Some(ShippingEvent::ShipmentReturned { shipment_id, order_id }) => {
                envelope(event, &ShipmentReturned { order_id, shipment_id })
            }
            // A scan on the way back concerns the warehouse only.
            Some(ShippingEvent::ReturnInTransit { .. }) | None => Ok(Vec::new()),
        }
    }
}
