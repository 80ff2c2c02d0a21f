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
    /// An order's authorization is about to be asked of the gateway with this idempotency
    /// key: from here on its outcome is settled by the gateway's answer or, when none came,
    /// by looking the key up, never guessed.
    PaymentInitiated {
        payment_id: Uuid,
        order_id: Uuid,
        customer_id: Uuid,
        payment_method_id: Uuid,
        amount: Money,
        idempotency_key: String,
    },
    /// An initiated authorization is being settled again after its first attempt ended without
    /// an outcome (a restart, a lost answer): the saga times the work from here.
    PaymentResumed { payment_id: Uuid, order_id: Uuid },
    /// An order's total was charged at once. Recorded before authorization and capture were
    /// separate steps; kept so that payments made then still read as charged.
    PaymentProcessed {
        payment_id: Uuid,
        order_id: Uuid,
        customer_id: Uuid,
        payment_method_id: Uuid,
        amount: Money,
        charge_id: String,
    },
    /// An order's total is held on the card (authorized), not yet charged: the saga's
    /// payment step succeeded.
    PaymentAuthorized {
        payment_id: Uuid,
        order_id: Uuid,
        customer_id: Uuid,
        payment_method_id: Uuid,
        amount: Money,
        authorization_id: String,
    },
    /// The held amount was charged (the order shipped, or was confirmed when configured so):
    /// from here on it can be refunded.
    PaymentCaptured { payment_id: Uuid, order_id: Uuid, amount: Money, capture_id: String },
    /// The order was undone before its authorization was captured: the hold was released
    /// and nothing was ever charged.
    AuthorizationVoided { payment_id: Uuid, order_id: Uuid, amount: Money, authorization_id: String },
    /// An authorization that landed after the payment was voided was released; the payment
    /// stays voided.
    LateAuthorizationVoided { payment_id: Uuid, order_id: Uuid, authorization_id: String },
    /// An order's authorization was refused or could not be made.
    PaymentFailed { payment_id: Uuid, order_id: Uuid, customer_id: Uuid, amount: Money, code: String, message: String },
    /// A charge was given back.
    PaymentRefunded { payment_id: Uuid, order_id: Uuid, amount: Money, refund_id: String },
    /// A refund was asked for before anything was authorized: nothing to give back, and an
    /// authorization asked for later is refused.
    PaymentVoided { payment_id: Uuid, order_id: Uuid },
    /// A refund was asked for again (its first answer may have been lost): answered with
    /// what the first one did (`amount` given back, or none for a void); nothing else changes.
    RefundRepeated { payment_id: Uuid, order_id: Uuid, amount: Option<Money> },
    /// A charge that landed after the payment was voided was given back; the payment stays
    /// voided. Recorded before authorizations, when the payment step charged at once.
    LateChargeRefunded { payment_id: Uuid, order_id: Uuid, amount: Money, charge_id: String, refund_id: String },
    /// A payment step came after the payment was undone: refused, nothing held. The
    /// saga is undoing the order by then; this answers the late command all the same.
    ChargeRefused { payment_id: Uuid, order_id: Uuid },
    /// The saga asked for the payment back (a cancellation): what no admin's refund holds,
    /// `amount` (maybe zero), is being given back, and no admin refund is taken from here on.
    RestRefundBegun { payment_id: Uuid, order_id: Uuid, amount: Money },
    /// An admin asked to give back `amount` of a charged payment. It is held against what
    /// can still be refunded from here on, and made at the gateway by `IssueRefund`.
    RefundRequested {
        payment_id: Uuid,
        order_id: Uuid,
        refund_id: Uuid,
        amount: Money,
        reason: String,
        requested_by: Uuid,
    },
    /// The gateway gave an admin's refund back to the card.
    RefundSucceeded {
        payment_id: Uuid,
        order_id: Uuid,
        refund_id: Uuid,
        amount: Money,
        reason: String,
        gateway_refund_id: String,
    },
    /// The gateway refused an admin's refund: nothing went back, and its amount can be
    /// refunded again.
    RefundFailed { payment_id: Uuid, order_id: Uuid, refund_id: Uuid, message: String },
}

impl DomainEvent for PaymentsEvent {
    const TYPES: &'static [&'static str] = &[
        "PaymentMethodAdded",
        "PaymentMethodRemoved",
        "PaymentMethodMadeDefault",
        "PaymentInitiated",
        "PaymentResumed",
        "PaymentProcessed",
        "PaymentAuthorized",
        "PaymentCaptured",
        "AuthorizationVoided",
        "LateAuthorizationVoided",
        "PaymentFailed",
        "PaymentRefunded",
        "PaymentVoided",
        "RefundRepeated",
        "LateChargeRefunded",
        "ChargeRefused",
        "RestRefundBegun",
        "RefundRequested",
        "RefundSucceeded",
        "RefundFailed",
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

/// Where an admin's refund stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefundProgress {
    /// Recorded, not yet answered by the gateway.
    Pending,
    /// Given back.
    Succeeded,
    /// Refused by the gateway.
    Failed,
}

/// A refund an admin asked for on a charged payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AdminRefund {
    pub(crate) id: Uuid,
    pub(crate) amount: Money,
    pub(crate) reason: String,
    pub(crate) progress: RefundProgress,
}

/// One order's payment.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) enum Payment {
    /// Nothing happened yet.
    #[default]
    None,
    /// The authorization was asked for with `key`; its outcome is not recorded yet.
    Initiated { amount: Money, key: String },
    /// Held on the card, not charged yet.
    Authorized { amount: Money, authorization_id: String },
    /// Captured (charged); an admin may have given some of it back since. `charge_id` is
    /// what refunds name: the capture.
    Processed { amount: Money, charge_id: String, refunds: Vec<AdminRefund> },
    /// Authorization refused.
    Failed,
    /// The saga's refund of what no admin refund holds (`amount`) is under way.
    Refunding { amount: Money, charge_id: String },
    /// Charge given back.
    Refunded { amount: Money },
    /// Undone before anything was authorized.
    Voided,
    /// Undone after the authorization, before its capture: the hold was released.
    Released { amount: Money },
}

impl Aggregate for Payment {
    type Event = PaymentsEvent;

    fn evolve(&mut self, event: &PaymentsEvent) {
        *self = match event {
            PaymentsEvent::PaymentInitiated { amount, idempotency_key, .. } => {
                Payment::Initiated { amount: *amount, key: idempotency_key.clone() }
            }
            PaymentsEvent::PaymentProcessed { amount, charge_id, .. } => {
                Payment::Processed { amount: *amount, charge_id: charge_id.clone(), refunds: Vec::new() }
            }
            PaymentsEvent::PaymentAuthorized { amount, authorization_id, .. } => {
                Payment::Authorized { amount: *amount, authorization_id: authorization_id.clone() }
            }
            PaymentsEvent::PaymentCaptured { amount, capture_id, .. } => {
                Payment::Processed { amount: *amount, charge_id: capture_id.clone(), refunds: Vec::new() }
            }
            PaymentsEvent::AuthorizationVoided { amount, .. } => Payment::Released { amount: *amount },
            PaymentsEvent::PaymentFailed { .. } => Payment::Failed,
            PaymentsEvent::PaymentRefunded { amount, .. } => Payment::Refunded { amount: *amount },
            PaymentsEvent::PaymentVoided { .. } => Payment::Voided,
            PaymentsEvent::RestRefundBegun { amount, .. } => match self {
                Payment::Processed { charge_id, .. } => {
                    Payment::Refunding { amount: *amount, charge_id: std::mem::take(charge_id) }
                }
                _ => return,
            },
            PaymentsEvent::RefundRequested { refund_id, amount, reason, .. } => {
                if let Payment::Processed { refunds, .. } = self {
                    let progress = RefundProgress::Pending;
                    refunds.push(AdminRefund { id: *refund_id, amount: *amount, reason: reason.clone(), progress });
                }
                return;
            }
            PaymentsEvent::RefundSucceeded { refund_id, .. } => {
                return self.settle(*refund_id, RefundProgress::Succeeded);
            }
            PaymentsEvent::RefundFailed { refund_id, .. } => return self.settle(*refund_id, RefundProgress::Failed),
            PaymentsEvent::PaymentMethodAdded { .. }
            | PaymentsEvent::PaymentMethodRemoved { .. }
            | PaymentsEvent::PaymentMethodMadeDefault { .. }
            | PaymentsEvent::PaymentResumed { .. }
            | PaymentsEvent::RefundRepeated { .. }
            | PaymentsEvent::LateChargeRefunded { .. }
            | PaymentsEvent::LateAuthorizationVoided { .. }
            | PaymentsEvent::ChargeRefused { .. } => return,
        };
    }
}

impl Payment {
    fn settle(&mut self, refund_id: Uuid, progress: RefundProgress) {
        if let Payment::Processed { refunds, .. } = self
            && let Some(refund) = refunds.iter_mut().find(|refund| refund.id == refund_id)
        {
            refund.progress = progress;
        }
    }

    /// The admins' refunds of a charged payment (none for any other).
    pub(crate) fn admin_refunds(&self) -> &[AdminRefund] {
        match self {
            Payment::Processed { refunds, .. } => refunds,
            _ => &[],
        }
    }

    /// What is still captured and not held by an admin's refund given back or under way:
    /// the most a new refund may give back (none before the capture).
    pub(crate) fn refundable(&self) -> Option<Money> {
        let Payment::Processed { amount, refunds, .. } = self else { return None };
        let held: i64 = refunds
            .iter()
            .filter(|refund| refund.progress != RefundProgress::Failed)
            .map(|refund| refund.amount.amount_minor)
            .sum();
        Some(Money::new(amount.amount_minor - held, amount.currency))
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

#[cfg(test)]
mod tests {
    use super::*;
    use kernel::money::Currency;

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::USD)
    }

    fn charged(minor: i64) -> Payment {
        Payment::Processed { amount: usd(minor), charge_id: "ch_1".into(), refunds: Vec::new() }
    }

    fn requested(refund_id: Uuid, minor: i64) -> PaymentsEvent {
        let (payment_id, order_id, requested_by) = (Uuid::nil(), Uuid::nil(), Uuid::nil());
        let reason = "goodwill".to_owned();
        PaymentsEvent::RefundRequested { payment_id, order_id, refund_id, amount: usd(minor), reason, requested_by }
    }

    #[test]
    fn pending_and_made_refunds_are_held_back_and_refused_ones_are_not() {
        let (first, second) = (Uuid::now_v7(), Uuid::now_v7());
        let mut payment = charged(5_000);
        payment.evolve(&requested(first, 1_000));
        payment.evolve(&requested(second, 1_500));
        assert_eq!(payment.refundable(), Some(usd(2_500)), "both pending are held");
        let (payment_id, order_id) = (Uuid::nil(), Uuid::nil());
        payment.evolve(&PaymentsEvent::RefundFailed { payment_id, order_id, refund_id: second, message: "no".into() });
        assert_eq!(payment.refundable(), Some(usd(4_000)), "a refused refund frees its amount");
        let made = PaymentsEvent::RefundSucceeded {
            payment_id,
            order_id,
            refund_id: first,
            amount: usd(1_000),
            reason: "goodwill".into(),
            gateway_refund_id: "re_1".into(),
        };
        payment.evolve(&made);
        assert_eq!(payment.refundable(), Some(usd(4_000)));
        assert_eq!(payment.admin_refunds()[0].progress, RefundProgress::Succeeded);
    }

    #[test]
    fn only_a_capture_can_be_refunded_and_a_void_releases_the_hold() {
        let (payment_id, order_id) = (Uuid::nil(), Uuid::nil());
        let authorization_id = "auth_1".to_owned();
        let mut payment = Payment::Authorized { amount: usd(5_000), authorization_id: authorization_id.clone() };
        assert_eq!(payment.refundable(), None, "held, not charged: nothing to refund");
        let mut voided = payment.clone();
        voided.evolve(&PaymentsEvent::AuthorizationVoided {
            payment_id,
            order_id,
            amount: usd(5_000),
            authorization_id,
        });
        assert_eq!(voided, Payment::Released { amount: usd(5_000) });
        assert_eq!(voided.refundable(), None);
        payment.evolve(&PaymentsEvent::PaymentCaptured {
            payment_id,
            order_id,
            amount: usd(5_000),
            capture_id: "ch_1".into(),
        });
        assert_eq!(payment, charged(5_000), "refunds name the capture");
        assert_eq!(payment.refundable(), Some(usd(5_000)));
    }

    #[test]
    fn the_rest_refunded_by_a_cancellation_ends_admin_refunds() {
        let mut payment = charged(5_000);
        payment.evolve(&requested(Uuid::now_v7(), 1_000));
        let begun =
            PaymentsEvent::RestRefundBegun { payment_id: Uuid::nil(), order_id: Uuid::nil(), amount: usd(4_000) };
        payment.evolve(&begun);
        assert_eq!(payment, Payment::Refunding { amount: usd(4_000), charge_id: "ch_1".into() });
        assert_eq!(payment.refundable(), None, "nothing more for admins");
        assert!(Payment::Failed.refundable().is_none());
    }
}
