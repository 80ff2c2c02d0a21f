//! Saga step: charge an order's total to the customer's saved card (`ProcessPayment`).
//! Also receives the compensation, `RefundPayment` (see `refund_payment`).
//!
//! The gateway is called outside any database transaction (it may be slow) with the
//! payment id as idempotency key, so a redelivered command can never charge twice.

use crate::Payments;
use crate::card::not_expired;
use crate::gateway::GatewayError;
use crate::payment::{Payment, PaymentMethod, PaymentsEvent, method_stream, payment_id, payment_stream};
use crate::refund_payment;
use async_trait::async_trait;
use contracts::payments::{ProcessPayment, RefundPayment};
use kernel::aggregate::fold;
use kernel::bus::{Envelope, Message};
use kernel::event_store::{Metadata, StoreError};
use kernel::messaging::{HandlerError, MessageHandler, handle_once};
use std::time::Duration;

/// The consumer of the saga's payment commands.
pub(crate) struct PaymentCommands {
    pub(crate) payments: Payments,
}

/// Inbox name of [`PaymentCommands`].
pub(crate) const CONSUMER: &str = "payments.commands";

/// Gateway attempts for one charge when it fails transiently.
const CHARGE_ATTEMPTS: u32 = 3;

#[async_trait]
impl MessageHandler for PaymentCommands {
    fn consumer(&self) -> &'static str {
        CONSUMER
    }

    fn message_types(&self) -> Vec<&'static str> {
        vec![ProcessPayment::TYPE, RefundPayment::TYPE]
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        if envelope.is::<ProcessPayment>() {
            process(&self.payments, envelope, envelope.decode()?).await
        } else if envelope.is::<RefundPayment>() {
            refund_payment::refund(&self.payments, envelope, envelope.decode()?).await
        } else {
            Ok(())
        }
    }
}

/// Retries transient gateway failures a few times with backoff.
pub(crate) async fn with_retries<T, F, Fut>(mut call: F) -> Result<T, GatewayError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, GatewayError>>,
{
    let mut attempt = 1;
    loop {
        match call().await {
            Err(GatewayError::Transient(reason)) if attempt < CHARGE_ATTEMPTS => {
                tracing::warn!(%reason, attempt, "gateway failed transiently; retrying");
                tokio::time::sleep(Duration::from_millis(100 * 2u64.pow(attempt))).await;
                attempt += 1;
            }
            other => return other,
        }
    }
}

fn failure(error: &GatewayError) -> (&'static str, String) {
    match error {
        GatewayError::Declined => ("payment_declined", "The card was declined.".into()),
        GatewayError::InsufficientFunds => ("insufficient_funds", "The card has insufficient funds.".into()),
        GatewayError::UnknownCard => {
            ("payment_method_invalid", "The card is not known to the payment provider.".into())
        }
        GatewayError::Transient(_) => ("payment_error", "The payment could not be processed; please try again.".into()),
    }
}

async fn process(payments: &Payments, envelope: &Envelope, command: ProcessPayment) -> Result<(), HandlerError> {
    let store = &payments.store;
    let stream = payment_stream(command.order_id);
    let payment_id = payment_id(command.order_id);
    let before = fold::<Payment>(&store.load(&stream).await?)?;
    let outcome = if before.state != Payment::None {
        None
    } else {
        let method = fold::<PaymentMethod>(&store.load(&method_stream(command.payment_method_id)).await?)?;
        let now = store.clock().now();
        Some(if method.state.customer_id != Some(command.customer_id) {
            Err(("payment_method_invalid", "The payment method does not exist.".to_owned()))
        } else if !not_expired(method.state.exp_month, method.state.exp_year, now) {
            Err(("payment_method_invalid", "The card has expired.".to_owned()))
        } else {
            let key = payment_id.to_string();
            with_retries(|| payments.gateway.charge(&method.state.token, command.amount, &key))
                .await
                .map_err(|e| failure(&e))
        })
    };
    let metadata = Metadata::caused_by(envelope);
    let (command_ref, stream_ref, outcome, metadata) = (&command, &stream, &outcome, &metadata);
    let late_charge = handle_once(store, CONSUMER, envelope, |mut uow| async move {
        let command = command_ref;
        let mut payment = uow.load_aggregate::<Payment>(stream_ref).await?;
        let Some(outcome) = outcome.clone() else { return Ok((uow, None)) };
        if payment.state != Payment::None {
            // Voided while the gateway was charging: the charge must go back.
            return Ok((uow, outcome.ok()));
        }
        let event = match outcome {
            Ok(charge_id) => PaymentsEvent::PaymentProcessed {
                payment_id,
                order_id: command.order_id,
                customer_id: command.customer_id,
                payment_method_id: command.payment_method_id,
                amount: command.amount,
                charge_id,
            },
            Err((code, message)) => PaymentsEvent::PaymentFailed {
                payment_id,
                order_id: command.order_id,
                customer_id: command.customer_id,
                amount: command.amount,
                code: code.to_owned(),
                message,
            },
        };
        uow.append_decided(stream_ref, &mut payment, &[event], metadata).await?;
        Ok::<_, StoreError>((uow, None))
    })
    .await?
    .flatten();
    if let Some(charge_id) = late_charge {
        tracing::warn!(order_id = %command.order_id, "charge completed after the payment was voided; refunding it");
        let key = format!("refund-{payment_id}");
        with_retries(|| payments.gateway.refund(&charge_id, command.amount, &key))
            .await
            .map_err(|e| HandlerError::Transient(e.to_string()))?;
    }
    Ok(())
}
