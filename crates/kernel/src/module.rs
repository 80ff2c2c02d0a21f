//! What a bounded context hands the composition root, and the runtime that runs it:
//! consumers, projections, the outbox relay and background workers, as tasks that stop
//! together.

use crate::amqp::{AmqpConsumer, AmqpRelay, Broker};
use crate::delivery::{Lifecycle, Relay, Subscription};
use crate::event_store::EventStore;
use crate::messaging::{MessageHandler, Publications};
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
    /// The sagas it runs, for the operator's tools.
    pub sagas: Vec<Arc<dyn crate::saga::SagaControl>>,
    /// Puts what its GraphQL resolvers read (`ctx.data`) into each request's data; `None`
    /// for a context with no part in the GraphQL schema yet.
    pub graphql_data: Option<GraphqlData>,
}

/// See [`ContextModule::graphql_data`].
pub type GraphqlData = Arc<dyn Fn(&mut async_graphql::Data) + Send + Sync>;

/// How messages travel between contexts.
#[derive(Clone, Default)]
pub enum Transport {
    /// Every consumer follows the producing context's event store (one process).
    #[default]
    Embedded,
    /// Through RabbitMQ (contexts may run in separate processes).
    Amqp(Arc<Broker>),
}

/// The running background tasks of every context.
pub struct Runtime {
    life: Lifecycle,
    tasks: JoinSet<()>,
    transport: Transport,
}

impl Runtime {
    /// Starts delivery for every context's handlers, then projections and workers. Embedded:
    /// one relay per context hands its messages to every handler that wants them. RabbitMQ:
    /// the topology is declared first, then one publishing relay per context and one
    /// consumer per handler start.
    pub async fn start(
        modules: &mut [ContextModule],
        transport: Transport,
    ) -> Result<Runtime, crate::amqp::BrokerError> {
        let life = Lifecycle::default();
        let mut tasks = JoinSet::new();
        let consumers: Vec<(Arc<dyn MessageHandler>, EventStore)> = modules
            .iter()
            .flat_map(|module| module.handlers.iter().map(|handler| (handler.clone(), module.store.clone())))
            .collect();
        if let Transport::Amqp(broker) = &transport {
            let handlers: Vec<_> = consumers.iter().map(|(handler, _)| handler.clone()).collect();
            broker.declare(&handlers).await?;
            for (handler, sink) in &consumers {
                let consumer = AmqpConsumer::new(handler.clone(), sink.clone(), broker.clone());
                tasks.spawn(consumer.run(life.clone()));
            }
        }
        for module in modules.iter_mut() {
            match &transport {
                Transport::Embedded => {
                    let subscriptions = consumers
                        .iter()
                        .map(|(handler, sink)| Subscription::new(handler.clone(), sink.clone(), module.name))
                        .collect();
                    let relay = Relay::new(module.store.clone(), module.publications.clone(), subscriptions);
                    tasks.spawn(relay.run(life.clone()));
                }
                Transport::Amqp(broker) => {
                    let relay = AmqpRelay::new(module.store.clone(), module.publications.clone(), broker.clone());
                    tasks.spawn(relay.run(life.clone()));
                }
            }
            for runner in &module.projections {
                tasks.spawn(runner.clone().run(life.stop.child_token()));
            }
            for worker in module.workers.drain(..) {
                tasks.spawn(worker(life.stop.child_token()));
            }
        }
        Ok(Runtime { life, tasks, transport })
    }

    /// Stops every task, letting in-flight work finish for up to `grace`.
    pub async fn shutdown(mut self, grace: Duration) {
        self.life.stop.cancel();
        let drained = tokio::time::timeout(grace, async { while self.tasks.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            tracing::warn!("background tasks did not stop in time; aborting them");
            self.life.kill.cancel();
            self.tasks.abort_all();
            while self.tasks.join_next().await.is_some() {}
        }
        self.close_broker().await;
    }

    async fn close_broker(&self) {
        if let Transport::Amqp(broker) = &self.transport {
            broker.close().await;
        }
    }

    /// Stops every task at once, wherever it is: what a crash does to in-flight work.
    pub async fn abort(mut self) {
        self.life.kill.cancel();
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
        self.life.workers.close();
        self.life.workers.wait().await;
        // What was in hand goes back to the broker, as when a process dies.
        self.close_broker().await;
    }
}
