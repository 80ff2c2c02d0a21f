//! Subscriber: Shipping's news of an order's parcel. Delivery moves the order to
//! `delivered` (`ShipmentDelivered`); leaving with the carrier, each scan on the way, and a
//! return to sender asked for and completed (`ShipmentShipped`, `ShipmentInTransit`,
//! `ShipmentReturnRequested`, `ShipmentReturned`) are recorded on the order for its
//! timeline.

use crate::order::{Order, OrderCommand, OrdersEvent, order_stream};
use async_trait::async_trait;
use contracts::shipping::{
    ShipmentDelivered, ShipmentInTransit, ShipmentReturnRequested, ShipmentReturned, ShipmentShipped,
};
use kernel::bus::{Envelope, Message};
use kernel::event_store::{EventStore, Metadata, StoreError};
use kernel::messaging::{HandlerError, MessageHandler, handle_once};
use uuid::Uuid;

/// Records the parcel's news on its order.
pub(crate) struct ParcelNews {
    pub(crate) store: EventStore,
}

/// The order a message is about, and what it asks of it.
fn command_of(envelope: &Envelope) -> Result<(Uuid, OrderCommand), HandlerError> {
    Ok(match envelope.message_type.as_str() {
        ShipmentDelivered::TYPE => {
            let delivered: ShipmentDelivered = envelope.decode()?;
            (delivered.order_id, OrderCommand::Deliver { shipment_id: delivered.shipment_id })
        }
        ShipmentShipped::TYPE => {
            let shipped: ShipmentShipped = envelope.decode()?;
            let news = OrdersEvent::ParcelShipped {
                order_id: shipped.order_id,
                shipment_id: shipped.shipment_id,
                carrier: shipped.carrier,
                tracking_number: shipped.tracking_number,
            };
            (shipped.order_id, OrderCommand::RecordParcelNews { news })
        }
        ShipmentReturnRequested::TYPE => {
            let ShipmentReturnRequested { order_id, shipment_id } = envelope.decode()?;
            (order_id, OrderCommand::RecordParcelNews { news: OrdersEvent::ParcelReturning { order_id, shipment_id } })
        }
        ShipmentReturned::TYPE => {
            let ShipmentReturned { order_id, shipment_id } = envelope.decode()?;
            (order_id, OrderCommand::RecordParcelNews { news: OrdersEvent::ParcelReturned { order_id, shipment_id } })
        }
        _ => {
            let moving: ShipmentInTransit = envelope.decode()?;
            let news = OrdersEvent::ParcelInTransit {
                order_id: moving.order_id,
                shipment_id: moving.shipment_id,
                location: moving.location,
            };
            (moving.order_id, OrderCommand::RecordParcelNews { news })
        }
    })
}

#[async_trait]
impl MessageHandler for ParcelNews {
    fn consumer(&self) -> &'static str {
        "orders.deliveries"
    }

    fn message_types(&self) -> Vec<&'static str> {
        vec![
            ShipmentDelivered::TYPE,
            ShipmentShipped::TYPE,
            ShipmentInTransit::TYPE,
            ShipmentReturnRequested::TYPE,
            ShipmentReturned::TYPE,
        ]
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        let (order_id, command) = command_of(envelope)?;
        record_on_order(&self.store, self.consumer(), envelope, order_id, command).await
    }
}

/// Carries out `command`, news from another context, on order `order_id` once per
/// message. News the order cannot take yet (it has not reached the state the news
/// follows from, because the two facts travel separately) is retried later.
pub(crate) async fn record_on_order(
    store: &EventStore,
    consumer: &str,
    envelope: &Envelope,
    order_id: Uuid,
    command: OrderCommand,
) -> Result<(), HandlerError> {
    let metadata = Metadata::news_from(envelope);
    let (metadata, command) = (&metadata, &command);
    let refused = handle_once(store, consumer, envelope, |mut uow| async move {
        let stream = order_stream(order_id);
        let mut order = uow.load_aggregate::<Order>(&stream).await?;
        let refused = match order.state.decide(order_id, command.clone()) {
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
        Some(from) => Err(HandlerError::Transient(format!(
            "order {order_id} is {from:?}, not yet where this news follows from; it waits"
        ))),
        None => Ok(()),
    }
}
