//! What the payments context tells other contexts.

use crate::payment::PaymentsEvent;
use contracts::payments::{
    IssueRefund, PaymentCaptured, PaymentFailed, PaymentProcessed, PaymentRefunded, PaymentStarted, RefundIssued,
};
use kernel::bus::{Envelope, Message};
use kernel::event_store::RecordedEvent;
use kernel::messaging::{Publications, PublishError, derived_message};
use uuid::Uuid;

/// Maps payment outcomes to saga replies: an authorization answers the payment step. A void
/// (of the payment, or of its authorization) answers a refund with no amount; an
/// authorization refused (or released) because the payment was undone first answers with `PaymentFailed`
/// coded [`CHARGE_AFTER_UNDO`]. A capture is told as `PaymentCaptured`. An admin's refund
/// asked for becomes Payments' own `IssueRefund`, and one made is told as `RefundIssued`.
pub(crate) struct PaymentsPublications;

fn envelope<M: Message>(event: &RecordedEvent, message: &M) -> Result<Vec<Envelope>, PublishError> {
    derived_message(event, "payments", message)
}

/// The failure code of a charge that came after its payment was voided or refunded.
const CHARGE_AFTER_UNDO: &str = "payment_cancelled";

/// The refusal of a charge that came after its payment was undone.
fn charge_after_undo(
    event: &RecordedEvent,
    payment_id: Uuid,
    order_id: Uuid,
    message: &str,
) -> Result<Vec<Envelope>, PublishError> {
    let code = CHARGE_AFTER_UNDO.to_owned();
    envelope(event, &PaymentFailed { payment_id, order_id, code, message: message.to_owned() })
}

impl Publications for PaymentsPublications {
    fn messages_for(&self, event: &RecordedEvent) -> Result<Vec<Envelope>, PublishError> {
        let Some(decoded) = event.decode_known::<PaymentsEvent>()? else { return Ok(Vec::new()) };
        match decoded {
            PaymentsEvent::PaymentAuthorized { payment_id, order_id, amount, .. }
            | PaymentsEvent::PaymentProcessed { payment_id, order_id, amount, .. } => {
                envelope(event, &PaymentProcessed { payment_id, order_id, amount })
            }
            PaymentsEvent::PaymentFailed { payment_id, order_id, code, message, .. } => {
                envelope(event, &PaymentFailed { payment_id, order_id, code, message })
            }
            PaymentsEvent::PaymentRefunded { payment_id, order_id, amount, .. } => {
                envelope(event, &PaymentRefunded { payment_id, order_id, amount: Some(amount) })
            }
            PaymentsEvent::PaymentVoided { payment_id, order_id }
            | PaymentsEvent::AuthorizationVoided { payment_id, order_id, .. } => {
                envelope(event, &PaymentRefunded { payment_id, order_id, amount: None })
            }
            PaymentsEvent::RefundRepeated { payment_id, order_id, amount } => {
                envelope(event, &PaymentRefunded { payment_id, order_id, amount })
            }
            PaymentsEvent::PaymentInitiated { payment_id, order_id, .. }
            | PaymentsEvent::PaymentResumed { payment_id, order_id } => {
                envelope(event, &PaymentStarted { payment_id, order_id })
            }
            PaymentsEvent::ChargeRefused { payment_id, order_id } => charge_after_undo(
                event,
                payment_id,
                order_id,
                "The payment was cancelled before this charge came; nothing more was charged.",
            ),
            PaymentsEvent::LateAuthorizationVoided { payment_id, order_id, .. } => charge_after_undo(
                event,
                payment_id,
                order_id,
                "The payment was cancelled before this authorization came; the hold it made anyway was released.",
            ),
            PaymentsEvent::LateChargeRefunded { payment_id, order_id, .. } => charge_after_undo(
                event,
                payment_id,
                order_id,
                "The payment was cancelled before this charge came; what it charged anyway was refunded.",
            ),
            PaymentsEvent::RefundRequested { payment_id, order_id, refund_id, .. } => {
                envelope(event, &IssueRefund { payment_id, order_id, refund_id })
            }
            PaymentsEvent::PaymentCaptured { payment_id, order_id, amount, .. } => {
                envelope(event, &PaymentCaptured { payment_id, order_id, amount })
            }
            PaymentsEvent::RefundSucceeded { payment_id, order_id, refund_id, amount, reason, .. } => {
                envelope(event, &RefundIssued { payment_id, order_id, refund_id, amount, reason })
            }
            PaymentsEvent::PaymentMethodAdded { .. }
            | PaymentsEvent::PaymentMethodRemoved { .. }
            | PaymentsEvent::PaymentMethodMadeDefault { .. }
            | PaymentsEvent::RestRefundBegun { .. }
            | PaymentsEvent::RefundFailed { .. } => Ok(Vec::new()),
        }
    }
}
