//! Saga compensation: give back an order's payment (`RefundPayment`). An authorization not
//! yet captured is voided: the hold is released and nothing is ever charged. Undoing an
//! order that was never authorized voids the payment, which answers the saga and refuses a
//! late authorization; one whose authorization was asked for but never recorded asks the
//! provider by key, and releases what it finds. A captured payment gives back what admins'
//! refunds have not: that rest is recorded first (`RestRefundBegun`), so no admin refund is
//! taken while the gateway is asked, and an admin's refund still under way is waited for.

use crate::Payments;
use crate::payment::{Payment, PaymentsEvent, RefundProgress, payment_id, payment_stream};
use crate::process_payment::{CONSUMER, void_key, with_retries};
use contracts::payments::RefundPayment;
use kernel::aggregate::fold;
use kernel::bus::Envelope;
use kernel::event_store::{ExpectedVersion, Metadata, NewEvent, StoreError};
use kernel::messaging::{HandlerError, handle_once};
use kernel::money::Money;
use uuid::Uuid;

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
    let undo = match &before.state {
        Payment::Processed { refunds, .. }
            if refunds.iter().any(|refund| refund.progress == RefundProgress::Pending) =>
        {
            return Err(HandlerError::Transient(
                "an admin's refund of this payment is under way; the rest is refunded once it is settled".to_owned(),
            ));
        }
        Payment::Processed { charge_id, .. } => {
            let rest = before.state.refundable().expect("a captured payment has a refundable amount");
            let begun = PaymentsEvent::RestRefundBegun { payment_id, order_id: command.order_id, amount: rest };
            let mut uow = store.begin().await?;
            uow.append(&stream, ExpectedVersion::Exact(before.version), &[NewEvent::from_domain(&begun, &metadata)?])
                .await
                // An admin's refund came first: handle the message again with it counted.
                .map_err(|e| HandlerError::Transient(format!("the payment moved while its refund began: {e}")))?;
            uow.commit().await?;
            refund_capture(payments, payment_id, rest, charge_id).await?
        }
        Payment::Refunding { amount, charge_id } => refund_capture(payments, payment_id, *amount, charge_id).await?,
        Payment::Authorized { amount, authorization_id } => {
            release(payments, payment_id, *amount, authorization_id).await?
        }
        // Asked for, outcome never recorded: only the provider knows whether it authorized.
        Payment::Initiated { amount, key } => match payments.gateway.find_authorization(key).await {
            Ok(Some(authorization_id)) => release(payments, payment_id, *amount, &authorization_id).await?,
            Ok(None) => Undo::Nothing,
            Err(error) => return Err(HandlerError::Transient(format!("cannot look the authorization up: {error}"))),
        },
        _ => Undo::Nothing,
    };
    let (command, stream, undo, metadata) = (&command, &stream, &undo, &metadata);
    handle_once(store, CONSUMER, envelope, |mut uow| async move {
        let mut payment = uow.load_aggregate::<Payment>(stream).await?;
        let order_id = command.order_id;
        let event = match (&payment.state, undo) {
            (Payment::Refunding { .. }, Undo::Refunded { amount, refund_id }) => {
                PaymentsEvent::PaymentRefunded { payment_id, order_id, amount: *amount, refund_id: refund_id.clone() }
            }
            (Payment::Authorized { .. } | Payment::Initiated { .. }, Undo::Released { amount, authorization_id }) => {
                PaymentsEvent::AuthorizationVoided {
                    payment_id,
                    order_id,
                    amount: *amount,
                    authorization_id: authorization_id.clone(),
                }
            }
            // Asked for, and the provider has no authorization under its key: void it, which
            // also bars it from being asked again (one in flight is released).
            (Payment::Initiated { .. }, Undo::Nothing) => PaymentsEvent::PaymentVoided { payment_id, order_id },
            (Payment::None | Payment::Failed, _) => PaymentsEvent::PaymentVoided { payment_id, order_id },
            // Authorized or captured after the undoing was prepared: let the consumer retry
            // with fresh state (a capture's rest is held back from admins before the gateway
            // is asked).
            (Payment::Initiated { .. } | Payment::Authorized { .. } | Payment::Processed { .. }, _)
            | (Payment::Refunding { .. }, _) => {
                return Err(StoreError::Conflict { stream_id: stream.clone(), expected: 0, actual: payment.version });
            }
            // Already refunded or voided. Asked again, so the first answer may have been lost:
            // answer again with what was done (this message's inbox claim keeps it to one).
            (Payment::Refunded { amount }, _) => {
                PaymentsEvent::RefundRepeated { payment_id, order_id, amount: Some(*amount) }
            }
            (Payment::Voided | Payment::Released { .. }, _) => {
                PaymentsEvent::RefundRepeated { payment_id, order_id, amount: None }
            }
        };
        uow.append_decided(stream, &mut payment, &[event], metadata).await?;
        Ok((uow, ()))
    })
    .await?;
    Ok(())
}

/// What undoing a payment did at the gateway, before it is recorded.
enum Undo {
    /// Nothing was held or charged.
    Nothing,
    /// The capture's rest, `amount`, was given back (zero: admins had given it all back).
    Refunded { amount: Money, refund_id: String },
    /// The authorization was voided: nothing was charged.
    Released { amount: Money, authorization_id: String },
}

/// Gives `amount` of capture `charge_id` back, once (the key is the payment's).
async fn refund_capture(
    payments: &Payments,
    payment_id: Uuid,
    amount: Money,
    charge_id: &str,
) -> Result<Undo, HandlerError> {
    if amount.amount_minor == 0 {
        return Ok(Undo::Refunded { amount, refund_id: String::new() });
    }
    let key = format!("refund-{payment_id}");
    let refund_id = with_retries(|| payments.gateway.refund(charge_id, amount, &key))
        .await
        // Nothing is claimed: the message is retried, the saga asks again, and the
        // idempotency key keeps the refund single.
        .map_err(|e| HandlerError::Transient(e.to_string()))?;
    Ok(Undo::Refunded { amount, refund_id })
}

/// Releases an authorization that was not captured. A capture that won the race (made but
/// not recorded yet) is a transient refusal: the message comes again and refunds it then.
async fn release(
    payments: &Payments,
    payment_id: Uuid,
    amount: Money,
    authorization_id: &str,
) -> Result<Undo, HandlerError> {
    let key = void_key(payment_id);
    with_retries(|| payments.gateway.void(authorization_id, &key))
        .await
        .map_err(|e| HandlerError::Transient(format!("the authorization could not be voided: {e}")))?;
    Ok(Undo::Released { amount, authorization_id: authorization_id.to_owned() })
}
