//! Saga compensation: give back an order's charge (`RefundPayment`). Refunding an order
//! that was never charged voids it, which answers the saga and refuses a late charge; one
//! whose charge was asked for but never recorded asks the provider by key, and refunds
//! what it finds. A charged payment gives back what admins' refunds have not: that rest
//! is recorded first (`RestRefundBegun`), so no admin refund is taken while the gateway
//! is asked, and an admin's refund still under way is waited for.

use crate::Payments;
use crate::payment::{Payment, PaymentsEvent, RefundProgress, payment_id, payment_stream};
use crate::process_payment::{CONSUMER, with_retries};
use contracts::payments::RefundPayment;
use kernel::aggregate::fold;
use kernel::bus::Envelope;
use kernel::event_store::{ExpectedVersion, Metadata, NewEvent, StoreError};
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
    let metadata = Metadata::caused_by(envelope);
    let charge = match &before.state {
        Payment::Processed { refunds, .. }
            if refunds.iter().any(|refund| refund.progress == RefundProgress::Pending) =>
        {
            return Err(HandlerError::Transient(
                "an admin's refund of this payment is under way; the rest is refunded once it is settled".to_owned(),
            ));
        }
        Payment::Processed { charge_id, .. } => {
            let rest = before.state.refundable().expect("a charged payment has a refundable amount");
            let begun = PaymentsEvent::RestRefundBegun { payment_id, order_id: command.order_id, amount: rest };
            let mut uow = store.begin().await?;
            uow.append(&stream, ExpectedVersion::Exact(before.version), &[NewEvent::from_domain(&begun, &metadata)?])
                .await
                // An admin's refund came first: handle the message again with it counted.
                .map_err(|e| HandlerError::Transient(format!("the payment moved while its refund began: {e}")))?;
            uow.commit().await?;
            Some((rest, charge_id.clone()))
        }
        Payment::Refunding { amount, charge_id } => Some((*amount, charge_id.clone())),
        // Asked for, outcome never recorded: only the provider knows whether it charged.
        Payment::Initiated { amount, key } => match payments.gateway.find_charge(key).await {
            Ok(found) => found.map(|charge_id| (*amount, charge_id)),
            Err(error) => return Err(HandlerError::Transient(format!("cannot look the charge up: {error}"))),
        },
        _ => None,
    };
    let refund = match charge {
        // Admins gave everything back already: nothing is left to ask the gateway for.
        Some((amount, _)) if amount.amount_minor == 0 => Some((amount, String::new())),
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
    let (command, stream, refund, metadata) = (&command, &stream, &refund, &metadata);
    handle_once(store, CONSUMER, envelope, |mut uow| async move {
        let mut payment = uow.load_aggregate::<Payment>(stream).await?;
        let event = match (&payment.state, refund) {
            (Payment::Refunding { .. } | Payment::Initiated { .. }, Some((amount, refund_id))) => {
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
            // Charged after the refund was prepared: let the consumer retry with fresh state,
            // which holds the rest back from admins before the gateway is asked.
            (Payment::Processed { .. } | Payment::Refunding { .. }, _) => {
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
