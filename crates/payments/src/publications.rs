//! What the payments context tells other contexts.

use crate::payment::PaymentsEvent;
use contracts::payments::{PaymentFailed, PaymentProcessed, PaymentRefunded, PaymentStarted};
use kernel::bus::{Envelope, Message};
use kernel::event_store::RecordedEvent;
use kernel::messaging::{Publications, PublishError, derived_message};

/// Maps payment outcomes to saga replies. A void answers a refund with amount zero.
pub(crate) struct PaymentsPublications;

fn envelope<M: Message>(event: &RecordedEvent, message: &M) -> Result<Vec<Envelope>, PublishError> {
    derived_message(event, "payments", message)
}

impl Publications for PaymentsPublications {
    fn messages_for(&self, event: &RecordedEvent) -> Result<Vec<Envelope>, PublishError> {
        let Some(decoded) = event.decode_known::<PaymentsEvent>()? else { return Ok(Vec::new()) };
        match decoded {
            PaymentsEvent::PaymentProcessed { payment_id, order_id, amount, .. } => {
                envelope(event, &PaymentProcessed { payment_id, order_id, amount })
            }
            PaymentsEvent::PaymentFailed { payment_id, order_id, code, message, .. } => {
                envelope(event, &PaymentFailed { payment_id, order_id, code, message })
            }
            PaymentsEvent::PaymentRefunded { payment_id, order_id, amount, .. } => {
                envelope(event, &PaymentRefunded { payment_id, order_id, amount: Some(amount) })
            }
            PaymentsEvent::PaymentVoided { payment_id, order_id } => {
                envelope(event, &PaymentRefunded { payment_id, order_id, amount: None })
            }
            PaymentsEvent::RefundRepeated { payment_id, order_id, amount } => {
                envelope(event, &PaymentRefunded { payment_id, order_id, amount })
            }
            PaymentsEvent::PaymentInitiated { payment_id, order_id, .. }
            | PaymentsEvent::PaymentResumed { payment_id, order_id } => {
                envelope(event, &PaymentStarted { payment_id, order_id })
            }
            PaymentsEvent::PaymentMethodAdded { .. } | PaymentsEvent::LateChargeRefunded { .. } => Ok(Vec::new()),
        }
    }
}
