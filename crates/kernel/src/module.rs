//! What a bounded context hands the composition root, and the runtime that runs it:
//! consumers, projections, the outbox relay and background workers, as tasks that stop
//! together.

use crate::bus::{Bus, BusError};
use crate::event_store::EventStore;
use crate::messaging::{Consumer, MessageHandler, Publications, Relay};
use crate::projection::ProjectionRunner;
use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// A background loop (e.g. saga timers) started with the context and stopped by `cancel`.
pub type Worker = Box<dyn FnOnce(CancellationToken) -> BoxFuture<'static, ()> + Send>;

/// Everything one bounded context contributes to a running platform.
pub struct ContextModule {
    /// The context's name (`catalog`, `orders`, ...).
    pub name: &'static str,
    /// Its event store (its outbox too).
    pub store: EventStore,
    /// Its REST endpoints with their OpenAPI description, mounted under `/api/v1`.
    pub router: utoipa_axum::router::OpenApiRouter,
    /// Its read models.
    pub projections: Vec<ProjectionRunner>,
    /// Its reactions to messages.
    pub handlers: Vec<Arc<dyn MessageHandler>>,
    /// What it publishes from its events.
    pub publications: Arc<dyn Publications>,
    /// Its other background loops.
    pub workers: Vec<Worker>,
}

/// The running background tasks of every context.
pub struct Runtime {
    cancel: CancellationToken,
    tasks: JoinSet<()>,
}

impl Runtime {
    /// Declares every queue first (so nothing is published to a queue not yet bound),
    /// then starts consumers, projections, relays and workers.
    pub async fn start(modules: &mut [ContextModule], bus: Arc<dyn Bus>) -> Result<Runtime, BusError> {
        let cancel = CancellationToken::new();
        let mut tasks = JoinSet::new();
        let mut consumers = Vec::new();
        for module in modules.iter() {
            for handler in &module.handlers {
                let consumer = Consumer::new(handler.clone(), module.store.clone());
                let subscription = consumer.subscribe(bus.as_ref()).await?;
                consumers.push((consumer, subscription));
            }
        }
        for (consumer, subscription) in consumers {
            tasks.spawn(consumer.run(subscription, cancel.child_token()));
        }
        for module in modules.iter_mut() {
            for runner in &module.projections {
                tasks.spawn(runner.clone().run(cancel.child_token()));
            }
            let relay = Relay::new(module.store.clone(), bus.clone(), module.publications.clone());
            tasks.spawn(relay.run(cancel.child_token()));
            for worker in module.workers.drain(..) {
                tasks.spawn(worker(cancel.child_token()));
            }
        }
        Ok(Runtime { cancel, tasks })
    }

    /// Stops every task, letting in-flight work finish for up to `grace`.
    pub async fn shutdown(mut self, grace: Duration) {
        self.cancel.cancel();
        let drained = tokio::time::timeout(grace, async { while self.tasks.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            tracing::warn!("background tasks did not stop in time; aborting them");
            self.tasks.abort_all();
            while self.tasks.join_next().await.is_some() {}
        }
    }

    /// Stops every task at once, wherever it is: what a crash does to in-flight work.
    pub async fn abort(mut self) {
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
    }
}
