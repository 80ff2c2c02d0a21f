//! Subscriber: Payments' news of an order's money. A capture (`PaymentCaptured`) is recorded
//! on the order for its timeline; each refund an admin made (`RefundIssued`) is recorded
//! on its order, which then shows what was given back, and why.

use crate::order::{OrderCommand, OrdersEvent};
use crate::parcel_news::record_on_order;
use async_trait::async_trait;
use contracts::payments::{PaymentCaptured, RefundIssued};
use kernel::bus::{Envelope, Message};
use kernel::event_store::EventStore;
use kernel::messaging::{HandlerError, MessageHandler};

/// Records captures and admins' refunds on their orders.
pub(crate) struct PaymentNews {
    pub(crate) store: EventStore,
}

#[async_trait]
impl MessageHandler for PaymentNews {
    /// Named when it heard refunds only; kept, so its inbox and queues carry on.
    fn consumer(&self) -> &'static str {
        "orders.refunds"
    }

    fn message_types(&self) -> Vec<&'static str> {
        vec![RefundIssued::TYPE, PaymentCaptured::TYPE]
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        let (order_id, news) = if envelope.is::<PaymentCaptured>() {
            let captured: PaymentCaptured = envelope.decode()?;
            (captured.order_id, OrdersEvent::ChargeRecorded { order_id: captured.order_id, amount: captured.amount })
        } else {
            let issued: RefundIssued = envelope.decode()?;
            let refund = OrdersEvent::RefundRecorded {
                order_id: issued.order_id,
                refund_id: issued.refund_id,
                amount: issued.amount,
                reason: issued.reason,
            };
            (issued.order_id, refund)
        };
        record_on_order(&self.store, self.consumer(), envelope, order_id, OrderCommand::RecordPaymentNews { news })
            .await
    }
}
