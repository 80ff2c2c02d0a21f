//! Orchestrated sagas as persisted state machines.
//!
//! A saga is a stream of events (`saga-{id}`) in its owner's event store. Every transition
//! is appended — together with the command it sends, as a `SagaCommandIssued` event the
//! relay publishes — before anything goes out, so a crash at any point resumes from the
//! stream. The transition function [`decide`] is pure; [`SagaEngine`] does the I/O.
//!
//! A command for the saga's own context (Orders confirming its own order) need not travel:
//! a [`LocalReceiver`] carries it out inside the transition that issues it, and its reply
//! is fed straight back, as Temporal's local activities do. The command is still recorded,
//! so the saga's history reads the same either way.
//!
//! Rules:
//! - steps run in the order their enum declares them; a step without an action succeeds at once;
//! - a failed step compensates the steps that succeeded, newest first; a step that timed
//!   out is compensated too, because it may have taken effect after all;
//! - a step that misses its deadline has failed, unless it is retried until done (its command
//!   is sent again); deadlines are stored, so timers survive restarts;
//! - a compensation that fails or misses its deadline is retried for as long as it takes,
//!   with growing pauses; after [`SagaDefinition::MAX_COMPENSATION_ATTEMPTS`] the saga is
//!   also flagged `needs_attention` (an alert for a person) until one succeeds;
//! - commands carry deterministic ids (saga, step, phase, attempt), so receivers can
//!   deduplicate; replies that do not match what the saga awaits are ignored.

use crate::bus::{BusError, Envelope, Message};
use crate::event_store::{DomainEvent, EventStore, ExpectedVersion, Metadata, NewEvent, StoreError, UnitOfWork};
use crate::messaging::{HandlerError, MessageHandler};
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use strum::VariantArray;
use uuid::Uuid;

/// The steps of one saga type: an enum whose variants, in declaration order, are the
/// steps in execution order. Derive `strum::VariantArray` (the order) and
/// `strum::IntoStaticStr` with `#[strum(serialize_all = "snake_case")]` (the stored names)
/// and the enum is a `SagaStep`: nothing to list by hand, so no step can be left out.
pub trait SagaStep:
    Copy + Eq + std::fmt::Debug + Send + Sync + 'static + strum::VariantArray + Into<&'static str>
{
    /// Stable name stored in events and shown to people.
    fn name(self) -> &'static str {
        self.into()
    }

    /// The step with stored name `name`.
    fn from_name(name: &str) -> Option<Self> {
        Self::VARIANTS.iter().copied().find(|s| s.name() == name)
    }
}

impl<T> SagaStep for T where
    T: Copy + Eq + std::fmt::Debug + Send + Sync + 'static + strum::VariantArray + Into<&'static str>
{
}

/// Why a step or saga failed, in words for machines (`code`) and people (`message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, async_graphql::SimpleObject)]
pub struct Failure {
    /// Stable code, e.g. `out_of_stock`.
    pub code: String,
    /// Explanation for a person.
    pub message: String,
}

impl Failure {
    /// A failure with `code` and `message`.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Failure { code: code.into(), message: message.into() }
    }
}

/// Whether a command or reply belongs to a step's action or to its compensation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Doing the step.
    Forward,
    /// Undoing the step.
    Compensation,
}

/// What a reply says about the step it answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Its receiver has begun (or begun again): the step's deadline counts from now.
    Started,
    /// Done; the value is kept and offered to later steps (e.g. a shipment id).
    Succeeded(Value),
    /// Could not be done.
    Failed(Failure),
    /// Will never be done, however often it is asked (an undo that came too late): for a
    /// compensation, the saga is flagged for a person at once instead of after its retries.
    Refused(Failure),
}

/// A message read as an answer to one saga's step.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply<S> {
    /// The saga it answers.
    pub saga_id: Uuid,
    /// The step it answers.
    pub step: S,
    /// Action or compensation.
    pub phase: Phase,
    /// The result.
    pub outcome: Outcome,
}

/// How one reply message answers a step: which step and phase it answers, and how to read
/// the saga it is for and the outcome it carries. A definition's answers are its whole
/// reply mapping: the engine subscribes to their message types and reads replies by them.
pub struct Answer<S> {
    message_type: &'static str,
    step: S,
    phase: Phase,
    /// Whether it only says the receiver began (it does not finish the step).
    announces_start: bool,
    read: ReadReply,
}

/// Reads a reply's envelope: the saga it is for, and how the step went.
type ReadReply = Box<dyn Fn(&Envelope) -> Result<(Uuid, Outcome), BusError> + Send + Sync>;

impl<S: SagaStep> Answer<S> {
    /// Message `M` answers `step`'s action; `read` names the saga and says how it went.
    pub fn action<M: Message + 'static>(step: S, read: impl Fn(M) -> (Uuid, Outcome) + Send + Sync + 'static) -> Self {
        let read = move |e: &Envelope| Ok(read(e.decode()?));
        Answer { message_type: M::TYPE, step, phase: Phase::Forward, announces_start: false, read: Box::new(read) }
    }

    /// Message `M` says the receiver of `step`'s action began working on it, for the saga
    /// `saga_of` names (see [`SagaDefinition::queue_deadline`]).
    pub fn started<M: Message + 'static>(step: S, saga_of: impl Fn(M) -> Uuid + Send + Sync + 'static) -> Self {
        let read = move |e: &Envelope| Ok((saga_of(e.decode()?), Outcome::Started));
        Answer { message_type: M::TYPE, step, phase: Phase::Forward, announces_start: true, read: Box::new(read) }
    }

    /// Message `M` says `step` was undone, for the saga `saga_of` names.
    pub fn undone<M: Message + 'static>(step: S, saga_of: impl Fn(M) -> Uuid + Send + Sync + 'static) -> Self {
        let read = move |e: &Envelope| Ok((saga_of(e.decode()?), Outcome::Succeeded(Value::Null)));
        Answer { message_type: M::TYPE, step, phase: Phase::Compensation, announces_start: false, read: Box::new(read) }
    }

    /// Message `M` says `step` cannot be undone any more (a parcel that has left cannot be
    /// called back): `read` names the saga and says why. Asking again will not change the
    /// answer, so the saga is flagged for a person at once instead of after its retries.
    pub fn not_undone<M: Message + 'static>(
        step: S,
        read: impl Fn(M) -> (Uuid, Failure) + Send + Sync + 'static,
    ) -> Self {
        let read = move |e: &Envelope| {
            let (saga_id, failure) = read(e.decode()?);
            Ok((saga_id, Outcome::Refused(failure)))
        };
        Answer { message_type: M::TYPE, step, phase: Phase::Compensation, announces_start: false, read: Box::new(read) }
    }
}

/// A definition's answers by message type: how its engine reads replies.
pub struct Answers<S>(std::collections::HashMap<&'static str, Answer<S>>);

impl<S: SagaStep> Answers<S> {
    /// The answers of `definition`.
    ///
    /// # Panics
    /// When two of them share a message type: one message could then answer two steps, a
    /// mistake in the definition that must stop it at start.
    pub fn of<D: SagaDefinition<Step = S>>(definition: &D) -> Self {
        let mut answers = std::collections::HashMap::new();
        for answer in definition.answers() {
            let message_type = answer.message_type;
            assert!(answers.insert(message_type, answer).is_none(), "{message_type} answers two steps of {}", D::NAME);
        }
        Answers(answers)
    }

    /// Reads `envelope` as a reply, if its type is one of the answers.
    pub fn interpret(&self, envelope: &Envelope) -> Result<Option<Reply<S>>, BusError> {
        let Some(answer) = self.0.get(envelope.message_type.as_str()) else { return Ok(None) };
        let (saga_id, outcome) = (answer.read)(envelope)?;
        Ok(Some(Reply { saga_id, step: answer.step, phase: answer.phase, outcome }))
    }

    /// The message types that are replies.
    pub fn message_types(&self) -> Vec<&'static str> {
        self.0.keys().copied().collect()
    }
}

/// A step's result, typed: what [`Outcome::Succeeded`] carries for it, and what later
/// steps read back with [`SagaContext::result`].
pub fn succeeded<R: Serialize>(result: &R) -> Outcome {
    Outcome::Succeeded(serde_json::to_value(result).unwrap_or(Value::Null))
}

/// The commands of `definition` that no answer would ever answer, in words (empty when
/// every one is answered). A saga whose command has no answer waits for a reply that can
/// never come, so every definition's tests call this with `sample` data from which every
/// step's action and compensation can be built.
pub fn unanswered<D: SagaDefinition>(definition: &D, sample: &SagaContext<'_, D::Data>) -> Vec<String> {
    let answers = definition.answers();
    let mut problems = Vec::new();
    for step in D::Step::VARIANTS.iter().copied() {
        let announced = answers.iter().any(|a| a.step == step && a.phase == Phase::Forward && a.announces_start);
        if definition.queue_deadline(step).is_some() && !announced {
            problems.push(format!("{} waits for its receiver to begin, but nothing says it began", step.name()));
        }
        for phase in [Phase::Forward, Phase::Compensation] {
            let command = match phase {
                Phase::Forward => definition.action(step, sample),
                Phase::Compensation => definition.compensation(step, sample),
            };
            match command {
                Ok(Some(command))
                    if !answers.iter().any(|a| a.step == step && a.phase == phase && !a.announces_start) =>
                {
                    problems.push(format!(
                        "{} ({phase:?}) sends {} but nothing answers it",
                        step.name(),
                        command.message_type
                    ));
                }
                Ok(_) => {}
                Err(error) => {
                    problems.push(format!("{} ({phase:?}) cannot be built from the sample: {error}", step.name()))
                }
            }
        }
    }
    problems
}

/// A command a step sends: a contract message, enveloped by the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    message_type: &'static str,
    schema_version: i32,
    payload: Value,
}

impl Command {
    /// Wraps a contract message.
    pub fn new<M: Message>(message: &M) -> Result<Self, BusError> {
        Ok(Command {
            message_type: M::TYPE,
            schema_version: M::VERSION,
            payload: serde_json::to_value(message)
                .map_err(|source| BusError::Payload { message_type: M::TYPE.to_owned(), source })?,
        })
    }
}

/// What a step's action or compensation may look at.
#[derive(Debug)]
pub struct SagaContext<'a, D> {
    /// The saga's id.
    pub saga_id: Uuid,
    /// The data the saga started with.
    pub data: &'a D,
    /// Results of the steps that succeeded so far, by step name.
    pub results: &'a BTreeMap<String, Value>,
    /// Why the saga is compensating, once it is.
    pub failure: Option<&'a Failure>,
}

impl<D> SagaContext<'_, D> {
    /// The typed result of `step`, which succeeded earlier (see [`succeeded`]).
    pub fn result<R: DeserializeOwned>(&self, step: impl SagaStep) -> Result<R, BusError> {
        let stored = self
            .results
            .get(step.name())
            .ok_or_else(|| BusError::MissingData(format!("{} has no result yet", step.name())))?;
        serde_json::from_value(stored.clone())
            .map_err(|error| BusError::MissingData(format!("{}'s result does not decode: {error}", step.name())))
    }
}

/// One saga type: its steps, what each sends and undoes, and how replies are read.
pub trait SagaDefinition: Send + Sync + 'static {
    /// The step enum.
    type Step: SagaStep;
    /// What the saga starts with.
    type Data: Serialize + DeserializeOwned + Send + Sync;
    /// Stable type name, stored in every saga of this type.
    const NAME: &'static str;
    /// Queue / inbox name for this saga's replies, unique across the platform.
    const CONSUMER: &'static str;
    /// Attempts at one compensation before the saga needs a person.
    const MAX_COMPENSATION_ATTEMPTS: u32 = 5;

    /// The command that performs `step`, or `None` when the step needs no other context.
    fn action(&self, step: Self::Step, saga: &SagaContext<'_, Self::Data>) -> Result<Option<Command>, BusError>;
    /// The command that undoes `step`, or `None` when there is nothing to undo.
    fn compensation(&self, step: Self::Step, saga: &SagaContext<'_, Self::Data>) -> Result<Option<Command>, BusError>;
    /// Every reply message and the step it answers: the whole reply mapping.
    fn answers(&self) -> Vec<Answer<Self::Step>>;

    /// How long `step` (or its compensation) may take to answer; for a step whose
    /// receiver announces its start, how long its receiver may work once it began.
    fn deadline(&self, _step: Self::Step) -> Duration {
        Duration::seconds(30)
    }

    /// For a step whose receiver announces when it begins (an [`Answer::started`]), how
    /// long its command may wait for that: a command still waiting for its receiver (a
    /// backlog, a receiver restarting) has not failed, so queue time is not work time.
    /// `None` (the default): the step's deadline counts from when its command is sent.
    fn queue_deadline(&self, _step: Self::Step) -> Option<Duration> {
        None
    }

    /// Whether `step` can never fail: a missed deadline sends its command again (a new
    /// attempt) instead of failing the saga. For steps after the point of no return, whose
    /// receiver always succeeds in the end.
    fn retried_until_done(&self, _step: Self::Step) -> bool {
        false
    }

    /// Pause before retrying a compensation that failed for the `attempt`-th time.
    fn retry_delay(&self, attempt: u32) -> Duration {
        Duration::seconds(2_i64.saturating_mul(1 << attempt.min(10)))
    }
}

/// Where a saga stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
pub enum SagaStatus {
    /// No event yet.
    #[default]
    NotStarted,
    /// Doing steps.
    Running,
    /// Undoing steps after a failure.
    Compensating,
    /// Every step succeeded.
    Completed,
    /// Failed and fully undone.
    Compensated,
    /// A compensation keeps failing: it is still retried, and a person should look.
    NeedsAttention,
}

impl SagaStatus {
    /// Whether the saga will never change again by itself.
    pub fn is_terminal(self) -> bool {
        matches!(self, SagaStatus::Completed | SagaStatus::Compensated)
    }

    /// The name stored in the `sagas` table and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            SagaStatus::NotStarted => "not_started",
            SagaStatus::Running => "running",
            SagaStatus::Compensating => "compensating",
            SagaStatus::Completed => "completed",
            SagaStatus::Compensated => "compensated",
            SagaStatus::NeedsAttention => "needs_attention",
        }
    }
}

/// Where one step stands, as shown to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema, async_graphql::Enum)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// Not reached.
    #[default]
    Pending,
    /// Command sent, awaiting the reply.
    InProgress,
    /// Done.
    Succeeded,
    /// Could not be done.
    Failed,
    /// Being undone.
    Compensating,
    /// Undone.
    Compensated,
}

/// The events of a saga stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
#[allow(missing_docs, reason = "variants are documented by the module rules; fields by their names")]
pub enum SagaEvent {
    SagaStarted {
        saga_type: String,
        data: Value,
    },
    SagaCommandIssued {
        step: String,
        phase: Phase,
        attempt: u32,
        deadline_at: DateTime<Utc>,
        envelope: Envelope,
        /// Carried out by the saga's [`LocalReceiver`] in the transition that issued it, so
        /// the relay does not publish it.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        in_place: bool,
    },
    SagaStepStarted {
        step: String,
        deadline_at: DateTime<Utc>,
    },
    SagaStepSucceeded {
        step: String,
        result: Value,
    },
    SagaStepFailed {
        step: String,
        failure: Failure,
        compensate_step: bool,
    },
    SagaCompensationFailed {
        step: String,
        attempt: u32,
        failure: Failure,
        retry_at: DateTime<Utc>,
    },
    SagaStepCompensated {
        step: String,
    },
    SagaCompleted,
    SagaCompensated {
        failure: Failure,
    },
    SagaNeedsAttention {
        step: String,
        reason: String,
    },
}

impl DomainEvent for SagaEvent {
    const TYPES: &'static [&'static str] = &[
        "SagaStarted",
        COMMAND_ISSUED,
        "SagaStepStarted",
        "SagaStepSucceeded",
        "SagaStepFailed",
        "SagaCompensationFailed",
        "SagaStepCompensated",
        "SagaCompleted",
        "SagaCompensated",
        "SagaNeedsAttention",
    ];
}

/// The event type the relay publishes commands from.
pub const COMMAND_ISSUED: &str = "SagaCommandIssued";

/// Whether a saga event of this type is its last: it completed, or it compensated.
pub fn is_final_event(event_type: &str) -> bool {
    matches!(event_type, "SagaCompleted" | "SagaCompensated")
}

/// The reply a saga waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Awaiting {
    /// Step name.
    pub step: String,
    /// Action or compensation.
    pub phase: Phase,
    /// Attempt number, from 1.
    pub attempt: u32,
    /// When the wait ends: the deadline, or the scheduled retry of a failed compensation.
    pub until: DateTime<Utc>,
    /// Whether `until` is a scheduled retry rather than a deadline.
    pub retry_scheduled: bool,
    /// Whether the receiver announced it began (so `until` counts its work, not the wait).
    pub started: bool,
    /// When the command was sent (its envelope's time), for the step's duration; unknown for
    /// a scheduled retry and in snapshots from before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<DateTime<Utc>>,
}

/// One step as shown to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, async_graphql::SimpleObject)]
pub struct StepView {
    /// Step name.
    pub name: String,
    /// Where it stands.
    pub status: StepStatus,
    /// Why it failed, or how its compensation is going.
    pub detail: Option<String>,
}

/// A saga's state: the fold of its events. Stored beside the stream as a snapshot (written
/// in the transaction that appends, with the version it folds up to), so a transition reads
/// one row instead of replaying a stream that grows with every step.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SagaState {
    /// Where it stands.
    pub status: SagaStatus,
    /// The start data, as stored.
    pub data: Value,
    /// What it waits for.
    pub awaiting: Option<Awaiting>,
    /// Each step's status and detail, by name.
    pub steps: BTreeMap<String, (StepStatus, Option<String>)>,
    /// Results of succeeded steps.
    pub results: BTreeMap<String, Value>,
    /// Succeeded steps, in the order they succeeded.
    pub succeeded: Vec<String>,
    /// A step that failed but may have had effects (timed out) and so is compensated too.
    pub failed_with_effects: Option<String>,
    /// The failure that made it compensate.
    pub failure: Option<Failure>,
}

impl SagaState {
    /// Applies one event.
    pub fn evolve(&mut self, event: &SagaEvent) {
        match event {
            SagaEvent::SagaStarted { data, .. } => {
                self.status = SagaStatus::Running;
                self.data = data.clone();
            }
            SagaEvent::SagaCommandIssued { step, phase, attempt, deadline_at, envelope, .. } => {
                self.awaiting = Some(Awaiting {
                    step: step.clone(),
                    phase: *phase,
                    attempt: *attempt,
                    until: *deadline_at,
                    retry_scheduled: false,
                    started: false,
                    issued_at: Some(envelope.occurred_at),
                });
                let status = match phase {
                    Phase::Forward => StepStatus::InProgress,
                    Phase::Compensation => StepStatus::Compensating,
                };
                let detail = (*attempt > 1).then(|| format!("attempt {attempt}"));
                self.steps.insert(step.clone(), (status, detail));
            }
            SagaEvent::SagaStepStarted { step, deadline_at } => {
                if let Some(awaiting) = self.awaiting.as_mut().filter(|a| &a.step == step) {
                    awaiting.until = *deadline_at;
                    awaiting.started = true;
                }
            }
            SagaEvent::SagaStepSucceeded { step, result } => {
                self.awaiting = None;
                self.results.insert(step.clone(), result.clone());
                self.succeeded.push(step.clone());
                self.steps.insert(step.clone(), (StepStatus::Succeeded, None));
            }
            SagaEvent::SagaStepFailed { step, failure, compensate_step } => {
                self.awaiting = None;
                self.status = SagaStatus::Compensating;
                self.failure = Some(failure.clone());
                if *compensate_step {
                    self.failed_with_effects = Some(step.clone());
                }
                self.steps.insert(step.clone(), (StepStatus::Failed, Some(failure.message.clone())));
            }
            SagaEvent::SagaCompensationFailed { step, attempt, failure, retry_at } => {
                self.awaiting = Some(Awaiting {
                    step: step.clone(),
                    phase: Phase::Compensation,
                    attempt: *attempt,
                    until: *retry_at,
                    retry_scheduled: true,
                    started: false,
                    issued_at: None,
                });
                let detail = format!("undo attempt {attempt} failed: {}", failure.message);
                self.steps.insert(step.clone(), (StepStatus::Compensating, Some(detail)));
            }
            SagaEvent::SagaStepCompensated { step } => {
                self.awaiting = None;
                // A success clears the alert: undoing goes on as usual.
                self.status = SagaStatus::Compensating;
                self.steps.insert(step.clone(), (StepStatus::Compensated, None));
            }
            SagaEvent::SagaCompleted => {
                self.awaiting = None;
                self.status = SagaStatus::Completed;
            }
            SagaEvent::SagaCompensated { .. } => {
                self.awaiting = None;
                self.status = SagaStatus::Compensated;
            }
            SagaEvent::SagaNeedsAttention { step, reason } => {
                // Still waiting: the retry scheduled with it goes on.
                self.status = SagaStatus::NeedsAttention;
                self.steps.insert(step.clone(), (StepStatus::Compensating, Some(reason.clone())));
            }
        }
    }

    fn compensated(&self, step: &str) -> bool {
        matches!(self.steps.get(step), Some((StepStatus::Compensated, _)))
    }

    /// The view shown to people: every step of `S` in order with its status.
    pub fn view<S: SagaStep>(&self) -> SagaView {
        SagaView {
            status: self.status,
            failure: self.failure.clone(),
            steps: S::VARIANTS
                .iter()
                .map(|step| {
                    let (status, detail) = self.steps.get(step.name()).cloned().unwrap_or_default();
                    StepView { name: step.name().to_owned(), status, detail }
                })
                .collect(),
        }
    }
}

/// A saga as shown to people and support staff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema, async_graphql::SimpleObject)]
pub struct SagaView {
    /// Where it stands.
    pub status: SagaStatus,
    /// Why it compensated, if it did.
    pub failure: Option<Failure>,
    /// Every step in order.
    pub steps: Vec<StepView>,
}

/// What moves a saga.
#[derive(Debug, Clone, PartialEq)]
pub enum Input<S> {
    /// Begin with this data (serialised `Data`).
    Start(Value),
    /// A reply arrived.
    Reply {
        /// The step answered.
        step: S,
        /// Action or compensation.
        phase: Phase,
        /// The result.
        outcome: Outcome,
    },
    /// Time passed: act on a deadline or a scheduled retry that is due.
    Tick,
    /// A person asks to retry the awaited compensation now, rather than at its scheduled
    /// retry (the cause of its failures is fixed). Only a compensation can be retried: a
    /// forward step has its own deadline and its own rules.
    Retry,
}

/// Why a saga could not take an input.
#[derive(Debug, thiserror::Error)]
pub enum SagaError {
    /// Started twice.
    #[error("saga {0} already started")]
    AlreadyStarted(Uuid),
    /// The stored data no longer matches `Data`.
    #[error("saga data does not decode: {0}")]
    Data(serde_json::Error),
    /// Building a command failed.
    #[error(transparent)]
    Command(#[from] BusError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl crate::event_store::AsConflict for SagaError {
    fn is_conflict(&self) -> bool {
        matches!(self, SagaError::Store(e) if e.is_conflict())
    }
}

struct Decision<'a, D: SagaDefinition> {
    definition: &'a D,
    saga_id: Uuid,
    source: &'a str,
    now: DateTime<Utc>,
    causation_id: Option<Uuid>,
    state: SagaState,
    events: Vec<SagaEvent>,
}

impl<D: SagaDefinition> Decision<'_, D> {
    fn emit(&mut self, event: SagaEvent) {
        self.state.evolve(&event);
        self.events.push(event);
    }

    fn data(&self) -> Result<D::Data, SagaError> {
        serde_json::from_value(self.state.data.clone()).map_err(SagaError::Data)
    }

    fn issue(&mut self, step: D::Step, phase: Phase, attempt: u32, command: Command) -> Result<(), SagaError> {
        let phase_name = match phase {
            Phase::Forward => "forward",
            Phase::Compensation => "compensation",
        };
        let message_id =
            crate::ids::derived_id(&[&self.saga_id.to_string(), step.name(), phase_name, &attempt.to_string()]);
        let envelope = Envelope {
            message_id,
            message_type: command.message_type.to_owned(),
            schema_version: command.schema_version,
            source: self.source.to_owned(),
            occurred_at: self.now,
            correlation_id: Some(self.saga_id),
            causation_id: self.causation_id,
            traceparent: None,
            source_stream: None,
            source_version: None,
            answered_in_place_for: None,
            payload: command.payload,
        };
        let wait = match phase {
            Phase::Forward => self.definition.queue_deadline(step).unwrap_or_else(|| self.definition.deadline(step)),
            Phase::Compensation => self.definition.deadline(step),
        };
        let deadline_at = self.now + wait;
        self.emit(SagaEvent::SagaCommandIssued {
            step: step.name().to_owned(),
            phase,
            attempt,
            deadline_at,
            envelope,
            in_place: false,
        });
        Ok(())
    }

    fn advance(&mut self, from: usize) -> Result<(), SagaError> {
        for step in D::Step::VARIANTS.iter().copied().skip(from) {
            match self.command_for(step, Phase::Forward)? {
                Some(command) => return self.issue(step, Phase::Forward, 1, command),
                None => self.emit(SagaEvent::SagaStepSucceeded { step: step.name().to_owned(), result: Value::Null }),
            }
        }
        self.emit(SagaEvent::SagaCompleted);
        Ok(())
    }

    /// What `step` sends in `phase` now: the definition's action or compensation, given the
    /// saga's data, results and failure so far (`None`: nothing to send).
    fn command_for(&self, step: D::Step, phase: Phase) -> Result<Option<Command>, SagaError> {
        let data = self.data()?;
        let context = SagaContext {
            saga_id: self.saga_id,
            data: &data,
            results: &self.state.results,
            failure: self.state.failure.as_ref(),
        };
        Ok(match phase {
            Phase::Forward => self.definition.action(step, &context)?,
            Phase::Compensation => self.definition.compensation(step, &context)?,
        })
    }

    /// Sends a forward step's command again, as attempt `attempt`.
    fn reissue(&mut self, step: D::Step, attempt: u32) -> Result<(), SagaError> {
        match self.command_for(step, Phase::Forward)? {
            Some(command) => self.issue(step, Phase::Forward, attempt, command),
            None => Ok(()),
        }
    }

    fn fail(&mut self, step: D::Step, failure: Failure, compensate_step: bool) -> Result<(), SagaError> {
        self.emit(SagaEvent::SagaStepFailed { step: step.name().to_owned(), failure, compensate_step });
        self.compensate_next()
    }

    fn compensate_next(&mut self) -> Result<(), SagaError> {
        let candidates: Vec<String> =
            self.state.failed_with_effects.iter().chain(self.state.succeeded.iter().rev()).cloned().collect();
        for name in candidates {
            if self.state.compensated(&name) {
                continue;
            }
            let Some(step) = D::Step::from_name(&name) else { continue };
            if let Some(command) = self.command_for(step, Phase::Compensation)? {
                return self.issue(step, Phase::Compensation, 1, command);
            }
        }
        let failure = self.state.failure.clone().unwrap_or_else(|| Failure::new("failed", "the saga failed"));
        self.emit(SagaEvent::SagaCompensated { failure });
        Ok(())
    }

    fn retry_compensation(&mut self, step: D::Step, attempt: u32) -> Result<(), SagaError> {
        match self.command_for(step, Phase::Compensation)? {
            Some(command) => self.issue(step, Phase::Compensation, attempt, command),
            None => self.compensate_next(),
        }
    }

    /// A compensation cannot be given up: it is retried after a pause, and once it has
    /// failed [`SagaDefinition::MAX_COMPENSATION_ATTEMPTS`] times the saga is flagged too.
    fn compensation_failed(&mut self, step: D::Step, attempt: u32, failure: Failure) {
        if attempt >= D::MAX_COMPENSATION_ATTEMPTS && self.state.status != SagaStatus::NeedsAttention {
            let reason = format!("undo failed {attempt} times and is still retried; last: {}", failure.message);
            self.emit(SagaEvent::SagaNeedsAttention { step: step.name().to_owned(), reason });
        }
        let retry_at = self.now + self.definition.retry_delay(attempt);
        self.emit(SagaEvent::SagaCompensationFailed { step: step.name().to_owned(), attempt, failure, retry_at });
    }
}

fn index_of<S: SagaStep>(step: S) -> usize {
    S::VARIANTS.iter().position(|s| *s == step).expect("a step is a variant of its enum")
}

/// The transition function: the events that `input` causes in a saga at `state`.
/// No events means the input does not apply (a duplicate or stale reply, an early tick).
pub fn decide<D: SagaDefinition>(
    definition: &D,
    saga_id: Uuid,
    source: &str,
    state: &SagaState,
    input: Input<D::Step>,
    now: DateTime<Utc>,
    causation_id: Option<Uuid>,
) -> Result<Vec<SagaEvent>, SagaError> {
    let mut decision =
        Decision { definition, saga_id, source, now, causation_id, state: state.clone(), events: Vec::new() };
    let awaiting = state.awaiting.clone();
    match input {
        Input::Start(data) => {
            if state.status != SagaStatus::NotStarted {
                return Err(SagaError::AlreadyStarted(saga_id));
            }
            decision.emit(SagaEvent::SagaStarted { saga_type: D::NAME.to_owned(), data });
            decision.advance(0)?;
        }
        Input::Reply { step, phase, outcome } => {
            let Some(awaiting) = awaiting.filter(|a| a.step == step.name() && a.phase == phase) else {
                return Ok(Vec::new());
            };
            match (phase, outcome) {
                // Begun, or begun again after a restart: the receiver's work is timed from now.
                (Phase::Forward, Outcome::Started) => {
                    let deadline_at = decision.now + definition.deadline(step);
                    decision.emit(SagaEvent::SagaStepStarted { step: step.name().to_owned(), deadline_at });
                }
                (Phase::Forward, Outcome::Succeeded(result)) => {
                    decision.emit(SagaEvent::SagaStepSucceeded { step: step.name().to_owned(), result });
                    decision.advance(index_of(step) + 1)?;
                }
                (Phase::Forward, Outcome::Failed(failure) | Outcome::Refused(failure)) => {
                    decision.fail(step, failure, false)?;
                }
                // Compensations are not timed by their start: a missed deadline sends them again.
                (Phase::Compensation, Outcome::Started) => {}
                (Phase::Compensation, Outcome::Succeeded(_)) => {
                    decision.emit(SagaEvent::SagaStepCompensated { step: step.name().to_owned() });
                    decision.compensate_next()?;
                }
                (Phase::Compensation, Outcome::Failed(failure)) => {
                    if !awaiting.retry_scheduled {
                        decision.compensation_failed(step, awaiting.attempt, failure);
                    }
                }
                // Retrying cannot change a refusal, so it counts as the last attempt: flagged
                // for a person now, and still asked again at the longest pauses.
                (Phase::Compensation, Outcome::Refused(failure)) => {
                    if !awaiting.retry_scheduled {
                        let attempt = awaiting.attempt.max(D::MAX_COMPENSATION_ATTEMPTS);
                        decision.compensation_failed(step, attempt, failure);
                    }
                }
            }
        }
        Input::Tick => {
            let Some(awaiting) = awaiting.filter(|a| now >= a.until) else { return Ok(Vec::new()) };
            let Some(step) = D::Step::from_name(&awaiting.step) else { return Ok(Vec::new()) };
            match awaiting.phase {
                Phase::Forward if definition.retried_until_done(step) => {
                    decision.reissue(step, awaiting.attempt + 1)?
                }
                Phase::Forward => {
                    let message = match definition.queue_deadline(step) {
                        Some(wait) if !awaiting.started => {
                            format!("{} was not taken up within {} s", step.name(), wait.num_seconds())
                        }
                        _ => format!(
                            "{} got no answer within {} s",
                            step.name(),
                            definition.deadline(step).num_seconds()
                        ),
                    };
                    decision.fail(step, Failure::new("timeout", message), true)?;
                }
                Phase::Compensation if awaiting.retry_scheduled => {
                    decision.retry_compensation(step, awaiting.attempt + 1)?;
                }
                Phase::Compensation if awaiting.attempt >= D::MAX_COMPENSATION_ATTEMPTS => {
                    decision.compensation_failed(step, awaiting.attempt, Failure::new("timeout", "no answer in time"));
                }
                Phase::Compensation => decision.retry_compensation(step, awaiting.attempt + 1)?,
            }
        }
        Input::Retry => {
            let Some(awaiting) = awaiting.filter(|a| a.phase == Phase::Compensation) else { return Ok(Vec::new()) };
            let Some(step) = D::Step::from_name(&awaiting.step) else { return Ok(Vec::new()) };
            decision.retry_compensation(step, awaiting.attempt + 1)?;
        }
    }
    Ok(decision.events)
}

/// A receiver of saga commands that lives in the saga's own database, so its commands are
/// carried out inside the transition that issues them instead of travelling as messages.
/// Each such command saves two hops (the command's and its reply's) and two units of work,
/// and the step commits atomically with the saga's decision to take it.
#[async_trait]
pub trait LocalReceiver: Send + Sync + 'static {
    /// The command types it carries out in place.
    fn command_types(&self) -> Vec<&'static str>;
    /// Carries out `command` inside `uow`, recording its effects with `effects` (the
    /// command's causation, marked as answered in place, so the saga drops the relay's copy
    /// of the reply), and returns the reply its effect publishes, or `None` when it refuses
    /// the command or has nothing to say: the saga then goes on waiting, and the step's
    /// deadline decides as it would for a silent receiver.
    async fn receive(
        &self,
        uow: &mut UnitOfWork,
        command: &Envelope,
        effects: &Metadata,
    ) -> Result<Option<Envelope>, SagaError>;
}

/// Runs sagas of one definition over an event store.
pub struct SagaEngine<D: SagaDefinition> {
    definition: Arc<D>,
    answers: Arc<Answers<D::Step>>,
    store: EventStore,
    local: Option<Arc<dyn LocalReceiver>>,
    remembered: Arc<RememberedStates>,
}

impl<D: SagaDefinition> Clone for SagaEngine<D> {
    fn clone(&self) -> Self {
        SagaEngine {
            definition: self.definition.clone(),
            answers: self.answers.clone(),
            store: self.store.clone(),
            local: self.local.clone(),
            remembered: self.remembered.clone(),
        }
    }
}

/// A column reading the view of the saga whose id is in `id_column` (null when there is
/// none), so a context's read model fetches its rows with their sagas' progress in one
/// query instead of one more round trip per look; decode it with [`decode_view`].
pub fn view_column(id_column: &str) -> String {
    format!("(select view from sagas where sagas.saga_id = {id_column})")
}

/// The saga view read through [`view_column`] or [`SagaEngine::view`].
pub fn decode_view(view: Option<&str>) -> Result<Option<SagaView>, serde_json::Error> {
    view.map(serde_json::from_str).transpose()
}

/// The stream a saga is stored in.
pub fn stream_id(saga_id: Uuid) -> String {
    format!("saga-{saga_id}")
}

/// Sagas this process remembers at most; past it, it forgets them all and starts again.
const REMEMBERED_SAGAS: usize = 4_096;

/// The last committed state of each saga this process moved and that is not finished, so
/// the next transition need not read its row first. Only a hint, since another process may
/// have moved the saga since: a transition's append still checks that the stream is at the
/// remembered version (a conflict forgets it and the retry reads the store), and a
/// transition that would do nothing or refuse is decided again on the stored state.
#[derive(Default)]
struct RememberedStates {
    states: std::sync::Mutex<std::collections::HashMap<Uuid, (SagaState, i64)>>,
}

impl RememberedStates {
    fn get(&self, saga_id: Uuid) -> Option<(SagaState, i64)> {
        self.states.lock().expect("remembered sagas lock").get(&saga_id).cloned()
    }

    fn forget(&self, saga_id: Uuid) {
        self.states.lock().expect("remembered sagas lock").remove(&saga_id);
    }

    /// Keeps `state`, committed at `version`, unless a later version is kept already; a
    /// finished saga is forgotten instead.
    fn keep(&self, saga_id: Uuid, state: SagaState, version: i64) {
        let mut states = self.states.lock().expect("remembered sagas lock");
        if state.status.is_terminal() {
            states.remove(&saga_id);
            return;
        }
        match states.get(&saga_id) {
            Some((_, kept)) if *kept >= version => {}
            Some(_) => {
                states.insert(saga_id, (state, version));
            }
            None => {
                if states.len() >= REMEMBERED_SAGAS {
                    states.clear();
                }
                states.insert(saga_id, (state, version));
            }
        }
    }
}

/// The saga's state and version as stored: its row's snapshot, or its stream replayed.
async fn stored_state(uow: &mut UnitOfWork, saga_id: Uuid) -> Result<(SagaState, i64), SagaError> {
    if let Some(snapshot) = load_snapshot(uow, saga_id).await? {
        return Ok(snapshot);
    }
    let recorded = uow.load(&stream_id(saga_id)).await?;
    let mut state = SagaState::default();
    for event in &recorded {
        state.evolve(&event.decode::<SagaEvent>()?);
    }
    Ok((state, recorded.last().map_or(0, |e| e.stream_version)))
}

/// The saga's stored state and the stream version it folds up to, read inside `uow`;
/// `None` when there is none to trust (no row yet, a row from before snapshots, one behind
/// its stream, or one that no longer decodes), and then the caller replays the stream,
/// which is the truth.
async fn load_snapshot(uow: &mut UnitOfWork, saga_id: Uuid) -> Result<Option<(SagaState, i64)>, StoreError> {
    let row: Option<(Option<String>, Option<i64>, i64)> = sqlx::query_as(
        "select state, state_version, \
         (select coalesce(max(stream_version), 0) from events where stream_id = $2) \
         from sagas where saga_id = $1",
    )
    .bind(saga_id.to_string())
    .bind(stream_id(saga_id))
    .fetch_optional(uow.conn())
    .await?;
    let Some((Some(state), Some(version), stream_version)) = row else { return Ok(None) };
    if version != stream_version {
        return Ok(None);
    }
    match serde_json::from_str(&state) {
        Ok(state) => Ok(Some((state, version))),
        Err(error) => {
            tracing::debug!(%saga_id, %error, "saga snapshot does not decode; replaying its stream");
            Ok(None)
        }
    }
}

impl<D: SagaDefinition> SagaEngine<D> {
    /// An engine storing sagas in `store`.
    ///
    /// # Panics
    /// As [`Answers::of`], when the definition's reply mapping is ambiguous.
    pub fn new(definition: D, store: EventStore) -> Self {
        let answers = Arc::new(Answers::of(&definition));
        SagaEngine { definition: Arc::new(definition), answers, store, local: None, remembered: Arc::default() }
    }

    /// The same engine, carrying out `receiver`'s command types in place (see
    /// [`LocalReceiver`]).
    #[must_use]
    pub fn with_local_receiver(mut self, receiver: Arc<dyn LocalReceiver>) -> Self {
        self.local = Some(receiver);
        self
    }

    /// The receiver that carries out `command` in place, if it is one of its types.
    fn local_receiver_of(&self, command: &Envelope) -> Option<&Arc<dyn LocalReceiver>> {
        self.local.as_ref().filter(|local| local.command_types().contains(&command.message_type.as_str()))
    }

    /// Starts a saga inside the caller's unit of work, so it begins atomically with
    /// whatever caused it (e.g. the order being placed).
    pub async fn start(
        &self,
        uow: &mut UnitOfWork,
        saga_id: Uuid,
        data: &D::Data,
        metadata: &Metadata,
    ) -> Result<(), SagaError> {
        let data = serde_json::to_value(data).map_err(SagaError::Data)?;
        self.transition(uow, saga_id, Input::Start(data), metadata).await?;
        uow.on_commit(|| metrics::counter!("emporium_saga_started_total", "saga" => D::NAME).increment(1));
        Ok(())
    }

    /// Moves saga `saga_id` by `input` inside `uow`, and on through every reply a
    /// [`LocalReceiver`] gives in place; returns the saga's state and whether it moved.
    async fn transition(
        &self,
        uow: &mut UnitOfWork,
        saga_id: Uuid,
        input: Input<D::Step>,
        metadata: &Metadata,
    ) -> Result<(SagaState, bool), SagaError> {
        let stream = stream_id(saga_id);
        // A start reads the store: only the store can say the saga does not exist yet.
        let remembered = if matches!(input, Input::Start(_)) { None } else { self.remembered.get(saga_id) };
        let mut checked = remembered.is_none();
        let (mut state, mut version) = match remembered {
            Some(remembered) => remembered,
            None => stored_state(uow, saga_id).await?,
        };
        let source = self.store.db().name().to_owned();
        let (mut input, mut metadata, mut moved) = (input, metadata.clone(), false);
        // Logged and counted once the unit commits: a conflict's retry or a rollback must not
        // count what did not happen.
        let mut transitions = Vec::new();
        // A command continues the trace from the span deciding it (see `telemetry`).
        let traceparent = crate::telemetry::current_traceparent().or_else(|| metadata.traceparent.clone());
        loop {
            let now = self.store.clock().now();
            let events =
                match decide(&*self.definition, saga_id, &source, &state, input.clone(), now, metadata.causation_id) {
                    Ok(events) if !events.is_empty() => events,
                    // Doing nothing, or refusing, is decided on the stored state, which a
                    // remembered one may be behind (an append would have caught that; no append
                    // does not).
                    _ if !checked => {
                        (state, version) = stored_state(uow, saga_id).await?;
                        checked = true;
                        continue;
                    }
                    Ok(_) => break,
                    Err(error) => return Err(error),
                };
            let mut new_events = Vec::with_capacity(events.len());
            let mut in_place = None;
            for mut event in events {
                if let SagaEvent::SagaCommandIssued { envelope, in_place: local, .. } = &mut event {
                    envelope.traceparent.clone_from(&traceparent);
                    if let Some(receiver) = self.local_receiver_of(envelope) {
                        *local = true;
                        in_place = Some((receiver.clone(), envelope.clone()));
                    }
                }
                let recorded = NewEvent::from_domain(&event, &metadata)?;
                let (name, awaiting) = (recorded.event_type.clone(), state.awaiting.clone());
                new_events.push(recorded);
                state.evolve(&event);
                transitions.push(Transition { name, event, awaiting, at: now });
            }
            let expected = if version == 0 { ExpectedVersion::NoStream } else { ExpectedVersion::Exact(version) };
            if let Err(error) = uow.append(&stream, expected, &new_events).await {
                // Moved elsewhere meanwhile, most likely: the retry reads the store.
                self.remembered.forget(saga_id);
                return Err(error.into());
            }
            version += i64::try_from(new_events.len()).unwrap_or(i64::MAX);
            (moved, checked) = (true, true);
            let Some((receiver, command)) = in_place else { break };
            let effects = Metadata { answered_in_place_for: Some(saga_id), ..Metadata::caused_by(&command) };
            let Some(reply) = receiver.receive(uow, &command, &effects).await? else { break };
            match self.answers.interpret(&reply)? {
                Some(reply) if reply.saga_id == saga_id => {
                    input = Input::Reply { step: reply.step, phase: reply.phase, outcome: reply.outcome };
                }
                _ => {
                    tracing::error!(saga = D::NAME, %saga_id, reply = %reply.message_type,
                        "a command carried out in place gave a reply that does not answer it; the step waits for its deadline");
                    break;
                }
            }
            metadata = Metadata::caused_by(&reply);
        }
        if moved {
            self.save_view(uow, saga_id, &state, version).await?;
        }
        let (remembered, committed) = (self.remembered.clone(), state.clone());
        uow.on_commit(move || {
            remembered.keep(saga_id, committed, version);
            transitions.iter().for_each(|transition| transition.record::<D>(saga_id));
        });
        Ok((state, moved))
    }

    /// Writes the saga's row: status, deadline and view for queries and timers, and the
    /// state at `version` as the next transition's snapshot.
    async fn save_view(
        &self,
        uow: &mut UnitOfWork,
        saga_id: Uuid,
        state: &SagaState,
        version: i64,
    ) -> Result<(), StoreError> {
        let view = serde_json::to_string(&state.view::<D::Step>()).map_err(StoreError::Encode)?;
        let snapshot = serde_json::to_string(state).map_err(StoreError::Encode)?;
        let deadline = state.awaiting.as_ref().map(|a| crate::time::format(a.until));
        let now = crate::time::format(self.store.clock().now());
        sqlx::query(
            "insert into sagas (saga_id, saga_type, status, deadline_at, view, updated_at, state, state_version) \
             values ($1, $2, $3, $4, $5, $6, $7, $8) \
             on conflict (saga_id) do update set status = excluded.status, deadline_at = excluded.deadline_at, \
             view = excluded.view, updated_at = excluded.updated_at, state = excluded.state, \
             state_version = excluded.state_version",
        )
        .bind(saga_id.to_string())
        .bind(D::NAME)
        .bind(state.status.as_str())
        .bind(deadline)
        .bind(view)
        .bind(now)
        .bind(snapshot)
        .bind(version)
        .execute(uow.conn())
        .await?;
        Ok(())
    }

    /// Feeds a reply to its saga, exactly once per message (inbox in the same transaction).
    pub async fn handle_reply(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        let Some(reply) = self.answers.interpret(envelope)? else { return Ok(()) };
        if envelope.answered_in_place_for == Some(reply.saga_id) {
            // The relay's copy of an answer the saga took in the transition that carried out
            // its command: nothing to do, and nothing to claim.
            return Ok(());
        }
        let metadata = Metadata::caused_by(envelope);
        let (reply, metadata) = (&reply, &metadata);
        crate::messaging::handle_once(&self.store, D::CONSUMER, envelope, |mut uow| async move {
            let input = Input::Reply { step: reply.step, phase: reply.phase, outcome: reply.outcome.clone() };
            self.transition(&mut uow, reply.saga_id, input, metadata).await?;
            Ok::<_, SagaError>((uow, ()))
        })
        .await
        .map(|_| ())
        .map_err(|error| match error {
            SagaError::Data(e) => HandlerError::Permanent(e.to_string()),
            other => HandlerError::Transient(other.to_string()),
        })
    }

    /// Acts on every deadline and scheduled retry that is due; returns how many sagas moved.
    /// A saga that cannot be processed is logged, counted and skipped.
    pub async fn fire_due(&self) -> Result<usize, SagaError> {
        let now = crate::time::format(self.store.clock().now());
        let due: Vec<String> = sqlx::query_scalar(
            "select saga_id from sagas where saga_type = $1 and status in ('running', 'compensating', 'needs_attention') \
             and deadline_at <= $2 order by deadline_at limit 100",
        )
        .bind(D::NAME)
        .bind(now)
        .fetch_all(self.store.db().reader())
        .await
        .map_err(StoreError::from)?;
        let mut moved = 0;
        for saga_id in due {
            let Ok(saga_id) = Uuid::parse_str(&saga_id) else { continue };
            let changed = crate::event_store::retry_on_conflict(|| async {
                let mut uow = self.store.begin().await?;
                let (_, moved) = self.transition(&mut uow, saga_id, Input::Tick, &Metadata::default()).await?;
                uow.commit().await?;
                Ok::<_, SagaError>(moved)
            })
            .await;
            match changed {
                Ok(changed) => moved += usize::from(changed),
                // One saga that cannot be processed must not hold back every later deadline.
                Err(error) => {
                    metrics::counter!("emporium_saga_timer_failures_total", "saga" => D::NAME).increment(1);
                    tracing::error!(saga = D::NAME, %saga_id, %error, "cannot act on this saga's deadline; skipping it");
                }
            }
        }
        Ok(moved)
    }

    /// Sends the awaited compensation of saga `saga_id` again now (a person's retry);
    /// `false` when the saga awaits no compensation, so there is nothing to retry.
    pub async fn retry(&self, saga_id: Uuid) -> Result<bool, SagaError> {
        crate::event_store::retry_on_conflict(|| async {
            let mut uow = self.store.begin().await?;
            let (_, moved) = self.transition(&mut uow, saga_id, Input::Retry, &Metadata::default()).await?;
            uow.commit().await?;
            Ok::<_, SagaError>(moved)
        })
        .await
    }

    /// The saga as people see it, from the `sagas` table kept with every transition.
    pub async fn view(&self, saga_id: Uuid) -> Result<Option<SagaView>, StoreError> {
        let view: Option<String> = sqlx::query_scalar("select view from sagas where saga_id = $1")
            .bind(saga_id.to_string())
            .fetch_optional(self.store.db().reader())
            .await?;
        decode_view(view.as_deref()).map_err(StoreError::Decode)
    }

    /// Checks deadlines every `interval` until cancelled.
    pub async fn run_timers(self, interval: std::time::Duration, cancel: tokio_util::sync::CancellationToken) {
        while !cancel.is_cancelled() {
            if let Err(error) = self.fire_due().await {
                tracing::warn!(saga = D::NAME, %error, "saga timers failed; retrying");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = cancel.cancelled() => {}
            }
        }
    }
}

/// A saga engine as the operator's tools see it, whatever its definition.
#[async_trait]
pub trait SagaControl: Send + Sync {
    /// The saga type it runs (`sagas.saga_type`).
    fn saga_type(&self) -> &'static str;
    /// See [`SagaEngine::retry`].
    async fn retry(&self, saga_id: Uuid) -> Result<bool, SagaError>;
}

#[async_trait]
impl<D: SagaDefinition> SagaControl for SagaEngine<D> {
    fn saga_type(&self) -> &'static str {
        D::NAME
    }

    async fn retry(&self, saga_id: Uuid) -> Result<bool, SagaError> {
        SagaEngine::retry(self, saga_id).await
    }
}

/// One event of a saga's transition, kept until its unit of work commits.
struct Transition {
    /// The event's type, as recorded.
    name: String,
    event: SagaEvent,
    /// What the saga waited for before the event.
    awaiting: Option<Awaiting>,
    at: DateTime<Utc>,
}

impl Transition {
    /// One structured log line for this transition of saga `saga_id`, and the outcome counters
    /// by saga, step and failure code (codes are the contracts' few reasons, so the label
    /// values stay bounded).
    ///
    /// A step's answer ends the wait in `awaiting`, and its time since the command went out
    /// is the step's duration (`emporium_saga_step_seconds`).
    fn record<D: SagaDefinition>(&self, saga_id: Uuid) {
        let Transition { name: transition, event, awaiting, at: now } = self;
        let (saga, transition, now) = (D::NAME, transition.as_str(), *now);
        let step = match event {
            SagaEvent::SagaCommandIssued { step, .. }
            | SagaEvent::SagaStepStarted { step, .. }
            | SagaEvent::SagaStepSucceeded { step, .. }
            | SagaEvent::SagaStepFailed { step, .. }
            | SagaEvent::SagaCompensationFailed { step, .. }
            | SagaEvent::SagaStepCompensated { step }
            | SagaEvent::SagaNeedsAttention { step, .. } => step.as_str(),
            SagaEvent::SagaStarted { .. } | SagaEvent::SagaCompleted | SagaEvent::SagaCompensated { .. } => "",
        };
        let outcome = match event {
            SagaEvent::SagaStepSucceeded { .. } => Some("succeeded"),
            SagaEvent::SagaStepFailed { .. } => Some("failed"),
            SagaEvent::SagaStepCompensated { .. } => Some("compensated"),
            _ => None,
        };
        if let (Some(outcome), Some(Awaiting { step: awaited, issued_at: Some(issued_at), .. })) =
            (outcome, awaiting.as_ref())
            && awaited == step
        {
            let seconds = (now - *issued_at).to_std().unwrap_or_default().as_secs_f64();
            let labels = [("saga", saga.to_owned()), ("step", step.to_owned()), ("outcome", outcome.to_owned())];
            metrics::histogram!("emporium_saga_step_seconds", &labels).record(seconds);
        }
        match event {
            SagaEvent::SagaCompleted => metrics::counter!("emporium_saga_completed_total", "saga" => saga).increment(1),
            SagaEvent::SagaCompensated { failure } => {
                metrics::counter!("emporium_saga_compensated_total", "saga" => saga, "code" => failure.code.clone())
                    .increment(1);
            }
            SagaEvent::SagaStepFailed { failure, .. } => {
                let labels = [("saga", saga.to_owned()), ("step", step.to_owned()), ("code", failure.code.clone())];
                metrics::counter!("emporium_saga_step_failed_total", &labels).increment(1);
            }
            SagaEvent::SagaNeedsAttention { reason, .. } => {
                metrics::counter!("emporium_saga_needs_attention_total", "saga" => saga, "step" => step.to_owned())
                    .increment(1);
                let trace = crate::telemetry::current_trace_id();
                tracing::error!(saga, %saga_id, transition, step, %reason, tags.trace_id = trace, "saga needs attention");
                return;
            }
            _ => {}
        }
        tracing::info!(saga, %saga_id, transition, step, "saga transition");
    }
}

/// Consumes a saga's replies.
pub struct SagaReplies<D: SagaDefinition>(pub SagaEngine<D>);

#[async_trait]
impl<D: SagaDefinition> MessageHandler for SagaReplies<D> {
    fn consumer(&self) -> &'static str {
        D::CONSUMER
    }

    fn message_types(&self) -> Vec<&'static str> {
        self.0.answers.message_types()
    }

    async fn handle(&self, envelope: &Envelope) -> Result<(), HandlerError> {
        self.0.handle_reply(envelope).await
    }
}

#[cfg(test)]
mod tests;
