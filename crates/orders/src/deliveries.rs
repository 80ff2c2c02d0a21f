//! Subscriber: an order is delivered when Shipping says its parcel is (`ShipmentDelivered`).

use crate::order::{Order, OrderCommand, order_stream};
use async_trait::async_trait;
use contracts::shipping::ShipmentDelivered;
use kernel::bus::{Envelope, Message};
use kernel::event_store::{EventStore, Metadata, StoreError};
use kernel::messaging::{HandlerError, MessageHandler, handle_once};

/// Marks orders delivered.
pub(crate) struct Deliveries {
    pub(crate) store: EventStore,
}

#[async_trait]
impl MessageHandler for Deliveries {
    fn consumer(&self) -> &'static str {
        "orders.deliveries"
    }

    fn message_types(&self) -> Vec<&'static str> {
        vec![ShipmentDelivered::TYPE]
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        let delivered: ShipmentDelivered = envelope.decode()?;
        let metadata = Metadata::caused_by(envelope);
        let metadata = &metadata;
        let refused = handle_once(&self.store, self.consumer(), envelope, |mut uow| async move {
            let stream = order_stream(delivered.order_id);
            let mut order = uow.load_aggregate::<Order>(&stream).await?;
            let command = OrderCommand::Deliver { shipment_id: delivered.shipment_id };
            let refused = match order.state.decide(delivered.order_id, command) {
                Ok(events) => {
                    uow.append_decided(&stream, &mut order, &events, metadata).await?;
                    None
                }
                Err(refused) => Some(refused.from),
            };
            Ok::<_, StoreError>((uow, refused))
        })
        .await?;
        match refused.flatten() {
            // The parcel can only be handed over once the order completed, but the two facts
            // travel separately: a completion still on its way arrives shortly.
            Some(from) => Err(HandlerError::Transient(format!(
                "order {} is {from:?}, not yet completed; its delivery waits",
                delivered.order_id
            ))),
            None => Ok(()),
        }
    }
}
