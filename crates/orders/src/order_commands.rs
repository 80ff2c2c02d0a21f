//! Subscriber: the saga's commands to Orders itself — confirm, complete, cancel.

use crate::order::{Order, OrderCommand, order_stream};
use async_trait::async_trait;
use contracts::orders::{CancelOrder, CompleteOrder, ConfirmOrder};
use kernel::bus::{Envelope, Message};
use kernel::event_store::{EventStore, Metadata, StoreError};
use kernel::messaging::{HandlerError, MessageHandler, handle_once};
use uuid::Uuid;

/// Applies saga commands to orders.
pub(crate) struct OrderCommands {
    pub(crate) store: EventStore,
}

fn command_of(envelope: &Envelope) -> Result<Option<(Uuid, OrderCommand)>, HandlerError> {
    Ok(match envelope.message_type.as_str() {
        ConfirmOrder::TYPE => {
            let m: ConfirmOrder = envelope.decode()?;
            Some((m.order_id, OrderCommand::Confirm { payment_id: m.payment_id }))
        }
        CompleteOrder::TYPE => {
            let m: CompleteOrder = envelope.decode()?;
            Some((m.order_id, OrderCommand::Complete { shipment_id: m.shipment_id }))
        }
        CancelOrder::TYPE => {
            let m: CancelOrder = envelope.decode()?;
            Some((m.order_id, OrderCommand::Cancel { code: m.code, message: m.message }))
        }
        _ => None,
    })
}

#[async_trait]
impl MessageHandler for OrderCommands {
    fn consumer(&self) -> &'static str {
        "orders.commands"
    }

    fn message_types(&self) -> Vec<&'static str> {
        vec![ConfirmOrder::TYPE, CompleteOrder::TYPE, CancelOrder::TYPE]
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        let Some((order_id, command)) = command_of(envelope)? else { return Ok(()) };
        let metadata = Metadata::caused_by(envelope);
        let stream = order_stream(order_id);
        let (command_ref, stream, metadata) = (&command, &stream, &metadata);
        let refused = handle_once(&self.store, self.consumer(), envelope, |mut uow| async move {
            let mut order = uow.load_aggregate::<Order>(stream).await?;
            let refused = match order.state.decide(order_id, command_ref.clone()) {
                Ok(events) => {
                    uow.append_decided(stream, &mut order, &events, metadata).await?;
                    None
                }
                Err(refused) => Some(refused),
            };
            Ok::<_, StoreError>((uow, refused))
        })
        .await?
        .flatten();
        if let Some(refused) = refused {
            // The saga only asks for valid transitions; a refusal is a bug worth a dead letter.
            return Err(HandlerError::Permanent(format!(
                "order {order_id} cannot take {command:?} from {:?}",
                refused.from
            )));
        }
        Ok(())
    }
}
