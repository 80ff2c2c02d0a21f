//! Saga compensation: give back an order's charge (`RefundPayment`). Refunding an order
//! that was never charged voids it, which answers the saga and refuses a late charge; one
//! whose charge was asked for but never recorded asks the provider by key, and refunds
//! what it finds.

use crate::Payments;
use crate::payment::{Payment, PaymentsEvent, payment_id, payment_stream};
use crate::process_payment::{CONSUMER, with_retries};
use contracts::payments::RefundPayment;
use kernel::aggregate::fold;
use kernel::bus::Envelope;
use kernel::event_store::{Metadata, StoreError};
use kernel::messaging::{HandlerError, handle_once};

pub(crate) async fn refund(
    payments: &Payments,
    envelope: &Envelope,
    command: RefundPayment,
) -> Result<(), HandlerError> {
    let store = &payments.store;
    let stream = payment_stream(command.order_id);
    let payment_id = payment_id(command.order_id);
    let before = fold::<Payment>(&store.load(&stream).await?)?;
    let charge = match &before.state {
        Payment::Processed { amount, charge_id } => Some((*amount, charge_id.clone())),
        // Asked for, outcome never recorded: only the provider knows whether it charged.
        Payment::Initiated { amount, key } => match payments.gateway.find_charge(key).await {
            Ok(found) => found.map(|charge_id| (*amount, charge_id)),
            Err(error) => return Err(HandlerError::Transient(format!("cannot look the charge up: {error}"))),
        },
        _ => None,
    };
    let refund = match charge {
        Some((amount, charge_id)) => {
            let key = format!("refund-{payment_id}");
            let refund_id = with_retries(|| payments.gateway.refund(&charge_id, amount, &key))
                .await
                // Nothing is claimed: the message is retried, the saga asks again, and the
                // idempotency key keeps the refund single.
                .map_err(|e| HandlerError::Transient(e.to_string()))?;
            Some((amount, refund_id))
        }
        None => None,
    };
    let metadata = Metadata::caused_by(envelope);
    let (command, stream, refund, metadata) = (&command, &stream, &refund, &metadata);
    handle_once(store, CONSUMER, envelope, |mut uow| async move {
        let mut payment = uow.load_aggregate::<Payment>(stream).await?;
        let event = match (&payment.state, refund) {
            (Payment::Processed { .. } | Payment::Initiated { .. }, Some((amount, refund_id))) => {
                PaymentsEvent::PaymentRefunded {
                    payment_id,
                    order_id: command.order_id,
                    amount: *amount,
                    refund_id: refund_id.clone(),
                }
            }
            // Asked for, and the provider has no charge under its key: void it, which also
            // bars the charge from being asked again (one in flight is given back).
            (Payment::Initiated { .. }, None) => {
                PaymentsEvent::PaymentVoided { payment_id, order_id: command.order_id }
            }
            (Payment::None | Payment::Failed, _) => {
                PaymentsEvent::PaymentVoided { payment_id, order_id: command.order_id }
            }
            // Charged after the refund was prepared: let the consumer retry with fresh state.
            (Payment::Processed { .. }, None) => {
                return Err(StoreError::Conflict { stream_id: stream.clone(), expected: 0, actual: payment.version });
            }
            // Already refunded or voided. Asked again, so the first answer may have been lost:
            // answer again with what was done (this message's inbox claim keeps it to one).
            (Payment::Refunded { amount }, _) => {
                PaymentsEvent::RefundRepeated { payment_id, order_id: command.order_id, amount: Some(*amount) }
            }
            (Payment::Voided, _) => {
                PaymentsEvent::RefundRepeated { payment_id, order_id: command.order_id, amount: None }
            }
        };
        uow.append_decided(stream, &mut payment, &[event], metadata).await?;
        Ok((uow, ()))
    })
    .await?;
    Ok(())
}
