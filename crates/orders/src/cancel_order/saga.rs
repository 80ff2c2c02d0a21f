//! The cancel-order saga: undoes a completed order whose parcel has not been delivered,
//! step by step, in the order the place-order saga's compensations would.
//!
//! ```text
//! request_cancellation -> cancel_shipment -> refund_payment -> release_inventory -> cancel_order
//!                         (or return to sender,  (void, or refund   (nothing held once the
//!                          if it has left)        in full)           parcel left; back on hand
//!                                                                    when it is returned)
//! parcel already delivered => refuse the cancellation (the order stands)
//! ```
//!
//! Cancelling the shipment comes first because it is the only step that can be refused:
//! once Shipping has cancelled the parcel or asked the carrier to bring it back, the money
//! and the stock can always be given back, so every later step is retried until done and
//! never fails. Orders lets a customer ask only while, as far as it knows, the parcel has
//! not left; one who asked just as it left is treated as the shop would be, and the parcel
//! is returned.

use contracts::inventory::{InventoryReleased, ReleaseInventory};
use contracts::orders::{CancelOrder, OrderCancellationRefused, OrderCancelled, RefuseCancellation};
use contracts::payments::{PaymentRefunded, RefundPayment};
use contracts::shipping::{CancelShipment, ShipmentCancellationRefused, ShipmentCancelled, ShipmentReturnRequested};
use kernel::bus::BusError;
use kernel::money::Money;
use kernel::saga::{Answer, Command, Failure, Outcome, SagaContext, SagaDefinition};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// The steps, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::VariantArray, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub(crate) enum Step {
    /// Done when the saga starts (the order records the request); undone by refusing the
    /// cancellation, which leaves the order as it was.
    RequestCancellation,
    /// Cancel the parcel, or have the carrier return it if it left; refused once delivered.
    CancelShipment,
    /// Give the money back.
    RefundPayment,
    /// Put the held stock back on sale.
    ReleaseInventory,
    /// Mark the order cancelled (Orders itself, in place).
    CancelOrder,
}

/// What the saga starts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CancelOrderData {
    /// The order being cancelled.
    pub(crate) order_id: Uuid,
    /// Who asked: `cancelled_by_customer` or `cancelled_by_admin`.
    pub(crate) code: String,
    /// Why, for a person.
    pub(crate) reason: String,
}

/// The cancel-order saga of an order: one per order, so asking twice starts nothing new.
pub(crate) fn saga_id(order_id: Uuid) -> Uuid {
    kernel::ids::derived_id(&["cancel_order", &order_id.to_string()])
}

/// What the refund step gave back, kept as its result for the order's timeline: `None`
/// when nothing had been charged.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Refunded {
    pub(crate) amount: Option<Money>,
}

/// What the release step gave back, kept as its result for the order's timeline: nothing
/// when the units had left with the parcel (they come back with it, if it is returned).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct StockGivenBack {
    pub(crate) units: u32,
}

/// The saga's definition.
pub(crate) struct CancelOrderSaga {
    /// How long a step may take before it is asked again.
    pub(crate) step_deadline: chrono::Duration,
}

impl SagaDefinition for CancelOrderSaga {
    type Step = Step;
    type Data = CancelOrderData;
    const NAME: &'static str = "cancel_order";
    const CONSUMER: &'static str = "orders.cancel_order_saga";

    fn action(&self, step: Step, saga: &SagaContext<'_, CancelOrderData>) -> Result<Option<Command>, BusError> {
        let order_id = saga.data.order_id;
        let command = match step {
            Step::RequestCancellation => return Ok(None),
            Step::CancelShipment => Command::new(&CancelShipment { order_id, return_to_sender: true }),
            Step::RefundPayment => Command::new(&RefundPayment { order_id }),
            Step::ReleaseInventory => Command::new(&ReleaseInventory { order_id }),
            Step::CancelOrder => {
                Command::new(&CancelOrder { order_id, code: saga.data.code.clone(), message: saga.data.reason.clone() })
            }
        };
        command.map(Some)
    }

    fn compensation(&self, step: Step, saga: &SagaContext<'_, CancelOrderData>) -> Result<Option<Command>, BusError> {
        match step {
            Step::RequestCancellation => {
                let message = saga
                    .failure
                    .map_or_else(|| "The order could not be cancelled.".to_owned(), |failure| failure.message.clone());
                Command::new(&RefuseCancellation { order_id: saga.data.order_id, message }).map(Some)
            }
            // Past the shipment's cancellation nothing fails, so nothing after it is undone.
            Step::CancelShipment | Step::RefundPayment | Step::ReleaseInventory | Step::CancelOrder => Ok(None),
        }
    }

    fn answers(&self) -> Vec<Answer<Step>> {
        let done = |order_id| (saga_id(order_id), Outcome::Succeeded(Value::Null));
        vec![
            Answer::undone(Step::RequestCancellation, |m: OrderCancellationRefused| saga_id(m.order_id)),
            Answer::action(Step::CancelShipment, move |m: ShipmentCancelled| done(m.order_id)),
            Answer::action(Step::CancelShipment, move |m: ShipmentReturnRequested| done(m.order_id)),
            Answer::action(Step::CancelShipment, |m: ShipmentCancellationRefused| {
                (saga_id(m.order_id), Outcome::Failed(Failure::new("already_shipped", m.message)))
            }),
            Answer::action(Step::RefundPayment, |m: PaymentRefunded| {
                (saga_id(m.order_id), kernel::saga::succeeded(&Refunded { amount: m.amount }))
            }),
            Answer::action(Step::ReleaseInventory, |m: InventoryReleased| {
                let units = m.lines.iter().map(|line| line.quantity).sum();
                (saga_id(m.order_id), kernel::saga::succeeded(&StockGivenBack { units }))
            }),
            Answer::action(Step::CancelOrder, move |m: OrderCancelled| done(m.order_id)),
        ]
    }

    fn deadline(&self, _step: Step) -> chrono::Duration {
        self.step_deadline
    }

    /// Every receiver answers in the end (Shipping with a cancellation or its refusal), and
    /// failing a step for a late answer could leave a parcel called back with the money
    /// kept: a late answer means asking again.
    fn retried_until_done(&self, _step: Step) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use kernel::bus::{Envelope, Message};
    use kernel::saga::{Answers, Input, Phase, SagaEvent, SagaState, SagaStatus, decide};
    use std::collections::BTreeMap;

    fn saga() -> CancelOrderSaga {
        CancelOrderSaga { step_deadline: chrono::Duration::seconds(30) }
    }

    struct Run {
        order_id: Uuid,
        state: SagaState,
        now: chrono::DateTime<Utc>,
        sent: Vec<String>,
    }

    impl Run {
        fn started() -> Run {
            let order_id = Uuid::now_v7();
            let mut run = Run { order_id, state: SagaState::default(), now: Utc::now(), sent: Vec::new() };
            let data = CancelOrderData { order_id, code: "cancelled_by_customer".into(), reason: "too late".into() };
            run.input(Input::Start(serde_json::to_value(data).unwrap()));
            run
        }

        fn input(&mut self, input: Input<Step>) -> &mut Run {
            let events = decide(&saga(), saga_id(self.order_id), "orders", &self.state, input, self.now, None).unwrap();
            self.sent.clear();
            for event in &events {
                if let SagaEvent::SagaCommandIssued { envelope, .. } = event {
                    self.sent.push(envelope.message_type.clone());
                }
                self.state.evolve(event);
            }
            self
        }

        fn reply<M: Message>(&mut self, message: &M) -> &mut Run {
            let envelope = Envelope::new(Uuid::now_v7(), "test", Utc::now(), message).unwrap();
            let reply = Answers::of(&saga()).interpret(&envelope).unwrap().expect("an answer");
            assert_eq!(reply.saga_id, saga_id(self.order_id));
            self.input(Input::Reply { step: reply.step, phase: reply.phase, outcome: reply.outcome })
        }
    }

    #[test]
    fn a_parcel_still_in_the_warehouse_is_called_back_then_the_money_and_stock_given_back() {
        let mut run = Run::started();
        let order_id = run.order_id;
        assert_eq!(run.sent, [CancelShipment::TYPE]);
        assert_eq!(run.reply(&ShipmentCancelled { order_id, shipment_id: None }).sent, [RefundPayment::TYPE]);
        assert_eq!(
            run.reply(&PaymentRefunded { payment_id: Uuid::now_v7(), order_id, amount: None }).sent,
            [ReleaseInventory::TYPE]
        );
        assert_eq!(run.reply(&InventoryReleased { order_id, lines: vec![] }).sent, [CancelOrder::TYPE]);
        let cancelled = OrderCancelled { order_id, code: "cancelled_by_customer".into(), message: "too late".into() };
        run.reply(&cancelled);
        assert_eq!(run.state.status, SagaStatus::Completed);
    }

    #[test]
    fn a_parcel_on_its_way_is_returned_to_sender_then_the_money_and_stock_given_back() {
        let mut run = Run::started();
        let order_id = run.order_id;
        assert_eq!(
            run.reply(&ShipmentReturnRequested { order_id, shipment_id: Uuid::now_v7() }).sent,
            [RefundPayment::TYPE]
        );
        assert_eq!(
            run.reply(&PaymentRefunded { payment_id: Uuid::now_v7(), order_id, amount: None }).sent,
            [ReleaseInventory::TYPE]
        );
    }

    #[test]
    fn the_shipment_is_cancelled_or_returned_never_just_refused_for_having_left() {
        let order_id = Uuid::now_v7();
        let data = CancelOrderData { order_id, code: "c".into(), reason: "r".into() };
        let results = BTreeMap::new();
        let context = SagaContext { saga_id: saga_id(order_id), data: &data, results: &results, failure: None };
        let command = saga().action(Step::CancelShipment, &context).unwrap();
        assert_eq!(command, Some(Command::new(&CancelShipment { order_id, return_to_sender: true }).unwrap()));
    }

    #[test]
    fn a_delivered_parcel_refuses_the_cancellation_and_nothing_is_given_back() {
        let mut run = Run::started();
        let order_id = run.order_id;
        let left = ShipmentCancellationRefused {
            order_id,
            shipment_id: Uuid::now_v7(),
            stage: "delivered".into(),
            message: "The parcel was delivered.".into(),
        };
        assert_eq!(run.reply(&left).sent, [RefuseCancellation::TYPE], "no refund, no release");
        run.reply(&OrderCancellationRefused { order_id, message: "The parcel was delivered.".into() });
        assert_eq!(run.state.status, SagaStatus::Compensated);
        assert_eq!(run.state.failure.as_ref().map(|f| f.code.as_str()), Some("already_shipped"));
    }

    #[test]
    fn a_late_answer_means_asking_again_never_giving_up() {
        let mut run = Run::started();
        run.now += chrono::Duration::seconds(31);
        run.input(Input::Tick);
        assert_eq!(run.sent, [CancelShipment::TYPE], "asked again");
        assert_eq!(run.state.status, SagaStatus::Running);
        let awaiting = run.state.awaiting.as_ref().unwrap();
        assert_eq!((awaiting.phase, awaiting.attempt), (Phase::Forward, 2));
    }

    #[test]
    fn every_command_the_saga_sends_is_answered() {
        let data = CancelOrderData { order_id: Uuid::now_v7(), code: "c".into(), reason: "r".into() };
        let failure = Failure::new("already_shipped", "left");
        let results = BTreeMap::new();
        let sample =
            SagaContext { saga_id: saga_id(data.order_id), data: &data, results: &results, failure: Some(&failure) };
        assert_eq!(kernel::saga::unanswered(&saga(), &sample), Vec::<String>::new());
    }
}
