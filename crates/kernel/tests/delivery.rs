//! The consumer loop over the in-process bus: transient failures are retried, a message
//! that can never be handled is dead-lettered (and the publisher released), and a relay
//! publishes each event once per consumer even across a redelivery.

use async_trait::async_trait;
use kernel::bus::{Bus, Envelope, InProcessBus, Message};
use kernel::event_store::EventStore;
use kernel::messaging::{Consumer, HandlerError, MessageHandler};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use testkit::{Backend, TestStore, on_every_backend};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

#[derive(Serialize, Deserialize)]
struct Job {
    fail_times: u32,
}
impl Message for Job {
    const TYPE: &'static str = "test.Job";
}

/// Fails the first `fail_times` attempts (transiently), or always (permanently) when
/// `fail_times` is `u32::MAX`; records each success in its inbox.
struct Flaky {
    store: EventStore,
    attempts: AtomicU32,
    handled: AtomicU32,
}

#[async_trait]
impl MessageHandler for Flaky {
    fn consumer(&self) -> &'static str {
        "flaky"
    }

    fn message_types(&self) -> Vec<&'static str> {
        vec![Job::TYPE]
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        let job: Job = envelope.decode()?;
        let attempt = self.attempts.fetch_add(1, Ordering::SeqCst) + 1;
        if job.fail_times == u32::MAX {
            return Err(HandlerError::Permanent("this job can never work".into()));
        }
        if attempt <= job.fail_times {
            return Err(HandlerError::Transient(format!("attempt {attempt} failed")));
        }
        let mut uow = self.store.begin().await?;
        if uow.claim_message(self.consumer(), envelope).await? {
            self.handled.fetch_add(1, Ordering::SeqCst);
        }
        uow.commit().await?;
        Ok(())
    }
}

struct Setup {
    bus: Arc<InProcessBus>,
    handler: Arc<Flaky>,
    store: EventStore,
    cancel: CancellationToken,
    _fixture: TestStore,
}

async fn setup(backend: &Backend) -> Setup {
    let fixture = TestStore::open(backend).await;
    let store = fixture.store.clone();
    let handler = Arc::new(Flaky { store: store.clone(), attempts: AtomicU32::new(0), handled: AtomicU32::new(0) });
    let bus = Arc::new(InProcessBus::new());
    let consumer = Consumer::new(handler.clone(), store.clone());
    let subscription = consumer.subscribe(bus.as_ref()).await.unwrap();
    let cancel = CancellationToken::new();
    tokio::spawn(consumer.run(subscription, cancel.clone()));
    Setup { bus, handler, store, cancel, _fixture: fixture }
}

fn job(fail_times: u32) -> Envelope {
    Envelope::new(Uuid::now_v7(), "test", chrono::Utc::now(), &Job { fail_times }).unwrap()
}

async fn dead_letters(store: &EventStore) -> Vec<(String, String)> {
    sqlx::query_as("select message_type, error from dead_letters").fetch_all(store.db().reader()).await.unwrap()
}

on_every_backend!(transient_failures_are_retried_until_handled_once, |backend: Backend| async move {
    let setup = setup(&backend).await;
    setup.bus.publish(job(2)).await.unwrap();
    assert_eq!(setup.handler.attempts.load(Ordering::SeqCst), 3);
    assert_eq!(setup.handler.handled.load(Ordering::SeqCst), 1);
    assert!(dead_letters(&setup.store).await.is_empty());
    setup.cancel.cancel();
});

on_every_backend!(a_message_that_cannot_be_handled_is_dead_lettered, |backend: Backend| async move {
    let setup = setup(&backend).await;
    setup.bus.publish(job(u32::MAX)).await.expect("the publisher is released");
    let dead = dead_letters(&setup.store).await;
    assert_eq!(dead, vec![("test.Job".to_owned(), "this job can never work".to_owned())]);
    assert_eq!(setup.handler.attempts.load(Ordering::SeqCst), 1, "a permanent failure is not retried");
    setup.cancel.cancel();
});

on_every_backend!(a_redelivered_message_has_no_second_effect, |backend: Backend| async move {
    let setup = setup(&backend).await;
    let envelope = job(0);
    setup.bus.publish(envelope.clone()).await.unwrap();
    setup.bus.publish(envelope).await.unwrap();
    assert_eq!(setup.handler.attempts.load(Ordering::SeqCst), 2, "delivered twice");
    assert_eq!(setup.handler.handled.load(Ordering::SeqCst), 1, "handled once");
    setup.cancel.cancel();
});
