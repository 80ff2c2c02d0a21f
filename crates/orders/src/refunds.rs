//! Subscriber: Payments' `RefundIssued`. Each refund an admin made is recorded on its
//! order, which then shows what was given back, and why.

use crate::order::{OrderCommand, OrdersEvent};
use crate::parcel_news::record_on_order;
use async_trait::async_trait;
use contracts::payments::RefundIssued;
use kernel::bus::{Envelope, Message};
use kernel::event_store::EventStore;
use kernel::messaging::{HandlerError, MessageHandler};

/// Records admins' refunds on their orders.
pub(crate) struct Refunds {
    pub(crate) store: EventStore,
}

#[async_trait]
impl MessageHandler for Refunds {
    fn consumer(&self) -> &'static str {
        "orders.refunds"
    }

    fn message_types(&self) -> Vec<&'static str> {
        vec![RefundIssued::TYPE]
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        let issued: RefundIssued = envelope.decode()?;
        let refund = OrdersEvent::RefundRecorded {
            order_id: issued.order_id,
            refund_id: issued.refund_id,
            amount: issued.amount,
            reason: issued.reason,
        };
        record_on_order(&self.store, self.consumer(), envelope, issued.order_id, OrderCommand::RecordRefund { refund })
            .await
    }
}
