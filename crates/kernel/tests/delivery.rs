//! Delivery, embedded (a relay follows the producing store and hands messages to a
//! consumer's partitions) and over RabbitMQ (a relay publishes with confirms, a consumer
//! takes its shard queues). Either way: transient failures are retried, poison messages
//! dead-lettered without blocking their partition, a slow message holds back only its own
//! partition, order holds within one, the embedded checkpoint never passes an unfinished
//! message, and a replay after a restart has no second effect. Over RabbitMQ, a message
//! whose consumer keeps dying on it is dead-lettered once its delivery limit is reached.

use async_trait::async_trait;
use kernel::amqp::{AmqpConsumer, AmqpRelay, AmqpSettings, Broker};
use kernel::bus::{Envelope, Message};
use kernel::delivery::{Lifecycle, Relay, Subscription};
use kernel::event_store::{EventStore, ExpectedVersion, Metadata, NewEvent, Position, RecordedEvent};
use kernel::messaging::{HandlerError, MessageHandler, Publications, PublishError, derived_message};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use testkit::{Backend, Bus, TestStore, on_every_backend, on_every_backend_and_bus};
use uuid::Uuid;

/// What a test job asks of its handler.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Job {
    name: String,
    /// Attempts that fail transiently before one succeeds; `u32::MAX` fails permanently.
    fail_times: u32,
    /// How long handling takes.
    sleep_ms: u64,
}
impl Message for Job {
    const TYPE: &'static str = "test.Job";
}

/// Publishes every `JobRequested` event as a `Job` message.
struct Jobs;
impl Publications for Jobs {
    fn messages_for(&self, event: &RecordedEvent) -> Result<Vec<Envelope>, PublishError> {
        if event.event_type != "JobRequested" {
            return Ok(Vec::new());
        }
        let job: Job =
            serde_json::from_value(event.payload.clone()).map_err(kernel::event_store::StoreError::Decode)?;
        derived_message(event, "test", &job)
    }
}

/// Handles jobs as they ask, recording each success once in its inbox and in `handled`.
struct Worker {
    store: EventStore,
    attempts: Mutex<std::collections::HashMap<String, u32>>,
    handled: Mutex<Vec<String>>,
    deliveries: AtomicU32,
}

#[async_trait]
impl MessageHandler for Worker {
    fn consumer(&self) -> &'static str {
        "worker"
    }

    fn message_types(&self) -> Vec<&'static str> {
        vec![Job::TYPE]
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        let job: Job = envelope.decode()?;
        self.deliveries.fetch_add(1, Ordering::SeqCst);
        let attempt = {
            let mut attempts = self.attempts.lock().unwrap();
            let attempt = attempts.entry(job.name.clone()).or_default();
            *attempt += 1;
            *attempt
        };
        if job.fail_times == u32::MAX {
            return Err(HandlerError::Permanent(format!("{} can never work", job.name)));
        }
        if attempt <= job.fail_times {
            return Err(HandlerError::Transient(format!("attempt {attempt} failed")));
        }
        tokio::time::sleep(Duration::from_millis(job.sleep_ms)).await;
        let mut uow = self.store.begin().await?;
        if uow.claim_message(self.consumer(), envelope).await? {
            self.handled.lock().unwrap().push(job.name.clone());
        }
        uow.commit().await?;
        Ok(())
    }
}

struct Setup {
    worker: Arc<Worker>,
    store: EventStore,
    life: Lifecycle,
    delivery: tokio::task::JoinHandle<()>,
    /// Over RabbitMQ: the broker this setup talks to.
    broker: Option<Arc<Broker>>,
    _fixture: TestStore,
}

/// Starts after which the test consumer dead-letters a redelivered message.
const DELIVERY_LIMIT: u32 = 3;

/// How delivery is set up in these tests: embedded, or through a broker namespace of the
/// test's own.
fn transport(bus: &Bus) -> Option<AmqpSettings> {
    match bus {
        Bus::Embedded => None,
        Bus::RabbitMq(url) => Some(AmqpSettings {
            url: url.clone(),
            namespace: format!("kernel-test-{}", &Uuid::new_v4().simple().to_string()[..12]),
            shards: 2,
            delivery_limit: DELIVERY_LIMIT,
            prefetch: 64,
        }),
    }
}

async fn start(fixture: TestStore, amqp: Option<AmqpSettings>) -> Setup {
    let store = fixture.store.clone();
    let worker = Arc::new(Worker {
        store: store.clone(),
        attempts: Mutex::default(),
        handled: Mutex::default(),
        deliveries: AtomicU32::new(0),
    });
    start_with(fixture, worker, amqp).await
}

async fn start_with(fixture: TestStore, worker: Arc<Worker>, amqp: Option<AmqpSettings>) -> Setup {
    let store = fixture.store.clone();
    let life = Lifecycle::default();
    let (delivery, broker) = match amqp {
        None => {
            let subscription = Subscription::new(worker.clone(), store.clone(), "test");
            let relay = Relay::new(store.clone(), Arc::new(Jobs), vec![subscription]);
            (tokio::spawn(relay.run(life.clone())), None)
        }
        Some(settings) => {
            let broker = Broker::new(settings);
            broker.declare(&[worker.clone() as Arc<dyn MessageHandler>]).await.expect("queues declared");
            let relay = AmqpRelay::new(store.clone(), Arc::new(Jobs), broker.clone());
            let consumer = AmqpConsumer::new(worker.clone(), store.clone(), broker.clone());
            let life_for_task = life.clone();
            let delivery = tokio::spawn(async move {
                tokio::join!(relay.run(life_for_task.clone()), consumer.run(life_for_task));
            });
            (delivery, Some(broker))
        }
    };
    Setup { worker, store, life, delivery, broker, _fixture: fixture }
}

impl Setup {
    fn amqp(&self) -> Option<AmqpSettings> {
        self.broker.as_ref().map(|broker| broker.settings().clone())
    }

    /// Where the relay keeps its place in the producing store.
    fn checkpoint(&self) -> String {
        match &self.broker {
            None => "delivery:worker<-test".to_owned(),
            Some(broker) => format!("amqp:{}", broker.settings().namespace),
        }
    }

    /// Stops delivery gracefully and hands back the store, the worker and the broker
    /// settings for a restart.
    async fn stop(self) -> (TestStore, Arc<Worker>, Option<AmqpSettings>) {
        let amqp = self.amqp();
        self.life.stop.cancel();
        self.delivery.await.unwrap();
        if let Some(broker) = &self.broker {
            broker.close().await;
        }
        (self._fixture, self.worker, amqp)
    }

    /// Stops everything at once, wherever it is, as a crash would: the broker gets back
    /// every message in hand.
    async fn crash(self) -> (TestStore, Arc<Worker>, Option<AmqpSettings>) {
        self.life.kill.cancel();
        self.life.stop.cancel();
        let amqp = self.amqp();
        self.delivery.abort();
        let _ = self.delivery.await;
        if let Some(broker) = &self.broker {
            broker.close().await;
        }
        (self._fixture, self.worker, amqp)
    }

    /// Stops delivery and deletes the test's queues.
    async fn finish(self) {
        let (_, _, amqp) = self.stop().await;
        if let Some(settings) = amqp {
            let broker = Broker::new(settings);
            broker.delete(&["worker"]).await.expect("queues deleted");
            broker.close().await;
        }
    }

    async fn handled_within(&self, count: usize, limit: Duration) -> Vec<String> {
        let deadline = Instant::now() + limit;
        loop {
            let handled = self.worker.handled.lock().unwrap().clone();
            if handled.len() >= count || Instant::now() > deadline {
                return handled;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Appends a `JobRequested` event to stream `job-{partition}`; returns its position.
async fn request(store: &EventStore, partition: &str, job: Job) -> Position {
    let stream = format!("job-{partition}");
    let mut uow = store.begin().await.unwrap();
    let version = uow.load(&stream).await.unwrap().len() as i64;
    let expected = if version == 0 { ExpectedVersion::NoStream } else { ExpectedVersion::Exact(version) };
    let event = NewEvent {
        event_id: Uuid::now_v7(),
        event_type: "JobRequested".to_owned(),
        schema_version: 1,
        payload: serde_json::to_value(&job).unwrap(),
        metadata: Metadata::default(),
    };
    let position = uow.append(&stream, expected, &[event]).await.unwrap().unwrap();
    uow.commit().await.unwrap();
    position
}

fn job(name: &str, fail_times: u32, sleep_ms: u64) -> Job {
    Job { name: name.to_owned(), fail_times, sleep_ms }
}

async fn dead_letters(store: &EventStore) -> Vec<(String, String)> {
    sqlx::query_as("select message_type, error from dead_letters").fetch_all(store.db().reader()).await.unwrap()
}

on_every_backend_and_bus!(transient_failures_are_retried_until_handled_once, |backend: Backend, bus: Bus| async move {
    let setup = start(TestStore::open(&backend).await, transport(&bus)).await;
    request(&setup.store, "a", job("flaky", 2, 0)).await;
    assert_eq!(setup.handled_within(1, Duration::from_secs(10)).await, ["flaky"]);
    assert_eq!(setup.worker.deliveries.load(Ordering::SeqCst), 3);
    assert!(dead_letters(&setup.store).await.is_empty());
    setup.finish().await;
});

on_every_backend_and_bus!(
    a_poison_message_is_dead_lettered_and_does_not_block_its_partition,
    |backend: Backend, bus: Bus| async move {
        let setup = start(TestStore::open(&backend).await, transport(&bus)).await;
        request(&setup.store, "a", job("poison", u32::MAX, 0)).await;
        request(&setup.store, "a", job("after", 0, 0)).await;
        assert_eq!(setup.handled_within(1, Duration::from_secs(10)).await, ["after"]);
        let dead = dead_letters(&setup.store).await;
        assert_eq!(dead, vec![("test.Job".to_owned(), "poison can never work".to_owned())]);
        assert_eq!(setup.worker.attempts.lock().unwrap()["poison"], 1, "a permanent failure is not retried");
        setup.finish().await;
    }
);

on_every_backend_and_bus!(a_slow_message_holds_back_only_its_own_partition, |backend: Backend, bus: Bus| async move {
    let setup = start(TestStore::open(&backend).await, transport(&bus)).await;
    let slow_at = request(&setup.store, "slow", job("slow", 0, 1500)).await;
    request(&setup.store, "slow", job("behind slow", 0, 0)).await;
    for n in 0..5 {
        request(&setup.store, &format!("fast-{n}"), job(&format!("fast {n}"), 0, 0)).await;
    }
    let early = setup.handled_within(5, Duration::from_secs(1)).await;
    assert_eq!(early.len(), 5, "other partitions went ahead: {early:?}");
    assert!(early.iter().all(|name| name.starts_with("fast")), "{early:?}");
    if bus == Bus::Embedded {
        // The checkpoint may not pass the unfinished slow message, however far others got.
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(setup.store.checkpoint(&setup.checkpoint()).await.unwrap() < slow_at);
    }
    let all = setup.handled_within(7, Duration::from_secs(10)).await;
    let slow = all.iter().position(|n| n == "slow").unwrap();
    let behind = all.iter().position(|n| n == "behind slow").unwrap();
    assert!(slow < behind, "order holds within a partition: {all:?}");
    setup.finish().await;
});

on_every_backend_and_bus!(a_replay_after_a_restart_has_no_second_effect, |backend: Backend, bus: Bus| async move {
    let setup = start(TestStore::open(&backend).await, transport(&bus)).await;
    for n in 0..3 {
        request(&setup.store, "a", job(&format!("job {n}"), 0, 0)).await;
    }
    assert_eq!(setup.handled_within(3, Duration::from_secs(10)).await.len(), 3);
    let checkpoint = setup.checkpoint();
    let (fixture, worker, amqp) = setup.stop().await;
    let saved = fixture.store.checkpoint(&checkpoint).await.unwrap();
    assert!(saved > Position::default(), "a graceful stop saves the checkpoint");

    // As if the checkpoint had not been saved before a crash: everything comes again.
    let mut tx = fixture.store.db().begin().await.unwrap();
    sqlx::query("delete from checkpoints where name = $1").bind(&checkpoint).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let setup = start_with(fixture, worker, amqp).await;
    request(&setup.store, "a", job("job 3", 0, 0)).await;
    let handled = setup.handled_within(4, Duration::from_secs(10)).await;
    assert_eq!(handled, ["job 0", "job 1", "job 2", "job 3"], "each handled once, in order");
    let deliveries = setup.worker.deliveries.load(Ordering::SeqCst);
    assert_eq!(deliveries, 7, "the first three were delivered again and dropped by the inbox");
    setup.finish().await;
});

on_every_backend!(
    a_message_its_consumer_keeps_dying_on_is_dead_lettered_past_the_delivery_limit,
    |backend: Backend| async move {
        let Some(bus) = Bus::rabbitmq() else { return };
        let mut setup = start(TestStore::open(&backend).await, transport(&bus)).await;
        // "killer" hangs its handler until the process dies; "after" waits behind it.
        request(&setup.store, "a", job("killer", 0, 3_600_000)).await;
        request(&setup.store, "a", job("after", 0, 0)).await;
        let mut crashes = 0;
        let killer_starts = |setup: &Setup| setup.worker.attempts.lock().unwrap().get("killer").copied().unwrap_or(0);
        loop {
            // Wait until the killer is in hand again (each life starts it once), or the
            // message behind it was handled. It may well have started before this looks.
            let deadline = Instant::now() + Duration::from_secs(20);
            while killer_starts(&setup) <= crashes && setup.worker.handled.lock().unwrap().is_empty() {
                assert!(Instant::now() < deadline, "the killer was not delivered again after {crashes} crashes");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            if setup.handled_within(1, Duration::from_millis(500)).await == ["after"] {
                break;
            }
            assert!(crashes <= DELIVERY_LIMIT + 2, "still not dead-lettered after {crashes} crashes");
            let (fixture, worker, amqp) = setup.crash().await;
            crashes += 1;
            setup = start_with(fixture, worker, amqp).await;
        }
        let attempts = setup.worker.attempts.lock().unwrap()["killer"];
        assert_eq!(attempts, DELIVERY_LIMIT, "started until the limit, then given up");
        assert_eq!(setup.worker.attempts.lock().unwrap()["after"], 1, "what waited behind it was not counted");
        let dead = setup.handled_within(1, Duration::ZERO).await;
        assert_eq!(dead, ["after"], "the partition went on, and the killer never finished");
        let letters = dead_letters(&setup.store).await;
        assert_eq!(letters.len(), 1, "{letters:?}");
        assert!(letters[0].1.starts_with("delivery limit reached"), "{letters:?}");
        setup.finish().await;
    }
);

/// Publishes `body` to `exchange` of the test's broker namespace, confirmed.
async fn publish_raw(settings: &AmqpSettings, exchange: &str, routing_key: &str, body: &[u8]) {
    let connection = lapin::Connection::connect(&settings.url, lapin::ConnectionProperties::default()).await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel.confirm_select(Default::default()).await.unwrap();
    let exchange = format!("{}.{exchange}", settings.namespace);
    let confirm = channel
        .basic_publish(exchange.into(), routing_key.into(), Default::default(), body, Default::default())
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(confirm.is_ack());
    connection.close(200, "done".into()).await.unwrap();
}

on_every_backend!(what_cannot_be_handled_over_rabbitmq_is_recorded_as_a_dead_letter, |backend: Backend| async move {
    let Some(bus) = Bus::rabbitmq() else { return };
    let setup = start(TestStore::open(&backend).await, transport(&bus)).await;
    let settings = setup.amqp().unwrap();
    // Not an envelope at all: never handed to the handler.
    publish_raw(&settings, "messages", "test.Job.0", b"not json").await;
    // What the broker dead-letters past its own delivery limit (the backstop).
    let envelope = Envelope::new(Uuid::now_v7(), "test", chrono::Utc::now(), &job("backstop", 0, 0)).unwrap();
    publish_raw(&settings, "dead-letters", "worker", &serde_json::to_vec(&envelope).unwrap()).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let letters = loop {
        let letters = dead_letters(&setup.store).await;
        if letters.len() >= 2 || Instant::now() > deadline {
            break letters;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(letters.len(), 2, "{letters:?}");
    assert!(
        letters.iter().any(|(kind, error)| kind == "unknown" && error.starts_with("the message is not an envelope"))
    );
    assert!(letters.iter().any(|(kind, error)| kind == "test.Job" && error.starts_with("delivery limit reached")));
    assert!(setup.worker.handled.lock().unwrap().is_empty());
    setup.finish().await;
});
