//! The order aggregate: what was ordered and where it stands.

use contracts::Address;
use contracts::shipping_rates::ShippingOption;
use kernel::Aggregate;
use kernel::event_store::DomainEvent;
use kernel::money::Money;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One priced line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    /// The product.
    pub product_id: Uuid,
    /// Its name when ordered.
    pub name: String,
    /// Its price when ordered.
    pub unit_price: Money,
    /// Units.
    pub quantity: u32,
    /// Shipping weight of one unit.
    pub weight_grams: u32,
}

/// Everything the orders context records about orders (the saga has its own stream).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
#[allow(missing_docs, reason = "fields are named for what they hold")]
pub enum OrdersEvent {
    /// A customer placed an order; the saga starts with it.
    OrderPlaced {
        order_id: Uuid,
        customer_id: Uuid,
        lines: Vec<OrderLine>,
        total: Money,
        payment_method_id: Uuid,
        shipping_address: Address,
        /// The shipping the customer chose and pays for (in `total`); `None` when nothing
        /// went to the address (the saga then ends in `shipping_unavailable`) and for
        /// orders placed before shipping was charged.
        #[serde(default)]
        shipping: Option<Box<ShippingOption>>,
    },
    /// Stock held and payment taken.
    OrderConfirmed { order_id: Uuid, payment_id: Uuid },
    /// Shipped.
    OrderCompleted { order_id: Uuid, shipment_id: Uuid },
    /// Cancelled, with everything it held undone.
    OrderCancelled { order_id: Uuid, code: String, message: String },
    /// A cancellation was asked for again (its first answer may have been lost): answered
    /// again; the order is as it was.
    CancellationRepeated { order_id: Uuid, code: String, message: String },
    /// Completion was asked for again (the saga retries it until answered): answered again.
    CompletionRepeated { order_id: Uuid, shipment_id: Uuid },
    /// Its parcel reached the customer (Shipping's `ShipmentDelivered`).
    OrderDelivered { order_id: Uuid, shipment_id: Uuid },
    /// The customer (before the parcel left, as far as Orders knew) or an admin (before it
    /// was delivered) asked to cancel the completed order; the cancel-order saga starts with
    /// it. `code` says who asked.
    CancellationRequested { order_id: Uuid, code: String, reason: String },
    /// The cancellation could not be carried out (the parcel had been delivered, or, before
    /// returns existed, had left): the order stands.
    CancellationRefused { order_id: Uuid, message: String },
    /// Its parcel left with the carrier (Shipping's `ShipmentShipped`), for the timeline.
    ParcelShipped { order_id: Uuid, shipment_id: Uuid, carrier: String, tracking_number: String },
    /// The carrier scanned its parcel on the way (Shipping's `ShipmentInTransit`), for the
    /// timeline.
    ParcelInTransit { order_id: Uuid, shipment_id: Uuid, location: String },
    /// An admin gave back part (or the rest) of what the order was charged (Payments'
    /// `RefundIssued`).
    RefundRecorded { order_id: Uuid, refund_id: Uuid, amount: Money, reason: String },
    /// The order's authorized total was charged to the card (Payments' `PaymentCaptured`),
    /// for the timeline.
    ChargeRecorded { order_id: Uuid, amount: Money },
    /// The order was cancelled after its parcel left, and the carrier was asked to bring it
    /// back (Shipping's `ShipmentReturnRequested`), for the timeline.
    ParcelReturning { order_id: Uuid, shipment_id: Uuid },
    /// The returned parcel is back at the warehouse (Shipping's `ShipmentReturned`), for
    /// the timeline.
    ParcelReturned { order_id: Uuid, shipment_id: Uuid },
}

impl DomainEvent for OrdersEvent {
    const TYPES: &'static [&'static str] = &[
        "OrderPlaced",
        "OrderConfirmed",
        "OrderCompleted",
        "OrderCancelled",
        "CancellationRepeated",
        "CompletionRepeated",
        "OrderDelivered",
        "CancellationRequested",
        "CancellationRefused",
        "ParcelShipped",
        "ParcelInTransit",
        "RefundRecorded",
        "ChargeRecorded",
        "ParcelReturning",
        "ParcelReturned",
    ];
}

/// Where an order stands.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OrderStatus {
    #[default]
    None,
    Placed,
    Confirmed,
    Completed,
    /// Completed, and a cancellation is under way.
    Cancelling,
    Cancelled,
    Delivered,
}

/// An order's write-side state.
#[derive(Debug, Default)]
pub(crate) struct Order {
    pub(crate) status: OrderStatus,
    /// Why a cancellation asked for was refused, once one was: it is not asked twice.
    pub(crate) cancellation_refused: Option<String>,
    /// Whether Orders has heard that the parcel left with the carrier: from then on only
    /// an admin may cancel (the parcel is then returned to sender).
    pub(crate) parcel_left: bool,
    /// Whether Orders has heard that the parcel is being returned (the news is recorded
    /// once, however often Shipping repeats it).
    pub(crate) parcel_returning: bool,
}

impl Aggregate for Order {
    type Event = OrdersEvent;

    fn evolve(&mut self, event: &OrdersEvent) {
        self.status = match event {
            OrdersEvent::OrderPlaced { .. } => OrderStatus::Placed,
            OrdersEvent::OrderConfirmed { .. } => OrderStatus::Confirmed,
            OrdersEvent::OrderCompleted { .. } => OrderStatus::Completed,
            OrdersEvent::OrderCancelled { .. } => OrderStatus::Cancelled,
            OrdersEvent::OrderDelivered { .. } => OrderStatus::Delivered,
            OrdersEvent::CancellationRequested { .. } => OrderStatus::Cancelling,
            OrdersEvent::CancellationRefused { message, .. } => {
                self.cancellation_refused = Some(message.clone());
                OrderStatus::Completed
            }
            OrdersEvent::ParcelShipped { .. } => {
                self.parcel_left = true;
                return;
            }
            OrdersEvent::ParcelReturning { .. } => {
                self.parcel_returning = true;
                return;
            }
            OrdersEvent::CancellationRepeated { .. }
            | OrdersEvent::CompletionRepeated { .. }
            | OrdersEvent::ParcelInTransit { .. }
            | OrdersEvent::ParcelReturned { .. }
            | OrdersEvent::RefundRecorded { .. }
            | OrdersEvent::ChargeRecorded { .. } => return,
        };
    }
}

/// What the saga asks of an order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum OrderCommand {
    Confirm {
        payment_id: Uuid,
    },
    Complete {
        shipment_id: Uuid,
    },
    Cancel {
        code: String,
        message: String,
    },
    /// The cancel-order saga could not cancel it (the parcel had left).
    RefuseCancellation {
        message: String,
    },
    /// Not the saga's: Shipping says the parcel arrived.
    Deliver {
        shipment_id: Uuid,
    },
    /// Not the saga's: Shipping says the parcel moved (`ParcelShipped`, `ParcelInTransit`,
    /// `ParcelReturning` or `ParcelReturned`).
    RecordParcelNews {
        news: OrdersEvent,
    },
    /// Not the saga's: Payments says the card was charged (`ChargeRecorded`) or an admin
    /// gave money back (`RefundRecorded`).
    RecordPaymentNews {
        news: OrdersEvent,
    },
}

/// Why an order refused a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidTransition {
    pub(crate) from: OrderStatus,
}

impl Order {
    /// Decides a saga command. Asking again for the state the order is already in decides
    /// nothing, except a cancellation or a completion: the saga retries those when their
    /// answer did not come, so they are answered again.
    pub(crate) fn decide(&self, order_id: Uuid, command: OrderCommand) -> Result<Vec<OrdersEvent>, InvalidTransition> {
        use OrderStatus::*;
        let event = match (self.status, command) {
            (Placed, OrderCommand::Confirm { payment_id }) => OrdersEvent::OrderConfirmed { order_id, payment_id },
            (Confirmed, OrderCommand::Complete { shipment_id }) => {
                OrdersEvent::OrderCompleted { order_id, shipment_id }
            }
            (Placed | Confirmed | Cancelling, OrderCommand::Cancel { code, message }) => {
                OrdersEvent::OrderCancelled { order_id, code, message }
            }
            // Answered again when asked again (a retry whose first answer was lost).
            (Cancelling, OrderCommand::RefuseCancellation { message }) => {
                OrdersEvent::CancellationRefused { order_id, message }
            }
            (Completed, OrderCommand::RefuseCancellation { message }) if self.cancellation_refused.is_some() => {
                OrdersEvent::CancellationRefused { order_id, message }
            }
            (Cancelled, OrderCommand::Cancel { code, message }) => {
                OrdersEvent::CancellationRepeated { order_id, code, message }
            }
            (Completed, OrderCommand::Complete { shipment_id }) => {
                OrdersEvent::CompletionRepeated { order_id, shipment_id }
            }
            (Completed, OrderCommand::Deliver { shipment_id }) => OrdersEvent::OrderDelivered { order_id, shipment_id },
            // A return to sender asked again is news already told.
            (_, OrderCommand::RecordParcelNews { news: OrdersEvent::ParcelReturning { .. } })
                if self.parcel_returning =>
            {
                return Ok(Vec::new());
            }
            // The parcel's news is a fact once the order has its parcel; a completion still
            // on its way is waited for, so the timeline keeps its order.
            (Completed | Cancelling | Cancelled | Delivered, OrderCommand::RecordParcelNews { news }) => news,
            // Money moves once the payment was authorized; a confirmation still on its way is
            // waited for.
            (Confirmed | Completed | Cancelling | Cancelled | Delivered, OrderCommand::RecordPaymentNews { news }) => {
                news
            }
            (Confirmed, OrderCommand::Confirm { .. }) | (Delivered, OrderCommand::Deliver { .. }) => {
                return Ok(Vec::new());
            }
            (from, _) => return Err(InvalidTransition { from }),
        };
        Ok(vec![event])
    }
}

/// Why a cancellation cannot be asked for now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CancelRefusal {
    /// No such order.
    Unknown,
    /// The place-order saga is still running: nothing is settled to undo yet.
    StillBeingPlaced,
    /// The parcel reached the customer.
    Delivered,
    /// The parcel left with the carrier, and a customer asked: only the shop can have it
    /// returned now.
    ParcelLeft,
    /// Asked before and refused, for this reason.
    RefusedBefore(String),
}

impl Order {
    /// Decides a request to cancel the order with `code` (who asked) and `reason`: the
    /// event the cancel-order saga starts with, or `None` when the order is already
    /// cancelled or being cancelled (asking again changes nothing). Only a completed order
    /// is cancelled this way: its saga has settled what it took. A customer may cancel until
    /// Orders hears the parcel left; an admin until it is delivered (a parcel on its way is
    /// then returned to sender).
    pub(crate) fn request_cancellation(
        &self,
        order_id: Uuid,
        code: &str,
        reason: &str,
        by_admin: bool,
    ) -> Result<Option<OrdersEvent>, CancelRefusal> {
        match (self.status, &self.cancellation_refused) {
            (OrderStatus::None, _) => Err(CancelRefusal::Unknown),
            (OrderStatus::Placed | OrderStatus::Confirmed, _) => Err(CancelRefusal::StillBeingPlaced),
            (OrderStatus::Delivered, _) => Err(CancelRefusal::Delivered),
            (OrderStatus::Completed, _) if self.parcel_left && !by_admin => Err(CancelRefusal::ParcelLeft),
            (OrderStatus::Completed, Some(refused)) => Err(CancelRefusal::RefusedBefore(refused.clone())),
            (OrderStatus::Completed, None) => Ok(Some(OrdersEvent::CancellationRequested {
                order_id,
                code: code.to_owned(),
                reason: reason.to_owned(),
            })),
            (OrderStatus::Cancelling | OrderStatus::Cancelled, _) => Ok(None),
        }
    }
}

/// The stream of an order.
pub(crate) fn order_stream(order_id: Uuid) -> String {
    format!("order-{order_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(status: OrderStatus) -> Order {
        Order { status, ..Order::default() }
    }

    #[test]
    fn only_a_completed_order_not_refused_before_starts_a_cancellation() {
        let id = Uuid::now_v7();
        let ask = |order: &Order| order.request_cancellation(id, "cancelled_by_customer", "changed my mind", false);
        assert!(matches!(ask(&order(OrderStatus::Completed)), Ok(Some(OrdersEvent::CancellationRequested { .. }))));
        for asked in [OrderStatus::Cancelling, OrderStatus::Cancelled] {
            assert_eq!(ask(&order(asked)), Ok(None), "{asked:?}");
        }
        for placing in [OrderStatus::Placed, OrderStatus::Confirmed] {
            assert_eq!(ask(&order(placing)), Err(CancelRefusal::StillBeingPlaced));
        }
        assert_eq!(ask(&order(OrderStatus::Delivered)), Err(CancelRefusal::Delivered));
        assert_eq!(ask(&order(OrderStatus::None)), Err(CancelRefusal::Unknown));
        let refused =
            Order { status: OrderStatus::Completed, cancellation_refused: Some("left".into()), ..Order::default() };
        assert_eq!(ask(&refused), Err(CancelRefusal::RefusedBefore("left".into())));
    }

    #[test]
    fn once_the_parcel_left_only_an_admin_may_cancel_until_it_is_delivered() {
        let id = Uuid::now_v7();
        let shipped = OrdersEvent::ParcelShipped {
            order_id: id,
            shipment_id: id,
            carrier: "Parcelway".into(),
            tracking_number: "PW1".into(),
        };
        let mut left = order(OrderStatus::Completed);
        left.evolve(&shipped);
        assert_eq!(left.request_cancellation(id, "cancelled_by_customer", "", false), Err(CancelRefusal::ParcelLeft));
        assert!(matches!(
            left.request_cancellation(id, "cancelled_by_admin", "", true),
            Ok(Some(OrdersEvent::CancellationRequested { .. }))
        ));
        left.evolve(&OrdersEvent::OrderDelivered { order_id: id, shipment_id: id });
        assert_eq!(left.request_cancellation(id, "cancelled_by_admin", "", true), Err(CancelRefusal::Delivered));
    }

    #[test]
    fn a_return_to_sender_told_twice_is_recorded_once() {
        let id = Uuid::now_v7();
        let news = OrdersEvent::ParcelReturning { order_id: id, shipment_id: id };
        let record = OrderCommand::RecordParcelNews { news: news.clone() };
        let mut cancelling = order(OrderStatus::Cancelling);
        assert_eq!(cancelling.decide(id, record.clone()), Ok(vec![news.clone()]));
        cancelling.evolve(&news);
        assert_eq!(cancelling.decide(id, record), Ok(vec![]));
    }

    #[test]
    fn a_cancellation_under_way_ends_cancelled_or_refused() {
        let id = Uuid::now_v7();
        let cancel = OrderCommand::Cancel { code: "cancelled_by_admin".into(), message: "out of season".into() };
        let cancelled = order(OrderStatus::Cancelling).decide(id, cancel).unwrap();
        assert!(matches!(cancelled[..], [OrdersEvent::OrderCancelled { .. }]));
        let refuse = OrderCommand::RefuseCancellation { message: "left".into() };
        let mut refused = order(OrderStatus::Cancelling);
        let events = refused.decide(id, refuse.clone()).unwrap();
        assert!(matches!(events[..], [OrdersEvent::CancellationRefused { .. }]));
        refused.evolve(&events[0]);
        assert_eq!(refused.status, OrderStatus::Completed, "the order stands");
        assert!(refused.decide(id, refuse.clone()).is_ok(), "a refusal asked again is answered again");
        assert!(order(OrderStatus::Completed).decide(id, refuse).is_err(), "nothing to refuse");
    }

    #[test]
    fn a_placed_order_is_confirmed_then_completed() {
        let id = Uuid::now_v7();
        let confirmed = order(OrderStatus::Placed).decide(id, OrderCommand::Confirm { payment_id: id }).unwrap();
        assert!(matches!(confirmed[..], [OrdersEvent::OrderConfirmed { .. }]));
        let completed = order(OrderStatus::Confirmed).decide(id, OrderCommand::Complete { shipment_id: id }).unwrap();
        assert!(matches!(completed[..], [OrdersEvent::OrderCompleted { .. }]));
    }

    #[test]
    fn only_a_completed_order_is_delivered_and_only_once() {
        let (id, deliver) = (Uuid::now_v7(), OrderCommand::Deliver { shipment_id: Uuid::nil() });
        let delivered = order(OrderStatus::Completed).decide(id, deliver.clone()).unwrap();
        assert!(matches!(delivered[..], [OrdersEvent::OrderDelivered { .. }]));
        assert_eq!(order(OrderStatus::Delivered).decide(id, deliver.clone()), Ok(vec![]));
        for early in [OrderStatus::Placed, OrderStatus::Confirmed, OrderStatus::Cancelled] {
            assert_eq!(order(early).decide(id, deliver.clone()), Err(InvalidTransition { from: early }));
        }
    }

    #[test]
    fn a_parcel_s_news_waits_for_the_completion_then_leaves_the_status_alone() {
        let id = Uuid::now_v7();
        let news = OrdersEvent::ParcelInTransit { order_id: id, shipment_id: id, location: "Leeds hub".into() };
        let record = OrderCommand::RecordParcelNews { news: news.clone() };
        for early in [OrderStatus::Placed, OrderStatus::Confirmed] {
            assert_eq!(order(early).decide(id, record.clone()), Err(InvalidTransition { from: early }));
        }
        for later in [OrderStatus::Completed, OrderStatus::Cancelling, OrderStatus::Delivered] {
            let mut moved = order(later);
            assert_eq!(moved.decide(id, record.clone()), Ok(vec![news.clone()]));
            moved.evolve(&news);
            assert_eq!(moved.status, later);
        }
    }

    #[test]
    fn repeating_a_confirmation_decides_nothing() {
        let confirm = OrderCommand::Confirm { payment_id: Uuid::nil() };
        assert_eq!(order(OrderStatus::Confirmed).decide(Uuid::nil(), confirm), Ok(vec![]));
    }

    #[test]
    fn a_repeated_completion_is_answered_again() {
        let complete = OrderCommand::Complete { shipment_id: Uuid::nil() };
        let answered = order(OrderStatus::Completed).decide(Uuid::nil(), complete).unwrap();
        assert!(matches!(answered[..], [OrdersEvent::CompletionRepeated { .. }]));
    }

    #[test]
    fn a_repeated_cancellation_is_answered_again() {
        let cancel = OrderCommand::Cancel { code: "x".into(), message: "y".into() };
        let answered = order(OrderStatus::Cancelled).decide(Uuid::nil(), cancel).unwrap();
        assert!(matches!(answered[..], [OrdersEvent::CancellationRepeated { .. }]));
    }

    #[test]
    fn a_completed_order_cannot_be_cancelled() {
        let cancel = OrderCommand::Cancel { code: "x".into(), message: "y".into() };
        assert_eq!(
            order(OrderStatus::Completed).decide(Uuid::nil(), cancel),
            Err(InvalidTransition { from: OrderStatus::Completed })
        );
    }
}
