//! The sagas' commands to Orders itself — confirm, complete, cancel, and refuse a
//! cancellation (the cancel-order saga's, when the parcel had left). The saga carries
//! them out in place, in the transition that issues them ([`LocalReceiver`]); the same
//! slice also takes them as messages, for commands a saga published before it did so.

use crate::order::{Order, OrderCommand, OrdersEvent, order_stream};
use crate::publications::{Seal, message_of};
use async_trait::async_trait;
use contracts::orders::{CancelOrder, CompleteOrder, ConfirmOrder, RefuseCancellation};
use kernel::bus::{BusError, Envelope, Message};
use kernel::event_store::{EventStore, Metadata, StoreError, UnitOfWork};
use kernel::messaging::{HandlerError, MessageHandler, handle_once};
use kernel::saga::{LocalReceiver, SagaError};
use uuid::Uuid;

/// Applies saga commands to orders.
pub(crate) struct OrderCommands {
    pub(crate) store: EventStore,
}

const COMMAND_TYPES: [&str; 4] = [ConfirmOrder::TYPE, CompleteOrder::TYPE, CancelOrder::TYPE, RefuseCancellation::TYPE];

fn command_of(envelope: &Envelope) -> Result<Option<(Uuid, OrderCommand)>, BusError> {
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
        RefuseCancellation::TYPE => {
            let m: RefuseCancellation = envelope.decode()?;
            Some((m.order_id, OrderCommand::RefuseCancellation { message: m.message }))
        }
        _ => None,
    })
}

/// Why an order did not take a command: the saga only asks for valid transitions, so this
/// is a bug worth a person's attention.
#[derive(Debug)]
struct Refused {
    order_id: Uuid,
    command: OrderCommand,
    from: crate::order::OrderStatus,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "order {} cannot take {:?} from {:?}", self.order_id, self.command, self.from)
    }
}

/// Applies `command` to order `order_id` inside `uow`: the events it recorded, or why the
/// order refused it.
async fn apply(
    uow: &mut UnitOfWork,
    order_id: Uuid,
    command: OrderCommand,
    metadata: &Metadata,
) -> Result<Result<Vec<OrdersEvent>, Refused>, StoreError> {
    let stream = order_stream(order_id);
    let mut order = uow.load_aggregate::<Order>(&stream).await?;
    match order.state.decide(order_id, command.clone()) {
        Ok(events) => {
            uow.append_decided(&stream, &mut order, &events, metadata).await?;
            Ok(Ok(events))
        }
        Err(refused) => Ok(Err(Refused { order_id, command, from: refused.from })),
    }
}

/// Seals a reply given in place: a fresh id, in the command's conversation.
struct InReplyTo<'a> {
    command: &'a Envelope,
    at: chrono::DateTime<chrono::Utc>,
}

impl Seal for InReplyTo<'_> {
    fn seal<M: Message>(&self, message: &M) -> Result<Envelope, BusError> {
        let mut envelope = Envelope::new(Uuid::now_v7(), "orders", self.at, message)?;
        envelope.correlation_id = self.command.correlation_id;
        envelope.causation_id = Some(self.command.message_id);
        envelope.traceparent.clone_from(&self.command.traceparent);
        Ok(envelope)
    }
}

#[async_trait]
impl LocalReceiver for OrderCommands {
    fn command_types(&self) -> Vec<&'static str> {
        COMMAND_TYPES.to_vec()
    }

    async fn receive(
        &self,
        uow: &mut UnitOfWork,
        command: &Envelope,
        effects: &Metadata,
    ) -> Result<Option<Envelope>, SagaError> {
        let Some((order_id, order_command)) = command_of(command)? else { return Ok(None) };
        match apply(uow, order_id, order_command, effects).await? {
            Ok(events) => {
                let seal = InReplyTo { command, at: self.store.clock().now() };
                let replies = events.into_iter().map(|event| message_of(event, &seal));
                Ok(replies.filter_map(Result::transpose).next().transpose()?)
            }
            Err(refused) => {
                tracing::error!(%refused, "the saga's command to its own order was refused");
                Ok(None)
            }
        }
    }
}

#[async_trait]
impl MessageHandler for OrderCommands {
    fn consumer(&self) -> &'static str {
        "orders.commands"
    }

    fn message_types(&self) -> Vec<&'static str> {
        COMMAND_TYPES.to_vec()
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        let Some((order_id, command)) = command_of(envelope)? else { return Ok(()) };
        let metadata = Metadata::caused_by(envelope);
        let (command, metadata) = (&command, &metadata);
        let applied = handle_once(&self.store, self.consumer(), envelope, |mut uow| async move {
            let applied = apply(&mut uow, order_id, command.clone(), metadata).await?;
            Ok::<_, StoreError>((uow, applied))
        })
        .await?;
        match applied {
            // A refusal is a bug worth a dead letter.
            Some(Err(refused)) => Err(HandlerError::Permanent(refused.to_string())),
            Some(Ok(_)) | None => Ok(()),
        }
    }
}
