//! The payments context's events and aggregates: payment methods and one payment per order.

use kernel::Aggregate;
use kernel::event_store::DomainEvent;
use kernel::money::Money;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Everything the payments context records. Card numbers never appear here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
#[allow(missing_docs, reason = "fields are named for what they hold")]
pub enum PaymentsEvent {
    /// A customer saved a tokenised card.
    PaymentMethodAdded {
        payment_method_id: Uuid,
        customer_id: Uuid,
        token: String,
        brand: String,
        last4: String,
        exp_month: u32,
        exp_year: i32,
        holder_name: String,
    },
    /// Its owner removed a saved card: it is no longer listed, and no new charge is made
    /// with it (a charge already asked for is settled as usual).
    PaymentMethodRemoved { payment_method_id: Uuid, customer_id: Uuid },
    /// Its owner chose the card offered first at checkout.
    PaymentMethodMadeDefault { payment_method_id: Uuid, customer_id: Uuid },
    /// An order's charge is about to be asked of the gateway with this idempotency key:
    /// from here on its outcome is settled by the gateway's answer or, when none came, by
    /// looking the key up, never guessed.
    PaymentInitiated {
        payment_id: Uuid,
        order_id: Uuid,
        customer_id: Uuid,
        payment_method_id: Uuid,
        amount: Money,
        idempotency_key: String,
    },
    /// An initiated charge is being settled again after its first attempt ended without
    /// an outcome (a restart, a lost answer): the saga times the work from here.
    PaymentResumed { payment_id: Uuid, order_id: Uuid },
    /// An order's total was charged.
    PaymentProcessed {
        payment_id: Uuid,
        order_id: Uuid,
        customer_id: Uuid,
        payment_method_id: Uuid,
        amount: Money,
        charge_id: String,
    },
    /// An order's charge was refused or could not be made.
    PaymentFailed { payment_id: Uuid, order_id: Uuid, customer_id: Uuid, amount: Money, code: String, message: String },
    /// A charge was given back.
    PaymentRefunded { payment_id: Uuid, order_id: Uuid, amount: Money, refund_id: String },
    /// A refund was asked for before anything was charged: nothing to give back, and a
    /// charge that arrives later is refused.
    PaymentVoided { payment_id: Uuid, order_id: Uuid },
    /// A refund was asked for again (its first answer may have been lost): answered with
    /// what the first one did (`amount` given back, or none for a void); nothing else changes.
    RefundRepeated { payment_id: Uuid, order_id: Uuid, amount: Option<Money> },
    /// A charge that landed after the payment was voided was given back; the payment stays
    /// voided.
    LateChargeRefunded { payment_id: Uuid, order_id: Uuid, amount: Money, charge_id: String, refund_id: String },
    /// A charge came after the payment was voided or refunded: refused, nothing charged. The
    /// saga is undoing the order by then; this answers the late command all the same.
    ChargeRefused { payment_id: Uuid, order_id: Uuid },
}

impl DomainEvent for PaymentsEvent {
    const TYPES: &'static [&'static str] = &[
        "PaymentMethodAdded",
        "PaymentMethodRemoved",
        "PaymentMethodMadeDefault",
        "PaymentInitiated",
        "PaymentResumed",
        "PaymentProcessed",
        "PaymentFailed",
        "PaymentRefunded",
        "PaymentVoided",
        "RefundRepeated",
        "LateChargeRefunded",
        "ChargeRefused",
    ];
}

/// A saved card, as charging needs it.
#[derive(Debug, Default, Clone)]
pub(crate) struct PaymentMethod {
    pub(crate) customer_id: Option<Uuid>,
    pub(crate) token: String,
    pub(crate) exp_month: u32,
    pub(crate) exp_year: i32,
    /// Its owner removed it.
    pub(crate) removed: bool,
}

impl Aggregate for PaymentMethod {
    type Event = PaymentsEvent;

    fn evolve(&mut self, event: &PaymentsEvent) {
        match event {
            PaymentsEvent::PaymentMethodAdded { customer_id, token, exp_month, exp_year, .. } => {
                *self = PaymentMethod {
                    customer_id: Some(*customer_id),
                    token: token.clone(),
                    exp_month: *exp_month,
                    exp_year: *exp_year,
                    removed: false,
                };
            }
            PaymentsEvent::PaymentMethodRemoved { .. } => self.removed = true,
            _ => {}
        }
    }
}

/// One order's payment.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) enum Payment {
    /// Nothing happened yet.
    #[default]
    None,
    /// The charge was asked for with `key`; its outcome is not recorded yet.
    Initiated { amount: Money, key: String },
    /// Charged.
    Processed { amount: Money, charge_id: String },
    /// Charge refused.
    Failed,
    /// Charge given back.
    Refunded { amount: Money },
    /// Refunded before any charge.
    Voided,
}

impl Aggregate for Payment {
    type Event = PaymentsEvent;

    fn evolve(&mut self, event: &PaymentsEvent) {
        *self = match event {
            PaymentsEvent::PaymentInitiated { amount, idempotency_key, .. } => {
                Payment::Initiated { amount: *amount, key: idempotency_key.clone() }
            }
            PaymentsEvent::PaymentProcessed { amount, charge_id, .. } => {
                Payment::Processed { amount: *amount, charge_id: charge_id.clone() }
            }
            PaymentsEvent::PaymentFailed { .. } => Payment::Failed,
            PaymentsEvent::PaymentRefunded { amount, .. } => Payment::Refunded { amount: *amount },
            PaymentsEvent::PaymentVoided { .. } => Payment::Voided,
            PaymentsEvent::PaymentMethodAdded { .. }
            | PaymentsEvent::PaymentMethodRemoved { .. }
            | PaymentsEvent::PaymentMethodMadeDefault { .. }
            | PaymentsEvent::PaymentResumed { .. }
            | PaymentsEvent::RefundRepeated { .. }
            | PaymentsEvent::LateChargeRefunded { .. }
            | PaymentsEvent::ChargeRefused { .. } => return,
        };
    }
}

/// The payment id of an order (one payment per order).
pub(crate) fn payment_id(order_id: Uuid) -> Uuid {
    kernel::ids::derived_id(&["payment", &order_id.to_string()])
}

/// The stream of an order's payment.
pub(crate) fn payment_stream(order_id: Uuid) -> String {
    format!("payment-{order_id}")
}

/// The stream of a payment method.
pub(crate) fn method_stream(id: Uuid) -> String {
    format!("payment-method-{id}")
}
