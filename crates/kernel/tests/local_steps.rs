//! Commands a saga carries out in place: a step whose receiver lives in the saga's own
//! database runs inside the transition that issues it, its reply moves the saga on in the
//! same transaction, and a refusal leaves the step to its deadline like a silent receiver.
//! A saga moved by another process meanwhile is not misjudged from this one's memory of it.

use async_trait::async_trait;
use kernel::bus::{BusError, Envelope, Message};
use kernel::event_store::{EventStore, ExpectedVersion, Metadata, NewEvent, StoreError, UnitOfWork};
use kernel::saga::{
    Answer, Command, LocalReceiver, Outcome, SagaContext, SagaDefinition, SagaEngine, SagaError, SagaEvent, SagaStatus,
};
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use testkit::{Backend, TestStore, on_every_backend};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::VariantArray, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
enum Step {
    /// Done when the saga starts; undone in place.
    Open,
    /// Another context's work, answered by a message.
    Ask,
    /// The saga's own context's work, carried out in place.
    Note,
}

/// The message types of this test, each a message naming its saga.
const TYPES: [&str; 6] = ["test.AskIt", "test.Asked", "test.NoteIt", "test.Noted", "test.Close", "test.Closed"];

/// A message naming its saga, of type `TYPES[K]`.
#[derive(Serialize, Deserialize)]
struct Said<const K: usize> {
    saga: Uuid,
}

impl<const K: usize> Message for Said<K> {
    const TYPE: &'static str = TYPES[K];
}

type AskIt = Said<0>;
type Asked = Said<1>;
type NoteIt = Said<2>;
type Noted = Said<3>;
type Close = Said<4>;
type Closed = Said<5>;

/// A three-step saga whose last step and first compensation are the saga's own.
struct Errand;

impl SagaDefinition for Errand {
    type Step = Step;
    type Data = ();
    const NAME: &'static str = "errand";
    const CONSUMER: &'static str = "errand";

    fn action(&self, step: Step, saga: &SagaContext<'_, ()>) -> Result<Option<Command>, BusError> {
        let saga = saga.saga_id;
        match step {
            Step::Open => Ok(None),
            Step::Ask => Command::new(&AskIt { saga }).map(Some),
            Step::Note => Command::new(&NoteIt { saga }).map(Some),
        }
    }

    fn compensation(&self, step: Step, saga: &SagaContext<'_, ()>) -> Result<Option<Command>, BusError> {
        match step {
            Step::Open => Command::new(&Close { saga: saga.saga_id }).map(Some),
            Step::Ask | Step::Note => Ok(None),
        }
    }

    fn answers(&self) -> Vec<Answer<Step>> {
        let done = |saga| (saga, Outcome::Succeeded(Value::Null));
        vec![
            Answer::action(Step::Ask, move |m: Asked| done(m.saga)),
            Answer::action(Step::Note, move |m: Noted| done(m.saga)),
            Answer::undone(Step::Open, |m: Closed| m.saga),
        ]
    }

    fn deadline(&self, _step: Step) -> chrono::Duration {
        chrono::Duration::seconds(1)
    }
}

/// Notes and closes errands in the saga's own store: each effect is an event on the
/// errand's own stream, caused by the command. Refuses to note while `refuse` is set.
#[derive(Default)]
struct Desk {
    refuse: AtomicBool,
}

fn desk_stream(saga: Uuid) -> String {
    format!("desk-{saga}")
}

#[async_trait]
impl LocalReceiver for Desk {
    fn command_types(&self) -> Vec<&'static str> {
        vec![NoteIt::TYPE, Close::TYPE]
    }

    async fn receive(
        &self,
        uow: &mut UnitOfWork,
        command: &Envelope,
        effects: &Metadata,
    ) -> Result<Option<Envelope>, SagaError> {
        let (saga, reply) = match command.message_type.as_str() {
            NoteIt::TYPE if self.refuse.load(Ordering::SeqCst) => return Ok(None),
            NoteIt::TYPE => {
                let NoteIt { saga } = command.decode()?;
                (saga, Envelope::new(Uuid::now_v7(), "desk", chrono::Utc::now(), &Noted { saga })?)
            }
            _ => {
                let Close { saga } = command.decode()?;
                (saga, Envelope::new(Uuid::now_v7(), "desk", chrono::Utc::now(), &Closed { saga })?)
            }
        };
        let effect = NewEvent {
            event_id: Uuid::now_v7(),
            event_type: command.message_type.clone(),
            schema_version: 1,
            payload: Value::Null,
            metadata: effects.clone(),
        };
        let stream = desk_stream(saga);
        let version = uow.load(&stream).await?.len();
        let expected = if version == 0 { ExpectedVersion::NoStream } else { ExpectedVersion::Exact(version as i64) };
        uow.append(&stream, expected, &[effect]).await?;
        Ok(Some(reply))
    }
}

async fn started(store: &EventStore, desk: &Arc<Desk>) -> (SagaEngine<Errand>, Uuid) {
    let engine = SagaEngine::new(Errand, store.clone()).with_local_receiver(desk.clone());
    let saga = Uuid::now_v7();
    let mut uow = store.begin().await.unwrap();
    engine.start(&mut uow, saga, &(), &Metadata::default()).await.unwrap();
    uow.commit().await.unwrap();
    (engine, saga)
}

async fn status(engine: &SagaEngine<Errand>, saga: Uuid) -> SagaStatus {
    engine.view(saga).await.unwrap().expect("the saga exists").status
}

/// The saga's commands as (type, carried out in place).
async fn issued(store: &EventStore, saga: Uuid) -> Result<Vec<(String, bool)>, StoreError> {
    let mut commands = Vec::new();
    for event in store.load(&kernel::saga::stream_id(saga)).await? {
        if let SagaEvent::SagaCommandIssued { envelope, in_place, .. } = event.decode()? {
            commands.push((envelope.message_type, in_place));
        }
    }
    Ok(commands)
}

on_every_backend!(a_local_step_runs_in_the_transition_that_issues_it, |backend: Backend| async move {
    let test = TestStore::open(&backend).await;
    let desk = Arc::new(Desk::default());
    let (engine, saga) = started(&test.store, &desk).await;
    assert_eq!(issued(&test.store, saga).await.unwrap(), [(AskIt::TYPE.to_owned(), false)]);

    let answer = Envelope::new(Uuid::now_v7(), "elsewhere", chrono::Utc::now(), &Asked { saga }).unwrap();
    engine.handle_reply(&answer).await.unwrap();

    assert_eq!(status(&engine, saga).await, SagaStatus::Completed, "no message had to travel for the last step");
    assert_eq!(
        issued(&test.store, saga).await.unwrap(),
        [(AskIt::TYPE.to_owned(), false), (NoteIt::TYPE.to_owned(), true)],
        "the local command is recorded, marked as carried out in place (so the relay does not publish it)"
    );
    let effects = test.store.load(&desk_stream(saga)).await.unwrap();
    assert_eq!(effects.len(), 1, "noted once");
    assert_eq!(effects[0].metadata.correlation_id, Some(saga), "the effect belongs to the saga's conversation");
});

on_every_backend!(a_refused_local_command_is_left_to_its_deadline, |backend: Backend| async move {
    let test = TestStore::open(&backend).await;
    let desk = Arc::new(Desk { refuse: AtomicBool::new(true) });
    let (engine, saga) = started(&test.store, &desk).await;
    let answer = Envelope::new(Uuid::now_v7(), "elsewhere", chrono::Utc::now(), &Asked { saga }).unwrap();
    engine.handle_reply(&answer).await.unwrap();

    assert_eq!(status(&engine, saga).await, SagaStatus::Running, "a refusal is no answer");
    assert!(test.store.load(&desk_stream(saga)).await.unwrap().is_empty());
    assert_eq!(engine.fire_due().await.unwrap(), 0, "not due yet");

    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    assert_eq!(engine.fire_due().await.unwrap(), 1);
    assert_eq!(
        status(&engine, saga).await,
        SagaStatus::Compensated,
        "the missed deadline failed the step, and the compensation, also local, ran in the same transition"
    );
    let effects: Vec<String> =
        test.store.load(&desk_stream(saga)).await.unwrap().into_iter().map(|e| e.event_type).collect();
    assert_eq!(effects, [Close::TYPE], "closed, never noted");
});

/// Two engines over one store, as two processes serving the same context: `here` started
/// the saga (and remembers it awaiting `Ask`); `elsewhere`, whose desk refuses to note,
/// took the `Ask` answer, so the saga now waits on `Note`.
async fn moved_elsewhere(store: &EventStore) -> (SagaEngine<Errand>, Uuid) {
    let desk = Arc::new(Desk::default());
    let (here, saga) = started(store, &desk).await;
    let refusing = Arc::new(Desk { refuse: AtomicBool::new(true) });
    let elsewhere = SagaEngine::new(Errand, store.clone()).with_local_receiver(refusing);
    let answer = Envelope::new(Uuid::now_v7(), "elsewhere", chrono::Utc::now(), &Asked { saga }).unwrap();
    elsewhere.handle_reply(&answer).await.unwrap();
    (here, saga)
}

on_every_backend!(
    an_answer_the_remembered_state_would_ignore_is_judged_on_the_stored_one,
    |backend: Backend| async move {
        let test = TestStore::open(&backend).await;
        let (here, saga) = moved_elsewhere(&test.store).await;

        // The desk noted after all and says so; `here` last saw the saga awaiting `Ask`.
        let noted = Envelope::new(Uuid::now_v7(), "desk", chrono::Utc::now(), &Noted { saga }).unwrap();
        here.handle_reply(&noted).await.unwrap();

        assert_eq!(status(&here, saga).await, SagaStatus::Completed, "the answer the saga waited for is taken");
    }
);

on_every_backend!(an_answer_the_remembered_state_would_act_on_is_not_acted_on_twice, |backend: Backend| async move {
    let test = TestStore::open(&backend).await;
    let (here, saga) = moved_elsewhere(&test.store).await;

    // `Ask` answered a second time (a new message): `here` remembers it as awaited.
    let again = Envelope::new(Uuid::now_v7(), "elsewhere", chrono::Utc::now(), &Asked { saga }).unwrap();
    here.handle_reply(&again).await.unwrap();

    assert_eq!(
        issued(&test.store, saga).await.unwrap(),
        [(AskIt::TYPE.to_owned(), false), (NoteIt::TYPE.to_owned(), true)],
        "the step it had already moved past is not started again"
    );
    assert!(test.store.load(&desk_stream(saga)).await.unwrap().is_empty(), "nothing noted");
    assert_eq!(status(&here, saga).await, SagaStatus::Running);
});

/// How many times the saga's consumer claimed message `message_id` in its inbox.
async fn claims(store: &EventStore, message_id: Uuid) -> i64 {
    sqlx::query_scalar("select cast(count(*) as bigint) from inbox where consumer = $1 and message_id = $2")
        .bind(Errand::CONSUMER)
        .bind(message_id.to_string())
        .fetch_one(store.db().reader())
        .await
        .unwrap()
}

on_every_backend!(an_answer_taken_in_place_is_not_taken_again_from_the_relay, |backend: Backend| async move {
    let test = TestStore::open(&backend).await;
    let desk = Arc::new(Desk::default());
    let (engine, saga) = started(&test.store, &desk).await;
    let asked = Envelope::new(Uuid::now_v7(), "elsewhere", chrono::Utc::now(), &Asked { saga }).unwrap();
    engine.handle_reply(&asked).await.unwrap();
    assert_eq!(status(&engine, saga).await, SagaStatus::Completed);

    // The desk's note is published like any event, and the relay brings it to the saga's
    // consumer, which took its answer in place already.
    let noted = &test.store.load(&desk_stream(saga)).await.unwrap()[0];
    let relayed = kernel::messaging::derived_envelope(noted, "desk", &Noted { saga }).unwrap();
    engine.handle_reply(&relayed).await.unwrap();

    assert_eq!(claims(&test.store, relayed.message_id).await, 0, "dropped unread: no unit of work, no inbox claim");
    assert_eq!(claims(&test.store, asked.message_id).await, 1, "a travelling answer is claimed as ever");
    assert_eq!(status(&engine, saga).await, SagaStatus::Completed);
    assert_eq!(
        Metadata::caused_by(&relayed).answered_in_place_for,
        None,
        "what another handler does on hearing the note is no answer taken in place"
    );
});

/// How many values of `metric` with `labels` were recorded since the last look (a snapshot
/// takes them out of the recorder): a counter's increments, or a histogram's observations.
fn recorded_since_last_look(snapshotter: &Snapshotter, metric: &str, labels: &[(&str, &str)]) -> u64 {
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter(|(key, ..)| {
            let key = key.key();
            key.name() == metric
                && labels.iter().all(|(name, value)| key.labels().any(|l| l.key() == *name && l.value() == *value))
        })
        .map(|(.., value)| match value {
            DebugValue::Counter(total) => total,
            DebugValue::Histogram(values) => values.len() as u64,
            DebugValue::Gauge(_) => 0,
        })
        .sum()
}

// Metrics count what committed: a transition decided on a remembered state that another
// process had moved past (its append conflicts, the retry does nothing) and a saga start
// rolled back with its unit count nothing.
on_every_backend!(only_committed_transitions_are_counted, |backend: Backend| async move {
    // A recorder of this test's thread only, where the runtime below runs the test's body
    // (and so every transition); other tests, on threads of their own, cannot move these
    // counts. Spawned tasks (a dropped unit's rollback) run on the runtime's workers.
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let _local = metrics::set_default_local_recorder(&recorder);
    let test = TestStore::open(&backend).await;
    let (here, saga) = moved_elsewhere(&test.store).await;
    let (timed, asked) =
        ("emporium_saga_step_seconds", [("saga", Errand::NAME), ("step", "ask"), ("outcome", "succeeded")]);
    assert_eq!(recorded_since_last_look(&snapshotter, timed, &asked), 1, "the answer taken elsewhere");

    let again = Envelope::new(Uuid::now_v7(), "elsewhere", chrono::Utc::now(), &Asked { saga }).unwrap();
    here.handle_reply(&again).await.unwrap();
    assert_eq!(
        recorded_since_last_look(&snapshotter, timed, &asked),
        0,
        "a step that did not happen here is not timed"
    );

    let started = ("emporium_saga_started_total", [("saga", Errand::NAME)]);
    recorded_since_last_look(&snapshotter, started.0, &started.1);
    let mut uow = test.store.begin().await.unwrap();
    here.start(&mut uow, Uuid::now_v7(), &(), &Metadata::default()).await.unwrap();
    drop(uow);
    assert_eq!(recorded_since_last_look(&snapshotter, started.0, &started.1), 0, "a start rolled back is no start");
});
