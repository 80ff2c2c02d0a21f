//! Orders: customers' orders and the place-order saga that coordinates the other contexts.
//!
//! Placing an order records `OrderPlaced` and starts the saga in one transaction; the saga
//! then sends commands to Inventory, Payments and Shipping, carries out its commands to
//! Orders itself in place, and compensates in reverse when a step fails. Prices come from
//! Orders' own price list, kept from Catalog's events, never from the client; shipping
//! from the rate card Shipping quotes by (`contracts::shipping_rates`). A completed order
//! is cancelled, before its parcel leaves, by a second saga (`cancel_order`) that calls the
//! parcel back, refunds, releases and marks the order cancelled.
//!
//! Subscribes to Catalog's product facts (`ProductCreated`, `ProductUpdated`, `ProductPriceChanged`,
//! `ProductStatusChanged`, `ProductDeleted`), the sagas' replies, its own commands and
//! Shipping's `ShipmentDelivered` (the order is delivered) and parcel news, and Payments'
//! `PaymentCaptured` (the card charged, on the timeline) and `RefundIssued` (an admin's
//! refund, shown on the order); publishes `OrderPlaced`, `OrderConfirmed`,
//! `OrderCompleted`, `OrderCancelled`, `OrderCancellationRefused`.

mod cancel_order;
mod get_order;
mod graphql;
mod list_orders;
mod order;
mod order_commands;
mod parcel_news;
mod payment_news;
mod place_order;
mod price_list;
mod publications;
mod read_model;
mod timeline;

use cancel_order::saga::CancelOrderSaga;
use contracts::shipping_rates::RateCard;
use kernel::event_store::EventStore;
use kernel::module::ContextModule;
use kernel::projection::ProjectionRunner;
use kernel::saga::{SagaEngine, SagaReplies};
use place_order::saga::PlaceOrderSaga;
use std::sync::Arc;
use std::time::Duration;

pub use graphql::{OrdersMutation, OrdersQuery, OrdersSubscription};
pub use order::OrdersEvent;

/// What the orders endpoints and handlers share.
#[derive(Clone)]
pub(crate) struct Orders {
    store: EventStore,
    saga: SagaEngine<PlaceOrderSaga>,
    /// Cancels completed orders before their parcels leave.
    cancellations: SagaEngine<CancelOrderSaga>,
    read_model: ProjectionRunner,
    /// Most units of one product one order may have.
    max_units_per_product: u32,
    /// What shipping costs.
    rate_card: RateCard,
}

/// How long a command waits for its own write to show in the read model before answering.
pub(crate) const READ_YOUR_WRITES: Duration = Duration::from_secs(2);

/// Tunables of the orders context.
#[derive(Debug, Clone)]
pub struct OrdersConfig {
    /// How long each saga step may take to answer (for the payment step: once Payments
    /// has begun charging).
    pub step_deadline: chrono::Duration,
    /// Deadlines of particular steps, instead of `step_deadline` (see [`step_deadlines`]).
    pub step_deadlines: Vec<(String, chrono::Duration)>,
    /// How long the payment step's command may wait for Payments to begin.
    pub queue_deadline: chrono::Duration,
    /// How often saga deadlines are checked.
    pub timer_interval: Duration,
    /// The pause before the first retry of a failed compensation; it doubles with every
    /// failure (capped at 1,024 times).
    pub compensation_retry_pause: chrono::Duration,
    /// Most units of one product one order may have: a limit against hoarding (a product
    /// appears on one line at most, so this is per product per order).
    pub max_units_per_product: u32,
    /// What shipping costs: the same card Shipping quotes by.
    pub rate_card: RateCard,
}

impl Default for OrdersConfig {
    fn default() -> Self {
        OrdersConfig {
            step_deadline: chrono::Duration::seconds(30),
            step_deadlines: Vec::new(),
            queue_deadline: chrono::Duration::seconds(600),
            timer_interval: Duration::from_secs(1),
            compensation_retry_pause: chrono::Duration::seconds(2),
            max_units_per_product: 100,
            rate_card: RateCard::new(None),
        }
    }
}

/// Reads per-step saga deadlines written as `step=seconds[,step=seconds...]`, e.g.
/// `process_payment=45,create_shipment=20`; every step must be one of the place-order
/// saga's, and every number a whole count of seconds above zero.
pub fn step_deadlines(spec: &str) -> Result<Vec<(String, chrono::Duration)>, String> {
    use kernel::saga::SagaStep;
    use strum::VariantArray;
    let steps: Vec<&str> = place_order::saga::Step::VARIANTS.iter().map(|step| step.name()).collect();
    spec.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, seconds) = part.split_once('=').ok_or_else(|| format!("{part:?} is not step=seconds"))?;
            let name = name.trim();
            if !steps.contains(&name) {
                return Err(format!("{name:?} is not a step of the place-order saga ({})", steps.join(", ")));
            }
            match seconds.trim().parse::<u32>() {
                Ok(seconds) if seconds > 0 => Ok((name.to_owned(), chrono::Duration::seconds(i64::from(seconds)))),
                _ => Err(format!("{name}'s deadline {seconds:?} is not a whole number of seconds above zero")),
            }
        })
        .collect()
}

/// Builds the orders context over its event store.
pub async fn module(store: EventStore, config: OrdersConfig) -> Result<ContextModule, kernel::db::DbError> {
    store.db().migrate("orders", read_model::MIGRATIONS).await?;
    let read_model = ProjectionRunner::new(store.clone(), Arc::new(read_model::OrdersProjection));
    let definition = PlaceOrderSaga {
        step_deadline: config.step_deadline,
        step_deadlines: config.step_deadlines.iter().cloned().collect(),
        queue_deadline: config.queue_deadline,
        retry_pause: config.compensation_retry_pause,
    };
    let commands = Arc::new(order_commands::OrderCommands { store: store.clone() });
    let saga = SagaEngine::new(definition, store.clone()).with_local_receiver(commands.clone());
    let cancellations = SagaEngine::new(CancelOrderSaga { step_deadline: config.step_deadline }, store.clone())
        .with_local_receiver(commands.clone());
    let orders = Orders {
        store: store.clone(),
        saga: saga.clone(),
        cancellations: cancellations.clone(),
        read_model: read_model.clone(),
        max_units_per_product: config.max_units_per_product.max(1),
        rate_card: config.rate_card,
    };
    let money_and_goods =
        utoipa_axum::router::OpenApiRouter::new().merge(place_order::routes()).merge(cancel_order::routes());
    let router = kernel::idempotency::guarded(money_and_goods, &store)
        .merge(get_order::routes())
        .merge(timeline::routes())
        .merge(list_orders::routes())
        .with_state(orders.clone());
    let (timers, cancellation_timers) = (saga.clone(), cancellations.clone());
    Ok(ContextModule {
        graphql_data: Some(Arc::new(move |data| data.insert(orders.clone()))),
        name: "orders",
        store: store.clone(),
        router,
        projections: vec![read_model],
        handlers: vec![
            Arc::new(SagaReplies(saga.clone())),
            Arc::new(SagaReplies(cancellations.clone())),
            commands,
            Arc::new(price_list::PriceList { store: store.clone() }),
            Arc::new(parcel_news::ParcelNews { store: store.clone() }),
            Arc::new(payment_news::PaymentNews { store: store.clone() }),
        ],
        publications: Arc::new(publications::OrdersPublications),
        workers: vec![
            Box::new(move |cancel| Box::pin(timers.run_timers(config.timer_interval, cancel))),
            Box::new(move |cancel| Box::pin(cancellation_timers.run_timers(config.timer_interval, cancel))),
        ],
        sagas: vec![Arc::new(saga), Arc::new(cancellations)],
    })
}

#[cfg(test)]
mod tests {
    use super::step_deadlines;

    #[test]
    fn per_step_deadlines_are_read_by_step_name() {
        let read = step_deadlines(" process_payment=45, create_shipment=20 ,").unwrap();
        assert_eq!(
            read,
            [
                ("process_payment".to_owned(), chrono::Duration::seconds(45)),
                ("create_shipment".to_owned(), chrono::Duration::seconds(20)),
            ]
        );
        assert_eq!(step_deadlines("").unwrap(), []);
    }

    #[test]
    fn an_unknown_step_or_a_bad_number_is_refused_with_the_reason() {
        let unknown = step_deadlines("pay=5").unwrap_err();
        assert!(unknown.contains("\"pay\" is not a step") && unknown.contains("process_payment"), "{unknown}");
        assert!(step_deadlines("process_payment").unwrap_err().contains("is not step=seconds"));
        for bad in ["process_payment=0", "process_payment=-3", "process_payment=1.5", "process_payment=soon"] {
            assert!(step_deadlines(bad).unwrap_err().contains("above zero"), "{bad}");
        }
    }
}
