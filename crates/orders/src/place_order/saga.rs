//! The place-order saga, in one place: its steps in order, what each sends, what undoes
//! it, and which replies answer it.
//!
//! ```text
//! place_order -> reserve_inventory -> process_payment -> confirm_order -> create_shipment -> complete_order
//! out of stock          => cancel order
//! payment failed        => release inventory, cancel order
//! shipping unavailable  => refund payment, release inventory, cancel order
//! ```

use contracts::inventory::{InventoryReleased, InventoryReserved, OutOfStock, ReleaseInventory, ReserveInventory};
use contracts::orders::{CancelOrder, CompleteOrder, ConfirmOrder, OrderCancelled, OrderCompleted, OrderConfirmed};
use contracts::payments::{PaymentFailed, PaymentProcessed, PaymentRefunded, ProcessPayment, RefundPayment};
use contracts::shipping::{CreateShipment, ShipmentCreated, ShippingUnavailable};
use contracts::{Address, ProductQuantity};
use kernel::bus::{BusError, Envelope, Message};
use kernel::money::Money;
use kernel::saga::{Command, Failure, Outcome, Phase, Reply, SagaContext, SagaDefinition, SagaStep};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

/// The steps, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Done when the saga starts; undone by cancelling the order.
    PlaceOrder,
    ReserveInventory,
    ProcessPayment,
    ConfirmOrder,
    CreateShipment,
    CompleteOrder,
}

impl SagaStep for Step {
    const ALL: &'static [Self] = &[
        Step::PlaceOrder,
        Step::ReserveInventory,
        Step::ProcessPayment,
        Step::ConfirmOrder,
        Step::CreateShipment,
        Step::CompleteOrder,
    ];

    fn name(self) -> &'static str {
        match self {
            Step::PlaceOrder => "place_order",
            Step::ReserveInventory => "reserve_inventory",
            Step::ProcessPayment => "process_payment",
            Step::ConfirmOrder => "confirm_order",
            Step::CreateShipment => "create_shipment",
            Step::CompleteOrder => "complete_order",
        }
    }
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
}

/// The saga definition.
pub(crate) struct PlaceOrderSaga {
    pub(crate) step_deadline: chrono::Duration,
}

fn result_id(saga: &SagaContext<'_, PlaceOrderData>, step: Step, field: &str) -> Result<Uuid, BusError> {
    saga.results
        .get(step.name())
        .and_then(|result| result.get(field))
        .and_then(Value::as_str)
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or_else(|| BusError::MissingData(format!("{} has no {field}", step.name())))
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
            Step::ConfirmOrder => Command::new(&ConfirmOrder {
                order_id,
                payment_id: result_id(saga, Step::ProcessPayment, "payment_id")?,
            }),
            Step::CreateShipment => Command::new(&CreateShipment {
                order_id,
                customer_id: data.customer_id,
                destination: data.shipping_address.clone(),
                weight_grams: data.weight_grams,
            }),
            Step::CompleteOrder => Command::new(&CompleteOrder {
                order_id,
                shipment_id: result_id(saga, Step::CreateShipment, "shipment_id")?,
            }),
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
            Step::ConfirmOrder | Step::CreateShipment | Step::CompleteOrder => return Ok(None),
        };
        command.map(Some)
    }

    fn reply_types(&self) -> Vec<&'static str> {
        vec![
            InventoryReserved::TYPE,
            OutOfStock::TYPE,
            InventoryReleased::TYPE,
            PaymentProcessed::TYPE,
            PaymentFailed::TYPE,
            PaymentRefunded::TYPE,
            OrderConfirmed::TYPE,
            ShipmentCreated::TYPE,
            ShippingUnavailable::TYPE,
            OrderCompleted::TYPE,
            OrderCancelled::TYPE,
        ]
    }

    fn interpret(&self, envelope: &Envelope) -> Result<Option<Reply<Step>>, BusError> {
        let reply = |saga_id, step, phase, outcome| Ok(Some(Reply { saga_id, step, phase, outcome }));
        let ok = Outcome::Succeeded(Value::Null);
        match envelope.message_type.as_str() {
            InventoryReserved::TYPE => {
                let m: InventoryReserved = envelope.decode()?;
                reply(m.order_id, Step::ReserveInventory, Phase::Forward, ok)
            }
            OutOfStock::TYPE => {
                let m: OutOfStock = envelope.decode()?;
                let failure = Failure::new("out_of_stock", out_of_stock_message(&m));
                reply(m.order_id, Step::ReserveInventory, Phase::Forward, Outcome::Failed(failure))
            }
            InventoryReleased::TYPE => {
                let m: InventoryReleased = envelope.decode()?;
                reply(m.order_id, Step::ReserveInventory, Phase::Compensation, ok)
            }
            PaymentProcessed::TYPE => {
                let m: PaymentProcessed = envelope.decode()?;
                let result = Outcome::Succeeded(json!({ "payment_id": m.payment_id }));
                reply(m.order_id, Step::ProcessPayment, Phase::Forward, result)
            }
            PaymentFailed::TYPE => {
                let m: PaymentFailed = envelope.decode()?;
                reply(
                    m.order_id,
                    Step::ProcessPayment,
                    Phase::Forward,
                    Outcome::Failed(Failure::new(m.code, m.message)),
                )
            }
            PaymentRefunded::TYPE => {
                let m: PaymentRefunded = envelope.decode()?;
                reply(m.order_id, Step::ProcessPayment, Phase::Compensation, ok)
            }
            OrderConfirmed::TYPE => {
                let m: OrderConfirmed = envelope.decode()?;
                reply(m.order_id, Step::ConfirmOrder, Phase::Forward, ok)
            }
            ShipmentCreated::TYPE => {
                let m: ShipmentCreated = envelope.decode()?;
                let result = Outcome::Succeeded(json!({ "shipment_id": m.shipment_id }));
                reply(m.order_id, Step::CreateShipment, Phase::Forward, result)
            }
            ShippingUnavailable::TYPE => {
                let m: ShippingUnavailable = envelope.decode()?;
                let failure = Failure::new("shipping_unavailable", m.message);
                reply(m.order_id, Step::CreateShipment, Phase::Forward, Outcome::Failed(failure))
            }
            OrderCompleted::TYPE => {
                let m: OrderCompleted = envelope.decode()?;
                reply(m.order_id, Step::CompleteOrder, Phase::Forward, ok)
            }
            OrderCancelled::TYPE => {
                let m: OrderCancelled = envelope.decode()?;
                reply(m.order_id, Step::PlaceOrder, Phase::Compensation, ok)
            }
            _ => Ok(None),
        }
    }

    fn deadline(&self, _step: Step) -> chrono::Duration {
        self.step_deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use contracts::inventory::Shortage;

    fn envelope<M: Message>(message: &M) -> Envelope {
        Envelope::new(Uuid::now_v7(), "test", Utc::now(), message).unwrap()
    }

    fn saga() -> PlaceOrderSaga {
        PlaceOrderSaga { step_deadline: chrono::Duration::seconds(30) }
    }

    #[test]
    fn out_of_stock_fails_the_reservation_step_with_a_readable_reason() {
        let order_id = Uuid::now_v7();
        let shortage = Shortage { product_id: Uuid::now_v7(), requested: 5, available: 2 };
        let reply = saga().interpret(&envelope(&OutOfStock { order_id, shortages: vec![shortage] })).unwrap().unwrap();
        assert_eq!((reply.saga_id, reply.step, reply.phase), (order_id, Step::ReserveInventory, Phase::Forward));
        let Outcome::Failed(failure) = reply.outcome else { panic!("expected a failure") };
        assert_eq!(failure.code, "out_of_stock");
        assert!(failure.message.contains("5 requested, 2 available"), "{}", failure.message);
    }

    #[test]
    fn a_refund_answers_the_payment_steps_compensation() {
        let order_id = Uuid::now_v7();
        let refunded = PaymentRefunded { payment_id: Uuid::now_v7(), order_id, amount: None };
        let reply = saga().interpret(&envelope(&refunded)).unwrap().unwrap();
        assert_eq!((reply.step, reply.phase), (Step::ProcessPayment, Phase::Compensation));
    }

    #[test]
    fn every_reply_type_is_interpreted() {
        let saga = saga();
        for message_type in saga.reply_types() {
            let order_id = Uuid::now_v7();
            let mut envelope = envelope(&OrderConfirmed { order_id });
            envelope.message_type = message_type.to_owned();
            // Payloads differ per type; a decode error still proves the type is routed.
            let routed = !matches!(saga.interpret(&envelope), Ok(None));
            assert!(routed, "{message_type} is subscribed but not interpreted");
        }
    }
}
