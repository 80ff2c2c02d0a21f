//! The place-order saga, in one place: its steps in order, what each sends, what undoes
//! it, and which replies answer it.
//!
//! ```text
//! place_order -> reserve_inventory -> process_payment -> confirm_order -> create_shipment -> complete_order
//! out of stock          => cancel order
//! payment failed        => release inventory, cancel order
//! shipping unavailable  => refund payment, release inventory, cancel order
//! ```

use contracts::inventory::{
    InventoryReleased, InventoryReserved, OutOfStock, ReleaseInventory, ReservationRefused, ReserveInventory,
};
use contracts::orders::{CancelOrder, CompleteOrder, ConfirmOrder, OrderCancelled, OrderCompleted, OrderConfirmed};
use contracts::payments::{
    PaymentFailed, PaymentProcessed, PaymentRefunded, PaymentStarted, ProcessPayment, RefundPayment,
};
use contracts::shipping::{
    CancelShipment, CreateShipment, ShipmentCancellationRefused, ShipmentCancelled, ShipmentCreated, ShipmentRefused,
    ShippingUnavailable,
};
use contracts::shipping_rates::ServiceLevel;
use contracts::{Address, ProductQuantity};
use kernel::bus::BusError;
use kernel::money::Money;
use kernel::saga::{Answer, Command, Failure, Outcome, SagaContext, SagaDefinition, SagaStep, succeeded};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// The steps, in the order they run, and what kind each is. The declaration order is the
/// execution order and each name (snake_case) is what the saga's events store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::VariantArray, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub(crate) enum Step {
    /// Compensable: done when the saga starts; undone by cancelling the order.
    PlaceOrder,
    /// Compensable: undone by releasing the stock.
    ReserveInventory,
    /// Compensable: undone by refunding (or voiding) the payment.
    ProcessPayment,
    /// Orders' own bookkeeping; nothing to undo (cancelling the order covers it).
    ConfirmOrder,
    /// Compensable, only when it timed out: the parcel may have been booked after all, so it
    /// is cancelled (and a booking that had not happened yet is barred).
    CreateShipment,
    /// Retried until done, never failed: past this point the parcel is booked and the money
    /// taken, and Orders always completes its own order.
    CompleteOrder,
}

/// What `process_payment` leaves for later steps.
#[derive(Debug, Serialize, Deserialize)]
struct Paid {
    payment_id: Uuid,
}

/// What `create_shipment` leaves for later steps.
#[derive(Debug, Serialize, Deserialize)]
struct Shipped {
    shipment_id: Uuid,
}

/// What the saga needs from the order (the saga id is the order id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PlaceOrderData {
    pub(crate) customer_id: Uuid,
    pub(crate) lines: Vec<ProductQuantity>,
    pub(crate) total: Money,
    pub(crate) payment_method_id: Uuid,
    pub(crate) shipping_address: Address,
    pub(crate) weight_grams: u64,
    /// The service chosen (Standard for sagas started before there was a choice).
    #[serde(default = "standard")]
    pub(crate) service: ServiceLevel,
}

fn standard() -> ServiceLevel {
    ServiceLevel::Standard
}

/// The saga definition.
pub(crate) struct PlaceOrderSaga {
    pub(crate) step_deadline: chrono::Duration,
    /// Deadlines of particular steps, by step name, instead of `step_deadline`.
    pub(crate) step_deadlines: std::collections::HashMap<String, chrono::Duration>,
    /// How long the payment command may wait for Payments to begin charging.
    pub(crate) queue_deadline: chrono::Duration,
    /// Pause before the first retry of a failed compensation (doubling after each).
    pub(crate) retry_pause: chrono::Duration,
}

fn out_of_stock_message(reply: &OutOfStock) -> String {
    let details: Vec<String> =
        reply.shortages.iter().map(|s| format!("{} requested, {} available", s.requested, s.available)).collect();
    format!("Not enough stock for {} item(s) ({}).", details.len(), details.join("; "))
}

impl SagaDefinition for PlaceOrderSaga {
    type Step = Step;
    type Data = PlaceOrderData;
    const NAME: &'static str = "place_order";
    const CONSUMER: &'static str = "orders.place_order_saga";

    fn action(&self, step: Step, saga: &SagaContext<'_, PlaceOrderData>) -> Result<Option<Command>, BusError> {
        let order_id = saga.saga_id;
        let data = saga.data;
        let command = match step {
            Step::PlaceOrder => return Ok(None),
            Step::ReserveInventory => Command::new(&ReserveInventory { order_id, lines: data.lines.clone() }),
            Step::ProcessPayment => Command::new(&ProcessPayment {
                order_id,
                customer_id: data.customer_id,
                payment_method_id: data.payment_method_id,
                amount: data.total,
            }),
            Step::ConfirmOrder => {
                let paid: Paid = saga.result(Step::ProcessPayment)?;
                Command::new(&ConfirmOrder { order_id, payment_id: paid.payment_id })
            }
            Step::CreateShipment => Command::new(&CreateShipment {
                order_id,
                customer_id: data.customer_id,
                destination: data.shipping_address.clone(),
                weight_grams: data.weight_grams,
                service: data.service,
            }),
            Step::CompleteOrder => {
                let shipped: Shipped = saga.result(Step::CreateShipment)?;
                Command::new(&CompleteOrder { order_id, shipment_id: shipped.shipment_id })
            }
        };
        command.map(Some)
    }

    fn compensation(&self, step: Step, saga: &SagaContext<'_, PlaceOrderData>) -> Result<Option<Command>, BusError> {
        let order_id = saga.saga_id;
        let command = match step {
            Step::PlaceOrder => {
                let failure = saga
                    .failure
                    .cloned()
                    .unwrap_or_else(|| Failure::new("failed", "The order could not be completed."));
                Command::new(&CancelOrder { order_id, code: failure.code, message: failure.message })
            }
            Step::ReserveInventory => Command::new(&ReleaseInventory { order_id }),
            Step::ProcessPayment => Command::new(&RefundPayment { order_id }),
            // Only when booking timed out: the parcel may be booked after all.
            Step::CreateShipment => Command::new(&CancelShipment { order_id, return_to_sender: false }),
            Step::ConfirmOrder | Step::CompleteOrder => return Ok(None),
        };
        command.map(Some)
    }

    /// Every reply and the step it answers, one line each.
    fn answers(&self) -> Vec<Answer<Step>> {
        let done = |order_id| (order_id, Outcome::Succeeded(Value::Null));
        let failed = |order_id, code: &str, message: String| (order_id, Outcome::Failed(Failure::new(code, message)));
        vec![
            Answer::undone(Step::PlaceOrder, |m: OrderCancelled| m.order_id),
            Answer::action(Step::ReserveInventory, move |m: InventoryReserved| done(m.order_id)),
            Answer::action(Step::ReserveInventory, move |m: OutOfStock| {
                failed(m.order_id, "out_of_stock", out_of_stock_message(&m))
            }),
            // A refusal answers a command that came after its step was undone (a fence): by
            // then the saga is compensating, so it only completes the record.
            Answer::action(Step::ReserveInventory, move |m: ReservationRefused| {
                failed(m.order_id, "reservation_refused", m.message)
            }),
            Answer::undone(Step::ReserveInventory, |m: InventoryReleased| m.order_id),
            Answer::started(Step::ProcessPayment, |m: PaymentStarted| m.order_id),
            Answer::action(Step::ProcessPayment, |m: PaymentProcessed| {
                (m.order_id, succeeded(&Paid { payment_id: m.payment_id }))
            }),
            Answer::action(Step::ProcessPayment, move |m: PaymentFailed| failed(m.order_id, &m.code, m.message)),
            Answer::undone(Step::ProcessPayment, |m: PaymentRefunded| m.order_id),
            Answer::action(Step::ConfirmOrder, move |m: OrderConfirmed| done(m.order_id)),
            Answer::action(Step::CreateShipment, |m: ShipmentCreated| {
                (m.order_id, succeeded(&Shipped { shipment_id: m.shipment_id }))
            }),
            Answer::action(Step::CreateShipment, move |m: ShippingUnavailable| {
                failed(m.order_id, "shipping_unavailable", m.message)
            }),
            Answer::action(Step::CreateShipment, move |m: ShipmentRefused| {
                failed(m.order_id, "shipment_refused", m.message)
            }),
            Answer::undone(Step::CreateShipment, |m: ShipmentCancelled| m.order_id),
            // The booking's answer came too late and the parcel left meanwhile: the goods are
            // gone, so undoing the payment or the stock is a person's call, not the saga's.
            Answer::not_undone(Step::CreateShipment, |m: ShipmentCancellationRefused| {
                (m.order_id, Failure::new("already_shipped", m.message))
            }),
            Answer::action(Step::CompleteOrder, move |m: OrderCompleted| done(m.order_id)),
        ]
    }

    fn deadline(&self, step: Step) -> chrono::Duration {
        self.step_deadlines.get(step.name()).copied().unwrap_or(self.step_deadline)
    }

    /// Payments announces when it begins charging (and again after a restart), so waiting
    /// for it is not timed as the charge. The other receivers answer in the transaction
    /// that takes their command: their waiting and working are one.
    fn queue_deadline(&self, step: Step) -> Option<chrono::Duration> {
        (step == Step::ProcessPayment).then_some(self.queue_deadline)
    }

    /// Completing is past the point of no return: the parcel is booked and the money taken,
    /// so a late answer means asking again, never undoing.
    fn retried_until_done(&self, step: Step) -> bool {
        step == Step::CompleteOrder
    }

    fn retry_delay(&self, attempt: u32) -> chrono::Duration {
        self.retry_pause * (1 << attempt.min(10))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use contracts::inventory::Shortage;
    use kernel::bus::{Envelope, Message};
    use kernel::saga::{Phase, SagaStep};
    use serde_json::json;

    fn envelope<M: Message>(message: &M) -> Envelope {
        Envelope::new(Uuid::now_v7(), "test", Utc::now(), message).unwrap()
    }

    fn saga() -> PlaceOrderSaga {
        PlaceOrderSaga {
            step_deadline: chrono::Duration::seconds(30),
            step_deadlines: std::collections::HashMap::new(),
            queue_deadline: chrono::Duration::seconds(600),
            retry_pause: chrono::Duration::seconds(2),
        }
    }

    #[test]
    fn out_of_stock_fails_the_reservation_step_with_a_readable_reason() {
        let order_id = Uuid::now_v7();
        let shortage = Shortage { product_id: Uuid::now_v7(), requested: 5, available: 2 };
        let reply = kernel::saga::Answers::of(&saga())
            .interpret(&envelope(&OutOfStock { order_id, shortages: vec![shortage] }))
            .unwrap()
            .unwrap();
        assert_eq!((reply.saga_id, reply.step, reply.phase), (order_id, Step::ReserveInventory, Phase::Forward));
        let Outcome::Failed(failure) = reply.outcome else { panic!("expected a failure") };
        assert_eq!(failure.code, "out_of_stock");
        assert!(failure.message.contains("5 requested, 2 available"), "{}", failure.message);
    }

    #[test]
    fn a_refund_answers_the_payment_steps_compensation() {
        let order_id = Uuid::now_v7();
        let refunded = PaymentRefunded { payment_id: Uuid::now_v7(), order_id, amount: None };
        let reply = kernel::saga::Answers::of(&saga()).interpret(&envelope(&refunded)).unwrap().unwrap();
        assert_eq!((reply.step, reply.phase), (Step::ProcessPayment, Phase::Compensation));
    }

    fn sample_data() -> PlaceOrderData {
        PlaceOrderData {
            customer_id: Uuid::now_v7(),
            lines: vec![ProductQuantity { product_id: Uuid::now_v7(), quantity: 1 }],
            total: Money::new(1000, kernel::money::Currency::USD),
            payment_method_id: Uuid::now_v7(),
            shipping_address: Address {
                name: "Ada".into(),
                line1: "1 Main St".into(),
                line2: None,
                city: "Springfield".into(),
                postal_code: "12345".into(),
                country: "US".into(),
            },
            service: ServiceLevel::Express,
            weight_grams: 500,
        }
    }

    /// A saga driven step by step through the pure transition, as the engine would.
    struct Run {
        saga: PlaceOrderSaga,
        id: Uuid,
        state: kernel::saga::SagaState,
        now: chrono::DateTime<Utc>,
        last: Vec<kernel::saga::SagaEvent>,
    }

    impl Run {
        fn started() -> Run {
            let data = sample_data();
            let mut run =
                Run { saga: saga(), id: Uuid::now_v7(), state: Default::default(), now: Utc::now(), last: vec![] };
            run.input(kernel::saga::Input::Start(serde_json::to_value(data).unwrap()));
            run
        }

        fn input(&mut self, input: kernel::saga::Input<Step>) -> &mut Run {
            self.last =
                kernel::saga::decide(&self.saga, self.id, "orders", &self.state, input, self.now, None).unwrap();
            for event in &self.last {
                self.state.evolve(event);
            }
            self
        }

        fn ok(&mut self, step: Step, result: Value) -> &mut Run {
            let outcome = Outcome::Succeeded(result);
            self.input(kernel::saga::Input::Reply { step, phase: Phase::Forward, outcome })
        }

        fn after(&mut self, seconds: i64) -> &mut Run {
            self.now += chrono::Duration::seconds(seconds);
            self.input(kernel::saga::Input::Tick)
        }

        /// The commands the last input sent, with their attempt.
        fn sent(&self) -> Vec<(String, u32)> {
            self.last
                .iter()
                .filter_map(|e| match e {
                    kernel::saga::SagaEvent::SagaCommandIssued { envelope, attempt, .. } => {
                        Some((envelope.message_type.clone(), *attempt))
                    }
                    _ => None,
                })
                .collect()
        }

        fn up_to_shipment() -> Run {
            let mut run = Run::started();
            run.ok(Step::ReserveInventory, Value::Null)
                .ok(Step::ProcessPayment, json!({ "payment_id": Uuid::now_v7() }))
                .ok(Step::ConfirmOrder, Value::Null);
            assert_eq!(run.sent(), [(CreateShipment::TYPE.to_owned(), 1)]);
            run
        }
    }

    #[test]
    fn a_shipment_booking_that_times_out_is_cancelled_before_anything_else_is_undone() {
        let mut run = Run::up_to_shipment();
        assert_eq!(run.after(31).sent(), [(CancelShipment::TYPE.to_owned(), 1)]);
        let cancelled = ShipmentCancelled { order_id: run.id, shipment_id: None };
        let reply = kernel::saga::Answers::of(&saga()).interpret(&envelope(&cancelled)).unwrap().unwrap();
        assert_eq!((reply.step, reply.phase), (Step::CreateShipment, Phase::Compensation));
        run.input(kernel::saga::Input::Reply { step: reply.step, phase: reply.phase, outcome: reply.outcome });
        assert_eq!(run.sent(), [(RefundPayment::TYPE.to_owned(), 1)], "then the refund, release and cancel");
    }

    #[test]
    fn a_parcel_that_left_before_its_cancellation_flags_the_order_and_undoes_nothing_else() {
        let mut run = Run::up_to_shipment();
        assert_eq!(run.after(31).sent(), [(CancelShipment::TYPE.to_owned(), 1)]);
        let refused = ShipmentCancellationRefused {
            order_id: run.id,
            shipment_id: Uuid::now_v7(),
            stage: "shipped".into(),
            message: "The parcel has left.".into(),
        };
        let reply = kernel::saga::Answers::of(&saga()).interpret(&envelope(&refused)).unwrap().unwrap();
        assert_eq!((reply.step, reply.phase), (Step::CreateShipment, Phase::Compensation));
        run.input(kernel::saga::Input::Reply { step: reply.step, phase: reply.phase, outcome: reply.outcome });
        assert_eq!(run.state.status, kernel::saga::SagaStatus::NeedsAttention);
        assert!(run.sent().is_empty(), "no refund, release or cancel while the goods are on their way");
    }

    #[test]
    fn completing_the_order_is_asked_again_and_never_fails() {
        let mut run = Run::up_to_shipment();
        run.ok(Step::CreateShipment, json!({ "shipment_id": Uuid::now_v7() }));
        assert_eq!(run.sent(), [(CompleteOrder::TYPE.to_owned(), 1)]);
        assert_eq!(run.after(31).sent(), [(CompleteOrder::TYPE.to_owned(), 2)], "sent again, not compensated");
        assert_eq!(run.state.status, kernel::saga::SagaStatus::Running);
        run.ok(Step::CompleteOrder, Value::Null);
        assert_eq!(run.state.status, kernel::saga::SagaStatus::Completed);
    }

    #[test]
    fn every_command_the_saga_sends_is_answered() {
        let data = sample_data();
        let results = std::collections::BTreeMap::from([
            (Step::ProcessPayment.name().to_owned(), json!({ "payment_id": Uuid::now_v7() })),
            (Step::CreateShipment.name().to_owned(), json!({ "shipment_id": Uuid::now_v7() })),
        ]);
        let failure = Failure::new("payment_failed", "declined");
        let sample = SagaContext { saga_id: Uuid::now_v7(), data: &data, results: &results, failure: Some(&failure) };
        assert_eq!(kernel::saga::unanswered(&saga(), &sample), Vec::<String>::new());
    }
}
