//! Subscriber: capture an order's authorized payment when its parcel leaves with the carrier
//! (`ShipmentShipped`), or when the order is confirmed where Payments is configured to
//! capture then (`OrderConfirmed`): the customer's card is charged for goods that are on
//! their way, never for an order that is still being undone.
//!
//! The capture is asked of the gateway with a key derived from the payment, so a message
//! handled again (a crash after the gateway charged, a lost answer) captures once. A
//! payment voided meanwhile (the order was cancelled first) is left as it is.

use crate::Payments;
use crate::gateway::{ClosedBy, GatewayError};
use crate::payment::{Payment, PaymentsEvent, payment_id, payment_stream};
use crate::process_payment::with_retries;
use async_trait::async_trait;
use contracts::orders::OrderConfirmed;
use contracts::shipping::ShipmentShipped;
use kernel::aggregate::fold;
use kernel::bus::{Envelope, Message};
use kernel::event_store::{Metadata, StoreError};
use kernel::messaging::{HandlerError, MessageHandler, handle_once};
use uuid::Uuid;

/// When an authorized payment is charged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaptureAt {
    /// When the order's parcel leaves with the carrier: customers are charged for what is
    /// on its way, as card networks expect of shops selling physical goods.
    #[default]
    Shipment,
    /// As soon as the order is confirmed (stock held, payment authorized): for shops that
    /// must charge before they pack.
    Confirmation,
}

impl std::str::FromStr for CaptureAt {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "shipment" => Ok(CaptureAt::Shipment),
            "confirmation" => Ok(CaptureAt::Confirmation),
            other => Err(format!("{other:?} is not a moment to capture at: `shipment` or `confirmation`")),
        }
    }
}

impl std::fmt::Display for CaptureAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CaptureAt::Shipment => "shipment",
            CaptureAt::Confirmation => "confirmation",
        })
    }
}

/// Captures authorized payments at the moment [`CaptureAt`] names.
pub(crate) struct CapturePayments {
    pub(crate) payments: Payments,
    pub(crate) at: CaptureAt,
}

/// Inbox name of [`CapturePayments`].
const CONSUMER: &str = "payments.captures";

#[async_trait]
impl MessageHandler for CapturePayments {
    fn consumer(&self) -> &'static str {
        CONSUMER
    }

    fn message_types(&self) -> Vec<&'static str> {
        match self.at {
            CaptureAt::Shipment => vec![ShipmentShipped::TYPE],
            CaptureAt::Confirmation => vec![OrderConfirmed::TYPE],
        }
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        let order_id = if envelope.is::<ShipmentShipped>() {
            envelope.decode::<ShipmentShipped>()?.order_id
        } else {
            envelope.decode::<OrderConfirmed>()?.order_id
        };
        capture(&self.payments, envelope, order_id).await
    }
}

/// The idempotency key of an order's capture.
fn capture_key(payment_id: Uuid) -> String {
    format!("capture-{payment_id}")
}

async fn capture(payments: &Payments, envelope: &Envelope, order_id: Uuid) -> Result<(), HandlerError> {
    let stream = payment_stream(order_id);
    let payment_id = payment_id(order_id);
    let before = fold::<Payment>(&payments.store.load(&stream).await?)?;
    let captured = match &before.state {
        Payment::Authorized { amount, authorization_id } => {
            let key = capture_key(payment_id);
            match with_retries(|| payments.gateway.capture(authorization_id, *amount, &key)).await {
                Ok(capture_id) => Some((*amount, capture_id)),
                // Voided first: the cancellation records it, and there is nothing to capture.
                Err(GatewayError::AuthorizationClosed(ClosedBy::Void)) => None,
                // Nothing is claimed: the message comes again, and the key keeps the capture single.
                Err(error) => return Err(HandlerError::Transient(format!("the capture was not made: {error}"))),
            }
        }
        // Charged at once (before authorizations), captured already, or undone: nothing to do.
        _ => None,
    };
    let metadata = Metadata::caused_by(envelope);
    let (stream, captured, metadata) = (&stream, &captured, &metadata);
    handle_once(&payments.store, CONSUMER, envelope, |mut uow| async move {
        let Some((amount, capture_id)) = captured else { return Ok((uow, ())) };
        let mut payment = uow.load_aggregate::<Payment>(stream).await?;
        if !matches!(payment.state, Payment::Authorized { .. }) {
            // Moved while the gateway was asked (a cancellation voiding it): start over.
            return Err(StoreError::Conflict { stream_id: stream.clone(), expected: 0, actual: payment.version });
        }
        let event =
            PaymentsEvent::PaymentCaptured { payment_id, order_id, amount: *amount, capture_id: capture_id.clone() };
        uow.append_decided(stream, &mut payment, &[event], metadata).await?;
        Ok((uow, ()))
    })
    .await?;
    Ok(())
}
