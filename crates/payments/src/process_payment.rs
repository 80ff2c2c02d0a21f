//! Saga step: hold an order's total on the customer's saved card (`ProcessPayment`): an
//! authorization, captured later (see `capture`). Also receives the compensation,
//! `RefundPayment` (see `refund_payment`), and Payments' own `IssueRefund` for admins'
//! refunds (see `refund_by_admin`).
//!
//! Settlement by intent: the authorization is recorded as initiated, with its idempotency
//! key, before the gateway is called (outside any transaction: it may be slow). Every later
//! attempt asks with the same key, which the gateway never authorizes twice; an answer that
//! does not come is settled by looking the key up, never guessed; and an authorization that
//! lands after the payment was voided is released before its message is finished.

use crate::Payments;
use crate::card::not_expired;
use crate::gateway::GatewayError;
use crate::payment::{Payment, PaymentMethod, PaymentsEvent, method_stream, payment_id, payment_stream};
use crate::{refund_by_admin, refund_payment};
use async_trait::async_trait;
use contracts::payments::{IssueRefund, ProcessPayment, RefundPayment};
use kernel::aggregate::{Loaded, fold};
use kernel::bus::{Envelope, Message};
use kernel::event_store::{Metadata, StoreError};
use kernel::messaging::{HandlerError, MessageHandler, handle_once};
use kernel::money::Money;
use std::time::Duration;
use uuid::Uuid;

/// The consumer of the saga's payment commands.
pub(crate) struct PaymentCommands {
    pub(crate) payments: Payments,
}

/// Inbox name of [`PaymentCommands`].
pub(crate) const CONSUMER: &str = "payments.commands";

/// Gateway attempts for one operation when it fails transiently.
const CHARGE_ATTEMPTS: u32 = 3;

#[async_trait]
impl MessageHandler for PaymentCommands {
    fn consumer(&self) -> &'static str {
        CONSUMER
    }

    fn message_types(&self) -> Vec<&'static str> {
        vec![ProcessPayment::TYPE, RefundPayment::TYPE, IssueRefund::TYPE]
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        if envelope.is::<ProcessPayment>() {
            process(&self.payments, envelope, envelope.decode()?).await
        } else if envelope.is::<RefundPayment>() {
            refund_payment::refund(&self.payments, envelope, envelope.decode()?).await
        } else if envelope.is::<IssueRefund>() {
            refund_by_admin::issue(&self.payments, envelope, envelope.decode()?).await
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

fn failure(error: &GatewayError) -> Refusal {
    match error {
        GatewayError::Declined => ("payment_declined", "The card was declined.".into()),
        GatewayError::InsufficientFunds => ("insufficient_funds", "The card has insufficient funds.".into()),
        GatewayError::UnknownCard => {
            ("payment_method_invalid", "The card is not known to the payment provider.".into())
        }
        GatewayError::ProcessingError | GatewayError::AuthorizationClosed(_) | GatewayError::Transient(_) => {
            ("payment_error", "The payment could not be processed; please try again.".into())
        }
    }
}

/// An authorization's outcome, once it is known: its id, or why it was refused.
type Settled = Result<String, Refusal>;

/// Why a payment fails, as a stable code and words for the customer.
type Refusal = (&'static str, String);

/// Asks the gateway for the authorization with `key` and settles its outcome: its id, or a
/// refusal the gateway gave. When no answer comes (a timeout, before or after authorizing)
/// the outcome is unknown, and is settled by looking the key up; while nothing is on record
/// the message is retried later (a `Transient` error), never failed on a guess.
async fn settle_authorization(
    payments: &Payments,
    token: &str,
    amount: Money,
    key: &str,
) -> Result<Settled, HandlerError> {
    match with_retries(|| payments.gateway.authorize(token, amount, key)).await {
        Ok(authorization_id) => Ok(Ok(authorization_id)),
        Err(GatewayError::Transient(reason)) => match payments.gateway.find_authorization(key).await {
            Ok(Some(authorization_id)) => {
                tracing::info!(%key, "an authorization whose answer was lost was found by its key");
                Ok(Ok(authorization_id))
            }
            Ok(None) => Err(HandlerError::Transient(format!(
                "the authorization's outcome is unknown ({reason}) and none is on record yet; asking again later"
            ))),
            Err(lookup) => Err(HandlerError::Transient(format!(
                "the authorization's outcome is unknown ({reason}) and the lookup failed ({lookup}); asking again later"
            ))),
        },
        Err(refused) => Ok(Err(failure(&refused))),
    }
}

/// The idempotency key of an order's authorization (stable, so every attempt asks for the
/// same one).
fn authorization_key(payment_id: Uuid) -> String {
    payment_id.to_string()
}

/// The idempotency key that voids an order's authorization.
pub(crate) fn void_key(payment_id: Uuid) -> String {
    format!("void-{payment_id}")
}

/// What handling a `ProcessPayment` found to do.
enum Step {
    /// The outcome is recorded already.
    Nothing,
    /// The payment was voided or refunded first (the saga is undoing the order) and nothing
    /// is left charged: refuse, in a reply.
    Refuse,
    /// Record this outcome.
    Settle(Settled),
    /// An authorization landed after the payment was voided: release it, then record that.
    Release(String),
}

async fn process(payments: &Payments, envelope: &Envelope, command: ProcessPayment) -> Result<(), HandlerError> {
    let store = &payments.store;
    let stream = payment_stream(command.order_id);
    let payment_id = payment_id(command.order_id);
    let key = authorization_key(payment_id);
    let metadata = Metadata::caused_by(envelope);
    let mut before = fold::<Payment>(&store.load(&stream).await?)?;
    let step = match &before.state {
        Payment::None => match usable_card(payments, &command).await? {
            Err(refusal) => Step::Settle(Err(refusal)),
            Ok(token) => {
                let intent = PaymentsEvent::PaymentInitiated {
                    payment_id,
                    order_id: command.order_id,
                    customer_id: command.customer_id,
                    payment_method_id: command.payment_method_id,
                    amount: command.amount,
                    idempotency_key: key.clone(),
                };
                record(payments, &stream, &mut before, intent, &metadata).await?;
                Step::Settle(settle_authorization(payments, &token, command.amount, &key).await?)
            }
        },
        // Asked before without recording the answer (a crash, a lost answer): ask again with
        // the same key, which the gateway never authorizes twice.
        Payment::Initiated { .. } => {
            record(
                payments,
                &stream,
                &mut before,
                PaymentsEvent::PaymentResumed { payment_id, order_id: command.order_id },
                &metadata,
            )
            .await?;
            let method = fold::<PaymentMethod>(&store.load(&method_stream(command.payment_method_id)).await?)?;
            Step::Settle(settle_authorization(payments, &method.state.token, command.amount, &key).await?)
        }
        // Voided while an authorization was in flight: the provider may hold money for a
        // cancelled order.
        Payment::Voided => match payments.gateway.find_authorization(&key).await {
            Ok(Some(authorization_id)) => Step::Release(authorization_id),
            Ok(None) => Step::Refuse,
            Err(error) => return Err(HandlerError::Transient(format!("cannot look the authorization up: {error}"))),
        },
        Payment::Refunded { .. } | Payment::Released { .. } => Step::Refuse,
        Payment::Authorized { .. } | Payment::Processed { .. } | Payment::Refunding { .. } | Payment::Failed => {
            Step::Nothing
        }
    };
    if let Step::Release(authorization_id) = &step {
        tracing::warn!(order_id = %command.order_id, "an authorization landed after the payment was voided; releasing it");
        let key = void_key(payment_id);
        with_retries(|| payments.gateway.void(authorization_id, &key))
            .await
            // Not released yet: nothing is claimed, so the message comes again and so does the void.
            .map_err(|e| HandlerError::Transient(e.to_string()))?;
    }
    let (command_ref, stream_ref, step_ref, metadata_ref) = (&command, &stream, &step, &metadata);
    handle_once(store, CONSUMER, envelope, |mut uow| async move {
        let command = command_ref;
        let mut payment = uow.load_aggregate::<Payment>(stream_ref).await?;
        let event = match (step_ref, &payment.state) {
            (Step::Nothing, _) => return Ok((uow, ())),
            (Step::Refuse, _) => {
                tracing::info!(order_id = %command.order_id, "a payment step came after its payment was undone; refused");
                PaymentsEvent::ChargeRefused { payment_id, order_id: command.order_id }
            }
            (Step::Release(authorization_id), _) => PaymentsEvent::LateAuthorizationVoided {
                payment_id,
                order_id: command.order_id,
                authorization_id: authorization_id.clone(),
            },
            (Step::Settle(Ok(authorization_id)), Payment::Initiated { .. }) => PaymentsEvent::PaymentAuthorized {
                payment_id,
                order_id: command.order_id,
                customer_id: command.customer_id,
                payment_method_id: command.payment_method_id,
                amount: command.amount,
                authorization_id: authorization_id.clone(),
            },
            (Step::Settle(Err((code, message))), Payment::None | Payment::Initiated { .. }) => {
                PaymentsEvent::PaymentFailed {
                    payment_id,
                    order_id: command.order_id,
                    customer_id: command.customer_id,
                    amount: command.amount,
                    code: (*code).to_owned(),
                    message: message.clone(),
                }
            }
            // The payment moved while the gateway was asked (voided meanwhile): start over,
            // so an authorization that landed is released before this message is finished.
            (Step::Settle(_), _) => {
                return Err(StoreError::Conflict {
                    stream_id: stream_ref.clone(),
                    expected: 0,
                    actual: payment.version,
                });
            }
        };
        uow.append_decided(stream_ref, &mut payment, &[event], metadata_ref).await?;
        Ok::<_, StoreError>((uow, ()))
    })
    .await?;
    Ok(())
}

/// The card token to charge, or why the command's payment method cannot be charged.
async fn usable_card(payments: &Payments, command: &ProcessPayment) -> Result<Result<String, Refusal>, HandlerError> {
    let store = &payments.store;
    let method = fold::<PaymentMethod>(&store.load(&method_stream(command.payment_method_id)).await?)?;
    let now = store.clock().now();
    Ok(if method.state.customer_id != Some(command.customer_id) {
        Err(("payment_method_invalid", "The payment method does not exist.".to_owned()))
    } else if method.state.removed {
        Err(("payment_method_invalid", "The card was removed from the account.".to_owned()))
    } else if !not_expired(method.state.exp_month, method.state.exp_year, now) {
        Err(("payment_method_invalid", "The card has expired.".to_owned()))
    } else {
        Ok(method.state.token)
    })
}

/// Records `event` (the intent, or its resumption) before the gateway is called: from then
/// on the authorization's outcome is settled, never guessed (see [`settle_authorization`]), and the saga
/// times the payment from its start. Appended against the version `payment` was read at, so
/// it is refused (a version conflict: the message is handled again from the top) if the
/// payment moved since.
async fn record(
    payments: &Payments,
    stream: &str,
    payment: &mut Loaded<Payment>,
    event: PaymentsEvent,
    metadata: &Metadata,
) -> Result<(), HandlerError> {
    let mut uow = payments.store.begin().await?;
    uow.append_decided(stream, payment, &[event], metadata).await?;
    uow.commit().await?;
    Ok(())
}
